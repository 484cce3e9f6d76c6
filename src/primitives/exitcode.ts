// Exit codes of a message or actor call. 0..15 belong to the VM; actors may only abort
// with 16 and above.

export const ExitCode = {
  OK: 0,
  /** The sender does not exist. */
  SYS_SENDER_INVALID: 1,
  /** Wrong nonce, or not enough funds for the gas. */
  SYS_SENDER_STATE_INVALID: 2,
  /** The receiver trapped. */
  SYS_ILLEGAL_INSTRUCTION: 4,
  /** The receiver does not exist and cannot be created, or has no entry point. */
  SYS_INVALID_RECEIVER: 5,
  /** The sender could not pay the value sent. */
  SYS_INSUFFICIENT_FUNDS: 6,
  SYS_OUT_OF_GAS: 7,
  /** The receiver aborted with a code reserved for the VM. */
  SYS_ILLEGAL_EXIT_CODE: 9,
  /** An internal VM assertion failed. */
  SYS_ASSERTION_FAILED: 10,
  /** The actor returned a block handle that does not exist. */
  SYS_MISSING_RETURN: 11,

  USR_ILLEGAL_ARGUMENT: 16,
  USR_NOT_FOUND: 17,
  USR_FORBIDDEN: 18,
  USR_INSUFFICIENT_FUNDS: 19,
  USR_ILLEGAL_STATE: 20,
  USR_SERIALIZATION: 21,
  USR_UNHANDLED_MESSAGE: 22,
  USR_UNSPECIFIED: 23,
  USR_ASSERTION_FAILED: 24,
  USR_READ_ONLY: 25,
  USR_NOT_PAYABLE: 26,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

/** The lowest exit code an actor may abort with. */
export const FIRST_USER_EXIT_CODE = 16;

const NAMES = new Map<number, ExitCodeName>(
  (Object.entries(ExitCode) as [ExitCodeName, number][]).map(([name, code]) => [code, name]),
);

/**
 * The symbolic name of an exit code ('SYS_OUT_OF_GAS'); unnamed codes render as
 * 'SYS_RESERVED_n' below 16 and 'EXIT_CODE_n' above.
 */
export function exitCodeName(code: number): string {
  const name = NAMES.get(code);
  if (name !== undefined) return name;
  return Number.isInteger(code) && code >= 0 && code < FIRST_USER_EXIT_CODE ? `SYS_RESERVED_${code}` : `EXIT_CODE_${code}`;
}

export function isSuccess(code: number): boolean {
  return code === ExitCode.OK;
}

/** True for codes reserved to the VM (OK included). */
export function isSystemExitCode(code: number): boolean {
  return code < FIRST_USER_EXIT_CODE;
}
