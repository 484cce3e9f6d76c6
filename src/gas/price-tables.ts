// The gas price tables of each network-version generation, as plain data (milligas).
//
//   skyr        nv17        ref-fvm 2.x: flat prices, signed gas (two negative entries), an
//                           extern surcharge, no state-access or memory charges
//   hygge       nv18–nv20   ref-fvm 3.x
//   watermelon  nv21–nv24   ref-fvm 4.x: IPLD reachability, lookback pricing of randomness
//                           and tipset CIDs, one-shot event charge, BLS aggregate (FIP-0079)
//   teep        nv25+       watermelon, with verify_seal repriced and NI-PoRep aggregation
//                           priced per FIP-0092
//
// A new generation is a new table here plus one row in `NETWORK_GENERATIONS` (price-list.ts).
import {
  type Gas,
  type ScalingCost,
  type Step,
  gasUnits,
  milligas,
  scaling,
  ZERO_GAS,
} from './gas.js';
import type { WasmGasPrices } from './wasm-prices.js';

export type PriceGeneration = 'skyr' | 'hygge' | 'watermelon' | 'teep';

/** Multihash codes of the hash functions the FVM offers to actors. */
export const HASH_SHA2_256 = 0x12;
export const HASH_BLAKE2B_256 = 0xb220;
export const HASH_BLAKE2B_512 = 0xb240;
export const HASH_KECCAK_256 = 0x1b;
export const HASH_RIPEMD_160 = 0x1053;

/** Signature types (the first byte of a Filecoin signature). */
export const SIG_SECP256K1 = 1;
export const SIG_BLS = 2;
export type SignatureKind = typeof SIG_SECP256K1 | typeof SIG_BLS;

/** RegisteredSealProof codes that have their own aggregate prices. */
export const SEAL_32GIB_V1P1 = 8;
export const SEAL_64GIB_V1P1 = 9;
export const SEAL_32GIB_V1P2_NIPOREP = 18;
export const SEAL_64GIB_V1P2_NIPOREP = 19;

/** RegisteredPoStProof codes for window PoSt. V1 (5..9) existed until ref-fvm 4. */
export const POST_WINDOW_512MIB_V1 = 7;
export const POST_WINDOW_32GIB_V1 = 8;
export const POST_WINDOW_64GIB_V1 = 9;
export const POST_WINDOW_512MIB_V1P1 = 12;
export const POST_WINDOW_32GIB_V1P1 = 13;
export const POST_WINDOW_64GIB_V1P1 = 14;

/** Prices shared by every generation's table layout. All amounts are milligas. */
export interface CommonPrices {
  readonly generation: PriceGeneration;
  /** Inclusion of a chain message: compute part and storage part, per serialized byte. */
  readonly onChainMessageCompute: ScalingCost;
  readonly onChainMessageStorage: ScalingCost;
  /** Return value of a top-level call, per byte. */
  readonly onChainReturnCompute: ScalingCost;
  readonly onChainReturnStorage: ScalingCost;
  readonly sendTransferFunds: Gas;
  readonly sendInvokeMethod: Gas;
  readonly actorLookup: Gas;
  readonly actorUpdate: Gas;
  readonly actorCreateStorage: Gas;
  readonly addressLookup: Gas;
  readonly addressAssignment: Gas;
  /** Signature verification by signature type, per byte of signed data. */
  readonly sigCost: ReadonlyMap<SignatureKind, ScalingCost>;
  readonly secp256k1RecoverCost: Gas;
  /** Hashing by multihash code, per byte of input. */
  readonly hashingCost: ReadonlyMap<number, ScalingCost>;
  readonly computeUnsealedSectorCidBase: Gas;
  readonly verifySealBase: Gas;
  /** Per-sector price of an aggregate seal proof, by RegisteredSealProof. */
  readonly verifyAggregateSealPer: ReadonlyMap<number, Gas>;
  /** Step price by number of aggregated sectors, by RegisteredSealProof. */
  readonly verifyAggregateSealSteps: ReadonlyMap<number, readonly Step[]>;
  /** Fallback proof type for both aggregate tables when a proof type is not listed. */
  readonly verifyAggregateSealDefault: number;
  /** Window PoSt price per challenged sector, by RegisteredPoStProof. */
  readonly verifyPostLookup: ReadonlyMap<number, ScalingCost>;
  /** Proof type used when a PoSt has no proofs or an unlisted proof type. */
  readonly verifyPostDefault: number;
  readonly verifyConsensusFault: Gas;
  readonly verifyReplicaUpdate: Gas;
  readonly blockMemcpy: ScalingCost;
  readonly blockAllocate: ScalingCost;
  /** Per-byte floor so that retained blocks cannot exceed ~1 GiB within a block's gas. */
  readonly blockMemoryRetentionMinimum: ScalingCost;
  readonly blockOpen: ScalingCost;
  readonly blockPersistStorage: ScalingCost;
  readonly blockPersistCompute: Gas;
  readonly wasm: WasmGasPrices;
  readonly builtinActorManifestLookup: Gas;
  readonly networkContext: Gas;
  readonly messageContext: Gas;
  readonly installWasmPerByteCost: Gas;
  /** Actor IDs whose state access is not charged (FIP-0055). */
  readonly preloadedActors: readonly bigint[];
}

