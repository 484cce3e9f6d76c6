// HAMT node layout (fvm_ipld_hamt v3 format), its strict decoding and its encoding.
//
// Block: CBOR [bitfield, pointers]. The bitfield is the node's occupancy map as an unsigned
// big-endian integer in minimal bytes (bit i = slot i). Each pointer, in slot order, is
// either a CID link to a child node or a bucket: an array of [key bytes, value] pairs
// sorted by key.
import { CID } from 'multiformats/cid';
import { type CborValue, DAG_CBOR, DeferredCid, encodeCbor, decodeCbor, decodeCborDeferringCids, resolveDeferredCids } from './cbor.js';

/** Raised for malformed HAMT blocks or operations the structure cannot perform. */
export class HamtError extends Error {
  override readonly name = 'HamtError';
  constructor(message: string, readonly cid?: CID) {
    super(message);
  }
}

/** Maps stored CBOR values to the caller's value type and back. */
export interface ValueCodec<V> {
  encode(value: V): CborValue;
  /** `where` names the block (CID) the value came from, for error messages. */
  decode(raw: CborValue, where: string): V;
  /** Optional: lets a write of an equal value leave the node clean (no re-serialization). */
  equals?(a: V, b: V): boolean;
}

export const identityCodec: ValueCodec<CborValue> = {
  encode: (v) => v,
  decode: (v) => v,
};

export interface HamtEntry<V> {
  key: Uint8Array;
  value: V;
}

/**
 * An entry of a node decoded with the identity codec: its value's CIDs are built on first
 * access. A full node holds up to 96 entries and a lookup needs one, and building CIDs is
 * most of the cost of decoding a node.
 */
class LazyEntry implements HamtEntry<CborValue> {
  #raw: unknown;
  #value: CborValue | undefined;
  #resolved = false;
  constructor(
    public key: Uint8Array,
    raw: unknown,
  ) {
    this.#raw = raw;
  }
  get value(): CborValue {
    if (!this.#resolved) {
      this.#value = resolveDeferredCids(this.#raw) as CborValue;
      this.#resolved = true;
      this.#raw = undefined;
    }
    return this.#value as CborValue;
  }
  set value(v: CborValue) {
    this.#value = v;
    this.#resolved = true;
    this.#raw = undefined;
  }
}

/** A bucket holds 1..BUCKET_SIZE entries in strictly ascending key order. */
export type HamtBucket<V> = HamtEntry<V>[];

/**
 * A child node. `cid` is the stored block; it is `undefined` while the node is dirty
 * (modified since it was loaded or created), in which case `node` holds it.
 * `node` is also the cache of a loaded, unmodified child.
 */
export interface HamtLink<V> {
  cid: CID | undefined;
  node: HamtNode<V> | undefined;
}

export type HamtPointer<V> = HamtBucket<V> | HamtLink<V>;

export interface HamtNode<V> {
  /** Occupancy bits, 32 per word, slot i in word i >>> 5 at bit i & 31. */
  bitmap: Uint32Array;
  pointers: HamtPointer<V>[];
}

export const BUCKET_SIZE = 3;
/** The bitfield format holds at most 256 slots (bit width 8). */
const MAX_BITFIELD_BYTES = 32;

export function isBucket<V>(p: HamtPointer<V>): p is HamtBucket<V> {
  return Array.isArray(p);
}

export function emptyNode<V>(bitWidth: number): HamtNode<V> {
  return { bitmap: new Uint32Array(wordsFor(bitWidth)), pointers: [] };
}

function wordsFor(bitWidth: number): number {
  return Math.max(1, (1 << bitWidth) >>> 5);
}

// ---- bitfield ----

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function testBit(bitmap: Uint32Array, slot: number): boolean {
  return ((bitmap[slot >>> 5]! >>> (slot & 31)) & 1) === 1;
}

export function setBit(bitmap: Uint32Array, slot: number): void {
  bitmap[slot >>> 5]! |= 1 << (slot & 31);
}

export function clearBit(bitmap: Uint32Array, slot: number): void {
  bitmap[slot >>> 5]! &= ~(1 << (slot & 31));
}

