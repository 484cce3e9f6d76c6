// event::emit_event, gas::*, send::send and debug::* syscalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { encodeCbor, cidOf } from '../../src/ipld/cbor.js';
import { Amt } from '../../src/ipld/amt.js';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { StateTree } from '../../src/state/state-tree.js';
import { FIL, Program, buildWorld, readI32, readU32, readU64, secpAddress } from './harness.js';
import { OUT, nestedCall, runProbe } from './probe.js';

const te = new TextEncoder();

test('event::emit_event: accepted event is in the receipt events AMT; malformed and oversized events', () => {
  const w = buildWorld();
  const good = encodeCbor([
    [3, 'topic', 0x55, new Uint8Array([1, 2, 3])],
    [0, 'data', 0x55, new Uint8Array(100)],
  ]);
  const r = runProbe(w, (p) => {
    const at = (b: Uint8Array): [number, number] => [p.bytes(b), b.length];
    p.call('event', 'emit_event', ...at(good));
    p.call('event', 'emit_event', ...at(new Uint8Array([0xff, 0x00])));
    p.call('event', 'emit_event', ...at(encodeCbor([[0, 'k', 0x71, new Uint8Array(1)]])));
    p.call('event', 'emit_event', ...at(encodeCbor([[0, 'k'.repeat(33), 0x55, new Uint8Array(1)]])));
    p.call('event', 'emit_event', ...at(encodeCbor(Array.from({ length: 257 }, () => [0, 'k', 0x55, new Uint8Array(0)]))));
    p.call('event', 'emit_event', ...at(encodeCbor([[0, 'a', 0x55, new Uint8Array(5000)], [0, 'b', 0x55, new Uint8Array(5000)]])));
    p.call('event', 'emit_event', ...at(encodeCbor([[0, 'k', 0x55, 'not bytes']])));
    p.call('event', 'emit_event', 3 * 65536 - 4, 100);
  });
  assert.equal(r.st(0), 0);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.equal(r.st(2), ErrorNumber.IllegalCodec);
  for (const i of [3, 4, 5, 6, 7]) assert.equal(r.st(i), ErrorNumber.IllegalArgument, `command ${i}`);
  assert.equal(r.ret.events.length, 1);
  const stamped = [w.probe, [[3n, 'topic', 0x55n, new Uint8Array([1, 2, 3])], [0n, 'data', 0x55n, new Uint8Array(100)]]];
  const root = Amt.fromArray(new MemoryBlockstore(), [stamped] as never[], { bitWidth: 5 });
  assert.equal(r.ret.receipt.eventsRoot?.toString(), root.toString());
});

test('events of a call that aborts are dropped with its state changes', () => {
  const w = buildWorld();
  const evt = encodeCbor([[0, 'k', 0x55, new Uint8Array([9])]]);
  const inner = new Program();
  inner.call('event', 'emit_event', inner.bytes(evt), evt.length);
  inner.call('self', 'set_root', inner.bytes(cidOf(encodeCbor(['changed'])).bytes));
  inner.call('vm', 'exit', 20, 0, 0, 0);
  const r = runProbe(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
    p.call('event', 'emit_event', p.bytes(evt), evt.length);
  });
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT), 20); // the callee's exit code
  assert.equal(readU32(r.out, OUT + 4), 0); // no return block
  assert.equal(r.ret.events.length, 1);
  assert.equal(r.ret.events[0]!.emitter, w.probe);
  const tree = StateTree.load(w.bs, r.root);
  assert.equal(tree.getActor(w.probe2)!.head.toString(), tree.getActor(w.other)!.head.toString());
});

test('a message whose top-level call aborts has no events root', () => {
  const w = buildWorld();
  const evt = encodeCbor([[0, 'k', 0x55, new Uint8Array([9])]]);
  const r = runProbe(w, (p) => {
    p.call('event', 'emit_event', p.bytes(evt), evt.length);
    p.call('vm', 'exit', 33, 0, 0, 0);
  }, { exitCode: 33 });
  assert.equal(r.ret.receipt.eventsRoot, null);
  assert.equal(r.ret.events.length, 0);
});

test('gas::charge and gas::available: charges are traced; bad name; running out', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    const [n, len] = p.text('custom-charge');
    p.call('gas', 'available', OUT);
    p.call('gas', 'charge', n, len, 123_456);
    p.call('gas', 'available', OUT + 8);
    p.call('gas', 'charge', p.bytes(new Uint8Array([0xc3, 0x28])), 2, 1);
    p.call('gas', 'available', 3 * 65536 - 4);
  }, { tracing: true, gasLimit: 100_000_000n });
  assert.equal(r.st(0), 0);
  const before = readU64(r.out, OUT);
  const after = readU64(r.out, OUT + 8);
  assert.ok(before < 100_000_000n && before > 0n);
  assert.ok(before - after > 123_456n && before - after < 123_456n + 100_000n);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
  const custom = r.ret.execTrace.find((e) => e.type === 'gas_charge' && e.charge.name === 'custom-charge');
  assert.ok(custom !== undefined && custom.type === 'gas_charge');
  assert.equal(custom.charge.total, 123_456_000n);

  const oog = runProbe(buildWorld(), (p) => p.call('gas', 'charge', ...p.text('x'), 10n ** 12n), {
    exitCode: ExitCode.SYS_OUT_OF_GAS,
    gasLimit: 30_000_000n,
  });
  assert.equal(oog.ret.receipt.gasUsed, 30_000_000n);
});

