// Raw imports of the FVM "actor" module.

/** Resolves the address bytes at [addr_off, addr_off+addr_len) to an actor ID (u64 at `ret`). */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "resolve_address")
export declare function resolve_address(ret: usize, addr_off: usize, addr_len: u32): u32;

/** Writes the actor's f4 address into the buffer; its length (u32, 0 = none) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "lookup_delegated_address")
export declare function lookup_delegated_address(ret: usize, actor_id: u64, addr_buf_off: usize, addr_buf_len: u32): u32;

/** Writes the actor's code CID into the buffer; its length (u32) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "get_actor_code_cid")
export declare function get_actor_code_cid(ret: usize, actor_id: u64, obuf_off: usize, obuf_len: u32): u32;

/** Writes the builtin actor type (i32, 0 = not builtin) of the code CID at `cid_off` at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "get_builtin_actor_type")
export declare function get_builtin_actor_type(ret: usize, cid_off: usize): u32;

/** Writes the code CID of builtin actor type `typ` into the buffer; its length (u32) goes to `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "get_code_cid_for_type")
export declare function get_code_cid_for_type(ret: usize, typ: i32, obuf_off: usize, obuf_len: u32): u32;

/** Privileged (init actor): writes the next robust (f2) address into the buffer; length at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "next_actor_address")
export declare function next_actor_address(ret: usize, obuf_off: usize, obuf_len: u32): u32;

/** Privileged (init actor): creates actor `actor_id` with the code CID at `typ_off`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "create_actor")
export declare function create_actor(actor_id: u64, typ_off: usize, delegated_addr_off: usize, delegated_addr_len: u32): u32;

/**
 * Replaces the calling actor's code (ref-fvm feature "upgrade-actor"); on failure writes a
 * 20-byte Send record (see ../send.ts) at `ret`.
 */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "upgrade_actor")
export declare function upgrade_actor(ret: usize, new_code_cid_off: usize, params: u32): u32;

/** Privileged (init actor, ref-fvm feature "m2-native"): installs the WASM code with the CID at `cid_off`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "install_actor")
export declare function install_actor(cid_off: usize): u32;

/** Writes the balance of actor `actor_id` as a 16-byte TokenAmount {lo, hi} at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("actor", "balance_of")
export declare function balance_of(ret: usize, actor_id: u64): u32;
