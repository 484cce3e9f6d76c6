// The bad inputs named by the foundations issue: each is refused with an error that names the
// problem and the object, and nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { CarWriter } from '@ipld/car';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { decodeCbor, encodeCbor, cidOf } from '../../src/ipld/cbor.js';
import { importCarSync } from '../../src/ipld/car.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { StateTree } from '../../src/state/state-tree.js';
import { loadBundleBytes } from '../../src/state/bundle.js';

async function carOf(roots: CID[], blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots);
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    for await (const c of out) chunks.push(c);
  })();
  for (const b of blocks) await writer.put(b);
  await writer.close();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

test('truncated CBOR is refused naming the object', () => {
  const full = encodeCbor([1, 2, new Uint8Array(10)]);
  assert.throws(() => decodeCbor(full.subarray(0, full.length - 3), 'actor state bafy…'), /invalid DAG-CBOR in actor state bafy…/);
});

test('non-canonical CBOR (non-minimal integer, indefinite length) is refused', () => {
  // 0x18 0x01 encodes 1 in two bytes where one suffices.
  assert.throws(() => decodeCbor(new Uint8Array([0x81, 0x18, 0x01]), 'message'), /invalid DAG-CBOR in message/);
  // Indefinite-length array.
  assert.throws(() => decodeCbor(new Uint8Array([0x9f, 0x01, 0xff]), 'message'), /invalid DAG-CBOR in message/);
});

test('a CAR whose block does not match its CID is refused and nothing is written', async () => {
  const good = encodeCbor(['good']);
  const goodCid = cidOf(good);
  const evil = encodeCbor(['evil']);
  const car = await carOf([goodCid], [{ cid: goodCid, bytes: good }, { cid: cidOf(encodeCbor(['other'])), bytes: evil }]);
  const bs = new MemoryBlockstore();
  assert.throws(() => importCarSync(car, bs, 'upload.car'), /upload\.car/);
  assert.equal(bs.size, 0);
});

test('a CID with an unsupported hash is refused on import', async () => {
  const bytes = encodeCbor(['x']);
  // Multihash code 0x1234 is not a hash anybody supports.
  const bogus = CID.createV1(0x71, { code: 0x1234, size: 2, digest: new Uint8Array([1, 2]), bytes: new Uint8Array([0xb4, 0x24, 2, 1, 2]) });
  const car = await carOf([bogus], [{ cid: bogus, bytes }]);
  const bs = new MemoryBlockstore();
  assert.throws(() => importCarSync(car, bs, 'odd.car'), /odd\.car/);
  assert.equal(bs.size, 0);
});

test('a state root whose actors link has an unsupported codec is refused with the CID', async () => {
  const bs = new MemoryBlockstore();
  const pbLink = CID.createV1(0x70, await sha256.digest(new Uint8Array([1])));
  const root = putCbor(bs, [5, pbLink, putCbor(bs, [])]);
  assert.throws(() => StateTree.load(bs, root), (e: unknown) => e instanceof Error && e.message.includes(pbLink.toString()));
});

test('a HAMT node with a wrong bitfield (more bits than pointers) is refused naming the node', () => {
  const bs = new MemoryBlockstore();
  // Bitfield with two bits set but a single bucket pointer.
  const root = putCbor(bs, [new Uint8Array([0b11]), [[[new Uint8Array([1]), 1]]]]);
  assert.throws(() => Hamt.load(bs, root).get(new Uint8Array([1])), (e: unknown) => e instanceof Error && e.message.includes(root.toString()) && /bit/.test(e.message));
});

test('a bundle that is not a CAR is refused naming the file, and nothing is written', () => {
  const bs = new MemoryBlockstore();
  assert.throws(() => loadBundleBytes(new TextEncoder().encode('hello world'), 'v10.car', bs), /v10\.car/);
  assert.throws(() => loadBundleBytes(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]), 'v10.tar.zst', bs), /v10\.tar\.zst/);
  assert.equal(bs.size, 0);
});
