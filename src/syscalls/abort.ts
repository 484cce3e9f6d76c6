// How an actor invocation ends abnormally. Thrown from a syscall through the WASM frames back
// to the call manager, which turns it into an exit code (ref-fvm's `Abort`).
import type { BlockId } from '../kernel/blocks.js';

export type AbortKind = 'exit' | 'out_of_gas' | 'fatal';

export class Abort extends Error {
  override readonly name = 'Abort';

  private constructor(
    readonly kind: AbortKind,
    message: string,
    /** Exit code, for 'exit'. */
    readonly exitCode: number,
    /** Return/abort data block, for 'exit' (0: none). */
    readonly blockId: BlockId,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The actor exited explicitly, trapped, or asked for something the VM refuses. */
  static exit(exitCode: number, message: string, blockId: BlockId = 0): Abort {
    return new Abort('exit', message, exitCode, blockId);
  }

  static outOfGas(): Abort {
    return new Abort('out_of_gas', 'out of gas', 7, 0);
  }

  /** A reference-fatal condition: the message fails with SYS_ASSERTION_FAILED and all its gas. */
  static fatal(message: string, cause?: unknown): Abort {
    return new Abort('fatal', message, 10, 0, { cause });
  }
}
