// The embedded actors on the SDK's syscall stand-in (test/sdk/host.ts), without the machine:
// exit codes and states of single invocations, with callers and codes set up by hand.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CID } from 'multiformats/cid';
import { readCar } from '../../src/ipld/car.js';
import { decodeCbor, encodeCbor, DAG_CBOR, blake2b256 } from '../../src/ipld/cbor.js';
import { EMPTY_ARRAY_CID } from '../../src/primitives/actor.js';
import { Address } from '../../src/primitives/address.js';
import { rewardGenesisState } from '../../src/actors/genesis-state.js';
import { embeddedBundlePath } from '../../src/actors/embedded.js';
import { MockFvm, CBOR, type CallResult } from '../sdk/host.js';
import { ensureBundle, secpKey, secpSign } from './helpers.js';

const USR = { ILLEGAL_ARGUMENT: 16, FORBIDDEN: 18, ILLEGAL_STATE: 20, SERIALIZATION: 21, UNHANDLED_MESSAGE: 22 };
const TYPE = { system: 1, init: 2, account: 4, evm: 14 };
let codes: Map<string, CID>;
let wasm: Map<string, Uint8Array>;

before(async () => {
  await ensureBundle();
  const { roots, blocks } = readCar(new Uint8Array(readFileSync(embeddedBundlePath())), 'embedded bundle');
  const byCid = new Map(blocks.map((b) => [b.cid.toString(), b.bytes]));
  const [, data] = decodeCbor<[number, CID]>(byCid.get(roots[0]!.toString())!);
  const entries = decodeCbor<[string, CID][]>(byCid.get(data.toString())!);
  codes = new Map(entries);
  wasm = new Map(entries.map(([n, c]) => [n, byCid.get(c.toString())!]));
});

/** An actor of `name` not constructed yet, with f00 (system) and f0100 (an account) around. */
function fresh(name: string): MockFvm {
  const fvm = new MockFvm(wasm.get(name)!);
  fvm.bs.put(EMPTY_ARRAY_CID, encodeCbor([]));
  fvm.root = EMPTY_ARRAY_CID;
  fvm.actors.set(0n, { code: codes.get('system')!, balance: 0n, addresses: [], builtinType: TYPE.system });
  fvm.actors.set(100n, { code: codes.get('account')!, balance: 0n, addresses: [], builtinType: TYPE.account });
  fvm.actors.set(200n, { code: codes.get('evm')!, balance: 0n, addresses: [], builtinType: TYPE.evm });
  return fvm;
}

function call(fvm: MockFvm, caller: bigint, method: bigint, params?: unknown, codec = CBOR): CallResult {
  fvm.caller = caller;
  return fvm.invoke(method, params === undefined ? undefined : { codec, data: encodeCbor(params) });
}

test('the unimplemented actors exit with USR_UNHANDLED_MESSAGE naming the actor and the method', () => {
  for (const name of ['storagepower', 'storageminer', 'storagemarket', 'paymentchannel', 'verifiedregistry', 'datacap', 'evm', 'eam']) {
    for (const method of [1n, 2n, 3844450837n]) {
      const r = call(fresh(name), 100n, method, [1, 2]);
      assert.equal(r.exitCode, USR.UNHANDLED_MESSAGE, name);
      assert.equal(r.message, `the embedded actor bundle does not implement the ${name} actor (method ${method})`);
    }
  }
});

test('the placeholder succeeds with no return value whatever it is sent', () => {
  const fvm = fresh('placeholder');
  for (const method of [1n, 2n, 4_000_000_000n]) assert.deepEqual(call(fvm, 100n, method, ['x']), { exitCode: 0, ret: undefined, message: undefined });
});

