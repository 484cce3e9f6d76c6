// Engine API: compile cache (memory and disk), instantiation charges, memory limits, gas
// synchronisation around syscalls, and trap classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { OutOfGasError } from '../../src/gas/tracker.js';
import {
  type ActorInstance,
  Engine,
  EngineError,
  type GasHost,
  classifyTrap,
  engineConfigForNetworkVersion,
  getGasAvailable,
  setGasAvailable,
} from '../../src/engine/engine.js';
import {
  MAX_CALL_STACK_MEMORY_BYTES,
  MAX_INSTANCE_MEMORY_BYTES,
  MAX_TABLE_ELEMENTS_V3,
  MAX_TABLE_ELEMENTS_V4,
  MAX_WASM_STACK,
  MemoryLimiter,
  TABLE_ELEMENT_BYTES,
} from '../../src/engine/limits.js';
import { charged, codeCidOf, engineFor, gas, prepare, tracker, wat } from './harness.js';

const PAGE = 65536;
const PLENTY = gas(10_000_000_000n);

// ---------------------------------------------------------------------------------------------
// MemoryLimiter: the reference's own unit tests (fvm/src/machine/limiter.rs), same numbers.

test('limiter: growth up to the limit succeeds, past it fails', () => {
  const l = new MemoryLimiter(4);
  assert.equal(l.growMemory(3), true);
  assert.equal(l.growMemory(1), true, 'exactly at the limit');
  assert.equal(l.growMemory(1), false, 'over the limit');
  assert.equal(l.memoryUsed(), 4);
});

test('limiter: stack frames release what they allocated', () => {
  const l = new MemoryLimiter(6);
  assert.equal(l.growMemory(1), true);
  l.withStackFrame(() => {
    assert.equal(l.growMemory(3), true);
    l.withStackFrame(() => {
      assert.equal(l.growMemory(3), false, '1 + 3 + 3 > 6');
      assert.equal(l.growMemory(2), true, 'just at the limit');
      assert.equal(l.memoryUsed(), 6);
    });
    assert.equal(l.memoryUsed(), 4);
  });
  assert.equal(l.memoryUsed(), 1);
});

test('limiter: a frame is released even when it throws', () => {
  const l = new MemoryLimiter(100);
  assert.throws(() =>
    l.withStackFrame(() => {
      l.growMemory(50);
      throw new Error('abort');
    }),
  );
  assert.equal(l.memoryUsed(), 0);
});

test('limiter: table elements count 8 bytes each', () => {
  const l = new MemoryLimiter(10);
  assert.equal(l.growInstanceTable(0, 1), true);
  assert.equal(l.growMemory(2), true);
  assert.equal(l.growMemory(1), false);
  assert.equal(TABLE_ELEMENT_BYTES, 8);
});

test('limiter: instance memory growth is the difference, shrinking is free', () => {
  const l = new MemoryLimiter(10);
  assert.equal(l.growInstanceMemory(0, 3), true);
  assert.equal(l.growInstanceMemory(2, 4), true);
  assert.equal(l.memoryUsed(), 5);
  assert.equal(l.growInstanceMemory(4, 2), true);
  assert.equal(l.memoryUsed(), 5);
  assert.throws(() => l.growMemory(-1), RangeError);
});

test('limits: the reference numbers', () => {
  assert.equal(MAX_INSTANCE_MEMORY_BYTES, 536_870_912); // 512 MiB
  assert.equal(MAX_CALL_STACK_MEMORY_BYTES, 2_147_483_648); // 2 GiB
  assert.equal(new MemoryLimiter().maxMemoryBytes, 2_147_483_648);
  assert.equal(MAX_WASM_STACK, 2048);
  assert.equal(MAX_TABLE_ELEMENTS_V3, 10_000);
  assert.equal(MAX_TABLE_ELEMENTS_V4, 20_000);
  const c18 = engineConfigForNetworkVersion(18);
  assert.equal(c18.maxWasmStack, 2048);
  assert.equal(c18.maxInstanceMemoryBytes, 512 * 1024 * 1024);
  // The instrumenter's feature sets carry the same table limits as limits.ts.
  assert.equal(c18.features.maxTableElements, MAX_TABLE_ELEMENTS_V3);
  assert.equal(c18.features.referenceTypes, false);
  assert.equal(engineConfigForNetworkVersion(23).features.maxTableElements, MAX_TABLE_ELEMENTS_V4);
  assert.equal(c18.features.maxMemoryPages * 65536, MAX_INSTANCE_MEMORY_BYTES);
  assert.equal(engineConfigForNetworkVersion(17).refFvm2, true); // nv17: ref-fvm 2 instantiation
  assert.throws(() => engineConfigForNetworkVersion(16), /not supported/);
});

