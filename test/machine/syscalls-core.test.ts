// vm, network, ipld and self syscalls: one success and the exact error numbers of failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { EMPTY_ARRAY_CID } from '../../src/primitives/actor.js';
import { cidOf, RAW, encodeCbor } from '../../src/ipld/cbor.js';
import { StateTree } from '../../src/state/state-tree.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { FIL, Op, Program, buildWorld, readI32, readU32, readU64, secpAddress } from './harness.js';
import { OUT, nestedCall, runProbe } from './probe.js';

const MEM_END = 3 * 65536;
const te = new TextEncoder();

test('vm::message_context: success fields; bad return pointer is IllegalArgument', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('vm', 'message_context', OUT);
    p.call('vm', 'message_context', MEM_END - 10);
  }, { value: 5n });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT), w.sender); // origin
  assert.equal(readU64(r.out, OUT + 8), 0n); // nonce
  assert.equal(readU64(r.out, OUT + 16), w.sender); // caller
  assert.equal(readU64(r.out, OUT + 24), w.probe); // receiver
  assert.equal(readU64(r.out, OUT + 32), 2n); // method
  assert.equal(readU64(r.out, OUT + 40), 5n); // value lo
  assert.equal(readU64(r.out, OUT + 48), 0n); // value hi
  assert.equal(readU64(r.out, OUT + 56), 10n); // effective premium (fee cap 200 - base fee 100 > 10)
  assert.equal(readU64(r.out, OUT + 72), 0n); // flags
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
});

test('vm::exit: user codes, system codes, return data, missing block', () => {
  const w = buildWorld();
  const abort = runProbe(w, (p) => {
    const [m, len] = p.text('boom');
    p.call('vm', 'exit', 20, 0, m, len);
  }, { exitCode: 20 });
  assert.equal(abort.ret.failureInfo?.kind, 'backtrace');
  const frames = abort.ret.failureInfo.kind === 'backtrace' ? abort.ret.failureInfo.backtrace.frames : [];
  assert.deepEqual(frames.map((f) => [f.source, f.code, f.message]), [[w.probe, 20, 'boom']]);

  runProbe(w, (p) => p.call('vm', 'exit', 5, 0, 0, 0), { exitCode: ExitCode.SYS_ILLEGAL_EXIT_CODE });

  const data = te.encode('payload');
  const ok = runProbe(w, (p) => {
    const at = p.bytes(data);
    p.call('ipld', 'block_create', OUT, RAW, at, data.length);
    p.call('vm', 'exit', 0, 2, 0, 0);
  });
  assert.deepEqual(ok.ret.receipt.returnData, data);

  const withData = runProbe(w, (p) => {
    const at = p.bytes(data);
    p.call('ipld', 'block_create', OUT, RAW, at, data.length);
    p.call('vm', 'exit', 17, 2, 0, 0);
  }, { exitCode: 17 });
  assert.deepEqual(withData.ret.receipt.returnData, data);

  // Exiting with a block handle that does not exist is fatal: all the gas is used.
  const fatal = runProbe(w, (p) => p.call('vm', 'exit', 18, 99, 0, 0), { exitCode: ExitCode.SYS_ASSERTION_FAILED, gasLimit: 50_000_000n });
  assert.equal(fatal.ret.receipt.gasUsed, 50_000_000n);
});

test('invoke returning a handle that does not exist is SYS_MISSING_RETURN', () => {
  const w = buildWorld();
  runProbe(w, (p) => p.op(Op.ReturnBlock, 42), { exitCode: ExitCode.SYS_MISSING_RETURN });
});

test('network::total_fil_circ_supply and network::context', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('network', 'total_fil_circ_supply', OUT);
    p.call('network', 'context', OUT + 32);
    p.call('network', 'total_fil_circ_supply', MEM_END - 15);
    p.call('network', 'context', MEM_END);
  }, { circSupply: (1n << 70n) + 3n, chainId: 314n });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT), 3n);
  assert.equal(readU64(r.out, OUT + 8), 64n);
  assert.equal(r.st(1), 0);
  assert.equal(readU64(r.out, OUT + 32), 1000n); // epoch
  assert.equal(readU64(r.out, OUT + 40), 1_700_000_000n); // timestamp
  assert.equal(readU64(r.out, OUT + 48), 100n); // base fee lo
  assert.equal(readU64(r.out, OUT + 56), 0n); // base fee hi
  assert.equal(readU64(r.out, OUT + 64), 314n); // chain id
  assert.equal(readU32(r.out, OUT + 72), 18); // network version
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
});

