import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformanceCommand, runConformance, EXIT_USAGE } from '../../src/cli/conformance.js';
import {
  BundleLibrary,
  ConformanceRunner,
  LayeredBlockstore,
  NoBundlesError,
  SECP_SIGNATURE_OVERHEAD,
  chainMessageLength,
  skipReason,
  stateManifestCid,
} from '../../src/conformance/runner.js';
import { readVector } from '../../src/conformance/vector.js';
import { gunzipSync } from 'node:zlib';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { importCarSync } from '../../src/ipld/car.js';
import { Address } from '../../src/primitives/address.js';
import { decodeMessage, encodeMessage } from '../../src/primitives/message.js';
import { DISPUTE_OK, MULTISIG_PROPOSE, hyggeVector, v10Bundle } from './fixtures.js';

const selector = { chaosActor: undefined, minProtocolVersion: undefined, consensusFault: undefined };

test('skip rules: the DisputeWindowedPoSt/Ok path and unsupported selectors, as the reference runner', () => {
  assert.match(skipReason({ file: `corpus/0002-hygge-01/${DISPUTE_OK}`, selector })!, /treats every proof as valid/);
  assert.match(skipReason({ file: 'c:\\v\\fil_10_storageminer\\DisputeWindowedPoSt\\Ok\\x.json', selector })!, /every proof as valid/);
  assert.equal(skipReason({ file: 'corpus/fil_10_storageminer/DisputeWindowedPoSt/16/x.json', selector }), undefined);
  assert.equal(skipReason({ file: `corpus/${MULTISIG_PROPOSE}`, selector: { ...selector, minProtocolVersion: 'ohsnap' } }), undefined);
  assert.match(skipReason({ file: 'a.json', selector: { ...selector, chaosActor: 'true' } })!, /chaos actor/);
  assert.match(skipReason({ file: 'a.json', selector: { ...selector, consensusFault: 'true' } })!, /consensus-fault extern/);
  assert.match(skipReason({ file: 'a.json', selector: { ...selector, minProtocolVersion: 'chocolate' } })!, /chocolate/);
});

test('inclusion length: secp256k1 senders pay for the signature (65 bytes + 4 of framing)', (t) => {
  assert.equal(SECP_SIGNATURE_OVERHEAD, 69);
  const file = hyggeVector(MULTISIG_PROPOSE);
  if (file === undefined) return t.skip('no test vectors: see README');
  const bytes = readVector(file).messages[0]!;
  const msg = decodeMessage(bytes);
  assert.equal(msg.from.protocol, 1, 'an f1 sender');
  assert.equal(chainMessageLength(bytes, msg), Buffer.from(bytes).length + 69);
  // The same message from an ID address: the unsigned length.
  const fromId = { ...msg, from: Address.newId(1234n) };
  const idBytes = encodeMessage(fromId);
  assert.equal(chainMessageLength(idBytes, fromId), idBytes.length);
});

test('layered blockstore: reads fall through, writes land on top only', () => {
  const top = new MemoryBlockstore();
  const bottom = new MemoryBlockstore();
  const low = putCbor(bottom, ['low']);
  const layered = new LayeredBlockstore(top, bottom);
  assert.deepEqual(layered.get(low), bottom.get(low));
  assert.ok(layered.has(low));
  const high = putCbor(layered, ['high']);
  assert.ok(top.has(high) && !bottom.has(high));
});

