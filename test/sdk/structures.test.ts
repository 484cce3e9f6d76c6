// The SDK's DAG-CBOR, HAMT, AMT, hashes, token amounts, addresses and FRC-42 numbers, run as
// WASM against a syscall shim and compared with @ipld/dag-cbor, @noble/hashes, the TypeScript
// HAMT/AMT (src/ipld) and the CIDs asserted by ref-fvm's own HAMT/AMT tests.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { sha256 } from '@noble/hashes/sha2.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { encodeCbor, decodeCbor, cidOf, DAG_CBOR, RAW, type CborValue } from '../../src/ipld/cbor.js';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Amt } from '../../src/ipld/amt.js';
import { Address } from '../../src/primitives/address.js';
import { encodeBigInt } from '../../src/primitives/token.js';
import { frc42MethodNumber } from '../../scripts/sdk-compile.js';
import { compileCached, MockFvm, type CallResult } from './host.js';

let fvm: MockFvm;

before(async () => {
  fvm = new MockFvm(await compileCached('sdk/test/structures.ts', 'module'));
});

const utf8 = (s: string | number): Uint8Array => new TextEncoder().encode(String(s));
const USR_SERIALIZATION = 21;
const USR_ILLEGAL_STATE = 20;
const USR_ASSERTION_FAILED = 24;

function callRaw(name: string, data: Uint8Array, codec = DAG_CBOR): CallResult {
  return fvm.call(name, { codec, data });
}

/** Calls `name` with `params` encoded as DAG-CBOR and returns the decoded result. */
function call(name: string, params: unknown): unknown {
  const r = callRaw(name, encodeCbor(params));
  assert.equal(r.exitCode, 0, `${name} exited with ${r.exitCode}: ${r.message}`);
  assert.ok(r.ret !== undefined, `${name} returned no block`);
  return decodeCbor(r.ret.data, `${name} result`);
}

/** Byte equality that ignores Buffer vs Uint8Array. */
function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what?: string): void {
  assert.ok(actual !== undefined, `${what ?? 'bytes'}: missing`);
  assert.deepEqual(new Uint8Array(actual), new Uint8Array(expected), what);
}

/** Stores a raw or DAG-CBOR block in the shim so that links to it are reachable. */
function stored(bytes: Uint8Array, codec = RAW): CID {
  const cid = cidOf(bytes, codec);
  fvm.bs.put(cid, bytes);
  return cid;
}

function asCid(v: unknown): CID {
  const c = CID.asCID(v);
  assert.ok(c, 'expected a CID');
  return c;
}

// ---------------------------------------------------------------------------------------------
// DAG-CBOR
// ---------------------------------------------------------------------------------------------

test('cbor: the typed writer produces what @ipld/dag-cbor produces', () => {
  const link = stored(utf8('sample'));
  const r = callRaw('cbor_samples', encodeCbor(link.bytes));
  assert.equal(r.exitCode, 0, r.message);
  const expected = encodeCbor([
    0, 23, 24, 255, 256, 65536, 2n ** 64n - 1n,
    -1, -(2n ** 63n), -(2n ** 64n),
    new Uint8Array(0), 'héllo ✓ 🚀', true, null, link,
    { a: false, b: null, bb: 'x', zz: 1 },
  ]);
  sameBytes(r.ret?.data, expected);
});

test('cbor: typed reads return exactly what was read', () => {
  const link = stored(utf8('typed'));
  const value = [2n ** 64n - 1n, -(2n ** 63n), utf8('bytes'), 'text ✓', false, null, link, [1, { k: [link] }]];
  const r = callRaw('cbor_typed', encodeCbor(value));
  assert.equal(r.exitCode, 0, r.message);
  sameBytes(r.ret?.data, encodeCbor(value));
});

// Linked blocks are stored (raw) so that the result block's links are reachable, as the FVM requires.
const cidArb = fc.uint8Array({ maxLength: 8 }).map((b) => stored(b));
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.bigInt({ min: -(2n ** 64n), max: -(2n ** 53n) }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  cidArb,
);
const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
}));

