// Shared helpers for the HAMT and AMT tests: conformance-vector loading, raw (implementation
// independent) walkers over stored HAMT blocks, and a seeded shuffle.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import { decodeCbor, encodeCbor, type CborValue } from '../../src/ipld/cbor.js';
import { MemoryBlockstore, type Blockstore } from '../../src/ipld/blockstore.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectorsDir = path.resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted');

export interface LoadedVector {
  bs: MemoryBlockstore;
  /** State roots before and after the vector's messages. */
  pre: CID;
  post: CID;
  /** Signed or unsigned message bytes, as stored in the vector. */
  messages: Uint8Array[];
}

/** Loads a vector's CAR into a MemoryBlockstore; undefined when the corpus is absent. */
export async function loadVector(rel: string): Promise<LoadedVector | undefined> {
  const file = path.join(vectorsDir, rel);
  if (!existsSync(file)) return undefined;
  const v = JSON.parse(readFileSync(file, 'utf8')) as {
    car: string;
    preconditions: { state_tree: { root_cid: { '/': string } } };
    postconditions: { state_tree: { root_cid: { '/': string } } };
    apply_messages: { bytes: string }[];
  };
  const reader = await CarReader.fromBytes(gunzipSync(Buffer.from(v.car, 'base64')));
  const bs = new MemoryBlockstore();
  for await (const block of reader.blocks()) bs.put(block.cid, block.bytes);
  return {
    bs,
    pre: CID.parse(v.preconditions.state_tree.root_cid['/']),
    post: CID.parse(v.postconditions.state_tree.root_cid['/']),
    messages: v.apply_messages.map((m) => new Uint8Array(Buffer.from(m.bytes, 'base64'))),
  };
}

export function rawBlock(bs: Blockstore, cid: CID): CborValue {
  const bytes = bs.get(cid);
  if (bytes === undefined) throw new Error(`fixture: block ${cid.toString()} absent from the vector`);
  return decodeCbor(bytes, cid.toString());
}

export function asCid(v: unknown, what: string): CID {
  const c = CID.asCID(v);
  if (!c) throw new Error(`fixture: ${what} is not a CID`);
  return c;
}

export function asArray(v: unknown, what: string): CborValue[] {
  if (!Array.isArray(v)) throw new Error(`fixture: ${what} is not an array`);
  return v as CborValue[];
}

