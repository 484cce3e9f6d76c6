// Raw import of the FVM "send" module.

/**
 * Sends a message to the address bytes at [recipient_off, +recipient_len) with the params block
 * handle `params` (0 = none) and value hi:lo attoFIL; writes a 20-byte record {exit_code: u32,
 * return_id: u32, return_codec: u64, return_size: u32} at `ret`. flags bit 0 = read-only.
 */
// @ts-ignore: decorator (AssemblyScript)
@external("send", "send")
export declare function send(
  ret: usize, recipient_off: usize, recipient_len: u32, method: u64, params: u32,
  value_hi: u64, value_lo: u64, gas_limit: u64, flags: u64,
): u32;
