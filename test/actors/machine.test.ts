// The embedded bundle on the machine: a genesis state from src/actors/genesis-state.ts and real
// messages through the Executor at nv21 (ref-fvm 4.x semantics, the ABI the actors target).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { Address } from '../../src/primitives/address.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { decodeBigInt } from '../../src/primitives/token.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { blake2b256 } from '../../src/ipld/cbor.js';
import { rewardGenesisState } from '../../src/actors/genesis-state.js';
import { Chain, FIL, big, cbor, ensureBundle, machineUnsupported, returned, secpKey, secpSign, why, type Key } from './helpers.js';

const skip = machineUnsupported();
const A = secpKey(1);
const B = secpKey(2);
const C = secpKey(3);
const id = (n: bigint): Address => Address.newId(n);
const INIT = id(1n);
const REWARD = id(2n);
const CRON = id(3n);
const POWER = id(4n);
const BURNT = id(99n);
const AUTHENTICATE_MESSAGE = 2643134072n;
const MULTISIG = { Propose: 2n, Approve: 3n, Cancel: 4n, Receive: 3726118371n };

before(async () => {
  if (skip === undefined) await ensureBundle();
});

function chain(keys: readonly Key[] = [A, B], opts: ConstructorParameters<typeof Chain>[1] = {}): Chain {
  return new Chain(keys, opts);
}

/** Creates a multisig through init's Exec; returns its ID and robust addresses. */
function createMultisig(c: Chain, signers: readonly Address[], threshold: number, value = 0n): { idAddr: Address; robust: Address } {
  const params = cbor([c.manifest.multisig, cbor([signers.map((s) => s.toBytes()), threshold, 0, 0])]);
  const r = c.send(A.address, INIT, 2n, params, value);
  assert.equal(r.receipt.exitCode, 0, why(r));
  const [idBytes, robustBytes] = returned<[Uint8Array, Uint8Array]>(r);
  return { idAddr: Address.fromBytes(idBytes), robust: Address.fromBytes(robustBytes) };
}

test('a transfer between genesis accounts moves the value and charges gas to the sender', { skip }, () => {
  const c = chain();
  const before = [c.actor(100n).balance, c.actor(101n).balance];
  const r = c.send(A.address, B.address, 0n, new Uint8Array(0), 5n * FIL);
  assert.equal(r.receipt.exitCode, 0, why(r));
  assert.ok(r.receipt.gasUsed > 0n);
  assert.equal(c.actor(101n).balance, before[1]! + 5n * FIL);
  const fee = r.baseFeeBurn + r.overEstimationBurn + r.minerTip;
  assert.equal(c.actor(100n).balance, before[0]! - 5n * FIL - fee);
  assert.equal(c.actor(100n).sequence, 1n);
});

test('sending to a new f1 address creates an account actor that knows its key address', { skip }, () => {
  const c = chain();
  const r = c.send(A.address, C.address, 0n, new Uint8Array(0), 7n);
  assert.equal(r.receipt.exitCode, 0, why(r));
  const newId = c.lookup(C.address);
  assert.equal(newId, 102n, 'the init actor hands out the next ID after the genesis accounts');
  assert.ok(c.actor(102n).code.equals(c.manifest.account));
  assert.equal(c.actor(102n).balance, 7n);
  assert.deepEqual(c.state(102n), [C.address.toBytes()]);
  const pk = c.send(A.address, id(102n), 2n);
  assert.equal(pk.receipt.exitCode, 0, why(pk));
  assert.deepEqual(returned(pk), C.address.toBytes());
});

