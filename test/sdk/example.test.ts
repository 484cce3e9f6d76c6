// The SDK's example actor (sdk/examples/registry.ts, documented in sdk/README.md) run end to end
// against the syscall shim: construction, methods, exit codes, events, and state that the
// TypeScript HAMT reads.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CID } from 'multiformats/cid';
import { encodeCbor, decodeCbor, DAG_CBOR, RAW } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { frc42MethodNumber, PACKAGE_ROOT } from '../../scripts/sdk-compile.js';
import { compileCached, MockFvm, CBOR, type CallResult } from './host.js';

const EXAMPLE = 'sdk/examples/registry.ts';
const M = {
  Constructor: 1n,
  Register: frc42MethodNumber('Register'),
  Lookup: frc42MethodNumber('Lookup'),
  Release: frc42MethodNumber('Release'),
  Count: frc42MethodNumber('Count'),
};
const INIT_ACTOR = 1n;
const USR = { ILLEGAL_ARGUMENT: 16, NOT_FOUND: 17, FORBIDDEN: 18, SERIALIZATION: 21, UNHANDLED_MESSAGE: 22, READ_ONLY: 25, NOT_PAYABLE: 26 };

let wasm: Uint8Array;
before(async () => {
  wasm = await compileCached(EXAMPLE, 'actor', 'size');
});

const name = (s: string): { codec: number; data: Uint8Array } => ({ codec: DAG_CBOR, data: encodeCbor(s) });

function as(fvm: MockFvm, caller: bigint, method: bigint, params?: { codec: number; data: Uint8Array }): CallResult {
  fvm.caller = caller;
  return fvm.invoke(method, params);
}

function constructed(): MockFvm {
  const fvm = new MockFvm(wasm);
  const r = as(fvm, INIT_ACTOR, M.Constructor);
  assert.equal(r.exitCode, 0, r.message);
  return fvm;
}

function state(fvm: MockFvm): [CID, number] {
  assert.ok(fvm.root);
  const [names, count] = decodeCbor<[unknown, number]>(fvm.bs.get(fvm.root)!);
  const cid = CID.asCID(names);
  assert.ok(cid);
  return [cid, count];
}

test('the constants in the example are the FRC-42 numbers of its method names', () => {
  const src = readFileSync(path.join(PACKAGE_ROOT, EXAMPLE), 'utf8');
  for (const m of ['Register', 'Lookup', 'Release', 'Count'] as const) {
    const found = new RegExp(`const METHOD_${m.toUpperCase()}: u64 = (\\d+);`).exec(src);
    assert.ok(found, `METHOD_${m.toUpperCase()} in the example`);
    assert.equal(BigInt(found[1]!), M[m], m);
  }
});

test('sdk/README.md shows the example source and its method numbers as they are', () => {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'sdk', 'README.md'), 'utf8');
  const src = readFileSync(path.join(PACKAGE_ROOT, EXAMPLE), 'utf8');
  const block = /<!-- example:begin -->\n```ts\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme);
  assert.ok(block, 'README has the marked example block');
  assert.equal(block[1], src);
  for (const [m, n] of Object.entries(M)) assert.match(readme, new RegExp(`\\| \`${m}\` \\| ${n} \\|`), `${m} = ${n} in the table`);
});

test('construction: only the init actor, no params; the state is an empty HAMT and a zero count', () => {
  const fvm = new MockFvm(wasm);
  const r = as(fvm, 100n, M.Constructor);
  assert.equal(r.exitCode, USR.FORBIDDEN);
  assert.equal(r.message, 'only the init actor constructs actors');
  assert.equal(fvm.root, undefined);
  const withParams = as(fvm, INIT_ACTOR, M.Constructor, name('x'));
  assert.equal(withParams.exitCode, USR.ILLEGAL_ARGUMENT);
  const ok = constructed();
  const [names, count] = state(ok);
  assert.equal(count, 0);
  assert.equal(names.toString(), 'bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay', 'the empty HAMT');
});

