// RFC 4648 base32, lowercase and unpadded: the alphabet of CID and address strings.
const B32 = "abcdefghijklmnopqrstuvwxyz234567";

export function base32(b: Uint8Array): string {
  let s = "";
  let bits: u32 = 0;
  let acc: u32 = 0;
  for (let i = 0; i < b.length; i++) {
    // Only the low 12 bits are ever read back: mask to keep the accumulator small.
    acc = ((acc << 8) | <u32>b[i]) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += B32.charAt(<i32>((acc >> bits) & 31));
    }
  }
  if (bits > 0) s += B32.charAt(<i32>((acc << (5 - bits)) & 31));
  return s;
}
