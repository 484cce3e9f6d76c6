// Hand-written WAT fixtures, each run through the engine (instrumentation + V8), charging
// exactly the gas derived BY HAND from ref-fvm's algorithm and price table:
//
// - Stack limiter first (fvm-wasm-instrument `stack_limiter::inject`, bound 2048): every direct
//   `call` to a defined function f is wrapped in
//     global.get h; i32.const cost(f); i32.add; global.set h;
//     global.get h; i32.const 2048; i32.gt_u; if unreachable end;
//     call f;
//     global.get h; i32.const cost(f); i32.sub; global.set h
//   and every exported (or table) function is reached through a "thunk" that pushes its
//   params (local.get each) and makes that same wrapped call. cost(f) = number of local
//   *declaration groups* (wabt writes one group per run of same-typed locals; params do not
//   count) + the maximal value-stack height, which starts at 2 (activation frame).
// - Gas metering second (`gas_metering::inject` with ref-fvm's WasmGasPrices): code is split
//   into metered blocks, each charged in full at its start. Prices (HYGGE..TEEP, milligas):
//   every instruction 4000, except nop/block/loop/unreachable/return/else/end/drop which are
//   free; memory.grow is 4000 + 0.4 gas/byte × 65536 = 26 214 400 per page.
// So the wrapper around a call costs 7 (pre) + if + call + 4 (post) = 13 instructions = 52 gas,
// and a thunk costs 52 gas + 4 gas per parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutOfGasError } from '../../src/gas/tracker.js';
import { type CompiledModule, type Engine, EngineError } from '../../src/engine/engine.js';
import { MemoryLimiter } from '../../src/engine/limits.js';
import { charged, codeCidOf as codeCidOfFixture, engineFor, gas, prepare, tracker, wat } from './harness.js';

/** Thunk of an export with no parameter: 13 instructions × 4 gas. */
const THUNK0 = gas(52);
/** Thunk of an export with one parameter: one local.get more. */
const THUNK1 = gas(56);
/** Plenty of gas for runs whose exact cost is asserted from the charge. */
const PLENTY = gas(10_000_000_000n);

const NETWORK_VERSIONS = [18, 21, 25];

// Every fixture exports a zero-page memory, so the instantiation charge ("wasm_memory_init",
// 0.4 gas per byte of initial memory) is zero and the whole budget goes to execution.
const MEMORY = '(memory (export "memory") 0)';

const STRAIGHT = `(module ${MEMORY}
  (func (export "run") (result i32)
    i32.const 1
    i32.const 2
    i32.add
    i32.const 3
    i32.mul))`;
// run: one metered block of 5 instructions = 20 gas; + THUNK0 52 = 72 gas.
const STRAIGHT_GAS = gas(72);

const NESTED = `(module ${MEMORY}
  (func (export "run") (result i32)
    (local i32)
    i32.const 7
    local.set 0
    block
      local.get 0
      i32.const 1
      i32.add
      local.set 0
      block
        local.get 0
        i32.const 2
        i32.mul
        local.set 0
      end
    end
    local.get 0))`;
// No branch leaves the blocks, so they merge into the entry block:
// 2 + 4 + 4 + 1 = 11 instructions = 44 gas (block/end free); + THUNK0 52 = 96 gas.
const NESTED_GAS = gas(96);

const LOOP = `(module ${MEMORY}
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32)
    block $done
      loop $top
        local.get $n
        i32.eqz
        br_if $done
        local.get $acc
        local.get $n
        i32.add
        local.set $acc
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        br $top
      end
    end
    local.get $acc))`;
// Metered blocks: entry {final local.get} = 4 gas; loop head {local.get, i32.eqz, br_if} = 12;
// after br_if {8 instructions + br} = 36. n iterations: 4 + n × (12 + 36) + 12 (exit test)
// = 16 + 48n; + THUNK1 56 = 72 + 48n gas.
const loopGas = (n: number): bigint => gas(72 + 48 * n);

