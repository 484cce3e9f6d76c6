// actor::* syscalls: address resolution, delegated addresses, code CIDs, actor creation,
// builtin types and balances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CID } from 'multiformats/cid';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { newEmptyActor } from '../../src/primitives/actor.js';
import { encodeCbor } from '../../src/ipld/cbor.js';
import { StateTree } from '../../src/state/state-tree.js';
import { FIL, type TestWorld, buildWorld, readU32, readU64, secpAddress } from './harness.js';
import { OUT, runProbe } from './probe.js';

const F4 = Address.newDelegated(10n, new Uint8Array(20).fill(0x42));

/** Adds a placeholder actor holding F4 (registered in the init actor's map). */
function withPlaceholder(w: TestWorld): bigint {
  const tree = StateTree.load(w.bs, w.root);
  const id = tree.registerNewAddress(F4);
  tree.setActor(id, { ...newEmptyActor(w.codes.placeholder!, F4), balance: 1n });
  w.root = tree.flush();
  return id;
}

function cidAt(r: { out: Uint8Array }, at: number, len: number): Uint8Array {
  return r.out.subarray(at, at + len);
}

test('actor::resolve_address: f1, f0; unknown and malformed addresses', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    const f1 = w.otherAddress.toBytes();
    p.call('actor', 'resolve_address', OUT, p.bytes(f1), f1.length);
    const f0 = Address.newId(12345).toBytes();
    p.call('actor', 'resolve_address', OUT + 8, p.bytes(f0), f0.length);
    const unknown = secpAddress(66).toBytes();
    p.call('actor', 'resolve_address', OUT + 16, p.bytes(unknown), unknown.length);
    p.call('actor', 'resolve_address', OUT + 16, p.bytes(new Uint8Array([7, 1])), 2);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT), w.other);
  assert.equal(r.st(1), 0);
  assert.equal(readU64(r.out, OUT + 8), 12345n);
  assert.equal(r.st(2), ErrorNumber.NotFound);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
});

test('actor::lookup_delegated_address: none, an f4, small buffer, unknown actor', () => {
  const w = buildWorld();
  const ph = withPlaceholder(w);
  const r = runProbe(w, (p) => {
    p.call('actor', 'lookup_delegated_address', OUT, w.other, OUT + 100, 64);
    p.call('actor', 'lookup_delegated_address', OUT + 4, ph, OUT + 200, 64);
    p.call('actor', 'lookup_delegated_address', OUT + 8, ph, OUT + 300, 5);
    p.call('actor', 'lookup_delegated_address', OUT + 8, 99999, OUT + 300, 64);
    p.call('actor', 'lookup_delegated_address', OUT + 8, ph, 3 * 65536 - 4, 64);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), 0);
  assert.equal(r.st(1), 0);
  const f4 = F4.toBytes();
  assert.equal(readU32(r.out, OUT + 4), f4.length);
  assert.deepEqual(cidAt(r, OUT + 200, f4.length), f4);
  assert.equal(r.st(2), ErrorNumber.BufferTooSmall);
  assert.equal(r.st(3), ErrorNumber.NotFound);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
});

test('actor::get_actor_code_cid: code of an actor; unknown actor; small buffer', () => {
  const w = buildWorld();
  const code = w.codes.probe!.bytes;
  const r = runProbe(w, (p) => {
    p.call('actor', 'get_actor_code_cid', OUT, w.probe2, OUT + 100, 100);
    p.call('actor', 'get_actor_code_cid', OUT + 4, 99999, OUT + 200, 100);
    p.call('actor', 'get_actor_code_cid', OUT + 4, w.probe2, OUT + 200, 10);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), code.length);
  assert.deepEqual(cidAt(r, OUT + 100, code.length), code);
  assert.equal(r.st(1), ErrorNumber.NotFound);
  assert.equal(r.st(2), ErrorNumber.BufferTooSmall);
});

test('actor::next_actor_address: the f2 derived from origin, nonce and actors created; small buffer', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('actor', 'next_actor_address', OUT, OUT + 100, 64);
    p.call('actor', 'next_actor_address', OUT + 4, OUT + 200, 20);
  });
  const seed = new Uint8Array([...encodeCbor(w.senderAddress.toBytes()), ...new Uint8Array(16)]);
  const expected = Address.newActor(seed).toBytes();
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), 21);
  assert.deepEqual(cidAt(r, OUT + 100, 21), expected);
  assert.equal(r.st(1), ErrorNumber.BufferTooSmall);
});

