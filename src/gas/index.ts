// The gas layer: milligas arithmetic, price lists by network version, the gas tracker and
// the fee split of an applied message.
export * from './gas.js';
export * from './charge.js';
export * from './constants.js';
export * from './wasm-prices.js';
export * from './price-tables.js';
export * from './price-list.js';
export * from './tracker.js';
export * from './outputs.js';
