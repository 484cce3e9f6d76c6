// Actor events as the 4.x syscall passes them (nv21+): fixed-size entry headers plus two
// buffers holding every key and every value back to back, so the FVM can price an event
// before parsing anything. Validation order and error numbers follow the reference.
import { ErrorNumber } from '../primitives/errnum.js';
import { CBOR, IPLD_RAW } from './blocks.js';
import { SyscallError } from './errors.js';
import type { EventEntry } from './events.js';

/** Bytes of one entry header: flags u64, codec u64, key length u32, value length u32 (LE). */
export const EVENT_ENTRY_HEADER_SIZE = 24;
export const MAX_EVENT_ENTRIES_V4 = 255;
export const MAX_EVENT_KEY_LEN_V4 = 31;
export const MAX_EVENT_VALUES_SIZE_V4 = 8 << 10;
/** Flag bits an entry may carry (indexed key, indexed value). */
const KNOWN_FLAGS = 0b11n;

export interface EventEntryHeader {
  readonly flags: bigint;
  readonly codec: bigint;
  readonly keyLength: number;
  readonly valueLength: number;
}

/** Decodes `count` packed headers from `raw` (exactly count × 24 bytes). */
export function decodeEventHeaders(raw: Uint8Array, count: number): EventEntryHeader[] {
  if (raw.length !== count * EVENT_ENTRY_HEADER_SIZE) {
    throw new Error(`event headers: expected ${count * EVENT_ENTRY_HEADER_SIZE} bytes, got ${raw.length}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: EventEntryHeader[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * EVENT_ENTRY_HEADER_SIZE;
    out.push({
      flags: view.getBigUint64(at, true),
      codec: view.getBigUint64(at + 8, true),
      keyLength: view.getUint32(at + 16, true),
      valueLength: view.getUint32(at + 20, true),
    });
  }
  return out;
}

function illegal(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, msg);
}

/** Whether byte `i` of valid UTF-8 `b` starts a character (or is the end). */
function isCharBoundary(b: Uint8Array, i: number): boolean {
  return i === b.length || (i < b.length && (b[i]! & 0xc0) !== 0x80);
}

/**
 * Builds the entries of an event after its gas has been charged. Limits: at most 255 entries
 * and 8 KiB of values (LimitExceeded), keys valid UTF-8 of at most 31 bytes each
 * (LimitExceeded beyond), known flags only, codec IPLD_RAW or CBOR (IllegalCodec), and the
 * headers must use the key and value buffers exactly (IllegalArgument otherwise).
 */
export function buildEventEntries(
  rawHeaders: Uint8Array,
  count: number,
  keys: Uint8Array,
  values: Uint8Array,
): EventEntry[] {
  // Checked before decoding anything: the headers were only priced, not yet read.
  if (count > MAX_EVENT_ENTRIES_V4) {
    throw new SyscallError(ErrorNumber.LimitExceeded, `event exceeded max entries: ${count} > ${MAX_EVENT_ENTRIES_V4}`);
  }
  if (values.length > MAX_EVENT_VALUES_SIZE_V4) {
    throw new SyscallError(
      ErrorNumber.LimitExceeded,
      `total event value lengths exceeded the max size: ${values.length} > ${MAX_EVENT_VALUES_SIZE_V4}`,
    );
  }
  // All keys are validated at once, as one string.
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(keys);
  } catch (err) {
    // A fatal decoder reports invalid input as a TypeError; anything else is the host's.
    if (!(err instanceof TypeError)) throw err;
    throw illegal('invalid event key: invalid utf-8');
  }
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const headers = decodeEventHeaders(rawHeaders, count);

  let keyOffset = 0;
  let valueOffset = 0;
  const entries: EventEntry[] = [];
  for (const h of headers) {
    if ((h.flags & ~KNOWN_FLAGS) !== 0n) throw illegal(`event flags are invalid: ${h.flags}`);
    if (h.keyLength > MAX_EVENT_KEY_LEN_V4) {
      throw new SyscallError(
        ErrorNumber.LimitExceeded,
        `event key exceeded max size: ${h.keyLength} > ${MAX_EVENT_KEY_LEN_V4}`,
      );
    }
    // Guards the offset arithmetic below; hence IllegalArgument rather than LimitExceeded.
    if (h.valueLength > MAX_EVENT_VALUES_SIZE_V4) throw illegal('event entry value out of range');

    const keyEnd = keyOffset + h.keyLength;
    // A key must end inside the buffer on a character boundary (it is a slice of a string).
    if (keyEnd > keys.length || !isCharBoundary(keys, keyEnd)) {
      throw illegal('event entry key out of range');
    }
    const valueEnd = valueOffset + h.valueLength;
    if (valueEnd > values.length) throw illegal('event entry value out of range');
    if (h.codec !== BigInt(IPLD_RAW) && h.codec !== BigInt(CBOR)) {
      throw new SyscallError(ErrorNumber.IllegalCodec, `event codec must be IPLD_RAW or CBOR, was: ${h.codec}`);
    }
    entries.push({
      flags: h.flags,
      key: decoder.decode(keys.subarray(keyOffset, keyEnd)),
      codec: h.codec,
      value: values.slice(valueOffset, valueEnd),
    });
    keyOffset = keyEnd;
    valueOffset = valueEnd;
  }
  if (keyOffset !== keys.length) {
    throw illegal(`event key buffer length is too large: ${keyOffset} < ${keys.length}`);
  }
  if (valueOffset !== values.length) {
    throw illegal(`event value buffer length is too large: ${valueOffset} < ${values.length}`);
  }
  return entries;
}
