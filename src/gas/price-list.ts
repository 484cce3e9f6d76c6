// PriceList: turns an operation and its sizes into a named GasCharge, per generation.
//
// One class serves every generation. Where generations differ only in inputs, one method
// takes the union of inputs (e.g. `links` counts, ignored before IPLD reachability existed).
// Where they differ in kind (randomness, events), each generation has its own method and
// calling the other generation's method throws: a kernel of the wrong era must fail loudly,
// never charge a plausible wrong amount.
//
// nv17 ("skyr", ref-fvm 2.x) prices with signed i64 gas: its charges may be negative
// (OnDeleteActor) and saturate at i64::MAX. Charges that ref-fvm 2 does not make at all
// (state access, value transfer apart from the send, memory, context, events) throw for it.
import { GasCharge } from './charge.js';
import {
  type Gas,
  type ScalingCost,
  applyScaling,
  gasAdd,
  gasMul,
  gasSub,
  lookupStep,
  toU64,
  U64_MAX,
  ZERO_GAS,
} from './gas.js';
import {
  type HyggePrices,
  type PriceGeneration,
  type PriceTable,
  type SignatureKind,
  type SkyrPrices,
  type WatermelonPrices,
  HASH_BLAKE2B_256,
  HYGGE_PRICES,
  SKYR_PRICES,
  TEEP_PRICES,
  WATERMELON_PRICES,
} from './price-tables.js';
import {
  type WasmGasPrices,
  type WasmInstructionCost,
  buildWasmInstructionTable,
  growMemoryGas,
  initMemoryGas,
  initTableGas,
  lookupWasmInstruction,
} from './wasm-prices.js';

/** Event entry flags (FIP-0049). */
export const EVENT_FLAG_INDEXED_KEY = 0b01;
export const EVENT_FLAG_INDEXED_VALUE = 0b10;

/** The parts of an event entry that the nv18–nv20 accept charge looks at. */
export interface EventEntrySize {
  readonly flags: number | bigint;
  readonly keyLength: number;
  readonly valueLength: number;
}

/** Raised when a charge is asked of a generation that has no such charge. */
export class PriceListError extends Error {
  override readonly name = 'PriceListError';
}

// Bytes added to an event when it is stamped with the emitter (hygge estimate).
const STAMPED_EVENT_EXTRA = 12n;
// Maximum CBOR overhead of one stamped event, and of one entry in it (watermelon estimate).
const EVENT_OVERHEAD = 12n;
const EVENT_ENTRY_OVERHEAD = 9n;
// Randomness (hygge): the hashed input is the entropy plus tag (8), digest (32), round (8).
const RAND_INITIAL_HASH = 48n;

// Saturating u64 arithmetic on plain counts (sizes), mirroring the reference.
function satAdd(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s > U64_MAX ? U64_MAX : s;
}

