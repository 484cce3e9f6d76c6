// Decoding and re-encoding real actor modules, and refusing what the reference refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WASM_FEATURES_V2,
  WASM_FEATURES_V3,
  WASM_FEATURES_V4,
  WasmValidationError,
  checkImports,
  decodeModule,
  encodeModule,
  validateFeatures,
  type WasmFeatures,
} from '../../src/engine/wasm/index.js';
import { WASM_PRICES_V2, WASM_PRICES_V4, instrumentModule } from '../../src/engine/instrument/index.js';
import { bundleModules, bundleVersions, bundlesDir, wat, type WatFeatures } from './wasm-helpers.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

test('actor modules of the official bundles re-encode byte for byte and instrument', async (t) => {
  const dir = bundlesDir();
  const versions = dir ? bundleVersions(dir) : [];
  if (!dir || versions.length === 0) {
    t.skip('no bundles: see README');
    return;
  }
  // The oldest and newest bundles, a few actors each (storageminer is the largest).
  const picks = [...new Set([versions[0]!, versions[versions.length - 1]!])];
  for (const v of picks) {
    const modules = await bundleModules(dir, v);
    assert.ok(modules.size >= 12, `bundle v${v} has its actors`);
    for (const name of ['system', 'account', 'storageminer']) {
      const wasm = modules.get(name);
      assert.ok(wasm, `bundle v${v} has ${name}`);
      await t.test(`v${v} ${name}`, () => {
        const ir = decodeModule(wasm);
        assert.ok(ir.code.length > 0 && ir.exports.some((e) => e.name === 'invoke'));
        assert.ok(sameBytes(encodeModule(ir), wasm), 'byte-identical re-encoding');
        const prices = v <= 9 ? WASM_PRICES_V2 : WASM_PRICES_V4;
        const once = instrumentModule(wasm, { prices, maxStackHeight: 2048 });
        const twice = instrumentModule(wasm, { prices, maxStackHeight: 2048 });
        assert.ok(sameBytes(once, twice), 'deterministic');
        assert.ok(WebAssembly.validate(once), 'V8 accepts the instrumented module');
        const out = decodeModule(once);
        const gas = out.imports[out.imports.length - 1]!;
        assert.equal(gas.module, 'gas');
        assert.equal(gas.name, 'gas_counter');
        assert.equal(out.functions.length, ir.functions.length + (out.code.length - ir.code.length));
        assert.ok(out.code.length > ir.code.length, 'thunks and the gas function were added');
      });
    }
  }
});

/** Asserts that instrumentModule refuses the module with a reason matching `reason`. */
async function refuses(
  source: string | Uint8Array,
  reason: RegExp,
  options: { features?: WasmFeatures; wat?: WatFeatures; v2?: boolean } = {},
): Promise<void> {
  const bytes = typeof source === 'string' ? await wat(source, options.wat) : source;
  assert.throws(
    () =>
      instrumentModule(bytes, {
        prices: options.v2 ? WASM_PRICES_V2 : WASM_PRICES_V4,
        maxStackHeight: 2048,
        ...(options.features ? { features: options.features } : {}),
      }),
    (err: unknown) => err instanceof WasmValidationError && reason.test(err.message),
    `expected a WasmValidationError matching ${reason}`,
  );
}

test('malformed binaries are refused with the reason', async () => {
  const ok = await wat('(module (func (export "f")))');
  await refuses(new Uint8Array([0, 1, 2, 3, 1, 0, 0, 0]), /bad magic/);
  await refuses(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), /version/);
  await refuses(ok.subarray(0, ok.length - 2), /unexpected end|past the end/);
  // Type section placed after the function section.
  const swapped = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 3, 2, 1, 0, 1, 4, 1, 0x60, 0, 0]);
  await refuses(swapped, /out of order/);
  // A 6-byte LEB128 section size.
  await refuses(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), /LEB128|32 bits/);
  // Invalid UTF-8 in an export name.
  const badName = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7, 4, 1, 1, 0xff, 0, 0]);
  await refuses(badName, /UTF-8/);
});

test('disabled proposals are refused', async () => {
  await refuses('(module (func (result v128) v128.const i32x4 0 0 0 0))', /SIMD/, { wat: { simd: true } });
  await refuses('(module (memory 1 1 shared) (func))', /threads/, { wat: { threads: true } });
  await refuses(
    '(module (memory 1) (func (result i32) i32.const 0 i32.atomic.load))',
    /threads|atomics/,
    { wat: { threads: true } },
  );
  await refuses('(module (func $f return_call $f))', /tail-call/, { wat: { tail_call: true } });
  await refuses('(module (func (result i32 i32) i32.const 1 i32.const 2))', /multi-value/, { wat: { multi_value: true } });
  await refuses(
    '(module (func (result i32) (block (result i32 i32) i32.const 1 i32.const 2) drop))',
    /multi-value/,
    { wat: { multi_value: true } },
  );
  await refuses('(module (memory 1) (memory 1) (func))', /multi-memory/, { wat: { multi_memory: true } });
  await refuses('(module (memory i64 1) (func))', /memory64/, { wat: { memory64: true } });
  await refuses('(module (tag $e) (func))', /exception/, { wat: { exceptions: true } });
  await refuses('(module (func (try (do nop) (catch_all))))', /exception/, { wat: { exceptions: true } });
  await refuses(
    '(module (global i32 (i32.add (i32.const 1) (i32.const 2))) (func))',
    /extended-const/,
    { wat: { extended_const: true } },
  );
});

