// BLAKE2b (RFC 7693), unkeyed, any digest length from 1 to 64 bytes, with the compression
// function in WebAssembly. Every block and state CID of Filecoin is a blake2b-256 digest, and
// the JS implementations work on 64-bit words as pairs of 32-bit halves; WASM has native i64
// arithmetic and rotations, which makes hashing several times faster. The module is generated
// here (a few kilobytes, compiled synchronously on first use); where WebAssembly is missing,
// @noble/hashes does the work.
import { blake2b as nobleBlake2b } from '@noble/hashes/blake2.js';

const IV: readonly bigint[] = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];

// Message word schedule of each round (rounds 10 and 11 repeat 0 and 1).
const SIGMA: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

// The four columns, then the four diagonals, of the 4×4 working state.
const MIX: readonly (readonly [number, number, number, number])[] = [
  [0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
  [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14],
];

// ---------------------------------------------------------------------------------------------
// The WASM module: memory (1 page, exported) holds the chain value h[0..7] at offset 0 and the
// input at BLOCKS_AT; compress(ptr, tLow, tHigh, last) mixes the 128-byte block at `ptr` into h
// with byte counter t and the final-block flag.

const BLOCKS_AT = 128;
/** Input bytes staged per batch of compress calls (a multiple of the block size). */
const CHUNK = 500 * 128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb64(v: bigint): number[] {
  let x = BigInt.asIntN(64, v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const OP = {
  localGet: 0x20,
  i32Const: 0x41,
  localSet: 0x21,
  i64Load: 0x29,
  i64Store: 0x37,
  i64Const: 0x42,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64Rotr: 0x8a,
  i64ExtendI32U: 0xad,
  end: 0x0b,
} as const;

/** The bytes of the compression module. */
export function blake2bCompressModule(): Uint8Array<ArrayBuffer> {
  // Locals: 0 ptr, 1 tLow, 2 tHigh, 3 last (i32 params), then v0..v15 at 4.., m0..m15 at 20...
  const V = 4;
  const M = 20;
  const code: number[] = [];
  const emit = (...ops: number[]): void => void code.push(...ops);
  const get = (i: number): void => emit(OP.localGet, ...uleb(i));
  const set = (i: number): void => emit(OP.localSet, ...uleb(i));
  // m[i] = block word i (the pointer is absolute; the offset picks the word).
  for (let i = 0; i < 16; i++) {
    get(0);
    emit(OP.i64Load, 3, ...uleb(i * 8));
    set(M + i);
  }
  // v[0..7] = h, v[8..15] = IV.
  for (let i = 0; i < 8; i++) {
    emit(OP.i32Const, 0, OP.i64Load, 3, ...uleb(i * 8));
    set(V + i);
    emit(OP.i64Const, ...sleb64(IV[i]!));
    set(V + 8 + i);
  }
  // v12 ^= t (the counter's low 64 bits; inputs are far shorter than 2^64 bytes).
  get(1);
  emit(OP.i64ExtendI32U);
  get(2);
  emit(OP.i64ExtendI32U, OP.i64Const, 32, OP.i64Shl, OP.i64Or);
  get(V + 12);
  emit(OP.i64Xor);
  set(V + 12);
  // v14 ^= last ? ~0 : 0, computed as 0 - last.
  emit(OP.i64Const, 0);
  get(3);
  emit(OP.i64ExtendI32U, OP.i64Sub);
  get(V + 14);
  emit(OP.i64Xor);
  set(V + 14);
  /** dst = (p ^ q) rotated right by n. */
  const xorRotr = (dst: number, p: number, q: number, n: number): void => {
    get(p);
    get(q);
    emit(OP.i64Xor, OP.i64Const, ...sleb64(BigInt(n)), OP.i64Rotr);
    set(dst);
  };
  /** dst = p + q (+ r). */
  const add = (dst: number, p: number, q: number, r?: number): void => {
    get(p);
    get(q);
    emit(OP.i64Add);
    if (r !== undefined) {
      get(r);
      emit(OP.i64Add);
    }
    set(dst);
  };
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10]!;
    for (let g = 0; g < 8; g++) {
      const [a, b, c, d] = MIX[g]!.map((k) => V + k) as [number, number, number, number];
      const x = M + s[2 * g]!;
      const y = M + s[2 * g + 1]!;
      add(a, a, b, x);
      xorRotr(d, d, a, 32);
      add(c, c, d);
      xorRotr(b, b, c, 24);
      add(a, a, b, y);
      xorRotr(d, d, a, 16);
      add(c, c, d);
      xorRotr(b, b, c, 63);
    }
  }
  // h[i] ^= v[i] ^ v[i + 8]
  for (let i = 0; i < 8; i++) {
    emit(OP.i32Const, 0, OP.i32Const, 0, OP.i64Load, 3, ...uleb(i * 8));
    get(V + i);
    emit(OP.i64Xor);
    get(V + 8 + i);
    emit(OP.i64Xor, OP.i64Store, 3, ...uleb(i * 8));
  }
  emit(OP.end);
  const body = [1, 32, 0x7e, ...code]; // one local group: 32 × i64
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name('memory'), 2, 0, ...name('compress'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

interface Compressor {
  readonly mem: Uint8Array;
  readonly compress: (ptr: number, tLow: number, tHigh: number, last: number) => void;
}

let compressor: Compressor | null | undefined;

function getCompressor(): Compressor | null {
  if (compressor !== undefined) return compressor;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(blake2bCompressModule()), {});
    const memory = instance.exports['memory'] as WebAssembly.Memory;
    compressor = {
      mem: new Uint8Array(memory.buffer),
      compress: instance.exports['compress'] as Compressor['compress'],
    };
  } catch {
    compressor = null;
  }
  return compressor;
}

/** Initial chain values, little-endian, per digest length (parameter block: fanout 1, depth 1). */
const initialState = new Map<number, Uint8Array>();

function initialStateFor(outLen: number): Uint8Array {
  let s = initialState.get(outLen);
  if (s === undefined) {
    s = new Uint8Array(64);
    const view = new DataView(s.buffer);
    for (let i = 0; i < 8; i++) view.setBigUint64(i * 8, IV[i]!, true);
    view.setBigUint64(0, IV[0]! ^ (0x01010000n | BigInt(outLen)), true);
    initialState.set(outLen, s);
  }
  return s;
}

/** BLAKE2b of `data` with an `outLen`-byte digest (1 to 64; unkeyed, no salt or personalization). */
export function blake2b(data: Uint8Array, outLen = 32): Uint8Array {
  if (!Number.isInteger(outLen) || outLen < 1 || outLen > 64) throw new RangeError(`blake2b digest length must be 1..64, got ${outLen}`);
  const c = getCompressor();
  if (c === null) return nobleBlake2b(data, { dkLen: outLen });
  const { mem, compress } = c;
  mem.set(initialStateFor(outLen), 0);
  const len = data.length;
  if (len === 0) {
    mem.fill(0, BLOCKS_AT, BLOCKS_AT + 128);
    compress(BLOCKS_AT, 0, 0, 1);
    return mem.slice(0, outLen);
  }
  for (let off = 0; off < len; off += CHUNK) {
    const n = Math.min(CHUNK, len - off);
    mem.set(n === len ? data : data.subarray(off, off + n), BLOCKS_AT);
    const blocks = Math.ceil(n / 128);
    const end = off + n;
    // Zero-pad a partial final block.
    if (n % 128 !== 0) mem.fill(0, BLOCKS_AT + n, BLOCKS_AT + blocks * 128);
    for (let k = 0; k < blocks; k++) {
      const t = Math.min(off + (k + 1) * 128, len);
      const last = end === len && k === blocks - 1 ? 1 : 0;
      compress(BLOCKS_AT + k * 128, t >>> 0, Math.floor(t / 0x1_0000_0000), last);
    }
  }
  return mem.slice(0, outLen);
}

/** BLAKE2b-256: the digest of Filecoin's CIDs, addresses and randomness. */
export function blake2b256(data: Uint8Array): Uint8Array {
  return blake2b(data, 32);
}
