// Write-back buffer in front of a blockstore (ref-fvm's BufferedBlockstore): an execution writes
// many intermediate blocks, and only those reachable from the final state root are persisted.
import type { CID } from 'multiformats/cid';
import { type Blockstore, cidKey } from './blockstore.js';
import { BLAKE2B_256, DAG_CBOR, IDENTITY, RAW, decodeCidBytes } from './cbor.js';

/** Legacy CBOR codec: allowed in a flush but, as in the reference, never scanned for links. */
export const CBOR_CODEC = 0x51;
/** Piece and sector commitments (CommP/CommD, CommR): links to data that is never in a store. */
export const FIL_COMMITMENT_UNSEALED = 0xf101;
export const FIL_COMMITMENT_SEALED = 0xf102;

export interface Block {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** A blockstore that can write a batch of blocks in one go (atomically, where it can). */
export interface BatchBlockstore extends Blockstore {
  putMany(blocks: Iterable<Block>): void;
}

function isBatch(bs: Blockstore): bs is BatchBlockstore {
  return typeof (bs as Partial<BatchBlockstore>).putMany === 'function';
}

/** Writes blocks through `putMany` when the store has it, else one by one. */
export function putBlocks(bs: Blockstore, blocks: readonly Block[]): void {
  if (blocks.length === 0) return;
  if (isBatch(bs)) {
    bs.putMany(blocks);
  } else {
    for (const b of blocks) bs.put(b.cid, b.bytes);
  }
}

export class LinkScanError extends Error {
  override readonly name = 'LinkScanError';
}

/** A cheap map key for a CID: its bytes as a binary string (no base32 encoding). */
export { cidKey } from './blockstore.js';

class Cursor {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string | (() => string),
  ) {}

  fail(msg: string): never {
    const what = typeof this.what === 'function' ? this.what() : this.what;
    throw new LinkScanError(`cannot scan ${what} for links: ${msg} at byte ${this.pos}`);
  }

  need(n: number): void {
    if (this.bytes.length - this.pos < n) this.fail('unexpected end of CBOR data');
  }

  /** Reads an item head; returns the major type and stores the argument in `arg`. */
  arg = 0;
  head(): number {
    this.need(1);
    const b = this.bytes;
    const first = b[this.pos++]!;
    const minor = first & 0x1f;
    if (minor < 24) {
      this.arg = minor;
    } else if (minor === 24) {
      this.need(1);
      this.arg = b[this.pos]!;
      this.pos += 1;
    } else if (minor === 25) {
      this.need(2);
      this.arg = (b[this.pos]! << 8) | b[this.pos + 1]!;
      this.pos += 2;
    } else if (minor === 26) {
      this.need(4);
      this.arg = u32(b, this.pos);
      this.pos += 4;
    } else if (minor === 27) {
      this.need(8);
      // Above 2^53 this is approximate, which is fine: it only sizes items that cannot fit anyway.
      this.arg = u32(b, this.pos) * 0x1_0000_0000 + u32(b, this.pos + 4);
      this.pos += 8;
    } else {
      this.pos -= 1;
      this.fail(`invalid CBOR item head 0x${first.toString(16).padStart(2, '0')}`);
    }
    return first >> 5;
  }
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/**
 * Appends to `out` every CID (tag 42) in one DAG-CBOR item, in document order.
 * Hand-rolled because flush runs after every message, and a full decode would build every
 * value of every new block just to find its few links.
 */
export function scanCborLinks(bytes: Uint8Array, out: CID[] = [], what: string | (() => string) = 'DAG-CBOR block'): CID[] {
  const c = new Cursor(bytes, what);
  let remaining = 1;
  while (remaining > 0) {
    const major = c.head();
    switch (major) {
      case 2: // byte string
      case 3: // text string
        c.need(c.arg);
        c.pos += c.arg;
        break;
      case 4: // array
        remaining += c.arg;
        break;
      case 5: // map: keys and values
        remaining += c.arg * 2;
        break;
      case 6: { // tag
        const tag = c.arg;
        if (tag === 42) {
          const at = c.pos;
          if (c.head() !== 2) {
            c.pos = at;
            c.fail('tag 42 does not wrap a byte string');
          }
          const len = c.arg;
          c.need(len);
          if (len === 0 || bytes[c.pos] !== 0) c.fail('CID in tag 42 lacks the 0x00 multibase prefix');
          try {
            out.push(decodeCidBytes(bytes.subarray(c.pos + 1, c.pos + len)));
          } catch (err) {
            c.fail(`invalid CID in tag 42 (${err instanceof Error ? err.message : String(err)})`);
          }
          c.pos += len;
        } else {
          remaining += 1; // the tagged item follows
        }
        break;
      }
      default: // 0, 1 integers; 7 simple values and floats (argument already consumed)
        break;
    }
    remaining -= 1;
  }
  return out;
}

/** The links of one block, by its CID's codec: DAG-CBOR is scanned, everything else has none. */
export function blockLinks(cid: CID, bytes: Uint8Array, out: CID[] = []): CID[] {
  if (cid.code === DAG_CBOR) scanCborLinks(bytes, out, () => `block ${cid.toString()}`);
  return out;
}

export class FlushError extends Error {
  override readonly name = 'FlushError';
}

/**
 * Reads fall through to the base store; writes stay in memory until `flush(root)` moves the
 * blocks reachable from `root` into the base store. Not thread-safe, like the reference.
 */
export class BufferedBlockstore implements Blockstore {
  private buffer = new Map<string, Block>();

