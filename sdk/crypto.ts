// Hashing and signature checks through the crypto syscalls.
import * as sys from "./sys/crypto";
import { Address, PROTOCOL_BLS, PROTOCOL_SECP256K1, BLS_PUB_LEN } from "./address";
import { ErrorNumber } from "./errors";
import { syscallFailed, SHA2_256, BLAKE2B_256, BLAKE2B_512, KECCAK_256, RIPEMD_160 } from "./ipld";
import { blake2b } from "./blake2b";
import { scratch } from "./mem";

export const SIG_TYPE_SECP256K1: u8 = 1;
export const SIG_TYPE_BLS: u8 = 2;
export const SECP_SIG_LEN: i32 = 65;
export const BLS_SIG_LEN: i32 = 96;

/** Hashes `data` with a multihash code the machine supports (sha2-256, blake2b-256/512, keccak-256, ripemd-160). */
export function hash(code: u64, data: Uint8Array): Uint8Array {
  const p = scratch();
  const digest = new Uint8Array(64);
  const err = sys.hash(p, code, data.dataStart, <u32>data.length, digest.dataStart, 64);
  if (err != 0) syscallFailed("crypto.hash(0x" + code.toString(16) + ")", err);
  return digest.slice(0, <i32>load<u32>(p));
}

export function hashSha256(data: Uint8Array): Uint8Array { return hash(SHA2_256, data); }
export function hashBlake2b256(data: Uint8Array): Uint8Array { return hash(BLAKE2B_256, data); }
export function hashBlake2b512(data: Uint8Array): Uint8Array { return hash(BLAKE2B_512, data); }
export function hashKeccak256(data: Uint8Array): Uint8Array { return hash(KECCAK_256, data); }
export function hashRipemd160(data: Uint8Array): Uint8Array { return hash(RIPEMD_160, data); }

/** The 65-byte public key that signed the 32-byte `hash`; null if the signature is invalid. */
export function recoverSecpPublicKey(hash: Uint8Array, sig: Uint8Array): Uint8Array | null {
  if (hash.length != 32 || sig.length != SECP_SIG_LEN) return null;
  const out = new Uint8Array(65);
  const err = sys.recover_secp_public_key(out.dataStart, hash.dataStart, sig.dataStart);
  if (err == ErrorNumber.IllegalArgument) return null;
  if (err != 0) syscallFailed("crypto.recover_secp_public_key", err);
  return out;
}

/** Checks a 96-byte BLS signature over (48-byte public key, plaintext) pairs. */
export function verifyBlsAggregate(sig: Uint8Array, pubKeys: Array<Uint8Array>, plaintexts: Array<Uint8Array>): bool {
  const n = pubKeys.length;
  if (sig.length != BLS_SIG_LEN || n != plaintexts.length) return false;
  const keys = new Uint8Array(n * BLS_PUB_LEN);
  const lens = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (pubKeys[i].length != BLS_PUB_LEN) return false;
    keys.set(pubKeys[i], i * BLS_PUB_LEN);
    lens[i] = <u32>plaintexts[i].length;
    total += plaintexts[i].length;
  }
  const msgs = new Uint8Array(total);
  let off = 0;
  for (let i = 0; i < n; i++) {
    msgs.set(plaintexts[i], off);
    off += plaintexts[i].length;
  }
  const p = scratch();
  const err = sys.verify_bls_aggregate(p, <u32>n, sig.dataStart, keys.dataStart, msgs.dataStart, lens.dataStart);
  if (err == ErrorNumber.IllegalArgument) return false;
  if (err != 0) syscallFailed("crypto.verify_bls_aggregate", err);
  return load<i32>(p) == 0;
}

/**
 * Whether `sig` (of `sigType`) over `plaintext` was made by the key behind `signer` (an f1 or
 * f3 address). Works on fvm 4.x, which has no verify_signature syscall: BLS goes through the
 * aggregate check with one signer, secp256k1 through key recovery from blake2b-256(plaintext).
 */
export function verifySignature(sigType: u8, sig: Uint8Array, signer: Address, plaintext: Uint8Array): bool {
  if (sigType == SIG_TYPE_BLS) {
    if (signer.protocol != PROTOCOL_BLS) return false;
    return verifyBlsAggregate(sig, [signer.payload()], [plaintext]);
  }
  if (sigType == SIG_TYPE_SECP256K1) {
    if (signer.protocol != PROTOCOL_SECP256K1) return false;
    const key = recoverSecpPublicKey(blake2b(plaintext, 32), sig);
    if (key === null) return false;
    return Address.fromSecp256k1PublicKey(key).equals(signer);
  }
  return false;
}

/** fvm 3.x only (or 4.x built with "verify-signature"): the verify_signature syscall. */
export function verifySignatureV3(sigType: u8, sig: Uint8Array, signer: Address, plaintext: Uint8Array): bool {
  const p = scratch();
  const err = sys.verify_signature(p, <u32>sigType, sig.dataStart, <u32>sig.length, signer.bytes.dataStart, <u32>signer.bytes.length, plaintext.dataStart, <u32>plaintext.length);
  if (err == ErrorNumber.IllegalArgument) return false;
  if (err != 0) syscallFailed("crypto.verify_signature", err);
  return load<i32>(p) == 0;
}
