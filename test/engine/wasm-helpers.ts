// Helpers of the WASM-layer tests: WAT to binary through wabt, module text for structural
// comparison, and the official bundles' actor modules when they are present.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import wabtInit from 'wabt';
import { decodeCbor } from '../../src/ipld/cbor.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

/** wabt feature flags (some, like multi_memory, are missing from its typings). */
export type WatFeatures = Record<string, boolean>;

// The instrumenter's fixtures use mnemonics older than wabt accepts.
const LEGACY: [RegExp, string][] = [
  [/\bget_local\b/g, 'local.get'],
  [/\bset_local\b/g, 'local.set'],
  [/\btee_local\b/g, 'local.tee'],
  [/\bget_global\b/g, 'global.get'],
  [/\bset_global\b/g, 'global.set'],
  [/\bgrow_memory\b/g, 'memory.grow'],
  [/\bcurrent_memory\b/g, 'memory.size'],
  [/\banyfunc\b/g, 'funcref'],
];

export function modernizeWat(source: string): string {
  return LEGACY.reduce((s, [re, to]) => s.replace(re, to), source);
}

/** Compiles WAT text to a binary module (bulk memory on; other proposals as asked). */
export async function wat(source: string, features: WatFeatures = {}): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const w = await wabt;
  const parsed = w.parseWat('test.wat', modernizeWat(source), { bulk_memory: true, ...features });
  try {
    parsed.resolveNames();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/** The text form of a binary module (no names, unfolded), for structural comparison. */
export async function wasmText(bytes: Uint8Array, features: WatFeatures = {}): Promise<string> {
  wabt ??= wabtInit();
  const w = await wabt;
  const m = w.readWasm(bytes, { readDebugNames: false, check: false, bulk_memory: true, ...features });
  try {
    return m.toText({ foldExprs: false, inlineExport: false });
  } finally {
    m.destroy();
  }
}

/** Where the official bundles are, or undefined when there are none. */
export function bundlesDir(): string | undefined {
  const dir = process.env['TSFVM_BUNDLES'] ?? join(homedir(), '.cache', 'tsfvm', 'bundles');
  return existsSync(dir) ? dir : undefined;
}

/** Versions N with a vN/builtin-actors-mainnet.car, ascending. */
export function bundleVersions(dir: string): number[] {
  return readdirSync(dir)
    .map((d) => /^v(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], 'builtin-actors-mainnet.car')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The actor code modules of bundle vN, by manifest name. */
export async function bundleModules(dir: string, version: number): Promise<Map<string, Uint8Array>> {
  const reader = await CarReader.fromBytes(readFileSync(join(dir, `v${version}`, 'builtin-actors-mainnet.car')));
  const [root] = await reader.getRoots();
  if (!root) throw new Error(`bundle v${version} has no root`);
  const get = async (cid: CID): Promise<Uint8Array> => {
    const b = await reader.get(cid);
    if (!b) throw new Error(`bundle v${version}: block ${cid.toString()} missing`);
    return b.bytes;
  };
  const manifest = decodeCbor<unknown>(await get(root), 'manifest');
  if (!Array.isArray(manifest) || !(manifest[1] instanceof CID)) throw new Error('manifest is not [version, data]');
  const entries = decodeCbor<unknown>(await get(manifest[1]), 'manifest data');
  if (!Array.isArray(entries)) throw new Error('manifest data is not a list');
  const out = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (Array.isArray(e) && typeof e[0] === 'string' && e[1] instanceof CID) out.set(e[0], await get(e[1]));
  }
  return out;
}
