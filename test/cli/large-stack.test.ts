// The tsfvm entry (bin/tsfvm.js → launchCli) runs everything on a thread with a large stack: a
// valid message nesting 1023 sends, each level using its whole WASM stack allowance, gets its
// receipt there, where Node's main thread ends in a host fault. The entry passes the program's
// stdout, stderr and exit code through. A LocalChain hit by a host fault stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTION_STACK_MB, LargeStackError, LargeStackStartError, runProgramOnLargeStack, stackSizeMbFor } from '../../src/executor/large-stack.js';
import { LocalChain, LocalChainError } from '../../src/chain/local-chain.js';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { deepLocalChain, type DeepChainOutcome } from './deep-local-chain.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
/** WASM frames of deep.wat that fit under the stack limiter (2048 slots) at every level. */
const MAX_RECURSION = 404;

/** Runs test/cli/launch-entry.ts (bin/tsfvm.js from the sources) in a fresh Node process. */
function entry(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'launch-entry.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the entry stack is sized for 1024 calls with full WASM stacks', () => {
  assert.equal(EXECUTION_STACK_MB, stackSizeMbFor(1024, 2048));
  assert.ok(EXECUTION_STACK_MB >= 360, `${EXECUTION_STACK_MB} MiB`);
});

test('through the entry, a message nesting 1023 sends (full WASM stacks) gets its receipt', () => {
  const r = entry(['--deep-chain', '1023', String(MAX_RECURSION)]);
  assert.equal(r.status, 0, r.stderr);
  const outcome = JSON.parse(r.stdout) as DeepChainOutcome;
  assert.equal(outcome.hostFault, undefined);
  assert.equal(outcome.stackSizeMb, EXECUTION_STACK_MB);
  assert.equal(outcome.exitCode, 0, outcome.failure);
  assert.ok(BigInt(outcome.gasUsed) > 100_000_000n, `gas used ${outcome.gasUsed}`);
  assert.equal(outcome.headMoved, true);
  assert.equal(outcome.nextExitCode, 0);
});

test('on the main thread the same chain is a host fault: no receipt, the head stays, the chain goes on', async () => {
  const outcome = await deepLocalChain(1023, 0);
  assert.equal(outcome.stackSizeMb, undefined);
  assert.match(outcome.hostFault ?? '', /^HostFaultError: .*the host stack ran out at call depth \d+/);
  assert.equal(outcome.headMoved, false);
  assert.equal(outcome.nextExitCode, 0);
});

test('the entry passes the CLI exit code and stderr through', () => {
  const missing = entry(['conformance', '/nonexistent/vectors']);
  assert.deepEqual(missing, { status: 2, stdout: '', stderr: 'error: no such file or directory: /nonexistent/vectors\n' });
});

test('runProgramOnLargeStack: the exit code a program returns, sets or gives process.exit; a throw; a thread that cannot start', async () => {
  const program = new URL('./launch-programs.ts', import.meta.url);
  assert.equal(await runProgramOnLargeStack(program, 'returnsCode', [7], { stackSizeMb: 8 }), 7);
  assert.equal(await runProgramOnLargeStack(program, 'exitsWith', [5], { stackSizeMb: 8 }), 5);
  assert.equal(await runProgramOnLargeStack(program, 'setsExitCode', [3], { stackSizeMb: 8 }), 3);
  await assert.rejects(runProgramOnLargeStack(program, 'throws', ['kaput'], { stackSizeMb: 8 }), (err: unknown) => {
    assert.ok(err instanceof LargeStackError);
    assert.match(err.message, /throws failed on the large-stack worker: kaput/);
    return true;
  });
  await assert.rejects(runProgramOnLargeStack(program, 'noSuchExport', [], { stackSizeMb: 8 }), /has no export noSuchExport/);
  // A stack larger than any address space: the thread cannot exist, and nothing runs.
  await assert.rejects(runProgramOnLargeStack(program, 'returnsCode', [0], { stackSizeMb: 4_000_000_000 }), (err: unknown) => {
    assert.ok(err instanceof LargeStackStartError);
    assert.match(err.message, /^cannot start a thread with a 4000000000 MiB stack/);
    return true;
  });
});

test('LocalChain with requireLargeStack refuses the main thread, naming the stack it needs, and accepts the entry thread', async () => {
  const root = CID.parse('bafy2bzacedomd33q4vgztfmherh2mxukhdgiurphuu3f7fuqtutxugqat6nzi');
  assert.throws(
    () => new LocalChain({ blockstore: new MemoryBlockstore(), head: { stateRoot: root, epoch: 0n }, requireLargeStack: true }),
    (err: unknown) => {
      assert.ok(err instanceof LocalChainError);
      assert.match(err.message, new RegExp(`cannot hold the deepest execution \\(${EXECUTION_STACK_MB} MiB\\)`));
      return true;
    },
  );
  assert.equal(await runProgramOnLargeStack(new URL('./deep-local-chain.ts', import.meta.url), 'strictLocalChain'), 0);
});
