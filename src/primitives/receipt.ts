// Message receipts. From nv18 (fvm 3) a receipt has four fields, the last the root of
// the events AMT or null; before, three fields with a signed gas figure.
import type { CID } from 'multiformats/cid';
import { decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { FieldError, i64ToCbor, readBytes, readCid, readI64, readTuple, readU32, readU64, u64ToCbor } from './fields.js';

export interface Receipt {
  exitCode: number;
  returnData: Uint8Array;
  gasUsed: bigint;
  eventsRoot: CID | null;
}

/** 'events': the 4-field form of nv18+; 'legacy': the 3-field form of earlier versions. */
export type ReceiptFormat = 'events' | 'legacy';

/** The receipt form a network version uses. */
export function receiptFormatFor(nv: number): ReceiptFormat {
  return nv >= 18 ? 'events' : 'legacy';
}

export function receiptToCbor(r: Receipt, format: ReceiptFormat = 'events'): unknown[] {
  const exitCode = u32(r.exitCode);
  if (format === 'legacy') {
    if (r.eventsRoot !== null) throw new FieldError('receipt', 'the legacy (3-field) form cannot carry an events root');
    return [exitCode, r.returnData, i64ToCbor(r.gasUsed, 'receipt.gasUsed')];
  }
  return [exitCode, r.returnData, u64ToCbor(r.gasUsed, 'receipt.gasUsed'), r.eventsRoot];
}

function u32(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff_ffff) {
    throw new FieldError('receipt.exitCode', `${code} is not a u32`);
  }
  return code;
}

/**
 * Reads a receipt. With `format`, exactly that form is accepted; without, the form is
 * taken from the tuple length.
 */
export function receiptFromCbor(value: unknown, format?: ReceiptFormat, what = 'receipt'): Receipt {
  const lengths = format === undefined ? [3, 4] : format === 'events' ? [4] : [3];
  const f = readTuple(value, lengths, what);
  const exitCode = readU32(f[0], `${what}.exitCode`);
  const returnData = readBytes(f[1], `${what}.returnData`);
  if (f.length === 3) {
    return { exitCode, returnData, gasUsed: readI64(f[2], `${what}.gasUsed`), eventsRoot: null };
  }
  return {
    exitCode,
    returnData,
    gasUsed: readU64(f[2], `${what}.gasUsed`),
    eventsRoot: f[3] === null ? null : readCid(f[3], `${what}.eventsRoot`),
  };
}

export function encodeReceipt(r: Receipt, format: ReceiptFormat = 'events'): Uint8Array {
  return encodeCbor(receiptToCbor(r, format));
}

export function decodeReceipt(bytes: Uint8Array, format?: ReceiptFormat, what = 'receipt'): Receipt {
  return receiptFromCbor(decodeCbor<unknown>(bytes, what), format, what);
}
