import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { sha256 } from '@noble/hashes/sha2.js';
import { Hamt, HamtError } from '../../src/ipld/hamt.js';
import { HashBits, decodeHamtNode, emptyNode, encodeHamtNode, identityCodec, setBit, type HamtNode } from '../../src/ipld/hamt-node.js';
import { MemoryBlockstore, MissingBlockError, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, decodeCbor, RAW, type CborValue } from '../../src/ipld/cbor.js';
import {
  CountingBlockstore,
  asArray,
  asCid,
  diffHamts,
  hex,
  loadVector,
  presentHamtEntries,
  presentHamtNodes,
  rawBlock,
  shuffled,
  stateRoot,
  uvarint,
} from './ipld-fixtures.js';

const utf8 = (v: string | number): Uint8Array => new TextEncoder().encode(String(v));
const EMPTY_HAMT = 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay';

// ---------------------------------------------------------------------------------------------
// Known answers: the CIDs asserted by ref-fvm's ipld/hamt tests for the same operations.
// ---------------------------------------------------------------------------------------------

test('hash bits are read most significant bit first, the last level gets the leftover bits', () => {
  // Same inputs and outputs as the reference's hash_bits tests.
  const key = new Uint8Array(32);
  key.set([0b10001000, 0b10101010, 0b10111111, 0b11111111]);
  const hb = new HashBits(key);
  assert.equal(hb.next(8), 0b10001000);
  assert.equal(hb.next(5), 0b10101);
  assert.equal(hb.next(5), 0b01010);
  assert.equal(hb.next(6), 0b111111);
  assert.equal(hb.next(8), 0b11111111);
  for (let i = 0; i < 28; i++) assert.notEqual(hb.next(8), -1);
  assert.equal(hb.next(1), -1);

  const last = new Uint8Array(32);
  last[31] = 1;
  const hb5 = new HashBits(last);
  for (let i = 0; i < Math.floor(256 / 5); i++) hb5.next(5);
  assert.equal(hb5.next(5), 1);
  assert.equal(hb5.next(5), -1);
});

test('bitfield is serialized as minimal big-endian bytes', () => {
  // Byte strings from the reference's bitfield serialization test.
  const node = emptyNode<CborValue>(8);
  assert.deepEqual([...encodeHamtNode(node, identityCodec)], [0x82, 0x40, 0x80]);
  setBit(node.bitmap, 0);
  assert.deepEqual([...encodeHamtNode(node, identityCodec)], [0x82, 0x41, 1, 0x80]);
  setBit(node.bitmap, 64);
  assert.deepEqual([...encodeHamtNode(node, identityCodec)], [0x82, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x80]);
});

test('KAT: empty HAMT root', () => {
  const bs = new MemoryBlockstore();
  const c = Hamt.create(bs).flush();
  assert.equal(c.toString(), EMPTY_HAMT);
  assert.equal(Hamt.load(bs, c).flush().toString(), EMPTY_HAMT);
});

test('KAT: setIfAbsent (bit width 8)', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs, { bitWidth: 8 });
  assert.equal(h.setIfAbsent(utf8('favorite-animal'), utf8('owl bear')), true);
  assert.equal(h.setIfAbsent(utf8('favorite-animal'), utf8('bright green bear')), false);
  assert.equal(h.setIfAbsent(utf8('favorite-animal'), utf8('owl bear')), false);
  const c = h.flush();
  assert.equal(c.toString(), 'bafy2bzaced2tgnlsq4n2ioe6ldy75fw3vlrrkyfv4bq6didbwoob2552zvpuk');
  const h2 = Hamt.load(bs, c, { bitWidth: 8 });
  assert.equal(h2.setIfAbsent(utf8('favorite-animal'), utf8('bright green bear')), false);
  assert.deepEqual(h2.get(utf8('favorite-animal')), utf8('owl bear'));
});

