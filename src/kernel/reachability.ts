// IPLD reachability (ref-fvm 4.x, nv21+): an actor may only open blocks it can reach — its
// state root, blocks it linked itself, and the links inside blocks it already holds — and
// may only create blocks whose links it can reach. Links are found by walking DAG-CBOR
// headers (no full decode), priced per field and per CID.
import type { CID } from 'multiformats/cid';
import { ErrorNumber } from '../primitives/errnum.js';
import type { GasTracker } from '../gas/tracker.js';
import type { PriceList } from '../gas/price-list.js';
import { OutOfGasError } from '../gas/tracker.js';
import { parseCid } from '../syscalls/memory.js';
import { Block, BlockRegistry, CBOR, DAG_CBOR, IPLD_RAW, type BlockId } from './blocks.js';
import { SyscallError } from './errors.js';

/** Codecs an actor may create, open and link to. */
export const ALLOWED_CODECS: ReadonlySet<number> = new Set([CBOR, DAG_CBOR, IPLD_RAW]);
/** Sector commitments (unsealed, sealed): links to them are legal but never followed. */
const IGNORED_CODECS: ReadonlySet<number> = new Set([0xf101, 0xf102]);
const IDENTITY_HASH = 0x00;
const BLAKE2B_256 = 0xb220;
const CID_TAG = 42n;

function serialization(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.Serialization, msg);
}

/** Collects links while spending a private gas budget, charged to the tracker at the end. */
class LinkVisitor {
  private remaining: bigint;
  readonly links: CID[] = [];

  constructor(
    readonly perField: bigint,
    readonly perCid: bigint,
    readonly available: bigint,
  ) {
    this.remaining = available;
  }

  get used(): bigint {
    return this.available - this.remaining;
  }

  charge(milligas: bigint): void {
    if (this.remaining < milligas) {
      const left = this.remaining;
      this.remaining = 0n;
      throw new OutOfGasError('OnScanIpldLinks', milligas, left);
    }
    this.remaining -= milligas;
  }

  visit(cid: CID): void {
    const codec = cid.code;
    if (IGNORED_CODECS.has(codec)) return;
    if (!ALLOWED_CODECS.has(codec)) {
      // Blocks with such a CID cannot exist, so the child is "not found".
      throw new SyscallError(ErrorNumber.NotFound, `block links to CID with forbidden codec ${codec}`);
    }
    const hash = cid.multihash;
    if (hash.code === IDENTITY_HASH) {
      // Inline blocks are not links themselves, but may carry links.
      scanInner(this, codec, hash.digest);
      return;
    }
    if (hash.code !== BLAKE2B_256 || hash.size !== 32) {
      throw new SyscallError(
        ErrorNumber.NotFound,
        `block links to CID with forbidden multihash type (code: ${hash.code}, len: ${hash.size})`,
      );
    }
    this.links.push(cid);
  }
}

/** Reads one CBOR header at `pos.at`: the major type and its argument. */
function readHeader(buf: Uint8Array, pos: { at: number }): [number, bigint] {
  const need = (n: number): void => {
    if (buf.length - pos.at < n) throw serialization('invalid cbor header');
  };
  need(1);
  const first = buf[pos.at++]!;
  const major = first >> 5;
  const low = first & 0x1f;
  if (low <= 23) return [major, BigInt(low)];
  const width = low === 24 ? 1 : low === 25 ? 2 : low === 26 ? 4 : low === 27 ? 8 : 0;
  if (width === 0) throw serialization('invalid cbor header');
  need(width);
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(buf[pos.at++]!);
  return [major, v];
}

