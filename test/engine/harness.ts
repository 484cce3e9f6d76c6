// Shared helpers of the engine tests: WAT compilation, code CIDs, engines and gas trackers.
import wabtInit from 'wabt';
import type { CID } from 'multiformats/cid';
import { cidOf, RAW } from '../../src/ipld/cbor.js';
import { GasTracker } from '../../src/gas/tracker.js';
import { type ActorInstance, Engine, type EngineConfig, type EngineOptions, engineConfigForNetworkVersion } from '../../src/engine/engine.js';
import { MemoryLimiter } from '../../src/engine/limits.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

/** Features beyond what wabt enables by default (multi_memory is missing from its typings). */
export type WatFeatures = Record<string, boolean>;

/** Compiles WAT text to a binary module. */
export async function wat(source: string, features: WatFeatures = {}, name = 'fixture.wat'): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const w = await wabt;
  const parsed = w.parseWat(name, source, { bulk_memory: true, ...features });
  try {
    // No parsed.validate(): wabt's validator ignores the feature flags; V8 and the engine
    // validate what matters.
    parsed.resolveNames();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/** A code CID for some bytes, as actor code is addressed (raw codec, blake2b-256). */
export function codeCidOf(bytes: Uint8Array): CID {
  return cidOf(bytes, RAW);
}

export function engineFor(nv = 18, options: Partial<EngineOptions> & { config?: EngineConfig } = {}): Engine {
  return new Engine({ ...options, config: options.config ?? engineConfigForNetworkVersion(nv) });
}

export function tracker(limitMilligas: bigint): GasTracker {
  return new GasTracker(limitMilligas, { trace: true });
}

/** Milligas in `n` whole gas units. */
export function gas(n: number | bigint): bigint {
  return BigInt(n) * 1000n;
}

export interface Prepared {
  readonly engine: Engine;
  readonly tracker: GasTracker;
  readonly limiter: MemoryLimiter;
  readonly instance: ActorInstance;
}

/**
 * Loads and instantiates a fixture with `limitMilligas` of gas; the instantiation charges
 * (zero for a zero-page memory) are taken from that budget first.
 */
export function prepare(
  engine: Engine,
  wasm: Uint8Array,
  limitMilligas: bigint,
  imports: WebAssembly.Imports = {},
  limiter = new MemoryLimiter(),
): Prepared {
  const t = tracker(limitMilligas);
  const module = engine.load(codeCidOf(wasm), wasm);
  const instance = engine.instantiate(module, imports, limiter, t);
  return { engine, tracker: t, limiter, instance };
}

/** Runs `fn` and returns the milligas the tracker was charged meanwhile. */
export function charged(t: GasTracker, fn: () => void): bigint {
  const before = t.usedMilligas;
  fn();
  return t.usedMilligas - before;
}
