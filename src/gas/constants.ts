// Chain-level gas parameters. Only BLOCK_GAS_LIMIT was ever part of ref-fvm's shared crate
// (removed in fvm 4.7 as a client concern); the rest are the Filecoin network parameters
// clients (Lotus) use for the base-fee market. Whole gas units and attoFIL.

/** Total gas all messages of one block may use. */
export const BLOCK_GAS_LIMIT = 10_000_000_000n;

/** Gas per block the base fee steers toward (half the limit). */
export const BLOCK_GAS_TARGET = BLOCK_GAS_LIMIT / 2n;

/** The base fee moves at most 1/8 (12.5%) per epoch. */
export const BASE_FEE_MAX_CHANGE_DENOM = 8n;

/** Base fee at genesis, attoFIL per gas. */
export const INITIAL_BASE_FEE = 100_000_000n;

/** Floor of the base fee, attoFIL per gas. */
export const MINIMUM_BASE_FEE = 100n;

/** Expected fraction (4/5) of block gas that message packing achieves. */
export const PACKING_EFFICIENCY_NUM = 4n;
export const PACKING_EFFICIENCY_DENOM = 5n;
