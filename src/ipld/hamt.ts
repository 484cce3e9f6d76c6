// Filecoin's HAMT (fvm_ipld_hamt v3 format): a persistent map from byte keys to CBOR values,
// sharded by the sha256 of the key. Blocks are byte-identical to the reference's, including
// the canonical shape after deletes, so roots (e.g. the state tree's actors map) agree.
//
// Loaded nodes stay cached; a write marks the path to the root dirty and only dirty nodes are
// re-serialized on flush().
import type { CID } from 'multiformats/cid';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CborValue } from './cbor.js';
import { cidOf, DAG_CBOR } from './cbor.js';
import { type Blockstore, getBlock } from './blockstore.js';
import {
  BUCKET_SIZE,
  HamtError,
  HashBits,
  type HamtBucket,
  type HamtEntry,
  type HamtLink,
  type HamtNode,
  type HamtPointer,
  type ValueCodec,
  clearBit,
  compareKeys,
  decodeHamtNode,
  emptyNode,
  encodeHamtNode,
  identityCodec,
  isBucket,
  keysEqual,
  pointerIndex,
  setBit,
  testBit,
} from './hamt-node.js';

export { HamtError, type ValueCodec } from './hamt-node.js';

/** The bit width of the state tree and of the builtin actors' maps. */
export const DEFAULT_HAMT_BIT_WIDTH = 5;

export interface HamtOptions<V> {
  /** Bits of the key hash consumed per level (1..8): each node has 2^bitWidth slots. Default 5. */
  bitWidth?: number;
  /** How values map to CBOR. Default: values are CborValue as stored. */
  codec?: ValueCodec<V>;
  /** Key hash; sha256 by default. Tests may substitute another 32-byte hash. */
  hashKey?: (key: Uint8Array) => Uint8Array;
}

interface Change<V> {
  modified: boolean;
  previous: V | undefined;
}

const UNCHANGED: Change<never> = { modified: false, previous: undefined };
const INSERTED: Change<never> = { modified: true, previous: undefined };

export class Hamt<V = CborValue> {
  readonly bitWidth: number;
  readonly #bs: Blockstore;
  readonly #codec: ValueCodec<V>;
  readonly #hash: (key: Uint8Array) => Uint8Array;
  #root: HamtNode<V>;
  /** CID of the root as last flushed or loaded; undefined once modified. */
  #flushed: CID | undefined;

  private constructor(bs: Blockstore, opts: HamtOptions<V>, root: CID | undefined) {
    const bitWidth = opts.bitWidth ?? DEFAULT_HAMT_BIT_WIDTH;
    if (!Number.isInteger(bitWidth) || bitWidth < 1 || bitWidth > 8) {
      throw new HamtError(`HAMT bit width must be an integer from 1 to 8, got ${bitWidth}`);
    }
    this.bitWidth = bitWidth;
    this.#bs = bs;
    this.#codec = opts.codec ?? (identityCodec as unknown as ValueCodec<V>);
    this.#hash = opts.hashKey ?? sha256;
    this.#root = root === undefined ? emptyNode(bitWidth) : this.#load(root, 0);
    this.#flushed = root;
  }

  static create<V = CborValue>(bs: Blockstore, opts: HamtOptions<V> = {}): Hamt<V> {
    return new Hamt<V>(bs, opts, undefined);
  }

  /** Loads (and validates) the root node now; children are loaded on first use. */
  static load<V = CborValue>(bs: Blockstore, root: CID, opts: HamtOptions<V> = {}): Hamt<V> {
    return new Hamt<V>(bs, opts, root);
  }

  get(key: Uint8Array): V | undefined {
    return this.#find(key)?.value;
  }

  has(key: Uint8Array): boolean {
    return this.#find(key) !== undefined;
  }

  /** Sets `key` to `value`; returns the previous value, if any. */
  set(key: Uint8Array, value: V): V | undefined {
    const change = this.#modify(key, value, true);
    return change.previous;
  }

  /** Sets `key` only if it is absent; returns whether it was set. */
  setIfAbsent(key: Uint8Array, value: V): boolean {
    return this.#modify(key, value, false).modified;
  }

