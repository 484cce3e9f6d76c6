// The call manager of one message: the invocation stack, sends with value transfer, automatic
// account/placeholder creation, actor creation for the init actor, transactions that revert
// state and events when a call fails, the call-depth limit, backtraces and the execution trace.
// It follows ref-fvm 3.x's DefaultCallManager step by step, including where gas is charged.
import type { CID } from 'multiformats/cid';
import { Address, Protocol } from '../primitives/address.js';
import { type ActorState, newEmptyActor } from '../primitives/actor.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import { METHOD_CONSTRUCTOR, METHOD_SEND } from '../primitives/message.js';
import { encodeCbor } from '../ipld/cbor.js';
import { gasRoundUp, gasMin, U64_MAX } from '../gas/gas.js';
import { GasTracker } from '../gas/tracker.js';
import { type CompiledModule, EngineError } from '../engine/engine.js';
import type { MemoryLimiter } from '../engine/limits.js';
import { EAM_ACTOR_ID, SYSTEM_ACTOR_ID } from '../state/init-state.js';
import type { Machine } from '../machine/machine.js';
import { Block, BlockRegistry, CBOR, NO_DATA_BLOCK_ID } from '../kernel/blocks.js';
import { FatalError, OutOfGasError, SyscallError } from '../kernel/errors.js';
import { EventsAccumulator, type StampedEvent } from '../kernel/events.js';
import { Kernel } from '../kernel/kernel.js';
import { KernelV4 } from '../kernel/kernel-v4.js';
import { ReachableBlockRegistry } from '../kernel/reachability.js';
import { Abort } from '../syscalls/abort.js';
import { InvocationData, type SyscallDef, bindSyscalls } from '../syscalls/bind.js';
import { SyscallGasHost } from '../syscalls/gas-host.js';
import { syscallSignatures } from '../syscalls/signatures.js';
import { SYSCALLS_V3 } from '../syscalls/v3.js';
import { SYSCALLS_V4 } from '../syscalls/v4.js';
import {
  CallManagerBase,
  type FinishRet,
  HostStackExhaustedError,
  type InvocationResult,
  isStackExhaustion,
  traced,
} from './call-manager-base.js';
import { ActorAccess, StateAccessTracker } from './state-access-tracker.js';
import type { ExecutionEvent } from './trace.js';

export { HostStackExhaustedError, type FinishRet, type InvocationResult } from './call-manager-base.js';

export interface CallManagerParams {
  readonly machine: Machine;
  /** Whole gas units. */
  readonly gasLimit: bigint;
  readonly origin: bigint;
  readonly originAddress: Address;
  readonly receiver: bigint | undefined;
  readonly receiverAddress: Address;
  readonly nonce: bigint;
  readonly gasPremium: bigint;
}

export class CallManager extends CallManagerBase {
  readonly limiter: MemoryLimiter;
  readonly origin: bigint;
  readonly originAddress: Address;
  readonly nonce: bigint;
  readonly gasPremium: bigint;
  private readonly accessTracker: StateAccessTracker;
  private readonly events = new EventsAccumulator();
  private numActorsCreated = 0n;

  constructor(p: CallManagerParams) {
    super(p.machine, GasTracker.forMessage(p.gasLimit, p.machine.context.tracing));
    const ctx = p.machine.context;
    this.limiter = p.machine.newLimiter();
    this.origin = p.origin;
    this.originAddress = p.originAddress;
    this.nonce = p.nonce;
    this.gasPremium = p.gasPremium;
    this.accessTracker = new StateAccessTracker(ctx.priceList.preloadedActors);
    // The origin was looked up and updated (nonce, gas funds) during preflight.
    this.accessTracker.recordActorUpdate(p.origin);
    this.accessTracker.recordAddressLookup(p.originAddress);
    // The receiver was pre-resolved by the executor.
    if (p.receiver !== undefined) this.accessTracker.recordActorRead(p.receiver);
    this.accessTracker.recordAddressLookup(p.receiverAddress);
  }

  /** ref-fvm 4.x semantics (nv21+): IPLD reachability, entrypoints, the 4.x kernel and ABI. */
  private get isV4(): boolean {
    return this.machine.context.profile.generation === 'v4';
  }

  /** Records a kernel-level event (4.x logs and block operations) when tracing is on. */
  traceKernelEvent(event: ExecutionEvent & { type: 'log' | 'ipld' }): void {
    if (this.machine.context.tracing) this.trace(event);
  }

