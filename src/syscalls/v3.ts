// The syscall ABI of ref-fvm 3.x (nv18–nv20): every import {module, name} an actor may link,
// with the argument order, checks and results of the reference.
import { CID } from 'multiformats/cid';
import { ErrorNumber } from '../primitives/errnum.js';
import { PAYLOAD_HASH_LEN } from '../primitives/address.js';
import { FatalError, SyscallError } from '../kernel/errors.js';
import { Abort } from './abort.js';
import { type ArgValue, type SyscallContext, type SyscallDef, encI32, encTokenAmount, encU32, encU64, pack } from './bind.js';
import { isSystemExitCode } from '../primitives/exitcode.js';

const RANDOMNESS_LENGTH = 32;
const SECP_SIG_LEN = 65;
const SECP_SIG_MESSAGE_HASH_SIZE = 32;
/** Longest abort message kept in a backtrace (half from each end beyond it). */
const MAX_MESSAGE_LEN = 1024;
const SEND_FLAG_READ_ONLY = 1n;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

const n = (a: readonly ArgValue[], i: number): number => a[i] as number;
const b = (a: readonly ArgValue[], i: number): bigint => a[i] as bigint;

function def(
  module: string,
  name: string,
  params: SyscallDef['params'],
  resultSize: number,
  run: (ctx: SyscallContext, args: readonly ArgValue[]) => Uint8Array | void,
): SyscallDef {
  return { module, name, params, resultSize, run };
}

function illegal(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, msg);
}

/** Reads a CBOR structure the actor passed; malformed input is IllegalArgument. */
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

