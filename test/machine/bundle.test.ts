// The machine with the official actors (v10 bundle, nv18): a small genesis-like state and the
// flows the issue asks for — plain transfer, send to a new f1, multisig create + propose +
// approve, and an EVM contract created through the EAM then called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { newEmptyActor } from '../../src/primitives/actor.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { encodeMessage, type Message } from '../../src/primitives/message.js';
import { encodeBigInt } from '../../src/primitives/token.js';
import { defaultBundleDir, loadBundleSync } from '../../src/state/bundle.js';
import { InitState } from '../../src/state/init-state.js';
import { Manifest } from '../../src/state/manifest.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { Executor, describeFailure, type ApplyRet } from '../../src/executor/executor.js';
import { FIL, secpAddress, sharedEngine } from './harness.js';

const bundlePath = join(defaultBundleDir(), 'v10', 'builtin-actors-mainnet.car');
const INVOKE_EVM = 3844450837n;

interface Chain {
  readonly bs: MemoryBlockstore;
  readonly manifest: Manifest;
  root: CID;
  readonly alice: Address;
  readonly bob: Address;
  readonly aliceId: bigint;
  readonly bobId: bigint;
  readonly nonces: Map<string, bigint>;
}

function genesis(): Chain {
  const bs = new MemoryBlockstore();
  const [info] = loadBundleSync(bundlePath, bs, { verify: false });
  const manifest = Manifest.load(bs, info!.manifestCid);
  const tree = StateTree.create(bs);
  const init = new InitState(Hamt.create(bs).flush(), 100n, 'tsfvm-test');
  tree.setActor(0n, { ...newEmptyActor(manifest.system), head: putCbor(bs, [manifest.dataCid!]) });
  tree.setActor(1n, { ...newEmptyActor(manifest.init), head: init.save(bs) });
  tree.setActor(2n, newEmptyActor(manifest.reward));
  tree.setActor(10n, newEmptyActor(manifest.eam));
  tree.setActor(99n, { ...newEmptyActor(manifest.account), head: putCbor(bs, [Address.newId(99n).toBytes()]) });
  const account = (addr: Address): bigint => {
    const id = tree.registerNewAddress(addr);
    tree.setActor(id, { ...newEmptyActor(manifest.account), head: putCbor(bs, [addr.toBytes()]), balance: 1000n * FIL });
    return id;
  };
  const alice = secpAddress(11);
  const bob = secpAddress(12);
  const aliceId = account(alice);
  const bobId = account(bob);
  return { bs, manifest, root: tree.flush(), alice, bob, aliceId, bobId, nonces: new Map() };
}

/** Applies one message on a fresh machine over the chain's store and advances the root. */
function send(c: Chain, from: Address, to: Address, method: bigint, params: Uint8Array, value = 0n): ApplyRet {
  const sequence = c.nonces.get(from.key()) ?? 0n;
  const msg: Message = {
    version: 0n, from, to, sequence, value, method, params,
    gasLimit: 10_000_000_000n, gasFeeCap: 200n, gasPremium: 100n,
  };
  const machine = new Machine({
    networkVersion: 18, epoch: 100_000n, timestamp: 1_700_000_000n, baseFee: 100n,
    stateRoot: c.root, blockstore: c.bs, externs: new StaticExterns(), engine: sharedEngine(18),
  });
  const exec = new Executor(machine);
  const ret = exec.applyMessage(msg, 'explicit', encodeMessage(msg).length + 69);
  c.root = exec.flush();
  c.nonces.set(from.key(), sequence + 1n);
  return ret;
}

function ok(ret: ApplyRet): Uint8Array {
  assert.equal(ret.receipt.exitCode, ExitCode.OK, describeFailure(ret.failureInfo));
  return ret.receipt.returnData;
}

function actor(c: Chain, id: bigint) {
  return StateTree.load(c.bs, c.root).getActor(id);
}

