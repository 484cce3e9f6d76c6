// The conformance ratchet: every vector variant listed in passing.txt must keep passing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listVectorFiles } from '../../src/conformance/files.js';
import { formatResultLine } from '../../src/conformance/report.js';
import { BundleLibrary, ConformanceRunner, NoBundlesError, type RunResult } from '../../src/conformance/runner.js';
import { corpusDir, repoRoot } from './fixtures.js';

function listedIds(): string[] {
  const text = readFileSync(join(repoRoot, 'test', 'conformance', 'passing.txt'), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

test('passing.txt is well-formed: unique <vector>/<variant> ids', () => {
  const ids = listedIds();
  assert.ok(ids.length > 0);
  assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  for (const id of ids) assert.match(id, /^[\w.-]+\/[\w.-]+$/, id);
});

test('ratchet: every vector variant in passing.txt still passes', { timeout: 600_000 }, (t) => {
  if (!existsSync(corpusDir)) return t.skip('no test vectors (../shared/test-vectors): see README');
  let bundles: BundleLibrary;
  try {
    bundles = BundleLibrary.fromDirectory();
  } catch (err) {
    if (err instanceof NoBundlesError) return t.skip('no bundles: see README');
    throw err;
  }
  const ids = listedIds();
  // Vector files are named after their vector id.
  const wantedVectors = new Set(ids.map((id) => id.slice(0, id.lastIndexOf('/'))));
  const files = listVectorFiles([corpusDir]).filter((f) => wantedVectors.has(basename(f, '.json')));
  const runner = new ConformanceRunner(bundles);
  const results = new Map<string, RunResult>();
  for (const f of files) for (const r of runner.runFile(f)) results.set(r.id, r);

  const problems: string[] = [];
  for (const id of ids) {
    const r = results.get(id);
    if (r === undefined) problems.push(`${id}: not found under ${corpusDir}`);
    else if (r.status !== 'pass') problems.push(formatResultLine(r));
  }
  t.diagnostic(`${ids.length - problems.length}/${ids.length} listed variants pass`);
  assert.deepEqual(problems, [], `regressions:\n${problems.join('\n')}`);
});
