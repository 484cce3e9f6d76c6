// The syscall ABI of ref-fvm 3.x (nv18–nv20): every import {module, name} an actor may link,
// with the argument order, checks and results of the reference. The imports 2.x marshals
// the same way come from common.ts.
import { ErrorNumber } from '../primitives/errnum.js';
import { PAYLOAD_HASH_LEN } from '../primitives/address.js';
import { isSystemExitCode } from '../primitives/exitcode.js';
import type { Kernel } from '../kernel/kernel.js';
import { FatalError, SyscallError } from '../kernel/errors.js';
import { Abort } from './abort.js';
import { b, illegal, n } from './args.js';
import { readSealVerifyInfos } from './proof-infos.js';
import { type SyscallContext, type SyscallDef, encTokenAmount, encU32, encU64, pack } from './bind.js';
import { commonSyscalls, defineSyscall, encSendResult } from './common.js';

/** Longest abort message kept in a backtrace (half from each end beyond it). */
const MAX_MESSAGE_LEN = 1024;
const SEND_FLAG_READ_ONLY = 1n;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** Highest RegisteredSealProof code of 3.x (the synthetic-PoRep V1_1 types). */
const MAX_SEAL_PROOF_V3 = 14n;

const def = defineSyscall<Kernel>;
const common = commonSyscalls<Kernel>((memory, off, len) => memory.readAddress(off, len));

function abortMessage(ctx: SyscallContext, off: number, len: number): string {
  if (len === 0) return 'actor aborted';
  let bytes: Uint8Array;
  try {
    bytes = ctx.memory.slice(off, len);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    return `failed to extract error message: ${err.message}`;
  }
  const text = (u: Uint8Array): string => new TextDecoder('utf-8', { fatal: false }).decode(u);
  if (bytes.length > MAX_MESSAGE_LEN) {
    const half = MAX_MESSAGE_LEN / 2;
    return `${text(bytes.subarray(0, half))} ... (skipped ${bytes.length - MAX_MESSAGE_LEN} bytes) ... ${text(bytes.subarray(bytes.length - half))}`;
  }
  return text(bytes);
}