test('AuthenticateMessage checks a secp256k1 signature against the account key', { skip }, () => {
  const c = chain();
  const message = new TextEncoder().encode('pay 5 FIL to the bearer');
  const sig = secpSign(B.secret, blake2b256(message));
  const ok = c.send(A.address, B.address, AUTHENTICATE_MESSAGE, cbor([sig, message]));
  assert.equal(ok.receipt.exitCode, 0, why(ok));
  assert.equal(returned(ok), true);
  const forged = c.send(A.address, B.address, AUTHENTICATE_MESSAGE, cbor([secpSign(A.secret, blake2b256(message)), message]));
  assert.equal(forged.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  const garbage = c.send(A.address, B.address, AUTHENTICATE_MESSAGE, cbor([new Uint8Array(3), message]));
  assert.equal(garbage.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  const malformed = c.send(A.address, B.address, AUTHENTICATE_MESSAGE, cbor([sig]));
  assert.equal(malformed.receipt.exitCode, ExitCode.USR_SERIALIZATION);
  const none = c.send(A.address, B.address, AUTHENTICATE_MESSAGE);
  assert.equal(none.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  // Any other FRC-42 method (the universal receiver hook among them) is accepted.
  const hook = c.send(A.address, B.address, MULTISIG.Receive, cbor([0, new Uint8Array(0)]));
  assert.equal(hook.receipt.exitCode, 0, why(hook));
  const internal = c.send(A.address, B.address, 7n);
  assert.equal(internal.receipt.exitCode, ExitCode.USR_UNHANDLED_MESSAGE);
});

test('a 2-of-2 multisig: created through init Exec, a proposal runs when the second signer approves', { skip }, () => {
  const c = chain();
  const { idAddr, robust } = createMultisig(c, [A.address, B.address], 2, 10n * FIL);
  assert.equal(idAddr.id(), 102n);
  assert.equal(robust.protocol, 2);
  assert.equal(c.lookup(robust), 102n, "init's address map resolves the robust address");
  assert.ok(c.actor(102n).code.equals(c.manifest.multisig));
  assert.equal(c.actor(102n).balance, 10n * FIL);

  const [signers, threshold, nextTx, initialBalance, start, unlock, pending] = c.state<[Uint8Array[], number, number, Uint8Array, number, number, CID]>(102n);
  assert.deepEqual(signers, [id(100n).toBytes(), id(101n).toBytes()], 'signers are stored as ID addresses');
  assert.deepEqual([threshold, nextTx, initialBalance, start, unlock], [2, 0, new Uint8Array(0), 0, 0]);
  assert.ok(Hamt.load(c.machine.blockstore, pending).isEmpty());

  const proposal = cbor([C.address.toBytes(), big(3n * FIL), 0, new Uint8Array(0)]);
  const p = c.send(A.address, idAddr, MULTISIG.Propose, proposal);
  assert.equal(p.receipt.exitCode, 0, why(p));
  assert.deepEqual(returned(p), [0, false, 0, new Uint8Array(0)], 'ProposeReturn [txn_id, applied, code, ret]');
  const st = c.state<unknown[]>(102n);
  assert.equal(st[2], 1, 'next_tx_id');
  const txns = Hamt.load<unknown>(c.machine.blockstore, st[6] as CID);
  // Transaction 0 under its zigzag varint key.
  assert.deepEqual(txns.get(new Uint8Array([0])), [C.address.toBytes(), big(3n * FIL), 0, new Uint8Array(0), [id(100n).toBytes()]]);

  const again = c.send(A.address, idAddr, MULTISIG.Approve, cbor([0, new Uint8Array(0)]));
  assert.equal(again.receipt.exitCode, ExitCode.USR_FORBIDDEN, 'a signer approves once');
  const stranger = c.send(A.address, C.address, 0n, new Uint8Array(0), FIL);
  assert.equal(stranger.receipt.exitCode, 0, why(stranger));
  const notSigner = c.send(C.address, idAddr, MULTISIG.Approve, cbor([0, new Uint8Array(0)]));
  assert.equal(notSigner.receipt.exitCode, ExitCode.USR_FORBIDDEN);
  const wrongHash = c.send(B.address, idAddr, MULTISIG.Approve, cbor([0, new Uint8Array(32)]));
  assert.equal(wrongHash.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  const missing = c.send(B.address, idAddr, MULTISIG.Approve, cbor([7, new Uint8Array(0)]));
  assert.equal(missing.receipt.exitCode, ExitCode.USR_NOT_FOUND);

  const recipient = c.lookup(C.address)!;
  const before = c.actor(recipient).balance;
  const hash = blake2b256(cbor([id(100n).toBytes(), C.address.toBytes(), big(3n * FIL), 0, new Uint8Array(0)]));
  const ok = c.send(B.address, idAddr, MULTISIG.Approve, cbor([0, hash]));
  assert.equal(ok.receipt.exitCode, 0, why(ok));
  assert.deepEqual(returned(ok), [true, 0, new Uint8Array(0)], 'ApproveReturn [applied, code, ret]');
  assert.equal(c.actor(recipient).balance, before + 3n * FIL);
  assert.equal(c.actor(102n).balance, 7n * FIL);
  assert.ok(Hamt.load(c.machine.blockstore, c.state<unknown[]>(102n)[6] as CID).isEmpty(), 'the executed transaction is gone');
});

test('multisig: a proposal that fails still reports its code; only the proposer cancels', { skip }, () => {
  const c = chain();
  const { idAddr } = createMultisig(c, [A.address, B.address], 1);
  // 1-of-2: runs at once; the multisig holds nothing, so the transfer fails inside.
  const p = c.send(A.address, idAddr, MULTISIG.Propose, cbor([C.address.toBytes(), big(FIL), 0, new Uint8Array(0)]));
  assert.equal(p.receipt.exitCode, ExitCode.USR_INSUFFICIENT_FUNDS, 'check_available refuses to spend more than the balance');
  const call = c.send(A.address, idAddr, MULTISIG.Propose, cbor([POWER.toBytes(), big(0n), 2, new Uint8Array(0)]));
  assert.equal(call.receipt.exitCode, 0, why(call));
  assert.deepEqual(returned(call), [0, true, ExitCode.USR_UNHANDLED_MESSAGE, new Uint8Array(0)]);

  const c2 = chain();
  const m = createMultisig(c2, [A.address, B.address], 2).idAddr;
  assert.equal(c2.send(A.address, m, MULTISIG.Propose, cbor([C.address.toBytes(), big(0n), 0, new Uint8Array(0)])).receipt.exitCode, 0);
  assert.equal(c2.send(B.address, m, MULTISIG.Cancel, cbor([0, new Uint8Array(0)])).receipt.exitCode, ExitCode.USR_FORBIDDEN);
  const cancel = c2.send(A.address, m, MULTISIG.Cancel, cbor([0, new Uint8Array(0)]));
  assert.equal(cancel.receipt.exitCode, 0, why(cancel));
  assert.equal(c2.send(A.address, m, MULTISIG.Cancel, cbor([0, new Uint8Array(0)])).receipt.exitCode, ExitCode.USR_NOT_FOUND);
});

test('init Exec refuses code it may not create and malformed parameters', { skip }, () => {
  const c = chain();
  const account = c.send(A.address, INIT, 2n, cbor([c.manifest.account, new Uint8Array(0)]));
  assert.equal(account.receipt.exitCode, ExitCode.USR_FORBIDDEN);
  const garbage = c.send(A.address, INIT, 2n, new Uint8Array([0xff]));
  assert.equal(garbage.receipt.exitCode, ExitCode.USR_SERIALIZATION);
  const short = c.send(A.address, INIT, 2n, cbor([c.manifest.multisig]));
  assert.equal(short.receipt.exitCode, ExitCode.USR_SERIALIZATION);
  const none = c.send(A.address, INIT, 2n);
  assert.equal(none.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  // A constructor failure is the caller's failure, with the constructor's exit code.
  const noSigners = c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[], 1, 0, 0])]));
  assert.equal(noSigners.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT);
  const exec4 = c.send(A.address, INIT, 3n, cbor([c.manifest.multisig, new Uint8Array(0), new Uint8Array(20)]));
  assert.equal(exec4.receipt.exitCode, ExitCode.USR_FORBIDDEN, 'Exec4 is for the EAM only');
  const ctor = c.send(A.address, INIT, 1n, cbor(['hijack']));
  assert.equal(ctor.receipt.exitCode, ExitCode.USR_FORBIDDEN, 'only the system actor constructs');
  assert.equal(c.state<unknown[]>(1n)[2], 'tsfvm-test');
});