test('cbor: property: any DAG-CBOR value decodes and re-encodes to the same bytes', () => {
  fc.assert(
    fc.property(valueArb, (v) => {
      const bytes = encodeCbor(v);
      const r = callRaw('cbor_roundtrip', bytes);
      assert.equal(r.exitCode, 0, r.message);
      sameBytes(r.ret?.data, bytes);
    }),
    { numRuns: 150 },
  );
});

test('cbor: maps are re-encoded in canonical key order', () => {
  // {"bb": 1, "a": 2, "c": 3} written by hand out of order: length first, then bytes.
  const unordered = Uint8Array.from([0xa3, 0x62, 0x62, 0x62, 0x01, 0x61, 0x61, 0x02, 0x61, 0x63, 0x03]);
  const r = callRaw('cbor_roundtrip', unordered);
  assert.equal(r.exitCode, 0, r.message);
  sameBytes(r.ret?.data, encodeCbor({ a: 2, c: 3, bb: 1 }));
});

test('cbor: malformed DAG-CBOR aborts with USR_SERIALIZATION and names the problem', () => {
  const cid = cidOf(utf8('x'));
  // The last field: whether @ipld/dag-cbor refuses it too (it does not check UTF-8, which the
  // Rust decoder of the reference does).
  const cases: [string, number[], RegExp, boolean][] = [
    ['non-minimal integer', [0x18, 0x05], /shortest form/, true],
    ['non-minimal length', [0x59, 0x00, 0x01, 0x41], /shortest form/, true],
    ['indefinite array', [0x9f, 0x01, 0xff], /indefinite-length/, true],
    ['tag other than 42', [0xd8, 0x2b, 0x40], /tag 43/, true],
    ['CID without the 0x00 prefix', [0xd8, 0x2a, 0x58, cid.bytes.length, ...cid.bytes], /0x00 prefix/, true],
    ['truncated CID', [0xd8, 0x2a, 0x45, 0x00, 0x01, 0x71, 0xa0, 0xe4], /malformed CID/, true],
    ['invalid UTF-8', [0x62, 0xc3, 0x28], /UTF-8/, false],
    ['surrogate in UTF-8', [0x63, 0xed, 0xa0, 0x80], /UTF-8/, false],
    ['integer map key', [0xa1, 0x01, 0x02], /map keys must be text/, true],
    ['duplicate map key', [0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], /duplicate map key/, true],
    ['trailing bytes', [0x01, 0x02], /1 trailing bytes/, true],
    ['truncated input', [0x82, 0x01], /end of input/, true],
    ['length past the end', [0x5a, 0xff, 0xff, 0xff, 0xff], /runs past the end/, true],
    ['empty input', [], /end of input/, true],
  ];
  for (const [what, bytes, pattern, refRejects] of cases) {
    const data = Uint8Array.from(bytes);
    const r = callRaw('cbor_check', data);
    assert.equal(r.exitCode, USR_SERIALIZATION, `${what}: exit ${r.exitCode} ${r.message ?? ''}`);
    assert.match(r.message ?? '', /invalid checked input: /, what);
    assert.match(r.message ?? '', pattern, what);
    if (refRejects) assert.throws(() => decodeCbor(data), `${what}: @ipld/dag-cbor accepts it`);
  }
});

test('cbor: undefined (simple value 23), outside the DAG-CBOR data model, is refused', () => {
  const r = callRaw('cbor_check', Uint8Array.from([0x81, 0xf7]));
  assert.equal(r.exitCode, USR_SERIALIZATION);
  assert.match(r.message ?? '', /unsupported simple value 23 at byte 1/);
});

