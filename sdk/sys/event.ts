// Raw import of the FVM "event" module (fvm 4.x layout; the 3.x form is in v3.ts).

/**
 * Emits one event: `evt_len` packed 24-byte entry headers {flags: u64, codec: u64, key_len: u32,
 * val_len: u32} at `evt_off`, then all keys and all values, each concatenated in entry order.
 */
// @ts-ignore: decorator (AssemblyScript)
@external("event", "emit_event")
export declare function emit_event(
  evt_off: usize, evt_len: u32, key_off: usize, key_len: u32, value_off: usize, value_len: u32,
): u32;
