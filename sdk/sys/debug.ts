// Raw imports of the FVM "debug" module.

/** Writes 1 (i32) at `ret` when debugging is enabled, else 0. */
// @ts-ignore: decorator (AssemblyScript)
@external("debug", "enabled")
export declare function enabled(ret: usize): u32;

/** Logs the UTF-8 message (only when debugging is enabled). */
// @ts-ignore: decorator (AssemblyScript)
@external("debug", "log")
export declare function log(message: usize, message_len: u32): u32;

/** Saves a named artifact next to the execution trace (debug mode only). */
// @ts-ignore: decorator (AssemblyScript)
@external("debug", "store_artifact")
export declare function store_artifact(name_off: usize, name_len: u32, data_off: usize, data_len: u32): u32;
