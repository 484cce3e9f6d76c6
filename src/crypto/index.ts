// The computations behind the `crypto` syscall family: hashing, signatures, and CommD.
export { CryptoArgumentError } from './errors.js';
export { SupportedHashes, type SupportedHashCode, isSupportedHash, digestSize, hashBy } from './hash.js';
export {
  SignatureType,
  SECP_SIG_LEN,
  SECP_PUB_LEN,
  SECP_SIG_MESSAGE_HASH_SIZE,
  BLS_SIG_LEN,
  BLS_PUB_LEN,
  BLS_DST,
  type SignerAddress,
  verifySignature,
  verifyBlsAggregate,
  splitBlsPlaintexts,
  recoverSecpPublicKey,
  secpAddressPayload,
} from './signature.js';
export {
  SectorSize,
  RegisteredSealProof,
  type SealProofOptions,
  registeredSealProof,
  sealProofSectorSize,
} from './sector.js';
export {
  FIL_COMMITMENT_UNSEALED,
  FIL_COMMITMENT_SEALED,
  SHA2_256_TRUNC254_PADDED,
  POSEIDON_BLS12_381_A1_FC1,
  COMMITMENT_LEN,
  type Commitment,
  type CommitmentParts,
  commitmentToCid,
  cidToCommitment,
  dataCommitmentV1ToCid,
  cidToDataCommitmentV1,
  replicaCommitmentV1ToCid,
  cidToReplicaCommitmentV1,
  pieceCommitmentV1ToCid,
  cidToPieceCommitmentV1,
} from './commcid.js';
export {
  type PieceInfo,
  NODE_SIZE,
  MIN_PADDED_PIECE_SIZE,
  MIN_UNPADDED_PIECE_SIZE,
  MAX_ZERO_PIECE_SIZE,
  paddedToUnpadded,
  unpaddedToPadded,
  isPowerOfTwo,
  validatePaddedPieceSize,
  validateUnpaddedPieceSize,
  pieceNodeHash,
  zeroSubtreeRoot,
  zeroPieceCommitment,
} from './piece.js';
export { computeUnsealedSectorCid } from './commd.js';
