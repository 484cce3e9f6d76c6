// The fvm 3.x (nv18-nv20) forms of the syscalls whose signature changed in 4.x. Same module and
// import names as the 4.x declarations, so a module must use only one of each pair.

/** 3.x: the event is one DAG-CBOR ActorEvent ([[flags, key, codec, value], ...]). */
// @ts-ignore: decorator (AssemblyScript)
@external("event", "emit_event")
export declare function emit_event_v3(evt_off: usize, evt_len: u32): u32;

/** 3.x: randomness is drawn with a domain tag and entropy; 32 bytes at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("rand", "get_chain_randomness")
export declare function get_chain_randomness_v3(ret: usize, tag: i64, epoch: i64, entropy_off: usize, entropy_len: u32): u32;

/** 3.x: see get_chain_randomness_v3. */
// @ts-ignore: decorator (AssemblyScript)
@external("rand", "get_beacon_randomness")
export declare function get_beacon_randomness_v3(ret: usize, tag: i64, epoch: i64, entropy_off: usize, entropy_len: u32): u32;

/** 3.x: deletes the actor, sending its balance to the beneficiary address bytes. */
// @ts-ignore: decorator (AssemblyScript)
@external("self", "self_destruct")
export declare function self_destruct_v3(addr_off: usize, addr_len: u32): u32;
