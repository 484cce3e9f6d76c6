// Prices of WASM execution: what the metering instrumentation charges per instruction, and
// what the host charges for a module's initial memory/table and for memory growth.
//
// The instruction table is keyed by the WebAssembly text-format mnemonic (e.g. "i32.add",
// "memory.grow"), so the engine can map whatever decoder it uses onto it. Anything not in
// the table — SIMD, atomics, reference types, exceptions, tail calls — is unsupported and
// must make module validation fail, as it does in the reference.
import { type Gas, gasAdd, gasMul, U64_MAX, ZERO_GAS } from './gas.js';

/** Bytes charged per table element (each element reserves a pointer). */
export const TABLE_ELEMENT_SIZE = 8n;

/** Bytes in one WASM memory page. */
export const WASM_PAGE_SIZE = 65536n;

/**
 * How instructions are priced:
 * - 'fvm' (the default): ref-fvm 3 and 4, by instruction class, with per-byte/per-page
 *   linear prices for bulk memory, table and memory.grow instructions;
 * - 'fvm-v2': ref-fvm 2 (nv17): every accepted instruction costs `instructionDefault` except
 *   the FIP-0032 free ones; nothing is linear; only MVP plus bulk memory is accepted.
 */
export type WasmPricingRules = 'fvm' | 'fvm-v2';

export interface WasmGasPrices {
  /** The pricing scheme; absent means 'fvm'. */
  readonly rules?: WasmPricingRules;
  /** Default price of an instruction. */
  readonly instructionDefault: Gas;
  /** Default price of an arithmetic/logic/compare/convert instruction. */
  readonly mathDefault: Gas;
  readonly jumpUnconditional: Gas;
  readonly jumpConditional: Gas;
  readonly jumpIndirect: Gas;
  /** Extra price of a call, on top of the jump. */
  readonly call: Gas;
  /** One-time price of any instruction that fills memory (stores, fill, grow). */
  readonly memoryFillBaseCost: Gas;
  /** Price per byte filled (memory.fill, memory.grow, initial memory, tables). */
  readonly memoryFillPerByteCost: Gas;
  /** One-time price of any instruction that reads/copies memory. */
  readonly memoryAccessCost: Gas;
  /** Price per byte copied (memory.copy, memory.init, table.copy/init). */
  readonly memoryCopyPerByteCost: Gas;
  /** Price of one call from WASM into the host (charged as "OnSyscall"). */
  readonly hostCallCost: Gas;
}

/** What the metering instrumentation charges for one instruction, in milligas. */
export type WasmInstructionCost =
  | { readonly kind: 'fixed'; readonly milligas: bigint }
  /** `base` plus `perUnit` times the i32 on top of the stack (pages, bytes or elements). */
  | { readonly kind: 'linear'; readonly base: bigint; readonly perUnit: number }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** Milligas for a module's minimum memory, charged before instantiation ("wasm_memory_init"). */
export function initMemoryGas(prices: WasmGasPrices, minMemoryBytes: bigint | number): Gas {
  return gasAdd(prices.memoryFillBaseCost, gasMul(prices.memoryFillPerByteCost, minMemoryBytes));
}

/** Milligas for memory growth observed after execution ("wasm_memory_grow"). */
export function growMemoryGas(prices: WasmGasPrices, growBytes: bigint | number): Gas {
  return gasAdd(prices.memoryFillBaseCost, gasMul(prices.memoryFillPerByteCost, growBytes));
}

/** Milligas for a module's minimum table size ("wasm_table_init"). */
export function initTableGas(prices: WasmGasPrices, minTableElements: bigint | number): Gas {
  const bytes = gasMul(prices.memoryFillPerByteCost, minTableElements);
  return gasAdd(prices.memoryFillBaseCost, gasMul(bytes, TABLE_ELEMENT_SIZE));
}

/**
 * Cost the instrumentation adds per metered block for calling the gas function, and per
 * dynamic linear charge: both zero for the FVM.
 */
export const GAS_CHARGE_COST = 0n;
export const LINEAR_CALC_COST = 0n;

const FREE = ['nop', 'block', 'loop', 'unreachable', 'return', 'else', 'end', 'drop'];

const INT_MATH = [
  'clz', 'ctz', 'popcnt', 'add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u',
  'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr',
  'eqz', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u',
];
const FLOAT_MATH = [
  'abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt', 'add', 'sub', 'mul', 'div',
  'min', 'max', 'copysign', 'eq', 'ne', 'lt', 'gt', 'le', 'ge',
];
const CONVERSIONS = [
  'i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s',
  'i64.extend_i32_s',
  'i32.trunc_f32_s', 'i32.trunc_f32_u', 'i32.trunc_f64_s', 'i32.trunc_f64_u',
  'i64.trunc_f32_s', 'i64.trunc_f32_u', 'i64.trunc_f64_s', 'i64.trunc_f64_u',
  'i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u',
  'i64.trunc_sat_f32_s', 'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u',
  'f32.demote_f64', 'f64.promote_f32',
  'f32.convert_i32_s', 'f32.convert_i32_u', 'f32.convert_i64_s', 'f32.convert_i64_u',
  'f64.convert_i32_s', 'f64.convert_i32_u', 'f64.convert_i64_s', 'f64.convert_i64_u',
];
const PLAIN = [
  // widening, wrapping and bit-casts, constants
  'i64.extend_i32_u', 'i32.wrap_i64',
  'i32.reinterpret_f32', 'i64.reinterpret_f64', 'f32.reinterpret_i32', 'f64.reinterpret_i64',
  'i32.const', 'i64.const', 'f32.const', 'f64.const',
  'local.get', 'local.set', 'local.tee', 'global.get', 'global.set',
  'select', // typed `select (result t)` shares the mnemonic
  'data.drop', 'elem.drop', 'memory.size', 'table.size',
];
const LOADS = [
  'i32.load', 'i64.load', 'f32.load', 'f64.load',
  'i32.load8_s', 'i32.load8_u', 'i32.load16_s', 'i32.load16_u',
  'i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u',
  'table.get',
];
const STORES = [
  'i32.store', 'i64.store', 'f32.store', 'f64.store',
  'i32.store8', 'i32.store16', 'i64.store8', 'i64.store16', 'i64.store32',
  'table.set',
];