function satMul(a: bigint, b: bigint): bigint {
  const m = a * b;
  return m > U64_MAX ? U64_MAX : m;
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Clamps to ref-fvm 2's i64 gas, whose every operation saturates. */
function i64(v: bigint): Gas {
  return v > I64_MAX ? I64_MAX : v < I64_MIN ? I64_MIN : v;
}

/** ref-fvm 2 multiplies by sizes cast to i64 (sizes are non-negative and bounded). */
function i64Size(n: bigint | number, what: string): bigint {
  const v = toU64(n, what);
  if (v > I64_MAX) throw new RangeError(`${what} ${v} exceeds i64`);
  return v;
}

/** An epoch distance (ChainEpoch, an i64), validated. */
function epochDistance(epochs: bigint | number, what: string): bigint {
  if (typeof epochs === 'number' && !Number.isSafeInteger(epochs)) {
    throw new RangeError(`${what} must be a safe integer, got ${epochs}`);
  }
  const e = BigInt(epochs);
  if (e !== BigInt.asIntN(64, e)) throw new RangeError(`${what} ${e} is outside the i64 range`);
  return e;
}

export class PriceList {
  readonly generation: PriceGeneration;
  private instructionTable: ReadonlyMap<string, WasmInstructionCost> | undefined;

  constructor(readonly prices: PriceTable) {
    this.generation = prices.generation;
  }

  /** The WASM execution prices used to instrument actor code. */
  get wasm(): WasmGasPrices {
    return this.prices.wasm;
  }

  /** Actor IDs whose state-tree access is free (FIP-0055, nv18+). */
  get preloadedActors(): readonly bigint[] {
    return this.common('preloaded actors').preloadedActors;
  }

  /** The nv17 table, or undefined for later generations. */
  private get skyr(): SkyrPrices | undefined {
    return this.prices.generation === 'skyr' ? this.prices : undefined;
  }

  /** The nv18+ tables; nv17 has no such charge. */
  private common(op: string): HyggePrices | WatermelonPrices {
    const p = this.prices;
    if (p.generation === 'skyr') {
      throw new PriceListError(`${op} does not exist at nv17: ref-fvm 2 (skyr price list) makes no such charge`);
    }
    return p;
  }

  /** nv17 only. */
  private skyrOnly(op: string): SkyrPrices {
    const p = this.prices;
    if (p.generation !== 'skyr') {
      throw new PriceListError(`${op} is priced only for nv17; this is the ${p.generation} price list`);
    }
    return p;
  }

  private hygge(op: string): HyggePrices {
    const p = this.prices;
    if (p.generation !== 'hygge') {
      throw new PriceListError(`${op} is priced only for nv18–nv20; this is the ${p.generation} price list`);
    }
    return p;
  }

  private watermelon(op: string): WatermelonPrices {
    const p = this.prices;
    if (p.generation === 'hygge' || p.generation === 'skyr') {
      throw new PriceListError(`${op} is priced only from nv21; this is the ${p.generation} price list`);
    }
    return p;
  }

  private hashPrice(code: number): ScalingCost {
    const cost = this.common('hashing by function').hashingCost.get(code);
    if (cost === undefined) {
      throw new PriceListError(`no price for hash function with multihash code 0x${code.toString(16)}`);
    }
    return cost;
  }

  // ---- messages, sends, returns ------------------------------------------------------

  /** Inclusion of a chain message of `msgSize` serialized bytes (also pays the sender's state update). */
  onChainMessage(msgSize: number): GasCharge {
    const s = this.skyr;
    if (s) {
      // nv17: compute flat; storage (36 + size) storage units, no separate sender update.
      const perByte = i64(s.onChainMessageStoragePerByte * i64Size(msgSize, 'message size'));
      const units = i64(s.onChainMessageStorageBase + perByte);
      return new GasCharge('OnChainMessage', s.onChainMessageComputeBase, i64(units * s.storageGasMultiplier));
    }
    const p = this.common('OnChainMessage');
    return new GasCharge(
      'OnChainMessage',
      applyScaling(p.onChainMessageCompute, msgSize),
      gasAdd(p.actorUpdate, applyScaling(p.onChainMessageStorage, msgSize)),
    );
  }

  onValueTransfer(): GasCharge {
    return new GasCharge('OnValueTransfer', this.common('OnValueTransfer').sendTransferFunds, ZERO_GAS);
  }

  /** Invoking a method; from nv21 each IPLD link in the parameters is tracked and charged. */
  onMethodInvocation(_paramSize = 0, paramLinks = 0): GasCharge {
    const p = this.common('OnMethodInvocation without value and method (use onMethodInvocationWithValue)');
    const compute =
      p.generation === 'hygge'
        ? p.sendInvokeMethod
        : gasAdd(p.sendInvokeMethod, gasMul(p.ipldLinkTracked, paramLinks));
    return new GasCharge('OnMethodInvocation', compute, ZERO_GAS);
  }

  /**
   * nv17: the one charge of every send (top-level, internal, and the constructor call of an
   * auto-created account), made after the receiver is found and before any transfer, whether
   * or not code runs. It depends on whether `value` is non-zero and whether `method` is 0.
   * A negative value counts as non-zero, as in the reference (the transfer then refuses it).
   */
  onMethodInvocationWithValue(value: bigint, method: bigint | number): GasCharge {
    const s = this.skyrOnly('OnMethodInvocation by value and method');
    const isSend = toU64(method, 'method number') === 0n;
    let gas = s.sendBase;
    if (value !== 0n) {
      gas += s.sendTransferFunds;
      if (isSend) gas += s.sendTransferOnlyPremium;
    }
    if (!isSend) gas += s.sendInvokeMethod;
    return new GasCharge('OnMethodInvocation', i64(gas), ZERO_GAS);
  }

  /**
   * Returning from a call. At depth 1 the return value goes on chain and is charged per
   * byte. Deeper, nv17–nv20 charge nothing (undefined) and nv21+ charge the tracked links.
   * nv17 makes the depth-1 charge in the executor, for successful calls only.
   */
  onMethodReturn(callDepth: number, returnSize: number, returnLinks = 0): GasCharge | undefined {
    const s = this.skyr;
    if (s) {
      if (callDepth !== 1) return undefined;
      const units = i64(s.onChainReturnValuePerByte * i64Size(returnSize, 'return size'));
      return new GasCharge('OnChainReturnValue', ZERO_GAS, i64(units * s.storageGasMultiplier));
    }
    const p = this.common('OnChainReturnValue');
    if (callDepth === 1) {
      return new GasCharge(
        'OnChainReturnValue',
        applyScaling(p.onChainReturnCompute, returnSize),
        applyScaling(p.onChainReturnStorage, returnSize),
      );
    }
    if (p.generation === 'hygge') return undefined;
    return new GasCharge('OnReturnValue', gasMul(p.ipldLinkTracked, returnLinks), ZERO_GAS);
  }

  /** Every call from WASM into the host. */
  onSyscall(): GasCharge {
    return new GasCharge('OnSyscall', this.prices.wasm.hostCallCost, ZERO_GAS);
  }

  // ---- actors and addresses ----------------------------------------------------------

  /**
   * Creating an actor; `newAddress` when an address is also assigned to it. nv17 has a
   * single price for both cases (compute plus 76 storage units) and ignores the flag.
   */
  onCreateActor(newAddress: boolean): GasCharge {
    const s = this.skyr;
    if (s) {
      const storage = i64(s.createActorStorage * s.storageGasMultiplier);
      return new GasCharge('OnCreateActor', s.createActorCompute, storage);
    }
    const p = this.common('OnCreateActor');
    let storage = p.actorCreateStorage;
    if (newAddress) storage = gasAdd(storage, gasAdd(p.addressAssignment, p.addressLookup));
    return new GasCharge('OnCreateActor', ZERO_GAS, storage);
  }

  /** Deleting an actor. nv17 refunds 76 storage units: the charge is negative. */
  onDeleteActor(): GasCharge {
    const s = this.skyr;
    if (s) return new GasCharge('OnDeleteActor', ZERO_GAS, i64(s.deleteActor * s.storageGasMultiplier));
    return new GasCharge('OnDeleteActor', ZERO_GAS, ZERO_GAS);
  }

  onActorLookup(): GasCharge {
    return new GasCharge('OnActorLookup', ZERO_GAS, this.common('OnActorLookup').actorLookup);
  }

  onActorUpdate(): GasCharge {
    return new GasCharge('OnActorUpdate', ZERO_GAS, this.common('OnActorUpdate').actorUpdate);
  }

  onActorCreate(): GasCharge {
    return new GasCharge('OnActorCreate', ZERO_GAS, this.common('OnActorCreate').actorCreateStorage);
  }

  onSelfBalance(): GasCharge {
    this.common('OnSelfBalance');
    return new GasCharge('OnSelfBalance', ZERO_GAS, ZERO_GAS);
  }

  onBalanceOf(): GasCharge {
    this.common('OnBalanceOf');
    return new GasCharge('OnBalanceOf', ZERO_GAS, ZERO_GAS);
  }

  onResolveAddress(): GasCharge {
    this.common('OnResolveAddress');
    return new GasCharge('OnResolveAddress', ZERO_GAS, ZERO_GAS);
  }

  /** Looking up an actor's delegated (f4) address. */
  onLookupDelegatedAddress(): GasCharge {
    this.common('OnLookupAddress');
    return new GasCharge('OnLookupAddress', ZERO_GAS, ZERO_GAS);
  }

  onGetActorCodeCid(): GasCharge {
    this.common('OnGetActorCodeCid');
    return new GasCharge('OnGetActorCodeCid', ZERO_GAS, ZERO_GAS);
  }

  onGetBuiltinActorType(): GasCharge {
    const p = this.common('OnGetBuiltinActorType');
    return new GasCharge('OnGetBuiltinActorType', p.builtinActorManifestLookup, ZERO_GAS);
  }

  onGetCodeCidForType(): GasCharge {
    const p = this.common('OnGetCodeCidForType');
    return new GasCharge('OnGetCodeCidForType', p.builtinActorManifestLookup, ZERO_GAS);
  }

  onInstallActor(wasmSize: number): GasCharge {
    const p = this.common('OnInstallActor');
    return new GasCharge('OnInstallActor', gasMul(p.installWasmPerByteCost, wasmSize), ZERO_GAS);
  }

  /** Reading the actor's state root (nv21+). */
  onGetRoot(): GasCharge {
    const p = this.watermelon('OnActorGetRoot');
    return new GasCharge('OnActorGetRoot', p.ipldLinkTracked, ZERO_GAS);
  }

  /** Setting the actor's state root (nv21+). */
  onSetRoot(): GasCharge {
    const p = this.watermelon('OnActorSetRoot');
    return new GasCharge('OnActorSetRoot', p.ipldLinkChecked, ZERO_GAS);
  }

  // ---- context -------------------------------------------------------------------------

  onNetworkContext(): GasCharge {
    return new GasCharge('OnNetworkContext', this.common('OnNetworkContext').networkContext, ZERO_GAS);
  }

  onMessageContext(): GasCharge {
    return new GasCharge('OnMessageContext', this.common('OnMessageContext').messageContext, ZERO_GAS);
  }

  /**
   * Looking up the CID of the tipset `lookback` epochs before the current one (>= 1).
   * nv18–nv20: a fixed price for the previous tipset, another for anything older.
   * nv21+: the chain-walking price, flat plus per epoch.
   */
  onTipsetCid(lookback: bigint | number): GasCharge {
    const p = this.common('OnTipsetCid');
    const epochs = epochDistance(lookback, 'tipset lookback');
    if (p.generation === 'hygge') {
      return new GasCharge('OnTipsetCid', ZERO_GAS, epochs > 1n ? p.tipsetCidHistorical : p.tipsetCidLatest);
    }
    // The reference casts the i64 distance to u64, so a negative one wraps and saturates.
    return new GasCharge('OnTipsetCid', ZERO_GAS, applyScaling(p.lookbackCost, BigInt.asUintN(64, epochs)));
  }

  /**
   * Randomness, nv21+: priced by how far back the randomness epoch lies. A negative
   * lookback (future epoch) wraps to a huge u64 exactly as in the reference, so the charge
   * saturates and the caller runs out of gas.
   */
  onGetRandomness(lookback: bigint | number): GasCharge {
    const p = this.watermelon('OnGetRandomness by lookback');
    const epochs = BigInt.asUintN(64, epochDistance(lookback, 'randomness lookback'));
    return new GasCharge('OnGetRandomness', ZERO_GAS, applyScaling(p.lookbackCost, epochs));
  }

  /**
   * Randomness priced by entropy length.
   * nv17: all compute, the extern surcharge plus base plus per byte (0 and 0: 21000 flat).
   * nv18–nv20: extern seed plus blake2b over the entropy and 48 bytes of framing.
   */
  onGetRandomnessWithEntropy(entropyLength: number): GasCharge {
    const s = this.skyr;
    if (s) {
      const perByte = i64(s.getRandomnessPerByte * i64Size(entropyLength, 'entropy length'));
      return new GasCharge('OnGetRandomness', i64(s.externCost + s.getRandomnessBase + perByte), ZERO_GAS);
    }
    const p = this.hygge('OnGetRandomness by entropy');
    const hashed = satAdd(toU64(entropyLength, 'entropy length'), RAND_INITIAL_HASH);
    const hash = applyScaling(this.hashPrice(HASH_BLAKE2B_256), hashed);
    return new GasCharge('OnGetRandomness', ZERO_GAS, gasAdd(p.getRandomnessSeed, hash));
  }

  // ---- crypto ----------------------------------------------------------------------------

  /** Signature verification; nv17 prices by type only, ignoring the data length. */
  onVerifySignature(sigType: SignatureKind, dataLength: number): GasCharge {
    const s = this.skyr;
    if (s) {
      toU64(dataLength, 'signed data length');
      const flat = s.sigCost.get(sigType);
      if (flat === undefined) throw new PriceListError(`no price for signature type ${String(sigType)}`);
      return new GasCharge('OnVerifySignature', flat, ZERO_GAS);
    }
    const cost = this.common('OnVerifySignature').sigCost.get(sigType);
    if (cost === undefined) throw new PriceListError(`no price for signature type ${String(sigType)}`);
    return new GasCharge('OnVerifySignature', applyScaling(cost, dataLength), ZERO_GAS);
  }

  /**
   * BLS aggregate verification (FIP-0079, nv21+ price list): one pairing per signer plus
   * one for the aggregate, and hashing of all plaintexts.
   */
  onVerifyAggregateSignature(numSignatures: number, dataLength: number): GasCharge {
    const p = this.watermelon('OnVerifyBlsAggregateSignature');
    const pairings = gasMul(p.blsPairingCost, satAdd(toU64(numSignatures, 'signature count'), 1n));
    const hashing = applyScaling(p.blsHashingCost, dataLength);
    return new GasCharge('OnVerifyBlsAggregateSignature', gasAdd(pairings, hashing), ZERO_GAS);
  }

  onRecoverSecpPublicKey(): GasCharge {
    return new GasCharge('OnRecoverSecpPublicKey', this.prices.secp256k1RecoverCost, ZERO_GAS);
  }

  /**
   * Hashing `dataLength` bytes with the hash of multihash code `hashCode`. nv17 charges one
   * flat price for any code, even one it then rejects as unsupported.
   */
  onHashing(hashCode: number, dataLength: number): GasCharge {
    const s = this.skyr;
    if (s) {
      toU64(dataLength, 'hashed data length');
      return new GasCharge('OnHashing', s.hashingBase, ZERO_GAS);
    }
    return new GasCharge('OnHashing', applyScaling(this.hashPrice(hashCode), dataLength), ZERO_GAS);
  }

  /** UTF-8 validation of event keys (nv21+). */
  onUtf8Validation(length: number): GasCharge {
    const p = this.watermelon('OnUtf8Validation');
    return new GasCharge('OnUtf8Validation', applyScaling(p.utf8Validation, length), ZERO_GAS);
  }

  onComputeUnsealedSectorCid(): GasCharge {
    return new GasCharge('OnComputeUnsealedSectorCid', this.prices.computeUnsealedSectorCidBase, ZERO_GAS);
  }

  onVerifySeal(): GasCharge {
    return new GasCharge('OnVerifySeal', this.prices.verifySealBase, ZERO_GAS);
  }

  /**
   * An aggregate of `sectorCount` seal proofs of RegisteredSealProof `sealProof`: a price
   * per sector plus a step price by count. Unlisted proof types pay the 32 GiB V1P1 prices.
   */
  onVerifyAggregateSeals(sealProof: number, sectorCount: number): GasCharge {
    const p = this.prices;
    const per = p.verifyAggregateSealPer.get(sealProof) ?? p.verifyAggregateSealPer.get(p.verifyAggregateSealDefault);
    const ladder =
      p.verifyAggregateSealSteps.get(sealProof) ?? p.verifyAggregateSealSteps.get(p.verifyAggregateSealDefault);
    if (per === undefined || ladder === undefined) {
      throw new PriceListError('aggregate seal price table lacks its default proof type');
    }
    const n = toU64(sectorCount, 'aggregated sector count');
    if (p.generation === 'skyr') {
      const perSector = i64(per * i64Size(n, 'aggregated sector count'));
      return new GasCharge('OnVerifyAggregateSeals', i64(perSector + lookupStep(ladder, n)), ZERO_GAS);
    }
    return new GasCharge('OnVerifyAggregateSeals', gasAdd(gasMul(per, n), lookupStep(ladder, n)), ZERO_GAS);
  }

  onVerifyReplicaUpdate(): GasCharge {
    return new GasCharge('OnVerifyReplicaUpdate', this.prices.verifyReplicaUpdate, ZERO_GAS);
  }

  /**
   * Window PoSt verification. `firstProofType` is the RegisteredPoStProof of the first proof
   * (undefined when there are none); the price scales with the challenged sectors.
   */
  onVerifyPost(firstProofType: number | undefined, challengedSectors: number): GasCharge {
    const p = this.prices;
    const cost =
      p.verifyPostLookup.get(firstProofType ?? p.verifyPostDefault) ?? p.verifyPostLookup.get(p.verifyPostDefault);
    if (cost === undefined) throw new PriceListError('PoSt price table lacks its default proof type');
    if (p.generation === 'skyr') {
      const scaled = i64(cost.scale * i64Size(challengedSectors, 'challenged sector count'));
      return new GasCharge('OnVerifyPost', i64(cost.flat + scaled), ZERO_GAS);
    }
    return new GasCharge('OnVerifyPost', applyScaling(cost, challengedSectors), ZERO_GAS);
  }

  /** nv17 counts it as compute including the extern surcharge; later as "other" gas. */
  onVerifyConsensusFault(): GasCharge {
    const s = this.skyr;
    if (s) return new GasCharge('OnVerifyConsensusFault', i64(s.externCost + s.verifyConsensusFault), ZERO_GAS);
    const p = this.common('OnVerifyConsensusFault');
    return new GasCharge('OnVerifyConsensusFault', ZERO_GAS, p.verifyConsensusFault);
  }

  // ---- blocks ----------------------------------------------------------------------------

  /** Opening a block, before its size is known. nv21+ also checks the CID is reachable. */
  onBlockOpenBase(): GasCharge {
    const s = this.skyr;
    if (s) return new GasCharge('OnBlockOpenBase', i64(s.externCost + s.blockOpenBase), ZERO_GAS);
    const p = this.common('OnBlockOpenBase');
    const compute = p.generation === 'hygge' ? ZERO_GAS : p.ipldLinkChecked;
    return new GasCharge('OnBlockOpenBase', compute, p.blockOpen.flat);
  }

  /**
   * Loading an opened block of `dataSize` bytes holding `links` reachable links (nv21+).
   * Either way at least the memory-retention floor is charged.
   */
  onBlockOpen(dataSize: number, links = 0): GasCharge {
    const s = this.skyr;
    if (s) {
      // nv17: retention plus one copy per byte, all compute; links are not tracked.
      const size = i64Size(dataSize, 'block size');
      const gas = i64(i64(s.blockOpenMemoryRetentionPerByte * size) + i64(s.blockMemcpyPerByte * size));
      return new GasCharge('OnBlockOpenPerByte', gas, ZERO_GAS);
    }
    const p = this.common('OnBlockOpen');
    const openPerByte = gasMul(p.blockOpen.scale, dataSize);
    const copy = gasAdd(applyScaling(p.blockAllocate, dataSize), applyScaling(p.blockMemcpy, dataSize));
    const floor = applyScaling(p.blockMemoryRetentionMinimum, dataSize);
    if (p.generation === 'hygge') {
      const surcharge = gasSub(floor, gasAdd(copy, openPerByte));
      return new GasCharge('OnBlockOpenPerByte', copy, gasAdd(openPerByte, surcharge));
    }
    const compute = gasMul(p.ipldLinkTracked, links);
    const open = gasAdd(openPerByte, copy);
    const surcharge = gasSub(floor, gasAdd(compute, open));
    return new GasCharge('OnBlockOpen', compute, gasAdd(open, surcharge));
  }

  /** Copying `dataSize` bytes of an open block into actor memory. */
  onBlockRead(dataSize: number): GasCharge {
    const s = this.skyr;
    if (s) {
      const gas = i64(s.blockReadBase + i64(s.blockMemcpyPerByte * i64Size(dataSize, 'bytes read')));
      return new GasCharge('OnBlockRead', gas, ZERO_GAS);
    }
    return new GasCharge('OnBlockRead', applyScaling(this.common('OnBlockRead').blockMemcpy, dataSize), ZERO_GAS);
  }

  /** Creating a block of `dataSize` bytes with `links` links to check (nv21+). */
  onBlockCreate(dataSize: number, links = 0): GasCharge {
    const s = this.skyr;
    if (s) {
      const size = i64Size(dataSize, 'block size');
      const memory = i64(i64(s.blockCreateMemoryRetentionPerByte * size) + i64(s.blockMemcpyPerByte * size));
      return new GasCharge('OnBlockCreate', i64(s.blockCreateBase + memory), ZERO_GAS);
    }
    const p = this.common('OnBlockCreate');
    let compute = gasAdd(applyScaling(p.blockMemcpy, dataSize), applyScaling(p.blockAllocate, dataSize));
    if (p.generation !== 'hygge') compute = gasAdd(compute, gasMul(p.ipldLinkChecked, links));
    const surcharge = gasSub(applyScaling(p.blockMemoryRetentionMinimum, dataSize), compute);
    return new GasCharge('OnBlockCreate', compute, surcharge);
  }

  /** Linking (hashing and committing) a block of `dataSize` bytes with hash `hashCode`. */
  onBlockLink(hashCode: number, dataSize: number): GasCharge {
    const s = this.skyr;
    if (s) {
      // nv17: two copies (into the buffered store, then out to the client) and per-byte
      // storage; the hash itself is not priced (only blake2b-256 is accepted, checked earlier).
      const size = i64Size(dataSize, 'block size');
      const compute = i64(s.blockLinkBase + i64(i64(s.blockMemcpyPerByte * size) * 2n));
      const storage = i64(i64(s.blockLinkStoragePerByte * s.storageGasMultiplier) * size);
      return new GasCharge('OnBlockLink', compute, storage);
    }
    const p = this.common('OnBlockLink');
    let compute = gasAdd(
      gasAdd(applyScaling(p.blockMemcpy, dataSize), applyScaling(p.blockAllocate, dataSize)),
      applyScaling(this.hashPrice(hashCode), dataSize),
    );
    if (p.generation !== 'hygge') compute = gasAdd(compute, p.ipldLinkTracked);
    // Storage plus the deferred cost of flushing; the flush's own copies are negligible.
    const other = gasAdd(p.blockPersistCompute, applyScaling(p.blockPersistStorage, dataSize));
    return new GasCharge('OnBlockLink', compute, other);
  }

  onBlockStat(): GasCharge {
    return new GasCharge('OnBlockStat', ZERO_GAS, ZERO_GAS);
  }

  // ---- events ----------------------------------------------------------------------------

  /** nv18–nv20: validating a raw CBOR event of `dataSize` bytes before decoding it. */
  onActorEventValidate(dataSize: number): GasCharge {
    const p = this.hygge('OnActorEventValidate');
    const compute = gasAdd(
      gasAdd(applyScaling(p.blockMemcpy, dataSize), applyScaling(p.blockAllocate, dataSize)),
      applyScaling(p.eventValidationCost, dataSize),
    );
    return new GasCharge('OnActorEventValidate', compute, ZERO_GAS);
  }

  /** nv18–nv20: accepting a decoded event whose CBOR was `serializedLength` bytes. */
  onActorEventAccept(entries: readonly EventEntrySize[], serializedLength: number): GasCharge {
    const p = this.hygge('OnActorEventAccept');
    let indexedBytes = 0n;
    let indexedElements = 0n;
    for (const e of entries) {
      const flags = BigInt(e.flags);
      if ((flags & BigInt(EVENT_FLAG_INDEXED_KEY)) !== 0n) {
        indexedBytes += toU64(e.keyLength, 'event key length');
        indexedElements += 1n;
      }
      if ((flags & BigInt(EVENT_FLAG_INDEXED_VALUE)) !== 0n) {
        indexedBytes += toU64(e.valueLength, 'event value length');
        indexedElements += 1n;
      }
    }
    const stamped = toU64(serializedLength, 'event length') + STAMPED_EVENT_EXTRA;
    const memcpy = applyScaling(p.blockMemcpy, stamped);
    const alloc = applyScaling(p.blockAllocate, stamped);
    const hash = applyScaling(this.hashPrice(HASH_BLAKE2B_256), stamped);
    // Index costs, then the deferred copies, allocation and AMT hashing of the stamped event.
    let other = gasAdd(
      gasMul(p.eventAcceptPerIndexElement.flat, indexedElements),
      gasMul(p.eventAcceptPerIndexElement.scale, indexedBytes),
    );
    other = gasAdd(other, gasAdd(gasMul(memcpy, 2n), gasAdd(alloc, hash)));
    return new GasCharge('OnActorEventAccept', gasAdd(memcpy, alloc), other);
  }

  /**
   * nv21+: one charge per emitted event from its entry count and the total key and value
   * bytes, estimating the stamped event's encoded size.
   */
  onActorEvent(entries: number, keyBytes: number, valueBytes: number): GasCharge {
    const p = this.watermelon('OnActorEvent');
    const n = toU64(entries, 'event entry count');
    let size = satAdd(EVENT_OVERHEAD, satMul(EVENT_ENTRY_OVERHEAD, n));
    size = satAdd(size, toU64(keyBytes, 'event key bytes'));
    size = satAdd(size, toU64(valueBytes, 'event value bytes'));
    const mem = gasAdd(applyScaling(p.blockMemcpy, size), applyScaling(p.blockAllocate, size));
    const hash = applyScaling(this.hashPrice(HASH_BLAKE2B_256), size);
    const compute = gasAdd(
      gasMul(mem, 2n),
      gasAdd(applyScaling(p.eventPerEntry, n), applyScaling(p.utf8Validation, keyBytes)),
    );
    return new GasCharge('OnActorEvent', compute, gasAdd(hash, mem));
  }

  // ---- WASM ------------------------------------------------------------------------------

  /** Milligas for a module's minimum memory (charged as "wasm_memory_init"; not at nv17). */
  initMemoryGas(minMemoryBytes: bigint | number): Gas {
    return initMemoryGas(this.common('wasm_memory_init').wasm, minMemoryBytes);
  }

  /** Milligas for memory growth (charged as "wasm_memory_grow"; not at nv17). */
  growMemoryGas(growBytes: bigint | number): Gas {
    return growMemoryGas(this.common('wasm_memory_grow').wasm, growBytes);
  }

  /** Milligas for a module's minimum table elements (charged as "wasm_table_init"; not at nv17). */
  initTableGas(minTableElements: bigint | number): Gas {
    return initTableGas(this.common('wasm_table_init').wasm, minTableElements);
  }

  /** Metering price of one WASM instruction, by text-format mnemonic. */
  wasmInstructionCost(mnemonic: string): WasmInstructionCost {
    this.instructionTable ??= buildWasmInstructionTable(this.prices.wasm);
    return lookupWasmInstruction(this.instructionTable, mnemonic);
  }
}

type GenerationRow = { readonly from: number; readonly to: number; readonly list: PriceList };

const SKYR_LIST = new PriceList(SKYR_PRICES);
const TEEP_LIST = new PriceList(TEEP_PRICES);

/**
 * Which price list each range of network versions uses. To support another version, add
 * its table and one row here.
 */
const NETWORK_GENERATIONS: readonly GenerationRow[] = [
  { from: 17, to: 17, list: SKYR_LIST },
  { from: 18, to: 20, list: new PriceList(HYGGE_PRICES) },
  { from: 21, to: 24, list: new PriceList(WATERMELON_PRICES) },
  { from: 25, to: 28, list: TEEP_LIST },
];

/** Network versions still in development; selectable only on request (ref-fvm's nvNN-dev). */
const DEV_GENERATIONS: readonly GenerationRow[] = [{ from: 29, to: 29, list: TEEP_LIST }];

/**
 * Rows selectable only with `{ legacy: true }`. nv17 (ref-fvm 2, docs/nv17.md) used to live
 * here; the machine now implements it, so it is a regular row and this list is empty.
 */
const LEGACY_GENERATIONS: readonly GenerationRow[] = [];

export interface PriceListOptions {
  /** Also accept network versions that are still in development (nv29). */
  readonly dev?: boolean;
  /** Also accept the legacy rows (none today: nv17 is a regular row since the machine runs it). */
  readonly legacy?: boolean;
}

/** The price list in force at network version `nv`. Throws for versions not supported. */
export function priceListByNetworkVersion(nv: number, options: PriceListOptions = {}): PriceList {
  if (!Number.isInteger(nv)) throw new RangeError(`network version must be an integer, got ${nv}`);
  const rows = [
    ...(options.legacy ? LEGACY_GENERATIONS : []),
    ...NETWORK_GENERATIONS,
    ...(options.dev ? DEV_GENERATIONS : []),
  ];
  for (const row of rows) {
    if (nv >= row.from && nv <= row.to) return row.list;
  }
  const first = NETWORK_GENERATIONS[0]!.from;
  const last = NETWORK_GENERATIONS[NETWORK_GENERATIONS.length - 1]!.to;
  const dev = options.dev ? '' : '; nv29 is a development version (pass { dev: true })';
  throw new RangeError(`network version ${nv} is not supported: gas prices exist for nv${first}–nv${last}${dev}`);
}
