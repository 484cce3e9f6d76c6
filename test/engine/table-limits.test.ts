// table.grow at nv21+ (ref-fvm 4 enables reference types): the engine creates each instance's
// table with a maximum of min(declared maximum, 20 000 elements per table, what the call stack's
// memory budget allows at 8 bytes an element), so a growth past any of them returns -1 as the
// reference's pool and limiter refuse it; growth is recorded in the limiter like memory growth.
//
// Gas by hand, nv28 (WATERMELON/TEEP wasm prices: 4 gas an instruction, 0.4 gas a byte filled):
// - the stack limiter's thunk around an export with one i32 parameter runs 14 metered
//   instructions (local.get; 4 to raise the height; 3 to compare; if; call; 4 to lower it):
//   56 000 milligas;
// - "grow" is local.get, local.get, table.grow: 3 × 4 000 = 12 000 milligas, plus, charged at
//   run time before the instruction, delta × 8 bytes × 400 milligas = 3 200 milligas an element,
//   whether the growth then succeeds or not.
// So a call grow(d) costs 68 000 + 3 200·d milligas. When the growth succeeds, the limiter grew
// by 8·d bytes and ref-fvm's charge_for_exec reports 400 × 8·d of it as "wasm_memory_grow".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, MemoryBudgetError } from '../../src/engine/engine.js';
import { MAX_CALL_STACK_MEMORY_BYTES, MAX_TABLE_ELEMENTS_V4, MemoryLimiter, TABLE_ELEMENT_BYTES } from '../../src/engine/limits.js';
import { GAS_COUNTER_MODULE, GAS_COUNTER_NAME, WASM_PRICES_V4, instrumentModule } from '../../src/engine/instrument/index.js';
import { SectionId, decodeModule } from '../../src/engine/wasm/index.js';
import { codeCidOf, engineFor, gas, prepare, tracker, wat } from './harness.js';

const PAGE = 65536;
const PLENTY = gas(10_000_000_000n);
const REF_TYPES = { reference_types: true };

/** A module with one page of memory and a table declared as `decl`; grow takes the delta. */
const TABLE_GROWER = (decl: string): string => `(module
  (memory (export "memory") 1)
  (table $t ${decl} funcref)
  (func (export "grow") (param i32) (result i32) (local funcref)
    local.get 1 local.get 0 table.grow $t)
  (func (export "size") (result i32) table.size $t))`;

/** Milligas of one call grow(d) at nv28 (see the header). */
const growGas = (d: number): bigint => 68_000n + 3_200n * BigInt(d);

function trace(t: ReturnType<typeof tracker>): Array<[string, bigint]> {
  return t.drainTrace().map((e) => [e.name, e.total]);
}

test('nv28: a table grows to exactly 20 000 elements; one element more returns -1', async () => {
  const { instance, tracker: t, limiter } = prepare(engineFor(28), await wat(TABLE_GROWER('1'), REF_TYPES), PLENTY);
  assert.equal(MAX_TABLE_ELEMENTS_V4, 20_000);
  assert.equal(instance.maxTableElements, 20_000);
  assert.equal(limiter.memoryUsed(), PAGE + 8, 'initial page and element');
  t.drainTrace();

  // 1 + 20 000 is one past the limit: refused, no trap, the requested delta still paid.
  assert.deepEqual(instance.call('grow', [20_000]), { ok: true, value: -1 });
  assert.deepEqual(trace(t), [['wasm_exec', 64_068_000n]]); // 68 000 + 3 200 × 20 000
  assert.equal(growGas(20_000), 64_068_000n);
  assert.equal(limiter.memoryUsed(), PAGE + 8, 'nothing recorded for a refused growth');

  // 1 + 19 999 = exactly the limit: the old size is returned.
  assert.deepEqual(instance.call('grow', [19_999]), { ok: true, value: 1 });
  // 68 000 + 3 200 × 19 999 = 64 064 800, of which 19 999 × 8 bytes × 400 = 63 996 800 is growth.
  assert.deepEqual(trace(t), [['wasm_exec', 68_000n], ['wasm_memory_grow', 63_996_800n]]);
  assert.equal(limiter.memoryUsed(), PAGE + 20_000 * TABLE_ELEMENT_BYTES);
  assert.equal(instance.table?.length, 20_000);

  assert.deepEqual(instance.call('grow', [1]), { ok: true, value: -1 });
  assert.deepEqual(instance.call('grow', [0]), { ok: true, value: 20_000 }, 'a zero growth succeeds at the limit');
  assert.deepEqual(instance.call('size'), { ok: true, value: 20_000 });
});

