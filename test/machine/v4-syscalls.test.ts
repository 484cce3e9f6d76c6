// The syscalls whose signature or meaning changed in ref-fvm 4.x (nv21+), run by a probe
// built for the 4.x ABI: self_destruct(burn_unspent), raw randomness, packed events,
// verify_bls_aggregate, NI-PoRep sector CIDs, unbounded tipset lookback, and the
// "no invoke entrypoint" receiver. One success and the exact error numbers of failures each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { CID } from 'multiformats/cid';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { encodeCbor, cidOf } from '../../src/ipld/cbor.js';
import { Amt } from '../../src/ipld/amt.js';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { newEmptyActor } from '../../src/primitives/actor.js';
import { StateTree } from '../../src/state/state-tree.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { priceListByNetworkVersion } from '../../src/gas/price-list.js';
import { BLS_DST } from '../../src/crypto/index.js';
import { dataCommitmentV1ToCid } from '../../src/crypto/commcid.js';
import { zeroPieceCommitment } from '../../src/crypto/piece.js';
import type { ExecutionEvent } from '../../src/call/trace.js';
import { FIL, Program, apply, buildWorld, compileWat, readI32, readU32, readU64 } from './harness.js';
import { OUT, nestedCall, runProbe } from './probe.js';
import { SDK_SYSCALLS_V4, buildWorldV4, concat, eventHeader, runProbeV4 } from './probe-v4.js';

const MEM_END = 3 * 65536;
const te = new TextEncoder();
const RAW = 0x55n;
const CBOR = 0x51n;
const TEEP = priceListByNetworkVersion(28);

function charges(trace: readonly ExecutionEvent[], name: string): bigint[] {
  return trace.flatMap((e) => (e.type === 'gas_charge' && e.charge.name === name ? [e.charge.total] : []));
}

test('v4 self::self_destruct(burn_unspent): refuses to strand funds, burns them on request, read-only', () => {
  const w = buildWorldV4();
  const before = StateTree.load(w.bs, w.root);
  const probeBalance = before.getActor(w.probe)!.balance;
  const burntBefore = before.getActor(99n)!.balance;
  const r = runProbeV4(w, (p) => {
    p.call('self', 'self_destruct', 0); // 0: funds left
    p.call('self', 'self_destruct', 1); // 1: burnt and deleted
    p.call('self', 'root', OUT, OUT + 100, 100); // 2: no actor any more
  });
  assert.equal(r.st(0), ErrorNumber.IllegalOperation);
  assert.equal(r.st(1), 0);
  assert.equal(r.st(2), ErrorNumber.IllegalOperation);
  const after = StateTree.load(w.bs, r.root);
  assert.equal(after.getActor(w.probe), undefined);
  assert.equal(after.getActor(99n)!.balance - burntBefore, probeBalance + r.ret.baseFeeBurn + r.ret.overEstimationBurn);

  // In a read-only call it is refused before anything else.
  const inner = new Program(SDK_SYSCALLS_V4);
  inner.call('self', 'self_destruct', 1);
  const ro = runProbeV4(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3, flags: 1n });
  });
  assert.equal(readU32(ro.out, OUT), 0);
  assert.equal(readI32(ro.out, OUT + 1024), ErrorNumber.ReadOnly);
});

test('v4 rand::get_{chain,beacon}_randomness(epoch): raw extern bytes, priced by lookback; failures', () => {
  const w = buildWorldV4();
  const fill = (n: bigint): Uint8Array => new Uint8Array(32).fill(Number(n % 256n));
  const externs = new StaticExterns({ chainRandomness: fill, beaconRandomness: (n) => fill(n + 1n) });
  const r = runProbeV4(w, (p) => {
    p.call('rand', 'get_chain_randomness', OUT, 990);
    p.call('rand', 'get_beacon_randomness', OUT + 32, 1000);
    p.call('rand', 'get_chain_randomness', MEM_END - 16, 990);
    p.call('rand', 'get_chain_randomness', OUT + 64, -(2n ** 63n));
  }, { externs, tracing: true });
  assert.equal(r.st(0), 0);
  assert.deepEqual(r.out.subarray(OUT, OUT + 32), fill(990n)); // no DST, no entropy: as the extern gave it
  assert.equal(r.st(1), 0);
  assert.deepEqual(r.out.subarray(OUT + 32, OUT + 64), fill(1001n));
  assert.equal(r.st(2), ErrorNumber.IllegalArgument); // no room for the result
  assert.equal(r.st(3), ErrorNumber.IllegalArgument); // epoch - round overflows i64
  assert.deepEqual(charges(r.ret.execTrace, 'OnGetRandomness'), [
    TEEP.onGetRandomness(10).total(),
    TEEP.onGetRandomness(0).total(),
  ]);

  // Without randomness from the node the syscall fails with IllegalArgument.
  const none = runProbeV4(buildWorldV4(), (p) => p.call('rand', 'get_beacon_randomness', OUT, 1));
  assert.equal(none.st(0), ErrorNumber.IllegalArgument);
  // A future epoch prices as a wrapped (huge) lookback: the message runs out of gas.
  runProbeV4(buildWorldV4(), (p) => p.call('rand', 'get_chain_randomness', OUT, 1001), {
    externs,
    exitCode: ExitCode.SYS_OUT_OF_GAS,
  });
});

