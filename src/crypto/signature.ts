// Signature checks behind the `crypto` syscalls: secp256k1 (f1 signers) and BLS12-381 (f3
// signers), BLS aggregates, and secp256k1 public-key recovery. Outcomes follow the reference:
// a signature that is malformed or wrong is `false`; only arguments the reference refuses
// outright raise CryptoArgumentError.
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { blake2b } from './blake2b.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CryptoArgumentError } from './errors.js';

/** Signature types as they appear in a Filecoin signature's first byte. */
export const SignatureType = { Secp256k1: 1, BLS: 2 } as const;
export type SignatureType = (typeof SignatureType)[keyof typeof SignatureType];

export const SECP_SIG_LEN = 65;
export const SECP_PUB_LEN = 65;
export const SECP_SIG_MESSAGE_HASH_SIZE = 32;
export const BLS_SIG_LEN = 96;
export const BLS_PUB_LEN = 48;

/** Ciphersuite of Filecoin BLS signatures: min-pk, signatures in G2, basic (NUL) scheme. */
export const BLS_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_';

/** Address protocols that name a key. */
const PROTOCOL_SECP256K1 = 1;
const PROTOCOL_BLS = 3;
const SECP_ADDRESS_PAYLOAD_LEN = 20;

/** What verification needs of an address; `Address` from primitives fits it. */
export interface SignerAddress {
  readonly protocol: number;
  payload(): Uint8Array;
}

/**
 * Checks `signature` by `signer` over `plaintext`, as the kernel's verify_signature does.
 * Throws CryptoArgumentError for an unknown signature type or a signer that is not a key
 * address (f1/f3); every other failure, including malformed signature bytes or a type that
 * does not match the signer's protocol, is `false`.
 */
export function verifySignature(
  sigType: number,
  signature: Uint8Array,
  signer: SignerAddress,
  plaintext: Uint8Array,
): boolean {
  if (sigType !== SignatureType.Secp256k1 && sigType !== SignatureType.BLS) {
    throw new CryptoArgumentError(`unknown signature type ${sigType}`);
  }
  const protocol = signer.protocol;
  if (protocol !== PROTOCOL_SECP256K1 && protocol !== PROTOCOL_BLS) {
    throw new CryptoArgumentError(`address protocol ${protocol} not supported`);
  }
  const payload = signer.payload();
  const expectedLen = protocol === PROTOCOL_BLS ? BLS_PUB_LEN : SECP_ADDRESS_PAYLOAD_LEN;
  if (payload.length !== expectedLen) {
    // Address parsing upstream guarantees this; a violation is a caller bug, not a bad signature.
    throw new CryptoArgumentError(`protocol ${protocol} address payload must be ${expectedLen} bytes, got ${payload.length}`);
  }
  if (sigType === SignatureType.Secp256k1) {
    return protocol === PROTOCOL_SECP256K1 && verifySecp256k1(signature, plaintext, payload);
  }
  return protocol === PROTOCOL_BLS && verifyBlsMessages(signature, [payload], [plaintext]);
}

/** The f1 payload of a 65-byte uncompressed secp256k1 key: its blake2b-160. */
export function secpAddressPayload(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== SECP_PUB_LEN) {
    throw new CryptoArgumentError(`secp256k1 public key must be ${SECP_PUB_LEN} bytes, got ${publicKey.length}`);
  }
  return blake2b(publicKey, SECP_ADDRESS_PAYLOAD_LEN);
}

function verifySecp256k1(signature: Uint8Array, plaintext: Uint8Array, signerPayload: Uint8Array): boolean {
  if (signature.length !== SECP_SIG_LEN) return false;
  const key = tryRecoverSecp(blake2b(plaintext, 32), signature);
  return key !== undefined && bytesEqual(secpAddressPayload(key), signerPayload);
}

/**
 * Recovers the 65-byte uncompressed secp256k1 key that produced `signature` (r || s || v,
 * v in 0..3) over the 32-byte `hash`. High-s signatures are accepted and recover the same key
 * as their low-s twin, as the reference does for Ethereum compatibility.
 * Throws CryptoArgumentError on wrong lengths or when no key can be recovered.
 */
export function recoverSecpPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  if (hash.length !== SECP_SIG_MESSAGE_HASH_SIZE) {
    throw new CryptoArgumentError(`secp256k1 message hash must be ${SECP_SIG_MESSAGE_HASH_SIZE} bytes, got ${hash.length}`);
  }
  if (signature.length !== SECP_SIG_LEN) {
    throw new CryptoArgumentError(`secp256k1 signature must be ${SECP_SIG_LEN} bytes, got ${signature.length}`);
  }
  const key = tryRecoverSecp(hash, signature);
  if (key === undefined) throw new CryptoArgumentError('public key recovery failed');
  return key;
}

