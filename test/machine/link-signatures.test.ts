// Import signatures are checked when an actor is linked, as Wasmtime's linker does in ref-fvm:
// an import with the right {module, name} but another function type is a link error, and the
// reference treats link errors as fatal in every generation (2.x `Engine::get_instance`, 3.x
// and 4.x `Engine::instantiate`, "failed to link actor module"): the message ends with
// SYS_ASSERTION_FAILED and uses its whole gas limit, also when the actor is reached through a
// send. Before the check, V8 linked such actors by name and ran them with shifted arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { actorStateToCbor, newEmptyActor, type ActorState } from '../../src/primitives/actor.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { StateTreeVersion } from '../../src/primitives/network.js';
import { encodeMessage, type Message } from '../../src/primitives/message.js';
import { InitState } from '../../src/state/init-state.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { Executor, describeFailure, type ApplyRet } from '../../src/executor/executor.js';
import { Engine, engineConfigForNetworkVersion } from '../../src/engine/engine.js';
import { ACCOUNT_WAT, Program, type TestWorld, apply, buildWorld, codeCid, compileWat, secpAddress, tagWasm } from './harness.js';
import { OUT, nestedCall, runProbe } from './probe.js';
import { buildWorldV4 } from './probe-v4.js';

const FIL = 10n ** 18n;
const GAS_LIMIT = 30_000_000n;

/**
 * An actor importing `module::name` with the given WAT signature. `invoke` calls it with
 * `args` (WAT instructions) when `call` is set, then returns 0; an abort syscall ends the call.
 */
function actorWat(module: string, name: string, sig: string, args: string, call = true): string {
  return `(module
  (import "${module}" "${name}" (func $f ${sig}))
  (memory (export "memory") 1)
  (func (export "invoke") (param i32) (result i32)
    ${call ? `(drop (call $f ${args}))` : ''}
    (i32.const 0)))`;
}

function assertFatalLink(ret: ApplyRet, gasLimit: bigint, importName: string): void {
  const why = describeFailure(ret.failureInfo);
  assert.equal(ret.receipt.exitCode, ExitCode.SYS_ASSERTION_FAILED, why);
  assert.equal(ret.receipt.gasUsed, gasLimit); // fatal: the whole limit, as the reference
  assert.equal(ret.receipt.returnData.length, 0);
  assert.match(why, new RegExp(`incompatible import type for ${importName}`));
}

// ---- nv17: ref-fvm 2.x ----------------------------------------------------------------------

// 2.x ABI: vm::abort(code, message_off, message_len), gas::charge(name_off, name_len, milligas).
const V2_ABORT_OK = actorWat('vm', 'abort', '(param i32 i32 i32) (result i32)', '(i32.const 42) (i32.const 0) (i32.const 0)');
const V2_ABORT_EXTRA = actorWat('vm', 'abort', '(param i32 i32 i32 i32) (result i32)', '(i32.const 42) (i32.const 0) (i32.const 0) (i32.const 0)');
const V2_ABORT_NO_RESULT = `(module
  (import "vm" "abort" (func $f (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "invoke") (param i32) (result i32) (call $f (i32.const 42) (i32.const 0) (i32.const 0)) (i32.const 0)))`;
// i32 where the reference takes an i64 milligas amount; never called.
const V2_CHARGE_I32 = actorWat('gas', 'charge', '(param i32 i32 i32) (result i32)', '', false);

interface World17 {
  readonly bs: MemoryBlockstore;
  readonly root: CID;
  readonly sender: Address;
  readonly ids: Record<string, bigint>;
}

