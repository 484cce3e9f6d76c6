import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runState } from '../../src/cli/state.js';
import { buildProgram } from '../../src/cli/main.js';
import { readVector } from '../../src/conformance/vector.js';

const VECTOR = resolve(
  import.meta.dirname, '..', '..', '..', 'shared', 'test-vectors', 'corpus', 'extracted',
  '0002-hygge-01', 'fil_10_multisig', 'Propose', 'Ok', 'ext-0002-fil_10_multisig-Propose-Ok-1.json',
);

test('tsfvm state lists the actors of a hygge vector with their types from the state manifest', async (t) => {
  if (!existsSync(VECTOR)) return t.skip('no shared test vectors: see README');
  const out = await runState(VECTOR, { bundle: [] });
  assert.match(out, /^pre-state of ext-0002-fil_10_multisig-Propose-Ok-1: bafy2bzacealdoc537kdmccwdnhiis7gn2ewxrmmqcuxm7e3a6bha7w4vb6dfe/);
  assert.match(out, /\nf00\t-\tsystem\t/);
  assert.match(out, /\nf01\t-\tinit\t/);
  assert.match(out, /\tmultisig\t/);
  assert.match(out, /\nf099\t-\taccount\t/);
});

test('tsfvm state --actor shows one actor and its decoded state; unknown actors are an error', async (t) => {
  if (!existsSync(VECTOR)) return t.skip('no shared test vectors: see README');
  const out = await runState(VECTOR, { bundle: [], actor: 'f01' });
  assert.match(out, /type\s+init/);
  assert.match(out, /state\s+\[/);
  await assert.rejects(runState(VECTOR, { bundle: [], actor: 'f0999999999' }), /not found/);
});

test('tsfvm state reads a CAR file and rejects input that is not a CAR', async (t) => {
  if (!existsSync(VECTOR)) return t.skip('no shared test vectors: see README');
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-state-'));
  const car = join(dir, 'state.car');
  writeFileSync(car, gunzipSync(readVector(VECTOR).car));
  const out = await runState(car, { bundle: [], root: readVector(VECTOR).postRoot.toString() });
  assert.match(out, /actors in the input/);
  const bad = join(dir, 'bad.car');
  writeFileSync(bad, 'hello');
  await assert.rejects(runState(bad, { bundle: [] }), /not a CAR/);
});

test('tsfvm state --help explains the command', () => {
  const state = buildProgram().commands.find((c) => c.name() === 'state')!;
  const help = state.helpInformation();
  assert.match(help, /List the actors of a state tree/);
  assert.match(help, /--actor <address>/);
  assert.match(help, /--bundle <file>/);
});