/** State root block: [version, actors HAMT, info]. */
export function stateRoot(bs: Blockstore, root: CID): { version: number; actors: CID } {
  const r = asArray(rawBlock(bs, root), 'state root');
  return { version: r[0] as number, actors: asCid(r[1], 'actors root') };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

// ---- raw HAMT walking (reads blocks directly, no HAMT logic) ----

interface RawNode {
  slots: number[];
  pointers: CborValue[];
}

function rawHamtNode(bs: Blockstore, cid: CID): RawNode {
  const [bits, pointers] = asArray(rawBlock(bs, cid), 'HAMT node') as [Uint8Array, CborValue[]];
  const slots: number[] = [];
  for (let j = 0; j < bits.length; j++) {
    const byte = bits[bits.length - 1 - j]!;
    for (let b = 0; b < 8; b++) if ((byte >> b) & 1) slots.push(j * 8 + b);
  }
  return { slots, pointers };
}

/** Every node reachable from `root` whose block is present, with its depth. */
export function presentHamtNodes(bs: Blockstore, root: CID): { cid: CID; depth: number }[] {
  const out: { cid: CID; depth: number }[] = [];
  const visit = (cid: CID, depth: number): void => {
    if (!bs.has(cid)) return;
    out.push({ cid, depth });
    for (const p of rawHamtNode(bs, cid).pointers) {
      const link = CID.asCID(p);
      if (link) visit(link, depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

/** Entries in present buckets reachable from `root`. */
export function presentHamtEntries(bs: Blockstore, root: CID): [Uint8Array, CborValue][] {
  const out: [Uint8Array, CborValue][] = [];
  for (const { cid } of presentHamtNodes(bs, root)) {
    for (const p of rawHamtNode(bs, cid).pointers) {
      if (Array.isArray(p)) for (const kv of p) out.push([(kv as CborValue[])[0] as Uint8Array, (kv as CborValue[])[1]!]);
    }
  }
  return out;
}

export interface HamtDiff {
  set: [Uint8Array, CborValue][];
  deleted: Uint8Array[];
}

/**
 * Key-level difference between two HAMTs (same bit width), descending only where the two
 * trees differ, so that it works on the partial state a vector carries.
 */
export function diffHamts(bs: Blockstore, before: CID, after: CID): HamtDiff {
  const left = new Map<string, [Uint8Array, CborValue]>();
  const right = new Map<string, [Uint8Array, CborValue]>();
  const collect = (p: CborValue, into: Map<string, [Uint8Array, CborValue]>): void => {
    const link = CID.asCID(p);
    if (link) {
      for (const q of rawHamtNode(bs, link).pointers) collect(q, into);
      return;
    }
    for (const kv of p as CborValue[][]) into.set(hex(kv[0] as Uint8Array), [kv[0] as Uint8Array, kv[1]!]);
  };
  const walk = (a: CID, b: CID): void => {
    if (a.equals(b)) return;
    const na = rawHamtNode(bs, a);
    const nb = rawHamtNode(bs, b);
    const slots = new Set([...na.slots, ...nb.slots]);
    for (const s of slots) {
      const ia = na.slots.indexOf(s);
      const ib = nb.slots.indexOf(s);
      const pa = ia < 0 ? undefined : na.pointers[ia]!;
      const pb = ib < 0 ? undefined : nb.pointers[ib]!;
      const la = pa === undefined ? null : CID.asCID(pa);
      const lb = pb === undefined ? null : CID.asCID(pb);
      if (la && lb) {
        walk(la, lb);
        continue;
      }
      if (pa !== undefined) collect(pa, left);
      if (pb !== undefined) collect(pb, right);
    }
  };
  walk(before, after);
  const set: [Uint8Array, CborValue][] = [];
  for (const [k, [key, value]] of right) {
    const old = left.get(k);
    if (old === undefined || hex(encodeCbor(old[1])) !== hex(encodeCbor(value))) set.push([key, value]);
  }
  const deleted = [...left].filter(([k]) => !right.has(k)).map(([, [key]]) => key);
  return { set, deleted };
}

// ---- misc ----

/** Deterministic Fisher-Yates shuffle (mulberry32). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Unsigned LEB128, as builtin actors encode u64 map keys (and ID address payloads). */
export function uvarint(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return new Uint8Array(out);
}

/** A blockstore that counts writes, to observe which nodes a flush re-serializes. */
export class CountingBlockstore extends MemoryBlockstore {
  puts = 0;
  override put(cid: CID, bytes: Uint8Array): void {
    this.puts++;
    super.put(cid, bytes);
  }
}

// ---- raw AMT walking ----

export interface RawAmtNodeRef {
  cid: CID;
  /** Height of the node; the root block holds its node inline. */
  height: number;
  isRoot: boolean;
}

/** Root block and every child node block reachable from it that is present, with present values by index. */
export function presentAmt(bs: Blockstore, root: CID): { bitWidth: number; nodes: RawAmtNodeRef[]; values: [bigint, CborValue][] } {
  const [bitWidth, height, , rootNode] = asArray(rawBlock(bs, root), 'AMT root') as [number, number, unknown, CborValue];
  const nodes: RawAmtNodeRef[] = [{ cid: root, height, isRoot: true }];
  const values: [bigint, CborValue][] = [];
  const span = (h: number): bigint => (bitWidth * h >= 64 ? (1n << 64n) - 1n : 1n << BigInt(bitWidth * h));
  const visit = (node: CborValue, h: number, offset: bigint): void => {
    const [bmap, links, vals] = node as [Uint8Array, CborValue[], CborValue[]];
    let next = 0;
    for (let i = 0; i < bmap.length * 8; i++) {
      if (((bmap[i >> 3]! >> (i & 7)) & 1) === 0) continue;
      if (h === 0) {
        values.push([offset + BigInt(i), vals[next++]!]);
        continue;
      }
      const link = asCid(links[next++], 'AMT link');
      if (!bs.has(link)) continue;
      nodes.push({ cid: link, height: h - 1, isRoot: false });
      visit(rawBlock(bs, link), h - 1, offset + BigInt(i) * span(h));
    }
  };
  visit(rootNode, height, 0n);
  return { bitWidth, nodes, values };
}