test('send::send: transfers, return data from the callee, and every refusal', () => {
  const w = buildWorld();
  const inner = new Program();
  inner.call('vm', 'message_context', 1024);
  const r = runProbe(w, (p) => {
    const other = w.otherAddress.toBytes();
    const otherAt = p.bytes(other);
    // 0: 3 attoFIL to an account, method 0
    p.call('send', 'send', OUT, otherAt, other.length, 0, 0, 0, 3, 0xffff_ffff_ffff_ffffn, 0);
    // 1..3: call probe2 and read its dump (block 3)
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT + 32, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
    // 4: unknown flags
    p.call('send', 'send', OUT + 100, otherAt, other.length, 0, 0, 0, 1, 0xffff_ffff_ffff_ffffn, 2);
    // 5: value in a read-only send
    p.call('send', 'send', OUT + 100, otherAt, other.length, 0, 0, 0, 1, 0xffff_ffff_ffff_ffffn, 1);
    // 6: more than the balance
    p.call('send', 'send', OUT + 100, otherAt, other.length, 0, 0, 1024, 0, 0xffff_ffff_ffff_ffffn, 0);
    // 7: an f2 address nobody has
    const f2 = Address.newActor(te.encode('nobody')).toBytes();
    p.call('send', 'send', OUT + 100, p.bytes(f2), f2.length, 0, 0, 0, 1, 0xffff_ffff_ffff_ffffn, 0);
    // 8: a parameters handle that does not exist
    p.call('send', 'send', OUT + 100, otherAt, other.length, 2, 77, 0, 0, 0xffff_ffff_ffff_ffffn, 0);
    // 9: malformed recipient
    p.call('send', 'send', OUT + 100, p.bytes(new Uint8Array([0])), 1, 0, 0, 0, 0, 0xffff_ffff_ffff_ffffn, 0);
    // 10: a read-only send to a new account address cannot create it
    const fresh = secpAddress(88).toBytes();
    p.call('send', 'send', OUT + 100, p.bytes(fresh), fresh.length, 0, 0, 0, 0, 0xffff_ffff_ffff_ffffn, 1);
  });
  assert.equal(r.st(0), 0);
  assert.deepEqual([readU32(r.out, OUT), readU32(r.out, OUT + 4), readU32(r.out, OUT + 16)], [0, 0, 0]);
  assert.equal(r.st(2), 0);
  assert.equal(readU32(r.out, OUT + 32), 0); // exit code
  assert.equal(readU32(r.out, OUT + 36), 3); // return block id
  assert.equal(readU64(r.out, OUT + 40), 0x55n); // raw codec
  assert.equal(readU32(r.out, OUT + 48), 512); // dump size
  assert.equal(readI32(r.out, OUT + 1024), 0); // the callee's message_context succeeded
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
  assert.equal(r.st(5), ErrorNumber.ReadOnly);
  assert.equal(r.st(6), ErrorNumber.InsufficientFunds);
  assert.equal(r.st(7), ErrorNumber.NotFound);
  assert.equal(r.st(8), ErrorNumber.InvalidHandle);
  assert.equal(r.st(9), ErrorNumber.IllegalArgument);
  assert.equal(r.st(10), ErrorNumber.ReadOnly);
  const tree = StateTree.load(w.bs, r.root);
  assert.equal(tree.getActor(w.other)!.balance, 1000n * FIL + 3n);
});

test('send::send: what the callee sees in its message context', () => {
  const w = buildWorld();
  const inner = new Program();
  inner.call('vm', 'message_context', 256);
  const r = runProbe(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3, valueLo: 11n, method: 77n });
  });
  const ctx = OUT + 1024 + 256;
  assert.equal(readU64(r.out, ctx), w.sender); // origin
  assert.equal(readU64(r.out, ctx + 16), w.probe); // caller
  assert.equal(readU64(r.out, ctx + 24), w.probe2); // receiver
  assert.equal(readU64(r.out, ctx + 32), 77n); // method
  assert.equal(readU64(r.out, ctx + 40), 11n); // value
});

test('send::send with a gas limit: the callee runs out, the caller carries on', () => {
  const w = buildWorld();
  const inner = new Program();
  inner.op(2); // loop forever
  const r = runProbe(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3, gasLimit: 5_000_000n });
    p.call('gas', 'available', OUT + 200);
  });
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT), ExitCode.SYS_OUT_OF_GAS);
  assert.equal(r.st(2), ErrorNumber.InvalidHandle); // no return block to read
  assert.ok(readU64(r.out, OUT + 200) > 900_000_000n);
});

test('debug::enabled, debug::log and debug::store_artifact', () => {
  const w = buildWorld();
  const prog = (p: Program): void => {
    p.call('debug', 'enabled', OUT);
    p.call('debug', 'log', ...p.text('hello from wasm'));
    p.call('debug', 'log', p.bytes(new Uint8Array([0xff, 0xfe])), 2);
    p.call('debug', 'store_artifact', ...p.text('../escape'), ...p.text('data'));
    p.call('debug', 'store_artifact', ...p.text('trace.txt'), ...p.text('data'));
  };
  const off = runProbe(w, prog);
  assert.equal(readI32(off.out, OUT), -1);
  for (let i = 1; i < 5; i++) assert.equal(off.st(i), 0, `disabled command ${i} is a no-op`);

  const logged: string[] = [];
  const on = runProbe(w, prog, { actorDebugging: true, log: (id, msg) => logged.push(`${id}:${msg}`) });
  assert.equal(readI32(on.out, OUT), 0);
  assert.equal(on.st(1), 0);
  assert.equal(on.st(2), ErrorNumber.IllegalArgument);
  assert.equal(on.st(3), ErrorNumber.IllegalArgument);
  assert.equal(on.st(4), 0);
  assert.deepEqual(logged, [`${w.probe}:hello from wasm`]);
});
