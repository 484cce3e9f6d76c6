import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CID } from 'multiformats/cid';
import { Amt, AmtError, MAX_INDEX } from '../../src/ipld/amt.js';
import { amtNodeToCbor, decodeAmtNode, decodeAmtRoot, type AmtNode } from '../../src/ipld/amt-node.js';
import { identityCodec } from '../../src/ipld/hamt-node.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { MemoryBlockstore, MissingBlockError, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, decodeCbor, encodeCbor, type CborValue } from '../../src/ipld/cbor.js';
import { CountingBlockstore, asArray, asCid, loadVector, presentAmt, rawBlock, shuffled, stateRoot } from './ipld-fixtures.js';

const utf8 = (v: string): Uint8Array => new TextEncoder().encode(v);

// ---------------------------------------------------------------------------------------------
// Known answers: the CIDs (and write counts) asserted by ref-fvm's ipld/amt tests.
// ---------------------------------------------------------------------------------------------

test('KAT: basic get and set', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  a.set(2, utf8('foo'));
  assert.deepEqual(a.get(2), utf8('foo'));
  assert.equal(a.count, 1n);
  const c = a.flush();
  assert.deepEqual(Amt.load(bs, c).get(2), utf8('foo'));
  assert.equal(a.flush().toString(), 'bafy2bzacedv5uu5za6oqtnozjvju5lhbgaybayzhw4txiojw7hd47ktgbv5wc');
  assert.equal(bs.puts, 1);
});

test('KAT: the maximum index and the resulting height', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  a.set(MAX_INDEX, utf8('what is up'));
  assert.equal(a.height, 21);
  assert.throws(() => a.set(MAX_INDEX + 1n, utf8('what is up')), AmtError);
  a.set(MAX_INDEX - 1n, utf8('what is up'));
  assert.equal(a.height, 21);
  assert.equal(a.flush().toString(), 'bafy2bzacecl3zuubhdvkojg6uhbu4mebaehx554q6algfjitqiivvnrqprkxo');
  assert.equal(bs.puts, 22);
});

test('KAT: expand', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  a.set(2, utf8('foo'));
  a.set(11, utf8('bar'));
  a.set(79, utf8('baz'));
  const c = a.flush();
  const loaded = Amt.load(bs, c);
  assert.deepEqual(loaded.get(2), utf8('foo'));
  assert.deepEqual(loaded.get(11), utf8('bar'));
  assert.deepEqual(loaded.get(79), utf8('baz'));
  assert.equal(c.toString(), 'bafy2bzacecughjbclx3lbqwibrwc6pe7nttlc3qewedsrayghsvh5j5lpofiq');
  assert.equal(bs.puts, 6);
});

test('KAT: bulk insert', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  for (let i = 0; i < 5000; i++) a.set(i, utf8('foo foo bar'));
  assert.equal(a.count, 5000n);
  const c = a.flush();
  const loaded = Amt.load(bs, c);
  for (let i = 0; i < 5000; i += 7) assert.deepEqual(loaded.get(i), utf8('foo foo bar'));
  assert.equal(c.toString(), 'bafy2bzacecfquuqzqzlox25aynodzw2qhxijdzfvno6tibyes3kb6nd3f7uxa');
  assert.equal(bs.puts, 717);
});

test('KAT: flush writes each node once and keeps them cached', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  for (let i = 0; i < 100; i++) a.set(i, utf8('foo foo bar'));
  a.flush();
  for (let i = 0; i < 100; i++) assert.deepEqual(a.get(i), utf8('foo foo bar'));
  assert.equal(bs.puts, 16);
});

test('KAT: delete', () => {
  const bs = new MemoryBlockstore();
  const a = Amt.create(bs);
  for (let i = 0; i < 4; i++) a.set(i, utf8('cat'));
  assert.equal(a.count, 4n);
  assert.deepEqual(a.delete(1), utf8('cat'));
  assert.equal(a.get(1), undefined);
  assert.equal(a.count, 3n);
  a.delete(0);
  a.delete(2);
  a.delete(3);
  assert.equal(a.count, 0n);
  a.set(23, utf8('dog'));
  a.set(24, utf8('dog'));
  a.delete(23);
  assert.equal(a.count, 1n);
  const c = a.flush();
  assert.equal(Amt.load(bs, c).count, 1n);
  const fresh = Amt.create(bs);
  fresh.set(24, utf8('dog'));
  assert.equal(fresh.flush().toString(), c.toString());
  assert.equal(c.toString(), 'bafy2bzacebnnxpurpb3zqqr22i7ch4uruz6hgykn3ryzoo4hh3ox2m2kufsvg');
});

