// The nv17 (ref-fvm 2.x) middle part of applying a message: after preflight, before the fee
// split. What differs from 3.x (docs/nv17.md §2): the call runs in one top-level transaction
// together with the charge for the return value, which is made only on success; a failed call
// never returns data; receipts carry no events root; gas used is never below zero.
import { ExitCode } from '../primitives/exitcode.js';
import type { Message } from '../primitives/message.js';
import type { Receipt } from '../primitives/receipt.js';
import type { GasCharge } from '../gas/charge.js';
import { Block, DAG_CBOR } from '../kernel/blocks.js';
import { CallManagerV2 } from '../call/call-manager-v2.js';
import type { ExecutionEvent } from '../call/trace.js';
import type { Machine } from '../machine/machine.js';
import { type ApplyFailure, errorReceipt, failureInfoOf, settleCall } from './outcome.js';

export interface MessageRunV2 {
  readonly receipt: Receipt;
  readonly failureInfo: ApplyFailure | undefined;
  readonly execTrace: ExecutionEvent[];
}

/**
 * Runs `msg` (already preflighted: nonce bumped, gas funds withdrawn) from `senderId` and builds
 * its receipt. `inclusionCost` is charged first (undefined for implicit messages). Errors other
 * than the kernel's own classes are host faults and propagate.
 */
export function executeMessageV2(
  machine: Machine,
  msg: Message,
  senderId: bigint,
  inclusionCost: GasCharge | undefined,
): MessageRunV2 {
  const cm = new CallManagerV2({ machine, gasLimit: msg.gasLimit, origin: msg.from, nonce: msg.sequence });

  const { result, error } = settleCall(() => {
    // Cannot run out: preflight checked the inclusion cost against the gas limit.
    if (inclusionCost !== undefined) cm.charge(inclusionCost);
    // Every message's parameters are a DAG-CBOR block at nv17.
    const params = msg.params.length === 0 ? undefined : new Block(BigInt(DAG_CBOR), msg.params);
    return cm.withTransaction(() => {
      const ret = cm.send(senderId, msg.to, msg.method, params, msg.value);
      // The return value goes on chain: charged inside the transaction, on success only.
      if (ret.exitCode === ExitCode.OK) {
        const charge = cm.priceList.onMethodReturn(1, ret.value?.size ?? 0);
        if (charge !== undefined) cm.charge(charge);
      }
      return ret;
    });
  });
  const fin = cm.finish();
  const backtrace = fin.backtrace;

  let receipt: Receipt;
  if (error !== undefined) {
    receipt = errorReceipt(error, backtrace, msg, machine.context.epoch, fin.gasUsed, null);
  } else if (result.exitCode === ExitCode.OK) {
    backtrace.clear();
    receipt = { exitCode: ExitCode.OK, returnData: result.value?.data ?? new Uint8Array(0), gasUsed: fin.gasUsed, eventsRoot: null };
  } else {
    // 2.x has no return data for a failed call.
    receipt = { exitCode: result.exitCode, returnData: new Uint8Array(0), gasUsed: fin.gasUsed, eventsRoot: null };
  }
  const failureInfo = failureInfoOf(backtrace, receipt);
  return { receipt, failureInfo, execTrace: fin.execTrace };
}
