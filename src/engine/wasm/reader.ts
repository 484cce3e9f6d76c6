// Bounds-checked reading of the binary format's primitives (LEB128 integers, names, bytes).
import { WasmValidationError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    public end = bytes.length,
  ) {
    this.pos = start;
  }

  get eof(): boolean {
    return this.pos >= this.end;
  }

  fail(reason: string, at = this.pos): never {
    throw new WasmValidationError(reason, at);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of input');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 32 bits (5 bytes, unused high bits zero). */
  u32(what = 'integer'): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const start = pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) this.fail(`unexpected end of input reading ${what}`, start);
      const b = bytes[pos++]!;
      if (shift === 28) {
        if (b & 0x70) this.fail(`${what} does not fit in 32 bits`, start);
        if (b & 0x80) this.fail(`${what}: LEB128 longer than 5 bytes`, start);
        result += b * 0x10000000;
        break;
      }
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    this.pos = pos;
    return result;
  }

  /** Signed LEB128 of at most 32 bits. */
  s32(what = 'integer'): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const start = pos;
    let result = 0;
    let shift = 0;
    let b: number;
    for (;;) {
      if (pos >= this.end) this.fail(`unexpected end of input reading ${what}`, start);
      b = bytes[pos++]!;
      if (shift === 28) {
        // The last byte carries 4 value bits; the remaining bits must repeat the sign.
        if (b & 0x80) this.fail(`${what}: LEB128 longer than 5 bytes`, start);
        const high = b & 0x78;
        if (high !== 0 && high !== 0x78) this.fail(`${what} does not fit in 32 bits`, start);
        result |= b << 28;
        break;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 32 && b & 0x40) result |= -1 << shift;
        break;
      }
    }
    this.pos = pos;
    return result | 0;
  }

  /** Signed LEB128 of at most 33 bits (block types); returned as a number. */
  s33(what = 'block type'): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const start = pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= this.end) this.fail(`unexpected end of input reading ${what}`, start);
      const b = bytes[pos++]!;
      if (i === 4) {
        if (b & 0x80) this.fail(`${what}: LEB128 longer than 5 bytes`, start);
        const high = b & 0x70;
        if (high !== 0 && high !== 0x70) this.fail(`${what} does not fit in 33 bits`, start);
        result += (b & 0x1f) * mul;
        if (b & 0x10) result -= 2 ** 33;
        break;
      }
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) {
        if (b & 0x40) result -= mul;
        break;
      }
    }
    this.pos = pos;
    return result;
  }

  /** Skips a signed LEB128 of at most 64 bits, checking its form. */
  skipS64(what = 'i64 constant'): void {
    const bytes = this.bytes;
    let pos = this.pos;
    const start = pos;
    for (let i = 0; ; i++) {
      if (pos >= this.end) this.fail(`unexpected end of input reading ${what}`, start);
      const b = bytes[pos++]!;
      if (i === 9) {
        if (b & 0x80) this.fail(`${what}: LEB128 longer than 10 bytes`, start);
        if (b !== 0 && b !== 0x7f) this.fail(`${what} does not fit in 64 bits`, start);
        break;
      }
      if (!(b & 0x80)) break;
    }
    this.pos = pos;
  }

  skip(n: number, what = 'bytes'): void {
    if (n > this.end - this.pos) this.fail(`unexpected end of input reading ${what}`);
    this.pos += n;
  }

  take(n: number, what = 'bytes'): Uint8Array {
    const start = this.pos;
    this.skip(n, what);
    return this.bytes.subarray(start, start + n);
  }

  name(what = 'name'): string {
    const len = this.u32(`${what} length`);
    const start = this.pos;
    const raw = this.take(len, what);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }
}