test('cbor: floats, valid DAG-CBOR, are refused by the SDK (a documented limitation)', () => {
  const one = Uint8Array.from([0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
  assert.equal(decodeCbor(one), 1);
  const r = callRaw('cbor_check', one);
  assert.equal(r.exitCode, USR_SERIALIZATION);
  assert.match(r.message ?? '', /floating point numbers are not supported/);
});

test('cbor: nesting beyond the depth limit is refused, not a stack overflow', () => {
  const deep = new Uint8Array(200).fill(0x81);
  const r = callRaw('cbor_check', Uint8Array.from([...deep, 0x01]));
  assert.equal(r.exitCode, USR_SERIALIZATION);
  assert.match(r.message ?? '', /nesting deeper than 64/);
});

test('cbor: a typed read of the wrong kind names the expected and found kinds', () => {
  const r = callRaw('cbor_typed', encodeCbor(['not a number', 1, 2, 3, 4, 5, 6, 7]));
  assert.equal(r.exitCode, USR_SERIALIZATION);
  assert.match(r.message ?? '', /invalid typed input: expected an unsigned integer, found a text string at byte 1/);
  const short = callRaw('cbor_typed', encodeCbor([1, 2]));
  assert.match(short.message ?? '', /typed input must have 8 fields, found 2/);
});

// ---------------------------------------------------------------------------------------------
// Hashes, method numbers, token amounts, addresses
// ---------------------------------------------------------------------------------------------

test('sha256 and blake2b computed in WASM match @noble/hashes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (data, outLen) => {
      const s = callRaw('sha256_of', data, RAW);
      assert.equal(s.exitCode, 0, s.message);
      sameBytes(s.ret?.data, sha256(data));
      const b = callRaw('blake2b_of', encodeCbor([outLen, data]));
      assert.equal(b.exitCode, 0, b.message);
      sameBytes(b.ret?.data, blake2b(data, { dkLen: outLen }));
    }),
    { numRuns: 60 },
  );
  // Block-boundary lengths, where padding mistakes hide.
  for (const n of [55, 56, 63, 64, 65, 127, 128, 129, 256]) {
    const data = new Uint8Array(n).map((_, i) => i * 7);
    sameBytes(callRaw('sha256_of', data, RAW).ret?.data, sha256(data), `sha256 of ${n} bytes`);
    sameBytes(callRaw('blake2b_of', encodeCbor([64, data])).ret?.data, blake2b(data, { dkLen: 64 }), `blake2b of ${n} bytes`);
  }
});

test('FRC-42 method numbers match the published ones', () => {
  // Numbers published with the builtin actors and FRC-0046 token methods.
  const known: [string, number][] = [
    ['Constructor', 1],
    ['Receive', 3726118371],
    ['AuthenticateMessage', 2643134072],
    ['Burn', 1434719642],
    ['BurnFrom', 2979674018],
    ['Allowance', 4205072950],
    ['IncreaseAllowance', 1777121560],
  ];
  for (const [name, n] of known) {
    assert.equal(call('method_number', name), n, name);
    assert.equal(frc42MethodNumber(name), BigInt(n), `${name} (TypeScript)`);
  }
  const bad = callRaw('method_number', encodeCbor('lowercase'));
  assert.equal(bad.exitCode, 16);
  assert.match(bad.message ?? '', /invalid FRC-0042 method name 'lowercase'/);
  assert.throws(() => frc42MethodNumber('Has|Bar'), /invalid FRC-0042 method name/);
});

const U128 = 2n ** 128n;
const tokenArb = fc.bigInt({ min: -(U128 - 1n), max: U128 - 1n });

test('token amounts: big-int bytes and arithmetic agree with bigint', () => {
  fc.assert(
    fc.property(tokenArb, tokenArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b, k) => {
      const r = callRaw('token_ops', encodeCbor([encodeBigInt(a), encodeBigInt(b), k]));
      const fits = (x: bigint): boolean => x > -U128 && x < U128;
      if (!fits(a + b) || !fits(a - b) || !fits(a * k)) {
        assert.equal(r.exitCode, 16, 'overflow must abort');
        assert.match(r.message ?? '', /token amount overflow/);
        return;
      }
      assert.equal(r.exitCode, 0, r.message);
      const [sum, diff, prod, cmp, text] = decodeCbor<[Uint8Array, Uint8Array, Uint8Array, number, string]>(r.ret!.data);
      sameBytes(sum, encodeBigInt(a + b));
      sameBytes(diff, encodeBigInt(a - b));
      sameBytes(prod, encodeBigInt(a * k));
      assert.equal(cmp, a < b ? -1 : a > b ? 1 : 0);
      assert.equal(text, a.toString());
    }),
    { numRuns: 200 },
  );
  // Non-canonical but accepted by the reference: leading zero bytes.
  const lz = callRaw('token_ops', encodeCbor([Uint8Array.from([0, 0, 5]), new Uint8Array(0), 1]));
  sameBytes(decodeCbor<Uint8Array[]>(lz.ret!.data)[0], Uint8Array.from([0, 5]));
  const badSign = callRaw('token_ops', encodeCbor([Uint8Array.from([2, 5]), new Uint8Array(0), 1]));
  assert.equal(badSign.exitCode, USR_SERIALIZATION);
  assert.match(badSign.message ?? '', /sign byte must be 0 or 1/);
  const tooBig = callRaw('token_ops', encodeCbor([encodeBigInt(U128), new Uint8Array(0), 1]));
  assert.equal(tooBig.exitCode, USR_SERIALIZATION);
  assert.match(tooBig.message ?? '', /exceeds 128 bits/);
});