test('KAT: a set with no effect writes nothing (bit width 1)', () => {
  const bs = new CountingBlockstore();
  const h = Hamt.create(bs, { bitWidth: 1 });
  for (let i = 0; i < 30; i++) h.set(utf8(i), utf8('filler'));
  assert.equal(h.flush().toString(), 'bafy2bzacebjilcrsqa4uyxuh36gllup4rlgnvwgeywdm5yqq2ks4jrsj756qq');
  h.set(utf8('favorite-animal'), utf8('bright green bear'));
  const c2 = h.flush();
  assert.equal(c2.toString(), 'bafy2bzacea7biyabzk7v7le2rrlec5tesjbdnymh5sk4lfprxibg4rtudwtku');
  const puts = bs.puts;
  const same = utf8('bright green bear');
  const codecEquals = Hamt.load<Uint8Array>(bs, c2, {
    bitWidth: 1,
    codec: { encode: (v) => v, decode: (v) => v as Uint8Array, equals: (a, b) => hex(a) === hex(b) },
  });
  codecEquals.set(utf8('favorite-animal'), same);
  assert.equal(codecEquals.flush().toString(), c2.toString());
  assert.equal(bs.puts, puts, 'an equal value must not dirty any node');
});

test('KAT: delete (bit width 8)', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs, { bitWidth: 8 });
  h.set(utf8('foo'), utf8('cat dog bear'));
  h.set(utf8('bar'), utf8('cat dog'));
  h.set(utf8('baz'), utf8('cat'));
  assert.ok(h.has(utf8('foo')));
  const c = h.flush();
  assert.equal(c.toString(), 'bafy2bzacebql36crv4odvxzstx2ubaczmawy2tlljxezvorcsoqeyyojxkrom');
  const h2 = Hamt.load(bs, c, { bitWidth: 8 });
  assert.deepEqual(h2.delete(utf8('foo')), utf8('cat dog bear'));
  assert.equal(h2.get(utf8('foo')), undefined);
  assert.equal(h2.has(utf8('foo')), false);
  assert.equal(h2.delete(utf8('nonexistent')), undefined);
  assert.equal(h2.flush().toString(), 'bafy2bzaced7up7wkm7cirieh5bs4iyula5inrprihmjzozmku3ywvekzzmlyi');
});

test('KAT: delete the only entry gives the empty root', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs, { bitWidth: 8 });
  h.set(new Uint8Array([0]), utf8('Test data'));
  const c = h.flush();
  assert.equal(c.toString(), 'bafy2bzaceb2hikcc6tfuuuuehjstbiq356oruwx6ejyse77zupq445unranv6');
  const h2 = Hamt.load(bs, c, { bitWidth: 8 });
  assert.ok(h2.delete(new Uint8Array([0])) !== undefined);
  assert.equal(h2.get(new Uint8Array([0])), undefined);
  assert.equal(h2.flush().toString(), EMPTY_HAMT);
});

test('KAT: set and delete many (bit width 5)', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs, { bitWidth: 5 });
  for (let i = 0; i < 200; i++) h.set(utf8(i), utf8(i));
  assert.equal(h.flush().toString(), 'bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a');
  for (let i = 200; i < 400; i++) h.set(utf8(i), utf8(i));
  assert.equal(h.flush().toString(), 'bafy2bzacecxcp736xkl2mcyjlors3tug6vdlbispbzxvb75xlrhthiw2xwxvw');
  for (let i = 200; i < 400; i++) assert.ok(h.delete(utf8(i)) !== undefined);
  for (let i = 0; i < 200; i++) assert.deepEqual(h.get(utf8(i)), utf8(i));
  assert.equal(h.flush().toString(), 'bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a');
  for (let i = 0; i < 200; i++) {
    assert.ok(h.delete(utf8(i)) !== undefined);
    assert.equal(h.has(utf8(i)), false);
  }
  assert.equal([...h.entries()].length, 0);
  assert.equal(h.flush().toString(), EMPTY_HAMT);
});

