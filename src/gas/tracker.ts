// GasTracker: the gas budget of one message execution, in milligas.
//
// Semantics follow the reference exactly:
// - the limit is capped at i64::MAX milligas (the WASM gas counter is an i64) and the
//   initial usage at the limit;
// - a charge that would take usage past the limit fails with OutOfGasError AND sets usage
//   to the limit: an out-of-gas execution has used all its gas;
// - nested limits (a send with its own gas limit) are pushed and popped; the inner limit is
//   the smaller of what is left and what was asked, and usage inside it is added back to
//   the outer usage on pop.
// Tracing records every charge attempted, including the one that ran out; when tracing is
// off nothing is allocated.
import { GasCharge } from './charge.js';
import {
  type Gas,
  formatGas,
  gasAdd,
  gasMin,
  gasRoundDown,
  gasRoundUp,
  gasSub,
  gasUnits,
  I64_MAX,
  toU64,
  U64_MAX,
  ZERO_GAS,
} from './gas.js';

/** Exit code the receipt carries when a message runs out of gas. */
export const SYS_OUT_OF_GAS = 7;

/** Thrown when a charge exceeds the gas available; names the charge that failed. */
export class OutOfGasError extends Error {
  override readonly name = 'OutOfGasError';
  readonly exitCode = SYS_OUT_OF_GAS;
  constructor(
    /** Name of the charge that did not fit, e.g. "OnBlockLink". */
    readonly chargeName: string,
    /** Milligas the charge asked for. */
    readonly requested: Gas,
    /** Milligas available before the charge. */
    readonly available: Gas,
  ) {
    super(`out of gas: ${chargeName} needs ${formatGas(requested)} gas, ${formatGas(available)} available`);
  }
}

/** One traced charge: milligas amounts, plus whether it fit. */
export interface GasTraceEntry {
  readonly name: string;
  readonly compute: Gas;
  readonly other: Gas;
  readonly total: Gas;
  readonly outOfGas: boolean;
}

interface LimitSnapshot {
  readonly limit: Gas;
  readonly used: Gas;
}

export interface GasTrackerOptions {
  /** Milligas already used when the tracker starts. */
  readonly used?: Gas;
  /** Record every charge for `drainTrace` / `formatGasTrace`. */
  readonly trace?: boolean;
  /**
   * ref-fvm 2.x (nv17) gas: charges are signed i64 milligas (OnDeleteActor refunds), usage may
   * drop below zero, sums saturate at the i64 bounds, and there are no nested limits.
   */
  readonly signed?: boolean;
}

const I64_MIN = -(1n << 63n);

function clampI64(v: bigint): bigint {
  return v > I64_MAX ? I64_MAX : v < I64_MIN ? I64_MIN : v;
}

export class GasTracker {
  private limit: Gas;
  private used: Gas;
  private readonly snapshots: LimitSnapshot[] = [];
  private trace: GasTraceEntry[] | undefined;
  /** Signed (nv17) accounting; see GasTrackerOptions.signed. */
  readonly signed: boolean;

  /** `limitMilligas` and `options.used` are milligas; see `GasTracker.forMessage` for whole gas. */
  constructor(limitMilligas: Gas, options: GasTrackerOptions = {}) {
    this.limit = gasMin(toU64(limitMilligas, 'gas limit'), I64_MAX);
    this.used = gasMin(toU64(options.used ?? ZERO_GAS, 'gas used'), this.limit);
    this.trace = options.trace ? [] : undefined;
    this.signed = options.signed === true;
  }

  /** A tracker for a message with a gas limit in whole gas units. */
  static forMessage(gasLimit: bigint | number, trace = false): GasTracker {
    return new GasTracker(gasUnits(gasLimit), { trace });
  }

