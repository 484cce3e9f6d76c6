// Why a message failed: the chain of actor frames that aborted, innermost first, and the
// cause (the last syscall error the failing actor saw, or a fatal error).
import { Address } from '../primitives/address.js';
import { type ErrorNumber, describeErrorNumber } from '../primitives/errnum.js';
import { exitCodeName } from '../primitives/exitcode.js';

export interface Frame {
  /** The actor that aborted. */
  readonly source: bigint;
  readonly method: bigint;
  readonly code: number;
  readonly message: string;
}

export type Cause =
  | { readonly kind: 'syscall'; readonly module: string; readonly function: string; readonly error: ErrorNumber; readonly message: string }
  | { readonly kind: 'fatal'; readonly message: string };

export function syscallCause(module: string, fn: string, error: ErrorNumber, message: string): Cause {
  return { kind: 'syscall', module, function: fn, error, message };
}

export function fatalCause(err: unknown): Cause {
  return { kind: 'fatal', message: err instanceof Error ? err.message : String(err) };
}

export class Backtrace {
  frames: Frame[] = [];
  cause: Cause | undefined;

  isEmpty(): boolean {
    return this.frames.length === 0 && this.cause === undefined;
  }

  clear(): void {
    this.frames = [];
    this.cause = undefined;
  }

  /** Starts a new chain at `cause`, dropping earlier frames. */
  begin(cause: Cause): void {
    this.cause = cause;
    this.frames = [];
  }

  setCause(cause: Cause): void {
    this.cause = cause;
  }

  pushFrame(frame: Frame): void {
    this.frames.push(frame);
  }

  toString(): string {
    const lines = [...this.frames].reverse().map(
      (f, i) =>
        `${String(i).padStart(2, '0')}: ${Address.newId(f.source).toString()} (method ${f.method}) -- ${f.message} (${exitCodeName(f.code)})`,
    );
    const c = this.cause;
    if (c !== undefined) {
      lines.push(
        c.kind === 'syscall'
          ? `--> caused by: ${c.module}::${c.function} -- ${c.message} (${c.error}: ${describeErrorNumber(c.error)})`
          : `--> caused by: [FATAL] ${c.message}`,
      );
    }
    return lines.join('\n');
  }
}
