// instrumentModule's host-linkage options: the module's own memory moved into an import
// (so the host creates it with the maximum it chooses) and the stack limiter's height global
// exported; and how the engine uses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GAS_COUNTER_MODULE,
  GAS_COUNTER_NAME,
  WASM_PRICES_V4,
  WasmValidationError,
  instrumentModule,
  type InstrumentOptions,
} from '../../src/engine/instrument/index.js';
import { EngineError } from '../../src/engine/engine.js';
import { SectionId, decodeModule } from '../../src/engine/wasm/index.js';
import { codeCidOf, engineFor, wat } from './harness.js';

const HOST = { module: 'host', name: 'mem' };
const BASE: InstrumentOptions = { prices: WASM_PRICES_V4, maxStackHeight: 100 };
const LINKED: InstrumentOptions = { ...BASE, importMemory: HOST, exportStackHeight: 'height' };

const PROGRAM = `(module
  (memory (export "memory") 1 5)
  (global $g (mut i32) (i32.const 7))
  (func (export "getg") (result i32) global.get $g)
  (data (i32.const 0) "hi")
  (func (export "peek") (result i32) i32.const 16 i32.load)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func $rec (export "rec") (param i32) local.get 0 call $rec))`;

test('importMemory moves the own memory after the gas counter import; exportStackHeight adds one export', async () => {
  const m = decodeModule(instrumentModule(await wat(PROGRAM), LINKED));
  assert.equal(m.memories.length, 0);
  assert.ok(!m.sections.some((s) => s.id === SectionId.memory), 'no (empty) memory section');
  assert.deepEqual(
    m.imports.map((i) => [i.module, i.name, i.desc.kind]),
    [[GAS_COUNTER_MODULE, GAS_COUNTER_NAME, 3], ['host', 'mem', 2]],
  );
  const mem = m.imports[1]!.desc;
  assert.ok(mem.kind === 2);
  assert.equal(mem.memory.min, 1);
  assert.equal(mem.memory.max, 5);
  // Globals: the gas counter (imported, 0), $g (1), the limiter's height (2).
  assert.equal(m.globals.length, 2);
  assert.deepEqual(m.exports.at(-1), { name: 'height', kind: 3, index: 2 });
  assert.deepEqual(
    m.exports.slice(0, -1).map((e) => e.name),
    ['memory', 'getg', 'peek', 'grow', 'rec'],
  );
});

test('the options change no function body, type or global: gas and stack effects are the same', async () => {
  const wasm = await wat(PROGRAM);
  const plain = decodeModule(instrumentModule(wasm, BASE));
  const linked = decodeModule(instrumentModule(wasm, LINKED));
  assert.deepEqual(linked.code.map((b) => b.code), plain.code.map((b) => b.code));
  assert.deepEqual(linked.functions, plain.functions);
  assert.deepEqual(linked.types, plain.types);
  assert.deepEqual(linked.globals, plain.globals);
  assert.deepEqual(linked.imports.slice(0, -1), plain.imports);
});

test('the linked module runs on the host memory, bounded by its maximum, and exposes the height', async () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const gas = new WebAssembly.Global({ value: 'i64', mutable: true }, 10n ** 12n);
  const { instance } = await WebAssembly.instantiate(instrumentModule(await wat(PROGRAM), LINKED), {
    [GAS_COUNTER_MODULE]: { [GAS_COUNTER_NAME]: gas },
    host: { mem: memory },
  });
  const exports = instance.exports;
  assert.equal(exports.memory, memory, 'the export is the host memory');
  assert.deepEqual([...new Uint8Array(memory.buffer, 0, 2)], [0x68, 0x69], 'data segment written into it');
  new DataView(memory.buffer).setInt32(16, 123456, true);
  const fn = (name: string) => exports[name] as (...args: number[]) => number;
  assert.equal(fn('peek')(), 123456);
  // The module declares a maximum of 5 pages; the host allowed 2.
  assert.equal(fn('grow')(3), -1);
  assert.equal(fn('grow')(1), 1);

  const height = exports.height as WebAssembly.Global;
  assert.equal(height.value, 0);
  assert.equal(fn('getg')(), 7, 'the module global is not the one exported as the height');
  assert.throws(() => fn('rec')(0), WebAssembly.RuntimeError);
  // rec costs 3 slots a frame (the 2 the reference counts for an activation, plus the i32 it
  // pushes), and so does the export thunk calling it: the sums run 3, 6, … 99, the guard
  // traps at 102, the first above the limit of 100, and the sum stays in the global.
  assert.equal(height.value, 102);
});

test('a module without a memory of its own gets no memory import', async () => {
  const wasm = await wat('(module (func (export "f")))');
  const m = decodeModule(instrumentModule(wasm, LINKED));
  assert.deepEqual(m.imports.map((i) => i.name), [GAS_COUNTER_NAME]);
  assert.equal(m.exports.at(-1)?.name, 'height');
});

test('names the host reserves are refused', async () => {
  const importsIt = await wat('(module (import "host" "mem" (memory 1)) (func))');
  assert.throws(() => instrumentModule(importsIt, LINKED), (err: unknown) => {
    assert.ok(err instanceof WasmValidationError);
    assert.match(err.message, /imports host\.mem, which the host reserves/);
    return true;
  });
  const exportsIt = await wat('(module (memory 1) (func (export "height")))');
  assert.throws(() => instrumentModule(exportsIt, LINKED), /already exports "height"/);
});

test('engine: an output V8 refuses (a limit the instrumentation crossed) is invalid_wasm', async () => {
  // 50 000 locals is V8's limit; metering memory.grow adds one temporary local.
  const wasm = await wat(`(module (memory (export "memory") 1)
    (func (export "f") (local ${'i32 '.repeat(50_000)}) local.get 0 memory.grow drop))`);
  assert.ok(WebAssembly.validate(new Uint8Array(wasm)), 'the input itself is valid');
  const cid = codeCidOf(wasm);
  assert.throws(() => engineFor(18).load(cid, wasm), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'invalid_wasm');
    assert.match(err.reason, /^instrumented module is not valid: .*local count too large/);
    return true;
  });
});

test('engine: a cached entry that still defines its memory is rebuilt, not run unbounded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-linkage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wasm = await wat('(module (memory (export "memory") 1) (func (export "run")))');
  const cid = codeCidOf(wasm);
  const first = engineFor(18, { cacheDir: dir });
  const good = first.load(cid, wasm);
  const [sub] = readdirSync(dir);
  assert.ok(sub !== undefined);
  // What an instrumenter without the host linkage writes: valid, but with its own memory.
  writeFileSync(join(dir, sub, `${cid.toString()}.wasm`), instrumentModule(wasm, { prices: WASM_PRICES_V4, maxStackHeight: 2048 }));
  const second = engineFor(18, { cacheDir: dir });
  const rebuilt = second.load(cid, wasm);
  assert.equal(second.stats.diskHits, 0);
  assert.equal(second.stats.instrumented, 1);
  assert.deepEqual(rebuilt.instrumented, good.instrumented);
  assert.ok(rebuilt.hasStackHeightExport);
});
