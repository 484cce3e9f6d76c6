// CAR (content-addressed archive) import and export. Import checks every block against its CID
// before writing anything, so a bad file never leaves a half-imported store.
import { gunzipSync } from 'node:zlib';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import * as CarBufferWriter from '@ipld/car/buffer-writer';
import type { CID } from 'multiformats/cid';
import { blake2b } from '../crypto/blake2b.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { MemoryBlockstore, MissingBlockError, type Blockstore } from './blockstore.js';
import { DAG_CBOR, IDENTITY, SHA2_256 } from './cbor.js';
import {
  blockLinks,
  cidKey,
  FIL_COMMITMENT_SEALED,
  FIL_COMMITMENT_UNSEALED,
  putBlocks,
  scanCborLinks,
  type Block,
} from './buffered-blockstore.js';

const KECCAK_256 = 0x1b;
/** blake2b-8 .. blake2b-512: the multihash code carries the digest size in bytes. */
const BLAKE2B_MIN = 0xb201;
const BLAKE2B_MAX = 0xb240;

export class CarError extends Error {
  override readonly name = 'CarError';
}

export interface CarContents {
  readonly roots: CID[];
  readonly blocks: Block[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hashFor(code: number, bytes: Uint8Array): Uint8Array | undefined {
  if (code === SHA2_256) return sha256(bytes);
  if (code >= BLAKE2B_MIN && code <= BLAKE2B_MAX) return blake2b(bytes, code - 0xb200);
  if (code === KECCAK_256) return keccak_256(bytes);
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless `bytes` hash to `cid`'s multihash; `what` names the containing object. */
export function verifyBlock(cid: CID, bytes: Uint8Array, what = 'block'): void {
  const mh = cid.multihash;
  const expected = mh.code === IDENTITY ? bytes : hashFor(mh.code, bytes);
  if (expected === undefined) {
    throw new CarError(`${what}: block ${cid.toString()} uses unsupported multihash 0x${mh.code.toString(16)}`);
  }
  if (!sameBytes(expected, mh.digest)) {
    throw new CarError(`${what}: block ${cid.toString()} does not match its content's hash`);
  }
}

/**
 * Parses a CAR (v1 or v2) and, unless `verify` is false, checks every block's hash.
 * Throws `not a CAR file: ...` for input that does not parse.
 */
export function readCar(bytes: Uint8Array, what = 'CAR input', options: { verify?: boolean } = {}): CarContents {
  let reader: CarBufferReader;
  try {
    reader = CarBufferReader.fromBytes(bytes);
  } catch (err) {
    throw new CarError(`not a CAR file: ${what}: ${message(err)}`, { cause: err });
  }
  const roots = reader.getRoots();
  // Copies: plain Uint8Arrays (not Buffers), and the caller's input buffer can be dropped.
  const blocks: Block[] = reader.blocks().map((b) => ({ cid: b.cid, bytes: new Uint8Array(b.bytes) }));
  if (options.verify !== false) {
    for (const b of blocks) verifyBlock(b.cid, b.bytes, what);
  }
  return { roots, blocks };
}

/** Validates the whole CAR, then writes its blocks to `bs` (in one batch where supported). */
export function importCarSync(bytes: Uint8Array, bs: Blockstore, what = 'CAR input'): CID[] {
  const { roots, blocks } = readCar(bytes, what);
  putBlocks(bs, blocks);
  return roots;
}

export async function importCar(bytes: Uint8Array, bs: Blockstore, what = 'CAR input'): Promise<CID[]> {
  return importCarSync(bytes, bs, what);
}

export interface ExportOptions {
  /** Skip links to blocks absent from the store instead of failing (for partial state). */
  allowMissing?: boolean;
}

/** Blocks reachable from `roots`, depth-first in link order, each once. */
export function collectReachable(bs: Blockstore, roots: readonly CID[], options: ExportOptions = {}): Block[] {
  const out: Block[] = [];
  const seen = new Set<string>();
  const stack: CID[] = [...roots].reverse();
  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    if (cid.code === FIL_COMMITMENT_UNSEALED || cid.code === FIL_COMMITMENT_SEALED) continue;
    const key = cidKey(cid);
    if (seen.has(key)) continue;
    seen.add(key);
    const links: CID[] = [];
    if (cid.multihash.code === IDENTITY) {
      // Inline data: nothing to store, but an inline DAG-CBOR node may still link out.
      if (cid.code === DAG_CBOR) scanCborLinks(cid.multihash.digest, links, `inline block ${cid.toString()}`);
    } else {
      const bytes = bs.get(cid);
      if (bytes === undefined) {
        if (options.allowMissing === true) continue;
        throw new MissingBlockError(cid, 'block to export');
      }
      out.push({ cid, bytes });
      blockLinks(cid, bytes, links);
    }
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!);
  }
  return out;
}

/** A CARv1 of `roots` and every block reachable from them (DAG-CBOR links followed). */
export function exportCarSync(bs: Blockstore, roots: readonly CID[], options: ExportOptions = {}): Uint8Array {
  const blocks = collectReachable(bs, roots, options);
  const rootList = [...roots];
  let size = CarBufferWriter.headerLength({ roots: rootList });
  for (const b of blocks) size += CarBufferWriter.blockLength(b);
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots: rootList });
  for (const b of blocks) writer.write(b);
  return writer.close();
}

export async function exportCar(bs: Blockstore, roots: readonly CID[], options: ExportOptions = {}): Promise<Uint8Array> {
  return exportCarSync(bs, roots, options);
}

export interface VectorCar {
  readonly store: MemoryBlockstore;
  readonly roots: CID[];
}

/** Test-vector helper: base64 → gunzip → CAR → a fresh MemoryBlockstore (synchronous). */
export function readVectorCar(base64: string, what = 'test vector CAR'): VectorCar {
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(Buffer.from(base64, 'base64'));
  } catch (err) {
    throw new CarError(`${what}: not gzip-compressed base64 data: ${message(err)}`, { cause: err });
  }
  const store = new MemoryBlockstore();
  const roots = importCarSync(bytes, store, what);
  return { store, roots };
}
