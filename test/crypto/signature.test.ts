import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  BLS_DST,
  CryptoArgumentError,
  SignatureType,
  recoverSecpPublicKey,
  secpAddressPayload,
  splitBlsPlaintexts,
  verifyBlsAggregate,
  verifySignature,
  type SignerAddress,
} from '../../src/crypto/index.js';

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const address = (protocol: number, payload: Uint8Array): SignerAddress => ({ protocol, payload: () => payload });

const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Signs a 32-byte digest with noble and lays it out as Filecoin does: r || s || v. */
function secpSign(digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const recovered = secp256k1.sign(digest, secretKey, { prehash: false, format: 'recovered' });
  const out = new Uint8Array(65);
  out.set(recovered.subarray(1), 0);
  out[64] = recovered[0]!;
  return out;
}

/** The high-s twin of a signature: (r, n - s) with the recovery parity flipped. */
function highS(sig: Uint8Array): Uint8Array {
  const s = BigInt('0x' + toHex(sig.subarray(32, 64)));
  const out = Uint8Array.from(sig);
  out.set(fromHex((SECP_N - s).toString(16).padStart(64, '0')), 32);
  out[64] = sig[64]! ^ 1;
  return out;
}

const SECP_KEY = fromHex('45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8');
const OTHER_KEY = fromHex('0101010101010101010101010101010101010101010101010101010101010101');

test('secp256k1: sign/verify round trip against the f1 payload, wrong signer is false', () => {
  const plaintext = ascii('a Filecoin message');
  const sig = secpSign(blake2b(plaintext, { dkLen: 32 }), SECP_KEY);
  const signer = address(1, secpAddressPayload(secp256k1.getPublicKey(SECP_KEY, false)));
  const other = address(1, secpAddressPayload(secp256k1.getPublicKey(OTHER_KEY, false)));
  assert.equal(verifySignature(SignatureType.Secp256k1, sig, signer, plaintext), true);
  assert.equal(verifySignature(SignatureType.Secp256k1, sig, other, plaintext), false, 'wrong signer');
  assert.equal(verifySignature(SignatureType.Secp256k1, sig, signer, ascii('another message')), false, 'wrong plaintext');
  // The reference accepts high-s (malleated) signatures: they recover the same key.
  assert.equal(verifySignature(SignatureType.Secp256k1, highS(sig), signer, plaintext), true, 'high s');
});

test('secp256k1: malformed signatures do not verify (false, not an error)', () => {
  const plaintext = ascii('x');
  const sig = secpSign(blake2b(plaintext, { dkLen: 32 }), SECP_KEY);
  const signer = address(1, secpAddressPayload(secp256k1.getPublicKey(SECP_KEY, false)));
  const bad = (mutate: (s: Uint8Array) => Uint8Array, why: string): void =>
    assert.equal(verifySignature(SignatureType.Secp256k1, mutate(Uint8Array.from(sig)), signer, plaintext), false, why);
  bad((s) => s.subarray(0, 64), '64 bytes');
  bad((s) => Uint8Array.from([...s, 0]), '66 bytes');
  bad((s) => ((s[64] = 4), s), 'recovery id 4');
  bad((s) => (s.fill(0, 0, 32), s), 'r = 0');
  bad((s) => (s.fill(0xff, 32, 64), s), 's >= n');
  bad((s) => ((s[5] = s[5]! ^ 1), s), 'flipped bit in r');
  // A secp signature checked against a BLS signer (or vice versa) is simply false.
  assert.equal(verifySignature(SignatureType.Secp256k1, sig, address(3, new Uint8Array(48)), plaintext), false);
  assert.equal(verifySignature(SignatureType.BLS, sig, signer, plaintext), false);
});

test('verifySignature: unknown type or non-key signer is an IllegalArgument-class error', () => {
  const sig = new Uint8Array(65);
  assert.throws(() => verifySignature(3, sig, address(1, new Uint8Array(20)), new Uint8Array()), CryptoArgumentError);
  for (const protocol of [0, 2, 4]) {
    assert.throws(
      () => verifySignature(SignatureType.Secp256k1, sig, address(protocol, new Uint8Array(20)), new Uint8Array()),
      /address protocol \d not supported/,
    );
  }
  assert.throws(
    () => verifySignature(SignatureType.BLS, new Uint8Array(96), address(3, new Uint8Array(47)), new Uint8Array()),
    CryptoArgumentError,
  );
});

