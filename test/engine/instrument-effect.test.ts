// Effect of the instrumentation when the module runs under V8: the gas charged (in milligas,
// worked out by hand from the reference's metering rules and prices), where the stack
// limiter traps, and NaN canonicalisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GAS_COUNTER_MODULE,
  GAS_COUNTER_NAME,
  WASM_PRICES_V2,
  WASM_PRICES_V3,
  WASM_PRICES_V4,
  functionStackCosts,
  instrumentModule,
  type WasmGasPrices,
} from '../../src/engine/instrument/index.js';
import { decodeModule } from '../../src/engine/wasm/index.js';
import { wat } from './wasm-helpers.js';

type Exports = Record<string, (...args: (number | bigint)[]) => number | bigint>;

async function instantiate(
  source: string,
  options: { prices?: WasmGasPrices; stack?: number; canonicalizeNaN?: boolean } = {},
): Promise<{ gas: WebAssembly.Global; exports: Exports }> {
  const bytes = instrumentModule(await wat(source), {
    prices: options.prices ?? WASM_PRICES_V4,
    maxStackHeight: options.stack ?? 2048,
    canonicalizeNaN: options.canonicalizeNaN ?? true,
  });
  const gas = new WebAssembly.Global({ value: 'i64', mutable: true }, 10n ** 12n);
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(bytes), {
    [GAS_COUNTER_MODULE]: { [GAS_COUNTER_NAME]: gas },
  });
  return { gas, exports: instance.exports as unknown as Exports };
}

/** Milligas charged by one call of `fn`. */
function charged(gas: WebAssembly.Global, fn: () => unknown): bigint {
  const before = 10n ** 12n;
  gas.value = before;
  fn();
  return before - (gas.value as bigint);
}

// Every exported function is entered through the stack limiter's thunk: its local.gets, the
// guard (7 instructions + `if`), the call and the 4 instructions after it, at 4 gas each.
const thunk = (params: number): bigint => 52_000n + 4_000n * BigInt(params);

const PROGRAM = `(module
  (memory 1)
  (func (export "add1") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (export "countdown") (param i32)
    (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0))
  (func (export "fill") (param i32) i32.const 0 i32.const 0 local.get 0 memory.fill)
  (func (export "fill100") i32.const 0 i32.const 0 i32.const 100 memory.fill)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "bt") (param i32) (result i32)
    (block $a
      (block $b
        local.get 0
        br_table $b $a)
      i32.const 1
      return)
    i32.const 2)
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $rec (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0)))))`;

test('straight-line code is charged once per metered block', async () => {
  const { gas, exports } = await instantiate(PROGRAM);
  // local.get, i32.const, i32.add at 4 gas each.
  assert.equal(charged(gas, () => exports['add1']!(41)), thunk(1) + 12_000n);
  assert.equal(exports['add1']!(41), 42);
});

test('a loop body is charged on every iteration', async () => {
  const { gas, exports } = await instantiate(PROGRAM);
  // loop is free; local.get, i32.const, i32.sub, local.tee, br_if: 20 gas per iteration.
  assert.equal(charged(gas, () => exports['countdown']!(1)), thunk(1) + 20_000n);
  assert.equal(charged(gas, () => exports['countdown']!(5)), thunk(1) + 5n * 20_000n);
});

test('bulk memory is charged per byte, at run time unless the length is a constant', async () => {
  const { gas, exports } = await instantiate(PROGRAM);
  // Three operands (12 gas), memory.fill's base (4 gas), then 0.4 gas per byte.
  assert.equal(charged(gas, () => exports['fill']!(1000)), thunk(1) + 16_000n + 400_000n);
  assert.equal(charged(gas, () => exports['fill']!(0)), thunk(1) + 16_000n);
  assert.equal(charged(gas, () => exports['fill100']!()), thunk(0) + 16_000n + 40_000n);
});

test('memory.grow is charged 0.4 gas per byte of the pages asked for', async () => {
  const { gas, exports } = await instantiate(PROGRAM);
  assert.equal(charged(gas, () => exports['grow']!(2)), thunk(1) + 8_000n + 2n * 65536n * 400n);
  // ref-fvm 2 did not meter growth: memory.grow is an ordinary 4-gas instruction.
  const v2 = await instantiate(PROGRAM, { prices: WASM_PRICES_V2 });
  assert.equal(charged(v2.gas, () => v2.exports['grow']!(2)), thunk(1) + 8_000n);
});

test('br_table: 0.4 ignores the default label when splitting blocks, 0.2 does not', async () => {
  // 0.4: the code after the inner block is merged into the first metered block (12 gas), the
  // tail is a block of its own (4 gas); the default branch skips code it has paid for.
  const v4 = await instantiate(PROGRAM);
  assert.equal(charged(v4.gas, () => v4.exports['bt']!(0)), thunk(1) + 12_000n);
  assert.equal(charged(v4.gas, () => v4.exports['bt']!(1)), thunk(1) + 16_000n);
  assert.equal(v4.exports['bt']!(1), 2);
  const v2 = await instantiate(PROGRAM, { prices: WASM_PRICES_V2 });
  assert.equal(charged(v2.gas, () => v2.exports['bt']!(0)), thunk(1) + 12_000n);
  assert.equal(charged(v2.gas, () => v2.exports['bt']!(1)), thunk(1) + 12_000n);
});

test('running out of gas traps with the counter below zero', async () => {
  const { gas, exports } = await instantiate(PROGRAM);
  gas.value = 50_000n;
  assert.throws(() => exports['add1']!(1), WebAssembly.RuntimeError);
  assert.equal(gas.value, 50_000n - thunk(1));
});

