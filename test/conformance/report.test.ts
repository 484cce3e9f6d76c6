import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { Address } from '../../src/primitives/address.js';
import type { ExecutionTrace } from '../../src/call/trace.js';
import {
  type VariantResult,
  formatExecutionTrace,
  formatResultLine,
  formatSummaryLine,
  reportToJson,
  summarize,
  variantId,
} from '../../src/conformance/report.js';

function result(status: VariantResult['status'], id: string, extra: Partial<VariantResult> = {}): VariantResult {
  return { id, vectorId: id.split('/')[0]!, variantId: id.split('/')[1] ?? '', file: `${id}.json`, status, messages: [], setupNs: 10, compileNs: 0, ...extra };
}

test('result lines and the closing summary line', () => {
  assert.equal(variantId('ext-0002-x-1', 'ohsnap'), 'ext-0002-x-1/ohsnap');
  assert.equal(formatResultLine(result('pass', 'a/v')), 'PASS a/v');
  assert.equal(formatResultLine(result('fail', 'b/v', { reason: 'message 0: gas used expected 5, got 6 (+1)' })), 'FAIL b/v: message 0: gas used expected 5, got 6 (+1)');
  // Reasons stay on one line.
  assert.equal(formatResultLine(result('skip', 'c/v', { reason: 'first\n  second' })), 'SKIP c/v: first second');
  const all = [result('pass', 'a/v'), result('pass', 'a/w'), result('fail', 'b/v', { reason: 'x' }), result('skip', 'c/v', { reason: 'y' })];
  assert.deepEqual(summarize(all), { passed: 2, failed: 1, skipped: 1 });
  assert.equal(formatSummaryLine(summarize(all)), '2 passed, 1 failed, 1 skipped');
  assert.equal(formatSummaryLine(summarize([])), '0 passed, 0 failed, 0 skipped');
});

test('JSON report: per-message gas and timings, per-variant setup and compile time', () => {
  const post = cidOf(encodeCbor(['post']));
  const r = result('fail', 'vec/v', {
    reason: 'gas',
    setupNs: 1500,
    compileNs: 2500,
    postRootExpected: post,
    messages: [
      { index: 0, exitCodeExpected: 0, exitCode: 0, returnMatches: true, gasExpected: 29869151n, gasUsed: 29869152n, computeMilligas: 1234567n, execNs: 42 },
      { index: 1, exitCodeExpected: 16, exitCode: 16, returnMatches: false, gasExpected: 1n, gasUsed: 1n, computeMilligas: undefined, execNs: 7 },
    ],
  });
  const json = JSON.parse(JSON.stringify(reportToJson([r], 99))) as ReturnType<typeof reportToJson>;
  assert.deepEqual(json.summary, { passed: 0, failed: 1, skipped: 0 });
  assert.equal(json.total_ns, 99);
  const v = json.results[0]!;
  assert.deepEqual([v.id, v.vector, v.variant, v.status, v.reason, v.setup_ns, v.compile_ns], ['vec/v', 'vec', 'v', 'fail', 'gas', 1500, 2500]);
  assert.equal(v.post_root_expected, post.toString());
  assert.equal(v.post_root_actual, null);
  assert.deepEqual(v.messages[0], {
    index: 0,
    exit_code_expected: 0,
    exit_code: 0,
    return_matches: true,
    gas_expected: 29869151,
    gas_used: 29869152,
    compute_gas: 1234.567,
    compute_milligas: 1234567,
    exec_ns: 42,
  });
  assert.equal(v.messages[1]!.compute_gas, null);
  // Values beyond 2^53 stay exact as strings.
  const big = reportToJson([result('pass', 'b/v', { messages: [{ ...r.messages[0]!, gasUsed: 2n ** 60n }] })], 0);
  assert.equal(big.results[0]!.messages[0]!.gas_used, '1152921504606846976');
});

test('execution trace: charges in order, indented call tree, totals by charge name', () => {
  const code = CID.parse('bafk2bzacedfvut2myeleyq67fljcrw4kkmn5pb5dpyozovj7jpoez5irnc3ro');
  const charge = (name: string, compute: bigint, other: bigint) =>
    ({ type: 'gas_charge', charge: { name, compute, other, total: compute + other, outOfGas: false } }) as const;
  const trace: ExecutionTrace = [
    charge('OnChainMessage', 38_863_000n, 0n),
    { type: 'call', from: 100n, to: Address.newId(1000n), method: 2n, params: { codec: 0x51n, data: Uint8Array.of(0x80) }, value: 0n, gasLimit: 10_000_000n, readOnly: false },
    { type: 'invoke_actor', code },
    charge('wasm_exec', 1_500n, 0n),
    charge('OnBlockRead', 500n, 250n),
    { type: 'call_return', exitCode: 0, data: undefined },
  ];
  const text = formatExecutionTrace(trace, { codeName: (c) => (c.equals(code) ? 'multisig' : undefined) });
  assert.deepEqual(text.split('\n').slice(0, 6), [
    'charge OnChainMessage 38863.000 (compute 38863.000, other 0)',
    'call f0100 → f01000 method 2 value 0 gas_limit 10000000, params 0x80',
    `  invoke multisig ${code.toString()}`,
    '  charge wasm_exec 1.500 (compute 1.500, other 0)',
    '  charge OnBlockRead 0.750 (compute 0.500, other 0.250)',
    'return exit 0 (OK), no return',
  ]);
  assert.match(text, /charges by name \(count, total gas, compute gas\):\n  OnChainMessage +1 +38863\.000 +38863\.000/);
});