test('KAT: forEach over dirty, loaded and modified trees (bit width 5)', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs);
  for (let i = 0; i < 200; i++) h.set(utf8(i), utf8(i));
  let n = 0;
  h.forEach((k, v) => {
    assert.deepEqual(k, v);
    n++;
  });
  assert.equal(n, 200);
  const c = h.flush();
  assert.equal(c.toString(), 'bafy2bzaceczhz54xmmz3xqnbmvxfbaty3qprr6dq7xh5vzwqbirlsnbd36z7a');

  const loaded = Hamt.load(bs, c);
  assert.deepEqual(
    [...loaded.entries()].map(([k]) => hex(k)),
    (() => {
      const keys: string[] = [];
      h.forEach((k) => keys.push(hex(k)));
      return keys;
    })(),
    'iteration order is the same from a dirty tree and a loaded one',
  );
  loaded.set(utf8(10), utf8('modified-10'));
  loaded.set(utf8(80), utf8('modified-80'));
  loaded.set(utf8(81), utf8('modified-81'));
  assert.ok(loaded.delete(utf8(30)) !== undefined);
  assert.equal(loaded.delete(utf8(300)), undefined);
  const seen = new Map<string, string>();
  loaded.forEach((k, v) => seen.set(Buffer.from(k).toString(), Buffer.from(v as Uint8Array).toString()));
  assert.equal(seen.size, 199);
  assert.equal(seen.get('10'), 'modified-10');
  assert.equal(seen.get('81'), 'modified-81');
  assert.equal(seen.has('30'), false);
  assert.equal(loaded.flush().toString(), 'bafy2bzacebln5j7tdfavh2qqhio6mgaoq6mm2jbmcex2ngcmi3uqlx5k3mov4');
});

test('KAT: integer values (bit width 5)', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs);
  for (let i = 0; i < 200; i++) h.set(utf8(i), i);
  const c = h.flush();
  assert.equal(c.toString(), 'bafy2bzacedy4ypl2vedhdqep3llnwko6vrtfiys5flciz2f3c55pl4whlhlqm');
  const loaded = Hamt.load(bs, c);
  assert.equal(loaded.set(utf8(10), 210), 10);
  assert.equal(loaded.delete(utf8(30)), 30);
  assert.equal(loaded.flush().toString(), 'bafy2bzacecrxqeuuk34jsrol3azfpgy35ldw4bpgsa6pdxvzj262jzpvoekye');
});

test('KAT: collapsing children keeps bucket keys ordered', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs);
  for (let i = 100; i < 195; i++) h.set(uvarint(i), 42);
  const root = h.flush();
  assert.equal(root.toString(), 'bafy2bzacebqox3gtng4ytexyacr6zmaliyins3llnhbnfbcrqmhzuhmuuawqk');
  const h2 = Hamt.load(bs, root);
  h2.delete(uvarint(104));
  h2.delete(uvarint(108));
  const root2 = h2.flush();
  assert.equal(root2.toString(), 'bafy2bzacedlyeuub3mo4aweqs7zyxrbldsq2u4a2taswubudgupglu2j4eru6');
  let n = 0;
  Hamt.load(bs, root2).forEach(() => n++);
  assert.equal(n, 93);
});

/** The reference's "identity" test hasher: the first 32 bytes of the key, zero padded. */
function identityHash(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(key.subarray(0, 32));
  return out;
}

function addAndRemoveKeys(bitWidth: number, keys: string[], extra: string[], expected: string): void {
  const bs = new MemoryBlockstore();
  const opts = { bitWidth, hashKey: identityHash };
  const h = Hamt.create(bs, opts);
  keys.forEach((k, i) => h.set(utf8(k), utf8(i)));
  const c1 = h.flush();
  const h1 = Hamt.load(bs, c1, opts);
  keys.forEach((k, i) => assert.deepEqual(h1.get(utf8(k)), utf8(i)));
  for (const k of extra) h.set(utf8(k), utf8(0));
  for (const k of extra) h.delete(utf8(k));
  const c2 = h.flush();
  assert.equal(Hamt.load(bs, c2, opts).flush().toString(), c1.toString());
  assert.equal(c1.toString(), expected);
}

test('KAT: canonical structure after add and remove (identity hash)', () => {
  addAndRemoveKeys(8, ['K'], ['B'], 'bafy2bzacecosy45hp4sz2t4o4flxvntnwjy7yaq43bykci22xycpeuj542lse');
  addAndRemoveKeys(8, ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], ['KAA4'], 'bafy2bzaceaqdaj5aqkwugr7wx4to3fahynoqlxuo5j6xznly3khazgyxihkbo');
  const kb = [
    'bafy2bzacec3cquclaqkb32cntwtizgij55b7isb4s5hv5hv5ujbbeu6clxkug',
    'bafy2bzacebj7b2jahw7nxmu6mlhkwzucjmfq7aqlj52jusqtufqtaxcma4pdm',
    'bafy2bzacedrwwndijql6lmmtyicjwyehxtgey5fhzocc43hrzhetrz25v2k2y',
  ];
  const other = [
    'bafy2bzacedbiipe7l7gbtjandyyl6rqlkuqr2im2nl7d4bljidv5mta22rjqk',
    'bafy2bzaceb3c76qlbsiv3baogpao3zah56eqonsowpkof33o5hmncfow4seso',
    'bafy2bzacebhkyrwfexokaoygsx2crydq3fosiyfoa5bthphntmicsco2xf442',
  ];
  for (let bw = 5; bw < 8; bw++) {
    addAndRemoveKeys(bw, ['K'], ['B'], kb[bw - 5]!);
    addAndRemoveKeys(bw, ['K0', 'K1', 'KAA1', 'KAA2', 'KAA3'], ['KAA4'], other[bw - 5]!);
  }
});

