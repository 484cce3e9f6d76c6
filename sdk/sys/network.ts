// Raw imports of the FVM "network" module.

/** Writes the circulating supply as a 16-byte TokenAmount {lo: u64, hi: u64} at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("network", "total_fil_circ_supply")
export declare function total_fil_circ_supply(ret: usize): u32;

/** Writes the CID of the tipset at `epoch` into [ret_off, ret_off+ret_len); its length (u32) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("network", "tipset_cid")
export declare function tipset_cid(ret: usize, epoch: i64, ret_off: usize, ret_len: u32): u32;

/** Writes the 44-byte NetworkContext (see ../context.ts for the layout) at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("network", "context")
export declare function context(ret: usize): u32;