test('v4 event::emit_event(headers, keys, values): accepted events, every limit and malformed layout', () => {
  const w = buildWorldV4();
  const cborValue = encodeCbor(5);
  const good = {
    headers: concat(eventHeader(3n, RAW, 5, 3), eventHeader(0n, CBOR, 4, cborValue.length)),
    keys: te.encode('topicdata'),
    values: concat(new Uint8Array([1, 2, 3]), cborValue),
  };
  const many = concat(...Array.from({ length: 256 }, () => eventHeader(0n, RAW, 0, 0)));
  type Case = [Uint8Array, number, Uint8Array, Uint8Array];
  const one = (flags: bigint, codec: bigint, key: Uint8Array, value: Uint8Array): Case => [
    eventHeader(flags, codec, key.length, value.length), 1, key, value,
  ];
  const cases: Array<[string, Case, number]> = [
    ['unknown flag', one(4n, RAW, te.encode('k'), new Uint8Array(1)), ErrorNumber.IllegalArgument],
    ['32-byte key', one(0n, RAW, te.encode('k'.repeat(32)), new Uint8Array(1)), ErrorNumber.LimitExceeded],
    ['256 entries', [many, 256, new Uint8Array(0), new Uint8Array(0)], ErrorNumber.LimitExceeded],
    ['8193 value bytes', one(0n, RAW, te.encode('k'), new Uint8Array(8193)), ErrorNumber.LimitExceeded],
    ['DAG-CBOR value', one(0n, 0x71n, te.encode('k'), new Uint8Array(1)), ErrorNumber.IllegalCodec],
    ['invalid UTF-8 key', one(0n, RAW, new Uint8Array([0xff]), new Uint8Array(1)), ErrorNumber.IllegalArgument],
    [
      'key splits a character',
      [concat(eventHeader(0n, RAW, 1, 0), eventHeader(0n, RAW, 1, 0)), 2, te.encode('é'), new Uint8Array(0)],
      ErrorNumber.IllegalArgument,
    ],
    ['unused key bytes', [eventHeader(0n, RAW, 1, 0), 1, te.encode('ab'), new Uint8Array(0)], ErrorNumber.IllegalArgument],
    ['value past the buffer', [eventHeader(0n, RAW, 1, 5), 1, te.encode('a'), new Uint8Array(4)], ErrorNumber.IllegalArgument],
  ];
  const r = runProbeV4(w, (p) => {
    p.call('event', 'emit_event', p.bytes(good.headers), 2, p.bytes(good.keys), good.keys.length, p.bytes(good.values), good.values.length);
    for (const [, [h, n, k, v]] of cases) {
      p.call('event', 'emit_event', p.bytes(h), n, p.bytes(k), k.length, p.bytes(v), v.length);
    }
    p.call('event', 'emit_event', MEM_END - 30, 2, 0, 0, 0, 0); // headers out of bounds
    p.call('event', 'emit_event', 0, 0x1000_0000, 0, 0, 0, 0); // count × 24 overflows a u32
  }, { tracing: true });
  assert.equal(r.st(0), 0);
  cases.forEach(([what, , errno], i) => assert.equal(r.st(i + 1), errno, what));
  assert.equal(r.st(cases.length + 1), ErrorNumber.IllegalArgument);
  assert.equal(r.st(cases.length + 2), ErrorNumber.IllegalArgument);

  assert.equal(r.ret.events.length, 1);
  const stamped = [w.probe, [[3n, 'topic', RAW, new Uint8Array([1, 2, 3])], [0n, 'data', CBOR, cborValue]]];
  const root = Amt.fromArray(new MemoryBlockstore(), [stamped] as never[], { bitWidth: 5 });
  assert.equal(r.ret.receipt.eventsRoot?.toString(), root.toString());
  // Every attempt that got past the memory checks was priced before it was validated.
  const priced = charges(r.ret.execTrace, 'OnActorEvent');
  assert.equal(priced.length, 1 + cases.length);
  assert.equal(priced[0], TEEP.onActorEvent(2, 9, good.values.length).total());

  // Read-only calls may not emit.
  const inner = new Program(SDK_SYSCALLS_V4);
  inner.call('event', 'emit_event', inner.bytes(good.headers), 2, inner.bytes(good.keys), 9, inner.bytes(good.values), good.values.length);
  const ro = runProbeV4(w, (p) => {
    nestedCall(p, Address.newId(w.probe2), inner, { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3, flags: 1n });
  });
  assert.equal(readI32(ro.out, OUT + 1024), ErrorNumber.ReadOnly);
  assert.equal(ro.ret.events.length, 0);
});

