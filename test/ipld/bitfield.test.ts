import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BitField, BitFieldError, MAX_ENCODED_SIZE, type BitFieldErrorKind } from '../../src/ipld/bitfield.js';
import { encodeCbor, decodeCbor } from '../../src/ipld/cbor.js';

const U64_MAX = (1n << 64n) - 1n;

/** Packs a list of 0/1 bits LSB-first, keeping a partial last byte even if it is zero. */
function packBits(bits: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}

function stripTrailingZeros(bytes: Uint8Array): Uint8Array {
  let n = bytes.length;
  while (n > 0 && bytes[n - 1] === 0) n--;
  return bytes.subarray(0, n);
}

/** The set whose bit i is bits[i] (the reference's `bitfield![...]` macro). */
function fromBitList(bits: readonly number[]): BitField {
  return BitField.fromIndices(bits.flatMap((b, i) => (b ? [i] : [])));
}

function indices(bf: BitField): bigint[] {
  return [...bf];
}

function rejects(bytes: Uint8Array, kind: BitFieldErrorKind): void {
  assert.throws(
    () => BitField.fromBytes(bytes),
    (err: unknown) => err instanceof BitFieldError && err.kind === kind,
    `expected ${kind} for bytes [${[...bytes].join(',')}]`,
  );
}

// Valid cases from the reference's RLE+ decoder tests: bit stream → set.
const ones = (n: number): number[] => new Array<number>(n).fill(1);
const VALID: { name: string; bits: number[]; set: number[] }[] = [
  { name: 'short run of 8 ones', bits: [0, 0, 1, 0, 1, 0, 0, 0, 1], set: ones(8) },
  {
    name: 'runs 4,1,3',
    bits: [0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0],
    set: [1, 1, 1, 1, 0, 1, 1, 1],
  },
  { name: 'varint run of 25', bits: [0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0], set: ones(25) },
  { name: 'varint run of 17', bits: [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], set: ones(17) },
];

test('decodes the reference known-answer streams, and re-encodes them byte for byte', () => {
  for (const c of VALID) {
    const bytes = packBits(c.bits);
    const bf = BitField.fromBytes(bytes);
    assert.ok(bf.equals(fromBitList(c.set)), c.name);
    assert.deepEqual(bf.toBytes(), stripTrailingZeros(bytes), c.name);
  }
});

test('empty input is the empty set, and the empty set encodes to no bytes', () => {
  assert.ok(BitField.fromBytes(new Uint8Array(0)).isEmpty());
  assert.deepEqual(BitField.empty().toBytes(), new Uint8Array(0));
  assert.deepEqual(encodeCbor(BitField.empty().toCbor()), Uint8Array.of(0x40));
});

test('a 10-byte varint may carry a full u64: run 0..u64::MAX', () => {
  // Reference vector: header 001, long prefix 00, nine 0xff varint bytes and a final 0x01.
  const stream = [0, 0, 1, 0, 0, ...ones(73), 0, 0];
  const bf = BitField.fromBytes(packBits(stream));
  assert.equal(bf.count(), U64_MAX);
  assert.equal(bf.first(), 0n);
  assert.equal(bf.last(), U64_MAX - 1n);
  assert.deepEqual(bf.ranges(), [{ start: 0n, end: U64_MAX }]);
  assert.deepEqual(bf.toBytes(), packBits(stream));
});