const BR_TABLE = `(module ${MEMORY}
  (func (export "run") (param $i i32) (result i32)
    block $b2
      block $b1
        block $b0
          local.get $i
          br_table $b0 $b1 $b2
        end
        i32.const 100
        i32.const 1
        i32.add
        return
      end
      i32.const 200
      return
    end
    i32.const 300
    i32.const 1
    i32.add
    i32.const 1
    i32.add))`;
// Blocks: entry {local.get, br_table} = 8 gas; after $b0 {3 instructions, return free} = 12;
// after $b1 {i32.const} = 4; after $b2 {5 instructions} = 20. Plus THUNK1 56:
// i=0 → 56 + 8 + 12 = 76; i=1 → 56 + 8 + 4 = 68; i=2 and default → 56 + 8 + 20 = 84 gas.
const BR_TABLE_CASES: ReadonlyArray<readonly [number, number, bigint]> = [
  [0, 101, gas(76)],
  [1, 200, gas(68)],
  [2, 302, gas(84)],
  [9, 302, gas(84)],
];

const BR_TABLE_DEFAULT = `(module ${MEMORY}
  (func (export "run") (param i32) (result i32)
    (local $r i32)
    block $outer
      block $inner
        local.get 0
        br_table $inner $outer
      end
      i32.const 5
      local.set $r
    end
    local.get $r
    i32.const 1
    i32.add))`;
// The reference's br_table handling looks only at the listed targets, not at the default
// label. Here only $inner is listed, so the metering believes nothing jumps past $outer and
// merges the code between the two ends into the entry block: one block of
// local.get, br_table, i32.const, local.set, local.get, i32.const, i32.add = 7 × 4 = 28 gas,
// charged even when the default branch skips two of those instructions.
// + THUNK1 56 = 84 gas for every input.
const BR_TABLE_DEFAULT_GAS = gas(84);

const BR_IF = `(module ${MEMORY}
  (func (export "run") (param $x i32) (result i32)
    (local $r i32)
    block $outer
      i32.const 1
      local.set $r
      block $inner
        local.get $x
        br_if $outer
        i32.const 2
        local.set $r
      end
      local.get $r
      i32.const 10
      i32.add
      local.set $r
    end
    local.get $r))`;
// br_if $outer leaves both blocks. Blocks: entry {i32.const, local.set, local.get, br_if, and
// the final local.get} = 5 × 4 = 20 gas; after br_if {i32.const, local.set} = 8; after $inner
// {4 instructions} = 16. x=0 → 20 + 8 + 16 = 44, x≠0 → 20. + THUNK1 56: 100 / 76 gas.

const EARLY_RETURN = `(module ${MEMORY}
  (func (export "run") (param $x i32) (result i32)
    local.get $x
    if
      i32.const 7
      return
    end
    local.get $x
    i32.const 3
    i32.add))`;
// Blocks: entry {local.get, if} = 8 gas; then-arm {i32.const; return free} = 4; after the if
// {3 instructions} = 12 (the return may skip it, so it is its own block).
// x≠0 → 8 + 4 = 12; x=0 → 8 + 12 = 20. + THUNK1 56: 68 / 76 gas.

const IF_ELSE = `(module ${MEMORY}
  (func (export "run") (param $x i32) (result i32)
    (local $r i32)
    local.get $x
    if
      i32.const 1
      local.set $r
    else
      i32.const 2
      i32.const 3
      i32.add
      local.set $r
    end
    local.get $r))`;
// Blocks: entry {local.get, if, final local.get} = 12 gas; then {2 instructions} = 8;
// else {4 instructions} = 16. x≠0 → 20, x=0 → 28. + THUNK1 56: 76 / 84 gas.

const CALL = `(module ${MEMORY}
  (func $callee (param $a i32) (param $b i32) (result i32)
    (local $t i64) (local $u i64) (local $v i32)
    local.get $a
    local.get $b
    i32.add)
  (func (export "run") (result i32)
    i32.const 1
    i32.const 2
    call $callee))`;
