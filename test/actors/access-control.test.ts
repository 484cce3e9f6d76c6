// The access-control example actor (actors/examples/access-control.ts) end to end on the machine:
// installing user WASM (and refusing bad modules with the reason), creating the actor through the
// init actor's Exec, and every method with its permission checks, parameter errors, events and
// state (read back with the TypeScript HAMT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { decodeCbor, encodeCbor, RAW } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { createLocalGenesis } from '../../src/chain/genesis.js';
import { LocalChain, type AppliedMessage } from '../../src/chain/local-chain.js';
import type { SecpKey } from '../../src/chain/keys.js';
import { ActorInstallError, actorCodeCid } from '../../src/actors/install.js';
import {
  AccessControlMethod as M, constructorParams, contentParams, decodeAccessControlState, decodeBool, decodeInfo,
  ownerParams, permissionParams,
} from '../../src/actors/access-control.js';
import { wat } from '../engine/harness.js';
import { accessControlWasm } from './access-control-wasm.js';

const INIT = Address.newId(1);

function contentCid(text: string): CID {
  return CID.createV1(RAW, createDigest(0x12, sha256(new TextEncoder().encode(text))));
}

interface World {
  chain: LocalChain;
  bs: MemoryBlockstore;
  alice: SecpKey;
  bob: SecpKey;
  carol: SecpKey;
  code: CID;
}

async function world(): Promise<World> {
  const bs = new MemoryBlockstore();
  const g = await createLocalGenesis(bs, { accounts: 3 });
  const chain = new LocalChain({ blockstore: bs, head: { stateRoot: g.stateRoot, epoch: 0n } });
  const [alice, bob, carol] = g.accounts.map((a) => a.key) as [SecpKey, SecpKey, SecpKey];
  const { codeCid } = chain.installCode(await accessControlWasm());
  return { chain, bs, alice, bob, carol, code: codeCid };
}

function ok(m: AppliedMessage, what: string): Uint8Array {
  assert.equal(m.ret.receipt.exitCode, ExitCode.OK, `${what}: exit ${m.ret.receipt.exitCode} ${JSON.stringify(m.ret.failureInfo?.kind === 'backtrace' ? m.ret.failureInfo.backtrace.toString() : m.ret.failureInfo)}`);
  return m.ret.receipt.returnData;
}

function create(w: World, owner: SecpKey = w.alice): Address {
  const ret = ok(w.chain.send({ from: owner, to: INIT, method: 2n, params: encodeCbor([w.code, constructorParams(owner.address)]) }), 'exec');
  const [id] = decodeCbor<[Uint8Array, Uint8Array]>(ret);
  return Address.fromBytes(id);
}

function state(w: World, ac: Address) {
  const actor = w.chain.actor(ac);
  assert.ok(actor, 'actor exists');
  return decodeAccessControlState(w.bs.get(actor.head)!);
}

function call(w: World, from: SecpKey, ac: Address, method: bigint, params?: Uint8Array, value?: bigint): AppliedMessage {
  return w.chain.send({ from, to: ac, method, ...(params ? { params } : {}), ...(value !== undefined ? { value } : {}) });
}

/** The CanRetrieve answer as a query (nothing kept). */
function canRetrieve(w: World, ac: Address, content: CID, who: Address): boolean {
  const ret = w.chain.call({ from: w.carol.address, to: ac, method: M.CanRetrieve, params: permissionParams(content, who) });
  assert.equal(ret.receipt.exitCode, ExitCode.OK);
  return decodeBool(ret.receipt.returnData);
}

