import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { MemoryBlockstore, putCbor, getCbor } from '../../src/ipld/blockstore.js';
import { cidOf, encodeCbor, decodeCbor, DAG_CBOR, RAW, IDENTITY, SHA2_256 } from '../../src/ipld/cbor.js';
import { LmdbBlockstore } from '../../src/ipld/lmdb-blockstore.js';
import {
  BufferedBlockstore,
  FlushError,
  LinkScanError,
  scanCborLinks,
  type Block,
} from '../../src/ipld/buffered-blockstore.js';

function block(value: unknown, codec = DAG_CBOR): Block {
  const bytes = codec === DAG_CBOR ? encodeCbor(value) : (value as Uint8Array);
  return { cid: cidOf(bytes, codec), bytes };
}

function withTempDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfvm-lmdb-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

// ---- LMDB ----

test(
  'LmdbBlockstore: put/get/has, and blocks survive a reopen',
  withTempDir(async (dir) => {
    const path = join(dir, 'blocks.mdb');
    const a = block({ hello: 'world' });
    const b = block(Uint8Array.of(1, 2, 3), RAW);
    const absent = block('absent');
    let store = LmdbBlockstore.open(path);
    store.put(a.cid, a.bytes);
    store.putMany([b]);
    assert.deepEqual(store.get(a.cid), a.bytes);
    assert.deepEqual(store.get(b.cid), b.bytes);
    assert.ok(store.get(a.cid) instanceof Uint8Array);
    assert.equal(store.has(a.cid), true);
    assert.equal(store.has(absent.cid), false);
    assert.equal(store.get(absent.cid), undefined);
    await store.close();
    assert.throws(() => store.get(a.cid), /is closed/);

    store = LmdbBlockstore.open(path);
    assert.deepEqual(store.get(a.cid), a.bytes);
    assert.deepEqual(getCbor(store, a.cid), { hello: 'world' });
    assert.deepEqual(store.get(b.cid), b.bytes);
    await store.close();
  }),
);

test(
  'LmdbBlockstore: a batch that throws midway writes nothing',
  withTempDir(async (dir) => {
    const store = LmdbBlockstore.open(join(dir, 'blocks.mdb'));
    const blocks = [0, 1, 2, 3].map((i) => block({ i }));
    function* failing(): Generator<Block> {
      yield blocks[0]!;
      yield blocks[1]!;
      throw new Error('disk on fire');
    }
    assert.throws(() => store.putMany(failing()), /disk on fire/);
    for (const b of blocks) assert.equal(store.has(b.cid), false);

    const bad = { cid: blocks[3]!.cid, bytes: 'not bytes' } as unknown as Block;
    assert.throws(() => store.putMany([blocks[2]!, bad]), /has no byte content/);
    assert.equal(store.has(blocks[2]!.cid), false);

    store.putMany(blocks);
    for (const b of blocks) assert.deepEqual(store.get(b.cid), b.bytes);
    await store.close();
  }),
);

test(
  'LmdbBlockstore as the base of a BufferedBlockstore persists exactly the flushed DAG',
  withTempDir(async (dir) => {
    const path = join(dir, 'blocks.mdb');
    let base = LmdbBlockstore.open(path);
    const buf = new BufferedBlockstore(base);
    const leaf = putCbor(buf, 'leaf');
    const root = putCbor(buf, [leaf, 1]);
    const stray = putCbor(buf, 'stray');
    assert.equal(buf.flush(root), 2);
    await base.close();
    base = LmdbBlockstore.open(path);
    assert.ok(base.has(root) && base.has(leaf));
    assert.equal(base.has(stray), false);
    await base.close();
  }),
);

// ---- BufferedBlockstore ----

test('BufferedBlockstore: writes are buffered, reads fall through, flush moves the block', () => {
  const mem = new MemoryBlockstore();
  const pre = putCbor(mem, 'already there');
  const buf = new BufferedBlockstore(mem);
  const cid = putCbor(buf, 8);
  assert.equal(mem.has(cid), false);
  assert.equal(getCbor<number>(buf, cid), 8);
  assert.equal(getCbor<string>(buf, pre), 'already there');
  assert.ok(buf.has(pre) && buf.has(cid));
  assert.equal(buf.flush(cid), 1);
  assert.equal(getCbor<number>(mem, cid), 8);
  assert.equal(getCbor<number>(buf, cid), 8);
  assert.equal(buf.bufferSize, 0);
});

test('BufferedBlockstore: flush writes only what the root reaches (links, commitments, identity)', () => {
  const mem = new MemoryBlockstore();
  const buf = new BufferedBlockstore(mem);
  const arr = putCbor(buf, ['value', 8]);
  const identity = CID.createV1(0x51, createDigest(IDENTITY, Uint8Array.of(0)));
  const sealed = CID.createV1(0xf102, createDigest(0x1012, new Uint8Array(32).fill(7))); // poseidon CommR
  const unsealed = CID.createV1(0xf101, createDigest(0x1012, new Uint8Array(32).fill(5))); // sha2-trunc254 CommD
  const obj = putCbor(buf, { array: arr, sealed, unsealed, identity, value: 'value' });
  const root = putCbor(buf, [obj, 1]);
  const unconnected = putCbor(buf, 27);
  assert.equal(mem.size, 0);

  assert.equal(buf.flush(root), 3);
  assert.deepEqual(getCbor(mem, arr), ['value', 8]);
  assert.deepEqual((getCbor<Record<string, unknown>>(mem, obj))['value'], 'value');
  assert.deepEqual(getCbor(mem, root), [obj, 1]);
  assert.equal(mem.has(unconnected), false);
  assert.equal(mem.has(identity) || mem.has(sealed) || mem.has(unsealed), false);
  // Unreachable blocks stay readable in the buffer, as in the reference, until discarded.
  assert.equal(buf.bufferSize, 1);
  assert.equal(getCbor<number>(buf, unconnected), 27);
  buf.discard();
  assert.equal(buf.bufferSize, 0);
  assert.equal(buf.get(unconnected), undefined);
});