  private consume(name: string, amount: Gas): void {
    if (this.signed) {
      if (amount !== clampI64(amount)) throw new RangeError(`gas charge ${name} of ${amount} milligas is not an i64`);
      // The reference adds first (saturating), then compares with the limit.
      const next = clampI64(this.used + amount);
      if (next > this.limit) {
        const available = this.limit - this.used;
        this.used = this.limit;
        throw new OutOfGasError(name, amount, available);
      }
      this.used = next;
      return;
    }
    // A negative amount would refund gas: always a caller bug.
    if (amount < 0n || amount > U64_MAX) throw new RangeError(`gas charge ${name} of ${amount} milligas is not a u64`);
    const next = gasAdd(this.used, amount);
    if (next > this.limit) {
      const available = this.limit - this.used;
      this.used = this.limit;
      throw new OutOfGasError(name, amount, available);
    }
    this.used = next;
  }

  /** Charges `amount` milligas of compute under `name`; throws OutOfGasError if it does not fit. */
  charge(name: string, amount: Gas): void {
    if (this.trace === undefined) {
      this.consume(name, amount);
      return;
    }
    this.traced(name, amount, ZERO_GAS, amount);
  }

  /** Charges a GasCharge's total; throws OutOfGasError if it does not fit. */
  applyCharge(charge: GasCharge): void {
    const total = charge.total();
    if (this.trace === undefined) {
      this.consume(charge.name, total);
      return;
    }
    this.traced(charge.name, charge.compute, charge.other, total);
  }

  private traced(name: string, compute: Gas, other: Gas, total: Gas): void {
    const trace = this.trace!;
    try {
      this.consume(name, total);
    } catch (err) {
      trace.push({ name, compute, other, total, outOfGas: true });
      throw err;
    }
    trace.push({ name, compute, other, total, outOfGas: false });
  }

  /** Enters a nested gas limit (milligas): the smaller of what is left and `newLimit`. */
  pushLimit(newLimit: Gas): void {
    if (this.signed) throw new Error('GasTracker.pushLimit: nv17 (signed) gas has no nested limits');
    this.snapshots.push({ limit: this.limit, used: this.used });
    this.limit = gasMin(this.availableMilligas, toU64(newLimit, 'gas limit'));
    this.used = ZERO_GAS;
  }

  /** Leaves a nested limit, adding what was used inside it to the outer usage. */
  popLimit(): void {
    const snap = this.snapshots.pop();
    if (snap === undefined) throw new Error('GasTracker.popLimit: no nested gas limit to pop');
    this.limit = snap.limit;
    this.used = gasAdd(this.used, snap.used);
  }

  /** Current limit in milligas. */
  get limitMilligas(): Gas {
    return this.limit;
  }

  /** Milligas used so far. */
  get usedMilligas(): Gas {
    return this.used;
  }

  /** Milligas still available. */
  get availableMilligas(): Gas {
    // Signed usage below zero leaves more than the limit available (saturating at i64::MAX).
    return this.signed ? clampI64(this.limit - this.used) : gasSub(this.limit, this.used);
  }

  /** Whole gas used, fraction rounded up — what a receipt reports. */
  gasUsed(): bigint {
    // A refund can leave signed usage below zero; receipts never report less than zero.
    return gasRoundUp(this.used > 0n ? this.used : 0n);
  }

  /** Whole gas available, fraction rounded down — what the gas_available syscall reports. */
  gasAvailable(): bigint {
    return gasRoundDown(this.availableMilligas);
  }

  get tracing(): boolean {
    return this.trace !== undefined;
  }

  /** Returns the charges recorded so far and clears them (empty when tracing is off). */
  drainTrace(): GasTraceEntry[] {
    if (this.trace === undefined) return [];
    const out = this.trace;
    this.trace = [];
    return out;
  }
}

/** One line per charge: name, compute, other, total (whole gas with milligas fraction). */
export function formatGasTrace(trace: readonly GasTraceEntry[]): string {
  const rows = trace.map((e) => [
    e.name + (e.outOfGas ? ' (out of gas)' : ''),
    formatGas(e.compute),
    formatGas(e.other),
    formatGas(e.total),
  ]);
  const header = ['charge', 'compute', 'other', 'total'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
