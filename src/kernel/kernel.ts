// The kernel of one actor invocation (ref-fvm 3.x semantics, nv18–nv20): what each syscall
// means once its arguments have been read out of WASM memory. It validates arguments,
// charges gas in the reference's order and amounts, and acts through the call manager.
// What every generation's kernel does alike is in KernelBase (kernel-base.ts).
import type { CID } from 'multiformats/cid';
import type { CallManager } from '../call/call-manager.js';
import { type Address, Protocol } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { gasUnits } from '../gas/gas.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { hashBy, isSupportedHash } from '../crypto/hash.js';
import { verifySignature } from '../crypto/signature.js';
import { INIT_ACTOR_ID } from '../state/init-state.js';
import { Block, type BlockRegistry, type BlockId } from './blocks.js';
import { FatalError, SyscallError } from './errors.js';
import { decodeActorEvent, keyByteLength, validateActorEvent, MAX_EVENT_ENCODED_SIZE } from './events.js';
import { KernelBase, type SendResult, drawRandomness, isExternRefusal, verifySealOrFalse } from './kernel-base.js';

export { type SendResult, drawRandomness };

/** Tipsets further back than this cannot be looked up. */
const FINALITY = 900n;

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

export class Kernel extends KernelBase<CallManager> {
  constructor(
    callManager: CallManager,
    blocks: BlockRegistry,
    caller: bigint,
    actorId: bigint,
    method: bigint,
    valueReceived: bigint,
    readonly readOnly: boolean,
  ) {
    super(callManager, blocks, caller, actorId, method, valueReceived);
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
    const params = this.sendParams(paramsId);
    const limit = gasLimit === undefined ? undefined : gasUnits(gasLimit);
    const result = this.callManager.send(this.actorId, recipient, method, params, value, limit, readOnly);
    // A failed callee's return data reaches the caller too.
    return this.sendResult(result.exitCode, result.value);
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
    this.payOutBalance(beneficiary);
    this.callManager.deleteActor(this.actorId);
  }

  // ---- ipld ---------------------------------------------------------------------------

  blockCreate(codec: bigint, data: Uint8Array): BlockId {
    if (data.length > this.context.maxBlockSize) {
      throw new SyscallError(ErrorNumber.LimitExceeded, 'blocks may not be larger than 1MiB');
    }
    this.charge(this.priceList.onBlockCreate(data.length));
    return this.blocks.put(new Block(codec, data.slice()));
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

  /** Extern refusals the reference treats as fatal (the node could not answer); a broken host propagates. */
  private externCall<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (!isExternRefusal(err)) throw err;
      throw new FatalError(`${what} failed: ${err.message}`, { cause: err });
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

  hash(code: bigint, data: Uint8Array): Uint8Array {
    if (!isSupportedHash(code)) throw new SyscallError(ErrorNumber.IllegalArgument, `unsupported hash code ${code}`);
    this.charge(this.priceList.onHashing(Number(code), data.length));
    return hashBy(code, data);
  }

  /** One result per seal; seals that fail to verify (or whose check errors) are false. */
  batchVerifySeals(infos: readonly unknown[]): boolean[] {
    if (this.context.testKernel) return infos.map(() => true);
    for (let i = 0; i < infos.length; i++) this.charge(this.priceList.onVerifySeal());
    return infos.map((info) => verifySealOrFalse(this.callManager.machine.externs, info));
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
}
