// A local chain kept on disk: the blocks in an LMDB environment (DIR/blocks) and a small
// metadata record (DIR/tsfvm-chain.json) naming the head. Every LMDB commit is flushed to disk
// before it returns (src/ipld/lmdb-blockstore.ts), so the blocks a record names are durable
// before the record is written; the record replaces the old one by a synced temporary file, a
// rename and a synced directory. A crash or a power loss therefore leaves either the old head or
// the new one, each with all its blocks.
//
// Opening refuses, without changing anything, a directory that is not such a database: files
// but no record (foreign), a record that is unreadable or of another format or version, a head
// whose state root is not in the store, a store LMDB cannot open.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CID } from 'multiformats/cid';
import { LmdbBlockstore } from '../ipld/lmdb-blockstore.js';
import { Address } from '../primitives/address.js';
import { StateTree } from '../state/state-tree.js';
import type { ChainHead } from './local-chain.js';

export const CHAIN_DB_FORMAT = 'tsfvm-local-chain';
export const CHAIN_DB_VERSION = 1;
export const CHAIN_META_FILE = 'tsfvm-chain.json';
export const CHAIN_BLOCKS_DIR = 'blocks';

export class ChainDbError extends Error {
  override readonly name = 'ChainDbError';
}

/** The metadata record. */
export interface ChainMeta {
  readonly networkName: string;
  readonly networkVersion: number;
  /** Seed of the accounts' keys. */
  readonly keySeed: string;
  readonly head: ChainHead;
  /** Next nonce of each account the chain's user signs for, by f1 address. */
  readonly nonces: ReadonlyMap<string, bigint>;
  /** How many times the demo ran on this chain. */
  readonly runs: number;
}

interface MetaJson {
  format: string;
  version: number;
  networkName: string;
  networkVersion: number;
  keySeed: string;
  stateRoot: string;
  epoch: string;
  nonces: Record<string, string>;
  runs: number;
}

