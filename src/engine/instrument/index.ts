// Instrumentation of actor code, equal in effect to what ref-fvm runs before compiling a
// module: validate under the engine's feature set, inject the stack limiter, then gas metering
// (so the limiter's own code is metered too), and canonicalise float NaNs (not metered).
// Optionally, then, the host linkage an engine on V8 needs (see host-linkage.ts).
import { decodeModule } from '../wasm/decode.js';
import { encodeModule } from '../wasm/encode.js';
import { WasmValidationError } from '../wasm/errors.js';
import { WASM_FEATURES_V2, WASM_FEATURES_V4, validateFeatures, type WasmFeatures } from '../wasm/features.js';
import { indexSpaces } from '../wasm/types.js';
import { GAS_COUNTER_NAME, injectGasMetering } from './gas-metering.js';
import { exportGlobal, importOwnMemory, importOwnTable, type ImportName } from './host-linkage.js';
import { costTable, type WasmGasPrices } from './prices.js';
import { injectStackLimiter, type InstrumenterVersion } from './stack-limiter.js';

export { WasmValidationError } from '../wasm/errors.js';
export { GAS_COUNTER_NAME, injectGasMetering } from './gas-metering.js';
export type { GasMeteringOptions } from './gas-metering.js';
export { injectStackLimiter, functionStackCosts } from './stack-limiter.js';
export type { InstrumenterVersion } from './stack-limiter.js';
export { StackHeightAnalyzer, CallSites } from './stack-height.js';
export { WASM_PRICES_V2, WASM_PRICES_V3, WASM_PRICES_V4, constantCostRules, costTable } from './prices.js';
export type { WasmGasPrices, WasmRuleSet, CostTable } from './prices.js';
export { NAN_RESULT } from './nan.js';
export { exportGlobal, importOwnMemory, importOwnTable } from './host-linkage.js';
export type { ImportName } from './host-linkage.js';

/**
 * Version of what instrumentModule writes: bumped whenever its output for the same input and
 * options could change, so caches of instrumented bytes can key on it. 2: `importTable`.
 */
export const INSTRUMENTATION_VERSION = 3; // 3: gas charges written in place

/** Module the gas counter global is imported from. */
export const GAS_COUNTER_MODULE = 'gas';

export interface InstrumentOptions {
  readonly prices: WasmGasPrices;
  /** Stack height limit in values; ref-fvm's max_wasm_stack is 2048. */
  readonly maxStackHeight: number;
  /** Module to import the gas counter from (default 'gas'). */
  readonly gasModule?: string;
  /**
   * Proposals and limits of the engine configuration to validate against. Default: ref-fvm 4
   * (ref-fvm 2's when the prices use the 'fvm-v2' rules).
   */
  readonly features?: WasmFeatures;
  /** Canonicalise NaN results of float operations, as Wasmtime does (default true). */
  readonly canonicalizeNaN?: boolean;
  /**
   * Check the output with V8's validator (default true). The passes check structure and
   * features; operand types are checked here, so a module the reference's validator refuses
   * for its types is refused too. Callers that validated the input with V8 may skip it.
   */
  readonly verifyOutput?: boolean;
  /**
   * Move the module's own memory into an import from here (appended after the gas counter),
   * so the host creates the memory and chooses its maximum. Default: leave it defined.
   */
  readonly importMemory?: ImportName;
  /**
   * Move the module's own table into an import from here (appended after the memory import),
   * so the host creates the table and chooses its maximum. Default: leave it defined.
   */
  readonly importTable?: ImportName;
  /**
   * Export the stack limiter's height global under this name, so the host can tell a trap of
   * the limiter from the module's own. Default: not exported.
   */
  readonly exportStackHeight?: string;
}

/**
 * Validates and instruments an actor module; returns the bytes to compile. Throws
 * WasmValidationError for a module the reference refuses to load.
 */
export function instrumentModule(wasm: Uint8Array, options: InstrumentOptions): Uint8Array<ArrayBuffer> {
  const table = costTable(options.prices);
  const version: InstrumenterVersion = table.rules === 'fvm-v2' ? '0.2' : '0.4';
  const features = options.features ?? (version === '0.2' ? WASM_FEATURES_V2 : WASM_FEATURES_V4);
  const m = decodeModule(wasm);
  validateFeatures(m, features);
  const limited = injectStackLimiter(m, options.maxStackHeight, version);
  let out = injectGasMetering(limited, options.prices, options.gasModule ?? GAS_COUNTER_MODULE, {
    version,
    canonicalizeNaN: options.canonicalizeNaN ?? true,
  });
  if (options.importMemory) out = importOwnMemory(out, options.importMemory);
  if (options.importTable) out = importOwnTable(out, options.importTable);
  if (options.exportStackHeight !== undefined) {
    // The limiter appends its global after the defined ones, and later passes add imports
    // only (the gas counter is a global import): its index is counted from the imports'.
    const height = indexSpaces(out).importedGlobals + limited.globals.length - 1;
    out = exportGlobal(out, options.exportStackHeight, height);
  }
  const bytes = encodeModule(out);
  if ((options.verifyOutput ?? true) && !WebAssembly.validate(bytes)) {
    let reason = 'instrumented module is not valid';
    try {
      new WebAssembly.Module(bytes);
    } catch (err) {
      reason = `instrumented module is not valid: ${err instanceof Error ? err.message : String(err)}`;
    }
    throw new WasmValidationError(reason);
  }
  return bytes;
}
