import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { MemoryBlockstore, MissingBlockError, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, encodeCbor, DAG_CBOR, IDENTITY, RAW } from '../../src/ipld/cbor.js';
import { CarError, exportCar, importCar, readVectorCar, verifyBlock } from '../../src/ipld/car.js';
import type { Block } from '../../src/ipld/buffered-blockstore.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted');

/** Byte equality regardless of Buffer vs Uint8Array (DAG-CBOR encoding hands back Buffers on Node). */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): void {
  assert.ok(a !== undefined && b !== undefined, 'block present');
  assert.deepEqual(Uint8Array.from(a), Uint8Array.from(b));
}

/** Writes a CARv1 with the library's writer, which does not check hashes (so we can lie). */
function rawCar(roots: CID[], blocks: Block[]): Uint8Array {
  let size = CarBufferWriter.headerLength({ roots });
  for (const b of blocks) size += CarBufferWriter.blockLength(b);
  const w = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots });
  for (const b of blocks) w.write(b);
  return w.close();
}

test('export then import: exactly the reachable blocks, roots preserved', async () => {
  const src = new MemoryBlockstore();
  const raw = Uint8Array.of(0, 97, 115, 109);
  const rawCid = cidOf(raw, RAW);
  src.put(rawCid, raw);
  const leaf = putCbor(src, { code: rawCid });
  const shared = putCbor(src, 'shared');
  const inline = CID.createV1(DAG_CBOR, createDigest(IDENTITY, encodeCbor([shared])));
  const root = putCbor(src, [leaf, shared, inline, shared]);
  const second = putCbor(src, { other: leaf });
  const stray = putCbor(src, 'not reachable');

  const car = await exportCar(src, [root, second]);
  const dst = new MemoryBlockstore();
  const roots = await importCar(car, dst);
  assert.deepEqual(roots.map(String), [root, second].map(String));
  assert.equal(dst.size, 5);
  for (const c of [root, second, leaf, shared, rawCid]) sameBytes(dst.get(c), src.get(c));
  assert.equal(dst.has(stray), false);
  assert.equal(dst.has(inline), false);

  // Export is deterministic: the same DAG yields the same bytes.
  sameBytes(await exportCar(dst, [root, second]), car);
});

test('export fails on a missing block unless allowMissing', async () => {
  const bs = new MemoryBlockstore();
  const missing = cidOf(encodeCbor('gone'));
  const root = putCbor(bs, [missing]);
  await assert.rejects(exportCar(bs, [root]), (e: unknown) => e instanceof MissingBlockError && e.cid.equals(missing));
  const car = await exportCar(bs, [root], { allowMissing: true });
  const back = new MemoryBlockstore();
  assert.deepEqual((await importCar(car, back)).map(String), [root.toString()]);
  assert.equal(back.size, 1);
});

test('import rejects a block whose bytes do not match its CID, naming it, and writes nothing', async () => {
  const good = { cid: cidOf(encodeCbor('good')), bytes: encodeCbor('good') };
  const liar = { cid: cidOf(encodeCbor('claimed')), bytes: encodeCbor('actual') };
  const car = rawCar([good.cid], [good, liar]);
  const bs = new MemoryBlockstore();
  await assert.rejects(importCar(car, bs), (e: unknown) => e instanceof CarError && e.message.includes(liar.cid.toString()) && /does not match/.test(e.message));
  assert.equal(bs.size, 0);
  assert.throws(() => verifyBlock(liar.cid, liar.bytes), /does not match/);
  const murmur = CID.createV1(RAW, createDigest(0x22, new Uint8Array(8)));
  assert.throws(() => verifyBlock(murmur, new Uint8Array(1)), /unsupported multihash 0x22/);
});

test('import rejects input that is not a CAR, or a truncated one, and writes nothing', async () => {
  const bs = new MemoryBlockstore();
  await assert.rejects(importCar(new TextEncoder().encode('{"json": true}'), bs), /^CarError: not a CAR file: /);
  await assert.rejects(importCar(new Uint8Array(0), bs), /not a CAR file/);
  await assert.rejects(importCar(encodeCbor({ version: 3, roots: [] }), bs), /not a CAR file/);
  const a = putCbor(new MemoryBlockstore(), 'a');
  const car = rawCar([a], [
    { cid: a, bytes: encodeCbor('a') },
    { cid: cidOf(encodeCbor('b')), bytes: encodeCbor('b') },
  ]);
  await assert.rejects(importCar(car.subarray(0, car.length - 2), bs), /not a CAR file/);
  assert.equal(bs.size, 0);
});

function firstVector(): string | undefined {
  if (!existsSync(corpus)) return undefined;
  const stack = [corpus];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const name of readdirSync(dir).sort().reverse()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) stack.push(full);
      else if (name.endsWith('.json')) return full;
    }
  }
  return undefined;
}

test('readVectorCar: a real conformance vector yields its pre- and post-state roots', async (t) => {
  const file = firstVector();
  if (file === undefined) {
    t.skip('no test vectors: see README');
    return;
  }
  const vector = JSON.parse(readFileSync(file, 'utf8')) as {
    car: string;
    preconditions: { state_tree: { root_cid: { '/': string } } };
    postconditions: { state_tree: { root_cid: { '/': string } } };
  };
  const { store, roots } = readVectorCar(vector.car);
  const pre = CID.parse(vector.preconditions.state_tree.root_cid['/']);
  const post = CID.parse(vector.postconditions.state_tree.root_cid['/']);
  assert.ok(roots.some((r) => r.equals(pre)), 'pre-state root is a CAR root');
  assert.ok(store.has(pre), 'pre-state root block is present');
  assert.ok(roots.some((r) => r.equals(post)), 'post-state root is a CAR root');

  // Re-exporting the (partial) state and importing it again keeps every reachable block intact.
  const car = await exportCar(store, roots, { allowMissing: true });
  const copy = new MemoryBlockstore();
  await importCar(car, copy);
  assert.ok(copy.size > 0 && copy.size <= store.size);
  for (const key of copy.blocks.keys()) sameBytes(copy.blocks.get(key), store.blocks.get(key));

  assert.throws(() => readVectorCar('not base64 gzip!'), /not gzip-compressed/);
  assert.throws(() => readVectorCar(gzipSync(Buffer.from('plain text')).toString('base64')), /not a CAR file/);
});