test('install: the code CID is the blake2b-256 raw CID of the module; stored once; refusals name the reason', async () => {
  const wasm = await accessControlWasm();
  const w = await world();
  // CIDv1, raw (0x55), multihash blake2b-256 (0xb220, varint a0 e4 02), 32 bytes.
  const expected = new Uint8Array([0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20, ...blake2b(wasm, { dkLen: 32 })]);
  assert.deepEqual(w.code.bytes, expected);
  assert.deepEqual(w.bs.get(w.code), wasm);
  const again = w.chain.installCode(wasm);
  assert.equal(again.alreadyInstalled, true);
  assert.ok(again.imports.includes('actor::resolve_address') && again.imports.includes('event::emit_event'));

  const refused = async (source: string | Uint8Array, reason: RegExp): Promise<void> => {
    const bytes = typeof source === 'string' ? await wat(source, { simd: true }) : source;
    const before = w.bs.size;
    assert.throws(() => w.chain.installCode(bytes), (err: unknown) => {
      assert.ok(err instanceof ActorInstallError, String(err));
      assert.match(err.message, reason);
      assert.ok(err.message.includes(actorCodeCid(bytes).toString()), 'the message names the code CID');
      return true;
    });
    assert.equal(w.bs.has(actorCodeCid(bytes)), false, 'a refused module is not stored');
    assert.equal(w.bs.size, before);
  };
  const good = '(memory (export "memory") 1) (func (export "invoke") (param i32) (result i32) (i32.const 0))';
  await refused(new TextEncoder().encode('not wasm at all'), /not a WASM module/);
  await refused(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01]), /./);
  await refused(`(module (import "env" "abort" (func (param i32 i32 i32 i32))) ${good})`, /"env" "abort" is not a syscall/);
  await refused(`(module (import "vm" "exit" (func (param i32) (result i32))) ${good})`, /vm::exit: the module declares \(func \(param i32\) \(result i32\)\), the host provides \(func \(param i32 i32 i32 i32\) \(result i32\)\)/);
  await refused(`(module ${good} (func $s) (start $s))`, /start function/);
  await refused('(module (memory (export "memory") 1))', /must export a function "invoke"/);
  await refused('(module (memory (export "memory") 1) (func (export "invoke") (param i64) (result i32) (i32.const 0)))', /"invoke" must have the type \(func \(param i32\) \(result i32\)\), not \(func \(param i64\) \(result i32\)\)/);
  await refused('(module (func (export "invoke") (param i32) (result i32) (i32.const 0)))', /export its linear memory as "memory"/);
  // SIMD is valid WASM but disabled in the FVM: the engine's validation refuses it.
  await refused(`(module ${good} (func (result v128) (v128.const i64x2 0 0)))`, /invalid_wasm/);
});

