// Filecoin's AMT (fvm_ipld_amt v3): a persistent sparse array indexed by u64, byte-identical
// to the reference. The tree grows in height when an index beyond its span is set and
// shrinks back when deletes leave only the first child of the root.
//
// Loaded nodes stay cached; writes mark the path dirty and flush() re-serializes only those.
import type { CID } from 'multiformats/cid';
import type { CborValue } from './cbor.js';
import { cidOf, decodeCbor, encodeCbor, DAG_CBOR } from './cbor.js';
import { type Blockstore, getBlock } from './blockstore.js';
import { identityCodec, type ValueCodec } from './hamt-node.js';
import {
  AmtError,
  type AmtLink,
  type AmtNode,
  MAX_BIT_WIDTH,
  MAX_HEIGHT,
  MAX_INDEX,
  amtNodeToCbor,
  decodeAmtNode,
  decodeAmtRoot,
  emptyLeaf,
  emptyLinkNode,
  encodeAmtNode,
  isEmptyNode,
  nodesForHeight,
} from './amt-node.js';

export { AmtError, MAX_INDEX, MAX_BIT_WIDTH } from './amt-node.js';
export type { ValueCodec } from './hamt-node.js';

export const DEFAULT_AMT_BIT_WIDTH = 3;

export interface AmtOptions<V> {
  /** Slots per node are 2^bitWidth. For create: default 3. For load: if given, the root must match. */
  bitWidth?: number;
  /** How values map to CBOR. Default: values are CborValue as stored. */
  codec?: ValueCodec<V>;
}

export class Amt<V = CborValue> {
  readonly bitWidth: number;
  readonly #bs: Blockstore;
  readonly #codec: ValueCodec<V>;
  #height: number;
  #count: bigint;
  #root: AmtNode<V>;
  #flushed: CID | undefined;
  /** nodesForHeight for every height a root may have, plus one. */
  readonly #span: bigint[];

  private constructor(bs: Blockstore, bitWidth: number, codec: ValueCodec<V>) {
    this.bitWidth = bitWidth;
    this.#bs = bs;
    this.#codec = codec;
    this.#height = 0;
    this.#count = 0n;
    this.#root = emptyLeaf(bitWidth);
    this.#flushed = undefined;
    this.#span = Array.from({ length: MAX_HEIGHT + 2 }, (_, h) => nodesForHeight(bitWidth, h));
  }

  static create<V = CborValue>(bs: Blockstore, opts: AmtOptions<V> = {}): Amt<V> {
    const bw = opts.bitWidth ?? DEFAULT_AMT_BIT_WIDTH;
    checkBitWidth(bw);
    return new Amt<V>(bs, bw, opts.codec ?? (identityCodec as unknown as ValueCodec<V>));
  }

  /** Loads and validates the root block; other nodes are loaded on first use. */
  static load<V = CborValue>(bs: Blockstore, root: CID, opts: AmtOptions<V> = {}): Amt<V> {
    const where = `AMT root ${root.toString()}`;
    const fields = decodeAmtRoot(decodeCbor<unknown>(getBlock(bs, root, 'AMT root'), where), root);
    if (opts.bitWidth !== undefined && opts.bitWidth !== fields.bitWidth) {
      throw new AmtError(`${where} has bit width ${fields.bitWidth}, expected ${opts.bitWidth}`, root);
    }
    const amt = new Amt<V>(bs, fields.bitWidth, opts.codec ?? (identityCodec as unknown as ValueCodec<V>));
    amt.#root = decodeAmtNode(fields.node, where, root, fields.bitWidth, fields.height, true, amt.#codec);
    amt.#height = fields.height;
    amt.#count = fields.count;
    amt.#flushed = root;
    return amt;
  }

  /** Builds an AMT holding `values` at indices 0.. and returns its flushed root. */
  static fromArray<V = CborValue>(bs: Blockstore, values: Iterable<V>, opts: AmtOptions<V> = {}): CID {
    const amt = Amt.create<V>(bs, opts);
    amt.batchSet(values);
    return amt.flush();
  }

  /** Number of values, as recorded in the root. */
  get count(): bigint {
    return this.#count;
  }

