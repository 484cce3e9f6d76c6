// Ending an invocation: exit with a code (and optionally a return block and a message), the
// abort helpers actors use for their error paths, and the handler AssemblyScript's own abort()
// (failed assert, out-of-bounds access, throw) is routed to by the build (--use abort=...).
import * as sys from "./sys/vm";
import * as ipldSys from "./sys/ipld";
import { log as debugLog } from "./sys/debug";
import { ExitCode } from "./errors";
import { scratch } from "./mem";

/** Ends the invocation. Code 0 returns `data` (a DAG-CBOR block if given) as the result. */
export function exit(code: u32, data: Uint8Array | null = null, message: string | null = null, codec: u64 = 0x71): void {
  let blk: u32 = 0;
  if (data !== null && data.length > 0) {
    const out = scratch();
    const err = ipldSys.block_create(out, codec, data.dataStart, <u32>data.length);
    // A block the machine refuses cannot be returned: report that instead.
    if (err != 0) exitWithMessage(ExitCode.USR_SERIALIZATION, "exit data rejected by block_create (error " + err.toString() + ")");
    blk = load<u32>(out);
  }
  if (message === null) {
    sys.exit(code, blk, 0, 0);
  } else {
    const m = String.UTF8.encode(message);
    sys.exit(code, blk, changetype<usize>(m), <u32>m.byteLength);
  }
  unreachable();
}

function exitWithMessage(code: u32, message: string): void {
  const m = String.UTF8.encode(message);
  sys.exit(code, 0, changetype<usize>(m), <u32>m.byteLength);
  unreachable();
}

/**
 * Aborts with a user exit code and a message. Code 0 is not an abort and becomes
 * USR_ASSERTION_FAILED; codes below 16 are reserved for the machine, which replaces them with
 * SYS_ILLEGAL_EXIT_CODE, so they are refused here the same way.
 */
export function abortWith(code: u32, message: string): void {
  if (code == 0) code = ExitCode.USR_ASSERTION_FAILED;
  exitWithMessage(code, message);
}

/** Aborts with `code` unless `cond` holds. */
export function require(cond: bool, code: u32, message: string): void {
  if (!cond) abortWith(code, message);
}

export function illegalArgument(message: string): void { abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, message); }
export function notFound(message: string): void { abortWith(ExitCode.USR_NOT_FOUND, message); }
export function forbidden(message: string): void { abortWith(ExitCode.USR_FORBIDDEN, message); }
export function insufficientFunds(message: string): void { abortWith(ExitCode.USR_INSUFFICIENT_FUNDS, message); }
export function illegalState(message: string): void { abortWith(ExitCode.USR_ILLEGAL_STATE, message); }
export function serializationError(message: string): void { abortWith(ExitCode.USR_SERIALIZATION, message); }
export function unhandledMessage(message: string): void { abortWith(ExitCode.USR_UNHANDLED_MESSAGE, message); }
export function assertionFailed(message: string): void { abortWith(ExitCode.USR_ASSERTION_FAILED, message); }
export function readOnlyViolation(message: string): void { abortWith(ExitCode.USR_READ_ONLY, message); }
export function notPayable(message: string): void { abortWith(ExitCode.USR_NOT_PAYABLE, message); }

/**
 * The target of `--use abort=<path>/sdk/vm/fvmAbort`: AssemblyScript calls abort() for a failed
 * assert(), a throw, an out-of-range index or an allocation failure. The FVM has no env.abort,
 * so it becomes USR_ASSERTION_FAILED with the message and source position.
 */
export function fvmAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  let text = message === null ? "abort" : <string>message;
  if (fileName !== null) text += " (" + <string>fileName + ":" + line.toString() + ":" + column.toString() + ")";
  exitWithMessage(ExitCode.USR_ASSERTION_FAILED, text);
}

/** The target of `--use trace=<path>/sdk/vm/fvmTrace`: trace() goes to the debug log. */
export function fvmTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let text = message;
  if (n > 0) text += " " + a0.toString();
  if (n > 1) text += " " + a1.toString();
  if (n > 2) text += " " + a2.toString();
  if (n > 3) text += " " + a3.toString();
  if (n > 4) text += " " + a4.toString();
  const m = String.UTF8.encode(text);
  // debug.log is a no-op unless the machine runs with debugging enabled.
  debugLog(changetype<usize>(m), <u32>m.byteLength);
}

/** The target of `--use seed=<path>/sdk/vm/fvmSeed`: Math.random would break determinism. */
export function fvmSeed(): f64 {
  exitWithMessage(ExitCode.USR_ASSERTION_FAILED, "Math.random is not available in an actor: execution must be deterministic");
  return 0;
}