test('register, look up, count, release: return values, events and exit codes', () => {
  const fvm = constructed();
  assert.equal(as(fvm, 100n, M.Register, name('alice')).exitCode, 0);
  assert.deepEqual(
    fvm.events.at(-1)!.map((e) => [Number(e.flags), e.key, Number(e.codec), decodeCbor(e.value)]),
    [[3, 'registered', CBOR, new TextEncoder().encode('alice')], [3, 'owner', CBOR, 100]],
  );
  assert.equal(as(fvm, 101n, M.Register, name('bob')).exitCode, 0);
  assert.equal(as(fvm, 100n, M.Register, name('alice')).exitCode, 0, 'registering your own name again is a no-op');
  assert.equal(fvm.events.length, 2, 'and emits nothing');

  const lookup = (n: string): unknown => {
    const r = as(fvm, 555n, M.Lookup, name(n));
    assert.equal(r.exitCode, 0, r.message);
    return decodeCbor(r.ret!.data);
  };
  assert.equal(lookup('alice'), 100);
  assert.equal(lookup('bob'), 101);
  assert.equal(lookup('carol'), null);
  assert.equal(decodeCbor(as(fvm, 1n, M.Count).ret!.data), 2);

  const taken = as(fvm, 101n, M.Register, name('alice'));
  assert.equal(taken.exitCode, USR.FORBIDDEN);
  assert.equal(taken.message, 'name is owned by f0100');
  const notOwner = as(fvm, 101n, M.Release, name('alice'));
  assert.equal(notOwner.exitCode, USR.FORBIDDEN);
  assert.equal(notOwner.message, 'only the owner f0100 may release the name');
  const missing = as(fvm, 101n, M.Release, name('carol'));
  assert.equal(missing.exitCode, USR.NOT_FOUND);

  assert.equal(as(fvm, 100n, M.Release, name('alice')).exitCode, 0);
  assert.equal(lookup('alice'), null);
  assert.equal(decodeCbor(as(fvm, 1n, M.Count).ret!.data), 1);
  assert.equal(fvm.events.at(-1)![0]!.key, 'released');

  // The state is an ordinary Filecoin HAMT: the TypeScript implementation reads it.
  const [names, count] = state(fvm);
  assert.equal(count, 1);
  const h = Hamt.load(fvm.bs, names);
  assert.deepEqual([...h.entries()].map(([k, v]) => [new TextDecoder().decode(k), v]), [['bob', 101]]);
});

test('bad input gets the conventional exit codes and says why', () => {
  const fvm = constructed();
  const rootBefore = fvm.root?.toString();
  const cases: [bigint, { codec: number; data: Uint8Array } | undefined, number, RegExp][] = [
    [M.Register, name(''), USR.ILLEGAL_ARGUMENT, /a name must have 1 to 64 bytes/],
    [M.Register, name('x'.repeat(65)), USR.ILLEGAL_ARGUMENT, /a name must have 1 to 64 bytes/],
    [M.Register, { codec: DAG_CBOR, data: encodeCbor(42) }, USR.SERIALIZATION, /invalid name parameter: expected a text string, found an unsigned integer at byte 0/],
    [M.Register, { codec: RAW, data: new Uint8Array([1]) }, USR.SERIALIZATION, /codec 0x55/],
    [M.Register, undefined, USR.SERIALIZATION, /^missing name parameter$/],
    [M.Count, name('x'), USR.ILLEGAL_ARGUMENT, /method takes no parameters/],
    [12345n, undefined, USR.UNHANDLED_MESSAGE, /unhandled method 12345/],
  ];
  for (const [method, params, code, pattern] of cases) {
    const r = as(fvm, 100n, method, params);
    assert.equal(r.exitCode, code, `${method}: ${r.message}`);
    assert.match(r.message ?? '', pattern);
  }
  fvm.valueReceived = 1n;
  const paid = as(fvm, 100n, M.Register, name('alice'));
  assert.equal(paid.exitCode, USR.NOT_PAYABLE);
  fvm.valueReceived = 0n;
  fvm.readOnly = true;
  const ro = as(fvm, 100n, M.Register, name('alice'));
  assert.equal(ro.exitCode, USR.READ_ONLY);
  assert.equal(fvm.root?.toString(), rootBefore, 'no state change');
  assert.equal(fvm.events.length, 0);
});
