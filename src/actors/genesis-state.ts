// The initial state for a bundle shaped like the builtin actors (the embedded one in particular):
// the singleton actors with their official IDs and state layouts, the burnt funds account, and
// funded accounts for the given key addresses. Written directly, as Lotus writes its genesis;
// the states equal what the actors' constructors produce.
//
//   f00  system       [manifest data CID]
//   f01  init         [address map (account key address -> ID), next ID, network name]
//   f02  reward       the reward actor's zero-power genesis state; funded with `rewardBalance`
//   f03  cron         [entries]
//   f04 f05 f06 f07 f010  storagepower, storagemarket, verifiedregistry, datacap, eam (whatever
//                     code the manifest has for them; the embedded bundle's rejects every method)
//   f099 burnt funds  an account actor whose address is f099
//   f0100...          one account per entry of `accounts`, in order
import type { CID } from 'multiformats/cid';
import { putCbor, type Blockstore } from '../ipld/blockstore.js';
import { Hamt } from '../ipld/hamt.js';
import { Address, Protocol } from '../primitives/address.js';
import { EMPTY_ARRAY_CID, type ActorState } from '../primitives/actor.js';
import { encodeBigInt, fromWholeFil } from '../primitives/token.js';
import { StateTree, HAMT_BIT_WIDTH } from '../state/state-tree.js';
import type { Manifest, BuiltinActorName } from '../state/manifest.js';
import {
  SYSTEM_ACTOR_ID, INIT_ACTOR_ID, REWARD_ACTOR_ID, CRON_ACTOR_ID, STORAGE_POWER_ACTOR_ID, STORAGE_MARKET_ACTOR_ID,
  VERIFIED_REGISTRY_ACTOR_ID, DATACAP_TOKEN_ACTOR_ID, EAM_ACTOR_ID, BURNT_FUNDS_ACTOR_ID,
} from '../state/init-state.js';

/** The first actor ID the init actor hands out; genesis accounts start here. */
export const FIRST_ACCOUNT_ID = 100n;
/** The reward actor's balance when none is given: 1,000,000 FIL. */
export const DEFAULT_REWARD_BALANCE = fromWholeFil(1_000_000);

export class GenesisError extends Error {
  override readonly name = 'GenesisError';
}

export interface GenesisAccount {
  /** An f1 (secp256k1) or f3 (BLS) address. */
  readonly address: Address;
  /** In attoFIL. */
  readonly balance: bigint;
}

export interface CronEntry {
  /** An ID address. */
  readonly receiver: Address;
  readonly method: bigint;
}

export interface GenesisOptions {
  /** Funded accounts; they get IDs f0100, f0101, ... in this order. */
  readonly accounts: readonly GenesisAccount[];
  readonly networkName: string;
  /** The bundle's manifest, loaded from a store (its data CID goes into the system actor's state). */
  readonly manifest: Manifest;
  /** The reward actor's balance (default DEFAULT_REWARD_BALANCE). */
  readonly rewardBalance?: bigint;
  /** What cron calls at every epoch tick (default: nothing). */
  readonly cronEntries?: readonly CronEntry[];
}

// The reward actor's genesis state, from the constants the official actor publishes (Q.128
// fixed point: a value v is stored as v * 2^128).
const Q128 = 128n;
const BASELINE_EXPONENT = 340282591298641078465964189926313473653n;
const BASELINE_INITIAL_VALUE = 2_888_888_880_000_000_000n;
const EXP_LAM_SUB_ONE = 37396273494747879394193016954629n;
const SIMPLE_TOTAL = fromWholeFil(330_000_000);
const BASELINE_TOTAL = fromWholeFil(770_000_000);
const INITIAL_REWARD_POSITION_ESTIMATE = 36266260308195979333n;
const INITIAL_REWARD_VELOCITY_ESTIMATE = -109897758509n;

/**
 * The reward actor's state for zero network power: epoch 0 (the constructor advances from -1),
 * the baseline power grown by one epoch, and the first epoch's reward, which for zero power is
 * the simple-minting part alone (e^-0 = 1).
 */