test('addresses: parsing and text form agree with the TypeScript Address', () => {
  const samples = [
    Address.newId(0n),
    Address.newId(1234n),
    Address.newId(2n ** 64n - 1n),
    Address.newSecp256k1(new Uint8Array(65).fill(4)),
    Address.newActor(utf8('actor seed')),
    Address.newBls(new Uint8Array(48).fill(9)),
    Address.newDelegated(10n, new Uint8Array(20).fill(0xab)),
    Address.newDelegated(32n, new Uint8Array(0)),
    // A 10-byte ID varint whose last byte has bits beyond bit 63: dropped, as the reference does.
    Address.fromBytes(Uint8Array.from([0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03])),
  ];
  for (const a of samples) {
    const info = call('address_info', a.toBytes()) as [number, string, number | bigint | null];
    assert.equal(info[0], a.protocol, a.toString());
    assert.equal(info[1], a.toString('mainnet'));
    if (a.protocol === 0) assert.equal(BigInt(info[2] as number | bigint), a.id());
  }
  const invalid = [
    [], [0], [0, 0x80], [0, 0x80, 0x00], [0, 1, 2], [1, 1, 2, 3], [3, ...new Uint8Array(47)], [4, 10, ...new Uint8Array(55)], [5, 1],
    [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  ];
  for (const bytes of invalid) {
    assert.equal(call('address_info', Uint8Array.from(bytes)), null, `[${bytes.join(',')}] must be invalid`);
    assert.throws(() => Address.fromBytes(Uint8Array.from(bytes)), `[${bytes.join(',')}] (TypeScript)`);
  }
});

test("AssemblyScript's abort() becomes USR_ASSERTION_FAILED with the message and position", () => {
  const failed = callRaw('as_abort', new Uint8Array(5), RAW);
  assert.equal(failed.exitCode, USR_ASSERTION_FAILED);
  assert.match(failed.message ?? '', /^input too long \(sdk\/test\/structures\.ts:\d+:\d+\)$/);
  const oob = callRaw('as_abort', new Uint8Array(2), RAW);
  assert.equal(oob.exitCode, USR_ASSERTION_FAILED);
  assert.match(oob.message ?? '', /Index out of range \(~lib\/array\.ts:\d+:\d+\)/);
  assert.equal(callRaw('as_abort', new Uint8Array(0), RAW).exitCode, 0);
});

// ---------------------------------------------------------------------------------------------
// HAMT
// ---------------------------------------------------------------------------------------------

type HamtOp = [0, Uint8Array, unknown] | [1, Uint8Array] | [2, Uint8Array] | [3, Uint8Array, unknown];

/** Runs ops in WASM; returns the root and the per-op results (re-encoded for comparison). */
function wasmHamt(root: CID | null, bitWidth: number, ops: HamtOp[]): { root: CID; results: unknown[] } {
  const [r, results] = call('hamt_apply', [root, bitWidth, ops]) as [unknown, unknown[]];
  return { root: asCid(r), results };
}

function tsHamt(bs: MemoryBlockstore, root: CID | null, bitWidth: number, ops: HamtOp[]): { root: CID; results: unknown[] } {
  const h = root === null ? Hamt.create(bs, { bitWidth }) : Hamt.load(bs, root, { bitWidth });
  const results = ops.map((op) => {
    if (op[0] === 0) return h.set(op[1], op[2] as CborValue) ?? null;
    if (op[0] === 1) return h.delete(op[1]) ?? null;
    if (op[0] === 2) return h.get(op[1]) ?? null;
    return h.setIfAbsent(op[1], op[2] as CborValue);
  });
  return { root: h.flush(), results };
}

const sameCbor = (a: unknown, b: unknown, what: string): void => assert.deepEqual(encodeCbor(a), encodeCbor(b), what);

test('HAMT KAT: the CIDs of ref-fvm HAMT tests', () => {
  const EMPTY = 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay';
  assert.equal(wasmHamt(null, 5, []).root.toString(), EMPTY);

  const first: HamtOp[] = [];
  for (let i = 0; i < 200; i++) first.push([0, utf8(i), utf8(i)]);
  const a = wasmHamt(null, 5, first).root;
  assert.equal(a.toString(), 'bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a');
  const more: HamtOp[] = [];
  for (let i = 200; i < 400; i++) more.push([0, utf8(i), utf8(i)]);
  const b = wasmHamt(a, 5, more).root;
  assert.equal(b.toString(), 'bafy2bzacecxcp736xkl2mcyjlors3tug6vdlbispbzxvb75xlrhthiw2xwxvw');
  const back = wasmHamt(b, 5, more.map(([, k]) => [1, k] as HamtOp));
  assert.equal(back.root.toString(), a.toString());
  sameCbor(back.results, more.map((op) => (op[0] === 0 ? op[2] : null)), 'deleted values');
  assert.equal(wasmHamt(a, 5, first.map(([, k]) => [1, k] as HamtOp)).root.toString(), EMPTY);

  const owl = wasmHamt(null, 8, [
    [3, utf8('favorite-animal'), utf8('owl bear')],
    [3, utf8('favorite-animal'), utf8('bright green bear')],
  ]);
  assert.deepEqual(owl.results, [true, false]);
  assert.equal(owl.root.toString(), 'bafy2bzaced2tgnlsq4n2ioe6ldy75fw3vlrrkyfv4bq6didbwoob2552zvpuk');

  const three = wasmHamt(null, 8, [
    [0, utf8('foo'), utf8('cat dog bear')],
    [0, utf8('bar'), utf8('cat dog')],
    [0, utf8('baz'), utf8('cat')],
  ]).root;
  assert.equal(three.toString(), 'bafy2bzacebql36crv4odvxzstx2ubaczmawy2tlljxezvorcsoqeyyojxkrom');
  const del = wasmHamt(three, 8, [[1, utf8('foo')], [2, utf8('foo')], [1, utf8('nonexistent')]]);
  sameCbor(del.results, [utf8('cat dog bear'), null, null], 'delete results');
  assert.equal(del.root.toString(), 'bafy2bzaced7up7wkm7cirieh5bs4iyula5inrprihmjzozmku3ywvekzzmlyi');

  const ints: HamtOp[] = [];
  for (let i = 0; i < 200; i++) ints.push([0, utf8(i), i]);
  const c = wasmHamt(null, 5, ints).root;
  assert.equal(c.toString(), 'bafy2bzacedy4ypl2vedhdqep3llnwko6vrtfiys5flciz2f3c55pl4whlhlqm');
  const edited = wasmHamt(c, 5, [[0, utf8(10), 210], [1, utf8(30)]]);
  sameCbor(edited.results, [10, 30], 'previous values');
  assert.equal(edited.root.toString(), 'bafy2bzacecrxqeuuk34jsrol3azfpgy35ldw4bpgsa6pdxvzj262jzpvoekye');

  const filler: HamtOp[] = [];
  for (let i = 0; i < 30; i++) filler.push([0, utf8(i), utf8('filler')]);
  assert.equal(wasmHamt(null, 1, filler).root.toString(), 'bafy2bzacebjilcrsqa4uyxuh36gllup4rlgnvwgeywdm5yqq2ks4jrsj756qq');
});

test('HAMT: iteration order and values match the TypeScript HAMT for the same tree', () => {
  const ops: HamtOp[] = [];
  for (let i = 0; i < 150; i++) ops.push([0, utf8(`key-${i}`), [i, utf8(i)]]);
  const { root } = wasmHamt(null, 5, ops);
  const wasmEntries = call('hamt_entries', [root, 5]) as [Uint8Array, unknown][];
  const ts = Hamt.load(fvm.bs, root);
  const tsEntries = [...ts.entries()];
  assert.equal(wasmEntries.length, 150);
  sameCbor(wasmEntries, tsEntries, 'entries');
});

const hamtOpArb = (keys: number): fc.Arbitrary<HamtOp> =>
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: keys - 1 }), fc.oneof(fc.integer(), fc.uint8Array({ maxLength: 6 }), fc.string({ maxLength: 4 })))
    .map(([kind, k, v]): HamtOp => {
      const key = utf8(`k${k}`);
      // Mostly writes, some deletes, gets and setIfAbsent.
      if (kind < 5) return [0, key, v];
      if (kind < 8) return [1, key];
      if (kind < 9) return [2, key];
      return [3, key, v];
    });

