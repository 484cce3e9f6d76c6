// The per-opcode cost table the metering pass uses, built from the WASM execution prices of
// the gas layer (src/gas: the price data and its `WasmGasPrices`, after ref-fvm's price list
// and its `Rules` implementation), plus the instrumenter's own constant-cost rules for
// known-answer tests. All amounts are milligas.
import { U64_MAX } from '../../gas/gas.js';
import { HYGGE_PRICES, SKYR_PRICES, WATERMELON_PRICES } from '../../gas/price-tables.js';
import {
  TABLE_ELEMENT_SIZE,
  WASM_PAGE_SIZE,
  type WasmGasPrices as NetworkWasmPrices,
  type WasmPricingRules,
} from '../../gas/wasm-prices.js';
import { WasmValidationError } from '../wasm/errors.js';
import { MISC, opName } from '../wasm/instructions.js';

/**
 * Which rule set prices the instructions: the gas layer's ('fvm': ref-fvm 3 and 4, metered by
 * fvm-wasm-instrument 0.4; 'fvm-v2': ref-fvm 2, metered by 0.2, memory growth unmetered), or
 * 'constant': the instrumenter's own ConstantCostRules, for known-answer tests: every
 * instruction costs `instructionDefault`, and `memory.grow` costs 1 plus
 * `memoryFillPerByteCost` per page when that is non-zero; fvm-wasm-instrument 0.4.
 */
export type WasmRuleSet = WasmPricingRules | 'constant';

/** What the metering reads of a network's WASM prices (the host-call price is not its business). */
export type WasmGasPrices = Omit<NetworkWasmPrices, 'rules' | 'hostCallCost'> & { readonly rules?: WasmRuleSet };

/** ref-fvm 3 (HYGGE, nv18–nv20): 4 gas per instruction, 0.4 gas per byte copied or filled. */
export const WASM_PRICES_V3: WasmGasPrices = HYGGE_PRICES.wasm;

/** ref-fvm 4 (nv21+): the same instruction prices as ref-fvm 3. */
export const WASM_PRICES_V4: WasmGasPrices = WATERMELON_PRICES.wasm;

/** ref-fvm 2 (nv17): 4 gas for every non-structural instruction, free memory growth. */
export const WASM_PRICES_V2: WasmGasPrices = SKYR_PRICES.wasm;

/** The instrumenter's ConstantCostRules: `instructionCost` each, memory.grow metered per page if non-zero. */
export function constantCostRules(instructionCost = 1n, memoryGrowCostPerPage = 0n): WasmGasPrices {
  return Object.freeze({
    rules: 'constant',
    instructionDefault: instructionCost,
    mathDefault: instructionCost,
    jumpUnconditional: instructionCost,
    jumpConditional: instructionCost,
    jumpIndirect: instructionCost,
    call: 0n,
    memoryFillBaseCost: 0n,
    memoryFillPerByteCost: memoryGrowCostPerPage,
    memoryAccessCost: 0n,
    memoryCopyPerByteCost: 0n,
  });
}

/** Number of opcode slots: single-byte opcodes, then 0xFC sub-opcodes. */
export const OPCODE_SLOTS = MISC + 32;

/** Per-opcode costs in milligas; `perUnit[op] > 0` marks a linearly priced instruction. */
export interface CostTable {
  readonly rules: WasmRuleSet;
  /** Fixed cost, or the base part of a linear cost. */
  readonly fixed: Float64Array;
  /** Price per unit of the i32 operand on top of the stack; 0 = fixed cost. */
  readonly perUnit: Float64Array;
  /** Why an opcode cannot be metered, if it cannot. */
  readonly unsupported: readonly (string | undefined)[];
}

