// Known answers from the official builtin actors: the same genesis and the same messages run
// once with the embedded bundle and once with the official v12 bundle (nv21), and the states
// the actors write, their return values and their exit codes must be the same. Only gas may
// differ. Needs the official bundles (see README); skipped visibly without them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBundleDir, findBundles } from '../../src/state/bundle.js';
import { Address } from '../../src/primitives/address.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { blake2b256 } from '../../src/ipld/cbor.js';
import { rewardGenesisState } from '../../src/actors/genesis-state.js';
import type { ApplyRet } from '../../src/executor/executor.js';
import { EMPTY_ARRAY_CID } from '../../src/primitives/actor.js';
import { Chain, FIL, big, cbor, ensureBundle, machineUnsupported, secpKey, why } from './helpers.js';

const OFFICIAL_VERSION = 12;
const official = findBundles().find((b) => b.format === 'car' && b.actorsVersion === OFFICIAL_VERSION && b.network === 'mainnet');
const skip = machineUnsupported() ?? (official === undefined ? `no bundles: see README (v${OFFICIAL_VERSION} mainnet CAR not in ${defaultBundleDir()})` : undefined);

const A = secpKey(1);
const B = secpKey(2);
const C = secpKey(3);
const D = secpKey(4);
const E = secpKey(5);
const id = (n: bigint): Address => Address.newId(n);
const INIT = id(1n);

before(async () => {
  if (skip === undefined) await ensureBundle();
});

interface Step {
  readonly what: string;
  readonly run: (c: Chain) => ApplyRet;
  /** Actors whose state must be the same afterwards. */
  readonly compare?: readonly bigint[];
}

const MSIG = 102n;
const msig = id(MSIG);
const proposal = cbor([C.address.toBytes(), big(3n * FIL), 0, new Uint8Array(0)]);

