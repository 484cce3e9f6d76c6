// Known-answer tests: the reference instrumenter's own fixtures and the exact output it
// produces for them (gas: ConstantCostRules, gas module "env"; stack height: limit 1024).
// Our output must charge the same amounts at the same points and guard the same calls with
// the same costs; we check that on the charge lists and on the whole module text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModule, encodeModule } from '../../src/engine/wasm/index.js';
import { constantCostRules, injectGasMetering, injectStackLimiter } from '../../src/engine/instrument/index.js';
import { wasmText, wat } from './wasm-helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectors = resolve(repoRoot, '..', 'shared', 'wasm-instrument-vectors', 'tests');

interface FunctionText {
  readonly header: string;
  readonly lines: readonly string[];
}

function functions(text: string): FunctionText[] {
  const out: { header: string; lines: string[] }[] = [];
  for (const raw of text.split('\n')) {
    if (raw.startsWith('  (func')) out.push({ header: raw.trim(), lines: [] });
    else if (raw.startsWith('    ') && out.length > 0) out[out.length - 1]!.lines.push(raw.trim());
    else if (raw.startsWith('  (')) out.push({ header: '', lines: [] }); // end of the functions' run
  }
  return out.filter((f) => f.header !== '');
}

/** Per function: [index of the next original instruction, amount] of each gas charge. */
function gasCharges(text: string): [number, number][][] {
  const fns = functions(text);
  // The charging function is appended last; its header names its index.
  const gasFn = /\(;(\d+);\)/.exec(fns[fns.length - 1]!.header)![1];
  return fns.slice(0, -1).map((f) => {
    const charges: [number, number][] = [];
    let original = 0;
    for (let i = 0; i < f.lines.length; i++) {
      const m = /^i64\.const (-?\d+)$/.exec(f.lines[i]!);
      if (m && f.lines[i + 1] === `call ${gasFn}`) {
        charges.push([original, Number(m[1])]);
        i++;
        continue;
      }
      original++;
    }
    return charges;
  });
}

/** Per function: [callee, cost] of every call guarded by the stack limiter. */
function guardedCalls(text: string): [string, number][][] {
  return functions(text).map((f) => {
    const calls: [string, number][] = [];
    for (let i = 0; i + 10 < f.lines.length; i++) {
      const l = f.lines;
      const cost = /^i32\.const (\d+)$/.exec(l[i + 1]!);
      if (/^global\.get \d+$/.test(l[i]!) && cost && l[i + 2] === 'i32.add' && l[i + 6] === 'i32.gt_u' && l[i + 10]!.startsWith('call ')) {
        calls.push([l[i + 10]!.slice(5), Number(cost[1])]);
      }
    }
    return calls;
  });
}

function cases(kind: string): string[] {
  return readdirSync(join(vectors, 'fixtures', kind)).filter((f) => f.endsWith('.wat')).sort();
}

test('known-answer vectors of fvm-wasm-instrument', async (t) => {
  if (!existsSync(vectors)) {
    t.skip('no instrumentation vectors: see README (../shared/wasm-instrument-vectors)');
    return;
  }
  const gasCases = cases('gas');
  const stackCases = cases('stack-height');
  assert.ok(gasCases.length >= 5 && stackCases.length >= 7, 'the vector set is complete');

  for (const name of gasCases) {
    await t.test(`gas/${name}`, async () => {
      const input = await wat(readFileSync(join(vectors, 'fixtures', 'gas', name), 'utf8'));
      const expected = await wat(readFileSync(join(vectors, 'expectations', 'gas', name), 'utf8'));
      const ours = encodeModule(injectGasMetering(decodeModule(input), constantCostRules(), 'env'));
      const [oursText, theirsText] = [await wasmText(ours), await wasmText(expected)];
      assert.deepEqual(gasCharges(oursText), gasCharges(theirsText), 'same charges at the same points');
      assert.ok(gasCharges(theirsText).flat().length > 0, 'the expectation has charges');
      assert.equal(oursText, theirsText, 'same instrumented module');
    });
  }
  for (const name of stackCases) {
    await t.test(`stack-height/${name}`, async () => {
      const input = await wat(readFileSync(join(vectors, 'fixtures', 'stack-height', name), 'utf8'));
      const expected = await wat(readFileSync(join(vectors, 'expectations', 'stack-height', name), 'utf8'));
      const ours = encodeModule(injectStackLimiter(decodeModule(input), 1024));
      const [oursText, theirsText] = [await wasmText(ours), await wasmText(expected)];
      assert.deepEqual(guardedCalls(oursText), guardedCalls(theirsText), 'same guarded calls with the same costs');
      assert.equal(oursText, theirsText, 'same instrumented module');
    });
  }
});