test('BufferedBlockstore: deep nesting, shared children, raw leaves, and links out of the buffer', () => {
  const mem = new MemoryBlockstore();
  const outside = putCbor(mem, 'in the base store');
  const buf = new BufferedBlockstore(mem);
  const raw = block(Uint8Array.of(0xde, 0xad), RAW);
  buf.put(raw.cid, raw.bytes);
  let node = putCbor(buf, { raw: raw.cid, outside });
  const chain = [node];
  for (let i = 0; i < 200; i++) {
    node = putCbor(buf, { i, next: node, again: node });
    chain.push(node);
  }
  const missing = cidOf(encodeCbor('never stored'));
  const root = putCbor(buf, [node, missing]);
  assert.equal(buf.flush(root), chain.length + 2);
  for (const c of chain) assert.ok(mem.has(c));
  assert.deepEqual(mem.get(raw.cid), raw.bytes);
  assert.equal(mem.has(missing), false);
});

test('BufferedBlockstore: an inline (identity) DAG-CBOR node is scanned but never stored', () => {
  const mem = new MemoryBlockstore();
  const buf = new BufferedBlockstore(mem);
  const child = putCbor(buf, 'child of an inline node');
  const inline = CID.createV1(DAG_CBOR, createDigest(IDENTITY, encodeCbor([child])));
  buf.put(inline, encodeCbor([child]));
  const root = putCbor(buf, { inline });
  assert.equal(buf.flush(root), 2);
  assert.ok(mem.has(child));
  assert.equal(mem.has(inline), false);
});

test('BufferedBlockstore: unexpected codecs or hashes fail the flush, naming the CID, and write nothing', () => {
  const mem = new MemoryBlockstore();
  const buf = new BufferedBlockstore(mem);
  const dagPb = CID.createV1(0x70, createDigest(0xb220, new Uint8Array(32)));
  const root1 = putCbor(buf, [dagPb]);
  assert.throws(() => buf.flush(root1), (e: unknown) => e instanceof FlushError && e.message.includes(dagPb.toString()) && /codec 0x70/.test(e.message));
  const sha = CID.createV1(DAG_CBOR, createDigest(SHA2_256, new Uint8Array(32)));
  const root2 = putCbor(buf, [sha]);
  assert.throws(() => buf.flush(root2), (e: unknown) => e instanceof FlushError && e.message.includes(sha.toString()));
  const bad = block('x');
  buf.put(bad.cid, Uint8Array.of(0x9f, 0x01, 0xff)); // indefinite-length array: not DAG-CBOR
  const root3 = putCbor(buf, [bad.cid]);
  assert.throws(() => buf.flush(root3), LinkScanError);
  assert.equal(mem.size, 0);
  assert.equal(buf.flushAll(), 4);
  assert.equal(mem.size, 4);
});

// ---- link scanner ----

const leafCid = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => cidOf(b, RAW));
const cborValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.bigInt({ min: -(1n << 64n) + 1n, max: (1n << 64n) - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.uint8Array({ maxLength: 300 }),
    fc.boolean(),
    fc.constant(null),
    leafCid,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

function collectCids(v: unknown, out: string[]): string[] {
  const cid = CID.asCID(v);
  if (cid) out.push(cid.toString());
  else if (Array.isArray(v)) v.forEach((x) => collectCids(x, out));
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach((x) => collectCids(x, out));
  return out;
}

test('property: scanCborLinks finds exactly the CIDs a full decode finds', () => {
  fc.assert(
    fc.property(cborValue, (value) => {
      const bytes = encodeCbor(value);
      const expected = collectCids(decodeCbor(bytes), []).sort();
      const got = scanCborLinks(bytes).map((c) => c.toString()).sort();
      assert.deepEqual(got, expected);
    }),
    { numRuns: 400 },
  );
});

test('scanCborLinks: document order, and clear errors for malformed input', () => {
  const a = cidOf(Uint8Array.of(1), RAW);
  const b = cidOf(Uint8Array.of(2), RAW);
  assert.deepEqual(scanCborLinks(encodeCbor([a, { x: [b] }, 'z'])).map(String), [a.toString(), b.toString()]);
  const bytes = encodeCbor([a, 'padding']);
  assert.throws(() => scanCborLinks(bytes.subarray(0, bytes.length - 3)), /unexpected end of CBOR data/);
  assert.throws(() => scanCborLinks(Uint8Array.of(0x9f, 0xff)), /invalid CBOR item head 0x9f/);
  assert.throws(() => scanCborLinks(Uint8Array.of(0xd8, 0x2a, 0x61, 0x61)), /tag 42 does not wrap a byte string/);
  assert.throws(() => scanCborLinks(Uint8Array.of(0xd8, 0x2a, 0x42, 0x01, 0x55)), /0x00 multibase prefix/);
  assert.throws(() => scanCborLinks(Uint8Array.of(0xd8, 0x2a, 0x43, 0x00, 0x01, 0x55)), /invalid CID in tag 42/);
  assert.throws(() => scanCborLinks(Uint8Array.of(0x5b, 0, 0, 0, 1, 0, 0, 0, 0)), /unexpected end/);
  // A non-42 tag wraps one more item, which is scanned too.
  assert.deepEqual(scanCborLinks(Uint8Array.of(0xc2, ...encodeCbor(a))).map(String), [a.toString()]);
});
