// The WASM BLAKE2b of src/crypto/blake2b.ts: published answers, and agreement with
// @noble/hashes on every length class (block and staging-chunk boundaries) and digest size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake2b as nobleBlake2b } from '@noble/hashes/blake2.js';
import { blake2b, blake2b256, blake2bCompressModule } from '../../src/crypto/blake2b.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const abc = new TextEncoder().encode('abc');

test('RFC 7693 appendix A: BLAKE2b-512("abc")', () => {
  assert.equal(
    hex(blake2b(abc, 64)),
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
  );
});

test('BLAKE2b-256 of "abc" and of the empty input', () => {
  assert.equal(hex(blake2b256(abc)), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  assert.equal(hex(blake2b256(new Uint8Array(0))), '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
});

test('the compression module is valid WebAssembly', () => {
  assert.ok(WebAssembly.validate(blake2bCompressModule()));
});

test('agrees with @noble/hashes across block and chunk boundaries', () => {
  const lengths = [1, 63, 64, 127, 128, 129, 255, 256, 257, 1023, 63999, 64000, 64001, 64127, 64128, 64129, 128000, 200003];
  for (const n of lengths) {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = (i * 131 + n) & 0xff;
    for (const out of [32, 64, 20, 1]) {
      assert.equal(hex(blake2b(data, out)), hex(nobleBlake2b(data, { dkLen: out })), `length ${n}, digest ${out}`);
    }
  }
});

test('agrees with @noble/hashes on random inputs (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1200 }), fc.integer({ min: 1, max: 64 }), fc.nat(16), (data, out, offset) => {
      // Views into a larger buffer must hash only their own bytes.
      const big = new Uint8Array(data.length + offset + 5).fill(0xee);
      big.set(data, offset);
      const view = big.subarray(offset, offset + data.length);
      assert.equal(hex(blake2b(view, out)), hex(nobleBlake2b(data, { dkLen: out })));
    }),
    { numRuns: 300 },
  );
});

test('rejects digest lengths outside 1..64', () => {
  for (const bad of [0, 65, 1.5, -1]) assert.throws(() => blake2b(abc, bad), RangeError);
});