function linear(base: Gas, perUnitPrice: Gas, unitBytes: bigint): WasmInstructionCost {
  const perUnit = perUnitPrice * unitBytes;
  // The instrumentation multiplies the unit price by an i32 at run time and requires the
  // price itself to fit in a u32 (and below 2^31); a bigger one is a configuration bug.
  if (perUnit > 0xffff_ffffn) throw new RangeError(`linear WASM gas ${perUnit} exceeds u32`);
  if (perUnit === 0n) return { kind: 'fixed', milligas: base };
  return { kind: 'linear', base, perUnit: Number(perUnit) };
}

// What ref-fvm 2's parser (parity-wasm 0.42 with only its bulk-memory feature) cannot read:
// sign extension, saturating float-to-int, and the reference-types table instructions.
const NOT_IN_FVM_V2 = [
  'i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s',
  'i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u',
  'i64.trunc_sat_f32_s', 'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u',
  'table.get', 'table.set', 'table.size', 'table.grow', 'table.fill',
];

/** Builds the full instruction price table for a set of WASM prices. */
export function buildWasmInstructionTable(p: WasmGasPrices): ReadonlyMap<string, WasmInstructionCost> {
  return p.rules === 'fvm-v2' ? buildFvmV2Table(p) : buildFvmTable(p);
}

// ref-fvm 2: one price for everything it accepts, FIP-0032's structural instructions free.
// (A zero default made every instruction free, as the nv15 prices had it.)
function buildFvmV2Table(p: WasmGasPrices): ReadonlyMap<string, WasmInstructionCost> {
  if (p.instructionDefault > U64_MAX) throw new RangeError('fixed WASM gas exceeds u64');
  const t = new Map<string, WasmInstructionCost>();
  const free = new Set(FREE);
  for (const name of buildFvmTable(p).keys()) {
    if (NOT_IN_FVM_V2.includes(name)) continue;
    t.set(name, { kind: 'fixed', milligas: free.has(name) ? ZERO_GAS : p.instructionDefault });
  }
  return t;
}

function buildFvmTable(p: WasmGasPrices): ReadonlyMap<string, WasmInstructionCost> {
  const t = new Map<string, WasmInstructionCost>();
  const fixed = (milligas: Gas): WasmInstructionCost => {
    if (milligas > U64_MAX) throw new RangeError('fixed WASM gas exceeds u64');
    return { kind: 'fixed', milligas };
  };
  const set = (names: readonly string[], cost: WasmInstructionCost): void => {
    for (const n of names) t.set(n, cost);
  };
  // FIP-0032: structural instructions and drop are free.
  set(FREE, fixed(ZERO_GAS));
  set(['br'], fixed(p.jumpUnconditional));
  set(['br_if', 'if'], fixed(p.jumpConditional));
  set(['br_table'], fixed(p.jumpIndirect + p.memoryAccessCost));
  set(['call'], fixed(p.jumpUnconditional + p.call));
  set(['call_indirect'], fixed(p.jumpIndirect + p.memoryAccessCost + p.call));
  set(PLAIN, fixed(p.instructionDefault));
  const math = fixed(p.mathDefault);
  for (const ty of ['i32', 'i64']) set(INT_MATH.map((op) => `${ty}.${op}`), math);
  for (const ty of ['f32', 'f64']) set(FLOAT_MATH.map((op) => `${ty}.${op}`), math);
  set(CONVERSIONS, math);
  set(LOADS, fixed(p.instructionDefault + p.memoryAccessCost));
  set(STORES, fixed(p.instructionDefault + p.memoryFillBaseCost));
  const readBase = p.instructionDefault + p.memoryAccessCost;
  const fillBase = p.instructionDefault + p.memoryFillBaseCost;
  set(['table.init', 'table.copy'], linear(readBase, p.memoryCopyPerByteCost, TABLE_ELEMENT_SIZE));
  set(['table.fill', 'table.grow'], linear(fillBase, p.memoryFillPerByteCost, TABLE_ELEMENT_SIZE));
  // memory.grow's operand is a page count, not bytes.
  set(['memory.grow'], linear(fillBase, p.memoryFillPerByteCost, WASM_PAGE_SIZE));
  set(['memory.fill'], linear(fillBase, p.memoryFillPerByteCost, 1n));
  set(['memory.init', 'memory.copy'], linear(readBase, p.memoryCopyPerByteCost, 1n));
  return t;
}

/** Looks a mnemonic up in a table built by `buildWasmInstructionTable`. */
export function lookupWasmInstruction(
  table: ReadonlyMap<string, WasmInstructionCost>,
  mnemonic: string,
): WasmInstructionCost {
  return table.get(mnemonic) ?? { kind: 'unsupported', reason: `unsupported operation: ${mnemonic}` };
}
