// Builds the embedded builtin-actor bundle: compiles every actor in actors/ (AssemblyScript, with
// the SDK's flags and checks), and writes a bundle CAR shaped like the official ones:
//   root:  the manifest [1, data CID]
//   data:  [[name, code CID], ...] in the canonical manifest order (the builtin actor type IDs)
//   code:  each actor's WASM as a raw block (codec 0x55, blake2b-256)
// to dist/actors/bundle.car, with dist/actors/manifest.json (names -> code CIDs, sizes).
//
// The same sources give the same bytes and CIDs. Compiled modules are cached by the digest of
// everything they depend on (node_modules/.cache/tsfvm-actors), and the whole build is skipped when the bundle
// on disk was built from the current inputs. Compiles run on up to two worker threads, each
// loading the compiler once (the first compile in a thread pays for warming it up).
//
// CLI: node --import tsx scripts/build-actors.ts [--out DIR] [--force] [--quiet]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../src/ipld/blockstore.js';
import { cidOf, encodeCbor, RAW } from '../src/ipld/cbor.js';
import { exportCarSync } from '../src/ipld/car.js';
import { BUILTIN_ACTOR_NAMES, MANIFEST_VERSION, type BuiltinActorName } from '../src/state/manifest.js';
import { PACKAGE_ROOT, ascVersion, checkModule, sdkAscArgs, sourceDigest, SdkCompileError } from './sdk-compile.js';

export const ACTORS_DIR = path.join(PACKAGE_ROOT, 'actors');
export const DEFAULT_OUT_DIR = path.join(PACKAGE_ROOT, 'dist', 'actors');
/** Compiled modules by source digest: outside dist/, so that a package never ships them. */
export const DEFAULT_CACHE_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'tsfvm-actors');
/** Bumped when this script's output format changes for the same inputs. */
const BUILD_FORMAT = 1;
const OPTIMIZE = 'size' as const;

/** The source the manifest entries not implemented by the bundle share (see actors/unimplemented.ts). */
export const UNIMPLEMENTED_SOURCE = 'actors/unimplemented.ts';
/** The marker in that source's data that each copy overwrites with its actor's name. */
export const NAME_SLOT_MARKER = new TextEncoder().encode('<tsfvm:unimplemented-actor-name>');

/** Source of each manifest entry, in manifest order. */
export const ACTOR_SOURCES: Readonly<Record<BuiltinActorName, string>> = {
  system: 'actors/system.ts',
  init: 'actors/init.ts',
  cron: 'actors/cron.ts',
  account: 'actors/account.ts',
  storagepower: UNIMPLEMENTED_SOURCE,
  storageminer: UNIMPLEMENTED_SOURCE,
  storagemarket: UNIMPLEMENTED_SOURCE,
  paymentchannel: UNIMPLEMENTED_SOURCE,
  multisig: 'actors/multisig.ts',
  reward: 'actors/reward.ts',
  verifiedregistry: UNIMPLEMENTED_SOURCE,
  datacap: UNIMPLEMENTED_SOURCE,
  placeholder: 'actors/placeholder.ts',
  evm: UNIMPLEMENTED_SOURCE,
  eam: UNIMPLEMENTED_SOURCE,
  ethaccount: 'actors/ethaccount.ts',
};

export class ActorBuildError extends Error {
  override readonly name = 'ActorBuildError';
}

export interface BuiltActor {
  readonly name: BuiltinActorName;
  readonly source: string;
  readonly code: CID;
  readonly wasm: Uint8Array;
  /** False when the module was compiled in this build. */
  readonly cached: boolean;
}

export interface BuiltExample extends Omit<BuiltActor, 'name'> {
  readonly name: string;
}

