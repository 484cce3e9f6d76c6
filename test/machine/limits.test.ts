// Hostile actors: infinite loops, traps, memory bombs, bad return values; reverts of failed
// calls; the host stays healthy and the next message runs normally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Address } from '../../src/primitives/address.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { encodeCbor, cidOf } from '../../src/ipld/cbor.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Executor } from '../../src/executor/executor.js';
import { encodeMessage } from '../../src/primitives/message.js';
import { FIL, Op, Program, buildWorld, compileWat, message, newMachine, readU32 } from './harness.js';
import { OUT, nestedCall, runProbe } from './probe.js';

test('an infinite loop runs out of gas and uses the whole gas limit', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => p.op(Op.Loop), { exitCode: ExitCode.SYS_OUT_OF_GAS, gasLimit: 20_000_000n });
  assert.equal(r.ret.receipt.gasUsed, 20_000_000n);
  assert.equal(r.ret.failureInfo?.kind, 'backtrace');
});

test('unreachable is SYS_ILLEGAL_INSTRUCTION; deep WASM recursion hits the stack limiter', () => {
  const w = buildWorld();
  runProbe(w, (p) => p.op(Op.Unreachable), { exitCode: ExitCode.SYS_ILLEGAL_INSTRUCTION });
  runProbe(w, (p) => p.op(Op.Recurse, 50));
  runProbe(w, (p) => p.op(Op.Recurse, 1_000_000), { exitCode: ExitCode.SYS_ILLEGAL_INSTRUCTION });
});

test('memory: an instance may not grow past 512 MiB; the call stack may not exceed its budget', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.op(Op.Grow, 8190); // 3 + 8190 pages > 8192 pages (512 MiB)
    p.op(Op.Grow, 100);
  });
  assert.equal(r.st(0), -1);
  assert.equal(r.st(1), 3);

  // With a 16 MiB budget for the whole call stack, the callee cannot take what the caller holds.
  const inner = new Program();
  inner.op(Op.Grow, 150);
  inner.op(Op.Grow, 10);
  const nested = runProbe(w, (p) => {
    p.op(Op.Grow, 120); // 3 + 120 pages = 7.7 MiB
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
    p.op(Op.Grow, 100);
  }, { maxMemoryBytes: 16 << 20 });
  assert.equal(nested.st(0), 3);
  const innerStatus = (i: number): number => new DataView(nested.out.buffer, nested.out.byteOffset).getInt32(OUT + 1024 + 4 * i, true);
  assert.equal(innerStatus(0), -1); // caller 123 + callee 3 + 150 pages > 16 MiB
  assert.equal(innerStatus(1), 3);
  // After the callee returned, its memory is released: the caller can grow again.
  assert.equal(nested.st(4), 123);
});

test('a module whose initial memory exceeds the call-stack budget cannot be instantiated', () => {
  const big = compileWat(`(module (memory (export "memory") 300)
    (func (export "invoke") (param i32) (result i32) (i32.const 0)))`);
  const w = buildWorld({ extraCode: { big } });
  const tree = StateTree.load(w.bs, w.root);
  tree.setActor(600n, { code: w.codes.big!, head: cidOf(encodeCbor([])), sequence: 0n, balance: 0n, delegatedAddress: null });
  w.root = tree.flush();
  const machineOpts = { maxMemoryBytes: 16 << 20 };
  const ok = runProbe(w, () => undefined, { to: Address.newId(600n), ...machineOpts, exitCode: ExitCode.SYS_ILLEGAL_INSTRUCTION });
  assert.equal(ok.ret.receipt.exitCode, ExitCode.SYS_ILLEGAL_INSTRUCTION);
});

