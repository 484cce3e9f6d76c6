// What the call managers of every generation (2.x CallManagerV2, 3.x/4.x CallManager) keep
// alike: the message's gas tracker, backtrace and execution trace, the invocation and depth
// counters, and how a finished `invoke` call is read (its returned block, or the abort that
// ended it). Sending, transactions, actor creation and state access differ between the
// generations and stay in each call manager.
import type { CID } from 'multiformats/cid';
import { ExitCode } from '../primitives/exitcode.js';
import type { GasCharge } from '../gas/charge.js';
import type { GasTracker } from '../gas/tracker.js';
import type { PriceList } from '../gas/price-list.js';
import type { ExecOutcome } from '../engine/engine.js';
import type { Machine } from '../machine/machine.js';
import { type Block, type BlockRegistry, NO_DATA_BLOCK_ID } from '../kernel/blocks.js';
import { FatalError, OutOfGasError } from '../kernel/errors.js';
import type { StampedEvent } from '../kernel/events.js';
import { Abort } from '../syscalls/abort.js';
import { Backtrace } from './backtrace.js';
import type { ExecutionEvent, TracedBlock } from './trace.js';

export interface InvocationResult {
  readonly exitCode: number;
  readonly value: Block | undefined;
}

export interface FinishRet {
  /** Whole gas used (rounded up). */
  readonly gasUsed: bigint;
  readonly backtrace: Backtrace;
  readonly execTrace: ExecutionEvent[];
  readonly events: StampedEvent[];
  readonly eventsRoot: CID | null;
}

/** Raised when the host's own stack runs out: the execution environment is too small. */
export class HostStackExhaustedError extends Error {
  override readonly name = 'HostStackExhaustedError';
}

export function isStackExhaustion(err: unknown): boolean {
  return err instanceof RangeError && /maximum call stack size exceeded/i.test(err.message);
}

export function traced(block: Block | undefined): TracedBlock | undefined {
  return block === undefined ? undefined : { codec: block.codec, data: block.data };
}

export abstract class CallManagerBase {
  readonly backtrace = new Backtrace();
  protected readonly execTrace: ExecutionEvent[] = [];
  protected callStackDepth = 0;
  protected invocations = 0n;

  constructor(
    readonly machine: Machine,
    readonly gasTracker: GasTracker,
  ) {}

  get priceList(): PriceList {
    return this.machine.context.priceList;
  }

  get invocationCount(): bigint {
    return this.invocations;
  }

  get depth(): number {
    return this.callStackDepth;
  }

  charge(charge: GasCharge): void {
    this.gasTracker.applyCharge(charge);
  }

  /** Records `event` after the gas charges made since the last one. */
  protected trace(event: ExecutionEvent): void {
    this.traceGasCharges();
    this.execTrace.push(event);
  }

  protected traceGasCharges(): void {
    for (const charge of this.gasTracker.drainTrace()) this.execTrace.push({ type: 'gas_charge', charge });
  }

  protected hostStackExhausted(cause: unknown): HostStackExhaustedError {
    return new HostStackExhaustedError(
      `the host stack ran out at call depth ${this.callStackDepth}: run executions on a large-stack worker (see runOnLargeStack)`,
      { cause },
    );
  }

  /**
   * Reads the outcome of calling `invoke` on an instance of `code`: the returned block from
   * `registry` (undefined for none) or the Abort that ended the call. A trap from a host
   * import is classified by what was thrown; anything that is not the kernel's own is a host
   * fault and thrown, as is the host's stack running out.
   */
  protected invokeOutcome(out: ExecOutcome, code: CID, registry: BlockRegistry): Block | undefined | Abort {
    if (!out.ok) {
      const err = out.error;
      if (isStackExhaustion(err)) throw this.hostStackExhausted(err);
      if (out.trap === 'host_error') {
        if (err instanceof Abort) return err;
        if (err instanceof OutOfGasError) return Abort.outOfGas();
        if (err instanceof FatalError) return Abort.fatal(err.message, err);
        throw err;
      }
      if (out.trap === 'out_of_gas') return Abort.outOfGas();
      return Abort.exit(ExitCode.SYS_ILLEGAL_INSTRUCTION, err instanceof Error ? err.message : String(err));
    }
    if (typeof out.value !== 'number') return Abort.fatal(`invoke of ${code.toString()} did not return an i32`);
    const retId = out.value >>> 0;
    if (retId === NO_DATA_BLOCK_ID) return undefined;
    try {
      return registry.get(retId);
    } catch {
      return Abort.exit(ExitCode.SYS_MISSING_RETURN, 'returned block does not exist');
    }
  }
}
