// Actor events: a list of entries {flags, key, codec, value} recorded in the receipt.
import * as sys from "./sys/event";
import { ErrorNumber, ExitCode, errorNumberName } from "./errors";
import { abortWith } from "./vm";
import { IPLD_RAW } from "./ipld";
import { utf8 } from "./mem";

/** Entry flags: ask indexers to index the key and/or the value. */
export const FLAG_INDEXED_KEY: u64 = 1;
export const FLAG_INDEXED_VALUE: u64 = 2;
export const FLAG_INDEXED_ALL: u64 = 3;

/** The machine's limits for one event. */
export const MAX_EVENT_ENTRIES: i32 = 255;
export const MAX_EVENT_KEY_LEN: i32 = 31;
export const MAX_EVENT_VALUES_LEN: i32 = 8 << 10;

export class EventEntry {
  /** `codec` must be IPLD_RAW (0x55) or CBOR (0x51). */
  constructor(public flags: u64, public key: string, public codec: u64, public value: Uint8Array) {}

  /** A raw-bytes entry indexed by key and value (the common case). */
  static indexed(key: string, value: Uint8Array): EventEntry {
    return new EventEntry(FLAG_INDEXED_ALL, key, IPLD_RAW, value);
  }
}

/** Emits an event; returns the ErrorNumber (0 on success). */
export function tryEmitEvent(entries: Array<EventEntry>): u32 {
  const n = entries.length;
  const headers = new Uint8Array(n * 24);
  const keys = new Array<Uint8Array>(n);
  let keyLen = 0;
  let valLen = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    const k = utf8(e.key);
    keys[i] = k;
    const h = headers.dataStart + <usize>(i * 24);
    // Packed header: flags u64, codec u64, key length u32, value length u32.
    store<u64>(h, e.flags);
    store<u64>(h, e.codec, 8);
    store<u32>(h, <u32>k.length, 16);
    store<u32>(h, <u32>e.value.length, 20);
    keyLen += k.length;
    valLen += e.value.length;
  }
  const keyBuf = new Uint8Array(keyLen);
  const valBuf = new Uint8Array(valLen);
  let ko = 0, vo = 0;
  for (let i = 0; i < n; i++) {
    keyBuf.set(keys[i], ko);
    ko += keys[i].length;
    valBuf.set(entries[i].value, vo);
    vo += entries[i].value.length;
  }
  return sys.emit_event(headers.dataStart, <u32>n, keyBuf.dataStart, <u32>keyLen, valBuf.dataStart, <u32>valLen);
}

/** Emits an event; aborts if the machine refuses it (USR_READ_ONLY in a read-only call). */
export function emitEvent(entries: Array<EventEntry>): void {
  const err = tryEmitEvent(entries);
  if (err == 0) return;
  if (err == ErrorNumber.ReadOnly) abortWith(ExitCode.USR_READ_ONLY, "event.emit_event: cannot emit events in a read-only call");
  abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "event.emit_event refused the event: " + errorNumberName(err));
}
