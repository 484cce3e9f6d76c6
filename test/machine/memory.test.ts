// Actor memory access: every pointer and length an actor can pass is either served or refused
// with an error number; nothing else escapes (property tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { Memory, parseCid } from '../../src/syscalls/memory.js';
import { SyscallError } from '../../src/kernel/errors.js';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { runOnLargeStack, LargeStackError } from '../../src/executor/large-stack.js';

function memoryWith(bytes: Uint8Array): Memory {
  const mem = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  new Uint8Array(mem.buffer).set(bytes.subarray(0, 65536));
  return new Memory(mem);
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

test('slice/checkBounds: in-bounds ranges are served, everything else is IllegalArgument', () => {
  const mem = memoryWith(new Uint8Array(0));
  fc.assert(
    fc.property(fc.oneof(u32, fc.integer({ min: 0, max: 65540 })), fc.oneof(u32, fc.integer({ min: 0, max: 70000 })), (off, len) => {
      const inBounds = off + len <= 65536;
      try {
        const s = mem.slice(off, len);
        mem.checkBounds(off, len);
        assert.ok(inBounds);
        assert.equal(s.length, len);
      } catch (err) {
        assert.ok(!inBounds);
        assert.ok(err instanceof SyscallError && err.errno === ErrorNumber.IllegalArgument);
      }
    }),
  );
});

test('readCid and readAddress on arbitrary bytes: a value or IllegalArgument, never a crash', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 100 }), (bytes, off, len) => {
      const mem = memoryWith(bytes);
      for (const f of [() => mem.readCid(off), () => mem.readAddress(off, len)]) {
        try {
          f();
        } catch (err) {
          assert.ok(err instanceof SyscallError && err.errno === ErrorNumber.IllegalArgument, String(err));
        }
      }
    }),
  );
});

test('parseCid reads back any v1 CID (digests up to 64 bytes) and refuses longer digests', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.uint8Array({ maxLength: 64 }), (codec, code, digest) => {
      const cid = CID.createV1(codec, createDigest(code, digest));
      const buf = new Uint8Array([...cid.bytes, 1, 2, 3]);
      assert.ok(parseCid(buf, 0).equals(cid));
    }),
  );
  const long = CID.createV1(0x55, createDigest(0x12, new Uint8Array(65)));
  assert.throws(() => parseCid(long.bytes, 0), /too long/);
});

test('writeCid: BufferTooSmall when the CID does not fit', () => {
  const mem = memoryWith(new Uint8Array(0));
  const cid = CID.createV1(0x71, createDigest(0xb220, new Uint8Array(32)));
  assert.equal(mem.writeCid(cid, 10, 100), cid.bytes.length);
  assert.deepEqual(mem.slice(10, cid.bytes.length), cid.bytes);
  assert.throws(() => mem.writeCid(cid, 10, 5), (e: unknown) => e instanceof SyscallError && e.errno === ErrorNumber.BufferTooSmall);
});

test('runOnLargeStack reports a missing export as an error', async () => {
  await assert.rejects(runOnLargeStack(new URL('./deep-chain.ts', import.meta.url), 'noSuchExport', [], { stackSizeMb: 8 }), LargeStackError);
});
