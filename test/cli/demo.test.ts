// `tsfvm demo`: the scenario's receipts (the ones the command prints), its effect on balances,
// reproducibility, a kept chain that the next run continues, and databases it must refuse
// without changing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDemo, runDemo, type DemoResult, type DemoStep } from '../../src/actors/demo.js';
import { demoCommand } from '../../src/cli/demo.js';
import { accessControlWasmPath } from '../../src/actors/access-control.js';
import { CHAIN_META_FILE, ChainDb, ChainDbError } from '../../src/chain/chain-db.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { fromWholeFil } from '../../src/primitives/token.js';
import { Address } from '../../src/primitives/address.js';
import { StateTree } from '../../src/state/state-tree.js';
import { accessControlWasm } from '../actors/access-control-wasm.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tsfvm-demo-test-'));
}

function messages(r: DemoResult): DemoStep[] {
  return r.steps.filter((s) => s.kind === 'message');
}

/**
 * Every file under `dir` with a digest of its bytes: equal snapshots mean nothing changed.
 * LMDB's lock.mdb is left out: it is the reader table every open rewrites, and holds no data.
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'lock.mdb') out[path.relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

test('demo in memory: every receipt, the effects on balances, and the same result on every run', async () => {
  const wasm = await accessControlWasm();
  const r = await runDemo({ accessControlWasm: wasm });
  assert.equal(r.run, 1);
  assert.equal(r.db, undefined);
  assert.ok(r.genesisRoot);
  assert.equal(r.startHead.stateRoot.toString(), r.genesisRoot.toString());

  // The scenario, step by step: exit codes, and the return values decoded.
  assert.deepEqual(
    r.steps.map((s) => [s.kind, s.exitCode]),
    [
      ['message', 0], ['message', 0], // transfers
      ['message', 0], ['message', 0], ['message', 0], // multisig: create, propose, approve
      ['install', 0], ['message', 0], // access control: install, create
      ['message', 0], ['message', 0], ['message', 0], ['message', ExitCode.USR_FORBIDDEN], ['message', 0], ['message', 0],
    ],
  );
  const [, , msigCreate, propose, approve, install, acCreate, register, grant, check1, forbidden, revoke, check2] = r.steps as [DemoStep, ...DemoStep[]];
  assert.equal((msigCreate!.returnValue as { idAddress: string }).idAddress, r.multisig);
  assert.match(r.multisig, /^f01\d\d$/);
  assert.deepEqual(propose!.returnValue, { txnId: 0, applied: false, code: 0 });
  assert.deepEqual(approve!.returnValue, { applied: true, code: 0 });
  assert.equal((install!.returnValue as { codeCid: string }).codeCid, r.accessControlCode.toString());
  assert.equal((acCreate!.returnValue as { idAddress: string }).idAddress, r.accessControl);
  assert.deepEqual([register, grant, check1, revoke, check2].map((s) => s!.returnValue), [true, true, true, true, false]);
  assert.equal(forbidden!.returnValue, null);
  assert.match(forbidden!.error ?? '', /for the owner f0100 only, not f0101/);
  assert.deepEqual(register!.events.map((e) => e.entries.map((en) => `${en.key}=${en.value}`)), [[
    '$type=content-registered', `cid=${r.content.toString()}`,
  ]]);
  assert.deepEqual(grant!.events[0]!.entries.map((en) => en.value), ['access-granted', r.content.toString(), 'f0101']);
  assert.deepEqual(revoke!.events[0]!.entries.map((en) => en.value), ['access-revoked', r.content.toString(), 'f0101']);
  assert.equal(check1!.events.length, 0);

  // One block per message, nonces per sender, gas within the (estimated) limit.
  const msgs = messages(r);
  assert.deepEqual(msgs.map((s) => s.epoch), msgs.map((_, i) => BigInt(i + 1)));
  assert.equal(r.finalHead.epoch, BigInt(msgs.length));
  assert.deepEqual(msgs.filter((s) => s.from === 'alice').map((s) => s.nonce), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  assert.deepEqual(msgs.filter((s) => s.from === 'bob').map((s) => s.nonce), [0n, 1n]);
  for (const s of msgs) assert.ok(s.gasUsed > 0n && s.gasUsed <= s.gasLimit, `step ${s.index}: ${s.gasUsed} of ${s.gasLimit}`);

  // What a second, independent run gives: the same receipts, gas and roots.
  const again = await runDemo({ accessControlWasm: wasm });
  assert.equal(again.finalHead.stateRoot.toString(), r.finalHead.stateRoot.toString());
  assert.deepEqual(again.steps.map((s) => [s.exitCode, s.gasUsed, s.returnText]), r.steps.map((s) => [s.exitCode, s.gasUsed, s.returnText]));

  // The printed report carries the same receipts.
  const text = formatDemo(r);
  for (const s of r.steps) {
    assert.ok(text.includes(`${String(s.index).padStart(2)}. ${s.description}`), `step ${s.index} printed`);
    if (s.kind === 'message') assert.ok(text.includes(`exit ${s.exitCode} (${s.exitName})  gas used ${s.gasUsed.toLocaleString('en-US')}`), `receipt ${s.index} printed`);
  }
  assert.ok(text.includes('exit 18 (USR_FORBIDDEN)'));
  assert.ok(text.includes(`final state root ${r.finalHead.stateRoot.toString()}`));
});

test('demo --db: the second run continues from the first one\'s head; balances carry over', async () => {
  const wasm = await accessControlWasm();
  const dir = path.join(tempDir(), 'chain');
  try {
    const first = await runDemo({ db: dir, accessControlWasm: wasm });
    assert.equal(first.run, 1);
    assert.ok(existsSync(path.join(dir, CHAIN_META_FILE)));
    const second = await runDemo({ db: dir, accessControlWasm: wasm });
    assert.equal(second.run, 2);
    assert.equal(second.genesisRoot, undefined);
    assert.equal(second.startHead.stateRoot.toString(), first.finalHead.stateRoot.toString());
    assert.equal(second.startHead.epoch, first.finalHead.epoch);
    assert.equal(messages(second)[0]!.epoch, first.finalHead.epoch + 1n);
    assert.deepEqual(messages(second).filter((s) => s.from === 'alice').map((s) => s.nonce), [8n, 9n, 10n, 11n, 12n, 13n, 14n, 15n]);
    assert.notEqual(second.multisig, first.multisig, 'new actors get new IDs');
    assert.notEqual(second.content.toString(), first.content.toString());
    assert.equal((second.steps[5]!.returnValue as { alreadyInstalled: boolean }).alreadyInstalled, true);
    assert.equal(second.accessControlCode.toString(), first.accessControlCode.toString());

    // The kept state: both multisigs paid carol 10 FIL of their 50; the first run's actors remain.
    const db = ChainDb.open(dir);
    try {
      assert.equal(db.meta?.head.stateRoot.toString(), second.finalHead.stateRoot.toString());
      assert.equal(db.meta?.runs, 2);
      const tree = StateTree.load(db.blockstore, db.meta!.head.stateRoot);
      for (const msig of [first.multisig, second.multisig]) {
        assert.equal(tree.getActor(Address.fromString(msig).id())?.balance, fromWholeFil(40));
      }
      assert.ok(tree.getActor(Address.fromString(first.accessControl).id()));
    } finally {
      await db.close();
    }
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('demo --db refuses a foreign, corrupted or inconsistent database and changes nothing', async () => {
  const wasm = await accessControlWasm();
  const base = tempDir();
  try {
    const refuse = async (dir: string, message: RegExp): Promise<void> => {
      const before = snapshot(dir);
      await assert.rejects(runDemo({ db: dir, accessControlWasm: wasm }), (err: unknown) => {
        assert.ok(err instanceof ChainDbError, String(err));
        assert.match(err.message, message);
        return true;
      });
      assert.deepEqual(snapshot(dir), before, `${dir} is unchanged`);
    };

    const foreign = path.join(base, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'notes.txt'), 'my notes');
    await refuse(foreign, /is not a tsfvm chain database \(no tsfvm-chain\.json; it holds notes\.txt\)/);

    // A good chain, then damaged copies of it.
    const good = path.join(base, 'good');
    await runDemo({ db: good, accessControlWasm: wasm });
    const meta = JSON.parse(readFileSync(path.join(good, CHAIN_META_FILE), 'utf8')) as Record<string, unknown>;
    const variant = (name: string, edit: (dir: string) => void): string => {
      const dir = path.join(base, name);
      mkdirSync(path.join(dir, 'blocks'), { recursive: true });
      for (const f of ['tsfvm-chain.json', 'blocks/data.mdb']) writeFileSync(path.join(dir, f), readFileSync(path.join(good, f)));
      edit(dir);
      return dir;
    };
    const writeMeta = (dir: string, m: unknown): void => writeFileSync(path.join(dir, CHAIN_META_FILE), typeof m === 'string' ? m : JSON.stringify(m));

    await refuse(variant('not-json', (d) => writeMeta(d, '{"format": "tsfvm-local-chain", ')), /is not JSON/);
    await refuse(variant('other-format', (d) => writeMeta(d, { ...meta, format: 'something-else' })), /has format "something-else", not "tsfvm-local-chain"/);
    await refuse(variant('future-version', (d) => writeMeta(d, { ...meta, version: 99 })), /format version 99/);
    await refuse(variant('bad-root', (d) => writeMeta(d, { ...meta, stateRoot: 'not a cid' })), /stateRoot is not a CID/);
    // A root that is a well-formed CID the store does not have (the genesis of another seed).
    await refuse(
      variant('missing-root', (d) => writeMeta(d, { ...meta, stateRoot: 'bafy2bzaceaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })),
      /head state root bafy2bzaceaaaaa.* is not in the block store/,
    );
    await refuse(variant('no-blocks', (d) => rmSync(path.join(d, 'blocks'), { recursive: true })), /the block store .* is missing/);
    await refuse(
      variant('garbage-blocks', (d) => writeFileSync(path.join(d, 'blocks', 'data.mdb'), Buffer.alloc(64 * 1024, 0x5a))),
      /damaged: .*data.mdb is not an LMDB data file/,
    );
    await refuse(
      variant('truncated-blocks', (d) => writeFileSync(path.join(d, 'blocks', 'data.mdb'), readFileSync(path.join(good, 'blocks', 'data.mdb')).subarray(0, 4096))),
      /damaged: .*data.mdb is 4096 bytes: shorter than its two meta pages/,
    );
    const nonces = meta['nonces'] as Record<string, string>;
    const alice = Object.keys(nonces)[0]!;
    await refuse(
      variant('wrong-nonce', (d) => writeMeta(d, { ...meta, nonces: { ...nonces, [alice]: '999' } })),
      new RegExp(`inconsistent: the record says the next nonce of ${alice} is 999, the state says 8`),
    );
    // The good chain itself was never touched by the refusals and still continues.
    const next = await runDemo({ db: good, accessControlWasm: wasm });
    assert.equal(next.run, 2);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a first run that fails leaves no half-made database behind', async () => {
  const base = tempDir();
  try {
    const dir = path.join(base, 'chain');
    // A module the machine refuses makes the scenario fail after genesis was written.
    await assert.rejects(runDemo({ db: dir, accessControlWasm: new Uint8Array([1, 2, 3]) }), /cannot install actor code/);
    assert.equal(existsSync(dir), false);
    const empty = path.join(base, 'empty');
    mkdirSync(empty);
    await assert.rejects(runDemo({ db: empty, accessControlWasm: new Uint8Array([1, 2, 3]) }), /cannot install actor code/);
    assert.deepEqual(readdirSync(empty), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the demo command prints the report of the built actor', async (t) => {
  const wasm = await accessControlWasm();
  const built = accessControlWasmPath();
  if (!existsSync(built) || !readFileSync(built).equals(Buffer.from(wasm))) {
    t.skip(`${built} is missing or older than the sources: run npm run build:actors`);
    return;
  }
  const expected = formatDemo(await runDemo({ accessControlWasm: wasm }));
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    await demoCommand().parseAsync([], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  // Identical but for the timing.
  const strip = (s: string): string => s.replace(/\d+ messages in \d+ ms/, 'N messages');
  assert.equal(strip(chunks.join('')), strip(expected));
});
