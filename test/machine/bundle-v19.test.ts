// The machine with the official actors v19 (ref-fvm 4.x semantics) at nv28 and nv25 (and v12 at
// nv21, the WATERMELON price list): a
// plain transfer, a send that creates an f1 account, a multisig create + propose + approve,
// and an EVM contract created through the EAM, then called twice. Each message runs with a
// gas limit 25% above its measured use, so the fee split (base fee burn, over-estimation
// burn, miner tip, refund) is exercised; balances must move by exactly value + fees.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import { Address } from '../../src/primitives/address.js';
import { encodeBigInt } from '../../src/primitives/token.js';
import type { ApplyRet } from '../../src/executor/executor.js';
import { FIL, secpAddress } from './harness.js';
import {
  BASE_FEE, GAS_FEE_CAP, GAS_PREMIUM, INVOKE_EVM, type Chain,
  actorOf, bundleCar, dryRun, estimateGas, genesis, idOf, ok, send,
} from './bundle-chain.js';

const BURNT_FUNDS = 99n;
const REWARD = 2n;
const INIT = Address.newId(1n);
const EAM = Address.newId(10n);

// Runtime: x = sload(0) + 1; sstore(0, x); return x as a 32-byte word.
const COUNTER_RUNTIME = '6000546001018060005560005260206000f3';
// Init code: copy the 18-byte runtime (at offset 12) to memory and return it.
const COUNTER_INITCODE = `6012600c60003960126000f3${COUNTER_RUNTIME}`;

/** Over-estimation burn of the reference's fee rules, written out independently. */
function expectedOverEstimationGas(used: bigint, limit: bigint): bigint {
  if (used === 0n) return limit;
  let over = limit - (11n * used) / 10n;
  if (over < 0n) return 0n;
  if (over > used) over = used;
  return ((limit - used) * over) / used;
}

const balance = (c: Chain, id: bigint): bigint => actorOf(c, id)?.balance ?? 0n;

/**
 * Applies a message with a gas limit of 1.25 × its measured gas use and checks the fees
 * against the reference's rules and the balances against them.
 */
function apply(
  t: TestContext, c: Chain, label: string,
  from: Address, to: Address, method: bigint, params: Uint8Array, value = 0n,
): ApplyRet {
  const used = estimateGas(c, from, to, method, params, value);
  const gasLimit = (used * 5n) / 4n;
  const senderId = idOf(c, from)!;
  const before = { sender: balance(c, senderId), burnt: balance(c, BURNT_FUNDS), reward: balance(c, REWARD) };
  const ret = send(c, from, to, method, params, value, gasLimit);
  ok(ret);
  const r = ret.receipt;
  // Only the inclusion charge moves: the smaller limit encodes in fewer bytes.
  assert.ok(r.gasUsed <= used && used - r.gasUsed < 10_000n, `${label}: gas used ${r.gasUsed}, estimated ${used}`);
  // Base fee below the cap: the whole premium is paid on the whole limit.
  assert.equal(ret.baseFeeBurn, BASE_FEE * r.gasUsed, label);
  assert.equal(ret.minerTip, GAS_PREMIUM * gasLimit, label);
  assert.equal(ret.overEstimationBurn, BASE_FEE * expectedOverEstimationGas(r.gasUsed, gasLimit), label);
  const fees = ret.baseFeeBurn + ret.overEstimationBurn + ret.minerTip;
  assert.equal(ret.refund, GAS_FEE_CAP * gasLimit - fees, label);
  assert.equal(before.sender - balance(c, senderId), value + fees, `${label}: sender pays value + fees`);
  assert.equal(balance(c, BURNT_FUNDS) - before.burnt, ret.baseFeeBurn + ret.overEstimationBurn, `${label}: burnt`);
  assert.equal(balance(c, REWARD) - before.reward, ret.minerTip, `${label}: tip`);
  t.diagnostic(
    `${label}: exit ${r.exitCode}, gas used ${r.gasUsed}/${gasLimit}, return ${Buffer.from(r.returnData).toString('hex') || '-'}, ` +
      `burn ${ret.baseFeeBurn}+${ret.overEstimationBurn}, tip ${ret.minerTip}, refund ${ret.refund}, ` +
      `sender ${before.sender} -> ${balance(c, senderId)}`,
  );
  return ret;
}

