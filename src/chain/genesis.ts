// The genesis of a local chain: the singleton actors, the burnt funds account and N funded
// accounts with deterministic keys, on the embedded actor bundle or on a bundle file. The state
// is built in memory, then every block reachable from the root (state, manifest data, actor
// code) is written to the target store in one batch.
import type { CID } from 'multiformats/cid';
import { type Blockstore, MemoryBlockstore } from '../ipld/blockstore.js';
import { putBlocks } from '../ipld/buffered-blockstore.js';
import { collectReachable } from '../ipld/car.js';
import { fromWholeFil } from '../primitives/token.js';
import { Manifest } from '../state/manifest.js';
import { loadBundle, type BundleInfo } from '../state/bundle.js';
import { loadEmbeddedBundle } from '../actors/embedded.js';
import { buildGenesisState, FIRST_ACCOUNT_ID } from '../actors/genesis-state.js';
import { DEFAULT_KEY_SEED, deriveKeys, type SecpKey } from './keys.js';

/** Balance of each genesis account unless told otherwise: 10,000 FIL. */
export const DEFAULT_ACCOUNT_BALANCE = fromWholeFil(10_000);
export const DEFAULT_NETWORK_NAME = 'tsfvm-local';
/** Most accounts a genesis may fund (a sanity bound: keys are derived one by one). */
export const MAX_GENESIS_ACCOUNTS = 10_000;

export class LocalGenesisError extends Error {
  override readonly name = 'LocalGenesisError';
}

export interface LocalGenesisOptions {
  /** Number of funded accounts (default 3). */
  readonly accounts?: number;
  /** attoFIL per account (default DEFAULT_ACCOUNT_BALANCE). */
  readonly balance?: bigint;
  readonly keySeed?: string;
  readonly networkName?: string;
  /** A builtin-actors bundle (.car or Lotus vN.tar.zst); default: the embedded bundle. */
  readonly bundleFile?: string;
}

export interface GenesisAccountInfo {
  readonly key: SecpKey;
  readonly id: bigint;
  readonly balance: bigint;
}

export interface LocalGenesis {
  readonly stateRoot: CID;
  readonly networkName: string;
  readonly keySeed: string;
  readonly accounts: readonly GenesisAccountInfo[];
  /** The bundle's manifest root, and where the bundle came from. */
  readonly manifestCid: CID;
  readonly bundle: string;
  /** Blocks written to the target store. */
  readonly blocks: number;
}

async function loadBundleManifest(file: string, bs: Blockstore): Promise<{ manifestCid: CID; source: string }> {
  const infos = await loadBundle(file, bs);
  // A Lotus tarball holds one bundle per network: the mainnet one, unless it is the only one.
  let info: BundleInfo | undefined = infos.length === 1 ? infos[0] : infos.find((i) => i.network === 'mainnet');
  if (info === undefined) {
    throw new LocalGenesisError(`${file} holds bundles for ${infos.map((i) => i.network).join(', ')}: none is mainnet`);
  }
  return { manifestCid: info.manifestCid, source: info.source };
}

/** Builds the genesis state and writes it (with the actor code it runs) into `target`. */
export async function createLocalGenesis(target: Blockstore, options: LocalGenesisOptions = {}): Promise<LocalGenesis> {
  const count = options.accounts ?? 3;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_GENESIS_ACCOUNTS) {
    throw new LocalGenesisError(`the number of accounts must be an integer from 0 to ${MAX_GENESIS_ACCOUNTS}, got ${count}`);
  }
  const balance = options.balance ?? DEFAULT_ACCOUNT_BALANCE;
  if (balance < 0n) throw new LocalGenesisError(`the account balance must not be negative, got ${balance}`);
  const keySeed = options.keySeed ?? DEFAULT_KEY_SEED;
  const networkName = options.networkName ?? DEFAULT_NETWORK_NAME;

  const scratch = new MemoryBlockstore();
  let manifestCid: CID;
  let bundle: string;
  if (options.bundleFile !== undefined) {
    ({ manifestCid, source: bundle } = await loadBundleManifest(options.bundleFile, scratch));
  } else {
    ({ manifestCid } = loadEmbeddedBundle(scratch));
    bundle = 'embedded';
  }
  const manifest = Manifest.load(scratch, manifestCid);
  const keys = deriveKeys(count, keySeed);
  const stateRoot = buildGenesisState(scratch, {
    accounts: keys.map((k) => ({ address: k.address, balance })),
    networkName,
    manifest,
  });
  const blocks = collectReachable(scratch, [stateRoot]);
  putBlocks(target, blocks);
  return {
    stateRoot,
    networkName,
    keySeed,
    accounts: keys.map((key, i) => ({ key, id: FIRST_ACCOUNT_ID + BigInt(i), balance })),
    manifestCid,
    bundle,
    blocks: blocks.length,
  };
}
