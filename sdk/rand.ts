// Chain and beacon randomness (32 bytes) for an epoch.
import * as sys from "./sys/rand";
import { ErrorNumber } from "./errors";
import { syscallFailed } from "./ipld";

/** Ticket randomness of `epoch`; null if the epoch is out of range (future, or beyond lookback). */
export function getChainRandomness(epoch: i64): Uint8Array | null {
  const out = new Uint8Array(32);
  const err = sys.get_chain_randomness(out.dataStart, epoch);
  if (err == ErrorNumber.IllegalArgument || err == ErrorNumber.LimitExceeded) return null;
  if (err != 0) syscallFailed("rand.get_chain_randomness", err);
  return out;
}

/** Beacon randomness of `epoch`; null if the epoch is out of range. */
export function getBeaconRandomness(epoch: i64): Uint8Array | null {
  const out = new Uint8Array(32);
  const err = sys.get_beacon_randomness(out.dataStart, epoch);
  if (err == ErrorNumber.IllegalArgument || err == ErrorNumber.LimitExceeded) return null;
  if (err != 0) syscallFailed("rand.get_beacon_randomness", err);
  return out;
}