test('network::tipset_cid: lookups within finality; negative, current, future and too-old epochs', () => {
  const w = buildWorld();
  const tipset = (e: bigint): CID => cidOf(encodeCbor(['tipset', e]));
  const externs = new StaticExterns({ tipsetCid: tipset });
  const r = runProbe(w, (p) => {
    p.call('network', 'tipset_cid', OUT, 999, OUT + 100, 100);
    p.call('network', 'tipset_cid', OUT + 4, 101, OUT + 200, 100);
    p.call('network', 'tipset_cid', OUT, -1, OUT + 100, 100);
    p.call('network', 'tipset_cid', OUT, 1000, OUT + 100, 100);
    p.call('network', 'tipset_cid', OUT, 1001, OUT + 100, 100);
    p.call('network', 'tipset_cid', OUT, 100, OUT + 100, 100);
    p.call('network', 'tipset_cid', OUT, 999, OUT + 300, 10);
    p.call('network', 'tipset_cid', OUT, 999, MEM_END - 5, 10);
  }, { externs });
  const c999 = tipset(999n).bytes;
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), c999.length);
  assert.deepEqual(r.out.subarray(OUT + 100, OUT + 100 + c999.length), c999);
  assert.equal(r.st(1), 0);
  assert.deepEqual(r.out.subarray(OUT + 200, OUT + 200 + c999.length), tipset(101n).bytes);
  for (const i of [2, 3, 4, 5, 7]) assert.equal(r.st(i), ErrorNumber.IllegalArgument, `command ${i}`);
  assert.equal(r.st(6), ErrorNumber.BufferTooSmall);
});

test('ipld::block_create: success, forbidden codec, out of bounds, over 1 MiB', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    const at = p.bytes(te.encode('hello world'));
    p.call('ipld', 'block_create', OUT, RAW, at, 11);
    p.call('ipld', 'block_create', OUT + 8, 0x71, at, 11);
    p.call('ipld', 'block_create', OUT + 16, 0x70, at, 11);
    p.call('ipld', 'block_create', OUT + 16, RAW, MEM_END - 4, 11);
    p.op(Op.Grow, 20);
    p.call('ipld', 'block_create', OUT + 16, RAW, 0, (1 << 20) + 1);
    p.call('ipld', 'block_create', OUT + 24, RAW, 0, 1 << 20);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), 2);
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT + 8), 3);
  assert.equal(r.st(2), ErrorNumber.IllegalCodec);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
  assert.equal(r.st(4), 3); // memory.grow returned the old size in pages
  assert.equal(r.st(5), ErrorNumber.LimitExceeded);
  assert.equal(r.st(6), 0);
  assert.equal(readU32(r.out, OUT + 24), 4);
});

test('ipld::block_stat and ipld::block_read: data, remaining length, bad handles, i32 overflow', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    const at = p.bytes(te.encode('hello world'));
    p.call('ipld', 'block_create', OUT, RAW, at, 11);
    p.call('ipld', 'block_stat', OUT + 8, 2);
    p.call('ipld', 'block_stat', OUT + 8, 99);
    p.call('ipld', 'block_read', OUT + 24, 2, 0, OUT + 100, 4);
    p.call('ipld', 'block_read', OUT + 28, 2, 8, OUT + 200, 10);
    p.call('ipld', 'block_read', OUT + 32, 99, 0, OUT + 300, 4);
    p.call('ipld', 'block_read', OUT + 32, 2, 0x7fff_fff0, OUT + 300, 100);
    p.call('ipld', 'block_read', OUT + 32, 2, 0, MEM_END - 2, 4);
    p.call('ipld', 'block_read', OUT + 36, 2, 20, OUT + 400, 4);
    p.call('ipld', 'block_stat', OUT + 40, 0);
  });
  assert.equal(r.st(1), 0);
  assert.equal(readU64(r.out, OUT + 8), 0x55n);
  assert.equal(readU32(r.out, OUT + 16), 11);
  assert.equal(r.st(2), ErrorNumber.InvalidHandle);
  assert.equal(r.st(3), 0);
  assert.equal(new TextDecoder().decode(r.out.subarray(OUT + 100, OUT + 104)), 'hell');
  assert.equal(readI32(r.out, OUT + 24), 7);
  assert.equal(r.st(4), 0);
  assert.equal(new TextDecoder().decode(r.out.subarray(OUT + 200, OUT + 203)), 'rld');
  assert.equal(readI32(r.out, OUT + 28), -7);
  assert.equal(r.st(5), ErrorNumber.InvalidHandle);
  assert.equal(r.st(6), ErrorNumber.IllegalArgument);
  assert.equal(r.st(7), ErrorNumber.IllegalArgument);
  assert.equal(r.st(8), 0); // reading past the end copies nothing
  assert.equal(readI32(r.out, OUT + 36), 11 - 24);
  assert.equal(r.st(9), ErrorNumber.InvalidHandle); // handle 0 is "no block"
});