export interface HyggePrices extends CommonPrices {
  readonly generation: 'hygge';
  readonly tipsetCidLatest: Gas;
  readonly tipsetCidHistorical: Gas;
  /** Extern cost of fetching a randomness seed; hashing the entropy is charged on top. */
  readonly getRandomnessSeed: Gas;
  readonly eventValidationCost: ScalingCost;
  readonly eventAcceptPerIndexElement: ScalingCost;
}

export interface WatermelonPrices extends CommonPrices {
  readonly generation: 'watermelon' | 'teep';
  readonly blsPairingCost: Gas;
  readonly blsHashingCost: ScalingCost;
  /** Walking the chain back: flat plus per epoch of lookback (randomness, tipset CIDs). */
  readonly lookbackCost: ScalingCost;
  readonly eventPerEntry: ScalingCost;
  readonly utf8Validation: ScalingCost;
  readonly ipldCborScanPerField: Gas;
  readonly ipldCborScanPerCid: Gas;
  readonly ipldLinkTracked: Gas;
  readonly ipldLinkChecked: Gas;
}

/**
 * ref-fvm 2.x's price list for nv17 ("SKYR"). Its layout has little in common with the later
 * tables, so it stands alone. Gas here is a signed i64 count of milligas, as in ref-fvm 2:
 * `sendInvokeMethod` and `deleteActor` are negative (deleting an actor refunds gas).
 * Storage amounts are in "storage units" and are multiplied by `storageGasMultiplier`
 * when charged, exactly as the reference does.
 */
export interface SkyrPrices {
  readonly generation: 'skyr';
  readonly storageGasMultiplier: bigint;
  readonly onChainMessageComputeBase: Gas;
  readonly onChainMessageStorageBase: Gas;
  readonly onChainMessageStoragePerByte: Gas;
  readonly onChainReturnValuePerByte: Gas;
  /** Every send (top-level or internal), invoked or not. */
  readonly sendBase: Gas;
  /** Added when the send carries a non-zero value. */
  readonly sendTransferFunds: Gas;
  /** Added when a non-zero value goes to method 0 (a plain transfer). */
  readonly sendTransferOnlyPremium: Gas;
  /** Added when the method is not 0; negative. */
  readonly sendInvokeMethod: Gas;
  readonly createActorCompute: Gas;
  readonly createActorStorage: Gas;
  /** Negative: a partial refund of the creation storage. */
  readonly deleteActor: Gas;
  /** Flat price per signature type, independent of the signed data's length. */
  readonly sigCost: ReadonlyMap<SignatureKind, Gas>;
  readonly secp256k1RecoverCost: Gas;
  /** Flat price of any hash, whatever the function or length. */
  readonly hashingBase: Gas;
  readonly computeUnsealedSectorCidBase: Gas;
  readonly verifySealBase: Gas;
  readonly verifyAggregateSealPer: ReadonlyMap<number, Gas>;
  readonly verifyAggregateSealSteps: ReadonlyMap<number, readonly Step[]>;
  readonly verifyAggregateSealDefault: number;
  readonly verifyPostLookup: ReadonlyMap<number, ScalingCost>;
  readonly verifyPostDefault: number;
  readonly verifyConsensusFault: Gas;
  readonly verifyReplicaUpdate: Gas;
  readonly getRandomnessBase: Gas;
  readonly getRandomnessPerByte: Gas;
  readonly blockMemcpyPerByte: Gas;
  readonly blockOpenBase: Gas;
  readonly blockOpenMemoryRetentionPerByte: Gas;
  readonly blockLinkBase: Gas;
  readonly blockLinkStoragePerByte: Gas;
  readonly blockCreateBase: Gas;
  readonly blockCreateMemoryRetentionPerByte: Gas;
  readonly blockReadBase: Gas;
  readonly blockStatBase: Gas;
  /** Surcharge for crossing into the client (randomness, block open, consensus fault). */
  readonly externCost: Gas;
  /** WASM instruction rules; `hostCallCost` is ref-fvm 2's `syscall_cost`. */
  readonly wasm: WasmGasPrices;
}

