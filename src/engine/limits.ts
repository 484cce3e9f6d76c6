// Memory limits of WASM execution, with the numbers ref-fvm enforces.
//
// Two bounds apply at once:
// - each instance's linear memory may not exceed MAX_INSTANCE_MEMORY_BYTES (ref-fvm sizes
//   every pooled instance slot to this);
// - everything allocated by the instances of one call stack (memories, plus 8 bytes per table
//   element) may not exceed MAX_CALL_STACK_MEMORY_BYTES. A call frame's allocations are
//   released when the frame returns (`withStackFrame`).
// A growth that would break a bound is refused (memory.grow and table.grow return -1); an
// instantiation whose minimum memory or table does not fit fails.

/** Bytes in one WASM page. */
export const WASM_PAGE_BYTES = 65536;

/** Per-instance linear memory ceiling: 512 MiB (ref-fvm `max_inst_memory_bytes`). */
export const MAX_INSTANCE_MEMORY_BYTES = 512 * 1024 * 1024;

/** Memory ceiling of a whole call stack: 2 GiB (ref-fvm `max_memory_bytes`). */
export const MAX_CALL_STACK_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;

/** Bytes accounted per table element (a pointer per slot). */
export const TABLE_ELEMENT_BYTES = 8;

/**
 * Largest initial table a module may declare. ref-fvm 3 runs Wasmtime 12, whose pooling
 * allocator defaults to 10 000 elements per table; ref-fvm 4 sets 20 000 explicitly.
 */
export const MAX_TABLE_ELEMENTS_V3 = 10_000;
export const MAX_TABLE_ELEMENTS_V4 = 20_000;

/** Maximum WASM value-stack height enforced by the stack-limiter instrumentation. */
export const MAX_WASM_STACK = 2048;

/** Accounting of memory allocated by all the instances of one call stack. */
export class MemoryLimiter {
  private used = 0;

  constructor(readonly maxMemoryBytes: number = MAX_CALL_STACK_MEMORY_BYTES) {
    if (!Number.isSafeInteger(maxMemoryBytes) || maxMemoryBytes < 0) {
      throw new RangeError(`memory limit must be a non-negative integer of bytes, got ${maxMemoryBytes}`);
    }
  }

  /** Bytes currently accounted to the call stack. */
  memoryUsed(): number {
    return this.used;
  }

  /** Bytes that may still be allocated before the call-stack limit is reached. */
  remaining(): number {
    return this.maxMemoryBytes - this.used;
  }

  /** Accounts `delta` more bytes if they fit; returns false (and changes nothing) otherwise. */
  growMemory(delta: number): boolean {
    if (!Number.isSafeInteger(delta) || delta < 0) {
      throw new RangeError(`memory growth must be a non-negative integer of bytes, got ${delta}`);
    }
    if (this.used + delta > this.maxMemoryBytes) return false;
    this.used += delta;
    return true;
  }

  /** An instance's memory grows from `fromBytes` to `toBytes` (shrinking is free). */
  growInstanceMemory(fromBytes: number, toBytes: number): boolean {
    return this.growMemory(Math.max(0, toBytes - fromBytes));
  }

  /** An instance's table grows from `fromElements` to `toElements`. */
  growInstanceTable(fromElements: number, toElements: number): boolean {
    return this.growMemory(Math.max(0, toElements - fromElements) * TABLE_ELEMENT_BYTES);
  }

  /**
   * Runs one call frame: whatever the frame (and its callees) allocate is released when it
   * returns or throws, so a caller's budget is what it was before the call.
   */
  withStackFrame<R>(frame: () => R): R {
    const saved = this.used;
    try {
      return frame();
    } finally {
      this.used = saved;
    }
  }
}
