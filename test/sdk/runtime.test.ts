// The SDK's syscall wrappers and dispatch, compiled as an actor and run against the syscall shim:
// the packed layouts of the message and network contexts, send, hashing, events, exit, balance,
// debug logging, and AssemblyScript runtime hooks (trace, Math.random).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { encodeCbor, decodeCbor, cidOf, DAG_CBOR, RAW } from '../../src/ipld/cbor.js';
import { BLS_DST } from '../../src/crypto/signature.js';
import { hashBy } from '../../src/crypto/hash.js';
import { Address } from '../../src/primitives/address.js';
import { encodeBigInt } from '../../src/primitives/token.js';
import { frc42MethodNumber, FVM_SYSCALLS } from '../../scripts/sdk-compile.js';
import { compileCached, MockFvm, CBOR, Err, type CallResult } from './host.js';

let wasm: Uint8Array;
before(async () => {
  wasm = await compileCached('sdk/test/runtime.ts', 'actor');
});

function ok(r: CallResult): unknown {
  assert.equal(r.exitCode, 0, `exit ${r.exitCode}: ${r.message}`);
  assert.ok(r.ret !== undefined);
  return decodeCbor(r.ret.data);
}

const cbor = (v: unknown): { codec: number; data: Uint8Array } => ({ codec: DAG_CBOR, data: encodeCbor(v) });

test('the module imports only FVM syscalls and exports invoke and memory', () => {
  const mod = new WebAssembly.Module(new Uint8Array(wasm));
  for (const i of WebAssembly.Module.imports(mod)) assert.ok(FVM_SYSCALLS[i.module]?.includes(i.name), `${i.module}.${i.name}`);
  assert.deepEqual(WebAssembly.Module.exports(mod).map((e) => e.name).sort(), ['invoke', 'memory']);
});

test('message and network context are read from the packed ABI layouts', () => {
  const fvm = new MockFvm(wasm);
  Object.assign(fvm, {
    origin: 101n, nonce: 7n, caller: 102n, receiver: 1003n,
    valueReceived: 2n ** 100n + 5n, gasPremium: 123_456n, readOnly: true,
    epoch: 2_000_000n, timestamp: 1_700_000_000n, baseFee: 2n ** 64n + 1n, chainId: 314159n, networkVersion: 22,
  });
  const info = ok(fvm.invoke(2n)) as unknown[];
  assert.deepEqual(info.slice(0, 5), [101, 7, 102, 1003, 2]);
  assert.deepEqual(new Uint8Array(info[5] as Uint8Array), encodeBigInt(2n ** 100n + 5n));
  assert.deepEqual(new Uint8Array(info[6] as Uint8Array), encodeBigInt(123_456n));
  assert.equal(info[7], true);
  assert.deepEqual(info.slice(8, 10), [2_000_000, 1_700_000_000]);
  assert.deepEqual(new Uint8Array(info[10] as Uint8Array), encodeBigInt(2n ** 64n + 1n));
  assert.deepEqual(info.slice(11), [314159, 22]);
});

test('send passes recipient, method, value and params, and returns exit code and return block', () => {
  const fvm = new MockFvm(wasm);
  const to = Address.newId(1234n);
  fvm.onSend = (m) => ({ exitCode: m.method === 99n ? 0 : 17, ret: { codec: DAG_CBOR, data: encodeCbor(['echo', Number(m.method)]) } });
  const res = ok(fvm.invoke(3n, cbor([to.toBytes(), 99, encodeBigInt(10n ** 18n), { p: 1 }]))) as [number, number, Uint8Array, number];
  assert.equal(fvm.sent.length, 1);
  const m = fvm.sent[0]!;
  assert.deepEqual(m.to, to.toBytes());
  assert.equal(m.method, 99n);
  assert.equal(m.value, 10n ** 18n);
  assert.equal(m.gasLimit, 2n ** 64n - 1n, 'default gas limit: everything left');
  assert.equal(m.flags, 0n);
  assert.deepEqual(decodeCbor(m.params!.data), { p: 1 });
  assert.deepEqual([res[0], res[1], decodeCbor(res[2]), res[3]], [0, 0, ['echo', 99], DAG_CBOR]);

  const failed = ok(fvm.invoke(3n, cbor([to.toBytes(), 5, new Uint8Array(0), null]))) as unknown[];
  assert.deepEqual([failed[0], failed[1]], [0, 17]);
  assert.equal(fvm.sent[1]!.params, undefined, 'no params block');

  fvm.onSend = () => ({ exitCode: 0, errno: Err.NotFound });
  assert.deepEqual(ok(fvm.invoke(3n, cbor([to.toBytes(), 0, new Uint8Array(0), null]))), [Err.NotFound, 0, null, 0]);
  // A negative value never reaches the syscall: InsufficientFunds, as in the Rust SDK.
  const sentBefore = fvm.sent.length;
  assert.deepEqual(ok(fvm.invoke(3n, cbor([to.toBytes(), 0, encodeBigInt(-1n), null]))), [5, 0, null, 0]);
  assert.equal(fvm.sent.length, sentBefore);
});

