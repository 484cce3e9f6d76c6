// The machine with the official actors (v10 bundle, nv18): a small genesis-like state and the
// flows the issue asks for — plain transfer, send to a new f1, multisig create + propose +
// approve, and an EVM contract created through the EAM then called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import { Address } from '../../src/primitives/address.js';
import { encodeBigInt } from '../../src/primitives/token.js';
import { FIL, secpAddress } from './harness.js';
import { INVOKE_EVM, actorOf, bundleCar, genesis, idOf, ok, send } from './bundle-chain.js';

const bundlePath = bundleCar(10);
const actor = actorOf;

test('official actors (v10, nv18): transfer, new account, multisig, EVM contract via the EAM', (t) => {
  if (bundlePath === undefined) {
    t.skip('no bundles: see README');
    return;
  }
  const c = genesis(bundlePath, 18);

  // 1. A plain transfer.
  ok(send(c, c.alice, c.bob, 0n, new Uint8Array(0), 5n * FIL));
  assert.equal(actor(c, c.bobId)!.balance, 1005n * FIL);

  // 2. A send to a new f1 address creates an account actor whose state records the address.
  const carol = secpAddress(13);
  ok(send(c, c.alice, carol, 0n, new Uint8Array(0), 2n * FIL));
  const carolId = idOf(c, carol)!;
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
