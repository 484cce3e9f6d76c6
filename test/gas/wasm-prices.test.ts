// Instruction prices as ref-fvm's WasmGasPrices rules give them (all generations share
// them): 4 gas per instruction, structural ops free, 0.4 gas per byte copied or filled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceListByNetworkVersion } from '../../src/gas/index.js';

for (const nv of [18, 21, 25]) {
  const pl = priceListByNetworkVersion(nv);
  const cost = (m: string) => pl.wasmInstructionCost(m);

  test(`nv${nv}: fixed instruction prices`, () => {
    for (const m of ['nop', 'block', 'loop', 'unreachable', 'return', 'else', 'end', 'drop']) {
      assert.deepEqual(cost(m), { kind: 'fixed', milligas: 0n }, m);
    }
    for (const m of [
      'br', 'br_if', 'if', 'br_table', 'call', 'call_indirect', 'i32.add', 'i64.div_u', 'f64.sqrt',
      'i32.const', 'local.get', 'global.set', 'select', 'i64.load32_s', 'i32.store8', 'table.get',
      'table.set', 'memory.size', 'data.drop', 'i32.trunc_sat_f64_u', 'i64.extend_i32_s', 'f32.copysign',
    ]) {
      assert.deepEqual(cost(m), { kind: 'fixed', milligas: 4000n }, m);
    }
  });

  test(`nv${nv}: linear instruction prices`, () => {
    // memory.grow is per page: 0.4 gas * 65536 bytes = 26214.4 gas = 26214400 milligas
    assert.deepEqual(cost('memory.grow'), { kind: 'linear', base: 4000n, perUnit: 26_214_400 });
    assert.deepEqual(cost('memory.fill'), { kind: 'linear', base: 4000n, perUnit: 400 });
    assert.deepEqual(cost('memory.copy'), { kind: 'linear', base: 4000n, perUnit: 400 });
    assert.deepEqual(cost('memory.init'), { kind: 'linear', base: 4000n, perUnit: 400 });
    // tables: 8 bytes per element * 0.4 gas = 3.2 gas
    for (const m of ['table.grow', 'table.fill', 'table.copy', 'table.init']) {
      assert.deepEqual(cost(m), { kind: 'linear', base: 4000n, perUnit: 3200 }, m);
    }
  });

  test(`nv${nv}: unsupported instructions`, () => {
    for (const m of ['v128.load', 'i32.atomic.load', 'ref.null', 'ref.func', 'return_call', 'try', 'throw', 'bogus']) {
      const c = cost(m);
      assert.equal(c.kind, 'unsupported', m);
      if (c.kind === 'unsupported') assert.match(c.reason, new RegExp(m.replace('.', '\\.')));
    }
  });
}