test('KAT: deleting absent indices changes nothing', () => {
  const a = Amt.create(new MemoryBlockstore());
  a.set(1, 'one');
  a.set(9, 'nine');
  assert.equal(a.height, 1);
  assert.equal(a.delete(10), undefined);
  assert.equal(a.delete(0), undefined);
  assert.equal(a.delete(1_000_000), undefined);
  assert.equal(a.count, 2n);
  assert.equal(a.get(1), 'one');
  assert.equal(a.get(9), 'nine');
});

test('KAT: delete shrinks the height', () => {
  const bs = new MemoryBlockstore();
  const a = Amt.create(bs);
  a.set(0, utf8('cat'));
  a.set(27, utf8('cat'));
  assert.equal(a.height, 1);
  a.delete(27);
  const c = a.flush();
  const loaded = Amt.load(bs, c);
  assert.equal(loaded.count, 1n);
  assert.equal(loaded.height, 0);
  assert.equal(c.toString(), 'bafy2bzacecmxrjeri2ojuy3riae2mpbnztx2hqggqgkcrxao2nwpga77j2vqe');

  const b = Amt.create(bs);
  b.set(1, utf8('thing'));
  const c1 = b.flush();
  b.set(37, utf8('other'));
  assert.equal(b.height, 1);
  const b2 = Amt.load(bs, b.flush());
  assert.equal(b2.count, 2n);
  assert.ok(b2.delete(37) !== undefined);
  assert.equal(b2.height, 0);
  assert.equal(b2.flush().toString(), c1.toString());
  assert.equal(c1.toString(), 'bafy2bzacebmkyah6kppbszluix3g332hntzx6wfdcqcr5hjdsaxri5jhgrdmo');
});

test('KAT: forEach visits indices in order, dirty or loaded', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  const indexes: number[] = [];
  for (let i = 0; i < 10000; i++) if ((i + 1) % 3 === 0) indexes.push(i);
  for (const i of indexes) a.set(i, utf8('value'));
  assert.equal(a.count, BigInt(indexes.length));
  let n = 0;
  a.forEach(() => n++);
  assert.equal(n, indexes.length);
  const c = a.flush();
  assert.equal(c.toString(), 'bafy2bzaceanqxtbsuyhqgxubiq6vshtbhktmzp2if4g6kxzttxmzkdxmtipcm');
  assert.equal(bs.puts, 1431);
  const seen: bigint[] = [];
  Amt.load(bs, c).forEach((i) => seen.push(i));
  assert.deepEqual(seen, indexes.map(BigInt));
  assert.deepEqual([...Amt.load(bs, c).entries()].map(([i]) => i), indexes.map(BigInt));
});

test('KAT: sparse indices across heights', () => {
  const a = Amt.create(new MemoryBlockstore());
  for (const i of [1, 9, 66, 74, 82, 515]) a.set(i, utf8('value'));
  assert.equal(a.flush().toString(), 'bafy2bzaced44wtasbcukqjqicvxzcyn5up6sorr5khzbdkl6zjeo736f377ew');
});

test('KAT: set then delete a far index returns to the empty root', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  const empty = a.flush();
  assert.equal(empty.toString(), 'bafy2bzacedijw74yui7otvo63nfl3hdq2vdzuy7wx2tnptwed6zml4vvz7wee');
  a.set(100_000, utf8('foo'));
  a.delete(100_000);
  assert.equal(a.height, 0);
  assert.equal(a.flush().toString(), empty.toString());
  assert.equal(bs.puts, 2);
});

