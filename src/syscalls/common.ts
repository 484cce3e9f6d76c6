// The syscalls whose marshalling is the same in the 2.x (nv17) and 3.x (nv18–nv20) ABIs: same
// import name, parameters, result layout and checks. What they mean may still differ: that
// lives in each generation's kernel (prices, block codecs, signer resolution, ...). The
// per-generation tables (v2.ts, v3.ts) list these next to the imports only they have, in the
// reference's linking order.
import type { CID } from 'multiformats/cid';
import type { Address } from '../primitives/address.js';
import type { ConsensusFault } from '../machine/externs.js';
import type { PieceInfo } from '../crypto/piece.js';
import type { BlockId, BlockStat } from '../kernel/blocks.js';
import type { SendResult } from '../kernel/kernel-base.js';
import { b, illegal, n } from './args.js';
import {
  readAggregateSealVerifyInfo,
  readPieceInfos,
  readReplicaUpdateInfo,
  readWindowPoStVerifyInfo,
} from './proof-infos.js';
import {
  type ArgValue,
  type ParamKind,
  type SyscallContext,
  type SyscallDef,
  type SyscallKernel,
  encI32,
  encTokenAmount,
  encU32,
  encU64,
  pack,
} from './bind.js';
import type { Memory } from './memory.js';

const RANDOMNESS_LENGTH = 32;
const SECP_SIG_LEN = 65;
const SECP_SIG_MESSAGE_HASH_SIZE = 32;