test('recoverSecpPublicKey: reference known answer (Ethereum ecrecover, high s)', () => {
  // fvm_shared's secp_ecrecover_testvector: s is above n/2, v = 0x1c - 27.
  const hash = fromHex('18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c');
  const sig = new Uint8Array(65);
  sig.set(fromHex('73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f'), 0);
  sig.set(fromHex('eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549'), 32);
  sig[64] = 0x1c - 27;
  const key = recoverSecpPublicKey(hash, sig);
  assert.equal(key.length, 65);
  assert.equal(key[0], 0x04);
  assert.equal(toHex(keccak_256(key.subarray(1)).subarray(12)), 'a94f5374fce5edbc8e2a8697c15331677e6ebf0b');
});

test('recoverSecpPublicKey: round trip (property) and errors', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (seed, msg) => {
      const sk = secp256k1.utils.randomSecretKey(Uint8Array.from([...seed, ...new Uint8Array(16)]));
      const hash = blake2b(msg, { dkLen: 32 });
      const sig = secpSign(hash, sk);
      const expected = toHex(secp256k1.getPublicKey(sk, false));
      assert.equal(toHex(recoverSecpPublicKey(hash, sig)), expected);
      assert.equal(toHex(recoverSecpPublicKey(hash, highS(sig))), expected);
    }),
    { numRuns: 25 },
  );
  const hash = new Uint8Array(32).fill(7);
  const sig = secpSign(hash, SECP_KEY);
  assert.throws(() => recoverSecpPublicKey(hash.subarray(1), sig), /hash must be 32 bytes/);
  assert.throws(() => recoverSecpPublicKey(hash, sig.subarray(1)), /signature must be 65 bytes/);
  const badV = Uint8Array.from(sig);
  badV[64] = 27; // Ethereum-style v is not accepted: 0..3 only
  assert.throws(() => recoverSecpPublicKey(hash, badV), /public key recovery failed/);
  const zeroS = Uint8Array.from(sig).fill(0, 32, 64);
  assert.throws(() => recoverSecpPublicKey(hash, zeroS), CryptoArgumentError);
});

// Known answers published with Filecoin's bls-signatures crate (tests/data.json): the messages
// are the ASCII bytes of the strings.
const BLS_VECTORS = [
  {
    msg: '1234',
    sk: '6de2989580e8210501e005a7e45f645fc525518d4d2acf1b7fce5852d5d3fe5f',
    pk: '981de2d88a80a2d7752ecda66443340a789ea62dd68dca6a3a8caf3b6c1e94248a8819a4f6ba554f50f5ccb8bc40e67c',
    sig: '84aa59cad078a34c3c1f876e924ee199cd8cf74857cebcad3037561964cfda50dce5f4d0709aa690dae7113b01a9c8c31557f5589c38eb720e86864ff0c4446fba21899d4cd0b2862ec395de1dfdb736bf38ca56d17019b257c5d4dd563bf5b7',
  },
  {
    msg: '4fb3300556a1b2e3978f5da60cb0708b4d41385a6008976a88527d418d21cf9e',
    sk: '16696c2bb32968007ca92ec631286349ec19eddb461605c7eaa1d88e08dd356d',
    pk: 'a31e3adf1fd542e00c8ae3d4dafea1133c09cd71723584b159cfb78ab5e1bad97f955b891f761c79fa8215b8c53addf7',
    sig: '8d4512fabe80f7fb68726794a86b2e20cd04b5787aecfbf43b02c8eb67e42b60b797eba0489c4eb1165e4391f31ee8600af43a3d57e6bfdbb950564916f6b1c57e4ef7fba312fd7db431aaec906fa38acefe90687d3755cb3d10b19901bd0074',
  },
] as const;