test('ipld::block_link and ipld::block_open: CID, then reopen; bad hash, bad handle, small buffer', () => {
  const w = buildWorld();
  const data = te.encode('hello world');
  const cid = cidOf(data, RAW);
  const r = runProbe(w, (p) => {
    const at = p.bytes(data);
    const cidAt = p.bytes(cid.bytes);
    p.call('ipld', 'block_create', OUT, RAW, at, 11);
    p.call('ipld', 'block_link', OUT + 8, 2, 0xb220, 32, OUT + 100, 100);
    p.call('ipld', 'block_link', OUT + 8, 2, 0x12, 32, OUT + 200, 100);
    p.call('ipld', 'block_link', OUT + 8, 2, 0xb220, 20, OUT + 200, 100);
    p.call('ipld', 'block_link', OUT + 8, 99, 0xb220, 32, OUT + 200, 100);
    p.call('ipld', 'block_link', OUT + 8, 2, 0xb220, 32, OUT + 200, 10);
    p.call('ipld', 'block_link', OUT + 8, 2, 0xb220, 32, MEM_END - 10, 100);
    p.call('ipld', 'block_open', OUT + 16, cidAt);
    p.call('ipld', 'block_open', OUT + 16, MEM_END + 8);
  });
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT + 8), cid.bytes.length);
  assert.deepEqual(r.out.subarray(OUT + 100, OUT + 100 + cid.bytes.length), cid.bytes);
  assert.equal(r.st(2), ErrorNumber.IllegalCid);
  assert.equal(r.st(3), ErrorNumber.IllegalCid);
  assert.equal(r.st(4), ErrorNumber.InvalidHandle);
  assert.equal(r.st(5), ErrorNumber.BufferTooSmall);
  assert.equal(r.st(6), ErrorNumber.IllegalArgument);
  assert.equal(r.st(7), 0);
  assert.equal(readU64(r.out, OUT + 16), 0x55n);
  assert.equal(readU32(r.out, OUT + 24), 3);
  assert.equal(readU32(r.out, OUT + 28), 11);
  assert.equal(r.st(8), ErrorNumber.IllegalArgument);
});

test('ipld::block_open: malformed CID bytes, forbidden codec, and a missing block (fatal)', () => {
  const w = buildWorld();
  // A dag-pb block that is in the store: opening it is charged, then refused for its codec.
  const pb = new Uint8Array([1, 2, 3]);
  const pbCid = CID.createV1(0x70, createDigest(0xb220, cidOf(pb, RAW).multihash.digest));
  w.bs.put(pbCid, pb);
  const r = runProbe(w, (p) => {
    // A digest longer than 64 bytes.
    p.call('ipld', 'block_open', OUT, p.bytes(new Uint8Array([0x01, 0x71, 0xa0, 0xe4, 0x02, 0x41])));
    p.call('ipld', 'block_open', OUT, p.bytes(new Uint8Array([0x02, 0x71, 0x12, 0x20])));
    p.call('ipld', 'block_open', OUT, p.bytes(pbCid.bytes));
  });
  assert.equal(r.st(0), ErrorNumber.IllegalArgument); // digest too long
  assert.equal(r.st(1), ErrorNumber.IllegalArgument); // CID version 2
  assert.equal(r.st(2), ErrorNumber.IllegalCodec);

  const missing = cidOf(te.encode('not stored'), RAW);
  const fatal = runProbe(w, (p) => p.call('ipld', 'block_open', OUT, p.bytes(missing.bytes)), {
    exitCode: ExitCode.SYS_ASSERTION_FAILED,
    gasLimit: 40_000_000n,
  });
  assert.equal(fatal.ret.receipt.gasUsed, 40_000_000n);
  assert.equal(fatal.ret.failureInfo?.kind, 'backtrace');
});

