// The kernel of one actor invocation (ref-fvm 3.x semantics, nv18–nv20): what each syscall
// means once its arguments have been read out of WASM memory. It validates arguments,
// charges gas in the reference's order and amounts, and acts through the call manager.
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { blake2b } from '@noble/hashes/blake2.js';
import type { CallManager } from '../call/call-manager.js';
import type { MachineContext } from '../machine/context.js';
import { type Address, Protocol } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import type { GasCharge } from '../gas/charge.js';
import { gasUnits } from '../gas/gas.js';
import type { PriceList } from '../gas/price-list.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { hashBy, isSupportedHash } from '../crypto/hash.js';
import { recoverSecpPublicKey, verifySignature } from '../crypto/signature.js';
import { computeUnsealedSectorCid } from '../crypto/commd.js';
import type { PieceInfo } from '../crypto/piece.js';
import { INIT_ACTOR_ID } from '../state/init-state.js';
import { Block, BlockRegistry, type BlockId, type BlockStat, NO_DATA_BLOCK_ID } from './blocks.js';
import { FatalError, SyscallError } from './errors.js';
import { decodeActorEvent, keyByteLength, validateActorEvent, MAX_EVENT_ENCODED_SIZE } from './events.js';
import type { ConsensusFault } from '../machine/externs.js';

const BLAKE2B_256 = 0xb220;
/** Tipsets further back than this cannot be looked up. */
const FINALITY = 900n;
const MAX_ARTIFACT_NAME_LEN = 256;

export interface SendResult {
  readonly blockId: BlockId;
  readonly blockStat: BlockStat;
  readonly exitCode: number;
}

export interface MessageContext {
  readonly origin: bigint;
  readonly nonce: bigint;
  readonly caller: bigint;
  readonly receiver: bigint;
  readonly methodNumber: bigint;
  readonly valueReceived: bigint;
  readonly gasPremium: bigint;
  readonly readOnly: boolean;
}

export interface NetworkContext {
  readonly epoch: bigint;
  readonly timestamp: bigint;
  readonly baseFee: bigint;
  readonly chainId: bigint;
  readonly networkVersion: number;
}

export class Kernel {
  readonly blocks: BlockRegistry;

  constructor(
    readonly callManager: CallManager,
    blocks: BlockRegistry,
    readonly caller: bigint,
    readonly actorId: bigint,
    readonly method: bigint,
    readonly valueReceived: bigint,
    readonly readOnly: boolean,
  ) {
    this.blocks = blocks;
  }

  private get priceList(): PriceList {
    return this.callManager.priceList;
  }

  private get context(): MachineContext {
    return this.callManager.machine.context;
  }

  private charge(charge: GasCharge): void {
    this.callManager.charge(charge);
  }

  // ---- send ---------------------------------------------------------------------------

  send(
    recipient: Address,
    method: bigint,
    paramsId: BlockId,
    value: bigint,
    /** Whole gas units; undefined for "all the gas available". */
    gasLimit: bigint | undefined,
    flagsReadOnly: boolean,
  ): SendResult {
    const readOnly = this.readOnly || flagsReadOnly;
    if (readOnly && value !== 0n) {
      throw new SyscallError(ErrorNumber.ReadOnly, 'cannot transfer value when read-only');
    }
    const params = paramsId === NO_DATA_BLOCK_ID ? undefined : this.blocks.get(paramsId);
    if (this.blocks.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'cannot store return block');

    const limit = gasLimit === undefined ? undefined : gasUnits(gasLimit);
    const result = this.callManager.send(this.actorId, recipient, method, params, value, limit, readOnly);
    if (result.value === undefined) {
      return { blockId: NO_DATA_BLOCK_ID, blockStat: { codec: 0n, size: 0 }, exitCode: result.exitCode };
    }
    let blockId: BlockId;
    try {
      blockId = this.blocks.put(result.value);
    } catch (err) {
      throw new FatalError(`failed to store a valid return value: ${(err as Error).message}`, { cause: err });
    }
    return { blockId, blockStat: result.value.stat(), exitCode: result.exitCode };
  }

  // ---- self ---------------------------------------------------------------------------

  root(): CID {
    const self = this.callManager.getActor(this.actorId);
    if (self === undefined) {
      throw new SyscallError(ErrorNumber.IllegalOperation, 'state root requested after actor deletion');
    }
    return self.head;
  }

