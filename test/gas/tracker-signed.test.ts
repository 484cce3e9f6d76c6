// The signed (nv17, ref-fvm 2.x) mode of the gas tracker: i64 milligas that refunds may take
// below zero, saturating at the i64 bounds, with receipts clamped at zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GasCharge, GasTracker, OutOfGasError, priceListByNetworkVersion } from '../../src/gas/index.js';

const G = (whole: number | bigint): bigint => BigInt(whole) * 1000n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

test('a negative charge refunds; usage may fall below zero; the receipt reports at least zero', () => {
  const t = new GasTracker(G(100), { signed: true });
  t.charge('a', G(10));
  t.applyCharge(priceListByNetworkVersion(17).onDeleteActor()); // −98800 gas
  assert.equal(t.usedMilligas, G(10) - G(98_800));
  assert.equal(t.gasUsed(), 0n);
  // More than the limit is available while usage is negative.
  assert.equal(t.availableMilligas, G(100) - (G(10) - G(98_800)));
  t.charge('b', G(98_850));
  assert.equal(t.gasUsed(), 60n);
});

test('reference rounding: −100 milligas rounds up to 0 gas; 100 milligas to 1 gas', () => {
  const t = new GasTracker(G(1), { signed: true });
  t.charge('neg', -100n);
  assert.equal(t.gasUsed(), 0n);
  t.charge('pos', 200n);
  assert.equal(t.gasUsed(), 1n);
});

test('running out sets usage to the limit, as the reference does', () => {
  const t = new GasTracker(G(10), { signed: true });
  t.charge('refund', -G(5));
  assert.throws(() => t.charge('big', G(16)), OutOfGasError);
  assert.equal(t.usedMilligas, G(10));
  assert.equal(t.gasUsed(), 10n);
});

test('sums saturate at the i64 bounds; charges outside i64 are refused; no nested limits', () => {
  const t = new GasTracker(I64_MAX, { signed: true });
  t.charge('min', I64_MIN);
  t.charge('min again', -1n);
  assert.equal(t.usedMilligas, I64_MIN);
  assert.equal(t.availableMilligas, I64_MAX);
  assert.throws(() => t.charge('too big', I64_MAX + 1n), RangeError);
  assert.throws(() => t.applyCharge(new GasCharge('too small', I64_MIN - 1n, 0n)), RangeError);
  assert.throws(() => t.pushLimit(G(1)), /no nested limits/);
});

test('the unsigned (nv18+) tracker still refuses negative charges', () => {
  assert.throws(() => new GasTracker(G(10)).charge('neg', -1n), RangeError);
});

test('property: usage is the clamped running sum until it passes the limit', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: -G(1_000_000), max: G(1_000_000) }), { maxLength: 30 }), (charges) => {
      const limit = G(2_000_000);
      const t = new GasTracker(limit, { signed: true });
      let used = 0n;
      for (const c of charges) {
        if (used + c > limit) {
          assert.throws(() => t.charge('c', c), OutOfGasError);
          assert.equal(t.usedMilligas, limit);
          return;
        }
        t.charge('c', c);
        used += c;
        assert.equal(t.usedMilligas, used);
        assert.equal(t.gasUsed(), used <= 0n ? 0n : (used + 999n) / 1000n);
      }
    }),
  );
});