function flows(t: TestContext, networkVersion: number, actorsVersion = 19): void {
  const bundlePath = bundleCar(actorsVersion);
  if (bundlePath === undefined) {
    t.skip('no bundles: see README');
    return;
  }
  const c = genesis(bundlePath, networkVersion);

  // 1. A plain transfer.
  apply(t, c, 'transfer 5 FIL', c.alice, c.bob, 0n, new Uint8Array(0), 5n * FIL);
  assert.equal(balance(c, c.bobId), 1005n * FIL);

  // 2. A send to a new f1 address creates an account actor whose state records the address.
  const carol = secpAddress(13);
  apply(t, c, 'send 2 FIL to a new f1', c.alice, carol, 0n, new Uint8Array(0), 2n * FIL);
  const carolId = idOf(c, carol)!;
  const carolActor = actorOf(c, carolId)!;
  assert.ok(carolActor.code.equals(c.manifest.account));
  assert.equal(carolActor.balance, 2n * FIL);
  assert.deepEqual(decodeCbor<unknown[]>(c.bs.get(carolActor.head)!)[0], carol.toBytes());

  // 3. A 2-of-2 multisig created through the init actor, funded at creation.
  const ctorParams = encodeCbor([[c.alice.toBytes(), c.bob.toBytes()], 2, 0, 0]);
  const exec = decodeCbor<[Uint8Array, Uint8Array]>(
    apply(t, c, 'multisig create', c.alice, INIT, 2n, encodeCbor([c.manifest.multisig, ctorParams]), 10n * FIL).receipt
      .returnData,
  );
  const msig = Address.fromBytes(exec[0]);
  const msigId = msig.id();
  assert.ok(actorOf(c, msigId)!.code.equals(c.manifest.multisig));
  assert.equal(balance(c, msigId), 10n * FIL);
  assert.equal(Address.fromBytes(exec[1]).protocol, 2);

  // Alice proposes sending 3 FIL to Carol; nothing moves until Bob approves.
  const proposal = encodeCbor([carol.toBytes(), encodeBigInt(3n * FIL), 0, new Uint8Array(0)]);
  const proposed = decodeCbor<[number, boolean, number, Uint8Array]>(
    apply(t, c, 'multisig propose', c.alice, msig, 2n, proposal).receipt.returnData,
  );
  assert.deepEqual(proposed.slice(0, 3), [0, false, 0]);
  assert.equal(balance(c, carolId), 2n * FIL);
  const approved = decodeCbor<[boolean, number, Uint8Array]>(
    apply(t, c, 'multisig approve', c.bob, msig, 3n, encodeCbor([0, new Uint8Array(0)])).receipt.returnData,
  );
  assert.equal(approved[0], true); // applied
  assert.equal(approved[1], 0); // exit code of the proposed send
  assert.equal(balance(c, carolId), 5n * FIL);
  assert.equal(balance(c, msigId), 7n * FIL);

  // 4. An EVM counter created through the EAM (CreateExternal), then invoked twice: its
  //    storage persists between messages, so the calls return 1 and then 2. Its f410
  //    address is funded first, which leaves a placeholder there for the EAM to replace.
  const initcode = encodeCbor(new Uint8Array(Buffer.from(COUNTER_INITCODE, 'hex')));
  // The address the EAM will assign depends only on the caller and its nonce: learn it from a
  // dry run, then fund it (from Bob, so Alice's nonce does not move).
  const preview = decodeCbor<[number, Uint8Array | null, Uint8Array]>(ok(dryRun(c, c.alice, EAM, 4n, initcode)));
  const f410 = Address.newDelegated(10n, preview[2]);
  apply(t, c, 'send 1 FIL to an unused f410', c.bob, f410, 0n, new Uint8Array(0), FIL);
  const placeholderId = idOf(c, f410)!;
  assert.ok(actorOf(c, placeholderId)!.code.equals(c.manifest.placeholder));
  const created = decodeCbor<[number | bigint, Uint8Array | null, Uint8Array]>(
    apply(t, c, 'EAM create (over the placeholder)', c.alice, EAM, 4n, initcode).receipt.returnData,
  );
  const evmId = BigInt(created[0]);
  assert.equal(evmId, placeholderId);
  assert.deepEqual(created[2], preview[2]);
  const evm = actorOf(c, evmId)!;
  assert.ok(evm.code.equals(c.manifest.evm));
  assert.equal(evm.balance, FIL);
  assert.ok(evm.delegatedAddress!.equals(f410));

  const word = (n: number): Uint8Array => {
    const w = new Uint8Array(32);
    w[31] = n;
    return w;
  };
  const first = apply(t, c, 'InvokeEVM #1', c.alice, Address.newId(evmId), INVOKE_EVM, encodeCbor(new Uint8Array(0)));
  assert.deepEqual(decodeCbor<Uint8Array>(first.receipt.returnData), word(1));
  const second = apply(t, c, 'InvokeEVM #2 (by f410)', c.bob, evm.delegatedAddress!, INVOKE_EVM, encodeCbor(new Uint8Array(0)));
  assert.deepEqual(decodeCbor<Uint8Array>(second.receipt.returnData), word(2));
  t.diagnostic(
    `balances: alice ${balance(c, c.aliceId)}, bob ${balance(c, c.bobId)}, carol ${balance(c, carolId)}, ` +
      `msig ${balance(c, msigId)}, burnt ${balance(c, BURNT_FUNDS)}, reward ${balance(c, REWARD)}`,
  );
}

test('official actors v19 at nv28 (ref-fvm 4.x, TEEP): transfer, new account, multisig, EVM via the EAM', (t) => {
  flows(t, 28);
});

test('official actors v19 at nv25 (first TEEP version): the same flows', (t) => {
  flows(t, 25);
});

test('official actors v12 at nv21 (first ref-fvm 4.x version, WATERMELON): the same flows', (t) => {
  flows(t, 21, 12);
});
