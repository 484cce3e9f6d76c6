import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GasCharge,
  GasTracker,
  I64_MAX,
  OutOfGasError,
  U64_MAX,
  formatGasTrace,
  priceListByNetworkVersion,
} from '../../src/gas/index.js';

const G = (whole: number | bigint): bigint => BigInt(whole) * 1000n;

test('reference basic_gas_tracker: limit 20, used 10, charges 5, 5, then 1 fails', () => {
  const t = new GasTracker(G(20), { used: G(10) });
  t.applyCharge(new GasCharge('', G(5), 0n));
  assert.equal(t.usedMilligas, G(15));
  t.applyCharge(new GasCharge('', G(5), 0n));
  assert.equal(t.usedMilligas, G(20));
  assert.throws(() => t.applyCharge(new GasCharge('', G(1), 0n)), OutOfGasError);
});

test('out-of-gas boundary: exact fit passes, one milligas more fails and uses everything', () => {
  const t = new GasTracker(G(10));
  t.charge('a', G(4));
  t.applyCharge(new GasCharge('b', 1500n, 500n)); // 2 gas in two parts
  t.charge('c', G(4)); // exactly at the limit
  assert.equal(t.usedMilligas, G(10));
  assert.equal(t.availableMilligas, 0n);
  t.charge('zero', 0n); // a zero charge at the limit still fits

  const t2 = new GasTracker(G(10), { used: G(3) });
  const err = (() => {
    try {
      t2.applyCharge(new GasCharge('OnBlockLink', G(7), 1n));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof OutOfGasError);
  assert.equal(err.chargeName, 'OnBlockLink');
  assert.equal(err.requested, G(7) + 1n);
  assert.equal(err.available, G(7));
  assert.equal(err.exitCode, 7);
  assert.match(err.message, /OnBlockLink needs 7\.001 gas, 7\.000 available/);
  // the reference sets usage to the limit when a charge fails
  assert.equal(t2.usedMilligas, G(10));
  assert.equal(t2.gasUsed(), 10n);
  assert.throws(() => t2.charge('more', 1n), OutOfGasError);
});

test('a saturated charge runs out of gas rather than wrapping', () => {
  const t = new GasTracker(G(1));
  t.charge('x', 1n);
  assert.throws(() => t.charge('huge', U64_MAX), OutOfGasError);
  assert.equal(t.usedMilligas, G(1));
});

test('limit is capped at i64::MAX milligas and initial usage at the limit', () => {
  assert.equal(GasTracker.forMessage(U64_MAX).limitMilligas, I64_MAX);
  assert.equal(new GasTracker(U64_MAX).limitMilligas, I64_MAX);
  assert.equal(new GasTracker(G(5), { used: G(9) }).usedMilligas, G(5));
  assert.equal(GasTracker.forMessage(10_000_000_000n).limitMilligas, 10_000_000_000_000n);
  assert.throws(() => new GasTracker(-1n), RangeError);
});

test('gasUsed rounds up, gasAvailable rounds down', () => {
  const t = new GasTracker(G(10));
  assert.equal(t.gasUsed(), 0n);
  t.charge('a', 1n);
  assert.equal(t.gasUsed(), 1n);
  assert.equal(t.gasAvailable(), 9n); // 9999 milligas
  t.charge('b', 999n);
  assert.equal(t.gasUsed(), 1n);
  assert.equal(t.gasAvailable(), 9n);
  t.charge('c', 1n);
  assert.equal(t.gasUsed(), 2n);
});

test('nested limits: inner limit is the smaller of remaining and requested; usage adds back', () => {
  const t = new GasTracker(G(100), { used: G(30) });
  t.pushLimit(G(50));
  assert.equal(t.limitMilligas, G(50));
  assert.equal(t.usedMilligas, 0n);
  t.charge('inner', G(20));
  t.popLimit();
  assert.equal(t.limitMilligas, G(100));
  assert.equal(t.usedMilligas, G(50));

  t.pushLimit(G(1000)); // only 50 left
  assert.equal(t.limitMilligas, G(50));
  assert.throws(() => t.charge('inner', G(51)), OutOfGasError);
  assert.equal(t.usedMilligas, G(50)); // the inner budget is exhausted
  t.popLimit();
  assert.equal(t.usedMilligas, G(100));
  assert.equal(t.availableMilligas, 0n);
  assert.throws(() => t.popLimit(), /no nested gas limit/);
});

test('tracing records every charge, including the failing one; off means no trace', () => {
  const off = new GasTracker(G(10));
  off.charge('a', G(1));
  assert.equal(off.tracing, false);
  assert.deepEqual(off.drainTrace(), []);

  const pl = priceListByNetworkVersion(21);
  const t = GasTracker.forMessage(1_000_000, true);
  t.applyCharge(pl.onChainMessage(100)); // 690663 gas
  t.charge('wasm_exec', 1234n);
  assert.throws(() => t.applyCharge(pl.onActorLookup()), OutOfGasError); // 500000 > remaining
  const trace = t.drainTrace();
  assert.deepEqual(
    trace.map((e) => [e.name, e.compute, e.other, e.total, e.outOfGas]),
    [
      ['OnChainMessage', G(38_863), G(651_800), G(690_663), false],
      ['wasm_exec', 1234n, 0n, 1234n, false],
      ['OnActorLookup', 0n, G(500_000), G(500_000), true],
    ],
  );
  assert.deepEqual(t.drainTrace(), []);
  const text = formatGasTrace(trace);
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^charge\s+compute\s+other\s+total$/);
  assert.match(lines[1]!, /^OnChainMessage\s+38863\.000\s+651800\.000\s+690663\.000$/);
  assert.match(lines[2]!, /^wasm_exec\s+1\.234\s+0\s+1\.234$/);
  assert.match(lines[3]!, /^OnActorLookup \(out of gas\)\s+0\s+500000\.000\s+500000\.000$/);
});

test('a negative charge is rejected, not refunded', () => {
  const t = new GasTracker(G(10));
  t.charge('a', G(5));
  assert.throws(() => t.charge('refund?', -1n), /not a u64/);
  assert.throws(() => t.applyCharge(new GasCharge('neg', -5n, 0n)), RangeError);
  assert.equal(t.usedMilligas, G(5));
});
