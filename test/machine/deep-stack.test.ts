// The call-depth limit (1024, counted as ref-fvm counts it) on a large-stack worker: the deepest
// chain of nested sends the reference allows works, one more fails with LimitExceeded, and the
// host never overflows its own stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnLargeStack } from '../../src/executor/large-stack.js';
import { HostFaultError } from '../../src/executor/executor.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { type ChainResult, deepChain } from './deep-chain.js';

const chain = new URL('./deep-chain.ts', import.meta.url);
/** WASM frames of the deep actor that fit under the stack limiter at every level. */
const MAX_RECURSION = 404;

test('1024 levels (the message plus 1023 nested sends) succeed, each level using its whole WASM stack', async () => {
  const r = await runOnLargeStack<ChainResult>(chain, 'deepChain', [1023, MAX_RECURSION]);
  assert.equal(r.exitCode, 0, r.failure.slice(0, 500));
  assert.equal(r.nextExitCode, 0);
});

test('a 1025th level is refused: the send at depth 1024 fails with LimitExceeded', async () => {
  const r = await runOnLargeStack<ChainResult>(chain, 'deepChain', [1024, 0]);
  // The deepest actor aborts with 1000 + the error number; every caller passes it on.
  assert.equal(r.exitCode, 1000 + ErrorNumber.LimitExceeded);
  assert.match(r.failure, /send::send -- message execution exceeds call depth \(3: limit exceeded\)/);
  assert.equal(r.nextExitCode, 0);
});

test('one more WASM frame than the stack limiter allows is an illegal instruction', () => {
  assert.equal(deepChain(1, MAX_RECURSION).exitCode, 0);
  assert.equal(deepChain(1, MAX_RECURSION + 1).exitCode, 4);
});

test('on a small host stack a deep chain is a host fault, never a receipt', () => {
  assert.throws(() => deepChain(1023, 0), (err: unknown) => {
    assert.ok(err instanceof HostFaultError);
    assert.match(err.message, /host stack ran out/);
    return true;
  });
});