export interface BundleBuild {
  /** The bundle's root: the manifest block [1, data]. */
  readonly manifestCid: CID;
  /** The manifest data block [[name, code], ...] (what the system actor's state names). */
  readonly dataCid: CID;
  readonly actors: readonly BuiltActor[];
  /** Example user actors (outside the manifest), written to examples/<name>.wasm. */
  readonly examples: readonly BuiltExample[];
  readonly car: Uint8Array;
  /** Digest of every input; equal digests give equal bundles. */
  readonly inputsDigest: string;
  /** Modules compiled in this build (0 when everything came from the cache). */
  readonly compiled: number;
  readonly millis: number;
}

export interface BuildOptions {
  /** Where compiled modules are cached (default DEFAULT_CACHE_DIR). */
  readonly cacheDir?: string;
  /** Compile even what the cache has. */
  readonly force?: boolean;
  /** Compiler threads (default: up to 2, bounded by the CPUs). */
  readonly threads?: number;
  readonly log?: (line: string) => void;
}

/** The actors' shared code (actors/lib/), sorted: a change there changes every actor's digest. */
function sharedSourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.name.endsWith('.ts')) out.push(full);
    }
  };
  walk(path.join(ACTORS_DIR, 'lib'));
  return out.sort();
}

/**
 * What a compiled module depends on besides its entry and the SDK (which sourceDigest covers).
 * An entry imports only the SDK and actors/lib/, never another entry.
 */
function sharedInputs(): string[] {
  const parts = [`build-actors format ${BUILD_FORMAT}`, `optimize ${OPTIMIZE}`, readFileSync(fileURLToPath(import.meta.url), 'utf8')];
  for (const f of sharedSourceFiles()) parts.push(path.relative(PACKAGE_ROOT, f).split(path.sep).join('/'), readFileSync(f, 'utf8'));
  return parts;
}

/** Refuses an import outside sdk/ and actors/lib/ (the digest would not cover it). */
export function checkImports(file: string): void {
  const text = readFileSync(file, 'utf8');
  const statements = /^\s*import\s+(?:[^;]*?\sfrom\s+)?["']([^"']+)["']|^\s*export\s+(?:\*|\{[^}]*\})\s+from\s+["']([^"']+)["']/gm;
  for (const m of text.matchAll(statements)) {
    const spec = m[1] ?? m[2]!;
    const target = path.resolve(path.dirname(file), spec);
    const inside = (dir: string): boolean => !path.relative(dir, target).startsWith('..');
    if (!inside(path.join(PACKAGE_ROOT, 'sdk')) && !inside(path.join(ACTORS_DIR, 'lib'))) {
      throw new ActorBuildError(`${path.relative(PACKAGE_ROOT, file)} imports '${spec}': actors may import only sdk/ and actors/lib/`);
    }
  }
}

/** Digest of each distinct source (entry, SDK, shared actor code, compiler and flags). */
export function sourceDigests(): Map<string, string> {
  const shared = sharedInputs();
  for (const f of sharedSourceFiles()) checkImports(f);
  const out = new Map<string, string>();
  for (const source of new Set([...Object.values(ACTOR_SOURCES), ...Object.values(EXAMPLE_SOURCES)])) {
    const file = path.join(PACKAGE_ROOT, source);
    checkImports(file);
    out.set(source, sourceDigest(file, shared));
  }
  return out;
}

