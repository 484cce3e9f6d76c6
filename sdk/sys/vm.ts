// Raw imports of the FVM "vm" module. Pointers are offsets into this module's memory; every
// call returns an ErrorNumber (0 = success) except exit, which never returns.

/** Ends the invocation with `code`, an optional return block (0 = none) and a debug message. */
// @ts-ignore: decorator (AssemblyScript)
@external("vm", "exit")
export declare function exit(code: u32, blk_id: u32, message_off: usize, message_len: u32): u32;

/** Writes the 80-byte MessageContext (see ../context.ts for the layout) at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("vm", "message_context")
export declare function message_context(ret: usize): u32;