test('official actors (v10, nv18): transfer, new account, multisig, EVM contract via the EAM', (t) => {
  if (!existsSync(bundlePath)) {
    t.skip('no bundles: see README');
    return;
  }
  const c = genesis();

  // 1. A plain transfer.
  ok(send(c, c.alice, c.bob, 0n, new Uint8Array(0), 5n * FIL));
  assert.equal(actor(c, c.bobId)!.balance, 1005n * FIL);

  // 2. A send to a new f1 address creates an account actor whose state records the address.
  const carol = secpAddress(13);
  ok(send(c, c.alice, carol, 0n, new Uint8Array(0), 2n * FIL));
  const carolId = StateTree.load(c.bs, c.root).lookupId(carol)!;
  const carolActor = actor(c, carolId)!;
  assert.ok(carolActor.code.equals(c.manifest.account));
  assert.equal(carolActor.balance, 2n * FIL);
  const carolState = decodeCbor<unknown[]>(c.bs.get(carolActor.head)!);
  assert.deepEqual(carolState[0], carol.toBytes());

  // 3. A 2-of-2 multisig created through the init actor, funded at creation.
  const ctorParams = encodeCbor([[c.alice.toBytes(), c.bob.toBytes()], 2, 0, 0]);
  const exec = decodeCbor<[Uint8Array, Uint8Array]>(
    ok(send(c, c.alice, Address.newId(1n), 2n, encodeCbor([c.manifest.multisig, ctorParams]), 10n * FIL)),
  );
  const msig = Address.fromBytes(exec[0]);
  const msigId = msig.id();
  assert.ok(actor(c, msigId)!.code.equals(c.manifest.multisig));
  assert.equal(actor(c, msigId)!.balance, 10n * FIL);
  assert.equal(Address.fromBytes(exec[1]).protocol, 2); // the robust f2 address

  // Alice proposes sending 3 FIL to Carol; nothing moves until Bob approves.
  const proposal = encodeCbor([carol.toBytes(), encodeBigInt(3n * FIL), 0, new Uint8Array(0)]);
  const proposed = decodeCbor<[number, boolean, number, Uint8Array]>(ok(send(c, c.alice, msig, 2n, proposal)));
  assert.equal(proposed[0], 0); // transaction id
  assert.equal(proposed[1], false); // not applied yet
  assert.equal(actor(c, carolId)!.balance, 2n * FIL);
  const approved = decodeCbor<[boolean, number, Uint8Array]>(
    ok(send(c, c.bob, msig, 3n, encodeCbor([0, new Uint8Array(0)]))),
  );
  assert.equal(approved[0], true);
  assert.equal(approved[1], 0);
  assert.equal(actor(c, carolId)!.balance, 5n * FIL);
  assert.equal(actor(c, msigId)!.balance, 7n * FIL);

  // 4. An EVM contract created through the EAM (CreateExternal), then called: it returns 42.
  //    init code copies the 10-byte runtime (PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN).
  const initcode = Buffer.from('600a600c600039600a6000f3602a60005260206000f3', 'hex');
  const created = decodeCbor<[number | bigint, Uint8Array | null, Uint8Array]>(
    ok(send(c, c.alice, Address.newId(10n), 4n, encodeCbor(new Uint8Array(initcode)))),
  );
  const evmId = BigInt(created[0]);
  const evm = actor(c, evmId)!;
  assert.ok(evm.code.equals(c.manifest.evm));
  assert.equal(created[2].length, 20);
  assert.ok(evm.delegatedAddress!.equals(Address.newDelegated(10n, created[2])));

  const out = decodeCbor<Uint8Array>(ok(send(c, c.alice, Address.newId(evmId), INVOKE_EVM, encodeCbor(new Uint8Array(0)))));
  assert.equal(out.length, 32);
  assert.equal(out[31], 42);
  // The contract can also be called by its f410 address.
  const byF4 = decodeCbor<Uint8Array>(ok(send(c, c.bob, evm.delegatedAddress!, INVOKE_EVM, encodeCbor(new Uint8Array(0)))));
  assert.equal(byF4[31], 42);
});
