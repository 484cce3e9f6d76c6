// The fast CID paths of src/ipld/cbor.ts (tag-42 decoding, decodeCidBytes, cidOf) against
// the libraries they stand in for: same values, same CIDs, same errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  BLAKE2B_256,
  CborError,
  DAG_CBOR,
  DeferredCid,
  RAW,
  cidOf,
  decodeCbor,
  decodeCborDeferringCids,
  decodeCidBytes,
  resolveDeferredCids,
} from '../../src/ipld/cbor.js';

/** Every observable part of a CID, for deep comparison. */
function cidShape(c: CID): unknown {
  return {
    version: c.version,
    code: c.code,
    string: c.toString(),
    bytes: [...c.bytes],
    mhCode: c.multihash.code,
    mhSize: c.multihash.size,
    mhBytes: [...c.multihash.bytes],
    digest: [...c.multihash.digest],
  };
}

/** A decoded value with every CID replaced by its shape (and checked to be a real CID). */
function shape(v: unknown): unknown {
  const cid = CID.asCID(v);
  if (cid) {
    assert.ok(cid instanceof CID);
    assert.equal(cid['/'], cid.bytes);
    return { cid: cidShape(cid) };
  }
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v;
}

const arbCid = fc
  .record({
    v0: fc.boolean(),
    codec: fc.oneof(fc.constantFrom(DAG_CBOR, RAW, 0x70, 0xf101, 0xf102), fc.integer({ min: 0, max: 0x1fffff })),
    hash: fc.oneof(fc.constantFrom(BLAKE2B_256, 0x12, 0x00), fc.integer({ min: 0, max: 0x3fffff })),
    digest: fc.uint8Array({ minLength: 0, maxLength: 70 }),
  })
  .map(({ v0, codec, hash, digest }) =>
    v0 ? CID.createV0(createDigest(0x12, digest.length === 32 ? digest : new Uint8Array(32).fill(digest[0] ?? 7))) : CID.createV1(codec, createDigest(hash, digest)),
  );

const arbValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    arbCid,
    fc.integer(),
    fc.string(),
    fc.uint8Array({ maxLength: 80 }),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

test('decodeCbor gives the same values and CIDs as @ipld/dag-cbor', () => {
  fc.assert(
    fc.property(arbValue, (v) => {
      const bytes = dagCbor.encode(v);
      assert.deepEqual(shape(decodeCbor(bytes)), shape(dagCbor.decode(bytes)));
      // Re-encoding what was decoded gives the block back.
      assert.deepEqual([...dagCbor.encode(decodeCbor(bytes))], [...bytes]);
    }),
    { numRuns: 400 },
  );
});

/** Whether a DeferredCid is left anywhere in a value. */
function hasDeferred(v: unknown): boolean {
  if (v instanceof DeferredCid) return true;
  if (Array.isArray(v)) return v.some(hasDeferred);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !CID.asCID(v)) return Object.values(v).some(hasDeferred);
  return false;
}

test('deferred CIDs, once resolved, give what @ipld/dag-cbor gives', () => {
  fc.assert(
    fc.property(arbValue, (v) => {
      const bytes = dagCbor.encode(v);
      const resolved = resolveDeferredCids(decodeCborDeferringCids(bytes));
      assert.equal(hasDeferred(resolved), false);
      assert.deepEqual(shape(resolved), shape(dagCbor.decode(bytes)));
    }),
    { numRuns: 300 },
  );
  // A bare CID block resolves to the CID itself.
  const c = cidOf(new Uint8Array([9]));
  const deferred = decodeCborDeferringCids(dagCbor.encode(c));
  assert.ok(deferred instanceof DeferredCid);
  assert.ok(CID.asCID(resolveDeferredCids(deferred))?.equals(c));
});

