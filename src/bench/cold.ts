// Cold start of a bundle: reading it (zstd, tar, CAR, hash checks), then validating,
// instrumenting and compiling every actor of its mainnet manifest. Each figure is meant to be
// taken in a fresh process (V8 shares compiled code between identical modules of one process).
import { readFileSync } from 'node:fs';
import type { CID } from 'multiformats/cid';
import { Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import { instrumentModule } from '../engine/instrument/index.js';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { type BundleInfo, loadBundleBytes } from '../state/bundle.js';
import { Manifest } from '../state/manifest.js';

/** The network version whose engine configuration a bundle of actors version `v` runs under. */
export function networkVersionForActors(v: number | undefined): number {
  if (v === undefined || v <= 10) return 18;
  if (v === 11) return 20;
  // v12 shipped with nv21 and each later actors version with the next network version.
  return Math.min(v + 9, 28);
}

export interface BundleLoadFigures {
  readonly bundle: string;
  readonly actorsVersion: number | undefined;
  readonly networkVersion: number;
  /** Reading the file, decompressing, parsing the CAR(s), checking every block's hash. */
  readonly loadMs: number;
  readonly actors: number;
  /** Bytes of WASM code in the mainnet manifest. */
  readonly codeBytes: number;
}

export interface EngineColdFigures extends BundleLoadFigures {
  /** Engine.preload of every actor: validate, instrument, rewrite, compile (the real path). */
  readonly preloadMs: number;
}

export interface PhaseFigures extends BundleLoadFigures {
  readonly validateMs: number;
  readonly instrumentMs: number;
  /** V8 compilation of the instrumented bytes (lazy: functions compile on first call). */
  readonly compileMs: number;
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

interface Loaded {
  readonly figures: BundleLoadFigures;
  readonly store: MemoryBlockstore;
  readonly codes: readonly CID[];
}

function loadMainnet(path: string): Loaded {
  const store = new MemoryBlockstore();
  const t0 = process.hrtime.bigint();
  const infos: BundleInfo[] = loadBundleBytes(readFileSync(path), path, store, { networks: ['mainnet'] });
  const loadMs = ms(t0);
  const info = infos.find((i) => i.network === 'mainnet') ?? infos[0];
  if (info === undefined) throw new Error(`${path}: no bundle in the file`);
  const manifest = Manifest.load(store, info.manifestCid);
  const codes = manifest.entries().map((e) => e.code);
  let codeBytes = 0;
  for (const c of codes) codeBytes += store.get(c)?.length ?? 0;
  const nv = networkVersionForActors(info.actorsVersion);
  return {
    figures: { bundle: path, actorsVersion: info.actorsVersion, networkVersion: nv, loadMs, actors: codes.length, codeBytes },
    store,
    codes,
  };
}

/** Loads a bundle and preloads all its actors into a fresh engine. */
export function measureEngineCold(path: string): EngineColdFigures {
  const { figures, store, codes } = loadMainnet(path);
  const engine = new Engine({ config: engineConfigForNetworkVersion(figures.networkVersion), blockstore: store });
  const t0 = process.hrtime.bigint();
  engine.preload(codes, store);
  return { ...figures, preloadMs: ms(t0) };
}

/** Loads a bundle and times each phase of preparing its actors separately. */
export function measurePhases(path: string): PhaseFigures {
  const { figures, store, codes } = loadMainnet(path);
  const config = engineConfigForNetworkVersion(figures.networkVersion);
  const wasm = codes.map((c) => {
    const b = store.get(c);
    if (b === undefined) throw new Error(`code ${c.toString()} missing from the bundle`);
    return new Uint8Array(b);
  });
  let t = process.hrtime.bigint();
  for (const w of wasm) if (!WebAssembly.validate(w)) throw new Error('bundle holds invalid WASM');
  const validateMs = ms(t);
  t = process.hrtime.bigint();
  const instrumented = wasm.map((w) =>
    instrumentModule(w, { prices: config.prices, maxStackHeight: config.maxWasmStack, features: config.features, verifyOutput: false }),
  );
  const instrumentMs = ms(t);
  t = process.hrtime.bigint();
  for (const b of instrumented) new WebAssembly.Module(b);
  const compileMs = ms(t);
  return { ...figures, validateMs, instrumentMs, compileMs };
}
