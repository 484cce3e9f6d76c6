// Error numbers (what a failed syscall returns) and exit codes (how an invocation ends).

/** Returned by syscalls; 0 means success. */
export enum ErrorNumber {
  Ok = 0,
  IllegalArgument = 1,
  IllegalOperation = 2,
  LimitExceeded = 3,
  AssertionFailed = 4,
  InsufficientFunds = 5,
  NotFound = 6,
  InvalidHandle = 7,
  IllegalCid = 8,
  IllegalCodec = 9,
  Serialization = 10,
  Forbidden = 11,
  BufferTooSmall = 12,
  ReadOnly = 13,
}

export function errorNumberName(e: u32): string {
  switch (e) {
    case 0: return "Ok";
    case 1: return "IllegalArgument";
    case 2: return "IllegalOperation";
    case 3: return "LimitExceeded";
    case 4: return "AssertionFailed";
    case 5: return "InsufficientFunds";
    case 6: return "NotFound";
    case 7: return "InvalidHandle";
    case 8: return "IllegalCid";
    case 9: return "IllegalCodec";
    case 10: return "Serialization";
    case 11: return "Forbidden";
    case 12: return "BufferTooSmall";
    case 13: return "ReadOnly";
  }
  return "ErrorNumber(" + e.toString() + ")";
}

/**
 * Exit codes. Actors may only exit with 0 or a code >= FIRST_USER_EXIT_CODE; the machine turns
 * any other code into SYS_ILLEGAL_EXIT_CODE. The USR_* codes are the builtin actors' convention.
 */
export namespace ExitCode {
  export const OK: u32 = 0;
  export const SYS_SENDER_INVALID: u32 = 1;
  export const SYS_SENDER_STATE_INVALID: u32 = 2;
  export const SYS_ILLEGAL_INSTRUCTION: u32 = 4;
  export const SYS_INVALID_RECEIVER: u32 = 5;
  export const SYS_INSUFFICIENT_FUNDS: u32 = 6;
  export const SYS_OUT_OF_GAS: u32 = 7;
  export const SYS_ILLEGAL_EXIT_CODE: u32 = 9;
  export const SYS_ASSERTION_FAILED: u32 = 10;
  export const SYS_MISSING_RETURN: u32 = 11;

  export const FIRST_USER_EXIT_CODE: u32 = 16;
  export const USR_ILLEGAL_ARGUMENT: u32 = 16;
  export const USR_NOT_FOUND: u32 = 17;
  export const USR_FORBIDDEN: u32 = 18;
  export const USR_INSUFFICIENT_FUNDS: u32 = 19;
  export const USR_ILLEGAL_STATE: u32 = 20;
  export const USR_SERIALIZATION: u32 = 21;
  export const USR_UNHANDLED_MESSAGE: u32 = 22;
  export const USR_UNSPECIFIED: u32 = 23;
  export const USR_ASSERTION_FAILED: u32 = 24;
  export const USR_READ_ONLY: u32 = 25;
  export const USR_NOT_PAYABLE: u32 = 26;
}