test('reference types: refused by ref-fvm 3, and their ref.* instructions by the instrumentation', async () => {
  const tableOps = '(module (table 1 funcref) (func (result i32) i32.const 0 table.grow 0 ref.null func))';
  const size = '(module (table 1 funcref) (func (result i32) table.size 0))';
  await refuses(size, /reference types/, { features: WASM_FEATURES_V3, wat: { reference_types: true } });
  await refuses(size, /sign-extension|reference|disabled/, { v2: true, features: WASM_FEATURES_V2, wat: { reference_types: true } });
  // ref-fvm 4 validates them, but neither the stack limiter nor the gas rules accept ref.*.
  await refuses(tableOps, /not supported/, { features: WASM_FEATURES_V4, wat: { reference_types: true } });
  await refuses('(module (func (result i32) ref.null func ref.is_null))', /not supported/, { wat: { reference_types: true } });
  await refuses('(module (func (param i32) (result i32) i32.const 1 i32.const 2 local.get 0 select (result i32)))', /not supported/, {
    wat: { reference_types: true },
  });
  await refuses('(module (func (param externref)))', /externref/, { wat: { reference_types: true } });
  // table.size alone is fine in ref-fvm 4.
  const bytes = await wat(size, { reference_types: true });
  assert.ok(WebAssembly.validate(instrumentModule(bytes, { prices: WASM_PRICES_V4, maxStackHeight: 2048 })));
});

test('sign-extension and saturating conversions are refused by ref-fvm 2 only', async () => {
  const signExt = '(module (func (param i32) (result i32) local.get 0 i32.extend8_s))';
  const satTrunc = '(module (func (param f64) (result i32) local.get 0 i32.trunc_sat_f64_u))';
  await refuses(signExt, /sign-extension/, { v2: true });
  await refuses(satTrunc, /saturating/, { v2: true });
  for (const src of [signExt, satTrunc]) {
    assert.ok(instrumentModule(await wat(src), { prices: WASM_PRICES_V4, maxStackHeight: 2048 }).length > 0);
  }
});

test('engine limits: initial table and memory size', async () => {
  await refuses('(module (table 20001 funcref) (func))', /20000/);
  await refuses('(module (table 10001 funcref) (func))', /10000/, { features: WASM_FEATURES_V3 });
  await refuses('(module (table 1 funcref) (table 1 funcref) (func))', /tables/, { wat: { reference_types: true } });
  await refuses('(module (memory 8193) (func))', /8192/);
  assert.doesNotThrow(() => validateFeatures(decodeModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), WASM_FEATURES_V4));
});

test('what the instrumenter itself refuses', async () => {
  await refuses('(module (import "env" "g" (global i32)) (memory 1) (data (global.get 0) "x") (func))', /data segment 0/);
  await refuses('(module (table 1 funcref) (elem (i32.const 0) funcref (ref.null func)) (func))', /expressions/, {
    wat: { reference_types: true },
  });
  await refuses('(module (import "gas" "gas_counter" (global (mut i64))) (func))', /gas global/);
  await refuses('(module (memory 1) (func i32.const 0 i32.const 0 i32.const -1 memory.fill))', /negative/);
  await refuses('(module)', /no code section/);
  // Valid WASM the stack limiter's model refuses: popping more than the frame pushed after
  // `unreachable` left one value too few.
  await refuses('(module (func unreachable drop i32.add drop))', /stack underflow/);
});

test('a start function is accepted and reached through a thunk', async () => {
  const bytes = await wat('(module (func $s) (start $s))');
  const out = decodeModule(instrumentModule(bytes, { prices: WASM_PRICES_V4, maxStackHeight: 2048 }));
  assert.equal(out.start, 1, 'the start function is the thunk after the original function');
});

test('checkImports: only functions the host accepts', async () => {
  const m = decodeModule(await wat(`(module
    (import "ipld" "block_open" (func (param i32 i32) (result i32)))
    (import "vm" "exit" (func (param i32 i32 i32))))`));
  const syscalls = new Set(['ipld.block_open', 'vm.exit']);
  assert.doesNotThrow(() => checkImports(m, (mod, name) => syscalls.has(`${mod}.${name}`)));
  assert.throws(() => checkImports(m, (mod, name) => mod === 'ipld' && name !== 'exit'), /"vm" "exit" is not a syscall/);
  const mem = decodeModule(await wat('(module (import "env" "memory" (memory 1)))'));
  assert.throws(() => checkImports(mem, () => true), /is a memory/);
  assert.throws(() => checkImports(m, (_m, _n, type) => type.params.length === 2), /"vm" "exit"/);
});

test('operand type errors are refused', async () => {
  // (func (result i32) i64.const 1 i32.const 2 i32.add): well-formed, but i32.add gets an i64.
  const raw = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 10, 9, 1, 7, 0, 0x42, 1, 0x41, 2, 0x6a, 0x0b,
  ]);
  assert.doesNotThrow(() => decodeModule(raw));
  await refuses(raw, /not valid/);
});