export function rewardGenesisState(): unknown[] {
  const initBaselinePower = ((BASELINE_INITIAL_VALUE << (2n * Q128)) / BASELINE_EXPONENT) >> Q128;
  const epochZeroBaselinePower = (initBaselinePower * BASELINE_EXPONENT) >> Q128;
  const thisEpochReward = (SIMPLE_TOTAL * EXP_LAM_SUB_ONE) >> Q128;
  const big = (v: bigint): Uint8Array => encodeBigInt(v, 'reward state field');
  return [
    big(0n), // cumsum_baseline
    big(0n), // cumsum_realized
    0, // effective_network_time
    big(BASELINE_INITIAL_VALUE), // effective_baseline_power
    big(thisEpochReward),
    [big(INITIAL_REWARD_POSITION_ESTIMATE << Q128), big(INITIAL_REWARD_VELOCITY_ESTIMATE << Q128)], // this_epoch_reward_smoothed
    big(epochZeroBaselinePower), // this_epoch_baseline_power
    0, // epoch
    big(0n), // total_storage_power_reward
    big(SIMPLE_TOTAL),
    big(BASELINE_TOTAL),
  ];
}

function codeOf(manifest: Manifest, name: BuiltinActorName): CID {
  const code = manifest.codeByName(name);
  if (code === undefined) throw new GenesisError(`the bundle's manifest has no '${name}' actor, which genesis needs`);
  return code;
}

function actor(code: CID, head: CID, balance = 0n): ActorState {
  return { code, head, sequence: 0n, balance, delegatedAddress: null };
}

/** Builds the genesis state in `bs` and returns its root (a version 5 state tree). */
export function buildGenesisState(bs: Blockstore, options: GenesisOptions): CID {
  const { manifest, networkName } = options;
  if (manifest.dataCid === undefined) throw new GenesisError('the manifest must be loaded from a store (Manifest.load) so that its data CID is known');
  if (typeof networkName !== 'string' || networkName.length === 0) throw new GenesisError('the network name must be a non-empty string');
  const rewardBalance = options.rewardBalance ?? DEFAULT_REWARD_BALANCE;
  if (rewardBalance < 0n) throw new GenesisError(`the reward balance must not be negative, got ${rewardBalance}`);

  const tree = StateTree.create(bs);
  const addressMap = Hamt.create<unknown>(bs, { bitWidth: HAMT_BIT_WIDTH });
  let nextId = FIRST_ACCOUNT_ID;
  const accountCode = codeOf(manifest, 'account');
  options.accounts.forEach((acc, i) => {
    const what = `genesis account ${i} (${acc.address.toString()})`;
    if (acc.address.protocol !== Protocol.Secp256k1 && acc.address.protocol !== Protocol.BLS) {
      throw new GenesisError(`${what}: an account needs an f1 (secp256k1) or f3 (BLS) address`);
    }
    if (acc.balance < 0n) throw new GenesisError(`${what}: negative balance ${acc.balance}`);
    if (!addressMap.setIfAbsent(acc.address.toBytes(), nextId)) throw new GenesisError(`${what}: the address appears twice`);
    tree.setActor(nextId, actor(accountCode, putCbor(bs, [acc.address.toBytes()]), acc.balance));
    nextId++;
  });

  tree.setActor(SYSTEM_ACTOR_ID, actor(codeOf(manifest, 'system'), putCbor(bs, [manifest.dataCid])));
  tree.setActor(INIT_ACTOR_ID, actor(codeOf(manifest, 'init'), putCbor(bs, [addressMap.flush(), nextId, networkName])));
  tree.setActor(REWARD_ACTOR_ID, actor(codeOf(manifest, 'reward'), putCbor(bs, rewardGenesisState()), rewardBalance));

  const entries = (options.cronEntries ?? []).map((e, i) => {
    if (!e.receiver.isId()) throw new GenesisError(`cron entry ${i}: the receiver must be an ID address, got ${e.receiver.toString()}`);
    if (e.method < 0n || e.method >= 1n << 64n) throw new GenesisError(`cron entry ${i}: method ${e.method} is not a u64`);
    return [e.receiver.toBytes(), e.method];
  });
  tree.setActor(CRON_ACTOR_ID, actor(codeOf(manifest, 'cron'), putCbor(bs, [entries])));

  const singletons: [bigint, BuiltinActorName][] = [
    [STORAGE_POWER_ACTOR_ID, 'storagepower'],
    [STORAGE_MARKET_ACTOR_ID, 'storagemarket'],
    [VERIFIED_REGISTRY_ACTOR_ID, 'verifiedregistry'],
    [DATACAP_TOKEN_ACTOR_ID, 'datacap'],
    [EAM_ACTOR_ID, 'eam'],
  ];
  for (const [id, name] of singletons) tree.setActor(id, actor(codeOf(manifest, name), EMPTY_ARRAY_CID));
  bs.put(EMPTY_ARRAY_CID, new Uint8Array([0x80]));

  tree.setActor(BURNT_FUNDS_ACTOR_ID, actor(accountCode, putCbor(bs, [Address.newId(BURNT_FUNDS_ACTOR_ID).toBytes()])));
  return tree.flush();
}
