// One named gas charge, split the way the reference splits it: the immediate compute part,
// and "other" gas (storage, memory retention, deferred work such as flushing, extern costs).
// The split only matters for tracing and benchmarks; the tracker charges the total.
import { type Gas, gasAdd } from './gas.js';

export class GasCharge {
  constructor(
    /** Name of the operation as the reference reports it, e.g. "OnChainMessage". */
    readonly name: string,
    /** Milligas for immediate computation. */
    readonly compute: Gas,
    /** Milligas for storage, retention, deferred compute and externs. */
    readonly other: Gas,
  ) {}

  /** compute + other, in milligas (saturating at u64::MAX). */
  total(): Gas {
    return gasAdd(this.compute, this.other);
  }
}
