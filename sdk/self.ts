// The calling actor's own state root, balance and deletion.
import * as sys from "./sys/self";
import { Cid } from "./cid";
import { TokenAmount } from "./token";
import { ErrorNumber, ExitCode, errorNumberName } from "./errors";
import { abortWith } from "./vm";
import { syscallFailed } from "./ipld";
import { scratch, cidScratch, MAX_CID_LEN, copyOut } from "./mem";

/** The actor's state root. Aborts (USR_ILLEGAL_STATE) if the actor has been deleted. */
export function root(): Cid {
  const p = scratch();
  const buf = cidScratch();
  const err = sys.root(p, buf, MAX_CID_LEN);
  if (err == ErrorNumber.IllegalOperation) abortWith(ExitCode.USR_ILLEGAL_STATE, "self.root: the actor has been deleted");
  if (err != 0) syscallFailed("self.root", err);
  return new Cid(copyOut(buf, <i32>load<u32>(p)));
}

/** Sets the state root; returns the ErrorNumber (0 on success) for the caller to handle. */
export function trySetRoot(c: Cid): u32 {
  return sys.set_root(c.bytes.dataStart);
}

/**
 * Sets the state root (which must be reachable: just created, or loaded). Aborts with
 * USR_READ_ONLY in a read-only call and USR_ILLEGAL_STATE otherwise.
 */
export function setRoot(c: Cid): void {
  const err = trySetRoot(c);
  if (err == 0) return;
  if (err == ErrorNumber.ReadOnly) abortWith(ExitCode.USR_READ_ONLY, "self.set_root: cannot change state in a read-only call");
  abortWith(ExitCode.USR_ILLEGAL_STATE, "self.set_root(" + c.toString() + ") failed: " + errorNumberName(err));
}

export function currentBalance(): TokenAmount {
  const p = scratch();
  const err = sys.current_balance(p);
  if (err != 0) syscallFailed("self.current_balance", err);
  return new TokenAmount(load<u64>(p), load<u64>(p, 8));
}

/**
 * Deletes this actor. Without burnFunds it fails (IllegalOperation) while the balance is not
 * zero; ReadOnly in a read-only call. Returns the ErrorNumber (0 on success).
 */
export function selfDestruct(burnFunds: bool): u32 {
  return sys.self_destruct(burnFunds);
}
