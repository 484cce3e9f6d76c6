import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { importCarSync } from '../../src/ipld/car.js';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { diffStateRoots, formatStateDiff } from '../../src/conformance/compare.js';
import { readVector } from '../../src/conformance/vector.js';
import { decodeMessage } from '../../src/primitives/message.js';
import { StateTree } from '../../src/state/state-tree.js';
import type { ActorState } from '../../src/primitives/actor.js';
import { MULTISIG_PROPOSE, hyggeVector } from './fixtures.js';

const CODE = cidOf(encodeCbor('some actor code'));

function actor(bs: MemoryBlockstore, balance: bigint, state: unknown = [1, 2, [3, 4]], sequence = 0n): ActorState {
  return { code: CODE, head: putCbor(bs, state), sequence, balance, delegatedAddress: null };
}

test('state diff: pre- vs post-state of a real vector names the sender, its nonce and the fee sinks', (t) => {
  const file = hyggeVector(MULTISIG_PROPOSE);
  if (file === undefined) return t.skip('no test vectors: see README');
  const v = readVector(file);
  const bs = new MemoryBlockstore();
  importCarSync(gunzipSync(v.car), bs);
  const msg = decodeMessage(v.messages[0]!);
  const senderId = StateTree.load(bs, v.preRoot).lookupId(msg.from);
  assert.ok(senderId !== undefined, 'the sender resolves in the pre-state');

  // "expected" = post-state, "actual" = pre-state: as if the message had not been applied.
  const diff = diffStateRoots(bs, v.postRoot, v.preRoot);
  const ids = diff.actors.map((a) => a.id);
  const sender = diff.actors.find((a) => a.id === senderId);
  assert.ok(sender !== undefined, `sender f0${senderId} is reported (got ${ids.join(', ')})`);
  // The message's own nonce is the sender's pre-state sequence; applying it adds one.
  assert.deepEqual(
    sender.fields.find((f) => f.field === 'sequence'),
    { field: 'sequence', expected: String(msg.sequence + 1n), actual: String(msg.sequence) },
  );
  // Fees: the base-fee burn reaches f099, the tip reaches the reward actor f02.
  const burnt = diff.actors.find((a) => a.id === 99n);
  assert.ok(burnt !== undefined, 'burnt funds actor differs');
  const bal = burnt.fields.find((f) => f.field === 'balance')!;
  assert.ok(BigInt(bal.expected) > BigInt(bal.actual), 'post-state burnt funds are higher');
  assert.ok(diff.actors.some((a) => a.id === 2n), 'reward actor differs');
  // The multisig (the receiver) got a new pending transaction: its state differs.
  const receiverId = msg.to.idOrUndefined();
  const receiver = diff.actors.find((a) => a.id === receiverId);
  assert.ok(receiver !== undefined && receiver.stateFields.length > 0, 'receiver state fields are reported');
  assert.equal(diff.missingBlocks, 0);

  const text = formatStateDiff(diff, 20);
  assert.match(text, new RegExp(`f0${senderId}: .*sequence expected ${msg.sequence + 1n}, got ${msg.sequence}`));
  assert.match(text, /f099: balance expected \d+, got \d+/);

  // A root compared with itself has no differences.
  const same = diffStateRoots(bs, v.preRoot, v.preRoot);
  assert.deepEqual([same.actors.length, same.rootFields.length], [0, 0]);
});

test('state diff: added, removed and changed actors; fields inside the state', () => {
  const bs = new MemoryBlockstore();
  const a = StateTree.create(bs);
  const b = StateTree.create(bs);
  a.setActor(100n, actor(bs, 5n));
  b.setActor(100n, actor(bs, 5n));
  a.setActor(101n, actor(bs, 1n, [1, 2, [3, 4]]));
  b.setActor(101n, actor(bs, 1n, [1, 9, [3, 7]], 4n));
  a.setActor(102n, actor(bs, 7n)); // only expected
  b.setActor(103n, actor(bs, 8n)); // only actual
  const diff = diffStateRoots(bs, a.flush(), b.flush(), { codeName: (c) => (c.equals(CODE) ? 'thing' : undefined) });
  assert.deepEqual(
    diff.actors.map((x) => [x.address, x.change, x.type]),
    [
      ['f0101', 'changed', 'thing'],
      ['f0102', 'missing', 'thing'],
      ['f0103', 'unexpected', 'thing'],
    ],
  );
  const changed = diff.actors[0]!;
  assert.deepEqual(
    changed.fields.map((f) => f.field),
    ['head', 'sequence'],
  );
  assert.deepEqual(changed.stateFields, [
    { field: 'state[1]', expected: '2', actual: '9' },
    { field: 'state[2][1]', expected: '4', actual: '7' },
  ]);
  assert.equal(
    formatStateDiff(diff),
    'f0101 (thing): sequence expected 0, got 4; state[1] expected 2, got 9; state[2][1] expected 4, got 7 | ' +
      'f0102 (thing): expected but absent | f0103 (thing): present but not expected',
  );
});

test('state diff (property): exactly the actors whose entries differ are reported, at any HAMT depth', () => {
  const bs = new MemoryBlockstore();
  const heads = [0, 1, 2].map((i) => putCbor(bs, [i]));
  const entry = fc.record({ balance: fc.bigInt({ min: 0n, max: 3n }), head: fc.integer({ min: 0, max: 2 }) });
  const world = fc.dictionary(fc.integer({ min: 0, max: 400 }).map(String), entry, { maxKeys: 60 });
  fc.assert(
    fc.property(world, world, (ea, eb) => {
      const a = StateTree.create(bs);
      const b = StateTree.create(bs);
      const mk = (e: { balance: bigint; head: number }): ActorState => ({ code: CODE, head: heads[e.head]!, sequence: 0n, balance: e.balance, delegatedAddress: null });
      for (const [k, e] of Object.entries(ea)) a.setActor(BigInt(k), mk(e));
      for (const [k, e] of Object.entries(eb)) b.setActor(BigInt(k), mk(e));
      const diff = diffStateRoots(bs, a.flush(), b.flush());
      const expected = [...new Set([...Object.keys(ea), ...Object.keys(eb)])]
        .filter((k) => ea[k] === undefined || eb[k] === undefined || ea[k]!.balance !== eb[k]!.balance || ea[k]!.head !== eb[k]!.head)
        .map(BigInt)
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      assert.deepEqual(diff.actors.map((x) => x.id), expected);
      assert.equal(diff.missingBlocks, 0);
    }),
    { numRuns: 60 },
  );
});

test('state diff: blocks absent from the store are counted, not fatal', () => {
  const bs = new MemoryBlockstore();
  const a = StateTree.create(bs);
  a.setActor(100n, actor(bs, 1n));
  const root = a.flush();
  const absent = cidOf(encodeCbor(['not stored']));
  const diff = diffStateRoots(bs, root, absent);
  assert.deepEqual(diff.rootFields, [{ field: 'root', expected: 'state root', actual: 'unavailable or malformed' }]);
  assert.equal(diff.missingBlocks, 1);
});
