// Filecoin's HAMT (fvm_ipld_hamt v3 format) over the ipld syscalls: a map from byte keys to
// DAG-CBOR values, sharded by sha256(key), whose blocks are byte-identical to the reference's
// (and to src/ipld/hamt.ts), including the canonical shape after deletes.
//
// Node block: [bitfield, pointers]. The bitfield is the occupancy map as a minimal big-endian
// byte string (bit i = slot i); each pointer, in slot order, is a link (CID) to a child node or
// a bucket of 1..3 [key, value] pairs sorted by key. Values are kept as their encoded CBOR
// bytes: encode with CborWriter before set(), decode with CborReader after get().
import { sha256 } from "./sha256";
import { Cid } from "./cid";
import { CborReader, CborWriter, MAJOR_TAG, MAJOR_ARRAY } from "./cbor";
import { DAG_CBOR, getBlock, putBlock } from "./ipld";
import { ExitCode } from "./errors";
import { abortWith } from "./vm";
import { bytesEqual, compareBytes, toHex } from "./mem";

export const DEFAULT_HAMT_BIT_WIDTH: i32 = 5;
/** Entries a bucket holds before it is pushed down into a child node. */
export const HAMT_BUCKET_SIZE: i32 = 3;

export class HamtEntry {
  constructor(public key: Uint8Array, public value: Uint8Array) {}
}

/** A child slot: a bucket, or a link to a node (cid null while the node is dirty). */
class Pointer {
  bucket: Array<HamtEntry> | null = null;
  cid: Cid | null = null;
  node: HamtNode | null = null;

  static ofBucket(b: Array<HamtEntry>): Pointer { const p = new Pointer(); p.bucket = b; return p; }
  static ofCid(c: Cid): Pointer { const p = new Pointer(); p.cid = c; return p; }
  static ofNode(n: HamtNode): Pointer { const p = new Pointer(); p.node = n; return p; }
}

class HamtNode {
  bitmap: StaticArray<u32>;
  pointers: Array<Pointer> = [];
  constructor(bitWidth: i32) {
    const words = (1 << bitWidth) >> 5;
    this.bitmap = new StaticArray<u32>(words > 0 ? words : 1);
  }
  testBit(slot: i32): bool { return ((this.bitmap[slot >> 5] >> <u32>(slot & 31)) & 1) != 0; }
  setBit(slot: i32): void { this.bitmap[slot >> 5] |= <u32>1 << <u32>(slot & 31); }
  clearBit(slot: i32): void { this.bitmap[slot >> 5] &= ~(<u32>1 << <u32>(slot & 31)); }
  /** Position of slot's pointer: the number of occupied slots below it. */
  index(slot: i32): i32 {
    const word = slot >> 5;
    let n: i32 = 0;
    for (let w = 0; w < word; w++) n += <i32>popcnt<u32>(this.bitmap[w]);
    const bit = slot & 31;
    if (bit != 0) n += <i32>popcnt<u32>(this.bitmap[word] & ((<u32>1 << <u32>bit) - 1));
    return n;
  }
  occupied(): i32 {
    let n: i32 = 0;
    for (let w = 0; w < this.bitmap.length; w++) n += <i32>popcnt<u32>(this.bitmap[w]);
    return n;
  }
}

/** Reads a key's hash `n` bits at a time, most significant bit first. */
class HashBits {
  constructor(private hash: Uint8Array, public consumed: i32 = 0) {}
  /** Next slot index, or -1 once the 256 bits are used up. */
  next(n: i32): i32 {
    const left = this.hash.length * 8 - this.consumed;
    if (left <= 0) return -1;
    const take = n < left ? n : left; // the deepest level may get fewer bits
    const at = this.consumed;
    const byte = at >> 3;
    const hi = <i32>this.hash[byte];
    const lo = byte + 1 < this.hash.length ? <i32>this.hash[byte + 1] : 0;
    this.consumed = at + take;
    return (((hi << 8) | lo) >> (16 - (at & 7) - take)) & ((1 << take) - 1);
  }
}

function insertAt<T>(arr: Array<T>, i: i32, v: T): void {
  arr.push(v);
  for (let j = arr.length - 1; j > i; j--) arr[j] = arr[j - 1];
  arr[i] = v;
}