export type PriceTable = SkyrPrices | HyggePrices | WatermelonPrices;

const g = gasUnits;

function steps(list: ReadonlyArray<readonly [number, number]>): readonly Step[] {
  return Object.freeze(list.map(([start, cost]) => Object.freeze({ start: BigInt(start), cost: g(cost) })));
}

function frozenMap<K, V>(entries: ReadonlyArray<readonly [K, V]>): ReadonlyMap<K, V> {
  return new Map(entries);
}

// Aggregate (SnarkPack) step prices of interactive PoRep, by number of aggregated proofs.
const AGG_STEPS_32GIB_V1P1 = steps([
  [4, 103_994_170], [7, 112_356_810], [13, 122_912_610], [26, 137_559_930],
  [52, 162_039_100], [103, 210_960_780], [205, 318_351_180], [410, 528_274_980],
]);
const AGG_STEPS_64GIB_V1P1 = steps([
  [4, 102_581_240], [7, 110_803_030], [13, 120_803_700], [26, 134_642_130],
  [52, 157_357_890], [103, 203_017_690], [205, 304_253_590], [410, 509_880_640],
]);
// NI-PoRep (FIP-0092): each NI proof counts as 126 interactive challenges' worth, so the
// steps start at 1 and walk the same ladder ~126x faster.
const AGG_STEPS_32GIB_NIPOREP = steps([
  [1, 112_356_810], [2, 122_912_610], [3, 137_559_930], [5, 162_039_100],
  [9, 210_960_780], [17, 318_351_180], [33, 528_274_980],
]);
const AGG_STEPS_64GIB_NIPOREP = steps([
  [1, 110_803_030], [2, 120_803_700], [3, 134_642_130], [5, 157_357_890],
  [9, 203_017_690], [17, 304_253_590], [33, 509_880_640],
]);

const WINDOW_POST_PRICE = scaling(g(117_680_921), g(43_780));

const WASM_PRICES: WasmGasPrices = Object.freeze({
  instructionDefault: g(4),
  mathDefault: g(4),
  jumpUnconditional: g(4),
  jumpConditional: g(4),
  jumpIndirect: g(4),
  call: ZERO_GAS,
  memoryFillBaseCost: ZERO_GAS,
  memoryAccessCost: ZERO_GAS,
  memoryCopyPerByteCost: milligas(400), // 0.4 gas per byte
  memoryFillPerByteCost: milligas(400),
  // ref-fvm 3 held this as the price list's `syscall_cost`; 4 moved it into the WASM prices.
  hostCallCost: g(14_000),
});