/** Position of `slot`'s pointer in the pointer array: the number of set bits below it. */
export function pointerIndex(bitmap: Uint32Array, slot: number): number {
  const word = slot >>> 5;
  let n = 0;
  for (let w = 0; w < word; w++) n += popcount32(bitmap[w]!);
  const bit = slot & 31;
  if (bit !== 0) n += popcount32(bitmap[word]! & (0xffffffff >>> (32 - bit)));
  return n;
}

function popcount(bitmap: Uint32Array): number {
  let n = 0;
  for (const w of bitmap) n += popcount32(w);
  return n;
}

/** Big-endian, leading zero bytes dropped (an empty bitfield is zero bytes). */
function bitfieldToBytes(bitmap: Uint32Array): Uint8Array {
  const full = new Uint8Array(bitmap.length * 4);
  for (let w = 0; w < bitmap.length; w++) {
    const word = bitmap[w]!;
    const end = full.length - 4 * w;
    full[end - 1] = word & 0xff;
    full[end - 2] = (word >>> 8) & 0xff;
    full[end - 3] = (word >>> 16) & 0xff;
    full[end - 4] = word >>> 24;
  }
  let start = 0;
  while (start < full.length && full[start] === 0) start++;
  return full.subarray(start);
}

/** Returns an error message, or the bitmap. Leading zero bytes are tolerated, as the reference does. */
function bitfieldFromBytes(bytes: Uint8Array, bitWidth: number): Uint32Array | string {
  if (bytes.length > MAX_BITFIELD_BYTES) {
    return `bitfield of ${bytes.length} bytes exceeds the maximum of ${MAX_BITFIELD_BYTES}`;
  }
  const slots = 1 << bitWidth;
  const bitmap = new Uint32Array(wordsFor(bitWidth));
  for (let j = 0; j < bytes.length; j++) {
    const byte = bytes[bytes.length - 1 - j]!;
    if (byte === 0) continue;
    for (let b = 0; b < 8; b++) {
      if (((byte >>> b) & 1) === 0) continue;
      const slot = j * 8 + b;
      // A slot no lookup can reach: the block was not written by a HAMT of this bit width.
      if (slot >= slots) return `bitfield sets slot ${slot}, beyond the ${slots} slots of bit width ${bitWidth}`;
      setBit(bitmap, slot);
    }
  }
  return bitmap;
}

// ---- hash bits ----

/** Reads a key's hash `n` bits at a time, most significant bit first. */
export class HashBits {
  constructor(
    private readonly hash: Uint8Array,
    public consumed = 0,
  ) {}

  /** Next slot index, or -1 once every bit of the hash has been used. */
  next(n: number): number {
    const left = this.hash.length * 8 - this.consumed;
    if (left <= 0) return -1;
    // The last level of the tree may get fewer bits than the bit width.
    const take = n < left ? n : left;
    const at = this.consumed;
    const byte = at >>> 3;
    const window = (this.hash[byte]! << 8) | (byte + 1 < this.hash.length ? this.hash[byte + 1]! : 0);
    this.consumed = at + take;
    return (window >>> (16 - (at & 7) - take)) & ((1 << take) - 1);
  }
}

// ---- keys ----

/** Byte-wise lexicographic order, a proper prefix first (the order of Rust's Vec<u8>). */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function keysEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- block codec ----

/**
 * Decodes and validates one stored node. Rejects everything the reference rejects (pointer
 * count not matching the bitfield, too many pointers, an empty node below the root, empty,
 * oversized or unsorted buckets, non-DAG-CBOR links) and, in addition, bitfield bits beyond
 * the bit width and pointers that are neither a bucket nor a link.
 */
