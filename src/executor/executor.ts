// Applies one message to a machine (ref-fvm 3.x DefaultExecutor): preflight checks and
// inclusion gas, the call itself, the receipt, and the fee split (burn, tip, refund).
import type { CID } from 'multiformats/cid';
import { Protocol } from '../primitives/address.js';
import { ExitCode } from '../primitives/exitcode.js';
import { type Message, METHOD_SEND, checkMessage } from '../primitives/message.js';
import type { Receipt } from '../primitives/receipt.js';
import { gasRoundUp } from '../gas/gas.js';
import type { GasCharge } from '../gas/charge.js';
import { computeGasOutputs } from '../gas/outputs.js';
import { BURNT_FUNDS_ACTOR_ID, EAM_ACTOR_ID, REWARD_ACTOR_ID } from '../state/init-state.js';
import { Block, CBOR, IPLD_RAW } from '../kernel/blocks.js';
import type { StampedEvent } from '../kernel/events.js';
import { CallManager, type InvocationResult } from '../call/call-manager.js';
import type { ExecutionEvent } from '../call/trace.js';
import type { Machine } from '../machine/machine.js';
import { executeMessageV2 } from './executor-v2.js';
import { type ApplyFailure, errorReceipt, failureInfoOf, settleCall } from './outcome.js';

export type ApplyKind = 'explicit' | 'implicit';

export type { ApplyFailure } from './outcome.js';

export interface ApplyRet {
  readonly receipt: Receipt;
  /** Charged to the block miner (fee cap below base fee, or a message that failed preflight). */
  readonly penalty: bigint;
  readonly minerTip: bigint;
  readonly baseFeeBurn: bigint;
  readonly overEstimationBurn: bigint;
  readonly refund: bigint;
  readonly gasRefund: bigint;
  readonly gasBurned: bigint;
  readonly failureInfo: ApplyFailure | undefined;
  readonly execTrace: ExecutionEvent[];
  readonly events: StampedEvent[];
  /** IPLD codec of the return data, when there is any (ref-fvm 4.x reports it). */
  readonly returnCodec?: bigint;
}

/** Raised when the host (not the message) failed; the machine must be discarded. */
export class HostFaultError extends Error {
  override readonly name = 'HostFaultError';
}

export function describeFailure(f: ApplyFailure | undefined): string {
  if (f === undefined) return '';
  return f.kind === 'prevalidation'
    ? `pre-validation failed: ${f.message}`
    : `message failed with backtrace:\n${f.backtrace.toString()}`;
}

/** `{ returnCodec }` when the call returned a block, else nothing. */
function returnCodecOf(result: InvocationResult | undefined): { returnCodec?: bigint } {
  const value = result?.value;
  return value === undefined ? {} : { returnCodec: value.codec };
}

/** An ApplyRet that moves no funds: implicit messages, and messages refused before they ran. */
function unpaidApplyRet(
  receipt: Receipt,
  failureInfo: ApplyFailure | undefined,
  execTrace: ExecutionEvent[],
  events: StampedEvent[],
  penalty = 0n,
): ApplyRet {
  return {
    receipt,
    penalty,
    minerTip: 0n,
    baseFeeBurn: 0n,
    overEstimationBurn: 0n,
    refund: 0n,
    gasRefund: 0n,
    gasBurned: 0n,
    failureInfo,
    execTrace,
    events,
  };
}

function prevalidationFail(exitCode: number, message: string, penalty: bigint): ApplyRet {
  const receipt = { exitCode, returnData: new Uint8Array(0), gasUsed: 0n, eventsRoot: null };
  return unpaidApplyRet(receipt, { kind: 'prevalidation', message }, [], [], penalty);
}

interface Preflight {
  readonly senderId: bigint;
  /** fee cap × gas limit, withdrawn from the sender up front. */
  readonly gasCost: bigint;
  readonly inclusionCost: GasCharge | undefined;
}

export class Executor {
  constructor(readonly machine: Machine) {}

