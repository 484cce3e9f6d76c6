import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { importCarSync } from '../../src/ipld/car.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { StateTree } from '../../src/state/state-tree.js';
import { HistoryMap } from '../../src/state/history-map.js';
import { readVector } from '../../src/conformance/vector.js';
import { walkPresentHamt } from '../../src/state/inspect.js';
import type { ActorState } from '../../src/primitives/actor.js';

const VECTORS = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'test-vectors', 'corpus', 'extracted');
const HYGGE_SEND = join(VECTORS, '0002-hygge-01', 'fil_10_multisig', 'Propose', 'Ok', 'ext-0002-fil_10_multisig-Propose-Ok-1.json');

// A fixed code CID (any DAG-CBOR CID will do as a code reference for state-tree tests).
const CODE = CID.parse('bafy2bzacecdjkk2tzogitpcybu3eszr4uptrjogstqmyt6u4q6p3pbqzqcyhu');

function actor(store: MemoryBlockstore, n: number): ActorState {
  return { code: CODE, head: putCbor(store, [n]), sequence: BigInt(n), balance: BigInt(n) * 10n ** 18n, delegatedAddress: null };
}

/** A tree with system-less minimal content: an init actor with an empty address map, and a few accounts. */
function smallTree(): { store: MemoryBlockstore; tree: StateTree; root: CID } {
  const store = new MemoryBlockstore();
  const tree = StateTree.create(store);
  const map = Hamt.create<unknown>(store, { bitWidth: 5 }).flush();
  tree.setActor(1n, { ...actor(store, 1), head: putCbor(store, [map, 100, 'test']) });
  for (let i = 100; i < 110; i++) tree.setActor(BigInt(i), actor(store, i));
  return { store, tree, root: tree.flush() };
}

test('an empty v5 state tree has the reference root layout [5, actors, info] with info = []', () => {
  const store = new MemoryBlockstore();
  const tree = StateTree.create(store);
  const root = tree.flush();
  const reloaded = StateTree.load(store, root);
  assert.equal(reloaded.version, 5);
  assert.equal(reloaded.getActor(0n), undefined);
  // The empty HAMT node is [<empty bitfield>, []] -> 0x82 0x40 0x80.
  assert.deepEqual([...store.get(reloaded.actorsRoot)!], [0x82, 0x40, 0x80]);
});

test('set/get/delete and flush round trip through the HAMT', () => {
  const { store, root } = smallTree();
  const tree = StateTree.load(store, root);
  assert.equal(tree.getActor(105n)!.sequence, 105n);
  tree.deleteActor(105n);
  assert.equal(tree.getActor(105n), undefined);
  const root2 = tree.flush();
  assert.notEqual(root2.toString(), root.toString());
  assert.equal(StateTree.load(store, root2).getActor(105n), undefined);
  assert.equal(StateTree.load(store, root2).getActor(104n)!.balance, 104n * 10n ** 18n);
});

test('reverting a transaction restores the original root; nested commits inside a reverted outer one are undone', () => {
  const { store, root } = smallTree();
  const tree = StateTree.load(store, root);
  tree.beginTransaction();
  tree.setActor(200n, actor(store, 200));
  tree.beginTransaction();
  tree.mutateActor(101n, (a) => {
    a.balance += 1n;
  });
  tree.endTransaction(false); // inner committed into the outer layer
  tree.deleteActor(102n);
  tree.endTransaction(true); // outer reverted
  assert.equal(tree.getActor(200n), undefined);
  assert.equal(tree.getActor(101n)!.balance, 101n * 10n ** 18n);
  assert.ok(tree.getActor(102n));
  assert.equal(tree.flush().toString(), root.toString());
});

test('flush inside a transaction is refused', () => {
  const { tree } = smallTree();
  tree.beginTransaction();
  assert.throws(() => tree.flush(), /inside a transaction/);
});

