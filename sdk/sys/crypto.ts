// Raw imports of the FVM "crypto" module. Boolean answers are i32 written at `ret`: 0 = valid.

/**
 * Verifies a signature against a signer address. Always linked by fvm 3.x; fvm 4.x links it only
 * with its "verify-signature" feature, so ../crypto.ts verifies through the syscalls below instead.
 */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_signature")
export declare function verify_signature(
  ret: usize, sig_type: u32, sig_off: usize, sig_len: u32,
  addr_off: usize, addr_len: u32, plaintext_off: usize, plaintext_len: u32,
): u32;

/** Verifies one 96-byte BLS signature over `num_signers` (48-byte key, plaintext) pairs (fvm 4.x). */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_bls_aggregate")
export declare function verify_bls_aggregate(
  ret: usize, num_signers: u32, sig_off: usize, pub_keys_off: usize,
  plaintexts_off: usize, plaintext_lens_off: usize,
): u32;

/** Recovers the 65-byte uncompressed secp256k1 key from a 32-byte hash and 65-byte signature. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "recover_secp_public_key")
export declare function recover_secp_public_key(ret: usize, hash_off: usize, sig_off: usize): u32;

/** Hashes data with the multihash code; writes the digest (truncated to digest_len) and its length (u32 at `ret`). */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "hash")
export declare function hash(ret: usize, hash_code: u64, data_off: usize, data_len: u32, digest_off: usize, digest_len: u32): u32;

/** Computes the unsealed sector CID (CommD) of CBOR-encoded pieces; CID length at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "compute_unsealed_sector_cid")
export declare function compute_unsealed_sector_cid(
  ret: usize, proof_type: i64, pieces_off: usize, pieces_len: u32, cid_off: usize, cid_len: u32,
): u32;

/** Verifies a CBOR-encoded WindowPoStVerifyInfo. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_post")
export declare function verify_post(ret: usize, info_off: usize, info_len: u32): u32;

/** Checks two block headers for a consensus fault; writes {epoch: i64, target: u64, fault: u32} at `ret`. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_consensus_fault")
export declare function verify_consensus_fault(
  ret: usize, h1_off: usize, h1_len: u32, h2_off: usize, h2_len: u32, extra_off: usize, extra_len: u32,
): u32;

/** Verifies a CBOR-encoded AggregateSealVerifyProofAndInfos. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_aggregate_seals")
export declare function verify_aggregate_seals(ret: usize, agg_off: usize, agg_len: u32): u32;

/** Verifies a CBOR-encoded ReplicaUpdateInfo. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "verify_replica_update")
export declare function verify_replica_update(ret: usize, rep_off: usize, rep_len: u32): u32;

/** Verifies a CBOR-encoded list of seals; writes one byte (1 = valid) per seal at `result_off`. */
// @ts-ignore: decorator (AssemblyScript)
@external("crypto", "batch_verify_seals")
export declare function batch_verify_seals(batch_off: usize, batch_len: u32, result_off: usize): u32;
