// Syscall import signatures: derived from the syscall tables by the reference's calling
// convention, checked against every official actor bundle, and enforced by Engine.instantiate
// at the point the reference's linker refuses a mistyped import (after the 3.x/4.x init
// charges, before anything is instantiated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { OutOfGasError } from '../../src/gas/tracker.js';
import { EngineError } from '../../src/engine/engine.js';
import { ImportSignatures, describeFuncType, importSignatureMismatch, type FunctionImport } from '../../src/engine/link.js';
import { MemoryLimiter } from '../../src/engine/limits.js';
import { decodeModule } from '../../src/engine/wasm/decode.js';
import type { SyscallDef, SyscallKernel } from '../../src/syscalls/bind.js';
import { syscallFuncType, syscallSignatures } from '../../src/syscalls/signatures.js';
import { SYSCALLS_V2 } from '../../src/syscalls/v2.js';
import { SYSCALLS_V3 } from '../../src/syscalls/v3.js';
import { SYSCALLS_V4 } from '../../src/syscalls/v4.js';
import { defaultBundleDir, loadBundleSync } from '../../src/state/bundle.js';
import { Manifest } from '../../src/state/manifest.js';
import { codeCidOf, engineFor, gas, tracker, wat } from './harness.js';

function typeOf<K extends SyscallKernel>(table: readonly SyscallDef<K>[], module: string, name: string): string {
  const def = table.find((d) => d.module === module && d.name === name);
  assert.ok(def, `${module}::${name} is in the table`);
  return describeFuncType(syscallFuncType(def));
}

test('syscall types follow the reference ABI: out-pointer first for a result, u64 as i64, i32 errno', () => {
  // Known answers from the reference's syscall functions (fvm/src/syscalls/*.rs at each tag).
  // 2.x send(recipient_off, recipient_len, method: u64, params, value_hi: u64, value_lo: u64) -> Send
  assert.equal(typeOf(SYSCALLS_V2, 'send', 'send'), '(func (param i32 i32 i32 i64 i32 i64 i64) (result i32))');
  // 3.x adds gas_limit: u64 and flags: u64.
  assert.equal(typeOf(SYSCALLS_V3, 'send', 'send'), '(func (param i32 i32 i32 i64 i32 i64 i64 i64 i64) (result i32))');
  // Aborting syscalls return nothing through memory: no out-pointer.
  assert.equal(typeOf(SYSCALLS_V2, 'vm', 'abort'), '(func (param i32 i32 i32) (result i32))');
  assert.equal(typeOf(SYSCALLS_V3, 'vm', 'exit'), '(func (param i32 i32 i32 i32) (result i32))');
  assert.equal(typeOf(SYSCALLS_V4, 'vm', 'exit'), '(func (param i32 i32 i32 i32) (result i32))');
  // 3.x self_destruct(beneficiary_off, beneficiary_len) -> (); 4.x self_destruct(burn_unspent: bool as u32).
  assert.equal(typeOf(SYSCALLS_V3, 'self', 'self_destruct'), '(func (param i32 i32) (result i32))');
  assert.equal(typeOf(SYSCALLS_V4, 'self', 'self_destruct'), '(func (param i32) (result i32))');
  // 3.x get_chain_randomness(pers: i64, round: i64, entropy_off, entropy_len) -> [u8; 32]; 4.x (round: i64).
  assert.equal(typeOf(SYSCALLS_V3, 'rand', 'get_chain_randomness'), '(func (param i32 i64 i64 i32 i32) (result i32))');
  assert.equal(typeOf(SYSCALLS_V4, 'rand', 'get_chain_randomness'), '(func (param i32 i64) (result i32))');
  // gas::available() -> u64: only the out-pointer.
  assert.equal(typeOf(SYSCALLS_V3, 'gas', 'available'), '(func (param i32) (result i32))');

  // One signature table per syscall table, reused.
  assert.equal(syscallSignatures(SYSCALLS_V3), syscallSignatures(SYSCALLS_V3));
  assert.notEqual(syscallSignatures(SYSCALLS_V3), syscallSignatures(SYSCALLS_V4));
  assert.equal(syscallSignatures(SYSCALLS_V4).size, SYSCALLS_V4.length);
});

test('importSignatureMismatch: exact match only; unknown names are left to the name check', () => {
  const i32 = 0x7f;
  const i64 = 0x7e;
  const host = new ImportSignatures([{ module: 'm', name: 'f', type: { params: [i32, i64], results: [i32] } }]);
  const imp = (params: number[], results: number[], name = 'f'): FunctionImport[] => [{ module: 'm', name, type: { params, results } }];
  assert.equal(importSignatureMismatch(imp([i32, i64], [i32]), host), undefined);
  assert.equal(importSignatureMismatch(imp([i32, i32], [i32], 'other'), host), undefined);
  assert.match(importSignatureMismatch(imp([i32, i32], [i32]), host) ?? '', /incompatible import type for m::f: the module declares \(func \(param i32 i32\) \(result i32\)\), the host provides \(func \(param i32 i64\) \(result i32\)\)/);
  assert.ok(importSignatureMismatch(imp([i32, i64], []), host));
  assert.ok(importSignatureMismatch(imp([i32, i64], [i64]), host));
  assert.ok(importSignatureMismatch(imp([i32, i64, i32], [i32]), host));
});

