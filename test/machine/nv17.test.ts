// nv17 (ref-fvm 2.x semantics) on a small state-tree v4 world with WAT actors written against
// the 2.x syscall ABI. Expected values come from the reference's rules and prices
// (docs/nv17.md), not from the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blake2b } from '@noble/hashes/blake2.js';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { encodeCbor } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { actorStateToCbor, newEmptyActor, type ActorState } from '../../src/primitives/actor.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { StateTreeVersion } from '../../src/primitives/network.js';
import { encodeMessage, type Message } from '../../src/primitives/message.js';
import { InitState } from '../../src/state/init-state.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { versionProfile } from '../../src/machine/context.js';
import { Executor, type ApplyRet } from '../../src/executor/executor.js';
import { Engine, engineConfigForNetworkVersion } from '../../src/engine/engine.js';
import { codeCid, compileWat, secpAddress, tagWasm } from './harness.js';

const FIL = 10n ** 18n;
const TEST_ACTOR = 1000n;
const NEW_ACTOR = 2000n;

// A test actor for the 2.x ABI, dispatching on the method number read from vm.context.
const TEST_WAT = `(module
  (import "vm" "abort" (func $abort (param i32 i32 i32) (result i32)))
  (import "vm" "context" (func $context (param i32) (result i32)))
  (import "ipld" "block_create" (func $create (param i32 i64 i32 i32) (result i32)))
  (import "ipld" "block_read" (func $read (param i32 i32 i32 i32 i32) (result i32)))
  (import "self" "self_destruct" (func $destruct (param i32 i32) (result i32)))
  (import "actor" "new_actor_address" (func $newaddr (param i32 i32 i32) (result i32)))
  (import "actor" "create_actor" (func $createactor (param i64 i32) (result i32)))
  (import "gas" "charge" (func $charge (param i32 i32 i64) (result i32)))
  (import "send" "send" (func $send (param i32 i32 i32 i64 i32 i64 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "\\00\\e8\\07")
  (data (i32.const 300) "\\00\\64")
  (data (i32.const 320) "neg")
  (func $ret (param $off i32) (param $len i32) (result i32)
    (drop (call $create (i32.const 0) (i64.const 0x71) (local.get $off) (local.get $len)))
    (i32.load (i32.const 0)))
  (func (export "invoke") (param $p i32) (result i32)
    (local $m i64) (local $e i32)
    (drop (call $context (i32.const 64)))
    (local.set $m (i64.load (i32.const 96)))
    (if (i32.ne (local.get $p) (i32.const 0))
      (then (drop (call $read (i32.const 0) (local.get $p) (i32.const 0) (i32.const 1024) (i32.const 256)))))
    ;; 2: return the raw vm.context record
    (if (i64.eq (local.get $m) (i64.const 2)) (then (return (call $ret (i32.const 64) (i32.const 52)))))
    ;; 3, 4: abort with code 0, 42
    (if (i64.eq (local.get $m) (i64.const 3)) (then (drop (call $abort (i32.const 0) (i32.const 0) (i32.const 0)))))
    (if (i64.eq (local.get $m) (i64.const 4)) (then (drop (call $abort (i32.const 42) (i32.const 0) (i32.const 0)))))
    ;; 5: self-destruct to f0100
    (if (i64.eq (local.get $m) (i64.const 5)) (then
      (drop (call $destruct (i32.const 300) (i32.const 2)))
      (return (i32.const 0))))
    ;; 6: create a RAW block; return the error number
    (if (i64.eq (local.get $m) (i64.const 6)) (then
      (i32.store (i32.const 512) (call $create (i32.const 8) (i64.const 0x55) (i32.const 0) (i32.const 0)))
      (return (call $ret (i32.const 512) (i32.const 4)))))
    ;; 7: recurse through send to self; returns [levels, errno of the refused send]
    (if (i64.eq (local.get $m) (i64.const 7)) (then
      (local.set $e (call $send (i32.const 16) (i32.const 256) (i32.const 3) (i64.const 7) (i32.const 0) (i64.const 0) (i64.const 0)))
      (if (i32.eqz (local.get $e))
        (then
          (if (i32.ne (i32.load (i32.const 16)) (i32.const 0)) (then (unreachable)))
          (drop (call $read (i32.const 0) (i32.load (i32.const 20)) (i32.const 0) (i32.const 512) (i32.const 8)))
          (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1))))
        (else
          (i32.store (i32.const 512) (i32.const 1))
          (i32.store (i32.const 516) (local.get $e))))
      (return (call $ret (i32.const 512) (i32.const 8)))))
    ;; 8: two new actor addresses
    (if (i64.eq (local.get $m) (i64.const 8)) (then
      (drop (call $newaddr (i32.const 0) (i32.const 512) (i32.const 21)))
      (drop (call $newaddr (i32.const 0) (i32.const 533) (i32.const 21)))
      (return (call $ret (i32.const 512) (i32.const 42)))))
    ;; 9: charge the i64 in the parameters as gas
    (if (i64.eq (local.get $m) (i64.const 9)) (then
      (drop (call $charge (i32.const 320) (i32.const 3) (i64.load (i32.const 1024))))
      (return (i32.const 0))))
    ;; 11: create actor f02000 twice with the code CID in the parameters; return both error numbers
    (if (i64.eq (local.get $m) (i64.const 11)) (then
      (i32.store (i32.const 512) (call $createactor (i64.const ${NEW_ACTOR}) (i32.const 1024)))
      (i32.store (i32.const 516) (call $createactor (i64.const ${NEW_ACTOR}) (i32.const 1024)))
      (return (call $ret (i32.const 512) (i32.const 8)))))
    (i32.const 0)))`;