/** One digest over all sources: the bundle built from them is a function of it. */
export function inputsDigest(digests: Map<string, string> = sourceDigests()): string {
  const h = createHash('sha256');
  for (const [source, digest] of [...digests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`${source}=${digest}\n`);
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Compiling on worker threads

interface CompileJob {
  readonly source: string;
  readonly args: string[];
}

type CompileResult = { source: string; wasm: Uint8Array } | { source: string; error: string };

// The worker is plain JavaScript (no TypeScript loader to start): it loads the compiler once and
// compiles its jobs one after the other, capturing the binary instead of writing files.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const asc = await import(workerData.ascUrl);
  for (const job of workerData.jobs) {
    let wasm = null;
    const out = [];
    const stream = { write(chunk) { out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')); return true; } };
    const res = await asc.main(job.args, {
      stdout: stream,
      stderr: stream,
      writeFile(name, contents) { if (String(name).endsWith('.wasm')) wasm = contents; },
    });
    if (res.error || wasm === null) parentPort.postMessage({ source: job.source, error: (res.error ? res.error.message + '\\n' : '') + out.join('') });
    else parentPort.postMessage({ source: job.source, wasm });
  }
})().catch((err) => parentPort.postMessage({ source: '', error: String(err && err.stack || err) }));
`;

function ascArgs(source: string): string[] {
  return [source, '--baseDir', PACKAGE_ROOT, '--outFile', 'actor.wasm', ...sdkAscArgs(OPTIMIZE)];
}

/** Compiles `sources` (paths relative to the package root) on up to `threads` worker threads. */
export async function compileAll(sources: string[], threads: number): Promise<Map<string, Uint8Array>> {
  // The package exports ./asc for `import` only: locate it through package.json.
  const ascPackage = path.dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json'));
  const ascUrl = pathToFileURL(path.join(ascPackage, 'dist', 'asc.js')).href;
  const lanes: CompileJob[][] = Array.from({ length: Math.max(1, Math.min(threads, sources.length)) }, () => []);
  sources.forEach((s, i) => lanes[i % lanes.length]!.push({ source: s, args: ascArgs(s) }));
  const results = new Map<string, Uint8Array>();
  const errors: string[] = [];
  await Promise.all(
    lanes.map(
      (jobs) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ascUrl, jobs }, execArgv: [] });
          let left = jobs.length;
          worker.on('message', (m: CompileResult) => {
            if ('error' in m) errors.push(`${m.source || 'compiler'}: ${m.error}`);
            else results.set(m.source, new Uint8Array(m.wasm));
            // A message without a source is the worker failing as a whole.
            if (--left === 0 || m.source === '') void worker.terminate();
          });
          worker.on('error', reject);
          worker.on('exit', () => resolve());
        }),
    ),
  );
  if (errors.length > 0) throw new ActorBuildError(`compiling the embedded actors failed:\n${errors.join('\n')}`);
  for (const s of sources) if (!results.has(s)) throw new ActorBuildError(`compiling ${s} produced no module`);
  return results;
}

// ---------------------------------------------------------------------------------------------

/** Copies `wasm` with the name slot of actors/unimplemented.ts set to `name` (zero padded). */
/** User actors built beside the bundle (not in the manifest): name -> source. */
export const EXAMPLE_SOURCES: Readonly<Record<string, string>> = {
  'access-control': 'actors/examples/access-control.ts',
};

export function withActorName(wasm: Uint8Array, name: string): Uint8Array {
  const at = findUnique(wasm, NAME_SLOT_MARKER);
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length >= NAME_SLOT_MARKER.length) {
    throw new ActorBuildError(`actor name '${name}' must have 1 to ${NAME_SLOT_MARKER.length - 1} bytes`);
  }
  const out = new Uint8Array(wasm);
  out.fill(0, at, at + NAME_SLOT_MARKER.length);
  out.set(bytes, at);
  return out;
}

function findUnique(hay: Uint8Array, needle: Uint8Array): number {
  let found = -1;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    if (found >= 0) throw new ActorBuildError(`the name slot marker occurs more than once in ${UNIMPLEMENTED_SOURCE}'s module`);
    found = i;
  }
  if (found < 0) throw new ActorBuildError(`the name slot marker is missing from ${UNIMPLEMENTED_SOURCE}'s module`);
  return found;
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Builds and tests may run side by side: write under a private name, then rename into place.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Compiles (or takes from the cache) every actor and assembles the bundle, writing nothing else. */
export async function buildActorBundle(options: BuildOptions = {}): Promise<BundleBuild> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const digests = sourceDigests();
  const modules = new Map<string, Uint8Array>();
  const fromCache = new Set<string>();
  const toCompile: string[] = [];
  for (const [source, digest] of digests) {
    const cached = path.join(cacheDir, `${path.basename(source, '.ts')}-${digest}.wasm`);
    if (options.force !== true && existsSync(cached)) {
      modules.set(source, new Uint8Array(readFileSync(cached)));
      fromCache.add(source);
    } else {
      toCompile.push(source);
    }
  }
  if (toCompile.length > 0) {
    const threads = options.threads ?? Math.min(2, availableParallelism());
    log(`compiling ${toCompile.length} actor module(s) with assemblyscript ${ascVersion()} on ${Math.min(threads, toCompile.length)} thread(s)`);
    const compiled = await compileAll(toCompile, threads);
    for (const [source, wasm] of compiled) {
      try {
        checkModule(wasm, 'actor', source);
      } catch (err) {
        throw new ActorBuildError(err instanceof SdkCompileError ? err.message : String(err), { cause: err });
      }
      modules.set(source, wasm);
      const stem = path.basename(source, '.ts');
      const keep = `${stem}-${digests.get(source)!}.wasm`;
      writeAtomic(path.join(cacheDir, keep), wasm);
      // Older builds of this source are dead weight.
      for (const f of readdirSync(cacheDir)) {
        if (f !== keep && f.startsWith(`${stem}-`) && /^[a-z]+-[0-9a-f]{64}\.wasm$/.test(f)) rmSync(path.join(cacheDir, f), { force: true });
      }
    }
  }

  const actors: BuiltActor[] = [];
  const store = new MemoryBlockstore();
  for (const name of BUILTIN_ACTOR_NAMES) {
    const source = ACTOR_SOURCES[name];
    const base = modules.get(source)!;
    const wasm = source === UNIMPLEMENTED_SOURCE ? withActorName(base, name) : base;
    const code = cidOf(wasm, RAW);
    store.put(code, wasm);
    actors.push({ name, source, code, wasm, cached: fromCache.has(source) });
  }
  const codes = new Set(actors.map((a) => a.code.toString()));
  if (codes.size !== actors.length) throw new ActorBuildError('two manifest entries have the same code CID: each actor type needs its own code');

  const data = encodeCbor(actors.map((a) => [a.name, a.code]));
  const dataCid = cidOf(data);
  store.put(dataCid, data);
  const root = encodeCbor([MANIFEST_VERSION, dataCid]);
  const manifestCid = cidOf(root);
  store.put(manifestCid, root);
  const car = exportCarSync(store, [manifestCid]);
  const examples = Object.entries(EXAMPLE_SOURCES).map(([name, source]) => {
    const wasm = modules.get(source)!;
    return { name, source, code: cidOf(wasm, RAW), wasm, cached: fromCache.has(source) };
  });
  return {
    manifestCid,
    dataCid,
    actors,
    examples,
    car,
    inputsDigest: inputsDigest(digests),
    compiled: toCompile.length,
    millis: Date.now() - started,
  };
}

