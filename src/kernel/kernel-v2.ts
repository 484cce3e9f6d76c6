// The kernel of one actor invocation at nv17 (ref-fvm 2.x semantics): what each syscall of
// the 2.x ABI means once its arguments are out of WASM memory. Compared with the 3.x Kernel:
// no state-access charges, DAG-CBOR-only blocks without a size limit, signers may be any
// account, any actor may create (non-singleton builtin) actors, f2 addresses hash the origin's
// key address, randomness and several crypto operations have flat prices, and the send syscall
// takes no gas limit or flags. See docs/nv17.md §4. What all generations share is in
// KernelBase (kernel-base.ts).
import type { CID } from 'multiformats/cid';
import type { CallManagerV2 } from '../call/call-manager-v2.js';
import { Address, AddressError, Protocol, addressFromCbor } from '../primitives/address.js';
import { FieldError, readTuple } from '../primitives/fields.js';
import { newEmptyActor, type ActorState } from '../primitives/actor.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { CborError, decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { hashBy, isSupportedHash } from '../crypto/hash.js';
import { verifySignature } from '../crypto/signature.js';
import { Block, BlockRegistry, DAG_CBOR, type BlockId } from './blocks.js';
import { FatalError, SyscallError } from './errors.js';
import { KernelBase, type SendResult, verifySealOrFalse } from './kernel-base.js';

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

export class KernelV2 extends KernelBase<CallManagerV2> {
  /** State access is free at nv17: straight to the state tree. */
  private getActor(id: bigint): ActorState | undefined {
    return this.callManager.machine.stateTree.getActor(id);
  }

  // ---- send ---------------------------------------------------------------------------

  /** Sends inside a transaction; an aborted callee is a result with its exit code and no data. */
  send(recipient: Address, method: bigint, paramsId: BlockId, value: bigint): SendResult {
    const params = this.sendParams(paramsId);
    const cm = this.callManager;
    const result = cm.withTransaction(() => cm.send(this.actorId, recipient, method, params, value));
    // 2.x hands back no data from a failed callee.
    return this.sendResult(result.exitCode, result.exitCode === 0 ? result.value : undefined);
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
    this.payOutBalance(beneficiary);
    this.callManager.machine.stateTree.deleteActor(this.actorId);
  }

  // ---- ipld ---------------------------------------------------------------------------

  /** No size limit at nv17; the codec is checked after the charge. */
  blockCreate(codec: bigint, data: Uint8Array): BlockId {
    this.charge(this.priceList.onBlockCreate(data.length));
    return this.blocks.put(new Block(codec, data.slice()));
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
      // The origin not being an account is the reference's fatal error; host faults propagate.
      if (!(err instanceof SyscallError)) throw err;
      throw new FatalError(`cannot resolve the message origin ${cm.origin.toString()} to a key address: ${err.message}`, { cause: err });
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
      const fields = readTuple(decodeCbor<unknown>(state, `account state ${actor.head.toString()}`), [1], 'account state');
      return addressFromCbor(fields[0], 'account address');
    } catch (err) {
      // Only a state that does not decode as an account is fatal here; host faults propagate.
      if (!(err instanceof CborError || err instanceof FieldError || err instanceof AddressError)) throw err;
      throw new FatalError(`failed to decode actor state as an account: ${err.message}`, { cause: err });
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

  /** One flat price, charged before the hash function is checked. */
  hash(code: bigint, data: Uint8Array): Uint8Array {
    this.charge(this.priceList.onHashing(0, data.length));
    if (!isSupportedHash(code)) throw new SyscallError(ErrorNumber.IllegalArgument, `unsupported hash code ${code}`);
    return hashBy(code, data);
  }

  verifySeal(info: unknown): boolean {
    this.charge(this.priceList.onVerifySeal());
    if (this.context.testKernel) return true;
    return this.proofCall('verifying seal', () => this.callManager.machine.externs.verifySeal(info));
  }

  /** Free at nv17 (the power actor paid when the batch was queued); failures are false. */
  batchVerifySeals(infos: readonly unknown[]): boolean[] {
    if (this.context.testKernel) return infos.map(() => true);
    return infos.map((info) => verifySealOrFalse(this.callManager.machine.externs, info));
  }

  // ---- gas, debug ---------------------------------------------------------------------

  /** Gas charged by the actor itself: whole gas, signed (a negative amount refunds). */
  chargeGas(name: string, gas: bigint): void {
    const milligas = gas * 1000n;
    this.callManager.gasTracker.charge(name, milligas > I64_MAX ? I64_MAX : milligas < I64_MIN ? I64_MIN : milligas);
  }
}