/** The kernel operations behind the shared syscalls (both kernel generations have them). */
export interface CommonSyscallKernel extends SyscallKernel {
  totalFilCircSupply(): bigint;
  blockOpen(cid: CID): { id: BlockId; stat: BlockStat };
  blockCreate(codec: bigint, data: Uint8Array): BlockId;
  blockRead(id: BlockId, offset: number, out: Uint8Array): number;
  blockStat(id: BlockId): BlockStat;
  blockLink(id: BlockId, hashFun: bigint, hashLen: number): CID;
  root(): CID;
  setRoot(root: CID): void;
  currentBalance(): bigint;
  selfDestruct(beneficiary: Address): void;
  resolveAddress(address: Address): bigint;
  getActorCodeCid(id: bigint): CID;
  getBuiltinActorType(code: CID): number;
  getCodeCidForType(typ: number): CID;
  verifySignature(sigType: 1 | 2, signature: Uint8Array, signer: Address, plaintext: Uint8Array): boolean;
  recoverSecpPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array;
  hash(code: bigint, data: Uint8Array): Uint8Array;
  computeUnsealedSectorCid(proofType: number, pieces: readonly PieceInfo[]): CID;
  verifyPost(info: unknown, firstProofType: number | undefined, challengedSectors: number): boolean;
  verifyConsensusFault(h1: Uint8Array, h2: Uint8Array, extra: Uint8Array): ConsensusFault | undefined;
  verifyAggregateSeals(info: unknown, sealProof: number, count: number): boolean;
  verifyReplicaUpdate(info: unknown): boolean;
  getRandomnessFromTickets(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array;
  getRandomnessFromBeacon(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array;
  chargeGas(name: string, amount: bigint): void;
  debugEnabled(): boolean;
  log(message: string): void;
  storeArtifact(name: string, data: Uint8Array): void;
}

/** Reads an address argument (generations differ in which protocols parse). */
export type AddressReader = (memory: Memory, off: number, len: number) => Address;

/** A syscall definition over the kernel type `K`. */
export function defineSyscall<K extends SyscallKernel>(
  module: string,
  name: string,
  params: readonly ParamKind[],
  resultSize: number,
  run: (ctx: SyscallContext<K>, args: readonly ArgValue[]) => Uint8Array | void,
): SyscallDef<K> {
  return { module, name, params, resultSize, run };
}

/** The 20-byte result of send::send (both generations): exit code, return block id and stat. */
export function encSendResult(r: SendResult): Uint8Array {
  return pack([
    ['u32', r.exitCode],
    ['u32', r.blockId],
    ['u64', r.blockStat.codec],
    ['u32', r.blockStat.size],
  ]);
}

/** The shared definitions, for a kernel type `K` and that generation's address parsing. */
export function commonSyscalls<K extends CommonSyscallKernel>(readAddress: AddressReader) {
  const def = defineSyscall<K>;
  const defs = {
    // ---- network -------------------------------------------------------------------------
    totalFilCircSupply: def('network', 'total_fil_circ_supply', [], 16, (ctx) =>
      encTokenAmount(ctx.kernel.totalFilCircSupply(), 'circulating supply'),
    ),

    // ---- ipld ----------------------------------------------------------------------------
    blockOpen: def('ipld', 'block_open', ['u32'], 16, (ctx, a) => {
      const cid = ctx.memory.readCid(n(a, 0));
      const { id, stat } = ctx.kernel.blockOpen(cid);
      return pack([
        ['u64', stat.codec],
        ['u32', id],
        ['u32', stat.size],
      ]);
    }),
    blockCreate: def('ipld', 'block_create', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
      const data = ctx.memory.slice(n(a, 1), n(a, 2));
      return encU32(ctx.kernel.blockCreate(b(a, 0), data));
    }),
    blockRead: def('ipld', 'block_read', ['u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
      const out = ctx.memory.slice(n(a, 2), n(a, 3));
      return encI32(ctx.kernel.blockRead(n(a, 0), n(a, 1), out));
    }),
    blockStat: def('ipld', 'block_stat', ['u32'], 12, (ctx, a) => {
      const stat = ctx.kernel.blockStat(n(a, 0));
      return pack([
        ['u64', stat.codec],
        ['u32', stat.size],
      ]);
    }),
    blockLink: def('ipld', 'block_link', ['u32', 'u64', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
      ctx.memory.checkBounds(n(a, 3), n(a, 4));
      const cid = ctx.kernel.blockLink(n(a, 0), b(a, 1), n(a, 2));
      return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
    }),

    // ---- self ----------------------------------------------------------------------------
    root: def('self', 'root', ['u32', 'u32'], 4, (ctx, a) => {
      ctx.memory.checkBounds(n(a, 0), n(a, 1));
      const root = ctx.kernel.root();
      return encU32(ctx.memory.writeCid(root, n(a, 0), n(a, 1)));
    }),
    setRoot: def('self', 'set_root', ['u32'], 0, (ctx, a) => {
      ctx.kernel.setRoot(ctx.memory.readCid(n(a, 0)));
    }),
    currentBalance: def('self', 'current_balance', [], 16, (ctx) =>
      encTokenAmount(ctx.kernel.currentBalance(), 'balance'),
    ),
    selfDestruct: def('self', 'self_destruct', ['u32', 'u32'], 0, (ctx, a) => {
      ctx.kernel.selfDestruct(readAddress(ctx.memory, n(a, 0), n(a, 1)));
    }),

    // ---- actor ---------------------------------------------------------------------------
    resolveAddress: def('actor', 'resolve_address', ['u32', 'u32'], 8, (ctx, a) => {
      const addr = readAddress(ctx.memory, n(a, 0), n(a, 1));
      return encU64(ctx.kernel.resolveAddress(addr));
    }),
    getActorCodeCid: def('actor', 'get_actor_code_cid', ['u64', 'u32', 'u32'], 4, (ctx, a) => {
      ctx.memory.checkBounds(n(a, 1), n(a, 2));
      const code = ctx.kernel.getActorCodeCid(b(a, 0));
      return encU32(ctx.memory.writeCid(code, n(a, 1), n(a, 2)));
    }),
    getBuiltinActorType: def('actor', 'get_builtin_actor_type', ['u32'], 4, (ctx, a) => {
      const code = ctx.memory.readCid(n(a, 0));
      return encI32(ctx.kernel.getBuiltinActorType(code));
    }),
    getCodeCidForType: def('actor', 'get_code_cid_for_type', ['i32', 'u32', 'u32'], 4, (ctx, a) => {
      ctx.memory.checkBounds(n(a, 1), n(a, 2));
      // The type is reinterpreted as a u32 by the reference.
      const code = ctx.kernel.getCodeCidForType(n(a, 0) >>> 0);
      return encU32(ctx.memory.writeCid(code, n(a, 1), n(a, 2)));
    }),

    // ---- crypto --------------------------------------------------------------------------
    verifySignature: def('crypto', 'verify_signature', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
      const sigType = n(a, 0);
      if (sigType !== 1 && sigType !== 2) throw illegal(`unknown signature type ${sigType}`);
      const sig = ctx.memory.copy(n(a, 1), n(a, 2));
      const signer = readAddress(ctx.memory, n(a, 3), n(a, 4));
      const plaintext = ctx.memory.copy(n(a, 5), n(a, 6));
      return encI32(ctx.kernel.verifySignature(sigType, sig, signer, plaintext) ? 0 : -1);
    }),
    recoverSecpPublicKey: def('crypto', 'recover_secp_public_key', ['u32', 'u32'], 65, (ctx, a) => {
      const hash = ctx.memory.copy(n(a, 0), SECP_SIG_MESSAGE_HASH_SIZE);
      const sig = ctx.memory.copy(n(a, 1), SECP_SIG_LEN);
      return ctx.kernel.recoverSecpPublicKey(hash, sig);
    }),
    hash: def('crypto', 'hash', ['u64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
      ctx.memory.checkBounds(n(a, 3), n(a, 4));
      const digest = ctx.kernel.hash(b(a, 0), ctx.memory.slice(n(a, 1), n(a, 2)));
      const out = ctx.memory.slice(n(a, 3), n(a, 4));
      const len = Math.min(out.length, digest.length);
      out.set(digest.subarray(0, len));
      return encU32(len);
    }),
    verifyPost: def('crypto', 'verify_post', ['u32', 'u32'], 4, (ctx, a) => {
      const post = ctx.memory.readStruct(n(a, 0), n(a, 1), 'window PoSt verify info', readWindowPoStVerifyInfo);
      return encI32(ctx.kernel.verifyPost(post.info, post.firstProofType, post.challengedSectors) ? 0 : -1);
    }),
    /** The generations know different seal proof types: codes above `maxProof` are invalid. */
    computeUnsealedSectorCid: (maxProof: bigint): SyscallDef<K> =>
      def('crypto', 'compute_unsealed_sector_cid', ['i64', 'u32', 'u32', 'u32', 'u32'], 4, (ctx, a) => {
        const proof = b(a, 0);
        if (proof < 0n || proof > maxProof) throw illegal(`invalid proof type ${proof}`);
        const pieces = ctx.memory.readStruct(n(a, 1), n(a, 2), 'piece infos', readPieceInfos);
        ctx.memory.checkBounds(n(a, 3), n(a, 4));
        const cid = ctx.kernel.computeUnsealedSectorCid(Number(proof), pieces);
        return encU32(ctx.memory.writeCid(cid, n(a, 3), n(a, 4)));
      }),
    verifyConsensusFault: def('crypto', 'verify_consensus_fault', ['u32', 'u32', 'u32', 'u32', 'u32', 'u32'], 20, (ctx, a) => {
      const h1 = ctx.memory.copy(n(a, 0), n(a, 1));
      const h2 = ctx.memory.copy(n(a, 2), n(a, 3));
      const extra = ctx.memory.copy(n(a, 4), n(a, 5));
      // No fault is reported as all zeros.
      const fault = ctx.kernel.verifyConsensusFault(h1, h2, extra);
      return pack([
        ['i64', fault?.epoch ?? 0n],
        ['u64', fault?.target ?? 0n],
        ['u32', fault?.faultType ?? 0],
      ]);
    }),
    verifyAggregateSeals: def('crypto', 'verify_aggregate_seals', ['u32', 'u32'], 4, (ctx, a) => {
      const agg = ctx.memory.readStruct(n(a, 0), n(a, 1), 'aggregate seal verify info', readAggregateSealVerifyInfo);
      return encI32(ctx.kernel.verifyAggregateSeals(agg.info, agg.sealProof, agg.count) ? 0 : -1);
    }),
    verifyReplicaUpdate: def('crypto', 'verify_replica_update', ['u32', 'u32'], 4, (ctx, a) => {
      const info = ctx.memory.readStruct(n(a, 0), n(a, 1), 'replica update info', readReplicaUpdateInfo);
      return encI32(ctx.kernel.verifyReplicaUpdate(info) ? 0 : -1);
    }),

    // ---- rand (drawn by the FVM from personalization, round and entropy) ----------------
    chainRandomness: def('rand', 'get_chain_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
      const entropy = ctx.memory.copy(n(a, 2), n(a, 3));
      return ctx.kernel.getRandomnessFromTickets(b(a, 0), b(a, 1), entropy);
    }),
    beaconRandomness: def('rand', 'get_beacon_randomness', ['i64', 'i64', 'u32', 'u32'], RANDOMNESS_LENGTH, (ctx, a) => {
      const entropy = ctx.memory.copy(n(a, 2), n(a, 3));
      return ctx.kernel.getRandomnessFromBeacon(b(a, 0), b(a, 1), entropy);
    }),

