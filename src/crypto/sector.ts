// Registered seal proof types (their i64 codes are consensus data) and the sector size each
// one seals.
import { CryptoArgumentError } from './errors.js';

/** Sector sizes of the network, in bytes. */
export const SectorSize = {
  _2KiB: 2n << 10n,
  _8MiB: 8n << 20n,
  _512MiB: 512n << 20n,
  _32GiB: 32n << 30n,
  _64GiB: 64n << 30n,
} as const;
export type SectorSize = (typeof SectorSize)[keyof typeof SectorSize];

/** Seal proof codes, as carried in messages and state. */
export enum RegisteredSealProof {
  StackedDRG2KiBV1 = 0,
  StackedDRG8MiBV1 = 1,
  StackedDRG512MiBV1 = 2,
  StackedDRG32GiBV1 = 3,
  StackedDRG64GiBV1 = 4,

  StackedDRG2KiBV1P1 = 5,
  StackedDRG8MiBV1P1 = 6,
  StackedDRG512MiBV1P1 = 7,
  StackedDRG32GiBV1P1 = 8,
  StackedDRG64GiBV1P1 = 9,

  StackedDRG2KiBV1P1_Feat_SyntheticPoRep = 10,
  StackedDRG8MiBV1P1_Feat_SyntheticPoRep = 11,
  StackedDRG512MiBV1P1_Feat_SyntheticPoRep = 12,
  StackedDRG32GiBV1P1_Feat_SyntheticPoRep = 13,
  StackedDRG64GiBV1P1_Feat_SyntheticPoRep = 14,

  // Non-interactive PoRep: known to fvm 4.3 and later only.
  StackedDRG2KiBV1P2_Feat_NiPoRep = 15,
  StackedDRG8MiBV1P2_Feat_NiPoRep = 16,
  StackedDRG512MiBV1P2_Feat_NiPoRep = 17,
  StackedDRG32GiBV1P2_Feat_NiPoRep = 18,
  StackedDRG64GiBV1P2_Feat_NiPoRep = 19,
}

/** Which proof codes a machine knows: fvm 3 (and 4.0–4.2) stop before NI-PoRep. */
export interface SealProofOptions {
  /** Accept the NI-PoRep codes 15..19 (default true, as fvm 4.3+). */
  readonly niPoRep?: boolean;
}

// Each group of five codes lists the sizes in this order.
const SIZE_BY_POSITION: readonly SectorSize[] = [
  SectorSize._2KiB,
  SectorSize._8MiB,
  SectorSize._512MiB,
  SectorSize._32GiB,
  SectorSize._64GiB,
];

/**
 * Returns the proof type for a code, or throws CryptoArgumentError ("invalid proof type") for a
 * code the machine does not know.
 */
export function registeredSealProof(code: number | bigint, options: SealProofOptions = {}): RegisteredSealProof {
  const last = options.niPoRep === false ? 14 : 19;
  const n = typeof code === 'bigint' ? (code >= 0n && code <= 19n ? Number(code) : -1) : code;
  if (!Number.isInteger(n) || n < 0 || n > last) {
    throw new CryptoArgumentError(`invalid proof type ${code}`);
  }
  return n as RegisteredSealProof;
}

/** Sector size sealed by a proof type (throws CryptoArgumentError for an unknown code). */
export function sealProofSectorSize(code: number | bigint, options: SealProofOptions = {}): SectorSize {
  const proof = registeredSealProof(code, options);
  return SIZE_BY_POSITION[proof % 5]!;
}
