import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, RAW } from '../../src/ipld/cbor.js';
import { exportCarSync } from '../../src/ipld/car.js';
import { defaultBundleDir, findBundles, loadBundle, readTar, BundleError } from '../../src/state/bundle.js';
import { Manifest, ManifestError } from '../../src/state/manifest.js';

// ---------------------------------------------------------------------------------------------
// Builders for synthetic bundles, independent of the code under test.

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function fakeCode(name: string): Uint8Array {
  return Uint8Array.from([...WASM_MAGIC, 1, 0, 0, 0, ...new TextEncoder().encode(name)]);
}

/** A bundle CAR whose manifest lists `names` with fake WASM code; `omit` leaves one code block out. */
function bundleCar(names: readonly string[], omit?: string): { car: Uint8Array; root: CID; codes: Map<string, CID> } {
  const bs = new MemoryBlockstore();
  const codes = new Map<string, CID>();
  for (const n of names) {
    const code = fakeCode(n);
    const cid = cidOf(code, RAW);
    codes.set(n, cid);
    if (n !== omit) bs.put(cid, code);
  }
  const data = putCbor(bs, names.map((n) => [n, codes.get(n)!]));
  const root = putCbor(bs, [1, data]);
  return { car: exportCarSync(bs, [root], { allowMissing: true }), root, codes };
}

