// The kernel of one actor invocation at nv17 (ref-fvm 2.x semantics): what each syscall of
// the 2.x ABI means once its arguments are out of WASM memory. Compared with the 3.x Kernel:
// no state-access charges, DAG-CBOR-only blocks without a size limit, signers may be any
// account, any actor may create (non-singleton builtin) actors, f2 addresses hash the origin's
// key address, randomness and several crypto operations have flat prices, and the send syscall
// takes no gas limit or flags. See docs/nv17.md §4.
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { blake2b } from '@noble/hashes/blake2.js';
import type { CallManagerV2 } from '../call/call-manager-v2.js';
import type { MachineContext } from '../machine/context.js';
import type { ConsensusFault } from '../machine/externs.js';
import { Address, Protocol, addressFromCbor } from '../primitives/address.js';
import { newEmptyActor, type ActorState } from '../primitives/actor.js';
import { ErrorNumber } from '../primitives/errnum.js';
import type { GasCharge } from '../gas/charge.js';
import type { PriceList } from '../gas/price-list.js';
import { decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { hashBy, isSupportedHash } from '../crypto/hash.js';
import { recoverSecpPublicKey, verifySignature } from '../crypto/signature.js';
import { computeUnsealedSectorCid } from '../crypto/commd.js';
import type { PieceInfo } from '../crypto/piece.js';
import { Block, BlockRegistry, DAG_CBOR, type BlockId, type BlockStat, NO_DATA_BLOCK_ID } from './blocks.js';
import { FatalError, SyscallError } from './errors.js';
import { drawRandomness, type SendResult } from './kernel.js';

const BLAKE2B_256 = 0xb220;
const MAX_ARTIFACT_NAME_LEN = 256;
/** i64 bounds of ref-fvm 2's signed gas. */
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** The 2.x block registry: only DAG-CBOR blocks may be registered (IllegalCodec otherwise). */
export class BlockRegistryV2 extends BlockRegistry {
  override put(block: Block): BlockId {
    if (block.codec !== BigInt(DAG_CBOR)) {
      throw new SyscallError(ErrorNumber.IllegalCodec, `invalid or forbidden ipld codec ${block.codec}`);
    }
    return super.put(block);
  }
}

/** What `vm.context` reports at nv17. */
export interface InvocationContextV2 {
  readonly valueReceived: bigint;
  readonly caller: bigint;
  readonly receiver: bigint;
  readonly methodNumber: bigint;
  readonly epoch: bigint;
  readonly networkVersion: number;
}

export class KernelV2 {
  constructor(
    readonly callManager: CallManagerV2,
    readonly blocks: BlockRegistry,
    readonly caller: bigint,
    readonly actorId: bigint,
    readonly method: bigint,
    readonly valueReceived: bigint,
  ) {}

  private get priceList(): PriceList {
    return this.callManager.priceList;
  }

  private get context(): MachineContext {
    return this.callManager.machine.context;
  }

  private charge(charge: GasCharge): void {
    this.callManager.charge(charge);
  }

  private getActor(id: bigint): ActorState | undefined {
    return this.callManager.machine.stateTree.getActor(id);
  }

  // ---- send ---------------------------------------------------------------------------

  /** Sends inside a transaction; an aborted callee is a result with its exit code and no data. */
  send(recipient: Address, method: bigint, paramsId: BlockId, value: bigint): SendResult {
    const params = paramsId === NO_DATA_BLOCK_ID ? undefined : this.blocks.get(paramsId);
    if (this.blocks.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'cannot store return block');
    const cm = this.callManager;
    const result = cm.withTransaction(() => cm.send(this.actorId, recipient, method, params, value));
    if (result.exitCode !== 0 || result.value === undefined) {
      return { blockId: NO_DATA_BLOCK_ID, blockStat: { codec: 0n, size: 0 }, exitCode: result.exitCode };
    }
    let blockId: BlockId;
    try {
      blockId = this.blocks.put(result.value);
    } catch (err) {
      throw new FatalError(`failed to store a valid return value: ${(err as Error).message}`, { cause: err });
    }
    return { blockId, blockStat: result.value.stat(), exitCode: 0 };
  }

  // ---- self ---------------------------------------------------------------------------

  root(): CID {
    const self = this.getActor(this.actorId);
    if (self === undefined) {
      throw new SyscallError(ErrorNumber.IllegalOperation, 'state root requested after actor deletion');
    }
    return self.head;
  }

  setRoot(root: CID): void {
    const self = this.getActor(this.actorId);
    if (self === undefined) throw new SyscallError(ErrorNumber.IllegalOperation, 'actor deleted');
    this.callManager.machine.stateTree.setActor(this.actorId, { ...self, head: root });
  }

  /** The balance; a deleted actor has none. Free at nv17. */
  currentBalance(): bigint {
    return this.getActor(this.actorId)?.balance ?? 0n;
  }

  /** Charges the (negative) deletion price first; the refund stands even if a later step fails. */
  selfDestruct(beneficiary: Address): void {
    this.charge(this.priceList.onDeleteActor());
    const balance = this.currentBalance();
    if (balance !== 0n) {
      const beneficiaryId = this.resolveAddress(beneficiary);
      if (beneficiaryId === this.actorId) {
        throw new SyscallError(ErrorNumber.Forbidden, 'benefactor cannot be beneficiary');
      }
      this.callManager.transfer(this.actorId, beneficiaryId, balance);
    }
    this.callManager.machine.stateTree.deleteActor(this.actorId);
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

  /** No size limit at nv17; the codec is checked after the charge. */
  blockCreate(codec: bigint, data: Uint8Array): BlockId {
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
    const data = this.blocks.get(id).data;
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

  invocationContext(): InvocationContextV2 {
    return {
      valueReceived: this.valueReceived,
      caller: this.caller,
      receiver: this.actorId,
      methodNumber: this.method,
      epoch: this.context.epoch,
      networkVersion: this.context.networkVersion,
    };
  }

  baseFee(): bigint {
    return this.context.baseFee;
  }

  totalFilCircSupply(): bigint {
    return this.context.circSupply;
  }

  // ---- randomness (a flat price; drawn by the FVM from the extern's digest) ------------

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
    if (digest.length !== 32) throw new FatalError(`randomness extern returned ${digest.length} bytes, expected 32`);
    return digest;
  }

  // ---- actors -------------------------------------------------------------------------

  /** Free at nv17; an ID address resolves to itself whether or not the actor exists. */
  resolveAddress(address: Address): bigint {
    const id = this.callManager.machine.stateTree.lookupId(address);
    if (id === undefined) throw new SyscallError(ErrorNumber.NotFound, 'actor not found');
    return id;
  }

  getActorCodeCid(id: bigint): CID {
    const actor = this.getActor(id);
    if (actor === undefined) throw new SyscallError(ErrorNumber.NotFound, 'target actor not found');
    return actor.code;
  }

  /**
   * The next f2 address: blake2b-160 of the origin's key address (CBOR), the message nonce and
   * the call stack's creation counter, which every call bumps.
   */
  newActorAddress(): Address {
    const cm = this.callManager;
    let origin: Address;
    try {
      origin = this.resolveToKeyAddress(cm.origin, false);
    } catch (err) {
      if (err instanceof FatalError) throw err;
      throw new FatalError(`cannot resolve the message origin ${cm.origin.toString()} to a key address: ${(err as Error).message}`, { cause: err });
    }
    const key = encodeCbor(origin.toBytes());
    const buf = new Uint8Array(key.length + 16);
    buf.set(key);
    const view = new DataView(buf.buffer);
    view.setBigUint64(key.length, cm.nonce);
    view.setBigUint64(key.length + 8, cm.nextActorIndex());
    return Address.newActor(buf);
  }

  /** Any actor may create a non-singleton builtin actor under an unused ID (no address is registered). */
  createActor(code: CID, actorId: bigint): void {
    const manifest = this.callManager.machine.manifest;
    if (manifest.idByCode(code) === 0) throw new SyscallError(ErrorNumber.Forbidden, 'can only create built-in actors');
    if (this.callManager.isSingletonActor(code)) {
      throw new SyscallError(ErrorNumber.Forbidden, 'can only have one instance of singleton actors');
    }
    if (this.getActor(actorId) !== undefined) throw new SyscallError(ErrorNumber.Forbidden, 'Actor address already exists');
    this.charge(this.priceList.onCreateActor(false));
    this.callManager.machine.stateTree.setActor(actorId, newEmptyActor(code, null));
  }

  getBuiltinActorType(code: CID): number {
    return this.callManager.machine.manifest.idByCode(code);
  }

  getCodeCidForType(typ: number): CID {
    const code = this.callManager.machine.manifest.codeById(typ);
    if (code === undefined) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'tried to resolve CID of unrecognized actor type');
    }
    return code;
  }

  /**
   * A key address as is; otherwise the key address in the state of the account actor it names
   * (NotFound if no actor, IllegalArgument if not an account). With `chargeGas` the state read
   * is priced as a block open.
   */
  private resolveToKeyAddress(addr: Address, chargeGas: boolean): Address {
    if (addr.protocol === Protocol.BLS || addr.protocol === Protocol.Secp256k1) return addr;
    const stateTree = this.callManager.machine.stateTree;
    const id = stateTree.lookupId(addr);
    const actor = id === undefined ? undefined : stateTree.getActor(id);
    if (actor === undefined) throw new SyscallError(ErrorNumber.NotFound, 'state tree doesn\'t contain actor');
    if (!this.callManager.machine.manifest.isAccountActor(actor.code)) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'target actor is not an account');
    }
    if (chargeGas) this.charge(this.priceList.onBlockOpenBase());
    const state = this.callManager.machine.blockstore.get(actor.head);
    if (state === undefined) throw new FatalError(`account actor state not found: ${actor.head.toString()}`);
    if (chargeGas) this.charge(this.priceList.onBlockOpen(state.length));
    try {
      const fields = decodeCbor<unknown>(state, `account state ${actor.head.toString()}`);
      if (!Array.isArray(fields) || fields.length !== 1) throw new Error('not a [address] tuple');
      return addressFromCbor(fields[0], 'account address');
    } catch (err) {
      throw new FatalError(`failed to decode actor state as an account: ${(err as Error).message}`, { cause: err });
    }
  }

  // ---- crypto -------------------------------------------------------------------------

  /** Charged by type first; the signer may be any account address; every failure is "invalid". */
  verifySignature(sigType: 1 | 2, signature: Uint8Array, signer: Address, plaintext: Uint8Array): boolean {
    this.charge(this.priceList.onVerifySignature(sigType, plaintext.length));
    const key = this.resolveToKeyAddress(signer, true);
    try {
      return verifySignature(sigType, signature, key, plaintext);
    } catch (err) {
      if (err instanceof CryptoArgumentError) return false;
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

  /** One flat price, charged before the hash function is checked. */
  hash(code: bigint, data: Uint8Array): Uint8Array {
    this.charge(this.priceList.onHashing(0, data.length));
    if (!isSupportedHash(code)) throw new SyscallError(ErrorNumber.IllegalArgument, `unsupported hash code ${code}`);
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

  verifySeal(info: unknown): boolean {
    this.charge(this.priceList.onVerifySeal());
    if (this.context.testKernel) return true;
    return this.proofCall('verifying seal', () => this.callManager.machine.externs.verifySeal(info));
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

  /** Free at nv17 (the power actor paid when the batch was queued); failures are false. */
  batchVerifySeals(infos: readonly unknown[]): boolean[] {
    if (this.context.testKernel) return infos.map(() => true);
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

  // ---- gas, debug ---------------------------------------------------------------------

  /** Gas charged by the actor itself: whole gas, signed (a negative amount refunds). */
  chargeGas(name: string, gas: bigint): void {
    const milligas = gas * 1000n;
    this.callManager.gasTracker.charge(name, milligas > I64_MAX ? I64_MAX : milligas < I64_MIN ? I64_MIN : milligas);
  }

  debugEnabled(): boolean {
    return this.context.actorDebugging;
  }

  log(message: string): void {
    this.callManager.machine.debugLog(this.actorId, message);
  }

  storeArtifact(name: string, data: Uint8Array): void {
    if (new TextEncoder().encode(name).length > MAX_ARTIFACT_NAME_LEN) {
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
