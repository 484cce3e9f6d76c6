// Content identifiers as raw bytes (CIDv1: version, codec, multihash; CIDv0: a bare sha2-256
// multihash), validated on parse.
import { readVarint, lastVarint, varintLength, putVarint } from "./varint";
import { bytesEqual, toHex } from "./mem";
import { base32 } from "./base32";

/** Longest digest accepted in a multihash (the FVM's own limit). */
export const MAX_DIGEST_LEN: i32 = 64;

export class Cid {
  /** Use Cid.fromBytes / Cid.v1 to build one; the bytes are taken as they are. */
  constructor(public readonly bytes: Uint8Array) {}

  /** Builds a CIDv1. */
  static v1(codec: u64, hashCode: u64, digest: Uint8Array): Cid {
    const n = 1 + varintLength(codec) + varintLength(hashCode) + varintLength(<u64>digest.length) + digest.length;
    const out = new Uint8Array(n);
    let p = putVarint(out, 0, 1);
    p = putVarint(out, p, codec);
    p = putVarint(out, p, hashCode);
    p = putVarint(out, p, <u64>digest.length);
    out.set(digest, p);
    return new Cid(out);
  }

  /** Parses exactly `bytes` as one CID; null if they are not one. */
  static fromBytes(bytes: Uint8Array): Cid | null {
    const n = cidLength(bytes, 0, bytes.length);
    if (n != bytes.length) return null;
    return new Cid(bytes.slice(0));
  }

  get version(): u64 {
    return isV0(this.bytes, 0, this.bytes.length) ? 0 : 1;
  }

  get codec(): u64 {
    if (this.version == 0) return 0x70; // dag-pb
    const b = this.bytes;
    const v = readVarint(b, 0, b.length);
    readVarint(b, v, b.length);
    return lastVarint;
  }

  get hashCode(): u64 {
    const b = this.bytes;
    if (this.version == 0) return 0x12;
    let p = readVarint(b, 0, b.length);
    p += readVarint(b, p, b.length);
    readVarint(b, p, b.length);
    return lastVarint;
  }

  get digest(): Uint8Array {
    const b = this.bytes;
    if (this.version == 0) return b.slice(2);
    let p = readVarint(b, 0, b.length);
    p += readVarint(b, p, b.length);
    p += readVarint(b, p, b.length);
    p += readVarint(b, p, b.length);
    return b.slice(p);
  }

  equals(other: Cid): bool {
    return bytesEqual(this.bytes, other.bytes);
  }

  /** CIDv1 in base32 ("bafy..."), CIDv0 as "cidv0:" + hex. */
  toString(): string {
    if (this.version == 0) return "cidv0:" + toHex(this.bytes);
    return "b" + base32(this.bytes);
  }
}

function isV0(b: Uint8Array, pos: i32, end: i32): bool {
  return end - pos >= 34 && b[pos] == 0x12 && b[pos + 1] == 0x20;
}

/** Length of the CID starting at b[pos] (reading at most to `end`), or -1 if there is none. */
export function cidLength(b: Uint8Array, pos: i32, end: i32): i32 {
  if (isV0(b, pos, end)) return 34;
  let p = pos;
  let n = readVarint(b, p, end);
  if (n == 0 || lastVarint != 1) return -1;
  p += n;
  n = readVarint(b, p, end); // codec
  if (n == 0) return -1;
  p += n;
  n = readVarint(b, p, end); // hash code
  if (n == 0) return -1;
  p += n;
  n = readVarint(b, p, end); // digest length
  if (n == 0 || lastVarint > <u64>MAX_DIGEST_LEN) return -1;
  p += n;
  const len = <i32>lastVarint;
  if (p + len > end) return -1;
  return p + len - pos;
}
