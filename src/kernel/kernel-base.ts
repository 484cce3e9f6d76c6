// What the kernels of every generation (2.x KernelV2, 3.x Kernel, 4.x KernelV4) do alike: the
// block operations the reference did not change, drawing randomness from the extern's digest,
// proof and fault verification, public-key recovery and debugging. Where a generation's
// reference behaves differently the subclass says so (by overriding, or by keeping its own
// method); the prices come from the call manager's price list, which is per network version.
import type { CID } from 'multiformats/cid';
import { blake2b } from '../crypto/blake2b.js';
import { cidOf } from '../ipld/cbor.js';
import type { Machine } from '../machine/machine.js';
import type { MachineContext } from '../machine/context.js';
import { type ConsensusFault, type Externs, ExternsError } from '../machine/externs.js';
import type { Address } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import type { GasCharge } from '../gas/charge.js';
import type { PriceList } from '../gas/price-list.js';
import type { GasTracker } from '../gas/tracker.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { recoverSecpPublicKey } from '../crypto/signature.js';
import { computeUnsealedSectorCid } from '../crypto/commd.js';
import type { PieceInfo } from '../crypto/piece.js';
import { Block, type BlockId, type BlockRegistry, type BlockStat, NO_DATA_BLOCK_ID } from './blocks.js';
import { FatalError, SyscallError } from './errors.js';

const BLAKE2B_256 = 0xb220;
const MAX_ARTIFACT_NAME_LEN = 256;

/** What a kernel uses of its call manager (both call manager generations provide it). */
export interface KernelCallManager {
  readonly machine: Machine;
  readonly priceList: PriceList;
  readonly gasTracker: GasTracker;
  charge(charge: GasCharge): void;
  transfer(from: bigint, to: bigint, value: bigint): void;
}

/** What the send syscall hands back to the actor. */
export interface SendResult {
  readonly blockId: BlockId;
  readonly blockStat: BlockStat;
  readonly exitCode: number;
}

export abstract class KernelBase<CM extends KernelCallManager> {
  constructor(
    readonly callManager: CM,
    readonly blocks: BlockRegistry,
    readonly caller: bigint,
    readonly actorId: bigint,
    readonly method: bigint,
    readonly valueReceived: bigint,
  ) {}

  protected get priceList(): PriceList {
    return this.callManager.priceList;
  }

  protected get context(): MachineContext {
    return this.callManager.machine.context;
  }

  protected charge(charge: GasCharge): void {
    this.callManager.charge(charge);
  }

  abstract currentBalance(): bigint;
  abstract resolveAddress(address: Address): bigint;

  // ---- send ---------------------------------------------------------------------------

  /** The parameters of a send (none for NO_DATA_BLOCK_ID), refused up front when no return block could be stored. */
  protected sendParams(paramsId: BlockId): Block | undefined {
    const params = paramsId === NO_DATA_BLOCK_ID ? undefined : this.blocks.get(paramsId);
    if (this.blocks.isFull()) throw new SyscallError(ErrorNumber.LimitExceeded, 'cannot store return block');
    return params;
  }

  /** What the actor learns of a send: the exit code, and the returned block registered here. */
  protected sendResult(exitCode: number, value: Block | undefined): SendResult {
    if (value === undefined) return { blockId: NO_DATA_BLOCK_ID, blockStat: { codec: 0n, size: 0 }, exitCode };
    let blockId: BlockId;
    try {
      blockId = this.blocks.put(value);
    } catch (err) {
      if (!(err instanceof SyscallError)) throw err;
      throw new FatalError(`failed to store a valid return value: ${err.message}`, { cause: err });
    }
    return { blockId, blockStat: value.stat(), exitCode };
  }

  // ---- self ---------------------------------------------------------------------------

  /**
   * The payout of a self-destruct with a beneficiary: any balance left goes to it, and it must
   * exist and not be the actor itself. What comes before and after differs by generation.
   */
  protected payOutBalance(beneficiary: Address): void {
    const balance = this.currentBalance();
    if (balance !== 0n) {
      const beneficiaryId = this.resolveAddress(beneficiary);
      if (beneficiaryId === this.actorId) {
        throw new SyscallError(ErrorNumber.Forbidden, 'benefactor cannot be beneficiary');
      }
      this.callManager.transfer(this.actorId, beneficiaryId, balance);
    }
  }