test('batchSet and fromArray fill indices from 0', () => {
  const bs = new MemoryBlockstore();
  const data = Array.from({ length: 1000 }, (_, i) => `thing${i}`);
  const root = Amt.fromArray(bs, data);
  const restored: [bigint, CborValue][] = [];
  Amt.load(bs, root).forEach((i, v) => restored.push([i, v]));
  assert.deepEqual(restored, data.map((s, i) => [BigInt(i), s]));
  const a = Amt.create(bs);
  a.batchSet(data);
  assert.equal(a.flush().toString(), root.toString());
  assert.equal(a.count, 1000n);
});

// ---------------------------------------------------------------------------------------------
// Behaviour and validation
// ---------------------------------------------------------------------------------------------

test('indices are range checked', () => {
  const a = Amt.create(new MemoryBlockstore());
  assert.throws(() => a.get(-1), AmtError);
  assert.throws(() => a.set(MAX_INDEX + 1n, 1), AmtError);
  assert.throws(() => a.delete(MAX_INDEX + 1n), AmtError);
  assert.throws(() => a.get(2 ** 53), AmtError);
  assert.throws(() => a.get(1.5), AmtError);
  assert.equal(a.get(MAX_INDEX), undefined);
  assert.throws(() => Amt.create(new MemoryBlockstore(), { bitWidth: 0 }), AmtError);
  assert.throws(() => Amt.create(new MemoryBlockstore(), { bitWidth: 17 }), AmtError);
});

test('set returns the previous value and count only counts new indices', () => {
  const a = Amt.create(new MemoryBlockstore(), { bitWidth: 5 });
  assert.equal(a.set(3, 'a'), undefined);
  assert.equal(a.set(3, 'b'), 'a');
  assert.equal(a.count, 1n);
  assert.equal(a.has(3), true);
  assert.equal(a.has(4), false);
});

test('load checks an expected bit width', () => {
  const bs = new MemoryBlockstore();
  const root = Amt.create(bs, { bitWidth: 5 }).flush();
  assert.equal(Amt.load(bs, root).bitWidth, 5);
  assert.equal(Amt.load(bs, root, { bitWidth: 5 }).bitWidth, 5);
  assert.throws(() => Amt.load(bs, root, { bitWidth: 3 }), (e: unknown) => e instanceof AmtError && e.message.includes(root.toString()));
});

test('flush re-serializes only the dirty path', () => {
  const bs = new CountingBlockstore();
  const a = Amt.create(bs);
  for (let i = 0; i < 3000; i++) a.set(i, i);
  const root = a.flush();
  const loaded = Amt.load(bs, root);
  const before = bs.puts;
  loaded.set(1234, 'changed');
  loaded.flush();
  assert.equal(bs.puts - before, loaded.height + 1);
});

function rejects(bs: MemoryBlockstore, root: CID, pattern: RegExp, badCid: CID = root): void {
  assert.throws(
    () => Amt.load(bs, root).forEach(() => {}),
    (e: unknown) => {
      assert.ok(e instanceof AmtError, `expected AmtError, got ${String(e)}`);
      assert.match(e.message, pattern);
      assert.ok(e.message.includes(badCid.toString()), `message names ${badCid.toString()}: ${e.message}`);
      return true;
    },
  );
}