  constructor(readonly base: Blockstore) {}

  get(cid: CID): Uint8Array | undefined {
    const b = this.buffer.get(cidKey(cid));
    return b !== undefined ? b.bytes : this.base.get(cid);
  }

  put(cid: CID, bytes: Uint8Array): void {
    this.buffer.set(cidKey(cid), { cid, bytes });
  }

  has(cid: CID): boolean {
    return this.buffer.has(cidKey(cid)) || this.base.has(cid);
  }

  /** Number of blocks waiting in the buffer. */
  get bufferSize(): number {
    return this.buffer.size;
  }

  /**
   * Moves the buffered blocks reachable from `root` into the base store and returns how many
   * were written. As in ref-fvm: a link to a block absent from the buffer is assumed to be in
   * the base store already and is not followed; identity CIDs are never written (an inline
   * DAG-CBOR payload is scanned for links); commitment CIDs are skipped; any other codec than
   * raw, CBOR or DAG-CBOR, or any hash other than blake2b-256 or identity, is an error.
   * Unreachable blocks stay buffered (still readable) until `discard()`.
   * Nothing is written if the walk fails.
   */
  flush(root: CID): number {
    const taken = new Map<string, Block>();
    const stack: CID[] = [root];
    for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
      const codec = cid.code;
      if (codec === FIL_COMMITMENT_UNSEALED || codec === FIL_COMMITMENT_SEALED) continue;
      if (codec !== RAW && codec !== DAG_CBOR && codec !== CBOR_CODEC) {
        throw new FlushError(`cannot flush from ${root.toString()}: CID ${cid.toString()} has unexpected codec 0x${codec.toString(16)}`);
      }
      const hash = cid.multihash;
      if (hash.code === IDENTITY) {
        if (codec === DAG_CBOR) scanCborLinks(hash.digest, stack, () => `inline block ${cid.toString()}`);
        continue;
      }
      if (hash.code !== BLAKE2B_256 || hash.size !== 32) {
        throw new FlushError(
          `cannot flush from ${root.toString()}: CID ${cid.toString()} has unexpected multihash (code 0x${hash.code.toString(16)}, length ${hash.size})`,
        );
      }
      const key = cidKey(cid);
      if (taken.has(key)) continue;
      const block = this.buffer.get(key);
      if (block === undefined) continue;
      taken.set(key, block);
      // Named lazily: formatting every CID of a flush would cost more than the scan.
      if (codec === DAG_CBOR) scanCborLinks(block.bytes, stack, () => `block ${cid.toString()}`);
    }
    putBlocks(this.base, [...taken.values()]);
    for (const key of taken.keys()) this.buffer.delete(key);
    return taken.size;
  }

  /** Writes every buffered block to the base store, reachable or not, and empties the buffer. */
  flushAll(): number {
    const blocks = [...this.buffer.values()];
    putBlocks(this.base, blocks);
    this.buffer.clear();
    return blocks.length;
  }

  /** Drops every buffered write. */
  discard(): void {
    this.buffer.clear();
  }
}
