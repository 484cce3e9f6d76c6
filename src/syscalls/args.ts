// Reading syscall arguments: the positional WASM values, and the CBOR structures actors pass
// by pointer (seal, PoSt and piece infos). A structure that does not match is the actor's
// fault: IllegalArgument, naming the field.
import { CID } from 'multiformats/cid';
import { ErrorNumber } from '../primitives/errnum.js';
import { SyscallError } from '../kernel/errors.js';
import type { ArgValue } from './bind.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Argument `i` as declared u32/i32. */
export const n = (a: readonly ArgValue[], i: number): number => a[i] as number;
/** Argument `i` as declared u64/i64. */
export const b = (a: readonly ArgValue[], i: number): bigint => a[i] as bigint;

export function illegal(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, msg);
}

export function tuple(value: unknown, len: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== len) throw illegal(`${what}: expected a tuple of ${len} fields`);
  return value;
}

export function intField(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw illegal(`${what}: expected an integer`);
}

export function u64Field(v: unknown, what: string): bigint {
  const x = intField(v, what);
  if (x < 0n || x > U64_MAX) throw illegal(`${what}: not a u64`);
  return x;
}

export function i64Field(v: unknown, what: string): bigint {
  const x = intField(v, what);
  if (x !== BigInt.asIntN(64, x)) throw illegal(`${what}: not an i64`);
  return x;
}

export function cidField(v: unknown, what: string): CID {
  const c = CID.asCID(v);
  if (c === null) throw illegal(`${what}: expected a CID`);
  return c;
}

export function bytesField(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw illegal(`${what}: expected bytes`);
  return v;
}

export function listField(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw illegal(`${what}: expected a list`);
  return v;
}

/** i64 proof codes beyond the safe-integer range are "invalid" proof types either way. */
export function proofCode(v: bigint): number {
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : -1;
}