  /** Removes `key`; returns its value, or undefined if it was absent. */
  delete(key: Uint8Array): V | undefined {
    const removed = this.#remove(this.#root, new HashBits(this.#hash(key)), 0, key);
    if (removed === undefined) return undefined;
    this.#flushed = undefined;
    return removed.value;
  }

  isEmpty(): boolean {
    return this.#root.pointers.length === 0;
  }

  /** Visits every entry in the reference's order (slot order, depth first, bucket order). */
  forEach(cb: (key: Uint8Array, value: V) => void): void {
    this.#visit(this.#root, 0, cb);
  }

  /** Entries in forEach order. Do not modify the HAMT (or the yielded keys) while iterating. */
  *entries(): IterableIterator<[Uint8Array, V]> {
    const stack: { pointers: HamtPointer<V>[]; next: number }[] = [{ pointers: this.#root.pointers, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next === top.pointers.length) {
        stack.pop();
        continue;
      }
      const p = top.pointers[top.next++]!;
      if (isBucket(p)) {
        for (const e of p) yield [e.key, e.value];
      } else {
        stack.push({ pointers: this.#child(p, stack.length).pointers, next: 0 });
      }
    }
  }

  [Symbol.iterator](): IterableIterator<[Uint8Array, V]> {
    return this.entries();
  }

  /** Writes every dirty node to the blockstore and returns the root CID. */
  flush(): CID {
    if (this.#flushed !== undefined) return this.#flushed;
    this.#flushChildren(this.#root);
    this.#flushed = this.#put(this.#root);
    return this.#flushed;
  }

  // ---- internals ----

  #load(cid: CID, depth: number): HamtNode<V> {
    const bytes = getBlock(this.#bs, cid, 'HAMT node');
    return decodeHamtNode(bytes, cid, depth, this.bitWidth, this.#codec);
  }

  #child(link: HamtLink<V>, depth: number): HamtNode<V> {
    if (link.node === undefined) link.node = this.#load(link.cid!, depth);
    return link.node;
  }

  #slot(bits: HashBits, key: Uint8Array): number {
    const slot = bits.next(this.bitWidth);
    if (slot < 0) {
      throw new HamtError(`HAMT maximum depth reached: hash bits exhausted for key 0x${toHex(key)}`);
    }
    return slot;
  }

  #find(key: Uint8Array): HamtEntry<V> | undefined {
    const bits = new HashBits(this.#hash(key));
    let node = this.#root;
    for (let depth = 0; ; depth++) {
      const slot = this.#slot(bits, key);
      if (!testBit(node.bitmap, slot)) return undefined;
      const p = node.pointers[pointerIndex(node.bitmap, slot)]!;
      if (isBucket(p)) {
        for (const e of p) if (keysEqual(e.key, key)) return e;
        return undefined;
      }
      node = this.#child(p, depth + 1);
    }
  }

  #modify(key: Uint8Array, value: V, overwrite: boolean): Change<V> {
    if (!(key instanceof Uint8Array)) throw new TypeError('HAMT key must be a Uint8Array');
    if (value === undefined) throw new TypeError('HAMT value must not be undefined');
    const change = this.#modifyIn(this.#root, new HashBits(this.#hash(key)), 0, key, value, overwrite);
    if (change.modified) this.#flushed = undefined;
    return change;
  }

  #modifyIn(node: HamtNode<V>, bits: HashBits, depth: number, key: Uint8Array, value: V, overwrite: boolean): Change<V> {
    const slot = this.#slot(bits, key);
    const at = pointerIndex(node.bitmap, slot);
    if (!testBit(node.bitmap, slot)) {
      setBit(node.bitmap, slot);
      node.pointers.splice(at, 0, [{ key: key.slice(), value }]);
      return INSERTED;
    }
    const p = node.pointers[at]!;
    if (!isBucket(p)) {
      const change = this.#modifyIn(this.#child(p, depth + 1), bits, depth + 1, key, value, overwrite);
      if (change.modified) p.cid = undefined;
      return change;
    }
    let insertAt = p.length;
    for (let i = 0; i < p.length; i++) {
      const c = compareKeys(p[i]!.key, key);
      if (c === 0) {
        if (!overwrite) return UNCHANGED;
        const previous = p[i]!.value;
        p[i]!.value = value;
        const same = previous === value || (this.#codec.equals?.(previous, value) ?? false);
        return { modified: !same, previous };
      }
      if (c > 0) {
        insertAt = i;
        break;
      }
    }
    if (p.length < BUCKET_SIZE) {
      p.splice(insertAt, 0, { key: key.slice(), value });
      return INSERTED;
    }
    // Full bucket: push its entries and the new one down into a fresh child node.
    const consumed = bits.consumed;
    const sub = emptyNode<V>(this.bitWidth);
    const change = this.#modifyIn(sub, bits, depth + 1, key, value, overwrite);
    for (const e of p) {
      this.#modifyIn(sub, new HashBits(this.#hash(e.key), consumed), depth + 1, e.key, e.value, overwrite);
    }
    node.pointers[at] = { cid: undefined, node: sub };
    return change;
  }

  #remove(node: HamtNode<V>, bits: HashBits, depth: number, key: Uint8Array): { value: V } | undefined {
    const slot = this.#slot(bits, key);
    if (!testBit(node.bitmap, slot)) return undefined;
    const at = pointerIndex(node.bitmap, slot);
    const p = node.pointers[at]!;
    if (isBucket(p)) {
      const i = p.findIndex((e) => keysEqual(e.key, key));
      if (i < 0) return undefined;
      const removed = p[i]!;
      if (p.length === 1) {
        clearBit(node.bitmap, slot);
        node.pointers.splice(at, 1);
      } else {
        p.splice(i, 1);
      }
      return { value: removed.value };
    }
    const child = this.#child(p, depth + 1);
    const removed = this.#remove(child, bits, depth + 1, key);
    if (removed === undefined) return undefined;
    const stored = p.cid;
    p.cid = undefined;
    const collapsed = this.#collapse(child, stored);
    if (collapsed !== undefined) node.pointers[at] = collapsed;
    return removed;
  }

