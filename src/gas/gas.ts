// Gas quantities: milligas as bigint, with the reference's saturating u64 arithmetic.
//
// Why bigint: the reference keeps gas as a u64 count of milligas and every operation
// saturates at 2^64-1 (add, multiply) or at 0 (subtract). Charges computed from
// actor-supplied sizes can reach that ceiling, and the exact saturated value is what an
// out-of-gas trace shows, so a JS number (exact only below 2^53) is not enough. The hot
// path of execution gas lives inside the instrumented WASM (an i64 global); the host only
// touches these values once per syscall, where a few bigint operations cost nanoseconds.

/** An amount of gas in milligas (1 gas = 1000 milligas), always within [0, 2^64-1]. */
export type Gas = bigint;

/** Milligas per whole gas unit. */
export const MILLIGAS_PRECISION = 1000n;

/** Largest u64: the ceiling every gas operation saturates at. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Largest i64: the gas tracker never lets its limit exceed this many milligas. */
export const I64_MAX = 0x7fff_ffff_ffff_ffffn;

export const ZERO_GAS: Gas = 0n;

function saturate(v: bigint): Gas {
  return v > U64_MAX ? U64_MAX : v;
}

/** Whole gas units to milligas, saturating like the reference's `Gas::new`. */
export function gasUnits(whole: bigint | number): Gas {
  return saturate(toU64(whole, 'gas units') * MILLIGAS_PRECISION);
}

/** Milligas amount as Gas (validated to be a u64). */
export function milligas(amount: bigint | number): Gas {
  return toU64(amount, 'milligas');
}

export function gasAdd(a: Gas, b: Gas): Gas {
  return saturate(a + b);
}

/** Subtraction that stops at zero, as the reference's gas type does. */
export function gasSub(a: Gas, b: Gas): Gas {
  return a > b ? a - b : 0n;
}

/** Gas times a count (bytes, elements, ...), saturating at u64::MAX. */
export function gasMul(g: Gas, count: bigint | number): Gas {
  return saturate(g * toU64(count, 'count'));
}

export function gasMin(a: Gas, b: Gas): Gas {
  return a < b ? a : b;
}

export function gasMax(a: Gas, b: Gas): Gas {
  return a > b ? a : b;
}

/** Milligas to whole gas, rounding any fraction up (used for gas_used and inclusion cost). */
export function gasRoundUp(g: Gas): bigint {
  const whole = g / MILLIGAS_PRECISION;
  return g % MILLIGAS_PRECISION === 0n ? whole : whole + 1n;
}

/** Milligas to whole gas, dropping any fraction (used for the gas_available syscall). */
export function gasRoundDown(g: Gas): bigint {
  return g / MILLIGAS_PRECISION;
}

/** "integral.fff" in whole gas, or "0" — the reference's display form. */
export function formatGas(g: Gas): string {
  if (g === 0n) return '0';
  const frac = (g % MILLIGAS_PRECISION).toString().padStart(3, '0');
  return `${g / MILLIGAS_PRECISION}.${frac}`;
}

/**
 * Validates a count or amount as a u64. Numbers must be non-negative safe integers: a
 * fractional or unsafe size is a caller bug and must not silently become a price.
 */
export function toU64(v: bigint | number, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`${what} must be a non-negative safe integer, got ${v}`);
    }
    return BigInt(v);
  }
  if (v < 0n || v > U64_MAX) {
    throw new RangeError(`${what} must be within the u64 range, got ${v}`);
  }
  return v;
}

/**
 * A price that is a flat amount plus an amount per unit (byte, entry, epoch...).
 * `apply` saturates like the reference's ScalingCost.
 */
export interface ScalingCost {
  readonly flat: Gas;
  readonly scale: Gas;
}

export function scaling(flat: Gas, scale: Gas): ScalingCost {
  return Object.freeze({ flat, scale });
}

export function applyScaling(cost: ScalingCost, units: bigint | number): Gas {
  return gasAdd(cost.flat, gasMul(cost.scale, units));
}

/** One step of a step function: from `start` units on, the cost is `cost`. */
export interface Step {
  readonly start: bigint;
  readonly cost: Gas;
}

/** Cost of the last step whose start is at or below `units`; zero below the first step. */
export function lookupStep(steps: readonly Step[], units: bigint): Gas {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.start <= units) return s.cost;
  }
  return 0n;
}