/** A GNU-style tar (the kind Lotus ships) holding the given files. */
function makeTar(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const f of files) {
    const h = new Uint8Array(512);
    h.set(enc.encode(f.name), 0);
    h.set(enc.encode('0000644\0'), 100);
    h.set(enc.encode('0000000\0'), 108);
    h.set(enc.encode('0000000\0'), 116);
    h.set(enc.encode(f.data.length.toString(8).padStart(11, '0') + '\0'), 124);
    h.set(enc.encode('14330015056\0'), 136);
    h[156] = 0x30;
    h.set(enc.encode('ustar  \0'), 257);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    parts.push(h, f.data, new Uint8Array((512 - (f.data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A valid zstd frame made of raw (stored) blocks: no compressor needed. */
function zstdStored(data: Uint8Array): Uint8Array {
  const MAX = 128 * 1024;
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]; // magic, descriptor, 128 KiB window
  for (let at = 0; at < data.length || at === 0; at += MAX) {
    const chunk = data.subarray(at, Math.min(at + MAX, data.length));
    const last = at + MAX >= data.length ? 1 : 0;
    const header = last | (0 << 1) | (chunk.length << 3);
    parts.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...chunk);
    if (data.length === 0) break;
  }
  return Uint8Array.from(parts);
}

function withTempDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfvm-bundle-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const V9_NAMES = [
  'system', 'init', 'cron', 'account', 'storagepower', 'storageminer', 'storagemarket',
  'paymentchannel', 'multisig', 'reward', 'verifiedregistry', 'datacap',
];
const V10_NAMES = [...V9_NAMES, 'placeholder', 'evm', 'eam', 'ethaccount'];

// ---------------------------------------------------------------------------------------------
// Manifest

test('Manifest: lookups both ways, 1-based type ids in manifest order, typed accessors', () => {
  const bs = new MemoryBlockstore();
  const codes = new Map(V10_NAMES.map((n) => [n, cidOf(fakeCode(n), RAW)] as const));
  const data = putCbor(bs, V10_NAMES.map((n) => [n, codes.get(n)!]));
  const root = putCbor(bs, [1, data]);

  const m = Manifest.load(bs, root);
  assert.ok(m.dataCid?.equals(data));
  assert.deepEqual(m.entries().map((e) => e.name), V10_NAMES);
  assert.deepEqual(m.entries().map((e) => e.id), V10_NAMES.map((_, i) => i + 1));
  assert.ok(m.codeByName('evm')?.equals(codes.get('evm')!));
  assert.equal(m.nameByCode(codes.get('multisig')!), 'multisig');
  assert.equal(m.idByCode(codes.get('system')!), 1);
  assert.equal(m.idByCode(codes.get('ethaccount')!), 16);
  assert.equal(m.idByCode(cidOf(Uint8Array.of(9), RAW)), 0);
  assert.ok(m.codeById(4)?.equals(codes.get('account')!));
  assert.equal(m.codeById(0), undefined);
  assert.equal(m.codeById(17), undefined);
  assert.ok(m.storageminer.equals(codes.get('storageminer')!));
  assert.ok(m.init.equals(codes.get('init')!));
  assert.ok(m.isAccountActor(codes.get('account')!));
  assert.ok(m.isEthAccountActor(codes.get('ethaccount')!));
  assert.ok(m.isPlaceholderActor(codes.get('placeholder')!));
  assert.equal(m.isAccountActor(codes.get('init')!), false);
  assert.ok(Manifest.loadData(bs, data).init.equals(m.init));
});

test('Manifest: a v9-style manifest loads, and asking for a later actor is a clear error', () => {
  const bs = new MemoryBlockstore();
  const codes = V9_NAMES.map((n) => [n, cidOf(fakeCode(n), RAW)] as const);
  const root = putCbor(bs, [1, putCbor(bs, codes)]);
  const m = Manifest.load(bs, root);
  assert.equal(m.has('evm'), false);
  assert.throws(() => m.evm, /has no 'evm' actor/);
  assert.ok(m.datacap.equals(codes[11]![1]));
});

test('Manifest: unknown version, malformed blocks and missing actors are refused', () => {
  const bs = new MemoryBlockstore();
  const code = cidOf(fakeCode('x'), RAW);
  const good = putCbor(bs, [['system', code], ['init', code], ['account', code]]);
  assert.throws(() => Manifest.load(bs, putCbor(bs, [2, good])), /unsupported manifest version 2/);
  assert.throws(() => Manifest.load(bs, putCbor(bs, { version: 1, data: good })), /expected \[version, data CID\]/);
  assert.throws(() => Manifest.load(bs, putCbor(bs, [1, 'not a cid'])), /data is not a CID/);
  assert.throws(() => Manifest.load(bs, putCbor(bs, [1, putCbor(bs, { system: code })])), /expected a list/);
  assert.throws(() => Manifest.loadData(bs, putCbor(bs, [['system', code], ['init']])), /entry 1 is not a \[name, code CID\] pair/);
  assert.throws(() => Manifest.loadData(bs, putCbor(bs, [['system', code], [7, code]])), /entry 1/);
  assert.throws(() => Manifest.loadData(bs, putCbor(bs, [['system', code], ['account', code]])), /has no 'init' actor/);
  const absent = cidOf(Uint8Array.of(1, 2, 3));
  assert.throws(() => Manifest.load(bs, absent), (e: unknown) => e instanceof ManifestError && e.message.includes(absent.toString()));
  const notCbor = cidOf(Uint8Array.of(0xff));
  bs.put(notCbor, Uint8Array.of(0xff));
  assert.throws(() => Manifest.load(bs, notCbor), (e: unknown) => e instanceof ManifestError && /invalid DAG-CBOR/.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// Bundles from synthetic files

test(
  'loadBundle: a Lotus-style vN.tar.zst with several networks',
  withTempDir(async (dir) => {
    const main = bundleCar(V10_NAMES);
    const calib = bundleCar([...V10_NAMES].reverse());
    const tar = makeTar([
      { name: 'builtin-actors-mainnet.car', data: main.car },
      { name: 'README', data: new TextEncoder().encode('hello') },
      { name: 'builtin-actors-calibrationnet.car', data: calib.car },
    ]);
    const path = join(dir, 'v42.tar.zst');
    writeFileSync(path, zstdStored(tar));
    const bs = new MemoryBlockstore();
    const infos = await loadBundle(path, bs);
    assert.deepEqual(
      infos.map((i) => [i.network, i.manifestCid.toString(), i.actorsVersion]),
      [
        ['mainnet', main.root.toString(), 42],
        ['calibrationnet', calib.root.toString(), 42],
      ],
    );
    assert.ok(Manifest.load(bs, main.root).evm.equals(main.codes.get('evm')!));
    assert.equal(Manifest.load(bs, calib.root).entries()[0]!.name, 'ethaccount');

    const only = new MemoryBlockstore();
    const one = await loadBundle(path, only, { networks: ['calibrationnet'] });
    assert.deepEqual(one.map((i) => i.network), ['calibrationnet']);
    assert.equal(only.has(main.root), false);

    assert.deepEqual(readTar(tar).map((e) => [e.name, e.data.length]), [
      ['builtin-actors-mainnet.car', main.car.length],
      ['README', 5],
      ['builtin-actors-calibrationnet.car', calib.car.length],
    ]);
  }),
);

test(
  'loadBundle: a single .car, with network and version from its path',
  withTempDir(async (dir) => {
    const b = bundleCar(V9_NAMES);
    mkdirSync(join(dir, 'v9'));
    const path = join(dir, 'v9', 'builtin-actors-devnet.car');
    writeFileSync(path, b.car);
    const bs = new MemoryBlockstore();
    const [info, ...rest] = await loadBundle(path, bs);
    assert.equal(rest.length, 0);
    assert.equal(info!.network, 'devnet');
    assert.equal(info!.actorsVersion, 9);
    assert.ok(info!.manifestCid.equals(b.root));
    assert.ok(bs.has(b.codes.get('reward')!));
  }),
);

test(
  'loadBundle: errors name the file, and nothing is written',
  withTempDir(async (dir) => {
    const bs = new MemoryBlockstore();
    const write = (name: string, data: Uint8Array): string => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    };
    const corrupt = write('v1.tar.zst', Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 0xff, 0xff, 0xff, 1, 2));
    await assert.rejects(loadBundle(corrupt, bs), (e: unknown) => e instanceof BundleError && e.message.startsWith(`corrupt zstd data in ${corrupt}`));
    const noMagic = write('v2.tar.zst', new TextEncoder().encode('plain text'));
    await assert.rejects(loadBundle(noMagic, bs), /corrupt zstd data in .*v2\.tar\.zst: missing zstd frame magic/);
    const notTar = write('v3.tar.zst', zstdStored(new Uint8Array(2048).fill(7)));
    await assert.rejects(loadBundle(notTar, bs), (e: unknown) => e instanceof BundleError && e.message.startsWith(`not a tar archive: ${notTar}`));
    const notCar = write('builtin-actors-mainnet.car', new TextEncoder().encode('definitely not a CAR'));
    await assert.rejects(loadBundle(notCar, bs), (e: unknown) => e instanceof Error && e.message.startsWith(`not a CAR file: ${notCar}`));
    const emptyTar = write('v4.tar.zst', zstdStored(makeTar([{ name: 'README', data: new Uint8Array(3) }])));
    await assert.rejects(loadBundle(emptyTar, bs), /no builtin-actors-<network>\.car entry/);

    // One network is fine, the other lacks a code block: the whole tarball is refused.
    const fine = bundleCar(V10_NAMES);
    const broken = bundleCar(V10_NAMES, 'evm');
    const partial = write(
      'v5.tar.zst',
      zstdStored(makeTar([
        { name: 'builtin-actors-mainnet.car', data: fine.car },
        { name: 'builtin-actors-devnet.car', data: broken.car },
      ])),
    );
    await assert.rejects(loadBundle(partial, bs), /builtin-actors-devnet\.car: code .* of actor 'evm' is not in the bundle/);
    // A tampered block fails verification, naming its CID.
    const tampered = fine.car.slice();
    tampered[tampered.length - 1]! ^= 0xff;
    const bad = write('builtin-actors-tampered.car', tampered);
    await assert.rejects(loadBundle(bad, bs), /does not match its content's hash/);
    assert.equal(bs.size, 0);
  }),
);

test(
  'findBundles: tarballs and CARs one folder down, sorted by version; TSFVM_BUNDLES is honoured',
  withTempDir(async (dir) => {
    writeFileSync(join(dir, 'v12.tar.zst'), new Uint8Array(1));
    writeFileSync(join(dir, 'v9.tar.zst'), new Uint8Array(1));
    mkdirSync(join(dir, 'v10'));
    writeFileSync(join(dir, 'v10', 'builtin-actors-mainnet.car'), new Uint8Array(1));
    writeFileSync(join(dir, 'notes.txt'), new Uint8Array(1));
    const found = findBundles(dir).map((b) => [b.format, b.actorsVersion, b.network, b.path.slice(dir.length + 1)]);
    assert.deepEqual(found, [
      ['tar.zst', 9, undefined, 'v9.tar.zst'],
      ['car', 10, 'mainnet', join('v10', 'builtin-actors-mainnet.car')],
      ['tar.zst', 12, undefined, 'v12.tar.zst'],
    ]);
    assert.deepEqual(findBundles(join(dir, 'absent')), []);
    const saved = process.env['TSFVM_BUNDLES'];
    process.env['TSFVM_BUNDLES'] = dir;
    try {
      assert.equal(defaultBundleDir(), dir);
      assert.equal(findBundles().length, 3);
    } finally {
      if (saved === undefined) delete process.env['TSFVM_BUNDLES'];
      else process.env['TSFVM_BUNDLES'] = saved;
    }
  }),
);

// ---------------------------------------------------------------------------------------------
// Official bundles, when present

/** Mainnet manifest CIDs as published for each actors release (Lotus/Forest bundle tables). */
const MAINNET_MANIFESTS: Record<number, string> = {
  9: 'bafy2bzaceb6j6666h36xnhksu3ww4kxb6e25niayfgkdnifaqi6m6ooc66i6i',
  10: 'bafy2bzacecsuyf7mmvrhkx2evng5gnz5canlnz2fdlzu2lvcgptiq2pzuovos',
  11: 'bafy2bzacecnhaiwcrpyjvzl4uv4q3jzoif26okl3m66q3cijp3dfwlcxwztwo',
  12: 'bafy2bzaceapkgfggvxyllnmuogtwasmsv5qi2qzhc2aybockd6kag2g5lzaio',
  13: 'bafy2bzacecdhvfmtirtojwhw2tyciu4jkbpsbk5g53oe24br27oy62sn4dc4e',
  14: 'bafy2bzacecbueuzsropvqawsri27owo7isa5gp2qtluhrfsto2qg7wpgxnkba',
  15: 'bafy2bzaceakwje2hyinucrhgtsfo44p54iw4g6otbv5ghov65vajhxgntr53u',
  16: 'bafy2bzacecnepvsh4lw6pwljobvwm6zwu6mbwveatp7llhpuguvjhjiqz7o46',
  17: 'bafy2bzaceai74ppsvuxs3nvpzzeuptdr3wl7vmdpbphvtz4qt5hfq2qdfvz3e',
};

/** Published actor code CIDs of the v9.0.3 mainnet bundle. */
const V9_MAINNET_CODES: Record<string, string> = {
  account: 'bafk2bzacect2p7urje3pylrrrjy3tngn6yaih4gtzauuatf2jllk3ksgfiw2y',
  cron: 'bafk2bzacebcec3lffmos3nawm5cvwehssxeqwxixoyyfvejy7viszzsxzyu26',
  reward: 'bafk2bzacebezgbbmcm2gbcqwisus5fjvpj7hhmu5ubd37phuku3hmkfulxm2o',
  system: 'bafk2bzaceagvlo2jtahj7dloshrmwfulrd6e2izqev32qm46eumf754weec6c',
};

test('official bundles v9..v19: every network loads; mainnet manifests are as published', async (t) => {
  const tarballs = findBundles().filter((b) => b.format === 'tar.zst' && b.actorsVersion !== undefined);
  if (tarballs.length === 0) {
    t.skip('no bundles: see README');
    return;
  }
  const seen: number[] = [];
  for (const tb of tarballs) {
    const version = tb.actorsVersion!;
    seen.push(version);
    const bs = new MemoryBlockstore();
    // Hashes are checked once below (a full check of every network here would take ~15 s).
    const infos = await loadBundle(tb.path, bs, { verify: false });
    const extracted = join(defaultBundleDir(), `v${version}`);
    if (existsSync(extracted)) {
      const cars = readdirSync(extracted).filter((f) => /^builtin-actors-.+\.car$/.test(f));
      assert.deepEqual(
        infos.map((i) => `builtin-actors-${i.network}.car`).sort(),
        cars.sort(),
        `v${version}: the tarball's networks match the extracted CARs`,
      );
    }
    const mainnet = infos.find((i) => i.network === 'mainnet');
    assert.ok(mainnet, `v${version} has a mainnet bundle`);
    assert.equal(mainnet.actorsVersion, version);
    if (MAINNET_MANIFESTS[version]) assert.equal(mainnet.manifestCid.toString(), MAINNET_MANIFESTS[version], `v${version} mainnet manifest`);
    for (const info of infos) {
      const m = Manifest.load(bs, info.manifestCid);
      const names = m.entries().map((e) => e.name);
      if (info.network === 'mainnet') {
        assert.deepEqual(names, version === 9 ? V9_NAMES : V10_NAMES, `v${version} mainnet actor names`);
      } else {
        // Test networks may run ahead (v9 caterpillarnet already carried the FEVM actors).
        assert.deepEqual(names.slice(0, V9_NAMES.length), V9_NAMES, `v${version} ${info.network} actor names`);
        assert.ok(names.every((n) => V10_NAMES.includes(n)), `v${version} ${info.network} actor names`);
      }
      for (const e of m.entries()) {
        const code = bs.get(e.code);
        assert.ok(code && WASM_MAGIC.every((b, i) => code[i] === b), `v${version} ${info.network} ${e.name} is WASM`);
      }
    }
    if (version === 9) {
      const m = Manifest.load(bs, mainnet.manifestCid);
      for (const [name, cid] of Object.entries(V9_MAINNET_CODES)) assert.equal(m.codeByName(name)?.toString(), cid, `v9 ${name}`);
    }
  }
  assert.ok(seen.length >= 1);

  // One full verification pass over a real bundle: every block hashes to its CID.
  const newest = tarballs[tarballs.length - 1]!;
  const verified = await loadBundle(newest.path, new MemoryBlockstore(), { networks: ['mainnet'] });
  assert.equal(verified.length, 1);
});
