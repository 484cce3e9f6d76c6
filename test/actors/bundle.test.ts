// The embedded bundle as built by scripts/build-actors.ts: its CAR and manifest, the modules in
// it, the build's determinism, and src/actors/embedded.ts loading it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { decodeCbor, RAW, DAG_CBOR, BLAKE2B_256 } from '../../src/ipld/cbor.js';
import { readCar } from '../../src/ipld/car.js';
import { BUILTIN_ACTOR_NAMES } from '../../src/state/manifest.js';
import { instrumentModule, WASM_PRICES_V4 } from '../../src/engine/instrument/index.js';
import { SYSCALLS_V4 } from '../../src/syscalls/v4.js';
import { loadEmbeddedBundle, embeddedBundlePath, embeddedManifestJsonPath, EmbeddedBundleError } from '../../src/actors/embedded.js';
import {
  ACTOR_SOURCES, UNIMPLEMENTED_SOURCE, NAME_SLOT_MARKER, buildActorBundle, checkImports, inputsDigest, withActorName,
  ActorBuildError, type ManifestJson,
} from '../../scripts/build-actors.js';
import { compileActor, checkModule, frc42MethodNumber, PACKAGE_ROOT } from '../../scripts/sdk-compile.js';
import { ensureBundle } from './helpers.js';

interface Contents {
  roots: CID[];
  blocks: Map<string, Uint8Array>;
  data: [string, CID][];
}
let car: Uint8Array;
let contents: Contents;
let json: ManifestJson;

before(async () => {
  await ensureBundle();
  car = new Uint8Array(readFileSync(embeddedBundlePath()));
  const { roots, blocks } = readCar(car, 'embedded bundle', { verify: true });
  const map = new Map(blocks.map((b) => [b.cid.toString(), b.bytes]));
  const [version, dataCid] = decodeCbor<[number, CID]>(map.get(roots[0]!.toString())!, 'manifest root');
  assert.equal(version, 1);
  contents = { roots, blocks: map, data: decodeCbor<[string, CID][]>(map.get(dataCid.toString())!, 'manifest data') };
  json = JSON.parse(readFileSync(embeddedManifestJsonPath(), 'utf8')) as ManifestJson;
});

const codes = (): CID[] => contents.data.map(([, c]) => c);

test('the CAR is a bundle like the official ones: root [1, data], data in manifest order, raw blake2b-256 code blocks', () => {
  assert.equal(contents.roots.length, 1);
  assert.deepEqual(contents.data.map(([n]) => n), [...BUILTIN_ACTOR_NAMES]);
  for (const [name, code] of contents.data) {
    assert.equal(code.version, 1, name);
    assert.equal(code.code, RAW, `${name}: raw codec`);
    assert.equal(code.multihash.code, BLAKE2B_256, `${name}: blake2b-256`);
    assert.ok(contents.blocks.has(code.toString()), `${name}: code block present`);
  }
  assert.equal(new Set(codes().map(String)).size, BUILTIN_ACTOR_NAMES.length, 'every actor type has its own code CID');
  assert.equal(contents.blocks.size, BUILTIN_ACTOR_NAMES.length + 2, 'nothing but the manifest and the code');
  const rootCid = contents.roots[0]!;
  assert.equal(rootCid.code, DAG_CBOR);
});

test('manifest.json names the same CIDs, sizes and inputs as the CAR and the current sources', () => {
  assert.equal(json.manifest, contents.roots[0]!.toString());
  for (const [name, code] of contents.data) {
    assert.equal(json.actors[name], code.toString(), name);
    assert.equal(json.sizes[name], contents.blocks.get(code.toString())!.length, name);
  }
  assert.equal(json.inputs, inputsDigest(), 'the bundle on disk was built from the sources in the tree');
});

test('loadEmbeddedBundle: the manifest the machine will see, with type IDs matching the SDK constants', () => {
  const bs = new MemoryBlockstore();
  const { manifestCid, manifest } = loadEmbeddedBundle(bs);
  assert.equal(manifestCid.toString(), json.manifest);
  assert.equal(manifest.dataCid?.toString(), json.data);
  for (const [name, code] of contents.data) {
    assert.ok(bs.has(code), `${name} code is in the store`);
    assert.ok(manifest.codeByName(name)?.equals(code));
  }
  // sdk/actor.ts BuiltinActorType: what actors get from get_builtin_actor_type.
  const sdk = readFileSync(path.join(PACKAGE_ROOT, 'sdk', 'actor.ts'), 'utf8');
  const sdkName: Record<string, string> = {
    system: 'SYSTEM', init: 'INIT', cron: 'CRON', account: 'ACCOUNT', storagepower: 'POWER', storageminer: 'MINER',
    storagemarket: 'MARKET', paymentchannel: 'PAYMENT_CHANNEL', multisig: 'MULTISIG', reward: 'REWARD',
    verifiedregistry: 'VERIFIED_REGISTRY', datacap: 'DATACAP', placeholder: 'PLACEHOLDER', evm: 'EVM', eam: 'EAM', ethaccount: 'ETH_ACCOUNT',
  };
  for (const e of manifest.entries()) {
    const m = new RegExp(`export const ${sdkName[e.name]!}: i32 = (\\d+);`).exec(sdk);
    assert.ok(m, `sdk constant for ${e.name}`);
    assert.equal(manifest.idByCode(e.code), Number(m[1]), e.name);
  }
});

