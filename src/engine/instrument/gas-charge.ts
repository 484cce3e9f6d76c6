// The code a gas charge is made of. fvm-wasm-instrument calls an appended function that
// subtracts the amount from the counter, stores it, and traps when the stored value is
// negative. V8 does not inline that call, and it is the hottest function of actor code, so by
// default the same steps are written in place: the counter gets the same (wrapping) i64
// difference, stored before the check, and the trap is an `unreachable` right after it. The
// engine reads the counter after a trap (a negative value means out of gas and says how much
// was overspent), so storing before trapping is what keeps the effect identical. With a
// scratch i64 local, the check reads the new value from it rather than from the imported
// global again (measured faster under V8).
import type { ByteWriter } from '../wasm/writer.js';
import type { FuncType } from '../wasm/types.js';

/**
 * How charges are written: 'inline' (the default: the subtract-and-check in place), or
 * 'helper': exactly as the reference instrumenter writes them, a call of an appended function.
 */
export type GasChargeForm = 'inline' | 'helper';

/** Type of the reference's charging function: takes the amount, returns nothing. */
export const GAS_HELPER_TYPE: FuncType = { params: [0x7e], results: [] };

const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const LOCAL_GET = 0x20;
const LOCAL_TEE = 0x22;
const I64_CONST = 0x42;
const I64_EXTEND_I32_U = 0xad;
const I64_SUB = 0x7d;
const I64_MUL = 0x7e;
const I64_LT_S = 0x53;
const CALL = 0x10;

/**
 * Writes the tail shared by every charge: stores the i64 on the stack in the counter and traps
 * if it is negative, reading it back from `scratch` (an i64 local) when there is one (>= 0).
 */
function writeStoreAndCheck(w: ByteWriter, counter: number, scratch: number): void {
  if (scratch >= 0) {
    w.u8(LOCAL_TEE).u32(scratch).u8(GLOBAL_SET).u32(counter).u8(LOCAL_GET).u32(scratch);
  } else {
    w.u8(GLOBAL_SET).u32(counter).u8(GLOBAL_GET).u32(counter);
  }
  w.u8(I64_CONST).u8(0x00).u8(I64_LT_S);
  w.u8(0x04).u8(0x40).u8(0x00).u8(0x0b); // if (no result) unreachable end
}

/** How the charges of one function are written. */
export interface ChargeTarget {
  readonly form: GasChargeForm;
  /** Index of the counter global. */
  readonly counter: number;
  /** Index of the appended charging function ('helper' form only). */
  readonly helper: number;
  /** An i64 local of the function free for the 'inline' form's check, or -1. */
  readonly scratch: number;
}

/** Writes a charge of a fixed amount (milligas, may exceed 2^53 only as an exact integer). */
export function writeFixedCharge(w: ByteWriter, t: ChargeTarget, amount: number): void {
  if (t.form === 'helper') {
    w.u8(I64_CONST).s64(amount).u8(CALL).u32(t.helper);
    return;
  }
  w.u8(GLOBAL_GET).u32(t.counter).u8(I64_CONST).s64(amount).u8(I64_SUB);
  writeStoreAndCheck(w, t.counter, t.scratch);
}

/**
 * Writes a charge of `operand × unit` for the i32 operand on top of the stack, leaving the
 * operand in place (it is kept in the i32 local `tmp`), as the instrumenter charges linearly
 * priced instructions (memory.grow, memory.fill, …) whose operand is not a constant.
 */
export function writeOperandCharge(w: ByteWriter, t: ChargeTarget, tmp: number, unit: number): void {
  w.u8(LOCAL_TEE).u32(tmp);
  if (t.form === 'helper') {
    w.u8(LOCAL_GET).u32(tmp).u8(I64_EXTEND_I32_U).u8(I64_CONST).s64(unit).u8(I64_MUL);
    w.u8(CALL).u32(t.helper);
    return;
  }
  w.u8(GLOBAL_GET).u32(t.counter);
  w.u8(LOCAL_GET).u32(tmp).u8(I64_EXTEND_I32_U).u8(I64_CONST).s64(unit).u8(I64_MUL);
  w.u8(I64_SUB);
  writeStoreAndCheck(w, t.counter, t.scratch);
}

/** The body (without locals) of the reference's charging function on `counter`. */
export function writeHelperBody(w: ByteWriter, counter: number): void {
  w.u8(GLOBAL_GET).u32(counter).u8(LOCAL_GET).u32(0).u8(I64_SUB);
  writeStoreAndCheck(w, counter, -1);
  w.u8(0x0b); // end of the body
}
