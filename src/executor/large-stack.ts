// Running executions on a thread with a stack large enough for the deepest call chain.
//
// Every nested send nests native frames: WASM → syscall (JS) → call manager → new instance →
// WASM... With the default ~1 MiB stack of the main thread, a chain of actors using their full
// WASM stack allowance overflows long before the 1024-call depth limit. A worker thread's stack
// size is configurable, so executions that must handle hostile call chains run in one (as
// ref-fvm runs its executor on a thread with a large stack).
//
// The worker imports a module and calls one of its exports with structured-cloneable
// arguments; everything the execution needs (blockstore, machine) is built inside the worker.
// runOnLargeStack hands back the export's result; runProgramOnLargeStack runs a whole program
// (the tsfvm CLI) there and hands back its exit code.
import { Worker, isMainThread, resourceLimits } from 'node:worker_threads';

// Native bytes one call level may need at worst: every slot of the WASM stack allowance spent
// on minimal frames (V8 uses well under 160 bytes for one), plus the host's frames for a send.
const BYTES_PER_WASM_SLOT = 160;
const HOST_BYTES_PER_LEVEL = 32 * 1024;

/** Stack size (MiB) for `maxCallDepth` nested calls with a `maxWasmStack`-slot stack limiter. */
export function stackSizeMbFor(maxCallDepth = 1024, maxWasmStack = 2048): number {
  const perLevel = maxWasmStack * BYTES_PER_WASM_SLOT + HOST_BYTES_PER_LEVEL;
  return Math.ceil(((maxCallDepth + 1) * perLevel) / (1 << 20)) + 16;
}

/** The stack (MiB) tsfvm's entry points give executions: ref-fvm's limits, 1024 calls of 2048 slots. */
export const EXECUTION_STACK_MB = stackSizeMbFor();

/**
 * The stack this thread was given, in MiB: a worker's `resourceLimits.stackSizeMb`, or undefined
 * on the main thread (whose stack is the platform's; V8 uses under 1 MiB of it).
 */
export function threadStackSizeMb(): number | undefined {
  if (isMainThread) return undefined;
  const mb = resourceLimits.stackSizeMb;
  return typeof mb === 'number' && mb > 0 ? mb : undefined;
}

/** Whether this thread's stack holds `stackSizeMb` MiB (by default enough for any execution). */
export function hasLargeStack(stackSizeMb: number = EXECUTION_STACK_MB): boolean {
  const mb = threadStackSizeMb();
  return mb !== undefined && mb >= stackSizeMb;
}

export interface LargeStackOptions {
  /** Stack size of the worker in MiB (default: sized for 1024 levels of full WASM stacks). */
  readonly stackSizeMb?: number;
}

const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  try {
    // TypeScript sources (tests, tsx-run scripts): the worker needs the loader registered itself.
    if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
    const mod = await import(workerData.moduleUrl);
    const fn = mod[workerData.exportName];
    if (typeof fn !== 'function') throw new Error('module ' + workerData.moduleUrl + ' has no export ' + workerData.exportName);
    const value = await fn(...workerData.args);
    parentPort.postMessage({ ok: true, value });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: err instanceof Error ? (err.stack || err.message) : String(err) });
  }
})();
`;

/** The tsx loader API when `url` is a TypeScript module (tests, tsx-run scripts), else undefined. */
function tsxApiFor(url: string): string | undefined {
  if (!/\.[mc]?ts$/.test(url)) return undefined;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined; // without tsx the worker's import fails with a clear error
  }
}

export class LargeStackError extends Error {
  override readonly name: string = 'LargeStackError';
}

/** The thread could not be created (e.g. too little address space for its stack): nothing ran. */
export class LargeStackStartError extends LargeStackError {
  override readonly name = 'LargeStackStartError';
}

/**
 * Calls `exportName(...args)` from the module at `moduleUrl` on a worker thread with a large
 * stack and resolves with its (structured-cloned) result. The worker inherits the process's
 * module loaders (e.g. tsx), so TypeScript modules work when the parent runs under them.
 */
export function runOnLargeStack<T>(
  moduleUrl: string | URL,
  exportName: string,
  args: readonly unknown[] = [],
  options: LargeStackOptions = {},
): Promise<T> {
  const stackSizeMb = options.stackSizeMb ?? stackSizeMbFor();
  const url = String(moduleUrl);
  const tsxApi = tsxApiFor(url);
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { moduleUrl: url, exportName, args, tsxApi },
      resourceLimits: { stackSizeMb },
    });
    let settled = false;
    worker.once('message', (m: { ok: boolean; value?: T; error?: string }) => {
      settled = true;
      if (m.ok) resolve(m.value as T);
      else reject(new LargeStackError(`${exportName} failed on the large-stack worker: ${m.error}`));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(new LargeStackError(`large-stack worker crashed: ${err.message}`, { cause: err }));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new LargeStackError(`large-stack worker exited with code ${code} without a result`));
      settled = true;
    });
  });
}

// A whole program on the worker: no result message, the thread's exit code is the outcome.
const PROGRAM_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
  const mod = await import(workerData.moduleUrl);
  const fn = mod[workerData.exportName];
  if (typeof fn !== 'function') throw new Error('module ' + workerData.moduleUrl + ' has no export ' + workerData.exportName);
  const code = await fn(...workerData.args);
  if (typeof code === 'number') process.exitCode = code;
})().catch((err) => {
  // Rethrown outside the promise so that the parent sees it as the worker's 'error'.
  setImmediate(() => { throw err; });
});
`;

/**
 * Runs `exportName(...args)` from the module at `moduleUrl` as the whole program of a worker
 * thread with a large stack, and resolves with the thread's exit code: the export's result when
 * it is a number, else `process.exitCode` as the program left it, or the code it gave
 * `process.exit()` (which ends the thread, not the process). The thread writes to this
 * process's stdout and stderr; what it wrote is passed on before the promise resolves. Rejects
 * with LargeStackError when the program throws, LargeStackStartError when the thread cannot be
 * created.
 */
export function runProgramOnLargeStack(
  moduleUrl: string | URL,
  exportName: string,
  args: readonly unknown[] = [],
  options: LargeStackOptions = {},
): Promise<number> {
  const stackSizeMb = options.stackSizeMb ?? EXECUTION_STACK_MB;
  const url = String(moduleUrl);
  return new Promise<number>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(PROGRAM_BOOTSTRAP, {
        eval: true,
        workerData: { moduleUrl: url, exportName, args, tsxApi: tsxApiFor(url) },
        resourceLimits: { stackSizeMb },
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      reject(new LargeStackStartError(`cannot start a thread with a ${stackSizeMb} MiB stack (${why})`, { cause: err }));
      return;
    }
    let failure: Error | undefined;
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      if (failure !== undefined) reject(new LargeStackError(`${exportName} failed on the large-stack worker: ${failure.message}`, { cause: failure }));
      else resolve(code);
    });
  });
}
