import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { getCbor, putCbor } from '../ipld/blockstore.js';
import { Hamt } from '../ipld/hamt.js';
import type { Address } from '../primitives/address.js';

export const SYSTEM_ACTOR_ID = 0n;
export const INIT_ACTOR_ID = 1n;
export const REWARD_ACTOR_ID = 2n;
export const CRON_ACTOR_ID = 3n;
export const STORAGE_POWER_ACTOR_ID = 4n;
export const STORAGE_MARKET_ACTOR_ID = 5n;
export const VERIFIED_REGISTRY_ACTOR_ID = 6n;
export const DATACAP_TOKEN_ACTOR_ID = 7n;
export const EAM_ACTOR_ID = 10n;
export const BURNT_FUNDS_ACTOR_ID = 99n;

/** The init actor's state: `[address_map HAMT, next_id, network_name]`. */
export class InitState {
  constructor(
    public addressMap: CID,
    public nextId: bigint,
    public networkName: string,
  ) {}

  static load(store: Blockstore, head: CID): InitState {
    const obj = getCbor<unknown>(store, head, 'init actor state');
    if (!Array.isArray(obj) || obj.length < 3) {
      throw new Error(`init actor state ${head.toString()} is not a [address_map, next_id, network_name] tuple`);
    }
    const [map, next, name] = obj as [CID, number | bigint, string];
    return new InitState(map, BigInt(next), name);
  }

  save(store: Blockstore): CID {
    return putCbor(store, [this.addressMap, this.nextId, this.networkName]);
  }

  resolveAddress(store: Blockstore, addr: Address): bigint | undefined {
    const map = Hamt.load<unknown>(store, this.addressMap, { bitWidth: 5 });
    const v = map.get(addr.toBytes());
    if (v === undefined) return undefined;
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      throw new Error(`init actor address map: value for ${addr.toString()} is not an actor ID`);
    }
    return BigInt(v);
  }

  mapAddressToNewId(store: Blockstore, addr: Address): bigint {
    const id = this.nextId;
    this.nextId += 1n;
    const map = Hamt.load<unknown>(store, this.addressMap, { bitWidth: 5 });
    map.set(addr.toBytes(), id);
    this.addressMap = map.flush();
    return id;
  }
}
