// Pieces of a sector: padded/unpadded sizes (fr32 padding stores 254 bits in every 256), the
// "sha254" merkle node hash, and the commitments of all-zero pieces.
import { sha256 } from '@noble/hashes/sha2.js';
import type { CID } from 'multiformats/cid';
import { CryptoArgumentError } from './errors.js';

/** A piece as actors describe it to compute_unsealed_sector_cid. */
export interface PieceInfo {
  /** Padded size in bytes: a power of two, at least 128 (a safe-integer number is accepted too). */
  readonly size: bigint | number;
  /** The piece commitment (CommP) as a fil-commitment-unsealed CID. */
  readonly cid: CID;
}

/** Bytes per merkle leaf / node. */
export const NODE_SIZE = 32;
export const MIN_PADDED_PIECE_SIZE = 128n;
export const MIN_UNPADDED_PIECE_SIZE = 127n;

/** Unpadded capacity of a padded size (every 128 bytes hold 127 bytes of data). */
export function paddedToUnpadded(padded: bigint): bigint {
  return padded - padded / 128n;
}

export function unpaddedToPadded(unpadded: bigint): bigint {
  return unpadded + unpadded / 127n;
}

export function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/** Throws CryptoArgumentError unless `padded` is a power of two of at least 128 bytes. */
export function validatePaddedPieceSize(padded: bigint): void {
  if (padded < MIN_PADDED_PIECE_SIZE) throw new CryptoArgumentError(`minimum piece size is 128 bytes, got ${padded}`);
  if (!isPowerOfTwo(padded)) throw new CryptoArgumentError(`padded piece size must be a power of 2, got ${padded}`);
}

/** Throws CryptoArgumentError unless `unpadded` is 127 times a power of two. */
export function validateUnpaddedPieceSize(unpadded: bigint): void {
  if (unpadded < MIN_UNPADDED_PIECE_SIZE) throw new CryptoArgumentError(`minimum piece size is 127 bytes, got ${unpadded}`);
  let odd = unpadded;
  while ((odd & 1n) === 0n) odd >>= 1n;
  if (odd !== 127n) {
    throw new CryptoArgumentError(`unpadded piece size must be a power of 2 multiple of 127, got ${unpadded}`);
  }
}

/**
 * Parent of two merkle nodes: sha256 of their concatenation with the two top bits of the
 * last byte cleared, so that every node is a valid BLS12-381 scalar (hence "sha254").
 */
export function pieceNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== NODE_SIZE || right.length !== NODE_SIZE) {
    throw new CryptoArgumentError(`merkle nodes must be ${NODE_SIZE} bytes`);
  }
  const buf = new Uint8Array(2 * NODE_SIZE);
  buf.set(left, 0);
  buf.set(right, NODE_SIZE);
  const out = sha256(buf);
  out[NODE_SIZE - 1] = out[NODE_SIZE - 1]! & 0x3f;
  return out;
}

// zeroRoots[k] is the root over 2^k all-zero leaves, i.e. a zero piece of 32 * 2^k bytes.
const zeroRoots: Uint8Array[] = [new Uint8Array(NODE_SIZE)];

/** Largest zero piece whose commitment the reference tabulates (2 TiB, 35 levels from 128 B). */
export const MAX_ZERO_PIECE_SIZE = 1n << 41n;

/** Root of an all-zero subtree of `size` bytes: any power of two from 32 bytes up. */
export function zeroSubtreeRoot(size: bigint): Uint8Array {
  if (size < BigInt(NODE_SIZE) || !isPowerOfTwo(size) || size > MAX_ZERO_PIECE_SIZE) {
    throw new CryptoArgumentError(`no zero commitment for size ${size}`);
  }
  const level = log2(size) - 5;
  while (zeroRoots.length <= level) {
    const below = zeroRoots[zeroRoots.length - 1]!;
    zeroRoots.push(pieceNodeHash(below, below));
  }
  return zeroRoots[level]!.slice();
}

/**
 * CommP of a padded piece of zeros (what fills unused sector space). Sizes are powers of two
 * from 128 bytes to 2 TiB, the range the reference tabulates; others are CryptoArgumentError.
 */
export function zeroPieceCommitment(padded: bigint): Uint8Array {
  if (padded < MIN_PADDED_PIECE_SIZE) throw new CryptoArgumentError(`no zero piece commitment for size ${padded}`);
  return zeroSubtreeRoot(padded);
}

function log2(powerOfTwo: bigint): number {
  return powerOfTwo.toString(2).length - 1;
}