  get height(): number {
    return this.#height;
  }

  get(index: bigint | number): V | undefined {
    let i = toIndex(index);
    if (i >= this.#span[this.#height + 1]!) return undefined;
    let node = this.#root;
    for (let h = this.#height; h > 0; h--) {
      const span = this.#span[h]!;
      const link = linksOf(node)[Number(i / span)];
      if (link === undefined) return undefined;
      node = this.#child(link, h - 1);
      i %= span;
    }
    return valuesOf(node)[Number(i)];
  }

  has(index: bigint | number): boolean {
    return this.get(index) !== undefined;
  }

  /** Sets the value at `index`; returns the previous value, if any. */
  set(index: bigint | number, value: V): V | undefined {
    const i = toIndex(index);
    if (value === undefined) throw new TypeError('AMT value must not be undefined');
    while (i >= this.#span[this.#height + 1]!) {
      // Grow: the current root becomes the first child of a new root.
      const grown = emptyLinkNode<V>(this.bitWidth);
      if (!isEmptyNode(this.#root)) linksOf(grown)[0] = { cid: undefined, node: this.#root };
      this.#root = grown;
      this.#height++;
    }
    const previous = this.#setIn(this.#root, this.#height, i, value);
    if (previous === undefined) this.#count++;
    this.#flushed = undefined;
    return previous;
  }

  /** Sets values at indices 0, 1, 2, ... in order. */
  batchSet(values: Iterable<V>): void {
    let i = 0n;
    for (const v of values) this.set(i++, v);
  }

  /** Removes the value at `index`; returns it, or undefined if there was none. */
  delete(index: bigint | number): V | undefined {
    const i = toIndex(index);
    if (i >= this.#span[this.#height + 1]!) return undefined;
    const removed = this.#deleteIn(this.#root, this.#height, i);
    if (removed === undefined) return undefined;
    this.#flushed = undefined;
    // A root whose count understates its contents was not written by an AMT.
    if (this.#count === 0n) throw new AmtError('AMT count underflow: the root records fewer values than it holds');
    this.#count--;
    if (isEmptyNode(this.#root)) {
      this.#root = emptyLeaf(this.bitWidth);
      this.#height = 0;
      return removed;
    }
    // Shrink while the root's only child is its first.
    while (this.#height > 0 && onlyFirstLink(this.#root)) {
      this.#root = this.#child(linksOf(this.#root)[0]!, this.#height - 1);
      this.#height--;
    }
    return removed;
  }

  /** Visits present values in index order. */
  forEach(cb: (index: bigint, value: V) => void): void {
    this.#visit(this.#root, this.#height, 0n, cb);
  }

  /** Present [index, value] pairs in index order. Do not modify the AMT while iterating. */
  *entries(): IterableIterator<[bigint, V]> {
    yield* this.#walk(this.#root, this.#height, 0n);
  }

  [Symbol.iterator](): IterableIterator<[bigint, V]> {
    return this.entries();
  }

  /** Writes every dirty node and the root to the blockstore; returns the root CID. */
  flush(): CID {
    if (this.#flushed !== undefined) return this.#flushed;
    this.#flushChildren(this.#root);
    const bytes = encodeCbor([this.bitWidth, this.#height, this.#count, amtNodeToCbor(this.#root, this.bitWidth, this.#codec)]);
    const cid = cidOf(bytes, DAG_CBOR);
    this.#bs.put(cid, bytes);
    this.#flushed = cid;
    return cid;
  }

  // ---- internals ----

  #child(link: AmtLink<V>, height: number): AmtNode<V> {
    if (link.node === undefined) {
      const cid = link.cid!;
      const where = `AMT node ${cid.toString()}`;
      const raw = decodeCbor<unknown>(getBlock(this.#bs, cid, 'AMT node'), where);
      link.node = decodeAmtNode(raw, where, cid, this.bitWidth, height, false, this.#codec);
    }
    return link.node;
  }

  #setIn(node: AmtNode<V>, height: number, i: bigint, value: V): V | undefined {
    if (height === 0) {
      const values = valuesOf(node);
      const slot = Number(i);
      const previous = values[slot];
      values[slot] = value;
      return previous;
    }
    const span = this.#span[height]!;
    const links = linksOf(node);
    const slot = Number(i / span);
    let link = links[slot];
    if (link === undefined) {
      const fresh = height === 1 ? emptyLeaf<V>(this.bitWidth) : emptyLinkNode<V>(this.bitWidth);
      link = links[slot] = { cid: undefined, node: fresh };
    } else {
      this.#child(link, height - 1);
      link.cid = undefined;
    }
    return this.#setIn(link.node!, height - 1, i % span, value);
  }

  #deleteIn(node: AmtNode<V>, height: number, i: bigint): V | undefined {
    if (height === 0) {
      const values = valuesOf(node);
      const slot = Number(i);
      const removed = values[slot];
      values[slot] = undefined;
      return removed;
    }
    const span = this.#span[height]!;
    const links = linksOf(node);
    const slot = Number(i / span);
    const link = links[slot];
    if (link === undefined) return undefined;
    const child = this.#child(link, height - 1);
    const removed = this.#deleteIn(child, height - 1, i % span);
    if (removed === undefined) return undefined;
    if (isEmptyNode(child)) links[slot] = undefined;
    else link.cid = undefined;
    return removed;
  }

  #visit(node: AmtNode<V>, height: number, offset: bigint, cb: (index: bigint, value: V) => void): void {
    if (node.kind === 'leaf') {
      node.values.forEach((v, j) => {
        if (v !== undefined) cb(offset + BigInt(j), v);
      });
      return;
    }
    const span = this.#span[height]!;
    node.links.forEach((l, j) => {
      if (l !== undefined) this.#visit(this.#child(l, height - 1), height - 1, offset + BigInt(j) * span, cb);
    });
  }

  *#walk(node: AmtNode<V>, height: number, offset: bigint): Generator<[bigint, V]> {
    if (node.kind === 'leaf') {
      for (let j = 0; j < node.values.length; j++) {
        const v = node.values[j];
        if (v !== undefined) yield [offset + BigInt(j), v];
      }
      return;
    }
    const span = this.#span[height]!;
    for (let j = 0; j < node.links.length; j++) {
      const l = node.links[j];
      if (l !== undefined) yield* this.#walk(this.#child(l, height - 1), height - 1, offset + BigInt(j) * span);
    }
  }

  #flushChildren(node: AmtNode<V>): void {
    if (node.kind === 'leaf') return;
    for (const l of node.links) {
      if (l === undefined || l.cid !== undefined) continue;
      const child = l.node!;
      this.#flushChildren(child);
      const bytes = encodeAmtNode(child, this.bitWidth, this.#codec);
      l.cid = cidOf(bytes, DAG_CBOR);
      this.#bs.put(l.cid, bytes);
    }
  }
}

function checkBitWidth(bw: number): void {
  if (!Number.isInteger(bw) || bw < 1 || bw > MAX_BIT_WIDTH) {
    throw new AmtError(`AMT bit width must be an integer from 1 to ${MAX_BIT_WIDTH}, got ${bw}`);
  }
}

function toIndex(index: bigint | number): bigint {
  let i: bigint;
  if (typeof index === 'bigint') i = index;
  else if (Number.isSafeInteger(index)) i = BigInt(index);
  else throw new AmtError(`AMT index ${index} is not a safe integer`);
  if (i < 0n || i > MAX_INDEX) throw new AmtError(`AMT index ${i} out of range 0..${MAX_INDEX}`);
  return i;
}

// The height bookkeeping guarantees the node kind; these narrow it without a silent fallback.
function linksOf<V>(node: AmtNode<V>): (AmtLink<V> | undefined)[] {
  if (node.kind !== 'link') throw new AmtError('internal: expected an AMT link node');
  return node.links;
}

function valuesOf<V>(node: AmtNode<V>): (V | undefined)[] {
  if (node.kind !== 'leaf') throw new AmtError('internal: expected an AMT leaf node');
  return node.values;
}

function onlyFirstLink<V>(node: AmtNode<V>): boolean {
  if (node.kind !== 'link' || node.links[0] === undefined) return false;
  for (let j = 1; j < node.links.length; j++) if (node.links[j] !== undefined) return false;
  return true;
}