function metaToJson(meta: ChainMeta): MetaJson {
  return {
    format: CHAIN_DB_FORMAT,
    version: CHAIN_DB_VERSION,
    networkName: meta.networkName,
    networkVersion: meta.networkVersion,
    keySeed: meta.keySeed,
    stateRoot: meta.head.stateRoot.toString(),
    epoch: meta.head.epoch.toString(),
    nonces: Object.fromEntries([...meta.nonces].map(([a, n]) => [a, n.toString()])),
    runs: meta.runs,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseUint(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new ChainDbError(`${what} is not a non-negative integer string`);
  return BigInt(v);
}

/** Reads and checks the record's fields; throws ChainDbError naming the first bad one. */
export function parseChainMeta(text: string, file: string): ChainMeta {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new ChainDbError(`${file} is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(obj)) throw new ChainDbError(`${file} is not a JSON object`);
  if (obj['format'] !== CHAIN_DB_FORMAT) {
    throw new ChainDbError(`${file} has format ${JSON.stringify(obj['format'])}, not "${CHAIN_DB_FORMAT}"`);
  }
  if (obj['version'] !== CHAIN_DB_VERSION) {
    throw new ChainDbError(`${file} has format version ${JSON.stringify(obj['version'])}; this tsfvm reads version ${CHAIN_DB_VERSION}`);
  }
  const fail = (field: string, why: string): never => {
    throw new ChainDbError(`${file}: ${field} ${why}`);
  };
  const networkName = obj['networkName'];
  if (typeof networkName !== 'string' || networkName.length === 0) fail('networkName', 'is not a non-empty string');
  const networkVersion = obj['networkVersion'];
  if (typeof networkVersion !== 'number' || !Number.isSafeInteger(networkVersion) || networkVersion < 0) fail('networkVersion', 'is not a network version');
  const keySeed = obj['keySeed'];
  if (typeof keySeed !== 'string') fail('keySeed', 'is not a string');
  let stateRoot: CID | undefined;
  try {
    stateRoot = CID.parse(String(obj['stateRoot']));
  } catch {
    fail('stateRoot', 'is not a CID');
  }
  let epoch = 0n;
  try {
    epoch = parseUint(obj['epoch'], 'epoch');
  } catch {
    fail('epoch', 'is not a non-negative integer string');
  }
  const rawNonces = obj['nonces'];
  if (!isRecord(rawNonces)) fail('nonces', 'is not an object');
  const nonces = new Map<string, bigint>();
  for (const [addr, n] of Object.entries(rawNonces as Record<string, unknown>)) {
    try {
      Address.fromString(addr);
      nonces.set(addr, parseUint(n, 'nonce'));
    } catch {
      fail(`nonces["${addr}"]`, 'is not an address with a non-negative integer nonce');
    }
  }
  const runs = obj['runs'];
  if (typeof runs !== 'number' || !Number.isSafeInteger(runs) || runs < 0) fail('runs', 'is not a non-negative integer');
  return {
    networkName: networkName as string,
    networkVersion: networkVersion as number,
    keySeed: keySeed as string,
    head: { stateRoot: stateRoot!, epoch },
    nonces,
    runs: runs as number,
  };
}

export class ChainDb {
  private constructor(
    readonly dir: string,
    readonly blockstore: LmdbBlockstore,
    /** The record read at open; undefined for a new database. */
    readonly meta: ChainMeta | undefined,
    /** Whether opening created the directory (rather than finding it empty). */
    private readonly createdDir: boolean,
  ) {}

  get metaFile(): string {
    return path.join(this.dir, CHAIN_META_FILE);
  }

  /**
   * Opens the database in `dir`, creating it when `dir` does not exist or is empty. Throws
   * ChainDbError, having changed nothing, when `dir` holds anything else than a readable
   * database of this format whose head state is present.
   */
  static open(dir: string): ChainDb {
    const metaFile = path.join(dir, CHAIN_META_FILE);
    const blocksDir = path.join(dir, CHAIN_BLOCKS_DIR);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ChainDbError(`${dir} is a file, not a chain database directory`);
    const entries = existsSync(dir) ? readdirSync(dir) : [];
    if (entries.length === 0) {
      const createdDir = !existsSync(dir);
      mkdirSync(blocksDir, { recursive: true });
      return new ChainDb(dir, openLmdb(blocksDir), undefined, createdDir);
    }
    if (!entries.includes(CHAIN_META_FILE)) {
      throw new ChainDbError(`${dir} is not a tsfvm chain database (no ${CHAIN_META_FILE}; it holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}): refusing to touch it`);
    }
    let text: string;
    try {
      text = readFileSync(metaFile, 'utf8');
    } catch (err) {
      throw new ChainDbError(`cannot read ${metaFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const meta = parseChainMeta(text, metaFile);
    const dataFile = path.join(blocksDir, 'data.mdb');
    if (!existsSync(dataFile)) throw new ChainDbError(`${dir} is damaged: the block store ${blocksDir} is missing`);
    const bad = lmdbDataFileProblem(dataFile);
    if (bad !== undefined) throw new ChainDbError(`${dir} is damaged: ${dataFile} ${bad}`);
    const store = openLmdb(blocksDir);
    try {
      if (!store.has(meta.head.stateRoot)) {
        throw new ChainDbError(`${dir} is damaged: its head state root ${meta.head.stateRoot.toString()} is not in the block store`);
      }
      StateTree.load(store, meta.head.stateRoot);
    } catch (err) {
      void store.close();
      if (err instanceof ChainDbError) throw err;
      throw new ChainDbError(`${dir} is damaged: cannot read its head state (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    return new ChainDb(dir, store, meta, false);
  }

  /**
   * Replaces the metadata record. Call it after the blocks it names are written: they are on
   * disk by then (LMDB commits are synced), and the record reaches the disk before this returns.
   */
  writeMeta(meta: ChainMeta): void {
    if (!this.blockstore.has(meta.head.stateRoot)) {
      throw new ChainDbError(`refusing to record head ${meta.head.stateRoot.toString()}: it is not in the block store`);
    }
    // The store's own directory entry (data.mdb) must survive too, the first time above all.
    syncDirectory(path.join(this.dir, CHAIN_BLOCKS_DIR));
    const tmp = `${this.metaFile}.${process.pid}.tmp`;
    try {
      writeFileSynced(tmp, `${JSON.stringify(metaToJson(meta), null, 2)}\n`);
      renameSync(tmp, this.metaFile);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    // The rename is durable once the directory is; a directory this open created needs its
    // own entry in the parent as well.
    syncDirectory(this.dir);
    if (this.createdDir) syncDirectory(path.dirname(path.resolve(this.dir)));
  }

  close(): Promise<void> {
    return this.blockstore.close();
  }

  /**
   * For a database this open created and that never got a record: closes it and removes what
   * it created, so that a failed first run leaves the directory as it was. Otherwise just closes.
   */
  async discardIfNew(): Promise<void> {
    await this.close();
    if (this.meta !== undefined || existsSync(this.metaFile)) return;
    rmSync(path.join(this.dir, CHAIN_BLOCKS_DIR), { recursive: true, force: true });
    if (this.createdDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

// LMDB's data file starts with two meta pages, each with the magic number at byte 24 of the
// page; the first also gives the page size (the free-list DB's pad field, byte 48). LMDB
// trusts these pages and crashes the process on a file that lacks them, so they are checked
// before the file is handed to it. (Damage deeper in the file is beyond this check.)
const LMDB_MAGIC = 0xbeefc0de;
const LMDB_MAGIC_OFFSET = 24;
const LMDB_PAGE_SIZE_OFFSET = 48;

/** Why `file` is not an LMDB data file, or undefined when its meta pages look right. */
export function lmdbDataFileProblem(file: string): string | undefined {
  let bytes: Buffer;
  let size: number;
  try {
    // Two pages of the largest size are enough; the file itself may be large.
    size = statSync(file).size;
    bytes = Buffer.alloc(Math.min(size, 2 * 65536));
    const fd = openSync(file, 'r');
    try {
      readSync(fd, bytes, 0, bytes.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (bytes.length < LMDB_PAGE_SIZE_OFFSET + 4) return `is ${size} bytes: too short for an LMDB data file`;
  if (bytes.readUInt32LE(LMDB_MAGIC_OFFSET) !== LMDB_MAGIC) return 'is not an LMDB data file (no meta page magic)';
  const pageSize = bytes.readUInt32LE(LMDB_PAGE_SIZE_OFFSET);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `has an invalid page size ${pageSize}`;
  if (size < 2 * pageSize) return `is ${size} bytes: shorter than its two meta pages`;
  if (bytes.readUInt32LE(pageSize + LMDB_MAGIC_OFFSET) !== LMDB_MAGIC) return 'has a damaged second meta page';
  return undefined;
}

/** Writes `text` to `file` (created or truncated) and flushes it to disk before returning. */
function writeFileSynced(file: string, text: string): void {
  const fd = openSync(file, 'w');
  try {
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (created and renamed files) to disk. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    // Some platforms (Windows) cannot open a directory; their file systems need no such sync.
    if ((err as NodeJS.ErrnoException).code === 'EISDIR' || (err as NodeJS.ErrnoException).code === 'EPERM') return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    // A file system that cannot sync directories (some network ones) gives EINVAL: nothing to do.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    closeSync(fd);
  }
}

function openLmdb(dir: string): LmdbBlockstore {
  try {
    return LmdbBlockstore.open(dir);
  } catch (err) {
    throw new ChainDbError(`cannot open the block store ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