// ---------------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------------

test('set returns the previous value; flush is stable and caches the root', () => {
  const bs = new CountingBlockstore();
  const h = Hamt.create(bs);
  assert.equal(h.set(utf8('a'), 1), undefined);
  assert.equal(h.set(utf8('a'), 2), 1);
  assert.equal(h.get(utf8('a')), 2);
  const c = h.flush();
  const puts = bs.puts;
  assert.equal(h.flush().toString(), c.toString());
  assert.equal(bs.puts, puts, 'a clean HAMT writes nothing on flush');
  assert.equal(h.isEmpty(), false);
  assert.equal(Hamt.create(bs).isEmpty(), true);
});

test('flush re-serializes only the dirty path', () => {
  const bs = new CountingBlockstore();
  const h = Hamt.create(bs);
  for (let i = 0; i < 2000; i++) h.set(utf8(i), i);
  const c = h.flush();
  const nodes = presentHamtNodes(bs, c).length;
  assert.ok(nodes > 40, `expected a multi-level tree, got ${nodes} nodes`);
  const loaded = Hamt.load(bs, c);
  const before = bs.puts;
  loaded.set(utf8(7), 'changed');
  loaded.flush();
  const written = bs.puts - before;
  assert.ok(written >= 1 && written <= 4, `one path of at most 4 nodes, wrote ${written}`);
});

test('bit width is validated', () => {
  const bs = new MemoryBlockstore();
  assert.throws(() => Hamt.create(bs, { bitWidth: 0 }), HamtError);
  assert.throws(() => Hamt.create(bs, { bitWidth: 9 }), HamtError);
  assert.throws(() => Hamt.create(bs, { bitWidth: 2.5 }), HamtError);
});

