// crypto::* and rand::* syscalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { Address } from '../../src/primitives/address.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { encodeCbor, cidOf } from '../../src/ipld/cbor.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { dataCommitmentV1ToCid } from '../../src/crypto/commcid.js';
import { zeroPieceCommitment } from '../../src/crypto/piece.js';
import { buildWorld, readI32, readU32, readU64 } from './harness.js';
import { OUT, runProbe } from './probe.js';

const te = new TextEncoder();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function signSecp(secret: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const rec = secp256k1.sign(blake2b(plaintext, { dkLen: 32 }), secret, { prehash: false, format: 'recovered' });
  const sig = new Uint8Array(65);
  sig.set(rec.subarray(1), 0);
  sig[64] = rec[0]!;
  return sig;
}

test('crypto::verify_signature: valid and invalid secp256k1 signatures; bad type and signer', () => {
  const w = buildWorld();
  const secret = new Uint8Array(32).fill(7);
  const signer = Address.newSecp256k1(secp256k1.getPublicKey(secret, false)).toBytes();
  const plaintext = te.encode('the message');
  const sig = signSecp(secret, plaintext);
  const r = runProbe(w, (p) => {
    const s = p.bytes(sig);
    const a = p.bytes(signer);
    const [pt, ptLen] = p.text('the message');
    const [wrong, wrongLen] = p.text('another message');
    p.call('crypto', 'verify_signature', OUT, 1, s, 65, a, signer.length, pt, ptLen);
    p.call('crypto', 'verify_signature', OUT + 4, 1, s, 65, a, signer.length, wrong, wrongLen);
    p.call('crypto', 'verify_signature', OUT + 8, 3, s, 65, a, signer.length, pt, ptLen);
    const f2 = Address.newActor(new Uint8Array([1])).toBytes();
    p.call('crypto', 'verify_signature', OUT + 8, 1, s, 65, p.bytes(f2), f2.length, pt, ptLen);
    p.call('crypto', 'verify_signature', OUT + 8, 1, s, 65, a, signer.length, 3 * 65536 - 3, ptLen);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readI32(r.out, OUT), 0);
  assert.equal(r.st(1), 0);
  assert.equal(readI32(r.out, OUT + 4), -1);
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
});

test('crypto::recover_secp_public_key: recovers the key; an invalid signature is IllegalArgument', () => {
  const w = buildWorld();
  const secret = new Uint8Array(32).fill(9);
  const pub = secp256k1.getPublicKey(secret, false);
  const sig = signSecp(secret, te.encode('x'));
  const r = runProbe(w, (p) => {
    const h = p.bytes(blake2b(te.encode('x'), { dkLen: 32 }));
    p.call('crypto', 'recover_secp_public_key', OUT, h, p.bytes(sig));
    p.call('crypto', 'recover_secp_public_key', OUT + 100, h, p.bytes(new Uint8Array(65)));
    p.call('crypto', 'recover_secp_public_key', OUT + 100, h, 3 * 65536 - 10);
  });
  assert.equal(r.st(0), 0);
  assert.equal(hex(r.out.subarray(OUT, OUT + 65)), hex(pub));
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
});

test('crypto::hash: sha2-256, keccak-256, ripemd-160, blake2b; truncation; unsupported code', () => {
  const w = buildWorld();
  const r = runProbe(w, (p) => {
    const [abc, n] = p.text('abc');
    p.call('crypto', 'hash', OUT, 0x12, abc, n, OUT + 100, 64);
    p.call('crypto', 'hash', OUT + 4, 0x1b, abc, 0, OUT + 200, 64);
    p.call('crypto', 'hash', OUT + 8, 0x1053, abc, n, OUT + 300, 64);
    p.call('crypto', 'hash', OUT + 12, 0x12, abc, n, OUT + 400, 8);
    p.call('crypto', 'hash', OUT + 16, 0xb240, abc, n, OUT + 500, 64);
    p.call('crypto', 'hash', OUT + 20, 0x99, abc, n, OUT + 600, 64);
    p.call('crypto', 'hash', OUT + 20, 0x12, abc, n, 3 * 65536 - 4, 32);
  });
  assert.equal(readU32(r.out, OUT), 32);
  assert.equal(hex(r.out.subarray(OUT + 100, OUT + 132)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(r.out.subarray(OUT + 200, OUT + 232)), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  assert.equal(readU32(r.out, OUT + 8), 20);
  assert.equal(hex(r.out.subarray(OUT + 300, OUT + 320)), '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
  assert.equal(readU32(r.out, OUT + 12), 8);
  assert.equal(hex(r.out.subarray(OUT + 400, OUT + 408)), 'ba7816bf8f01cfea');
  assert.equal(readU32(r.out, OUT + 16), 64);
  assert.equal(
    hex(r.out.subarray(OUT + 500, OUT + 564)),
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
  );
  assert.equal(r.st(5), ErrorNumber.IllegalArgument);
  assert.equal(r.st(6), ErrorNumber.IllegalArgument);
});

test('crypto::compute_unsealed_sector_cid: empty 2 KiB sector; bad proof type, bad CBOR, small buffer', () => {
  const w = buildWorld();
  const expected = dataCommitmentV1ToCid(zeroPieceCommitment(2048n)).bytes;
  const r = runProbe(w, (p) => {
    const none = encodeCbor([]);
    const at = p.bytes(none);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT, 0, at, none.length, OUT + 100, 100);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT + 4, 15, at, none.length, OUT + 200, 100);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT + 4, 0, p.bytes(new Uint8Array([0xff])), 1, OUT + 200, 100);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT + 4, 0, at, none.length, OUT + 200, 10);
    // A piece CID that is not a piece commitment.
    const bad = encodeCbor([[2048, cidOf(new Uint8Array([1]))]]);
    p.call('crypto', 'compute_unsealed_sector_cid', OUT + 4, 0, p.bytes(bad), bad.length, OUT + 200, 100);
  });
  assert.equal(r.st(0), 0);
  assert.equal(readU32(r.out, OUT), expected.length);
  assert.equal(hex(r.out.subarray(OUT + 100, OUT + 100 + expected.length)), hex(expected));
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);
  assert.equal(r.st(3), ErrorNumber.BufferTooSmall);
  assert.equal(r.st(4), ErrorNumber.IllegalArgument);
});

