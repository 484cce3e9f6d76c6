// The syscall ABI of ref-fvm 2.x (nv17): every import {module, name} a builtin-actors v9 module
// may link, with the argument order, checks and results of the reference (docs/nv17.md §4.1).
// What differs from the 3.x table: vm.abort (no return block; any code below 16 is illegal),
// vm.context and network.base_fee instead of the message/network context records,
// actor.new_actor_address, a two-argument create_actor, crypto.verify_seal, a signed gas.charge
// and a six-argument send; addresses are protocols 0–3 only.
import { Address, PAYLOAD_HASH_LEN, Protocol } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import { FatalError, SyscallError } from '../kernel/errors.js';
import type { KernelV2 } from '../kernel/kernel-v2.js';
import { Abort } from './abort.js';
import { b, illegal, n } from './args.js';
import { readSealVerifyInfo, readSealVerifyInfos } from './proof-infos.js';
import { type SyscallContext, type SyscallDef, encI32, encTokenAmount, encU32, pack } from './bind.js';
import { commonSyscalls, defineSyscall, encSendResult } from './common.js';
import { type Memory, isInvalidUtf8 } from './memory.js';

type Ctx = SyscallContext<KernelV2>;

const FIRST_USER_EXIT_CODE = 16;
/** RegisteredSealProof values fvm_shared 2.x knows (V1 and V1_1, 2 KiB to 64 GiB). */
const MAX_SEAL_PROOF_V2 = 9n;

const def = defineSyscall<KernelV2>;

/** fvm_shared 2.x has no f4 addresses: their bytes do not parse. */
function readAddress(memory: Memory, off: number, len: number): Address {
  const addr = memory.readAddress(off, len);
  if (addr.protocol === Protocol.Delegated) throw illegal(`invalid address protocol ${addr.protocol}`);
  return addr;
}

const common = commonSyscalls<KernelV2>(readAddress);

// ---- vm.abort ---------------------------------------------------------------------------------

/** Never returns: an exit with `code`, or SYS_ILLEGAL_EXIT_CODE for a system code (0 included). */
function abort(ctx: Ctx, code: number, off: number, len: number): never {
  if (ctx.kernel.callManager.machine.context.networkVersion >= 16 && code < FIRST_USER_EXIT_CODE) {
    throw Abort.exit(ExitCode.SYS_ILLEGAL_EXIT_CODE, `actor aborted with code ${code}`);
  }
  if (len === 0) throw Abort.exit(code, 'actor aborted');
  let bytes: Uint8Array;
  try {
    bytes = ctx.memory.slice(off, len);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    throw Abort.exit(code, `actor aborted with an invalid message: ${err.message}`);
  }
  let message: string;
  try {
    message = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (!isInvalidUtf8(err)) throw err;
    throw Abort.exit(code, 'actor aborted with an invalid message: error message was not utf8');
  }
  throw Abort.exit(code, message);
}

export const SYSCALLS_V2: readonly SyscallDef<KernelV2>[] = [
  // ---- vm ------------------------------------------------------------------------------
  def('vm', 'abort', ['u32', 'u32', 'u32'], 0, (ctx, a) => abort(ctx, n(a, 0), n(a, 1), n(a, 2))),
  def('vm', 'context', [], 52, (ctx) => {
    const c = ctx.kernel.invocationContext();
    return pack([
      ['bytes', encTokenAmount(c.valueReceived, 'value received')],
      ['u64', c.caller],
      ['u64', c.receiver],
      ['u64', c.methodNumber],
      ['i64', c.epoch],
      ['u32', c.networkVersion],
    ]);
  }),

  // ---- network ---------------------------------------------------------------------------
  def('network', 'base_fee', [], 16, (ctx) => encTokenAmount(ctx.kernel.baseFee(), 'base-fee')),
  common.totalFilCircSupply,

  // ---- ipld ------------------------------------------------------------------------------
  ...common.ipld,

  // ---- self ------------------------------------------------------------------------------
  ...common.self,

  // ---- actor -----------------------------------------------------------------------------
  common.resolveAddress,
  common.getActorCodeCid,
  def('actor', 'new_actor_address', ['u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 0), n(a, 1));
    if (n(a, 1) < PAYLOAD_HASH_LEN + 1) {
      throw new SyscallError(ErrorNumber.BufferTooSmall, 'output buffer must have a minimum capacity of 21 bytes');
    }
    const bytes = ctx.kernel.newActorAddress().toBytes();
    if (bytes.length > n(a, 1)) throw new FatalError(`created ${bytes.length} byte actor address`);
    ctx.memory.write(n(a, 0), bytes);
    return encU32(bytes.length);
  }),
  def('actor', 'create_actor', ['u64', 'u32'], 0, (ctx, a) => {
    const code = ctx.memory.readCid(n(a, 1));
    ctx.kernel.createActor(code, b(a, 0));
  }),
  common.getBuiltinActorType,
  common.getCodeCidForType,

  // ---- crypto ----------------------------------------------------------------------------
  common.verifySignature,
  common.recoverSecpPublicKey,
  common.hash,
  def('crypto', 'verify_seal', ['u32', 'u32'], 4, (ctx, a) => {
    const info = ctx.memory.readStruct(n(a, 0), n(a, 1), 'seal verify info', (r) => readSealVerifyInfo(r, 'SealVerifyInfo'));
    return encI32(ctx.kernel.verifySeal(info) ? 0 : -1);
  }),
  common.verifyPost,
  common.computeUnsealedSectorCid(MAX_SEAL_PROOF_V2),
  common.verifyConsensusFault,
  common.verifyAggregateSeals,
  common.verifyReplicaUpdate,
  // Every seal is fully decoded before any is verified.
  def('crypto', 'batch_verify_seals', ['u32', 'u32', 'u32'], 0, (ctx, a) => {
    const batch = ctx.memory.readStruct(n(a, 0), n(a, 1), 'seal verify infos', readSealVerifyInfos);
    ctx.memory.checkBounds(n(a, 2), batch.length);
    const results = ctx.kernel.batchVerifySeals(batch);
    if (results.length !== batch.length) {
      throw new FatalError(`expected one result per input: ${batch.length} != ${results.length}`);
    }
    ctx.memory.write(n(a, 2), Uint8Array.from(results, (ok) => (ok ? 1 : 0)));
  }),

  // ---- rand ------------------------------------------------------------------------------
  common.chainRandomness,
  common.beaconRandomness,

  // ---- gas -------------------------------------------------------------------------------
  common.gasCharge('i64'),

  // ---- send ------------------------------------------------------------------------------
  def('send', 'send', ['u32', 'u32', 'u64', 'u32', 'u64', 'u64'], 20, (ctx, a) => {
    const recipient = readAddress(ctx.memory, n(a, 0), n(a, 1));
    const value = (b(a, 4) << 64n) | b(a, 5);
    const r = ctx.kernel.send(recipient, b(a, 2), n(a, 3), value);
    return encSendResult(r);
  }),

  // ---- debug -----------------------------------------------------------------------------
  ...common.debug,
];