test('actor::create_actor: only the init actor; new actors, placeholders replaced, conflicts refused', () => {
  const w = buildWorld();
  const ph = withPlaceholder(w);
  const code = (c: CID): Uint8Array => c.bytes;
  // From a non-init actor.
  const denied = runProbe(w, (p) => p.call('actor', 'create_actor', 500, p.bytes(code(w.codes.probe!)), 0, 0));
  assert.equal(denied.st(0), ErrorNumber.Forbidden);

  const other = Address.newDelegated(10n, new Uint8Array(20).fill(0x99)).toBytes();
  const f4 = F4.toBytes();
  const r = runProbe(
    w,
    (p) => {
      const probe = p.bytes(code(w.codes.probe!));
      p.call('actor', 'create_actor', 500, probe, 0, 0);
      p.call('actor', 'create_actor', 500, probe, 0, 0);
      p.call('actor', 'create_actor', 501, p.bytes(code(w.codes.placeholder!)), 0, 0);
      p.call('actor', 'create_actor', ph, probe, p.bytes(other), other.length);
      p.call('actor', 'create_actor', ph, probe, p.bytes(f4), f4.length);
      p.call('actor', 'create_actor', 502, p.bytes(new Uint8Array([0x05])), 0, 0);
      p.call('actor', 'get_actor_code_cid', OUT, 500, OUT + 100, 100);
    },
    { to: Address.newId(1n) },
  );
  assert.equal(r.st(0), 0);
  assert.equal(r.st(1), ErrorNumber.Forbidden); // exists
  assert.equal(r.st(2), ErrorNumber.Forbidden); // placeholder code
  assert.equal(r.st(3), ErrorNumber.Forbidden); // different delegated address
  assert.equal(r.st(4), 0); // placeholder replaced
  assert.equal(r.st(5), ErrorNumber.IllegalArgument);
  assert.equal(r.st(6), 0);
  const tree = StateTree.load(w.bs, r.root);
  assert.ok(tree.getActor(500n)!.code.equals(w.codes.probe!));
  const replaced = tree.getActor(ph)!;
  assert.ok(replaced.code.equals(w.codes.probe!));
  assert.ok(replaced.delegatedAddress!.equals(F4));
  assert.equal(replaced.balance, 1n);
});

test('actor::get_builtin_actor_type and actor::get_code_cid_for_type follow the manifest order', () => {
  const w = buildWorld();
  const account = w.codes.account!.bytes;
  const r = runProbe(w, (p) => {
    p.call('actor', 'get_builtin_actor_type', OUT, p.bytes(account));
    p.call('actor', 'get_builtin_actor_type', OUT + 4, p.bytes(w.root.bytes));
    p.call('actor', 'get_builtin_actor_type', OUT + 4, p.bytes(new Uint8Array([0x07])));
    p.call('actor', 'get_code_cid_for_type', OUT + 8, 4, OUT + 100, 100);
    p.call('actor', 'get_code_cid_for_type', OUT + 12, 99, OUT + 200, 100);
    p.call('actor', 'get_code_cid_for_type', OUT + 12, -1, OUT + 200, 100);
    p.call('actor', 'get_code_cid_for_type', OUT + 12, 4, OUT + 200, 8);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), 4); // system, init, cron, account
  assert.equal(r.st(1), 0);
  assert.equal(readU32(r.out, OUT + 4), 0); // not a builtin actor
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
  assert.equal(r.st(3), 0);
  assert.deepEqual(cidAt(r, OUT + 100, account.length), account);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
  assert.equal(r.st(5), ErrorNumber.IllegalArgument);
  assert.equal(r.st(6), ErrorNumber.BufferTooSmall);
});

test('actor::balance_of: existing and unknown actors', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    p.call('actor', 'balance_of', OUT, w.other);
    p.call('actor', 'balance_of', OUT + 16, 99999);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT) + (readU64(r.out, OUT + 8) << 64n), 1000n * FIL);
  assert.equal(r.st(1), ErrorNumber.NotFound);
});
