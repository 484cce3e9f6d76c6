// Blockstores are synchronous: syscalls from WASM into the kernel cannot await.
import type { CID } from 'multiformats/cid';
import { cidOf, encodeCbor, decodeCbor, DAG_CBOR } from './cbor.js';

export interface Blockstore {
  get(cid: CID): Uint8Array | undefined;
  put(cid: CID, bytes: Uint8Array): void;
  has(cid: CID): boolean;
}

/** Raised when a block that must exist is absent. */
export class MissingBlockError extends Error {
  override readonly name = 'MissingBlockError';
  constructor(readonly cid: CID, what = 'block') {
    super(`${what} ${cid.toString()} not found in blockstore`);
  }
}

export class MemoryBlockstore implements Blockstore {
  readonly blocks = new Map<string, Uint8Array>();
  get(cid: CID): Uint8Array | undefined {
    return this.blocks.get(cid.toString());
  }
  put(cid: CID, bytes: Uint8Array): void {
    this.blocks.set(cid.toString(), bytes);
  }
  has(cid: CID): boolean {
    return this.blocks.has(cid.toString());
  }
  get size(): number {
    return this.blocks.size;
  }
}

export function getBlock(bs: Blockstore, cid: CID, what = 'block'): Uint8Array {
  const b = bs.get(cid);
  if (b === undefined) throw new MissingBlockError(cid, what);
  return b;
}

/** Encodes `value` as DAG-CBOR, stores it and returns its CID. */
export function putCbor(bs: Blockstore, value: unknown): CID {
  const bytes = encodeCbor(value);
  const cid = cidOf(bytes, DAG_CBOR);
  bs.put(cid, bytes);
  return cid;
}

export function getCbor<T>(bs: Blockstore, cid: CID, what = 'block'): T {
  return decodeCbor<T>(getBlock(bs, cid, what), `${what} ${cid.toString()}`);
}