test('hash exhaustion raises a max-depth error', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs, { bitWidth: 8, hashKey: identityHash });
  const prefix = new Uint8Array(32).fill(7);
  const key = (n: number): Uint8Array => new Uint8Array([...prefix, n]);
  for (let i = 0; i < 3; i++) h.set(key(i), i);
  assert.throws(() => h.set(key(3), 3), (e: unknown) => e instanceof HamtError && /maximum depth/.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// Strict decoding: malformed nodes are rejected with the node's CID in the message.
// ---------------------------------------------------------------------------------------------

function rejects(bs: MemoryBlockstore, root: CID, pattern: RegExp, badCid: CID = root, bitWidth = 5): void {
  assert.throws(
    () => {
      const h = Hamt.load(bs, root, { bitWidth });
      h.forEach(() => {});
    },
    (e: unknown) => {
      assert.ok(e instanceof HamtError, `expected HamtError, got ${String(e)}`);
      assert.match(e.message, pattern);
      assert.ok(e.message.includes(badCid.toString()), `message names ${badCid.toString()}: ${e.message}`);
      return true;
    },
  );
}

test('malformed nodes are rejected', () => {
  const bs = new MemoryBlockstore();
  const kv = (k: string, v: CborValue): CborValue => [utf8(k), v];
  const put = (v: unknown): CID => putCbor(bs, v);

  rejects(bs, put([new Uint8Array([0b11]), [[kv('a', 1)]]]), /1 pointers but 2 bits set/);
  rejects(bs, put([new Uint8Array([0b1]), [[]]]), /empty bucket/);
  rejects(bs, put([new Uint8Array([0b1]), [[kv('a', 1), kv('b', 2), kv('c', 3), kv('d', 4)]]]), /4 entries, more than 3/);
  rejects(bs, put([new Uint8Array([0b1]), [[kv('b', 1), kv('a', 2)]]]), /unsorted/);
  rejects(bs, put([new Uint8Array([0b1]), [[kv('a', 1), kv('a', 2)]]]), /duplicate/);
  rejects(bs, put([new Uint8Array([0b1]), [[[1, 2]]]]), /key is not a byte string/);
  rejects(bs, put([new Uint8Array([0b1]), [7]]), /neither a link nor a bucket/);
  rejects(bs, put([new Uint8Array([1, 0, 0, 0, 0, 0]), [[kv('a', 1)]]]), /slot 40, beyond the 32 slots/);
  rejects(bs, put([new Uint8Array(33).fill(1), []]), /exceeds the maximum of 32/);
  rejects(bs, put([new Uint8Array([0b1])]), /2-element array/);
  rejects(bs, put({ a: 1 }), /2-element array/);
  const rawLink = cidOf(new Uint8Array([1, 2, 3]), RAW);
  rejects(bs, put([new Uint8Array([0b1]), [rawLink]]), /not DAG-CBOR/);

  // A link to an empty node: only the root may be empty.
  const empty = put([new Uint8Array(0), []]);
  const parent = put([new Uint8Array([0b1]), [empty]]);
  rejects(bs, parent, /empty node below the root/, empty);

  // Not CBOR at all.
  const junk = new Uint8Array([0xff, 0x00]);
  const junkCid = cidOf(junk);
  bs.put(junkCid, junk);
  assert.throws(() => Hamt.load(bs, junkCid), (e: unknown) => e instanceof Error && e.message.includes(junkCid.toString()));
});

test('a value the codec rejects is reported with the node CID', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs);
  h.set(utf8('a'), 'not a number');
  const root = h.flush();
  const numbers = {
    encode: (n: number): CborValue => n,
    decode: (raw: CborValue): number => {
      if (typeof raw !== 'number') throw new Error('expected a number');
      return raw;
    },
  };
  assert.throws(
    () => Hamt.load(bs, root, { codec: numbers }),
    (e: unknown) => e instanceof HamtError && e.message.includes(root.toString()) && /expected a number/.test(e.message),
  );
});

test('a missing node is reported with its CID', () => {
  const bs = new MemoryBlockstore();
  const h = Hamt.create(bs);
  for (let i = 0; i < 100; i++) h.set(utf8(i), i);
  const root = h.flush();
  const child = presentHamtNodes(bs, root).find((n) => n.depth === 1)!.cid;
  bs.blocks.delete(child.toString());
  assert.throws(
    () => Hamt.load(bs, root).forEach(() => {}),
    (e: unknown) => e instanceof MissingBlockError && e.message.includes(child.toString()),
  );
  assert.throws(() => Hamt.load(new MemoryBlockstore(), root), MissingBlockError);
});

test('deleting from a non-canonical tree that would leave an empty node is an error', () => {
  // Child holding a single one-entry bucket: loadable, but never written by a HAMT.
  const bs = new MemoryBlockstore();
  const key = utf8('k');
  const bits = new HashBits(sha256(key));
  const slot0 = bits.next(5);
  const slot1 = bits.next(5);
  const child = putCbor(bs, [slotBitfield(slot1), [[[key, 1]]]]);
  const root = putCbor(bs, [slotBitfield(slot0), [child]]);
  const loaded = Hamt.load(bs, root);
  assert.equal(loaded.get(key), 1);
  assert.throws(() => loaded.delete(key), (e: unknown) => e instanceof HamtError && e.message.includes(child.toString()));
});

/** Minimal big-endian bytes of a bitfield with only `slot` set. */
function slotBitfield(slot: number): Uint8Array {
  let v = 1n << BigInt(slot);
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return new Uint8Array(out);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 4, max: 7 });
const valueArb: fc.Arbitrary<CborValue> = fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.uint8Array({ maxLength: 4 }));
const entriesArb = (max: number): fc.Arbitrary<[Uint8Array, CborValue][]> =>
  fc.uniqueArray(fc.tuple(keyArb, valueArb), { maxLength: max, selector: ([k]) => hex(k) });
const bitWidthArb = fc.constantFrom(1, 2, 3, 5, 8);

