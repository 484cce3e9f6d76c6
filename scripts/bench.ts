// `npm run bench`: throughput of the machine on the hygge conformance corpus (compute gas per
// nanosecond, FIP-0057's yardstick), cold start of bundles, metering overhead, memory, and
// micro-benchmarks of the hot paths. Prints a table and writes bench/results.json.
// What every figure means: bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { BundleLibrary, bundleHelp } from '../src/conformance/runner.js';
import { defaultBundleDir, findBundles } from '../src/state/bundle.js';
import {
  VECTOR_CLASSES,
  computeGasByKey,
  computeGasPerNs,
  gasUsedPerNs,
  makeRunner,
  messageSamples,
  runCorpusPass,
  totalsByClass,
  type CorpusPass,
  type Totals,
  type VectorClass,
} from '../src/bench/corpus.js';
import { measureEngineCold, measurePhases, type EngineColdFigures, type PhaseFigures } from '../src/bench/cold.js';
import { hamtBenchmarks, hashAndCborBenchmarks, syscallBenchmarks, type MicroResult } from '../src/bench/micro.js';
import { fmt, fmtSpread, spread, table, type Spread } from '../src/bench/stats.js';
import { formatProfileSummary, summarizeCpuProfile, type ProfileSummary } from '../src/bench/cpuprofile.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = fileURLToPath(import.meta.url);

interface Args {
  reps: number;
  vectors: string;
  bundle: string | undefined;
  coldBundles: string[] | undefined;
  skip: Set<string>;
  microMs: number;
  out: string;
  v8Flags: string | undefined;
  profile: string | undefined;
  child: { kind: 'engine' | 'phases'; path: string } | undefined;
}

const USAGE = `usage: npm run bench -- [options]
  --reps N           warm repetitions of the corpus (default 3)
  --vectors DIR      conformance vectors (default ../shared/test-vectors/corpus/extracted/0002-hygge-01)
  --bundle FILE      bundle for the corpus (default: v10.tar.zst in $TSFVM_BUNDLES or ~/.cache/tsfvm/bundles)
  --cold LIST        bundles to time cold, comma separated files or versions (default: v10,v19)
  --skip LIST        sections to skip: corpus,overhead,cold,micro
  --micro-ms N       measuring time per micro-benchmark in ms (default 300)
  --out FILE         where to write the JSON (default bench/results.json)
  --v8-flags FLAGS   V8 flags to set before anything compiles (e.g. "--wasm-inlining")
  --profile FILE     CPU-profile one more warm pass into FILE (.cpuprofile) and print its top functions`;

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    reps: 3,
    vectors: resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted', '0002-hygge-01'),
    bundle: undefined,
    coldBundles: undefined,
    skip: new Set(),
    microMs: 300,
    out: join(repoRoot, 'bench', 'results.json'),
    v8Flags: undefined,
    profile: undefined,
    child: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--reps': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--reps must be a positive integer`);
        a.reps = n;
        break;
      }
      case '--vectors':
        a.vectors = resolve(value());
        break;
      case '--bundle':
        a.bundle = resolve(value());
        break;
      case '--cold':
        a.coldBundles = value().split(',').filter((s) => s !== '');
        break;
      case '--skip':
        for (const s of value().split(',')) a.skip.add(s.trim());
        break;
      case '--micro-ms': {
        const n = Number(value());
        if (!(n > 0)) throw new Error('--micro-ms must be positive');
        a.microMs = n;
        break;
      }
      case '--out':
        a.out = resolve(value());
        break;
      case '--v8-flags':
        a.v8Flags = value();
        break;
      case '--profile':
        a.profile = resolve(value());
        break;
      case '--child-cold': {
        const kind = value();
        if (kind !== 'engine' && kind !== 'phases') throw new Error(`bad --child-cold kind ${kind}`);
        a.child = { kind, path: value() };
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return a;
}

const log = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

// ---------------------------------------------------------------------------------------------
// Corpus

interface RepFigures {
  readonly all: Totals;
  readonly byClass: Map<VectorClass, Totals>;
  readonly pass: CorpusPass;
}

interface CorpusFigures {
  readonly variants: { passed: number; failed: number; skipped: number };
  readonly messages: number;
  readonly coldWallMs: number;
  readonly coldFirstMessageMs: number | undefined;
  readonly coldCompileMs: number;
  readonly bundleLoadMs: number;
  readonly tracedExecMs: number;
  readonly computeGasPerNs: Spread;
  readonly gasUsedPerNs: Spread;
  readonly execMs: Spread;
  readonly wallMs: Spread;
  readonly byClass: Record<string, { messages: number; computeGasPerNs: Spread; gasUsedPerNs: Spread; execMs: Spread }>;
  readonly overhead: { meteredExecMs: Spread; freeExecMs: Spread; ratio: number; differingMessages: number } | undefined;
  readonly peakRssMb: number;
  readonly totals: { gasUsed: bigint; computeGas: bigint };
  readonly profile: ProfileSummary | undefined;
}

