import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { encodeCbor } from '../../src/ipld/cbor.js';
import {
  EMPTY_ARRAY_CID,
  FieldError,
  type Receipt,
  decodeReceipt,
  encodeReceipt,
  receiptFormatFor,
} from '../../src/primitives/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const base: Receipt = { exitCode: 0, returnData: new Uint8Array(0), gasUsed: 100n, eventsRoot: null };

test('receipt tuples: 4 fields from nv18, 3 before', () => {
  // [0, h'', 100, null] and [0, h'', 100]
  assert.equal(hex(encodeReceipt(base)), '84004018' + '64f6');
  assert.equal(hex(encodeReceipt(base, 'legacy')), '8300401864');
  const cidBytes = EMPTY_ARRAY_CID.bytes;
  const withEvents = { ...base, exitCode: 16, returnData: Uint8Array.from([1, 2]), eventsRoot: EMPTY_ARRAY_CID };
  // tag 42 (d8 2a) around a byte string of 0x00 || CID bytes
  assert.equal(hex(encodeReceipt(withEvents)), `84104201021864d82a5827${'00'}${hex(cidBytes)}`);
  const back = decodeReceipt(encodeReceipt(withEvents));
  assert.equal(back.exitCode, 16);
  assert.ok(back.eventsRoot !== null && back.eventsRoot.equals(EMPTY_ARRAY_CID));
  assert.equal(receiptFormatFor(17), 'legacy');
  assert.equal(receiptFormatFor(18), 'events');
});

test('decodeReceipt: both forms without a format, the exact form with one', () => {
  const legacy = encodeReceipt(base, 'legacy');
  const events = encodeReceipt(base);
  assert.equal(decodeReceipt(legacy).eventsRoot, null);
  assert.equal(decodeReceipt(events).gasUsed, 100n);
  assert.throws(() => decodeReceipt(legacy, 'events'), /4 elements, got 3/);
  assert.throws(() => decodeReceipt(events, 'legacy'), /3 elements, got 4/);
  // The legacy gas figure was an i64.
  assert.equal(decodeReceipt(encodeCbor([0, new Uint8Array(0), -5])).gasUsed, -5n);
});

test('decodeReceipt rejects malformed receipts, naming the field', () => {
  const bad = (fields: unknown[], re: RegExp): void => {
    assert.throws(() => decodeReceipt(encodeCbor(fields)), (e: unknown) => e instanceof FieldError && re.test(e.message));
  };
  bad([0, new Uint8Array(0), 1, null, null], /got 5/);
  bad([-1, new Uint8Array(0), 1, null], /receipt\.exitCode/);
  bad([2 ** 32, new Uint8Array(0), 1, null], /receipt\.exitCode.*u32/);
  bad([0, 'x', 1, null], /receipt\.returnData/);
  bad([0, new Uint8Array(0), -1, null], /receipt\.gasUsed.*u64/);
  bad([0, new Uint8Array(0), 1, new Uint8Array(3)], /receipt\.eventsRoot.*CID/);
  assert.throws(() => encodeReceipt({ ...base, eventsRoot: EMPTY_ARRAY_CID }, 'legacy'), /events root/);
  assert.throws(() => encodeReceipt({ ...base, exitCode: -1 }), /u32/);
  assert.throws(() => encodeReceipt({ ...base, gasUsed: -1n }), /u64/);
});

test('property: receipts round trip in both forms', () => {
  const cid = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => CID.createV1(0x71, createDigest(0xb220, d)));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      fc.option(cid, { nil: null }),
      (exitCode, returnData, gasUsed, eventsRoot) => {
        const r: Receipt = { exitCode, returnData, gasUsed, eventsRoot };
        const back = decodeReceipt(encodeReceipt(r), 'events');
        assert.equal(back.exitCode, exitCode);
        assert.deepEqual(back.returnData, returnData);
        assert.equal(back.gasUsed, gasUsed);
        assert.equal(back.eventsRoot?.toString() ?? null, eventsRoot?.toString() ?? null);
        const legacy = decodeReceipt(encodeReceipt({ ...r, eventsRoot: null }, 'legacy'), 'legacy');
        assert.equal(legacy.gasUsed, gasUsed);
      },
    ),
    { numRuns: 300 },
  );
});