function tryRecoverSecp(hash: Uint8Array, signature: Uint8Array): Uint8Array | undefined {
  const v = signature[64]!;
  // r and s must lie in [1, n) and v in 0..3; noble enforces both and, like the reference,
  // does not reject high s during recovery (sR is unchanged by s -> n-s with R -> -R).
  try {
    const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact').addRecoveryBit(v);
    return sig.recoverPublicKey(hash).toBytes(false);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a BLS aggregate signature over distinct plaintexts, one per public key (the v4
 * `verify_bls_aggregate` syscall). Throws CryptoArgumentError when the key and plaintext
 * counts differ or a signature/key has the wrong length; otherwise answers true/false.
 * No signers at all verifies trivially, as in the reference.
 */
export function verifyBlsAggregate(
  signature: Uint8Array,
  publicKeys: readonly Uint8Array[],
  plaintexts: readonly Uint8Array[],
): boolean {
  if (publicKeys.length !== plaintexts.length) {
    throw new CryptoArgumentError(
      `unequal numbers of bls public keys (${publicKeys.length}) and plaintexts (${plaintexts.length})`,
    );
  }
  if (signature.length !== BLS_SIG_LEN) {
    throw new CryptoArgumentError(`bls signature must be ${BLS_SIG_LEN} bytes, got ${signature.length}`);
  }
  publicKeys.forEach((key, i) => {
    if (key.length !== BLS_PUB_LEN) {
      throw new CryptoArgumentError(`bls public key ${i} must be ${BLS_PUB_LEN} bytes, got ${key.length}`);
    }
  });
  if (publicKeys.length === 0) return true;
  return verifyBlsMessages(signature, publicKeys, plaintexts);
}

/**
 * Splits the aggregate syscall's concatenated plaintexts by their lengths. Throws
 * CryptoArgumentError when the lengths do not tile the buffer exactly.
 */
export function splitBlsPlaintexts(concat: Uint8Array, lengths: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const len of lengths) {
    if (!Number.isSafeInteger(len) || len < 0 || offset + len > concat.length) {
      throw new CryptoArgumentError('bls signature plaintext out of bounds');
    }
    out.push(concat.subarray(offset, offset + len));
    offset += len;
  }
  if (offset !== concat.length) throw new CryptoArgumentError("plaintexts buffer length doesn't match");
  return out;
}

type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>;
type G2Point = ReturnType<typeof bls12_381.G2.Point.fromBytes>;

/**
 * e(g1, sig) == prod e(pk_i, H(m_i)), with the extra rules of Filecoin's bls-signatures/blst:
 * at least one message, messages pairwise distinct, no public key at infinity, and strict
 * compressed encodings in the prime-order subgroups. Any violation is `false`.
 */
function verifyBlsMessages(
  signature: Uint8Array,
  publicKeys: readonly Uint8Array[],
  messages: readonly Uint8Array[],
): boolean {
  if (messages.length === 0 || messages.length !== publicKeys.length) return false;
  if (!allDistinct(messages)) return false;
  const sig = decodeBlsSignature(signature);
  if (sig === undefined || sig.is0()) return false;
  const keys: G1Point[] = [];
  for (const bytes of publicKeys) {
    const key = decodeBlsPublicKey(bytes);
    if (key === undefined || key.is0()) return false;
    keys.push(key);
  }
  try {
    const pairs = keys.map((g1, i) => ({ g1, g2: bls12_381.longSignatures.hash(messages[i]!, BLS_DST) }));
    pairs.push({ g1: bls12_381.G1.Point.BASE.negate(), g2: sig });
    return bls12_381.fields.Fp12.eql(bls12_381.pairingBatch(pairs), bls12_381.fields.Fp12.ONE);
  } catch {
    return false;
  }
}

function decodeBlsPublicKey(bytes: Uint8Array): G1Point | undefined {
  // Only the 48-byte compressed form is a public key (noble would also take 96-byte uncompressed).
  if (bytes.length !== BLS_PUB_LEN || (bytes[0]! & 0x80) === 0) return undefined;
  try {
    return bls12_381.G1.Point.fromBytes(bytes); // checks flags, x < p, curve and subgroup
  } catch {
    return undefined;
  }
}

function decodeBlsSignature(bytes: Uint8Array): G2Point | undefined {
  if (bytes.length !== BLS_SIG_LEN) return undefined;
  try {
    return bls12_381.longSignatures.Signature.fromBytes(bytes);
  } catch {
    return undefined;
  }
}

/** blst refuses to aggregate a message twice (the rogue-key countermeasure). */
function allDistinct(messages: readonly Uint8Array[]): boolean {
  const seen = new Set<string>();
  for (const m of messages) {
    const key = bytesToHex(m);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