/** A state tree v4 (what nv17 runs on) with system, init, reward, burnt funds, a funded f1 and the test actors. */
function world17(actors: Record<string, string>): World17 {
  const bs = new MemoryBlockstore();
  const wasm: Record<string, Uint8Array> = {
    system: tagWasm(compileWat(ACCOUNT_WAT), 'system'),
    init: tagWasm(compileWat(ACCOUNT_WAT), 'init'),
    reward: tagWasm(compileWat(ACCOUNT_WAT), 'reward'),
    account: compileWat(ACCOUNT_WAT),
  };
  for (const [name, wat] of Object.entries(actors)) wasm[name] = compileWat(wat, `${name}.wat`);
  const codes: Record<string, CID> = {};
  for (const [name, w] of Object.entries(wasm)) {
    codes[name] = codeCid(w);
    bs.put(codes[name], w);
  }
  const manifest = putCbor(bs, Object.entries(codes).map(([name, cid]) => [name, cid]));
  const init = new InitState(Hamt.create(bs).flush(), 100n, 'test');
  const sender = secpAddress(7);
  const senderId = init.mapAddressToNewId(bs, sender);
  const entries: Array<[bigint, ActorState]> = [
    [0n, { ...newEmptyActor(codes.system!), head: putCbor(bs, [manifest]) }],
    [1n, { ...newEmptyActor(codes.init!), head: init.save(bs) }],
    [2n, newEmptyActor(codes.reward!)],
    [99n, newEmptyActor(codes.account!)],
    [senderId, { ...newEmptyActor(codes.account!), head: putCbor(bs, [sender.toBytes()]), balance: 1000n * FIL }],
  ];
  const ids: Record<string, bigint> = {};
  Object.keys(actors).forEach((name, i) => {
    ids[name] = 1000n + BigInt(i);
    entries.push([ids[name], newEmptyActor(codes[name]!)]);
  });
  const hamt = Hamt.create<unknown>(bs, { bitWidth: 5 });
  for (const [id, a] of entries) hamt.set(Address.newId(id).toBytes(), actorStateToCbor(a, StateTreeVersion.V4));
  return { bs, root: putCbor(bs, [4, hamt.flush(), putCbor(bs, [])]), sender, ids };
}

const engine17 = new Engine({ config: engineConfigForNetworkVersion(17) });

function apply17(w: World17, to: bigint): ApplyRet {
  const machine = new Machine({
    networkVersion: 17,
    epoch: 2_400_000n,
    baseFee: 100n,
    stateRoot: w.root,
    blockstore: w.bs,
    externs: new StaticExterns(),
    engine: engine17,
  });
  const msg: Message = {
    version: 0n,
    from: w.sender,
    to: Address.newId(to),
    sequence: 0n,
    value: 0n,
    gasLimit: GAS_LIMIT,
    gasFeeCap: 200n,
    gasPremium: 10n,
    method: 2n,
    params: new Uint8Array(0),
  };
  return new Executor(machine).applyMessage(msg, 'explicit', encodeMessage(msg).length);
}

test('nv17 (2.x): a mistyped syscall import is fatal at link time; the right type runs', () => {
  const w = world17({ ok: V2_ABORT_OK, extra: V2_ABORT_EXTRA, noResult: V2_ABORT_NO_RESULT, chargeI32: V2_CHARGE_I32 });
  const ok = apply17(w, w.ids.ok!);
  assert.equal(ok.receipt.exitCode, 42, describeFailure(ok.failureInfo)); // the actor's own abort
  assert.ok(ok.receipt.gasUsed < GAS_LIMIT);

  assertFatalLink(apply17(w, w.ids.extra!), GAS_LIMIT, 'vm::abort');
  assertFatalLink(apply17(w, w.ids.noResult!), GAS_LIMIT, 'vm::abort');
  // Never called: the refusal is the linker's, not the call's.
  assertFatalLink(apply17(w, w.ids.chargeI32!), GAS_LIMIT, 'gas::charge');
});

// ---- nv18 and nv28: ref-fvm 3.x and 4.x ------------------------------------------------------

// vm::exit(code, blk, message_off, message_len) is the same in 3.x and 4.x.
const EXIT_OK = actorWat('vm', 'exit', '(param i32 i32 i32 i32) (result i32)', '(i32.const 42) (i32.const 0) (i32.const 0) (i32.const 0)');
const EXIT_I64 = actorWat('vm', 'exit', '(param i64 i32 i32 i32) (result i32)', '(i64.const 42) (i32.const 0) (i32.const 0) (i32.const 0)');
// self::self_destruct: 3.x takes the beneficiary address (offset, length), 4.x burn_unspent.
const DESTRUCT_V3 = actorWat('self', 'self_destruct', '(param i32 i32) (result i32)', '(i32.const 0) (i32.const 0)');
const DESTRUCT_V4 = actorWat('self', 'self_destruct', '(param i32) (result i32)', '(i32.const 1)');
// rand::get_chain_randomness: 3.x (out, tag, epoch, entropy_off, entropy_len), 4.x (out, epoch).
const RAND_V3 = actorWat('rand', 'get_chain_randomness', '(param i32 i64 i64 i32 i32) (result i32)', '', false);
const RAND_V4 = actorWat('rand', 'get_chain_randomness', '(param i32 i64) (result i32)', '', false);