test('loadEmbeddedBundle says how to build a missing bundle and refuses a corrupt one', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfvm-embedded-'));
  try {
    const missing = path.join(dir, 'bundle.car');
    assert.throws(() => loadEmbeddedBundle(new MemoryBlockstore(), missing), (err: unknown) => {
      assert.ok(err instanceof EmbeddedBundleError);
      assert.match(err.message, /does not exist: run `npm run build:actors`/);
      assert.ok(err.message.includes(missing));
      return true;
    });
    const corrupt = path.join(dir, 'corrupt.car');
    const bytes = car.slice();
    bytes[bytes.length - 10]! ^= 0xff; // inside the last code block
    writeFileSync(corrupt, bytes);
    const bs = new MemoryBlockstore();
    assert.throws(() => loadEmbeddedBundle(bs, corrupt), /unusable .*rebuild it with `npm run build:actors -- --force`/);
    assert.equal(bs.has(codes()[0]!), false, 'nothing was written from the corrupt bundle');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every module passes the SDK checks and the engine instrumentation, and links against fvm 4.x syscalls only', () => {
  const v4 = new Set(SYSCALLS_V4.map((d) => `${d.module}.${d.name}`));
  for (const [name, code] of contents.data) {
    const wasm = contents.blocks.get(code.toString())!;
    const checked = checkModule(wasm, 'actor', name);
    for (const imp of checked.imports) assert.ok(v4.has(`${imp.module}.${imp.name}`), `${name} imports ${imp.module}.${imp.name}`);
    const instrumented = instrumentModule(wasm, { prices: WASM_PRICES_V4, maxStackHeight: 2048 });
    assert.ok(WebAssembly.validate(instrumented), name);
  }
});

test('the unimplemented actors are one module with the name written into its name slot', () => {
  const stubs = contents.data.filter(([n]) => ACTOR_SOURCES[n as keyof typeof ACTOR_SOURCES] === UNIMPLEMENTED_SOURCE);
  assert.deepEqual(stubs.map(([n]) => n), ['storagepower', 'storageminer', 'storagemarket', 'paymentchannel', 'verifiedregistry', 'datacap', 'evm', 'eam']);
  const modules = stubs.map(([, c]) => contents.blocks.get(c.toString())!);
  const first = modules[0]!;
  // Every copy differs from the first only inside one 32-byte window holding its name.
  const diff = (a: Uint8Array, b: Uint8Array): number[] => [...a.keys()].filter((i) => a[i] !== b[i]);
  let slot = -1;
  modules.forEach((m, i) => {
    assert.equal(m.length, first.length);
    const name = new TextEncoder().encode(stubs[i]![0]);
    const at = Buffer.from(m).indexOf(Buffer.from([...name, 0]));
    assert.ok(at > 0, `${stubs[i]![0]} is in its module`);
    if (slot < 0) slot = at;
    assert.equal(at, slot, 'same slot in every copy');
    for (const d of diff(m, first)) assert.ok(d >= slot && d < slot + NAME_SLOT_MARKER.length);
  });
  assert.throws(() => withActorName(first, 'x'.repeat(NAME_SLOT_MARKER.length)), ActorBuildError);
  assert.throws(() => withActorName(new Uint8Array(64), 'evm'), /marker is missing/);
});

test('the FRC-42 method numbers written in the actors are those of their names', () => {
  let seen = 0;
  for (const source of new Set(Object.values(ACTOR_SOURCES))) {
    const text = readFileSync(path.join(PACKAGE_ROOT, source), 'utf8');
    for (const m of text.matchAll(/\/\*\* FRC-42 number of "(\w+)"\. \*\/\nconst \w+: u64 = (\d+);/g)) {
      assert.equal(BigInt(m[2]!), frc42MethodNumber(m[1]!), `${source}: ${m[1]!}`);
      seen++;
    }
  }
  assert.ok(seen >= 2, 'AuthenticateMessage (account) and Receive (multisig) are checked');
});

test('actors may import only the SDK and actors/lib/', () => {
  for (const source of new Set(Object.values(ACTOR_SOURCES))) checkImports(path.join(PACKAGE_ROOT, source));
  const dir = mkdtempSync(path.join(tmpdir(), 'tsfvm-actor-src-'));
  try {
    const bad = path.join(dir, 'bad.ts');
    writeFileSync(bad, 'import { x } from "./elsewhere";\nexport function invoke(p: u32): u32 { return 0; }\n');
    assert.throws(() => checkImports(bad), /imports '\.\/elsewhere': actors may import only sdk\/ and actors\/lib\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same sources give the same bundle: assembled again from the cached modules, and one actor compiled again', async () => {
  const again = await buildActorBundle();
  assert.equal(again.compiled, 0, 'every module came from the cache');
  assert.deepEqual(again.car, car);
  // A fresh compiler process builds the smallest actor to the very bytes in the bundle.
  const { wasm } = await compileActor({ entry: path.join(PACKAGE_ROOT, ACTOR_SOURCES.placeholder), kind: 'actor', optimize: 'size' });
  assert.deepEqual(wasm, contents.blocks.get(json.actors['placeholder']!));
});
