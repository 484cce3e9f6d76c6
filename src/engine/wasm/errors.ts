// The one error type for a WASM module the FVM refuses to load: malformed bytes, a disabled
// proposal, a limit of the reference's engine configuration, or an instrumentation failure.

export class WasmValidationError extends Error {
  override readonly name = 'WasmValidationError';

  /**
   * @param reason what is wrong, in words (this is the whole message)
   * @param offset byte offset in the module being read, when known
   */
  constructor(reason: string, readonly offset?: number) {
    super(offset === undefined ? reason : `${reason} (at byte ${offset})`);
  }
}
