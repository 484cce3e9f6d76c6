// Conformance-corpus throughput: runs the vectors with the conformance runner and turns the
// per-message timings into gas-per-nanosecond figures, overall and per vector class.
//
// Compute gas (the time-calibrated part of every charge, FIP-0057) needs the gas trace, and
// recording the trace slows execution; it is also deterministic. So it is taken from one traced
// pass and divided by the execution time of untraced passes over the same messages.
import type { RunResult } from '../conformance/runner.js';
import { BundleLibrary, ConformanceRunner, type RunnerOptions } from '../conformance/runner.js';
import { type Engine as EngineType, Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import type { EngineConfig } from '../engine/engine.js';
import { perNs } from './stats.js';

/** The vector classes the figures are split by (from `fil_<v>_<actor>` in the vector's path). */
export const VECTOR_CLASSES = ['miner', 'market', 'power', 'multisig', 'verifreg', 'other'] as const;
export type VectorClass = (typeof VECTOR_CLASSES)[number];

const CLASS_BY_ACTOR: Readonly<Record<string, VectorClass>> = {
  storageminer: 'miner',
  miner: 'miner',
  storagemarket: 'market',
  market: 'market',
  storagepower: 'power',
  power: 'power',
  multisig: 'multisig',
  verifiedregistry: 'verifreg',
  verifreg: 'verifreg',
};

/** The class of a vector from its path, e.g. `.../fil_10_storageminer/...` → 'miner'. */
export function vectorClass(file: string): VectorClass {
  const m = /(?:^|[/\\-])fil_\d+_([a-z]+)/.exec(file);
  return (m && CLASS_BY_ACTOR[m[1]!]) ?? 'other';
}

/** One applied message of a run. */
export interface MessageSample {
  /** `<variant id>#<message index>`: the same message across runs. */
  readonly key: string;
  readonly cls: VectorClass;
  readonly execNs: number;
  readonly gasUsed: bigint;
  /** Whether the message's receipt matched the vector (exit code, return, gas). */
  readonly matched: boolean;
}

export function messageSamples(results: readonly RunResult[]): MessageSample[] {
  const out: MessageSample[] = [];
  for (const r of results) {
    const cls = vectorClass(r.file);
    for (const m of r.messages) {
      out.push({
        key: `${r.id}#${m.index}`,
        cls,
        execNs: m.execNs,
        gasUsed: m.gasUsed,
        matched: m.exitCode === m.exitCodeExpected && m.returnMatches && m.gasUsed === m.gasExpected,
      });
    }
  }
  return out;
}

/** Compute milligas per message key, from a run with `computeGas` (or `trace`) on. */
export function computeGasByKey(results: readonly RunResult[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of results) {
    for (const m of r.messages) if (m.computeMilligas !== undefined) out.set(`${r.id}#${m.index}`, m.computeMilligas);
  }
  return out;
}

export interface Totals {
  readonly messages: number;
  readonly execNs: number;
  /** Whole gas used (receipts). */
  readonly gasUsed: bigint;
  /** Compute gas in milligas, over the messages whose compute gas is known. */
  readonly computeMilligas: bigint;
  /** Messages with no compute-gas figure (absent from the traced run). */
  readonly missingCompute: number;
}

const EMPTY: Totals = { messages: 0, execNs: 0, gasUsed: 0n, computeMilligas: 0n, missingCompute: 0 };

function add(t: Totals, s: MessageSample, compute: bigint | undefined): Totals {
  return {
    messages: t.messages + 1,
    execNs: t.execNs + s.execNs,
    gasUsed: t.gasUsed + s.gasUsed,
    computeMilligas: t.computeMilligas + (compute ?? 0n),
    missingCompute: t.missingCompute + (compute === undefined ? 1 : 0),
  };
}

/** Totals over all messages and per class. */
export function totalsByClass(samples: readonly MessageSample[], compute: ReadonlyMap<string, bigint>): { all: Totals; byClass: Map<VectorClass, Totals> } {
  let all = EMPTY;
  const byClass = new Map<VectorClass, Totals>();
  for (const s of samples) {
    const c = compute.get(s.key);
    all = add(all, s, c);
    byClass.set(s.cls, add(byClass.get(s.cls) ?? EMPTY, s, c));
  }
  return { all, byClass };
}

/** Compute gas per nanosecond (whole gas, i.e. milligas / 1000 / ns). */
export function computeGasPerNs(t: Totals): number {
  return perNs(t.computeMilligas, t.execNs) / 1000;
}

/** Gas used per nanosecond. */
export function gasUsedPerNs(t: Totals): number {
  return perNs(t.gasUsed, t.execNs);
}

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * `prices` with every instruction and memory price zero: the instrumentation then inserts no
 * gas charges. The host-call price (charged by the kernel, not the metering) is kept.
 */
export function zeroInstructionPrices(prices: EngineConfig['prices']): EngineConfig['prices'] {
  return Object.freeze({
    ...prices,
    instructionDefault: 0n,
    mathDefault: 0n,
    jumpUnconditional: 0n,
    jumpConditional: 0n,
    jumpIndirect: 0n,
    call: 0n,
    memoryFillBaseCost: 0n,
    memoryFillPerByteCost: 0n,
    memoryAccessCost: 0n,
    memoryCopyPerByteCost: 0n,
  });
}

/**
 * A runner whose engines meter nothing: same stack limiter, syscall wrappers and host charges,
 * but zero execution prices, so no metering code is injected. Gas results differ from the
 * vectors (no execution gas), so its variants fail; only its timings are of interest.
 */
export class NoChargeRunner extends ConformanceRunner {
  private readonly freeEngines = new Map<number, EngineType>();
  override engineFor(nv: number): EngineType {
    let e = this.freeEngines.get(nv);
    if (e === undefined) {
      const config = engineConfigForNetworkVersion(nv);
      e = new Engine({ config: { ...config, prices: zeroInstructionPrices(config.prices) }, blockstore: this.bundles.store });
      this.freeEngines.set(nv, e);
    }
    return e;
  }
}

export interface CorpusPass {
  readonly results: RunResult[];
  /** Wall time of the whole pass (reading vectors, setup, execution, checks). */
  readonly wallNs: number;
  /** Process CPU time (user + system) during the pass, in nanoseconds. */
  readonly cpuNs: number;
  /** Largest resident set size seen after any variant of the pass. */
  readonly peakRssBytes: number;
}

/** Runs every vector under `paths` once. */
export function runCorpusPass(runner: ConformanceRunner, paths: readonly string[], onResult?: (r: RunResult) => void): CorpusPass {
  let peak = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const results = runner.runPaths(paths, (r) => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    onResult?.(r);
  });
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { results, wallNs, cpuNs: (cpu.user + cpu.system) * 1000, peakRssBytes: peak };
}

export interface RunnerKind {
  readonly noCharge?: boolean;
  readonly options?: RunnerOptions;
}

export function makeRunner(bundles: BundleLibrary, kind: RunnerKind = {}): ConformanceRunner {
  return kind.noCharge ? new NoChargeRunner(bundles, kind.options ?? {}) : new ConformanceRunner(bundles, kind.options ?? {});
}