test('decoding with deferred CIDs rejects exactly what decodeCbor rejects, with the same message', () => {
  fc.assert(
    fc.property(arbValue, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
      const bytes = dagCbor.encode(v).slice();
      bytes[at % bytes.length] = byte;
      const eager = outcome(() => decodeCbor(bytes, 'x'));
      const deferred = outcome(() => resolveDeferredCids(decodeCborDeferringCids(bytes, () => 'x')));
      assert.deepEqual(deferred, eager);
    }),
    { numRuns: 500 },
  );
});

test('decodeCidBytes matches CID.decode on well-formed CIDs', () => {
  fc.assert(
    fc.property(arbCid, (c) => {
      const copy = c.bytes.slice();
      const fast = decodeCidBytes(copy);
      assert.deepEqual(cidShape(fast), cidShape(CID.decode(copy)));
      assert.ok(fast.equals(c));
    }),
    { numRuns: 500 },
  );
});

/** The outcome of a decoder: its value's shape, or its error message. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: shape(f()) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

test('odd and broken CID bytes behave as in the libraries (non-minimal varints, wrong lengths)', () => {
  const digest = blake2b(new Uint8Array([1, 2, 3]), { dkLen: 32 });
  const cases: number[][] = [
    [0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20, ...digest], // the usual shape
    [0x01, 0xf1, 0x00, 0xa0, 0xe4, 0x02, 0x20, ...digest], // non-minimal codec varint
    [0x01, 0x71, 0xa0, 0xe4, 0x02, 0xa0, 0x00, ...digest], // non-minimal length varint
    [0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20, ...digest.subarray(1)], // digest too short
    [0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20, ...digest, 0x00], // trailing byte
    [0x02, 0x71, 0xa0, 0xe4, 0x02, 0x20, ...digest], // unknown version
    [0x12, 0x20, ...digest], // CIDv0
    [0x01], // truncated
    [],
  ];
  for (const c of cases) {
    const bytes = new Uint8Array(c);
    assert.deepEqual(outcome(() => decodeCidBytes(bytes)), outcome(() => CID.decode(bytes)), `CID bytes ${Buffer.from(bytes).toString('hex')}`);
    // Inside a block, as tag 42 (0x00 prefix): same outcome as @ipld/dag-cbor, wrapped in CborError.
    const tagged = new Uint8Array([0xd8, 0x2a, 0x58, c.length + 1, 0x00, ...c]);
    const ours = outcome(() => decodeCbor(tagged, 'test block'));
    const theirs = outcome(() => dagCbor.decode(tagged));
    if ('error' in (theirs as object)) {
      assert.deepEqual(ours, { error: `invalid DAG-CBOR in test block: ${(theirs as { error: string }).error}` });
    } else {
      assert.deepEqual(ours, theirs);
    }
  }
  // A tag-42 byte string without the leading 0x00.
  const noPrefix = new Uint8Array([0xd8, 0x2a, 0x58, 0x26, 0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20, ...digest]);
  assert.throws(() => decodeCbor(noPrefix, 'x'), (err: unknown) => err instanceof CborError && /expected leading 0x00/.test((err as Error).message));
});

test('cidOf equals the CID built by multiformats from the blake2b-256 digest', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(DAG_CBOR, RAW, 0x51, 0xf101, 0x3fff, 0x4000, 0x200000), (data, codec) => {
      const expected = CID.createV1(codec, createDigest(BLAKE2B_256, blake2b(data, { dkLen: 32 })));
      assert.deepEqual(cidShape(cidOf(data, codec)), cidShape(expected));
    }),
    { numRuns: 300 },
  );
  // Known answer: the CID of the empty DAG-CBOR array, as Filecoin state uses it.
  assert.equal(cidOf(new Uint8Array([0x80])).toString(), 'bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a');
});

test('CIDs from the slab stay intact as many more are made', () => {
  const first = cidOf(new Uint8Array([1]));
  const firstString = first.toString();
  const firstBytes = [...first.bytes];
  for (let i = 0; i < 5000; i++) cidOf(new Uint8Array([i & 0xff, i >> 8]));
  assert.equal(first.toString(), firstString);
  assert.deepEqual([...first.bytes], firstBytes);
  assert.equal(CID.decode(first.bytes.slice()).toString(), firstString);
});
