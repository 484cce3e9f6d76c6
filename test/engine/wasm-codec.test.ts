// The binary codec: LEB128 primitives (property tests), structural checks of the decoder, and
// re-encoding of modified modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ByteReader,
  ByteWriter,
  InstructionReader,
  WasmValidationError,
  decodeModule,
  encodeModule,
  withChanges,
} from '../../src/engine/wasm/index.js';
import { wat } from './wasm-helpers.js';

/** Reference LEB128 decoders, written independently of the code under test. */
function uleb(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) v |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * i);
  return v;
}
function sleb(bytes: Uint8Array): bigint {
  const v = uleb(bytes);
  const bits = BigInt(7 * bytes.length);
  return bytes[bytes.length - 1]! & 0x40 ? v - (1n << bits) : v;
}

test('u32 LEB128: writer output is canonical and the reader reads it back', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      const bytes = new ByteWriter().u32(v).finish();
      assert.equal(uleb(bytes), BigInt(v));
      assert.equal(bytes.length, Math.max(1, Math.ceil(Math.log2(v + 1) / 7)));
      assert.equal(new ByteReader(bytes).u32(), v);
    }),
  );
});

test('s32 and s64 LEB128 round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
      const bytes = new ByteWriter().s32(v).finish();
      assert.equal(sleb(bytes), BigInt(v));
      assert.equal(new ByteReader(bytes).s32(), v);
      assert.equal(new InstructionReader({ signExtension: true, saturatingFloatToInt: true, referenceTypes: true }).reset(bytes, 0, bytes.length).s32(), v);
    }),
  );
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      const bytes = new ByteWriter().s64(v).finish();
      assert.equal(sleb(bytes), v);
      const r = new ByteReader(bytes);
      r.skipS64();
      assert.equal(r.pos, bytes.length);
    }),
  );
});

test('padded LEB128 (as linkers write it) is accepted; overlong or overflowing is not', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x0fffffff }), (v) => {
      // Always five bytes, the way wasm-ld pads relocatable indices.
      const padded = new Uint8Array(5);
      for (let i = 0; i < 5; i++) padded[i] = ((v >>> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0);
      assert.equal(new ByteReader(padded).u32(), v);
    }),
  );
  assert.throws(() => new ByteReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).u32(), WasmValidationError);
  assert.throws(() => new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f])).u32(), /32 bits/);
  assert.throws(() => new ByteReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x70])).s32(), /32 bits/);
});

test('structural errors name the problem', () => {
  const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  const mod = (...bytes: number[]): Uint8Array => new Uint8Array([...header, ...bytes]);
  // Type section with a trailing byte.
  assert.throws(() => decodeModule(mod(1, 5, 1, 0x60, 0, 0, 0xaa)), /trailing/);
  // A function without a body.
  assert.throws(() => decodeModule(mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0)), /code section has 0/);
  // A data count that disagrees with the data section.
  assert.throws(() => decodeModule(mod(12, 1, 1)), /data count/);
  // An unknown section id.
  assert.throws(() => decodeModule(mod(14, 0)), /unknown section/);
  // A duplicated export name.
  const bytes = mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 7, 9, 2, 1, 0x61, 0, 0, 1, 0x61, 0, 0, 10, 4, 1, 2, 0, 0x0b);
  assert.throws(() => decodeModule(bytes), /duplicate export name "a"/);
});

test('a changed module re-encodes its changed sections and copies the others', async () => {
  const src = await wat(`(module
    (type (func))
    (func $f (export "f"))
    (global i32 (i32.const 5))
    (memory 1)
    (data (i32.const 0) "hi"))`);
  const m = decodeModule(src);
  const changed = withChanges(m, {
    exports: [...m.exports, { name: 'g', kind: 3, index: 0 }],
    globals: [...m.globals, { type: { type: 0x7e, mutable: true }, init: new Uint8Array([0x42, 0x07, 0x0b]) }],
    start: 0,
  });
  const out = decodeModule(encodeModule(changed));
  assert.deepEqual(out.exports.map((e) => e.name), ['f', 'g']);
  assert.equal(out.globals.length, 2);
  assert.equal(out.start, 0);
  assert.deepEqual(out.sections.map((s) => s.id), [1, 3, 5, 6, 7, 8, 10, 11], 'start section inserted in order');
  // Untouched sections keep their bytes.
  for (const id of [1, 3, 5, 10, 11]) {
    const before = m.sections.find((s) => s.id === id)!.raw!;
    const after = out.sections.find((s) => s.id === id)!.raw!;
    assert.ok(Buffer.from(before).equals(Buffer.from(after)), `section ${id} unchanged`);
  }
  assert.ok(WebAssembly.validate(encodeModule(changed)));
});