test('account: constructed by the system actor with a key address; PubkeyAddress; AuthenticateMessage', () => {
  const key = secpKey(5);
  const fvm = fresh('account');
  assert.equal(call(fvm, 100n, 1n, key.address.toBytes()).exitCode, USR.FORBIDDEN, 'only the system actor constructs');
  assert.equal(call(fvm, 0n, 1n, Address.newId(5n).toBytes()).exitCode, USR.ILLEGAL_ARGUMENT, 'an ID address is no key');
  assert.equal(call(fvm, 0n, 1n, 'f1abc').exitCode, USR.SERIALIZATION);
  assert.equal(call(fvm, 0n, 1n).exitCode, USR.ILLEGAL_ARGUMENT, 'method expects arguments');
  const ok = call(fvm, 0n, 1n, key.address.toBytes());
  assert.equal(ok.exitCode, 0, ok.message);
  assert.deepEqual(decodeCbor(fvm.bs.get(fvm.root!)!), [key.address.toBytes()]);
  const again = call(fvm, 0n, 1n, key.address.toBytes());
  assert.equal(again.exitCode, USR.ILLEGAL_STATE, 'a constructed actor cannot be constructed again');
  assert.match(again.message!, /expected empty array CID/);

  const pk = call(fvm, 100n, 2n);
  assert.equal(pk.exitCode, 0, pk.message);
  assert.equal(pk.ret!.codec, CBOR, 'returns are CBOR-coded, as the builtin actors return them');
  assert.deepEqual(decodeCbor(pk.ret!.data), key.address.toBytes());
  assert.equal(call(fvm, 200n, 2n).exitCode, USR.FORBIDDEN, 'internal methods refuse callers that are not builtin (EVM)');
  assert.equal(call(fvm, 999n, 2n).exitCode, USR.FORBIDDEN, 'or that do not exist');

  const msg = new TextEncoder().encode('hello');
  const auth = call(fvm, 200n, 2643134072n, [secpSign(key.secret, blake2b256(msg)), msg]);
  assert.equal(auth.exitCode, 0, 'an exported method is open to any caller');
  assert.equal(decodeCbor(auth.ret!.data), true);
  assert.equal(call(fvm, 200n, 2643134072n, [secpSign(secpKey(6).secret, blake2b256(msg)), msg]).exitCode, USR.ILLEGAL_ARGUMENT);
  assert.equal(call(fvm, 200n, 2643134072n, [secpSign(key.secret, blake2b256(msg)), msg], DAG_CBOR).exitCode, 0, 'DAG-CBOR parameters are read too');
});

test('reward: its constructor writes the state genesis writes; nil or non-zero power is refused', () => {
  const fvm = fresh('reward');
  assert.equal(call(fvm, 0n, 1n, null).exitCode, USR.ILLEGAL_ARGUMENT);
  assert.equal(call(fvm, 0n, 1n, new Uint8Array([0, 1])).exitCode, USR.ILLEGAL_ARGUMENT, 'the embedded reward actor starts from zero power');
  assert.equal(call(fvm, 100n, 1n, new Uint8Array(0)).exitCode, USR.FORBIDDEN);
  const r = call(fvm, 0n, 1n, new Uint8Array(0));
  assert.equal(r.exitCode, 0, r.message);
  assert.deepEqual(fvm.bs.get(fvm.root!), encodeCbor(rewardGenesisState()));
});

test('cron: constructor entries become the state; a tick sends to each and ignores failures', () => {
  const fvm = fresh('cron');
  const entries = [[Address.newId(4n).toBytes(), 5], [Address.newId(100n).toBytes(), 3726118371]];
  assert.equal(call(fvm, 0n, 1n, [[[Address.newId(4n).toBytes()]]]).exitCode, USR.SERIALIZATION);
  assert.equal(call(fvm, 0n, 1n, [entries]).exitCode, 0);
  assert.deepEqual(decodeCbor(fvm.bs.get(fvm.root!)!), [entries]);
  fvm.onSend = (m) => ({ exitCode: m.method === 5n ? USR.UNHANDLED_MESSAGE : 0 });
  const tick = call(fvm, 0n, 2n);
  assert.equal(tick.exitCode, 0, tick.message);
  assert.deepEqual(fvm.sent.map((m) => [m.to, m.method, m.params, m.value]), [
    [Address.newId(4n).toBytes(), 5n, undefined, 0n],
    [Address.newId(100n).toBytes(), 3726118371n, undefined, 0n],
  ]);
  assert.equal(call(fvm, 0n, 2n, [1]).exitCode, USR.ILLEGAL_ARGUMENT, 'EpochTick takes no parameters');
});

test('ethaccount: constructed only for an f4 address in the EAM namespace; FRC-42 methods accepted', () => {
  const eth = Address.newDelegated(10n, new Uint8Array(20).fill(7));
  const build = (delegated: Address | undefined): MockFvm => {
    const fvm = fresh('ethaccount');
    fvm.actors.set(fvm.receiver, { code: codes.get('ethaccount')!, balance: 0n, addresses: [], ...(delegated ? { delegated: delegated.toBytes() } : {}) });
    return fvm;
  };
  assert.equal(call(build(eth), 0n, 1n).exitCode, 0);
  assert.equal(call(build(eth), 100n, 1n).exitCode, USR.FORBIDDEN);
  assert.equal(call(build(eth), 0n, 1n, [1]).exitCode, USR.ILLEGAL_ARGUMENT, 'the constructor takes no parameters');
  const none = call(build(undefined), 0n, 1n);
  assert.equal(none.exitCode, USR.ILLEGAL_ARGUMENT);
  assert.equal(none.message, 'receiver must have a predictable address');
  const other = call(build(Address.newDelegated(32n, new Uint8Array(20))), 0n, 1n);
  assert.equal(other.exitCode, USR.ILLEGAL_ARGUMENT);
  assert.equal(other.message, 'invalid target for EthAccount creation');
  assert.equal(call(build(eth), 200n, 3726118371n, [0, new Uint8Array(0)]).exitCode, 0);
  assert.equal(call(build(eth), 100n, 2n).exitCode, USR.UNHANDLED_MESSAGE);
});