const ACCOUNT_WAT = `(module (memory (export "memory") 1) (func (export "invoke") (param i32) (result i32) (i32.const 0)))`;
// Runs metered code in its start function: with the gas global at 0 it traps while instantiating.
const BAD_START_WAT = `(module (memory (export "memory") 1)
  (func $s (drop (i32.add (i32.const 1) (i32.const 2)))) (start $s)
  (func (export "invoke") (param i32) (result i32) (i32.const 0)))`;
// Imports a 3.x-only syscall: cannot link at nv17.
const V3_IMPORT_WAT = `(module (import "vm" "exit" (func $exit (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "invoke") (param i32) (result i32) (drop (call $exit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))) (i32.const 0)))`;

interface World {
  readonly bs: MemoryBlockstore;
  readonly root: CID;
  readonly codes: Record<string, CID>;
  readonly sender: bigint;
  readonly senderAddress: Address;
}

/** A state tree v4 (4-field actors) with system, init, reward, burnt funds, two accounts and test actors. */
function buildWorldV4(): World {
  const bs = new MemoryBlockstore();
  const wasm: Record<string, Uint8Array> = {
    // Same code, distinct CIDs (a custom section names the role).
    system: tagWasm(compileWat(ACCOUNT_WAT), 'system'),
    init: tagWasm(compileWat(ACCOUNT_WAT), 'init'),
    reward: tagWasm(compileWat(ACCOUNT_WAT), 'reward'),
    account: compileWat(ACCOUNT_WAT),
    multisig: tagWasm(compileWat(ACCOUNT_WAT), 'multisig'),
    test: compileWat(TEST_WAT),
    badstart: compileWat(BAD_START_WAT),
    v3import: compileWat(V3_IMPORT_WAT),
  };
  const codes: Record<string, CID> = {};
  for (const [name, w] of Object.entries(wasm)) {
    codes[name] = codeCid(w);
    bs.put(codes[name], w);
  }
  const manifest = putCbor(bs, Object.entries(codes).map(([name, cid]) => [name, cid]));

  const init = new InitState(Hamt.create(bs).flush(), 100n, 'test');
  const senderAddress = secpAddress(1);
  const sender = init.mapAddressToNewId(bs, senderAddress);
  const other = init.mapAddressToNewId(bs, secpAddress(2));
  const actors: Array<[bigint, ActorState]> = [
    [0n, { ...newEmptyActor(codes.system!), head: putCbor(bs, [manifest]) }],
    [1n, { ...newEmptyActor(codes.init!), head: init.save(bs) }],
    [2n, newEmptyActor(codes.reward!)],
    [99n, newEmptyActor(codes.account!)],
    [sender, { ...newEmptyActor(codes.account!), head: putCbor(bs, [senderAddress.toBytes()]), balance: 1000n * FIL }],
    [other, { ...newEmptyActor(codes.account!), head: putCbor(bs, [secpAddress(2).toBytes()]), balance: 1000n * FIL }],
    [TEST_ACTOR, { ...newEmptyActor(codes.test!), balance: 5n * FIL }],
    [1001n, newEmptyActor(codes.badstart!)],
    [1002n, newEmptyActor(codes.v3import!)],
  ];
  const hamt = Hamt.create<unknown>(bs, { bitWidth: 5 });
  for (const [id, a] of actors) hamt.set(Address.newId(id).toBytes(), actorStateToCbor(a, StateTreeVersion.V4));
  const root = putCbor(bs, [4, hamt.flush(), putCbor(bs, [])]);
  return { bs, root, codes, sender, senderAddress };
}

