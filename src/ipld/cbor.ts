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
