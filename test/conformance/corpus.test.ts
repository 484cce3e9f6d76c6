import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listVectorFiles } from '../../src/conformance/files.js';
import { checkVectorFile, emptyTotals, formatTotals } from '../../src/conformance/corpus-check.js';
import { parseVector } from '../../src/conformance/vector.js';

const CORPUS = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'test-vectors', 'corpus', 'extracted');

test('every vector of the shared corpus: states load, actors decode, messages and blocks re-encode byte-identically', (t) => {
  if (!existsSync(CORPUS)) return t.skip('no shared test vectors: see README');
  const totals = emptyTotals();
  for (const file of listVectorFiles([CORPUS])) checkVectorFile(file, totals);
  t.diagnostic(formatTotals(totals));
  assert.deepEqual(totals.problems, []);
  assert.equal(totals.vectors, 377);
  assert.equal(totals.stateTrees, 754);
  assert.equal(totals.messages, 377);
  assert.ok(totals.actors > 100_000);
});

test('broken vector files are refused with a reason naming the file', () => {
  assert.throws(() => parseVector('{', 'a.json'), /a\.json: not JSON/);
  assert.throws(() => parseVector('{"class":"tipset"}', 'b.json'), /b\.json: unsupported vector class "tipset"/);
  assert.throws(
    () => parseVector('{"class":"message","_meta":{"id":"x"},"preconditions":{}}', 'c.json'),
    /c\.json: missing field "postconditions"/,
  );
});

test('integers beyond 2^53 in vector JSON are read exactly', () => {
  const doc = {
    class: 'message',
    _meta: { id: 'x' },
    car: '',
    preconditions: { variants: [{ id: 'v', epoch: 1, nv: 18 }], state_tree: { root_cid: { '/': 'bafy2bzacealdoc537kdmccwdnhiis7gn2ewxrmmqcuxm7e3a6bha7w4vb6dfe' } }, basefee: 100, circ_supply: 0 },
    apply_messages: [],
    postconditions: { state_tree: { root_cid: { '/': 'bafy2bzacealdoc537kdmccwdnhiis7gn2ewxrmmqcuxm7e3a6bha7w4vb6dfe' } }, receipts: [] },
  };
  const text = JSON.stringify(doc).replace('"circ_supply":0', '"circ_supply":463973544302560247587615610');
  assert.equal(parseVector(text).circSupply, 463973544302560247587615610n);
});
