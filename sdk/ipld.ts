// Blocks through the ipld syscalls: open/read/stat a reachable block, create and link new ones.
import * as sys from "./sys/ipld";
import { Cid } from "./cid";
import { ErrorNumber, ExitCode, errorNumberName } from "./errors";
import { abortWith } from "./vm";
import { scratch, cidScratch, MAX_CID_LEN, copyOut } from "./mem";

/** IPLD codecs. */
export const DAG_CBOR: u64 = 0x71;
export const CBOR: u64 = 0x51;
export const IPLD_RAW: u64 = 0x55;

/** Multihash codes the FVM hashes with. */
export const IDENTITY: u64 = 0x00;
export const SHA2_256: u64 = 0x12;
export const KECCAK_256: u64 = 0x1b;
export const BLAKE2B_256: u64 = 0xb220;
export const BLAKE2B_512: u64 = 0xb240;
export const RIPEMD_160: u64 = 0x1053;

/** Block handle meaning "no block" (no params, no return value). */
export const NO_BLOCK: u32 = 0;

/** A block's codec and bytes, e.g. method parameters or a return value. */
export class IpldBlock {
  constructor(public codec: u64, public data: Uint8Array) {}
}

export class BlockStat {
  constructor(public codec: u64, public size: u32) {}
}

export class OpenedBlock {
  constructor(public id: u32, public codec: u64, public size: u32) {}
}

/** Aborts for a syscall failure the caller has no way to handle. */
export function syscallFailed(what: string, err: u32): void {
  abortWith(ExitCode.USR_ASSERTION_FAILED, what + " failed: " + errorNumberName(err));
}

/** Opens a reachable block; null if the machine does not have it in the reachable set. */
export function blockOpen(cid: Cid): OpenedBlock | null {
  const out = scratch();
  const err = sys.block_open(out, cid.bytes.dataStart);
  if (err == ErrorNumber.NotFound) return null;
  if (err != 0) syscallFailed("ipld.block_open(" + cid.toString() + ")", err);
  return new OpenedBlock(load<u32>(out, 8), load<u64>(out), load<u32>(out, 12));
}

/** Registers `data` as a new block of `codec`; returns its handle. */
export function blockCreate(codec: u64, data: Uint8Array): u32 {
  const out = scratch();
  const err = sys.block_create(out, codec, data.dataStart, <u32>data.length);
  if (err != 0) {
    // The machine refuses blocks that do not parse as their codec or link unreachable data.
    const code = err == ErrorNumber.Serialization || err == ErrorNumber.IllegalCodec ? ExitCode.USR_SERIALIZATION : ExitCode.USR_ASSERTION_FAILED;
    abortWith(code, "ipld.block_create failed: " + errorNumberName(err));
  }
  return load<u32>(out);
}

/** Copies block bytes from `offset` into `buf`; returns block length - (offset + buf.length). */
export function blockRead(id: u32, offset: u32, buf: Uint8Array): i32 {
  const out = scratch();
  const err = sys.block_read(out, id, offset, buf.dataStart, <u32>buf.length);
  if (err != 0) syscallFailed("ipld.block_read(" + id.toString() + ")", err);
  return load<i32>(out);
}

export function blockStat(id: u32): BlockStat {
  const out = scratch();
  const err = sys.block_stat(out, id);
  if (err != 0) syscallFailed("ipld.block_stat(" + id.toString() + ")", err);
  return new BlockStat(load<u64>(out), load<u32>(out, 8));
}

/** Computes the CID of block `id` (adding it to the reachable set). */
export function blockLink(id: u32, hashFun: u64 = BLAKE2B_256, hashLen: u32 = 32): Cid {
  const out = scratch();
  const buf = cidScratch();
  const err = sys.block_link(out, id, hashFun, hashLen, buf, MAX_CID_LEN);
  if (err != 0) syscallFailed("ipld.block_link(" + id.toString() + ")", err);
  return new Cid(copyOut(buf, <i32>load<u32>(out)));
}

/** The whole content of block `id` (id 0 is the empty block). */
export function readBlock(id: u32): IpldBlock {
  if (id == NO_BLOCK) return new IpldBlock(0, new Uint8Array(0));
  const st = blockStat(id);
  const data = new Uint8Array(<i32>st.size);
  const left = blockRead(id, 0, data);
  if (left != 0) abortWith(ExitCode.USR_ASSERTION_FAILED, "ipld.block_read: block " + id.toString() + " changed size while read");
  return new IpldBlock(st.codec, data);
}

/** Stores `data` and returns its CID (blake2b-256 unless told otherwise). */
export function putBlock(codec: u64, data: Uint8Array, hashFun: u64 = BLAKE2B_256, hashLen: u32 = 32): Cid {
  if (hashFun == IDENTITY) {
    // The data is the digest: nothing to store.
    if (<u32>data.length != hashLen) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "identity CID length " + hashLen.toString() + " does not match " + data.length.toString() + " bytes");
    return Cid.v1(codec, IDENTITY, data);
  }
  return blockLink(blockCreate(codec, data), hashFun, hashLen);
}

/** The bytes of a reachable block; null if it is not reachable. */
export function tryGetBlock(cid: Cid): Uint8Array | null {
  if (cid.hashCode == IDENTITY) return cid.digest;
  const opened = blockOpen(cid);
  if (opened === null) return null;
  const data = new Uint8Array(<i32>opened.size);
  const left = blockRead(opened.id, 0, data);
  if (left != 0) abortWith(ExitCode.USR_ASSERTION_FAILED, "ipld.block_read: block " + cid.toString() + " changed size while read");
  return data;
}

/** The bytes of a block the actor's state links to; aborts (USR_ILLEGAL_STATE) if it is missing. */
export function getBlock(cid: Cid): Uint8Array {
  const data = tryGetBlock(cid);
  if (data === null) {
    abortWith(ExitCode.USR_ILLEGAL_STATE, "block " + cid.toString() + " not found");
    unreachable();
  }
  return data!;
}
