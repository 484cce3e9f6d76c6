import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeGasOutputs, computeGasOverestimationBurn } from '../../src/gas/index.js';

// The reference's overestimation_burn_test (adapted there from Lotus).
test('over-estimation burn: reference cases', () => {
  const cases: Array<[bigint, bigint, bigint, bigint]> = [
    // used, limit, refund, burned
    [100n, 200n, 10n, 90n],
    [100n, 150n, 30n, 20n],
    [1_000n, 1_300n, 240n, 60n],
    [500n, 700n, 140n, 60n],
    [200n, 200n, 0n, 0n],
    [20_000n, 21_000n, 1_000n, 0n],
    [0n, 2_000n, 0n, 2_000n],
    [500n, 651n, 121n, 30n],
    [500n, 5_000n, 0n, 4_500n],
    [7_499_000_000n, 7_500_000_000n, 1_000_000n, 0n],
    [7_500_000_000n / 2n, 7_500_000_000n, 375_000_000n, 3_375_000_000n],
    [1n, 7_500_000_000n, 0n, 7_499_999_999n],
  ];
  for (const [used, limit, refund, burned] of cases) {
    assert.deepEqual(computeGasOverestimationBurn(used, limit), { gasRefund: refund, gasBurned: burned }, `${used}/${limit}`);
  }
});

test('over-estimation burn: gas used above the limit leaves nothing', () => {
  assert.deepEqual(computeGasOverestimationBurn(300n, 200n), { gasRefund: 0n, gasBurned: 0n });
  assert.throws(() => computeGasOverestimationBurn(-1n, 10n), RangeError);
});

// The reference's gas_outputs_test: base fee 10 attoFIL.
test('gas outputs: reference cases', () => {
  const cases: Array<[bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]> = [
    // used, limit, feeCap, premium, baseFeeBurn, overEstimationBurn, minerPenalty, minerTip, refund
    [100n, 110n, 11n, 1n, 1_000n, 0n, 0n, 110n, 100n],
    [100n, 130n, 11n, 1n, 1_000n, 60n, 0n, 130n, 240n],
    [100n, 110n, 10n, 1n, 1_000n, 0n, 0n, 0n, 100n],
    [100n, 110n, 6n, 1n, 600n, 0n, 400n, 0n, 60n],
  ];
  for (const [used, limit, feeCap, premium, burn, over, penalty, tip, refund] of cases) {
    const out = computeGasOutputs(used, limit, 10n, feeCap, premium);
    assert.equal(out.baseFeeBurn, burn, 'baseFeeBurn');
    assert.equal(out.overEstimationBurn, over, 'overEstimationBurn');
    assert.equal(out.minerPenalty, penalty, 'minerPenalty');
    assert.equal(out.minerTip, tip, 'minerTip');
    assert.equal(out.refund, refund, 'refund');
  }
});

test('gas outputs: hand-derived cases', () => {
  // Fee cap below base fee with over-estimation: base fee 100, cap 60, premium 5,
  // used 1000, limit 2000. Paid base fee = 60; penalty = 40*1000 = 40000;
  // burn = 60*1000 = 60000; tip: 60+5 > 60 → 0 per gas → 0.
  // Over-estimation: over = min(2000 - 1100, 1000) = 900, remaining 1000,
  // burned = 1000*900/1000 = 900, refund gas 100. overBurn = 60*900 = 54000,
  // penalty += 40*900 = 36000 → 76000. refund = 60*2000 - 60000 - 0 - 54000 = 6000.
  assert.deepEqual(computeGasOutputs(1000n, 2000n, 100n, 60n, 5n), {
    baseFeeBurn: 60_000n,
    overEstimationBurn: 54_000n,
    minerPenalty: 76_000n,
    minerTip: 0n,
    refund: 6_000n,
    gasRefund: 100n,
    gasBurned: 900n,
  });
  // Nothing used (e.g. failed before execution): the whole limit is burnt at the base fee.
  // base 100, cap 200, premium 50, limit 1000: burn 0, tip 50*1000 = 50000,
  // overBurn 100*1000 = 100000, refund 200000 - 0 - 50000 - 100000 = 50000.
  assert.deepEqual(computeGasOutputs(0n, 1000n, 100n, 200n, 50n), {
    baseFeeBurn: 0n,
    overEstimationBurn: 100_000n,
    minerPenalty: 0n,
    minerTip: 50_000n,
    refund: 50_000n,
    gasRefund: 0n,
    gasBurned: 1000n,
  });
  // Mainnet-sized numbers exceed 2^64 attoFIL without trouble: base fee 1e9 (1 nanoFIL),
  // limit 1e10 gas, cap 2e9, premium 1e8, used 9.5e9 (within 10%: nothing burnt).
  const big = computeGasOutputs(9_500_000_000n, 10_000_000_000n, 1_000_000_000n, 2_000_000_000n, 100_000_000n);
  assert.equal(big.baseFeeBurn, 9_500_000_000_000_000_000n);
  assert.equal(big.minerTip, 1_000_000_000_000_000_000n);
  assert.equal(big.overEstimationBurn, 0n);
  assert.equal(big.refund, 20_000_000_000_000_000_000n - 9_500_000_000_000_000_000n - 1_000_000_000_000_000_000n);
});

test('gas outputs: the fee is fully accounted for and gas splits exactly', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10_000_000_000n }),
      fc.bigInt({ min: 0n, max: 10_000_000_000n }),
      fc.bigInt({ min: 100n, max: 10n ** 12n }),
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      (a, b, baseFee, feeCap, premium) => {
        const [used, limit] = a <= b ? [a, b] : [b, a];
        const out = computeGasOutputs(used, limit, baseFee, feeCap, premium);
        // the executor's own consistency check
        assert.equal(out.baseFeeBurn + out.overEstimationBurn + out.refund + out.minerTip, feeCap * limit);
        assert.equal(out.gasRefund + out.gasBurned, limit - used);
        assert.ok(out.refund >= 0n && out.minerTip >= 0n && out.minerPenalty >= 0n);
      },
    ),
    { numRuns: 500 },
  );
});