function withActors(w: TestWorld, actors: Record<string, Uint8Array>, first: bigint): Record<string, bigint> {
  const tree = StateTree.load(w.bs, w.root);
  const ids: Record<string, bigint> = {};
  Object.keys(actors).forEach((name, i) => {
    ids[name] = first + BigInt(i);
    tree.setActor(ids[name], { code: w.codes[name]!, head: cidOf(encodeCbor([])), sequence: 0n, balance: FIL, delegatedAddress: null });
  });
  w.root = tree.flush();
  return ids;
}

const GEN_ACTORS: Record<string, string> = {
  exitOk: EXIT_OK,
  exitI64: EXIT_I64,
  destructV3: DESTRUCT_V3,
  destructV4: DESTRUCT_V4,
  randV3: RAND_V3,
  randV4: RAND_V4,
};

function compiled(): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(GEN_ACTORS).map(([name, wat]) => [name, compileWat(wat, `${name}.wat`)]));
}

test('nv18 (3.x): mistyped imports are fatal at link time, 4.x-ABI actors included; 3.x types run', () => {
  const extraCode = compiled();
  const w = buildWorld({ extraCode });
  const ids = withActors(w, extraCode, 700n);
  const run = (name: string) => apply(w, { to: Address.newId(ids[name]!), gasLimit: GAS_LIMIT }, { networkVersion: 18 }).ret;

  const exit = run('exitOk');
  assert.equal(exit.receipt.exitCode, 42, describeFailure(exit.failureInfo));
  // 3.x self_destruct(beneficiary): an empty address is refused with an error number, so the
  // actor goes on and returns normally.
  assert.equal(run('destructV3').receipt.exitCode, ExitCode.OK);
  assert.equal(run('randV3').receipt.exitCode, ExitCode.OK);

  assertFatalLink(run('exitI64'), GAS_LIMIT, 'vm::exit');
  assertFatalLink(run('destructV4'), GAS_LIMIT, 'self::self_destruct');
  assertFatalLink(run('randV4'), GAS_LIMIT, 'rand::get_chain_randomness');
});

test('nv28 (4.x): a 3.x-ABI actor does not link; 4.x types run', () => {
  const extraCode = compiled();
  const w = buildWorldV4({ extraCode });
  const ids = withActors(w, extraCode, 700n);
  const run = (name: string) => apply(w, { to: Address.newId(ids[name]!), gasLimit: GAS_LIMIT }, { networkVersion: 28 }).ret;

  const exit = run('exitOk');
  assert.equal(exit.receipt.exitCode, 42, describeFailure(exit.failureInfo));
  assert.equal(run('randV4').receipt.exitCode, ExitCode.OK);
  // 4.x self_destruct(burn_unspent = 1) deletes the actor and returns normally.
  const destruct = apply(w, { to: Address.newId(ids.destructV4!), gasLimit: GAS_LIMIT }, { networkVersion: 28 });
  assert.equal(destruct.ret.receipt.exitCode, ExitCode.OK, describeFailure(destruct.ret.failureInfo));
  assert.equal(StateTree.load(w.bs, destruct.root).getActor(ids.destructV4!), undefined);

  assertFatalLink(run('exitI64'), GAS_LIMIT, 'vm::exit');
  // Under V8's by-name linking this ran as self_destruct(burn_unspent = 0): it must not link.
  assertFatalLink(run('destructV3'), GAS_LIMIT, 'self::self_destruct');
  assertFatalLink(run('randV3'), GAS_LIMIT, 'rand::get_chain_randomness');
});

test('nv18: a send to a mistyped actor makes the whole message fatal', () => {
  const extraCode = compiled();
  const w = buildWorld({ extraCode });
  const ids = withActors(w, extraCode, 700n);
  const gasLimit = 200_000_000n;
  const r = runProbe(
    w,
    (p) => {
      nestedCall(p, Address.newId(ids.destructV4!), new Program(), { sendOut: OUT, copyTo: OUT + 1024, paramsId: 2, returnId: 3 });
    },
    { networkVersion: 18, gasLimit, exitCode: ExitCode.SYS_ASSERTION_FAILED },
  );
  assertFatalLink(r.ret, gasLimit, 'self::self_destruct');
});