const world = buildWorldV4();
const engine = new Engine({ config: engineConfigForNetworkVersion(17) });

interface Applied {
  readonly ret: ApplyRet;
  readonly machine: Machine;
  readonly msg: Message;
}

function apply17(m: Partial<Message> & { to: Address }, opts: { maxCallDepth?: number; tracing?: boolean } = {}): Applied {
  const machine = new Machine({
    networkVersion: 17,
    epoch: 2_400_000n,
    baseFee: 100n,
    stateRoot: world.root,
    blockstore: world.bs,
    externs: new StaticExterns(),
    engine,
    ...opts,
  });
  const msg: Message = {
    version: 0n,
    from: world.senderAddress,
    sequence: 0n,
    value: 0n,
    gasLimit: 100_000_000n,
    gasFeeCap: 200n,
    gasPremium: 10n,
    method: 2n,
    params: new Uint8Array(0),
    ...m,
  };
  const ret = new Executor(machine).applyMessage(msg, 'explicit', encodeMessage(msg).length);
  return { ret, machine, msg };
}

const id = (n: bigint): Address => Address.newId(n);

test('nv17 selects the ref-fvm 2.x generation, the skyr prices and the 2.x engine', () => {
  const p = versionProfile(17);
  assert.equal(p.generation, 'v2');
  assert.equal(p.priceList.generation, 'skyr');
  const cfg = engineConfigForNetworkVersion(17);
  assert.equal(cfg.refFvm2, true);
  assert.equal(cfg.prices.rules, 'fvm-v2');
  assert.equal(cfg.maxInstanceMemoryBytes, 4 * 2 ** 30); // no memory limiter below 4 GiB
});

test('method-0 sends pay inclusion plus one OnMethodInvocation (skyr prices)', () => {
  const inclusion = (len: number): bigint => 38_863n + BigInt(36 + len) * 1300n;
  // To an existing account, with value: 29233 + 27500 + 159672.
  const a = apply17({ to: id(101n), method: 0n, value: 1n });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  assert.equal(a.ret.receipt.gasUsed, inclusion(encodeMessage(a.msg).length) + 216_405n);
  assert.equal(a.ret.receipt.eventsRoot, null);
  // Without value: the base price only.
  const b = apply17({ to: id(101n), method: 0n });
  assert.equal(b.ret.receipt.gasUsed, inclusion(encodeMessage(b.msg).length) + 29_233n);
});

test('an unknown f1 receiver becomes an account: create charge, then the constructor call, then the send', () => {
  const fresh = secpAddress(77);
  const a = apply17({ to: fresh, method: 0n, value: 5n });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  // OnCreateActor 1108454 + 76*1300; constructor from system: 29233 - 5377 (method != 0); then the send.
  const expected = 38_863n + BigInt(36 + encodeMessage(a.msg).length) * 1300n + 1_108_454n + 98_800n + 23_856n + 216_405n;
  const execGas = a.ret.receipt.gasUsed - expected;
  // The constructor runs WASM (a handful of metered instructions): a small positive remainder.
  assert.ok(execGas > 0n && execGas < 1000n, `unexpected execution gas ${execGas}`);
  const newId = a.machine.stateTree.lookupId(fresh);
  assert.equal(newId, 102n); // next id of the init actor
  const actor = a.machine.stateTree.getActor(newId!);
  assert.ok(actor?.code.equals(world.codes.account!));
  assert.equal(actor?.balance, 5n);
  assert.equal(actor?.delegatedAddress, null);
});

