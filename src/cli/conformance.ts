// `tsfvm conformance`: run test vectors against the official actor bundles and report
// PASS/FAIL/SKIP per vector variant.
import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { BundleLibrary, ConformanceRunner, NoBundlesError, type RunResult } from '../conformance/runner.js';
import { formatExecutionTrace, formatResultLine, formatSummaryLine, reportToJson, summarize } from '../conformance/report.js';

export interface ConformanceArgs {
  readonly paths: readonly string[];
  /** Bundle files; empty: every bundle in $TSFVM_BUNDLES or ~/.cache/tsfvm/bundles. */
  readonly bundles: readonly string[];
  readonly json?: string;
  readonly filter?: string;
  readonly trace?: boolean;
}

export interface ConformanceIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const stdio: ConformanceIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit status for usage problems (no bundles, bad paths, bad regex): nothing was run. */
export const EXIT_USAGE = 2;

/** Runs the command; returns the exit status (0 only when nothing failed). */
export function runConformance(args: ConformanceArgs, io: ConformanceIo = stdio): number {
  let filter: RegExp | undefined;
  if (args.filter !== undefined) {
    try {
      filter = new RegExp(args.filter);
    } catch (err) {
      io.err(`error: --filter is not a valid regular expression: ${(err as Error).message}`);
      return EXIT_USAGE;
    }
  }
  for (const p of [...args.paths, ...args.bundles]) {
    if (!existsSync(p)) {
      io.err(`error: no such file or directory: ${p}`);
      return EXIT_USAGE;
    }
  }
  let bundles: BundleLibrary;
  try {
    bundles = args.bundles.length > 0 ? new BundleLibrary(args.bundles) : BundleLibrary.fromDirectory();
  } catch (err) {
    io.err(err instanceof NoBundlesError ? `error: ${err.message}` : `error: cannot load bundles: ${(err as Error).message}`);
    return EXIT_USAGE;
  }

  const trace = args.trace === true;
  const runner = new ConformanceRunner(bundles, {
    ...(filter !== undefined ? { filter } : {}),
    trace,
    computeGas: args.json !== undefined,
  });
  const started = process.hrtime.bigint();
  let results: RunResult[];
  try {
    results = runner.runPaths(args.paths, (r) => {
      io.out(formatResultLine(r));
      if (trace && r.traces !== undefined) {
        for (const [i, t] of r.traces.entries()) {
          io.out(`--- trace of ${r.id}, message ${i} ---`);
          io.out(formatExecutionTrace(t, { codeName: (c) => runner.codeName(c) }));
        }
      }
    });
  } catch (err) {
    // Per-vector problems are FAIL lines; reaching here means the bundles themselves are bad.
    io.err(`error: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  const totalNs = Number(process.hrtime.bigint() - started);
  const summary = summarize(results);
  if (trace && results.length > 1) io.err(`note: --trace printed ${results.length} variants; use --filter to pick one`);
  io.out(formatSummaryLine(summary));
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(reportToJson(results, totalNs), null, 2)}\n`);
  }
  return summary.failed > 0 ? 1 : 0;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `conformance` sub-command, for the main program to add. */
export function conformanceCommand(): Command {
  return new Command('conformance')
    .description('apply the messages of conformance test vectors and check receipts and state roots')
    .argument('<paths...>', 'vector files or directories (searched for .json files)')
    .option('--bundle <file>', 'actor bundle: builtin-actors .car or Lotus vN.tar.zst (repeatable; default: every bundle in $TSFVM_BUNDLES or ~/.cache/tsfvm/bundles)', collect, [])
    .option('--json <out>', 'write per-variant results (gas, timings) as JSON to this file')
    .option('--filter <regex>', 'run only variants whose id (<vector>/<variant>) or file path matches')
    .option('--trace', 'print the gas charges and call tree of each message (use on one vector)')
    .addHelpText(
      'after',
      '\nPrints PASS, FAIL (with the first mismatch) or SKIP (with the reason) per vector variant, then\n' +
        '"N passed, N failed, N skipped"; exits 0 only when nothing failed.\n' +
        '\nExamples:\n' +
        '  tsfvm conformance --bundle ~/.cache/tsfvm/bundles/v10.tar.zst ../shared/test-vectors/corpus/extracted/0002-hygge-01\n' +
        '  tsfvm conformance --filter ProveCommit --json out.json ../shared/test-vectors/corpus/extracted\n' +
        '  tsfvm conformance --trace path/to/one-vector.json\n',
    )
    .action((paths: string[], opts: { bundle: string[]; json?: string; filter?: string; trace?: boolean }) => {
      process.exitCode = runConformance({
        paths,
        bundles: opts.bundle,
        ...(opts.json !== undefined ? { json: opts.json } : {}),
        ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
        trace: opts.trace === true,
      });
    });
}
