// The syscall ABI of ref-fvm 4.x (nv21–nv28). Most imports keep their 3.x signature and
// marshalling (the 4.x kernel changes what they mean); these differ:
// - self::self_destruct(burn_unspent) replaces self_destruct(beneficiary);
// - event::emit_event takes packed entry headers plus key and value buffers;
// - rand::get_{chain,beacon}_randomness take only the epoch and return raw randomness;
// - crypto::verify_bls_aggregate is new (FIP-0079);
// - crypto::compute_unsealed_sector_cid accepts the NI-PoRep proof types.
// actor::upgrade_actor and actor::install_actor exist in the reference only behind build
// features that mainnet builds do not enable, so they are not linked.
import { FatalError } from '../kernel/errors.js';
import { EVENT_ENTRY_HEADER_SIZE } from '../kernel/events-v4.js';
import { KernelV4 } from '../kernel/kernel-v4.js';
import { BLS_PUB_LEN, BLS_SIG_LEN } from '../crypto/signature.js';
import { b, illegal, n } from './args.js';
import { type SyscallContext, type SyscallDef, encI32, encU32 } from './bind.js';
import { defineSyscall } from './common.js';
import { readPieceInfos } from './proof-infos.js';
import { SYSCALLS_V3 } from './v3.js';

const RANDOMNESS_LENGTH = 32;
/** Highest RegisteredSealProof code of 4.x (StackedDRG64GiBV1P2_Feat_NiPoRep). */
const MAX_SEAL_PROOF_V4 = 19n;
const U32_MAX = 0xffff_ffff;

/** The invocation's kernel as a 4.x kernel (the import table and the kernel come as a pair). */
function v4(ctx: SyscallContext<KernelV4>): KernelV4 {
  const k = ctx.kernel;
  if (!(k instanceof KernelV4)) throw new FatalError('4.x syscall bound to a kernel of another generation');
  return k;
}

const def = defineSyscall<KernelV4>;

/** The sum of the little-endian u32 plaintext lengths, wrapping as the reference's u32 sum does. */
function sumPlaintextLengths(raw: Uint8Array): number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  for (let at = 0; at < raw.length; at += 4) total = (total + view.getUint32(at, true)) >>> 0;
  return total;
}

const CHANGED: readonly SyscallDef<KernelV4>[] = [
  def('self', 'self_destruct', ['u32'], 0, (ctx, a) => {
    v4(ctx).selfDestructAndBurn(n(a, 0) > 0);
  }),

  def('event', 'emit_event', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 0, (ctx, a) => {
    const count = n(a, 1);
    const size = count * EVENT_ENTRY_HEADER_SIZE;
    if (size > U32_MAX) throw illegal('events index out of bounds');
    // Views, not copies: the kernel prices the event before reading it, and copies only
    // what the event keeps (memory cannot change while the syscall runs).
    const headers = ctx.memory.slice(n(a, 0), size);
    const keys = ctx.memory.slice(n(a, 2), n(a, 3));
    const values = ctx.memory.slice(n(a, 4), n(a, 5));
    v4(ctx).emitEventEntries(headers, count, keys, values);
  }),

  def('rand', 'get_chain_randomness', ['i64'], RANDOMNESS_LENGTH, (ctx, a) => v4(ctx).chainRandomness(b(a, 0))),
  def('rand', 'get_beacon_randomness', ['i64'], RANDOMNESS_LENGTH, (ctx, a) => v4(ctx).beaconRandomness(b(a, 0))),

  def('crypto', 'verify_bls_aggregate', ['u32', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const numSigners = n(a, 0);
    const keysLen = numSigners * BLS_PUB_LEN;
    if (keysLen > U32_MAX) throw illegal(`number of signatures aggregated (${numSigners}) exceeds limit`);
    // Views only, and no allocation per signer: the kernel charges by the signer count before
    // it splits anything up (the reference charges before any work, too).
    const signature = ctx.memory.slice(n(a, 1), BLS_SIG_LEN);
    const keys = ctx.memory.slice(n(a, 2), keysLen);
    const lengths = ctx.memory.slice(n(a, 4), numSigners * 4);
    const plaintexts = ctx.memory.slice(n(a, 3), sumPlaintextLengths(lengths));
    return encI32(v4(ctx).verifyBlsAggregate(signature, keys, plaintexts, lengths) ? 0 : -1);
  }),

  def('crypto', 'compute_unsealed_sector_cid', ['i64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
    const proof = b(a, 0);
    if (proof < 0n || proof > MAX_SEAL_PROOF_V4) throw illegal(`invalid proof type ${proof}`);
    const pieces = ctx.memory.readStruct(n(a, 1), n(a, 2), 'piece infos', readPieceInfos);
    ctx.memory.checkBounds(n(a, 3), n(a, 4));
    const cid = v4(ctx).computeUnsealedSectorCid(Number(proof), pieces);
    return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
  }),
];

const key = (d: { module: string; name: string }): string => `${d.module}::${d.name}`;
const changed = new Set(CHANGED.map(key));

/** Every import an actor may link at nv21–nv28, in the reference's linking order. */
export const SYSCALLS_V4: readonly SyscallDef<KernelV4>[] = (() => {
  const out: SyscallDef<KernelV4>[] = [];
  for (const d of SYSCALLS_V3) {
    const replacement = changed.has(key(d)) ? CHANGED.find((c) => key(c) === key(d)) : d;
    out.push(replacement!);
    // verify_bls_aggregate is linked right after verify_signature.
    if (key(d) === 'crypto::verify_signature') out.push(CHANGED.find((c) => c.name === 'verify_bls_aggregate')!);
  }
  return out;
})();