  // ---- send ---------------------------------------------------------------------------

  /**
   * Calls `method` of `to` from `from`, transferring `value`. `gasLimit` (milligas) caps the
   * gas of this call; undefined means all that is left. A failing actor is a result with its
   * exit code; a SyscallError means the call could not be made at all.
   */
  send(
    from: bigint,
    to: Address,
    method: bigint,
    params: Block | undefined,
    value: bigint,
    gasLimit: bigint | undefined,
    readOnly: boolean,
  ): InvocationResult {
    const tracing = this.machine.context.tracing;
    if (tracing) {
      const limit = gasRoundUp(gasLimit ?? U64_MAX);
      this.trace({
        type: 'call',
        from,
        to,
        method,
        params: traced(params),
        value,
        gasLimit: gasMin(limit, gasRoundUp(this.gasTracker.availableMilligas)),
        readOnly,
      });
    }

    if (gasLimit !== undefined) this.gasTracker.pushLimit(gasLimit);

    // As in the reference, a call refused for depth leaves a pushed gas limit in place (3.x);
    // 4.x pops it again.
    if (this.callStackDepth >= this.machine.context.maxCallDepth) {
      const err = new SyscallError(ErrorNumber.LimitExceeded, 'message execution exceeds call depth');
      if (gasLimit !== undefined && this.isV4) this.gasTracker.popLimit();
      if (tracing) this.trace({ type: 'call_error', errno: err.errno, message: err.message });
      throw err;
    }

    const stateTree = this.machine.stateTree;
    stateTree.beginTransaction();
    this.events.beginTransaction();
    this.accessTracker.beginTransaction();
    this.callStackDepth++;

    let result: InvocationResult | undefined;
    let error: unknown;
    let revert: boolean;
    try {
      result = this.limiter.withStackFrame(() => this.sendUnchecked(from, to, method, params, value, readOnly));
      revert = result.exitCode !== ExitCode.OK;
    } catch (err) {
      error = err;
      revert = true;
    }

    this.callStackDepth--;
    this.accessTracker.endTransaction(revert);
    this.events.endTransaction(revert);
    stateTree.endTransaction(revert);
    if (gasLimit !== undefined) this.gasTracker.popLimit();

    // Running out of a call's own gas limit is an exit code, not an out-of-gas for the caller.
    if (error instanceof OutOfGasError && this.gasTracker.availableMilligas > 0n) {
      error = undefined;
      result = { exitCode: ExitCode.SYS_OUT_OF_GAS, value: undefined };
    }

    if (tracing) {
      if (result !== undefined && error === undefined) {
        this.trace({ type: 'call_return', exitCode: result.exitCode, data: traced(result.value) });
      } else if (error instanceof OutOfGasError) {
        this.trace({ type: 'call_return', exitCode: ExitCode.SYS_OUT_OF_GAS, data: undefined });
      } else if (error instanceof SyscallError) {
        this.trace({ type: 'call_error', errno: error.errno, message: error.message });
      } else {
        this.trace({ type: 'call_error', errno: ErrorNumber.Forbidden, message: 'fatal' });
      }
    }

    if (error !== undefined) throw error;
    return result!;
  }

  private sendUnchecked(
    from: bigint,
    to: Address,
    method: bigint,
    params: Block | undefined,
    value: bigint,
    readOnly: boolean,
  ): InvocationResult {
    let toId = this.resolveAddress(to);
    if (toId === undefined) {
      const autoCreate = (): void => {
        if (readOnly) {
          throw new SyscallError(ErrorNumber.ReadOnly, `cannot auto-create account ${to.toString()} in read-only calls`);
        }
      };
      if (to.protocol === Protocol.BLS || to.protocol === Protocol.Secp256k1) {
        autoCreate();
        toId = this.createAccountActorFromSend(to);
      } else if (to.protocol === Protocol.Delegated && to.delegated().namespace === EAM_ACTOR_ID) {
        autoCreate();
        toId = this.createPlaceholderActorFromSend(to);
      } else {
        throw new SyscallError(ErrorNumber.NotFound, `actor does not exist or cannot be created: ${to.toString()}`);
      }
    }
    return this.sendResolved(from, toId, method, params, value, readOnly);
  }

  private createActorFromSend(addr: Address, actor: ActorState): bigint {
    this.charge(this.priceList.onCreateActor(true));
    const id = this.machine.stateTree.registerNewAddress(addr);
    this.accessTracker.recordAddressLookup(addr);
    this.setActor(id, actor);
    return id;
  }

