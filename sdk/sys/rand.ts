// Raw imports of the FVM "rand" module (fvm 4.x: the digest only; 3.x form in v3.ts).

/** Writes the 32-byte ticket randomness of `epoch` at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("rand", "get_chain_randomness")
export declare function get_chain_randomness(ret: usize, epoch: i64): u32;

/** Writes the 32-byte beacon randomness of `epoch` at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("rand", "get_beacon_randomness")
export declare function get_beacon_randomness(ret: usize, epoch: i64): u32;
