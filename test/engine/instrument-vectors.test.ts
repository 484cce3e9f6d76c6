// Known-answer tests: the reference instrumenter's own fixtures and the exact output it
// produces for them (gas: ConstantCostRules, gas module "env"; stack height: limit 1024).
// Our output must charge the same amounts at the same points and guard the same calls with
// the same costs; we check that on the charge lists and on the whole module text. Charges
// written in place (the engine's default) are checked against the same expectations: same
// charges, same points, the code around them unchanged.
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

/** A line without the parentheses closing the function or module that wabt appends to it. */
function withoutClosers(line: string): string {
  let open = 0;
  for (const c of line) open += c === '(' ? 1 : c === ')' ? -1 : 0;
  return open < 0 ? line.slice(0, line.length + open) : line;
}

/**
 * The number of lines of the check closing a charge at line i (0 if there is none): the new
 * value stored in the counter, read back (from the counter or a scratch local) and compared
 * with 0, and a trap if it is negative.
 */
function checkLength(l: readonly string[], i: number, counter: string): number {
  const scratch = /^local\.tee (\d+)$/.exec(l[i] ?? '');
  const at = scratch ? i + 1 : i;
  const stored = l[at] === `global.set ${counter}` && l[at + 1] === (scratch ? `local.get ${scratch[1]}` : `global.get ${counter}`);
  const traps = l[at + 2] === 'i64.const 0' && l[at + 3] === 'i64.lt_s' && /^if\b/.test(l[at + 4] ?? '') && l[at + 5] === 'unreachable' && l[at + 6] === 'end';
  return stored && traps ? at + 7 - i : 0;
}

interface MeteredFunction {
  readonly header: string;
  /** [index of the next original instruction, amount] of each fixed gas charge. */
  readonly charges: [number, number][];
  /** [index of the instruction charged for, price per unit] of each operand-priced charge. */
  readonly operandCharges: [number, number][];
  /** Types of the declared locals. */
  readonly locals: string[];
  /** The function's code without its charges and local declarations. */
  readonly rest: string[];
}

/**
 * The charges of every function of an instrumented module, in either form: a call of the
 * charging function (recognised by its body, which is left out of the result), or the same
 * subtract-and-check on the counter written in place.
 */
function metered(text: string): MeteredFunction[] {
  const counter = /\(import "[^"]*" "gas_counter" \(global \(;(\d+);\)/.exec(text)?.[1];
  assert.ok(counter !== undefined, 'the module imports the gas counter');
  const fns = functions(text).map((f) => ({ header: f.header, lines: f.lines.map(withoutClosers) }));
  const helperBody = ['global.get', 'local.get 0', 'i64.sub'].map((x, k) => (k === 0 ? `${x} ${counter}` : x));
  const isHelper = (f: FunctionText): boolean =>
    f.header.endsWith('(param i64)') && f.lines.length === 10 && helperBody.every((x, k) => f.lines[k] === x) && checkLength(f.lines, 3, counter) === 7;
  const helper = fns.find(isHelper);
  const helperIndex = helper ? /\(;(\d+);\)/.exec(helper.header)![1] : undefined;
  return fns
    .filter((f) => f !== helper)
    .map((f) => {
      const l = f.lines.map(withoutClosers);
      const charges: [number, number][] = [];
      const operandCharges: [number, number][] = [];
      const rest: string[] = [];
      const locals: string[] = [];
      for (let i = 0; i < l.length; i++) {
        if (l[i]!.startsWith('(local ')) {
          locals.push(...l[i]!.slice(7, -1).split(' '));
          continue;
        }
        const check = (at: number): number => checkLength(l, at, counter);
        const fixed = /^i64\.const (-?\d+)$/.exec(l[i + 1] ?? '');
        if (helperIndex !== undefined && /^i64\.const -?\d+$/.test(l[i]!) && l[i + 1] === `call ${helperIndex}`) {
          charges.push([rest.length, Number(/-?\d+$/.exec(l[i]!)![0])]);
          i += 1;
          continue;
        }
        if (l[i] === `global.get ${counter}` && fixed && l[i + 2] === 'i64.sub' && check(i + 3) > 0) {
          charges.push([rest.length, Number(fixed[1])]);
          i += 2 + check(i + 3);
          continue;
        }
        // Operand-priced: `local.tee t`, then the product operand × unit charged either way.
        const tee = /^local\.tee (\d+)$/.exec(l[i]!);
        if (tee) {
          const product = (k: number): number | undefined => {
            const unit = /^i64\.const (\d+)$/.exec(l[k + 2] ?? '');
            return l[k] === `local.get ${tee[1]}` && l[k + 1] === 'i64.extend_i32_u' && unit && l[k + 3] === 'i64.mul' ? Number(unit[1]) : undefined;
          };
          const viaHelper = product(i + 1);
          if (helperIndex !== undefined && viaHelper !== undefined && l[i + 5] === `call ${helperIndex}`) {
            operandCharges.push([rest.length, viaHelper]);
            i += 5;
            continue;
          }
          const inPlace = l[i + 1] === `global.get ${counter}` ? product(i + 2) : undefined;
          if (inPlace !== undefined && l[i + 6] === 'i64.sub' && check(i + 7) > 0) {
            operandCharges.push([rest.length, inPlace]);
            i += 6 + check(i + 7);
            continue;
          }
        }
        rest.push(l[i]!);
      }
      return { header: f.header, charges, operandCharges, locals, rest };
    });
}

/** Per function: [index of the next original instruction, amount] of each gas charge. */
function gasCharges(text: string): [number, number][][] {
  return metered(text).map((f) => f.charges);
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
      const theirsText = await wasmText(expected);
      assert.ok(gasCharges(theirsText).flat().length > 0, 'the expectation has charges');
      // The reference's own form, byte for byte.
      const asHelper = encodeModule(injectGasMetering(decodeModule(input), constantCostRules(), 'env', { chargeForm: 'helper' }));
      const helperText = await wasmText(asHelper);
      assert.deepEqual(gasCharges(helperText), gasCharges(theirsText), 'helper form: same charges at the same points');
      assert.equal(helperText, theirsText, 'helper form: same instrumented module');
      // The form the engine runs: the same charges written in place, the rest unchanged.
      const inline = encodeModule(injectGasMetering(decodeModule(input), constantCostRules(), 'env'));
      const inlineText = await wasmText(inline);
      assert.equal(functions(inlineText).length, functions(theirsText).length - 1, 'inline form: no charging function');
      const [oursFns, theirsFns] = [metered(inlineText), metered(theirsText)];
      // A function with charges may have one more local, an i64 scratch for the check.
      const withoutScratch = (f: MeteredFunction, k: number): MeteredFunction => {
        const extra = f.locals.length - theirsFns[k]!.locals.length;
        assert.ok(extra === 0 || (extra === 1 && f.locals.at(-1) === 'i64' && f.charges.length > 0), `function ${k}: at most an i64 scratch local more`);
        return { ...f, locals: f.locals.slice(0, theirsFns[k]!.locals.length) };
      };
      assert.equal(oursFns.length, theirsFns.length, 'inline form: the same functions');
      assert.deepEqual(oursFns.map(withoutScratch), theirsFns, 'inline form: same charges at the same points, same code around them');
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