function countStatus(pass: CorpusPass): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of pass.results) {
    if (r.status === 'pass') passed++;
    else if (r.status === 'fail') failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

async function runCorpus(args: Args, bundlePath: string): Promise<CorpusFigures> {
  const paths = [args.vectors];
  const bundles = new BundleLibrary([bundlePath]);
  const runner = makeRunner(bundles);
  let peakRss = 0;
  const track = (p: CorpusPass): CorpusPass => {
    peakRss = Math.max(peakRss, p.peakRssBytes);
    return p;
  };

  log(`corpus: cold pass over ${args.vectors} ...`);
  const cold = track(runCorpusPass(runner, paths));
  const status = countStatus(cold);
  const firstMessage = cold.results.find((r) => r.messages.length > 0)?.messages[0];
  const coldCompileMs = cold.results.reduce((s, r) => s + r.compileNs, 0) / 1e6;
  log(`  ${status.passed} passed, ${status.failed} failed, ${status.skipped} skipped in ${fmt(cold.wallNs / 1e9)} s`);

  log('corpus: traced pass (compute gas) ...');
  const traced = track(runCorpusPass(makeRunnerSharing(runner, bundles, { computeGas: true }), paths));
  const compute = computeGasByKey(traced.results);
  const tracedExecMs = messageSamples(traced.results).reduce((s, m) => s + m.execNs, 0) / 1e6;

  const withOverhead = !args.skip.has('overhead');
  const free = withOverhead ? makeRunner(bundles, { noCharge: true }) : undefined;
  if (free) {
    log('corpus: no-charge warm-up pass ...');
    track(runCorpusPass(free, paths));
  }
  const reps: RepFigures[] = [];
  const freeExec: number[] = [];
  const meteredExec: number[] = [];
  let differing = 0;
  for (let i = 0; i < args.reps; i++) {
    const pass = track(runCorpusPass(runner, paths));
    const samples = messageSamples(pass.results);
    const { all, byClass } = totalsByClass(samples, compute);
    reps.push({ all, byClass, pass });
    let line = `  rep ${i + 1}/${args.reps}: ${fmt(computeGasPerNs(all))} compute-gas/ns, ${fmt(gasUsedPerNs(all))} gas/ns (exec ${fmt(all.execNs / 1e6)} ms)`;
    if (free) {
      // Interleaved with the metered pass, so machine noise hits both alike.
      const freePass = track(runCorpusPass(free, paths));
      const freeByKey = new Map(messageSamples(freePass.results).map((s) => [s.key, s]));
      let m = 0;
      let f = 0;
      differing = 0;
      for (const s of samples) {
        const o = freeByKey.get(s.key);
        if (o === undefined) continue;
        m += s.execNs;
        f += o.execNs;
      }
      for (const r of freePass.results) {
        // Without execution gas some messages take another path (e.g. no out-of-gas).
        const metered = pass.results.find((x) => x.id === r.id);
        if (metered && r.messages[0] && metered.messages[0] && r.messages[0].exitCode !== metered.messages[0].exitCode) differing++;
      }
      meteredExec.push(m / 1e6);
      freeExec.push(f / 1e6);
      line += `; no-charge exec ${fmt(f / 1e6)} ms (ratio ${fmt(m / f)})`;
    }
    log(line);
  }

  let profile: ProfileSummary | undefined;
  if (args.profile !== undefined) {
    log(`corpus: profiling one more warm pass into ${args.profile} ...`);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    track(runCorpusPass(runner, paths));
    const { profile: data } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dirname(args.profile), { recursive: true });
    writeFileSync(args.profile, JSON.stringify(data));
    profile = summarizeCpuProfile(data, 25, repoRoot);
  }

  const byClass: CorpusFigures['byClass'] = {};
  for (const cls of VECTOR_CLASSES) {
    const per = reps.map((r) => r.byClass.get(cls)).filter((t): t is Totals => t !== undefined && t.execNs > 0);
    if (per.length === 0) continue;
    byClass[cls] = {
      messages: per[0]!.messages,
      computeGasPerNs: spread(per.map(computeGasPerNs)),
      gasUsedPerNs: spread(per.map(gasUsedPerNs)),
      execMs: spread(per.map((t) => t.execNs / 1e6)),
    };
  }
  const all = reps.map((r) => r.all);
  const overhead =
    free && meteredExec.length > 0
      ? {
          meteredExecMs: spread(meteredExec),
          freeExecMs: spread(freeExec),
          ratio: spread(meteredExec).median / spread(freeExec).median,
          differingMessages: differing,
        }
      : undefined;
  return {
    variants: status,
    messages: all[0]?.messages ?? 0,
    coldWallMs: cold.wallNs / 1e6,
    coldFirstMessageMs: firstMessage ? firstMessage.execNs / 1e6 : undefined,
    coldCompileMs,
    bundleLoadMs: bundles.loadNs / 1e6,
    tracedExecMs,
    computeGasPerNs: spread(all.map(computeGasPerNs)),
    gasUsedPerNs: spread(all.map(gasUsedPerNs)),
    execMs: spread(all.map((t) => t.execNs / 1e6)),
    wallMs: spread(reps.map((r) => r.pass.wallNs / 1e6)),
    byClass,
    overhead,
    peakRssMb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    totals: { gasUsed: all[0]?.gasUsed ?? 0n, computeGas: (all[0]?.computeMilligas ?? 0n) / 1000n },
    profile,
  };
}

