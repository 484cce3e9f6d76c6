// Bounds-checked access to an actor instance's linear memory. Every pointer an actor hands
// to a syscall goes through here; a bad pointer is an IllegalArgument, never a host crash.
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { Address, AddressError } from '../primitives/address.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { SyscallError } from '../kernel/errors.js';
import { CborError, CborReader } from '../ipld/cbor.js';

/** Largest multihash digest the reference accepts in a CID. */
const MAX_DIGEST_LEN = 64;

function outOfBounds(offset: number, len: number): SyscallError {
  return new SyscallError(ErrorNumber.IllegalArgument, `buffer ${offset} (length ${len}) out of bounds`);
}

export class Memory {
  constructor(private readonly memory: WebAssembly.Memory) {}

  /** The current bytes (re-read on each access: growing the memory replaces the buffer). */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  get length(): number {
    return this.memory.buffer.byteLength;
  }

  checkBounds(offset: number, len: number): void {
    if (offset + len > this.length) throw outOfBounds(offset, len);
  }

  /** A view of `len` bytes at `offset` (valid until the memory grows). */
  slice(offset: number, len: number): Uint8Array {
    if (offset > this.length || len > this.length - offset) throw outOfBounds(offset, len);
    return new Uint8Array(this.memory.buffer, offset, len);
  }

  /** A copy of `len` bytes at `offset`. */
  copy(offset: number, len: number): Uint8Array {
    return this.slice(offset, len).slice();
  }

  write(offset: number, data: Uint8Array): void {
    this.slice(offset, data.length).set(data);
  }

  /** Parses a CID starting at `offset`, reading no further than it needs (or the end of memory). */
  readCid(offset: number): CID {
    const mem = this.bytes;
    if (offset > mem.length) {
      throw new SyscallError(ErrorNumber.IllegalArgument, `cid at offset ${offset} is out of bounds`);
    }
    try {
      return parseCid(mem, offset);
    } catch (err) {
      if (err instanceof CidParseError) {
        throw new SyscallError(ErrorNumber.IllegalArgument, `failed to parse cid: ${err.message}`);
      }
      throw err;
    }
  }

  /** Writes a CID into [offset, offset+len); returns its length. BufferTooSmall if it does not fit. */
  writeCid(cid: CID, offset: number, len: number): number {
    const out = this.slice(offset, len);
    const bytes = cid.bytes;
    if (bytes.length > out.length) {
      throw new SyscallError(ErrorNumber.BufferTooSmall, 'cid output buffer is too small');
    }
    out.set(bytes);
    return bytes.length;
  }

  readAddress(offset: number, len: number): Address {
    const bytes = this.slice(offset, len);
    try {
      return Address.fromBytes(bytes);
    } catch (err) {
      if (err instanceof AddressError) throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
      throw err;
    }
  }

  readUtf8(offset: number, len: number): string {
    const bytes = this.slice(offset, len);
    try {
      return strictUtf8.decode(bytes);
    } catch (err) {
      if (isInvalidUtf8(err)) throw new SyscallError(ErrorNumber.IllegalArgument, 'invalid utf-8 string');
      throw err;
    }
  }

  /**
   * Reads a DAG-CBOR structure the actor wrote, with `read` checking each item against the
   * expected schema as it goes (see CborReader): the first item of the wrong kind, malformed
   * CBOR or trailing bytes are IllegalArgument, before anything is built for the rest.
   */
  readStruct<T>(offset: number, len: number, what: string, read: (reader: CborReader) => T): T {
    const reader = new CborReader(this.slice(offset, len), what);
    try {
      const value = read(reader);
      reader.end();
      return value;
    } catch (err) {
      if (err instanceof CborError) throw new SyscallError(ErrorNumber.IllegalArgument, err.message);
      throw err;
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `err` is a fatal TextDecoder's report of invalid input (a TypeError; Node adds a code). */
export function isInvalidUtf8(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const code = (err as { code?: unknown }).code;
  return code === undefined || code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

class CidParseError extends Error {}

/** Reads an unsigned LEB128 varint as the multiformats crates do: minimal, at most u64. */
function readVarint(buf: Uint8Array, pos: { at: number }): bigint {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos.at >= buf.length) throw new CidParseError('unexpected end of input in varint');
    const b = buf[pos.at++]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new CidParseError('non-minimal varint');
      if (value > 0xffff_ffff_ffff_ffffn) throw new CidParseError('varint overflows u64');
      return value;
    }
  }
  throw new CidParseError('varint overflows u64');
}

/** The CID encoded at `offset` in `buf` (binary form, v0 or v1), with the reference's limits. */
export function parseCid(buf: Uint8Array, offset: number): CID {
  const pos = { at: offset };
  const version = readVarint(buf, pos);
  const codec = readVarint(buf, pos);
  if (version === 0x12n && codec === 0x20n) {
    if (buf.length - pos.at < 32) throw new CidParseError('truncated CIDv0 digest');
    const digest = buf.slice(pos.at, pos.at + 32);
    return CID.createV0(createDigest(0x12, digest));
  }
  if (version === 0n) throw new CidParseError('explicit CIDv0 is not allowed');
  if (version !== 1n) throw new CidParseError(`invalid CID version ${version}`);
  const code = readVarint(buf, pos);
  const size = readVarint(buf, pos);
  if (size > BigInt(MAX_DIGEST_LEN)) throw new CidParseError(`multihash digest of ${size} bytes is too long`);
  const n = Number(size);
  if (buf.length - pos.at < n) throw new CidParseError('truncated multihash digest');
  const digest = buf.slice(pos.at, pos.at + n);
  if (code > BigInt(Number.MAX_SAFE_INTEGER) || codec > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CidParseError('codec or multihash code too large');
  }
  return CID.createV1(Number(codec), createDigest(Number(code), digest));
}
