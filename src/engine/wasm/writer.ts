// A growable byte buffer with the binary format's encoders (canonical LEB128).

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private grow(extra: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(b: number): this {
    if (this.length >= this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): this {
    const n = end - start;
    if (this.length + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    if (n < 32) {
      // Short runs: a loop beats creating a subarray view.
      let o = this.length;
      for (let i = start; i < end; i++) buf[o++] = src[i]!;
    } else {
      buf.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    }
    this.length += n;
    return this;
  }

  u32(value: number): this {
    if (this.length + 5 > this.buf.length) this.grow(5);
    let v = value >>> 0;
    const buf = this.buf;
    for (;;) {
      const b = v & 0x7f;
      v >>>= 7;
      if (v === 0) {
        buf[this.length++] = b;
        return this;
      }
      buf[this.length++] = b | 0x80;
    }
  }

  s32(value: number): this {
    if (this.length + 5 > this.buf.length) this.grow(5);
    let v = value | 0;
    const buf = this.buf;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
        buf[this.length++] = b;
        return this;
      }
      buf[this.length++] = b | 0x80;
    }
  }

  /** Signed LEB128 of an integer-valued number (exact up to 2^53) or a bigint. */
  s64(value: number | bigint): this {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) return this.s32(value);
      value = BigInt(value);
    }
    let v = BigInt.asIntN(64, value);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return this.u8(b);
      this.u8(b | 0x80);
    }
  }

  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** Appends `payload` prefixed with its length. */
  sized(payload: Uint8Array): this {
    return this.u32(payload.length).bytes(payload);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }

  /** A view of the written bytes (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}
