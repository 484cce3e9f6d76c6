import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import {
  Address,
  type ActorState,
  FieldError,
  Protocol,
  StateTreeVersion,
  actorStateFromCbor,
  decodeActorState,
  encodeActorState,
  newEmptyActor,
  EMPTY_ARRAY_CID,
  stateTreeVersionFor,
} from '../../src/primitives/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectorsDir = resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const CODE = CID.parse('bafk2bzacecqi7vlxsl4oqj6ynhgpcmrqwumtg4wcilp5ffdwb3eoqgs4ajfnc');

test('EMPTY_ARRAY_CID is the reference constant', () => {
  assert.equal(EMPTY_ARRAY_CID.toString(), 'bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a');
});

test('actor state tuples: 5 fields in state-tree v5, 4 before', () => {
  const actor: ActorState = { ...newEmptyActor(CODE), sequence: 3n, balance: 256n };
  const v5 = encodeActorState(actor);
  const v4 = encodeActorState(actor, StateTreeVersion.V4);
  // tag 42, then a 39-byte string: the 0x00 multibase prefix and the 38-byte binary CID
  const cid = (c: CID): string => {
    assert.equal(c.bytes.length, 38);
    return `d82a5827${'00'}${hex(c.bytes)}`;
  };
  // [code, head, 3, h'000100', null] / [code, head, 3, h'000100']
  assert.equal(hex(v5), `85${cid(CODE)}${cid(EMPTY_ARRAY_CID)}0343000100f6`);
  assert.equal(hex(v4), `84${cid(CODE)}${cid(EMPTY_ARRAY_CID)}0343000100`);
  assert.deepEqual(decodeActorState(v5), actor);
  assert.deepEqual(decodeActorState(v4), actor);
  assert.throws(() => decodeActorState(v4, 'actor f01', StateTreeVersion.V5), /actor f01.*5 elements, got 4/);
  assert.throws(() => decodeActorState(v5, 'actor f01', StateTreeVersion.V3), /4 elements, got 5/);

  const f4 = Address.newDelegated(10n, new Uint8Array(20).fill(0x11));
  const withAddr = { ...actor, delegatedAddress: f4 };
  const back = decodeActorState(encodeActorState(withAddr));
  assert.ok(back.delegatedAddress?.equals(f4));
  assert.throws(() => encodeActorState(withAddr, StateTreeVersion.V4), /no delegated address/);
});

test('decodeActorState rejects malformed entries, naming the field', () => {
  const bad = (fields: unknown[], re: RegExp): void => {
    assert.throws(() => decodeActorState(encodeCbor(fields), 'actor 7'), (e: unknown) => e instanceof FieldError && re.test(e.message));
  };
  const ok = [CODE, EMPTY_ARRAY_CID, 0, new Uint8Array(0), null];
  bad(ok.slice(0, 3), /actor 7.*got 3/);
  bad([new Uint8Array(3), ...ok.slice(1)], /actor 7\.code.*CID/);
  bad([CODE, 'x', ...ok.slice(2)], /actor 7\.head/);
  bad([CODE, EMPTY_ARRAY_CID, -1, ...ok.slice(3)], /actor 7\.sequence/);
  bad([CODE, EMPTY_ARRAY_CID, 0, Uint8Array.from([5]), null], /actor 7\.balance.*sign/);
  bad([CODE, EMPTY_ARRAY_CID, 0, new Uint8Array(0), Uint8Array.from([9, 9])], /actor 7\.delegatedAddress.*unknown protocol/);
  bad([CODE, EMPTY_ARRAY_CID, 0, new Uint8Array(0), 5], /actor 7\.delegatedAddress.*byte string/);
  assert.throws(() => encodeActorState({ ...newEmptyActor(CODE), sequence: -1n }), FieldError);
});

test('property: actor states round trip in both layouts', () => {
  const arbCid = fc.constantFrom(CODE, EMPTY_ARRAY_CID);
  fc.assert(
    fc.property(
      arbCid,
      arbCid,
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
      fc.option(fc.uint8Array({ maxLength: 54 }).map((s) => Address.newDelegated(10n, s)), { nil: null }),
      (code, head, sequence, balance, delegatedAddress) => {
        const a: ActorState = { code, head, sequence, balance, delegatedAddress };
        const back = decodeActorState(encodeActorState(a), 'a', StateTreeVersion.V5);
        assert.equal(back.sequence, sequence);
        assert.equal(back.balance, balance);
        assert.equal(back.delegatedAddress?.key() ?? null, delegatedAddress?.key() ?? null);
        assert.ok(back.code.equals(code) && back.head.equals(head));
        const old = decodeActorState(encodeActorState({ ...a, delegatedAddress: null }, StateTreeVersion.V4), 'a', StateTreeVersion.V4);
        assert.equal(old.balance, balance);
      },
    ),
    { numRuns: 300 },
  );
});

function* jsonFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* jsonFiles(p);
    else if (name.endsWith('.json')) yield p;
  }
}

interface Vector {
  car: string;
  preconditions: { variants: { nv: number }[]; state_tree: { root_cid: { '/': string } } };
}

test('actor states in the vectors decode and re-encode byte for byte (HAMT walk of the pre-state)', (t) => {
  if (!existsSync(vectorsDir)) {
    t.skip('no test vectors: see README');
    return;
  }
  let actors = 0;
  let delegated = 0;
  let eth = 0;
  for (const corpus of ['0001-shark-01', '0002-hygge-01']) {
    let taken = 0;
    for (const file of jsonFiles(join(vectorsDir, corpus))) {
      if (taken++ === 3) break;
      const v = JSON.parse(readFileSync(file, 'utf8')) as Vector;
      const car = CarBufferReader.fromBytes(gunzipSync(Buffer.from(v.car, 'base64')));
      const blocks = new Map(car.blocks().map((b) => [b.cid.toString(), b.bytes]));
      const get = (c: CID): unknown => decodeCbor(blocks.get(c.toString())!, c.toString());
      const root = get(CID.parse(v.preconditions.state_tree.root_cid['/'])) as [number, CID, CID];
      const nv = v.preconditions.variants[0]!.nv;
      // The state root's own version field agrees with our network-version mapping.
      assert.equal(root[0], stateTreeVersionFor(nv), file);
      const version = root[0] as StateTreeVersion;
      // HAMT node: [bitfield, pointers]; a pointer is a link or a bucket of [key, value].
      const walk = (node: unknown): void => {
        const [, pointers] = node as [Uint8Array, unknown[]];
        for (const p of pointers) {
          const link = CID.asCID(p);
          if (link !== null) {
            if (blocks.has(link.toString())) walk(get(link));
            continue;
          }
          for (const [key, value] of p as [Uint8Array, unknown][]) {
            const addr = Address.fromBytes(key);
            assert.equal(addr.protocol, Protocol.ID, 'actors HAMT keys are ID addresses');
            const actor = actorStateFromCbor(value, `actor ${addr.toString()}`, version);
            assert.equal(hex(encodeActorState(actor, version)), hex(encodeCbor(value)), `actor ${addr.toString()} in ${file}`);
            actors++;
            if (actor.delegatedAddress !== null) {
              delegated++;
              if (actor.delegatedAddress.isEthAddress()) eth++;
            }
          }
        }
      };
      walk(get(root[1]));
    }
  }
  t.diagnostic(`${actors} actor states re-encoded (${delegated} with delegated addresses, ${eth} f410)`);
  assert.ok(actors > 100);
  assert.ok(delegated > 0, 'hygge vectors hold f4 actors');
});