test('actors without the required exports or with unknown imports are fatal (all gas used)', () => {
  const noInvoke = compileWat(`(module (memory (export "memory") 1))`);
  const noMemory = compileWat(`(module (memory 1) (func (export "invoke") (param i32) (result i32) (i32.const 0)))`);
  const badImport = compileWat(`(module (import "vm" "nope" (func (result i32))) (memory (export "memory") 1)
    (func (export "invoke") (param i32) (result i32) (i32.const 0)))`);
  const w = buildWorld({ extraCode: { noInvoke, noMemory, badImport } });
  const tree = StateTree.load(w.bs, w.root);
  ['noInvoke', 'noMemory', 'badImport'].forEach((name, i) => {
    tree.setActor(700n + BigInt(i), { code: w.codes[name]!, head: cidOf(encodeCbor([])), sequence: 0n, balance: 0n, delegatedAddress: null });
  });
  w.root = tree.flush();
  for (let i = 0; i < 3; i++) {
    const r = runProbe(w, () => undefined, { to: Address.newId(700n + BigInt(i)), gasLimit: 30_000_000n, exitCode: ExitCode.SYS_ASSERTION_FAILED });
    assert.equal(r.ret.receipt.gasUsed, 30_000_000n);
  }
});

test('a failing top-level call reverts its state changes and transfers but keeps gas and nonce', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('self', 'set_root', p.bytes(cidOf(encodeCbor(['changed'])).bytes));
    const other = w.otherAddress.toBytes();
    p.call('send', 'send', OUT, p.bytes(other), other.length, 0, 0, 0, 1000, 0xffff_ffff_ffff_ffffn, 0);
    p.call('vm', 'exit', 42, 0, 0, 0);
  }, { exitCode: 42, value: 77n });
  const tree = StateTree.load(w.bs, r.root);
  assert.equal(tree.getActor(w.probe)!.balance, 1000n * FIL);
  assert.equal(tree.getActor(w.other)!.balance, 1000n * FIL);
  assert.ok(tree.getActor(w.probe)!.head.equals(cidOf(encodeCbor([]))));
  const sender = tree.getActor(w.sender)!;
  assert.equal(sender.sequence, 1n);
  assert.ok(sender.balance < 1000n * FIL);
});

test('a nested call that fails is reverted; the caller keeps its own changes', () => {
  const w = buildWorld();
  const inner = new Program();
  const other = w.otherAddress.toBytes();
  inner.call('send', 'send', 1024, inner.bytes(other), other.length, 0, 0, 0, 500, 0xffff_ffff_ffff_ffffn, 0);
  inner.op(Op.Unreachable);
  const newRoot = cidOf(encodeCbor(['outer']));
  const r = runProbe(w, (p) => {
    p.call('self', 'set_root', p.bytes(newRoot.bytes));
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
  });
  assert.equal(readU32(r.out, OUT), ExitCode.SYS_ILLEGAL_INSTRUCTION);
  const tree = StateTree.load(w.bs, r.root);
  assert.ok(tree.getActor(w.probe)!.head.equals(newRoot));
  assert.equal(tree.getActor(w.probe2)!.balance, 1000n * FIL);
  assert.equal(tree.getActor(w.other)!.balance, 1000n * FIL);
});

test('hostile messages leave the machine healthy: the next message runs normally', () => {
  const w = buildWorld();
  const machine = newMachine(w);
  const exec = new Executor(machine);
  const hostile = [
    (p: Program) => p.op(Op.Loop),
    (p: Program) => p.op(Op.Recurse, 1_000_000),
    (p: Program) => p.op(Op.Grow, 60000),
    (p: Program) => p.call('vm', 'exit', 18, 1234, 0, 0),
  ];
  let seq = 0n;
  for (const build of hostile) {
    const p = new Program();
    build(p);
    const msg = message(w, { to: Address.newId(w.probe), params: p.returnMemory(64), sequence: seq++, gasLimit: 50_000_000n });
    exec.applyMessage(msg, 'explicit', encodeMessage(msg).length);
  }
  const transfer = message(w, { to: w.otherAddress, method: 0n, value: 5n, sequence: seq });
  const ret = exec.applyMessage(transfer, 'explicit', encodeMessage(transfer).length);
  assert.equal(ret.receipt.exitCode, ExitCode.OK);
  const tree = StateTree.load(w.bs, exec.flush());
  assert.equal(tree.getActor(w.other)!.balance, 1000n * FIL + 5n);
  assert.equal(tree.getActor(w.sender)!.sequence, seq + 1n);
});
