// The nv17 (ref-fvm 2.x) middle part of applying a message: after preflight, before the fee
// split. What differs from 3.x (docs/nv17.md §2): the call runs in one top-level transaction
// together with the charge for the return value, which is made only on success; a failed call
// never returns data; receipts carry no events root; gas used is never below zero.
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import type { Message } from '../primitives/message.js';
import type { Receipt } from '../primitives/receipt.js';
import type { GasCharge } from '../gas/charge.js';
import { Block, DAG_CBOR } from '../kernel/blocks.js';
import { FatalError, OutOfGasError, SyscallError } from '../kernel/errors.js';
import { fatalCause, syscallCause } from '../call/backtrace.js';
import type { InvocationResult } from '../call/call-manager.js';
import { CallManagerV2 } from '../call/call-manager-v2.js';
import type { ExecutionEvent } from '../call/trace.js';
import type { Machine } from '../machine/machine.js';
import type { ApplyFailure } from './executor.js';

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

  let result: InvocationResult | undefined;
  let error: unknown;
  try {
    // Cannot run out: preflight checked the inclusion cost against the gas limit.
    if (inclusionCost !== undefined) cm.charge(inclusionCost);
    // Every message's parameters are a DAG-CBOR block at nv17.
    const params = msg.params.length === 0 ? undefined : new Block(BigInt(DAG_CBOR), msg.params);
    result = cm.withTransaction(() => {
      const ret = cm.send(senderId, msg.to, msg.method, params, msg.value);
      // The return value goes on chain: charged inside the transaction, on success only.
      if (ret.exitCode === ExitCode.OK) {
        const charge = cm.priceList.onMethodReturn(1, ret.value?.size ?? 0);
        if (charge !== undefined) cm.charge(charge);
      }
      return ret;
    });
  } catch (err) {
    if (!(err instanceof OutOfGasError || err instanceof SyscallError || err instanceof FatalError)) throw err;
    error = err;
  }
  const fin = cm.finish();
  const backtrace = fin.backtrace;
  const none = new Uint8Array(0);

  let receipt: Receipt;
  if (result !== undefined) {
    if (result.exitCode === ExitCode.OK) {
      backtrace.clear();
      receipt = { exitCode: ExitCode.OK, returnData: result.value?.data ?? none, gasUsed: fin.gasUsed, eventsRoot: null };
    } else {
      receipt = { exitCode: result.exitCode, returnData: none, gasUsed: fin.gasUsed, eventsRoot: null };
    }
  } else if (error instanceof OutOfGasError) {
    receipt = { exitCode: ExitCode.SYS_OUT_OF_GAS, returnData: none, gasUsed: fin.gasUsed, eventsRoot: null };
  } else if (error instanceof SyscallError) {
    // The message could not be dispatched at all.
    const exitCode =
      error.errno === ErrorNumber.InsufficientFunds
        ? ExitCode.SYS_INSUFFICIENT_FUNDS
        : error.errno === ErrorNumber.NotFound
          ? ExitCode.SYS_INVALID_RECEIVER
          : ExitCode.SYS_ASSERTION_FAILED;
    backtrace.begin(syscallCause('send', 'send', error.errno, error.message));
    receipt = { exitCode, returnData: none, gasUsed: fin.gasUsed, eventsRoot: null };
  } else {
    // Reference-fatal: the message fails deterministically and pays its whole gas limit.
    const err = error as FatalError;
    backtrace.setCause(
      fatalCause(
        new Error(
          `${err.message} [from=${msg.from.toString()}, to=${msg.to.toString()}, seq=${msg.sequence}, m=${msg.method}, h=${machine.context.epoch}]`,
        ),
      ),
    );
    receipt = { exitCode: ExitCode.SYS_ASSERTION_FAILED, returnData: none, gasUsed: msg.gasLimit, eventsRoot: null };
  }

  const failureInfo: ApplyFailure | undefined =
    backtrace.isEmpty() || receipt.exitCode === ExitCode.OK ? undefined : { kind: 'backtrace', backtrace };
  return { receipt, failureInfo, execTrace: fin.execTrace };
}