test('vm.context reports value, caller, receiver, method, epoch and network version (52 bytes)', () => {
  const a = apply17({ to: id(TEST_ACTOR), method: 2n, value: (1n << 64n) + 7n });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  const r = a.ret.receipt.returnData;
  assert.equal(r.length, 52);
  const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
  assert.equal(v.getBigUint64(0, true), 7n); // value lo
  assert.equal(v.getBigUint64(8, true), 1n); // value hi
  assert.equal(v.getBigUint64(16, true), world.sender);
  assert.equal(v.getBigUint64(24, true), TEST_ACTOR);
  assert.equal(v.getBigUint64(32, true), 2n);
  assert.equal(v.getBigInt64(40, true), 2_400_000n);
  assert.equal(v.getUint32(48, true), 17);
});

test('vm.abort: code 0 is an illegal exit code; a user code aborts with it and no return data', () => {
  const zero = apply17({ to: id(TEST_ACTOR), method: 3n });
  assert.equal(zero.ret.receipt.exitCode, ExitCode.SYS_ILLEGAL_EXIT_CODE);
  const user = apply17({ to: id(TEST_ACTOR), method: 4n });
  assert.equal(user.ret.receipt.exitCode, 42);
  assert.equal(user.ret.receipt.returnData.length, 0);
  assert.ok(user.ret.failureInfo?.kind === 'backtrace');
});

test('only DAG-CBOR blocks exist at nv17', () => {
  const a = apply17({ to: id(TEST_ACTOR), method: 6n });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  assert.equal(new DataView(a.ret.receipt.returnData.buffer).getInt32(0, true), ErrorNumber.IllegalCodec);
});

test('call depth: max_call_depth + 1 levels run before LimitExceeded', () => {
  const a = apply17({ to: id(TEST_ACTOR), method: 7n }, { maxCallDepth: 3 });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  const v = new DataView(a.ret.receipt.returnData.buffer, a.ret.receipt.returnData.byteOffset);
  assert.equal(v.getInt32(0, true), 4);
  assert.equal(v.getInt32(4, true), ErrorNumber.LimitExceeded);
});

test('new_actor_address hashes the key address of the origin, the nonce and a counter bumped on every call', () => {
  const expected = (n: bigint): Uint8Array => {
    const key = encodeCbor(world.senderAddress.toBytes());
    const buf = new Uint8Array(key.length + 16);
    buf.set(key);
    new DataView(buf.buffer).setBigUint64(key.length, 3n);
    new DataView(buf.buffer).setBigUint64(key.length + 8, n);
    return Uint8Array.of(2, ...blake2b(buf, { dkLen: 20 }));
  };
  // The origin given as its ID address resolves to the same key address.
  for (const from of [world.senderAddress, id(world.sender)]) {
    const machine = new Machine({
      networkVersion: 17, epoch: 1n, baseFee: 100n, stateRoot: world.root, blockstore: world.bs,
      externs: new StaticExterns(), engine,
    });
    // Bump the sender's nonce to 3 first so the nonce is visibly part of the hash.
    machine.stateTree.mutateActor(world.sender, (x) => {
      x.sequence = 3n;
    });
    const msg: Message = {
      version: 0n, from, to: id(TEST_ACTOR), sequence: 3n, value: 0n, gasLimit: 100_000_000n,
      gasFeeCap: 200n, gasPremium: 10n, method: 8n, params: new Uint8Array(0),
    };
    const ret = new Executor(machine).applyMessage(msg, 'explicit', encodeMessage(msg).length);
    assert.equal(ret.receipt.exitCode, ExitCode.OK, from.toString());
    assert.deepEqual(ret.receipt.returnData.subarray(0, 21), expected(0n));
    assert.deepEqual(ret.receipt.returnData.subarray(21, 42), expected(1n));
  }
});

