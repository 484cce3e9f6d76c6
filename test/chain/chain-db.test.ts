// The chain database's write order: the record naming a head is written only once every block
// of that head is in the store as a fresh opener sees it, and the record itself is synced before
// it replaces the old one and after (its directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAIN_BLOCKS_DIR, CHAIN_META_FILE, ChainDb, type ChainMeta } from '../../src/chain/chain-db.js';
import { createLocalGenesis } from '../../src/chain/genesis.js';
import { LocalChain } from '../../src/chain/local-chain.js';
import { collectReachable } from '../../src/ipld/car.js';
import { ensureBundle } from '../actors/helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Opens the LMDB environment in another process (so nothing is shared with this one's open
// environment) and counts the keys, given one hex key a line on stdin, that it lacks.
const FRESH_READER = `
import { open } from 'lmdb';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const db = open({ path: process.argv[1], readOnly: true, encoding: 'binary', keyEncoding: 'binary' });
const keys = input.split('\\n').filter(Boolean);
const missing = keys.filter((k) => !db.doesExist(Buffer.from(k, 'hex')));
process.stdout.write(JSON.stringify({ checked: keys.length, missing: missing.length }));
await db.close();
`;

function missingInFreshStore(blocksDir: string, keys: readonly Uint8Array[]): { checked: number; missing: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', FRESH_READER, blocksDir], {
    cwd: repoRoot,
    input: keys.map((k) => Buffer.from(k).toString('hex')).join('\n'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { checked: number; missing: number };
}

type Fs = typeof fs;

/** Replaces fs functions (for this module's and src's named imports too) while `fn` runs. */
function withFsHooks<T>(hooks: Partial<Pick<Fs, 'openSync' | 'fsyncSync' | 'renameSync'>>, fn: () => T): T {
  const saved = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, renameSync: fs.renameSync };
  Object.assign(fs, hooks);
  syncBuiltinESMExports();
  try {
    return fn();
  } finally {
    Object.assign(fs, saved);
    syncBuiltinESMExports();
  }
}

test('the record is written after its blocks are readable from a freshly opened store, and synced around its rename', async (t) => {
  await ensureBundle();
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tsfvm-chaindb-')), 'chain');
  t.after(() => rmSync(path.dirname(dir), { recursive: true, force: true }));
  const db = ChainDb.open(dir);
  let headRoot = '';
  try {
    const genesis = await createLocalGenesis(db.blockstore, { accounts: 2 });
    const chain = new LocalChain({ blockstore: db.blockstore, head: { stateRoot: genesis.stateRoot, epoch: 0n }, keySeed: genesis.keySeed });
    const [alice, bob] = genesis.accounts as [(typeof genesis.accounts)[0], (typeof genesis.accounts)[0]];
    const sent = chain.send({ from: alice.key, to: bob.key.address, value: 1n });
    assert.equal(sent.ret.receipt.exitCode, 0);
    const meta: ChainMeta = {
      networkName: genesis.networkName,
      networkVersion: chain.networkVersion,
      keySeed: chain.keySeed,
      head: chain.head,
      nonces: new Map([[alice.key.address.toString(), 1n]]),
      runs: 1,
    };
    // Every block of the new head (state tree, actor states, actor code).
    const named = collectReachable(db.blockstore, [meta.head.stateRoot]).map((b) => b.cid.bytes);
    assert.ok(named.length > 10, `the head names ${named.length} blocks`);

    const blocksDir = path.join(dir, CHAIN_BLOCKS_DIR);
    const metaFile = path.join(dir, CHAIN_META_FILE);
    const names = new Map<number, string>();
    const label = (p: string): string =>
      p === blocksDir ? 'blocks dir' : p === dir ? 'chain dir' : p === path.dirname(dir) ? 'parent dir' : p === metaFile ? 'record' : p.startsWith(`${metaFile}.`) ? 'temp record' : p;
    const events: string[] = [];
    let seenAtRecord: { checked: number; missing: number } | undefined;
    const { openSync, fsyncSync, renameSync } = fs;
    withFsHooks(
      {
        openSync: ((p: fs.PathLike, ...rest: unknown[]) => {
          const what = label(path.resolve(String(p)));
          // The first byte of the record is about to be written: the blocks must be there now.
          if (what === 'temp record') seenAtRecord = missingInFreshStore(blocksDir, named);
          const fd = (openSync as (...a: unknown[]) => number)(p, ...rest);
          names.set(fd, what);
          events.push(`open ${what}`);
          return fd;
        }) as Fs['openSync'],
        fsyncSync: ((fd: number) => {
          events.push(`fsync ${names.get(fd) ?? fd}`);
          fsyncSync(fd);
        }) as Fs['fsyncSync'],
        renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
          events.push(`rename ${label(path.resolve(String(from)))} -> ${label(path.resolve(String(to)))}`);
          renameSync(from, to);
        }) as Fs['renameSync'],
      },
      () => db.writeMeta(meta),
    );
    assert.deepEqual(seenAtRecord, { checked: named.length, missing: 0 });
    assert.deepEqual(events, [
      'open blocks dir', 'fsync blocks dir', // data.mdb's own directory entry
      'open temp record', 'fsync temp record',
      'rename temp record -> record',
      'open chain dir', 'fsync chain dir',
      'open parent dir', 'fsync parent dir', // this open created the chain directory
    ]);
    headRoot = meta.head.stateRoot.toString();
    assert.equal(JSON.parse(readFileSync(metaFile, 'utf8')).stateRoot, headRoot);
  } finally {
    await db.close();
  }
  // And the database reopens at that head.
  const again = ChainDb.open(dir);
  try {
    assert.equal(again.meta?.head.stateRoot.toString(), headRoot);
    assert.equal(again.meta?.head.epoch, 1n);
  } finally {
    await again.close();
  }
});

test('a record is refused, and nothing written, when its head is not in the store', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfvm-chaindb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = ChainDb.open(path.join(dir, 'chain'));
  try {
    const { CID } = await import('multiformats/cid');
    const absent = CID.parse('bafy2bzacedomd33q4vgztfmherh2mxukhdgiurphuu3f7fuqtutxugqat6nzi');
    assert.throws(
      () => db.writeMeta({ networkName: 'n', networkVersion: 28, keySeed: 's', head: { stateRoot: absent, epoch: 1n }, nonces: new Map(), runs: 1 }),
      /refusing to record head bafy2bzacedomd33q4vgztfmherh2mxukhdgiurphuu3f7fuqtutxugqat6nzi: it is not in the block store/,
    );
    assert.deepEqual(fs.readdirSync(path.join(dir, 'chain')), [CHAIN_BLOCKS_DIR]);
  } finally {
    await db.close();
  }
});
