// Raw imports of the FVM "ipld" module: blocks are addressed by per-invocation handles.

/** The handle that means "no block". */
export const UNIT: u32 = 0;

/** Opens a reachable block by CID; writes IpldOpen {codec: u64, id: u32, size: u32} at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("ipld", "block_open")
export declare function block_open(ret: usize, cid: usize): u32;

/** Registers `len` bytes of `codec` data as a new block; writes its handle (u32) at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("ipld", "block_create")
export declare function block_create(ret: usize, codec: u64, data: usize, len: u32): u32;

/**
 * Copies at most `max_len` bytes of block `id`, from `offset`, to `obuf`; writes (i32) the block
 * length minus (offset + max_len) at `ret`: 0 exact, > 0 bytes left, < 0 the buffer was too long.
 */
// @ts-ignore: decorator (AssemblyScript)
@external("ipld", "block_read")
export declare function block_read(ret: usize, id: u32, offset: u32, obuf: usize, max_len: u32): u32;

/** Writes IpldStat {codec: u64, size: u32} of block `id` at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("ipld", "block_stat")
export declare function block_stat(ret: usize, id: u32): u32;

/** Hashes block `id` into a CID written to `cid`; its length (u32) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("ipld", "block_link")
export declare function block_link(ret: usize, id: u32, hash_fun: u64, hash_len: u32, cid: usize, cid_max_len: u32): u32;