export function decodeHamtNode<V>(
  bytes: Uint8Array,
  cid: CID,
  depth: number,
  bitWidth: number,
  codec: ValueCodec<V>,
): HamtNode<V> {
  // Named lazily: formatting the CID costs more than decoding a small node.
  let whereText: string | undefined;
  const where = (): string => (whereText ??= `HAMT node ${cid.toString()}`);
  const fail = (reason: string): never => {
    throw new HamtError(`invalid ${where()}: ${reason}`, cid);
  };
  // With the identity codec, values are handed out as decoded: their CIDs can wait.
  const lazy = codec === (identityCodec as unknown);
  const raw = lazy ? decodeCborDeferringCids(bytes, where) : decodeCbor<unknown>(bytes, where);
  if (!Array.isArray(raw) || raw.length !== 2) return fail('expected a 2-element array [bitfield, pointers]');
  const [bits, ptrs] = raw as [unknown, unknown];
  if (!(bits instanceof Uint8Array)) return fail('bitfield is not a byte string');
  if (!Array.isArray(ptrs)) return fail('pointers is not an array');
  const bitmap = bitfieldFromBytes(bits, bitWidth);
  if (typeof bitmap === 'string') return fail(bitmap);
  if (ptrs.length > 1 << bitWidth) {
    return fail(`${ptrs.length} pointers exceed the ${1 << bitWidth} allowed by bit width ${bitWidth}`);
  }
  const set = popcount(bitmap);
  if (set !== ptrs.length) return fail(`${ptrs.length} pointers but ${set} bits set in the bitfield`);
  if (ptrs.length === 0 && depth !== 0) return fail('empty node below the root');

  const pointers: HamtPointer<V>[] = new Array(ptrs.length);
  for (let i = 0; i < ptrs.length; i++) {
    const p: unknown = ptrs[i];
    const link = p instanceof DeferredCid ? p.toCid() : CID.asCID(p);
    if (link) {
      if (link.code !== DAG_CBOR) return fail(`link ${link.toString()} has codec 0x${link.code.toString(16)}, not DAG-CBOR`);
      pointers[i] = { cid: link, node: undefined };
      continue;
    }
    if (!Array.isArray(p)) return fail(`pointer ${i} is neither a link nor a bucket`);
    if (p.length === 0) return fail(`pointer ${i} is an empty bucket`);
    if (p.length > BUCKET_SIZE) return fail(`bucket ${i} holds ${p.length} entries, more than ${BUCKET_SIZE}`);
    const bucket: HamtBucket<V> = new Array(p.length);
    for (let j = 0; j < p.length; j++) {
      const kv: unknown = p[j];
      if (!Array.isArray(kv) || kv.length !== 2) return fail(`bucket ${i} entry ${j} is not a [key, value] pair`);
      const key: unknown = kv[0];
      if (!(key instanceof Uint8Array)) return fail(`bucket ${i} entry ${j} key is not a byte string`);
      if (j > 0 && compareKeys(bucket[j - 1]!.key, key) >= 0) return fail(`bucket ${i} has duplicate or unsorted keys`);
      bucket[j] = lazy ? (new LazyEntry(key, kv[1]) as unknown as HamtEntry<V>) : { key, value: decodeValue(codec, kv[1] as CborValue, where(), fail) };
    }
    pointers[i] = bucket;
  }
  return { bitmap, pointers };
}

/** Runs a value codec, reporting its failure as a failure of the block it came from. */
export function decodeValue<V>(codec: ValueCodec<V>, raw: CborValue, where: string, fail: (reason: string) => never): V {
  try {
    return codec.decode(raw, where);
  } catch (err) {
    return fail(`bad value: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Encodes a node whose children have all been flushed (every link has a CID). */
export function encodeHamtNode<V>(node: HamtNode<V>, codec: ValueCodec<V>): Uint8Array {
  const ptrs: CborValue[] = new Array(node.pointers.length);
  for (let i = 0; i < node.pointers.length; i++) {
    const p = node.pointers[i]!;
    if (isBucket(p)) {
      ptrs[i] = p.map((e) => [e.key, codec.encode(e.value)]);
    } else {
      if (p.cid === undefined) throw new HamtError('internal: encoding a HAMT node with an unflushed child');
      ptrs[i] = p.cid;
    }
  }
  return encodeCbor([bitfieldToBytes(node.bitmap), ptrs]);
}