/** A runner with other options that shares the first one's compiled modules. */
function makeRunnerSharing(base: ReturnType<typeof makeRunner>, bundles: BundleLibrary, options: { computeGas: boolean }): ReturnType<typeof makeRunner> {
  const r = makeRunner(bundles, { options });
  // Engines hold the compiled modules; reuse them so the traced pass is warm too.
  r.engineFor = (nv: number) => base.engineFor(nv);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Cold bundles (each in a fresh process)

interface ColdFigures {
  readonly engine: EngineColdFigures;
  readonly phases: PhaseFigures;
}

function locateColdBundles(args: Args): { found: string[]; missing: string[] } {
  const wanted = args.coldBundles ?? ['v10', 'v19'];
  const dir = defaultBundleDir();
  const all = findBundles(dir);
  const found: string[] = [];
  const missing: string[] = [];
  for (const w of wanted) {
    if (existsSync(w)) {
      found.push(resolve(w));
      continue;
    }
    const v = /^v?(\d+)$/.exec(w);
    const hit = v ? (all.find((b) => b.actorsVersion === Number(v[1]) && b.format === 'tar.zst') ?? all.find((b) => b.actorsVersion === Number(v[1]) && b.network === 'mainnet')) : undefined;
    if (hit) found.push(hit.path);
    else missing.push(w);
  }
  return { found, missing };
}

function runChild(kind: 'engine' | 'phases', path: string, v8Flags: string | undefined): unknown {
  const extra = v8Flags ? ['--v8-flags', v8Flags] : [];
  const r = spawnSync(process.execPath, [...process.execArgv, SCRIPT, '--child-cold', kind, path, ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`cold-start child for ${path} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as unknown;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.v8Flags) setFlagsFromString(args.v8Flags);
  if (args.child) {
    const fig = args.child.kind === 'engine' ? measureEngineCold(args.child.path) : measurePhases(args.child.path);
    process.stdout.write(`${JSON.stringify(fig)}\n`);
    return;
  }

  const load = loadavg();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: load[0],
    reps: args.reps,
    v8Flags: args.v8Flags ?? null,
  };
  log(`tsfvm bench — node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, load average ${fmt(load[0]!)}`);
  if (load[0]! > meta.cpus * 0.5) log(`note: the machine is busy (load ${fmt(load[0]!)} on ${meta.cpus} cores): timings are noisy`);
  const notes: string[] = [];
  const results: Record<string, unknown> = { meta };

  // ---- corpus ----
  let corpus: CorpusFigures | undefined;
  if (!args.skip.has('corpus')) {
    const bundleDir = defaultBundleDir();
    const bundle = args.bundle ?? findBundles(bundleDir).find((b) => b.actorsVersion === 10 && b.format === 'tar.zst')?.path
      ?? findBundles(bundleDir).find((b) => b.actorsVersion === 10 && b.network === 'mainnet')?.path;
    if (!existsSync(args.vectors)) {
      notes.push(
        `corpus skipped: no conformance vectors at ${args.vectors}. They are the fvm-test-vectors corpus, expected beside the repository in ../shared/test-vectors/corpus/extracted/ (or pass --vectors DIR).`,
      );
    } else if (bundle === undefined || !existsSync(bundle)) {
      notes.push(`corpus skipped: no v10 bundle. ${bundleHelp(bundleDir)} (or pass --bundle FILE)`);
    } else {
      corpus = await runCorpus(args, bundle);
      results['corpus'] = { bundle, vectors: args.vectors, ...corpus };
    }
  }

  // ---- cold bundles ----
  const cold: ColdFigures[] = [];
  if (!args.skip.has('cold')) {
    const { found, missing } = locateColdBundles(args);
    if (missing.length > 0) notes.push(`cold start: no bundle for ${missing.join(', ')} in ${defaultBundleDir()}. ${bundleHelp()}`);
    for (const path of found) {
      log(`cold start: ${path} ...`);
      try {
        cold.push({ engine: runChild('engine', path, args.v8Flags) as EngineColdFigures, phases: runChild('phases', path, args.v8Flags) as PhaseFigures });
      } catch (err) {
        notes.push(`cold start of ${path} failed: ${(err as Error).message}`);
      }
    }
    results['cold'] = cold;
  }

  // ---- micro ----
  let micro: MicroResult[] = [];
  if (!args.skip.has('micro')) {
    log('micro-benchmarks ...');
    const o = { minMs: args.microMs };
    micro = [...hashAndCborBenchmarks(o), ...hamtBenchmarks(o), ...syscallBenchmarks(o)];
    results['micro'] = micro;
  }
  results['peakRssMb'] = process.resourceUsage().maxRSS / 1024;
  results['notes'] = notes;

  // ---- report ----
  log();
  if (corpus) {
    const c = corpus;
    log(`Conformance throughput (hygge, v10 bundle; ${c.messages} messages; ${args.reps} warm reps; min / median / max)`);
    const rows: string[][] = [['class', 'messages', 'compute-gas/ns', 'gas/ns', 'exec ms']];
    rows.push(['all', String(c.messages), fmtSpread(c.computeGasPerNs), fmtSpread(c.gasUsedPerNs), fmtSpread(c.execMs, 4)]);
    for (const [cls, f] of Object.entries(c.byClass)) rows.push([cls, String(f.messages), fmtSpread(f.computeGasPerNs), fmtSpread(f.gasUsedPerNs), fmtSpread(f.execMs, 4)]);
    log(table(rows));
    log();
    const cr: string[][] = [['figure', 'value']];
    cr.push(['variants (cold pass)', `${c.variants.passed} passed, ${c.variants.failed} failed, ${c.variants.skipped} skipped`]);
    cr.push(['whole corpus, cold (wall)', `${fmt(c.coldWallMs / 1000)} s`]);
    cr.push(['  of which bundle load', `${fmt(c.bundleLoadMs)} ms`]);
    cr.push(['  of which actor compilation', `${fmt(c.coldCompileMs)} ms`]);
    if (c.coldFirstMessageMs !== undefined) cr.push(['first message, cold', `${fmt(c.coldFirstMessageMs)} ms`]);
    cr.push(['warm pass (wall, all steps)', `${fmtSpread(c.wallMs, 4)} ms`]);
    cr.push(['traced pass exec (gas trace on)', `${fmt(c.tracedExecMs)} ms`]);
    if (c.overhead) {
      cr.push(['metering overhead (exec, metered / no-charge)', `${fmt(c.overhead.ratio)} (target <= 1.25)`]);
      cr.push(['  metered exec ms', fmtSpread(c.overhead.meteredExecMs, 4)]);
      cr.push(['  no-charge exec ms', fmtSpread(c.overhead.freeExecMs, 4)]);
      if (c.overhead.differingMessages > 0) cr.push(['  messages with another exit code', String(c.overhead.differingMessages)]);
    }
    cr.push(['peak RSS (process)', `${fmt(c.peakRssMb)} MiB`]);
    cr.push(['total gas used / compute gas per pass', `${c.totals.gasUsed} / ${c.totals.computeGas}`]);
    log(table(cr));
    log();
    if (c.profile) {
      log('CPU profile of one warm pass (self time)');
      log(formatProfileSummary(c.profile));
      log();
    }
  }
  if (cold.length > 0) {
    log('Cold start per bundle (fresh process each; mainnet actors)');
    const rows: string[][] = [['bundle', 'nv', 'actors', 'code MiB', 'load ms', 'preload ms', 'validate ms', 'instrument ms', 'compile ms']];
    for (const c of cold) {
      const e = c.engine;
      const p = c.phases;
      rows.push([
        e.actorsVersion !== undefined ? `v${e.actorsVersion}` : e.bundle,
        String(e.networkVersion),
        String(e.actors),
        fmt(e.codeBytes / 2 ** 20),
        fmt(e.loadMs),
        fmt(e.preloadMs),
        fmt(p.validateMs),
        fmt(p.instrumentMs),
        fmt(p.compileMs),
      ]);
    }
    log(table(rows));
    log();
  }
  if (micro.length > 0) {
    log('Micro-benchmarks');
    const rows: string[][] = [['operation', 'ops/s', 'MB/s', 'one op']];
    for (const m of micro) {
      rows.push([m.name, fmt(m.opsPerSec), m.bytesPerSec !== undefined ? fmt(m.bytesPerSec / 1e6) : '', m.note ?? '']);
    }
    log(table(rows));
    log();
  }
  for (const n of notes) log(`note: ${n}`);

  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, jsonReplacer, 2)}\n`);
  log(`wrote ${args.out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