test('any actor may create a non-singleton builtin actor; singletons, non-builtins and used IDs are Forbidden', () => {
  const errno = (a: Applied, i = 0): number =>
    new DataView(a.ret.receipt.returnData.buffer, a.ret.receipt.returnData.byteOffset).getInt32(4 * i, true);
  const ok = apply17({ to: id(TEST_ACTOR), method: 11n, params: world.codes.multisig!.bytes });
  assert.equal(ok.ret.receipt.exitCode, ExitCode.OK);
  assert.equal(errno(ok, 0), 0);
  assert.equal(errno(ok, 1), ErrorNumber.Forbidden); // the ID is taken now
  const created = ok.machine.stateTree.getActor(NEW_ACTOR);
  assert.ok(created?.code.equals(world.codes.multisig!));
  assert.equal(created?.balance, 0n);
  assert.equal(errno(apply17({ to: id(TEST_ACTOR), method: 11n, params: world.codes.init!.bytes })), ErrorNumber.Forbidden);
  assert.equal(errno(apply17({ to: id(TEST_ACTOR), method: 11n, params: world.codes.reward!.bytes })), ErrorNumber.Forbidden);
  const notBuiltin = putCbor(new MemoryBlockstore(), 'not code');
  assert.equal(errno(apply17({ to: id(TEST_ACTOR), method: 11n, params: notBuiltin.bytes })), ErrorNumber.Forbidden);
});

test('signed gas: gas.charge takes negative amounts, and the receipt never reports less than zero', () => {
  const charged = (gas: bigint): bigint => {
    const p = new Uint8Array(8);
    new DataView(p.buffer).setBigInt64(0, gas, true);
    const a = apply17({ to: id(TEST_ACTOR), method: 9n, params: p });
    assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
    return a.ret.receipt.gasUsed;
  };
  const base = charged(0n);
  assert.equal(charged(1000n), base + 1000n);
  assert.equal(charged(-1000n), base - 1000n);
  assert.equal(charged(-(10n ** 12n)), 0n);
});

test('self_destruct refunds 98800 gas (OnDeleteActor) and moves the balance', () => {
  const a = apply17({ to: id(TEST_ACTOR), method: 5n }, { tracing: true });
  assert.equal(a.ret.receipt.exitCode, ExitCode.OK);
  assert.equal(a.machine.stateTree.getActor(TEST_ACTOR), undefined);
  assert.equal(a.machine.stateTree.getActor(100n)?.balance, 1000n * FIL - 100_000_000n * 200n + 5n * FIL + a.ret.refund);
  const charges = a.ret.execTrace.flatMap((e) => (e.type === 'gas_charge' ? [e.charge] : []));
  const del = charges.filter((c) => c.name === 'OnDeleteActor');
  assert.equal(del.length, 1);
  assert.equal(del[0]!.total, -98_800_000n);
  // The receipt's gas is the sum of every charge (in milligas, rounded up).
  const sum = charges.reduce((s, c) => s + c.total, 0n);
  assert.equal(a.ret.receipt.gasUsed, (sum + 999n) / 1000n);
});

test('a failure to instantiate actor code is fatal: SYS_ASSERTION_FAILED with the whole gas limit', () => {
  for (const to of [1001n, 1002n]) {
    const a = apply17({ to: id(to), method: 2n });
    assert.equal(a.ret.receipt.exitCode, ExitCode.SYS_ASSERTION_FAILED, `actor ${to}`);
    assert.equal(a.ret.receipt.gasUsed, 100_000_000n);
  }
});

test('a failed top-level call reverts its value transfer with the rest of its state changes', () => {
  const before = StateTree.load(world.bs, world.root).getActor(TEST_ACTOR)!.balance;
  const a = apply17({ to: id(TEST_ACTOR), method: 4n, value: 3n });
  assert.equal(a.ret.receipt.exitCode, 42);
  assert.equal(a.machine.stateTree.getActor(TEST_ACTOR)?.balance, before);
});
