// Raw imports of the FVM "gas" module.

/** Charges `amount` milligas under the UTF-8 name at [name_off, name_off+name_len). */
// @ts-ignore: decorator (AssemblyScript)
@external("gas", "charge")
export declare function charge(name_off: usize, name_len: u32, amount: u64): u32;

/** Writes the gas still available (u64) at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("gas", "available")
export declare function available(ret: usize): u32;