// ---------------------------------------------------------------------------------------------
// Loading and caching

const SIMPLE = `(module (memory (export "memory") 1)
  (func (export "run") (result i32) i32.const 40 i32.const 2 i32.add))`;
// run: 3 instructions = 12 gas, + 52-gas thunk = 64 gas.
const SIMPLE_GAS = gas(64);

test('load compiles each code CID once', async () => {
  const wasm = await wat(SIMPLE);
  const engine = engineFor(18);
  const cid = codeCidOf(wasm);
  const a = engine.load(cid, wasm);
  const b = engine.load(cid, wasm);
  assert.equal(a, b);
  assert.equal(engine.get(cid), a);
  assert.deepEqual(engine.stats, { instrumented: 1, compiled: 1, memoryHits: 1, diskHits: 0, diskWrites: 0, diskWriteErrors: 0 });
  assert.equal(a.originalSize, wasm.length);
  // Keyed by CID: another CID for the same bytes is another module.
  const other = codeCidOf(new Uint8Array([...wasm, 0]));
  assert.notEqual(engine.load(other, wasm), a);
  assert.equal(engine.stats.compiled, 2);
});

test('preload reads code from the blockstore and sums the code sizes', async () => {
  const w1 = await wat(SIMPLE);
  const w2 = await wat('(module (memory (export "memory") 1) (func (export "run")))');
  const bs = new MemoryBlockstore();
  const c1 = codeCidOf(w1);
  const c2 = codeCidOf(w2);
  bs.put(c1, w1);
  bs.put(c2, w2);
  const engine = engineFor(18, { blockstore: bs });
  assert.equal(engine.preload([c1, c2]), w1.length + w2.length);
  assert.equal(engine.stats.compiled, 2);
  assert.equal(engine.preload([c1]), w1.length);
  assert.equal(engine.stats.compiled, 2);
  const missing = codeCidOf(new Uint8Array([1, 2, 3]));
  assert.throws(() => engine.preload([missing]), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'missing_code');
    assert.ok(err.message.includes(missing.toString()), 'names the CID');
    return true;
  });
});

test('invalid bytes are rejected with the reason and the CID', () => {
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0x05]);
  const cid = codeCidOf(bytes);
  assert.throws(() => engineFor(18).load(cid, bytes), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'invalid_wasm');
    assert.ok(err.reason.length > 0);
    assert.ok(err.message.includes(cid.toString()));
    return true;
  });
});