test('cron EpochTick calls every entry and ignores their failures', { skip }, () => {
  const entries = [
    { receiver: POWER, method: 5n },
    { receiver: id(101n), method: MULTISIG.Receive },
  ];
  const c = chain([A, B], { cronEntries: entries, tracing: true });
  assert.deepEqual(c.state(3n), [[[POWER.toBytes(), 5], [id(101n).toBytes(), Number(MULTISIG.Receive)]]]);
  const tick = c.system(CRON, 2n);
  assert.equal(tick.receipt.exitCode, 0, why(tick));
  const calls = tick.execTrace.filter((e) => e.type === 'call').map((e) => (e.type === 'call' ? [e.from, e.to.toString(), e.method] : []));
  assert.deepEqual(calls, [
    [0n, CRON.toString(), 2n],
    [3n, POWER.toString(), 5n],
    [3n, id(101n).toString(), MULTISIG.Receive],
  ]);
  const returns = tick.execTrace.filter((e) => e.type === 'call_return').map((e) => (e.type === 'call_return' ? e.exitCode : -1));
  assert.deepEqual(returns, [ExitCode.USR_UNHANDLED_MESSAGE, 0, 0]);
  const notSystem = c.send(A.address, CRON, 2n);
  assert.equal(notSystem.receipt.exitCode, ExitCode.USR_FORBIDDEN);
});

