// CommD: the data commitment of an unsealed sector, from the commitments (CommP) of the pieces
// laid out in it. Each piece sits at an offset that is a multiple of its own size; gaps before
// a piece and after the last one are zero pieces; the result is the root of the binary sha254
// merkle tree over the whole sector. This is the tree filecoin-proofs' compute_comm_d folds
// after the FVM has inserted the zero padding.
import type { CID } from 'multiformats/cid';
import { cidToPieceCommitmentV1, dataCommitmentV1ToCid } from './commcid.js';
import { CryptoArgumentError } from './errors.js';
import { MIN_PADDED_PIECE_SIZE, isPowerOfTwo, pieceNodeHash, zeroPieceCommitment, type PieceInfo } from './piece.js';
import { sealProofSectorSize, type SealProofOptions } from './sector.js';

/**
 * Computes the unsealed sector CID (CommD) for a seal proof type and its pieces, in order.
 * Throws CryptoArgumentError (IllegalArgument in the kernel) for an unknown proof type, a piece
 * size that is not a power of two of at least 128 bytes, a piece CID that is not a CommP, or
 * pieces that do not fit in the sector once aligned.
 *
 * Every input the reference accepts gives the same CID here, except layouts whose total passes
 * 2^64 bytes: the reference's u64 arithmetic wraps and may then return a value; we reject them.
 */
export function computeUnsealedSectorCid(
  proofType: number | bigint,
  pieces: readonly PieceInfo[],
  options: SealProofOptions = {},
): CID {
  const sectorSize = sealProofSectorSize(proofType, options);
  const tree = new SubtreeStack();
  pieces.forEach((piece, i) => {
    const what = `piece ${i} (${String(piece.cid)})`;
    const size = paddedSizeOf(piece.size, what);
    if (size < MIN_PADDED_PIECE_SIZE || !isPowerOfTwo(size)) {
      throw new CryptoArgumentError(`${what}: padded size ${size} is not a power of two of at least 128 bytes`);
    }
    const commP = cidToPieceCommitmentV1(piece.cid);
    tree.padTo(size);
    tree.push(size, commP);
    if (tree.offset > sectorSize) {
      throw new CryptoArgumentError(`${what}: pieces take ${tree.offset} bytes, more than the sector size ${sectorSize}`);
    }
  });
  if (pieces.length === 0) tree.push(sectorSize, zeroPieceCommitment(sectorSize));
  tree.padTo(sectorSize);
  return dataCommitmentV1ToCid(tree.root());
}

// DAG-CBOR decodes small integers as numbers; take those too rather than fail on a mixed-type
// comparison deep inside.
function paddedSizeOf(size: bigint | number, what: string): bigint {
  if (typeof size === 'bigint') return size;
  if (Number.isSafeInteger(size)) return BigInt(size);
  throw new CryptoArgumentError(`${what}: padded size ${size} is not an integer`);
}

/**
 * Left-to-right merkle construction: a stack of completed subtrees whose sizes are the binary
 * digits of the bytes laid out so far (largest at the bottom). Pushing an aligned subtree merges
 * it with equal-sized neighbours.
 */
class SubtreeStack {
  private readonly sizes: bigint[] = [];
  private readonly roots: Uint8Array[] = [];
  offset = 0n;

  /** Adds zero pieces until `offset` is a multiple of `alignment` (a power of two). */
  padTo(alignment: bigint): void {
    while (this.offset % alignment !== 0n) {
      const gap = this.offset & -this.offset; // smallest complete block ending at `offset`
      this.push(gap, zeroPieceCommitment(gap));
    }
  }

  /** Appends a subtree of `size` bytes; the caller keeps `offset` aligned to `size`. */
  push(size: bigint, root: Uint8Array): void {
    this.offset += size;
    let s = size;
    let r = root;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === s) {
      this.sizes.pop();
      r = pieceNodeHash(this.roots.pop()!, r);
      s *= 2n;
    }
    this.sizes.push(s);
    this.roots.push(r);
  }

  root(): Uint8Array {
    if (this.roots.length !== 1) throw new Error(`unbalanced sector tree: ${this.roots.length} subtrees`);
    return this.roots[0]!;
  }
}
