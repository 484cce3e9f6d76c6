import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake2b } from '@noble/hashes/blake2.js';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { CborError, encodeCbor } from '../../src/ipld/cbor.js';
import {
  Address,
  FieldError,
  type Message,
  SignatureType,
  checkMessage,
  decodeMessage,
  decodeSignature,
  decodeSignedMessage,
  encodeMessage,
  encodeSignature,
  encodeSignedMessage,
  messageCid,
  signedMessageCid,
} from '../../src/primitives/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectorsDir = resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function* jsonFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* jsonFiles(p);
    else if (name.endsWith('.json')) yield p;
  }
}

interface VectorFile {
  _meta?: { gen?: { source?: string }[] };
  apply_messages?: { bytes: string }[];
}

function blake2bCid(bytes: Uint8Array): CID {
  return CID.createV1(0x71, createDigest(0xb220, blake2b(bytes, { dkLen: 32 })));
}

test('every message in the conformance vectors re-encodes byte for byte and has the recorded CID', (t) => {
  if (!existsSync(vectorsDir)) {
    t.skip('no test vectors: see README');
    return;
  }
  let files = 0;
  let messages = 0;
  let cidsChecked = 0;
  for (const file of jsonFiles(vectorsDir)) {
    files++;
    const vector = JSON.parse(readFileSync(file, 'utf8')) as VectorFile;
    const recorded = vector._meta?.gen?.map((g) => g.source ?? '').find((s) => s.startsWith('message:'));
    for (const m of vector.apply_messages ?? []) {
      const bytes = Buffer.from(m.bytes, 'base64');
      const msg = decodeMessage(bytes, `message in ${file}`);
      assert.equal(hex(encodeMessage(msg)), hex(bytes), file);
      messages++;
      // Lotus records the CID of the message it extracted; it must match ours.
      if (recorded !== undefined && vector.apply_messages!.length === 1) {
        assert.equal(messageCid(msg).toString(), recorded.slice('message:'.length), file);
        cidsChecked++;
      }
    }
  }
  t.diagnostic(`${files} vector files, ${messages} messages re-encoded, ${cidsChecked} CIDs matched`);
  assert.equal(files, 377);
  assert.ok(messages >= 377);
  assert.ok(cidsChecked > 0);
});

function sampleMessage(): Message {
  return {
    version: 0n,
    to: Address.newId(1234n),
    from: Address.fromString('f15ihq5ibzwki2b4ep2f46avlkrqzhpqgtga7pdrq'),
    sequence: 7n,
    value: 10n ** 18n,
    gasLimit: 1_000_000n,
    gasFeeCap: 100n,
    gasPremium: 1n,
    method: 2n,
    params: Uint8Array.from([0x80]),
  };
}

test('message tuple layout: field order and types', () => {
  const bytes = encodeMessage(sampleMessage());
  // 8a: array(10); 00 version; 43 00 d2 09 to=f01234; 55 01.. from; 07 seq; 49 00 0de0b6b3a7640000 value;
  // 1a 000f4240 gas limit; 42 0064 fee cap; 42 0001 premium; 02 method; 41 80 params.
  assert.equal(
    hex(bytes),
    '8a' +
      '00' +
      '4300d209' +
      '5501ea0f0ea039b291a0f08fd179e0556a8c3277c0d3' +
      '07' +
      '49000de0b6b3a7640000' +
      '1a000f4240' +
      '420064' +
      '420001' +
      '02' +
      '4180',
  );
  const back = decodeMessage(bytes);
  assert.ok(back.to.equals(Address.newId(1234n)));
  assert.equal(back.value, 10n ** 18n);
  assert.equal(back.method, 2n);
  assert.equal(messageCid(back).toString(), blake2bCid(bytes).toString());
});

test('u64 fields above 2^53 survive the round trip', () => {
  const big = { ...sampleMessage(), sequence: (1n << 64n) - 1n, method: (1n << 60n) + 3n, gasLimit: 1n << 62n };
  const back = decodeMessage(encodeMessage(big));
  assert.equal(back.sequence, (1n << 64n) - 1n);
  assert.equal(back.method, (1n << 60n) + 3n);
  assert.equal(back.gasLimit, 1n << 62n);
});