/** Walks a DAG-CBOR block, visiting every CID (tag 42) it contains. */
function scanDagCbor(visitor: LinkVisitor, buf: Uint8Array): void {
  const pos = { at: 0 };
  let remaining = 1n;
  while (remaining > 0n) {
    remaining -= 1n;
    visitor.charge(visitor.perField);
    const [major, extra] = readHeader(buf, pos);
    switch (major) {
      case 0:
      case 1:
      case 7:
        break;
      case 2:
      case 3:
        if (extra > BigInt(buf.length - pos.at)) throw serialization('unexpected end of cbor stream');
        pos.at += Number(extra);
        break;
      case 6: {
        if (extra !== CID_TAG) {
          // Any other tag wraps exactly one more item.
          remaining += 1n;
          break;
        }
        visitor.charge(visitor.perCid);
        const [m, len] = readHeader(buf, pos);
        if (m !== 2) throw serialization('expected cbor type byte string in input');
        if (len > BigInt(buf.length - pos.at)) throw serialization('unexpected end of cbor stream');
        const n = Number(len);
        if (n < 1 || buf[pos.at] !== 0) throw serialization('DagCBOR CID does not start with a 0x byte');
        const cidBytes = buf.subarray(pos.at + 1, pos.at + n);
        pos.at += n;
        let cid: CID;
        try {
          cid = parseCid(cidBytes, 0);
        } catch (err) {
          throw serialization(`invalid cid: ${(err as Error).message}`);
        }
        if (cid.bytes.length !== cidBytes.length) {
          throw serialization(`cid has ${cidBytes.length - cid.bytes.length} trailing bytes`);
        }
        visitor.visit(cid);
        break;
      }
      case 4:
        remaining += extra;
        if (remaining > 0xffff_ffff_ffff_ffffn) throw serialization('cbor field count overflow');
        break;
      case 5:
        remaining += 2n * extra;
        if (remaining > 0xffff_ffff_ffff_ffffn) throw serialization('cbor field count overflow');
        break;
    }
  }
  if (pos.at !== buf.length) throw serialization(`${buf.length - pos.at} trailing bytes in CBOR block`);
}

function scanInner(visitor: LinkVisitor, codec: number, data: Uint8Array): void {
  if (codec === DAG_CBOR) scanDagCbor(visitor, data);
  else if (codec !== IPLD_RAW && codec !== CBOR) {
    throw new SyscallError(ErrorNumber.IllegalCodec, `codec ${codec} not allowed`);
  }
}

/**
 * The links a block of `codec` makes reachable. The walk spends at most the gas available;
 * what it spent is charged as "OnScanIpldLinks" whether or not the block was valid (a
 * malformed block is a Serialization error, a forbidden child NotFound).
 */
export function scanForReachableLinks(
  codec: bigint,
  data: Uint8Array,
  priceList: PriceList,
  gas: GasTracker,
): CID[] {
  const prices = priceList.prices;
  if (prices.generation !== 'watermelon' && prices.generation !== 'teep') {
    throw new Error(`IPLD link scanning has no price in the ${prices.generation} price list`);
  }
  const visitor = new LinkVisitor(prices.ipldCborScanPerField, prices.ipldCborScanPerCid, gas.availableMilligas);
  let failure: unknown;
  try {
    // Codecs beyond a JS number cannot be DAG-CBOR, RAW or CBOR.
    scanInner(visitor, codec > 0xffff_ffffn ? -1 : Number(codec), data);
  } catch (err) {
    failure = err;
  }
  gas.charge('OnScanIpldLinks', visitor.used);
  if (failure !== undefined) throw failure;
  return visitor.links;
}

/**
 * The block registry of a 4.x kernel: it also remembers which CIDs are reachable. Blocks put
 * as known-reachable (parameters, return values, opened blocks) make their links reachable;
 * blocks the actor creates must only link to reachable CIDs.
 */
export class ReachableBlockRegistry extends BlockRegistry {
  private readonly reachable = new Set<string>();

  /** Adds a block known to be reachable, marking its links reachable. */
  override put(block: Block): BlockId {
    if (this.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'too many blocks');
    for (const link of block.links) this.markReachable(link);
    return super.put(block);
  }

  /** Adds a block the actor created; NotFound if it links to anything unreachable. */
  putCheckReachable(block: Block): BlockId {
    if (this.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'too many blocks');
    const missing = block.links.find((k) => !this.isReachable(k));
    if (missing !== undefined) {
      throw new SyscallError(ErrorNumber.NotFound, `cannot put block: ${missing.toString()} not reachable`);
    }
    return super.put(block);
  }

  markReachable(cid: CID): void {
    this.reachable.add(cid.toString());
  }

  /** Inline (identity-hashed) CIDs are not implicitly reachable: they may carry unreachable links. */
  isReachable(cid: CID): boolean {
    return this.reachable.has(cid.toString());
  }
}

export { Block };