  /**
   * Applies `msg`. `rawLength` is the size of the message as included on chain (signed
   * encoding for secp messages); it prices inclusion. Throws HostFaultError (and poisons the
   * machine) only when the host failed; every message outcome is an ApplyRet.
   */
  applyMessage(msg: Message, kind: ApplyKind, rawLength: number): ApplyRet {
    this.machine.checkUsable();
    // An unusable message (no gas limit, limit above i64) is the caller's error, not a receipt.
    checkMessage(msg);
    try {
      return this.apply(msg, kind, rawLength);
    } catch (err) {
      const cause = err instanceof Error ? err : new Error(String(err));
      this.machine.poison(cause);
      throw new HostFaultError(
        `host fault applying message [from=${msg.from.toString()}, to=${msg.to.toString()}, seq=${msg.sequence}, m=${msg.method}, h=${this.machine.context.epoch}]: ${cause.message}`,
        { cause },
      );
    }
  }

  /** Writes the state to the base store and returns the new state root. */
  flush(): CID {
    return this.machine.flush();
  }

  private apply(msg: Message, kind: ApplyKind, rawLength: number): ApplyRet {
    const pre = this.preflight(msg, kind, rawLength);
    if ('receipt' in pre) return pre;
    const machine = this.machine;
    const ctx = machine.context;

    if (ctx.profile.generation === 'v2') {
      // nv17 runs ref-fvm 2.x call semantics; preflight and the fee split are the same.
      const run = executeMessageV2(machine, msg, pre.senderId, pre.inclusionCost);
      if (kind === 'explicit') {
        return this.finishMessage(pre.senderId, msg, run.receipt, run.failureInfo, pre.gasCost, run.execTrace, []);
      }
      return unpaidApplyRet(run.receipt, run.failureInfo, run.execTrace, []);
    }

    const receiverId = machine.stateTree.lookupId(msg.to);
    // The premium actually paid: capped so that base fee + premium <= fee cap, never negative.
    let effectivePremium = msg.gasPremium;
    const capRoom = msg.gasFeeCap - ctx.baseFee;
    if (capRoom < effectivePremium) effectivePremium = capRoom;
    if (effectivePremium < 0n) effectivePremium = 0n;

    const cm = new CallManager({
      machine,
      gasLimit: msg.gasLimit,
      origin: pre.senderId,
      originAddress: msg.from,
      receiver: receiverId,
      receiverAddress: msg.to,
      nonce: msg.sequence,
      gasPremium: effectivePremium,
    });
    if (pre.inclusionCost !== undefined) cm.charge(pre.inclusionCost);

    // Method 0 parameters are opaque bytes; anything else is CBOR (not DAG-CBOR: links sent
    // from outside the chain are not reachable).
    const params =
      msg.params.length === 0 ? undefined : new Block(BigInt(msg.method === METHOD_SEND ? IPLD_RAW : CBOR), msg.params);

    const { result, error } = settleCall(() =>
      cm.send(pre.senderId, msg.to, msg.method, params, msg.value, undefined, false),
    );
    const fin = cm.finish();
    const backtrace = fin.backtrace;

    let receipt: Receipt;
    if (error !== undefined) {
      receipt = errorReceipt(error, backtrace, msg, ctx.epoch, fin.gasUsed, fin.eventsRoot);
    } else {
      if (result.exitCode === ExitCode.OK) backtrace.clear();
      // A failed call may return data from 3.x on.
      receipt = {
        exitCode: result.exitCode,
        returnData: result.value?.data ?? new Uint8Array(0),
        gasUsed: fin.gasUsed,
        eventsRoot: fin.eventsRoot,
      };
    }
    const failureInfo = failureInfoOf(backtrace, receipt);

    if (kind === 'implicit') {
      return { ...unpaidApplyRet(receipt, failureInfo, fin.execTrace, fin.events), ...returnCodecOf(result) };
    }
    return {
      ...this.finishMessage(pre.senderId, msg, receipt, failureInfo, pre.gasCost, fin.execTrace, fin.events),
      ...returnCodecOf(result),
    };
  }

