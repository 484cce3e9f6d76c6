// Test-vector files (the fvm-test-vectors "message" class schema): parsing and validation.
import { readFileSync } from 'node:fs';
import { CID } from 'multiformats/cid';

export interface VectorVariant {
  id: string;
  epoch: number;
  nv: number;
}

export interface VectorReceipt {
  exitCode: number;
  returnData: Uint8Array;
  gasUsed: bigint;
}

export interface VectorRandomness {
  kind: 'chain' | 'beacon';
  epoch: number;
  value: Uint8Array;
}

/** The vector's `selector`: features a runner must provide to apply it. */
export interface VectorSelector {
  chaosActor: string | undefined;
  minProtocolVersion: string | undefined;
  /** `requires:consensus_fault_extern` */
  consensusFault: string | undefined;
}

/** Base fee when a vector states none (the reference runner's default, in attoFIL). */
export const DEFAULT_BASE_FEE = 100n;
/** Circulating supply when a vector states none: all 2 billion FIL, in attoFIL. */
export const DEFAULT_CIRC_SUPPLY = 2_000_000_000n * 10n ** 18n;

export interface TestVector {
  id: string;
  file: string;
  selector: VectorSelector;
  /** gzip-compressed CAR of the pre- and post-states. */
  car: Uint8Array;
  variants: VectorVariant[];
  preRoot: CID;
  postRoot: CID;
  baseFee: bigint;
  circSupply: bigint;
  messages: Uint8Array[];
  receipts: VectorReceipt[];
  randomness: VectorRandomness[];
}

export class VectorError extends Error {
  override readonly name = 'VectorError';
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function field(obj: Json | undefined, key: string, file: string): Json {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !(key in obj)) {
    throw new VectorError(file, `missing field "${key}"`);
  }
  return obj[key]!;
}

function asCid(v: Json, file: string, what: string): CID {
  const s = v !== null && typeof v === 'object' && !Array.isArray(v) ? v['/'] : undefined;
  if (typeof s !== 'string') throw new VectorError(file, `${what} is not a {"/": CID} object`);
  try {
    return CID.parse(s);
  } catch (err) {
    throw new VectorError(file, `${what} is not a valid CID (${String(err)})`);
  }
}

function b64(v: Json, file: string, what: string): Uint8Array {
  if (typeof v !== 'string') throw new VectorError(file, `${what} is not a base64 string`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function int(v: Json, file: string, what: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new VectorError(file, `${what} is not an integer`);
}

/** An optional string member of an optional object (absent or null → undefined). */
function optString(obj: Json | undefined, key: string): string | undefined {
  if (obj === null || obj === undefined || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const v = obj[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** An optional integer member (absent or null → undefined; present but not an integer → error). */
function optInt(obj: Json, key: string, file: string): bigint | undefined {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const v = obj[key];
  return v === undefined || v === null ? undefined : int(v, file, key);
}

/**
 * JSON numbers above 2^53 (circulating supply, base fee) lose precision in JSON.parse;
 * quote every long integer literal before parsing so they are read exactly.
 */
function parseJsonExact(text: string): Json {
  return JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"')) as Json;
}

export function parseVector(text: string, file = 'vector'): TestVector {
  let doc: Json;
  try {
    doc = parseJsonExact(text);
  } catch (err) {
    throw new VectorError(file, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const cls = field(doc, 'class', file);
  if (cls !== 'message') throw new VectorError(file, `unsupported vector class "${String(cls)}"`);
  const meta = field(doc, '_meta', file);
  const id = field(meta, 'id', file);
  const pre = field(doc, 'preconditions', file);
  const post = field(doc, 'postconditions', file);
  const variantsJ = field(pre, 'variants', file);
  if (!Array.isArray(variantsJ) || variantsJ.length === 0) throw new VectorError(file, 'no variants');
  const variants = variantsJ.map((v, i) => ({
    id: String(field(v, 'id', file)),
    epoch: Number(int(field(v, 'epoch', file), file, `variant ${i} epoch`)),
    nv: Number(int(field(v, 'nv', file), file, `variant ${i} nv`)),
  }));
  const msgs = field(doc, 'apply_messages', file);
  if (!Array.isArray(msgs)) throw new VectorError(file, 'apply_messages is not a list');
  const rec = field(post, 'receipts', file);
  if (!Array.isArray(rec)) throw new VectorError(file, 'receipts is not a list');
  const sel = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc['selector'] : undefined;
  const selector: VectorSelector = {
    chaosActor: optString(sel, 'chaos_actor'),
    minProtocolVersion: optString(sel, 'min_protocol_version'),
    consensusFault: optString(sel, 'requires:consensus_fault_extern'),
  };
  const rand = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc['randomness'] : undefined;
  const randomness: VectorRandomness[] = [];
  if (Array.isArray(rand)) {
    for (const [i, r] of rand.entries()) {
      const on = field(r, 'on', file);
      if (!Array.isArray(on) || on.length < 2 || (on[0] !== 'chain' && on[0] !== 'beacon')) {
        throw new VectorError(file, `randomness ${i}: "on" must be ["chain"|"beacon", epoch]`);
      }
      randomness.push({
        kind: on[0],
        epoch: Number(int(on[1]!, file, `randomness ${i} epoch`)),
        value: b64(field(r, 'ret', file), file, `randomness ${i} ret`),
      });
    }
  }
  return {
    id: String(id),
    file,
    selector,
    car: b64(field(doc, 'car', file), file, 'car'),
    variants,
    preRoot: asCid(field(field(pre, 'state_tree', file), 'root_cid', file), file, 'pre-state root'),
    postRoot: asCid(field(field(post, 'state_tree', file), 'root_cid', file), file, 'post-state root'),
    baseFee: optInt(pre, 'basefee', file) ?? DEFAULT_BASE_FEE,
    circSupply: optInt(pre, 'circ_supply', file) ?? DEFAULT_CIRC_SUPPLY,
    messages: msgs.map((m, i) => b64(field(m, 'bytes', file), file, `message ${i}`)),
    receipts: rec.map((r, i) => ({
      exitCode: Number(int(field(r, 'exit_code', file), file, `receipt ${i} exit_code`)),
      returnData: b64(field(r, 'return', file), file, `receipt ${i} return`),
      gasUsed: int(field(r, 'gas_used', file), file, `receipt ${i} gas_used`),
    })),
    randomness,
  };
}

export function readVector(file: string): TestVector {
  return parseVector(readFileSync(file, 'utf8'), file);
}
