// NaN canonicalisation, as Wasmtime applies it with `cranelift_nan_canonicalization`: the
// result of every float operation that can produce a NaN (arithmetic, min/max, sqrt,
// rounding, promotion/demotion) is replaced by the canonical quiet NaN when it is a NaN, so
// payload and sign bits never depend on the host CPU. abs, neg, copysign, loads, constants
// and reinterpretations only move bits and are left alone.
import type { ByteWriter } from '../wasm/writer.js';

/** 1 = f32 result to canonicalise, 2 = f64 result, 0 = nothing. Indexed by opcode. */
export const NAN_RESULT = new Uint8Array(256);
for (let op = 0x8d; op <= 0x97; op++) NAN_RESULT[op] = 1; // f32 ceil floor trunc nearest sqrt add sub mul div min max
for (let op = 0x9b; op <= 0xa5; op++) NAN_RESULT[op] = 2; // f64 ceil floor trunc nearest sqrt add sub mul div min max
NAN_RESULT[0xb6] = 1; // f32.demote_f64
NAN_RESULT[0xbb] = 2; // f64.promote_f32

const CANONICAL_F32 = new Uint8Array([0x00, 0x00, 0xc0, 0x7f]); // 0x7fc00000
const CANONICAL_F64 = new Uint8Array([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f]); // 0x7ff8000000000000

/**
 * Emits code replacing the float on top of the stack by the canonical NaN if it is a NaN:
 * `select(x, nan, x == x)`, using `local` (of the result's type) as scratch.
 */
export function writeCanonicalize(w: ByteWriter, kind: number, local: number): void {
  w.u8(0x22).u32(local); // local.tee
  if (kind === 1) w.u8(0x43).bytes(CANONICAL_F32);
  else w.u8(0x44).bytes(CANONICAL_F64);
  w.u8(0x20).u32(local).u8(0x20).u32(local); // local.get, local.get
  w.u8(kind === 1 ? 0x5b : 0x61); // f32.eq / f64.eq: false only for NaN
  w.u8(0x1b); // select
}
