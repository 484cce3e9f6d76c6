// DAG-CBOR: a writer for typed encoding, a strict reader, and a generic value tree.
//
// What the reader accepts is DAG-CBOR as @ipld/dag-cbor and the FVM accept it: definite lengths
// only, integers and lengths in their shortest form, text as valid UTF-8, map keys as text
// without duplicates, tag 42 (a CID behind a 0x00 byte) as the only tag, and false/true/null as
// the only simple values. Floats are refused (Filecoin state never holds one). A malformed
// input aborts with USR_SERIALIZATION and a message naming the object and the byte offset.
import { Cid, cidLength } from "./cid";
import { Address } from "./address";
import { TokenAmount } from "./token";
import { ExitCode } from "./errors";
import { abortWith } from "./vm";
import { compareBytes, bytesEqual } from "./mem";

export const MAJOR_UINT: u8 = 0;
export const MAJOR_NEGINT: u8 = 1;
export const MAJOR_BYTES: u8 = 2;
export const MAJOR_TEXT: u8 = 3;
export const MAJOR_ARRAY: u8 = 4;
export const MAJOR_MAP: u8 = 5;
export const MAJOR_TAG: u8 = 6;
export const MAJOR_SIMPLE: u8 = 7;

const TAG_CID: u64 = 42;
const SIMPLE_FALSE: u8 = 0xf4;
const SIMPLE_TRUE: u8 = 0xf5;
const SIMPLE_NULL: u8 = 0xf6;
/** Nesting deeper than this is refused rather than risking the WASM stack. */
export const MAX_DEPTH: i32 = 64;

// ------------------------------------------------------------------------------------------------
// Writer
// ------------------------------------------------------------------------------------------------

export class CborWriter {
  private buf: Uint8Array;
  private len: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.buf = new Uint8Array(capacity > 8 ? capacity : 8);
  }

  get length(): i32 { return this.len; }

  private reserve(n: i32): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < need) cap <<= 1;
    const next = new Uint8Array(cap);
    memory.copy(next.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = next;
  }

  private byte(b: u8): void {
    this.reserve(1);
    unchecked(this.buf[this.len++] = b);
  }

  /** A major type with its argument in the shortest form. */
  private header(major: u8, v: u64): void {
    const m = major << 5;
    if (v < 24) {
      this.byte(m | <u8>v);
    } else if (v <= 0xff) {
      this.reserve(2);
      this.buf[this.len++] = m | 24;
      this.buf[this.len++] = <u8>v;
    } else if (v <= 0xffff) {
      this.reserve(3);
      this.buf[this.len++] = m | 25;
      this.buf[this.len++] = <u8>(v >> 8);
      this.buf[this.len++] = <u8>v;
    } else if (v <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.len++] = m | 26;
      for (let s = 24; s >= 0; s -= 8) this.buf[this.len++] = <u8>(v >> <u64>s);
    } else {
      this.reserve(9);
      this.buf[this.len++] = m | 27;
      for (let s = 56; s >= 0; s -= 8) this.buf[this.len++] = <u8>(v >> <u64>s);
    }
  }

  uint(v: u64): CborWriter { this.header(MAJOR_UINT, v); return this; }

  int(v: i64): CborWriter {
    if (v >= 0) this.header(MAJOR_UINT, <u64>v);
    else this.header(MAJOR_NEGINT, <u64>(-(v + 1)));
    return this;
  }

  /** The negative integer -1 - n (reaches -2^64, beyond i64). */
  negative(n: u64): CborWriter { this.header(MAJOR_NEGINT, n); return this; }

  bool(b: bool): CborWriter { this.byte(b ? SIMPLE_TRUE : SIMPLE_FALSE); return this; }
  null(): CborWriter { this.byte(SIMPLE_NULL); return this; }

  bytes(b: Uint8Array): CborWriter {
    this.header(MAJOR_BYTES, <u64>b.length);
    this.raw(b);
    return this;
  }

  text(s: string): CborWriter {
    const u = String.UTF8.encode(s);
    this.header(MAJOR_TEXT, <u64>u.byteLength);
    this.reserve(u.byteLength);
    memory.copy(this.buf.dataStart + <usize>this.len, changetype<usize>(u), <usize>u.byteLength);
    this.len += u.byteLength;
    return this;
  }

  /** Starts an array of `n` items; write them next. */
  array(n: u32): CborWriter { this.header(MAJOR_ARRAY, <u64>n); return this; }

  /** Starts a map of `n` entries; write key, value, key, value... in canonical key order (see MapBuilder). */
  map(n: u32): CborWriter { this.header(MAJOR_MAP, <u64>n); return this; }

  cid(c: Cid): CborWriter {
    this.header(MAJOR_TAG, TAG_CID);
    this.header(MAJOR_BYTES, <u64>(c.bytes.length + 1));
    this.byte(0); // the multibase "identity" prefix DAG-CBOR requires
    this.raw(c.bytes);
    return this;
  }

  nullableCid(c: Cid | null): CborWriter {
    if (c === null) return this.null();
    return this.cid(<Cid>c);
  }

  tokenAmount(t: TokenAmount): CborWriter { return this.bytes(t.toBytes()); }
  address(a: Address): CborWriter { return this.bytes(a.bytes); }

  /** Appends bytes that already are one encoded item (or several, inside an array/map). */
  raw(b: Uint8Array): CborWriter {
    this.reserve(b.length);
    memory.copy(this.buf.dataStart + <usize>this.len, b.dataStart, <usize>b.length);
    this.len += b.length;
    return this;
  }

  value(v: CborValue): CborWriter { v.encode(this); return this; }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}

