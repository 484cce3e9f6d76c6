// What a failed instantiation becomes. The reference maps every error of Wasmtime's
// instantiation (a trap in the start function or a segment, a limit, an abort thrown by a
// syscall) to SYS_ILLEGAL_INSTRUCTION: those are EngineError('instantiation') here, the
// kernel's aborts when the caller names them (InstantiateOptions.isKernelAbort). A fault of
// the host itself (a bug in a syscall the start function calls, the host stack running out)
// has no counterpart in the reference and must not become a receipt: it is rethrown unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, MemoryBudgetError } from '../../src/engine/engine.js';
import { MemoryLimiter } from '../../src/engine/limits.js';
import { codeCidOf, engineFor, gas, tracker, wat } from './harness.js';

const PLENTY = gas(10_000_000_000n);

/** The start function calls the "test"."host" import once. */
const CALLS_HOST_IN_START = `(module (import "test" "host" (func $host))
  (memory (export "memory") 0)
  (func $start call $host)
  (start $start)
  (func (export "run")))`;

/** A kernel's own way of ending an invocation, as the call managers' classes are. */
class KernelAbort extends Error {
  override readonly name = 'KernelAbort';
}

async function instantiateWith(thrown: unknown, isKernelAbort?: (err: unknown) => boolean) {
  const engine = engineFor(28);
  const wasm = await wat(CALLS_HOST_IN_START);
  const module = engine.load(codeCidOf(wasm), wasm);
  const t = tracker(PLENTY);
  const host = (): void => {
    throw thrown;
  };
  const run = () => engine.instantiate(module, { test: { host } }, new MemoryLimiter(), t, undefined, isKernelAbort ? { isKernelAbort } : {});
  return { run, tracker: t };
}

test('a TypeError thrown by a syscall the start function calls propagates unchanged', async () => {
  // What a bug in our own syscall code looks like (e.g. reading a property of undefined).
  const bug = new TypeError("Cannot read properties of undefined (reading 'buffer')");
  const { run } = await instantiateWith(bug);
  assert.throws(run, (err: unknown) => {
    assert.equal(err, bug, 'the very error, not an EngineError("instantiation")');
    return true;
  });
});

test('a plain Error or a non-Error value thrown by a syscall is a host fault too', async () => {
  const plain = new Error('blockstore I/O failed');
  assert.throws((await instantiateWith(plain)).run, (err: unknown) => err === plain);
  assert.throws((await instantiateWith('a string')).run, (err: unknown) => err === 'a string');
});

const isKernelAbort = (err: unknown): boolean => err instanceof KernelAbort;

test('a kernel abort thrown by a syscall fails the instantiation, as in the reference', async () => {
  const abort = new KernelAbort('exit code 16');
  const { run, tracker: t } = await instantiateWith(abort, isKernelAbort);
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'instantiation');
    assert.equal(err.cause, abort);
    return true;
  });
  // Charged like any instantiation: the (empty) memory; then, before the syscall, the start
  // function so far: the stack limiter's thunk (13 metered instructions × 4 gas = 52 gas) and
  // `call $host` (4 gas) = 56 gas; and nothing more after it.
  assert.deepEqual(t.drainTrace().map((e) => [e.name, e.total]), [
    ['wasm_memory_init', 0n],
    ['wasm_exec', 56_000n],
    ['wasm_exec', 0n],
  ]);
});

test('the caller decides which syscall errors are kernel aborts', async () => {
  const abort = new KernelAbort('exit');
  // Unnamed, even the kernel's own class is passed on (the engine cannot know it).
  assert.throws((await instantiateWith(abort)).run, (err: unknown) => err === abort);
  // A class the caller does not claim (e.g. a blockstore's MissingBlockError) is a fault.
  class MissingBlock extends Error {}
  const missing = new MissingBlock('no block bafy…');
  assert.throws((await instantiateWith(missing, isKernelAbort)).run, (err: unknown) => err === missing);
  // Even a claimed RangeError is not an abort when it is the host stack running out.
  const exhausted = new RangeError('Maximum call stack size exceeded');
  assert.throws((await instantiateWith(exhausted, () => true)).run, (err: unknown) => err === exhausted);
});

test('a start function that traps is the instantiation error the reference gives', async () => {
  const engine = engineFor(28);
  const wasm = await wat(`(module (memory (export "memory") 1)
    (func $start unreachable)
    (start $start)
    (func (export "run")))`);
  const t = tracker(PLENTY);
  assert.throws(() => engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, new MemoryLimiter(), t), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'instantiation');
    assert.ok(err.cause instanceof WebAssembly.RuntimeError);
    assert.match(err.reason, /^failed to instantiate module: .*unreachable/);
    return true;
  });
  // wasm_memory_init: 1 page × 65 536 bytes × 0.4 gas. The start function is reached through
  // the stack limiter's thunk: 13 metered instructions × 4 gas = 52 gas (`unreachable` is
  // free). As in ref-fvm's charge_for_exec, the initial page entered the limiter after the gas
  // global was set, so its growth price (26 214 400) is carved out of those 52 gas first:
  // all of it is reported as wasm_memory_grow, none as wasm_exec.
  assert.deepEqual(t.drainTrace().map((e) => [e.name, e.total]), [
    ['wasm_memory_init', 26_214_400n],
    ['wasm_exec', 0n],
    ['wasm_memory_grow', 52_000n],
  ]);
});

test('the host stack running out in a start function is rethrown, not a receipt', async () => {
  // 20 000 i64 locals in one declaration: the stack limiter counts 4 slots a frame (≈ 500
  // frames allowed) but each frame takes ~160 KB of native stack, so V8's limit comes first.
  const locals = 'i64 '.repeat(20_000);
  const wasm = await wat(`(module (memory (export "memory") 0)
    (func $deep (param i32) (local ${locals}) local.get 0 call $deep)
    (func $start i32.const 0 call $deep)
    (start $start)
    (func (export "run")))`);
  const engine = engineFor(18);
  assert.throws(() => engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, new MemoryLimiter(), tracker(PLENTY)), (err: unknown) => {
    assert.ok(!(err instanceof EngineError), 'not turned into an instantiation error');
    assert.ok(err instanceof RangeError && /maximum call stack size exceeded/i.test(err.message));
    return true;
  });
});

test('a memory budget fault found at a syscall in the start function is never an abort', async () => {
  // Budget: the initial page and element, then 65 536 + 80 bytes; the start function grows the
  // memory by a page and the table by 11 elements (88 bytes) before its syscall: together they
  // do not fit (see table-limits.test.ts), which the engine sees when charging for the syscall.
  const wasm = await wat(`(module (import "test" "host" (func $host))
    (memory (export "memory") 1) (table $t 1 funcref)
    (func $start (local funcref)
      i32.const 1 memory.grow drop
      local.get 0 i32.const 11 table.grow $t drop
      call $host)
    (start $start)
    (func (export "run")))`, { reference_types: true });
  const engine = engineFor(28);
  let called = false;
  const host = (): void => {
    called = true;
  };
  const limiter = new MemoryLimiter(2 * 65536 + 8 + 80);
  const run = () => engine.instantiate(engine.load(codeCidOf(wasm), wasm), { test: { host } }, limiter, tracker(PLENTY), undefined, { isKernelAbort: () => true });
  assert.throws(run, (err: unknown) => err instanceof MemoryBudgetError);
  assert.equal(called, false, 'found before the syscall ran');
});
