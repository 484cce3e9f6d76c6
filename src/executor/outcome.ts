// Turning the end of a message's call into its receipt, where every generation does the same:
// a call that could not be made or did not finish (out of gas, a syscall error at dispatch,
// a reference-fatal error), and the failure info that goes with a failed receipt. How a
// finished call's result becomes a receipt differs (2.x drops the return data of a failed
// call) and stays with each executor.
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import type { Message } from '../primitives/message.js';
import type { Receipt } from '../primitives/receipt.js';
import type { CID } from 'multiformats/cid';
import { FatalError, OutOfGasError, SyscallError } from '../kernel/errors.js';
import { type Backtrace, fatalCause, syscallCause } from '../call/backtrace.js';

export type ApplyFailure =
  | { readonly kind: 'backtrace'; readonly backtrace: Backtrace }
  | { readonly kind: 'prevalidation'; readonly message: string };

/** The errors a call may end in that still give a receipt; anything else is a host fault. */
export type CallError = OutOfGasError | SyscallError | FatalError;

export function isCallError(err: unknown): err is CallError {
  return err instanceof OutOfGasError || err instanceof SyscallError || err instanceof FatalError;
}

/**
 * Runs a message's call. Its result, or the CallError it ended in; any other exception is a
 * host fault and propagates.
 */
export function settleCall<T>(call: () => T): { result: T; error?: undefined } | { result?: undefined; error: CallError } {
  try {
    return { result: call() };
  } catch (err) {
    if (!isCallError(err)) throw err;
    return { error: err };
  }
}

/**
 * The receipt of a message whose call ended in `error`, with the backtrace's cause set for it.
 * `gasUsed` is what the call manager counted; a reference-fatal error pays the whole limit.
 */
export function errorReceipt(
  error: CallError,
  backtrace: Backtrace,
  msg: Message,
  epoch: bigint,
  gasUsed: bigint,
  eventsRoot: CID | null,
): Receipt {
  const none = new Uint8Array(0);
  if (error instanceof OutOfGasError) {
    return { exitCode: ExitCode.SYS_OUT_OF_GAS, returnData: none, gasUsed, eventsRoot };
  }
  if (error instanceof SyscallError) {
    // The message could not be dispatched at all.
    const exitCode =
      error.errno === ErrorNumber.InsufficientFunds
        ? ExitCode.SYS_INSUFFICIENT_FUNDS
        : error.errno === ErrorNumber.NotFound
          ? ExitCode.SYS_INVALID_RECEIVER
          : ExitCode.SYS_ASSERTION_FAILED;
    backtrace.begin(syscallCause('send', 'send', error.errno, error.message));
    return { exitCode, returnData: none, gasUsed, eventsRoot };
  }
  // Reference-fatal: the message fails deterministically and pays its whole gas limit.
  backtrace.setCause(
    fatalCause(
      new Error(
        `${error.message} [from=${msg.from.toString()}, to=${msg.to.toString()}, seq=${msg.sequence}, m=${msg.method}, h=${epoch}]`,
      ),
    ),
  );
  return { exitCode: ExitCode.SYS_ASSERTION_FAILED, returnData: none, gasUsed: msg.gasLimit, eventsRoot };
}

/** The backtrace of a failed receipt, if it has one. */
export function failureInfoOf(backtrace: Backtrace, receipt: Receipt): ApplyFailure | undefined {
  return backtrace.isEmpty() || receipt.exitCode === ExitCode.OK ? undefined : { kind: 'backtrace', backtrace };
}