test('an installed user actor is created through init Exec; only the init actor may construct it', async () => {
  const w = await world();
  const ac = create(w);
  const actor = w.chain.actor(ac)!;
  assert.equal(actor.code.toString(), w.code.toString());
  const st = state(w, ac);
  assert.equal(st.owner, w.chain.lookupId(w.alice.address));
  assert.equal(st.contentCount, 0n);
  // Not through init: the constructor refuses.
  const direct = call(w, w.alice, ac, M.Constructor, constructorParams(w.alice.address));
  assert.equal(direct.ret.receipt.exitCode, ExitCode.USR_FORBIDDEN);
  // Exec of code that was never installed: as in ref-fvm's m2-native path, the constructor send
  // fails with NotFound (after the invocation charge) and the init actor aborts with
  // USR_UNSPECIFIED, its exit code for a NotFound send; not a fatal error burning the gas limit.
  const ghost = actorCodeCid(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 42]));
  const gasLimit = 100_000_000n;
  const exec = w.chain.send({ from: w.alice, to: INIT, method: 2n, gasLimit, params: encodeCbor([ghost, constructorParams(w.alice.address)]) });
  assert.equal(exec.signed.message.gasLimit, gasLimit);
  assert.equal(exec.ret.receipt.exitCode, ExitCode.USR_UNSPECIFIED);
  assert.ok(exec.ret.receipt.gasUsed > 0n && exec.ret.receipt.gasUsed < gasLimit / 2n, `gas used ${exec.ret.receipt.gasUsed}`);
  assert.equal(exec.ret.failureInfo?.kind, 'backtrace');
  if (exec.ret.failureInfo?.kind === 'backtrace') {
    const bt = exec.ret.failureInfo.backtrace;
    assert.deepEqual(bt.frames.map((f) => [f.source, f.method, f.code]), [[1n, 2n, ExitCode.USR_UNSPECIFIED]]);
    assert.equal(bt.cause?.kind, 'syscall');
    if (bt.cause?.kind === 'syscall') {
      assert.deepEqual([bt.cause.module, bt.cause.function, bt.cause.error], ['send', 'send', ErrorNumber.NotFound]);
      assert.ok(bt.cause.message.includes(`actor code cid does not exist ${ghost.toString()}`), bt.cause.message);
    }
  }
  assert.equal(w.chain.actor(Address.newId(w.chain.lookupId(ac)! + 1n)), undefined, 'no actor was created');
  // A code block that is not a WASM module fails the same way (the reference maps any failure to
  // prepare user code to NotFound).
  const junk = new TextEncoder().encode('not a wasm module');
  w.bs.put(actorCodeCid(junk), junk);
  const execJunk = w.chain.send({ from: w.alice, to: INIT, method: 2n, gasLimit, params: encodeCbor([actorCodeCid(junk), constructorParams(w.alice.address)]) });
  assert.equal(execJunk.ret.receipt.exitCode, ExitCode.USR_UNSPECIFIED);
  assert.ok(execJunk.ret.receipt.gasUsed < gasLimit / 2n);
  // An owner address with no actor is refused.
  const nobody = Address.newSecp256k1(new Uint8Array(65).fill(4));
  const bad = w.chain.send({ from: w.alice, to: INIT, method: 2n, params: encodeCbor([w.code, constructorParams(nobody)]) });
  assert.equal(bad.ret.receipt.exitCode, ExitCode.USR_NOT_FOUND);
});

test('register, grant, check, revoke, check: receipts, events and state', async () => {
  const w = await world();
  const ac = create(w);
  const content = contentCid('a film');
  const bobId = w.chain.lookupId(w.bob.address)!;

  const reg = call(w, w.alice, ac, M.RegisterContent, contentParams(content));
  assert.equal(decodeBool(ok(reg, 'register')), true);
  assert.equal(reg.ret.events.length, 1);
  const regEvent = reg.ret.events[0]!;
  assert.equal(regEvent.emitter, ac.id());
  assert.deepEqual(regEvent.entries.map((e) => [e.key, e.flags, e.codec]), [['$type', 3n, 0x51n], ['cid', 3n, 0x51n]]);
  assert.equal(decodeCbor(regEvent.entries[0]!.value), 'content-registered');
  assert.equal(CID.asCID(decodeCbor(regEvent.entries[1]!.value))?.toString(), content.toString());
  // Registering again changes nothing and says so.
  const reg2 = call(w, w.alice, ac, M.RegisterContent, contentParams(content));
  assert.equal(decodeBool(ok(reg2, 'register again')), false);
  assert.equal(reg2.ret.events.length, 0);

  assert.equal(canRetrieve(w, ac, content, w.bob.address), false);
  assert.equal(canRetrieve(w, ac, content, w.alice.address), true, 'the owner may retrieve registered content');
  assert.equal(canRetrieve(w, ac, contentCid('unregistered'), w.alice.address), false);

  const grant = call(w, w.alice, ac, M.Grant, permissionParams(content, w.bob.address));
  assert.equal(decodeBool(ok(grant, 'grant')), true);
  const ge = grant.ret.events[0]!;
  assert.deepEqual(ge.entries.map((e) => e.key), ['$type', 'cid', 'grantee']);
  assert.equal(decodeCbor(ge.entries[0]!.value), 'access-granted');
  assert.equal(BigInt(decodeCbor<number>(ge.entries[2]!.value)), bobId);
  assert.equal(canRetrieve(w, ac, content, w.bob.address), true);
  // The permission is per address: granting bob (by f1) is granting his ID address too.
  assert.equal(canRetrieve(w, ac, content, Address.newId(bobId)), true);
  assert.equal(canRetrieve(w, ac, content, w.carol.address), false);
  const check = call(w, w.carol, ac, M.CanRetrieve, permissionParams(content, w.bob.address));
  assert.equal(decodeBool(ok(check, 'check as a message')), true);
  assert.equal(check.ret.events.length, 0);

  // The state, read with the TypeScript HAMT: the actor's blocks are the Filecoin HAMT format.
  let st = state(w, ac);
  assert.deepEqual([st.contentCount, st.grantCount], [1n, 1n]);
  const contents = Hamt.load<unknown>(w.bs, st.contents);
  const record = contents.get(content.bytes) as [number, number];
  assert.equal(record[1], 1, 'the content record counts its grants');
  assert.equal(BigInt(record[0]), reg.epoch, 'registered at the epoch of its block');
  const grants = Hamt.load<unknown>(w.bs, st.grants);
  const key = new Uint8Array([...content.bytes, ...varint(bobId)]);
  assert.equal(BigInt(grants.get(key) as number), grant.epoch);
  assert.deepEqual(decodeInfo(ok(call(w, w.carol, ac, M.Info), 'info')), { owner: Address.newId(st.owner), contents: 1n, grants: 1n });

  const revoke = call(w, w.alice, ac, M.Revoke, permissionParams(content, w.bob.address));
  assert.equal(decodeBool(ok(revoke, 'revoke')), true);
  assert.equal(decodeCbor(revoke.ret.events[0]!.entries[0]!.value), 'access-revoked');
  assert.equal(canRetrieve(w, ac, content, w.bob.address), false);
  const revoke2 = call(w, w.alice, ac, M.Revoke, permissionParams(content, w.bob.address));
  assert.equal(decodeBool(ok(revoke2, 'revoke again')), false);
  assert.equal(revoke2.ret.events.length, 0);
  st = state(w, ac);
  assert.deepEqual([st.contentCount, st.grantCount], [1n, 0n]);
  assert.equal(Hamt.load<unknown>(w.bs, st.grants).isEmpty(), true, 'the grants HAMT is empty (canonical) again');
});

