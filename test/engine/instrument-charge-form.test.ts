// Charges written in place must have exactly the effect of the reference's calls of its
// charging function (whose output instrument-vectors checks byte for byte): at every gas
// budget, the same result or the same trap at the same point, and the same counter value left
// behind (the engine reads it after a trap). The budgets walked are the exact boundaries of
// every charge a run makes: with the counter landing on 0 (no trap) and one milligas short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GAS_COUNTER_MODULE,
  GAS_COUNTER_NAME,
  WASM_PRICES_V2,
  WASM_PRICES_V3,
  injectGasMetering,
  injectStackLimiter,
  type WasmGasPrices,
} from '../../src/engine/instrument/index.js';
import type { GasChargeForm } from '../../src/engine/instrument/gas-charge.js';
import { decodeModule, encodeModule } from '../../src/engine/wasm/index.js';
import { wat } from './wasm-helpers.js';

const PROGRAM = `(module
  (memory 1 8)
  (func $fib (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
  (func (export "fib") (param i32) (result i32) local.get 0 call $fib)
  (func (export "switch") (param i32) (result i32) (local i32)
    (loop $again
      (block $c (block $b (block $a
        local.get 0 i32.const 3 i32.rem_u br_table $a $b $c)
        local.get 1 i32.const 1 i32.add local.set 1 br $c)
        local.get 1 i32.const 5 i32.add local.set 1)
      local.get 0 i32.const 1 i32.sub local.tee 0 br_if $again)
    local.get 1)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "fill") (param i32) (result i32) i32.const 16 i32.const 7 local.get 0 memory.fill i32.const 0)
  (func (export "copy") (param i32) (result i32) i32.const 4096 i32.const 0 local.get 0 memory.copy memory.size)
  (func (export "float") (param i32) (result i32)
    local.get 0 f64.convert_i32_u f64.const 0.5 f64.mul f64.sqrt i32.trunc_f64_u))`;

interface Outcome {
  readonly result: string;
  readonly counter: bigint;
  readonly memoryBytes: number;
}

async function compile(prices: WasmGasPrices, version: '0.2' | '0.4', chargeForm: GasChargeForm): Promise<WebAssembly.Module> {
  const limited = injectStackLimiter(decodeModule(await wat(PROGRAM)), 2048, version);
  const metered = injectGasMetering(limited, prices, GAS_COUNTER_MODULE, { version, canonicalizeNaN: true, chargeForm });
  return new WebAssembly.Module(encodeModule(metered));
}

/** Runs `fn(arg)` on a fresh instance with `budget` milligas. */
function run(module: WebAssembly.Module, fn: string, arg: number, budget: bigint): Outcome {
  const gas = new WebAssembly.Global({ value: 'i64', mutable: true }, budget);
  const instance = new WebAssembly.Instance(module, { [GAS_COUNTER_MODULE]: { [GAS_COUNTER_NAME]: gas } });
  const exports = instance.exports as Record<string, unknown>;
  let result: string;
  try {
    result = `ok ${String((exports[fn] as (a: number) => unknown)(arg))}`;
  } catch (err) {
    result = `trap ${err instanceof WebAssembly.RuntimeError ? err.message : String(err)}`;
  }
  return { result, counter: gas.value as bigint, memoryBytes: (exports['memory'] as WebAssembly.Memory | undefined)?.buffer.byteLength ?? -1 };
}

const CASES: [string, number][] = [
  ['fib', 7],
  ['switch', 10],
  ['grow', 3],
  ['grow', 20], // past the maximum: fails, charged all the same
  ['fill', 5000],
  ['copy', 3000],
  ['float', 1000],
];

for (const [label, prices, version] of [
  ['ref-fvm 3/4 prices, 0.4 rules', WASM_PRICES_V3, '0.4'],
  ['ref-fvm 2 prices, 0.2 rules', WASM_PRICES_V2, '0.2'],
] as const) {
  test(`charges in place have the reference form's effect at every charge boundary (${label})`, async () => {
    const helper = await compile(prices, version, 'helper');
    const inline = await compile(prices, version, 'inline');
    for (const [fn, arg] of CASES) {
      const full = run(helper, fn, arg, 10n ** 15n);
      assert.ok(full.result.startsWith('ok'), `${fn}(${arg}) completes with plenty of gas`);
      assert.deepEqual(run(inline, fn, arg, 10n ** 15n), full, `${fn}(${arg}) with plenty of gas`);
      // Walk the charges: a budget one short of a charge boundary traps there, leaving
      // budget - boundary in the counter, which gives the boundary; that boundary exactly is
      // the next budget (the counter reaches 0: no trap).
      let budget = 0n;
      let boundaries = 0;
      for (let steps = 0; ; steps++) {
        assert.ok(steps < 2000, `${fn}(${arg}): too many charges`);
        const short = run(helper, fn, arg, budget - 1n < 0n ? 0n : budget - 1n);
        const exact = run(helper, fn, arg, budget);
        if (budget > 0n) {
          assert.ok(short.result.startsWith('trap') && short.counter < 0n, `${fn}(${arg}): one milligas short of ${budget} runs out`);
          assert.deepEqual(run(inline, fn, arg, budget - 1n), short, `${fn}(${arg}) with ${budget - 1n} milligas`);
        }
        assert.deepEqual(run(inline, fn, arg, budget), exact, `${fn}(${arg}) with ${budget} milligas`);
        if (exact.result.startsWith('ok')) break;
        assert.ok(exact.counter < 0n, `${fn}(${arg}): a trap with ${budget} milligas is out of gas`);
        budget -= exact.counter;
        boundaries++;
      }
      assert.ok(boundaries >= 1, `${fn}(${arg}) is charged`);
    }
  });
}
