// The gas connection between one WASM instance and the message's gas tracker.
//
// The engine charges accrued execution gas before every syscall and refills the instance's gas
// global from the tracker after it. ref-fvm does the same, with one exception reproduced here:
// when a syscall fails its return-pointer check, ref-fvm returns without refilling, so the
// global keeps its pre-syscall value and the execution gas charged on entry is charged again at
// the next synchronisation point. `holdAfterSyscall` arranges exactly that.
import type { GasHost } from '../engine/engine.js';
import type { GasTracker } from '../gas/tracker.js';

export class SyscallGasHost implements GasHost {
  /** Execution gas charged since the global was last refilled. */
  private chargedSinceRefill = 0n;
  /** Execution gas to charge again at the next execution charge (see above). */
  private debt = 0n;
  /** Value the next refill must put into the global instead of the tracker's figure. */
  private held: bigint | undefined;

  constructor(private readonly tracker: GasTracker) {}

  get availableMilligas(): bigint {
    this.chargedSinceRefill = 0n;
    if (this.held !== undefined) {
      const v = this.held;
      this.held = undefined;
      return v;
    }
    return this.tracker.availableMilligas;
  }

  charge(name: string, milligas: bigint): void {
    let amount = milligas;
    if (name === 'wasm_exec' && this.debt > 0n) {
      amount += this.debt;
      this.debt = 0n;
    }
    if (name === 'wasm_exec' || name === 'wasm_memory_grow') this.chargedSinceRefill += amount;
    this.tracker.charge(name, amount);
  }

  /**
   * Called by a syscall that returns early without refilling (bad return pointer): the global
   * keeps `globalValue` and what was charged on entry is owed again.
   */
  holdAfterSyscall(globalValue: bigint): void {
    this.held = globalValue;
    this.debt = this.chargedSinceRefill;
  }
}