  // ---- ipld ---------------------------------------------------------------------------

  /** The registry decides which codecs may be opened (2.x: DAG-CBOR only). */
  blockOpen(cid: CID): { id: BlockId; stat: BlockStat } {
    this.charge(this.priceList.onBlockOpenBase());
    const data = this.callManager.machine.blockstore.get(cid);
    // Missing state is fatal in the reference: it can only mean the store is incomplete.
    if (data === undefined) throw new FatalError(`missing state: ${cid.toString()}`);
    const block = new Block(BigInt(cid.code), data);
    this.charge(this.priceList.onBlockOpen(block.size));
    const id = this.blocks.put(block);
    return { id, stat: block.stat() };
  }

  blockLink(id: BlockId, hashFun: bigint, hashLen: number): CID {
    if (hashFun !== BigInt(BLAKE2B_256) || hashLen !== 32) {
      throw new SyscallError(ErrorNumber.IllegalCid, 'cids must be 32-byte blake2b');
    }
    const block = this.blocks.get(id);
    this.charge(this.priceList.onBlockLink(BLAKE2B_256, block.size));
    const cid = cidOf(block.data, Number(block.codec));
    this.callManager.machine.blockstore.put(cid, block.data);
    return cid;
  }

  /** Copies from the block at `offset` into `out`; returns block length minus (offset + out.length). */
  blockRead(id: BlockId, offset: number, out: Uint8Array): number {
    const end = offset + out.length;
    if (end > 0x7fff_ffff) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'offset plus buffer length did not fit into an i32');
    }
    const data = this.blocks.get(id).data;
    const toRead = Math.min(Math.max(data.length - offset, 0), out.length);
    this.charge(this.priceList.onBlockRead(toRead));
    if (toRead !== 0) out.set(data.subarray(offset, offset + toRead));
    return data.length - end;
  }

  blockStat(id: BlockId): BlockStat {
    this.charge(this.priceList.onBlockStat());
    return this.blocks.stat(id);
  }

  // ---- network ------------------------------------------------------------------------

  totalFilCircSupply(): bigint {
    return this.context.circSupply;
  }

  // ---- randomness (drawn by the FVM from the extern's digest, nv17–nv20) -------------

  /** The price depends on the generation: flat at nv17, by entropy length at nv18–nv20. */
  getRandomnessFromTickets(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
    this.charge(this.priceList.onGetRandomnessWithEntropy(entropy.length));
    const base = this.externRandomness(() => this.callManager.machine.externs.getChainRandomness(round));
    return drawRandomness(base, personalization, round, entropy);
  }

  getRandomnessFromBeacon(personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
    this.charge(this.priceList.onGetRandomnessWithEntropy(entropy.length));
    const base = this.externRandomness(() => this.callManager.machine.externs.getBeaconRandomness(round));
    return drawRandomness(base, personalization, round, entropy);
  }

  /**
   * The extern's 32 bytes; its refusal (an ExternsError) is the actor's IllegalArgument, a
   * wrong length is fatal, and anything else it throws is a host fault.
   */
  protected externRandomness(f: () => Uint8Array): Uint8Array {
    let digest: Uint8Array;
    try {
      digest = f();
    } catch (err) {
      if (!(err instanceof ExternsError)) throw err;
      throw new SyscallError(ErrorNumber.IllegalArgument, `randomness extern failed: ${err.message}`);
    }
    if (digest.length !== 32) {
      throw new FatalError(`randomness extern returned ${digest.length} bytes, expected 32`);
    }
    return digest;
  }

  // ---- crypto -------------------------------------------------------------------------

  recoverSecpPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
    this.charge(this.priceList.onRecoverSecpPublicKey());
    try {
      return recoverSecpPublicKey(hash, signature);
    } catch (err) {
      if (err instanceof CryptoArgumentError) {
        throw new SyscallError(ErrorNumber.IllegalArgument, `public key recovery failed: ${err.message}`);
      }
      throw err;
    }
  }

  /** Whether the NI-PoRep seal proofs (codes 15–19) exist: only from 4.x on. */
  protected get knowsNiPoRep(): boolean {
    return false;
  }

  computeUnsealedSectorCid(proofType: number, pieces: readonly PieceInfo[]): CID {
    this.charge(this.priceList.onComputeUnsealedSectorCid());
    try {
      return computeUnsealedSectorCid(proofType, pieces, { niPoRep: this.knowsNiPoRep });
    } catch (err) {
      if (err instanceof CryptoArgumentError) throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
      throw err;
    }
  }

  /** The conformance test kernel (testKernel) charges the price and accepts every proof. */
  verifyPost(info: unknown, firstProofType: number | undefined, challengedSectors: number): boolean {
    this.charge(this.priceList.onVerifyPost(firstProofType, challengedSectors));
    if (this.context.testKernel) return true;
    return this.proofCall('verifying post', () => this.callManager.machine.externs.verifyPost(info));
  }

  verifyAggregateSeals(info: unknown, sealProof: number, count: number): boolean {
    this.charge(this.priceList.onVerifyAggregateSeals(sealProof, count));
    if (this.context.testKernel) return true;
    return this.proofCall('verifying aggregate seals', () => this.callManager.machine.externs.verifyAggregateSeals(info));
  }

  verifyReplicaUpdate(info: unknown): boolean {
    this.charge(this.priceList.onVerifyReplicaUpdate());
    if (this.context.testKernel) return true;
    return this.proofCall('verifying replica update', () => this.callManager.machine.externs.verifyReplicaUpdate(info));
  }

  /** A proof the extern refuses to check (ExternsError) is the actor's IllegalArgument. */
  protected proofCall(what: string, f: () => boolean): boolean {
    try {
      return f();
    } catch (err) {
      if (!isExternRefusal(err)) throw err;
      throw new SyscallError(ErrorNumber.IllegalArgument, `${what}: ${err.message}`);
    }
  }

  verifyConsensusFault(h1: Uint8Array, h2: Uint8Array, extra: Uint8Array): ConsensusFault | undefined {
    this.charge(this.priceList.onVerifyConsensusFault());
    if (this.context.testKernel) return undefined;
    try {
      return this.callManager.machine.externs.verifyConsensusFault(h1, h2, extra);
    } catch (err) {
      if (!isExternRefusal(err)) throw err;
      throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
    }
  }

  // ---- debug --------------------------------------------------------------------------

  debugEnabled(): boolean {
    return this.context.actorDebugging;
  }

  log(message: string): void {
    this.callManager.machine.debugLog(this.actorId, message);
  }

  storeArtifact(name: string, data: Uint8Array): void {
    const nameLen = new TextEncoder().encode(name).length;
    if (nameLen > MAX_ARTIFACT_NAME_LEN) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should not exceed 256 bytes');
    }
    if (name.includes('/')) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should not include any path separators');
    }
    if (name.length === 0) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'debug artifact name should be at least one character');
    }
    if (name.startsWith('.')) {
      throw new SyscallError(ErrorNumber.IllegalArgument, "debug artifact name should not start with a decimal '.'");
    }
    this.callManager.machine.storeArtifact(this.actorId, name, data);
  }
}

/**
 * Whether an extern's exception is its answer about the input (malformed headers or proofs):
 * an ExternsError, or a CryptoArgumentError from proof code. Anything else is a broken host.
 */
export function isExternRefusal(err: unknown): err is Error {
  return err instanceof ExternsError || err instanceof CryptoArgumentError;
}

/** One seal of a batch: a seal the extern refuses to check counts as not verified. */
export function verifySealOrFalse(externs: Externs, info: unknown): boolean {
  try {
    return externs.verifySeal(info) === true;
  } catch (err) {
    if (isExternRefusal(err)) return false;
    throw err;
  }
}

/** blake2b-256(personalization as BE i64 || base || round as BE i64 || entropy). */
export function drawRandomness(base: Uint8Array, personalization: bigint, round: bigint, entropy: Uint8Array): Uint8Array {
  const buf = new Uint8Array(8 + base.length + 8 + entropy.length);
  const view = new DataView(buf.buffer);
  view.setBigInt64(0, personalization);
  buf.set(base, 8);
  view.setBigInt64(8 + base.length, round);
  buf.set(entropy, 16 + base.length);
  return blake2b(buf, 32);
}
