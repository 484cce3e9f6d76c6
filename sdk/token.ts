// Token amounts in attoFIL: a sign and a 128-bit magnitude (hi:lo), which covers every amount the
// syscalls can carry. Serialized as Filecoin big-int bytes: empty for zero, else a sign byte
// (0 positive, 1 negative) followed by the big-endian magnitude without leading zeros.
import { ExitCode } from "./errors";
import { abortWith } from "./vm";

/** Filecoin refuses big-int byte strings longer than this (sign byte included). */
export const MAX_BIGINT_SIZE: i32 = 128;

export class TokenAmount {
  readonly lo: u64;
  readonly hi: u64;
  /** Never set for zero. */
  readonly negative: bool;

  constructor(lo: u64 = 0, hi: u64 = 0, negative: bool = false) {
    this.lo = lo;
    this.hi = hi;
    this.negative = negative && (lo != 0 || hi != 0);
  }

  static zero(): TokenAmount { return new TokenAmount(0, 0, false); }
  static fromU64(v: u64): TokenAmount { return new TokenAmount(v, 0, false); }
  static fromI64(v: i64): TokenAmount {
    return v < 0 ? new TokenAmount(<u64>(-(v + 1)) + 1, 0, true) : new TokenAmount(<u64>v, 0, false);
  }
  /** `whole` FIL (10^18 attoFIL each). */
  static fromWholeFil(whole: u64): TokenAmount { return TokenAmount.fromU64(whole).mulU64(1_000_000_000_000_000_000); }

  isZero(): bool { return this.lo == 0 && this.hi == 0; }
  isNegative(): bool { return this.negative; }
  isPositive(): bool { return !this.negative && !this.isZero(); }

  /** -1, 0 or 1. */
  cmp(o: TokenAmount): i32 {
    if (this.negative != o.negative) return this.negative ? -1 : 1;
    const m = cmpMag(this.hi, this.lo, o.hi, o.lo);
    return this.negative ? -m : m;
  }
  equals(o: TokenAmount): bool { return this.cmp(o) == 0; }
  lt(o: TokenAmount): bool { return this.cmp(o) < 0; }
  gt(o: TokenAmount): bool { return this.cmp(o) > 0; }

  neg(): TokenAmount { return new TokenAmount(this.lo, this.hi, !this.negative); }

  add(o: TokenAmount): TokenAmount {
    if (this.negative == o.negative) {
      const lo = this.lo + o.lo;
      const carry: u64 = lo < this.lo ? 1 : 0;
      const s1 = this.hi + o.hi;
      const hi = s1 + carry;
      if (s1 < this.hi || hi < s1) overflow("add");
      return new TokenAmount(lo, hi, this.negative);
    }
    // Different signs: subtract the smaller magnitude from the larger.
    const m = cmpMag(this.hi, this.lo, o.hi, o.lo);
    if (m == 0) return TokenAmount.zero();
    return m > 0 ? subMag(this, o, this.negative) : subMag(o, this, o.negative);
  }

  sub(o: TokenAmount): TokenAmount { return this.add(o.neg()); }

  mulU64(k: u64): TokenAmount {
    // (hi*2^64 + lo) * k, with the 64x64 -> 128 product of lo*k computed in 32-bit halves.
    const a0 = this.lo & 0xffffffff, a1 = this.lo >> 32;
    const b0 = k & 0xffffffff, b1 = k >> 32;
    const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
    const lo = (p00 & 0xffffffff) | (mid << 32);
    const carryHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    if (this.hi != 0 && k > u64.MAX_VALUE / this.hi) overflow("multiply");
    const hiProd = this.hi * k;
    const hi = hiProd + carryHi;
    if (hi < hiProd) overflow("multiply");
    return new TokenAmount(lo, hi, this.negative);
  }

  /** Filecoin big-int bytes. */
  toBytes(): Uint8Array {
    if (this.isZero()) return new Uint8Array(0);
    let n = 16;
    while (n > 0 && magByte(this.hi, this.lo, 16 - n) == 0) n--;
    const out = new Uint8Array(1 + n);
    out[0] = this.negative ? 1 : 0;
    for (let i = 0; i < n; i++) out[1 + i] = magByte(this.hi, this.lo, 16 - n + i);
    return out;
  }

  /** Parses big-int bytes; aborts with USR_SERIALIZATION if they are malformed or exceed 128 bits. */
  static fromBytes(b: Uint8Array): TokenAmount {
    if (b.length == 0) return TokenAmount.zero();
    if (b.length > MAX_BIGINT_SIZE) abortWith(ExitCode.USR_SERIALIZATION, "big integer of " + b.length.toString() + " bytes exceeds " + MAX_BIGINT_SIZE.toString());
    const sign = b[0];
    if (sign > 1) abortWith(ExitCode.USR_SERIALIZATION, "big integer sign byte must be 0 or 1, got " + sign.toString());
    // Leading zero bytes are accepted, as the reference does.
    let start = 1;
    while (start < b.length && b[start] == 0) start++;
    if (b.length - start > 16) abortWith(ExitCode.USR_SERIALIZATION, "token amount exceeds 128 bits");
    let hi: u64 = 0, lo: u64 = 0;
    for (let i = start; i < b.length; i++) {
      hi = (hi << 8) | (lo >> 56);
      lo = (lo << 8) | <u64>b[i];
    }
    return new TokenAmount(lo, hi, sign == 1);
  }

  /** Decimal attoFIL. */
  toString(): string {
    if (this.isZero()) return "0";
    let hi = this.hi, lo = this.lo;
    let s = "";
    while (hi != 0 || lo != 0) {
      // Long division of hi:lo by 10, 32 bits at a time.
      let rem: u64 = 0;
      const parts: StaticArray<u64> = [hi >> 32, hi & 0xffffffff, lo >> 32, lo & 0xffffffff];
      for (let i = 0; i < 4; i++) {
        const cur = (rem << 32) | parts[i];
        parts[i] = cur / 10;
        rem = cur % 10;
      }
      hi = (parts[0] << 32) | parts[1];
      lo = (parts[2] << 32) | parts[3];
      s = String.fromCharCode(48 + <i32>rem) + s;
    }
    return this.negative ? "-" + s : s;
  }
}

function cmpMag(ah: u64, al: u64, bh: u64, bl: u64): i32 {
  if (ah != bh) return ah > bh ? 1 : -1;
  if (al != bl) return al > bl ? 1 : -1;
  return 0;
}

/** |a| - |b| with |a| > |b|, carrying `negative`. */
function subMag(a: TokenAmount, b: TokenAmount, negative: bool): TokenAmount {
  const lo = a.lo - b.lo;
  const borrow: u64 = a.lo < b.lo ? 1 : 0;
  return new TokenAmount(lo, a.hi - b.hi - borrow, negative);
}

/** Byte i (0 = most significant) of the 16-byte big-endian magnitude. */
function magByte(hi: u64, lo: u64, i: i32): u8 {
  return i < 8 ? <u8>(hi >> (<u64>(7 - i) * 8)) : <u8>(lo >> (<u64>(15 - i) * 8));
}

function overflow(op: string): void {
  abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "token amount overflow in " + op + " (beyond 128 bits)");
}
