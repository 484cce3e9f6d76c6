// A small genesis-like chain over an official actor bundle (system, init, reward, EAM, burnt
// funds and two funded f1 accounts) and helpers to apply messages to it one at a time, each
// on a fresh machine at the chain's network version.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { type ActorState, newEmptyActor } from '../../src/primitives/actor.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { encodeMessage, type Message } from '../../src/primitives/message.js';
import { defaultBundleDir, loadBundleSync } from '../../src/state/bundle.js';
import { InitState } from '../../src/state/init-state.js';
import { Manifest } from '../../src/state/manifest.js';
import { StateTree } from '../../src/state/state-tree.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { Executor, describeFailure, type ApplyRet } from '../../src/executor/executor.js';
import { FIL, secpAddress, sharedEngine } from './harness.js';

export const INVOKE_EVM = 3844450837n;
export const BASE_FEE = 100n;
export const GAS_FEE_CAP = 200n;
export const GAS_PREMIUM = 100n;
export const GAS_LIMIT = 10_000_000_000n;

/** The mainnet CAR of actors version `version` in the bundle cache, or undefined when absent. */
export function bundleCar(version: number): string | undefined {
  const path = join(defaultBundleDir(), `v${version}`, 'builtin-actors-mainnet.car');
  return existsSync(path) ? path : undefined;
}

export interface Chain {
  readonly bs: MemoryBlockstore;
  readonly manifest: Manifest;
  readonly networkVersion: number;
  root: CID;
  readonly alice: Address;
  readonly bob: Address;
  readonly aliceId: bigint;
  readonly bobId: bigint;
  readonly nonces: Map<string, bigint>;
}

export function genesis(carPath: string, networkVersion: number): Chain {
  const bs = new MemoryBlockstore();
  const [info] = loadBundleSync(carPath, bs, { verify: false });
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
  return { bs, manifest, networkVersion, root: tree.flush(), alice, bob, aliceId, bobId, nonces: new Map() };
}

function applyOnce(c: Chain, from: Address, to: Address, method: bigint, params: Uint8Array, value: bigint, gasLimit: bigint, commit: boolean): ApplyRet {
  const sequence = c.nonces.get(from.key()) ?? 0n;
  const msg: Message = {
    version: 0n, from, to, sequence, value, method, params,
    gasLimit, gasFeeCap: GAS_FEE_CAP, gasPremium: GAS_PREMIUM,
  };
  const machine = new Machine({
    networkVersion: c.networkVersion, epoch: 100_000n, timestamp: 1_700_000_000n, baseFee: BASE_FEE,
    stateRoot: c.root, blockstore: c.bs, externs: new StaticExterns(), engine: sharedEngine(c.networkVersion),
  });
  const exec = new Executor(machine);
  const ret = exec.applyMessage(msg, 'explicit', encodeMessage(msg).length + 69);
  // Without a flush the machine's write buffer is dropped: the chain is left as it was.
  if (commit) {
    c.root = exec.flush();
    c.nonces.set(from.key(), sequence + 1n);
  }
  return ret;
}

/** Applies one message on a fresh machine over the chain's store and advances the root. */
export function send(
  c: Chain, from: Address, to: Address, method: bigint, params: Uint8Array, value = 0n, gasLimit = GAS_LIMIT,
): ApplyRet {
  return applyOnce(c, from, to, method, params, value, gasLimit, true);
}

/** Applies the message with a large gas limit and discards the result's state. */
export function dryRun(c: Chain, from: Address, to: Address, method: bigint, params: Uint8Array, value = 0n): ApplyRet {
  return applyOnce(c, from, to, method, params, value, GAS_LIMIT, false);
}

/** The gas the message would use (applied with a large limit, then discarded). */
export function estimateGas(c: Chain, from: Address, to: Address, method: bigint, params: Uint8Array, value = 0n): bigint {
  const ret = dryRun(c, from, to, method, params, value);
  ok(ret);
  return ret.receipt.gasUsed;
}

/** The return data of a successful receipt (fails the test with the backtrace otherwise). */
export function ok(ret: ApplyRet): Uint8Array {
  assert.equal(ret.receipt.exitCode, ExitCode.OK, describeFailure(ret.failureInfo));
  return ret.receipt.returnData;
}

export function actorOf(c: Chain, id: bigint): ActorState | undefined {
  return StateTree.load(c.bs, c.root).getActor(id);
}

export function idOf(c: Chain, addr: Address): bigint | undefined {
  return StateTree.load(c.bs, c.root).lookupId(addr);
}
