// RLE+ bitfields as Filecoin encodes them (fvm_ipld_bitfield). The RLE+ form of a set is unique,
// so the decoder is strict: anything the reference refuses, we refuse with the same error kind.
//
// Wire format, read least-significant bit first within each byte:
//   header  = version (2 bits, must be 00), then the value of the first run (1 bit)
//   runs    = lengths of alternating runs, each one of
//             "1"                  a run of exactly 1
//             "01" + 4 bits        a run of 2..15
//             "00" + uvarint       a run of 16..2^64-1 (at most 10 varint bytes)
// Trailing zero bits are implicit, so the encoding never ends in a zero byte, and the last run
// must be a run of ones.

/** Largest RLE+ payload accepted inside CBOR (the reference's MAX_ENCODED_SIZE, 32 KiB). */
export const MAX_ENCODED_SIZE = 32 * 1024;

/** Exclusive bound on indices: u64::MAX itself can never be a member. */
export const BITFIELD_INDEX_LIMIT = (1n << 64n) - 1n;

const U64_MAX = (1n << 64n) - 1n;
const VARINT_MAX_BYTES = 10;

export type BitFieldErrorKind =
  | 'NotMinimal'
  | 'UnsupportedVersion'
  | 'RLEOverflow'
  | 'InvalidVarint'
  | 'TooLarge'
  | 'NotBytes'
  | 'OutOfRange';

export class BitFieldError extends Error {
  override readonly name = 'BitFieldError';
  constructor(
    readonly kind: BitFieldErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A half-open range [start, end) of set bits. */
export interface BitRange {
  readonly start: bigint;
  readonly end: bigint;
}

export type BitIndex = bigint | number;
export type RangeInput = BitRange | readonly [BitIndex, BitIndex];

function toBig(value: BitIndex, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new BitFieldError('OutOfRange', `${what} ${value} is negative`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BitFieldError('OutOfRange', `${what} ${value} is not a non-negative safe integer`);
  }
  return BigInt(value);
}

function range(start: bigint, end: bigint): BitRange {
  return Object.freeze({ start, end });
}

/** Sorts and merges arbitrary ranges into the canonical form: ascending, disjoint, non-adjacent. */
function normalize(input: BitRange[]): BitRange[] {
  const nonEmpty = input.filter((r) => r.end > r.start);
  nonEmpty.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: BitRange[] = [];
  for (const r of nonEmpty) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) {
      if (r.end > last.end) out[out.length - 1] = range(last.start, r.end);
    } else {
      out.push(r);
    }
  }
  return out;
}

/** Reads bits LSB-first; bits past the end of the input read as zero, like the reference. */
class RleReader {
  private pos = 0;
  /** One past the position of the last set bit: nothing but implicit zeros after it. */
  private readonly endBit: number;

  constructor(private readonly bytes: Uint8Array) {
    const n = bytes.length;
    this.endBit = n === 0 ? 0 : (n - 1) * 8 + (32 - Math.clz32(bytes[n - 1]!));
  }

  get position(): number {
    return this.pos;
  }

  private byteAt(i: number): number {
    return i < this.bytes.length ? this.bytes[i]! : 0;
  }

  peek(n: number): number {
    const i = this.pos >> 3;
    const word = (this.byteAt(i) | (this.byteAt(i + 1) << 8)) >>> (this.pos & 7);
    return word & ((1 << n) - 1);
  }

  read(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }

  hasMore(): boolean {
    return this.pos < this.endBit;
  }

  private readVarint(): bigint {
    const at = this.pos;
    let value = 0n;
    for (let i = 0; i < VARINT_MAX_BYTES; i++) {
      const byte = this.read(8);
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) {
        // A 10th byte may only carry the top bit of a u64; a final zero byte is padding.
        if ((i === 9 && byte > 1) || (byte === 0 && i !== 0)) break;
        return value;
      }
    }
    throw new BitFieldError('InvalidVarint', `bad varint at bit ${at}`);
  }

  /** The next run length, or undefined once only implicit zeros remain. */
  readLen(): bigint | undefined {
    if (!this.hasMore()) return undefined;
    const at = this.pos;
    const head = this.peek(6);
    if (head & 1) {
      this.pos += 1;
      return 1n;
    }
    if (head & 2) {
      this.pos += 6;
      const len = (head >> 2) & 0x0f;
      if (len < 2) {
        throw new BitFieldError(
          'NotMinimal',
          `not minimally encoded (short block of length ${len} at bit ${at})`,
        );
      }
      return BigInt(len);
    }
    this.pos += 2;
    const len = this.readVarint();
    if (len < 16n) {
      throw new BitFieldError(
        'NotMinimal',
        `not minimally encoded (long block of length ${len} at bit ${at})`,
      );
    }
    return len;
  }
}

class RleWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private nbits = 0;

  write(value: number, bits: number): void {
    this.acc |= value << this.nbits;
    this.nbits += bits;
    while (this.nbits >= 8) {
      this.out.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.nbits -= 8;
    }
  }

  writeLen(len: bigint): void {
    if (len === 1n) {
      this.write(1, 1);
    } else if (len < 16n) {
      this.write(0b10, 2);
      this.write(Number(len), 4);
    } else {
      this.write(0b00, 2);
      let v = len;
      while (v >= 0x80n) {
        this.write(Number(v & 0x7fn) | 0x80, 8);
        v >>= 7n;
      }
      this.write(Number(v), 8);
    }
  }

  finish(): Uint8Array {
    if (this.nbits > 0) this.out.push(this.acc & 0xff);
    let n = this.out.length;
    while (n > 0 && this.out[n - 1] === 0) n--;
    return Uint8Array.from(this.out.slice(0, n));
  }
}

function decodeRanges(bytes: Uint8Array, what: string): BitRange[] {
  const fail = (err: BitFieldError): never => {
    throw new BitFieldError(err.kind, `${what}: invalid RLE+ encoding: ${err.message}`);
  };
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0) {
    fail(new BitFieldError('NotMinimal', 'not minimally encoded (trailing zero byte)'));
  }
  const reader = new RleReader(bytes);
  const version = reader.read(2);
  if (version !== 0) {
    fail(new BitFieldError('UnsupportedVersion', `unsupported version ${version}`));
  }
  let ones = reader.read(1) === 1;
  const out: BitRange[] = [];
  let index = 0n;
  for (;;) {
    let len: bigint | undefined;
    try {
      len = reader.readLen();
    } catch (err) {
      if (err instanceof BitFieldError) fail(err);
      throw err;
    }
    if (len === undefined) break;
    const end = index + len;
    if (end > U64_MAX) {
      fail(new BitFieldError('RLEOverflow', `runs overflow 2^64-1 at bit ${reader.position}`));
    }
    if (ones) out.push(range(index, end));
    index = end;
    ones = !ones;
  }
  // `ones` still true means the last run read was zeros (or there was none after a 1 header).
  if (ones) {
    fail(new BitFieldError('NotMinimal', 'not minimally encoded (ends with a run of zeros)'));
  }
  return out;
}

function encodeRanges(ranges: readonly BitRange[]): Uint8Array {
  if (ranges.length === 0) return new Uint8Array(0);
  const w = new RleWriter();
  w.write(0, 2);
  const first = ranges[0]!;
  if (first.start === 0n) {
    w.write(1, 1);
  } else {
    w.write(0, 1);
    w.writeLen(first.start);
  }
  w.writeLen(first.end - first.start);
  let prev = first.end;
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!;
    w.writeLen(r.start - prev);
    w.writeLen(r.end - r.start);
    prev = r.end;
  }
  return w.finish();
}

function unionRanges(a: readonly BitRange[], b: readonly BitRange[]): BitRange[] {
  const out: BitRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]!.start <= b[j]!.start) ? a[i++]! : b[j++]!;
    const last = out[out.length - 1];
    if (last !== undefined && next.start <= last.end) {
      if (next.end > last.end) out[out.length - 1] = range(last.start, next.end);
    } else {
      out.push(next);
    }
  }
  return out;
}