/** Prices whose values are the same in every generation so far. */
const COMMON: Omit<CommonPrices, 'generation' | 'verifyPostLookup' | 'verifyPostDefault'> = {
  onChainMessageCompute: scaling(g(38_863), ZERO_GAS),
  onChainMessageStorage: scaling(g(36 * 1300), g(1300)),
  onChainReturnCompute: scaling(ZERO_GAS, ZERO_GAS),
  onChainReturnStorage: scaling(ZERO_GAS, g(1300)),
  sendTransferFunds: g(6000),
  sendInvokeMethod: g(75_000),
  actorLookup: g(500_000),
  actorUpdate: g(475_000),
  actorCreateStorage: g(650_000),
  addressLookup: g(1_050_000),
  addressAssignment: g(1_000_000),
  sigCost: frozenMap<SignatureKind, ScalingCost>([
    [SIG_SECP256K1, scaling(g(1_637_292), g(10))],
    [SIG_BLS, scaling(g(16_598_605), g(26))],
  ]),
  secp256k1RecoverCost: g(1_637_292),
  hashingCost: frozenMap<number, ScalingCost>([
    [HASH_SHA2_256, scaling(ZERO_GAS, g(7))],
    [HASH_BLAKE2B_256, scaling(ZERO_GAS, g(10))],
    [HASH_BLAKE2B_512, scaling(ZERO_GAS, g(10))],
    [HASH_KECCAK_256, scaling(ZERO_GAS, g(33))],
    [HASH_RIPEMD_160, scaling(ZERO_GAS, g(35))],
  ]),
  computeUnsealedSectorCidBase: g(98_647),
  verifySealBase: g(2000),
  verifyAggregateSealPer: frozenMap<number, Gas>([
    [SEAL_32GIB_V1P1, g(449_900)],
    [SEAL_64GIB_V1P1, g(359_272)],
  ]),
  verifyAggregateSealSteps: frozenMap<number, readonly Step[]>([
    [SEAL_32GIB_V1P1, AGG_STEPS_32GIB_V1P1],
    [SEAL_64GIB_V1P1, AGG_STEPS_64GIB_V1P1],
  ]),
  verifyAggregateSealDefault: SEAL_32GIB_V1P1,
  verifyConsensusFault: g(516_422),
  verifyReplicaUpdate: g(36_316_136),
  blockMemcpy: scaling(ZERO_GAS, milligas(400)),
  blockAllocate: scaling(ZERO_GAS, g(2)),
  blockMemoryRetentionMinimum: scaling(ZERO_GAS, g(10)),
  // Per-byte open cost is zero: the retention floor already covers it.
  blockOpen: scaling(g(187_440), ZERO_GAS),
  // The flat part stands for ~100 bytes of metadata per stored block.
  blockPersistStorage: scaling(g(334_000), g(3340)),
  blockPersistCompute: g(172_000),
  wasm: WASM_PRICES,
  builtinActorManifestLookup: ZERO_GAS,
  networkContext: ZERO_GAS,
  messageContext: ZERO_GAS,
  installWasmPerByteCost: ZERO_GAS,
  preloadedActors: Object.freeze([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 10n, 99n]),
};

// Whole gas to milligas, keeping the sign: ref-fvm 2's Gas is an i64 and two of its
// prices are negative, which `gasUnits` (u64) rightly refuses.
const signed = (whole: number): Gas => BigInt(whole) * 1000n;

/** ref-fvm 2 meters every instruction at one price, and nothing per byte or per page. */
const WASM_PRICES_SKYR: WasmGasPrices = Object.freeze({
  rules: 'fvm-v2',
  instructionDefault: g(4),
  mathDefault: g(4),
  jumpUnconditional: g(4),
  jumpConditional: g(4),
  jumpIndirect: g(4),
  call: ZERO_GAS,
  memoryFillBaseCost: ZERO_GAS,
  memoryAccessCost: ZERO_GAS,
  memoryCopyPerByteCost: ZERO_GAS,
  memoryFillPerByteCost: ZERO_GAS,
  hostCallCost: g(14_000),
});

/** nv17 (ref-fvm 2.x, the Shark upgrade, builtin-actors v9). */
export const SKYR_PRICES: SkyrPrices = Object.freeze({
  generation: 'skyr',
  storageGasMultiplier: 1300n,
  onChainMessageComputeBase: g(38_863),
  onChainMessageStorageBase: g(36),
  onChainMessageStoragePerByte: g(1),
  onChainReturnValuePerByte: g(1),
  sendBase: g(29_233),
  sendTransferFunds: g(27_500),
  sendTransferOnlyPremium: g(159_672),
  sendInvokeMethod: signed(-5377),
  createActorCompute: g(1_108_454),
  // 36 bytes of actor state plus 40 of address mapping, in storage units.
  createActorStorage: g(36 + 40),
  deleteActor: signed(-(36 + 40)),
  sigCost: frozenMap<SignatureKind, Gas>([
    [SIG_SECP256K1, g(1_637_292)],
    [SIG_BLS, g(16_598_605)],
  ]),
  secp256k1RecoverCost: g(1_637_292),
  hashingBase: g(31_355),
  computeUnsealedSectorCidBase: g(98_647),
  verifySealBase: g(2000),
  verifyAggregateSealPer: COMMON.verifyAggregateSealPer,
  verifyAggregateSealSteps: COMMON.verifyAggregateSealSteps,
  verifyAggregateSealDefault: SEAL_32GIB_V1P1,
  // Only the V1 window PoSt types are listed; anything else pays the 512 MiB V1 price.
  verifyPostLookup: frozenMap<number, ScalingCost>(
    [POST_WINDOW_512MIB_V1, POST_WINDOW_32GIB_V1, POST_WINDOW_64GIB_V1].map((p) => [p, WINDOW_POST_PRICE] as const),
  ),
  verifyPostDefault: POST_WINDOW_512MIB_V1,
  // The extern surcharge (21000) is added when charged, giving hygge's 516422 in total.
  verifyConsensusFault: g(495_422),
  verifyReplicaUpdate: g(36_316_136),
  getRandomnessBase: ZERO_GAS,
  getRandomnessPerByte: ZERO_GAS,
  blockMemcpyPerByte: milligas(500), // 0.5 gas per byte
  blockOpenBase: g(114_617),
  blockOpenMemoryRetentionPerByte: g(10),
  blockLinkBase: g(353_640),
  blockLinkStoragePerByte: g(1),
  blockCreateBase: ZERO_GAS,
  blockCreateMemoryRetentionPerByte: g(10),
  blockReadBase: ZERO_GAS,
  blockStatBase: ZERO_GAS,
  externCost: g(21_000),
  wasm: WASM_PRICES_SKYR,
});