test('nv28: a lower declared maximum applies', async () => {
  const { instance, limiter } = prepare(engineFor(28), await wat(TABLE_GROWER('1 10'), REF_TYPES), PLENTY);
  assert.equal(instance.maxTableElements, 10);
  assert.deepEqual(instance.call('grow', [10]), { ok: true, value: -1 });
  assert.deepEqual(instance.call('grow', [9]), { ok: true, value: 1 });
  assert.deepEqual(instance.call('grow', [1]), { ok: true, value: -1 });
  assert.equal(limiter.memoryUsed(), PAGE + 10 * 8);
});

test('nv28: growing by 9 999 999 is refused and costs only its gas (no host memory)', async () => {
  const { instance, tracker: t, limiter } = prepare(engineFor(28), await wat(TABLE_GROWER('1'), REF_TYPES), PLENTY);
  t.drainTrace();
  assert.deepEqual(instance.call('grow', [9_999_999]), { ok: true, value: -1 });
  // 68 000 + 3 200 × 9 999 999 = 32 000 064 800 milligas (≈ 32.0M gas).
  assert.deepEqual(trace(t), [['wasm_exec', 32_000_064_800n]]);
  assert.equal(instance.table?.length, 1);
  assert.equal(limiter.memoryUsed(), PAGE + 8);
});

test("nv28: a growth past the call stack's memory budget returns -1", async () => {
  // The callers already hold all of the 2 GiB but 800 bytes beyond this instance's initial
  // page and element: the table may take 800 / 8 = 100 more elements.
  const limiter = new MemoryLimiter();
  assert.ok(limiter.growMemory(MAX_CALL_STACK_MEMORY_BYTES - PAGE - 8 - 800));
  const { instance, tracker: t } = prepare(engineFor(28), await wat(TABLE_GROWER('1'), REF_TYPES), PLENTY, {}, limiter);
  assert.equal(instance.maxTableElements, 101);
  assert.equal(instance.maxMemoryPages, 1, 'no room for another page either');
  t.drainTrace();

  assert.deepEqual(instance.call('grow', [101]), { ok: true, value: -1 });
  assert.deepEqual(trace(t), [['wasm_exec', 391_200n]]); // 68 000 + 3 200 × 101
  assert.deepEqual(instance.call('grow', [100]), { ok: true, value: 1 });
  // 68 000 + 3 200 × 100 = 388 000, of which 100 × 8 bytes × 400 = 320 000 is growth.
  assert.deepEqual(trace(t), [['wasm_exec', 68_000n], ['wasm_memory_grow', 320_000n]]);
  assert.equal(limiter.memoryUsed(), MAX_CALL_STACK_MEMORY_BYTES);
  assert.deepEqual(instance.call('grow', [1]), { ok: true, value: -1 });
});

test('nv28: table growth is recorded before a syscall, so a callee gets what is left', async () => {
  const engine = engineFor(28);
  const limiter = new MemoryLimiter(2 * PAGE + 8 + 8 + 400);
  const t = tracker(PLENTY);
  const childWasm = await wat(TABLE_GROWER('1'), REF_TYPES);
  const seen: unknown[] = [];
  const send = (): void => {
    limiter.withStackFrame(() => {
      seen.push(limiter.memoryUsed());
      const child = engine.instantiate(engine.load(codeCidOf(childWasm), childWasm), {}, limiter, t);
      // The parent's page and 51 elements, and the child's page and element, fill the budget:
      // the child's table is stuck at 1 element.
      seen.push(child.maxTableElements, child.call('grow', [1]));
    });
  };
  const parentWasm = await wat(`(module (import "test" "send" (func $send))
    (memory (export "memory") 1)
    (table $t 1 funcref)
    (func (export "run") (local funcref)
      local.get 0 i32.const 50 table.grow $t drop
      call $send
      local.get 0 i32.const 1 table.grow $t drop))`, REF_TYPES);
  const parent = engine.instantiate(engine.load(codeCidOf(parentWasm), parentWasm), { test: { send } }, limiter, t);
  // 1 + (65 536 + 8 + 400) / 8: the budget past the parent's own page and element.
  assert.equal(parent.maxTableElements, 8_244);
  assert.deepEqual(parent.call('run'), { ok: true, value: undefined });
  // The parent's 50 elements are in the limiter when the syscall runs: used = its page and
  // 51 elements; the child's page and element then leave 0 bytes to grow into.
  assert.deepEqual(seen, [PAGE + 51 * 8, 1, { ok: true, value: -1 }]);
  assert.equal(limiter.memoryUsed(), PAGE + 52 * 8, 'the child frame released its memory; the last growth is recorded');
});