  setRoot(root: CID): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot update the state-root while read-only');
    const self = this.callManager.getActor(this.actorId);
    if (self === undefined) throw new SyscallError(ErrorNumber.IllegalOperation, 'actor deleted');
    this.callManager.setActor(this.actorId, { ...self, head: root });
  }

  currentBalance(): bigint {
    this.charge(this.priceList.onSelfBalance());
    return this.callManager.getActor(this.actorId)?.balance ?? 0n;
  }

  selfDestruct(beneficiary: Address): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot self-destruct when read-only');
    this.charge(this.priceList.onDeleteActor());
    const balance = this.currentBalance();
    if (balance !== 0n) {
      const beneficiaryId = this.resolveAddress(beneficiary);
      if (beneficiaryId === this.actorId) {
        throw new SyscallError(ErrorNumber.Forbidden, 'benefactor cannot be beneficiary');
      }
      this.callManager.transfer(this.actorId, beneficiaryId, balance);
    }
    this.callManager.deleteActor(this.actorId);
  }

  // ---- ipld ---------------------------------------------------------------------------

  blockOpen(cid: CID): { id: BlockId; stat: BlockStat } {
    this.charge(this.priceList.onBlockOpenBase());
    const data = this.callManager.machine.blockstore.get(cid);
    // Missing state is fatal in the reference: it can only mean the store is incomplete.
    if (data === undefined) throw new FatalError(`missing state: ${cid.toString()}`);
    const block = new Block(BigInt(cid.code), data);
    this.charge(this.priceList.onBlockOpen(block.size));
    const id = this.blocks.put(block);
    return { id, stat: block.stat() };
  }

  blockCreate(codec: bigint, data: Uint8Array): BlockId {
    if (data.length > this.context.maxBlockSize) {
      throw new SyscallError(ErrorNumber.LimitExceeded, 'blocks may not be larger than 1MiB');
    }
    this.charge(this.priceList.onBlockCreate(data.length));
    return this.blocks.put(new Block(codec, data.slice()));
  }

  blockLink(id: BlockId, hashFun: bigint, hashLen: number): CID {
    if (hashFun !== BigInt(BLAKE2B_256) || hashLen !== 32) {
      throw new SyscallError(ErrorNumber.IllegalCid, 'cids must be 32-byte blake2b');
    }
    const block = this.blocks.get(id);
    this.charge(this.priceList.onBlockLink(BLAKE2B_256, block.size));
    const digest = blake2b(block.data, { dkLen: 32 });
    const cid = CID.createV1(Number(block.codec), createDigest(BLAKE2B_256, digest));
    this.callManager.machine.blockstore.put(cid, block.data);
    return cid;
  }

  /** Copies from the block at `offset` into `out`; returns block length minus (offset + out.length). */
  blockRead(id: BlockId, offset: number, out: Uint8Array): number {
    const end = offset + out.length;
    if (end > 0x7fff_ffff) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'offset plus buffer length did not fit into an i32');
    }
    const block = this.blocks.get(id);
    const data = block.data;
    const toRead = Math.min(Math.max(data.length - offset, 0), out.length);
    this.charge(this.priceList.onBlockRead(toRead));
    if (toRead !== 0) out.set(data.subarray(offset, offset + toRead));
    return data.length - end;
  }

  blockStat(id: BlockId): BlockStat {
    this.charge(this.priceList.onBlockStat());
    return this.blocks.stat(id);
  }

  // ---- message & network --------------------------------------------------------------

  messageContext(): MessageContext {
    this.charge(this.priceList.onMessageContext());
    const cm = this.callManager;
    return {
      origin: cm.origin,
      nonce: cm.nonce,
      caller: this.caller,
      receiver: this.actorId,
      methodNumber: this.method,
      valueReceived: this.valueReceived,
      gasPremium: cm.gasPremium,
      readOnly: this.readOnly,
    };
  }

  networkContext(): NetworkContext {
    this.charge(this.priceList.onNetworkContext());
    const c = this.context;
    return {
      epoch: c.epoch,
      timestamp: c.timestamp,
      baseFee: c.baseFee,
      chainId: c.chainId,
      networkVersion: c.networkVersion,
    };
  }

  totalFilCircSupply(): bigint {
    return this.context.circSupply;
  }

  tipsetCid(epoch: bigint): CID {
    if (epoch < 0n) throw new SyscallError(ErrorNumber.IllegalArgument, 'epoch is negative');
    const offset = this.context.epoch - epoch;
    if (offset < 0n) throw new SyscallError(ErrorNumber.IllegalArgument, `epoch ${epoch} is in the future`);
    if (offset === 0n) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'cannot lookup the tipset cid for the current epoch');
    }
    if (offset >= FINALITY) throw new SyscallError(ErrorNumber.IllegalArgument, `epoch ${epoch} is too far in the past`);
    this.charge(this.priceList.onTipsetCid(offset));
    return this.externCall('tipset CID lookup', () => this.callManager.machine.externs.getTipsetCid(epoch));
  }

  // ---- randomness (drawn by the FVM from the extern's digest, nv18–nv20) -------------

  getRandomnessFromTickets(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
    this.charge(this.priceList.onGetRandomnessWithEntropy(entropy.length));
    const base = this.externRandomness(() => this.callManager.machine.externs.getChainRandomness(round));
    return drawRandomness(base, personalization, round, entropy);
  }

  getRandomnessFromBeacon(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
    this.charge(this.priceList.onGetRandomnessWithEntropy(entropy.length));
    const base = this.externRandomness(() => this.callManager.machine.externs.getBeaconRandomness(round));
    return drawRandomness(base, personalization, round, entropy);
  }

  private externRandomness(f: () => Uint8Array): Uint8Array {
    let digest: Uint8Array;
    try {
      digest = f();
    } catch (err) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `randomness extern failed: ${(err as Error).message}`);
    }
    if (digest.length !== 32) {
      throw new FatalError(`randomness extern returned ${digest.length} bytes, expected 32`);
    }
    return digest;
  }

  /** Extern failures the reference treats as fatal (the node could not answer). */
  private externCall<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw new FatalError(`${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  // ---- actors -------------------------------------------------------------------------

  resolveAddress(address: Address): bigint {
    this.charge(this.priceList.onResolveAddress());
    const id = this.callManager.resolveAddress(address);
    if (id === undefined) throw new SyscallError(ErrorNumber.NotFound, 'actor not found');
    return id;
  }

  getActorCodeCid(id: bigint): CID {
    this.charge(this.priceList.onGetActorCodeCid());
    const actor = this.callManager.getActor(id);
    if (actor === undefined) throw new SyscallError(ErrorNumber.NotFound, 'actor not found');
    return actor.code;
  }

  nextActorAddress(): Address {
    return this.callManager.nextActorAddress();
  }

  createActor(code: CID, actorId: bigint, delegatedAddress: Address | undefined): void {
    if (this.actorId !== INIT_ACTOR_ID) {
      throw new SyscallError(
        ErrorNumber.Forbidden,
        `create_actor is restricted to InitActor. Called by ${this.actorId}`,
      );
    }
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'create_actor cannot be called while read-only');
    this.callManager.createActor(code, actorId, delegatedAddress);
  }

  getBuiltinActorType(code: CID): number {
    this.charge(this.priceList.onGetBuiltinActorType());
    return this.callManager.machine.manifest.idByCode(code);
  }

  getCodeCidForType(typ: number): CID {
    this.charge(this.priceList.onGetCodeCidForType());
    const code = this.callManager.machine.manifest.codeById(typ);
    if (code === undefined) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'tried to resolve CID of unrecognized actor type');
    }
    return code;
  }

  balanceOf(id: bigint): bigint {
    this.charge(this.priceList.onBalanceOf());
    const actor = this.callManager.getActor(id);
    if (actor === undefined) throw new SyscallError(ErrorNumber.NotFound, 'actor not found');
    return actor.balance;
  }

  lookupDelegatedAddress(id: bigint): Address | null {
    this.charge(this.priceList.onLookupDelegatedAddress());
    const actor = this.callManager.getActor(id);
    if (actor === undefined) throw new SyscallError(ErrorNumber.NotFound, 'actor not found');
    return actor.delegatedAddress;
  }

  // ---- crypto -------------------------------------------------------------------------

  verifySignature(sigType: 1 | 2, signature: Uint8Array, signer: Address, plaintext: Uint8Array): boolean {
    this.charge(this.priceList.onVerifySignature(sigType, plaintext.length));
    if (signer.protocol !== Protocol.BLS && signer.protocol !== Protocol.Secp256k1) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `address protocol ${signer.protocol} not supported`);
    }
    try {
      return verifySignature(sigType, signature, signer, plaintext);
    } catch (err) {
      if (err instanceof CryptoArgumentError) throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
      throw err;
    }
  }

  recoverSecpPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
    this.charge(this.priceList.onRecoverSecpPublicKey());
    try {
      return recoverSecpPublicKey(hash, signature);
    } catch (err) {
      if (err instanceof CryptoArgumentError) {
        throw new SyscallError(ErrorNumber.IllegalArgument, `public key recovery failed: ${err.message}`);
      }
      throw err;
    }
  }

  hash(code: bigint, data: Uint8Array): Uint8Array {
    if (!isSupportedHash(code)) throw new SyscallError(ErrorNumber.IllegalArgument, `unsupported hash code ${code}`);
    this.charge(this.priceList.onHashing(Number(code), data.length));
    return hashBy(code, data);
  }

  computeUnsealedSectorCid(proofType: number, pieces: readonly PieceInfo[]): CID {
    this.charge(this.priceList.onComputeUnsealedSectorCid());
    try {
      return computeUnsealedSectorCid(proofType, pieces, { niPoRep: false });
    } catch (err) {
      if (err instanceof CryptoArgumentError) throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
      throw err;
    }
  }

  verifyPost(info: unknown, firstProofType: number | undefined, challengedSectors: number): boolean {
    this.charge(this.priceList.onVerifyPost(firstProofType, challengedSectors));
    if (this.context.testKernel) return true;
    return this.proofCall('verifying post', () => this.callManager.machine.externs.verifyPost(info));
  }

  verifyAggregateSeals(info: unknown, sealProof: number, count: number): boolean {
    this.charge(this.priceList.onVerifyAggregateSeals(sealProof, count));
    if (this.context.testKernel) return true;
    return this.proofCall('verifying aggregate seals', () => this.callManager.machine.externs.verifyAggregateSeals(info));
  }

  verifyReplicaUpdate(info: unknown): boolean {
    this.charge(this.priceList.onVerifyReplicaUpdate());
    if (this.context.testKernel) return true;
    return this.proofCall('verifying replica update', () => this.callManager.machine.externs.verifyReplicaUpdate(info));
  }

  /** One result per seal; seals that fail to verify (or whose check errors) are false. */
  batchVerifySeals(infos: readonly unknown[]): boolean[] {
    if (this.context.testKernel) return infos.map(() => true);
    for (let i = 0; i < infos.length; i++) this.charge(this.priceList.onVerifySeal());
    return infos.map((info) => {
      try {
        return this.callManager.machine.externs.verifySeal(info) === true;
      } catch {
        return false;
      }
    });
  }

  private proofCall(what: string, f: () => boolean): boolean {
    try {
      return f();
    } catch (err) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `${what}: ${(err as Error).message}`);
    }
  }

  verifyConsensusFault(h1: Uint8Array, h2: Uint8Array, extra: Uint8Array): ConsensusFault | undefined {
    this.charge(this.priceList.onVerifyConsensusFault());
    if (this.context.testKernel) return undefined;
    try {
      return this.callManager.machine.externs.verifyConsensusFault(h1, h2, extra);
    } catch (err) {
      throw new SyscallError(ErrorNumber.IllegalArgument, (err as Error).message);
    }
  }

  // ---- events, gas, debug -------------------------------------------------------------

  emitEvent(raw: Uint8Array): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot emit events while read-only');
    this.charge(this.priceList.onActorEventValidate(raw.length));
    if (raw.length > MAX_EVENT_ENCODED_SIZE) throw new SyscallError(ErrorNumber.IllegalArgument, 'event WAY too large');
    const entries = decodeActorEvent(raw);
    validateActorEvent(entries);
    this.charge(
      this.priceList.onActorEventAccept(
        entries.map((e) => ({ flags: e.flags, keyLength: keyByteLength(e.key), valueLength: e.value.length })),
        raw.length,
      ),
    );
    this.callManager.appendEvent({ emitter: this.actorId, entries });
  }

  /** Gas charged by the actor itself, in whole gas units. */
  chargeGas(name: string, compute: bigint): void {
    this.callManager.gasTracker.charge(name, gasUnits(compute));
  }

  gasAvailable(): bigint {
    return this.callManager.gasTracker.gasAvailable();
  }

  debugEnabled(): boolean {
    return this.context.actorDebugging;
  }

  log(message: string): void {
    this.callManager.machine.debugLog(this.actorId, message);
  }

  storeArtifact(name: string, data: Uint8Array): void {
    const nameLen = new TextEncoder().encode(name).length;
    if (nameLen > MAX_ARTIFACT_NAME_LEN) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should not exceed 256 bytes');
    }
    if (name.includes('/')) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should not include any path separators');
    }
    if (name.length === 0) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should be at least one character');
    }
    if (name.startsWith('.')) {
      throw new SyscallError(ErrorNumber.IllegalArgument, "debug artifact name should not start with a decimal '.'");
    }
    this.callManager.machine.storeArtifact(this.actorId, name, data);
  }
}

/** blake2b-256(personalization as BE i64 || base || round as BE i64 || entropy). */
export function drawRandomness(base: Uint8Array, personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
  const buf = new Uint8Array(8 + base.length + 8 + entropy.length);
  const view = new DataView(buf.buffer);
  view.setBigInt64(0, personalization);
  buf.set(base, 8);
  view.setBigInt64(8 + base.length, round);
  buf.set(entropy, 16 + base.length);
  return blake2b(buf, { dkLen: 32 });
}
