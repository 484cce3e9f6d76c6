import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConformanceExterns, FALLBACK_RANDOMNESS, ReplayingRandomness } from '../../src/conformance/externs.js';
import type { VectorRandomness } from '../../src/conformance/vector.js';
import { readVector } from '../../src/conformance/vector.js';
import { hyggeVector } from './fixtures.js';

const filled = (b: number): Uint8Array => new Uint8Array(32).fill(b);

test('replayed randomness: kind and epoch select the entry; the first recorded entry wins', () => {
  const r = new ReplayingRandomness([
    { kind: 'chain', epoch: 10, value: filled(1) },
    { kind: 'beacon', epoch: 10, value: filled(2) },
    { kind: 'chain', epoch: 10, value: filled(3) },
    { kind: 'chain', epoch: 11, value: filled(4) },
  ]);
  assert.deepEqual(r.chain(10n), filled(1));
  assert.deepEqual(r.beacon(10n), filled(2));
  assert.deepEqual(r.chain(11n), filled(4));
  assert.deepEqual(r.misses(), []);
});

test('replayed randomness: a miss returns the reference fallback, never an error', () => {
  const r = new ReplayingRandomness([{ kind: 'chain', epoch: 10, value: filled(1) }]);
  // The reference runner's fixed fallback: the ASCII text "i_am_random_____" twice.
  const expected = Uint8Array.from(Buffer.from('i_am_random_____i_am_random_____', 'ascii'));
  assert.equal(expected.length, 32);
  assert.deepEqual(r.beacon(10n), expected);
  assert.deepEqual(r.chain(9n), expected);
  assert.deepEqual(FALLBACK_RANDOMNESS, expected);
  assert.deepEqual(
    r.misses().map((m) => [m.kind, m.epoch]),
    [
      ['beacon', 10n],
      ['chain', 9n],
    ],
  );
  // Callers get copies: scribbling on one answer does not change the next.
  r.chain(10n).fill(0);
  assert.deepEqual(r.chain(10n), filled(1));
  r.chain(1n).fill(0);
  assert.deepEqual(r.chain(1n), expected);
});

test('replayed randomness: entries that are not 32 bytes are rejected up front', () => {
  assert.throws(() => new ReplayingRandomness([{ kind: 'beacon', epoch: 3, value: new Uint8Array(31) }]), /entry 0 \(beacon @ 3\) is 31 bytes/);
});

test('replayed randomness (property): every lookup equals the first matching entry, else the fallback', () => {
  const entry = fc.record({
    kind: fc.constantFrom<'chain' | 'beacon'>('chain', 'beacon'),
    epoch: fc.integer({ min: 0, max: 8 }),
    value: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 12 }), fc.constantFrom<'chain' | 'beacon'>('chain', 'beacon'), fc.integer({ min: 0, max: 9 }), (entries, kind, epoch) => {
      const r = new ReplayingRandomness(entries as VectorRandomness[]);
      const first = entries.find((e) => e.kind === kind && e.epoch === epoch);
      const got = kind === 'chain' ? r.chain(BigInt(epoch)) : r.beacon(BigInt(epoch));
      assert.deepEqual(got, first?.value ?? FALLBACK_RANDOMNESS);
    }),
  );
});

test('conformance externs: proofs verify, no consensus fault, no tipset CIDs', () => {
  const x = new ConformanceExterns([{ kind: 'beacon', epoch: 4, value: filled(9) }]);
  assert.equal(x.verifyPost(), true);
  assert.equal(x.verifySeal(), true);
  assert.equal(x.verifyAggregateSeals(), true);
  assert.equal(x.verifyReplicaUpdate(), true);
  assert.equal(x.verifyConsensusFault(), undefined);
  assert.throws(() => x.getTipsetCid(5n), /no tipset CIDs \(requested epoch 5\)/);
  assert.deepEqual(x.getBeaconRandomness(4n), filled(9));
  assert.deepEqual(x.getChainRandomness(4n), FALLBACK_RANDOMNESS);
});

test('conformance externs: a real vector\'s recorded randomness replays', (t) => {
  const file = hyggeVector('fil_10_storageminer/SubmitWindowedPoSt/Ok/ext-0002-fil_10_storageminer-SubmitWindowedPoSt-Ok-1.json');
  if (file === undefined) return t.skip('no test vectors: see README');
  const v = readVector(file);
  if (v.randomness.length === 0) return t.skip('vector records no randomness');
  const x = new ConformanceExterns(v.randomness);
  for (const e of v.randomness) {
    const got = e.kind === 'chain' ? x.getChainRandomness(BigInt(e.epoch)) : x.getBeaconRandomness(BigInt(e.epoch));
    const first = v.randomness.find((f) => f.kind === e.kind && f.epoch === e.epoch)!;
    assert.deepEqual(got, first.value);
  }
});
