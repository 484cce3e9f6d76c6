// The conformance runner: applies the messages of test vectors to the machine and checks
// receipts (exit code, return bytes, gas used) and the post-state root, with the semantics of
// ref-fvm's conformance driver (tag fvm@v3.8.0, testing/conformance; for nv17 vectors the
// fvm@v2.12.1 driver, whose only difference is that it has no timestamp, which nothing at nv17
// can observe):
// - every variant runs at its own network version and epoch (timestamp = epoch × 30), with the
//   vector's base fee (default 100 attoFIL) and circulating supply (default 2B FIL);
// - randomness is replayed from the vector, proofs always verify, no consensus fault is proven;
// - each message is applied explicitly, with the inclusion length of the signed message for
//   secp256k1 senders (unsigned bytes + 65-byte signature + 4 bytes of CBOR framing);
// - the first message whose receipt differs fails the variant (later ones are not applied);
// - vectors whose selector needs the chaos actor, the consensus-fault extern or the
//   "chocolate" protocol are skipped, and so is DisputeWindowedPoSt/Ok (the dispute only
//   succeeds if the disputed proof is invalid, which fake proofs never are).
// Bundles go into one blockstore shared by every vector of a run, and so do the engines with
// their compiled modules (one per network version). Each vector's manifest comes from its own
// state (the system actor); bundles are read when a manifest first needs them, mainnet CARs
// first, so a run touches only the bundles its vectors use.
import { gunzipSync } from 'node:zlib';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, type Blockstore } from '../ipld/blockstore.js';
import { decodeCbor } from '../ipld/cbor.js';
import { importCarSync } from '../ipld/car.js';
import { Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import { Executor, describeFailure, type ApplyRet } from '../executor/executor.js';
import { UnsupportedNetworkVersionError, versionProfile } from '../machine/context.js';
import { Machine } from '../machine/machine.js';
import type { ExecutionTrace } from '../call/trace.js';
import { Protocol } from '../primitives/address.js';
import { decodeMessage, type Message } from '../primitives/message.js';
import { SECP_SIG_LEN } from '../primitives/signature.js';
import { BundleError, type BundleInfo, type BundleLocation, defaultBundleDir, findBundles, loadBundleSync } from '../state/bundle.js';
import { Manifest } from '../state/manifest.js';
import { SYSTEM_ACTOR_ID } from '../state/init-state.js';
import { StateTree } from '../state/state-tree.js';
import { diffStateRoots, formatStateDiff } from './compare.js';
import { ConformanceExterns } from './externs.js';
import { listVectorFiles } from './files.js';
import { formatExitCode, formatReturn, type MessageResult, type VariantResult, variantId } from './report.js';
import { type TestVector, type VectorVariant, readVector } from './vector.js';

// ---------------------------------------------------------------------------------------------
// Bundles

export class NoBundlesError extends Error {
  override readonly name = 'NoBundlesError';
}

/** How to get bundles, for messages that report their absence. */
export function bundleHelp(dir: string = defaultBundleDir()): string {
  return (
    `no actor bundles found in ${dir}. Pass --bundle FILE (a builtin-actors .car or a Lotus vN.tar.zst), ` +
    `or put bundles there: ../shared/tools/get-bundles LOTUS_GIT_DIR fills ~/.cache/tsfvm/bundles ` +
    `(or $TSFVM_BUNDLES); official releases are at https://github.com/filecoin-project/builtin-actors/releases`
  );
}

/** Reads through the layers top to bottom; writes go to the top layer only. */
export class LayeredBlockstore implements Blockstore {
  private readonly lower: readonly Blockstore[];
  constructor(
    readonly top: Blockstore,
    ...lower: Blockstore[]
  ) {
    this.lower = lower;
  }

  get(cid: CID): Uint8Array | undefined {
    const hit = this.top.get(cid);
    if (hit !== undefined) return hit;
    for (const bs of this.lower) {
      const b = bs.get(cid);
      if (b !== undefined) return b;
    }
    return undefined;
  }

  has(cid: CID): boolean {
    return this.top.has(cid) || this.lower.some((bs) => bs.has(cid));
  }

  put(cid: CID, bytes: Uint8Array): void {
    this.top.put(cid, bytes);
  }
}

/** One step of loading: the mainnet CAR of a tarball, the rest of it, or a whole file. */
interface Pending {
  readonly path: string;
  readonly part: 'mainnet' | 'others' | 'all';
}

export interface BundleLibraryOptions {
  /** Check every block's hash on load (default true). */
  readonly verify?: boolean;
}

/** The bundles of a run, in one blockstore, loaded on demand. */
export class BundleLibrary {
  readonly store = new MemoryBlockstore();
  readonly loaded: BundleInfo[] = [];
  /** Nanoseconds spent reading bundles. */
  loadNs = 0;
  private readonly queue: Pending[];
  private readonly verify: boolean;

  /**
   * `paths`: bundle files (`.car` or `vN.tar.zst`). When a directory's listing holds both
   * `vN.tar.zst` and `vN/*.car`, pass only one kind (see `fromDirectory`).
   */
  constructor(readonly paths: readonly string[], options: BundleLibraryOptions = {}) {
    this.verify = options.verify !== false;
    // Pass 1: the mainnet CAR of every tarball and every .car; pass 2: every other network.
    const isTarball = (p: string): boolean => /\.(tar\.zst|tzst|tar)$/.test(p);
    this.queue = [
      ...paths.map((path): Pending => ({ path, part: isTarball(path) ? 'mainnet' : 'all' })),
      ...paths.filter(isTarball).map((path): Pending => ({ path, part: 'others' })),
    ];
  }

  /**
   * The bundles in `dir` ($TSFVM_BUNDLES or ~/.cache/tsfvm/bundles by default). Tarballs are
   * preferred; a `vN/` folder of CARs is used only for versions with no `vN.tar.zst`.
   * Throws NoBundlesError, saying how to get some, when there are none.
   */
  static fromDirectory(dir: string = defaultBundleDir(), options: BundleLibraryOptions = {}): BundleLibrary {
    const found = findBundles(dir);
    if (found.length === 0) throw new NoBundlesError(bundleHelp(dir));
    const tarVersions = new Set(found.filter((b) => b.format === 'tar.zst').map((b) => b.actorsVersion));
    const chosen = found.filter((b: BundleLocation) => b.format === 'tar.zst' || b.actorsVersion === undefined || !tarVersions.has(b.actorsVersion));
    // Mainnet CARs first among the loose ones: vectors are recorded on mainnet.
    chosen.sort((a, b) => Number(b.network === 'mainnet') - Number(a.network === 'mainnet'));
    return new BundleLibrary(chosen.map((b) => b.path), options);
  }

  /** Loads bundles until `manifestData` (the CID the system actor names) is present. */
  ensure(manifestData: CID): boolean {
    while (!this.store.has(manifestData)) {
      if (!this.loadNext()) return false;
    }
    return true;
  }

  /** Loads everything not yet loaded. */
  loadAll(): void {
    while (this.loadNext());
  }

  /** The bundles loaded so far, for messages. */
  describe(): string {
    if (this.loaded.length === 0) return `none loaded of ${this.paths.length} files`;
    return this.loaded.map((b) => `${b.source} (${b.network})`).join(', ');
  }

  /** Whether some bundle is still unread. */
  get pending(): number {
    return this.queue.length;
  }

  private loadNext(): boolean {
    const next = this.queue.shift();
    if (next === undefined) return false;
    const t0 = now();
    const verify = this.verify;
    try {
      if (next.part === 'mainnet') {
        try {
          this.loaded.push(...loadBundleSync(next.path, this.store, { verify, networks: ['mainnet'] }));
        } catch (err) {
          // A tarball without a mainnet CAR: its other networks come in the second pass.
          if (!(err instanceof BundleError && /no builtin-actors-<network>\.car entry/.test(err.message))) throw err;
        }
      } else if (next.part === 'others') {
        const infos = loadBundleSync(next.path, new FilteringStore(this.store), { verify });
        this.loaded.push(...infos.filter((i) => i.network !== 'mainnet'));
      } else {
        this.loaded.push(...loadBundleSync(next.path, this.store, { verify }));
      }
    } finally {
      this.loadNs += Number(now() - t0);
    }
    return true;
  }
}

/** Writes only blocks the store lacks (re-loading a tarball must not churn memory). */
class FilteringStore implements Blockstore {
  constructor(private readonly inner: Blockstore) {}
  get(cid: CID): Uint8Array | undefined {
    return this.inner.get(cid);
  }
  has(cid: CID): boolean {
    return this.inner.has(cid);
  }
  put(cid: CID, bytes: Uint8Array): void {
    if (!this.inner.has(cid)) this.inner.put(cid, bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Skip rules

/** Paths the reference runner skips, with the reason. */
const SKIPPED_PATHS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /\/DisputeWindowedPoSt\/Ok\//,
    reason:
      'the dispute succeeds only when the disputed Window PoSt is invalid, and this runner (like ref-fvm\'s) treats every proof as valid',
  },
];

/** Why the reference runner would not run this vector (by path or selector), or undefined. */
export function skipReason(vector: Pick<TestVector, 'file' | 'selector'>): string | undefined {
  const path = vector.file.replace(/\\/g, '/');
  for (const s of SKIPPED_PATHS) if (s.pattern.test(path)) return s.reason;
  const sel = vector.selector;
  if (sel.chaosActor === 'true') return 'selector not supported: needs the chaos actor';
  if (sel.consensusFault === 'true') return 'selector not supported: needs the consensus-fault extern';
  if (sel.minProtocolVersion === 'chocolate') return 'selector not supported: min_protocol_version "chocolate" (nv14)';
  return undefined;
}

/** Extra bytes a secp256k1 signature adds to a message's on-chain length: 65 + type byte + CBOR framing. */
export const SECP_SIGNATURE_OVERHEAD = SECP_SIG_LEN + 4;

/** The length the inclusion charge is priced on: the signed encoding for secp256k1 senders. */
export function chainMessageLength(bytes: Uint8Array, msg: Message): number {
  return bytes.length + (msg.from.protocol === Protocol.Secp256k1 ? SECP_SIGNATURE_OVERHEAD : 0);
}

// ---------------------------------------------------------------------------------------------
// Runner

export interface RunnerOptions {
  /** Keep only variants whose id (`<vector>/<variant>`) or file path matches. */
  readonly filter?: RegExp;
  /** Record the execution trace of every message (returned in `traces`). */
  readonly trace?: boolean;
  /** Record gas charges to report compute gas per message (implied by `trace`). */
  readonly computeGas?: boolean;
}

export interface RunResult extends VariantResult {
  /** One execution trace per applied message, when tracing was requested. */
  readonly traces?: readonly ExecutionTrace[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function now(): bigint {
  return process.hrtime.bigint();
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The manifest data CID named by the system actor of the state at `root`. */
export function stateManifestCid(bs: Blockstore, root: CID): CID {
  const tree = StateTree.load(bs, root);
  const system = tree.getActor(SYSTEM_ACTOR_ID);
  if (system === undefined) throw new Error(`state ${root.toString()} has no system actor`);
  const bytes = bs.get(system.head);
  if (bytes === undefined) throw new Error(`system actor state ${system.head.toString()} is not in the vector`);
  const state = decodeCbor<unknown>(bytes, 'system actor state');
  const cid = Array.isArray(state) && state.length === 1 && state[0] !== null && typeof state[0] === 'object' ? (state[0] as { asCID?: CID }).asCID : undefined;
  if (cid === undefined) throw new Error(`system actor state ${system.head.toString()} is not a [manifest CID] tuple`);
  return cid;
}

export class ConformanceRunner {
  private readonly engines = new Map<number, Engine>();
  private readonly manifests = new Map<string, Manifest>();

  constructor(
    readonly bundles: BundleLibrary,
    readonly options: RunnerOptions = {},
  ) {}

  /** Every vector file under `paths`, in order; calls `onResult` as each variant finishes. */
  runPaths(paths: readonly string[], onResult?: (r: RunResult) => void): RunResult[] {
    const out: RunResult[] = [];
    for (const file of listVectorFiles([...paths])) {
      for (const r of this.runFile(file)) {
        out.push(r);
        onResult?.(r);
      }
    }
    return out;
  }

  /** The results of every (unfiltered) variant of a vector file; a broken file is one FAIL. */
  runFile(file: string): RunResult[] {
    let vector: TestVector;
    try {
      vector = readVector(file);
    } catch (err) {
      if (!this.wanted(file, file)) return [];
      return [this.brokenFile(file, `cannot read vector: ${errorText(err)}`)];
    }
    return this.runVector(vector);
  }

  runVector(vector: TestVector): RunResult[] {
    const variants = vector.variants.filter((v) => this.wanted(variantId(vector.id, v.id), vector.file));
    if (variants.length === 0) return [];
    const skip = skipReason(vector);
    if (skip !== undefined) return variants.map((v) => this.result(vector, v, 'skip', skip));
    if (vector.receipts.length !== vector.messages.length) {
      const why = `vector has ${vector.messages.length} messages but ${vector.receipts.length} receipts`;
      return variants.map((v) => this.result(vector, v, 'fail', why));
    }
    // The vector's CAR, imported once and shared (read-only) by its variants.
    const t0 = now();
    const carStore = new MemoryBlockstore();
    let roots: CID[];
    try {
      const car = gunzipSync(vector.car);
      roots = importCarSync(car, carStore, `CAR of ${vector.file}`);
    } catch (err) {
      const why = `bad CAR: ${errorText(err)}`;
      return variants.map((v) => this.result(vector, v, 'fail', why));
    }
    if (!roots.some((r) => r.equals(vector.preRoot))) {
      const why = `the CAR's roots (${roots.map(String).join(', ')}) do not include the pre-state root ${vector.preRoot.toString()}`;
      return variants.map((v) => this.result(vector, v, 'fail', why));
    }
    const importNs = Number(now() - t0);
    return variants.map((v) => this.runVariant(vector, v, carStore, importNs));
  }

  private wanted(id: string, file: string): boolean {
    const f = this.options.filter;
    if (f === undefined) return true;
    f.lastIndex = 0;
    if (f.test(id)) return true;
    f.lastIndex = 0;
    return f.test(file);
  }

  private brokenFile(file: string, reason: string): RunResult {
    return { id: file, vectorId: file, variantId: '', file, status: 'fail', reason, messages: [], setupNs: 0, compileNs: 0 };
  }

  private result(vector: TestVector, variant: VectorVariant, status: 'pass' | 'fail' | 'skip', reason: string | undefined, extra: Partial<RunResult> = {}): RunResult {
    return {
      id: variantId(vector.id, variant.id),
      vectorId: vector.id,
      variantId: variant.id,
      file: vector.file,
      status,
      ...(reason !== undefined ? { reason } : {}),
      messages: [],
      setupNs: 0,
      compileNs: 0,
      ...extra,
    };
  }

  /** The shared engine (and module cache) for a network version. */
  engineFor(nv: number): Engine {
    let e = this.engines.get(nv);
    if (e === undefined) {
      e = new Engine({ config: engineConfigForNetworkVersion(nv), blockstore: this.bundles.store });
      this.engines.set(nv, e);
    }
    return e;
  }

  /** The builtin actor name of a code CID, across the manifests vectors have used so far. */
  codeName(code: CID): string | undefined {
    for (const m of this.manifests.values()) {
      const name = m.nameByCode(code);
      if (name !== undefined) return name;
    }
    return undefined;
  }

  private manifestFor(store: Blockstore, dataCid: CID): Manifest {
    const key = dataCid.toString();
    let m = this.manifests.get(key);
    if (m === undefined) {
      m = Manifest.loadData(store, dataCid);
      this.manifests.set(key, m);
    }
    return m;
  }

  runVariant(vector: TestVector, variant: VectorVariant, carStore: Blockstore, importNs = 0): RunResult {
    const tracing = this.options.trace === true || this.options.computeGas === true;
    const t0 = now();
    // Writes of this variant only; the CAR and the bundles underneath are shared.
    const store = new LayeredBlockstore(new MemoryBlockstore(), carStore, this.bundles.store);

    let dataCid: CID;
    try {
      dataCid = stateManifestCid(store, vector.preRoot);
    } catch (err) {
      return this.result(vector, variant, 'fail', `cannot find the pre-state's manifest: ${errorText(err)}`);
    }
    let found: boolean;
    try {
      found = this.bundles.ensure(dataCid);
    } catch (err) {
      return this.result(vector, variant, 'fail', `cannot load a bundle: ${errorText(err)}`);
    }
    if (!found) {
      return this.result(vector, variant, 'fail', `no bundle has the manifest ${dataCid.toString()} named by the system actor (loaded: ${this.bundles.describe()})`);
    }
    let manifest: Manifest;
    try {
      manifest = this.manifestFor(store, dataCid);
    } catch (err) {
      return this.result(vector, variant, 'fail', `bad manifest ${dataCid.toString()}: ${errorText(err)}`);
    }
    const codeName = (code: CID): string | undefined => manifest.nameByCode(code);

    const externs = new ConformanceExterns(vector.randomness);
    let machine: Machine;
    let engine: Engine;
    try {
      // Throws UnsupportedNetworkVersionError before anything else looks at the version.
      versionProfile(variant.nv);
      engine = this.engineFor(variant.nv);
      machine = new Machine({
        networkVersion: variant.nv,
        epoch: BigInt(variant.epoch),
        timestamp: BigInt(variant.epoch) * 30n,
        baseFee: vector.baseFee,
        circSupply: vector.circSupply,
        stateRoot: vector.preRoot,
        tracing,
        // The reference runner's TestKernel: proofs charged and accepted, seals free.
        testKernel: true,
        blockstore: store,
        externs,
        engine,
      });
    } catch (err) {
      if (err instanceof UnsupportedNetworkVersionError) {
        return this.result(vector, variant, 'skip', err.message);
      }
      return this.result(vector, variant, 'fail', `machine setup failed: ${errorText(err)}`);
    }
    // First-time compilation of the bundle's actors, timed apart from setup (the reference
    // preloads them the same way before applying messages).
    const tc = now();
    try {
      engine.preload(manifest.entries().map((e) => e.code), store);
    } catch (err) {
      return this.result(vector, variant, 'fail', `cannot compile the bundle's actors: ${errorText(err)}`);
    }
    const compileNs = Number(now() - tc);
    const setupNs = importNs + Number(tc - t0);

    const executor = new Executor(machine);
    const messages: MessageResult[] = [];
    const traces: ExecutionTrace[] = [];
    const finish = (status: 'pass' | 'fail', reason: string | undefined, extra: Partial<RunResult> = {}): RunResult =>
      this.result(vector, variant, status, reason, { messages, setupNs, compileNs, ...(this.options.trace ? { traces } : {}), ...extra });

    for (const [i, bytes] of vector.messages.entries()) {
      let msg: Message;
      try {
        msg = decodeMessage(bytes, `message ${i}`);
      } catch (err) {
        return finish('fail', `message ${i}: ${errorText(err)}`);
      }
      const expected = vector.receipts[i]!;
      let ret: ApplyRet;
      const te = now();
      try {
        ret = executor.applyMessage(msg, 'explicit', chainMessageLength(bytes, msg));
      } catch (err) {
        return finish('fail', `message ${i}: ${errorText(err)}`);
      }
      const execNs = Number(now() - te);
      let computeMilligas: bigint | undefined;
      if (tracing) {
        computeMilligas = 0n;
        for (const ev of ret.execTrace) if (ev.type === 'gas_charge') computeMilligas += ev.charge.compute;
      }
      if (this.options.trace) traces.push(ret.execTrace);
      const r = ret.receipt;
      const returnMatches = bytesEqual(r.returnData, expected.returnData);
      messages.push({
        index: i,
        exitCodeExpected: expected.exitCode,
        exitCode: r.exitCode,
        returnMatches,
        gasExpected: expected.gasUsed,
        gasUsed: r.gasUsed,
        computeMilligas,
        execNs,
      });
      const problems: string[] = [];
      if (r.exitCode !== expected.exitCode) {
        const info = describeFailure(ret.failureInfo).split('\n').slice(0, 3).join(' ');
        problems.push(`exit code expected ${formatExitCode(expected.exitCode)}, got ${formatExitCode(r.exitCode)}${info ? ` [${info}]` : ''}`);
      }
      if (!returnMatches) problems.push(`return expected ${formatReturn(expected.returnData)}, got ${formatReturn(r.returnData)}`);
      if (r.gasUsed !== expected.gasUsed) {
        const d = r.gasUsed - expected.gasUsed;
        problems.push(`gas used expected ${expected.gasUsed}, got ${r.gasUsed} (${d > 0n ? '+' : ''}${d})`);
      }
      if (problems.length > 0) {
        const misses = externs.randomness.misses();
        const hint = misses.length > 0 ? `; ${misses.length} randomness lookups missed the vector (fallback used)` : '';
        return finish('fail', `message ${i}: ${problems.join('; ')}${hint}`);
      }
    }

    let root: CID;
    try {
      root = executor.flush();
    } catch (err) {
      return finish('fail', `flushing the state failed: ${errorText(err)}`);
    }
    const rootMatches: boolean = root.equals(vector.postRoot);
    if (!rootMatches) {
      let detail: string;
      try {
        detail = formatStateDiff(diffStateRoots(store, vector.postRoot, root, { codeName }));
      } catch (err) {
        detail = `(no diff: ${errorText(err)})`;
      }
      return finish('fail', `post-state root expected ${vector.postRoot.toString()}, got ${root.toString()}: ${detail}`, {
        postRootExpected: vector.postRoot,
        postRootActual: root,
      });
    }
    return finish('pass', undefined, { postRootExpected: vector.postRoot, postRootActual: root });
  }
}