// cost($callee) = 2 local groups (i64×2, i32) + max height 4 = 6 (only the value pushed by
// the wrapper's i32.const changes; the gas does not). run: 2 consts + 52-gas call wrapper =
// 60 gas, one block (the wrapper's `if` has no branch out). $callee: 3 × 4 = 12 gas.
// Total 52 (thunk) + 60 + 12 = 124 gas.
const CALL_GAS = gas(124);

const CALL_INDIRECT = `(module ${MEMORY}
  (type $t (func (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func $f (result i32) i32.const 42)
  (func (export "run") (result i32)
    i32.const 0
    call_indirect (type $t)))`;
// call_indirect is not wrapped, but table entries are replaced by thunks (cost($f) = 3 ≠ 0).
// run: i32.const + call_indirect = 8 gas; thunk of $f 52; $f 4; thunk of run 52. Total 116.
const CALL_INDIRECT_GAS = gas(116);

const GROW = `(module (memory (export "memory") 0 4)
  (func (export "grow") (param $pages i32) (result i32)
    local.get $pages
    memory.grow)
  (func (export "grow3") (result i32)
    i32.const 3
    memory.grow))`;
// grow: block {local.get 4000, memory.grow base 4000} = 8000 milligas, then a run-time charge
// of pages × 26 214 400 just before memory.grow (made even if the grow then fails);
// + THUNK1 56 000. grow3: the constant is folded in statically: i32.const 4000 + 4000 +
// 3 × 26 214 400 = 78 651 200; + THUNK0 52 000 = 78 703 200.
const PAGE_GROW = 26_214_400n;
const growGas = (pages: number): bigint => 64_000n + BigInt(pages) * PAGE_GROW;
const GROW3_GAS = 78_703_200n;

const RECURSION = `(module ${MEMORY}
  (func $rec (param $n i32) (result i32)
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec
      i32.const 1
      i32.add
    end)
  (func $rec_a (param $n i32) (result i32)
    (local i32) (local i64) (local i32) (local i64)
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec_a
      i32.const 1
      i32.add
    end)
  (func $rec_b (param $n i32) (result i32)
    (local i32) (local i32) (local i64) (local i64)
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec_b
      i32.const 1
      i32.add
    end)
  (func (export "run") (param $n i32) (result i32)
    local.get $n
    call $rec)
  (func (export "run_a") (param $n i32) (result i32)
    local.get $n
    call $rec_a)
  (func (export "run_b") (param $n i32) (result i32)
    local.get $n
    call $rec_b))`;
// Stack costs. $rec: no locals; heights 2→3 (local.get) →3 (eqz) →2 (if) →3 (const); `else`
// does NOT reset the height in the reference, so the else arm climbs 3→4→5 → max 5 → cost 5.
// $rec_a: 4 local groups (i32,i64,i32,i64) + 5 = 9. $rec_b: 2 groups (i32×2, i64×2) + 5 = 7.
// run*: local.get → max 3 → cost 3 (pushed by its thunk).
// Height with k activations of the recursive function: 3 + k × cost; the call that makes it
// exceed 2048 traps. $rec: 3 + 5k ≤ 2048 ⇔ k ≤ 409, so run(408) (409 activations) returns and
// run(409) traps. $rec_a: k ≤ 227 → run_a(226) ok, run_a(227) traps.
// $rec_b: k ≤ 292 → run_b(291) ok, run_b(292) traps.
//
// Gas. $rec blocks: entry {local.get, i32.eqz, if} = 12; then {i32.const} = 4; else {3 +
// 52-gas wrapper + 2} = 20 + 52 = 72. So rec(0) = 16, rec(n>0) = 84 + rec(n-1).
// run: local.get + wrapper = 56; thunk 56. run(n) = 56 + 56 + 84n + 16 = 128 + 84n gas.
// run(409) traps in rec(1)'s wrapper after 409 activations each charged 84:
// 56 + 56 + 409 × 84 = 34 468 gas; the height counter then reads 3 + 5 × 410 = 2053.
const recursionGas = (n: number): bigint => gas(128 + 84 * n);