test('v4 crypto::verify_bls_aggregate: valid, tampered, no signers; argument errors', () => {
  const bls = bls12_381.longSignatures;
  const keys = [1, 2].map((i) => new Uint8Array(32).fill(i));
  const messages = [te.encode('first message'), te.encode('second')];
  const pubs = concat(...keys.map((sk) => bls.getPublicKey(sk).toBytes()));
  const sig = bls.Signature.toBytes(bls.aggregateSignatures(keys.map((sk, i) => bls.sign(bls.hash(messages[i]!, BLS_DST), sk))));
  const lens = new Uint8Array(8);
  new DataView(lens.buffer).setUint32(0, messages[0]!.length, true);
  new DataView(lens.buffer).setUint32(4, messages[1]!.length, true);
  const tooLong = new Uint8Array(8);
  new DataView(tooLong.buffer).setUint32(0, 0xffff_fff0, true);
  new DataView(tooLong.buffer).setUint32(4, 0x20, true); // wraps to 16 as a u32 sum
  const r = runProbeV4(buildWorldV4(), (p) => {
    const s = p.bytes(sig);
    const k = p.bytes(pubs);
    const m = p.bytes(concat(...messages));
    const l = p.bytes(lens);
    p.call('crypto', 'verify_bls_aggregate', OUT, 2, s, k, m, l); // 0: valid
    p.call('crypto', 'verify_bls_aggregate', OUT + 4, 2, s, k, p.bytes(concat(messages[1]!, messages[0]!)), l); // 1: wrong order
    p.call('crypto', 'verify_bls_aggregate', OUT + 8, 0, s, k, m, l); // 2: no signers
    p.call('crypto', 'verify_bls_aggregate', OUT + 12, 0x0600_0000, s, k, m, l); // 3: 48 × n overflows
    p.call('crypto', 'verify_bls_aggregate', OUT + 12, 2, MEM_END - 10, k, m, l); // 4: signature out of bounds
    p.call('crypto', 'verify_bls_aggregate', OUT + 12, 2, s, k, m, p.bytes(tooLong)); // 5: lengths do not tile
  }, { tracing: true });
  assert.equal(r.st(0), 0);
  assert.equal(readI32(r.out, OUT), 0);
  assert.equal(r.st(1), 0);
  assert.equal(readI32(r.out, OUT + 4), -1);
  assert.equal(r.st(2), 0);
  assert.equal(readI32(r.out, OUT + 8), 0);
  for (const i of [3, 4, 5]) assert.equal(r.st(i), ErrorNumber.IllegalArgument, `command ${i}`);
  const total = messages[0]!.length + messages[1]!.length;
  assert.deepEqual(charges(r.ret.execTrace, 'OnVerifyBlsAggregateSignature'), [
    TEEP.onVerifyAggregateSignature(2, total).total(),
    TEEP.onVerifyAggregateSignature(2, total).total(),
    TEEP.onVerifyAggregateSignature(0, 0).total(), // no lengths: an empty plaintext buffer
    TEEP.onVerifyAggregateSignature(2, 16).total(), // charged on the wrapped length, then refused
  ]);
});

