import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_BASE_FEE, DEFAULT_CIRC_SUPPLY, VectorError, parseVector, readVector } from '../../src/conformance/vector.js';
import { MULTISIG_PROPOSE, hyggeVector } from './fixtures.js';

/** A minimal, valid message-class vector (no CAR content needed for parsing). */
function minimal(overrides: Record<string, unknown> = {}, pre: Record<string, unknown> = {}): string {
  return JSON.stringify({
    class: 'message',
    _meta: { id: 'synthetic-1' },
    car: Buffer.from('not really a car').toString('base64'),
    preconditions: {
      variants: [{ id: 'v', epoch: 10, nv: 18 }],
      state_tree: { root_cid: { '/': 'bafy2bzacealdoc537kdmccwdnhiis7gn2ewxrmmqcuxm7e3a6bha7w4vb6dfe' } },
      ...pre,
    },
    apply_messages: [{ bytes: 'AAEC' }],
    postconditions: {
      state_tree: { root_cid: { '/': 'bafy2bzacea7swehtelscry6nviud7klqbpa34nm5aulqyqzz75xlpmili5jcm' } },
      receipts: [{ exit_code: 0, return: '', gas_used: 12 }],
    },
    ...overrides,
  });
}

test('parseVector: a real hygge vector, with its exact 89-bit circulating supply', (t) => {
  const file = hyggeVector(MULTISIG_PROPOSE);
  if (file === undefined) return t.skip('no test vectors: see README');
  const v = readVector(file);
  assert.equal(v.id, 'ext-0002-fil_10_multisig-Propose-Ok-1');
  assert.deepEqual(v.variants, [{ id: 'ohsnap', epoch: 2798743, nv: 18 }]);
  assert.equal(v.selector.minProtocolVersion, 'ohsnap');
  assert.equal(v.selector.chaosActor, undefined);
  assert.equal(v.baseFee, 421397257n);
  assert.equal(v.circSupply, 463973544302560247587615610n);
  assert.equal(v.preRoot.toString(), 'bafy2bzacealdoc537kdmccwdnhiis7gn2ewxrmmqcuxm7e3a6bha7w4vb6dfe');
  assert.equal(v.postRoot.toString(), 'bafy2bzacea7swehtelscry6nviud7klqbpa34nm5aulqyqzz75xlpmili5jcm');
  assert.equal(v.messages.length, 1);
  assert.equal(v.messages[0]![0], 0x8a, 'a 10-field CBOR tuple');
  assert.deepEqual(v.receipts.map((r) => [r.exitCode, r.gasUsed, Buffer.from(r.returnData).toString('base64')]), [[0, 29869151n, 'hBkCFvQAQA==']]);
  assert.deepEqual(v.randomness, []);
  // gzip magic: the CAR is carried compressed.
  assert.deepEqual([...v.car.subarray(0, 2)], [0x1f, 0x8b]);
  assert.equal(JSON.parse(readFileSync(file, 'utf8'))._meta.id, v.id);
});

test('parseVector: absent base fee and circulating supply take the reference defaults', () => {
  const v = parseVector(minimal());
  assert.equal(v.baseFee, DEFAULT_BASE_FEE);
  assert.equal(v.baseFee, 100n);
  assert.equal(v.circSupply, DEFAULT_CIRC_SUPPLY);
  assert.equal(v.circSupply, 2_000_000_000_000_000_000_000_000_000n);
  assert.deepEqual(v.selector, { chaosActor: undefined, minProtocolVersion: undefined, consensusFault: undefined });
});

test('parseVector: selector and randomness entries', () => {
  const v = parseVector(
    minimal({
      selector: { chaos_actor: 'true', 'requires:consensus_fault_extern': 'true', min_protocol_version: 'chocolate' },
      randomness: [
        { on: ['chain', 5], ret: Buffer.alloc(32, 1).toString('base64') },
        { on: ['beacon', 7], ret: Buffer.alloc(32, 2).toString('base64') },
      ],
    }),
  );
  assert.deepEqual(v.selector, { chaosActor: 'true', minProtocolVersion: 'chocolate', consensusFault: 'true' });
  assert.deepEqual(
    v.randomness.map((r) => [r.kind, r.epoch, r.value[0]]),
    [
      ['chain', 5, 1],
      ['beacon', 7, 2],
    ],
  );
});

test('parseVector: broken vectors are VectorErrors naming the problem and the file', () => {
  const cases: [string, RegExp][] = [
    ['{"class": "message",', /f\.json: not JSON/],
    [minimal({ class: 'tipset' }), /unsupported vector class "tipset"/],
    [minimal({ apply_messages: undefined }), /missing field "apply_messages"/],
    [minimal({}, { state_tree: { root_cid: { '/': 'nope' } } }), /pre-state root is not a valid CID/],
    [minimal({}, { variants: [] }), /no variants/],
    [minimal({}, { basefee: 'lots' }), /basefee is not an integer/],
    [minimal({ randomness: [{ on: ['moon', 1], ret: '' }] }), /randomness 0: "on" must be/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseVector(text, 'f.json'), (err: unknown) => err instanceof VectorError && re.test(err.message), String(re));
  }
});