test('malformed roots and nodes are rejected', () => {
  const bs = new MemoryBlockstore();
  const put = (v: unknown): CID => putCbor(bs, v);
  const leaf = (bits: number, values: CborValue[]): CborValue => [new Uint8Array([bits]), [], values];

  rejects(bs, put([3, 0, 1]), /4-element array/);
  rejects(bs, put([0, 0, 0, leaf(0, [])]), /bit width 0/);
  rejects(bs, put([3, 65, 0, leaf(0, [])]), /height 65 exceeds the maximum of 64/);
  rejects(bs, put([3, 0, -1, leaf(0, [])]), /count -1/);
  rejects(bs, put([3, 0, 1, [new Uint8Array([1, 0]), [], ['x']]]), /bitmap is 2 bytes, expected 1/);
  rejects(bs, put([5, 0, 1, [new Uint8Array([1]), [], ['x']]]), /bitmap is 1 bytes, expected 4/);
  rejects(bs, put([3, 0, 1, leaf(0b11, ['x'])]), /1 entries but 2 bits set/);
  rejects(bs, put([3, 0, 1, leaf(0b1, ['x', 'y'])]), /2 entries but 1 bits set/);
  rejects(bs, put([2, 0, 1, leaf(0b10000, ['x'])]), /slot 4, beyond the 4 slots/);
  const child = put(leaf(0b1, ['x']));
  rejects(bs, put([3, 1, 1, [new Uint8Array([1]), [child], ['x']]]), /both links and values/);
  rejects(bs, put([3, 0, 1, [new Uint8Array([1]), [child], []]]), /links in a node at height 0/);
  rejects(bs, put([3, 1, 1, leaf(0b1, ['x'])]), /values in a node at height 1/);
  rejects(bs, put([3, 1, 0, leaf(0, [])]), /empty root node at height 1/);
  rejects(bs, put([3, 1, 1, [new Uint8Array([1]), ['nope'], []]]), /link 0 is not a CID/);

  // Children: an empty node, a leaf where links belong, and a link node where values belong.
  const emptyChild = put(leaf(0, []));
  rejects(bs, put([3, 1, 0, [new Uint8Array([1]), [emptyChild], []]]), /empty node/, emptyChild);
  rejects(bs, put([3, 2, 1, [new Uint8Array([1]), [child], []]]), /values in a node at height 1/, child);
  const linkChild = put([new Uint8Array([1]), [child], []]);
  rejects(bs, put([3, 1, 1, [new Uint8Array([1]), [linkChild], []]]), /links in a node at height 0/, linkChild);
});

test('a value the codec rejects is reported with the node CID', () => {
  const bs = new MemoryBlockstore();
  const root = Amt.fromArray(bs, ['x']);
  const codec = {
    encode: (n: number): CborValue => n,
    decode: (raw: CborValue): number => {
      if (typeof raw !== 'number') throw new Error('expected a number');
      return raw;
    },
  };
  assert.throws(
    () => Amt.load(bs, root, { codec }),
    (e: unknown) => e instanceof AmtError && e.message.includes(root.toString()) && /expected a number/.test(e.message),
  );
});

test('a missing node is reported with its CID', () => {
  const bs = new MemoryBlockstore();
  const a = Amt.create(bs);
  a.set(0, 'a');
  a.set(100, 'b');
  const root = a.flush();
  const { nodes } = presentAmt(bs, root);
  const child = nodes.find((n) => !n.isRoot)!.cid;
  bs.blocks.delete(child.toString());
  assert.throws(() => Amt.load(bs, root).forEach(() => {}), (e: unknown) => e instanceof MissingBlockError && e.message.includes(child.toString()));
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const bitWidthArb = fc.constantFrom(1, 2, 3, 5);
/** Mostly small indices with some far ones, so heights vary up to the maximum. */
const indexArb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 300n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 1n << 20n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_INDEX }) },
);
const valueArb: fc.Arbitrary<CborValue> = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null));
const entriesArb = (max: number): fc.Arbitrary<[bigint, CborValue][]> =>
  fc.uniqueArray(fc.tuple(indexArb, valueArb), { maxLength: max, selector: ([i]) => i });

function build(bs: MemoryBlockstore, bitWidth: number, entries: [bigint, CborValue][]): Amt {
  const a = Amt.create(bs, { bitWidth });
  for (const [i, v] of entries) a.set(i, v);
  return a;
}

test('property: the root CID does not depend on insertion order', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(60), fc.integer(), (bw, entries, seed) => {
      const bs = new MemoryBlockstore();
      const a = build(bs, bw, entries).flush();
      assert.equal(build(bs, bw, shuffled(entries, seed)).flush().toString(), a.toString());
    }),
    { numRuns: 150 },
  );
});

