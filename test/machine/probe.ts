// Helpers to run probe programs (see harness.ts) and to nest them in sends.
import assert from 'node:assert/strict';
import { Address } from '../../src/primitives/address.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import type { ApplyRet } from '../../src/executor/executor.js';
import { describeFailure } from '../../src/executor/executor.js';
import type { CID } from 'multiformats/cid';
import { type RunOptions, type SdkSyscalls, type TestWorld, Program, apply, status } from './harness.js';

/** Bytes of probe memory returned by `runProbe` (statuses at 0, out-values from 1024). */
export const DUMP_LEN = 8192;
export const OUT = 1024;

export interface ProbeRun {
  readonly ret: ApplyRet;
  /** The probe's memory [0, DUMP_LEN) at the end of the program. */
  readonly out: Uint8Array;
  readonly root: CID;
  /** Status word of command i. */
  st(i: number): number;
}

export interface ProbeOptions extends RunOptions {
  readonly to?: Address;
  readonly value?: bigint;
  readonly gasLimit?: bigint;
  /** Expected exit code (default OK). */
  readonly exitCode?: number;
  /** Signatures the probe was built with (default: the 3.x ABI). */
  readonly syscalls?: SdkSyscalls;
}

/** Runs a probe program as the params of a message to the probe actor. */
export function runProbe(world: TestWorld, build: (p: Program) => void, opts: ProbeOptions = {}): ProbeRun {
  const p = new Program(opts.syscalls);
  build(p);
  const params = p.returnMemory(DUMP_LEN);
  const { ret, root } = apply(
    world,
    { to: opts.to ?? Address.newId(world.probe), params, value: opts.value, gasLimit: opts.gasLimit },
    opts,
  );
  const expected = opts.exitCode ?? ExitCode.OK;
  assert.equal(ret.receipt.exitCode, expected, `exit code ${ret.receipt.exitCode}: ${describeFailure(ret.failureInfo)}`);
  const out = ret.receipt.returnData;
  return { ret, out, root, st: (i: number) => status(out, i) };
}

/**
 * Appends to `outer` the commands that send `inner` (a complete probe program) to `target`
 * and copy the callee's returned dump to `copyTo` in the caller's memory. Returns the command
 * index of the send; its Send result is written at `sendOut` (20 bytes).
 */
export function nestedCall(
  outer: Program,
  target: Address,
  inner: Program,
  opts: { sendOut: number; copyTo: number; copyLen?: number; flags?: bigint; method?: bigint; valueLo?: bigint; gasLimit?: bigint; paramsId: number; returnId: number },
): number {
  const innerBytes = inner.returnMemory(opts.copyLen ?? 512);
  const progAt = outer.bytes(innerBytes);
  const addrAt = outer.bytes(target.toBytes());
  outer.call('ipld', 'block_create', opts.sendOut + 32, 0x51, progAt, innerBytes.length);
  const send = outer.call(
    'send', 'send', opts.sendOut, addrAt, target.toBytes().length, opts.method ?? 2n, opts.paramsId,
    0n, opts.valueLo ?? 0n, opts.gasLimit ?? 0xffff_ffff_ffff_ffffn, opts.flags ?? 0n,
  );
  outer.call('ipld', 'block_read', opts.sendOut + 40, opts.returnId, 0, opts.copyTo, opts.copyLen ?? 512);
  return send;
}