test('the hash wrappers call crypto.hash with each supported code', () => {
  const fvm = new MockFvm(wasm);
  const data = new TextEncoder().encode('hash me');
  const got = ok(fvm.invoke(4n, cbor(data))) as Uint8Array[];
  const codes = [0x12, 0xb220, 0xb240, 0x1b, 0x1053];
  codes.forEach((code, i) => assert.deepEqual(new Uint8Array(got[i]!), hashBy(code, data), `code 0x${code.toString(16)}`));
});

test('events are laid out as packed headers, keys and values', () => {
  const fvm = new MockFvm(wasm);
  const entries = [
    [3, 'to', CBOR, encodeCbor(1234)],
    [1, 'amount', RAW, Uint8Array.from([1, 2, 3])],
    [0, '', RAW, new Uint8Array(0)],
  ];
  assert.equal(ok(fvm.invoke(5n, cbor(entries))), 0);
  assert.equal(fvm.events.length, 1);
  assert.deepEqual(
    fvm.events[0]!.map((e) => [Number(e.flags), e.key, Number(e.codec), [...e.value]]),
    entries.map(([f, k, c, v]) => [f, k, c, [...(v as Uint8Array)]]),
  );
  fvm.readOnly = true;
  assert.equal(ok(fvm.invoke(5n, cbor(entries))), Err.ReadOnly, 'the error number is handed back');
});

test('exit carries the code, the message and an optional return block', () => {
  const fvm = new MockFvm(wasm);
  const r = fvm.invoke(6n, cbor([19, 'not enough', { need: 5 }]));
  assert.equal(r.exitCode, 19);
  assert.equal(r.message, 'not enough');
  assert.deepEqual(decodeCbor(r.ret!.data), { need: 5 });
  const early = fvm.invoke(6n, cbor([0, 'done early', ['result']]));
  assert.equal(early.exitCode, 0);
  assert.deepEqual(decodeCbor(early.ret!.data), ['result']);
  const plain = fvm.invoke(6n, cbor([16, '', null]));
  assert.deepEqual([plain.exitCode, plain.ret], [16, undefined]);
});

test('current balance is read as a 128-bit token amount', () => {
  const fvm = new MockFvm(wasm);
  fvm.balance = 2n ** 127n + 99n;
  assert.deepEqual(new Uint8Array(ok(fvm.invoke(7n)) as Uint8Array), encodeBigInt(2n ** 127n + 99n));
});

test('log() and trace() go to debug.log (module initialization has run); Math.random aborts (determinism)', () => {
  const fvm = new MockFvm(wasm);
  assert.equal(fvm.invoke(8n).exitCode, 0);
  assert.deepEqual(fvm.logs, ['from log()', 'from trace() 1.5 2.0']);
  const r = fvm.invoke(9n);
  assert.equal(r.exitCode, 24);
  assert.match(r.message ?? '', /Math\.random is not available in an actor/);
});

test('dispatch: FRC-42 names, unknown methods, and missing parameters', () => {
  const fvm = new MockFvm(wasm);
  assert.equal(ok(fvm.invoke(frc42MethodNumber('ByName'))), 'named');
  const unknown = fvm.invoke(4242n);
  assert.equal(unknown.exitCode, 22);
  assert.equal(unknown.message, 'unhandled method 4242');
  const missing = fvm.invoke(4n);
  assert.equal(missing.exitCode, 21);
  assert.equal(missing.message, 'missing method parameters');
  const wrongCodec = fvm.invoke(4n, { codec: RAW, data: new Uint8Array(1) });
  assert.equal(wrongCodec.exitCode, 21);
  assert.equal(wrongCodec.message, 'method parameters: codec 0x55, expected DAG-CBOR');
});