test('the stack limiter traps when the summed frame costs exceed the limit', async () => {
  // rec's cost is 4 (no locals, maximum height 4 counting the 2 of its activation), so with a
  // limit of 1024 at most 256 frames fit: rec(255) runs, rec(256) traps.
  const m = decodeModule(await wat(PROGRAM));
  const costs = functionStackCosts(m, '0.4');
  assert.equal(costs[costs.length - 1], 4);
  const { gas, exports } = await instantiate(PROGRAM, { stack: 1024 });
  gas.value = 10n ** 15n;
  assert.equal(exports['rec']!(255), 0);
  assert.throws(() => exports['rec']!(256), WebAssembly.RuntimeError);
  // The height is restored after a successful call, so the same depth runs again.
  const { gas: gas2, exports: e2 } = await instantiate(PROGRAM, { stack: 1024 });
  gas2.value = 10n ** 15n;
  for (let i = 0; i < 3; i++) assert.equal(e2['rec']!(255), 0);
});

test('0.2 counts every local, 0.4 counts local declarations', async () => {
  const m = decodeModule(await wat('(module (func (local i64 i64 i32) i32.const 1 drop))'));
  // Maximum height 3 (2 + one value); locals: 3 in 0.2, 2 declaration groups in 0.4.
  assert.deepEqual(functionStackCosts(m, '0.2'), [6]);
  assert.deepEqual(functionStackCosts(m, '0.4'), [5]);
});

const FLOATS = `(module
  (func (export "add64") (param i64 i64) (result i64)
    local.get 0 f64.reinterpret_i64 local.get 1 f64.reinterpret_i64 f64.add i64.reinterpret_f64)
  (func (export "div64") (param f64 f64) (result i64)
    local.get 0 local.get 1 f64.div i64.reinterpret_f64)
  (func (export "sqrt32") (param i32) (result i32)
    local.get 0 f32.reinterpret_i32 f32.sqrt i32.reinterpret_f32)
  (func (export "min32") (param i32 i32) (result i32)
    local.get 0 f32.reinterpret_i32 local.get 1 f32.reinterpret_i32 f32.min i32.reinterpret_f32)
  (func (export "neg64") (param i64) (result i64)
    local.get 0 f64.reinterpret_i64 f64.neg i64.reinterpret_f64))`;

const CANON_F64 = 0x7ff8000000000000n;
const CANON_F32 = 0x7fc00000;
const SNAN_F64 = 0x7ff4000000000001n; // signalling NaN with a payload
const ONE_F64 = 0x3ff0000000000000n;

test('NaN results of float arithmetic are canonical, other results untouched', async () => {
  const { exports } = await instantiate(FLOATS);
  const u64 = (v: number | bigint): bigint => BigInt.asUintN(64, BigInt(v));
  assert.equal(u64(exports['add64']!(SNAN_F64, ONE_F64)), CANON_F64);
  assert.equal(u64(exports['div64']!(0, 0)), CANON_F64);
  assert.equal(u64(exports['div64']!(1, 0)), 0x7ff0000000000000n); // +Infinity is not a NaN
  assert.equal(u64(exports['add64']!(ONE_F64, ONE_F64)), 0x4000000000000000n); // 2.0
  assert.equal((exports['sqrt32']!(0xbf800000 | 0) as number) >>> 0, CANON_F32); // sqrt(-1)
  assert.equal((exports['min32']!(0x7fa00001, 0x3f800000) as number) >>> 0, CANON_F32);
  // neg only flips the sign bit, as Wasmtime leaves it.
  assert.equal(u64(exports['neg64']!(SNAN_F64)), 0xfff4000000000001n);
});

test('without canonicalisation the payload would leak through', async () => {
  const { exports } = await instantiate(FLOATS, { canonicalizeNaN: false });
  const r = BigInt.asUintN(64, BigInt(exports['add64']!(SNAN_F64, ONE_F64)));
  assert.notEqual(r, CANON_F64, 'the host propagates the NaN payload');
});

test('canonicalisation code is not metered', async () => {
  const on = await instantiate(FLOATS);
  const off = await instantiate(FLOATS, { canonicalizeNaN: false });
  // Six 4-gas instructions in the body.
  const expected = thunk(2) + 24_000n;
  assert.equal(charged(on.gas, () => on.exports['add64']!(SNAN_F64, ONE_F64)), expected);
  assert.equal(charged(off.gas, () => off.exports['add64']!(SNAN_F64, ONE_F64)), expected);
});

test('instrumentation is deterministic and V3 and V4 prices agree', async () => {
  const bytes = await wat(PROGRAM);
  const a = instrumentModule(bytes, { prices: WASM_PRICES_V4, maxStackHeight: 2048 });
  const b = instrumentModule(bytes, { prices: WASM_PRICES_V4, maxStackHeight: 2048 });
  const c = instrumentModule(bytes, { prices: WASM_PRICES_V3, maxStackHeight: 2048 });
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
});

test('0.4 leaves exported global indices alone, 0.2 shifts them past the counter', async () => {
  const source = '(module (global $g (export "g") i32 (i32.const 7)) (func (export "f")))';
  const v4 = decodeModule(instrumentModule(await wat(source), { prices: WASM_PRICES_V4, maxStackHeight: 2048 }));
  const v2 = decodeModule(instrumentModule(await wat(source), { prices: WASM_PRICES_V2, maxStackHeight: 2048 }));
  assert.equal(v4.exports.find((e) => e.name === 'g')?.index, 0);
  assert.equal(v2.exports.find((e) => e.name === 'g')?.index, 1);
});
