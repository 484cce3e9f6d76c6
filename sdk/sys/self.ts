// Raw imports of the FVM "self" module: the calling actor's own state.

/** Writes the state root CID into [cid, cid+cid_max_len); its length (u32) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("self", "root")
export declare function root(ret: usize, cid: usize, cid_max_len: u32): u32;

/** Sets the state root to the (reachable) CID stored at `cid`. */
// @ts-ignore: decorator (AssemblyScript)
@external("self", "set_root")
export declare function set_root(cid: usize): u32;

/** Writes the actor's balance as a 16-byte TokenAmount {lo, hi} at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("self", "current_balance")
export declare function current_balance(ret: usize): u32;

/** Deletes the actor; with burn_funds false it fails while the balance is not zero. */
// @ts-ignore: decorator (AssemblyScript)
@external("self", "self_destruct")
export declare function self_destruct(burn_funds: bool): u32;
