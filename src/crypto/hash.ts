// The hash functions the `crypto::hash` syscall offers, keyed by multihash code.
import { blake2b } from './blake2b.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { CryptoArgumentError } from './errors.js';

/** Multihash codes accepted by the hash syscall (the SDK's `SupportedHashes`); the same in fvm 3 and 4. */
export const SupportedHashes = {
  Sha2_256: 0x12,
  Blake2b256: 0xb220,
  Blake2b512: 0xb240,
  Keccak256: 0x1b,
  Ripemd160: 0x1053,
} as const;

export type SupportedHashCode = (typeof SupportedHashes)[keyof typeof SupportedHashes];

interface Hasher {
  readonly digestSize: number;
  digest(data: Uint8Array): Uint8Array;
}

const HASHERS: ReadonlyMap<number, Hasher> = new Map<number, Hasher>([
  [SupportedHashes.Sha2_256, { digestSize: 32, digest: (d) => sha256(d) }],
  // blake2b with a 32-byte output parameter, not a truncated blake2b-512.
  [SupportedHashes.Blake2b256, { digestSize: 32, digest: (d) => blake2b(d, 32) }],
  [SupportedHashes.Blake2b512, { digestSize: 64, digest: (d) => blake2b(d, 64) }],
  // Keccak as Ethereum uses it (pre-standard padding), not SHA3-256.
  [SupportedHashes.Keccak256, { digestSize: 32, digest: (d) => keccak_256(d) }],
  [SupportedHashes.Ripemd160, { digestSize: 20, digest: (d) => ripemd160(d) }],
]);

function hasherFor(code: number | bigint): Hasher | undefined {
  // The syscall passes a u64; anything beyond the safe-integer range is simply unsupported.
  const n = typeof code === 'bigint' ? (code >= 0n && code <= 0xffffffffn ? Number(code) : -1) : code;
  return Number.isSafeInteger(n) ? HASHERS.get(n) : undefined;
}

/** Whether `code` names a hash function the syscall supports. */
export function isSupportedHash(code: number | bigint): boolean {
  return hasherFor(code) !== undefined;
}

/** Full digest length in bytes of a supported hash; throws CryptoArgumentError otherwise. */
export function digestSize(code: number | bigint): number {
  return requireHasher(code).digestSize;
}

/**
 * Hashes `data` with the function named by multihash `code` and returns the full digest.
 * Truncating to the actor's output buffer is the syscall's business, not ours.
 * An unsupported code is a CryptoArgumentError (IllegalArgument in the kernel).
 */
export function hashBy(code: number | bigint, data: Uint8Array): Uint8Array {
  return requireHasher(code).digest(data);
}

function requireHasher(code: number | bigint): Hasher {
  const hasher = hasherFor(code);
  if (hasher === undefined) throw new CryptoArgumentError(`unsupported hash code 0x${code.toString(16)}`);
  return hasher;
}