test('BLS: known-answer signatures from bls-signatures verify; tampering does not', () => {
  const bls = bls12_381.longSignatures;
  const [a, b] = BLS_VECTORS;
  // The vectors and noble agree on the ciphersuite: same key, same signature bytes.
  assert.equal(toHex(bls.getPublicKey(fromHex(a.sk)).toBytes()), a.pk);
  assert.equal(toHex(bls.Signature.toBytes(bls.sign(bls.hash(ascii(a.msg), BLS_DST), fromHex(a.sk)))), a.sig);
  assert.equal(verifySignature(SignatureType.BLS, fromHex(a.sig), address(3, fromHex(a.pk)), ascii(a.msg)), true);
  assert.equal(verifySignature(SignatureType.BLS, fromHex(b.sig), address(3, fromHex(b.pk)), ascii(b.msg)), true);
  assert.equal(verifySignature(SignatureType.BLS, fromHex(a.sig), address(3, fromHex(b.pk)), ascii(a.msg)), false, 'wrong signer');
  assert.equal(verifySignature(SignatureType.BLS, fromHex(a.sig), address(3, fromHex(a.pk)), ascii('1235')), false, 'wrong msg');
  // Malformed bytes are false: short signature, non-curve x, cleared compression flag on the key.
  const pk = address(3, fromHex(a.pk));
  assert.equal(verifySignature(SignatureType.BLS, fromHex(a.sig).subarray(1), pk, ascii(a.msg)), false);
  const offCurve = fromHex(a.sig);
  offCurve[95] = offCurve[95]! ^ 1;
  assert.equal(verifySignature(SignatureType.BLS, offCurve, pk, ascii(a.msg)), false);
  const uncompressedFlag = fromHex(a.pk);
  uncompressedFlag[0] = uncompressedFlag[0]! & 0x7f;
  assert.equal(verifySignature(SignatureType.BLS, fromHex(a.sig), address(3, uncompressedFlag), ascii(a.msg)), false);
});

test('BLS: the zero key with the zero signature never verifies', () => {
  const infinityKey = new Uint8Array(48);
  infinityKey[0] = 0xc0;
  const infinitySig = new Uint8Array(96);
  infinitySig[0] = 0xc0;
  assert.equal(verifySignature(SignatureType.BLS, infinitySig, address(3, infinityKey), ascii('m')), false);
  assert.equal(verifyBlsAggregate(infinitySig, [infinityKey, infinityKey], [ascii('m1'), ascii('m2')]), false);
});

test('BLS aggregate: verifies distinct messages; duplicates, tampering and bad arguments', () => {
  const bls = bls12_381.longSignatures;
  const keys = [1, 2, 3].map((i) => new Uint8Array(32).fill(i));
  const messages = [ascii('first'), ascii('second'), ascii('third')];
  const publicKeys = keys.map((sk) => bls.getPublicKey(sk).toBytes());
  const sigs = keys.map((sk, i) => bls.sign(bls.hash(messages[i]!, BLS_DST), sk));
  const aggregate = bls.Signature.toBytes(bls.aggregateSignatures(sigs));

  assert.equal(verifyBlsAggregate(aggregate, publicKeys, messages), true);
  assert.equal(verifyBlsAggregate(aggregate, publicKeys, [messages[0]!, messages[1]!, ascii('THIRD')]), false);
  // blst refuses repeated messages even when the aggregate is arithmetically right.
  const same = [ascii('same'), ascii('same')];
  const dupAggregate = bls.Signature.toBytes(
    bls.aggregateSignatures(keys.slice(0, 2).map((sk) => bls.sign(bls.hash(same[0]!, BLS_DST), sk))),
  );
  assert.equal(verifyBlsAggregate(dupAggregate, publicKeys.slice(0, 2), same), false);
  // No signers: trivially true (the reference short-circuits before decoding anything).
  assert.equal(verifyBlsAggregate(new Uint8Array(96), [], []), true);
  // Argument errors, as the kernel raises IllegalArgument for them.
  assert.throws(() => verifyBlsAggregate(aggregate, publicKeys, messages.slice(0, 2)), /unequal numbers/);
  assert.throws(() => verifyBlsAggregate(aggregate.subarray(1), publicKeys, messages), CryptoArgumentError);
  assert.throws(() => verifyBlsAggregate(aggregate, [publicKeys[0]!.subarray(1)], [messages[0]!]), CryptoArgumentError);
});

test('splitBlsPlaintexts tiles the buffer exactly', () => {
  const buf = ascii('abcdef');
  assert.deepEqual(splitBlsPlaintexts(buf, [1, 0, 2, 3]).map((p) => new TextDecoder().decode(p)), ['a', '', 'bc', 'def']);
  assert.throws(() => splitBlsPlaintexts(buf, [1, 2]), /doesn't match/);
  assert.throws(() => splitBlsPlaintexts(buf, [4, 4]), /out of bounds/);
});