test('disk cache: instrumented bytes round-trip through a directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-engine-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wasm = await wat(SIMPLE);
  const cid = codeCidOf(wasm);

  const first = engineFor(18, { cacheDir: dir });
  const m1 = first.load(cid, wasm);
  assert.equal(first.stats.instrumented, 1);
  assert.equal(first.stats.diskWrites, 1);
  const [sub] = readdirSync(dir);
  assert.ok(sub !== undefined && existsSync(join(dir, sub, `${cid.toString()}.wasm`)));

  // A fresh engine (a new process) takes the instrumented bytes from disk.
  const second = engineFor(18, { cacheDir: dir });
  const m2 = second.load(cid, wasm);
  assert.equal(second.stats.instrumented, 0);
  assert.equal(second.stats.diskHits, 1);
  assert.deepEqual(m2.instrumented, m1.instrumented);
  const { instance, tracker: t2 } = prepareLoaded(second, m2);
  let out;
  assert.equal(charged(t2, () => (out = instance.call('run'))), SIMPLE_GAS);
  assert.deepEqual(out, { ok: true, value: 42 });

  // A damaged entry is rebuilt, not trusted.
  writeFileSync(join(dir, sub, `${cid.toString()}.wasm`), new Uint8Array([0, 0x61, 0x73, 0x6d, 9]));
  const third = engineFor(18, { cacheDir: dir });
  assert.deepEqual(third.load(cid, wasm).instrumented, m1.instrumented);
  assert.equal(third.stats.instrumented, 1);
  assert.equal(third.stats.diskHits, 0);

  // Another instrumentation configuration uses another directory.
  const config = { ...engineConfigForNetworkVersion(18), maxWasmStack: 1024 };
  const other = new Engine({ config, cacheDir: dir });
  other.load(cid, wasm);
  assert.equal(other.stats.diskHits, 0);
  assert.equal(readdirSync(dir).length, 2);
});

test('disk cache: a cache that cannot be written does not fail the load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-engine-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const blocker = join(dir, 'not-a-directory');
  writeFileSync(blocker, 'x');
  const wasm = await wat(SIMPLE);
  const engine = engineFor(18, { cacheDir: blocker });
  assert.ok(engine.load(codeCidOf(wasm), wasm));
  assert.equal(engine.stats.diskWrites, 0);
  assert.equal(engine.stats.diskWriteErrors, 1);
});

function prepareLoaded(engine: Engine, module: ReturnType<Engine['load']>) {
  const t = tracker(PLENTY);
  const instance = engine.instantiate(module, {}, new MemoryLimiter(), t);
  return { instance, tracker: t };
}

// ---------------------------------------------------------------------------------------------
// Instantiation

test('instantiation charges the exported table, then the exported memory', async () => {
  const wasm = await wat(`(module (memory (export "memory") 2) (table (export "table") 10 funcref)
    (func (export "run")))`);
  const engine = engineFor(18);
  const t = tracker(PLENTY);
  const limiter = new MemoryLimiter();
  engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, limiter, t);
  const trace = t.drainTrace().map((e) => [e.name, e.total]);
  assert.deepEqual(trace, [
    ['wasm_table_init', 32_000n], // 10 elements × 8 bytes × 0.4 gas
    ['wasm_memory_init', 52_428_800n], // 2 pages × 65 536 bytes × 0.4 gas
    ['wasm_exec', 0n], // no start function
  ]);
  assert.equal(limiter.memoryUsed(), 2 * PAGE + 10 * 8);
});

test('an unexported table is not charged but counts against the memory budget', async () => {
  const wasm = await wat(`(module (memory (export "memory") 1) (table 100 funcref) (func (export "run")))`);
  const engine = engineFor(18);
  const t = tracker(PLENTY);
  const limiter = new MemoryLimiter();
  engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, limiter, t);
  assert.deepEqual(t.drainTrace().map((e) => e.name), ['wasm_memory_init', 'wasm_exec']);
  assert.equal(limiter.memoryUsed(), PAGE + 800);
});

test('instantiation runs out of gas on the memory charge', async () => {
  const wasm = await wat(`(module (memory (export "memory") 1) (func (export "run")))`);
  const engine = engineFor(18);
  const module = engine.load(codeCidOf(wasm), wasm);
  assert.throws(() => engine.instantiate(module, {}, new MemoryLimiter(), tracker(26_214_399n)), OutOfGasError);
  assert.ok(engine.instantiate(module, {}, new MemoryLimiter(), tracker(26_214_400n)));
});

test('a module without a memory export cannot be instantiated (fatal in the reference)', async () => {
  const wasm = await wat('(module (memory 1) (func (export "run")))');
  const engine = engineFor(18);
  const t = tracker(PLENTY);
  assert.throws(() => engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, new MemoryLimiter(), t), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'no_memory_export');
    return true;
  });
  assert.equal(t.usedMilligas, 0n);
});