/** A callback for forEach (no closures in AssemblyScript: keep state in globals). */
export type HamtVisitor = (key: Uint8Array, value: Uint8Array) => void;

export class Hamt {
  readonly bitWidth: i32;
  private root: HamtNode;
  /** Root CID as loaded or last flushed; null once modified. */
  private flushed: Cid | null = null;
  /** Value displaced by the last set() or setIfAbsent(). */
  private previous: Uint8Array | null = null;

  private constructor(bitWidth: i32) {
    if (bitWidth < 1 || bitWidth > 8) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "HAMT bit width must be 1..8, got " + bitWidth.toString());
    this.bitWidth = bitWidth;
    this.root = new HamtNode(bitWidth);
  }

  static create(bitWidth: i32 = DEFAULT_HAMT_BIT_WIDTH): Hamt {
    return new Hamt(bitWidth);
  }

  /** Loads the root node now; children are loaded when first reached. */
  static load(root: Cid, bitWidth: i32 = DEFAULT_HAMT_BIT_WIDTH): Hamt {
    const h = new Hamt(bitWidth);
    h.root = h.loadNode(root, 0);
    h.flushed = root;
    return h;
  }

  /** The encoded value under `key`, or null. */
  get(key: Uint8Array): Uint8Array | null {
    const bits = new HashBits(sha256(key));
    let node = this.root;
    for (let depth = 0; ; depth++) {
      const slot = this.slot(bits, key);
      if (!node.testBit(slot)) return null;
      const p = node.pointers[node.index(slot)];
      const b = p.bucket;
      if (b !== null) {
        for (let i = 0; i < b.length; i++) if (bytesEqual(b[i].key, key)) return b[i].value;
        return null;
      }
      node = this.child(p, depth + 1);
    }
    return null;
  }

  has(key: Uint8Array): bool { return this.get(key) !== null; }

  /** Sets `key` to `value` (one encoded CBOR item); returns the previous value, or null. */
  set(key: Uint8Array, value: Uint8Array): Uint8Array | null {
    checkValue(value);
    this.previous = null;
    const changed = this.modify(this.root, new HashBits(sha256(key)), 0, key, value, true);
    if (changed) this.flushed = null;
    return this.previous;
  }

  /** Sets `key` only if absent; returns whether it was set. */
  setIfAbsent(key: Uint8Array, value: Uint8Array): bool {
    checkValue(value);
    const changed = this.modify(this.root, new HashBits(sha256(key)), 0, key, value, false);
    if (changed) this.flushed = null;
    return changed;
  }

  /** Removes `key`; returns its value, or null if it was absent. */
  delete(key: Uint8Array): Uint8Array | null {
    const removed = this.remove(this.root, new HashBits(sha256(key)), 0, key);
    if (removed !== null) this.flushed = null;
    return removed;
  }

  isEmpty(): bool { return this.root.pointers.length == 0; }

  /** Every entry in the reference's order: slot order, depth first, bucket order. */
  entries(): Array<HamtEntry> {
    const out = new Array<HamtEntry>(0);
    this.collect(this.root, 0, out);
    return out;
  }

  forEach(visit: HamtVisitor): void {
    const all = this.entries();
    for (let i = 0; i < all.length; i++) visit(all[i].key, all[i].value);
  }

  /** Stores every modified node (children first) and returns the root CID. */
  flush(): Cid {
    const f = this.flushed;
    if (f !== null) return f;
    this.flushChildren(this.root);
    const c = this.store(this.root);
    this.flushed = c;
    return c;
  }

  // ---- internals ----

  private slot(bits: HashBits, key: Uint8Array): i32 {
    const s = bits.next(this.bitWidth);
    if (s < 0) abortWith(ExitCode.USR_ILLEGAL_STATE, "HAMT maximum depth reached for key 0x" + toHex(key));
    return s;
  }

  private child(p: Pointer, depth: i32): HamtNode {
    let n = p.node;
    if (n === null) {
      const loaded = this.loadNode(p.cid!, depth);
      p.node = loaded;
      return loaded;
    }
    return n;
  }

  /** Returns whether anything changed; a displaced value goes to this.previous. */
  private modify(node: HamtNode, bits: HashBits, depth: i32, key: Uint8Array, value: Uint8Array, overwrite: bool): bool {
    const slot = this.slot(bits, key);
    const at = node.index(slot);
    if (!node.testBit(slot)) {
      node.setBit(slot);
      insertAt<Pointer>(node.pointers, at, Pointer.ofBucket([new HamtEntry(key.slice(0), value)]));
      return true;
    }
    const p = node.pointers[at];
    const b = p.bucket;
    if (b === null) {
      const changed = this.modify(this.child(p, depth + 1), bits, depth + 1, key, value, overwrite);
      if (changed) p.cid = null;
      return changed;
    }
    let insertPos = b.length;
    for (let i = 0; i < b.length; i++) {
      const c = compareBytes(b[i].key, key);
      if (c == 0) {
        if (!overwrite) return false;
        const old = b[i].value;
        this.previous = old;
        if (bytesEqual(old, value)) return false;
        b[i].value = value;
        return true;
      }
      if (c > 0) { insertPos = i; break; }
    }
    if (b.length < HAMT_BUCKET_SIZE) {
      insertAt<HamtEntry>(b, insertPos, new HamtEntry(key.slice(0), value));
      return true;
    }
    // Full bucket: it and the new entry move down into a new child node.
    const consumed = bits.consumed;
    const sub = new HamtNode(this.bitWidth);
    this.modify(sub, bits, depth + 1, key, value, overwrite);
    for (let i = 0; i < b.length; i++) {
      this.modify(sub, new HashBits(sha256(b[i].key), consumed), depth + 1, b[i].key, b[i].value, overwrite);
    }
    node.pointers[at] = Pointer.ofNode(sub);
    return true;
  }

  private remove(node: HamtNode, bits: HashBits, depth: i32, key: Uint8Array): Uint8Array | null {
    const slot = this.slot(bits, key);
    if (!node.testBit(slot)) return null;
    const at = node.index(slot);
    const p = node.pointers[at];
    const b = p.bucket;
    if (b !== null) {
      for (let i = 0; i < b.length; i++) {
        if (!bytesEqual(b[i].key, key)) continue;
        const v = b[i].value;
        if (b.length == 1) {
          node.clearBit(slot);
          node.pointers.splice(at, 1);
        } else {
          b.splice(i, 1);
        }
        return v;
      }
      return null;
    }
    const child = this.child(p, depth + 1);
    const removed = this.remove(child, bits, depth + 1, key);
    if (removed === null) return null;
    const stored = p.cid;
    p.cid = null;
    const merged = this.collapse(child, stored);
    if (merged !== null) node.pointers[at] = Pointer.ofBucket(merged);
    return removed;
  }

  /**
   * Canonical form after a delete: a child left with a single bucket, or with at most 3
   * entries all in buckets, is replaced by one sorted bucket. Null keeps the child.
   */
  private collapse(child: HamtNode, stored: Cid | null): Array<HamtEntry> | null {
    const ptrs = child.pointers;
    if (ptrs.length == 0) {
      abortWith(ExitCode.USR_ILLEGAL_STATE, "HAMT node " + (stored === null ? "(unsaved)" : stored.toString()) + " has no pointers after a delete: the tree was not canonical");
    }
    if (ptrs.length == 1) return ptrs[0].bucket;
    if (ptrs.length > HAMT_BUCKET_SIZE) return null;
    let total = 0;
    for (let i = 0; i < ptrs.length; i++) {
      const b = ptrs[i].bucket;
      if (b === null) return null;
      total += b.length;
    }
    if (total > HAMT_BUCKET_SIZE) return null;
    const merged = new Array<HamtEntry>(0);
    for (let i = 0; i < ptrs.length; i++) {
      const b = ptrs[i].bucket!;
      for (let j = 0; j < b.length; j++) {
        let k = merged.length;
        while (k > 0 && compareBytes(merged[k - 1].key, b[j].key) > 0) k--;
        insertAt<HamtEntry>(merged, k, b[j]);
      }
    }
    return merged;
  }

  private collect(node: HamtNode, depth: i32, out: Array<HamtEntry>): void {
    for (let i = 0; i < node.pointers.length; i++) {
      const p = node.pointers[i];
      const b = p.bucket;
      if (b !== null) {
        for (let j = 0; j < b.length; j++) out.push(b[j]);
      } else {
        this.collect(this.child(p, depth + 1), depth + 1, out);
      }
    }
  }

  private flushChildren(node: HamtNode): void {
    for (let i = 0; i < node.pointers.length; i++) {
      const p = node.pointers[i];
      if (p.bucket !== null || p.cid !== null) continue;
      const n = p.node!;
      this.flushChildren(n);
      p.cid = this.store(n);
    }
  }

  private store(node: HamtNode): Cid {
    const w = new CborWriter(128);
    w.array(2);
    w.bytes(bitfieldBytes(node.bitmap));
    w.array(<u32>node.pointers.length);
    for (let i = 0; i < node.pointers.length; i++) {
      const p = node.pointers[i];
      const b = p.bucket;
      if (b !== null) {
        w.array(<u32>b.length);
        for (let j = 0; j < b.length; j++) {
          w.array(2);
          w.bytes(b[j].key);
          w.raw(b[j].value);
        }
      } else {
        w.cid(p.cid!);
      }
    }
    return putBlock(DAG_CBOR, w.finish());
  }

  private loadNode(c: Cid, depth: i32): HamtNode {
    const where = "HAMT node " + c.toString();
    const r = new CborReader(getBlock(c), where);
    r.tuple(2, where);
    const bits = r.bytes();
    const node = new HamtNode(this.bitWidth);
    const slots = 1 << this.bitWidth;
    if (bits.length > 32) bad(where, "bitfield of " + bits.length.toString() + " bytes");
    for (let j = 0; j < bits.length; j++) {
      const byte = <i32>bits[bits.length - 1 - j];
      for (let k = 0; k < 8; k++) {
        if (((byte >> k) & 1) == 0) continue;
        const slot = j * 8 + k;
        if (slot >= slots) bad(where, "bitfield sets slot " + slot.toString() + " beyond bit width " + this.bitWidth.toString());
        node.setBit(slot);
      }
    }
    const n = r.array();
    if (<i32>n > slots) bad(where, n.toString() + " pointers exceed " + slots.toString() + " slots");
    if (<i32>n != node.occupied()) bad(where, n.toString() + " pointers but " + node.occupied().toString() + " bits set");
    if (n == 0 && depth != 0) bad(where, "empty node below the root");
    for (let i: u32 = 0; i < n; i++) {
      const m = r.peekMajor();
      if (m == MAJOR_TAG) {
        const link = r.cid();
        if (link.codec != DAG_CBOR) bad(where, "link " + link.toString() + " is not DAG-CBOR");
        node.pointers.push(Pointer.ofCid(link));
      } else if (m == MAJOR_ARRAY) {
        const len = r.array();
        if (len == 0) bad(where, "empty bucket");
        if (<i32>len > HAMT_BUCKET_SIZE) bad(where, "bucket of " + len.toString() + " entries");
        const bucket = new Array<HamtEntry>(0);
        for (let j: u32 = 0; j < len; j++) {
          r.tuple(2, "bucket entry");
          const key = r.bytes();
          if (j > 0 && compareBytes(bucket[j - 1].key, key) >= 0) bad(where, "bucket keys unsorted or duplicated");
          bucket.push(new HamtEntry(key, r.raw()));
        }
        node.pointers.push(Pointer.ofBucket(bucket));
      } else {
        bad(where, "pointer " + i.toString() + " is neither a link nor a bucket");
      }
    }
    r.done();
    return node;
  }
}

function bad(where: string, why: string): void {
  abortWith(ExitCode.USR_ILLEGAL_STATE, "invalid " + where + ": " + why);
}

/** Values must be exactly one DAG-CBOR item: they are spliced into node blocks as they are. */
function checkValue(value: Uint8Array): void {
  const r = new CborReader(value, "HAMT value");
  r.skip();
  r.done();
}

/** The bitmap as a big-endian integer in minimal bytes (empty when no slot is set). */
function bitfieldBytes(bitmap: StaticArray<u32>): Uint8Array {
  const n = bitmap.length * 4;
  const full = new Uint8Array(n);
  for (let j = 0; j < n; j++) full[n - 1 - j] = <u8>(bitmap[j >> 2] >> <u32>((j & 3) * 8));
  let start = 0;
  while (start < n && full[start] == 0) start++;
  return full.slice(start);
}