test('HAMT property: random operations give the root CID, blocks and results of the TypeScript HAMT', () => {
  fc.assert(
    fc.property(fc.constantFrom(5, 5, 3, 1, 8), fc.array(hamtOpArb(60), { maxLength: 120 }), fc.array(hamtOpArb(60), { maxLength: 60 }), (bw, ops1, ops2) => {
      const bs = new MemoryBlockstore();
      // Two rounds: the second starts from a flushed root, so loading is exercised both ways.
      const w1 = wasmHamt(null, bw, ops1);
      const t1 = tsHamt(bs, null, bw, ops1);
      assert.equal(w1.root.toString(), t1.root.toString());
      sameCbor(w1.results, t1.results, 'round 1 results');
      const w2 = wasmHamt(w1.root, bw, ops2);
      const t2 = tsHamt(bs, t1.root, bw, ops2);
      assert.equal(w2.root.toString(), t2.root.toString());
      sameCbor(w2.results, t2.results, 'round 2 results');
      // Every block the TypeScript side wrote was also written (byte for byte) by the WASM side.
      for (const [key, bytes] of bs.blocks) sameBytes(fvm.bs.blocks.get(key), bytes, `block ${key}`);
    }),
    { numRuns: 60 },
  );
});

test('HAMT: a tree written by TypeScript is read and edited in WASM to the same root', () => {
  const bs = fvm.bs;
  const h = Hamt.create(bs);
  for (let i = 0; i < 100; i++) h.set(utf8(`t${i}`), { n: i });
  const root = h.flush();
  const edits: HamtOp[] = [[2, utf8('t42')], [1, utf8('t7')], [0, utf8('new'), 'v']];
  const w = wasmHamt(root, 5, edits);
  h.delete(utf8('t7'));
  h.set(utf8('new'), 'v');
  assert.equal(w.root.toString(), h.flush().toString());
  sameCbor(w.results[0], { n: 42 }, 'get');
  sameCbor(w.results[1], { n: 7 }, 'delete');
});

