import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatGas,
  gasAdd,
  gasMul,
  gasRoundDown,
  gasRoundUp,
  gasSub,
  gasUnits,
  lookupStep,
  milligas,
  toU64,
  U64_MAX,
  type Step,
} from '../../src/gas/index.js';
import { GasCharge } from '../../src/gas/index.js';

test('milligas to gas rounding (reference cases)', () => {
  assert.equal(gasRoundDown(100n), 0n);
  assert.equal(gasRoundUp(100n), 1n);
  assert.equal(gasRoundDown(0n), 0n);
  assert.equal(gasRoundUp(0n), 0n);
  assert.equal(gasRoundUp(1000n), 1n);
  assert.equal(gasRoundDown(1000n), 1n);
  assert.equal(gasRoundUp(1001n), 2n);
  assert.equal(gasRoundDown(1999n), 1n);
});

test('rounding agrees with exact division for any u64', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (mg) => {
      const down = gasRoundDown(mg);
      const up = gasRoundUp(mg);
      assert.ok(down * 1000n <= mg && mg < (down + 1n) * 1000n);
      assert.equal(up, mg % 1000n === 0n ? down : down + 1n);
    }),
  );
});

test('arithmetic saturates at u64::MAX and at zero', () => {
  assert.equal(gasAdd(U64_MAX, 1n), U64_MAX);
  assert.equal(gasMul(U64_MAX, 2), U64_MAX);
  assert.equal(gasMul(1n << 40n, 1 << 30), U64_MAX); // 2^70 saturates
  assert.equal(gasSub(1n, 2n), 0n);
  assert.equal(gasUnits(U64_MAX), U64_MAX);
  assert.equal(gasUnits(7), 7000n);
  assert.equal(milligas(400), 400n);
});

test('counts must be non-negative integers', () => {
  assert.throws(() => toU64(-1, 'size'), /size must be a non-negative safe integer/);
  assert.throws(() => toU64(1.5, 'size'), RangeError);
  assert.throws(() => toU64(Number.NaN, 'size'), RangeError);
  assert.throws(() => toU64(-1n, 'size'), /u64 range/);
  assert.throws(() => toU64(U64_MAX + 1n, 'size'), /u64 range/);
  assert.throws(() => gasMul(1n, -3), RangeError);
});

test('display form matches the reference (integral.fff)', () => {
  assert.equal(formatGas(0n), '0');
  assert.equal(formatGas(5n), '0.005');
  assert.equal(formatGas(1500n), '1.500');
  assert.equal(formatGas(38_863_000n), '38863.000');
});

test('GasCharge total is compute + other', () => {
  const c = new GasCharge('OnX', 1200n, 34n);
  assert.equal(c.total(), 1234n);
  assert.equal(new GasCharge('OnY', U64_MAX, 1n).total(), U64_MAX);
});

// Step lookups: the reference's own StepCost tests.
test('step cost lookup', () => {
  const steps: Step[] = [
    { start: 10n, cost: gasUnits(1) },
    { start: 20n, cost: gasUnits(2) },
  ];
  assert.equal(lookupStep(steps, 0n), 0n);
  assert.equal(lookupStep(steps, 5n), 0n);
  assert.equal(lookupStep(steps, 10n), 1000n);
  assert.equal(lookupStep(steps, 11n), 1000n);
  assert.equal(lookupStep(steps, 19n), 1000n);
  assert.equal(lookupStep(steps, 20n), 2000n);
  assert.equal(lookupStep(steps, 100n), 2000n);
  assert.equal(lookupStep([], 0n), 0n);
  assert.equal(lookupStep([], 10n), 0n);
  const fromZero: Step[] = [{ start: 0n, cost: gasUnits(1) }];
  assert.equal(lookupStep(fromZero, 0n), 1000n);
  assert.equal(lookupStep(fromZero, 10n), 1000n);
});