const SPIN = `(module ${MEMORY}
  (func (export "run")
    loop
      br 0
    end))`;
// Only the loop body is charged: {br} = 4 gas per iteration; + THUNK0 52.

for (const nv of NETWORK_VERSIONS) {
  const engine = engineFor(nv);

  test(`nv${nv}: straight-line code charges its one block`, async () => {
    const wasm = await wat(STRAIGHT);
    const { instance, tracker } = prepare(engine, wasm, PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run'))), STRAIGHT_GAS);
    assert.deepEqual(out, { ok: true, value: 9 });
  });

  test(`nv${nv}: out of gas exactly at the limit, not one milligas before`, async () => {
    const wasm = await wat(STRAIGHT);
    // Exactly enough: the run ends with the counter at 0.
    const exact = prepare(engine, wasm, STRAIGHT_GAS);
    assert.deepEqual(exact.instance.call('run'), { ok: true, value: 9 });
    assert.equal(exact.instance.getGasAvailable(), 0n);
    assert.equal(exact.tracker.usedMilligas, STRAIGHT_GAS);
    // One milligas less: the thunk's 52 000 fit, run's 20 000 do not (19 999 left) → -1.
    const short = prepare(engine, wasm, STRAIGHT_GAS - 1n);
    assert.throws(() => short.instance.call('run'), OutOfGasError);
    assert.equal(short.instance.getGasAvailable(), -1n);
    assert.equal(short.tracker.usedMilligas, STRAIGHT_GAS - 1n, 'an out-of-gas run uses all its gas');
    // The raw trap is classified from the counter.
    short.instance.setGasAvailable(STRAIGHT_GAS - 1n);
    let trap: unknown;
    try {
      (short.instance.exports.run as () => number)();
    } catch (err) {
      trap = err;
    }
    assert.ok(trap instanceof WebAssembly.RuntimeError);
    assert.equal(short.instance.classifyTrap(trap), 'out_of_gas');
  });

  test(`nv${nv}: nested blocks without branches merge into one block`, async () => {
    const { instance, tracker } = prepare(engine, await wat(NESTED), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run'))), NESTED_GAS);
    assert.deepEqual(out, { ok: true, value: 16 });
  });

  test(`nv${nv}: loop gas is proportional to iterations`, async () => {
    const { instance, tracker } = prepare(engine, await wat(LOOP), PLENTY);
    for (const n of [0, 1, 10, 100]) {
      let out;
      assert.equal(charged(tracker, () => (out = instance.call('run', [n]))), loopGas(n), `n=${n}`);
      assert.deepEqual(out, { ok: true, value: (n * (n + 1)) / 2 });
    }
  });

  test(`nv${nv}: loop runs out of gas inside the iteration the reference stops in`, async () => {
    const wasm = await wat(LOOP);
    const exact = prepare(engine, wasm, loopGas(10));
    assert.deepEqual(exact.instance.call('run', [10]), { ok: true, value: 55 });
    assert.equal(exact.instance.getGasAvailable(), 0n);
    // One less: the final exit test (12 000) finds 11 999.
    const short = prepare(engine, wasm, loopGas(10) - 1n);
    assert.throws(() => short.instance.call('run', [10]), OutOfGasError);
    assert.equal(short.instance.getGasAvailable(), -1n);
    // 100 000: thunk 56 000 → 44 000; entry 4 000 → 40 000; head 12 000 → 28 000; the body
    // block of 36 000 overdraws by 8 000.
    const early = prepare(engine, wasm, gas(100));
    assert.throws(() => early.instance.call('run', [10]), OutOfGasError);
    assert.equal(early.instance.getGasAvailable(), -8_000n);
  });

  test(`nv${nv}: br_table out of nested blocks`, async () => {
    const { instance, tracker } = prepare(engine, await wat(BR_TABLE), PLENTY);
    for (const [i, value, expected] of BR_TABLE_CASES) {
      let out;
      assert.equal(charged(tracker, () => (out = instance.call('run', [i]))), expected, `i=${i}`);
      assert.deepEqual(out, { ok: true, value });
    }
  });

  test(`nv${nv}: br_table default target is ignored by the metering, as in the reference`, async () => {
    const { instance, tracker } = prepare(engine, await wat(BR_TABLE_DEFAULT), PLENTY);
    for (const [i, value] of [[0, 6], [1, 1], [5, 1]] as const) {
      let out;
      assert.equal(charged(tracker, () => (out = instance.call('run', [i]))), BR_TABLE_DEFAULT_GAS, `i=${i}`);
      assert.deepEqual(out, { ok: true, value });
    }
  });

  test(`nv${nv}: br_if out of two nested blocks`, async () => {
    const { instance, tracker } = prepare(engine, await wat(BR_IF), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run', [0]))), gas(100));
    assert.deepEqual(out, { ok: true, value: 12 });
    assert.equal(charged(tracker, () => (out = instance.call('run', [1]))), gas(76));
    assert.deepEqual(out, { ok: true, value: 1 });
  });

  test(`nv${nv}: early return`, async () => {
    const { instance, tracker } = prepare(engine, await wat(EARLY_RETURN), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run', [1]))), gas(68));
    assert.deepEqual(out, { ok: true, value: 7 });
    assert.equal(charged(tracker, () => (out = instance.call('run', [0]))), gas(76));
    assert.deepEqual(out, { ok: true, value: 3 });
  });

  test(`nv${nv}: if/else charges the arm taken`, async () => {
    const { instance, tracker } = prepare(engine, await wat(IF_ELSE), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run', [1]))), gas(76));
    assert.deepEqual(out, { ok: true, value: 1 });
    assert.equal(charged(tracker, () => (out = instance.call('run', [0]))), gas(84));
    assert.deepEqual(out, { ok: true, value: 5 });
  });

  test(`nv${nv}: a call with locals pays for the stack-limiter wrapper`, async () => {
    const { instance, tracker } = prepare(engine, await wat(CALL), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run'))), CALL_GAS);
    assert.deepEqual(out, { ok: true, value: 3 });
  });

  test(`nv${nv}: call_indirect goes through the table thunk`, async () => {
    const { instance, tracker } = prepare(engine, await wat(CALL_INDIRECT), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run'))), CALL_INDIRECT_GAS);
    assert.deepEqual(out, { ok: true, value: 42 });
  });

  test(`nv${nv}: memory.grow is charged linearly in pages, also when it fails`, async () => {
    const { instance, tracker } = prepare(engine, await wat(GROW), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('grow', [0]))), growGas(0));
    assert.deepEqual(out, { ok: true, value: 0 });
    assert.equal(charged(tracker, () => (out = instance.call('grow', [1]))), growGas(1));
    assert.deepEqual(out, { ok: true, value: 0 });
    // 1 + 5 > the declared maximum of 4: refused, still charged for 5 pages.
    assert.equal(charged(tracker, () => (out = instance.call('grow', [5]))), growGas(5));
    assert.deepEqual(out, { ok: true, value: -1 });
    assert.equal(instance.memory.buffer.byteLength, 65536);
    assert.equal(charged(tracker, () => (out = instance.call('grow3'))), GROW3_GAS);
    assert.deepEqual(out, { ok: true, value: 1 });
    assert.equal(instance.memory.buffer.byteLength, 4 * 65536);
  });

  test(`nv${nv}: memory.grow runs out of gas before growing`, async () => {
    const wasm = await wat(GROW);
    // thunk 56 000 + block 8 000 fit; the 2-page charge (52 428 800) overdraws by 1.
    const short = prepare(engine, wasm, growGas(2) - 1n);
    assert.throws(() => short.instance.call('grow', [2]), OutOfGasError);
    assert.equal(short.instance.getGasAvailable(), -1n);
    assert.equal(short.instance.memory.buffer.byteLength, 0);
    const exact = prepare(engine, wasm, growGas(2));
    assert.deepEqual(exact.instance.call('grow', [2]), { ok: true, value: 0 });
    assert.equal(exact.instance.memory.buffer.byteLength, 2 * 65536);
  });

  test(`nv${nv}: recursion gas and the stack limit at the expected depth`, async () => {
    const { instance, tracker } = prepare(engine, await wat(RECURSION), PLENTY);
    let out;
    assert.equal(charged(tracker, () => (out = instance.call('run', [0]))), recursionGas(0));
    assert.deepEqual(out, { ok: true, value: 0 });
    assert.equal(charged(tracker, () => (out = instance.call('run', [408]))), recursionGas(408));
    assert.deepEqual(out, { ok: true, value: 408 });
    assert.equal(instance.stackHeight(), 0, 'the height counter is back to 0 after a normal return');
  });

  test(`nv${nv}: the stack limiter traps deterministically one frame past the bound`, async () => {
    const { instance, tracker } = prepare(engine, await wat(RECURSION), PLENTY);
    let out: ReturnType<typeof instance.call> | undefined;
    assert.equal(charged(tracker, () => (out = instance.call('run', [409]))), gas(34_468));
    assert.equal(out?.ok, false);
    assert.equal(out?.ok === false && out.trap, 'stack_overflow');
    assert.ok(out?.ok === false && out.error instanceof WebAssembly.RuntimeError, 'a wasm trap, not a JS RangeError');
    assert.equal(instance.stackHeight(), 2053);
  });

  test(`nv${nv}: stack cost counts local declaration groups, not locals`, async () => {
    const wasm = await wat(RECURSION);
    const cases = [
      ['run_a', 226, 227],
      ['run_b', 291, 292],
    ] as const;
    for (const [fn, deepest, tooDeep] of cases) {
      const ok = prepare(engine, wasm, PLENTY).instance.call(fn, [deepest]);
      assert.deepEqual(ok, { ok: true, value: deepest }, `${fn}(${deepest})`);
      const bad = prepare(engine, wasm, PLENTY).instance.call(fn, [tooDeep]);
      assert.equal(bad.ok === false && bad.trap, 'stack_overflow', `${fn}(${tooDeep})`);
    }
  });

  test(`nv${nv}: an endless loop stops when the gas runs out, at the expected iteration`, async () => {
    // 52 000 for the thunk, then 1 000 000 = 250 iterations of 4 000; the 251st overdraws.
    const { instance } = prepare(engine, await wat(SPIN), THUNK0 + 1_000_000n);
    assert.throws(() => instance.call('run'), OutOfGasError);
    assert.equal(instance.getGasAvailable(), -4_000n);
  });
}

test('THUNK1 is THUNK0 plus one local.get', () => {
  assert.equal(THUNK1 - THUNK0, gas(4));
});

// Features the FVM's engine configuration disables: the module must be refused at load, with
// a reason, and never instantiated.
const DISALLOWED: ReadonlyArray<{ name: string; source: string; features?: Record<string, boolean>; reason: RegExp }> = [
  {
    name: 'SIMD',
    source: '(module (func (export "f") (result i32) v128.const i32x4 1 2 3 4 i32x4.extract_lane 0))',
    features: { simd: true },
    reason: /simd|v128/i,
  },
  {
    name: 'threads (shared memory and atomics)',
    source: `(module (memory (export "memory") 1 1 shared)
      (func (export "f") (result i32) i32.const 0 i32.atomic.load))`,
    features: { threads: true },
    reason: /shared|atomic|thread/i,
  },
  {
    name: 'multi-value results',
    source: '(module (func (export "f") (result i32 i32) i32.const 1 i32.const 2))',
    features: { multi_value: true },
    reason: /multi|result/i,
  },
  {
    name: 'multi-memory',
    source: '(module (memory (export "memory") 1) (memory 1) (func (export "f")))',
    features: { multi_memory: true },
    reason: /memor/i,
  },
  {
    name: 'memory64',
    source: '(module (memory (export "memory") i64 1) (func (export "f")))',
    features: { memory64: true },
    reason: /memory64|64/i,
  },
  {
    name: 'tail calls',
    source: '(module (func $g) (func (export "f") return_call $g))',
    features: { tail_call: true },
    reason: /tail|return_call/i,
  },
  {
    name: 'reference types',
    source: '(module (func (export "f") (result i32) ref.null func ref.is_null))',
    features: { reference_types: true },
    reason: /reference types/i,
  },
];

for (const d of DISALLOWED) {
  test(`disallowed feature is rejected at load: ${d.name}`, async () => {
    const wasm = await wat(d.source, d.features);
    const engine = engineFor(18);
    assert.throws(
      () => engine.load(codeCidOfFixture(wasm), wasm),
      (err: unknown) => {
        assert.ok(err instanceof EngineError, `expected EngineError, got ${String(err)}`);
        assert.equal(err.kind, 'invalid_wasm');
        assert.match(err.reason, d.reason);
        return true;
      },
    );
    assert.equal(engine.stats.compiled, 0);
  });
}

// The initial table and memory limits are checked by the instrumenter's validation
// ('invalid_wasm') and again by the engine ('limit', e.g. for disk-cached bytes): either
// refusal is right, with both numbers in the reason.
function assertLimitRefusal(fn: () => unknown, numbers: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EngineError, `expected EngineError, got ${String(err)}`);
    assert.ok(err.kind === 'limit' || err.kind === 'invalid_wasm', err.kind);
    assert.match(err.reason, numbers);
    return true;
  });
}

test('too many table elements: 10 000 load at nv18, 10 001 do not; nv21 allows 20 000', async () => {
  const table = (n: number): Promise<Uint8Array> => wat(`(module ${MEMORY} (table ${n} funcref) (func (export "f")))`);
  const nv18 = engineFor(18);
  const ok = await table(10_000);
  assert.ok(nv18.load(codeCidOfFixture(ok), ok));
  const big = await table(10_001);
  assertLimitRefusal(() => nv18.load(codeCidOfFixture(big), big), /10001\D.*10000/);
  const nv21 = engineFor(21);
  assert.ok(nv21.load(codeCidOfFixture(big), big));
  const ok21 = await table(20_000);
  assert.ok(nv21.load(codeCidOfFixture(ok21), ok21));
  const big21 = await table(20_001);
  assertLimitRefusal(() => nv21.load(codeCidOfFixture(big21), big21), /20001\D.*20000/);
});

test('a memory larger than 512 MiB initially is rejected at load', async () => {
  const engine = engineFor(18);
  const ok = await wat('(module (memory (export "memory") 8192) (func (export "f")))');
  assert.ok(engine.load(codeCidOfFixture(ok), ok));
  const big = await wat('(module (memory (export "memory") 8193) (func (export "f")))');
  assertLimitRefusal(() => engine.load(codeCidOfFixture(big), big), /8193\D.*8192/);
});

test('unknown imports are rejected with the import named', async () => {
  const wasm = await wat(`(module (import "env" "foo" (func)) ${MEMORY} (func (export "f") call 0))`);
  const strict = engineFor(18, { allowImport: (module) => module === 'vm' });
  assert.throws(() => strict.load(codeCidOfFixture(wasm), wasm), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'link');
    assert.match(err.reason, /env\.foo/);
    return true;
  });
  // Without an import policy the module loads, and linking it without env.foo fails.
  const lax = engineFor(18);
  const module = lax.load(codeCidOfFixture(wasm), wasm);
  assert.throws(() => prepareWithModule(lax, module), /import env\.foo is not provided/);
});

function prepareWithModule(engine: Engine, module: CompiledModule): void {
  engine.instantiate(module, {}, new MemoryLimiter(), tracker(PLENTY));
}
