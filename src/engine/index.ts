// The engine layer: WASM validation, instrumentation, compilation cache, instantiation and
// memory limits. Decoding and instrumentation live in ./wasm and ./instrument.
export * from './engine.js';
export * from './limits.js';
export * from './link.js';