export const SYSCALLS_V3: readonly SyscallDef[] = [
  // ---- vm ------------------------------------------------------------------------------
  def('vm', 'exit', ['u32', 'u32', 'u32', 'u32'], 0, (ctx, a) => {
    const code = n(a, 0);
    const blk = n(a, 1);
    if (code !== 0 && isSystemExitCode(code)) {
      throw Abort.exit(9, `actor aborted with code ${code}`, blk);
    }
    throw Abort.exit(code, abortMessage(ctx, n(a, 2), n(a, 3)), blk);
  }),
  def('vm', 'message_context', [], 80, (ctx) => {
    const m = ctx.kernel.messageContext();
    return pack([
      ['u64', m.origin],
      ['u64', m.nonce],
      ['u64', m.caller],
      ['u64', m.receiver],
      ['u64', m.methodNumber],
      ['bytes', encTokenAmount(m.valueReceived, 'value received')],
      ['bytes', encTokenAmount(m.gasPremium, 'gas premium')],
      ['u64', m.readOnly ? 1n : 0n],
    ]);
  }),

  // ---- network ---------------------------------------------------------------------------
  common.totalFilCircSupply,
  def('network', 'context', [], 44, (ctx) => {
    const c = ctx.kernel.networkContext();
    return pack([
      ['i64', c.epoch],
      ['u64', c.timestamp],
      ['bytes', encTokenAmount(c.baseFee, 'base fee')],
      ['u64', c.chainId],
      ['u32', c.networkVersion],
    ]);
  }),
  def('network', 'tipset_cid', ['i64', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 1), n(a, 2));
    const cid = ctx.kernel.tipsetCid(b(a, 0));
    return encU32(ctx.memory.writeCid(cid, n(a, 1), n(a, 2)));
  }),

  // ---- ipld ------------------------------------------------------------------------------
  ...common.ipld,

  // ---- self ------------------------------------------------------------------------------
  ...common.self,

  // ---- actor -----------------------------------------------------------------------------
  common.resolveAddress,
  def('actor', 'lookup_delegated_address', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
    const out = ctx.memory.slice(n(a, 1), n(a, 2));
    const addr = ctx.kernel.lookupDelegatedAddress(b(a, 0));
    if (addr === null) return encU32(0);
    const bytes = addr.toBytes();
    if (bytes.length > out.length) throw new SyscallError(ErrorNumber.BufferTooSmall, 'address output buffer is too small');
    out.set(bytes);
    return encU32(bytes.length);
  }),
  common.getActorCodeCid,
  def('actor', 'next_actor_address', ['u32', 'u32'], 4, (ctx, a) => {
    const out = ctx.memory.slice(n(a, 0), n(a, 1));
    if (n(a, 1) < PAYLOAD_HASH_LEN + 1) {
      throw new SyscallError(ErrorNumber.BufferTooSmall, 'output buffer must have a minimum capacity of 21 bytes');
    }
    const bytes = ctx.kernel.nextActorAddress().toBytes();
    if (bytes.length > out.length) throw new FatalError(`created ${bytes.length} byte actor address`);
    out.set(bytes);
    return encU32(bytes.length);
  }),
  def('actor', 'create_actor', ['u64', 'u32', 'u32', 'u32'], 0, (ctx, a) => {
    const code = ctx.memory.readCid(n(a, 1));
    const delegated = n(a, 3) > 0 ? ctx.memory.readAddress(n(a, 2), n(a, 3)) : undefined;
    ctx.kernel.createActor(code, b(a, 0), delegated);
  }),
  common.getBuiltinActorType,
  common.getCodeCidForType,
  def('actor', 'balance_of', ['u64'], 16, (ctx, a) => encTokenAmount(ctx.kernel.balanceOf(b(a, 0)), 'balance')),

  // ---- crypto ----------------------------------------------------------------------------
  common.verifySignature,
  common.recoverSecpPublicKey,
  common.hash,
  common.computeUnsealedSectorCid(MAX_SEAL_PROOF_V3),
  common.verifyPost,
  common.verifyConsensusFault,
  common.verifyAggregateSeals,
  common.verifyReplicaUpdate,
  // Every seal is fully decoded (as the reference's typed Vec<SealVerifyInfo>) before any is verified.
  def('crypto', 'batch_verify_seals', ['u32', 'u32', 'u32'], 0, (ctx, a) => {
    const batch = ctx.memory.readStruct(n(a, 0), n(a, 1), 'seal verify infos', readSealVerifyInfos);
    const out = ctx.memory.slice(n(a, 2), batch.length);
    const results = ctx.kernel.batchVerifySeals(batch);
    if (results.length !== batch.length) {
      throw new FatalError(`expected one result per input: ${batch.length} != ${results.length}`);
    }
    out.set(results.map((ok) => (ok ? 1 : 0)));
  }),

  // ---- event -----------------------------------------------------------------------------
  def('event', 'emit_event', ['u32', 'u32'], 0, (ctx, a) => {
    ctx.kernel.emitEvent(ctx.memory.slice(n(a, 0), n(a, 1)));
  }),

  // ---- rand ------------------------------------------------------------------------------
  common.chainRandomness,
  common.beaconRandomness,

  // ---- gas -------------------------------------------------------------------------------
  common.gasCharge('u64'),
  def('gas', 'available', [], 8, (ctx) => encU64(ctx.kernel.gasAvailable())),

  // ---- send ------------------------------------------------------------------------------
  def('send', 'send', ['u32', 'u32', 'u64', 'u32', 'u64', 'u64', 'u64', 'u64'], 20, (ctx, a) => {
    const recipient = ctx.memory.readAddress(n(a, 0), n(a, 1));
    const value = (b(a, 4) << 64n) | b(a, 5);
    const gasLimit = b(a, 6) < U64_MAX ? b(a, 6) : undefined;
    const flags = b(a, 7);
    if ((flags & ~SEND_FLAG_READ_ONLY) !== 0n) throw illegal(`invalid send flags: ${flags}`);
    const r = ctx.kernel.send(recipient, b(a, 2), n(a, 3), value, gasLimit, flags === SEND_FLAG_READ_ONLY);
    return encSendResult(r);
  }),

  // ---- debug -----------------------------------------------------------------------------
  ...common.debug,
];
