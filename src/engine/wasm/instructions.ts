// Decoding of single instructions, for passes that walk function bodies. The reader keeps no
// per-instruction objects: each `read()` leaves the opcode and immediates in fields and
// advances `pos`, so a pass can copy untouched instructions as byte ranges.
import { WasmValidationError } from './errors.js';

/** 0xFC-prefixed instructions are numbered MISC + sub-opcode. */
export const MISC = 0x100;

export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  selectTyped: 0x1c,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  tableGet: 0x25,
  tableSet: 0x26,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  refNull: 0xd0,
  refIsNull: 0xd1,
  refFunc: 0xd2,
  memoryInit: MISC + 8,
  dataDrop: MISC + 9,
  memoryCopy: MISC + 10,
  memoryFill: MISC + 11,
  tableInit: MISC + 12,
  elemDrop: MISC + 13,
  tableCopy: MISC + 14,
  tableGrow: MISC + 15,
  tableSize: MISC + 16,
  tableFill: MISC + 17,
} as const;

/** Block type immediate meaning "no result". */
export const BLOCK_EMPTY = 0x40;

/** Which post-MVP proposals the reader accepts (bulk memory is always on in the FVM). */
export interface OpcodeFeatures {
  readonly signExtension: boolean;
  readonly saturatingFloatToInt: boolean;
  readonly referenceTypes: boolean;
}

// log2 of the natural alignment of each load/store, indexed by opcode - 0x28.
const NATURAL_ALIGN = [2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2];

export function opName(op: number): string {
  return op >= MISC ? `0xfc ${op - MISC}` : `0x${op.toString(16).padStart(2, '0')}`;
}

export class InstructionReader {
  bytes: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Offset of the instruction last read. */
  start = 0;
  /** Its opcode (MISC + n for 0xFC n). */
  op = 0;
  /** First immediate: label, index, block type, alignment or i32 constant. */
  a = 0;
  /** Second immediate: table index, memarg offset, or br_table default label. */
  b = 0;
  /** br_table labels (without the default), valid up to `count`. */
  targets = new Uint32Array(64);
  count = 0;

  constructor(readonly features: OpcodeFeatures) {}

  reset(bytes: Uint8Array, start: number, end: number): this {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    return this;
  }

  fail(reason: string, at = this.start): never {
    throw new WasmValidationError(reason, at);
  }