test('decodeMessage rejects malformed messages, naming the field', () => {
  const good = encodeMessage(sampleMessage());
  const tuple = (edit: (f: unknown[]) => void): Uint8Array => {
    const f: unknown[] = [
      0,
      Address.newId(1n).toBytes(),
      Address.newId(2n).toBytes(),
      0,
      new Uint8Array(0),
      1000,
      new Uint8Array(0),
      new Uint8Array(0),
      0,
      new Uint8Array(0),
    ];
    edit(f);
    return encodeCbor(f);
  };
  const fieldErr = (re: RegExp) => (e: unknown) => e instanceof FieldError && re.test(e.message);
  assert.throws(() => decodeMessage(tuple((f) => f.pop())), fieldErr(/10 elements, got 9/));
  assert.throws(() => decodeMessage(tuple((f) => f.push(0))), fieldErr(/got 11/));
  assert.throws(() => decodeMessage(tuple((f) => (f[1] = Uint8Array.from([7, 1])))), fieldErr(/message\.to.*unknown protocol 7/));
  assert.throws(() => decodeMessage(tuple((f) => (f[2] = 'f01'))), fieldErr(/message\.from.*byte string/));
  assert.throws(() => decodeMessage(tuple((f) => (f[3] = -1))), fieldErr(/message\.sequence.*u64/));
  assert.throws(() => decodeMessage(tuple((f) => (f[4] = Uint8Array.from([2, 1])))), fieldErr(/message\.value.*sign/));
  assert.throws(() => decodeMessage(tuple((f) => (f[5] = 1.5))), fieldErr(/message\.gasLimit.*integer/));
  assert.throws(() => decodeMessage(tuple((f) => (f[0] = -(1n << 63n)))), fieldErr(/message\.version.*u64/));
  assert.throws(() => decodeMessage(tuple((f) => (f[8] = 'x'))), fieldErr(/message\.method/));
  assert.throws(() => decodeMessage(tuple((f) => (f[9] = null))), fieldErr(/message\.params/));
  assert.throws(() => decodeMessage(encodeCbor({ to: 1 })), fieldErr(/expected a CBOR array/));
  // Not CBOR at all / trailing bytes: the CBOR layer names the object.
  assert.throws(() => decodeMessage(Uint8Array.from([...good, 0]), 'msg X'), (e: unknown) => e instanceof CborError && /msg X/.test(e.message));
  assert.throws(() => decodeMessage(good.subarray(0, 10)), CborError);
});

test('checkMessage applies the reference gas-limit checks', () => {
  checkMessage(sampleMessage());
  assert.throws(() => checkMessage({ ...sampleMessage(), gasLimit: 0n }), /no gas limit/);
  assert.throws(() => checkMessage({ ...sampleMessage(), gasLimit: 1n << 63n }), /exceeds i64 max/);
  checkMessage({ ...sampleMessage(), gasLimit: (1n << 63n) - 1n });
});

test('signatures are type byte || data', () => {
  const sig = { type: SignatureType.Secp256k1, data: new Uint8Array(65).fill(3) };
  const b = encodeSignature(sig);
  assert.equal(b[0], 1);
  assert.equal(b.length, 66);
  assert.deepEqual(decodeSignature(b), sig);
  assert.deepEqual(decodeSignature(Uint8Array.from([2, 9])), { type: SignatureType.BLS, data: Uint8Array.from([9]) });
  assert.throws(() => decodeSignature(new Uint8Array(0)), /empty/);
  assert.throws(() => decodeSignature(Uint8Array.from([3, 1])), /must be 1 or 2/);
  assert.throws(() => decodeSignature(Uint8Array.from([0])), /must be 1 or 2/);
});

test('signed messages: layout, round trip, and the CID rule for BLS', () => {
  const message = sampleMessage();
  const unsigned = encodeMessage(message);
  const secpSig = new Uint8Array(65).fill(0xab);
  const secp = { message, signature: { type: SignatureType.Secp256k1, data: secpSig } };
  const bytes = encodeSignedMessage(secp);
  // array(2), the message tuple, then a 66-byte byte string (58 42) holding 01 || signature.
  const expected = Uint8Array.from([0x82, ...unsigned, 0x58, 0x42, 0x01, ...secpSig]);
  assert.equal(hex(bytes), hex(expected));
  const back = decodeSignedMessage(bytes);
  assert.equal(hex(encodeSignedMessage(back)), hex(bytes));
  assert.equal(signedMessageCid(secp).toString(), blake2bCid(expected).toString());
  assert.notEqual(signedMessageCid(secp).toString(), messageCid(message).toString());

  const bls = { message, signature: { type: SignatureType.BLS, data: new Uint8Array(96).fill(1) } };
  assert.equal(signedMessageCid(bls).toString(), blake2bCid(unsigned).toString());

  assert.throws(() => decodeSignedMessage(encodeCbor([1])), /2 elements/);
  assert.throws(() => decodeSignedMessage(encodeCbor([[], Uint8Array.from([1])])), /signed message\.message/);
  assert.throws(
    () => decodeSignedMessage(Uint8Array.from([0x82, ...unsigned, 0x41, 0x05])),
    (e: unknown) => e instanceof FieldError && /signature/.test(e.message),
  );
});
