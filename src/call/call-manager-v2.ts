// The call manager of one message at nv17 (ref-fvm 2.x DefaultCallManager). Differences from
// the 3.x CallManager (docs/nv17.md §3):
// - signed gas (a deletion refunds) and no per-send gas limits;
// - no transaction per send: only the top-level message and the send syscall are
//   transactional (see `withTransaction`);
// - the depth check lets one more level through (checked before the counter is raised);
// - every send pays one OnMethodInvocation after the receiver is found, before the transfer,
//   including method 0; state access is free;
// - an unknown f1/f3 receiver becomes an account (charged before the BLS-zero check), whose
//   constructor outcome is ignored; anything else unknown is NotFound (no placeholders);
// - an actor that aborts returns no data; a missing return block is SYS_MISSING_RETURN;
// - any failure to instantiate actor code is fatal; there is no memory limiter.
import type { CID } from 'multiformats/cid';
import { Address, AddressError, Protocol } from '../primitives/address.js';
import { newEmptyActor } from '../primitives/actor.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import { METHOD_CONSTRUCTOR, METHOD_SEND } from '../primitives/message.js';
import { CborError, encodeCbor } from '../ipld/cbor.js';
import { MissingBlockError } from '../ipld/blockstore.js';
import { HamtError } from '../ipld/hamt-node.js';
import { FieldError } from '../primitives/fields.js';
import { StateTreeError } from '../state/state-tree.js';
import { gasRoundUp } from '../gas/gas.js';
import { GasTracker } from '../gas/tracker.js';
import { EngineError } from '../engine/engine.js';
import { MemoryLimiter } from '../engine/limits.js';
import { SYSTEM_ACTOR_ID } from '../state/init-state.js';
import type { Machine } from '../machine/machine.js';
import { Block, DAG_CBOR, NO_DATA_BLOCK_ID } from '../kernel/blocks.js';
import { FatalError, OutOfGasError, SyscallError } from '../kernel/errors.js';
import { BlockRegistryV2, KernelV2 } from '../kernel/kernel-v2.js';
import { Abort } from '../syscalls/abort.js';
import { InvocationData, bindSyscalls } from '../syscalls/bind.js';
import { SyscallGasHost } from '../syscalls/gas-host.js';
import { syscallSignatures } from '../syscalls/signatures.js';
import { SYSCALLS_V2 } from '../syscalls/v2.js';
import {
  CallManagerBase,
  type FinishRet,
  HostStackExhaustedError,
  type InvocationResult,
  isStackExhaustion,
  traced,
} from './call-manager-base.js';

/** Builtin actors of which only one instance may exist (create_actor refuses them). */
const SINGLETON_ACTORS = ['system', 'init', 'reward', 'cron', 'storagepower', 'storagemarket', 'verifiedregistry'];

export interface CallManagerV2Params {
  readonly machine: Machine;
  /** Whole gas units. */
  readonly gasLimit: bigint;
  /** The message's sender as written in the message (new_actor_address resolves it). */
  readonly origin: Address;
  readonly nonce: bigint;
}

export class CallManagerV2 extends CallManagerBase {
  readonly origin: Address;
  readonly nonce: bigint;
  /** ref-fvm 2 has no memory limiter: the budget is effectively unbounded. */
  private readonly limiter = new MemoryLimiter(Number.MAX_SAFE_INTEGER);
  private readonly singletons: ReadonlySet<string>;
  private numActorsCreated = 0n;

  constructor(p: CallManagerV2Params) {
    super(p.machine, new GasTracker(gasLimitMilligas(p.gasLimit), { trace: p.machine.context.tracing, signed: true }));
    this.origin = p.origin;
    this.nonce = p.nonce;
    const manifest = p.machine.manifest;
    this.singletons = new Set(
      SINGLETON_ACTORS.flatMap((name) => {
        const code = manifest.codeByName(name);
        return code === undefined ? [] : [code.toString()];
      }),
    );
  }

  isSingletonActor(code: CID): boolean {
    return this.singletons.has(code.toString());
  }

  /** The creation counter for new_actor_address, post-incremented. */
  nextActorIndex(): bigint {
    return this.numActorsCreated++;
  }

  /** Runs `f` in a state-tree transaction, reverted unless it returns success. */
  withTransaction(f: () => InvocationResult): InvocationResult {
    const stateTree = this.machine.stateTree;
    stateTree.beginTransaction();
    let revert = true;
    try {
      const result = f();
      revert = result.exitCode !== ExitCode.OK;
      return result;
    } finally {
      stateTree.endTransaction(revert);
    }
  }

  // ---- send ---------------------------------------------------------------------------

