// ref-fvm 4.x (nv21+) IPLD reachability and the state-root syscalls, with a probe actor
// built for the 4.x ABI: what may be opened, created and set as a root; what link scanning
// charges; how reachability flows through return values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { EMPTY_ARRAY_CID } from '../../src/primitives/actor.js';
import { cidOf, encodeCbor, RAW } from '../../src/ipld/cbor.js';
import { StateTree } from '../../src/state/state-tree.js';
import type { ExecutionEvent } from '../../src/call/trace.js';
import { Op, Program, readU32 } from './harness.js';
import { OUT } from './probe.js';
import { SDK_SYSCALLS_V4, buildWorldV4, runProbeV4 } from './probe-v4.js';

const DAG_CBOR = 0x71;
const CBOR = 0x51;
const BLAKE2B = 0xb220;
const GAS = 1000n; // milligas per gas

/** Totals (milligas) of the charges named `name`, in order. */
function charges(trace: readonly ExecutionEvent[], name: string): bigint[] {
  return trace.flatMap((e) => (e.type === 'gas_charge' && e.charge.name === name ? [e.charge.total] : []));
}

const child = encodeCbor(['child']); // [0x81, text]: 2 fields, no link
const childCid = cidOf(child);
const parent = encodeCbor([0, childCid, 1]); // 4 fields, 1 link (the reference's own scan example)
const parentCid = cidOf(parent);

test('v4 ipld: created blocks may link only to reachable CIDs; set_root needs a reachable root; scans are priced', () => {
  const w = buildWorldV4();
  const initHead = StateTree.load(w.bs, w.root).getActor(1n)!.head; // in the store, not reachable by the probe
  const r = runProbeV4(w, (p) => {
    const at = (b: Uint8Array): [number, number] => [p.bytes(b), b.length];
    p.call('self', 'root', OUT, OUT + 512, 100); // 0
    p.call('ipld', 'block_create', OUT + 4, DAG_CBOR, ...at(parent)); // 1: child not reachable yet
    p.call('ipld', 'block_create', OUT + 4, DAG_CBOR, ...at(child)); // 2: id 2
    p.call('ipld', 'block_link', OUT + 8, 2, BLAKE2B, 32, OUT + 600, 100); // 3
    p.call('ipld', 'block_create', OUT + 12, DAG_CBOR, ...at(parent)); // 4: id 3
    p.call('ipld', 'block_link', OUT + 16, 3, BLAKE2B, 32, OUT + 700, 100); // 5
    p.call('self', 'set_root', p.bytes(initHead.bytes)); // 6: exists, but unreachable
    p.call('ipld', 'block_open', OUT + 20, p.bytes(initHead.bytes)); // 7
    p.call('self', 'set_root', p.bytes(parentCid.bytes)); // 8
  }, { tracing: true });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), EMPTY_ARRAY_CID.bytes.length);
  assert.deepEqual(r.out.subarray(OUT + 512, OUT + 512 + EMPTY_ARRAY_CID.bytes.length), EMPTY_ARRAY_CID.bytes);
  assert.equal(r.st(1), ErrorNumber.NotFound);
  for (const i of [2, 3, 4, 5, 8]) assert.equal(r.st(i), 0, `command ${i}`);
  assert.deepEqual(r.out.subarray(OUT + 600, OUT + 600 + childCid.bytes.length), childCid.bytes);
  assert.deepEqual(r.out.subarray(OUT + 700, OUT + 700 + parentCid.bytes.length), parentCid.bytes);
  assert.equal(r.st(6), ErrorNumber.NotFound);
  assert.equal(r.st(7), ErrorNumber.NotFound);
  assert.equal(StateTree.load(w.bs, r.root).getActor(w.probe)!.head.toString(), parentCid.toString());

  // Scans: 35 gas a field, 400 a CID (parent: 4 + 1; child: 2). The refused create is
  // charged its scan too. The final RAW return block scans nothing.
  const scans = charges(r.ret.execTrace, 'OnScanIpldLinks');
  assert.deepEqual(scans, [540n * GAS, 70n * GAS, 540n * GAS, 0n]);
  // Reading and setting the root: one tracked link, one checked link (300 gas each).
  assert.deepEqual(charges(r.ret.execTrace, 'OnActorGetRoot'), [300n * GAS]);
  assert.deepEqual(charges(r.ret.execTrace, 'OnActorSetRoot'), [300n * GAS, 300n * GAS]);
  const puts = r.ret.execTrace.flatMap((e) => (e.type === 'ipld' ? [[e.op, e.cid.toString()]] : []));
  assert.deepEqual(puts, [['put', childCid.toString()], ['put', parentCid.toString()]]);
});

