// src/actors/genesis-state.ts: the initial state for the embedded bundle, read back through the
// state tree and the official layouts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, getCbor, putCbor } from '../../src/ipld/blockstore.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { EMPTY_ARRAY_CID } from '../../src/primitives/actor.js';
import { decodeBigInt, fromWholeFil } from '../../src/primitives/token.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Manifest } from '../../src/state/manifest.js';
import { loadEmbeddedBundle } from '../../src/actors/embedded.js';
import { buildGenesisState, rewardGenesisState, GenesisError, DEFAULT_REWARD_BALANCE, type GenesisOptions } from '../../src/actors/genesis-state.js';
import { ensureBundle, secpKey } from './helpers.js';

before(ensureBundle);

const A = secpKey(1).address;
const B = secpKey(2).address;

function genesis(over: Partial<GenesisOptions> = {}): { bs: MemoryBlockstore; root: CID; tree: StateTree; manifest: Manifest } {
  const bs = new MemoryBlockstore();
  const { manifest } = loadEmbeddedBundle(bs);
  const root = buildGenesisState(bs, {
    accounts: [
      { address: A, balance: fromWholeFil(100) },
      { address: B, balance: 5n },
    ],
    networkName: 'devnet-test',
    manifest,
    ...over,
  });
  return { bs, root, tree: StateTree.load(bs, root), manifest };
}

test('genesis: the singletons, burnt funds and accounts with the official IDs, codes and state layouts', () => {
  const { bs, root, tree, manifest } = genesis();
  assert.equal(getCbor<unknown[]>(bs, root)[0], 5, 'state tree version 5');
  const actor = (id: bigint) => {
    const a = tree.getActor(id);
    assert.ok(a, `f0${id} exists`);
    return a;
  };
  const codeName = (id: bigint): string | undefined => manifest.nameByCode(actor(id).code);
  assert.deepEqual(
    [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 10n, 99n, 100n, 101n].map(codeName),
    ['system', 'init', 'reward', 'cron', 'storagepower', 'storagemarket', 'verifiedregistry', 'datacap', 'eam', 'account', 'account', 'account'],
  );
  assert.equal(tree.getActor(102n), undefined);

  const [registry] = getCbor<[CID]>(bs, actor(0n).head);
  assert.ok(registry.equals(manifest.dataCid!), 'the system actor names the manifest data');
  assert.deepEqual(Manifest.loadData(bs, registry).entries().map((e) => e.name), manifest.entries().map((e) => e.name));

  const [map, nextId, name] = getCbor<[CID, number, string]>(bs, actor(1n).head);
  assert.deepEqual([nextId, name], [102, 'devnet-test']);
  const addresses = Hamt.load<unknown>(bs, map);
  assert.equal(addresses.get(A.toBytes()), 100);
  assert.equal(addresses.get(B.toBytes()), 101);
  assert.equal(tree.lookupId(B), 101n, 'the state tree resolves account addresses');

  assert.deepEqual(getCbor(bs, actor(100n).head), [A.toBytes()]);
  assert.equal(actor(100n).balance, fromWholeFil(100));
  assert.equal(actor(101n).balance, 5n);
  assert.deepEqual(getCbor(bs, actor(99n).head), [Address.newId(99n).toBytes()], 'burnt funds is an account whose address is f099');
  assert.equal(actor(2n).balance, DEFAULT_REWARD_BALANCE);
  assert.deepEqual(getCbor(bs, actor(3n).head), [[]]);
  for (const id of [4n, 5n, 6n, 7n, 10n]) assert.ok(actor(id).head.equals(EMPTY_ARRAY_CID));
  assert.ok(bs.has(EMPTY_ARRAY_CID));
  for (const id of [0n, 1n, 2n, 3n, 99n, 100n]) assert.equal(actor(id).sequence, 0n);
});