  /**
   * Canonical form after a delete: a child left with a single bucket, or with only buckets
   * holding at most BUCKET_SIZE entries in all, is replaced by one bucket in its parent.
   * Returns that bucket, or undefined to keep the child.
   */
  #collapse(child: HamtNode<V>, stored: CID | undefined): HamtBucket<V> | undefined {
    const ptrs = child.pointers;
    if (ptrs.length === 0) {
      // Only reachable from a tree that was not canonical to begin with.
      throw new HamtError(
        `HAMT node ${stored?.toString() ?? '(unsaved)'} has no pointers left after a delete; the tree was not in canonical form`,
      );
    }
    if (ptrs.length === 1) {
      const only = ptrs[0]!;
      return isBucket(only) ? only : undefined;
    }
    if (ptrs.length > BUCKET_SIZE) return undefined;
    let total = 0;
    for (const q of ptrs) {
      if (!isBucket(q)) return undefined;
      total += q.length;
    }
    if (total > BUCKET_SIZE) return undefined;
    const merged: HamtBucket<V> = [];
    for (const q of ptrs) merged.push(...(q as HamtBucket<V>));
    merged.sort((a, b) => compareKeys(a.key, b.key));
    return merged;
  }

  #visit(node: HamtNode<V>, depth: number, cb: (key: Uint8Array, value: V) => void): void {
    for (const p of node.pointers) {
      if (isBucket(p)) {
        for (const e of p) cb(e.key, e.value);
      } else {
        this.#visit(this.#child(p, depth + 1), depth + 1, cb);
      }
    }
  }

  #flushChildren(node: HamtNode<V>): void {
    for (const p of node.pointers) {
      if (isBucket(p) || p.cid !== undefined) continue;
      const child = p.node!;
      this.#flushChildren(child);
      p.cid = this.#put(child);
    }
  }

  #put(node: HamtNode<V>): CID {
    const bytes = encodeHamtNode(node, this.#codec);
    const cid = cidOf(bytes, DAG_CBOR);
    this.#bs.put(cid, bytes);
    return cid;
  }
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
