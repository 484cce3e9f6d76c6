import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { getCbor, putCbor } from '../ipld/blockstore.js';
import { Hamt } from '../ipld/hamt.js';
import { Address } from '../primitives/address.js';
import { type ActorState, actorStateToCbor, actorStateFromCbor } from '../primitives/actor.js';
import { HistoryMap } from './history-map.js';
import { InitState, INIT_ACTOR_ID } from './init-state.js';

/** Bit width of the actors HAMT and of the init actor's address map. */
export const HAMT_BIT_WIDTH = 5;

export class StateTreeError extends Error {
  override readonly name = 'StateTreeError';
}

interface CacheEntry {
  dirty: boolean;
  actor: ActorState | undefined;
}

/**
 * The actors of a state root (version 5: `[version, actors HAMT, info]`), with a write cache
 * and nested transactions. Keys of the actors HAMT are ID-address bytes.
 */
export class StateTree {
  private readonly actorCache = new HistoryMap<bigint, CacheEntry>();
  private readonly resolveCache = new HistoryMap<string, bigint>();
  private readonly layers: Array<[number, number]> = [];

  private constructor(
    readonly store: Blockstore,
    private readonly hamt: Hamt<unknown>,
    readonly version: number,
    private readonly info: CID,
    private actorsCid: CID,
  ) {}

  /** A new, empty version-5 state tree. */
  static create(store: Blockstore): StateTree {
    const info = putCbor(store, []);
    const hamt = Hamt.create<unknown>(store, { bitWidth: HAMT_BIT_WIDTH });
    return new StateTree(store, hamt, 5, info, hamt.flush());
  }

  static load(store: Blockstore, root: CID): StateTree {
    const obj = getCbor<unknown>(store, root, 'state root');
    if (!Array.isArray(obj) || obj.length !== 3) {
      throw new StateTreeError(`state root ${root.toString()} is not a [version, actors, info] tuple`);
    }
    const [version, actors, info] = obj as [unknown, unknown, unknown];
    if (version !== 3 && version !== 4 && version !== 5) {
      // Versions 3-5 share the root layout; 5 adds the delegated address to each actor.
      throw new StateTreeError(`state root ${root.toString()}: unsupported state tree version ${String(version)}`);
    }
    if (!isCid(actors) || !isCid(info)) {
      throw new StateTreeError(`state root ${root.toString()}: actors and info must be CIDs`);
    }
    const hamt = Hamt.load<unknown>(store, actors, { bitWidth: HAMT_BIT_WIDTH });
    return new StateTree(store, hamt, version, info, actors);
  }

  /** CID of the actors HAMT as last loaded or flushed. */
  get actorsRoot(): CID {
    return this.actorsCid;
  }

  getActor(id: bigint): ActorState | undefined {
    const cached = this.actorCache.get(id);
    if (cached !== undefined) return cached.actor;
    const raw = this.hamt.get(Address.newId(id).toBytes());
    const actor = raw === undefined ? undefined : actorStateFromCbor(raw, `actor ${id}`, this.version);
    this.actorCache.set(id, { dirty: false, actor });
    return actor;
  }

  setActor(id: bigint, actor: ActorState): void {
    this.actorCache.set(id, { dirty: true, actor });
  }

  deleteActor(id: bigint): void {
    this.actorCache.set(id, { dirty: true, actor: undefined });
  }

  /** Applies `mutate` to a copy of the actor and stores it; throws if the actor does not exist. */
  mutateActor(id: bigint, mutate: (actor: ActorState) => ActorState | void): void {
    const actor = this.getActor(id);
    if (actor === undefined) throw new StateTreeError(`failed to look up actor ${id}`);
    const copy: ActorState = { ...actor };
    const out = mutate(copy);
    this.setActor(id, out ?? copy);
  }

  /** Resolves any address to an actor ID through the init actor's address map. */
  lookupId(addr: Address): bigint | undefined {
    const id = addr.idOrUndefined();
    if (id !== undefined) return id;
    const key = addr.key();
    const hit = this.resolveCache.get(key);
    if (hit !== undefined) return hit;
    const found = this.initState().resolveAddress(this.store, addr);
    if (found !== undefined) this.resolveCache.set(key, found);
    return found;
  }

  /** Assigns the next actor ID to `addr` in the init actor's map. */
  registerNewAddress(addr: Address): bigint {
    const init = this.getActor(INIT_ACTOR_ID);
    if (init === undefined) throw new StateTreeError('init actor not found in state tree');
    const state = InitState.load(this.store, init.head);
    const id = state.mapAddressToNewId(this.store, addr);
    this.setActor(INIT_ACTOR_ID, { ...init, head: state.save(this.store) });
    this.resolveCache.set(addr.key(), id);
    return id;
  }

  initState(): InitState {
    const init = this.getActor(INIT_ACTOR_ID);
    if (init === undefined) throw new StateTreeError('init actor not found in state tree');
    return InitState.load(this.store, init.head);
  }

  beginTransaction(): void {
    this.layers.push([this.actorCache.historyLength, this.resolveCache.historyLength]);
  }

  endTransaction(revert: boolean): void {
    const layer = this.layers.pop();
    if (layer === undefined) throw new StateTreeError('endTransaction without a transaction');
    if (revert) {
      this.actorCache.rollback(layer[0]);
      this.resolveCache.rollback(layer[1]);
    }
    if (this.layers.length === 0) {
      this.actorCache.discardHistory();
      this.resolveCache.discardHistory();
    }
  }

  inTransaction(): boolean {
    return this.layers.length > 0;
  }

  /** Writes dirty actors into the HAMT and returns the new state root CID. */
  flush(): CID {
    if (this.inTransaction()) throw new StateTreeError('cannot flush while inside a transaction');
    for (const [id, entry] of this.actorCache.entries()) {
      if (!entry.dirty) continue;
      entry.dirty = false;
      const key = Address.newId(id).toBytes();
      if (entry.actor === undefined) this.hamt.delete(key);
      else this.hamt.set(key, actorStateToCbor(entry.actor, this.version));
    }
    const actors = this.hamt.flush();
    this.actorsCid = actors;
    return putCbor(this.store, [this.version, actors, this.info]);
  }

  /** Visits every actor in the flushed HAMT (call flush() first to include cached writes). */
  forEachActor(cb: (addr: Address, actor: ActorState) => void): void {
    this.hamt.forEach((key, value) => {
      const addr = Address.fromBytes(key);
      cb(addr, actorStateFromCbor(value, `actor ${addr.toString()}`, this.version));
    });
  }
}

function isCid(v: unknown): v is CID {
  return typeof v === 'object' && v !== null && (v as { asCID?: unknown }).asCID === v;
}
