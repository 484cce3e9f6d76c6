// Helpers of the benchmark script: statistics, vector classes, gas totals, profile summaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spread, perNs, opsPerSecond, table } from '../../src/bench/stats.js';
import { computeGasPerNs, gasUsedPerNs, totalsByClass, vectorClass, type MessageSample } from '../../src/bench/corpus.js';
import { summarizeCpuProfile } from '../../src/bench/cpuprofile.js';

test('spread: min, median (odd and even counts), max', () => {
  assert.deepEqual(spread([5, 1, 3]), { min: 1, median: 3, max: 5 });
  assert.deepEqual(spread([4, 1, 3, 10]), { min: 1, median: 3.5, max: 10 });
  assert.deepEqual(spread([7]), { min: 7, median: 7, max: 7 });
  assert.throws(() => spread([]), RangeError);
  assert.throws(() => spread([1, NaN]), RangeError);
});

test('perNs keeps precision for gas amounts beyond 2^53', () => {
  assert.equal(perNs(10n ** 18n, 1e9), 1e9);
  assert.equal(perNs(2n ** 53n + 1n, 1), 2 ** 53);
  assert.equal(perNs(5n, 0), 0);
  assert.equal(opsPerSecond(3, 1e9), 3);
});

test('vector classes come from the fil_<v>_<actor> folder', () => {
  const root = '../shared/test-vectors/corpus/extracted/0002-hygge-01';
  assert.equal(vectorClass(`${root}/fil_10_storageminer/SubmitWindowedPoSt/Ok/ext-0002-fil_10_storageminer-SubmitWindowedPoSt-Ok-1.json`), 'miner');
  assert.equal(vectorClass(`${root}/fil_10_storagemarket/PublishStorageDeals/Ok/x.json`), 'market');
  assert.equal(vectorClass(`${root}/fil_10_storagepower/CreateMiner/Ok/x.json`), 'power');
  assert.equal(vectorClass(`${root}/fil_10_multisig/Propose/Ok/x.json`), 'multisig');
  assert.equal(vectorClass(`${root}/fil_10_verifiedregistry/AddVerifiedClient/Ok/x.json`), 'verifreg');
  assert.equal(vectorClass('/somewhere/else.json'), 'other');
});

test('totals per class and gas per ns; messages missing from the traced run are counted', () => {
  const samples: MessageSample[] = [
    { key: 'a#0', cls: 'miner', execNs: 1000, gasUsed: 20_000n, matched: true },
    { key: 'b#0', cls: 'miner', execNs: 3000, gasUsed: 20_000n, matched: true },
    { key: 'c#0', cls: 'market', execNs: 2000, gasUsed: 4_000n, matched: false },
  ];
  const compute = new Map([
    ['a#0', 8_000_000n], // milligas
    ['b#0', 12_000_000n],
  ]);
  const { all, byClass } = totalsByClass(samples, compute);
  assert.equal(all.messages, 3);
  assert.equal(all.execNs, 6000);
  assert.equal(all.gasUsed, 44_000n);
  assert.equal(all.computeMilligas, 20_000_000n);
  assert.equal(all.missingCompute, 1);
  const miner = byClass.get('miner')!;
  assert.equal(computeGasPerNs(miner), 20_000 / 4000);
  assert.equal(gasUsedPerNs(miner), 40_000 / 4000);
  assert.equal(byClass.get('market')!.missingCompute, 1);
});

test('profile summary: self time from sample deltas, merged per function', () => {
  const profile = {
    startTime: 0,
    endTime: 100,
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
      { id: 2, callFrame: { functionName: 'hot', url: 'file:///x/a.js', lineNumber: 9 }, children: [4] },
      { id: 3, callFrame: { functionName: 'cold', url: 'file:///x/b.js', lineNumber: 0 } },
      { id: 4, callFrame: { functionName: 'hot', url: 'file:///x/a.js', lineNumber: 9 } },
    ],
    samples: [2, 4, 3, 2],
    timeDeltas: [10_000, 20_000, 5_000, 15_000],
  };
  const s = summarizeCpuProfile(profile, 10, '/x');
  assert.equal(s.totalMs, 50);
  assert.equal(s.top[0]!.frame, 'hot (a.js:10)');
  assert.equal(s.top[0]!.selfMs, 45);
  assert.equal(s.top[1]!.frame, 'cold (b.js:1)');
  assert.equal(s.top[1]!.share, 0.1);
  assert.throws(() => summarizeCpuProfile({ nothing: true }), /not a V8 CPU profile/);
});

test('table aligns columns', () => {
  const t = table([
    ['name', 'ops/s'],
    ['a', '12'],
    ['longer', '3,456'],
  ]).split('\n');
  assert.equal(t.length, 4);
  assert.equal(t[2], 'a          12');
  assert.equal(t[3], 'longer  3,456');
});
