// The three ways a kernel operation fails, as in the reference:
// - SyscallError: the actor asked for something invalid; the syscall returns an ErrorNumber
//   and the actor keeps running.
// - OutOfGasError (from src/gas): the gas budget is exhausted; the call aborts with SYS_OUT_OF_GAS.
// - FatalError: an inconsistency the reference treats as fatal for the message (it becomes a
//   SYS_ASSERTION_FAILED receipt that consumes the whole gas limit). Actors can provoke some of
//   these (e.g. exiting with a block handle that does not exist), so they must be receipts.
// Anything else thrown (a blockstore I/O failure, a bug, an exhausted host stack) is a host
// fault: it propagates out of the executor and is never turned into a receipt.
import { ErrorNumber, describeErrorNumber, errorNumberName } from '../primitives/errnum.js';
import { OutOfGasError } from '../gas/tracker.js';
import { CborError } from '../ipld/cbor.js';
import { AddressError } from '../primitives/address.js';
import { FieldError } from '../primitives/fields.js';

export { OutOfGasError };

export class SyscallError extends Error {
  override readonly name = 'SyscallError';
  constructor(
    readonly errno: ErrorNumber,
    message: string,
  ) {
    super(message);
  }

  /** A copy with `context` prefixed to the message (the reference's error context). */
  withContext(context: string): SyscallError {
    return new SyscallError(this.errno, `${context}: ${this.message}`);
  }

  describe(): string {
    return `${this.message} (${errorNumberName(this.errno)}: ${describeErrorNumber(this.errno)})`;
  }
}

export class FatalError extends Error {
  override readonly name = 'FatalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Shorthand used throughout the kernel: `throw syscallError(ErrorNumber.NotFound, '...')`. */
export function syscallError(errno: ErrorNumber, message: string): SyscallError {
  return new SyscallError(errno, message);
}

export function isOutOfGas(err: unknown): err is OutOfGasError {
  return err instanceof OutOfGasError;
}

/** Error classes that describe bad input (undecodable or ill-shaped data, invalid addresses). */
export const INPUT_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [CborError, FieldError, AddressError];

function isInputError(err: unknown, classes: ReadonlyArray<abstract new (...args: never[]) => Error>): err is Error {
  return classes.some((c) => err instanceof c);
}

/**
 * Runs `f` and turns an input error (one of `classes`) into a SyscallError with `errno` (the
 * reference's `or_error`), e.g. for decoding actor-supplied bytes. Anything else (our own
 * classes, a bug, a host failure) propagates unchanged.
 */
export function orError<T>(errno: ErrorNumber, context: string, f: () => T, classes = INPUT_ERRORS): T {
  try {
    return f();
  } catch (err) {
    if (!isInputError(err, classes)) throw err;
    throw new SyscallError(errno, `${context}: ${err.message}`);
  }
}

/** Like orError, but an input error is fatal (the reference's `or_fatal`). */
export function orFatal<T>(context: string, f: () => T, classes = INPUT_ERRORS): T {
  try {
    return f();
  } catch (err) {
    if (!isInputError(err, classes)) throw err;
    throw new FatalError(`${context}: ${err.message}`, { cause: err });
  }
}

export { ErrorNumber };