const sealed = CID.createV1(0xf102, createDigest(0xb401, new Uint8Array(32).fill(1)));
const unsealed = CID.createV1(0xf101, createDigest(0x1012, new Uint8Array(32).fill(2)));
const postInfo = encodeCbor([new Uint8Array(32), [[13, new Uint8Array(192)]], [[8, 1, sealed]], 1000]);
const aggInfo = encodeCbor([1000, 8, 0, new Uint8Array(10), [[1, new Uint8Array(32), new Uint8Array(32), sealed, unsealed]]]);
const repInfo = encodeCbor([3, sealed, sealed, unsealed, [1, 2, 3]]);
const sealInfo = [8, [1000, 1], [], new Uint8Array(32), new Uint8Array(32), new Uint8Array(10), sealed, unsealed];
const batch = encodeCbor([sealInfo, sealInfo]);

function proofProgram(p: import('./harness.js').Program): void {
  const at = (b: Uint8Array): [number, number] => [p.bytes(b), b.length];
  p.call('crypto', 'verify_post', OUT, ...at(postInfo));
  p.call('crypto', 'verify_aggregate_seals', OUT + 4, ...at(aggInfo));
  p.call('crypto', 'verify_replica_update', OUT + 8, ...at(repInfo));
  p.call('crypto', 'batch_verify_seals', ...at(batch), OUT + 12);
  const garbage = at(encodeCbor([1, 2]));
  p.call('crypto', 'verify_post', OUT + 16, ...garbage);
  p.call('crypto', 'verify_aggregate_seals', OUT + 16, ...garbage);
  p.call('crypto', 'verify_replica_update', OUT + 16, ...garbage);
  p.call('crypto', 'batch_verify_seals', ...garbage, OUT + 16);
}