function intersectRanges(a: readonly BitRange[], b: readonly BitRange[]): BitRange[] {
  const out: BitRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = x.start > y.start ? x.start : y.start;
    const end = x.end < y.end ? x.end : y.end;
    if (start < end) out.push(range(start, end));
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

function subtractRanges(a: readonly BitRange[], b: readonly BitRange[]): BitRange[] {
  const out: BitRange[] = [];
  let j = 0;
  for (const x of a) {
    let start = x.start;
    while (j < b.length && b[j]!.end <= start) j++;
    let k = j;
    while (k < b.length && b[k]!.start < x.end) {
      const y = b[k]!;
      if (y.start > start) out.push(range(start, y.start));
      if (y.end > start) start = y.end;
      if (start >= x.end) break;
      k++;
    }
    if (start < x.end) out.push(start === x.start ? x : range(start, x.end));
  }
  return out;
}

/** Index of the range containing or following `i` (binary search over starts). */
function lowerRange(ranges: readonly BitRange[], i: bigint): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.end <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A set of u64 indices stored as sorted runs, encoded as RLE+. set/unset mutate; the set
 * operations return new bitfields.
 */
export class BitField implements Iterable<bigint> {
  private ranges_: BitRange[];

  private constructor(ranges: BitRange[]) {
    this.ranges_ = ranges;
  }

  static empty(): BitField {
    return new BitField([]);
  }

  /** Builds from ranges in any order; overlapping or adjacent ranges are merged. */
  static fromRanges(ranges: Iterable<RangeInput>): BitField {
    const list: BitRange[] = [];
    for (const r of ranges) {
      const [s, e] = 'start' in r ? [r.start, r.end] : r;
      const start = toBig(s, 'range start');
      const end = toBig(e, 'range end');
      if (end < start) throw new BitFieldError('OutOfRange', `range [${start}, ${end}) ends before it starts`);
      if (end > BITFIELD_INDEX_LIMIT) {
        throw new BitFieldError('OutOfRange', `range [${start}, ${end}) reaches u64::MAX, which a bitfield cannot hold`);
      }
      list.push(range(start, end));
    }
    return new BitField(normalize(list));
  }

  static fromIndices(indices: Iterable<BitIndex>): BitField {
    const list: BitRange[] = [];
    for (const v of indices) {
      const i = toBig(v, 'bit index');
      if (i >= BITFIELD_INDEX_LIMIT) throw new BitFieldError('OutOfRange', `bit index ${i} is u64::MAX or more`);
      list.push(range(i, i + 1n));
    }
    return new BitField(normalize(list));
  }

  /** Strict RLE+ decoding; `what` names the object in error messages. */
  static fromBytes(bytes: Uint8Array, what = 'bitfield'): BitField {
    return new BitField(decodeRanges(bytes, what));
  }

  /** Decodes the CBOR value of a bitfield field: a byte string of at most 32 KiB. */
  static fromCbor(value: unknown, what = 'bitfield'): BitField {
    if (!(value instanceof Uint8Array)) {
      throw new BitFieldError('NotBytes', `${what}: expected a CBOR byte string, got ${describe(value)}`);
    }
    if (value.length > MAX_ENCODED_SIZE) {
      throw new BitFieldError('TooLarge', `${what}: encoded bitfield is too large (${value.length} > ${MAX_ENCODED_SIZE} bytes)`);
    }
    return BitField.fromBytes(value, what);
  }

  static unionAll(bitfields: Iterable<BitField>): BitField {
    let acc: BitRange[] = [];
    for (const bf of bitfields) acc = unionRanges(acc, bf.ranges_);
    return new BitField(acc);
  }

  /** The RLE+ bytes (empty for the empty set). */
  toBytes(): Uint8Array {
    return encodeRanges(this.ranges_);
  }

  /** The value to embed in a CBOR object; refuses encodings over 32 KiB like the reference. */
  toCbor(): Uint8Array {
    const bytes = this.toBytes();
    if (bytes.length > MAX_ENCODED_SIZE) {
      throw new BitFieldError('TooLarge', `encoded bitfield is too large (${bytes.length} > ${MAX_ENCODED_SIZE} bytes)`);
    }
    return bytes;
  }

  has(index: BitIndex): boolean {
    const i = toBig(index, 'bit index');
    const k = lowerRange(this.ranges_, i);
    const r = this.ranges_[k];
    return r !== undefined && r.start <= i;
  }

  set(index: BitIndex): this {
    const i = toBig(index, 'bit index');
    if (i >= BITFIELD_INDEX_LIMIT) throw new BitFieldError('OutOfRange', `cannot set bit ${i}: bitfields may not include u64::MAX`);
    const rs = this.ranges_;
    const k = lowerRange(rs, i);
    const at = rs[k];
    if (at !== undefined && at.start <= i) return this;
    const prev = k > 0 ? rs[k - 1] : undefined;
    const joinsPrev = prev !== undefined && prev.end === i;
    const joinsNext = at !== undefined && at.start === i + 1n;
    if (joinsPrev && joinsNext) rs.splice(k - 1, 2, range(prev.start, at.end));
    else if (joinsPrev) rs[k - 1] = range(prev.start, i + 1n);
    else if (joinsNext) rs[k] = range(i, at.end);
    else rs.splice(k, 0, range(i, i + 1n));
    return this;
  }

  unset(index: BitIndex): this {
    const i = toBig(index, 'bit index');
    const rs = this.ranges_;
    const k = lowerRange(rs, i);
    const at = rs[k];
    if (at === undefined || at.start > i) return this;
    const pieces: BitRange[] = [];
    if (at.start < i) pieces.push(range(at.start, i));
    if (i + 1n < at.end) pieces.push(range(i + 1n, at.end));
    rs.splice(k, 1, ...pieces);
    return this;
  }

  union(other: BitField): BitField {
    return new BitField(unionRanges(this.ranges_, other.ranges_));
  }

  intersection(other: BitField): BitField {
    return new BitField(intersectRanges(this.ranges_, other.ranges_));
  }

  /** Bits in this set and not in `other`. */
  difference(other: BitField): BitField {
    return new BitField(subtractRanges(this.ranges_, other.ranges_));
  }

  /** Bits in exactly one of the two sets. */
  xor(other: BitField): BitField {
    return new BitField(
      unionRanges(subtractRanges(this.ranges_, other.ranges_), subtractRanges(other.ranges_, this.ranges_)),
    );
  }

  /**
   * Removes the bits of `other` and closes the gaps: each remaining bit moves down by the
   * number of `other` bits below it (the reference's `cut`).
   */
  cut(other: BitField): BitField {
    const kept = subtractRanges(this.ranges_, other.ranges_);
    const removed = other.ranges_;
    const out: BitRange[] = [];
    let j = 0;
    let below = 0n;
    for (const r of kept) {
      while (j < removed.length && removed[j]!.end <= r.start) {
        below += removed[j]!.end - removed[j]!.start;
        j++;
      }
      const shifted = range(r.start - below, r.end - below);
      const last = out[out.length - 1];
      if (last !== undefined && last.end === shifted.start) out[out.length - 1] = range(last.start, shifted.end);
      else out.push(shifted);
    }
    return new BitField(out);
  }

  /**
   * The `count` set bits that follow the first `skip` set bits, or undefined when the
   * bitfield holds fewer than skip + count bits.
   */
  slice(skip: BitIndex, count: BitIndex): BitField | undefined {
    let toSkip = toBig(skip, 'slice start');
    let toTake = toBig(count, 'slice length');
    const out: BitRange[] = [];
    for (const r of this.ranges_) {
      if (toTake === 0n) break;
      let start = r.start;
      const size = r.end - r.start;
      if (toSkip >= size) {
        toSkip -= size;
        continue;
      }
      start += toSkip;
      toSkip = 0n;
      const avail = r.end - start;
      const take = avail < toTake ? avail : toTake;
      out.push(range(start, start + take));
      toTake -= take;
    }
    return toTake === 0n ? new BitField(out) : undefined;
  }

  containsAny(other: BitField): boolean {
    return intersectRanges(this.ranges_, other.ranges_).length > 0;
  }

  containsAll(other: BitField): boolean {
    return subtractRanges(other.ranges_, this.ranges_).length === 0;
  }

  count(): bigint {
    let n = 0n;
    for (const r of this.ranges_) n += r.end - r.start;
    return n;
  }

  isEmpty(): boolean {
    return this.ranges_.length === 0;
  }

  first(): bigint | undefined {
    return this.ranges_[0]?.start;
  }

  last(): bigint | undefined {
    const r = this.ranges_[this.ranges_.length - 1];
    return r === undefined ? undefined : r.end - 1n;
  }

  /** The runs of set bits, ascending, disjoint and non-adjacent. */
  ranges(): readonly BitRange[] {
    return this.ranges_.slice();
  }

  *indices(): IterableIterator<bigint> {
    for (const r of this.ranges_) {
      for (let i = r.start; i < r.end; i++) yield i;
    }
  }

  [Symbol.iterator](): IterableIterator<bigint> {
    return this.indices();
  }

  equals(other: BitField): boolean {
    const a = this.ranges_;
    const b = other.ranges_;
    return a.length === b.length && a.every((r, k) => r.start === b[k]!.start && r.end === b[k]!.end);
  }

  clone(): BitField {
    return new BitField(this.ranges_.slice());
  }

  toString(): string {
    return `BitField{${this.ranges_.map((r) => (r.end - r.start === 1n ? `${r.start}` : `${r.start}..${r.end - 1n}`)).join(',')}}`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
