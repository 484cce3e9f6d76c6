// npm run corpus [PATH...]: decode every conformance vector's states and messages and check
// byte-exact re-encoding. Defaults to ../shared/test-vectors/corpus/extracted.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { listVectorFiles } from '../src/conformance/files.js';
import { checkVectorFile, emptyTotals, formatTotals } from '../src/conformance/corpus-check.js';

const paths = process.argv.slice(2);
if (paths.length === 0) paths.push(resolve(import.meta.dirname, '..', '..', 'shared', 'test-vectors', 'corpus', 'extracted'));
for (const p of paths) {
  if (!existsSync(p)) {
    console.error(`corpus-check: ${p} does not exist (the shared test vectors sit beside the repository)`);
    process.exit(2);
  }
}
const totals = emptyTotals();
const started = performance.now();
for (const file of listVectorFiles(paths)) {
  try {
    checkVectorFile(file, totals);
  } catch (err) {
    totals.mismatches++;
    totals.problems.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
for (const p of totals.problems.slice(0, 20)) console.log(`MISMATCH ${p}`);
console.log(`${totals.actors} actors, ${totals.hamtNodes} actor-HAMT nodes, ${totals.blocks} blocks re-encoded`);
console.log(formatTotals(totals));
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
process.exit(totals.mismatches === 0 ? 0 : 1);