test('only the owner changes permissions; ownership can be transferred', async () => {
  const w = await world();
  const ac = create(w);
  const content = contentCid('a song');
  ok(call(w, w.alice, ac, M.RegisterContent, contentParams(content)), 'register');
  const head = w.chain.actor(ac)!.head;
  for (const [method, params] of [
    [M.RegisterContent, contentParams(contentCid('other'))],
    [M.Grant, permissionParams(content, w.bob.address)],
    [M.Revoke, permissionParams(content, w.alice.address)],
    [M.TransferOwnership, ownerParams(w.bob.address)],
  ] as const) {
    const r = call(w, w.bob, ac, method, params);
    assert.equal(r.ret.receipt.exitCode, ExitCode.USR_FORBIDDEN, `method ${method}`);
    assert.equal(r.ret.failureInfo?.kind, 'backtrace');
    assert.equal(r.ret.events.length, 0);
  }
  assert.equal(w.chain.actor(ac)!.head.toString(), head.toString(), 'refused calls leave the state as it was');

  const t = call(w, w.alice, ac, M.TransferOwnership, ownerParams(w.bob.address));
  ok(t, 'transfer');
  assert.equal(decodeCbor(t.ret.events[0]!.entries[0]!.value), 'owner-changed');
  ok(call(w, w.bob, ac, M.Grant, permissionParams(content, w.carol.address)), 'new owner grants');
  assert.equal(call(w, w.alice, ac, M.Grant, permissionParams(content, w.carol.address)).ret.receipt.exitCode, ExitCode.USR_FORBIDDEN);
});