function abortMessage(ctx: SyscallContext, off: number, len: number): string {
  if (len === 0) return 'actor aborted';
  let bytes: Uint8Array;
  try {
    bytes = ctx.memory.slice(off, len);
  } catch (err) {
    return `failed to extract error message: ${(err as Error).message}`;
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
  def('network', 'total_fil_circ_supply', [], 16, (ctx) =>
    encTokenAmount(ctx.kernel.totalFilCircSupply(), 'circulating supply'),
  ),
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
    ctx.kernel.selfDestruct(ctx.memory.readAddress(n(a, 0), n(a, 1)));
  }),

  // ---- actor -----------------------------------------------------------------------------
  def('actor', 'resolve_address', ['u32', 'u32'], 8, (ctx, a) => {
    const addr = ctx.memory.readAddress(n(a, 0), n(a, 1));
    return encU64(ctx.kernel.resolveAddress(addr));
  }),
  def('actor', 'lookup_delegated_address', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
    const out = ctx.memory.slice(n(a, 1), n(a, 2));
    const addr = ctx.kernel.lookupDelegatedAddress(b(a, 0));
    if (addr === null) return encU32(0);
    const bytes = addr.toBytes();
    if (bytes.length > out.length) throw new SyscallError(ErrorNumber.BufferTooSmall, 'address output buffer is too small');
    out.set(bytes);
    return encU32(bytes.length);
  }),
  def('actor', 'get_actor_code_cid', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 1), n(a, 2));
    const code = ctx.kernel.getActorCodeCid(b(a, 0));
    return encU32(ctx.memory.writeCid(code, n(a, 1), n(a, 2)));
  }),
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
  def('actor', 'balance_of', ['u64'], 16, (ctx, a) => encTokenAmount(ctx.kernel.balanceOf(b(a, 0)), 'balance')),

  // ---- crypto ----------------------------------------------------------------------------
  def('crypto', 'verify_signature', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const sigType = n(a, 0);
    if (sigType !== 1 && sigType !== 2) throw illegal(`unknown signature type ${sigType}`);
    const sig = ctx.memory.slice(n(a, 1), n(a, 2));
    const signer = ctx.memory.readAddress(n(a, 3), n(a, 4));
    const plaintext = ctx.memory.slice(n(a, 5), n(a, 6));
    return encI32(ctx.kernel.verifySignature(sigType, sig, signer, plaintext) ? 0 : -1);
  }),
  def('crypto', 'recover_secp_public_key', ['u32', 'u32'], 65, (ctx, a) => {
    const hash = ctx.memory.slice(n(a, 0), SECP_SIG_MESSAGE_HASH_SIZE);
    const sig = ctx.memory.slice(n(a, 1), SECP_SIG_LEN);
    return ctx.kernel.recoverSecpPublicKey(hash.slice(), sig.slice());
  }),
  def('crypto', 'hash', ['u64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const digest = ctx.kernel.hash(b(a, 0), ctx.memory.slice(n(a, 1), n(a, 2)));
    const out = ctx.memory.slice(n(a, 3), n(a, 4));
    const len = Math.min(out.length, digest.length);
    out.set(digest.subarray(0, len));
    return encU32(len);
  }),
  def('crypto', 'compute_unsealed_sector_cid', ['i64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const proof = b(a, 0);
    if (proof < 0n || proof > 14n) throw illegal(`invalid proof type ${proof}`);
    const raw = listField(ctx.memory.readCbor(n(a, 1), n(a, 2), 'piece infos'), 'pieces');
    const pieces = raw.map((p, i) => {
      const f = tuple(p, 2, `piece ${i}`);
      return { size: u64Field(f[0], `piece ${i} size`), cid: cidField(f[1], `piece ${i} cid`) };
    });
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const cid = ctx.kernel.computeUnsealedSectorCid(Number(proof), pieces);
    return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
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
  def('crypto', 'verify_consensus_fault', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 20, (ctx, a) => {
    const h1 = ctx.memory.slice(n(a, 0), n(a, 1)).slice();
    const h2 = ctx.memory.slice(n(a, 2), n(a, 3)).slice();
    const extra = ctx.memory.slice(n(a, 4), n(a, 5)).slice();
    const fault = ctx.kernel.verifyConsensusFault(h1, h2, extra);
    if (fault === undefined) {
      return pack([
        ['i64', 0n],
        ['u64', 0n],
        ['u32', 0],
      ]);
    }
    return pack([
      ['i64', fault.epoch],
      ['u64', fault.target],
      ['u32', fault.faultType],
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
    cidField(f[1], 'new sealed cid');
    cidField(f[2], 'old sealed cid');
    cidField(f[3], 'new unsealed cid');
    // This proof is a plain Vec<u8> in the reference: a CBOR list of byte values, not a byte string.
    listField(f[4], 'proof').forEach((v, i) => {
      if (intField(v, `proof[${i}]`) > 255n || intField(v, `proof[${i}]`) < 0n) throw illegal(`proof[${i}]: not a u8`);
    });
    return encI32(ctx.kernel.verifyReplicaUpdate(info) ? 0 : -1);
  }),
  def('crypto', 'batch_verify_seals', ['u32', 'u32', 'u32'], 0, (ctx, a) => {
    const batch = listField(ctx.memory.readCbor(n(a, 0), n(a, 1), 'seal verify infos'), 'seal verify infos');
    batch.forEach((s, i) => tuple(s, 8, `SealVerifyInfo ${i}`));
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
  def('rand', 'get_chain_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
    const entropy = ctx.memory.slice(n(a, 2), n(a, 3));
    return ctx.kernel.getRandomnessFromTickets(b(a, 0), b(a, 1), entropy);
  }),
  def('rand', 'get_beacon_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
    const entropy = ctx.memory.slice(n(a, 2), n(a, 3));
    return ctx.kernel.getRandomnessFromBeacon(b(a, 0), b(a, 1), entropy);
  }),

  // ---- gas -------------------------------------------------------------------------------
  def('gas', 'charge', ['u32', 'u32', 'u64'], 0, (ctx, a) => {
    const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
    ctx.kernel.chargeGas(name, b(a, 2));
  }),
  def('gas', 'available', [], 8, (ctx) => encU64(ctx.kernel.gasAvailable())),

  // ---- send ------------------------------------------------------------------------------
  def('send', 'send', ['u32', 'u32', 'u64', 'u32', 'u64', 'u64', 'u64', 'u64'], 20, (ctx, a) => {
    const recipient = ctx.memory.readAddress(n(a, 0), n(a, 1));
    const value = (b(a, 4) << 64n) | b(a, 5);
    const gasLimit = b(a, 6) < U64_MAX ? b(a, 6) : undefined;
    const flags = b(a, 7);
    if ((flags & ~SEND_FLAG_READ_ONLY) !== 0n) throw illegal(`invalid send flags: ${flags}`);
    const r = ctx.kernel.send(recipient, b(a, 2), n(a, 3), value, gasLimit, flags === SEND_FLAG_READ_ONLY);
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
    const data = ctx.memory.slice(n(a, 2), n(a, 3));
    const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
    ctx.kernel.storeArtifact(name, data.slice());
  }),
];