test('property: adding far indices and deleting them shrinks back to the same root', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(40), entriesArb(20), fc.boolean(), fc.integer(), (bw, base, extra, reload, seed) => {
      const bs = new MemoryBlockstore();
      const taken = new Set(base.map(([i]) => i));
      const extras = extra.filter(([i]) => !taken.has(i));
      const expected = build(bs, bw, base);
      const expectedRoot = expected.flush();
      let a = build(bs, bw, base);
      for (const [i, v] of extras) a.set(i, v);
      if (reload) a = Amt.load(bs, a.flush());
      for (const [i, v] of shuffled(extras, seed)) assert.deepEqual(a.delete(i), v);
      assert.equal(a.height, expected.height);
      assert.equal(a.count, BigInt(base.length));
      assert.equal(a.flush().toString(), expectedRoot.toString());
    }),
    { numRuns: 150 },
  );
});

test('property: set then delete of one new index leaves the root unchanged', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(40), indexArb, valueArb, (bw, entries, index, value) => {
      fc.pre(!entries.some(([i]) => i === index));
      const bs = new MemoryBlockstore();
      const root = build(bs, bw, entries).flush();
      const a = Amt.load(bs, root);
      a.set(index, value);
      assert.deepEqual(a.get(index), value);
      assert.deepEqual(a.delete(index), value);
      assert.equal(a.flush().toString(), root.toString());
    }),
    { numRuns: 150 },
  );
});

type Op = { kind: 'set'; index: bigint; value: CborValue } | { kind: 'delete'; index: bigint } | { kind: 'flush' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), index: indexArb, value: valueArb }),
  fc.record({ kind: fc.constant('delete' as const), index: indexArb }),
  fc.record({ kind: fc.constant('flush' as const) }),
);

test('property: behaves like a Map, iterates in index order and ends at the canonical root', () => {
  fc.assert(
    fc.property(bitWidthArb, fc.array(opArb, { maxLength: 120 }), (bw, ops) => {
      const bs = new MemoryBlockstore();
      let a = Amt.create(bs, { bitWidth: bw });
      const model = new Map<bigint, CborValue>();
      for (const op of ops) {
        if (op.kind === 'set') {
          assert.deepEqual(a.set(op.index, op.value), model.get(op.index));
          model.set(op.index, op.value);
        } else if (op.kind === 'delete') {
          assert.deepEqual(a.delete(op.index), model.get(op.index));
          model.delete(op.index);
        } else {
          a = Amt.load(bs, a.flush());
        }
        if (op.kind !== 'flush') assert.deepEqual(a.get(op.index), model.get(op.index));
        assert.equal(a.count, BigInt(model.size));
      }
      const sorted = [...model].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      assert.deepEqual([...a.entries()], sorted);
      assert.equal(a.flush().toString(), build(new MemoryBlockstore(), bw, sorted).flush().toString());
    }),
    { numRuns: 150 },
  );
});

// ---------------------------------------------------------------------------------------------
// Real data: a miner's deadline in a hygge vector. SubmitWindowedPoSt appends the proof to the
// deadline's optimistic PoSt submissions AMT (bit width 2): index 4 is added, height 0 -> 1.
// ---------------------------------------------------------------------------------------------

const POST_VECTOR = '0002-hygge-01/fil_10_storageminer/SubmitWindowedPoSt/Ok/ext-0002-fil_10_storageminer-SubmitWindowedPoSt-Ok-3.json';

/** Re-encodes every present node of an AMT from our decoded form and checks its CID. */
function assertReencodes(bs: MemoryBlockstore, root: CID): number {
  const { nodes } = presentAmt(bs, root);
  for (const ref of nodes) {
    const raw = decodeCbor(bs.get(ref.cid)!);
    if (ref.isRoot) {
      const r = decodeAmtRoot(raw, ref.cid);
      const node: AmtNode<CborValue> = decodeAmtNode(r.node, 'root', ref.cid, r.bitWidth, r.height, true, identityCodec);
      const bytes = encodeCbor([r.bitWidth, r.height, r.count, amtNodeToCbor(node, r.bitWidth, identityCodec)]);
      assert.equal(cidOf(bytes).toString(), ref.cid.toString());
    } else {
      const bw = presentAmt(bs, root).bitWidth;
      const node: AmtNode<CborValue> = decodeAmtNode(raw, 'node', ref.cid, bw, ref.height, false, identityCodec);
      assert.equal(cidOf(encodeCbor(amtNodeToCbor(node, bw, identityCodec))).toString(), ref.cid.toString());
    }
  }
  return nodes.length;
}