test('crypto proof syscalls delegate to the externs; malformed infos are IllegalArgument', () => {
  for (const accept of [true, false]) {
    const w = buildWorld();
    const r = runProbe(w, proofProgram, { externs: new StaticExterns({ acceptProofs: accept }) });
    for (let i = 0; i < 4; i++) assert.equal(r.st(i), 0, `command ${i}`);
    const expect = accept ? 0 : -1;
    assert.equal(readI32(r.out, OUT), expect);
    assert.equal(readI32(r.out, OUT + 4), expect);
    assert.equal(readI32(r.out, OUT + 8), expect);
    assert.deepEqual([...r.out.subarray(OUT + 12, OUT + 14)], accept ? [1, 1] : [0, 0]);
    for (let i = 4; i < 8; i++) assert.equal(r.st(i), ErrorNumber.IllegalArgument, `command ${i}`);
  }
});

test('crypto proofs with the conformance test kernel: accepted, batch seals free', () => {
  const w = buildWorld();
  const r = runProbe(w, proofProgram, { testKernel: true, tracing: true });
  assert.equal(readI32(r.out, OUT), 0);
  assert.deepEqual([...r.out.subarray(OUT + 12, OUT + 14)], [1, 1]);
  const names = r.ret.execTrace.flatMap((e) => (e.type === 'gas_charge' ? [e.charge.name] : []));
  assert.ok(names.includes('OnVerifyPost'));
  assert.ok(names.includes('OnVerifyAggregateSeals'));
  assert.ok(!names.includes('OnVerifySeal'));
});

test('crypto::verify_consensus_fault: no fault found; out-of-bounds headers', () => {
  const w = buildWorld();
  const externs = new StaticExterns();
  const r = runProbe(w, (p) => {
    const h = p.bytes(new Uint8Array([1, 2, 3]));
    p.call('crypto', 'verify_consensus_fault', OUT, h, 3, h, 3, h, 0);
    p.call('crypto', 'verify_consensus_fault', OUT, h, 3, 3 * 65536 - 1, 3, h, 0);
  }, { externs });
  assert.equal(r.st(0), 0);
  assert.equal(readU64(r.out, OUT), 0n);
  assert.equal(readU64(r.out, OUT + 8), 0n);
  assert.equal(readU32(r.out, OUT + 16), 0);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
});

test('rand::get_chain_randomness and rand::get_beacon_randomness: drawn from the extern digest', () => {
  const w = buildWorld();
  const base = (tag: number) => (round: bigint) => blake2b(new Uint8Array([tag, Number(round & 0xffn)]), { dkLen: 32 });
  const externs = new StaticExterns({ chainRandomness: base(1), beaconRandomness: base(2) });
  const r = runProbe(w, (p) => {
    const [e, n] = p.text('entropy');
    p.call('rand', 'get_chain_randomness', OUT, 7, 990, e, n);
    p.call('rand', 'get_beacon_randomness', OUT + 32, -3, 991, e, 0);
    p.call('rand', 'get_chain_randomness', OUT + 64, 7, 990, 3 * 65536 - 2, n);
  }, { externs });
  const draw = (digest: Uint8Array, pers: bigint, round: bigint, entropy: Uint8Array): string => {
    const buf = new Uint8Array(48 + entropy.length);
    new DataView(buf.buffer).setBigInt64(0, pers);
    buf.set(digest, 8);
    new DataView(buf.buffer).setBigInt64(40, round);
    buf.set(entropy, 48);
    return hex(blake2b(buf, { dkLen: 32 }));
  };
  assert.equal(r.st(0), 0);
  assert.equal(hex(r.out.subarray(OUT, OUT + 32)), draw(base(1)(990n), 7n, 990n, te.encode('entropy')));
  assert.equal(r.st(1), 0);
  assert.equal(hex(r.out.subarray(OUT + 32, OUT + 64)), draw(base(2)(991n), -3n, 991n, new Uint8Array(0)));
  assert.equal(r.st(2), ErrorNumber.IllegalArgument);

  // Without randomness from the node, the syscall fails with IllegalArgument.
  const none = runProbe(buildWorld(), (p) => p.call('rand', 'get_chain_randomness', OUT, 1, 1, 0, 0));
  assert.equal(none.st(0), ErrorNumber.IllegalArgument);
});