test('HAMT: corrupt or missing nodes abort with USR_ILLEGAL_STATE naming the CID', () => {
  const put = (v: unknown): CID => {
    const bytes = encodeCbor(v);
    const cid = cidOf(bytes);
    fvm.bs.put(cid, bytes);
    return cid;
  };
  const cases: [unknown, RegExp][] = [
    [[Uint8Array.from([1]), []], /0 pointers but 1 bits set/],
    [[Uint8Array.from([1]), [[[utf8('b'), 1], [utf8('a'), 2]]]], /bucket keys unsorted or duplicated/],
    [[Uint8Array.from([1]), [[]]], /empty bucket/],
    [[Uint8Array.from([1]), [[[utf8('a'), 1], [utf8('b'), 1], [utf8('c'), 1], [utf8('d'), 1]]]], /bucket of 4 entries/],
    [[Uint8Array.from([1, 0, 0, 0, 0]), [[[utf8('a'), 1]]]], /bitfield sets slot 32 beyond bit width 5/],
    [[Uint8Array.from([1]), [5]], /neither a link nor a bucket/],
    [[Uint8Array.from([1]), [cidOf(utf8('raw'), RAW)]], /is not DAG-CBOR/],
  ];
  for (const [node, pattern] of cases) {
    const cid = put(node);
    const r = callRaw('hamt_apply', encodeCbor([cid, 5, [[2, utf8('a')]]]));
    assert.equal(r.exitCode, USR_ILLEGAL_STATE, `${pattern}: ${r.message}`);
    assert.match(r.message ?? '', new RegExp(`invalid HAMT node ${cid.toString()}`));
    assert.match(r.message ?? '', pattern);
  }
  const missing = cidOf(utf8('never stored'));
  const r = callRaw('hamt_apply', encodeCbor([missing, 5, []]));
  assert.equal(r.exitCode, USR_ILLEGAL_STATE);
  assert.equal(r.message, `block ${missing.toString()} not found`);
});

