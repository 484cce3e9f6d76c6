// The tsfvm command's entry: runs the whole CLI on a worker thread with a stack large enough for
// the deepest execution the FVM allows (1024 nested calls, each with a full WASM stack; see
// src/executor/large-stack.ts). On the main thread's ~1 MiB stack a valid message that nests
// a few hundred sends would end in a host fault instead of its receipt.
//
// This module stays small: the main thread only starts the worker, which loads the program
// itself, so the process pays for one worker start-up, not for loading the program twice.
import { EXECUTION_STACK_MB, hasLargeStack, LargeStackStartError, runProgramOnLargeStack } from '../executor/large-stack.js';
import { type TerminalInfo, terminalInfo } from './terminal.js';

/** A program's entry: runs it with process.argv-style arguments and resolves with its exit code. */
export type ProgramMain = (argv: readonly string[], terminal?: TerminalInfo) => Promise<number>;

/**
 * Runs the export `exportName` (a ProgramMain) of the module at `moduleUrl` with `argv` on a
 * thread whose stack holds EXECUTION_STACK_MB, and resolves with its exit code. Its output goes
 * to this process's stdout and stderr, in order per stream. On such a thread already it runs
 * here, and when no such thread can be created it warns and runs here.
 */
export async function launchOnLargeStack(moduleUrl: URL, exportName: string, argv: readonly string[]): Promise<number> {
  // An embedding program's large-stack worker needs no second thread.
  if (hasLargeStack(EXECUTION_STACK_MB)) return runHere(moduleUrl, exportName, argv);
  try {
    return await runProgramOnLargeStack(moduleUrl, exportName, [[...argv], terminalInfo()], { stackSizeMb: EXECUTION_STACK_MB });
  } catch (err) {
    if (!(err instanceof LargeStackStartError)) throw err;
    // Nothing ran (e.g. a capped address space): better the command on the small stack, where a
    // deeply nested message fails with a host fault, than no command at all.
    process.stderr.write(`warning: ${err.message}; running on the main thread, where deeply nested messages fail with a host fault\n`);
    return runHere(moduleUrl, exportName, argv);
  }
}

async function runHere(moduleUrl: URL, exportName: string, argv: readonly string[]): Promise<number> {
  const main = ((await import(moduleUrl.href)) as Record<string, unknown>)[exportName];
  if (typeof main !== 'function') throw new TypeError(`module ${moduleUrl.href} has no export ${exportName}`);
  return (main as ProgramMain)(argv);
}

/** Runs the tsfvm CLI with `argv` (as in process.argv) on a large-stack thread; resolves with its exit code. */
export function launchCli(argv: readonly string[]): Promise<number> {
  // Run from the TypeScript sources (tsx), the sibling module is main.ts.
  const cli = new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url);
  return launchOnLargeStack(cli, 'runCli', argv);
}
