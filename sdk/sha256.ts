// SHA-256 (FIPS 180-4) computed inside the actor. The HAMT hashes every key with it; doing it
// in WASM avoids a syscall per key, as the Rust HAMT does.

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** The SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const h = new StaticArray<u32>(8);
  h[0] = 0x6a09e667; h[1] = 0xbb67ae85; h[2] = 0x3c6ef372; h[3] = 0xa54ff53a;
  h[4] = 0x510e527f; h[5] = 0x9b05688c; h[6] = 0x1f83d9ab; h[7] = 0x5be0cd19;
  const w = new StaticArray<u32>(64);

  // Message + 0x80 + zero padding + 64-bit big-endian bit length, in 64-byte blocks.
  const len = data.length;
  const total = ((len + 9 + 63) >> 6) << 6;
  const block = new Uint8Array(64);
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 64; i++) {
      const p = off + i;
      let b: u8 = 0;
      if (p < len) b = unchecked(data[p]);
      else if (p == len) b = 0x80;
      else if (p >= total - 8) b = <u8>((<u64>len << 3) >> (<u64>(total - 1 - p) * 8));
      unchecked(block[i] = b);
    }
    compress(h, w, block);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = h[i];
    out[4 * i] = <u8>(v >> 24);
    out[4 * i + 1] = <u8>(v >> 16);
    out[4 * i + 2] = <u8>(v >> 8);
    out[4 * i + 3] = <u8>v;
  }
  return out;
}

function compress(h: StaticArray<u32>, w: StaticArray<u32>, block: Uint8Array): void {
  for (let i = 0; i < 16; i++) {
    unchecked(w[i] = (<u32>block[4 * i] << 24) | (<u32>block[4 * i + 1] << 16) | (<u32>block[4 * i + 2] << 8) | <u32>block[4 * i + 3]);
  }
  for (let i = 16; i < 64; i++) {
    const x = unchecked(w[i - 15]);
    const y = unchecked(w[i - 2]);
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
    unchecked(w[i] = unchecked(w[i - 16]) + s0 + unchecked(w[i - 7]) + s1);
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = hh + S1 + ch + unchecked(K[i]) + unchecked(w[i]);
    const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    hh = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}
