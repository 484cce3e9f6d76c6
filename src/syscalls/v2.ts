// The syscall ABI of ref-fvm 2.x (nv17): every import {module, name} a builtin-actors v9 module
// may link, with the argument order, checks and results of the reference (docs/nv17.md §4.1).
// What differs from the 3.x table: vm.abort (no return block; any code below 16 is illegal),
// vm.context and network.base_fee instead of the message/network context records,
// actor.new_actor_address, a two-argument create_actor, crypto.verify_seal, a signed gas.charge
// and a six-argument send; addresses are protocols 0–3 only.
import { CID } from 'multiformats/cid';
import { Address, PAYLOAD_HASH_LEN, Protocol } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { ExitCode } from '../primitives/exitcode.js';
import { FatalError, SyscallError } from '../kernel/errors.js';
import type { KernelV2 } from '../kernel/kernel-v2.js';
import { Abort } from './abort.js';
import { type ArgValue, type SyscallContext, type SyscallDef, encI32, encTokenAmount, encU32, encU64, pack } from './bind.js';
import type { Memory } from './memory.js';

type Ctx = SyscallContext<KernelV2>;

const RANDOMNESS_LENGTH = 32;
const SECP_SIG_LEN = 65;
const SECP_SIG_MESSAGE_HASH_SIZE = 32;
const FIRST_USER_EXIT_CODE = 16;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** RegisteredSealProof values fvm_shared 2.x knows (V1 and V1_1, 2 KiB to 64 GiB). */
const MAX_SEAL_PROOF_V2 = 9n;

const n = (a: readonly ArgValue[], i: number): number => a[i] as number;
const b = (a: readonly ArgValue[], i: number): bigint => a[i] as bigint;

function def(
  module: string,
  name: string,
  params: SyscallDef<KernelV2>['params'],
  resultSize: number,
  run: (ctx: Ctx, args: readonly ArgValue[]) => Uint8Array | void,
): SyscallDef<KernelV2> {
  return { module, name, params, resultSize, run };
}

function illegal(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, msg);
}

/** fvm_shared 2.x has no f4 addresses: their bytes do not parse. */
function readAddress(memory: Memory, off: number, len: number): Address {
  const addr = memory.readAddress(off, len);
  if (addr.protocol === Protocol.Delegated) throw illegal(`invalid address protocol ${addr.protocol}`);
  return addr;
}

// ---- decoding the CBOR structures actors pass (any mismatch is IllegalArgument) -------------

function tuple(value: unknown, len: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== len) throw illegal(`${what}: expected a tuple of ${len} fields`);
  return value;
}

function intField(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw illegal(`${what}: expected an integer`);
}

function u64Field(v: unknown, what: string): bigint {
  const x = intField(v, what);
  if (x < 0n || x > U64_MAX) throw illegal(`${what}: not a u64`);
  return x;
}

function i64Field(v: unknown, what: string): bigint {
  const x = intField(v, what);
  if (x !== BigInt.asIntN(64, x)) throw illegal(`${what}: not an i64`);
  return x;
}

function cidField(v: unknown, what: string): CID {
  const c = CID.asCID(v);
  if (c === null) throw illegal(`${what}: expected a CID`);
  return c;
}

function bytesField(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw illegal(`${what}: expected bytes`);
  return v;
}

function listField(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw illegal(`${what}: expected a list`);
  return v;
}

/** i64 proof codes beyond the safe-integer range are "invalid" proof types either way. */
function proofCode(v: bigint): number {
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : -1;
}