  /**
   * Calls `method` of `to` from `from`, transferring `value`. A failing actor is a result with
   * its exit code (and no data); a SyscallError means the call could not be made at all.
   */
  send(from: bigint, to: Address, method: bigint, params: Block | undefined, value: bigint): InvocationResult {
    const tracing = this.machine.context.tracing;
    if (tracing) {
      this.trace({
        type: 'call',
        from,
        to,
        method,
        params: traced(params),
        value,
        gasLimit: gasRoundUp(this.gasTracker.availableMilligas),
        readOnly: false,
      });
    }
    // The top-level call is not counted: max_call_depth + 1 levels may run (as nv15–nv17 did).
    if (this.callStackDepth > this.machine.context.maxCallDepth) {
      const err = new SyscallError(ErrorNumber.LimitExceeded, 'message execution exceeds call depth');
      if (tracing) this.trace({ type: 'call_error', errno: err.errno, message: err.message });
      throw err;
    }
    this.callStackDepth++;
    let result: InvocationResult;
    try {
      result = this.sendUnchecked(from, to, method, params, value);
    } catch (err) {
      if (tracing) {
        if (err instanceof SyscallError) this.trace({ type: 'call_error', errno: err.errno, message: err.message });
        else if (err instanceof OutOfGasError) this.trace({ type: 'call_error', errno: ErrorNumber.Forbidden, message: 'out of gas' });
        else this.trace({ type: 'call_error', errno: ErrorNumber.Forbidden, message: 'fatal' });
      }
      throw err;
    } finally {
      this.callStackDepth--;
    }
    if (tracing) this.trace({ type: 'call_return', exitCode: result.exitCode, data: traced(result.value) });
    return result;
  }

  private sendUnchecked(from: bigint, to: Address, method: bigint, params: Block | undefined, value: bigint): InvocationResult {
    let toId = this.machine.stateTree.lookupId(to);
    if (toId === undefined) {
      if (to.protocol !== Protocol.BLS && to.protocol !== Protocol.Secp256k1) {
        throw new SyscallError(ErrorNumber.NotFound, `actor does not exist: ${to.toString()}`);
      }
      toId = this.createAccountActor(to);
    }
    return this.sendResolved(from, toId, method, params, value);
  }