export const HYGGE_PRICES: HyggePrices = Object.freeze({
  ...COMMON,
  generation: 'hygge',
  verifyPostLookup: frozenMap<number, ScalingCost>(
    [
      POST_WINDOW_512MIB_V1, POST_WINDOW_32GIB_V1, POST_WINDOW_64GIB_V1,
      POST_WINDOW_512MIB_V1P1, POST_WINDOW_32GIB_V1P1, POST_WINDOW_64GIB_V1P1,
    ].map((p) => [p, WINDOW_POST_PRICE] as const),
  ),
  verifyPostDefault: POST_WINDOW_512MIB_V1,
  tipsetCidLatest: g(50_000),
  tipsetCidHistorical: g(215_000),
  getRandomnessSeed: g(21_000),
  eventValidationCost: scaling(g(1750), g(25)),
  eventAcceptPerIndexElement: scaling(ZERO_GAS, ZERO_GAS),
});

export const WATERMELON_PRICES: WatermelonPrices = Object.freeze({
  ...COMMON,
  generation: 'watermelon',
  // V1 PoSt proof types were dropped; the fallback moved to the V1P1 512 MiB entry.
  verifyPostLookup: frozenMap<number, ScalingCost>(
    [POST_WINDOW_512MIB_V1P1, POST_WINDOW_32GIB_V1P1, POST_WINDOW_64GIB_V1P1].map(
      (p) => [p, WINDOW_POST_PRICE] as const,
    ),
  ),
  verifyPostDefault: POST_WINDOW_512MIB_V1P1,
  blsPairingCost: g(8_299_302),
  blsHashingCost: scaling(ZERO_GAS, g(7)),
  // Flat: 19 skips of 20 epochs at 5800 each, 15000 for the operation, 21000 for the extern.
  lookbackCost: scaling(g(5800 * 19 + 15_000 + 21_000), g(75)),
  eventPerEntry: scaling(g(2000), g(1400)),
  utf8Validation: scaling(g(500), g(16)),
  ipldCborScanPerField: g(35),
  ipldCborScanPerCid: g(400),
  ipldLinkTracked: g(300),
  ipldLinkChecked: g(300),
});

export const TEEP_PRICES: WatermelonPrices = Object.freeze({
  ...WATERMELON_PRICES,
  generation: 'teep',
  verifySealBase: g(42_000_000),
  verifyAggregateSealPer: frozenMap<number, Gas>([
    [SEAL_32GIB_V1P1, g(449_900)],
    [SEAL_64GIB_V1P1, g(359_272)],
    [SEAL_32GIB_V1P2_NIPOREP, g(44_990 * 126)],
    [SEAL_64GIB_V1P2_NIPOREP, g(35_928 * 126)],
  ]),
  verifyAggregateSealSteps: frozenMap<number, readonly Step[]>([
    [SEAL_32GIB_V1P1, AGG_STEPS_32GIB_V1P1],
    [SEAL_64GIB_V1P1, AGG_STEPS_64GIB_V1P1],
    [SEAL_32GIB_V1P2_NIPOREP, AGG_STEPS_32GIB_NIPOREP],
    [SEAL_64GIB_V1P2_NIPOREP, AGG_STEPS_64GIB_NIPOREP],
  ]),
});
