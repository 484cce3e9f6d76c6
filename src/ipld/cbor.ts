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

function slabCopy(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n > SLAB_BYTES >> 4) {
    const own = new Uint8Array(new ArrayBuffer(n));
    own.set(src);
    return own;
  }
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(new ArrayBuffer(SLAB_BYTES));
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  out.set(src);
  slabUsed += n;
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

/**
 * The CIDv1 in `bytes` when it has the usual shape (version 1, minimal varints, exact length),
 * else undefined. The CID's bytes are a copy; its multihash and digest are views of that copy.
 */
function fastCidV1(bytes: Uint8Array, from: number): CID | undefined {
  if (bytes[from] !== 1) return undefined;
  const codec = minimalVarint(bytes, from + 1, cursor);
  if (codec < 0) return undefined;
  const mhStart = cursor.next;
  const hashCode = minimalVarint(bytes, mhStart, cursor);
  if (hashCode < 0) return undefined;
  const size = minimalVarint(bytes, cursor.next, cursor);
  if (size < 0 || cursor.next + size !== bytes.length) return undefined;
  const copy = slabCopy(from === 0 ? bytes : bytes.subarray(from));
  const shift = mhStart - from;
  const digest = new Digest(hashCode, size, copy.subarray(copy.length - size), copy.subarray(shift));
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
  // [version 1][codec varint][multihash prefix][32-byte digest], built in place.
  const codecLen = codec < 0x80 ? 1 : 2;
  const buf = new Uint8Array(1 + codecLen + BLAKE2B_256_PREFIX.length + 32);
  buf[0] = 1;
  if (codecLen === 1) buf[1] = codec;
  else {
    buf[1] = (codec & 0x7f) | 0x80;
    buf[2] = codec >> 7;
  }
  const mhStart = 1 + codecLen;
  buf.set(BLAKE2B_256_PREFIX, mhStart);
  buf.set(hash, mhStart + BLAKE2B_256_PREFIX.length);
  const copy = slabCopy(buf);
  const digest = new Digest(BLAKE2B_256, 32, copy.subarray(copy.length - 32), copy.subarray(mhStart));
  return new CID(1, codec, digest, copy);
}
