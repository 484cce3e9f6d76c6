// DAG-CBOR as Filecoin uses it: tuples as arrays, CIDs as tag 42, blake2b-256 block CIDs.
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { blake2b } from '@noble/hashes/blake2.js';
import { create as createDigest } from 'multiformats/hashes/digest';

export const DAG_CBOR = 0x71;
export const RAW = 0x55;
export const IDENTITY = 0x00;
export const BLAKE2B_256 = 0xb220;
export const SHA2_256 = 0x12;

/** A value that DAG-CBOR can carry. */
export type CborValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | CID
  | CborValue[]
  | { [key: string]: CborValue };

/** Raised for any block that is not valid (canonical) DAG-CBOR, naming the object. */
export class CborError extends Error {
  override readonly name = 'CborError';
  constructor(what: string, cause: unknown) {
    super(`invalid DAG-CBOR in ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function encodeCbor(value: unknown): Uint8Array {
  return dagCbor.encode(value);
}

/** Decodes strict DAG-CBOR; `what` names the object in the error message. */
export function decodeCbor<T = CborValue>(bytes: Uint8Array, what = 'block'): T {
  try {
    return dagCbor.decode(bytes) as T;
  } catch (err) {
    throw new CborError(what, err);
  }
}

export function blake2b256(bytes: Uint8Array): Uint8Array {
  return blake2b(bytes, { dkLen: 32 });
}

/** CID (v1, blake2b-256) of a block with the given codec. */
export function cidOf(bytes: Uint8Array, codec: number = DAG_CBOR): CID {
  return CID.createV1(codec, createDigest(BLAKE2B_256, blake2b256(bytes)));
}