test('v4 crypto::compute_unsealed_sector_cid: NI-PoRep proof types are known; 20 is not', () => {
  const expected = dataCommitmentV1ToCid(zeroPieceCommitment(2048n)).bytes;
  const none = encodeCbor([]);
  const r = runProbeV4(buildWorldV4(), (p) => {
    const at = p.bytes(none);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT, 15, at, none.length, OUT + 100, 100); // 2 KiB NI-PoRep
    p.call('crypto', 'compute_unsealed_sector_cid', OUT + 4, 20, at, none.length, OUT + 200, 100);
  });
  assert.equal(r.st(0), 0);
  assert.deepEqual(r.out.subarray(OUT + 100, OUT + 100 + readU32(r.out, OUT)), expected);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
});

test('v4 network: tipset_cid beyond finality; circulating supply defaults to zero', () => {
  const tipset = (e: bigint): CID => cidOf(encodeCbor([Number(e)]));
  const r = runProbeV4(buildWorldV4(), (p) => {
    p.call('network', 'tipset_cid', OUT, 50, OUT + 100, 100); // 950 epochs back: refused before nv21
    p.call('network', 'tipset_cid', OUT + 4, 1000, OUT + 200, 100); // the current epoch
    p.call('network', 'total_fil_circ_supply', OUT + 300);
  }, { externs: new StaticExterns({ tipsetCid: tipset }), tracing: true });
  assert.equal(r.st(0), 0);
  assert.deepEqual(r.out.subarray(OUT + 100, OUT + 100 + readU32(r.out, OUT)), tipset(50n).bytes);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.deepEqual(charges(r.ret.execTrace, 'OnTipsetCid'), [TEEP.onTipsetCid(950).total()]);
  assert.equal(readU64(r.out, OUT + 300), 0n);
  assert.equal(readU64(r.out, OUT + 308), 0n);
});

test('v4 call manager: an actor without an invoke entrypoint is an invalid receiver (3.x: fatal)', () => {
  const wasm = compileWat('(module (memory (export "memory") 1) (func (export "other") (param i32) (result i32) (i32.const 0)))', 'no-invoke.wat');
  const w = buildWorldV4({ extraCode: { noinvoke: wasm } });
  const tree = StateTree.load(w.bs, w.root);
  const id = tree.registerNewAddress(Address.newActor(te.encode('no-invoke')));
  tree.setActor(id, { ...newEmptyActor(w.codes.noinvoke!), balance: FIL });
  w.root = tree.flush();
  const v4 = apply(w, { to: Address.newId(id) }, { networkVersion: 28 });
  assert.equal(v4.ret.receipt.exitCode, ExitCode.SYS_INVALID_RECEIVER);
  assert.ok(v4.ret.receipt.gasUsed < 1_000_000_000n); // an exit, not a fatal error charging the whole limit
  const v3 = apply(w, { to: Address.newId(id) }, { networkVersion: 20 });
  assert.equal(v3.ret.receipt.exitCode, ExitCode.SYS_ASSERTION_FAILED);
});

test('v4 call manager: a send refused for depth pops its gas limit again (3.x leaves it pushed)', () => {
  // probe (depth 1) -> probe2 (depth 2) -> refused send with a 1000-gas limit; then probe2
  // asks how much gas is left.
  const program = (syscalls?: typeof SDK_SYSCALLS_V4): Program => {
    const inner = new Program(syscalls);
    const target = Address.newId(102n).toBytes();
    inner.call('send', 'send', 200, inner.bytes(target), target.length, 2n, 0, 0n, 0n, 1000n, 0n);
    inner.call('gas', 'available', 240);
    return inner;
  };
  const w4 = buildWorldV4();
  const r4 = runProbeV4(w4, (p) => {
    nestedCall(p, Address.newId(w4.probe2), program(SDK_SYSCALLS_V4), { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
  }, { maxCallDepth: 2 });
  assert.equal(readI32(r4.out, OUT + 1024), ErrorNumber.LimitExceeded);
  assert.ok(readU64(r4.out, OUT + 1024 + 240) > 900_000_000n, 'nv28: the message gas is available again');

  // 3.x: the refused call's 1000-gas limit stays in force and the rest of the message runs out.
  const w3 = buildWorld();
  runProbe(w3, (p) => {
    nestedCall(p, Address.newId(w3.probe2), program(), { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
  }, { networkVersion: 20, maxCallDepth: 2, exitCode: ExitCode.SYS_OUT_OF_GAS });
});
