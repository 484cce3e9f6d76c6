// DAG-CBOR as Filecoin uses it: tuples as arrays, CIDs as tag 42, blake2b-256 block CIDs.
//
// Decoding is @ipld/dag-cbor's (cborg with its strict DAG-CBOR options) except for the CIDs:
// multiformats builds each CID from small fresh arrays, and V8 moves every such array off its
// heap the first time its `.buffer` is read (which the CID constructor does), so a block full of
// links spent most of its decoding time there. CIDs of the usual shape (v1, minimal varints) are
// built here over slices of a shared byte slab instead; anything else goes the library's way, so
// accepted inputs, resulting CIDs and errors are the same.
import { decode as cborgDecode } from 'cborg';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { blake2b256 as fastBlake2b256 } from '../crypto/blake2b.js';
import { Digest, create as createDigest } from 'multiformats/hashes/digest';

export const DAG_CBOR = 0x71;
export const RAW = 0x55;
export const IDENTITY = 0x00;
export const BLAKE2B_256 = 0xb220;
export const SHA2_256 = 0x12;

/** A value that DAG-CBOR can carry. */
export type CborValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | CID
  | CborValue[]
  | { [key: string]: CborValue };

/** Raised for any block that is not valid (canonical) DAG-CBOR, naming the object. */
export class CborError extends Error {
  override readonly name = 'CborError';
  constructor(what: string, cause: unknown) {
    super(`invalid DAG-CBOR in ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// CID bytes live in slabs: one off-heap buffer per few hundred CIDs instead of one each.

const SLAB_BYTES = 8192;
let slab = new Uint8Array(new ArrayBuffer(SLAB_BYTES));
let slabUsed = 0;

/** `n` fresh bytes: a view of the current slab (or their own buffer when large). */
function slabAlloc(n: number): Uint8Array {
  if (n > SLAB_BYTES >> 4) return new Uint8Array(new ArrayBuffer(n));
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(new ArrayBuffer(SLAB_BYTES));
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return out;
}

/**
 * A copy of `src[from..]` in the current slab. Copied byte by byte: `subarray` or `set` on a
 * small on-heap array (what the CBOR decoder hands out) would move it off the heap first.
 */
function slabCopy(src: Uint8Array, from: number): Uint8Array {
  const n = src.length - from;
  const out = slabAlloc(n);
  for (let i = 0; i < n; i++) out[i] = src[from + i]!;
  return out;
}

/** A minimal (canonical) unsigned LEB128 varint below 2^28 at `pos`; -1 if it is anything else. */
function minimalVarint(b: Uint8Array, pos: number, out: { next: number }): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= b.length) return -1;
    const x = b[pos++]!;
    value |= (x & 0x7f) << (7 * i);
    if ((x & 0x80) === 0) {
      if (i > 0 && x === 0) return -1;
      out.next = pos;
      return value;
    }
  }
  return -1;
}

const cursor = { next: 0 };
/** What usualCidShape read (reused: no allocation per CID). */
const shape = { codec: 0, mhStart: 0, hashCode: 0, size: 0 };

/** Whether `bytes[from..]` is a CIDv1 of the usual shape (see fastCidV1); fills `shape`. */
function usualCidShape(bytes: Uint8Array, from: number): boolean {
  if (bytes[from] !== 1) return false;
  const codec = minimalVarint(bytes, from + 1, cursor);
  if (codec < 0) return false;
  const mhStart = cursor.next;
  const hashCode = minimalVarint(bytes, mhStart, cursor);
  if (hashCode < 0) return false;
  const size = minimalVarint(bytes, cursor.next, cursor);
  if (size < 0 || cursor.next + size !== bytes.length) return false;
  shape.codec = codec;
  shape.mhStart = mhStart;
  shape.hashCode = hashCode;
  shape.size = size;
  return true;
}

/**
 * The CIDv1 in `bytes[from..]` when it has the usual shape (version 1, minimal varints, exact
 * length), else undefined. The CID's bytes are a copy; its multihash and digest are views of it.
 */
function fastCidV1(bytes: Uint8Array, from: number): CID | undefined {
  if (!usualCidShape(bytes, from)) return undefined;
  const { codec, mhStart, hashCode, size } = shape;
  const copy = slabCopy(bytes, from);
  const digest = new Digest(hashCode, size, copy.subarray(copy.length - size), copy.subarray(mhStart - from));
  return new CID(1, codec, digest, copy);
}

/** Decodes the bytes of a CID (as `CID.decode` does, with the same results and errors). */
export function decodeCidBytes(bytes: Uint8Array): CID {
  return fastCidV1(bytes, 0) ?? CID.decode(bytes);
}

// The tag-42 decoder of DAG-CBOR: a 0x00 prefix, then the CID bytes.
function cidTagDecoder(decode: () => unknown): CID {
  const bytes = decode() as Uint8Array;
  if (bytes[0] !== 0) throw new Error('Invalid CID for CBOR tag 42; expected leading 0x00');
  return fastCidV1(bytes, 1) ?? CID.decode(bytes.subarray(1));
}

const DECODE_OPTIONS = {
  ...dagCbor.decodeOptions,
  tags: Object.assign([], dagCbor.decodeOptions.tags, { 42: cidTagDecoder }),
};

/**
 * A CID met by `decodeCborDeferringCids`: checked (it has the usual shape, so building it
 * cannot fail), but built only when `resolveDeferredCids` asks. Never hand one to a caller.
 */
export class DeferredCid {
  /** `source` is the tag-42 payload: 0x00, then the CID bytes. */
  constructor(private readonly source: Uint8Array) {}
  toCid(): CID {
    return fastCidV1(this.source, 1)!;
  }
}

function deferringCidTagDecoder(decode: () => unknown): CID | DeferredCid {
  const bytes = decode() as Uint8Array;
  if (bytes[0] !== 0) throw new Error('Invalid CID for CBOR tag 42; expected leading 0x00');
  return usualCidShape(bytes, 1) ? new DeferredCid(bytes) : CID.decode(bytes.subarray(1));
}

const DEFERRING_OPTIONS = {
  ...dagCbor.decodeOptions,
  tags: Object.assign([], dagCbor.decodeOptions.tags, { 42: deferringCidTagDecoder }),
};

/**
 * Decodes like `decodeCbor` (same acceptance, same errors), except that CIDs of the usual
 * shape come back as DeferredCid. For blocks (like HAMT nodes) most of whose links are never
 * looked at: pass each part through `resolveDeferredCids` before using it.
 */
export function decodeCborDeferringCids(bytes: Uint8Array, what: string | (() => string) = 'block'): unknown {
  try {
    return cborgDecode(bytes, DEFERRING_OPTIONS);
  } catch (err) {
    throw new CborError(typeof what === 'function' ? what() : what, err);
  }
}

/** `value` with every DeferredCid in it replaced by its CID (arrays and maps are updated in place). */
export function resolveDeferredCids(value: unknown): unknown {
  if (value instanceof DeferredCid) return value.toCid();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof CID)) value[i] = resolveDeferredCids(v);
    }
    return value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof CID)) {
    const map = value as Record<string, unknown>;
    for (const k of Object.keys(map)) map[k] = resolveDeferredCids(map[k]);
  }
  return value;
}

export function encodeCbor(value: unknown): Uint8Array {
  return dagCbor.encode(value);
}

/**
 * Decodes strict DAG-CBOR; `what` names the object in the error message (a function is only
 * called when there is an error, for names that are costly to build).
 */
export function decodeCbor<T = CborValue>(bytes: Uint8Array, what: string | (() => string) = 'block'): T {
  try {
    const view = (bytes as unknown) instanceof ArrayBuffer ? new Uint8Array(bytes as unknown as ArrayBuffer) : bytes;
    return cborgDecode(view, DECODE_OPTIONS) as T;
  } catch (err) {
    throw new CborError(typeof what === 'function' ? what() : what, err);
  }
}

export function blake2b256(bytes: Uint8Array): Uint8Array {
  return fastBlake2b256(bytes);
}

/** Multihash prefix of a blake2b-256 digest: varint 0xb220, then the length 32. */
const BLAKE2B_256_PREFIX = [0xa0, 0xe4, 0x02, 0x20] as const;

/** CID (v1, blake2b-256) of a block with the given codec. */
export function cidOf(bytes: Uint8Array, codec: number = DAG_CBOR): CID {
  const hash = blake2b256(bytes);
  if (!Number.isInteger(codec) || codec < 0 || codec >= 0x4000) {
    return CID.createV1(codec, createDigest(BLAKE2B_256, hash));
  }
  // [version 1][codec varint][multihash prefix][32-byte digest], built in a slab.
  const codecLen = codec < 0x80 ? 1 : 2;
  const mhStart = 1 + codecLen;
  const digestStart = mhStart + BLAKE2B_256_PREFIX.length;
  const copy = slabAlloc(digestStart + 32);
  copy[0] = 1;
  if (codecLen === 1) copy[1] = codec;
  else {
    copy[1] = (codec & 0x7f) | 0x80;
    copy[2] = codec >> 7;
  }
  for (let i = 0; i < BLAKE2B_256_PREFIX.length; i++) copy[mhStart + i] = BLAKE2B_256_PREFIX[i]!;
  for (let i = 0; i < 32; i++) copy[digestStart + i] = hash[i]!;
  const digest = new Digest(BLAKE2B_256, 32, copy.subarray(digestStart), copy.subarray(mhStart));
  return new CID(1, codec, digest, copy);
}

// ---------------------------------------------------------------------------------------------
// Typed reading: for structures of a known schema that come from untrusted bytes (an actor's
// syscall arguments). A generic decode would build the whole value tree (tens of bytes of heap
// per input byte) before anything could say it has the wrong shape; this reader checks each
// header against what the schema expects next and fails there, and never believes a length
// the remaining input cannot hold. It accepts exactly the strict DAG-CBOR `decodeCbor` accepts
// for the item kinds it knows, and builds the same values (integers as numbers when safe,
// bigints beyond; byte strings as copies; CIDs through the same path).

const MAJOR_NAMES = [
  'an unsigned integer',
  'a negative integer',
  'a byte string',
  'a text string',
  'an array',
  'a map',
  'a tag',
  'a float or simple value',
] as const;
const MAJOR_UINT = 0;
const MAJOR_NEGINT = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_TAG = 6;
const CID_TAG = 42;
const TWO_POW_32 = 0x1_0000_0000;
const I64_MAX_BIG = (1n << 63n) - 1n;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Whether `err` is the JS engine running out of stack (a host condition, never bad input). */
export function isStackExhaustion(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/**
 * Reads one strict DAG-CBOR item after another, each checked against the kind the caller asks
 * for. Every failure is a CborError naming the object and the path of the item.
 */
export class CborReader {
  private pos = 0;
  /** The argument of the last header (a bigint only beyond 2^53 - 1). */
  private arg: number | bigint = 0;

  private readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    // A plain view, so that copies are plain Uint8Arrays too (not Buffers), as the decoder's are.
    this.bytes = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(path: string, message: string): never {
    throw new CborError(this.what, new Error(`${path}: ${message}`));
  }

  /** Reads a header that must be of major type `major`; leaves its argument in `this.arg`. */
  private header(major: number, path: string, expected: string): void {
    const b = this.bytes;
    if (this.pos >= b.length) this.fail(path, `expected ${expected}, found the end of the input`);
    const initial = b[this.pos]!;
    const found = initial >> 5;
    if (found !== major) this.fail(path, `expected ${expected}, found ${MAJOR_NAMES[found]}`);
    const info = initial & 0x1f;
    const p = this.pos + 1;
    let size: number;
    if (info < 24) {
      this.arg = info;
      size = 0;
    } else if (info === 24) {
      size = 1;
      this.need(p, size, path);
      this.arg = b[p]!;
      if (this.arg < 24) this.nonMinimal(path);
    } else if (info === 25) {
      size = 2;
      this.need(p, size, path);
      this.arg = (b[p]! << 8) | b[p + 1]!;
      if (this.arg < 0x100) this.nonMinimal(path);
    } else if (info === 26) {
      size = 4;
      this.need(p, size, path);
      this.arg = b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
      if (this.arg < 0x1_0000) this.nonMinimal(path);
    } else if (info === 27) {
      size = 8;
      this.need(p, size, path);
      const hi = b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
      const lo = b[p + 4]! * 0x100_0000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
      if (hi === 0) this.nonMinimal(path);
      this.arg = hi <= 0x1f_ffff ? hi * TWO_POW_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
    } else {
      this.fail(path, `unsupported additional information ${info} (indefinite lengths are not DAG-CBOR)`);
    }
    this.pos = p + size;
  }

  private need(at: number, n: number, path: string): void {
    if (this.bytes.length - at < n) this.fail(path, 'unexpected end of input in a header');
  }

  private nonMinimal(path: string): never {
    this.fail(path, 'integer encoded in more bytes than necessary');
  }

  /** A length argument that the remaining input can hold (`unit` bytes per element at least). */
  private boundedLength(path: string, unit: number): number {
    const n = this.arg;
    if (typeof n === 'bigint' || n * unit > this.remaining) {
      this.fail(path, `length ${n} exceeds the ${this.remaining} bytes of input left`);
    }
    return n;
  }

  /** An unsigned integer (u64), as a number when safe. */
  uint(path: string): number | bigint {
    this.header(MAJOR_UINT, path, 'an unsigned integer');
    return this.arg;
  }

  /** A signed integer in the i64 range, as a number when safe. */
  int64(path: string): number | bigint {
    const b = this.bytes;
    const major = this.pos < b.length ? b[this.pos]! >> 5 : -1;
    if (major === MAJOR_NEGINT) {
      this.header(MAJOR_NEGINT, path, 'an integer');
      const n = this.arg;
      if (typeof n === 'number') {
        const v = -1 - n;
        return v >= Number.MIN_SAFE_INTEGER ? v : -1n - BigInt(n);
      }
      if (n > I64_MAX_BIG) this.fail(path, 'integer out of the i64 range');
      return -1n - n;
    }
    this.header(MAJOR_UINT, path, 'an integer');
    if (typeof this.arg === 'bigint' && this.arg > I64_MAX_BIG) this.fail(path, 'integer out of the i64 range');
    return this.arg;
  }

  /** A byte string (a copy: the input may be memory that changes later). */
  bytesItem(path: string): Uint8Array {
    this.header(MAJOR_BYTES, path, 'a byte string');
    const n = this.boundedLength(path, 1);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A text string, which must be valid UTF-8. */
  text(path: string): string {
    this.header(MAJOR_TEXT, path, 'a text string');
    const n = this.boundedLength(path, 1);
    const raw = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return strictUtf8.decode(raw);
    } catch (err) {
      if (err instanceof TypeError) this.fail(path, 'invalid UTF-8');
      throw err;
    }
  }

  /** The header of an array; returns its length (each element needs at least one byte). */
  arrayLength(path: string): number {
    this.header(MAJOR_ARRAY, path, 'an array');
    return this.boundedLength(path, 1);
  }

  /** The header of an array that must have exactly `n` elements. */
  tuple(n: number, path: string): void {
    const len = this.arrayLength(path);
    if (len !== n) this.fail(path, `expected an array of ${n} elements, found ${len}`);
  }

  /** A list whose elements `item` reads; the length is bounded by the input before any is read. */
  list<T>(path: string, item: (index: number) => T): T[] {
    const len = this.arrayLength(path);
    const out: T[] = [];
    for (let i = 0; i < len; i++) out.push(item(i));
    return out;
  }

  /** A CID: tag 42 over a byte string holding 0x00 and the binary CID. */
  cid(path: string): CID {
    this.header(MAJOR_TAG, path, 'a CID (tag 42)');
    if (this.arg !== CID_TAG) this.fail(path, `unexpected tag ${this.arg}`);
    const raw = this.bytesItem(path);
    if (raw[0] !== 0) this.fail(path, 'invalid CID for CBOR tag 42; expected leading 0x00');
    try {
      return decodeCidBytes(raw.subarray(1));
    } catch (err) {
      // The CID parser's errors are about these (bounded) bytes, except a host out of stack.
      if (isStackExhaustion(err)) throw err;
      return this.fail(path, `invalid CID: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Fails unless every byte has been read. */
  end(): void {
    if (this.pos !== this.bytes.length) this.fail('<end>', `${this.remaining} trailing bytes after the item`);
  }
}