test('reward AwardBlockReward pays the producer the gas reward and a fifth of the epoch reward per win', { skip }, () => {
  const c = chain([A, B], { rewardBalance: 1000n * FIL });
  const thisEpochReward = decodeBigInt(rewardGenesisState()[4] as Uint8Array);
  const before = c.actor(100n).balance;
  const award = c.system(REWARD, 2n, cbor([A.address.toBytes(), big(0n), big(1000n), 2]));
  assert.equal(award.receipt.exitCode, 0, why(award));
  const blockReward = (thisEpochReward * 2n) / 5n;
  assert.equal(c.actor(100n).balance, before + 1000n + blockReward);
  assert.equal(c.actor(2n).balance, 1000n * FIL - 1000n - blockReward);
  assert.equal(decodeBigInt(c.state<Uint8Array[]>(2n)[8]!), blockReward, 'total_storage_power_reward');

  // A penalty is burnt (three times over) out of the reward.
  const burnt = c.actor(99n).balance;
  const penalised = c.system(REWARD, 2n, cbor([B.address.toBytes(), big(10n), big(0n), 1]));
  assert.equal(penalised.receipt.exitCode, 0, why(penalised));
  assert.equal(c.actor(99n).balance, burnt + 30n);

  const bad = c.system(REWARD, 2n, cbor([A.address.toBytes(), big(0n), big(0n), 0]));
  assert.equal(bad.receipt.exitCode, ExitCode.USR_ILLEGAL_ARGUMENT, 'win count must be positive');
  const notSystem = c.send(A.address, REWARD, 2n, cbor([A.address.toBytes(), big(0n), big(0n), 1]));
  assert.equal(notSystem.receipt.exitCode, ExitCode.USR_FORBIDDEN);

  const r = c.send(A.address, REWARD, 3n);
  assert.equal(r.receipt.exitCode, 0, why(r));
  const st = rewardGenesisState();
  assert.deepEqual(returned(r), [st[5], st[6]], 'ThisEpochReward [this_epoch_reward_smoothed, this_epoch_baseline_power]');
});

test('the reward actor pays out at most its balance', { skip }, () => {
  const c = chain([A, B], { rewardBalance: 5000n });
  const before = c.actor(100n).balance;
  const award = c.system(REWARD, 2n, cbor([A.address.toBytes(), big(0n), big(1000n), 1]));
  assert.equal(award.receipt.exitCode, 0, why(award));
  assert.equal(c.actor(100n).balance, before + 5000n);
  assert.equal(c.actor(2n).balance, 0n);
  const tooMuchGas = c.system(REWARD, 2n, cbor([A.address.toBytes(), big(0n), big(1n), 1]));
  assert.equal(tooMuchGas.receipt.exitCode, ExitCode.USR_ILLEGAL_STATE);
});

