// AMT v3 node and root layout, strict decoding and encoding.
//
// Root block: CBOR [bitWidth, height, count, node]. Node: [bitmap, links, values] where the
// bitmap has one bit per slot (slot i is bit i % 8 of byte i / 8, least significant first)
// and is max(1, 2^bitWidth / 8) bytes long; a node at height 0 lists its present values,
// a node above lists CIDs of its present children, in slot order.
import { CID } from 'multiformats/cid';
import { type CborValue, encodeCbor } from './cbor.js';
import { decodeValue, type ValueCodec } from './hamt-node.js';

/** Raised for malformed AMT blocks and out-of-range indices. */
export class AmtError extends Error {
  override readonly name = 'AmtError';
  constructor(message: string, readonly cid?: CID) {
    super(message);
  }
}

/** Largest settable index (u64::MAX - 1). */
export const MAX_INDEX = 0xffff_ffff_ffff_fffen;
/** Deepest root the reference will load. */
export const MAX_HEIGHT = 64;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** We keep a node's slots in a dense array; wider nodes are not used anywhere in Filecoin. */
export const MAX_BIT_WIDTH = 16;

/** A child node: `cid` is undefined while the child is dirty; `node` caches a loaded child. */
export interface AmtLink<V> {
  cid: CID | undefined;
  node: AmtNode<V> | undefined;
}

export type AmtNode<V> =
  | { kind: 'leaf'; values: (V | undefined)[] }
  | { kind: 'link'; links: (AmtLink<V> | undefined)[] };

export function emptyLeaf<V>(bitWidth: number): AmtNode<V> {
  return { kind: 'leaf', values: new Array<V | undefined>(1 << bitWidth).fill(undefined) };
}

export function emptyLinkNode<V>(bitWidth: number): AmtNode<V> {
  return { kind: 'link', links: new Array<AmtLink<V> | undefined>(1 << bitWidth).fill(undefined) };
}

export function isEmptyNode<V>(node: AmtNode<V>): boolean {
  const slots = node.kind === 'leaf' ? node.values : node.links;
  for (const s of slots) if (s !== undefined) return false;
  return true;
}

export function bitmapBytes(bitWidth: number): number {
  return bitWidth <= 3 ? 1 : 1 << (bitWidth - 3);
}

/**
 * Index span of one child of a node at `height`: 2^(bitWidth*height), saturated at u64::MAX
 * like the reference (the saturation decides range checks at the maximum height).
 */
export function nodesForHeight(bitWidth: number, height: number): bigint {
  const log2 = bitWidth * height;
  return log2 >= 64 ? U64_MAX : 1n << BigInt(log2);
}

export interface AmtRootFields {
  bitWidth: number;
  height: number;
  count: bigint;
  node: unknown;
}

/** Splits a decoded root block, checking field types and bounds. */
export function decodeAmtRoot(raw: unknown, cid: CID): AmtRootFields {
  const fail = (reason: string): never => {
    throw new AmtError(`invalid AMT root ${cid.toString()}: ${reason}`, cid);
  };
  if (!Array.isArray(raw) || raw.length !== 4) return fail('expected a 4-element array [bitWidth, height, count, node]');
  const [bw, height, count, node] = raw as unknown[];
  if (typeof bw !== 'number' || !Number.isInteger(bw) || bw < 1 || bw > MAX_BIT_WIDTH) {
    return fail(`bit width ${String(bw)} is not an integer from 1 to ${MAX_BIT_WIDTH}`);
  }
  if (typeof height !== 'number' || !Number.isInteger(height) || height < 0) return fail(`height ${String(height)} is not an unsigned integer`);
  if (height > MAX_HEIGHT) return fail(`height ${height} exceeds the maximum of ${MAX_HEIGHT}`);
  let n: bigint;
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0) n = BigInt(count);
  else if (typeof count === 'bigint' && count >= 0n && count <= U64_MAX) n = count;
  else return fail(`count ${String(count)} is not an unsigned 64-bit integer`);
  return { bitWidth: bw, height, count: n, node };
}