// A multisig life (IDs: 100 A, 101 B, 102 the multisig, 103 C, 104 D, 105 a second multisig,
// 106 E, 107 a vesting multisig) and bad inputs along the way.
const steps: Step[] = [
  { what: 'init Exec of a 2-of-2 multisig', run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[A.address.toBytes(), B.address.toBytes()], 2, 0, 0])]), 10n * FIL), compare: [1n, MSIG] },
  { what: 'propose', run: (c) => c.send(A.address, msig, 2n, proposal), compare: [MSIG] },
  { what: 'propose with a negative value', run: (c) => c.send(A.address, msig, 2n, cbor([C.address.toBytes(), big(-1n), 0, new Uint8Array(0)])) },
  { what: 'propose with a short tuple', run: (c) => c.send(A.address, msig, 2n, cbor([C.address.toBytes()])) },
  { what: 'propose without params', run: (c) => c.send(A.address, msig, 2n) },
  { what: 'second approval by the proposer', run: (c) => c.send(A.address, msig, 3n, cbor([0, new Uint8Array(0)])) },
  { what: 'approve with a wrong proposal hash', run: (c) => c.send(B.address, msig, 3n, cbor([0, new Uint8Array(32).fill(1)])) },
  { what: 'approve of a missing transaction', run: (c) => c.send(B.address, msig, 3n, cbor([9, new Uint8Array(0)])) },
  { what: 'cancel by a non-proposer', run: (c) => c.send(B.address, msig, 4n, cbor([0, new Uint8Array(0)])) },
  { what: 'AddSigner from outside', run: (c) => c.send(A.address, msig, 5n, cbor([C.address.toBytes(), false])) },
  {
    what: 'approve with the right hash: the transfer runs and creates C',
    run: (c) => c.send(B.address, msig, 3n, cbor([0, blake2b256(cbor([id(100n).toBytes(), C.address.toBytes(), big(3n * FIL), 0, new Uint8Array(0)]))])),
    compare: [1n, MSIG, 103n],
  },
  { what: 'propose a call the receiver does not handle', run: (c) => c.send(A.address, msig, 2n, cbor([id(101n).toBytes(), big(0n), 7, new Uint8Array(0)])), compare: [MSIG] },
  { what: 'cancel with a wrong proposal hash', run: (c) => c.send(A.address, msig, 4n, cbor([1, new Uint8Array(32)])) },
  { what: 'approve: the call fails inside and the code is returned', run: (c) => c.send(B.address, msig, 3n, cbor([1, new Uint8Array(0)])), compare: [MSIG] },
  { what: 'propose AddSigner (the multisig calls itself)', run: (c) => c.send(A.address, msig, 2n, cbor([msig.toBytes(), big(0n), 5, cbor([D.address.toBytes(), true])])), compare: [MSIG] },
  { what: 'approve AddSigner: D gets an account and becomes a signer', run: (c) => c.send(B.address, msig, 3n, cbor([2, new Uint8Array(0)])), compare: [1n, MSIG, 104n] },
  { what: 'propose RemoveSigner', run: (c) => c.send(D.address, msig, 2n, cbor([msig.toBytes(), big(0n), 6, cbor([B.address.toBytes(), true])])), compare: [MSIG] },
  { what: 'cancel RemoveSigner', run: (c) => c.send(D.address, msig, 4n, cbor([3, new Uint8Array(0)])), compare: [MSIG] },
  { what: 'propose a threshold change', run: (c) => c.send(A.address, msig, 2n, cbor([msig.toBytes(), big(0n), 8, cbor([1])])), compare: [MSIG] },
  { what: 'approve it', run: (c) => c.send(B.address, msig, 3n, cbor([4, new Uint8Array(0)])), compare: [MSIG] },
  { what: 'approve the last signature', run: (c) => c.send(D.address, msig, 3n, cbor([4, new Uint8Array(0)])), compare: [MSIG] },
  { what: 'init Exec of a multisig with a signer that has no actor yet', run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[A.address.toBytes(), E.address.toBytes()], 1, 0, 0])])), compare: [1n, 105n, 106n] },
  { what: 'init Exec of account code', run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.account, new Uint8Array(0)])) },
  { what: 'init Exec with garbage params', run: (c) => c.send(A.address, INIT, 2n, new Uint8Array([0x9f])) },
  { what: 'init Exec4 from an account', run: (c) => c.send(A.address, INIT, 3n, cbor([c.manifest.multisig, new Uint8Array(0), new Uint8Array(20)])) },
  { what: 'init Exec of a multisig with a duplicate signer', run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[A.address.toBytes(), id(100n).toBytes()], 1, 0, 0])])) },
  { what: 'init Exec of a multisig with too high a threshold', run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[A.address.toBytes()], 2, 0, 0])])) },
  {
    what: 'init Exec of a vesting 1-of-1 multisig',
    run: (c) => c.send(A.address, INIT, 2n, cbor([c.manifest.multisig, cbor([[B.address.toBytes()], 1, 100, 5])]), 4n * FIL),
    compare: [1n, 107n],
  },
  { what: 'spend locked funds', run: (c) => c.send(B.address, id(107n), 2n, cbor([A.address.toBytes(), big(FIL), 0, new Uint8Array(0)])) },
  { what: 'spend what has vested (5 of 100 epochs)', run: (c) => c.send(B.address, id(107n), 2n, cbor([A.address.toBytes(), big(FIL / 5n), 0, new Uint8Array(0)])), compare: [107n] },
  { what: 'account PubkeyAddress', run: (c) => c.send(A.address, id(101n), 2n) },
  { what: 'account PubkeyAddress with params', run: (c) => c.send(A.address, id(101n), 2n, cbor([1])) },
  { what: 'account AuthenticateMessage with a bad signature', run: (c) => c.send(A.address, id(101n), 2643134072n, cbor([new Uint8Array(65), new Uint8Array(4)])) },
  { what: 'account constructor from an account', run: (c) => c.send(A.address, id(101n), 1n, cbor(A.address.toBytes())) },
  { what: 'reward ThisEpochReward', run: (c) => c.send(A.address, id(2n), 3n) },
  { what: 'reward constructor over an existing state', run: (c) => c.system(id(2n), 1n, cbor(new Uint8Array(0))), compare: [2n] },
  { what: 'reward constructor with nil power', run: (c) => c.system(id(2n), 1n, cbor(null)) },
  { what: 'reward AwardBlockReward with a negative penalty', run: (c) => c.system(id(2n), 2n, cbor([A.address.toBytes(), big(-1n), big(0n), 1])) },
  { what: 'reward AwardBlockReward for an unknown miner', run: (c) => c.system(id(2n), 2n, cbor([Address.newId(999n).toBytes(), big(0n), big(0n), 1])) },
  { what: 'cron constructor over an existing state', run: (c) => c.system(id(3n), 1n, cbor([[]])) },
  { what: 'cron EpochTick', run: (c) => c.system(id(3n), 2n) },
  { what: 'system constructor over an existing state', run: (c) => c.system(id(0n), 1n) },
];