function build(bs: MemoryBlockstore, bitWidth: number, entries: [Uint8Array, CborValue][]): Hamt {
  const h = Hamt.create(bs, { bitWidth });
  for (const [k, v] of entries) h.set(k, v);
  return h;
}

test('property: the root CID does not depend on insertion order', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(80), fc.integer(), (bw, entries, seed) => {
      const bs = new MemoryBlockstore();
      const a = build(bs, bw, entries).flush();
      const b = build(bs, bw, shuffled(entries, seed)).flush();
      assert.equal(a.toString(), b.toString());
    }),
    { numRuns: 150 },
  );
});

test('property: inserting extra keys and deleting them again restores the canonical root', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(60), entriesArb(40), fc.boolean(), fc.integer(), (bw, base, extra, reload, seed) => {
      const bs = new MemoryBlockstore();
      const baseKeys = new Set(base.map(([k]) => hex(k)));
      const extras = extra.filter(([k]) => !baseKeys.has(hex(k)));
      const expected = build(bs, bw, base).flush();
      let h = build(bs, bw, base);
      for (const [k, v] of extras) h.set(k, v);
      if (reload) h = Hamt.load(bs, h.flush(), { bitWidth: bw });
      for (const [k, v] of shuffled(extras, seed)) assert.deepEqual(h.delete(k), v);
      assert.equal(h.flush().toString(), expected.toString());
    }),
    { numRuns: 150 },
  );
});

test('property: set then delete of one new key leaves the root unchanged', () => {
  fc.assert(
    fc.property(bitWidthArb, entriesArb(60), keyArb, valueArb, (bw, entries, key, value) => {
      fc.pre(!entries.some(([k]) => hex(k) === hex(key)));
      const bs = new MemoryBlockstore();
      const root = build(bs, bw, entries).flush();
      const h = Hamt.load(bs, root, { bitWidth: bw });
      assert.equal(h.set(key, value), undefined);
      assert.notEqual(h.flush().toString(), root.toString());
      assert.deepEqual(h.delete(key), value);
      assert.equal(h.flush().toString(), root.toString());
    }),
    { numRuns: 150 },
  );
});

type Op = { kind: 'set'; key: Uint8Array; value: CborValue } | { kind: 'delete'; key: Uint8Array } | { kind: 'flush' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
  fc.record({ kind: fc.constant('flush' as const) }),
);

test('property: behaves like a Map, and ends at the root of its reduced contents', () => {
  fc.assert(
    fc.property(bitWidthArb, fc.array(opArb, { maxLength: 150 }), (bw, ops) => {
      const bs = new MemoryBlockstore();
      let h = Hamt.create(bs, { bitWidth: bw });
      const model = new Map<string, [Uint8Array, CborValue]>();
      for (const op of ops) {
        const k = op.kind === 'flush' ? '' : hex(op.key);
        if (op.kind === 'set') {
          assert.deepEqual(h.set(op.key, op.value), model.get(k)?.[1]);
          model.set(k, [op.key, op.value]);
        } else if (op.kind === 'delete') {
          assert.deepEqual(h.delete(op.key), model.get(k)?.[1]);
          model.delete(k);
        } else {
          h = Hamt.load(bs, h.flush(), { bitWidth: bw });
        }
        if (op.kind !== 'flush') {
          assert.deepEqual(h.get(op.key), model.get(k)?.[1]);
          assert.equal(h.has(op.key), model.has(k));
        }
      }
      const got = new Map([...h.entries()].map(([key, v]) => [hex(key), v]));
      assert.deepEqual(got, new Map([...model].map(([key, [, v]]) => [key, v])));
      const fresh = build(new MemoryBlockstore(), bw, [...model.values()]).flush();
      assert.equal(h.flush().toString(), fresh.toString());
    }),
    { numRuns: 150 },
  );
});

// ---------------------------------------------------------------------------------------------
// Real data: a hygge conformance vector (partial state, as extracted for the message).
// ---------------------------------------------------------------------------------------------

const VERIFREG_VECTOR =
  '0002-hygge-01/fil_10_verifiedregistry/RemoveExpiredAllocations/Ok/ext-0002-fil_10_verifiedregistry-RemoveExpiredAllocations-Ok-1.json';