test('self::root and self::set_root: read, update (persisted), bad CID, small buffer', () => {
  const w = buildWorld();
  const newRoot = cidOf(encodeCbor(['state']));
  const r = runProbe(w, (p) => {
    p.call('self', 'root', OUT, OUT + 100, 100);
    p.call('self', 'root', OUT, OUT + 100, 5);
    p.call('self', 'root', OUT, MEM_END - 2, 100);
    p.call('self', 'set_root', p.bytes(newRoot.bytes));
    p.call('self', 'set_root', p.bytes(new Uint8Array([0x03, 0x71])));
    p.call('self', 'root', OUT + 8, OUT + 300, 100);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), EMPTY_ARRAY_CID.bytes.length);
  assert.deepEqual(r.out.subarray(OUT + 100, OUT + 100 + EMPTY_ARRAY_CID.bytes.length), EMPTY_ARRAY_CID.bytes);
  assert.equal(r.st(1), ErrorNumber.BufferTooSmall);
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
  assert.equal(r.st(3), 0);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
  assert.deepEqual(r.out.subarray(OUT + 300, OUT + 300 + newRoot.bytes.length), newRoot.bytes);
  const tree = StateTree.load(w.bs, r.root);
  assert.ok(tree.getActor(w.probe)!.head.equals(newRoot));
});

test('self::set_root, self::self_destruct and event::emit_event in a read-only call: ReadOnly', () => {
  const w = buildWorld();
  const inner = new Program();
  inner.call('self', 'set_root', inner.bytes(cidOf(encodeCbor(['x'])).bytes));
  const sender = w.senderAddress.toBytes();
  inner.call('self', 'self_destruct', inner.bytes(sender), sender.length);
  const evt = encodeCbor([[0, 'k', 0x55, new Uint8Array([1])]]);
  inner.call('event', 'emit_event', inner.bytes(evt), evt.length);
  inner.call('vm', 'message_context', 1024);
  const r = runProbe(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, flags: 1n, paramsId: 2, returnId: 3 });
  });
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT), 0); // the callee exited normally
  const innerStatus = (i: number): number => readI32(r.out, OUT + 1024 + 4 * i);
  assert.equal(innerStatus(0), ErrorNumber.ReadOnly);
  assert.equal(innerStatus(1), ErrorNumber.ReadOnly);
  assert.equal(innerStatus(2), ErrorNumber.ReadOnly);
  assert.equal(innerStatus(3), 0);
});

test('self::current_balance', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('self', 'current_balance', OUT);
    p.call('self', 'current_balance', MEM_END - 8);
  }, { value: 9n });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT), (1000n * FIL + 9n) & 0xffff_ffff_ffff_ffffn);
  assert.equal(readU64(r.out, OUT + 8), (1000n * FIL + 9n) >> 64n);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
});

test('self::self_destruct: funds to the beneficiary and the actor is gone; self, unknown and malformed beneficiaries', () => {
  const w = buildWorld();
  const fails = runProbe(w, (p) => {
    const me = Address.newId(w.probe).toBytes();
    p.call('self', 'self_destruct', p.bytes(me), me.length);
    const unknown = secpAddress(55).toBytes();
    p.call('self', 'self_destruct', p.bytes(unknown), unknown.length);
    p.call('self', 'self_destruct', p.bytes(new Uint8Array([9, 9])), 2);
  });
  assert.equal(fails.st(0), ErrorNumber.Forbidden);
  assert.equal(fails.st(1), ErrorNumber.NotFound);
  assert.equal(fails.st(2), ErrorNumber.IllegalArgument);

  const w2 = buildWorld();
  const ok = runProbe(w2, (p) => {
    const other = w2.otherAddress.toBytes();
    p.call('self', 'self_destruct', p.bytes(other), other.length);
    p.call('self', 'current_balance', OUT);
  });
  assert.equal(ok.st(0), 0);
  assert.equal(readU64(ok.out, OUT), 0n);
  const tree = StateTree.load(w2.bs, ok.root);
  assert.equal(tree.getActor(w2.probe), undefined);
  assert.equal(tree.getActor(w2.other)!.balance, 2000n * FIL);
});

test('bad return pointer: the reference skips the gas refill, so entry execution gas is charged twice', () => {
  const execCharges = (retPtr: number): bigint[] => {
    const w = buildWorld();
    const r = runProbe(w, (p) => {
      p.call('network', 'context', retPtr);
      p.call('network', 'context', OUT);
    }, { tracing: true });
    assert.equal(r.st(0), retPtr === OUT ? 0 : ErrorNumber.IllegalArgument);
    return r.ret.execTrace.flatMap((e) => (e.type === 'gas_charge' && e.charge.name === 'wasm_exec' ? [e.charge.total] : []));
  };
  const good = execCharges(OUT);
  const bad = execCharges(MEM_END);
  assert.equal(good.length, bad.length);
  // Charges: [instantiation, block_read, 1st context, 2nd context, block_create, end of invoke].
  const i = 2;
  assert.ok(good[i]! > 0n);
  assert.equal(bad[i], good[i]);
  assert.equal(bad[i + 1], good[i + 1]! + good[i]!);
  assert.deepEqual(bad.slice(i + 2), good.slice(i + 2));
});
