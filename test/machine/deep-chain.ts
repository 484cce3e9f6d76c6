// Runs on a large-stack worker (see deep-stack.test.ts): a chain of nested sends.
import { Address } from '../../src/primitives/address.js';
import { newEmptyActor } from '../../src/primitives/actor.js';
import { StateTree } from '../../src/state/state-tree.js';
import { describeFailure } from '../../src/executor/executor.js';
import { apply, buildWorld, compileWat, loadWat, FIL } from './harness.js';

export interface ChainResult {
  exitCode: number;
  gasUsed: bigint;
  failure: string;
  /** Exit code of a plain transfer applied right after, on the same blockstore. */
  nextExitCode: number;
}

/** Sends `remaining` nested calls, each level first recursing `recursion` WASM frames. */
export function deepChain(remaining: number, recursion: number): ChainResult {
  const deep = compileWat(loadWat('deep.wat'), 'deep.wat');
  const w = buildWorld({ extraCode: { deep } });
  const tree = StateTree.load(w.bs, w.root);
  const id = 500n;
  tree.setActor(id, { ...newEmptyActor(w.codes.deep!), balance: FIL });
  w.root = tree.flush();
  const self = Address.newId(id).toBytes();
  const params = new Uint8Array(12 + self.length);
  const view = new DataView(params.buffer);
  view.setUint32(0, remaining, true);
  view.setUint32(4, recursion, true);
  view.setUint32(8, self.length, true);
  params.set(self, 12);
  const { ret, root } = apply(w, { to: Address.newId(id), params, gasLimit: 10_000_000_000n });
  w.root = root;
  const next = apply(w, { to: w.otherAddress, method: 0n, value: 1n, sequence: 1n });
  return {
    exitCode: ret.receipt.exitCode,
    gasUsed: ret.receipt.gasUsed,
    failure: describeFailure(ret.failureInfo),
    nextExitCode: next.ret.receipt.exitCode,
  };
}