test('v4 ipld: the state root makes its links reachable once opened', () => {
  const w = buildWorldV4();
  // The probe's state: parent -> child, both in the store.
  w.bs.put(childCid, child);
  w.bs.put(parentCid, parent);
  const tree = StateTree.load(w.bs, w.root);
  tree.mutateActor(w.probe, (a) => {
    a.head = parentCid;
  });
  w.root = tree.flush();

  const r = runProbeV4(w, (p) => {
    const childAt = p.bytes(childCid.bytes);
    p.call('ipld', 'block_open', OUT, childAt); // 0: not reachable yet
    p.call('ipld', 'block_open', OUT, p.bytes(parentCid.bytes)); // 1: not reachable before root()
    p.call('self', 'root', OUT + 100, OUT + 200, 100); // 2
    p.call('ipld', 'block_open', OUT + 16, OUT + 200); // 3: the root
    p.call('ipld', 'block_open', OUT + 32, childAt); // 4: its child
    p.call('ipld', 'block_read', OUT + 48, 3, 0, OUT + 300, 100); // 5
  }, { tracing: true });
  assert.equal(r.st(0), ErrorNumber.NotFound);
  assert.equal(r.st(1), ErrorNumber.NotFound);
  for (const i of [2, 3, 4, 5]) assert.equal(r.st(i), 0, `command ${i}`);
  assert.equal(readU32(r.out, OUT + 40), 3); // the child's handle (after the u64 codec)
  assert.deepEqual(r.out.subarray(OUT + 300, OUT + 300 + child.length), child);
  // Opening the parent charges its link as tracked (300 gas) in OnBlockOpen's compute part.
  const opens = r.ret.execTrace.flatMap((e) => (e.type === 'gas_charge' && e.charge.name === 'OnBlockOpen' ? [e.charge] : []));
  assert.deepEqual(opens.map((c) => c.compute), [300n * GAS, 0n]);
  // The trace records each block read, and the invocation with the actor's id and state.
  const ipld = r.ret.execTrace.flatMap((e) => (e.type === 'ipld' ? [[e.op, e.cid.toString(), e.size]] : []));
  assert.deepEqual(ipld, [['get', parentCid.toString(), parent.length], ['get', childCid.toString(), child.length]]);
  const invoked = r.ret.execTrace.flatMap((e) => (e.type === 'invoke_actor' ? [[e.id, e.state?.head.toString()]] : []));
  assert.deepEqual(invoked, [[w.probe, parentCid.toString()]]);
});

test('v4 ipld: malformed DAG-CBOR is Serialization; forbidden links NotFound; CBOR and RAW are not scanned', () => {
  const w = buildWorldV4();
  const blakeOf = (codec: number, data: Uint8Array): CID => CID.createV1(codec, cidOf(data).multihash);
  const dagJsonLink = encodeCbor([blakeOf(0x0129, new Uint8Array([1]))]);
  const sha256Link = encodeCbor([CID.createV1(DAG_CBOR, createDigest(0x12, new Uint8Array(32)))]);
  const commP = encodeCbor([CID.createV1(0xf101, createDigest(0x1012, new Uint8Array(32).fill(7)))]);
  const unreachable = cidOf(encodeCbor(['nowhere']));
  const inlineWithLink = encodeCbor([CID.createV1(DAG_CBOR, createDigest(0x00, encodeCbor([unreachable])))]);
  const inlineRaw = encodeCbor([CID.createV1(RAW, createDigest(0x00, new Uint8Array([1, 2, 3])))]);
  const linkAsCbor = encodeCbor([unreachable]);
  const cases: Array<[number, Uint8Array, number]> = [
    [DAG_CBOR, new Uint8Array([0x82, 0x01]), ErrorNumber.Serialization], // array of 2 with 1 item
    [DAG_CBOR, new Uint8Array([0x01, 0x02]), ErrorNumber.Serialization], // trailing bytes
    [DAG_CBOR, new Uint8Array([0xd8, 0x2a, 0x01]), ErrorNumber.Serialization], // tag 42 on an integer
    [DAG_CBOR, new Uint8Array([0x9f, 0xff]), ErrorNumber.Serialization], // indefinite length
    [DAG_CBOR, dagJsonLink, ErrorNumber.NotFound],
    [DAG_CBOR, sha256Link, ErrorNumber.NotFound],
    [DAG_CBOR, linkAsCbor, ErrorNumber.NotFound],
    [DAG_CBOR, inlineWithLink, ErrorNumber.NotFound],
    [DAG_CBOR, commP, 0],
    [DAG_CBOR, inlineRaw, 0],
    [CBOR, linkAsCbor, 0],
    [RAW, linkAsCbor, 0],
    [0x70, new Uint8Array([1]), ErrorNumber.IllegalCodec],
  ];
  const r = runProbeV4(w, (p) => {
    for (const [codec, data] of cases) p.call('ipld', 'block_create', OUT, codec, p.bytes(data), data.length);
  });
  cases.forEach(([codec, data, errno], i) =>
    assert.equal(r.st(i), errno, `case ${i}: codec 0x${codec.toString(16)} ${Buffer.from(data).toString('hex')}`),
  );
});

