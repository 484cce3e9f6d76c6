// BLAKE2b (RFC 7693), unkeyed, any digest length 1..64, computed inside the actor. Used for
// FRC-42 method numbers (blake2b-512), address checksums (4 bytes) and secp256k1 address
// payloads (20 bytes): a truncated blake2b-256 from the hash syscall is not the same function.

const IV: StaticArray<u64> = [
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
];

const SIGMA: StaticArray<u8> = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
];

/** The BLAKE2b digest of `data` with `outLen` (1..64) bytes of output. */
export function blake2b(data: Uint8Array, outLen: i32 = 32): Uint8Array {
  assert(outLen >= 1 && outLen <= 64, "blake2b output length must be 1..64");
  const h = new StaticArray<u64>(8);
  for (let i = 0; i < 8; i++) h[i] = IV[i];
  // Parameter block: digest length, no key, fanout 1, depth 1.
  h[0] ^= 0x01010000 ^ <u64>outLen;

  const m = new StaticArray<u64>(16);
  const v = new StaticArray<u64>(16);
  const len = data.length;
  let off = 0;
  // Every full block but the last is compressed as non-final.
  while (len - off > 128) {
    loadBlock(m, data, off, 128);
    off += 128;
    compress(h, m, v, <u64>off, false);
  }
  loadBlock(m, data, off, len - off);
  compress(h, m, v, <u64>len, true);

  const out = new Uint8Array(outLen);
  for (let i = 0; i < outLen; i++) out[i] = <u8>(h[i >> 3] >> (<u64>(i & 7) * 8));
  return out;
}

export function blake2b256(data: Uint8Array): Uint8Array { return blake2b(data, 32); }
export function blake2b512(data: Uint8Array): Uint8Array { return blake2b(data, 64); }

/** Little-endian words of data[off..off+n), zero padded to 128 bytes. */
function loadBlock(m: StaticArray<u64>, data: Uint8Array, off: i32, n: i32): void {
  for (let i = 0; i < 16; i++) unchecked(m[i] = 0);
  for (let i = 0; i < n; i++) {
    const w = i >> 3;
    const b = <u64>unchecked(data[off + i]);
    const shift = <u64>((i & 7) * 8);
    unchecked(m[w] = unchecked(m[w]) | (b << shift));
  }
}

// @ts-ignore: decorator
@inline
function mix(v: StaticArray<u64>, a: i32, b: i32, c: i32, d: i32, x: u64, y: u64): void {
  let va = unchecked(v[a]), vb = unchecked(v[b]), vc = unchecked(v[c]), vd = unchecked(v[d]);
  va = va + vb + x; vd = rotr<u64>(vd ^ va, 32);
  vc = vc + vd;     vb = rotr<u64>(vb ^ vc, 24);
  va = va + vb + y; vd = rotr<u64>(vd ^ va, 16);
  vc = vc + vd;     vb = rotr<u64>(vb ^ vc, 63);
  unchecked(v[a] = va); unchecked(v[b] = vb); unchecked(v[c] = vc); unchecked(v[d] = vd);
}

function compress(h: StaticArray<u64>, m: StaticArray<u64>, v: StaticArray<u64>, counter: u64, last: bool): void {
  for (let i = 0; i < 8; i++) {
    unchecked(v[i] = h[i]);
    unchecked(v[i + 8] = IV[i]);
  }
  v[12] ^= counter; // the high counter word stays 0: inputs are far below 2^64 bytes
  if (last) v[14] = ~v[14];
  for (let r = 0; r < 12; r++) {
    const s = (r % 10) * 16;
    mix(v, 0, 4, 8, 12, m[SIGMA[s + 0]], m[SIGMA[s + 1]]);
    mix(v, 1, 5, 9, 13, m[SIGMA[s + 2]], m[SIGMA[s + 3]]);
    mix(v, 2, 6, 10, 14, m[SIGMA[s + 4]], m[SIGMA[s + 5]]);
    mix(v, 3, 7, 11, 15, m[SIGMA[s + 6]], m[SIGMA[s + 7]]);
    mix(v, 0, 5, 10, 15, m[SIGMA[s + 8]], m[SIGMA[s + 9]]);
    mix(v, 1, 6, 11, 12, m[SIGMA[s + 10]], m[SIGMA[s + 11]]);
    mix(v, 2, 7, 8, 13, m[SIGMA[s + 12]], m[SIGMA[s + 13]]);
    mix(v, 3, 4, 9, 14, m[SIGMA[s + 14]], m[SIGMA[s + 15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= unchecked(v[i]) ^ unchecked(v[i + 8]);
}
