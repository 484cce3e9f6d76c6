// Filecoin's AMT (fvm_ipld_amt v3) over the ipld syscalls: a sparse array indexed by u64 whose
// blocks are byte-identical to the reference's (and to src/ipld/amt.ts). Values are kept as
// their encoded CBOR bytes.
//
// Root block: [bitWidth, height, count, node]; node: [bitmap, links, values] with one bitmap
// bit per slot (slot i = bit i%8 of byte i/8), max(1, 2^bitWidth/8) bytes. A node at height 0
// lists its present values, a node above lists the CIDs of its present children.
import { Cid } from "./cid";
import { CborReader, CborWriter } from "./cbor";
import { DAG_CBOR, getBlock, putBlock } from "./ipld";
import { ExitCode } from "./errors";
import { abortWith } from "./vm";
import { bytesEqual } from "./mem";

export const DEFAULT_AMT_BIT_WIDTH: i32 = 3;
/** Largest index that can be set (u64::MAX - 1). */
export const AMT_MAX_INDEX: u64 = u64.MAX_VALUE - 1;
/** Deepest tree the reference loads. */
export const AMT_MAX_HEIGHT: i32 = 64;
/** Widest node this implementation keeps (dense slots). */
export const AMT_MAX_BIT_WIDTH: i32 = 16;

class AmtLink {
  cid: Cid | null = null;
  node: AmtNode | null = null;
}

class AmtNode {
  /** Height-0 nodes hold values, the others links; both arrays have 2^bitWidth slots. */
  values: Array<Uint8Array | null>;
  links: Array<AmtLink | null>;
  constructor(public leaf: bool, width: i32) {
    this.values = new Array<Uint8Array | null>(leaf ? width : 0);
    this.links = new Array<AmtLink | null>(leaf ? 0 : width);
    for (let i = 0; i < this.values.length; i++) this.values[i] = null;
    for (let i = 0; i < this.links.length; i++) this.links[i] = null;
  }
  isEmpty(): bool {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== null) return false;
    for (let i = 0; i < this.links.length; i++) if (this.links[i] !== null) return false;
    return true;
  }
}

/** A callback for forEach (no closures in AssemblyScript: keep state in globals). */
export type AmtVisitor = (index: u64, value: Uint8Array) => void;

export class AmtEntry {
  constructor(public index: u64, public value: Uint8Array) {}
}

export class Amt {
  readonly bitWidth: i32;
  private width: i32;
  private height: i32 = 0;
  private _count: u64 = 0;
  private root: AmtNode;
  private flushed: Cid | null = null;

