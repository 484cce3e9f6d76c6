// The DAG-CBOR link scanner of ref-fvm 4.x: the reference's own examples (fields and CIDs
// charged, links found), running out of gas, and a property test against a model that
// counts fields and CIDs of arbitrary values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { priceListByNetworkVersion } from '../../src/gas/price-list.js';
import { GasTracker, OutOfGasError } from '../../src/gas/tracker.js';
import { ReachableBlockRegistry, scanForReachableLinks } from '../../src/kernel/reachability.js';
import { Block } from '../../src/kernel/blocks.js';
import { SyscallError } from '../../src/kernel/errors.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';

const DAG_CBOR = 0x71n;
const CBOR = 0x51n;
const RAW = 0x55n;
const WATERMELON = priceListByNetworkVersion(21);
const PER_FIELD = 35_000n; // milligas
const PER_CID = 400_000n;

function scan(codec: bigint, data: Uint8Array, limit = 10n ** 15n): { links: CID[]; used: bigint } {
  const gas = new GasTracker(limit);
  const links = scanForReachableLinks(codec, data, WATERMELON, gas);
  return { links, used: gas.usedMilligas };
}

const testCid = CID.createV1(Number(RAW), cidOf(new TextEncoder().encode('foobar')).multihash);

test('scan: the reference examples (tuple with a CID; inline CID; piece CIDs; CBOR and RAW)', () => {
  const tuple = encodeCbor([0, testCid, 1]);
  const r = scan(DAG_CBOR, tuple);
  assert.deepEqual(r.links.map(String), [testCid.toString()]);
  assert.equal(r.used, 4n * PER_FIELD + PER_CID);
  assert.deepEqual(scan(CBOR, tuple), { links: [], used: 0n });
  assert.deepEqual(scan(RAW, tuple), { links: [], used: 0n });

  // An identity-hashed DAG-CBOR CID is scanned inside, and its own CID is not a link.
  const inline = CID.createV1(Number(DAG_CBOR), createDigest(0x00, tuple));
  const nested = scan(DAG_CBOR, encodeCbor([0, inline, 1]));
  assert.deepEqual(nested.links.map(String), [testCid.toString()]);
  assert.equal(nested.used, 8n * PER_FIELD + 2n * PER_CID);

  // Piece commitments are legal links that are not followed (but are priced as CIDs).
  const piece = CID.createV1(0xf101, cidOf(new Uint8Array([1])).multihash);
  const pieces = scan(DAG_CBOR, encodeCbor([0, piece, 1]));
  assert.deepEqual(pieces, { links: [], used: 4n * PER_FIELD + PER_CID });
});

test('scan: out of gas consumes what was available and charges it', () => {
  const tuple = encodeCbor([0, testCid, 1]);
  const gas = new GasTracker(4n * PER_FIELD + PER_CID - 1n);
  assert.throws(() => scanForReachableLinks(DAG_CBOR, tuple, WATERMELON, gas), OutOfGasError);
  assert.equal(gas.availableMilligas, 0n);
  // Fields only, no CID charge possible: 4 fields fit, the CID does not.
  const fieldsOnly = new GasTracker(4n * PER_FIELD);
  assert.throws(() => scanForReachableLinks(DAG_CBOR, tuple, WATERMELON, fieldsOnly), OutOfGasError);
  assert.equal(fieldsOnly.usedMilligas, 4n * PER_FIELD);
});

test('scan: a failed scan still charges what it spent; the error names the problem', () => {
  const gas = new GasTracker(10n ** 12n);
  assert.throws(
    () => scanForReachableLinks(DAG_CBOR, new Uint8Array([0x83, 0x01, 0x02]), WATERMELON, gas),
    (e: unknown) => e instanceof SyscallError && e.errno === ErrorNumber.Serialization && /invalid cbor header/.test(e.message),
  );
  // Three items read, and the fourth field charged before its header turned out to be missing.
  assert.equal(gas.usedMilligas, 4n * PER_FIELD);
  assert.throws(
    () => scanForReachableLinks(0x70n, new Uint8Array([1]), WATERMELON, new GasTracker(10n ** 12n)),
    (e: unknown) => e instanceof SyscallError && e.errno === ErrorNumber.IllegalCodec,
  );
  assert.throws(() => scanForReachableLinks(DAG_CBOR, new Uint8Array(0), priceListByNetworkVersion(20), gas), /no price/);
});

// A model of the walk: every CBOR item is a field; a CID is one field (its tag) plus one CID.
type Value = null | boolean | number | string | Uint8Array | CID | Value[] | { [k: string]: Value };