test('real data: AMTs in a miner actor state of a hygge vector', async (t) => {
  const v = await loadVector(POST_VECTOR);
  if (!v) {
    t.skip('no test vectors: see README');
    return;
  }
  const m = asArray(decodeCbor(v.messages[0]!), 'message');
  const msg = Array.isArray(m[0]) ? asArray(m[0], 'message') : m;
  const minerKey = msg[1] as Uint8Array;
  assert.equal(minerKey[0], 0, 'the message goes to an ID address');

  const minerHead = (stateRootCid: CID): CborValue[] => {
    const actor = asArray(Hamt.load(v.bs, stateRoot(v.bs, stateRootCid).actors).get(minerKey), 'miner actor');
    return asArray(rawBlock(v.bs, asCid(actor[1], 'miner head')), 'miner state');
  };
  const preHead = minerHead(v.pre);
  const postHead = minerHead(v.post);

  // Miner state field 12 is the Deadlines block [[48 deadline CIDs]].
  const deadlines = (head: CborValue[]): CID[] =>
    asArray(asArray(rawBlock(v.bs, asCid(head[12], 'deadlines')), 'deadlines')[0], 'due').map((c) => asCid(c, 'deadline'));
  const preDls = deadlines(preHead);
  const postDls = deadlines(postHead);
  const changed = preDls.findIndex((c, i) => !c.equals(postDls[i]!));
  assert.ok(changed >= 0, 'one deadline changed');
  // Deadline field 7: optimistic_post_submissions.
  const submissions = (dl: CID): CID => asCid(asArray(rawBlock(v.bs, dl), 'deadline')[7], 'post submissions');
  const before = submissions(preDls[changed]!);
  const after = submissions(postDls[changed]!);

  const pre = Amt.load(v.bs, before);
  const post = Amt.load(v.bs, after);
  assert.equal(pre.bitWidth, 2);
  assert.deepEqual([pre.height, pre.count], [0, 4n]);
  assert.deepEqual([post.height, post.count], [1, 5n]);
  const preEntries = [...pre.entries()];
  const postEntries = [...post.entries()];
  assert.deepEqual(preEntries.map(([i]) => i), [0n, 1n, 2n, 3n]);
  assert.deepEqual(postEntries.map(([i]) => i), [0n, 1n, 2n, 3n, 4n]);
  assert.deepEqual(postEntries.slice(0, 4), preEntries);
  assert.equal(assertReencodes(v.bs, before), 1);
  assert.equal(assertReencodes(v.bs, after), 3);

  // Rebuilt from its entries in any order: the same roots.
  for (const seed of [1, 2, 3]) {
    for (const [entries, root] of [
      [preEntries, before],
      [postEntries, after],
    ] as const) {
      const rebuilt = Amt.create(new MemoryBlockstore(), { bitWidth: 2 });
      for (const [i, val] of shuffled(entries, seed)) rebuilt.set(i, val);
      assert.equal(rebuilt.flush().toString(), root.toString());
    }
  }
  assert.equal(Amt.fromArray(new MemoryBlockstore(), postEntries.map(([, val]) => val), { bitWidth: 2 }).toString(), after.toString());

  // Replay the message's append (height grows) and undo it (height shrinks).
  const grow = Amt.load(v.bs, before);
  grow.set(4, postEntries[4]![1]);
  assert.equal(grow.flush().toString(), after.toString());
  const shrink = Amt.load(v.bs, after);
  assert.deepEqual(shrink.delete(4), postEntries[4]![1]);
  assert.equal(shrink.height, 0);
  assert.equal(shrink.flush().toString(), before.toString());

  // The miner's sectors AMT (state field 9, bit width 5) is only present as its root, a link
  // node of height 3: it re-encodes to its CID from our decoded form.
  const sectorsRoot = asCid(preHead[9], 'sectors');
  const sectors = Amt.load(v.bs, sectorsRoot, { bitWidth: 5 });
  assert.equal(sectors.height, 3);
  assert.ok(sectors.count > 0n);
  assert.equal(assertReencodes(v.bs, sectorsRoot), 1);
});