test('v4 ipld: a returned block makes its links reachable to the caller; params links are charged', () => {
  const w = buildWorldV4();
  // The callee links child, builds parent -> child and returns parent (handle 3).
  const inner = new Program(SDK_SYSCALLS_V4);
  inner.call('ipld', 'block_create', OUT, DAG_CBOR, inner.bytes(child), child.length);
  inner.call('ipld', 'block_link', OUT + 4, 2, BLAKE2B, 32, OUT + 100, 100);
  inner.call('ipld', 'block_create', OUT + 8, DAG_CBOR, inner.bytes(parent), parent.length);
  inner.op(Op.ReturnBlock, 3);
  const innerBytes = inner.encode();

  const r = runProbeV4(w, (p) => {
    const childAt = p.bytes(childCid.bytes);
    p.call('ipld', 'block_open', OUT, childAt); // 0: not reachable
    p.call('ipld', 'block_create', OUT + 4, CBOR, p.bytes(innerBytes), innerBytes.length); // 1: params, id 2
    const target = Address.newId(w.probe2).toBytes();
    p.call('send', 'send', OUT + 16, p.bytes(target), target.length, 2n, 2, 0n, 0n, 0xffff_ffff_ffff_ffffn, 0n); // 2
    p.call('ipld', 'block_open', OUT + 40, childAt); // 3: reachable through the return value
  }, { tracing: true });
  assert.equal(r.st(0), ErrorNumber.NotFound);
  assert.equal(r.st(2), 0);
  assert.equal(readU32(r.out, OUT + 16), 0); // callee exit code
  assert.equal(readU32(r.out, OUT + 20), 3); // return block handle in the caller
  assert.equal(readU32(r.out, OUT + 32), parent.length);
  assert.equal(r.st(3), 0);

  // The return block with one link costs the caller 300 gas as "OnReturnValue" (depth 2).
  assert.deepEqual(charges(r.ret.execTrace, 'OnReturnValue'), [300n * GAS]);

  // Parameters are charged 300 gas per tracked link: the same bytes sent to an account as
  // DAG-CBOR (one link) and as CBOR (not scanned).
  const r2 = runProbeV4(w, (p) => {
    p.call('ipld', 'block_create', OUT, DAG_CBOR, p.bytes(child), child.length); // id 2
    p.call('ipld', 'block_link', OUT + 4, 2, BLAKE2B, 32, OUT + 100, 100);
    const at = p.bytes(parent);
    p.call('ipld', 'block_create', OUT + 8, DAG_CBOR, at, parent.length); // id 3
    p.call('ipld', 'block_create', OUT + 12, CBOR, at, parent.length); // id 4
    const target = Address.newId(w.other).toBytes();
    const to = p.bytes(target);
    p.call('send', 'send', OUT + 16, to, target.length, 2n, 3, 0n, 0n, 0xffff_ffff_ffff_ffffn, 0n);
    p.call('send', 'send', OUT + 40, to, target.length, 2n, 4, 0n, 0n, 0xffff_ffff_ffff_ffffn, 0n);
  }, { tracing: true });
  for (let i = 0; i < 6; i++) assert.equal(r2.st(i), 0, `command ${i}`);
  const invocations = charges(r2.ret.execTrace, 'OnMethodInvocation');
  assert.equal(invocations.length, 3);
  assert.equal(invocations[1]! - invocations[2]!, 300n * GAS);
});