  private createAccountActorFromSend(addr: Address): bigint {
    if (addr.isBlsZeroAddress()) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'cannot create the bls zero address actor');
    }
    const id = this.createActorFromSend(addr, newEmptyActor(this.machine.manifest.account, null));
    // The account constructor takes the key address; its outcome is not checked.
    const params = new Block(BigInt(CBOR), encodeCbor(addr.toBytes()));
    this.sendResolved(SYSTEM_ACTOR_ID, id, METHOD_CONSTRUCTOR, params, 0n, false, true);
    return id;
  }

  private createPlaceholderActorFromSend(addr: Address): bigint {
    return this.createActorFromSend(addr, newEmptyActor(this.machine.manifest.placeholder, addr));
  }

  private sendResolved(
    from: bigint,
    to: bigint,
    method: bigint,
    params: Block | undefined,
    value: bigint,
    readOnly: boolean,
    /** The constructor call of an account created by a send (4.x: neither traced nor in backtraces). */
    implicitConstructor = false,
  ): InvocationResult {
    const v4 = this.isV4;
    const state = this.getActor(to);
    if (state === undefined) throw new SyscallError(ErrorNumber.NotFound, `actor does not exist: ${to}`);
    if (this.machine.context.tracing && !(v4 && implicitConstructor)) {
      this.trace(v4 ? { type: 'invoke_actor', code: state.code, id: to, state } : { type: 'invoke_actor', code: state.code });
    }

    if (value !== 0n) {
      this.charge(this.priceList.onValueTransfer());
      this.transfer(from, to, value);
    }
    if (method === METHOD_SEND) return { exitCode: ExitCode.OK, value: undefined };

    this.charge(this.priceList.onMethodInvocation(params?.size ?? 0, params?.links.length ?? 0));
    const registry = v4 ? new ReachableBlockRegistry() : new BlockRegistry();
    const paramsId = params === undefined ? NO_DATA_BLOCK_ID : registry.put(params);
    this.invocations++;
    const module = this.prepareUserCode(state.code);

    const kernel =
      registry instanceof ReachableBlockRegistry
        ? new KernelV4(this, registry, from, to, method, value, readOnly)
        : new Kernel(this, registry, from, to, method, value, readOnly);
    const data = new InvocationData(kernel, new SyscallGasHost(this.gasTracker));
    const outcome = this.invoke(state.code, data, paramsId, module);

    let result: InvocationResult;
    let failure: unknown;
    if (outcome instanceof Abort) {
      let code: number;
      let message: string;
      if (outcome.kind === 'exit') {
        code = outcome.exitCode;
        message = outcome.message;
        if (outcome.blockId === NO_DATA_BLOCK_ID) {
          result = { exitCode: code, value: undefined };
        } else {
          let blk: Block | undefined;
          try {
            blk = registry.get(outcome.blockId);
          } catch {
            blk = undefined;
          }
          if (blk === undefined) {
            code = ExitCode.SYS_MISSING_RETURN;
            message = 'error getting exit data block';
            failure = new FatalError(`block handle ${outcome.blockId} does not exist, or is illegal`);
          }
          result = { exitCode: code, value: blk };
        }
      } else if (outcome.kind === 'out_of_gas') {
        code = ExitCode.SYS_OUT_OF_GAS;
        message = 'out of gas';
        failure = new OutOfGasError('wasm execution', 0n, this.gasTracker.availableMilligas);
        result = { exitCode: code, value: undefined };
      } else {
        code = ExitCode.SYS_ASSERTION_FAILED;
        message = 'fatal error';
        failure = new FatalError(outcome.message, { cause: outcome.cause });
        result = { exitCode: code, value: undefined };
      }
      if (code !== ExitCode.OK && !(v4 && implicitConstructor)) {
        if (data.lastError !== undefined) this.backtrace.begin(data.lastError);
        this.backtrace.pushFrame({ source: to, method, message, code });
      }
    } else {
      result = { exitCode: ExitCode.OK, value: outcome };
    }

    // The return value of the top-level call goes on chain and is charged (with this call's limit).
    if (failure === undefined && result.value !== undefined) {
      const charge = this.priceList.onMethodReturn(this.callStackDepth, result.value.size, result.value.links.length);
      if (charge !== undefined) {
        try {
          this.charge(charge);
        } catch (err) {
          failure = err;
        }
      }
    }
    if (failure !== undefined) throw failure;
    return result;
  }

  /**
   * User (non-builtin) actor code, compiled before the invocation starts, as the reference does
   * from 3.x on when it runs user actors (its `m2-native` path): code with no block in the store,
   * or whose block is not a module the engine accepts, makes the send fail with NotFound for the
   * caller instead of aborting the machine. Builtin code is left to `invoke`, where a missing
   * block stays fatal (the reference loads the whole manifest before any message). Undefined
   * for builtin code and for load failures `invoke` classifies itself (limits, links, host faults).
   */
  private prepareUserCode(code: CID): CompiledModule | undefined {
    if (this.machine.manifest.idByCode(code) !== 0) return undefined;
    try {
      return this.machine.engine.loadFromBlockstore(code, this.machine.blockstore);
    } catch (err) {
      if (err instanceof EngineError && (err.kind === 'missing_code' || err.kind === 'invalid_wasm')) {
        throw new SyscallError(ErrorNumber.NotFound, `actor code cid does not exist ${code.toString()}: ${err.reason}`);
      }
      if (err instanceof EngineError) return undefined;
      throw err;
    }
  }

  /**
   * Instantiates the actor's code (`preloaded`, when prepareUserCode compiled it) and calls
   * `invoke(paramsId)`. Returns the returned block (undefined for none) or the Abort that ended
   * the invocation. Host faults are thrown.
   */
  private invoke(code: CID, data: InvocationData, paramsId: number, preloaded: CompiledModule | undefined): Block | undefined | Abort {
    const registry = data.kernel.blocks;
    const engine = this.machine.engine;
    try {
      let module = preloaded;
      try {
        module ??= engine.loadFromBlockstore(code, this.machine.blockstore);
      } catch (err) {
        if (err instanceof EngineError) {
          const what = err.kind === 'missing_code' ? 'actor not found' : 'failed to load actor code';
          return Abort.fatal(`${what}: ${err.message}`, err);
        }
        throw err;
      }
      // The import table and its signatures (a mistyped import is a fatal link error).
      let imports: WebAssembly.Imports;
      let signatures;
      if (data.kernel instanceof KernelV4) {
        imports = bindSyscalls(SYSCALLS_V4, data as InvocationData<KernelV4>);
        signatures = syscallSignatures(SYSCALLS_V4);
      } else {
        const table = this.syscalls();
        imports = bindSyscalls(table, data);
        signatures = syscallSignatures(table);
      }
      // A syscall abort (exit, out of gas, fatal) raised by a start function is an instantiation
      // failure for the reference (SYS_ILLEGAL_INSTRUCTION); host faults are not, and propagate.
      const inst = engine.instantiate(module, imports, this.limiter, data.gasHost, signatures, {
        isKernelAbort: (e) => e instanceof Abort || e instanceof OutOfGasError || e instanceof FatalError,
      });
      data.wasmMemory = inst.memory;
      data.readGasGlobal = () => inst.getGasAvailable();
      if (typeof inst.exports['invoke'] !== 'function') {
        // 4.x looks the entrypoint up by name and refuses the receiver when it is missing.
        if (this.isV4) return Abort.exit(ExitCode.SYS_INVALID_RECEIVER, `actor ${code.toString()} has no invoke entrypoint`);
        return Abort.fatal(`actor ${code.toString()} has no invoke export`);
      }
      return this.invokeOutcome(inst.call('invoke', [paramsId]), code, registry);
    } catch (err) {
      if (err instanceof HostStackExhaustedError) throw err;
      if (isStackExhaustion(err)) throw this.hostStackExhausted(err);
      if (err instanceof Abort) return err;
      if (err instanceof OutOfGasError) return Abort.outOfGas();
      if (err instanceof FatalError) return Abort.fatal(err.message, err);
      if (err instanceof EngineError) {
        if (err.kind === 'instantiation') return Abort.exit(ExitCode.SYS_ILLEGAL_INSTRUCTION, err.message);
        return Abort.fatal(err.message, err);
      }
      throw err;
    }
  }

  /** The import table of a 3.x kernel (4.x kernels get SYSCALLS_V4, see `invoke`). */
  private syscalls(): readonly SyscallDef[] {
    const generation = this.machine.context.profile.generation;
    if (generation === 'v3') return SYSCALLS_V3;
    throw new FatalError(`no syscall table for kernel generation ${generation}`);
  }

  // ---- actors -------------------------------------------------------------------------

  /** The f2 address the next actor created by this message gets. */
  nextActorAddress(): Address {
    const origin = encodeCbor(this.originAddress.toBytes());
    const buf = new Uint8Array(origin.length + 16);
    buf.set(origin);
    const view = new DataView(buf.buffer);
    view.setBigUint64(origin.length, this.nonce);
    view.setBigUint64(origin.length + 8, this.numActorsCreated);
    return Address.newActor(buf);
  }

  /** Creates (or, for a placeholder, replaces) actor `actorId` with `code`; init actor only. */
  createActor(code: CID, actorId: bigint, delegatedAddress: Address | undefined): void {
    const manifest = this.machine.manifest;
    if (manifest.isPlaceholderActor(code)) {
      throw new SyscallError(ErrorNumber.Forbidden, 'cannot explicitly construct a placeholder actor');
    }
    const existing = this.getActor(actorId);
    let actor: ActorState;
    if (existing !== undefined && manifest.isPlaceholderActor(existing.code)) {
      if (existing.delegatedAddress === null) {
        throw new FatalError(`placeholder ${actorId} doesn't have a delegated address`);
      }
      if (delegatedAddress === undefined || !existing.delegatedAddress.equals(delegatedAddress)) {
        throw new SyscallError(ErrorNumber.Forbidden, 'placeholder has a different delegated address');
      }
      actor = { ...existing, code };
    } else if (existing !== undefined) {
      throw new SyscallError(ErrorNumber.Forbidden, 'Actor address already exists');
    } else {
      this.charge(this.priceList.onCreateActor(false));
      actor = newEmptyActor(code, delegatedAddress ?? null);
    }
    this.setActor(actorId, actor);
    this.numActorsCreated++;
  }

  /** Resolves to an actor ID, charging a lookup once per address. */
  resolveAddress(address: Address): bigint | undefined {
    if (address.isId()) return address.id();
    if (!this.accessTracker.isAddressLookedUp(address)) this.charge(this.priceList.onResolveAddress());
    const id = this.machine.stateTree.lookupId(address);
    if (id !== undefined) this.accessTracker.recordAddressLookup(address);
    return id;
  }

  getActor(id: bigint): ActorState | undefined {
    const access = this.accessTracker.actorAccess(id) ?? 0;
    if (access < ActorAccess.Read) this.charge(this.priceList.onActorLookup());
    const actor = this.machine.stateTree.getActor(id);
    this.accessTracker.recordActorRead(id);
    return actor;
  }

  setActor(id: bigint, actor: ActorState): void {
    this.chargeForUpdate(id);
    this.machine.stateTree.setActor(id, actor);
    this.accessTracker.recordActorUpdate(id);
  }

  deleteActor(id: bigint): void {
    this.chargeForUpdate(id);
    this.machine.stateTree.deleteActor(id);
    this.accessTracker.recordActorUpdate(id);
  }

  private chargeForUpdate(id: bigint): void {
    const access = this.accessTracker.actorAccess(id) ?? 0;
    if (access < ActorAccess.Read) this.charge(this.priceList.onActorLookup());
    if (access < ActorAccess.Updated) this.charge(this.priceList.onActorUpdate());
  }

  transfer(from: bigint, to: bigint, value: bigint): void {
    if (value < 0n) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `attempted to transfer negative transfer value ${value}`);
    }
    const fromActor = this.getActor(from);
    if (fromActor === undefined) {
      throw new SyscallError(ErrorNumber.InsufficientFunds, `insufficient funds to transfer ${value} from ${from} to ${to}`);
    }
    if (fromActor.balance < value) {
      throw new SyscallError(
        ErrorNumber.InsufficientFunds,
        `sender does not have funds to transfer (balance ${fromActor.balance}, transfer ${value})`,
      );
    }
    if (from === to) return;
    const toActor = this.getActor(to);
    if (toActor === undefined) {
      throw new SyscallError(ErrorNumber.NotFound, `transfer recipient ${to} does not exist in state-tree`);
    }
    this.setActor(from, { ...fromActor, balance: fromActor.balance - value });
    this.setActor(to, { ...toActor, balance: toActor.balance + value });
  }

  appendEvent(evt: StampedEvent): void {
    this.events.append(evt);
  }

  /** Ends the message: gas used, events and their root, the backtrace and the trace. */
  finish(): FinishRet {
    const gasUsed = this.gasTracker.gasUsed();
    if (this.machine.context.tracing) this.traceGasCharges();
    const { events, root } = this.events.finish();
    return { gasUsed, backtrace: this.backtrace, execTrace: this.execTrace, events, eventsRoot: root };
  }
}