// A 3.x-ABI self_destruct import, never called.
const DESTRUCT_V3 = `(module
  (import "self" "self_destruct" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run")))`;
const noop = (): number => 0;
const IMPORTS = { self: { self_destruct: noop } };

test('Engine.instantiate refuses a mistyped import as a link error, per host table', async () => {
  const wasm = await wat(DESTRUCT_V3);
  const engine = engineFor(28);
  const module = engine.load(codeCidOf(wasm), wasm);
  assert.deepEqual(
    module.functionImports.map((i) => `${i.module}::${i.name} ${describeFuncType(i.type)}`),
    ['self::self_destruct (func (param i32 i32) (result i32))'],
  );
  const t = () => tracker(gas(1_000_000n));
  // The 3.x table gives self_destruct this type: it links.
  assert.ok(engine.instantiate(module, IMPORTS, new MemoryLimiter(), t(), syscallSignatures(SYSCALLS_V3)));
  // The 4.x table does not.
  assert.throws(
    () => engine.instantiate(module, IMPORTS, new MemoryLimiter(), t(), syscallSignatures(SYSCALLS_V4)),
    (err: unknown) =>
      err instanceof EngineError &&
      err.kind === 'link' &&
      err.codeCid?.equals(module.codeCid) === true &&
      /incompatible import type for self::self_destruct/.test(err.reason),
  );
  // The verdict is cached per (module, table): asking again gives the same answer.
  assert.match(module.signatureMismatch(syscallSignatures(SYSCALLS_V4)) ?? '', /self::self_destruct/);
  assert.equal(module.signatureMismatch(syscallSignatures(SYSCALLS_V3)), undefined);
  // Without a table only the names are linked (engine-level callers with ad-hoc imports).
  assert.ok(engine.instantiate(module, IMPORTS, new MemoryLimiter(), t()));
});

test('3.x/4.x: the init charges come before the link check; 2.x: no charges, link error first', async () => {
  const wasm = await wat(DESTRUCT_V3);
  // The engine's generation does not pick the table: the 4.x one refuses this import anyway.
  const host = syscallSignatures(SYSCALLS_V4);
  // One page of initial memory costs 26_214_400 milligas at nv18+ (wasm_memory_init).
  for (const nv of [18, 28]) {
    const engine = engineFor(nv);
    const module = engine.load(codeCidOf(wasm), wasm);
    const t = tracker(26_214_399n);
    assert.throws(() => engine.instantiate(module, IMPORTS, new MemoryLimiter(), t, host), OutOfGasError, `nv${nv}`);
    const enough = tracker(26_214_400n);
    assert.throws(
      () => engine.instantiate(module, IMPORTS, new MemoryLimiter(), enough, host),
      (err: unknown) => err instanceof EngineError && err.kind === 'link',
      `nv${nv}`,
    );
    assert.deepEqual(enough.drainTrace().map((e) => e.name), ['wasm_memory_init']);
  }
  const engine17 = engineFor(17);
  const module17 = engine17.load(codeCidOf(wasm), wasm);
  const none = tracker(0n);
  assert.throws(
    () => engine17.instantiate(module17, IMPORTS, new MemoryLimiter(), none, host),
    (err: unknown) => err instanceof EngineError && err.kind === 'link',
  );
});

// ---- the official bundles -------------------------------------------------------------------

const GENERATIONS: ReadonlyArray<readonly [number, string, ImportSignatures]> = [
  [9, '2.x', syscallSignatures(SYSCALLS_V2)],
  [10, '3.x', syscallSignatures(SYSCALLS_V3)],
  [11, '3.x', syscallSignatures(SYSCALLS_V3)],
  ...[12, 13, 14, 15, 16, 17, 18, 19].map((v) => [v, '4.x', syscallSignatures(SYSCALLS_V4)] as const),
];

test('every import of every official actor (v9–v19) has its generation table\'s type', (t) => {
  const cars = GENERATIONS.map(([v]) => join(defaultBundleDir(), `v${v}`, 'builtin-actors-mainnet.car'));
  if (!cars.some((c) => existsSync(c))) {
    t.skip('no bundles: see README');
    return;
  }
  let checked = 0;
  GENERATIONS.forEach(([version, generation, host], i) => {
    const car = cars[i]!;
    if (!existsSync(car)) return;
    const bs = new MemoryBlockstore();
    const [info] = loadBundleSync(car, bs, { verify: false });
    assert.ok(info, `v${version} bundle`);
    for (const { name, code } of Manifest.load(bs, info.manifestCid).entries()) {
      const m = decodeModule(bs.get(code)!);
      const imports: FunctionImport[] = [];
      for (const imp of m.imports) {
        if (imp.desc.kind !== 0) continue;
        imports.push({ module: imp.module, name: imp.name, type: m.types[imp.desc.type]! });
        assert.ok(host.get(imp.module, imp.name), `v${version} ${name} imports ${imp.module}::${imp.name}, unknown to ${generation}`);
      }
      assert.equal(importSignatureMismatch(imports, host), undefined, `v${version} ${name} (${generation})`);
      checked += imports.length;
    }
  });
  assert.ok(checked > 0);
});