/** SealVerifyInfo: proof, [miner, number], deal ids, ticket, seed, proof bytes, CommR, CommD. */
function checkSealVerifyInfo(v: unknown, what: string): void {
  const f = tuple(v, 8, what);
  i64Field(f[0], `${what} proof type`);
  const id = tuple(f[1], 2, `${what} sector id`);
  u64Field(id[0], `${what} miner`);
  u64Field(id[1], `${what} sector number`);
  listField(f[2], `${what} deal ids`).forEach((d, i) => u64Field(d, `${what} deal id ${i}`));
  bytesField(f[3], `${what} randomness`);
  bytesField(f[4], `${what} interactive randomness`);
  bytesField(f[5], `${what} proof`);
  cidField(f[6], `${what} sealed cid`);
  cidField(f[7], `${what} unsealed cid`);
}

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
    throw Abort.exit(code, `actor aborted with an invalid message: ${(err as Error).message}`);
  }
  let message: string;
  try {
    message = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
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
  def('network', 'total_fil_circ_supply', [], 16, (ctx) =>
    encTokenAmount(ctx.kernel.totalFilCircSupply(), 'circulating supply'),
  ),

  // ---- ipld ------------------------------------------------------------------------------
  def('ipld', 'block_open', ['u32'], 16, (ctx, a) => {
    const cid = ctx.memory.readCid(n(a, 0));
    const { id, stat } = ctx.kernel.blockOpen(cid);
    return pack([
      ['u64', stat.codec],
      ['u32', id],
      ['u32', stat.size],
    ]);
  }),
  def('ipld', 'block_create', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
    const data = ctx.memory.slice(n(a, 1), n(a, 2));
    return encU32(ctx.kernel.blockCreate(b(a, 0), data));
  }),
  def('ipld', 'block_read', ['u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const out = ctx.memory.slice(n(a, 2), n(a, 3));
    return encI32(ctx.kernel.blockRead(n(a, 0), n(a, 1), out));
  }),
  def('ipld', 'block_stat', ['u32'], 12, (ctx, a) => {
    const stat = ctx.kernel.blockStat(n(a, 0));
    return pack([
      ['u64', stat.codec],
      ['u32', stat.size],
    ]);
  }),
  def('ipld', 'block_link', ['u32', 'u64', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const cid = ctx.kernel.blockLink(n(a, 0), b(a, 1), n(a, 2));
    return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
  }),

  // ---- self ------------------------------------------------------------------------------
  def('self', 'root', ['u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 0), n(a, 1));
    const root = ctx.kernel.root();
    return encU32(ctx.memory.writeCid(root, n(a, 0), n(a, 1)));
  }),
  def('self', 'set_root', ['u32'], 0, (ctx, a) => {
    ctx.kernel.setRoot(ctx.memory.readCid(n(a, 0)));
  }),
  def('self', 'current_balance', [], 16, (ctx) => encTokenAmount(ctx.kernel.currentBalance(), 'balance')),
  def('self', 'self_destruct', ['u32', 'u32'], 0, (ctx, a) => {
    ctx.kernel.selfDestruct(readAddress(ctx.memory, n(a, 0), n(a, 1)));
  }),

  // ---- actor -----------------------------------------------------------------------------
  def('actor', 'resolve_address', ['u32', 'u32'], 8, (ctx, a) => {
    const addr = readAddress(ctx.memory, n(a, 0), n(a, 1));
    return encU64(ctx.kernel.resolveAddress(addr));
  }),
  def('actor', 'get_actor_code_cid', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 1), n(a, 2));
    const code = ctx.kernel.getActorCodeCid(b(a, 0));
    return encU32(ctx.memory.writeCid(code, n(a, 1), n(a, 2)));
  }),
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
  def('actor', 'get_builtin_actor_type', ['u32'], 4, (ctx, a) => {
    const code = ctx.memory.readCid(n(a, 0));
    return encI32(ctx.kernel.getBuiltinActorType(code));
  }),
  def('actor', 'get_code_cid_for_type', ['i32', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 1), n(a, 2));
    // The type is reinterpreted as a u32 by the reference.
    const code = ctx.kernel.getCodeCidForType(n(a, 0) >>> 0);
    return encU32(ctx.memory.writeCid(code, n(a, 1), n(a, 2)));
  }),

  // ---- crypto ----------------------------------------------------------------------------
  def('crypto', 'verify_signature', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const sigType = n(a, 0);
    if (sigType !== 1 && sigType !== 2) throw illegal(`unknown signature type ${sigType}`);
    const sig = ctx.memory.slice(n(a, 1), n(a, 2)).slice();
    const signer = readAddress(ctx.memory, n(a, 3), n(a, 4));
    const plaintext = ctx.memory.slice(n(a, 5), n(a, 6)).slice();
    return encI32(ctx.kernel.verifySignature(sigType, sig, signer, plaintext) ? 0 : -1);
  }),
  def('crypto', 'recover_secp_public_key', ['u32', 'u32'], 65, (ctx, a) => {
    const hash = ctx.memory.slice(n(a, 0), SECP_SIG_MESSAGE_HASH_SIZE).slice();
    const sig = ctx.memory.slice(n(a, 1), SECP_SIG_LEN).slice();
    return ctx.kernel.recoverSecpPublicKey(hash, sig);
  }),
  def('crypto', 'hash', ['u64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const digest = ctx.kernel.hash(b(a, 0), ctx.memory.slice(n(a, 1), n(a, 2)));
    const out = ctx.memory.slice(n(a, 3), n(a, 4));
    const len = Math.min(out.length, digest.length);
    out.set(digest.subarray(0, len));
    return encU32(len);
  }),
  def('crypto', 'verify_seal', ['u32', 'u32'], 4, (ctx, a) => {
    const info = ctx.memory.readCbor(n(a, 0), n(a, 1), 'seal verify info');
    checkSealVerifyInfo(info, 'SealVerifyInfo');
    return encI32(ctx.kernel.verifySeal(info) ? 0 : -1);
  }),
  def('crypto', 'verify_post', ['u32', 'u32'], 4, (ctx, a) => {
    const info = ctx.memory.readCbor(n(a, 0), n(a, 1), 'window PoSt verify info');
    const f = tuple(info, 4, 'WindowPoStVerifyInfo');
    bytesField(f[0], 'randomness');
    const proofs = listField(f[1], 'proofs').map((p, i) => tuple(p, 2, `proof ${i}`));
    proofs.forEach((p, i) => {
      i64Field(p[0], `proof ${i} type`);
      bytesField(p[1], `proof ${i} bytes`);
    });
    const sectors = listField(f[2], 'challenged sectors');
    sectors.forEach((s, i) => {
      const t = tuple(s, 3, `sector info ${i}`);
      i64Field(t[0], `sector ${i} proof`);
      u64Field(t[1], `sector ${i} number`);
      cidField(t[2], `sector ${i} sealed cid`);
    });
    u64Field(f[3], 'prover');
    const first = proofs[0] === undefined ? undefined : proofCode(i64Field(proofs[0][0], 'proof 0 type'));
    return encI32(ctx.kernel.verifyPost(info, first, sectors.length) ? 0 : -1);
  }),
  def('crypto', 'compute_unsealed_sector_cid', ['i64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const proof = b(a, 0);
    if (proof < 0n || proof > MAX_SEAL_PROOF_V2) throw illegal(`invalid proof type ${proof}`);
    const raw = listField(ctx.memory.readCbor(n(a, 1), n(a, 2), 'piece infos'), 'pieces');
    const pieces = raw.map((p, i) => {
      const f = tuple(p, 2, `piece ${i}`);
      return { size: u64Field(f[0], `piece ${i} size`), cid: cidField(f[1], `piece ${i} cid`) };
    });
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const cid = ctx.kernel.computeUnsealedSectorCid(Number(proof), pieces);
    return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
  }),
  def('crypto', 'verify_consensus_fault', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 20, (ctx, a) => {
    const h1 = ctx.memory.slice(n(a, 0), n(a, 1)).slice();
    const h2 = ctx.memory.slice(n(a, 2), n(a, 3)).slice();
    const extra = ctx.memory.slice(n(a, 4), n(a, 5)).slice();
    const fault = ctx.kernel.verifyConsensusFault(h1, h2, extra);
    return pack([
      ['i64', fault?.epoch ?? 0n],
      ['u64', fault?.target ?? 0n],
      ['u32', fault?.faultType ?? 0],
    ]);
  }),
  def('crypto', 'verify_aggregate_seals', ['u32', 'u32'], 4, (ctx, a) => {
    const info = ctx.memory.readCbor(n(a, 0), n(a, 1), 'aggregate seal verify info');
    const f = tuple(info, 5, 'AggregateSealVerifyProofAndInfos');
    u64Field(f[0], 'miner');
    const sealProof = proofCode(i64Field(f[1], 'seal proof'));
    i64Field(f[2], 'aggregate proof');
    bytesField(f[3], 'proof');
    const infos = listField(f[4], 'infos');
    return encI32(ctx.kernel.verifyAggregateSeals(info, sealProof, infos.length) ? 0 : -1);
  }),
  def('crypto', 'verify_replica_update', ['u32', 'u32'], 4, (ctx, a) => {
    const info = ctx.memory.readCbor(n(a, 0), n(a, 1), 'replica update info');
    const f = tuple(info, 5, 'ReplicaUpdateInfo');
    i64Field(f[0], 'update proof type');
    cidField(f[1], 'old sealed cid');
    cidField(f[2], 'new sealed cid');
    cidField(f[3], 'new unsealed cid');
    // A plain Vec<u8> in fvm_shared 2.x: a CBOR list of byte values, not a byte string.
    listField(f[4], 'proof').forEach((v, i) => {
      const x = intField(v, `proof[${i}]`);
      if (x < 0n || x > 255n) throw illegal(`proof[${i}]: not a u8`);
    });
    return encI32(ctx.kernel.verifyReplicaUpdate(info) ? 0 : -1);
  }),
  def('crypto', 'batch_verify_seals', ['u32', 'u32', 'u32'], 0, (ctx, a) => {
    const batch = listField(ctx.memory.readCbor(n(a, 0), n(a, 1), 'seal verify infos'), 'seal verify infos');
    batch.forEach((s, i) => checkSealVerifyInfo(s, `SealVerifyInfo ${i}`));
    ctx.memory.checkBounds(n(a, 2), batch.length);
    const results = ctx.kernel.batchVerifySeals(batch);
    if (results.length !== batch.length) {
      throw new FatalError(`expected one result per input: ${batch.length} != ${results.length}`);
    }
    ctx.memory.write(n(a, 2), Uint8Array.from(results, (ok) => (ok ? 1 : 0)));
  }),

  // ---- rand ------------------------------------------------------------------------------
  def('rand', 'get_chain_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
    const entropy = ctx.memory.slice(n(a, 2), n(a, 3)).slice();
    return ctx.kernel.getRandomnessFromTickets(b(a, 0), b(a, 1), entropy);
  }),
  def('rand', 'get_beacon_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
    const entropy = ctx.memory.slice(n(a, 2), n(a, 3)).slice();
    return ctx.kernel.getRandomnessFromBeacon(b(a, 0), b(a, 1), entropy);
  }),

  // ---- gas -------------------------------------------------------------------------------
  def('gas', 'charge', ['u32', 'u32', 'i64'], 0, (ctx, a) => {
    const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
    ctx.kernel.chargeGas(name, b(a, 2));
  }),

  // ---- send ------------------------------------------------------------------------------
  def('send', 'send', ['u32', 'u32', 'u64', 'u32', 'u64', 'u64'], 20, (ctx, a) => {
    const recipient = readAddress(ctx.memory, n(a, 0), n(a, 1));
    const value = (b(a, 4) << 64n) | b(a, 5);
    const r = ctx.kernel.send(recipient, b(a, 2), n(a, 3), value);
    return pack([
      ['u32', r.exitCode],
      ['u32', r.blockId],
      ['u64', r.blockStat.codec],
      ['u32', r.blockStat.size],
    ]);
  }),

  // ---- debug -----------------------------------------------------------------------------
  def('debug', 'log', ['u32', 'u32'], 0, (ctx, a) => {
    if (!ctx.kernel.debugEnabled()) return;
    ctx.kernel.log(ctx.memory.readUtf8(n(a, 0), n(a, 1)));
  }),
  def('debug', 'enabled', [], 4, (ctx) => encI32(ctx.kernel.debugEnabled() ? 0 : -1)),
  def('debug', 'store_artifact', ['u32', 'u32', 'u32', 'u32'], 0, (ctx, a) => {
    if (!ctx.kernel.debugEnabled()) return;
    const data = ctx.memory.slice(n(a, 2), n(a, 3)).slice();
    const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
    ctx.kernel.storeArtifact(name, data);
  }),
];