test('real data: the actors HAMT of a hygge vector', async (t) => {
  const v = await loadVector(VERIFREG_VECTOR);
  if (!v) {
    t.skip('no test vectors: see README');
    return;
  }
  const pre = stateRoot(v.bs, v.pre);
  const post = stateRoot(v.bs, v.post);
  assert.equal(pre.version, 5);

  // Every stored node re-encodes to its own CID.
  let nodes = 0;
  for (const root of [pre.actors, post.actors]) {
    for (const { cid, depth } of presentHamtNodes(v.bs, root)) {
      const node: HamtNode<CborValue> = decodeHamtNode(v.bs.get(cid)!, cid, depth, 5, identityCodec);
      assert.equal(cidOf(encodeHamtNode(node, identityCodec)).toString(), cid.toString());
      nodes++;
    }
  }
  assert.ok(nodes >= 20, `re-encoded ${nodes} nodes`);

  // Every stored entry is found by key: the sha256 paths agree with the reference's.
  const actors = Hamt.load(v.bs, pre.actors);
  const present = presentHamtEntries(v.bs, pre.actors);
  assert.ok(present.length > 200, `${present.length} actors present`);
  for (const [key, value] of present) assert.deepEqual(actors.get(key), value);

  // Replaying the message's changes on the pre-state map gives the post-state root.
  const diff = diffHamts(v.bs, pre.actors, post.actors);
  assert.ok(diff.set.length >= 2, 'the message changed at least sender and receiver');
  for (const [key, value] of diff.set) actors.set(key, value);
  for (const key of diff.deleted) actors.delete(key);
  assert.equal(actors.flush().toString(), post.actors.toString());
});

test('real data: a complete nested HAMT rebuilds to the same root in any order', async (t) => {
  const v = await loadVector(VERIFREG_VECTOR);
  if (!v) {
    t.skip('no test vectors: see README');
    return;
  }
  const actors = Hamt.load(v.bs, stateRoot(v.bs, v.pre).actors);
  // Verified registry (f06) state: [root_key, verifiers, remove_data_cap_proposal_ids, allocations, ...].
  const verifreg = asArray(actors.get(new Uint8Array([0, 6])), 'verifreg actor');
  const head = asArray(rawBlock(v.bs, asCid(verifreg[1], 'verifreg head')), 'verifreg state');
  const allocations = Hamt.load(v.bs, asCid(head[3], 'allocations'));
  // RemoveExpiredAllocations params: [client, allocation ids]; outer keys are u64 varints.
  const msg = asArray(decodeMessage(v.messages[0]!), 'message');
  const params = asArray(decodeCbor(msg[9] as Uint8Array), 'params');
  const inner = asCid(allocations.get(uvarint(params[0] as number)), 'client allocations');
  assert.equal(inner.toString(), 'bafy2bzaceacxcvzlyjzel4gdb45acgb4dj5mzr56oxntnnghtk6jbl6qlfqhw');

  const h = Hamt.load(v.bs, inner);
  const entries = [...h.entries()];
  assert.equal(entries.length, 678);
  for (const [, alloc] of entries) assert.equal(asArray(alloc, 'allocation')[0], params[0], 'allocations belong to the client');
  for (const { cid, depth } of presentHamtNodes(v.bs, inner)) {
    const node: HamtNode<CborValue> = decodeHamtNode(v.bs.get(cid)!, cid, depth, 5, identityCodec);
    assert.equal(cidOf(encodeHamtNode(node, identityCodec)).toString(), cid.toString());
  }

  for (const seed of [1, 2, 3]) {
    const bs = new MemoryBlockstore();
    const rebuilt = Hamt.create(bs);
    for (const [k, val] of shuffled(entries, seed)) rebuilt.set(k, val);
    assert.equal(rebuilt.flush().toString(), inner.toString());
    // Remove and re-add a third of them: canonical form brings back the same root.
    const third = shuffled(entries, seed + 100).slice(0, 226);
    for (const [k] of third) rebuilt.delete(k);
    assert.notEqual(rebuilt.flush().toString(), inner.toString());
    for (const [k, val] of third) rebuilt.set(k, val);
    assert.equal(rebuilt.flush().toString(), inner.toString());
  }
});

/** A vector message is a signed message [message, signature] or a bare message. */
function decodeMessage(bytes: Uint8Array): CborValue {
  const m = asArray(decodeCbor(bytes), 'message');
  return Array.isArray(m[0]) ? m[0] : m;
}