test(`the embedded actors write the same states, return the same values and exit with the same codes as the official v${OFFICIAL_VERSION} actors`, { skip }, () => {
  const opts = { rewardBalance: 100n * FIL };
  const ours = new Chain([A, B], opts);
  const theirs = new Chain([A, B], { ...opts, bundle: official!.path });
  // Genesis is the same but for the code CIDs.
  assert.deepEqual(ours.state(2n), theirs.state(2n));
  for (const step of steps) {
    const a = step.run(ours);
    const b = step.run(theirs);
    assert.equal(a.receipt.exitCode, b.receipt.exitCode, `${step.what}: exit code (ours ${why(a)}; official ${why(b)})`);
    assert.deepEqual(a.receipt.returnData, b.receipt.returnData, `${step.what}: return value`);
    for (const actor of step.compare ?? []) {
      assert.ok(ours.actor(actor).head.equals(theirs.actor(actor).head), `${step.what}: state of f0${actor}`);
      assert.equal(ours.actor(actor).balance, theirs.actor(actor).balance, `${step.what}: balance of f0${actor}`);
    }
  }
});

test(`constructors of fresh singleton actors write the same states as the official v${OFFICIAL_VERSION} ones`, { skip }, () => {
  const ctors: [bigint, Uint8Array | undefined][] = [
    [0n, undefined],
    [1n, cbor(['tsfvm-test'])],
    [2n, cbor(new Uint8Array(0))],
    [3n, cbor([[[id(101n).toBytes(), 3726118371], [id(4n).toBytes(), 5]]])],
  ];
  const heads = [new Chain([]), new Chain([], { bundle: official!.path })].map((c) => {
    for (const [actor] of ctors) c.machine.stateTree.mutateActor(actor, (a) => ({ ...a, head: EMPTY_ARRAY_CID }));
    return ctors.map(([actor, params]) => {
      const r = c.system(id(actor), 1n, params);
      assert.equal(r.receipt.exitCode, 0, `constructor of f0${actor}: ${why(r)}`);
      return c.actor(actor).head.toString();
    });
  });
  assert.deepEqual(heads[0], heads[1]);
  // Which is also the reward state genesis writes, and the init state of a genesis without accounts.
  assert.equal(heads[0]![2], cidOf(encodeCbor(rewardGenesisState())).toString());
  assert.equal(heads[0]![1], new Chain([]).actor(1n).head.toString());
});

test('the official actors agree on the failures checked above (sanity of the comparison)', { skip }, () => {
  const theirs = new Chain([A, B], { bundle: official!.path });
  const codes = steps.slice(0, 6).map((s) => s.run(theirs).receipt.exitCode);
  assert.deepEqual(codes, [0, 0, ExitCode.USR_ILLEGAL_ARGUMENT, ExitCode.USR_SERIALIZATION, ExitCode.USR_ILLEGAL_ARGUMENT, ExitCode.USR_FORBIDDEN]);
});