/** What dist/actors/manifest.json holds. */
export interface ManifestJson {
  readonly manifest: string;
  readonly data: string;
  readonly actors: Record<string, string>;
  readonly sizes: Record<string, number>;
  readonly assemblyscript: string;
  readonly inputs: string;
  /** Example user actors: name -> {file (relative to the output folder), code CID, size}. */
  readonly examples?: Record<string, { file: string; code: string; size: number }>;
}

export interface WrittenBundle {
  readonly carPath: string;
  readonly manifestPath: string;
  readonly json: ManifestJson;
  /** The build, or undefined when the bundle on disk was already up to date. */
  readonly build: BundleBuild | undefined;
  readonly millis: number;
}

/** A lock older than this is left over from a build that died. */
const STALE_LOCK_MS = 10 * 60 * 1000;

/**
 * Runs `fn` holding `outDir`/.build-lock, so that builds started side by side (test files run in
 * parallel) compile once: the others wait, then find the bundle up to date.
 */
async function withBuildLock<T>(outDir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(outDir, { recursive: true });
  const lock = path.join(outDir, '.build-lock');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
      } catch {
        // Gone in the meantime: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Builds the bundle into `outDir` (bundle.car, manifest.json) unless it is up to date there. */
export function writeActorBundle(outDir: string = DEFAULT_OUT_DIR, options: BuildOptions = {}): Promise<WrittenBundle> {
  return withBuildLock(outDir, () => writeUnlocked(outDir, options));
}

async function writeUnlocked(outDir: string, options: BuildOptions): Promise<WrittenBundle> {
  const started = Date.now();
  const carPath = path.join(outDir, 'bundle.car');
  const manifestPath = path.join(outDir, 'manifest.json');
  if (options.force !== true && existsSync(carPath) && existsSync(manifestPath)) {
    try {
      const json = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestJson;
      const examplesPresent = Object.keys(EXAMPLE_SOURCES).every((n) => existsSync(path.join(outDir, 'examples', `${n}.wasm`)));
      if (json.inputs === inputsDigest() && examplesPresent) return { carPath, manifestPath, json, build: undefined, millis: Date.now() - started };
    } catch {
      // An unreadable manifest.json: rebuild.
    }
  }
  const build = await buildActorBundle(options);
  const json: ManifestJson = {
    manifest: build.manifestCid.toString(),
    data: build.dataCid.toString(),
    actors: Object.fromEntries(build.actors.map((a) => [a.name, a.code.toString()])),
    sizes: Object.fromEntries(build.actors.map((a) => [a.name, a.wasm.length])),
    assemblyscript: ascVersion(),
    inputs: build.inputsDigest,
    examples: Object.fromEntries(
      build.examples.map((e) => [e.name, { file: `examples/${e.name}.wasm`, code: e.code.toString(), size: e.wasm.length }]),
    ),
  };
  for (const e of build.examples) writeAtomic(path.join(outDir, 'examples', `${e.name}.wasm`), e.wasm);
  writeAtomic(carPath, build.car);
  writeAtomic(manifestPath, `${JSON.stringify(json, null, 2)}\n`);
  return { carPath, manifestPath, json, build, millis: Date.now() - started };
}

async function cli(argv: string[]): Promise<void> {
  let outDir = DEFAULT_OUT_DIR;
  let force = false;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') outDir = path.resolve(argv[++i] ?? '');
    else if (a === '--force') force = true;
    else if (a === '--quiet') quiet = true;
    else throw new ActorBuildError(`unknown argument '${a}' (usage: build-actors [--out DIR] [--force] [--quiet])`);
  }
  const say = quiet ? (): void => {} : (line: string): void => console.log(line);
  const res = await writeActorBundle(outDir, { force, log: say });
  const rel = path.relative(process.cwd(), res.carPath) || res.carPath;
  if (res.build === undefined) {
    say(`${rel}: up to date (manifest ${res.json.manifest})`);
    return;
  }
  for (const a of res.build.actors) {
    say(`  ${a.name.padEnd(17)} ${String(a.wasm.length).padStart(6)} bytes  ${a.code.toString()}${a.cached ? '  (cached)' : ''}`);
  }
  for (const e of res.build.examples) {
    say(`  example ${e.name.padEnd(9)} ${String(e.wasm.length).padStart(6)} bytes  ${e.code.toString()}${e.cached ? '  (cached)' : ''}`);
  }
  const total = res.build.actors.reduce((n, a) => n + a.wasm.length, 0);
  say(`${rel}: manifest ${res.json.manifest}, ${res.build.actors.length} actors, ${total} bytes of code, ${res.build.car.length} bytes; ${res.build.compiled} compiled in ${res.millis} ms`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
