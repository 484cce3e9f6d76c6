// Read-only views of a state tree for people: actor listings and decoded actor state.
import { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { getCbor } from '../ipld/blockstore.js';
import { Address } from '../primitives/address.js';
import { type ActorState, actorStateFromCbor } from '../primitives/actor.js';
import { Manifest } from './manifest.js';
import { StateTree } from './state-tree.js';
import { SYSTEM_ACTOR_ID, INIT_ACTOR_ID } from './init-state.js';

/**
 * Visits the entries of a HAMT whose node blocks may be partly absent (test-vector CARs carry
 * only the blocks an execution touched); returns how many subtrees were missing.
 */
export function walkPresentHamt(store: Blockstore, root: CID, cb: (key: Uint8Array, value: unknown) => void): number {
  let missing = 0;
  const visit = (cid: CID): void => {
    if (!store.has(cid)) {
      missing++;
      return;
    }
    const node = getCbor<unknown>(store, cid, 'HAMT node');
    if (!Array.isArray(node) || node.length !== 2 || !Array.isArray(node[1])) {
      throw new Error(`HAMT node ${cid.toString()} is not a [bitfield, pointers] tuple`);
    }
    for (const ptr of node[1] as unknown[]) {
      const link = CID.asCID(ptr);
      if (link !== null) visit(link);
      else if (Array.isArray(ptr)) for (const kv of ptr as unknown[][]) cb(kv[0] as Uint8Array, kv[1]);
      else throw new Error(`HAMT node ${cid.toString()} has a pointer that is neither a link nor a bucket`);
    }
  };
  visit(root);
  return missing;
}

export interface ActorSummary {
  id: bigint;
  /** The robust address mapped to this ID by the init actor, if any. */
  robust: Address | undefined;
  actor: ActorState;
  /** Builtin actor type name, when a manifest knows the code CID. */
  type: string | undefined;
}

/** Maps code CIDs to builtin actor names across any number of manifests. */
export class CodeNames {
  private readonly names = new Map<string, string>();
  add(manifest: Manifest, suffix = ''): void {
    for (const e of manifest.entries()) this.names.set(e.code.toString(), e.name + suffix);
  }
  get(code: CID): string | undefined {
    return this.names.get(code.toString());
  }
  get size(): number {
    return this.names.size;
  }
}

/** The manifest named by the system actor's state (`[manifest data CID, ...]`), if its block is present. */
export function manifestFromState(tree: StateTree): Manifest | undefined {
  const system = tree.getActor(SYSTEM_ACTOR_ID);
  if (system === undefined || !tree.store.has(system.head)) return undefined;
  const state = getCbor<unknown>(tree.store, system.head, 'system actor state');
  const data = Array.isArray(state) ? state[0] : undefined;
  if (!(data instanceof Object) || CID.asCID(data) === null) return undefined;
  const cid = CID.asCID(data)!;
  if (!tree.store.has(cid)) return undefined;
  return Manifest.loadData(tree.store, cid);
}

export interface ActorListing {
  actors: ActorSummary[];
  /** HAMT subtrees (actors or init address map) whose blocks are not in the store. */
  missingSubtrees: number;
}

/** Every actor present in the store, in ID order, with its robust address and type name. */
export function listActors(tree: StateTree, names?: CodeNames): ActorListing {
  const robust = new Map<bigint, Address>();
  let missingSubtrees = 0;
  const init = tree.getActor(INIT_ACTOR_ID);
  if (init !== undefined && tree.store.has(init.head)) {
    missingSubtrees += walkPresentHamt(tree.store, tree.initState().addressMap, (key, value) => {
      if (typeof value === 'number' || typeof value === 'bigint') robust.set(BigInt(value), Address.fromBytes(key));
    });
  }
  const actors: ActorSummary[] = [];
  missingSubtrees += walkPresentHamt(tree.store, tree.actorsRoot, (key, value) => {
    const id = Address.fromBytes(key).id();
    const actor = actorStateFromCbor(value, `actor f0${id}`, tree.version);
    actors.push({ id, robust: robust.get(id), actor, type: names?.get(actor.code) });
  });
  actors.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { actors, missingSubtrees };
}

/** Renders a decoded DAG-CBOR value as JSON-friendly data (CIDs as {"/": cid}, bytes as hex). */
export function toDisplay(value: unknown): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  const cid = CID.asCID(value);
  if (cid !== null) return { '/': cid.toString() };
  if (Array.isArray(value)) return value.map(toDisplay);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toDisplay(v)]));
  }
  return String(value);
}

/** The decoded head object of an actor (its state), or undefined when the block is absent. */
export function actorStateObject(store: Blockstore, actor: ActorState): unknown {
  if (!store.has(actor.head)) return undefined;
  return getCbor<unknown>(store, actor.head, 'actor state');
}
