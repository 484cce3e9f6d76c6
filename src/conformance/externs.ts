// The node's side of the machine when replaying a test vector, as the reference's conformance
// runner provides it: randomness recorded in the vector, proofs that always verify, no chain.
import type { CID } from 'multiformats/cid';
import { ExternsError, type ConsensusFault, type Externs } from '../machine/externs.js';
import type { VectorRandomness } from './vector.js';

/** What a lookup that matches no recorded entry returns (the reference runner's fixed fallback). */
export const FALLBACK_RANDOMNESS: Uint8Array = new TextEncoder().encode('i_am_random_____i_am_random_____');

export const RANDOMNESS_LENGTH = 32;

export interface RandomnessLookup {
  readonly kind: 'chain' | 'beacon';
  readonly epoch: bigint;
  /** Whether a recorded entry answered (false: the fallback was returned). */
  readonly hit: boolean;
}

/**
 * Replays the randomness digests recorded in a vector. A request matches an entry of the same
 * kind and epoch; the first such entry in the vector's order wins; a request that matches none
 * gets FALLBACK_RANDOMNESS rather than an error, as the reference does.
 */
export class ReplayingRandomness {
  private readonly recorded = new Map<string, Uint8Array>();
  /** Every request, in order, for diagnosing randomness-dependent mismatches. */
  readonly lookups: RandomnessLookup[] = [];

  constructor(entries: readonly VectorRandomness[]) {
    for (const [i, e] of entries.entries()) {
      if (e.value.length !== RANDOMNESS_LENGTH) {
        throw new ExternsError(`randomness entry ${i} (${e.kind} @ ${e.epoch}) is ${e.value.length} bytes, expected ${RANDOMNESS_LENGTH}`);
      }
      const key = `${e.kind}:${e.epoch}`;
      if (!this.recorded.has(key)) this.recorded.set(key, e.value);
    }
  }

  chain(epoch: bigint): Uint8Array {
    return this.lookup('chain', epoch);
  }

  beacon(epoch: bigint): Uint8Array {
    return this.lookup('beacon', epoch);
  }

  private lookup(kind: 'chain' | 'beacon', epoch: bigint): Uint8Array {
    const found = this.recorded.get(`${kind}:${epoch}`);
    this.lookups.push({ kind, epoch, hit: found !== undefined });
    // Copies, so that nothing the machine does to the result can alter the recording.
    return (found ?? FALLBACK_RANDOMNESS).slice();
  }

  /** The lookups that fell back to the fixed value. */
  misses(): RandomnessLookup[] {
    return this.lookups.filter((l) => !l.hit);
  }
}

/**
 * Externs for a conformance run: replayed randomness; every proof (PoSt, seal, aggregate,
 * replica update) verifies; no consensus fault is ever proven. Tipset CIDs are not part of a
 * vector: asking for one is an error (the reference runner has no answer either).
 */
export class ConformanceExterns implements Externs {
  readonly randomness: ReplayingRandomness;

  constructor(entries: readonly VectorRandomness[]) {
    this.randomness = new ReplayingRandomness(entries);
  }

  getChainRandomness(round: bigint): Uint8Array {
    return this.randomness.chain(round);
  }

  getBeaconRandomness(round: bigint): Uint8Array {
    return this.randomness.beacon(round);
  }

  getTipsetCid(epoch: bigint): CID {
    throw new ExternsError(`test vectors record no tipset CIDs (requested epoch ${epoch})`);
  }

  verifyConsensusFault(): ConsensusFault | undefined {
    return undefined;
  }

  verifyPost(): boolean {
    return true;
  }

  verifySeal(): boolean {
    return true;
  }

  verifyAggregateSeals(): boolean {
    return true;
  }

  verifyReplicaUpdate(): boolean {
    return true;
  }
}