test('a failing data segment fails instantiation after the charges', async () => {
  const wasm = await wat(`(module (memory (export "memory") 1) (data (i32.const 65535) "ab") (func (export "run")))`);
  const engine = engineFor(18);
  const t = tracker(PLENTY);
  assert.throws(() => engine.instantiate(engine.load(codeCidOf(wasm), wasm), {}, new MemoryLimiter(), t), (err: unknown) => {
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, 'instantiation');
    return true;
  });
  assert.deepEqual(t.drainTrace().map((e) => e.name), ['wasm_memory_init', 'wasm_exec']);
});

// ---------------------------------------------------------------------------------------------
// Memory limits

const GROWER = (decl: string): string => `(module (memory (export "memory") ${decl})
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size))`;

test('per-instance memory limit: memory.grow past it returns -1', async () => {
  const config = { ...engineConfigForNetworkVersion(18), maxInstanceMemoryBytes: 4 * PAGE };
  const engine = new Engine({ config });
  const { instance, limiter } = prepare(engine, await wat(GROWER('1')), PLENTY);
  assert.equal(instance.maxMemoryPages, 4);
  assert.deepEqual(instance.call('grow', [3]), { ok: true, value: 1 });
  assert.deepEqual(instance.call('grow', [1]), { ok: true, value: -1 });
  assert.deepEqual(instance.call('size'), { ok: true, value: 4 });
  assert.equal(limiter.memoryUsed(), 4 * PAGE);
});

test('default per-instance limit is 8192 pages (512 MiB)', async () => {
  const { instance, limiter } = prepare(engineFor(18), await wat(GROWER('0')), PLENTY);
  assert.equal(instance.maxMemoryPages, 8192);
  assert.deepEqual(instance.call('grow', [8193]), { ok: true, value: -1 });
  assert.deepEqual(instance.call('grow', [8192]), { ok: true, value: 0 });
  assert.deepEqual(instance.call('grow', [1]), { ok: true, value: -1 });
  assert.equal(limiter.memoryUsed(), MAX_INSTANCE_MEMORY_BYTES);
});

test('growth is charged as wasm_exec plus wasm_memory_grow', async () => {
  const { instance, tracker: t } = prepare(engineFor(18), await wat(GROWER('0')), PLENTY);
  t.drainTrace();
  instance.call('grow', [2]);
  // 56 000 thunk + 8 000 block + 2 × 26 214 400 = 52 492 800 in all; the growth part is
  // 2 pages × 65 536 bytes × 400 = 52 428 800, the rest is wasm_exec.
  assert.deepEqual(t.drainTrace().map((e) => [e.name, e.total]), [
    ['wasm_exec', 64_000n],
    ['wasm_memory_grow', 52_428_800n],
  ]);
});

test('call-stack memory limit: a callee gets what its callers left, and gives it back', async () => {
  const engine = engineFor(18);
  const child = await wat(GROWER('1'));
  const childModule = engine.load(codeCidOf(child), child);
  const limiter = new MemoryLimiter(6 * PAGE);
  const t = tracker(PLENTY);
  const seen: unknown[] = [];
  // The parent grows to 3 pages (once), then a "send" syscall runs a child in its own frame.
  const parentWasm = await wat(`(module (import "test" "send" (func $send (param i32)))
    (memory (export "memory") 1)
    (func (export "run") (param i32)
      memory.size i32.const 1 i32.eq
      if i32.const 2 memory.grow drop end
      local.get 0 call $send))`);
  const bigChild = await wat(GROWER('4'));
  const send = (childMinPages: number): void => {
    limiter.withStackFrame(() => {
      assert.equal(limiter.memoryUsed(), 3 * PAGE, 'the parent growth is recorded before the syscall');
      if (childMinPages > 1) {
        const big = engine.load(codeCidOf(bigChild), bigChild);
        assert.throws(() => engine.instantiate(big, {}, limiter, t), (err: unknown) => {
          assert.ok(err instanceof EngineError && err.kind === 'instantiation');
          return true;
        });
        seen.push('refused');
        return;
      }
      const c = engine.instantiate(childModule, {}, limiter, t);
      seen.push(c.maxMemoryPages);
      seen.push(c.call('grow', [2]));
      seen.push(c.call('grow', [1]));
      seen.push(limiter.memoryUsed());
    });
  };
  const parent = engine.instantiate(engine.load(codeCidOf(parentWasm), parentWasm), { test: { send } }, limiter, t);
  assert.deepEqual(parent.call('run', [1]), { ok: true, value: undefined });
  // 3 pages used by the parent + 1 initial page of the child: it may reach 1 + 2 = 3 pages.
  assert.deepEqual(seen, [3, { ok: true, value: 1 }, { ok: true, value: -1 }, 6 * PAGE]);
  assert.equal(limiter.memoryUsed(), 3 * PAGE, 'the child frame released its memory');
  // A child whose initial 4 pages do not fit next to the parent's 3 fails to instantiate.
  seen.length = 0;
  assert.deepEqual(parent.call('run', [4]), { ok: true, value: undefined });
  assert.deepEqual(seen, ['refused']);
});

