// Loading official builtin-actors bundles: a single `.car` (root = manifest) or a Lotus
// `vN.tar.zst` holding one `builtin-actors-<network>.car` per network.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { decompress } from 'fzstd';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, type Blockstore } from '../ipld/blockstore.js';
import { putBlocks, type Block } from '../ipld/buffered-blockstore.js';
import { readCar } from '../ipld/car.js';
import { Manifest } from './manifest.js';

export interface BundleInfo {
  /** Network the bundle is built for (from `builtin-actors-<network>.car`), e.g. "mainnet". */
  readonly network: string;
  /** Root of the bundle: the manifest's [version, data] block. */
  readonly manifestCid: CID;
  /** Actors version from a `vN` file or folder name, when the path carries one. */
  readonly actorsVersion: number | undefined;
  /** The file (and tar entry) it came from. */
  readonly source: string;
}

export interface LoadBundleOptions {
  /** Check every block's hash (default true; bundles are large, so tests may opt out). */
  verify?: boolean;
  /** Load only these networks from a tarball (default: all). */
  networks?: readonly string[];
}

export class BundleError extends Error {
  override readonly name = 'BundleError';
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;

function hasPrefix(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// A minimal tar reader: no tar package is a dependency, and bundles need nothing more than the
// regular files of an in-memory archive (ustar/GNU headers, GNU long names, pax path/size).

export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72] as const; // "ustar"

function cString(bytes: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function tarNumber(h: Uint8Array, start: number, len: number, what: string): number {
  if (h[start]! & 0x80) {
    // GNU base-256 form for values that do not fit the octal field.
    let v = h[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const text = cString(h, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad octal ${what} field "${text}"`);
  return parseInt(text, 8);
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = new TextDecoder().decode(data);
  let pos = 0;
  while (pos < text.length) {
    const space = text.indexOf(' ', pos);
    if (space < 0) break;
    const len = parseInt(text.slice(pos, space), 10);
    if (!(len > 0)) break;
    const record = text.slice(space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Regular files of a tar archive, as views into `bytes`. Throws on anything not a tar. */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) return entries; // end-of-archive marker
    if (!hasPrefix(h, USTAR_MAGIC, 257)) throw new Error(`no ustar header at offset ${pos}`);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = tarNumber(h, 148, 8, 'checksum');
    if (stored !== sum) throw new Error(`header checksum mismatch at offset ${pos}`);
    const size = tarNumber(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156]!);
    const dataStart = pos + BLOCK;
    if (dataStart + size > bytes.length) throw new Error(`entry at offset ${pos} runs past the end of the archive`);
    const data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type !== '0' && type !== '\0') {
      longName = undefined;
      pax = new Map();
      continue; // directories, links, global pax headers: nothing to load
    }
    // POSIX ustar ("ustar\0") splits long paths into prefix + name; GNU ("ustar  ") does not.
    const prefix = h[262] === 0 ? cString(h, 345, 155) : '';
    const headerName = prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100);
    const paxSize = pax.get('size');
    const realData = paxSize !== undefined ? bytes.subarray(dataStart, dataStart + Number(paxSize)) : data;
    entries.push({ name: pax.get('path') ?? longName ?? headerName, data: realData });
    longName = undefined;
    pax = new Map();
  }
  if (pos === 0) throw new Error('too short to hold a tar header');
  return entries; // archives may omit the trailing zero blocks
}

// ---------------------------------------------------------------------------------------------

const CAR_NAME = /^builtin-actors-(.+)\.car$/;

function networkFrom(fileName: string): string {
  const m = CAR_NAME.exec(fileName);
  return m ? m[1]! : fileName.replace(/\.car$/, '');
}

function versionFrom(name: string): number | undefined {
  const m = /^v(\d+)(?:\.tar\.zst|\.tar)?$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

interface PendingBundle {
  info: BundleInfo;
  blocks: Block[];
}

/** Parses one bundle CAR and checks its manifest and every actor code block, writing nothing. */
function checkBundleCar(car: Uint8Array, source: string, network: string, actorsVersion: number | undefined, verify: boolean): PendingBundle {
  const { roots, blocks } = readCar(car, source, { verify });
  if (roots.length !== 1) throw new BundleError(`${source}: a bundle has exactly one root (the manifest), found ${roots.length}`);
  const manifestCid = roots[0]!;
  const local = new MemoryBlockstore();
  for (const b of blocks) local.put(b.cid, b.bytes);
  let manifest: Manifest;
  try {
    manifest = Manifest.load(local, manifestCid);
  } catch (err) {
    throw new BundleError(`${source}: ${message(err)}`, { cause: err });
  }
  for (const e of manifest.entries()) {
    if (!local.has(e.code)) throw new BundleError(`${source}: code ${e.code.toString()} of actor '${e.name}' is not in the bundle`);
  }
  return { info: { network, manifestCid, actorsVersion, source }, blocks };
}

/**
 * Loads a bundle from bytes; `path` names it in errors and supplies the network and actors
 * version. Validates everything first, then writes all blocks to `bs`.
 */
export function loadBundleBytes(bytes: Uint8Array, path: string, bs: Blockstore, options: LoadBundleOptions = {}): BundleInfo[] {
  const verify = options.verify !== false;
  const file = basename(path);
  const zstdByName = /\.(tar\.zst|tzst|zst)$/.test(file);
  let pending: PendingBundle[];
  if (zstdByName || hasPrefix(bytes, ZSTD_MAGIC)) {
    if (!hasPrefix(bytes, ZSTD_MAGIC)) throw new BundleError(`corrupt zstd data in ${path}: missing zstd frame magic`);
    let tar: Uint8Array;
    try {
      tar = decompress(bytes);
    } catch (err) {
      throw new BundleError(`corrupt zstd data in ${path}: ${message(err)}`, { cause: err });
    }
    pending = loadTar(tar, path, versionFrom(file), verify, options.networks);
  } else if (/\.tar$/.test(file) || hasPrefix(bytes, USTAR_MAGIC, 257)) {
    pending = loadTar(bytes, path, versionFrom(file), verify, options.networks);
  } else {
    pending = [checkBundleCar(bytes, path, networkFrom(file), versionFrom(basename(dirname(path))), verify)];
  }
  for (const p of pending) putBlocks(bs, p.blocks);
  return pending.map((p) => p.info);
}

function loadTar(tar: Uint8Array, path: string, version: number | undefined, verify: boolean, networks: readonly string[] | undefined): PendingBundle[] {
  let entries: TarEntry[];
  try {
    entries = readTar(tar);
  } catch (err) {
    throw new BundleError(`not a tar archive: ${path}: ${message(err)}`, { cause: err });
  }
  const out: PendingBundle[] = [];
  for (const e of entries) {
    const file = e.name.split('/').pop() ?? e.name;
    const m = CAR_NAME.exec(file);
    if (!m) continue;
    const network = m[1]!;
    if (networks !== undefined && !networks.includes(network)) continue;
    out.push(checkBundleCar(e.data, `${path}:${e.name}`, network, version, verify));
  }
  if (out.length === 0) {
    const wanted = networks ? ` for ${networks.join(', ')}` : '';
    throw new BundleError(`${path}: no builtin-actors-<network>.car entry${wanted} in the archive`);
  }
  return out;
}

export function loadBundleSync(path: string, bs: Blockstore, options: LoadBundleOptions = {}): BundleInfo[] {
  return loadBundleBytes(readFileSync(path), path, bs, options);
}

/** Loads a `.car` bundle or a Lotus `vN.tar.zst` into `bs`; one entry per network found. */
export async function loadBundle(path: string, bs: Blockstore, options: LoadBundleOptions = {}): Promise<BundleInfo[]> {
  return loadBundleBytes(await readFile(path), path, bs, options);
}

// ---------------------------------------------------------------------------------------------

export interface BundleLocation {
  readonly path: string;
  readonly format: 'car' | 'tar.zst';
  readonly actorsVersion: number | undefined;
  /** For a `.car`: its network; a tarball holds several. */
  readonly network: string | undefined;
}

/** `$TSFVM_BUNDLES`, else `~/.cache/tsfvm/bundles`. */
export function defaultBundleDir(): string {
  const env = process.env['TSFVM_BUNDLES'];
  return env !== undefined && env !== '' ? env : join(homedir(), '.cache', 'tsfvm', 'bundles');
}

/**
 * Bundles in `dir`: `vN.tar.zst` files, `.car` files, and `.car` files one folder down
 * (`vN/builtin-actors-mainnet.car`). Sorted by actors version, then path. Empty if `dir` is absent.
 */
export function findBundles(dir: string = defaultBundleDir()): BundleLocation[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const out: BundleLocation[] = [];
  const visit = (folder: string, depth: number): void => {
    for (const name of readdirSync(folder).sort()) {
      const full = join(folder, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (depth === 0) visit(full, 1);
      } else if (name.endsWith('.tar.zst')) {
        out.push({ path: full, format: 'tar.zst', actorsVersion: versionFrom(name), network: undefined });
      } else if (name.endsWith('.car')) {
        out.push({ path: full, format: 'car', actorsVersion: versionFrom(basename(folder)), network: networkFrom(name) });
      }
    }
  };
  visit(dir, 0);
  return out.sort((a, b) => (a.actorsVersion ?? Infinity) - (b.actorsVersion ?? Infinity) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
