// Token amounts in attoFIL as plain bigints, Filecoin's big-integer byte form, and the
// human decimal form.
import { readBytes, readField } from './fields.js';

/** A quantity of FIL in attoFIL (10^-18 FIL). May be negative where the protocol allows. */
export type TokenAmount = bigint;

export const TOKEN_DECIMALS = 18;
export const ATTO_PER_FIL = 10n ** 18n;
export const ATTO_PER_NANO = 10n ** 9n;
/** Most bytes (sign byte included) a serialized big integer may have. */
export const MAX_BIGINT_SIZE = 128;

export class TokenAmountError extends Error {
  override readonly name = 'TokenAmountError';
}

export function fromWholeFil(fil: bigint | number): TokenAmount {
  return BigInt(fil) * ATTO_PER_FIL;
}

export function fromNanoFil(nano: bigint | number): TokenAmount {
  return BigInt(nano) * ATTO_PER_NANO;
}

function magnitudeBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function magnitudeOf(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/**
 * Filecoin's big-integer bytes: empty for zero, else a sign byte (0 positive,
 * 1 negative) and the minimal big-endian magnitude.
 */
export function encodeBigInt(n: bigint, what = 'big integer'): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  const mag = magnitudeBytes(n < 0n ? -n : n);
  if (mag.length + 1 > MAX_BIGINT_SIZE) {
    throw new TokenAmountError(`${what} is too large: ${mag.length + 1} bytes, at most ${MAX_BIGINT_SIZE}`);
  }
  const out = new Uint8Array(mag.length + 1);
  out[0] = n < 0n ? 1 : 0;
  out.set(mag, 1);
  return out;
}

/**
 * Reads big-integer bytes. Like the reference, this does not insist on the minimal
 * form: leading zero magnitude bytes and a "negative zero" are read as their value.
 * It rejects a sign byte other than 0 or 1 and more than MAX_BIGINT_SIZE bytes.
 */
export function decodeBigInt(bytes: Uint8Array, what = 'big integer'): bigint {
  if (bytes.length === 0) return 0n;
  const sign = bytes[0];
  if (sign !== 0 && sign !== 1) throw new TokenAmountError(`invalid ${what}: first byte must be a sign (0 or 1), got ${sign}`);
  if (bytes.length > MAX_BIGINT_SIZE) {
    throw new TokenAmountError(`invalid ${what}: ${bytes.length} bytes, at most ${MAX_BIGINT_SIZE}`);
  }
  const mag = magnitudeOf(bytes.subarray(1));
  return sign === 1 ? -mag : mag;
}

/** Unsigned variant (fvm_shared's BigUint form): same bytes, but the sign byte must be 0. */
export function encodeBigUint(n: bigint, what = 'big unsigned integer'): Uint8Array {
  if (n < 0n) throw new TokenAmountError(`${what} must not be negative, got ${n}`);
  return encodeBigInt(n, what);
}

export function decodeBigUint(bytes: Uint8Array, what = 'big unsigned integer'): bigint {
  if (bytes.length > 0 && bytes[0] !== 0) {
    throw new TokenAmountError(`invalid ${what}: first byte must be 0, got ${bytes[0]}`);
  }
  return decodeBigInt(bytes, what);
}

/** Reads a token amount from a decoded CBOR value; failures are FieldErrors naming `what`. */
export function tokenFromCbor(value: unknown, what = 'token amount'): TokenAmount {
  const bytes = readBytes(value, what);
  return readField(what, () => decodeBigInt(bytes));
}

export function tokenToCbor(amount: TokenAmount, what = 'token amount'): Uint8Array {
  return encodeBigInt(amount, what);
}

const U64_MASK = (1n << 64n) - 1n;

/** The syscall ABI's token amount: a u128 as two u64 halves. Rejects negatives and ≥ 2^128. */
export function tokenToU128Parts(amount: TokenAmount): { lo: bigint; hi: bigint } {
  if (amount < 0n || amount >> 128n !== 0n) {
    throw new TokenAmountError(`token amount ${amount} does not fit in a u128`);
  }
  return { lo: amount & U64_MASK, hi: amount >> 64n };
}

export function tokenFromU128Parts(lo: bigint, hi: bigint): TokenAmount {
  if (lo < 0n || lo > U64_MASK || hi < 0n || hi > U64_MASK) {
    throw new TokenAmountError(`u128 halves out of range: lo=${lo} hi=${hi}`);
  }
  return (hi << 64n) | lo;
}

/**
 * Exact decimal in whole FIL, always with a decimal point ("1.0", "0.000000000000000001",
 * "-1234.5"), as the reference displays a TokenAmount.
 */
export function formatTokenAmount(atto: TokenAmount): string {
  const neg = atto < 0n;
  const abs = neg ? -atto : atto;
  const whole = abs / ATTO_PER_FIL;
  const frac = abs % ATTO_PER_FIL;
  const fracText = frac === 0n ? '0' : frac.toString().padStart(TOKEN_DECIMALS, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}.${fracText}`;
}

/** formatTokenAmount plus the unit: '1.5 FIL'. */
export function formatFil(atto: TokenAmount): string {
  return `${formatTokenAmount(atto)} FIL`;
}

const UNIT_DECIMALS: Record<string, number> = { fil: 18, nanofil: 9, attofil: 0 };

/**
 * Parses a decimal amount with an optional unit (FIL, nanoFIL or attoFIL; case
 * insensitive; FIL when absent) into attoFIL. Rejects digits finer than one attoFIL.
 */
export function parseFil(text: string): TokenAmount {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*([A-Za-z]*)\s*$/.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new TokenAmountError(`invalid token amount ${JSON.stringify(text)}: expected a decimal number`);
  }
  const unit = m[4]!.toLowerCase() || 'fil';
  const decimals = UNIT_DECIMALS[unit];
  if (decimals === undefined) {
    throw new TokenAmountError(`invalid token amount ${JSON.stringify(text)}: unknown unit ${m[4]} (FIL, nanoFIL, attoFIL)`);
  }
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > decimals) {
    throw new TokenAmountError(`invalid token amount ${JSON.stringify(text)}: more precise than 1 attoFIL`);
  }
  const atto = BigInt(m[2] || '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
  return m[1] === '-' ? -atto : atto;
}
