import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import {
  ATTO_PER_FIL,
  FieldError,
  MAX_BIGINT_SIZE,
  TokenAmountError,
  decodeBigInt,
  decodeBigUint,
  encodeBigInt,
  encodeBigUint,
  formatFil,
  formatTokenAmount,
  fromNanoFil,
  fromWholeFil,
  parseFil,
  tokenFromCbor,
  tokenFromU128Parts,
  tokenToU128Parts,
} from '../../src/primitives/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('big-integer bytes: known encodings', () => {
  const cases: [bigint, string][] = [
    [0n, ''],
    [1n, '0001'],
    [-1n, '0101'],
    [255n, '00ff'],
    [256n, '000100'],
    [-256n, '01' + '0100'],
    [10n ** 18n, '000de0b6b3a7640000'],
  ];
  for (const [n, h] of cases) {
    assert.equal(hex(encodeBigInt(n)), h, String(n));
    assert.equal(decodeBigInt(Buffer.from(h, 'hex')), n, h);
  }
  // As a CBOR field: a byte string (major type 2).
  assert.equal(hex(encodeCbor(encodeBigInt(1n))), '420001');
  assert.equal(tokenFromCbor(decodeCbor(Buffer.from('420001', 'hex'))), 1n);
});

test('big-integer bytes: size limit of the reference (128 bytes with the sign)', () => {
  const limbs = MAX_BIGINT_SIZE / 4;
  const good = (1n << BigInt(32 * (limbs - 1))) - 1n; // 124-byte magnitude
  assert.equal(decodeBigInt(encodeBigInt(good)), good);
  assert.equal(decodeBigInt(encodeBigInt(-good)), -good);
  const biggestOk = (1n << 1016n) - 1n; // 127-byte magnitude + sign = 128
  assert.equal(encodeBigInt(biggestOk).length, 128);
  const bad = (1n << BigInt(32 * limbs)) - 1n; // 128-byte magnitude + sign = 129
  assert.throws(() => encodeBigInt(bad), TokenAmountError);
  assert.throws(() => encodeBigInt(-bad), TokenAmountError);
  const tooLong = new Uint8Array(129);
  tooLong[1] = 1;
  assert.throws(() => decodeBigInt(tooLong), /at most 128/);
});

test('big-integer bytes: sign byte must be 0 or 1; non-minimal forms read like the reference', () => {
  assert.throws(() => decodeBigInt(Uint8Array.from([2, 1])), /sign/);
  assert.throws(() => decodeBigInt(Uint8Array.from([0xff])), /sign/);
  // Leading zero magnitude bytes and a bare sign byte are accepted, as num-bigint reads them.
  assert.equal(decodeBigInt(Uint8Array.from([0, 0, 1])), 1n);
  assert.equal(decodeBigInt(Uint8Array.from([0])), 0n);
  assert.equal(decodeBigInt(Uint8Array.from([1])), 0n);
  assert.equal(decodeBigInt(Uint8Array.from([1, 0, 5])), -5n);
  assert.throws(() => tokenFromCbor('1', 'message.value'), (e: unknown) => e instanceof FieldError && /message\.value/.test(e.message));
  assert.throws(() => tokenFromCbor(Uint8Array.from([7]), 'message.value'), (e: unknown) => e instanceof FieldError && /sign/.test(e.message));
});

test('unsigned big integers require sign byte 0', () => {
  assert.equal(hex(encodeBigUint(5n)), '0005');
  assert.equal(decodeBigUint(Uint8Array.from([0, 5])), 5n);
  assert.equal(decodeBigUint(new Uint8Array(0)), 0n);
  assert.throws(() => decodeBigUint(Uint8Array.from([1, 5])), /first byte must be 0/);
  assert.throws(() => encodeBigUint(-1n), TokenAmountError);
});

test('property: big-integer bytes round trip and are minimal', () => {
  const limit = (1n << 1016n) - 1n;
  fc.assert(
    fc.property(fc.oneof(fc.bigInt({ min: -limit, max: limit }), fc.bigInt({ min: -(1n << 70n), max: 1n << 70n })), (n) => {
      const b = encodeBigInt(n);
      assert.equal(decodeBigInt(b), n);
      if (n === 0n) assert.equal(b.length, 0);
      else {
        assert.equal(b[0], n < 0n ? 1 : 0);
        assert.notEqual(b[1], 0, 'magnitude has no leading zero byte');
      }
      assert.equal(tokenFromCbor(decodeCbor(encodeCbor(b))), n);
    }),
    { numRuns: 1000 },
  );
});

test('display matches the reference TokenAmount display', () => {
  const cases: [bigint, string][] = [
    [0n, '0.0'],
    [1n, '0.000000000000000001'],
    [1000n, '0.000000000000001'],
    [123_400_000_000_000_000n, '0.1234'],
    [101_010_000_000_000_000n, '0.10101'],
    [fromWholeFil(1), '1.0'],
    [1_100_000_000_000_000_000n, '1.1'],
    [1_000_000_000_000_000_001n, '1.000000000000000001'],
    [fromWholeFil(1234) + 123_456_789n, '1234.000000000123456789'],
    [-fromNanoFil(1000), '-0.000001'],
  ];
  for (const [atto, text] of cases) assert.equal(formatTokenAmount(atto), text);
  assert.equal(formatFil(1_500_000_000_000_000_000n), '1.5 FIL');
});

test('parseFil reads decimals and units exactly', () => {
  assert.equal(parseFil('1.5'), 1_500_000_000_000_000_000n);
  assert.equal(parseFil('1.5 FIL'), 1_500_000_000_000_000_000n);
  assert.equal(parseFil('-0.000001 fil'), -1_000_000_000_000n);
  assert.equal(parseFil('0.000000000000000001'), 1n);
  assert.equal(parseFil('.5'), ATTO_PER_FIL / 2n);
  assert.equal(parseFil('7 attoFIL'), 7n);
  assert.equal(parseFil('2.5 nanoFIL'), 2_500_000_000n);
  assert.equal(parseFil('1.000000000000000000000'), ATTO_PER_FIL); // trailing zeros are exact
  for (const bad of ['', '.', 'abc', '1 BTC', '1.0000000000000000001', '1.5 attoFIL', '1e18', '--1']) {
    assert.throws(() => parseFil(bad), TokenAmountError, bad);
  }
});

test('property: parseFil inverts formatFil', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (atto) => {
      assert.equal(parseFil(formatFil(atto)), atto);
      assert.equal(parseFil(formatTokenAmount(atto)), atto);
    }),
    { numRuns: 500 },
  );
});

test('u128 halves of the syscall ABI', () => {
  const max = (1n << 128n) - 1n;
  assert.deepEqual(tokenToU128Parts(max), { lo: (1n << 64n) - 1n, hi: (1n << 64n) - 1n });
  assert.deepEqual(tokenToU128Parts(ATTO_PER_FIL), { lo: ATTO_PER_FIL, hi: 0n });
  assert.equal(tokenFromU128Parts(5n, 1n), (1n << 64n) + 5n);
  assert.throws(() => tokenToU128Parts(max + 1n), TokenAmountError);
  assert.throws(() => tokenToU128Parts(-1n), TokenAmountError);
  assert.throws(() => tokenFromU128Parts(1n << 64n, 0n), TokenAmountError);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max }), (n) => {
      const { lo, hi } = tokenToU128Parts(n);
      assert.equal(tokenFromU128Parts(lo, hi), n);
    }),
  );
});