// ---------------------------------------------------------------------------------------------
// AMT
// ---------------------------------------------------------------------------------------------

type AmtOp = [0, number | bigint, unknown] | [1, number | bigint] | [2, number | bigint];

function wasmAmt(root: CID | null, bitWidth: number, ops: AmtOp[]): { root: CID; count: number; results: unknown[] } {
  const [r, count, results] = call('amt_apply', [root, bitWidth, ops]) as [unknown, number, unknown[]];
  return { root: asCid(r), count, results };
}

function tsAmt(bs: MemoryBlockstore, root: CID | null, bitWidth: number, ops: AmtOp[]): { root: CID; count: number; results: unknown[] } {
  const a = root === null ? Amt.create(bs, { bitWidth }) : Amt.load(bs, root);
  const results = ops.map((op) => {
    if (op[0] === 0) return a.set(op[1], op[2] as CborValue) ?? null;
    if (op[0] === 1) return a.delete(op[1]) ?? null;
    return a.get(op[1]) ?? null;
  });
  return { root: a.flush(), count: Number(a.count), results };
}

test('AMT KAT: the CIDs of ref-fvm AMT tests', () => {
  assert.equal(wasmAmt(null, 3, []).root.toString(), 'bafy2bzacedijw74yui7otvo63nfl3hdq2vdzuy7wx2tnptwed6zml4vvz7wee');
  assert.equal(wasmAmt(null, 3, [[0, 2, utf8('foo')]]).root.toString(), 'bafy2bzacedv5uu5za6oqtnozjvju5lhbgaybayzhw4txiojw7hd47ktgbv5wc');
  const max = 2n ** 64n - 2n;
  assert.equal(
    wasmAmt(null, 3, [[0, max, utf8('what is up')], [0, max - 1n, utf8('what is up')]]).root.toString(),
    'bafy2bzacecl3zuubhdvkojg6uhbu4mebaehx554q6algfjitqiivvnrqprkxo',
  );
  const expand = wasmAmt(null, 3, [[0, 2, utf8('foo')], [0, 11, utf8('bar')], [0, 79, utf8('baz')]]);
  assert.equal(expand.root.toString(), 'bafy2bzacecughjbclx3lbqwibrwc6pe7nttlc3qewedsrayghsvh5j5lpofiq');
  sameCbor(wasmAmt(expand.root, 3, [[2, 2], [2, 11], [2, 79], [2, 3]]).results, [utf8('foo'), utf8('bar'), utf8('baz'), null], 'loaded gets');
  const bulk: AmtOp[] = [];
  for (let i = 0; i < 5000; i++) bulk.push([0, i, utf8('foo foo bar')]);
  const b = wasmAmt(null, 3, bulk);
  assert.equal(b.count, 5000);
  assert.equal(b.root.toString(), 'bafy2bzacecfquuqzqzlox25aynodzw2qhxijdzfvno6tibyes3kb6nd3f7uxa');
  assert.equal(
    wasmAmt(null, 3, [1, 9, 66, 74, 82, 515].map((i) => [0, i, utf8('value')] as AmtOp)).root.toString(),
    'bafy2bzaced44wtasbcukqjqicvxzcyn5up6sorr5khzbdkl6zjeo736f377ew',
  );
  const shrink = wasmAmt(null, 3, [[0, 0, utf8('cat')], [0, 27, utf8('cat')], [1, 27]]);
  assert.equal(shrink.root.toString(), 'bafy2bzacecmxrjeri2ojuy3riae2mpbnztx2hqggqgkcrxao2nwpga77j2vqe');
  assert.equal(wasmAmt(null, 3, [[0, 100_000, utf8('foo')], [1, 100_000]]).root.toString(), 'bafy2bzacedijw74yui7otvo63nfl3hdq2vdzuy7wx2tnptwed6zml4vvz7wee');
});