  private byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end of function body', this.pos);
    return this.bytes[this.pos++]!;
  }

  private zeroByte(what: string): void {
    if (this.byte() !== 0) this.fail(`${what}: expected a zero byte (multi-memory and reference types are disabled)`);
  }

  /** Unsigned LEB128, 32 bits. */
  u32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let b = pos < this.end ? bytes[pos++]! : this.fail('unexpected end of function body', pos);
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (pos >= this.end) this.fail('unexpected end of function body', pos);
      b = bytes[pos++]!;
      if (shift === 28) {
        if (b & 0xf0) this.fail('integer immediate does not fit in 32 bits or is too long');
        result += b * 0x10000000;
        break;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    this.pos = pos;
    return result;
  }

  /** Signed LEB128, 32 bits. */
  s32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) this.fail('unexpected end of function body', pos);
      const b = bytes[pos++]!;
      if (shift === 28) {
        const high = b & 0xf8;
        if (high !== 0 && high !== 0x78) this.fail('i32 immediate does not fit in 32 bits or is too long');
        result |= b << 28;
        break;
      }
      result |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) {
        if (shift < 32 && b & 0x40) result |= -1 << shift;
        break;
      }
    }
    this.pos = pos;
    return result | 0;
  }

  private skipS64(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    for (let i = 0; ; i++) {
      if (pos >= this.end) this.fail('unexpected end of function body', pos);
      const b = bytes[pos++]!;
      if (i === 9) {
        if (b !== 0 && b !== 0x7f) this.fail('i64 immediate does not fit in 64 bits or is too long');
        break;
      }
      if (b < 0x80) break;
    }
    this.pos = pos;
  }

  private blockType(): number {
    const b = this.byte();
    if (b === BLOCK_EMPTY || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c) return b;
    if (b === 0x7b) this.fail('SIMD (v128) block types are disabled');
    if (b === 0x70 && this.features.referenceTypes) return b;
    if (b === 0x70 || b === 0x6f) this.fail('reference-typed block results are disabled');
    this.fail('block types with parameters or several results need multi-value, which is disabled');
  }

  private memarg(op: number): void {
    const align = this.u32();
    if (align & 0x40) this.fail('memory index in memarg: multi-memory is disabled');
    if (align > NATURAL_ALIGN[op - 0x28]!) this.fail(`alignment 2^${align} exceeds the natural alignment of ${opName(op)}`);
    this.a = align;
    this.b = this.u32();
  }

  private tableIndex(): number {
    return this.features.referenceTypes ? this.u32() : (this.zeroByte('table index'), 0);
  }

  /** Reads the instruction at `pos`; returns its opcode. */
  read(): number {
    this.start = this.pos;
    const op = this.byte();
    this.op = op;
    if (op >= 0x45 && op <= 0xbf) return op; // numeric instructions without immediates
    switch (op) {
      case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x1a: case 0x1b:
        return op;
      case 0x02: case 0x03: case 0x04:
        this.a = this.blockType();
        return op;
      case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
        this.a = this.u32();
        return op;
      case 0x0e: {
        const n = this.u32();
        if (n > this.end - this.pos) this.fail('br_table label count exceeds the function body');
        if (n > this.targets.length) this.targets = new Uint32Array(Math.max(n, this.targets.length * 2));
        const t = this.targets;
        for (let i = 0; i < n; i++) t[i] = this.u32();
        this.count = n;
        this.b = this.u32();
        return op;
      }
      case 0x11:
        this.a = this.u32();
        this.b = this.tableIndex();
        return op;
      case 0x41:
        this.a = this.s32();
        return op;
      case 0x42:
        this.skipS64();
        return op;
      case 0x43:
        if (this.end - this.pos < 4) this.fail('unexpected end of function body', this.pos);
        this.pos += 4;
        return op;
      case 0x44:
        if (this.end - this.pos < 8) this.fail('unexpected end of function body', this.pos);
        this.pos += 8;
        return op;
      case 0x3f: case 0x40:
        this.zeroByte('memory index');
        return op;
      case 0xc0: case 0xc1: case 0xc2: case 0xc3: case 0xc4:
        if (!this.features.signExtension) this.fail(`sign-extension instruction ${opName(op)} is disabled`);
        return op;
      case 0x1c: {
        if (!this.features.referenceTypes) this.fail('typed select needs reference types, which are disabled');
        const n = this.u32();
        if (n !== 1) this.fail('typed select must name exactly one type (multi-value is disabled)');
        const t = this.byte();
        if (t !== 0x7f && t !== 0x7e && t !== 0x7d && t !== 0x7c && t !== 0x70) this.fail(`typed select of unsupported type 0x${t.toString(16)}`);
        this.a = t;
        return op;
      }
      case 0x25: case 0x26:
        if (!this.features.referenceTypes) this.fail(`table.${op === 0x25 ? 'get' : 'set'} needs reference types, which are disabled`);
        this.a = this.u32();
        return op;
      case 0xd0:
        if (!this.features.referenceTypes) this.fail('ref.null needs reference types, which are disabled');
        this.a = this.byte();
        if (this.a !== 0x70 && this.a !== 0x6f) this.fail('ref.null of an unsupported heap type');
        return op;
      case 0xd1:
        if (!this.features.referenceTypes) this.fail('ref.is_null needs reference types, which are disabled');
        return op;
      case 0xd2:
        if (!this.features.referenceTypes) this.fail('ref.func needs reference types, which are disabled');
        this.a = this.u32();
        return op;
      case 0xfc:
        return this.readMisc();
      case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x18: case 0x19: case 0x1f:
        this.fail(`exception-handling instruction ${opName(op)} is disabled`);
      case 0x12: case 0x13:
        this.fail(`tail-call instruction ${opName(op)} is disabled`);
      case 0x14: case 0x15: case 0xd3: case 0xd4: case 0xd5: case 0xd6: case 0xfb:
        this.fail(`function-references/GC instruction ${opName(op)} is disabled`);
      case 0xfd:
        this.fail('SIMD instructions (0xfd prefix) are disabled');
      case 0xfe:
        this.fail('threads/atomics instructions (0xfe prefix) are disabled');
      default:
        if (op >= 0x28 && op <= 0x3e) {
          this.memarg(op);
          return op;
        }
        this.fail(`unknown opcode ${opName(op)}`);
    }
  }

  private readMisc(): number {
    const sub = this.u32();
    const op = MISC + sub;
    this.op = op;
    if (sub <= 7) {
      if (!this.features.saturatingFloatToInt) this.fail(`saturating float-to-int instruction ${opName(op)} is disabled`);
      return op;
    }
    switch (sub) {
      case 8: // memory.init
        this.a = this.u32();
        this.zeroByte('memory index');
        return op;
      case 9: // data.drop
      case 13: // elem.drop
        this.a = this.u32();
        return op;
      case 10: // memory.copy
        this.zeroByte('memory index');
        this.zeroByte('memory index');
        return op;
      case 11: // memory.fill
        this.zeroByte('memory index');
        return op;
      case 12: // table.init
        this.a = this.u32();
        this.b = this.tableIndex();
        return op;
      case 14: // table.copy
        this.a = this.tableIndex();
        this.b = this.tableIndex();
        return op;
      case 15: case 16: case 17: // table.grow, table.size, table.fill
        if (!this.features.referenceTypes) this.fail(`${opName(op)} needs reference types, which are disabled`);
        this.a = this.u32();
        return op;
      default:
        if (sub >= 19 && sub <= 22) this.fail(`wide-arithmetic instruction ${opName(op)} is disabled`);
        this.fail(`unknown opcode ${opName(op)}`);
    }
  }
}
