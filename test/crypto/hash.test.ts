import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoArgumentError, SupportedHashes, digestSize, hashBy, isSupportedHash } from '../../src/crypto/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// Published test vectors (FIPS 180 for SHA-256, RFC 7693 / reference blake2b, Keccak team /
// Ethereum for Keccak-256, the RIPEMD-160 authors' page).
const VECTORS: ReadonlyArray<readonly [number, string, string]> = [
  [SupportedHashes.Sha2_256, '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  [SupportedHashes.Sha2_256, 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [SupportedHashes.Blake2b256, '', '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8'],
  [SupportedHashes.Blake2b256, 'abc', 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319'],
  [
    SupportedHashes.Blake2b512,
    '',
    '786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce',
  ],
  [
    SupportedHashes.Blake2b512,
    'abc',
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
  ],
  [SupportedHashes.Keccak256, '', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  [SupportedHashes.Keccak256, 'abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  [SupportedHashes.Ripemd160, '', '9c1185a5c5e9fc54612808977ee8f548b2258d31'],
  [SupportedHashes.Ripemd160, 'abc', '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc'],
];

test('hashBy: known answers for every supported multihash code', () => {
  for (const [code, input, expected] of VECTORS) {
    assert.equal(hex(hashBy(code, ascii(input))), expected, `code 0x${code.toString(16)} over ${JSON.stringify(input)}`);
    assert.equal(hex(hashBy(BigInt(code), ascii(input))), expected, 'bigint code');
  }
});

test('digest sizes are the full digests (the syscall truncates, not us)', () => {
  assert.equal(digestSize(SupportedHashes.Sha2_256), 32);
  assert.equal(digestSize(SupportedHashes.Blake2b256), 32);
  assert.equal(digestSize(SupportedHashes.Blake2b512), 64);
  assert.equal(digestSize(SupportedHashes.Keccak256), 32);
  assert.equal(digestSize(SupportedHashes.Ripemd160), 20);
  assert.equal(hashBy(SupportedHashes.Blake2b512, new Uint8Array(1000)).length, 64);
});

test('unsupported codes are an IllegalArgument-class error', () => {
  // identity, sha2-512, sha3-256, blake2b-160 and a code beyond u32 are all refused.
  for (const code of [0x00, 0x13, 0x16, 0xb214, 2n ** 64n - 1n, -1]) {
    assert.equal(isSupportedHash(code), false, `code ${code}`);
    assert.throws(() => hashBy(code, ascii('abc')), CryptoArgumentError);
  }
  assert.throws(() => hashBy(0x13, new Uint8Array()), /unsupported hash code 0x13/);
});