test('unimplemented actors reject every method with USR_UNHANDLED_MESSAGE and name themselves', { skip }, () => {
  const c = chain();
  for (const [target, name] of [[POWER, 'storagepower'], [id(5n), 'storagemarket'], [id(10n), 'eam']] as const) {
    const r = c.send(A.address, target, 2n, cbor([1]));
    assert.equal(r.receipt.exitCode, ExitCode.USR_UNHANDLED_MESSAGE, name);
    assert.match(why(r), new RegExp(`does not implement the ${name} actor \\(method 2\\)`));
  }
  const value = c.send(A.address, POWER, 0n, new Uint8Array(0), 3n);
  assert.equal(value.receipt.exitCode, 0, 'plain transfers still arrive');
  assert.equal(c.actor(4n).balance, 3n);
});

test('funds sent to an unused f410 address wait in a placeholder actor', { skip }, () => {
  const c = chain();
  const f4 = Address.newDelegated(10n, new Uint8Array(20).fill(0xab));
  const r = c.send(A.address, f4, 0n, new Uint8Array(0), 11n);
  assert.equal(r.receipt.exitCode, 0, why(r));
  const pid = c.lookup(f4)!;
  assert.ok(c.actor(pid).code.equals(c.manifest.placeholder));
  assert.equal(c.actor(pid).balance, 11n);
  const call = c.send(A.address, f4, 3844450837n, cbor([1]));
  assert.equal(call.receipt.exitCode, 0, 'the placeholder runs no logic: every call succeeds');
});

test('the same messages on the same genesis give the same receipts and state root', { skip }, () => {
  const run = (): { root: string; gas: bigint[] } => {
    const c = chain();
    const gas: bigint[] = [];
    gas.push(c.send(A.address, C.address, 0n, new Uint8Array(0), FIL).receipt.gasUsed);
    const { idAddr } = createMultisig(c, [A.address, C.address], 2, 2n * FIL);
    gas.push(c.send(A.address, idAddr, MULTISIG.Propose, cbor([B.address.toBytes(), big(FIL), 0, new Uint8Array(0)])).receipt.gasUsed);
    gas.push(c.send(C.address, idAddr, MULTISIG.Approve, cbor([0, new Uint8Array(0)])).receipt.gasUsed);
    gas.push(c.system(CRON, 2n).receipt.gasUsed);
    return { root: c.executor.flush().toString(), gas };
  };
  const one = run();
  assert.deepEqual(run(), one);
  assert.ok(one.gas.every((g) => g > 0n));
});

test('the bundle runs alike at every network version of the ref-fvm 4.x line (nv21-nv28)', { skip }, () => {
  const flow = (nv: number): string[] => {
    const c = chain([A, B], { nv });
    const out = [c.send(A.address, C.address, 0n, new Uint8Array(0), FIL)];
    const { idAddr } = createMultisig(c, [A.address, B.address], 2, 2n * FIL);
    out.push(c.send(A.address, idAddr, MULTISIG.Propose, cbor([C.address.toBytes(), big(FIL), 0, new Uint8Array(0)])));
    out.push(c.send(B.address, idAddr, MULTISIG.Approve, cbor([0, new Uint8Array(0)])));
    out.push(c.system(CRON, 2n));
    for (const r of out) assert.equal(r.receipt.exitCode, 0, `nv${nv}: ${why(r)}`);
    return [c.executor.flush().toString(), ...out.map((r) => Buffer.from(r.receipt.returnData).toString('hex'))];
  };
  const supported = [21, 22, 23, 24, 25, 26, 27, 28].filter((nv) => machineUnsupported(nv) === undefined);
  const first = flow(supported[0]!);
  // The same messages give the same states and return values (gas may be priced differently).
  for (const nv of supported.slice(1)) assert.deepEqual(flow(nv), first, `nv${nv}`);
});
