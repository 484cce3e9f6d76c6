// Typed readers for the fields of decoded DAG-CBOR tuples. Each reader names the
// object and field in its error, so a bad block says where it went wrong.
import { CID } from 'multiformats/cid';

export const U64_MAX = (1n << 64n) - 1n;
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U32_MAX = 0xffff_ffff;

/** Raised when a decoded CBOR value does not have the shape a Filecoin type requires. */
export class FieldError extends Error {
  override readonly name: string = 'FieldError';
  constructor(readonly what: string, message: string, options?: { cause?: unknown }) {
    super(`invalid ${what}: ${message}`, options);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (CID.asCID(value) !== null) return 'CID';
  return typeof value;
}

/** The elements of a CBOR array that must have one of the given lengths. */
export function readTuple(value: unknown, lengths: readonly number[], what: string): unknown[] {
  if (!Array.isArray(value)) throw new FieldError(what, `expected a CBOR array, got ${describe(value)}`);
  if (!lengths.includes(value.length)) {
    throw new FieldError(what, `expected an array of ${lengths.join(' or ')} elements, got ${value.length}`);
  }
  return value;
}

function readInteger(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new FieldError(what, `expected an integer, got ${describe(value)}${typeof value === 'number' ? ` ${value}` : ''}`);
}

export function readU64(value: unknown, what: string): bigint {
  const n = readInteger(value, what);
  if (n < 0n || n > U64_MAX) throw new FieldError(what, `${n} is out of the u64 range`);
  return n;
}

export function readI64(value: unknown, what: string): bigint {
  const n = readInteger(value, what);
  if (n < I64_MIN || n > I64_MAX) throw new FieldError(what, `${n} is out of the i64 range`);
  return n;
}

export function readU32(value: unknown, what: string): number {
  const n = readInteger(value, what);
  if (n < 0n || n > BigInt(U32_MAX)) throw new FieldError(what, `${n} is out of the u32 range`);
  return Number(n);
}

export function readBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new FieldError(what, `expected a CBOR byte string, got ${describe(value)}`);
  return value;
}

export function readCid(value: unknown, what: string): CID {
  const cid = CID.asCID(value);
  if (cid === null) throw new FieldError(what, `expected a CID, got ${describe(value)}`);
  return cid;
}

/** A u64 as DAG-CBOR wants it: a number when it is exactly representable, else a bigint. */
export function u64ToCbor(n: bigint, what: string): number | bigint {
  if (n < 0n || n > U64_MAX) throw new FieldError(what, `${n} is out of the u64 range`);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function i64ToCbor(n: bigint, what: string): number | bigint {
  if (n < I64_MIN || n > I64_MAX) throw new FieldError(what, `${n} is out of the i64 range`);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/** Parses an even-length hex string (no prefix); returns null when it is not one. */
export function fromHex(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs a field reader, restating any failure as a FieldError that names `what`. */
export function readField<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FieldError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new FieldError(what, message, { cause: err });
  }
}