test("genesis: the reward actor's state has the official layout and the published genesis constants", () => {
  const { bs, tree } = genesis({ rewardBalance: 42n });
  const st = getCbor<unknown[]>(bs, tree.getActor(2n)!.head);
  assert.deepEqual(st, rewardGenesisState());
  assert.equal(st.length, 11);
  const n = (i: number): bigint => decodeBigInt(st[i] as Uint8Array);
  assert.equal(n(0), 0n, 'cumsum_baseline');
  assert.equal(n(1), 0n, 'cumsum_realized');
  assert.equal(st[2], 0, 'effective_network_time');
  assert.equal(n(3), 2_888_888_880_000_000_000n, 'effective_baseline_power = BASELINE_INITIAL_VALUE');
  // 36.266... FIL per epoch: about the published initial reward estimate.
  assert.ok(n(4) > 36_266_000_000_000_000_000n && n(4) < 36_267_000_000_000_000_000n);
  const [position, velocity] = (st[5] as Uint8Array[]).map((b) => decodeBigInt(b));
  assert.equal(position! >> 128n, 36_266_260_308_195_979_333n, 'INITIAL_REWARD_POSITION_ESTIMATE in Q.128');
  assert.equal(velocity!, -109_897_758_509n << 128n, 'INITIAL_REWARD_VELOCITY_ESTIMATE in Q.128');
  assert.ok(n(6) > 2_888_888_870_000_000_000n && n(6) < n(3), 'this_epoch_baseline_power: one epoch of growth from INIT_BASELINE_POWER');
  assert.equal(st[7], 0, 'epoch');
  assert.equal(n(8), 0n, 'total_storage_power_reward');
  assert.equal(n(9), fromWholeFil(330_000_000), 'simple_total');
  assert.equal(n(10), fromWholeFil(770_000_000), 'baseline_total');
  assert.equal(tree.getActor(2n)!.balance, 42n);
});

test('genesis: cron entries are stored as [receiver, method] pairs', () => {
  const { bs, tree } = genesis({ cronEntries: [{ receiver: Address.newId(4n), method: 5n }, { receiver: Address.newId(5n), method: 9n }] });
  assert.deepEqual(getCbor(bs, tree.getActor(3n)!.head), [[[Address.newId(4n).toBytes(), 5], [Address.newId(5n).toBytes(), 9]]]);
});

test('genesis is deterministic: same inputs, same root; any change, another root', () => {
  assert.ok(genesis().root.equals(genesis().root));
  assert.ok(!genesis().root.equals(genesis({ networkName: 'other' }).root));
  assert.ok(!genesis().root.equals(genesis({ accounts: [{ address: A, balance: 1n }] }).root));
});

test('genesis refuses what it cannot build, naming the problem', () => {
  const bad = (over: Partial<GenesisOptions>, message: RegExp): void => {
    assert.throws(() => genesis(over), (err: unknown) => err instanceof GenesisError && message.test(err.message));
  };
  bad({ accounts: [{ address: Address.newId(7n), balance: 0n }] }, /genesis account 0 \(f07\): an account needs an f1 .* or f3/);
  bad({ accounts: [{ address: A, balance: 1n }, { address: A, balance: 2n }] }, /genesis account 1 .*appears twice/);
  bad({ accounts: [{ address: A, balance: -1n }] }, /negative balance -1/);
  bad({ networkName: '' }, /network name/);
  bad({ rewardBalance: -5n }, /reward balance must not be negative/);
  bad({ cronEntries: [{ receiver: A, method: 2n }] }, /cron entry 0: the receiver must be an ID address/);
  const { manifest } = genesis();
  bad({ manifest: Manifest.fromEntries(manifest.entries().map((e) => [e.name, e.code] as const)) }, /loaded from a store/);
  const store = new MemoryBlockstore();
  const withoutCron = manifest.entries().filter((e) => e.name !== 'cron').map((e) => [e.name, e.code]);
  const partial = Manifest.loadData(store, putCbor(store, withoutCron));
  bad({ manifest: partial }, /manifest has no 'cron' actor, which genesis needs/);
});
