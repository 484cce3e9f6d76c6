// State-root diff for a failed vector: which actors differ between the expected and the actual
// post-state, in which actor fields, and in which top-level fields of their own state.
//
// Both actor HAMTs are walked together and subtrees with equal CIDs are skipped, so the walk
// only touches what changed, and it copes with test-vector CARs that hold partial trees: a block
// that is absent is counted, never fatal.
import { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { Address } from '../primitives/address.js';
import { type ActorState, actorStateFromCbor } from '../primitives/actor.js';

export interface FieldDiff {
  /** "balance", "sequence", "code", "head", "delegated_address", or a state path like "state[3][0]". */
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

export interface ActorDiff {
  /** The actor's HAMT key as an address (an ID address for any well-formed tree). */
  readonly address: string;
  readonly id: bigint | undefined;
  /** Builtin actor name of the (expected, else actual) code, when the caller can name it. */
  readonly type: string | undefined;
  /** 'missing': expected but absent; 'unexpected': present but not expected. */
  readonly change: 'changed' | 'missing' | 'unexpected';
  /** Differing actor-entry fields (balance, sequence, code, head, delegated address). */
  readonly fields: readonly FieldDiff[];
  /** Differing fields of the actor's state object (when both state blocks are available). */
  readonly stateFields: readonly FieldDiff[];
}

export interface StateDiff {
  readonly expectedRoot: CID;
  readonly actualRoot: CID;
  /** Differences in the state root tuple itself (version, info). */
  readonly rootFields: readonly FieldDiff[];
  readonly actors: readonly ActorDiff[];
  /** Blocks the walk needed but did not find (subtrees or states it could not compare). */
  readonly missingBlocks: number;
}

export interface DiffOptions {
  /** Names a code CID (e.g. from the manifest) for the report. */
  readonly codeName?: (code: CID) => string | undefined;
  /** How deep to descend into equal-length arrays of an actor's state (default 3). */
  readonly stateDepth?: number;
  /** How many CID links to follow along a differing state path (default 2). */
  readonly linkDepth?: number;
}

type Raw = unknown;

/** Field differences reported per actor at most (the first ones, in field order). */
const MAX_STATE_FIELDS = 8;
/** Array depth examined inside a block reached through a link. */
const LINKED_BLOCK_DEPTH = 3;

function asCid(v: Raw): CID | null {
  return v !== null && typeof v === 'object' ? CID.asCID(v) : null;
}

function sameValue(a: Raw, b: Raw): boolean {
  return bytesEqual(encodeCbor(a), encodeCbor(b));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes: Uint8Array, max = 24): string {
  const h = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `0x${h}…(${bytes.length} bytes)` : `0x${h}`;
}

/** A short, readable rendering of a CBOR value for a diff line. */
export function renderValue(v: Raw, max = 96): string {
  const out = render(v);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function render(v: Raw): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return hex(v);
  const cid = asCid(v);
  if (cid !== null) return cid.toString();
  if (Array.isArray(v)) return `[${v.map(render).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${render(x)}`).join(', ')}}`;
  }
  return String(v);
}

// ---- HAMT walk over raw nodes ([bitfield bytes, pointers]) ----

class Walker {
  missing = 0;
  constructor(readonly bs: Blockstore) {}

  /** The decoded block, or undefined (counted) when absent or undecodable. */
  load(cid: CID): Raw | undefined {
    const bytes = this.bs.get(cid);
    if (bytes === undefined) {
      this.missing++;
      return undefined;
    }
    try {
      return decodeCbor<unknown>(bytes, `block ${cid.toString()}`);
    } catch {
      this.missing++;
      return undefined;
    }
  }

  /** Slot → pointer of a HAMT node, or undefined when the block is unavailable or malformed. */
  slots(cid: CID): Map<number, Raw> | undefined {
    const node = this.load(cid);
    if (!Array.isArray(node) || node.length !== 2 || !(node[0] instanceof Uint8Array) || !Array.isArray(node[1])) {
      return undefined;
    }
    const bits = node[0];
    const pointers = node[1] as Raw[];
    const out = new Map<number, Raw>();
    let k = 0;
    // Bitfield: big-endian integer, bit i = slot i.
    for (let byte = bits.length - 1, base = 0; byte >= 0; byte--, base += 8) {
      for (let b = 0; b < 8; b++) {
        if ((bits[byte]! >> b) & 1) out.set(base + b, undefined);
      }
    }
    for (const slot of [...out.keys()].sort((x, y) => x - y)) out.set(slot, pointers[k++]);
    return out;
  }

  /** Every entry below a pointer (a bucket, or a link to a subtree), keyed by hex key. */
  collect(ptr: Raw, into: Map<string, Raw>): void {
    const link = asCid(ptr);
    if (link !== null) {
      const slots = this.slots(link);
      if (slots === undefined) return;
      for (const p of slots.values()) this.collect(p, into);
      return;
    }
    if (Array.isArray(ptr)) {
      for (const kv of ptr) {
        if (Array.isArray(kv) && kv.length === 2 && kv[0] instanceof Uint8Array) {
          into.set(Buffer.from(kv[0]).toString('hex'), kv[1]);
        }
      }
    }
  }

  /** Calls `onDiff` for every key whose value differs between the two HAMTs. */
  diff(expected: CID, actual: CID, onDiff: (key: string, e: Raw | undefined, a: Raw | undefined) => void): void {
    if (expected.equals(actual)) return;
    const es = this.slots(expected);
    const as = this.slots(actual);
    if (es === undefined || as === undefined) return;
    const all = new Set([...es.keys(), ...as.keys()]);
    for (const slot of [...all].sort((x, y) => x - y)) {
      const ep = es.get(slot);
      const ap = as.get(slot);
      const el = asCid(ep);
      const al = asCid(ap);
      if (el !== null && al !== null) {
        this.diff(el, al, onDiff);
        continue;
      }
      const em = new Map<string, Raw>();
      const am = new Map<string, Raw>();
      if (es.has(slot)) this.collect(ep, em);
      if (as.has(slot)) this.collect(ap, am);
      for (const key of new Set([...em.keys(), ...am.keys()])) {
        const ev = em.get(key);
        const av = am.get(key);
        if (ev === undefined || av === undefined || !sameValue(ev, av)) onDiff(key, ev, av);
      }
    }
  }
}

function keyAddress(keyHex: string): { address: string; id: bigint | undefined } {
  try {
    const a = Address.fromBytes(Buffer.from(keyHex, 'hex'));
    return { address: a.toString(), id: a.idOrUndefined() };
  } catch {
    return { address: `0x${keyHex}`, id: undefined };
  }
}

function decodeActor(raw: Raw, what: string): ActorState | undefined {
  try {
    return actorStateFromCbor(raw, what);
  } catch {
    return undefined;
  }
}

function actorFields(e: ActorState, a: ActorState): FieldDiff[] {
  const out: FieldDiff[] = [];
  const push = (field: string, ev: string, av: string): void => {
    if (ev !== av) out.push({ field, expected: ev, actual: av });
  };
  push('code', e.code.toString(), a.code.toString());
  push('head', e.head.toString(), a.head.toString());
  push('sequence', String(e.sequence), String(a.sequence));
  push('balance', String(e.balance), String(a.balance));
  push('delegated_address', e.delegatedAddress?.toString() ?? 'none', a.delegatedAddress?.toString() ?? 'none');
  return out;
}

/**
 * Differing positions of two state objects, descending into equal-length arrays and, up to
 * `links` times along a path, through differing CID links whose blocks are both available
 * (written "state[12]/[3]": field 3 of the block that field 12 links to).
 */
function stateFields(w: Walker, e: Raw, a: Raw, path: string, depth: number, links: number, out: FieldDiff[]): void {
  if (out.length >= MAX_STATE_FIELDS || sameValue(e, a)) return;
  if (depth > 0 && Array.isArray(e) && Array.isArray(a) && e.length === a.length) {
    for (let i = 0; i < e.length; i++) stateFields(w, e[i], a[i], `${path}[${i}]`, depth - 1, links, out);
    return;
  }
  if (Array.isArray(e) && Array.isArray(a) && e.length !== a.length) {
    out.push({ field: `${path} (length)`, expected: String(e.length), actual: String(a.length) });
    return;
  }
  const el = asCid(e);
  const al = asCid(a);
  if (links > 0 && el !== null && al !== null && w.bs.has(el) && w.bs.has(al)) {
    const eb = w.load(el);
    const ab = w.load(al);
    if (Array.isArray(eb) && Array.isArray(ab) && eb.length === ab.length) {
      const before = out.length;
      stateFields(w, eb, ab, `${path}/`, LINKED_BLOCK_DEPTH, links - 1, out);
      if (out.length > before) return;
    }
  }
  out.push({ field: path, expected: renderValue(e), actual: renderValue(a) });
}

function rootTuple(w: Walker, root: CID): Raw[] | undefined {
  const r = w.load(root);
  return Array.isArray(r) && r.length === 3 ? r : undefined;
}

/**
 * Compares two state roots held in `bs`. Actors are reported in the order of their HAMT keys'
 * IDs (non-ID keys last).
 */
export function diffStateRoots(bs: Blockstore, expectedRoot: CID, actualRoot: CID, options: DiffOptions = {}): StateDiff {
  const w = new Walker(bs);
  const rootFields: FieldDiff[] = [];
  const actors: ActorDiff[] = [];
  const finish = (): StateDiff => ({ expectedRoot, actualRoot, rootFields, actors, missingBlocks: w.missing });
  if (expectedRoot.equals(actualRoot)) return finish();

  const er = rootTuple(w, expectedRoot);
  const ar = rootTuple(w, actualRoot);
  if (er === undefined || ar === undefined) {
    rootFields.push({ field: 'root', expected: er ? 'state root' : 'unavailable or malformed', actual: ar ? 'state root' : 'unavailable or malformed' });
    return finish();
  }
  if (!sameValue(er[0], ar[0])) rootFields.push({ field: 'version', expected: renderValue(er[0]), actual: renderValue(ar[0]) });
  if (!sameValue(er[2], ar[2])) rootFields.push({ field: 'info', expected: renderValue(er[2]), actual: renderValue(ar[2]) });
  const eh = asCid(er[1]);
  const ah = asCid(ar[1]);
  if (eh === null || ah === null) {
    rootFields.push({ field: 'actors', expected: renderValue(er[1]), actual: renderValue(ar[1]) });
    return finish();
  }

  const depth = options.stateDepth ?? 3;
  const linkDepth = options.linkDepth ?? 2;
  w.diff(eh, ah, (key, ev, av) => {
    const { address, id } = keyAddress(key);
    const e = ev === undefined ? undefined : decodeActor(ev, `expected actor ${address}`);
    const a = av === undefined ? undefined : decodeActor(av, `actual actor ${address}`);
    const code = e?.code ?? a?.code;
    const type = code !== undefined ? options.codeName?.(code) : undefined;
    if (ev === undefined || av === undefined) {
      const present = e ?? a;
      const fields: FieldDiff[] = present === undefined ? [] : [
        { field: 'balance', expected: e ? String(e.balance) : 'absent', actual: a ? String(a.balance) : 'absent' },
      ];
      actors.push({ address, id, type, change: ev === undefined ? 'unexpected' : 'missing', fields, stateFields: [] });
      return;
    }
    if (e === undefined || a === undefined) {
      // One side is not a valid actor entry: show the raw entries.
      const fields = [{ field: 'entry', expected: renderValue(ev), actual: renderValue(av) }];
      actors.push({ address, id, type, change: 'changed', fields, stateFields: [] });
      return;
    }
    const sf: FieldDiff[] = [];
    if (!e.head.equals(a.head)) {
      const es = w.load(e.head);
      const as = w.load(a.head);
      if (es !== undefined && as !== undefined) stateFields(w, es, as, 'state', depth, linkDepth, sf);
    }
    actors.push({ address, id, type, change: 'changed', fields: actorFields(e, a), stateFields: sf });
  });
  actors.sort((x, y) => {
    if (x.id === undefined || y.id === undefined) return x.id === undefined ? (y.id === undefined ? 0 : 1) : -1;
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
  return finish();
}

/** One line per differing actor: "f05 (storagemarket): balance 10 → 12; state[2]: … → …". */
export function formatStateDiff(diff: StateDiff, maxActors = 8): string {
  const parts: string[] = [];
  for (const f of diff.rootFields) parts.push(`state root ${f.field}: expected ${f.expected}, got ${f.actual}`);
  for (const a of diff.actors.slice(0, maxActors)) {
    const name = a.type !== undefined ? `${a.address} (${a.type})` : a.address;
    if (a.change !== 'changed') {
      parts.push(`${name}: ${a.change === 'missing' ? 'expected but absent' : 'present but not expected'}`);
      continue;
    }
    const details = [...a.fields.filter((f) => f.field !== 'head' || a.stateFields.length === 0), ...a.stateFields].map(
      (f) => `${f.field} expected ${f.expected}, got ${f.actual}`,
    );
    parts.push(`${name}: ${details.length > 0 ? details.join('; ') : 'entry differs'}`);
  }
  if (diff.actors.length > maxActors) parts.push(`… and ${diff.actors.length - maxActors} more actors`);
  if (diff.missingBlocks > 0) parts.push(`(${diff.missingBlocks} blocks needed for the diff were not available)`);
  return parts.join(' | ');
}