test('memory and table growing together past the budget is a host fault, never a guess', async () => {
  // 65 536 + 80 bytes left: the memory may take one page, the table 8 202 elements; a page
  // and 11 elements (88 bytes) do not fit together, and the reference would have refused the
  // second. The engine cannot tell which came second between two looks, so it stops.
  const limiter = new MemoryLimiter(2 * PAGE + 8 + 80);
  const wasm = await wat(`(module (memory (export "memory") 1) (table $t 1 funcref)
    (func (export "both") (local funcref)
      i32.const 1 memory.grow drop
      local.get 0 i32.const 11 table.grow $t drop))`, REF_TYPES);
  const { instance } = prepare(engineFor(28), wasm, PLENTY, {}, limiter);
  assert.equal(instance.maxMemoryPages, 2);
  assert.throws(() => instance.call('both'), (err: unknown) => {
    assert.ok(err instanceof MemoryBudgetError);
    assert.match(err.message, /\+65536 bytes\) and table \(\+11 elements\)/);
    return true;
  });
});

test('nv17–nv20: table.grow is still refused when the module is loaded', async () => {
  const wasm = await wat(TABLE_GROWER('1'), REF_TYPES);
  for (const nv of [17, 18, 20]) {
    assert.throws(() => engineFor(nv).load(codeCidOf(wasm), wasm), (err: unknown) => {
      assert.ok(err instanceof EngineError, `nv${nv}`);
      assert.equal(err.kind, 'invalid_wasm', `nv${nv}`);
      return true;
    });
  }
});

test('nv18: a table filled by element segments works through call_indirect, bounded at its size', async () => {
  const wasm = await wat(`(module (memory (export "memory") 1)
    (type $r (func (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $a $b)
    (func $a (result i32) i32.const 11)
    (func $b (result i32) i32.const 22)
    (func (export "pick") (param i32) (result i32) local.get 0 call_indirect (type $r)))`);
  const { instance, limiter } = prepare(engineFor(18), wasm, PLENTY);
  // No maximum declared: the pool's 10 000 (moot, as no table.grow validates before nv21).
  assert.equal(instance.maxTableElements, 10_000);
  assert.deepEqual(instance.call('pick', [1]), { ok: true, value: 22 });
  assert.deepEqual(instance.call('pick', [0]), { ok: true, value: 11 });
  const out = instance.call('pick', [2]);
  assert.equal(out.ok === false && out.trap, 'illegal_instruction');
  assert.equal(limiter.memoryUsed(), PAGE + 2 * 8);
});

test('importTable moves the own table into an import with its limits; bodies are unchanged', async () => {
  const wasm = await wat(TABLE_GROWER('3 7'), REF_TYPES);
  const base = { prices: WASM_PRICES_V4, maxStackHeight: 2048 };
  const host = { module: 'host', name: 'table' };
  const plain = decodeModule(instrumentModule(wasm, base));
  const linked = decodeModule(instrumentModule(wasm, { ...base, importMemory: { module: 'host', name: 'memory' }, importTable: host }));
  assert.equal(linked.tables.length, 0);
  assert.ok(!linked.sections.some((s) => s.id === SectionId.table), 'no (empty) table section');
  assert.deepEqual(
    linked.imports.map((i) => [i.module, i.name, i.desc.kind]),
    [[GAS_COUNTER_MODULE, GAS_COUNTER_NAME, 3], ['host', 'memory', 2], ['host', 'table', 1]],
  );
  const t = linked.imports[2]!.desc;
  assert.ok(t.kind === 1);
  assert.equal(t.table.element, 0x70);
  assert.deepEqual([t.table.limits.min, t.table.limits.max], [3, 7]);
  assert.deepEqual(linked.code.map((b) => b.code), plain.code.map((b) => b.code));
  const importsIt = await wat('(module (import "host" "table" (table 1 funcref)) (func))');
  assert.throws(() => instrumentModule(importsIt, { ...base, importTable: host }), /imports host\.table, which the host reserves/);
});