  private createAccountActor(addr: Address): bigint {
    this.charge(this.priceList.onCreateActor(true));
    if (addr.isBlsZeroAddress()) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'cannot create the bls zero address actor');
    }
    const stateTree = this.machine.stateTree;
    let id: bigint;
    try {
      id = stateTree.registerNewAddress(addr);
    } catch (err) {
      // Inconsistent init actor state is fatal for the message; a broken host propagates.
      if (!isStateError(err)) throw err;
      throw new FatalError(`failed to register new address ${addr.toString()}: ${err.message}`, { cause: err });
    }
    stateTree.setActor(id, newEmptyActor(this.machine.manifest.account, null));
    // The constructor takes the key address; its exit code is not looked at.
    const params = new Block(BigInt(DAG_CBOR), encodeCbor(addr.toBytes()));
    this.sendResolved(SYSTEM_ACTOR_ID, id, METHOD_CONSTRUCTOR, params, 0n);
    return id;
  }

  private sendResolved(from: bigint, to: bigint, method: bigint, params: Block | undefined, value: bigint): InvocationResult {
    const state = this.machine.stateTree.getActor(to);
    if (state === undefined) throw new SyscallError(ErrorNumber.NotFound, `actor does not exist: ${to}`);
    if (this.machine.context.tracing) this.trace({ type: 'invoke_actor', code: state.code });

    this.charge(this.priceList.onMethodInvocationWithValue(value, method));
    if (value !== 0n) this.transfer(from, to, value);
    if (method === METHOD_SEND) return { exitCode: ExitCode.OK, value: undefined };

    const registry = new BlockRegistryV2();
    const paramsId = params === undefined ? NO_DATA_BLOCK_ID : registry.put(params);
    this.invocations++;

    const kernel = new KernelV2(this, registry, from, to, method, value);
    const data = new InvocationData(kernel, new SyscallGasHost(this.gasTracker));
    const outcome = this.invoke(state.code, data, paramsId, registry);
    if (!(outcome instanceof Abort)) return { exitCode: ExitCode.OK, value: outcome };

    if (data.lastError !== undefined) this.backtrace.begin(data.lastError);
    if (outcome.kind === 'exit') {
      this.backtrace.pushFrame({ source: to, method, message: outcome.message, code: outcome.exitCode });
      return { exitCode: outcome.exitCode, value: undefined };
    }
    if (outcome.kind === 'out_of_gas') {
      this.backtrace.pushFrame({ source: to, method, message: 'out of gas', code: ExitCode.SYS_OUT_OF_GAS });
      throw new OutOfGasError('wasm execution', 0n, this.gasTracker.availableMilligas);
    }
    this.backtrace.pushFrame({ source: to, method, message: 'fatal error', code: ExitCode.SYS_ASSERTION_FAILED });
    throw new FatalError(outcome.message, { cause: outcome.cause });
  }

  /**
   * Instantiates the actor's code and calls `invoke(paramsId)`. Returns the returned block
   * (undefined for none) or the Abort that ended the invocation. Host faults are thrown.
   */
  private invoke(code: CID, data: InvocationData<KernelV2>, paramsId: number, registry: BlockRegistryV2): Block | undefined | Abort {
    const engine = this.machine.engine;
    let inst;
    try {
      const module = engine.loadFromBlockstore(code, this.machine.blockstore);
      inst = engine.instantiate(module, bindSyscalls(SYSCALLS_V2, data), this.limiter, data.gasHost, syscallSignatures(SYSCALLS_V2));
    } catch (err) {
      if (isStackExhaustion(err)) throw this.hostStackExhausted(err);
      // Loading, linking and instantiating are all fatal in ref-fvm 2.
      if (err instanceof EngineError || err instanceof Abort || err instanceof FatalError || err instanceof OutOfGasError) {
        const message = err instanceof Error ? err.message : String(err);
        return Abort.fatal(`failed to instantiate actor code ${code.toString()}: ${message}`, err);
      }
      throw err;
    }
    data.wasmMemory = inst.memory;
    data.readGasGlobal = () => inst.getGasAvailable();
    if (typeof inst.exports['invoke'] !== 'function') return Abort.fatal(`actor ${code.toString()} has no invoke export`);

    let out;
    try {
      out = inst.call('invoke', [paramsId]);
    } catch (err) {
      // The execution charge after the call ran out of gas (the usual end of an out-of-gas trap).
      if (err instanceof OutOfGasError) return Abort.outOfGas();
      if (err instanceof FatalError) return Abort.fatal(err.message, err);
      if (isStackExhaustion(err)) throw this.hostStackExhausted(err);
      throw err;
    }
    // A nested call that ran out of host stack is passed on as it is.
    if (!out.ok && out.error instanceof HostStackExhaustedError) throw out.error;
    return this.invokeOutcome(out, code, registry);
  }

  // ---- state --------------------------------------------------------------------------

  /** Moves `value` between actors (no charge at nv17). */
  transfer(from: bigint, to: bigint, value: bigint): void {
    if (value < 0n) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `attempted to transfer negative transfer value ${value}`);
    }
    const stateTree = this.machine.stateTree;
    const fromActor = stateTree.getActor(from);
    if (fromActor === undefined) {
      throw new SyscallError(ErrorNumber.InsufficientFunds, `cannot transfer from non-existent sender ${from}`);
    }
    if (fromActor.balance < value) {
      throw new SyscallError(
        ErrorNumber.InsufficientFunds,
        `sender does not have funds to transfer (balance ${fromActor.balance}, transfer ${value})`,
      );
    }
    if (from === to) return;
    const toActor = stateTree.getActor(to);
    if (toActor === undefined) {
      throw new SyscallError(ErrorNumber.NotFound, `cannot transfer to non-existent receiver ${to}`);
    }
    stateTree.setActor(from, { ...fromActor, balance: fromActor.balance - value });
    stateTree.setActor(to, { ...toActor, balance: toActor.balance + value });
  }

  /** Ends the message: gas used (never below zero), the backtrace and the trace. */
  finish(): FinishRet {
    const gasUsed = this.gasTracker.gasUsed();
    if (this.machine.context.tracing) this.traceGasCharges();
    return { gasUsed, backtrace: this.backtrace, execTrace: this.execTrace, events: [], eventsRoot: null };
  }
}

/** ref-fvm 2 scales the i64 gas limit to milligas, saturating at i64::MAX. */
function gasLimitMilligas(gasLimit: bigint): bigint {
  const I64_MAX = (1n << 63n) - 1n;
  if (gasLimit < 0n) throw new RangeError(`gas limit ${gasLimit} is negative`);
  const m = gasLimit * 1000n;
  return m > I64_MAX ? I64_MAX : m;
}

/** Errors that say the state read is not what it must be (as opposed to a bug or a failing host). */
function isStateError(err: unknown): err is Error {
  return (
    err instanceof StateTreeError ||
    err instanceof HamtError ||
    err instanceof MissingBlockError ||
    err instanceof CborError ||
    err instanceof FieldError ||
    err instanceof AddressError
  );
}
