// Remembers which actors and addresses this message has already paid to read or update, so
// each is charged once (FIP-0057). Accesses made inside a call that reverts are forgotten and
// charged again if repeated.
import { Address } from '../primitives/address.js';
import { HistoryMap } from '../state/history-map.js';

/** Ordered: an update implies a read. */
export enum ActorAccess {
  Read = 1,
  Updated = 2,
}

export class StateAccessTracker {
  private readonly actors = new HistoryMap<bigint, ActorAccess>();
  private readonly addresses = new HistoryMap<string, true>();
  private readonly layers: Array<[number, number]> = [];

  /** `preloaded` actors count as already updated (free to access). */
  constructor(preloaded: readonly bigint[]) {
    for (const id of preloaded) this.actors.set(id, ActorAccess.Updated);
  }

  beginTransaction(): void {
    this.layers.push([this.actors.historyLength, this.addresses.historyLength]);
  }

  endTransaction(revert: boolean): void {
    const layer = this.layers.pop();
    if (layer === undefined) throw new Error('state access tracker is not in a transaction');
    if (revert) {
      this.actors.rollback(layer[0]);
      this.addresses.rollback(layer[1]);
    }
  }

  actorAccess(id: bigint): ActorAccess | undefined {
    return this.actors.get(id);
  }

  recordActorRead(id: bigint): void {
    if (this.actors.get(id) === undefined) this.actors.set(id, ActorAccess.Read);
  }

  recordActorUpdate(id: bigint): void {
    this.actors.set(id, ActorAccess.Updated);
  }

  /** ID addresses never cost a lookup. */
  isAddressLookedUp(addr: Address): boolean {
    return addr.isId() || this.addresses.get(addr.key()) !== undefined;
  }

  recordAddressLookup(addr: Address): void {
    if (addr.isId()) return;
    this.addresses.set(addr.key(), true);
  }
}