test('registerNewAddress assigns next_id through the init actor and lookupId resolves it', () => {
  const { store, root } = smallTree();
  const tree = StateTree.load(store, root);
  const addr = Address.newSecp256k1(new Uint8Array(65).fill(4));
  assert.equal(tree.lookupId(addr), undefined);
  assert.equal(tree.registerNewAddress(addr), 100n);
  assert.equal(tree.registerNewAddress(Address.newActor(new Uint8Array([1]))), 101n);
  const root2 = tree.flush();
  const fresh = StateTree.load(store, root2);
  assert.equal(fresh.lookupId(addr), 100n);
  assert.equal(fresh.lookupId(Address.newId(7n)), 7n);
  assert.equal(fresh.initState().nextId, 102n);
});

test('property: any set of mutations made inside a reverted transaction leaves the root unchanged', () => {
  const { store, root } = smallTree();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'mutate'), fc.integer({ min: 100, max: 120 })), { maxLength: 30 }),
      (ops) => {
        const tree = StateTree.load(store, root);
        tree.beginTransaction();
        for (const [op, id] of ops) {
          if (op === 'set') tree.setActor(BigInt(id), actor(store, id + 1000));
          else if (op === 'delete') tree.deleteActor(BigInt(id));
          else if (tree.getActor(BigInt(id))) tree.mutateActor(BigInt(id), (a) => ({ ...a, sequence: a.sequence + 1n }));
        }
        tree.endTransaction(true);
        return tree.flush().toString() === root.toString();
      },
    ),
    { numRuns: 100 },
  );
});

test('HistoryMap rolls back to any recorded height', () => {
  const m = new HistoryMap<string, number>();
  m.set('a', 1);
  const h = m.historyLength;
  m.set('a', 2);
  m.set('b', 3);
  m.rollback(h);
  assert.equal(m.get('a'), 1);
  assert.equal(m.has('b'), false);
});

test('real vector: mutating a loaded mainnet state tree and reverting it yields the original root', (t) => {
  if (!existsSync(HYGGE_SEND)) return t.skip('no shared test vectors: see README');
  const vector = readVector(HYGGE_SEND);
  const store = new MemoryBlockstore();
  importCarSync(gunzipSync(vector.car), store);
  const tree = StateTree.load(store, vector.preRoot);
  const ids: bigint[] = [];
  walkPresentHamt(store, tree.actorsRoot, (key) => ids.push(Address.fromBytes(key).id()));
  assert.ok(ids.length > 50, `expected the vector to carry many actors, got ${ids.length}`);
  // A flush with no change reproduces the mainnet root bit for bit.
  assert.equal(StateTree.load(store, vector.preRoot).flush().toString(), vector.preRoot.toString());
  tree.beginTransaction();
  for (const id of ids.slice(0, 20)) tree.mutateActor(id, (a) => ({ ...a, balance: a.balance + 1n }));
  tree.deleteActor(ids[25]!);
  tree.endTransaction(true);
  assert.equal(tree.flush().toString(), vector.preRoot.toString());
  // The same mutations committed change the root; undoing them by hand restores it.
  const tree2 = StateTree.load(store, vector.preRoot);
  const before = tree2.getActor(ids[3]!)!;
  tree2.setActor(ids[3]!, { ...before, balance: before.balance + 5n });
  const changed = tree2.flush();
  assert.notEqual(changed.toString(), vector.preRoot.toString());
  tree2.setActor(ids[3]!, before);
  assert.equal(tree2.flush().toString(), vector.preRoot.toString());
});

test('real vectors: the init actor resolves robust addresses found in the pre-state address map', (t) => {
  if (!existsSync(VECTORS)) return t.skip('no shared test vectors: see README');
  const dir = join(VECTORS, '0002-hygge-01', 'fil_10_multisig', 'Propose', 'Ok');
  let resolved = 0;
  for (const name of readdirSync(dir).slice(0, 3)) {
    const vector = readVector(join(dir, name));
    const store = new MemoryBlockstore();
    importCarSync(gunzipSync(vector.car), store);
    const tree = StateTree.load(store, vector.preRoot);
    walkPresentHamt(store, tree.initState().addressMap, (key, value) => {
      const addr = Address.fromBytes(key);
      assert.equal(tree.lookupId(addr), BigInt(value as number));
      resolved++;
    });
  }
  assert.ok(resolved > 0);
});
