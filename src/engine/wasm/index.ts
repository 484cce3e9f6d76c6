// WASM binary: decoding to a typed IR, byte-faithful re-encoding, and the FVM's feature checks.
export { WasmValidationError } from './errors.js';
export { decodeModule, WasmLimits } from './decode.js';
export { encodeModule, withChanges, encodeBody } from './encode.js';
export type { ModuleChanges } from './encode.js';
export { validateFeatures, WASM_FEATURES_V2, WASM_FEATURES_V3, WASM_FEATURES_V4 } from './features.js';
export type { WasmFeatures, ValidateOptions } from './features.js';
export { checkImports } from './imports.js';
export { InstructionReader, Op, MISC, BLOCK_EMPTY, opName } from './instructions.js';
export type { OpcodeFeatures } from './instructions.js';
export { ByteReader } from './reader.js';
export { ByteWriter } from './writer.js';
export * from './types.js';