test('reference iter_last vector: last bit is 2^64-2', () => {
  const rle = Uint8Array.of(0xe4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
  const bf = BitField.fromBytes(rle);
  assert.equal(bf.last(), 18446744073709551614n);
  assert.deepEqual(bf.toBytes(), rle);
});

test('reference unset vector: {1,2,4,5} is CBOR 42 a8 54', () => {
  const bf = BitField.empty();
  for (const i of [1, 2, 3, 4, 5]) bf.set(i);
  bf.unset(3);
  assert.equal(bf.has(3), false);
  assert.equal(bf.count(), 4n);
  const cbor = encodeCbor(bf.toCbor());
  assert.deepEqual(cbor, Uint8Array.of(0x42, 0xa8, 0x54));
  const back = BitField.fromCbor(decodeCbor(cbor));
  assert.equal(back.count(), 4n);
  assert.equal(back.has(3), false);
});

test('padding: {1,3} survives a CBOR round trip', () => {
  const bf = BitField.fromIndices([1, 3]);
  assert.ok(BitField.fromCbor(decodeCbor(encodeCbor(bf.toCbor()))).equals(bf));
});

test('strict decoding rejects what the reference rejects', () => {
  const cases: { name: string; bits: number[]; kind: BitFieldErrorKind }[] = [
    { name: 'version 10', bits: [1, 0, 1, 0, 1, 0, 0, 0, 1], kind: 'UnsupportedVersion' },
    { name: 'zero-length short run', bits: [0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1], kind: 'NotMinimal' },
    { name: 'zero-length long run', bits: [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], kind: 'NotMinimal' },
    { name: 'trailing zero byte', bits: [0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], kind: 'NotMinimal' },
    {
      name: 'varint with a zero final byte',
      bits: [0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
      kind: 'InvalidVarint',
    },
    {
      name: 'varint one past u64',
      bits: [0, 0, 1, 0, 0, ...Array.from({ length: 9 }, () => [0, 0, 0, 0, 0, 0, 0, 1]).flat(), 0, 1, 0],
      kind: 'InvalidVarint',
    },
    { name: 'long block that fits a short one', bits: [0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1], kind: 'NotMinimal' },
    { name: 'long block that fits a single', bits: [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], kind: 'NotMinimal' },
    { name: 'short block that fits a single', bits: [0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], kind: 'NotMinimal' },
    { name: 'only a trailing zero run', bits: [0, 0, 0, 1], kind: 'NotMinimal' },
    { name: 'only a trailing zero run (short)', bits: [0, 0, 0, 0, 1, 0, 0, 1, 0], kind: 'NotMinimal' },
    { name: 'ones then a trailing zero run', bits: [0, 0, 1, 0, 1, 0, 0, 1, 0, 1], kind: 'NotMinimal' },
    { name: 'zeros, ones, trailing zeros', bits: [0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0], kind: 'NotMinimal' },
    { name: 'header says ones, no runs', bits: [0, 0, 1], kind: 'NotMinimal' },
  ];
  for (const c of cases) rejects(packBits(c.bits), c.kind);
});

test('runs whose total passes 2^64-1 are an overflow', () => {
  // Reference vector: two long runs of 2^63-1 (ones, then zeros), then a short run of 2.
  const stream = [0, 0, 1, 0, 0, ...ones(71), 0, 0, 0, ...ones(71), 0, 0, 1, 0, 1, 0, 0];
  rejects(packBits(stream), 'RLEOverflow');
});

test('CBOR limits: over 32 KiB is refused both ways (reference bitfield_custom)', () => {
  const bf = BitField.fromRanges(Array.from({ length: 500_000 }, (_, k) => [2 * k, 2 * k + 1] as const));
  assert.equal(bf.count(), 500_000n);
  const bytes = bf.toBytes();
  assert.equal(bytes.length, 0x01e849); // the reference's CBOR header declares this payload size
  assert.throws(() => bf.toCbor(), (e: unknown) => e instanceof BitFieldError && e.kind === 'TooLarge');
  assert.throws(() => BitField.fromCbor(bytes), (e: unknown) => e instanceof BitFieldError && e.kind === 'TooLarge');
  assert.ok(BitField.fromBytes(bytes).equals(bf), 'raw decoding has no size limit');
  assert.throws(() => BitField.fromCbor('abc', 'deadlines'), /deadlines: expected a CBOR byte string, got string/);
  assert.equal(MAX_ENCODED_SIZE, 32768);
});

test('u64::MAX is never a member', () => {
  const bf = BitField.empty();
  assert.throws(() => bf.set(U64_MAX), /u64::MAX/);
  bf.set(U64_MAX - 1n);
  assert.equal(bf.last(), U64_MAX - 1n);
  bf.unset(U64_MAX);
  assert.equal(bf.count(), 1n);
  assert.throws(() => BitField.fromIndices([0n, 1n, 4n, 99n, U64_MAX]), BitFieldError);
  assert.equal(BitField.fromIndices([0n, 1n, 4n, 99n, U64_MAX - 1n]).count(), 5n);
  assert.throws(() => BitField.fromIndices([-1]), BitFieldError);
  assert.throws(() => BitField.fromIndices([1.5]), BitFieldError);
});

test('reference bit_ops, ranges, slice, contains examples', () => {
  const a = BitField.fromIndices([1, 2, 3]);
  const b = BitField.fromIndices([1, 3, 4]);
  const e = BitField.empty();
  assert.deepEqual(indices(a.intersection(b)), [1n, 3n]);
  assert.deepEqual(indices(a.union(b)), [1n, 2n, 3n, 4n]);
  assert.deepEqual(indices(a.xor(b)), [2n, 4n]);
  assert.deepEqual(indices(a.difference(b)), [2n]);
  assert.deepEqual(indices(e.difference(b)), []);
  assert.deepEqual(indices(b.union(e)), [1n, 3n, 4n]);
  assert.deepEqual(indices(e.xor(b)), [1n, 3n, 4n]);

  const r = fromBitList([0, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0]);
  assert.equal(r.ranges().length, 4);
  r.set(5);
  assert.equal(r.ranges().length, 3);
  r.unset(4);
  assert.equal(r.ranges().length, 4);
  r.unset(2);
  assert.equal(r.ranges().length, 4);

  const s = fromBitList([0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(indices(s.slice(1, 3)!), [4n, 7n, 9n]);
  const vals = [1, 5, 6, 7, 10, 11, 12, 15];
  const vbf = BitField.fromIndices(vals);
  for (let i = 0; i < vals.length; i++) {
    for (let j = 0; j < vals.length - i; j++) {
      assert.deepEqual(indices(vbf.slice(i, j)!), vals.slice(i, i + j).map(BigInt));
    }
  }
  assert.equal(vbf.slice(7, 2), undefined);

  assert.equal(BitField.fromIndices([0, 4]).containsAny(BitField.fromIndices([1, 3, 5])), false);
  assert.equal(BitField.fromIndices([0, 2, 5, 6]).containsAny(BitField.fromIndices([1, 3, 5])), true);
  assert.equal(BitField.fromIndices([0, 2, 4]).containsAll(BitField.fromIndices([0, 2, 4, 5])), false);
  assert.equal(BitField.fromIndices([0, 2, 4, 5]).containsAll(BitField.fromIndices([0, 2, 4])), true);

  const have = BitField.fromIndices([5, 6, 8, 10, 11, 13, 14, 17]);
  const parts = [[5, 6], [8, 10], [11, 13], [14, 17]].map((p) => BitField.fromIndices(p).difference(have));
  assert.equal(BitField.unionAll(parts).count(), 0n);
});

// ---- properties against a naive model ----

const smallIndex = fc.integer({ min: 0, max: 300 });
/** Mostly small indices, plus a few huge ones so long varints and gaps get exercised. */
const index = fc.oneof(
  { weight: 8, arbitrary: smallIndex.map(BigInt) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX - 1n }) },
);
const indexSet = fc.array(index, { maxLength: 60 });

function model(xs: readonly bigint[]): bigint[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

test('property: random sets round-trip through RLE+ and CBOR', () => {
  fc.assert(
    fc.property(indexSet, (xs) => {
      const bf = BitField.fromIndices(xs);
      const expected = model(xs);
      assert.deepEqual(indices(bf), expected);
      assert.equal(bf.count(), BigInt(expected.length));
      assert.equal(bf.first(), expected[0]);
      assert.equal(bf.last(), expected[expected.length - 1]);
      const bytes = bf.toBytes();
      assert.notEqual(bytes[bytes.length - 1], 0);
      const back = BitField.fromBytes(bytes);
      assert.deepEqual(indices(back), expected);
      assert.ok(BitField.fromCbor(decodeCbor(encodeCbor(bf.toCbor()))).equals(bf));
      for (const x of expected) assert.ok(back.has(x));
    }),
    { numRuns: 300 },
  );
});

test('property: decoding is strict, and encode(decode(bytes)) == bytes for every accepted input', () => {
  let accepted = 0;
  const anyBytes = fc.uint8Array({ maxLength: 14 });
  // Valid encodings with one bit flipped: near-misses that probe every strictness rule.
  const flipped = fc.tuple(indexSet, fc.nat()).map(([xs, k]) => {
    const bytes = BitField.fromIndices(xs).toBytes().slice();
    if (bytes.length > 0) bytes[(k >> 3) % bytes.length]! ^= 1 << (k & 7);
    return bytes;
  });
  fc.assert(
    fc.property(fc.oneof(anyBytes, flipped), (bytes) => {
      let bf: BitField;
      try {
        bf = BitField.fromBytes(bytes);
      } catch (err) {
        assert.ok(err instanceof BitFieldError, `unexpected ${String(err)}`);
        return;
      }
      accepted++;
      assert.deepEqual(bf.toBytes(), bytes);
    }),
    { numRuns: 3000 },
  );
  assert.ok(accepted > 50, `only ${accepted} inputs decoded`);
});

test('property: set operations agree with a Set model', () => {
  const small = fc.array(smallIndex.map(BigInt), { maxLength: 80 });
  fc.assert(
    fc.property(small, small, (xs, ys) => {
      const a = BitField.fromIndices(xs);
      const b = BitField.fromIndices(ys);
      const A = new Set(xs);
      const B = new Set(ys);
      assert.deepEqual(indices(a.union(b)), model([...A, ...B]));
      assert.deepEqual(indices(a.intersection(b)), model([...A].filter((x) => B.has(x))));
      assert.deepEqual(indices(a.difference(b)), model([...A].filter((x) => !B.has(x))));
      assert.deepEqual(indices(a.xor(b)), model([...A, ...B].filter((x) => A.has(x) !== B.has(x))));
      assert.equal(a.containsAny(b), [...A].some((x) => B.has(x)));
      assert.equal(a.containsAll(b), [...B].every((x) => A.has(x)));
      // cut: drop b's bits from a, shifting each survivor down by the b bits below it.
      const cut = model([...A].filter((x) => !B.has(x)).map((x) => x - BigInt([...B].filter((y) => y < x).length)));
      assert.deepEqual(indices(a.cut(b)), cut);
      // canonical ranges: ascending, non-empty, separated by at least one gap
      const rs = a.union(b).ranges();
      for (let i = 0; i < rs.length; i++) {
        assert.ok(rs[i]!.start < rs[i]!.end);
        if (i > 0) assert.ok(rs[i - 1]!.end < rs[i]!.start);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: set/unset sequences agree with a Set model', () => {
  const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }));
  fc.assert(
    fc.property(fc.array(smallIndex, { maxLength: 30 }), fc.array(op, { maxLength: 60 }), (init, ops) => {
      const bf = BitField.fromIndices(init);
      const m = new Set(init.map(BigInt));
      for (const [on, i] of ops) {
        if (on) {
          bf.set(i);
          m.add(BigInt(i));
        } else {
          bf.unset(i);
          m.delete(BigInt(i));
        }
      }
      assert.deepEqual(indices(bf), model([...m]));
      for (let i = 0; i <= 41; i++) assert.equal(bf.has(i), m.has(BigInt(i)));
      assert.equal(bf.isEmpty(), m.size === 0);
      assert.ok(BitField.fromBytes(bf.toBytes()).equals(bf));
    }),
    { numRuns: 300 },
  );
});

test('property: slice takes consecutive members; fromRanges merges overlaps', () => {
  fc.assert(
    fc.property(fc.array(smallIndex, { maxLength: 50 }), fc.nat(60), fc.nat(60), (xs, skip, take) => {
      const expected = model(xs.map(BigInt));
      const got = BitField.fromIndices(xs).slice(skip, take);
      // As in the reference, only a shortfall of taken bits fails; an empty take always succeeds.
      if (take > 0 && skip + take > expected.length) assert.equal(got, undefined);
      else assert.deepEqual(indices(got!), expected.slice(skip, skip + take));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(smallIndex, fc.nat(20)), { maxLength: 20 }), (rs) => {
      const bf = BitField.fromRanges(rs.map(([s, n]) => [s, s + n] as const));
      const m = new Set<bigint>();
      for (const [s, n] of rs) for (let i = s; i < s + n; i++) m.add(BigInt(i));
      assert.deepEqual(indices(bf), model([...m]));
    }),
    { numRuns: 200 },
  );
});
