// tsfvm public API, by layer.
export * from './ipld/cbor.js';
export * from './ipld/blockstore.js';
export * from './ipld/buffered-blockstore.js';
export * from './ipld/lmdb-blockstore.js';
export * from './ipld/car.js';
export { Hamt, HamtError, DEFAULT_HAMT_BIT_WIDTH } from './ipld/hamt.js';
export { Amt, AmtError, DEFAULT_AMT_BIT_WIDTH } from './ipld/amt.js';
export * from './ipld/bitfield.js';
export * from './primitives/index.js';
export * from './state/state-tree.js';
export * from './state/init-state.js';
export * from './state/manifest.js';
export * from './state/bundle.js';
export * from './state/inspect.js';
export * from './conformance/vector.js';
