// CommD / CommP / CommR <-> CID, as go-fil-commcid and fvm_shared's commcid module define them:
// a CIDv1 whose codec says what was committed and whose multihash says how.
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { CryptoArgumentError } from './errors.js';

export const FIL_COMMITMENT_UNSEALED = 0xf101;
export const FIL_COMMITMENT_SEALED = 0xf102;
/** sha2-256 with the top two bits of the last byte cleared, over fr32-padded data. */
export const SHA2_256_TRUNC254_PADDED = 0x1012;
export const POSEIDON_BLS12_381_A1_FC1 = 0xb401;

export const COMMITMENT_LEN = 32;

/** A raw 32-byte commitment (a merkle root). */
export type Commitment = Uint8Array;

/** The parts of a commitment CID. */
export interface CommitmentParts {
  readonly codec: number;
  readonly hashCode: number;
  readonly commitment: Commitment;
}

/** Builds a commitment CID after checking that codec, hash and length belong together. */
export function commitmentToCid(codec: number, hashCode: number, commitment: Commitment): CID {
  checkSegments(codec, hashCode, commitment.length);
  return CID.createV1(codec, createDigest(hashCode, Uint8Array.from(commitment)));
}

/** Splits a commitment CID, rejecting inconsistent codec/hash pairs and wrong digest sizes. */
export function cidToCommitment(cid: CID): CommitmentParts {
  try {
    checkSegments(cid.code, cid.multihash.code, cid.multihash.digest.length);
  } catch (err) {
    throw new CryptoArgumentError(`${(err as Error).message} (CID ${cid.toString()})`);
  }
  return { codec: cid.code, hashCode: cid.multihash.code, commitment: Uint8Array.from(cid.multihash.digest) };
}

export function dataCommitmentV1ToCid(commD: Commitment): CID {
  return commitmentToCid(FIL_COMMITMENT_UNSEALED, SHA2_256_TRUNC254_PADDED, commD);
}

export function cidToDataCommitmentV1(cid: CID): Commitment {
  const { codec, commitment } = cidToCommitment(cid);
  if (codec !== FIL_COMMITMENT_UNSEALED) {
    throw new CryptoArgumentError(`data commitment codec must be Unsealed (CID ${cid.toString()})`);
  }
  return commitment;
}

export function replicaCommitmentV1ToCid(commR: Commitment): CID {
  return commitmentToCid(FIL_COMMITMENT_SEALED, POSEIDON_BLS12_381_A1_FC1, commR);
}

export function cidToReplicaCommitmentV1(cid: CID): Commitment {
  const { codec, commitment } = cidToCommitment(cid);
  if (codec !== FIL_COMMITMENT_SEALED) {
    throw new CryptoArgumentError(`replica commitment codec must be Sealed (CID ${cid.toString()})`);
  }
  return commitment;
}

/** A piece commitment (CommP) is encoded exactly like a data commitment. */
export const pieceCommitmentV1ToCid = dataCommitmentV1ToCid;
export const cidToPieceCommitmentV1 = cidToDataCommitmentV1;

function checkSegments(codec: number, hashCode: number, length: number): void {
  if (codec === FIL_COMMITMENT_UNSEALED) {
    if (hashCode !== SHA2_256_TRUNC254_PADDED) {
      throw new CryptoArgumentError('incorrect hash function for unsealed commitment');
    }
  } else if (codec === FIL_COMMITMENT_SEALED) {
    if (hashCode !== POSEIDON_BLS12_381_A1_FC1) {
      throw new CryptoArgumentError('incorrect hash function for sealed commitment');
    }
  } else {
    throw new CryptoArgumentError(`invalid codec 0x${codec.toString(16)}, expected a sealed or unsealed commitment codec`);
  }
  if (length !== COMMITMENT_LEN) {
    throw new CryptoArgumentError(`commitments must be ${COMMITMENT_LEN} bytes long, got ${length}`);
  }
}