function toMilligas(v: bigint, what: string): number {
  if (v < 0n || v > U64_MAX) throw new WasmValidationError(`${what} price ${v} is out of range`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new WasmValidationError(`${what} price ${v} is too large to meter exactly`);
  return Number(v);
}

const cache = new WeakMap<WasmGasPrices, CostTable>();

/** Builds (once per prices object) the per-opcode cost table. */
export function costTable(prices: WasmGasPrices): CostTable {
  const hit = cache.get(prices);
  if (hit) return hit;
  const rules = prices.rules ?? 'fvm';
  const fixed = new Float64Array(OPCODE_SLOTS);
  const perUnit = new Float64Array(OPCODE_SLOTS);
  const unsupported: (string | undefined)[] = new Array(OPCODE_SLOTS).fill(undefined);
  const def = toMilligas(prices.instructionDefault, 'instruction');

  // Everything not given a price below is refused, as the reference's rules do.
  for (let op = 0; op < OPCODE_SLOTS; op++) unsupported[op] = `instruction ${opName(op)} has no gas price`;
  const set = (ops: Iterable<number>, cost: number): void => {
    for (const op of ops) {
      fixed[op] = cost;
      unsupported[op] = undefined;
    }
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const decodable = [
    ...range(0x00, 0x05), ...range(0x0b, 0x11), 0x1a, 0x1b, 0x1c, ...range(0x20, 0x26), ...range(0x28, 0xc4),
    ...range(MISC, MISC + 17),
  ];

  if (rules === 'constant') {
    set(decodable, def);
    const grow = toMilligas(prices.memoryFillPerByteCost, 'memory.grow');
    fixed[0x40] = 1;
    perUnit[0x40] = grow;
  } else if (rules === 'fvm-v2') {
    // No reference types in ref-fvm 2's parser.
    set(decodable.filter((op) => op !== 0x1c && op !== 0x25 && op !== 0x26 && op < MISC + 15), def);
    if (def !== 0) set([0x00, 0x01, 0x02, 0x03, 0x05, 0x0b, 0x0f, 0x1a], 0);
  } else {
    const math = toMilligas(prices.mathDefault, 'math');
    const jumpU = toMilligas(prices.jumpUnconditional, 'jump');
    const jumpC = toMilligas(prices.jumpConditional, 'conditional jump');
    const jumpI = toMilligas(prices.jumpIndirect, 'indirect jump');
    const call = toMilligas(prices.call, 'call');
    const access = toMilligas(prices.memoryAccessCost, 'memory access');
    const fillBase = toMilligas(prices.memoryFillBaseCost, 'memory fill');
    // FIP-0032: structural instructions and drop are free.
    set([0x00, 0x01, 0x02, 0x03, 0x05, 0x0b, 0x0f, 0x1a], 0);
    set([0x0c], jumpU);
    set([0x0d, 0x04], jumpC);
    set([0x0e], jumpI + access);
    set([0x10], jumpU + call);
    set([0x11], jumpI + access + call);
    // Constants, locals, globals, select, plain widening/wrapping and bit casts.
    set([0x41, 0x42, 0x43, 0x44, 0x20, 0x21, 0x22, 0x23, 0x24, 0x1b, 0x1c, 0xad, 0xa7, 0xbc, 0xbd, 0xbe, 0xbf], def);
    // Comparisons, integer and float arithmetic, sign extension and numeric conversions.
    set(range(0x45, 0xa6), math);
    set([0xa8, 0xa9, 0xaa, 0xab, 0xac, ...range(0xae, 0xbb), ...range(0xc0, 0xc4), ...range(MISC, MISC + 7)], math);
    set([...range(0x28, 0x35), 0x25], def + access);
    set([...range(0x36, 0x3e), 0x26], def + fillBase);
    set([MISC + 9, MISC + 13, 0x3f, MISC + 16], def); // data.drop, elem.drop, memory.size, table.size
    const linear = (op: number, base: number, price: bigint, unit: bigint): void => {
      const per = price * unit;
      if (per > 0xffffffffn) throw new WasmValidationError(`linear gas price of ${opName(op)} exceeds u32`);
      fixed[op] = base;
      perUnit[op] = Number(per);
      unsupported[op] = undefined;
    };
    const readBase = def + access;
    const writeBase = def + fillBase;
    linear(MISC + 12, readBase, prices.memoryCopyPerByteCost, TABLE_ELEMENT_SIZE); // table.init
    linear(MISC + 14, readBase, prices.memoryCopyPerByteCost, TABLE_ELEMENT_SIZE); // table.copy
    linear(MISC + 17, writeBase, prices.memoryFillPerByteCost, TABLE_ELEMENT_SIZE); // table.fill
    linear(MISC + 15, writeBase, prices.memoryFillPerByteCost, TABLE_ELEMENT_SIZE); // table.grow
    linear(0x40, writeBase, prices.memoryFillPerByteCost, WASM_PAGE_SIZE); // memory.grow
    linear(MISC + 11, writeBase, prices.memoryFillPerByteCost, 1n); // memory.fill
    linear(MISC + 8, readBase, prices.memoryCopyPerByteCost, 1n); // memory.init
    linear(MISC + 10, readBase, prices.memoryCopyPerByteCost, 1n); // memory.copy
  }
  for (const op of [0xd0, 0xd1, 0xd2]) unsupported[op] = `reference instruction ${opName(op)} is not supported by gas metering`;
  const table: CostTable = Object.freeze({ rules, fixed, perUnit, unsupported });
  cache.set(prices, table);
  return table;
}
