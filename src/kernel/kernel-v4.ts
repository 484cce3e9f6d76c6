// The kernel of one actor invocation under ref-fvm 4.x semantics (nv21–nv28). It keeps the
// 3.x kernel's behaviour where the reference kept it and changes what 4.x changed:
// - IPLD reachability: blocks are opened only if reachable, created only with reachable
//   links, and their links are scanned and priced; the state root is reachable once read;
// - the state root costs gas to read and to set, and a new root must be reachable;
// - self-destruct burns the remaining balance (if asked to) instead of sending it;
// - randomness is handed out raw (the actors mix in their own domain tag and entropy) and
//   priced by lookback;
// - events arrive as packed headers plus key and value buffers (CBOR values allowed);
// - BLS aggregate signature verification; NI-PoRep seal proofs; tipset lookups without the
//   finality bound.
import type { CID } from 'multiformats/cid';
import type { CallManager } from '../call/call-manager.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { CryptoArgumentError } from '../crypto/errors.js';
import { BLS_PUB_LEN, verifyBlsAggregate } from '../crypto/signature.js';
import { BURNT_FUNDS_ACTOR_ID } from '../state/init-state.js';
import { Block, type BlockId, type BlockStat } from './blocks.js';
import { FatalError, OutOfGasError, SyscallError } from './errors.js';
import { buildEventEntries } from './events-v4.js';
import { Kernel } from './kernel.js';
import { isExternRefusal } from './kernel-base.js';
import { ALLOWED_CODECS, ReachableBlockRegistry, scanForReachableLinks } from './reachability.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export class KernelV4 extends Kernel {
  declare readonly blocks: ReachableBlockRegistry;

  constructor(
    callManager: CallManager,
    blocks: ReachableBlockRegistry,
    caller: bigint,
    actorId: bigint,
    method: bigint,
    valueReceived: bigint,
    readOnly: boolean,
  ) {
    super(callManager, blocks, caller, actorId, method, valueReceived, readOnly);
  }

  // ---- self ---------------------------------------------------------------------------

  override root(): CID {
    this.charge(this.priceList.onGetRoot());
    const self = this.callManager.getActor(this.actorId);
    if (self === undefined) {
      throw new SyscallError(ErrorNumber.IllegalOperation, 'state root requested after actor deletion');
    }
    this.blocks.markReachable(self.head);
    return self.head;
  }

  override setRoot(root: CID): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot update the state-root while read-only');
    this.charge(this.priceList.onSetRoot());
    if (!this.blocks.isReachable(root)) {
      throw new SyscallError(ErrorNumber.NotFound, `new root cid not reachable: ${root.toString()}`);
    }
    const self = this.callManager.getActor(this.actorId);
    if (self === undefined) throw new SyscallError(ErrorNumber.IllegalOperation, 'actor deleted');
    this.callManager.setActor(this.actorId, { ...self, head: root });
  }

  /** 4.x has no beneficiary: the caller chooses to burn what is left, or fails if anything is. */
  override selfDestruct(): never {
    throw new FatalError('self_destruct with a beneficiary does not exist from nv21 (use selfDestructAndBurn)');
  }

  selfDestructAndBurn(burnUnspent: boolean): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot self-destruct when read-only');
    this.charge(this.priceList.onDeleteActor());
    const balance = this.currentBalance();
    if (balance !== 0n) {
      if (!burnUnspent) throw new SyscallError(ErrorNumber.IllegalOperation, 'self-destruct with unspent funds');
      // Balance and value were checked: any failure here (even running out of gas) is fatal.
      try {
        this.callManager.transfer(this.actorId, BURNT_FUNDS_ACTOR_ID, balance);
      } catch (err) {
        if (err instanceof SyscallError || err instanceof OutOfGasError) {
          throw new FatalError(`burning the balance of a self-destructing actor: ${err.message}`, { cause: err });
        }
        throw err;
      }
    }
    this.callManager.deleteActor(this.actorId);
  }

  // ---- ipld ---------------------------------------------------------------------------

  override blockOpen(cid: CID): { id: BlockId; stat: BlockStat } {
    this.charge(this.priceList.onBlockOpenBase());
    if (!this.blocks.isReachable(cid)) {
      throw new SyscallError(ErrorNumber.NotFound, `block not reachable: ${cid.toString()}`);
    }
    const data = this.callManager.machine.blockstore.get(cid);
    // A reachable block that is missing means the store is incomplete.
    if (data === undefined) throw new FatalError(`missing reachable state: ${cid.toString()}`);
    this.callManager.traceKernelEvent({ type: 'ipld', op: 'get', cid, size: data.length });
    const codec = BigInt(cid.code);
    const links = scanForReachableLinks(codec, data, this.priceList, this.callManager.gasTracker);
    this.charge(this.priceList.onBlockOpen(data.length, links.length));
    const block = new Block(codec, data, links);
    const id = this.blocks.put(block);
    return { id, stat: block.stat() };
  }

  override blockCreate(codec: bigint, data: Uint8Array): BlockId {
    if (data.length > this.context.maxBlockSize) {
      throw new SyscallError(ErrorNumber.LimitExceeded, 'blocks may not be larger than 1MiB');
    }
    if (codec > 0xffff_ffffn || !ALLOWED_CODECS.has(Number(codec))) {
      throw new SyscallError(ErrorNumber.IllegalCodec, `codec ${codec} not allowed`);
    }
    const links = scanForReachableLinks(codec, data, this.priceList, this.callManager.gasTracker);
    this.charge(this.priceList.onBlockCreate(data.length, links.length));
    return this.blocks.putCheckReachable(new Block(codec, data.slice(), links));
  }

  override blockLink(id: BlockId, hashFun: bigint, hashLen: number): CID {
    const cid = super.blockLink(id, hashFun, hashLen);
    this.blocks.markReachable(cid);
    this.callManager.traceKernelEvent({ type: 'ipld', op: 'put', cid, size: this.blocks.get(id).size });
    return cid;
  }

  /** 4.x also records actor logs in the execution trace. */
  override log(message: string): void {
    super.log(message);
    this.callManager.traceKernelEvent({ type: 'log', message });
  }

  // ---- network ------------------------------------------------------------------------

  /** Any past epoch may be looked up; the price grows with the distance. */
  override tipsetCid(epoch: bigint): CID {
    if (epoch < 0n) throw new SyscallError(ErrorNumber.IllegalArgument, 'epoch is negative');
    const offset = this.context.epoch - epoch;
    if (offset < 0n) throw new SyscallError(ErrorNumber.IllegalArgument, `epoch ${epoch} is in the future`);
    if (offset === 0n) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'cannot lookup the tipset cid for the current epoch');
    }
    this.charge(this.priceList.onTipsetCid(offset));
    try {
      return this.callManager.machine.externs.getTipsetCid(epoch);
    } catch (err) {
      if (!isExternRefusal(err)) throw err;
      throw new FatalError(`tipset CID lookup failed: ${err.message}`, { cause: err });
    }
  }

  // ---- randomness (raw, nv21+) --------------------------------------------------------

  chainRandomness(round: bigint): Uint8Array {
    this.chargeRandomness(round);
    return this.externRandomness(() => this.callManager.machine.externs.getChainRandomness(round));
  }

  beaconRandomness(round: bigint): Uint8Array {
    this.chargeRandomness(round);
    return this.externRandomness(() => this.callManager.machine.externs.getBeaconRandomness(round));
  }

  /** Priced by lookback; a future epoch prices as a huge lookback and runs out of gas. */
  private chargeRandomness(round: bigint): void {
    const lookback = this.context.epoch - round;
    if (lookback < I64_MIN || lookback > I64_MAX) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `randomness epoch ${round} is in the future`);
    }
    this.charge(this.priceList.onGetRandomness(lookback));
  }

  // ---- crypto -------------------------------------------------------------------------

  /**
   * BLS aggregate signature over one plaintext per key. `publicKeys` holds the 48-byte keys
   * back to back and `lengths` the plaintext lengths as little-endian u32s, as the actor wrote
   * them: the price (by signer count and plaintext bytes) is charged before either is split up.
   * Malformed points verify as false; plaintext lengths that do not tile `plaintexts` are
   * IllegalArgument (after charging).
   */
  verifyBlsAggregate(signature: Uint8Array, publicKeys: Uint8Array, plaintexts: Uint8Array, lengths: Uint8Array): boolean {
    const numSigners = publicKeys.length / BLS_PUB_LEN;
    if (!Number.isInteger(numSigners) || lengths.length !== numSigners * 4) {
      throw new SyscallError(ErrorNumber.IllegalArgument, 'unequal numbers of bls public keys and plaintexts');
    }
    this.charge(this.priceList.onVerifyAggregateSignature(numSigners, plaintexts.length));
    const lens = new DataView(lengths.buffer, lengths.byteOffset, lengths.byteLength);
    const keys: Uint8Array[] = [];
    const messages: Uint8Array[] = [];
    let offset = 0;
    for (let i = 0; i < numSigners; i++) {
      const end = offset + lens.getUint32(4 * i, true);
      if (end > plaintexts.length) {
        throw new SyscallError(ErrorNumber.IllegalArgument, 'bls signature plaintext out of bounds');
      }
      keys.push(publicKeys.subarray(i * BLS_PUB_LEN, (i + 1) * BLS_PUB_LEN));
      messages.push(plaintexts.subarray(offset, end));
      offset = end;
    }
    if (offset !== plaintexts.length) {
      throw new SyscallError(ErrorNumber.IllegalArgument, "plaintexts buffer length doesn't match");
    }
    try {
      return verifyBlsAggregate(signature, keys, messages);
    } catch (err) {
      if (err instanceof CryptoArgumentError) return false;
      throw err;
    }
  }

  /** 4.x knows the NI-PoRep seal proofs (codes 15–19). */
  protected override get knowsNiPoRep(): boolean {
    return true;
  }

  /** The 4.x conformance kernel forwards PoSt verification to the proofs (here: the externs). */
  override verifyPost(info: unknown, firstProofType: number | undefined, challengedSectors: number): boolean {
    this.charge(this.priceList.onVerifyPost(firstProofType, challengedSectors));
    return this.proofCall('verifying post', () => this.callManager.machine.externs.verifyPost(info));
  }

  // ---- events -------------------------------------------------------------------------

  override emitEvent(): never {
    throw new FatalError('CBOR-encoded events do not exist from nv21 (use emitEventEntries)');
  }

  /**
   * Emits an event given as `count` packed entry headers (24 bytes each, see events-v4.ts)
   * and the concatenated keys and values.
   */
  emitEventEntries(rawHeaders: Uint8Array, count: number, keys: Uint8Array, values: Uint8Array): void {
    if (this.readOnly) throw new SyscallError(ErrorNumber.ReadOnly, 'cannot emit events while read-only');
    this.charge(this.priceList.onActorEvent(count, keys.length, values.length));
    const entries = buildEventEntries(rawHeaders, count, keys, values);
    this.callManager.appendEvent({ emitter: this.actorId, entries });
  }
}