test('bundles: an empty bundle directory says how to get bundles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-nobundles-'));
  try {
    assert.throws(() => BundleLibrary.fromDirectory(dir), (err: unknown) => err instanceof NoBundlesError && /--bundle/.test(err.message) && /get-bundles/.test(err.message));
    const lines: string[] = [];
    const saved = process.env['TSFVM_BUNDLES'];
    process.env['TSFVM_BUNDLES'] = dir;
    try {
      const code = runConformance({ paths: [dir], bundles: [] }, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      assert.equal(code, EXIT_USAGE);
    } finally {
      if (saved === undefined) delete process.env['TSFVM_BUNDLES'];
      else process.env['TSFVM_BUNDLES'] = saved;
    }
    assert.match(lines.join('\n'), /no actor bundles found in .*tsfvm-nobundles-/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundles: loading stops at the bundle that has the manifest; an unknown manifest is reported', (t) => {
  const dir = v10Bundle()?.replace(/v10\.tar\.zst$/, 'v10');
  const car = dir === undefined ? undefined : join(dir, 'builtin-actors-mainnet.car');
  if (car === undefined || !existsSync(car)) return t.skip('no bundles: see README');
  const lib = new BundleLibrary([car, join(dir!, 'builtin-actors-calibrationnet.car')]);
  const unknown = putCbor(new MemoryBlockstore(), ['no such manifest']);
  // The v10 mainnet manifest data block (named by every hygge pre-state's system actor).
  const file = hyggeVector(MULTISIG_PROPOSE);
  if (file !== undefined) {
    const v = readVector(file);
    const carStore = new MemoryBlockstore();
    importCarSync(gunzipSync(v.car), carStore);
    assert.equal(lib.ensure(stateManifestCid(carStore, v.preRoot)), true);
    assert.deepEqual(lib.loaded.map((b) => b.network), ['mainnet']);
    assert.equal(lib.pending, 1, 'calibrationnet not read');
  }
  assert.equal(lib.ensure(unknown), false);
  assert.equal(lib.pending, 0);
  assert.match(lib.describe(), /builtin-actors-mainnet\.car \(mainnet\)/);
});

test('cli: usage errors (missing path, bad regex) exit 2 without running anything', () => {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  assert.equal(runConformance({ paths: ['/nonexistent/vectors'], bundles: [] }, io), EXIT_USAGE);
  assert.equal(runConformance({ paths: ['.'], bundles: [], filter: '(' }, io), EXIT_USAGE);
  assert.match(lines[0]!, /no such file or directory: \/nonexistent\/vectors/);
  assert.match(lines[1]!, /--filter is not a valid regular expression/);
  const cmd = conformanceCommand();
  assert.equal(cmd.name(), 'conformance');
  assert.deepEqual(cmd.options.map((o) => o.long), ['--bundle', '--json', '--filter', '--trace']);
});

test('runner: real vectors pass, skip and fail with the first mismatch; broken files are FAIL lines', { timeout: 120_000 }, (t) => {
  const bundle = v10Bundle();
  const propose = hyggeVector(MULTISIG_PROPOSE);
  const dispute = hyggeVector(DISPUTE_OK);
  if (bundle === undefined) return t.skip('no bundles: see README');
  if (propose === undefined || dispute === undefined) return t.skip('no test vectors: see README');
  const dir = mkdtempSync(join(tmpdir(), 'tsfvm-conformance-'));
  try {
    const doc = JSON.parse(readFileSync(propose, 'utf8'));
    const expectedGas = BigInt(doc.postconditions.receipts[0].gas_used);
    // Tampered copies: a receipt expecting one more gas, and a post-state that is the pre-state.
    const gas = structuredClone(doc);
    gas._meta.id = 'tampered-gas';
    gas.postconditions.receipts[0].gas_used = Number(expectedGas + 1n);
    const root = structuredClone(doc);
    root._meta.id = 'tampered-root';
    root.postconditions.state_tree.root_cid = doc.preconditions.state_tree.root_cid;
    const badCar = structuredClone(doc);
    badCar._meta.id = 'bad-car';
    badCar.car = Buffer.from('definitely not gzip').toString('base64');
    mkdirSync(join(dir, 'v'));
    writeFileSync(join(dir, 'v', 'a-gas.json'), JSON.stringify(gas));
    writeFileSync(join(dir, 'v', 'b-root.json'), JSON.stringify(root));
    writeFileSync(join(dir, 'v', 'c-badcar.json'), JSON.stringify(badCar));
    writeFileSync(join(dir, 'v', 'd-broken.json'), '{"class": "message", "_meta": ');

    const runner = new ConformanceRunner(new BundleLibrary([bundle]), { computeGas: true });
    const [ok] = runner.runFile(propose);
    assert.equal(ok!.status, 'pass', ok!.reason);
    assert.equal(ok!.id, 'ext-0002-fil_10_multisig-Propose-Ok-1/ohsnap');
    assert.equal(ok!.messages[0]!.gasUsed, expectedGas);
    assert.ok(ok!.messages[0]!.computeMilligas! > 0n && ok!.messages[0]!.computeMilligas! <= expectedGas * 1000n);
    assert.ok(runner.bundles.loaded.every((b) => b.network === 'mainnet'), 'only the mainnet bundle was needed');

    const [skip] = runner.runFile(dispute);
    assert.equal(skip!.status, 'skip');

    const lines: string[] = [];
    const jsonOut = join(dir, 'out.json');
    const code = runConformance(
      { paths: [join(dir, 'v'), propose], bundles: [bundle], json: jsonOut },
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
    );
    assert.equal(code, 1, 'something failed');
    assert.equal(lines.length, 6);
    assert.equal(lines[0], `FAIL tampered-gas/ohsnap: message 0: gas used expected ${expectedGas + 1n}, got ${expectedGas} (-1)`);
    const sender = decodeMessage(Buffer.from(doc.apply_messages[0].bytes, 'base64'));
    assert.match(lines[1]!, new RegExp(`^FAIL tampered-root/ohsnap: post-state root expected ${doc.preconditions.state_tree.root_cid['/']}, got \\S+: .*sequence expected ${sender.sequence}, got ${sender.sequence + 1n}`));
    assert.match(lines[2]!, /^FAIL bad-car\/ohsnap: bad CAR: /);
    assert.match(lines[3]!, /^FAIL .*d-broken\.json: cannot read vector: .*not JSON/);
    assert.equal(lines[4], 'PASS ext-0002-fil_10_multisig-Propose-Ok-1/ohsnap');
    assert.equal(lines.at(-1), '1 passed, 4 failed, 0 skipped');

    const json = JSON.parse(readFileSync(jsonOut, 'utf8'));
    assert.deepEqual(json.summary, { passed: 1, failed: 4, skipped: 0 });
    const pass = json.results.find((r: { status: string }) => r.status === 'pass');
    assert.equal(pass.messages[0].gas_expected, Number(expectedGas));
    assert.equal(pass.messages[0].gas_used, Number(expectedGas));
    assert.ok(pass.messages[0].compute_gas > 0 && pass.messages[0].exec_ns > 0 && pass.setup_ns > 0);

    // The system actor of the vector's state names a manifest that the v10 bundle provides.
    const v = readVector(propose);
    const carStore = new MemoryBlockstore();
    importCarSync(gunzipSync(v.car), carStore);
    assert.ok(runner.bundles.store.has(stateManifestCid(carStore, v.preRoot)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
