// Unsigned LEB128 varints as multiformats and Filecoin addresses use them: at most 10 bytes,
// minimal (no trailing zero group), value within u64.

/** Encoded length of `v`. */
export function varintLength(v: u64): i32 {
  let n = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}

/** Writes `v` at out[pos..]; returns the position after it. */
export function putVarint(out: Uint8Array, pos: i32, v: u64): i32 {
  while (v >= 0x80) {
    out[pos++] = <u8>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[pos++] = <u8>v;
  return pos;
}

export function encodeVarint(v: u64): Uint8Array {
  const out = new Uint8Array(varintLength(v));
  putVarint(out, 0, v);
  return out;
}

/**
 * Reads a varint at buf[pos..end). Returns its length in bytes (0 if malformed: truncated,
 * non-minimal or longer than 10 bytes) and leaves the value in `lastVarint`.
 */
export let lastVarint: u64 = 0;
export function readVarint(buf: Uint8Array, pos: i32, end: i32): i32 {
  let v: u64 = 0;
  let shift: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return 0;
    const b = <u64>buf[pos + i];
    // As in the reference decoder, bits of a 10th byte beyond bit 63 are dropped.
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return 0; // a trailing zero group is not minimal
      lastVarint = v;
      return i + 1;
    }
    shift += 7;
  }
  return 0;
}