test('verifySignature: secp256k1 through key recovery, BLS through the aggregate check', () => {
  const fvm = new MockFvm(wasm);
  const plaintext = new TextEncoder().encode('message to sign');
  const sk = new Uint8Array(32).fill(7);
  const sig = secp256k1.sign(blake2b(plaintext, { dkLen: 32 }), sk, { prehash: false, format: 'recovered' });
  // noble puts the recovery byte first; Filecoin puts it last.
  const fil = Uint8Array.from([...sig.subarray(1), sig[0]!]);
  const signer = Address.newSecp256k1(secp256k1.getPublicKey(sk, false)).toBytes();
  const other = Address.newSecp256k1(secp256k1.getPublicKey(new Uint8Array(32).fill(8), false)).toBytes();
  const verify = (type: number, s: Uint8Array, a: Uint8Array, m: Uint8Array): unknown => ok(fvm.invoke(10n, cbor([type, s, a, m])));
  assert.equal(verify(1, fil, signer, plaintext), true);
  assert.equal(verify(1, fil, other, plaintext), false, 'another signer');
  assert.equal(verify(1, fil, signer, new TextEncoder().encode('other message')), false, 'another message');
  assert.equal(verify(1, fil.subarray(1), signer, plaintext), false, 'short signature');
  assert.equal(verify(2, fil, signer, plaintext), false, 'BLS type with a secp signer');

  const bls = bls12_381.longSignatures;
  const bsk = new Uint8Array(32).fill(3);
  const pk = bls.getPublicKey(bsk).toBytes();
  const bsig = bls.Signature.toBytes(bls.sign(bls.hash(plaintext, BLS_DST), bsk));
  const blsSigner = Address.newBls(pk).toBytes();
  assert.equal(verify(2, bsig, blsSigner, plaintext), true);
  assert.equal(verify(2, bsig, blsSigner, new TextEncoder().encode('x')), false);
});

test('actor lookups: resolution, code, balance, delegated address, builtin type; absent actors are null', () => {
  const fvm = new MockFvm(wasm);
  const code = cidOf(new TextEncoder().encode('account code'), RAW);
  const f4 = Address.newDelegated(10n, new Uint8Array(20).fill(1));
  const f1 = Address.newSecp256k1(new Uint8Array(65).fill(2));
  fvm.actors.set(1234n, { code, balance: 5n * 10n ** 18n, addresses: [f1.toBytes()], delegated: f4.toBytes(), builtinType: 4 });
  const info = ok(fvm.invoke(11n, cbor(f1.toBytes()))) as unknown[];
  assert.equal(info[0], 1234);
  assert.equal(CID.decode(info[1] as Uint8Array).toString(), code.toString());
  assert.deepEqual(new Uint8Array(info[2] as Uint8Array), encodeBigInt(5n * 10n ** 18n));
  assert.deepEqual(new Uint8Array(info[3] as Uint8Array), f4.toBytes());
  assert.equal(info[4], 4);
  // ID addresses resolve without a syscall, as in the Rust SDK; the actor need not exist.
  assert.deepEqual(ok(fvm.invoke(11n, cbor(Address.newId(999n).toBytes()))), [999, null, null, null, -1]);
  assert.deepEqual(ok(fvm.invoke(11n, cbor(Address.newActor(new Uint8Array(1)).toBytes()))), [null, null, null, null, 0]);
});

test('gas, circulating supply, randomness and tipset CIDs; out-of-range epochs are null', () => {
  const fvm = new MockFvm(wasm);
  fvm.epoch = 100n;
  fvm.circSupply = 2n ** 90n;
  const [gas, supply, rnd, tipset] = ok(fvm.invoke(12n, cbor(50))) as [number, Uint8Array, Uint8Array, unknown];
  assert.equal(gas, 10_000_000);
  assert.deepEqual(fvm.gasCharges, [['sdk-test', 1234n]]);
  assert.deepEqual(new Uint8Array(supply), encodeBigInt(2n ** 90n));
  assert.deepEqual(new Uint8Array(rnd), hashBy(0xb220, encodeCbor(['chain', 50])));
  assert.equal(CID.decode(tipset as Uint8Array).toString(), cidOf(encodeCbor(['tipset', 50])).toString());
  const future = ok(fvm.invoke(12n, cbor(101))) as unknown[];
  assert.deepEqual(future.slice(2), [null, null]);
});
