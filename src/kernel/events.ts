// Actor events (FIP-0049): decoding and validating what an actor emits, stamping it with the
// emitter, and the per-message accumulator whose AMT root goes into the receipt.
import type { CID } from 'multiformats/cid';
import { Amt } from '../ipld/amt.js';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { CborError, CborReader } from '../ipld/cbor.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { SyscallError } from './errors.js';
import { IPLD_RAW } from './blocks.js';

export interface EventEntry {
  readonly flags: bigint;
  readonly key: string;
  readonly codec: bigint;
  readonly value: Uint8Array;
}

export interface StampedEvent {
  readonly emitter: bigint;
  readonly entries: readonly EventEntry[];
}

/** Limits of the nv18–nv20 event syscall. */
export const MAX_EVENT_ENCODED_SIZE = 1 << 20;
export const MAX_EVENT_ENTRIES = 256;
export const MAX_EVENT_VALUES_SIZE = 8 << 10;
export const MAX_EVENT_KEY_LEN = 32;

const EVENTS_AMT_BIT_WIDTH = 5;
const utf8 = new TextEncoder();

function illegal(msg: string): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, msg);
}

/** A u64 item as a bigint. */
function u64(r: CborReader, path: string): bigint {
  const v = r.uint(path);
  return typeof v === 'bigint' ? v : BigInt(v);
}

/**
 * Decodes an ActorEvent (a CBOR list of [flags, key, codec, value] entries), checking each item
 * as it is read: malformed or wrongly shaped input is IllegalArgument at its first bad item.
 */
export function decodeActorEvent(raw: Uint8Array): EventEntry[] {
  const r = new CborReader(raw, 'actor event');
  try {
    const entries = r.list('entries', (i): EventEntry => {
      r.tuple(4, `entries[${i}]`);
      const flags = u64(r, `entries[${i}].flags`);
      const key = r.text(`entries[${i}].key`);
      const codec = u64(r, `entries[${i}].codec`);
      const value = r.bytesItem(`entries[${i}].value`);
      return { flags, key, codec, value };
    });
    r.end();
    return entries;
  } catch (err) {
    if (err instanceof CborError) throw illegal(err.message);
    throw err;
  }
}

/** The nv18–nv20 semantic checks: entry count, key length, raw codec, total value size. */
export function validateActorEvent(entries: readonly EventEntry[]): void {
  if (entries.length > MAX_EVENT_ENTRIES) {
    throw illegal(`event exceeded max entries: ${entries.length} > ${MAX_EVENT_ENTRIES}`);
  }
  let total = 0;
  for (const e of entries) {
    const keyLen = utf8.encode(e.key).length;
    if (keyLen > MAX_EVENT_KEY_LEN) throw illegal(`event key exceeded max size: ${keyLen} > ${MAX_EVENT_KEY_LEN}`);
    if (e.codec !== BigInt(IPLD_RAW)) {
      throw new SyscallError(ErrorNumber.IllegalCodec, `event codec must be IPLD_RAW, was: ${e.codec}`);
    }
    total += e.value.length;
  }
  if (total > MAX_EVENT_VALUES_SIZE) {
    throw illegal(`event total values exceeded max size: ${total} > ${MAX_EVENT_VALUES_SIZE}`);
  }
}

export function keyByteLength(key: string): number {
  return utf8.encode(key).length;
}

/** The CBOR form of a stamped event: [emitter, [[flags, key, codec, value], ...]]. */
export function stampedEventToCbor(evt: StampedEvent): unknown[] {
  return [evt.emitter, evt.entries.map((e) => [e.flags, e.key, e.codec, e.value])];
}

/**
 * Events of one message in nested layers: a call that reverts drops its own events and those
 * of its callees.
 */
export class EventsAccumulator {
  private readonly events: StampedEvent[] = [];
  private readonly marks: number[] = [];

  append(evt: StampedEvent): void {
    this.events.push(evt);
  }

  beginTransaction(): void {
    this.marks.push(this.events.length);
  }

  endTransaction(revert: boolean): void {
    const mark = this.marks.pop();
    if (mark === undefined) throw new Error('events accumulator is not in a transaction');
    if (revert) this.events.length = mark;
  }

  /** The accepted events and the root of their AMT (bit width 5), or null when there are none. */
  finish(): { events: StampedEvent[]; root: CID | null } {
    if (this.marks.length !== 0) {
      throw new Error(`events accumulator finished with ${this.marks.length} open transactions`);
    }
    if (this.events.length === 0) return { events: [], root: null };
    // The root is computed only; the blocks are not persisted, as in the reference.
    const root = Amt.fromArray<unknown>(new MemoryBlockstore(), this.events.map(stampedEventToCbor), {
      bitWidth: EVENTS_AMT_BIT_WIDTH,
    });
    return { events: [...this.events], root };
  }
}
