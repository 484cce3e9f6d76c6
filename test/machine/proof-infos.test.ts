// The typed readers of the crypto syscalls' CBOR arguments (src/syscalls/proof-infos.ts over
// CborReader) against the generic DAG-CBOR decoder: on well-formed structures they build the
// same values; on arbitrary bytes they either agree with it or fail with a CborError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CborError, CborReader, cidOf, decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import {
  readAggregateSealVerifyInfo,
  readPieceInfos,
  readReplicaUpdateInfo,
  readSealVerifyInfos,
  readWindowPoStVerifyInfo,
} from '../../src/syscalls/proof-infos.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Integers as the decoder represents them: numbers when safe, bigints beyond. */
const asDecoded = (v: bigint): number | bigint => (v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
const u64 = fc.oneof(fc.bigInt(0n, 300n), fc.bigInt(0n, U64_MAX), fc.constantFrom(0n, 23n, 24n, 255n, 256n, 65535n, 65536n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, U64_MAX)).map(asDecoded);
const i64 = fc.oneof(fc.bigInt(-300n, 300n), fc.bigInt(I64_MIN, I64_MAX), fc.constantFrom(I64_MIN, I64_MAX, -(2n ** 53n), -(2n ** 53n) + 1n, -1n)).map(asDecoded);
const bytes = fc.uint8Array({ maxLength: 40 });
const cid = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => cidOf(b));

const post = fc.tuple(bytes, fc.array(fc.tuple(i64, bytes), { maxLength: 3 }), fc.array(fc.tuple(i64, u64, cid), { maxLength: 3 }), u64);
const seal = fc.tuple(i64, fc.tuple(u64, u64), fc.array(u64, { maxLength: 3 }), bytes, bytes, bytes, cid, cid);
const aggregate = fc.tuple(u64, i64, i64, bytes, fc.array(fc.tuple(u64, bytes, bytes, cid, cid), { maxLength: 3 }));
const replica = fc.tuple(i64, cid, cid, cid, fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }));
const pieces = fc.array(fc.tuple(u64, cid), { maxLength: 4 });

function read<T>(b: Uint8Array, f: (r: CborReader) => T): T {
  const r = new CborReader(b, 'test');
  const v = f(r);
  r.end();
  return v;
}

test('well-formed proof structures read to the values the generic decoder builds', () => {
  fc.assert(
    fc.property(post, seal, aggregate, replica, pieces, (p, s, a, u, pc) => {
      const pb = encodeCbor(p);
      const got = read(pb, readWindowPoStVerifyInfo);
      assert.deepStrictEqual(got.info, decodeCbor(pb));
      assert.equal(got.challengedSectors, p[2].length);
      const sb = encodeCbor([s, s]);
      assert.deepStrictEqual(read(sb, readSealVerifyInfos), decodeCbor(sb));
      const ab = encodeCbor(a);
      const agg = read(ab, readAggregateSealVerifyInfo);
      assert.deepStrictEqual(agg.info, decodeCbor(ab));
      assert.equal(agg.count, a[4].length);
      const ub = encodeCbor(u);
      assert.deepStrictEqual(read(ub, readReplicaUpdateInfo), decodeCbor(ub));
      const cb = encodeCbor(pc);
      assert.deepStrictEqual(
        read(cb, readPieceInfos).map((x) => [x.size, x.cid.toString()]),
        pc.map(([size, c]) => [BigInt(size), c.toString()]),
      );
    }),
    { numRuns: 200 },
  );
});

test('on damaged or arbitrary bytes the readers fail with a CborError or agree with the decoder', () => {
  const damaged = post.chain((p) => {
    const b = encodeCbor(p);
    return fc.oneof(
      fc.nat(b.length - 1).map((i) => b.subarray(0, i)),
      fc.tuple(fc.nat(b.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, x]) => {
        const c = b.slice();
        c[i] = x;
        return c;
      }),
    );
  });
  fc.assert(
    fc.property(fc.oneof(damaged, fc.uint8Array({ maxLength: 64 })), (b) => {
      let value: unknown;
      try {
        value = read(b, readWindowPoStVerifyInfo).info;
      } catch (err) {
        assert.ok(err instanceof CborError, `unexpected ${String(err)}`);
        return;
      }
      assert.deepStrictEqual(value, decodeCbor(b));
    }),
    { numRuns: 500 },
  );
});

test('CborReader rejects what strict DAG-CBOR rejects, at the offending item', () => {
  const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
  const fails = (h: string, f: (r: CborReader) => unknown, re: RegExp): void =>
    assert.throws(() => read(hex(h), f), (e: unknown) => e instanceof CborError && re.test(e.message), h);
  fails('1817', (r) => r.uint('x'), /more bytes than necessary/);
  fails('1b00000000ffffffff', (r) => r.uint('x'), /more bytes than necessary/);
  fails('3bffffffffffffffff', (r) => r.int64('x'), /i64 range/);
  fails('1b8000000000000000', (r) => r.int64('x'), /i64 range/);
  fails('5f40ff', (r) => r.bytesItem('x'), /indefinite/);
  fails('9a7fffffff00', (r) => r.arrayLength('x'), /exceeds the 1 bytes of input left/);
  fails('0000', (r) => r.uint('x'), /trailing bytes/);
  fails('62c328', (r) => r.text('x'), /invalid UTF-8/);
  fails('d82a4401020304', (r) => r.cid('x'), /leading 0x00/);
  fails('d82b40', (r) => r.cid('x'), /unexpected tag 43/);
  fails('f4', (r) => r.uint('proofs[3].type'), /proofs\[3\]\.type: expected an unsigned integer, found a float or simple value/);
  assert.equal(read(hex('3b001fffffffffffff'), (r) => r.int64('x')), -(2n ** 53n));
  assert.equal(read(hex('3b001ffffffffffffe'), (r) => r.int64('x')), -(2 ** 53) + 1);
  assert.equal(read(hex('1b0020000000000000'), (r) => r.uint('x')), 2n ** 53n);
});
