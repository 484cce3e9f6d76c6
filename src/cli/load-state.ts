// Loads a state tree for the CLI from a test-vector JSON file or a CAR file.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { importCarSync } from '../ipld/car.js';
import { parseVector } from '../conformance/vector.js';

export interface LoadedState {
  store: MemoryBlockstore;
  root: CID;
  /** What the root is, for messages: "pre-state of <vector id>", "CAR root", ... */
  label: string;
}

export function loadStateInput(file: string, opts: { root?: string; post?: boolean } = {}): LoadedState {
  const store = new MemoryBlockstore();
  let root: CID;
  let label: string;
  if (file.endsWith('.json')) {
    const vector = parseVector(readFileSync(file, 'utf8'), file);
    let car: Uint8Array;
    try {
      car = gunzipSync(vector.car);
    } catch (err) {
      throw new Error(`${file}: the "car" field is not gzip data (${err instanceof Error ? err.message : String(err)})`);
    }
    importCarSync(car, store, `${file} (car)`);
    root = opts.post ? vector.postRoot : vector.preRoot;
    label = `${opts.post ? 'post' : 'pre'}-state of ${vector.id}`;
  } else {
    const roots = importCarSync(new Uint8Array(readFileSync(file)), store, file);
    if (roots.length === 0) throw new Error(`${file}: the CAR has no root; pass --root`);
    root = roots[0]!;
    label = `root of ${file}`;
  }
  if (opts.root !== undefined) {
    try {
      root = CID.parse(opts.root);
    } catch {
      throw new Error(`--root ${opts.root} is not a CID`);
    }
    label = `root ${opts.root}`;
  }
  if (!store.has(root)) throw new Error(`${file}: state root ${root.toString()} is not in the input`);
  return { store, root, label };
}
