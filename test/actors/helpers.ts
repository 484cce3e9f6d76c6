// Shared by the embedded-bundle tests: the bundle (built if it is missing or stale), a genesis
// machine with two funded secp256k1 accounts, and message helpers.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import { loadEmbeddedBundle, embeddedBundlePath } from '../../src/actors/embedded.js';
import { buildGenesisState, type CronEntry } from '../../src/actors/genesis-state.js';
import { Address } from '../../src/primitives/address.js';
import { encodeBigInt, fromWholeFil } from '../../src/primitives/token.js';
import { Manifest } from '../../src/state/manifest.js';
import { loadBundleSync } from '../../src/state/bundle.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { UnsupportedNetworkVersionError, versionProfile } from '../../src/machine/context.js';
import { Executor, describeFailure, type ApplyRet } from '../../src/executor/executor.js';
import { writeActorBundle, DEFAULT_OUT_DIR } from '../../scripts/build-actors.js';

let ensured: Promise<void> | undefined;

/** Builds dist/actors/bundle.car unless it is up to date (a fresh checkout after `npm ci` has it). */
export function ensureBundle(): Promise<void> {
  ensured ??= writeActorBundle(DEFAULT_OUT_DIR).then((res) => {
    if (res.build !== undefined && res.build.compiled > 0) {
      console.log(`# built ${embeddedBundlePath()} (${res.build.compiled} modules compiled in ${res.millis} ms)`);
    }
  });
  return ensured;
}

/** The machine's first network version with ref-fvm 4.x semantics, which the embedded actors target. */
export const NV = 21;

/** Undefined when the machine runs network version NV; otherwise why not (for a visible skip). */
export function machineUnsupported(nv = NV): string | undefined {
  try {
    versionProfile(nv);
    return undefined;
  } catch (err) {
    if (err instanceof UnsupportedNetworkVersionError) return `machine has no nv${nv} support yet: ${err.message}`;
    throw err;
  }
}

export const FIL = fromWholeFil(1);

export interface Key {
  readonly secret: Uint8Array;
  readonly address: Address;
}

export function secpKey(seed: number): Key {
  const secret = new Uint8Array(32).fill(seed);
  return { secret, address: Address.newSecp256k1(secp256k1.getPublicKey(secret, false)) };
}

/** A 65-byte Filecoin secp256k1 signature (r, s, recovery) over blake2b-256 of `digest`'s input. */
export function secpSign(secret: Uint8Array, digest32: Uint8Array): Uint8Array {
  const sig = secp256k1.sign(digest32, secret, { prehash: false, format: 'recovered' });
  // noble puts the recovery byte first; Filecoin puts it last.
  return new Uint8Array([...sig.subarray(1), sig[0]!]);
}

export function big(v: bigint): Uint8Array {
  return encodeBigInt(v);
}

export class Chain {
  readonly bs = new MemoryBlockstore();
  readonly manifest: Manifest;
  readonly root: CID;
  readonly machine: Machine;
  readonly executor: Executor;
  readonly nonces = new Map<string, bigint>();

  constructor(
    readonly keys: readonly Key[],
    opts: {
      balance?: bigint;
      rewardBalance?: bigint;
      cronEntries?: readonly CronEntry[];
      nv?: number;
      epoch?: bigint;
      tracing?: boolean;
      /** Another bundle CAR (an official one) instead of the embedded bundle. */
      bundle?: string;
    } = {},
  ) {
    if (opts.bundle === undefined) {
      this.manifest = loadEmbeddedBundle(this.bs).manifest;
    } else {
      const [info] = loadBundleSync(opts.bundle, this.bs, { verify: false });
      this.manifest = Manifest.load(this.bs, info!.manifestCid);
    }
    this.root = buildGenesisState(this.bs, {
      accounts: keys.map((k) => ({ address: k.address, balance: opts.balance ?? 1000n * FIL })),
      networkName: 'tsfvm-test',
      manifest: this.manifest,
      ...(opts.rewardBalance !== undefined ? { rewardBalance: opts.rewardBalance } : {}),
      ...(opts.cronEntries !== undefined ? { cronEntries: opts.cronEntries } : {}),
    });
    this.machine = new Machine({
      networkVersion: opts.nv ?? NV,
      epoch: opts.epoch ?? 10n,
      baseFee: 100n,
      stateRoot: this.root,
      blockstore: this.bs,
      externs: new StaticExterns(),
      tracing: opts.tracing ?? false,
    });
    this.executor = new Executor(this.machine);
  }

  /** Applies a message from `from` (an account key address), as a block would include it. */
  send(from: Address, to: Address, method: bigint, params: Uint8Array = new Uint8Array(0), value = 0n, gasLimit = 200_000_000n): ApplyRet {
    const key = from.toString();
    const sequence = this.nonces.get(key) ?? 0n;
    const ret = this.executor.applyMessage(
      { version: 0n, from, to, sequence, value, gasLimit, gasFeeCap: 1000n, gasPremium: 10n, method, params },
      'explicit',
      150,
    );
    // A message that passed preflight used up its nonce, whatever its exit code.
    if (ret.failureInfo?.kind !== 'prevalidation') this.nonces.set(key, sequence + 1n);
    return ret;
  }

  /** Applies an implicit message from the system actor (cron ticks, block rewards). */
  system(to: Address, method: bigint, params: Uint8Array = new Uint8Array(0), value = 0n): ApplyRet {
    return this.executor.applyMessage(
      { version: 0n, from: Address.newId(0n), to, sequence: 0n, value, gasLimit: 1n << 50n, gasFeeCap: 0n, gasPremium: 0n, method, params },
      'implicit',
      0,
    );
  }

  actor(id: bigint): NonNullable<ReturnType<Machine['stateTree']['getActor']>> {
    const a = this.machine.stateTree.getActor(id);
    if (a === undefined) throw new Error(`no actor f0${id}`);
    return a;
  }

  state<T = unknown>(id: bigint): T {
    const head = this.actor(id).head;
    const bytes = this.machine.blockstore.get(head);
    if (bytes === undefined) throw new Error(`state of f0${id} (${head.toString()}) is missing`);
    return decodeCbor<T>(bytes, `state of f0${id}`);
  }

  lookup(a: Address): bigint | undefined {
    return this.machine.stateTree.lookupId(a);
  }
}

/** The receipt's return value, decoded. */
export function returned<T = unknown>(r: ApplyRet): T {
  return decodeCbor<T>(r.receipt.returnData, 'return value');
}

/** A readable reason for assertion messages. */
export function why(r: ApplyRet): string {
  return `exit ${r.receipt.exitCode}: ${describeFailure(r.failureInfo)}`;
}

export const cbor = encodeCbor;
