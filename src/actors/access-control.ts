// The client side of the access-control example actor (actors/examples/access-control.ts):
// where the build puts its WASM, its FRC-42 method numbers, and the encoding of its parameters
// and return values, for the demo, the tests and anyone calling it from TypeScript.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CID } from 'multiformats/cid';
import { decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { Address, addressFromCbor } from '../primitives/address.js';

/** FRC-42 method numbers (scripts/sdk-compile.ts --methods prints them). */
export const AccessControlMethod = {
  Constructor: 1n,
  RegisterContent: 1140518525n,
  Grant: 1149815161n,
  Revoke: 3248598412n,
  CanRetrieve: 2876876163n,
  Info: 3489999077n,
  TransferOwnership: 2916000231n,
} as const;

/** The source, relative to the package root. */
export const ACCESS_CONTROL_SOURCE = 'actors/examples/access-control.ts';

export class AccessControlError extends Error {
  override readonly name = 'AccessControlError';
}

/** dist/actors/examples/access-control.wasm, where the actor build writes it. */
export function accessControlWasmPath(): string {
  // This file is src/actors/access-control.ts, or dist/actors/access-control.js once built.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  return path.join(root, 'dist', 'actors', 'examples', 'access-control.wasm');
}

/** The compiled actor; throws AccessControlError, saying how to build it, when it is missing. */
export function loadAccessControlWasm(file: string = accessControlWasmPath()): Uint8Array {
  if (!existsSync(file)) {
    throw new AccessControlError(
      `the access-control actor ${file} is not built: run \`npm run build:actors\` (npm ci runs it), or compile ${ACCESS_CONTROL_SOURCE} with scripts/sdk-compile.ts`,
    );
  }
  return new Uint8Array(readFileSync(file));
}

// ---- parameters ------------------------------------------------------------------------------

export function constructorParams(owner: Address): Uint8Array {
  return encodeCbor([owner.toBytes()]);
}

export function contentParams(content: CID): Uint8Array {
  return encodeCbor([content]);
}

/** Grant, Revoke and CanRetrieve: [cid, address]. */
export function permissionParams(content: CID, who: Address): Uint8Array {
  return encodeCbor([content, who.toBytes()]);
}

export function ownerParams(owner: Address): Uint8Array {
  return encodeCbor([owner.toBytes()]);
}

// ---- return values ---------------------------------------------------------------------------

/** RegisterContent, Grant, Revoke, CanRetrieve return one boolean. */
export function decodeBool(bytes: Uint8Array, what = 'access-control return value'): boolean {
  const v = decodeCbor<unknown>(bytes, what);
  if (typeof v !== 'boolean') throw new AccessControlError(`${what}: expected a boolean`);
  return v;
}

export interface AccessControlInfo {
  readonly owner: Address;
  readonly contents: bigint;
  readonly grants: bigint;
}

function toBig(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n) return v;
  throw new AccessControlError(`${what}: expected an unsigned integer`);
}

export function decodeInfo(bytes: Uint8Array, what = 'Info return value'): AccessControlInfo {
  const v = decodeCbor<unknown>(bytes, what);
  if (!Array.isArray(v) || v.length !== 3) throw new AccessControlError(`${what}: expected [owner, contents, grants]`);
  return { owner: addressFromCbor(v[0], `${what}.owner`), contents: toBig(v[1], `${what}.contents`), grants: toBig(v[2], `${what}.grants`) };
}

/** The actor's state: [owner, contents HAMT, grants HAMT, content count, grant count]. */
export interface AccessControlState {
  readonly owner: bigint;
  readonly contents: CID;
  readonly grants: CID;
  readonly contentCount: bigint;
  readonly grantCount: bigint;
}

export function decodeAccessControlState(bytes: Uint8Array, what = 'access-control state'): AccessControlState {
  const v = decodeCbor<unknown>(bytes, what);
  if (!Array.isArray(v) || v.length !== 5) throw new AccessControlError(`${what}: expected a tuple of 5 fields`);
  const contents = CID.asCID(v[1]);
  const grants = CID.asCID(v[2]);
  if (contents === null || grants === null) throw new AccessControlError(`${what}: contents and grants must be CIDs`);
  return {
    owner: toBig(v[0], `${what}.owner`),
    contents,
    grants,
    contentCount: toBig(v[3], `${what}.content_count`),
    grantCount: toBig(v[4], `${what}.grant_count`),
  };
}