test('malformed parameters, unknown content or addresses, funds and unknown methods', async () => {
  const w = await world();
  const ac = create(w);
  const content = contentCid('a book');
  ok(call(w, w.alice, ac, M.RegisterContent, contentParams(content)), 'register');
  const exit = (m: AppliedMessage): number => m.ret.receipt.exitCode;
  const cases: [string, AppliedMessage, number][] = [
    ['Grant without params', call(w, w.alice, ac, M.Grant), ExitCode.USR_SERIALIZATION],
    ['Grant with one field', call(w, w.alice, ac, M.Grant, encodeCbor(['x'])), ExitCode.USR_SERIALIZATION],
    ['Grant with a number for the CID', call(w, w.alice, ac, M.Grant, encodeCbor([7, w.bob.address.toBytes()])), ExitCode.USR_SERIALIZATION],
    ['Grant with a bad address', call(w, w.alice, ac, M.Grant, encodeCbor([content, new Uint8Array([9, 9])])), ExitCode.USR_SERIALIZATION],
    ['RegisterContent with trailing bytes', call(w, w.alice, ac, M.RegisterContent, new Uint8Array([...contentParams(content), 0])), ExitCode.USR_SERIALIZATION],
    ['CanRetrieve with a map', call(w, w.carol, ac, M.CanRetrieve, encodeCbor({ cid: content })), ExitCode.USR_SERIALIZATION],
    ['Info with params', call(w, w.carol, ac, M.Info, encodeCbor([1])), ExitCode.USR_ILLEGAL_ARGUMENT],
    ['Grant of unregistered content', call(w, w.alice, ac, M.Grant, permissionParams(contentCid('nope'), w.bob.address)), ExitCode.USR_NOT_FOUND],
    ['Grant to an address without an actor', call(w, w.alice, ac, M.Grant, permissionParams(content, Address.newSecp256k1(new Uint8Array(65).fill(5)))), ExitCode.USR_NOT_FOUND],
    ['Grant with funds', call(w, w.alice, ac, M.Grant, permissionParams(content, w.bob.address), 1n), ExitCode.USR_NOT_PAYABLE],
    ['an unknown method', call(w, w.alice, ac, 0x12345678n), ExitCode.USR_UNHANDLED_MESSAGE],
  ];
  for (const [what, m, code] of cases) {
    assert.equal(exit(m), code, `${what}: ${m.ret.failureInfo?.kind === 'backtrace' ? m.ret.failureInfo.backtrace.toString() : ''}`);
    assert.ok(m.ret.receipt.gasUsed > 0n && m.ret.receipt.gasUsed <= m.signed.message.gasLimit);
  }
  const st = state(w, ac);
  assert.deepEqual([st.contentCount, st.grantCount], [1n, 0n], 'nothing changed');
});

test('property: any sequence of grants and revokes leaves exactly the model permissions', async () => {
  const wasm = await accessControlWasm();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ grant: fc.boolean(), who: fc.integer({ min: 0, max: 2 }), content: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 8 }),
      async (ops) => {
        const w = await world();
        w.chain.installCode(wasm);
        const ac = create(w);
        const people = [w.alice, w.bob, w.carol];
        const contents = [contentCid('one'), contentCid('two')];
        for (const c of contents) ok(call(w, w.alice, ac, M.RegisterContent, contentParams(c)), 'register');
        const model = new Set<string>();
        for (const op of ops) {
          const key = `${op.content}/${op.who}`;
          const params = permissionParams(contents[op.content]!, people[op.who]!.address);
          const r = call(w, w.alice, ac, op.grant ? M.Grant : M.Revoke, params);
          const changed = decodeBool(ok(r, 'grant/revoke'));
          assert.equal(changed, op.grant ? !model.has(key) : model.has(key));
          assert.equal(r.ret.events.length, changed ? 1 : 0);
          if (op.grant) model.add(key);
          else model.delete(key);
        }
        for (let c = 0; c < 2; c++) {
          for (let p = 0; p < 3; p++) {
            const owner = p === 0;
            assert.equal(canRetrieve(w, ac, contents[c]!, people[p]!.address), owner || model.has(`${c}/${p}`), `content ${c}, person ${p}`);
          }
        }
        assert.equal(state(w, ac).grantCount, BigInt(model.size));
      },
    ),
    { numRuns: 6 },
  );
});

function varint(v: bigint): number[] {
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