function model(v: Value, links: CID[]): bigint {
  if (v instanceof CID || CID.asCID(v) !== null) {
    links.push(v as CID);
    return PER_FIELD + PER_CID;
  }
  if (Array.isArray(v)) return v.reduce<bigint>((n, x) => n + model(x, links), PER_FIELD);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    // Keys are one field each; DAG-CBOR sorts them, so visit in encoded order.
    const keys = Object.keys(v).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return keys.reduce<bigint>((n, k) => n + PER_FIELD + model(v[k]!, links), PER_FIELD);
  }
  return PER_FIELD;
}

const cidArb = fc.uint8Array({ minLength: 1, maxLength: 8 }).chain((seed) =>
  fc.constantFrom(DAG_CBOR, CBOR, RAW).map((codec) => CID.createV1(Number(codec), cidOf(seed).multihash)),
);
const valueArb: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 8 }),
    cidArb,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

test('scan (property): finds exactly the CIDs, in order, and charges fields and CIDs as the model', () => {
  fc.assert(
    fc.property(valueArb, (v) => {
      const links: CID[] = [];
      const expected = model(v, links);
      const r = scan(DAG_CBOR, encodeCbor(v));
      assert.deepEqual(r.links.map(String), links.map(String));
      assert.equal(r.used, expected);
    }),
    { numRuns: 300 },
  );
});

test('ReachableBlockRegistry: known-reachable blocks mark their links; created blocks are checked', () => {
  const reg = new ReachableBlockRegistry();
  const other = cidOf(encodeCbor(['other']));
  assert.equal(reg.isReachable(testCid), false);
  assert.throws(
    () => reg.putCheckReachable(new Block(DAG_CBOR, encodeCbor([testCid]), [testCid])),
    (e: unknown) => e instanceof SyscallError && e.errno === ErrorNumber.NotFound,
  );
  const id = reg.put(new Block(DAG_CBOR, encodeCbor([testCid]), [testCid]));
  assert.equal(id, 1);
  assert.equal(reg.isReachable(testCid), true);
  assert.equal(reg.isReachable(other), false);
  assert.equal(reg.putCheckReachable(new Block(DAG_CBOR, encodeCbor([testCid]), [testCid])), 2);
  reg.markReachable(other);
  assert.equal(reg.isReachable(other), true);
});

test('scan: CID forms inside tag 42 — huge codes, CIDv0, malformed encodings', () => {
  const varint = (v: bigint): number[] => {
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    return out;
  };
  // DAG-CBOR [tag 42 (0x00 ++ cid)] for raw CID bytes.
  const link = (cid: number[]): Uint8Array => {
    const body = [0x00, ...cid];
    if (body.length > 255) throw new Error('test CID too long');
    return new Uint8Array([0x81, 0xd8, 0x2a, 0x58, body.length, ...body]);
  };
  const digest32 = new Array<number>(32).fill(7);
  const cases: Array<[string, number[], number | 'ok']> = [
    ['codec beyond 2^53', [1, ...varint(1n << 60n), ...varint(0xb220n), 32, ...digest32], ErrorNumber.NotFound],
    ['piece codec, hash code beyond 2^53', [1, ...varint(0xf101n), ...varint(1n << 60n), 32, ...digest32], 'ok'],
    ['CIDv0 (dag-pb)', [0x12, 0x20, ...digest32], ErrorNumber.NotFound],
    ['explicit version 0', [0, 0x71, ...varint(0xb220n), 32, ...digest32], ErrorNumber.Serialization],
    ['version 2', [2, 0x71, ...varint(0xb220n), 32, ...digest32], ErrorNumber.Serialization],
    ['non-minimal varint', [1, 0xf1, 0x00, ...varint(0xb220n), 32, ...digest32], ErrorNumber.Serialization],
    ['65-byte digest', [1, 0x71, 0x00, 65, ...new Array<number>(65).fill(1)], ErrorNumber.Serialization],
    ['trailing byte', [1, 0x71, ...varint(0xb220n), 32, ...digest32, 0], ErrorNumber.Serialization],
    ['truncated digest', [1, 0x71, ...varint(0xb220n), 32, ...digest32.slice(1)], ErrorNumber.Serialization],
    ['blake2b with 20 bytes', [1, 0x71, ...varint(0xb220n), 20, ...digest32.slice(12)], ErrorNumber.NotFound],
  ];
  for (const [what, cid, want] of cases) {
    const data = link(cid);
    if (want === 'ok') {
      assert.deepEqual(scan(DAG_CBOR, data).links, [], what);
    } else {
      assert.throws(() => scan(DAG_CBOR, data), (e: unknown) => e instanceof SyscallError && e.errno === want, what);
    }
  }
  // A well-formed blake2b link with an allowed codec is found.
  const good = scan(DAG_CBOR, link([1, 0x71, ...varint(0xb220n), 32, ...digest32]));
  assert.equal(good.links.length, 1);
  assert.equal(good.links[0]!.code, 0x71);
});