/**
 * Decodes and validates one node (`raw` is the decoded CBOR). Rejects what the reference
 * rejects (bitmap length, links together with values, set-bit count not matching the
 * entries) and, additionally, stray bitmap bits beyond the node's slots, links at height 0,
 * values above it, and empty nodes anywhere but an empty root of height 0: such blocks are
 * never written by an AMT and the reference would misread them.
 */
export function decodeAmtNode<V>(
  raw: unknown,
  where: string,
  cid: CID,
  bitWidth: number,
  height: number,
  isRoot: boolean,
  codec: ValueCodec<V>,
): AmtNode<V> {
  const fail = (reason: string): never => {
    throw new AmtError(`invalid ${where}: ${reason}`, cid);
  };
  if (!Array.isArray(raw) || raw.length !== 3) return fail('expected a 3-element array [bitmap, links, values]');
  const [bmap, links, values] = raw as unknown[];
  if (!(bmap instanceof Uint8Array)) return fail('bitmap is not a byte string');
  if (!Array.isArray(links)) return fail('links is not an array');
  if (!Array.isArray(values)) return fail('values is not an array');
  if (bmap.length !== bitmapBytes(bitWidth)) {
    return fail(`bitmap is ${bmap.length} bytes, expected ${bitmapBytes(bitWidth)} for bit width ${bitWidth}`);
  }
  if (links.length > 0 && values.length > 0) return fail('node holds both links and values');
  const width = 1 << bitWidth;
  let set = 0;
  for (let i = 0; i < bmap.length * 8; i++) {
    if (((bmap[i >>> 3]! >>> (i & 7)) & 1) === 0) continue;
    if (i >= width) return fail(`bitmap sets slot ${i}, beyond the ${width} slots of bit width ${bitWidth}`);
    set++;
  }
  const entries = links.length > 0 ? links : values;
  if (set !== entries.length) return fail(`${entries.length} entries but ${set} bits set in the bitmap`);
  if (height === 0 && links.length > 0) return fail('links in a node at height 0');
  if (height > 0 && values.length > 0) return fail(`values in a node at height ${height}`);
  if (entries.length === 0 && !(isRoot && height === 0)) {
    return fail(isRoot ? `empty root node at height ${height}` : 'empty node');
  }

  let next = 0;
  if (height === 0) {
    const slots = new Array<V | undefined>(width).fill(undefined);
    for (let i = 0; i < width; i++) {
      if (((bmap[i >>> 3]! >>> (i & 7)) & 1) === 1) slots[i] = decodeValue(codec, values[next++] as CborValue, where, fail);
    }
    return { kind: 'leaf', values: slots };
  }
  const slots = new Array<AmtLink<V> | undefined>(width).fill(undefined);
  for (let i = 0; i < width; i++) {
    if (((bmap[i >>> 3]! >>> (i & 7)) & 1) === 0) continue;
    const link = CID.asCID(links[next]);
    if (!link) return fail(`link ${next} is not a CID`);
    next++;
    slots[i] = { cid: link, node: undefined };
  }
  return { kind: 'link', links: slots };
}

/** Encodes a node whose children have all been flushed, as the CBOR value (not bytes). */
export function amtNodeToCbor<V>(node: AmtNode<V>, bitWidth: number, codec: ValueCodec<V>): CborValue {
  const bmap = new Uint8Array(bitmapBytes(bitWidth));
  const links: CID[] = [];
  const values: CborValue[] = [];
  if (node.kind === 'leaf') {
    node.values.forEach((v, i) => {
      if (v === undefined) return;
      bmap[i >>> 3]! |= 1 << (i & 7);
      values.push(codec.encode(v));
    });
  } else {
    node.links.forEach((l, i) => {
      if (l === undefined) return;
      if (l.cid === undefined) throw new AmtError('internal: encoding an AMT node with an unflushed child');
      bmap[i >>> 3]! |= 1 << (i & 7);
      links.push(l.cid);
    });
  }
  return [bmap, links, values];
}

export function encodeAmtNode<V>(node: AmtNode<V>, bitWidth: number, codec: ValueCodec<V>): Uint8Array {
  return encodeCbor(amtNodeToCbor(node, bitWidth, codec));
}
