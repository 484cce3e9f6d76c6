// The node's side of the machine (ref-fvm's "boundary A"): what the FVM cannot know by itself.
// Every method is synchronous because syscalls cannot await.
import type { CID } from 'multiformats/cid';

/** A consensus fault proven by two (or three) block headers. */
export interface ConsensusFault {
  /** ID of the miner at fault. */
  readonly target: bigint;
  readonly epoch: bigint;
  /** 1 double-fork mining, 2 parent grinding, 3 time-offset mining. */
  readonly faultType: number;
}

/**
 * The node's side of the machine. To refuse a request (no randomness for that epoch, a proof
 * that cannot be checked), throw ExternsError: the actor then sees a syscall error, as in
 * ref-fvm. Any other exception is treated as a broken host and aborts the execution.
 */
export interface Externs {
  /**
   * The 32-byte ticket digest at `round`. nv18–nv20: the FVM hashes in the DST and entropy;
   * nv21+: handed to the actor as is (the actors hash it themselves).
   */
  getChainRandomness(round: bigint): Uint8Array;
  /** The 32-byte beacon digest at `round` (drawn by the FVM up to nv20, raw from nv21). */
  getBeaconRandomness(round: bigint): Uint8Array;
  /** CID of the tipset at `epoch` (strictly in the past, within finality). */
  getTipsetCid(epoch: bigint): CID;
  /** The fault the headers prove, or undefined when they prove none. Throw for malformed input. */
  verifyConsensusFault(h1: Uint8Array, h2: Uint8Array, extra: Uint8Array): ConsensusFault | undefined;
  /**
   * Proof checks the FVM delegates to the node (SNARK verification needs the proof parameters).
   * Each receives the decoded CBOR structure the actor passed; throw for malformed input.
   */
  verifyPost(info: unknown): boolean;
  verifySeal(info: unknown): boolean;
  verifyAggregateSeals(info: unknown): boolean;
  verifyReplicaUpdate(info: unknown): boolean;
}

export class ExternsError extends Error {
  override readonly name = 'ExternsError';
}

/**
 * Externs for tests and for running without a chain: randomness and tipset CIDs come from the
 * supplied functions or fail; no consensus fault is ever proven; proofs are accepted only when
 * `acceptProofs` is set.
 */
export class StaticExterns implements Externs {
  constructor(
    private readonly opts: {
      chainRandomness?: (round: bigint) => Uint8Array;
      beaconRandomness?: (round: bigint) => Uint8Array;
      tipsetCid?: (epoch: bigint) => CID;
      acceptProofs?: boolean;
    } = {},
  ) {}

  getChainRandomness(round: bigint): Uint8Array {
    if (this.opts.chainRandomness === undefined) throw new ExternsError(`no chain randomness for epoch ${round}`);
    return this.opts.chainRandomness(round);
  }

  getBeaconRandomness(round: bigint): Uint8Array {
    if (this.opts.beaconRandomness === undefined) throw new ExternsError(`no beacon randomness for epoch ${round}`);
    return this.opts.beaconRandomness(round);
  }

  getTipsetCid(epoch: bigint): CID {
    if (this.opts.tipsetCid === undefined) throw new ExternsError(`no tipset CID for epoch ${epoch}`);
    return this.opts.tipsetCid(epoch);
  }

  verifyConsensusFault(): ConsensusFault | undefined {
    return undefined;
  }

  verifyPost(): boolean {
    return this.opts.acceptProofs === true;
  }

  verifySeal(): boolean {
    return this.opts.acceptProofs === true;
  }

  verifyAggregateSeals(): boolean {
    return this.opts.acceptProofs === true;
  }

  verifyReplicaUpdate(): boolean {
    return this.opts.acceptProofs === true;
  }
}
