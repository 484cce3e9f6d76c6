// Blockstores are synchronous: syscalls from WASM into the kernel cannot await.
import { CID } from 'multiformats/cid';
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

/**
 * A cheap map key for a CID: its bytes as a binary string. Formatting a CID as base32 (what
 * `toString` does) costs many times more for CIDs that were just decoded.
 */
export function cidKey(cid: CID): string {
  const b = cid.bytes;
  if (b.length <= 256) return String.fromCharCode.apply(null, b as unknown as number[]);
  // Identity CIDs may inline larger data: stay clear of argument-count limits.
  let s = '';
  for (let i = 0; i < b.length; i += 256) s += String.fromCharCode.apply(null, b.subarray(i, i + 256) as unknown as number[]);
  return s;
}

function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** The blocks of a MemoryBlockstore, seen as a map from CID strings (for tests and tools). */
export interface BlockMap extends Iterable<[string, Uint8Array]> {
  readonly size: number;
  get(cid: string): Uint8Array | undefined;
  has(cid: string): boolean;
  delete(cid: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<Uint8Array>;
  entries(): IterableIterator<[string, Uint8Array]>;
}

class CidStringView implements BlockMap {
  constructor(private readonly byKey: Map<string, Uint8Array>) {}
  get size(): number {
    return this.byKey.size;
  }
  get(cid: string): Uint8Array | undefined {
    return this.byKey.get(cidKey(CID.parse(cid)));
  }
  has(cid: string): boolean {
    return this.byKey.has(cidKey(CID.parse(cid)));
  }
  delete(cid: string): boolean {
    return this.byKey.delete(cidKey(CID.parse(cid)));
  }
  *keys(): IterableIterator<string> {
    for (const k of this.byKey.keys()) yield CID.decode(keyBytes(k)).toString();
  }
  values(): IterableIterator<Uint8Array> {
    return this.byKey.values();
  }
  *entries(): IterableIterator<[string, Uint8Array]> {
    for (const [k, v] of this.byKey) yield [CID.decode(keyBytes(k)).toString(), v];
  }
  [Symbol.iterator](): IterableIterator<[string, Uint8Array]> {
    return this.entries();
  }
}

export class MemoryBlockstore implements Blockstore {
  readonly #byKey = new Map<string, Uint8Array>();
  /** The blocks by CID string. */
  readonly blocks: BlockMap = new CidStringView(this.#byKey);
  get(cid: CID): Uint8Array | undefined {
    return this.#byKey.get(cidKey(cid));
  }
  put(cid: CID, bytes: Uint8Array): void {
    this.#byKey.set(cidKey(cid), bytes);
  }
  has(cid: CID): boolean {
    return this.#byKey.has(cidKey(cid));
  }
  get size(): number {
    return this.#byKey.size;
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