// ---------------------------------------------------------------------------------------------
// Gas synchronisation around syscalls

test('execution gas is charged before each syscall and the global refilled after it', async () => {
  const engine = engineFor(18);
  const wasm = await wat(`(module (import "test" "syscall" (func $sys))
    (memory (export "memory") 0)
    (func (export "run")
      i32.const 1 drop
      call $sys
      i32.const 2 drop))`);
  // run is one block: i32.const, call, i32.const = 12 gas (drop is free, and calls to imports
  // are not wrapped by the stack limiter); with the 52-gas thunk, 64 gas before the syscall.
  let inst: ActorInstance | undefined;
  const t = tracker(PLENTY);
  const seenInside: bigint[] = [];
  const sys = (): void => {
    t.charge('OnSyscall', gas(14_000));
    seenInside.push(getGasAvailable(inst!));
  };
  inst = engine.instantiate(engine.load(codeCidOf(wasm), wasm), { test: { syscall: sys } }, new MemoryLimiter(), t);
  t.drainTrace();
  assert.deepEqual(inst.call('run'), { ok: true, value: undefined });
  assert.deepEqual(t.drainTrace().map((e) => [e.name, e.total]), [
    ['wasm_exec', 64_000n],
    ['OnSyscall', 14_000_000n],
    ['wasm_exec', 0n],
  ]);
  assert.equal(seenInside[0], PLENTY - 64_000n, 'inside the syscall the global is not yet refilled');
  assert.equal(getGasAvailable(inst), t.availableMilligas, 'after it, the global holds what the tracker has');
});

test('a syscall running out of gas aborts the execution with the tracker error', async () => {
  const engine = engineFor(18);
  const wasm = await wat(`(module (import "test" "syscall" (func $sys))
    (memory (export "memory") 0)
    (func (export "run") call $sys))`);
  const t = tracker(gas(1_000));
  const sys = (): void => t.charge('OnSyscall', gas(14_000));
  const inst = engine.instantiate(engine.load(codeCidOf(wasm), wasm), { test: { syscall: sys } }, new MemoryLimiter(), t);
  const out = inst.call('run');
  assert.equal(out.ok, false);
  assert.equal(out.ok === false && out.trap, 'host_error');
  assert.ok(out.ok === false && out.error instanceof OutOfGasError);
});

test('setGasAvailable / getGasAvailable move milligas in and out of the global', async () => {
  const { instance } = prepare(engineFor(18), await wat(SIMPLE), PLENTY);
  setGasAvailable(instance, 123_456n);
  assert.equal(getGasAvailable(instance), 123_456n);
  (instance.exports.run as () => number)();
  assert.equal(getGasAvailable(instance), 123_456n - SIMPLE_GAS);
  assert.throws(() => setGasAvailable(instance, -1n), RangeError);
  assert.throws(() => setGasAvailable(instance, 1n << 63n), RangeError);
});

// ---------------------------------------------------------------------------------------------
// Trap classification

