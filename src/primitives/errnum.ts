// Error numbers a failed syscall hands back to the actor (the syscall ABI's errno).

export enum ErrorNumber {
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

const DESCRIPTIONS: Record<ErrorNumber, string> = {
  [ErrorNumber.IllegalArgument]: 'illegal argument',
  [ErrorNumber.IllegalOperation]: 'illegal operation',
  [ErrorNumber.LimitExceeded]: 'limit exceeded',
  [ErrorNumber.AssertionFailed]: 'filecoin assertion failed',
  [ErrorNumber.InsufficientFunds]: 'insufficient funds',
  [ErrorNumber.NotFound]: 'resource not found',
  [ErrorNumber.InvalidHandle]: 'invalid ipld block handle',
  [ErrorNumber.IllegalCid]: 'illegal cid specification',
  [ErrorNumber.IllegalCodec]: 'illegal ipld codec',
  [ErrorNumber.Serialization]: 'serialization error',
  [ErrorNumber.Forbidden]: 'operation forbidden',
  [ErrorNumber.BufferTooSmall]: 'buffer too small',
  [ErrorNumber.ReadOnly]: 'execution context is read-only',
};

export function isErrorNumber(n: number): n is ErrorNumber {
  return Number.isInteger(n) && n >= ErrorNumber.IllegalArgument && n <= ErrorNumber.ReadOnly;
}

/** 'NotFound' for 6; 'ErrorNumber(n)' for numbers outside the ABI. */
export function errorNumberName(n: number): string {
  return isErrorNumber(n) ? ErrorNumber[n] : `ErrorNumber(${n})`;
}

/** Human description ('resource not found' for 6). */
export function describeErrorNumber(n: number): string {
  return isErrorNumber(n) ? DESCRIPTIONS[n] : `unknown error number ${n}`;
}
