// IPLD reachability (ref-fvm 4.x, nv21+): an actor may only open blocks it can reach — its
// state root, blocks it linked itself, and the links inside blocks it already holds — and
// may only create blocks whose links it can reach. Links are found by walking DAG-CBOR
// headers (no full decode), priced per field and per CID.
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { ErrorNumber } from '../primitives/errnum.js';
import type { GasTracker } from '../gas/tracker.js';
import type { PriceList } from '../gas/price-list.js';
import { OutOfGasError } from '../gas/tracker.js';
import { Block, BlockRegistry, CBOR, DAG_CBOR, IPLD_RAW, type BlockId } from './blocks.js';
import { SyscallError } from './errors.js';

/** Codecs an actor may create, open and link to. */
export const ALLOWED_CODECS: ReadonlySet<number> = new Set([CBOR, DAG_CBOR, IPLD_RAW]);
const ALLOWED_CODECS_BIG: ReadonlySet<bigint> = new Set([BigInt(CBOR), BigInt(DAG_CBOR), BigInt(IPLD_RAW)]);
/** Sector commitments (unsealed, sealed): links to them are legal but never followed. */
const IGNORED_CODECS: ReadonlySet<bigint> = new Set([0xf101n, 0xf102n]);
const IDENTITY_HASH = 0x00n;
const BLAKE2B_256 = 0xb220n;
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

  /** Applies the link rules to a parsed CID (codes as read, which may exceed a JS number). */
  visit(cid: RawCid): void {
    const { codec, hashCode, digest } = cid;
    if (IGNORED_CODECS.has(codec)) return;
    if (!ALLOWED_CODECS_BIG.has(codec)) {
      // Blocks with such a CID cannot exist, so the child is "not found".
      throw new SyscallError(ErrorNumber.NotFound, `block links to CID with forbidden codec ${codec}`);
    }
    if (hashCode === IDENTITY_HASH) {
      // Inline blocks are not links themselves, but may carry links.
      scanInner(this, Number(codec), digest);
      return;
    }
    if (hashCode !== BLAKE2B_256 || digest.length !== 32) {
      throw new SyscallError(
        ErrorNumber.NotFound,
        `block links to CID with forbidden multihash type (code: ${hashCode}, len: ${digest.length})`,
      );
    }
    this.links.push(CID.createV1(Number(codec), createDigest(Number(BLAKE2B_256), digest)));
  }
}

/** A CID as read from a block, before any interpretation. */
interface RawCid {
  readonly codec: bigint;
  readonly hashCode: bigint;
  readonly digest: Uint8Array;
}

/** An unsigned LEB128 varint of at most 64 bits in minimal form, as the CID readers accept. */
function readCidVarint(buf: Uint8Array, pos: { at: number }): bigint {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos.at >= buf.length) throw serialization('invalid cid: unexpected end of input');
    const b = buf[pos.at++]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw serialization('invalid cid: non-minimal varint');
      if (value > 0xffff_ffff_ffff_ffffn) throw serialization('invalid cid: varint overflows u64');
      return value;
    }
  }
  throw serialization('invalid cid: varint overflows u64');
}

/** Parses exactly one binary CID filling `bytes` (v1, or v0 given as sha2-256 + 32 bytes). */
function readRawCid(bytes: Uint8Array): RawCid {
  const pos = { at: 0 };
  const version = readCidVarint(bytes, pos);
  const codec = readCidVarint(bytes, pos);
  let cid: RawCid;
  if (version === 0x12n && codec === 0x20n) {
    if (bytes.length - pos.at < 32) throw serialization('invalid cid: truncated CIDv0 digest');
    cid = { codec: 0x70n, hashCode: 0x12n, digest: bytes.slice(pos.at, pos.at + 32) };
    pos.at += 32;
  } else {
    if (version === 0n) throw serialization('invalid cid: explicit CIDv0 is not allowed');
    if (version !== 1n) throw serialization(`invalid cid: unknown version ${version}`);
    const hashCode = readCidVarint(bytes, pos);
    const size = readCidVarint(bytes, pos);
    if (size > 64n) throw serialization(`invalid cid: multihash digest of ${size} bytes is too long`);
    if (BigInt(bytes.length - pos.at) < size) throw serialization('invalid cid: truncated multihash digest');
    cid = { codec, hashCode, digest: bytes.slice(pos.at, pos.at + Number(size)) };
    pos.at += Number(size);
  }
  if (pos.at !== bytes.length) throw serialization(`cid has ${bytes.length - pos.at} trailing bytes`);
  return cid;
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
        const cid = readRawCid(buf.subarray(pos.at + 1, pos.at + n));
        pos.at += n;
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