  private constructor(bitWidth: i32) {
    if (bitWidth < 1 || bitWidth > AMT_MAX_BIT_WIDTH) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "AMT bit width must be 1.." + AMT_MAX_BIT_WIDTH.toString() + ", got " + bitWidth.toString());
    const width = 1 << bitWidth;
    this.bitWidth = bitWidth;
    this.width = width;
    this.root = new AmtNode(true, width);
  }

  static create(bitWidth: i32 = DEFAULT_AMT_BIT_WIDTH): Amt {
    return new Amt(bitWidth);
  }

  /** Loads and checks the root block; other nodes are loaded when first reached. */
  static load(root: Cid): Amt {
    const where = "AMT root " + root.toString();
    const r = new CborReader(getBlock(root), where);
    r.tuple(4, where);
    const bw = r.uint();
    if (bw < 1 || bw > <u64>AMT_MAX_BIT_WIDTH) bad(where, "bit width " + bw.toString());
    const height = r.uint();
    if (height > <u64>AMT_MAX_HEIGHT) bad(where, "height " + height.toString() + " exceeds " + AMT_MAX_HEIGHT.toString());
    const count = r.uint();
    const a = new Amt(<i32>bw);
    a.height = <i32>height;
    a._count = count;
    a.root = a.readNode(r, where, <i32>height, true);
    r.done();
    a.flushed = root;
    return a;
  }

  get count(): u64 { return this._count; }

  /** The encoded value at `index`, or null. */
  get(index: u64): Uint8Array | null {
    if (index >= this.span(this.height + 1)) return null;
    let node = this.root;
    let i = index;
    for (let h = this.height; h > 0; h--) {
      const span = this.span(h);
      const link = node.links[<i32>(i / span)];
      if (link === null) return null;
      node = this.child(link, h - 1);
      i %= span;
    }
    return node.values[<i32>i];
  }

  has(index: u64): bool { return this.get(index) !== null; }

  /** Sets `index` (<= AMT_MAX_INDEX) to `value` (one encoded CBOR item); returns the previous value, or null. */
  set(index: u64, value: Uint8Array): Uint8Array | null {
    if (index > AMT_MAX_INDEX) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "AMT index " + index.toString() + " out of range");
    const r = new CborReader(value, "AMT value");
    r.skip();
    r.done();
    while (index >= this.span(this.height + 1)) {
      // Grow: the current root becomes the first child of a new root.
      const grown = new AmtNode(false, this.width);
      if (!this.root.isEmpty()) {
        const l = new AmtLink();
        l.node = this.root;
        grown.links[0] = l;
      }
      this.root = grown;
      this.height++;
    }
    const prev = this.setIn(this.root, this.height, index, value);
    if (prev === null) this._count++;
    this.flushed = null;
    return prev;
  }

  /** Removes the value at `index`; returns it, or null if there was none. */
  delete(index: u64): Uint8Array | null {
    if (index >= this.span(this.height + 1)) return null;
    const removed = this.deleteIn(this.root, this.height, index);
    if (removed === null) return null;
    this.flushed = null;
    this._count--;
    if (this.root.isEmpty()) {
      this.root = new AmtNode(true, this.width);
      this.height = 0;
      return removed;
    }
    // Shrink while the root's only child is its first.
    while (this.height > 0 && this.onlyFirstLink(this.root)) {
      this.root = this.child(this.root.links[0]!, this.height - 1);
      this.height--;
    }
    return removed;
  }

  /** Present values in index order. */
  entries(): Array<AmtEntry> {
    const out = new Array<AmtEntry>(0);
    this.collect(this.root, this.height, 0, out);
    return out;
  }

  forEach(visit: AmtVisitor): void {
    const all = this.entries();
    for (let i = 0; i < all.length; i++) visit(all[i].index, all[i].value);
  }

  /** Stores every modified node and the root; returns the root CID. */
  flush(): Cid {
    const f = this.flushed;
    if (f !== null) return f;
    this.flushChildren(this.root);
    const w = new CborWriter(128);
    w.array(4);
    w.uint(<u64>this.bitWidth);
    w.uint(<u64>this.height);
    w.uint(this._count);
    this.writeNode(w, this.root);
    const c = putBlock(DAG_CBOR, w.finish());
    this.flushed = c;
    return c;
  }

  // ---- internals ----

  /** Indices covered by one child of a node at `height`: 2^(bitWidth*height), saturating at u64::MAX. */
  private span(height: i32): u64 {
    const log2 = this.bitWidth * height;
    return log2 >= 64 ? u64.MAX_VALUE : (<u64>1 << <u64>log2);
  }

  private child(link: AmtLink, height: i32): AmtNode {
    let n = link.node;
    if (n === null) {
      const c = link.cid!;
      const where = "AMT node " + c.toString();
      const r = new CborReader(getBlock(c), where);
      const loaded = this.readNode(r, where, height, false);
      r.done();
      link.node = loaded;
      return loaded;
    }
    return n;
  }

  private setIn(node: AmtNode, height: i32, i: u64, value: Uint8Array): Uint8Array | null {
    if (height == 0) {
      const slot = <i32>i;
      const prev = node.values[slot];
      node.values[slot] = value;
      return prev;
    }
    const span = this.span(height);
    const slot = <i32>(i / span);
    let link = node.links[slot];
    if (link === null) {
      link = new AmtLink();
      link.node = new AmtNode(height == 1, this.width);
      node.links[slot] = link;
    } else {
      this.child(link, height - 1);
      link.cid = null;
    }
    return this.setIn(link.node!, height - 1, i % span, value);
  }

  private deleteIn(node: AmtNode, height: i32, i: u64): Uint8Array | null {
    if (height == 0) {
      const slot = <i32>i;
      const prev = node.values[slot];
      node.values[slot] = null;
      return prev;
    }
    const span = this.span(height);
    const slot = <i32>(i / span);
    const link = node.links[slot];
    if (link === null) return null;
    const child = this.child(link, height - 1);
    const removed = this.deleteIn(child, height - 1, i % span);
    if (removed === null) return null;
    if (child.isEmpty()) node.links[slot] = null;
    else link.cid = null;
    return removed;
  }

  private onlyFirstLink(node: AmtNode): bool {
    if (node.leaf || node.links[0] === null) return false;
    for (let j = 1; j < node.links.length; j++) if (node.links[j] !== null) return false;
    return true;
  }

  private collect(node: AmtNode, height: i32, offset: u64, out: Array<AmtEntry>): void {
    if (height == 0) {
      for (let j = 0; j < node.values.length; j++) {
        const v = node.values[j];
        if (v !== null) out.push(new AmtEntry(offset + <u64>j, v));
      }
      return;
    }
    const span = this.span(height);
    for (let j = 0; j < node.links.length; j++) {
      const l = node.links[j];
      if (l !== null) this.collect(this.child(l, height - 1), height - 1, offset + <u64>j * span, out);
    }
  }

  private flushChildren(node: AmtNode): void {
    if (node.leaf) return;
    for (let j = 0; j < node.links.length; j++) {
      const l = node.links[j];
      if (l === null || l.cid !== null) continue;
      const child = l.node!;
      this.flushChildren(child);
      const w = new CborWriter(128);
      this.writeNode(w, child);
      l.cid = putBlock(DAG_CBOR, w.finish());
    }
  }

  private bitmapBytes(): i32 { return this.bitWidth <= 3 ? 1 : 1 << (this.bitWidth - 3); }

  private writeNode(w: CborWriter, node: AmtNode): void {
    const bmap = new Uint8Array(this.bitmapBytes());
    let n = 0;
    for (let i = 0; i < this.width; i++) {
      const present = node.leaf ? node.values[i] !== null : node.links[i] !== null;
      if (present) { const bit: i32 = 1 << (i & 7); bmap[i >> 3] = bmap[i >> 3] | <u8>bit; n++; }
    }
    w.array(3);
    w.bytes(bmap);
    if (node.leaf) {
      w.array(0);
      w.array(<u32>n);
      for (let i = 0; i < this.width; i++) {
        const v = node.values[i];
        if (v !== null) w.raw(v);
      }
    } else {
      w.array(<u32>n);
      for (let i = 0; i < this.width; i++) {
        const l = node.links[i];
        if (l !== null) w.cid(l.cid!);
      }
      w.array(0);
    }
  }

  /** Reads [bitmap, links, values] and checks it the way src/ipld/amt-node.ts does. */
  private readNode(r: CborReader, where: string, height: i32, isRoot: bool): AmtNode {
    r.tuple(3, where);
    const bmap = r.bytes();
    if (bmap.length != this.bitmapBytes()) bad(where, "bitmap of " + bmap.length.toString() + " bytes, expected " + this.bitmapBytes().toString());
    let set = 0;
    for (let i = 0; i < bmap.length * 8; i++) {
      if (((<i32>bmap[i >> 3] >> (i & 7)) & 1) == 0) continue;
      if (i >= this.width) bad(where, "bitmap sets slot " + i.toString() + " beyond the node's " + this.width.toString() + " slots");
      set++;
    }
    const nLinks = r.array();
    const links = new Array<Cid>(0);
    for (let i: u32 = 0; i < nLinks; i++) links.push(r.cid());
    const nValues = r.array();
    const values = new Array<Uint8Array>(0);
    for (let i: u32 = 0; i < nValues; i++) values.push(r.raw());
    if (nLinks > 0 && nValues > 0) bad(where, "node holds both links and values");
    const entries = nLinks > 0 ? <i32>nLinks : <i32>nValues;
    if (entries != set) bad(where, entries.toString() + " entries but " + set.toString() + " bits set");
    if (height == 0 && nLinks > 0) bad(where, "links in a node at height 0");
    if (height > 0 && nValues > 0) bad(where, "values in a node at height " + height.toString());
    if (entries == 0 && !(isRoot && height == 0)) bad(where, isRoot ? "empty root node at height " + height.toString() : "empty node");
    const node = new AmtNode(height == 0, this.width);
    let next = 0;
    for (let i = 0; i < this.width; i++) {
      if (((<i32>bmap[i >> 3] >> (i & 7)) & 1) == 0) continue;
      if (height == 0) {
        node.values[i] = values[next++];
      } else {
        const l = new AmtLink();
        l.cid = links[next++];
        node.links[i] = l;
      }
    }
    return node;
  }
}

function bad(where: string, why: string): void {
  abortWith(ExitCode.USR_ILLEGAL_STATE, "invalid " + where + ": " + why);
}