/** A gas host that never refuses: lets a trap be looked at after an out-of-gas run. */
class LenientGas implements GasHost {
  readonly charges: Array<[string, bigint]> = [];
  constructor(readonly availableMilligas: bigint) {}
  charge(name: string, milligas: bigint): void {
    this.charges.push([name, milligas]);
  }
}

const TRAPS = `(module (import "test" "host" (func $host))
  (memory (export "memory") 1)
  (func (export "unreachable") unreachable)
  (func (export "div0") (result i32) i32.const 1 i32.const 0 i32.div_s)
  (func (export "oob") (result i32) i32.const 70000 i32.load)
  (func (export "host") call $host)
  (func (export "spin") loop br 0 end)
  (func $down (param i32) local.get 0 call $down)
  (func (export "recurse") i32.const 0 call $down))`;

test('traps are classified', async () => {
  const engine = engineFor(18);
  const wasm = await wat(TRAPS);
  const hostError = new Error('abort from a syscall');
  let hostThrows: unknown = hostError;
  const imports = { test: { host: () => { throw hostThrows; } } };
  const module = engine.load(codeCidOf(wasm), wasm);
  const run = (name: string, gasHost: GasHost = tracker(PLENTY)) => {
    const inst = engine.instantiate(module, imports, new MemoryLimiter(), gasHost);
    return { inst, out: inst.call(name) };
  };
  for (const [name, message] of [['unreachable', /unreachable/], ['div0', /divide by zero/], ['oob', /out of bounds/]] as const) {
    const { out } = run(name);
    assert.equal(out.ok === false && out.trap, 'illegal_instruction', name);
    assert.ok(out.ok === false && out.error instanceof WebAssembly.RuntimeError && message.test(out.error.message), name);
  }
  const host = run('host').out;
  assert.equal(host.ok === false && host.trap, 'host_error');
  assert.equal(host.ok === false && host.error, hostError, 'the very object the syscall threw');
  // A RangeError thrown by host code is still a host error; only stack exhaustion is not.
  hostThrows = new RangeError('Invalid typed array length: -1');
  assert.equal(((o) => o.ok === false && o.trap)(run('host').out), 'host_error');

  const lenient = new LenientGas(gas(1_000));
  const spin = run('spin', lenient);
  assert.equal(spin.out.ok === false && spin.out.trap, 'out_of_gas');
  assert.ok(spin.inst.getGasAvailable() < 0n);
  assert.equal(classifyTrap(spin.out.ok === false ? spin.out.error : undefined, spin.inst), 'out_of_gas');

  const deep = run('recurse');
  assert.equal(deep.out.ok === false && deep.out.trap, 'stack_overflow');
  assert.ok(deep.out.ok === false && deep.out.error instanceof WebAssembly.RuntimeError, 'the limiter trapped, not V8');
});

test('a V8 stack overflow is classified, never escapes as a JS crash', async () => {
  // 20 000 i64 locals in one declaration group: the stack limiter charges only
  // 1 + max height 3 = 4 slots per frame (≈ 500 frames allowed), but each frame takes
  // ~160 KB of native stack, so V8's own limit is hit first.
  const locals = 'i64 '.repeat(20_000);
  const wasm = await wat(`(module (memory (export "memory") 0)
    (func $deep (param i32) (local ${locals}) local.get 0 call $deep)
    (func (export "run") i32.const 0 call $deep)
    (func (export "ok") (result i32) i32.const 7))`);
  const { instance } = prepare(engineFor(18), wasm, PLENTY);
  const out = instance.call('run');
  assert.equal(out.ok, false);
  assert.equal(out.ok === false && out.trap, 'stack_overflow');
  assert.ok(out.ok === false && out.error instanceof RangeError);
  assert.deepEqual(instance.call('ok'), { ok: true, value: 7 }, 'the engine is still usable');
});

test('calling a missing export is a link error', async () => {
  const { instance } = prepare(engineFor(18), await wat(SIMPLE), PLENTY);
  assert.throws(() => instance.call('nope'), (err: unknown) => err instanceof EngineError && err.kind === 'link');
});
