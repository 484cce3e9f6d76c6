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
import { Worker } from 'node:worker_threads';

// Native bytes one call level may need at worst: every slot of the WASM stack allowance spent
// on minimal frames (V8 uses well under 160 bytes for one), plus the host's frames for a send.
const BYTES_PER_WASM_SLOT = 160;
const HOST_BYTES_PER_LEVEL = 32 * 1024;

/** Stack size (MiB) for `maxCallDepth` nested calls with a `maxWasmStack`-slot stack limiter. */
export function stackSizeMbFor(maxCallDepth = 1024, maxWasmStack = 2048): number {
  const perLevel = maxWasmStack * BYTES_PER_WASM_SLOT + HOST_BYTES_PER_LEVEL;
  return Math.ceil(((maxCallDepth + 1) * perLevel) / (1 << 20)) + 16;
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

export class LargeStackError extends Error {
  override readonly name = 'LargeStackError';
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
  let tsxApi: string | undefined;
  if (/\.[mc]?ts$/.test(url)) {
    try {
      tsxApi = import.meta.resolve('tsx/esm/api');
    } catch {
      tsxApi = undefined; // without tsx the import below fails with a clear error
    }
  }
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