    // ---- gas -----------------------------------------------------------------------------
    /** The amount is a signed i64 in 2.x (a refund is possible), a u64 from 3.x on. */
    gasCharge: (amount: 'i64' | 'u64'): SyscallDef<K> =>
      def('gas', 'charge', ['u32', 'u32', amount], 0, (ctx, a) => {
        const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
        ctx.kernel.chargeGas(name, b(a, 2));
      }),

    // ---- debug ---------------------------------------------------------------------------
    debugLog: def('debug', 'log', ['u32', 'u32'], 0, (ctx, a) => {
      if (!ctx.kernel.debugEnabled()) return;
      ctx.kernel.log(ctx.memory.readUtf8(n(a, 0), n(a, 1)));
    }),
    debugEnabled: def('debug', 'enabled', [], 4, (ctx) => encI32(ctx.kernel.debugEnabled() ? 0 : -1)),
    storeArtifact: def('debug', 'store_artifact', ['u32', 'u32', 'u32', 'u32'], 0, (ctx, a) => {
      if (!ctx.kernel.debugEnabled()) return;
      const data = ctx.memory.copy(n(a, 2), n(a, 3));
      const name = ctx.memory.readUtf8(n(a, 0), n(a, 1));
      ctx.kernel.storeArtifact(name, data);
    }),
  };
  return {
    ...defs,
    /** The whole `ipld` module, in linking order. */
    ipld: [defs.blockOpen, defs.blockCreate, defs.blockRead, defs.blockStat, defs.blockLink],
    /** The whole `self` module (4.x changes self_destruct), in linking order. */
    self: [defs.root, defs.setRoot, defs.currentBalance, defs.selfDestruct],
    /** The whole `debug` module, in linking order. */
    debug: [defs.debugLog, defs.debugEnabled, defs.storeArtifact],
  };
}