test('AMT: entries come back in index order, as from the TypeScript AMT', () => {
  const ops: AmtOp[] = [5, 0, 700, 64, 63, 9, 100_000].map((i) => [0, i, { at: i }] as AmtOp);
  const { root } = wasmAmt(null, 3, ops);
  const entries = call('amt_entries', root) as [number, unknown][];
  sameCbor(entries, [...Amt.load(fvm.bs, root).entries()], 'entries');
  assert.deepEqual(entries.map(([i]) => i), [0, 5, 9, 63, 64, 700, 100_000]);
});

const amtOpArb: fc.Arbitrary<AmtOp> = fc
  .tuple(fc.integer({ min: 0, max: 9 }), fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 2n })), fc.oneof(fc.integer(), fc.string({ maxLength: 3 })))
  .map(([kind, i, v]): AmtOp => (kind < 6 ? [0, i, v] : kind < 9 ? [1, i] : [2, i]));

test('AMT property: random operations give the root CID, blocks and results of the TypeScript AMT', () => {
  fc.assert(
    fc.property(fc.constantFrom(3, 3, 1, 5), fc.array(amtOpArb, { maxLength: 80 }), fc.array(amtOpArb, { maxLength: 40 }), (bw, ops1, ops2) => {
      const bs = new MemoryBlockstore();
      const w1 = wasmAmt(null, bw, ops1);
      const t1 = tsAmt(bs, null, bw, ops1);
      assert.equal(w1.root.toString(), t1.root.toString());
      assert.equal(w1.count, t1.count);
      sameCbor(w1.results, t1.results, 'round 1 results');
      const w2 = wasmAmt(w1.root, bw, ops2);
      const t2 = tsAmt(bs, t1.root, bw, ops2);
      assert.equal(w2.root.toString(), t2.root.toString());
      sameCbor(w2.results, t2.results, 'round 2 results');
      for (const [key, bytes] of bs.blocks) sameBytes(fvm.bs.blocks.get(key), bytes, `block ${key}`);
    }),
    { numRuns: 60 },
  );
});

test('AMT: malformed roots and nodes abort with USR_ILLEGAL_STATE naming the CID', () => {
  const put = (v: unknown): CID => {
    const bytes = encodeCbor(v);
    const cid = cidOf(bytes);
    fvm.bs.put(cid, bytes);
    return cid;
  };
  const cases: [unknown, RegExp][] = [
    [[3, 65, 0, [Uint8Array.from([0]), [], []]], /height 65 exceeds 64/],
    [[0, 0, 0, [Uint8Array.from([0]), [], []]], /bit width 0/],
    [[3, 0, 1, [Uint8Array.from([0, 0]), [], [1]]], /bitmap of 2 bytes, expected 1/],
    [[3, 0, 1, [Uint8Array.from([3]), [], [1]]], /1 entries but 2 bits set/],
    [[3, 1, 0, [Uint8Array.from([0]), [], []]], /empty root node at height 1/],
    [[3, 1, 1, [Uint8Array.from([1]), [], [1]]], /values in a node at height 1/],
  ];
  for (const [root, pattern] of cases) {
    const cid = put(root);
    const r = callRaw('amt_apply', encodeCbor([cid, 3, [[2, 0]]]));
    assert.equal(r.exitCode, USR_ILLEGAL_STATE, `${pattern}: ${r.message}`);
    assert.match(r.message ?? '', new RegExp(`invalid AMT root ${cid.toString()}`));
    assert.match(r.message ?? '', pattern);
  }
  const range = callRaw('amt_apply', encodeCbor([null, 3, [[0, 2n ** 64n - 1n, 1]]]));
  assert.equal(range.exitCode, 16);
  assert.match(range.message ?? '', /AMT index 18446744073709551615 out of range/);
});