/** DAG-CBOR's map key order: shorter encoded keys first, then byte-wise. */
export function compareMapKeys(a: Uint8Array, b: Uint8Array): i32 {
  if (a.length != b.length) return a.length - b.length;
  return compareBytes(a, b);
}

/** Collects map entries in any order and writes them sorted into canonical order. */
export class MapBuilder {
  private keys: Array<Uint8Array> = [];
  private names: Array<string> = [];
  private values: Array<Uint8Array> = [];

  /** `value` is one encoded item. */
  set(key: string, value: Uint8Array): MapBuilder {
    const k = Uint8Array.wrap(String.UTF8.encode(key));
    for (let i = 0; i < this.keys.length; i++) {
      if (bytesEqual(this.keys[i], k)) {
        this.values[i] = value;
        return this;
      }
    }
    this.keys.push(k);
    this.names.push(key);
    this.values.push(value);
    return this;
  }

  get size(): i32 { return this.keys.length; }

  writeTo(w: CborWriter): void {
    const n = this.keys.length;
    const order = new Array<i32>(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // Insertion sort: maps in actor state are small.
    for (let i = 1; i < n; i++) {
      const x = order[i];
      let j = i - 1;
      while (j >= 0 && compareMapKeys(this.keys[order[j]], this.keys[x]) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
    w.map(<u32>n);
    for (let i = 0; i < n; i++) {
      w.text(this.names[order[i]]);
      w.raw(this.values[order[i]]);
    }
  }
}

/** Encodes one value on its own. */
export function encode(v: CborValue): Uint8Array {
  const w = new CborWriter();
  v.encode(w);
  return w.finish();
}

// ------------------------------------------------------------------------------------------------
// Reader
// ------------------------------------------------------------------------------------------------

export class CborReader {
  pos: i32 = 0;
  private argument: u64 = 0;

  /** `what` names the object in error messages (e.g. "Transfer params"). */
  constructor(public readonly data: Uint8Array, public readonly what: string = "CBOR data") {}

  /** Aborts with USR_SERIALIZATION. */
  fail(message: string): void {
    abortWith(ExitCode.USR_SERIALIZATION, "invalid " + this.what + ": " + message + " at byte " + this.pos.toString());
  }

  isDone(): bool { return this.pos >= this.data.length; }

  /** Aborts unless every byte has been read. */
  done(): void {
    if (this.pos != this.data.length) this.fail((this.data.length - this.pos).toString() + " trailing bytes");
  }

  /** Major type of the next item (aborts at the end of input). */
  peekMajor(): u8 {
    if (this.pos >= this.data.length) this.fail("unexpected end of input");
    return this.data[this.pos] >> 5;
  }

  isNull(): bool {
    return this.pos < this.data.length && this.data[this.pos] == SIMPLE_NULL;
  }

  private u8At(): u8 {
    if (this.pos >= this.data.length) this.fail("unexpected end of input");
    return unchecked(this.data[this.pos++]);
  }

  /** Reads an item header; returns its major type and leaves the argument in `this.argument`. */
  private head(): u8 {
    const start = this.pos;
    const ib = this.u8At();
    const major = ib >> 5;
    const info = ib & 31;
    if (major == MAJOR_SIMPLE) {
      if (info == 20 || info == 21 || info == 22) { this.argument = <u64>info; return major; }
      this.pos = start;
      if (info >= 25 && info <= 27) this.fail("floating point numbers are not supported");
      this.fail(info == 31 ? "indefinite-length items are not allowed" : "unsupported simple value " + info.toString());
    }
    if (info < 24) { this.argument = <u64>info; return major; }
    let n = 0;
    if (info == 24) n = 1;
    else if (info == 25) n = 2;
    else if (info == 26) n = 4;
    else if (info == 27) n = 8;
    else {
      this.pos = start;
      this.fail(info == 31 ? "indefinite-length items are not allowed" : "reserved additional information " + info.toString());
    }
    if (this.pos + n > this.data.length) { this.pos = start; this.fail("unexpected end of input"); }
    let v: u64 = 0;
    for (let i = 0; i < n; i++) v = (v << 8) | <u64>unchecked(this.data[this.pos++]);
    // Shortest form only, as DAG-CBOR requires.
    const min: u64 = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000;
    if (v < min) { this.pos = start; this.fail("integer or length not in its shortest form"); }
    this.argument = v;
    return major;
  }

  private expect(major: u8, what: string): u64 {
    const start = this.pos;
    const m = this.head();
    if (m != major) {
      this.pos = start;
      this.fail("expected " + what + ", found " + majorName(m, this.argument));
    }
    return this.argument;
  }

  /** Length argument bounded by the bytes left (each element takes at least `unit` bytes). */
  private length(major: u8, what: string, unit: i32): i32 {
    const start = this.pos;
    const n = this.expect(major, what);
    if (n > <u64>(this.data.length - this.pos) / <u64>unit) {
      this.pos = start;
      this.fail(what + " of length " + n.toString() + " runs past the end of input");
    }
    return <i32>n;
  }

  uint(): u64 { return this.expect(MAJOR_UINT, "an unsigned integer"); }

  u32(): u32 {
    const start = this.pos;
    const v = this.uint();
    if (v > 0xffffffff) { this.pos = start; this.fail("integer " + v.toString() + " exceeds u32"); }
    return <u32>v;
  }

  /** A signed integer in i64 range. */
  int(): i64 {
    const start = this.pos;
    const m = this.head();
    const v = this.argument;
    if (m == MAJOR_UINT) {
      if (v > <u64>i64.MAX_VALUE) { this.pos = start; this.fail("integer " + v.toString() + " exceeds i64"); }
      return <i64>v;
    }
    if (m == MAJOR_NEGINT) {
      if (v > <u64>i64.MAX_VALUE) { this.pos = start; this.fail("negative integer below i64 range"); }
      return -1 - <i64>v;
    }
    this.pos = start;
    this.fail("expected an integer, found " + majorName(m, v));
    return 0;
  }

  bool(): bool {
    const start = this.pos;
    const m = this.head();
    if (m == MAJOR_SIMPLE && (this.argument == 20 || this.argument == 21)) return this.argument == 21;
    this.pos = start;
    this.fail("expected a boolean, found " + majorName(m, this.argument));
    return false;
  }

  null(): void {
    const start = this.pos;
    const m = this.head();
    if (m == MAJOR_SIMPLE && this.argument == 22) return;
    this.pos = start;
    this.fail("expected null, found " + majorName(m, this.argument));
  }

  bytes(): Uint8Array {
    const n = this.length(MAJOR_BYTES, "a byte string", 1);
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  text(): string {
    const n = this.length(MAJOR_TEXT, "a text string", 1);
    if (!validUtf8(this.data, this.pos, this.pos + n)) this.fail("text string is not valid UTF-8");
    const s = String.UTF8.decodeUnsafe(this.data.dataStart + <usize>this.pos, <usize>n);
    this.pos += n;
    return s;
  }

  /** Starts an array; returns its length. */
  array(): u32 { return <u32>this.length(MAJOR_ARRAY, "an array", 1); }

  /** Starts an array that must have exactly `n` items (a tuple-encoded struct). */
  tuple(n: u32, what: string = "tuple"): void {
    const start = this.pos;
    const got = this.array();
    if (got != n) { this.pos = start; this.fail(what + " must have " + n.toString() + " fields, found " + got.toString()); }
  }

  /** Starts a map; returns its entry count. Keys are read with text(). */
  map(): u32 { return <u32>this.length(MAJOR_MAP, "a map", 2); }

  cid(): Cid {
    const start = this.pos;
    const tag = this.expect(MAJOR_TAG, "a CID (tag 42)");
    if (tag != TAG_CID) { this.pos = start; this.fail("tag " + tag.toString() + " is not allowed (only 42)"); }
    const at = this.pos;
    const b = this.bytes();
    if (b.length == 0 || b[0] != 0) { this.pos = at; this.fail("CID bytes must start with a 0x00 prefix"); }
    const n = cidLength(b, 1, b.length);
    if (n != b.length - 1) { this.pos = at; this.fail("malformed CID"); }
    return new Cid(b.slice(1));
  }

  nullableCid(): Cid | null {
    if (this.isNull()) { this.pos++; return null; }
    return this.cid();
  }

  tokenAmount(): TokenAmount { return TokenAmount.fromBytes(this.bytes()); }

  address(): Address {
    const at = this.pos;
    const a = Address.fromBytes(this.bytes());
    if (a === null) { this.pos = at; this.fail("malformed address"); }
    return a!;
  }

  /** Skips (and validates) one complete item. */
  skip(): void { this.skipAt(0); }

  /** The encoded bytes of the next item (validated). */
  raw(): Uint8Array {
    const start = this.pos;
    this.skipAt(0);
    return this.data.slice(start, this.pos);
  }

  private skipAt(depth: i32): void {
    if (depth > MAX_DEPTH) this.fail("nesting deeper than " + MAX_DEPTH.toString());
    const start = this.pos;
    const m = this.peekMajor();
    switch (m) {
      case MAJOR_UINT: case MAJOR_NEGINT: case MAJOR_SIMPLE: this.head(); break;
      case MAJOR_BYTES: { const n = this.length(MAJOR_BYTES, "a byte string", 1); this.pos += n; break; }
      case MAJOR_TEXT: this.text(); break;
      case MAJOR_ARRAY: {
        const n = this.array();
        for (let i: u32 = 0; i < n; i++) this.skipAt(depth + 1);
        break;
      }
      case MAJOR_MAP: {
        const n = this.map();
        const keys = new Array<Uint8Array>(0);
        for (let i: u32 = 0; i < n; i++) {
          keys.push(this.mapKey(keys));
          this.skipAt(depth + 1);
        }
        break;
      }
      default: { this.pos = start; this.cid(); break; }
    }
  }

  /** Reads a map key (text) and checks it against the keys seen so far. */
  private mapKey(seen: Array<Uint8Array>): Uint8Array {
    const at = this.pos;
    if (this.peekMajor() != MAJOR_TEXT) this.fail("map keys must be text strings");
    const n = this.length(MAJOR_TEXT, "a text string", 1);
    if (!validUtf8(this.data, this.pos, this.pos + n)) this.fail("text string is not valid UTF-8");
    const k = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    for (let i = 0; i < seen.length; i++) {
      if (bytesEqual(seen[i], k)) { this.pos = at; this.fail("duplicate map key"); }
    }
    return k;
  }

  /** Reads one item as a generic value tree. */
  value(): CborValue { return this.valueAt(0); }

  private valueAt(depth: i32): CborValue {
    if (depth > MAX_DEPTH) this.fail("nesting deeper than " + MAX_DEPTH.toString());
    const start = this.pos;
    const m = this.peekMajor();
    switch (m) {
      case MAJOR_UINT: return CborValue.uint(this.uint());
      case MAJOR_NEGINT: { this.head(); return CborValue.negative(this.argument); }
      case MAJOR_BYTES: return CborValue.bytes(this.bytes());
      case MAJOR_TEXT: return CborValue.text(this.text());
      case MAJOR_ARRAY: {
        const n = this.array();
        const items = new Array<CborValue>(0);
        for (let i: u32 = 0; i < n; i++) items.push(this.valueAt(depth + 1));
        return CborValue.array(items);
      }
      case MAJOR_MAP: {
        const n = this.map();
        const keys = new Array<Uint8Array>(0);
        const names = new Array<string>(0);
        const values = new Array<CborValue>(0);
        for (let i: u32 = 0; i < n; i++) {
          const k = this.mapKey(keys);
          keys.push(k);
          names.push(String.UTF8.decodeUnsafe(k.dataStart, <usize>k.length));
          values.push(this.valueAt(depth + 1));
        }
        return CborValue.map(names, values);
      }
      case MAJOR_TAG: return CborValue.cid(this.cid());
      default: {
        this.head();
        const a = this.argument;
        if (a == 22) return CborValue.null();
        return CborValue.bool(a == 21);
      }
    }
    this.pos = start;
    return CborValue.null();
  }
}

function majorName(m: u8, arg: u64): string {
  switch (m) {
    case MAJOR_UINT: return "an unsigned integer";
    case MAJOR_NEGINT: return "a negative integer";
    case MAJOR_BYTES: return "a byte string";
    case MAJOR_TEXT: return "a text string";
    case MAJOR_ARRAY: return "an array";
    case MAJOR_MAP: return "a map";
    case MAJOR_TAG: return "a tag";
  }
  return arg == 22 ? "null" : "a boolean";
}

/** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
export function validUtf8(b: Uint8Array, start: i32, end: i32): bool {
  let i = start;
  while (i < end) {
    const c = <u32>unchecked(b[i]);
    if (c < 0x80) { i++; continue; }
    let n = 0;
    let min: u32 = 0;
    let cp: u32 = 0;
    if ((c & 0xe0) == 0xc0) { n = 1; min = 0x80; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 2; min = 0x800; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (i + n >= end) return false; // truncated sequence
    for (let k = 1; k <= n; k++) {
      const cc = <u32>unchecked(b[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------
// Generic values
// ------------------------------------------------------------------------------------------------

export enum CborKind { Uint, Negative, Bytes, Text, Array, Map, Cid, Bool, Null }

/** Any DAG-CBOR value (except floats). Build with the static constructors. */
export class CborValue {
  kind: CborKind = CborKind.Null;
  /** Uint: the value; Negative: n for -1-n; Bool: 1 or 0. */
  num: u64 = 0;
  data: Uint8Array | null = null;
  str: string | null = null;
  items: Array<CborValue> | null = null;
  /** Map keys, parallel to `items`. */
  keys: Array<string> | null = null;
  link: Cid | null = null;

  static uint(v: u64): CborValue { const x = new CborValue(); x.kind = CborKind.Uint; x.num = v; return x; }
  static int(v: i64): CborValue { return v >= 0 ? CborValue.uint(<u64>v) : CborValue.negative(<u64>(-(v + 1))); }
  static negative(n: u64): CborValue { const x = new CborValue(); x.kind = CborKind.Negative; x.num = n; return x; }
  static bytes(b: Uint8Array): CborValue { const x = new CborValue(); x.kind = CborKind.Bytes; x.data = b; return x; }
  static text(s: string): CborValue { const x = new CborValue(); x.kind = CborKind.Text; x.str = s; return x; }
  static array(items: Array<CborValue>): CborValue { const x = new CborValue(); x.kind = CborKind.Array; x.items = items; return x; }
  static map(keys: Array<string>, values: Array<CborValue>): CborValue {
    const x = new CborValue(); x.kind = CborKind.Map; x.keys = keys; x.items = values; return x;
  }
  static cid(c: Cid): CborValue { const x = new CborValue(); x.kind = CborKind.Cid; x.link = c; return x; }
  static bool(b: bool): CborValue { const x = new CborValue(); x.kind = CborKind.Bool; x.num = b ? 1 : 0; return x; }
  static null(): CborValue { return new CborValue(); }

  /** Writes the value; map entries go out in canonical key order whatever their order here. */
  encode(w: CborWriter): void {
    switch (this.kind) {
      case CborKind.Uint: w.uint(this.num); break;
      case CborKind.Negative: w.negative(this.num); break;
      case CborKind.Bytes: w.bytes(this.data!); break;
      case CborKind.Text: w.text(this.str!); break;
      case CborKind.Array: {
        const items = this.items!;
        w.array(<u32>items.length);
        for (let i = 0; i < items.length; i++) items[i].encode(w);
        break;
      }
      case CborKind.Map: {
        const keys = this.keys!;
        const items = this.items!;
        const m = new MapBuilder();
        for (let i = 0; i < keys.length; i++) m.set(keys[i], encode(items[i]));
        m.writeTo(w);
        break;
      }
      case CborKind.Cid: w.cid(this.link!); break;
      case CborKind.Bool: w.bool(this.num == 1); break;
      default: w.null();
    }
  }
}

/** Decodes `data` as exactly one value. */
export function decode(data: Uint8Array, what: string = "CBOR data"): CborValue {
  const r = new CborReader(data, what);
  const v = r.value();
  r.done();
  return v;
}
