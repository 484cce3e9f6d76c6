// The network and epoch a machine executes at (ref-fvm's NetworkConfig + MachineContext), and
// the one place where a network version selects prices and behaviour.
import type { CID } from 'multiformats/cid';
import { type PriceList, priceListByNetworkVersion } from '../gas/price-list.js';
import { networkVersionLabel } from '../primitives/network.js';

/**
 * The syscall/kernel generation of a network version:
 * - 'v2': ref-fvm 2.x (nv17): SKYR prices with signed gas, the 2.x syscall ABI, no per-send
 *   transactions, no memory limiter (src/{syscalls,kernel,call,executor}/*-v2.ts).
 * - 'v3': ref-fvm 3.x (nv18–nv20): HYGGE prices, randomness drawn by the FVM, CBOR events.
 * - 'v4': ref-fvm 4.x (nv21+): raw randomness, structured events, IPLD reachability.
 */
export type KernelGeneration = 'v2' | 'v3' | 'v4';

export interface VersionProfile {
  readonly generation: KernelGeneration;
  readonly priceList: PriceList;
  /** Highest table size an instance may declare (wasmtime pooling limit of the generation). */
  readonly maxTableElements: number;
}

export class UnsupportedNetworkVersionError extends Error {
  override readonly name = 'UnsupportedNetworkVersionError';
}

/** Network versions the machine implements today. */
export const SUPPORTED_NETWORK_VERSIONS = { from: 17, to: 28 } as const;

/** The behaviour of network version `nv`; throws for versions the machine does not implement. */
export function versionProfile(nv: number): VersionProfile {
  if (nv === 17) {
    // Wasmtime without a pooling allocator: no table limit beyond the engine's own.
    return { generation: 'v2', priceList: priceListByNetworkVersion(nv), maxTableElements: Number.MAX_SAFE_INTEGER };
  }
  if (nv >= 18 && nv <= 20) {
    return { generation: 'v3', priceList: priceListByNetworkVersion(nv), maxTableElements: 10_000 };
  }
  if (nv >= 21 && nv <= 28) {
    // WATERMELON prices up to nv24, TEEP from nv25; Wasmtime pools 20 000 table elements.
    return { generation: 'v4', priceList: priceListByNetworkVersion(nv), maxTableElements: 20_000 };
  }
  throw new UnsupportedNetworkVersionError(`unsupported network version: ${networkVersionLabel(nv)}`);
}

export interface MachineOptions {
  readonly networkVersion: number;
  readonly epoch: bigint;
  /** Seconds since the unix epoch of the tipset being executed. */
  readonly timestamp?: bigint;
  readonly baseFee: bigint;
  /** Circulating supply reported to actors (defaults as ref-fvm: 2B FIL total up to nv20, 0 from nv21). */
  readonly circSupply?: bigint;
  readonly stateRoot: CID;
  readonly chainId?: bigint;
  readonly maxCallDepth?: number;
  readonly maxWasmStack?: number;
  readonly maxInstanceMemoryBytes?: number;
  readonly maxMemoryBytes?: number;
  readonly maxBlockSize?: number;
  /** Record the execution trace (gas charges, calls) in each ApplyRet. */
  readonly tracing?: boolean;
  /** Let actors log through debug::log (never affects consensus). */
  readonly actorDebugging?: boolean;
  /** Use this manifest root ([version, data]) instead of the system actor's. */
  readonly builtinActorsOverride?: CID;
  /**
   * Behave like ref-fvm's conformance-test kernel: PoSt, aggregate-seal and replica-update
   * proofs are charged and accepted, consensus-fault checks are charged and find no fault, and
   * batch seal verification is free and accepts every seal (the externs are not consulted).
   */
  readonly testKernel?: boolean;
}

/** 2,000,000,000 FIL in attoFIL. */
export const TOTAL_FILECOIN = 2_000_000_000n * 10n ** 18n;

export interface MachineContext {
  readonly networkVersion: number;
  readonly profile: VersionProfile;
  readonly priceList: PriceList;
  readonly chainId: bigint;
  readonly epoch: bigint;
  readonly timestamp: bigint;
  readonly baseFee: bigint;
  readonly circSupply: bigint;
  readonly initialStateRoot: CID;
  readonly maxCallDepth: number;
  readonly maxWasmStack: number;
  readonly maxInstanceMemoryBytes: number;
  readonly maxMemoryBytes: number;
  readonly maxBlockSize: number;
  readonly tracing: boolean;
  readonly actorDebugging: boolean;
  readonly builtinActorsOverride: CID | undefined;
  readonly testKernel: boolean;
}

export function machineContext(opts: MachineOptions): MachineContext {
  const profile = versionProfile(opts.networkVersion);
  return Object.freeze({
    networkVersion: opts.networkVersion,
    profile,
    priceList: profile.priceList,
    chainId: opts.chainId ?? 0n,
    epoch: opts.epoch,
    timestamp: opts.timestamp ?? 0n,
    baseFee: opts.baseFee,
    // ref-fvm 4.x changed the default to zero (callers are expected to pass the real figure).
    circSupply: opts.circSupply ?? (profile.generation === 'v4' ? 0n : TOTAL_FILECOIN),
    initialStateRoot: opts.stateRoot,
    maxCallDepth: opts.maxCallDepth ?? 1024,
    maxWasmStack: opts.maxWasmStack ?? 2048,
    maxInstanceMemoryBytes: opts.maxInstanceMemoryBytes ?? 512 * (1 << 20),
    maxMemoryBytes: opts.maxMemoryBytes ?? 2 * 2 ** 30,
    maxBlockSize: opts.maxBlockSize ?? 1 << 20,
    tracing: opts.tracing ?? false,
    actorDebugging: opts.actorDebugging ?? false,
    builtinActorsOverride: opts.builtinActorsOverride,
    testKernel: opts.testKernel ?? false,
  });
}
