export * from './ipld/cbor.js';
export * from './ipld/blockstore.js';