  private preflight(msg: Message, kind: ApplyKind, rawLength: number): Preflight | ApplyRet {
    const ctx = this.machine.context;
    const stateTree = this.machine.stateTree;

    let inclusionCost: GasCharge | undefined;
    let minerPenalty = 0n;
    if (kind === 'explicit') {
      inclusionCost = ctx.priceList.onChainMessage(rawLength);
      const inclusionTotal = gasRoundUp(inclusionCost.total());
      if (inclusionTotal > msg.gasLimit) {
        return prevalidationFail(
          ExitCode.SYS_OUT_OF_GAS,
          `Out of gas (${inclusionTotal} > ${msg.gasLimit})`,
          ctx.baseFee * inclusionTotal,
        );
      }
      minerPenalty = ctx.baseFee * msg.gasLimit;
    }

    const senderId = stateTree.lookupId(msg.from);
    if (senderId === undefined) return prevalidationFail(ExitCode.SYS_SENDER_INVALID, 'Sender invalid', minerPenalty);
    if (kind === 'implicit') return { senderId, gasCost: 0n, inclusionCost: undefined };

    const sender = stateTree.getActor(senderId);
    if (sender === undefined) return prevalidationFail(ExitCode.SYS_SENDER_INVALID, 'Sender invalid', minerPenalty);

    const manifest = this.machine.manifest;
    let code = sender.code;
    let valid = manifest.isAccountActor(code) || manifest.isEthAccountActor(code);
    // A placeholder with an f410 address becomes an Ethereum account on its first message.
    const delegated = sender.delegatedAddress;
    if (
      manifest.isPlaceholderActor(code) &&
      sender.sequence === 0n &&
      delegated !== null &&
      delegated.protocol === Protocol.Delegated &&
      delegated.delegated().namespace === EAM_ACTOR_ID
    ) {
      valid = true;
      code = manifest.ethaccount;
    }
    if (!valid) return prevalidationFail(ExitCode.SYS_SENDER_INVALID, 'Send not from valid sender', minerPenalty);

    if (msg.sequence !== sender.sequence) {
      return prevalidationFail(
        ExitCode.SYS_SENDER_STATE_INVALID,
        `Actor sequence invalid: ${msg.sequence} != ${sender.sequence}`,
        minerPenalty,
      );
    }

    const gasCost = msg.gasFeeCap * msg.gasLimit;
    if (sender.balance < gasCost) {
      return prevalidationFail(
        ExitCode.SYS_SENDER_STATE_INVALID,
        `Actor balance less than needed: ${sender.balance} < ${gasCost}`,
        minerPenalty,
      );
    }
    stateTree.setActor(senderId, { ...sender, code, sequence: sender.sequence + 1n, balance: sender.balance - gasCost });
    return { senderId, gasCost, inclusionCost };
  }

  private finishMessage(
    senderId: bigint,
    msg: Message,
    receipt: Receipt,
    failureInfo: ApplyFailure | undefined,
    gasCost: bigint,
    execTrace: ExecutionEvent[],
    events: StampedEvent[],
  ): ApplyRet {
    const out = computeGasOutputs(receipt.gasUsed, msg.gasLimit, this.machine.context.baseFee, msg.gasFeeCap, msg.gasPremium);
    const deposit = (id: bigint, amount: bigint): void => {
      if (amount < 0n) throw new Error(`attempted to transfer negative value ${amount} into actor ${id}`);
      if (amount === 0n) return;
      this.machine.stateTree.mutateActor(id, (a) => {
        a.balance += amount;
      });
    };
    deposit(BURNT_FUNDS_ACTOR_ID, out.baseFeeBurn);
    deposit(REWARD_ACTOR_ID, out.minerTip);
    deposit(BURNT_FUNDS_ACTOR_ID, out.overEstimationBurn);
    deposit(senderId, out.refund);
    if (out.baseFeeBurn + out.overEstimationBurn + out.refund + out.minerTip !== gasCost) {
      throw new Error('gas handling math is wrong');
    }
    return {
      receipt,
      penalty: out.minerPenalty,
      minerTip: out.minerTip,
      baseFeeBurn: out.baseFeeBurn,
      overEstimationBurn: out.overEstimationBurn,
      refund: out.refund,
      gasRefund: out.gasRefund,
      gasBurned: out.gasBurned,
      failureInfo,
      execTrace,
      events,
    };
  }
}
