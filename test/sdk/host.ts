// A tiny FVM stand-in for SDK tests: just the syscalls the SDK modules under test import, over
// a MemoryBlockstore, with one fresh instance per call as the FVM does. Not the machine: no gas,
// no call stack, no state tree; sends are answered by a test-supplied function.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { cidOf, decodeCbor, encodeCbor, DAG_CBOR, RAW } from '../../src/ipld/cbor.js';
import { hashBy, isSupportedHash } from '../../src/crypto/hash.js';
import { recoverSecpPublicKey, verifyBlsAggregate, splitBlsPlaintexts } from '../../src/crypto/signature.js';
import { compileActor, sourceDigest, PACKAGE_ROOT } from '../../scripts/sdk-compile.js';

export const CBOR = 0x51;
const BLAKE2B_256 = 0xb220n;

/** ErrorNumbers (ref-fvm's numbering). */
export const Err = {
  IllegalArgument: 1,
  IllegalOperation: 2,
  NotFound: 6,
  InvalidHandle: 7,
  IllegalCid: 8,
  IllegalCodec: 9,
  Serialization: 10,
  BufferTooSmall: 12,
  ReadOnly: 13,
} as const;

/**
 * Compiles an SDK entry once per source digest; the WASM is cached under the OS temp dir.
 * Test modules default to no optimization (2-3x faster to build); the example actor is built
 * exactly as users build actors.
 */
export async function compileCached(entry: string, kind: 'actor' | 'module', optimize: 'size' | 'none' = 'none'): Promise<Uint8Array> {
  const file = path.resolve(PACKAGE_ROOT, entry);
  const dir = path.join(tmpdir(), 'tsfvm-sdk-cache');
  const cached = path.join(dir, `${path.basename(entry, '.ts')}-${kind}-${optimize}-${sourceDigest(file, [kind, optimize])}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const { wasm } = await compileActor({ entry: file, kind, optimize });
  mkdirSync(dir, { recursive: true });
  // Test files run in parallel: write under a private name, then rename into place.
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, wasm);
  renameSync(tmp, cached);
  return wasm;
}

export interface Block {
  codec: number;
  data: Uint8Array;
}

export interface EmittedEntry {
  flags: bigint;
  key: string;
  codec: bigint;
  value: Uint8Array;
}

export interface SentMessage {
  to: Uint8Array;
  method: bigint;
  params: Block | undefined;
  value: bigint;
  gasLimit: bigint;
  flags: bigint;
}

export interface SendReply {
  exitCode: number;
  ret?: Block;
  /** An ErrorNumber to fail the syscall with instead. */
  errno?: number;
}

/** The outcome of one call: exit code 0 with the return block, or the actor's exit. */
export interface CallResult {
  exitCode: number;
  ret: Block | undefined;
  message: string | undefined;
}

class ActorExit extends Error {
  constructor(
    readonly code: number,
    readonly exitMessage: string,
    readonly ret: Block | undefined,
  ) {
    super(`actor exited with ${code}: ${exitMessage}`);
  }
}

export class MockFvm {
  readonly bs = new MemoryBlockstore();
  readonly module: WebAssembly.Module;
  root: CID | undefined;
  balance = 0n;
  // Message context.
  origin = 100n;
  nonce = 0n;
  caller = 100n;
  receiver = 1000n;
  method = 0n;
  valueReceived = 0n;
  gasPremium = 0n;
  readOnly = false;
  // Network context.
  epoch = 1n;
  timestamp = 0n;
  baseFee = 100n;
  chainId = 314n;
  networkVersion = 21;
  /** Everything emitted, across calls. */
  readonly events: EmittedEntry[][] = [];
  readonly logs: string[] = [];
  readonly sent: SentMessage[] = [];
  onSend: (m: SentMessage) => SendReply = () => ({ exitCode: 0 });
  /** Other actors, by ID: what the actor syscalls answer. */
  readonly actors = new Map<bigint, { code: CID; balance: bigint; addresses: Uint8Array[]; delegated?: Uint8Array; builtinType?: number }>();
  circSupply = 0n;
  gasAvailable = 10_000_000n;
  readonly gasCharges: [string, bigint][] = [];

  private handles: Block[] = [];
  private memory: WebAssembly.Memory | undefined;

  constructor(wasm: Uint8Array) {
    this.module = new WebAssembly.Module(new Uint8Array(wasm));
  }

  /** Calls export `name` on a fresh instance with an optional params block. */
  call(name: string, params?: Block): CallResult {
    this.handles = [{ codec: 0, data: new Uint8Array(0) }]; // id 0: no block
    const instance = new WebAssembly.Instance(this.module, this.imports());
    this.memory = instance.exports['memory'] as WebAssembly.Memory;
    const fn = instance.exports[name];
    if (typeof fn !== 'function') throw new Error(`module has no export ${name}`);
    const paramsId = params === undefined ? 0 : this.register(params);
    try {
      const retId = (fn as (p: number) => number)(paramsId) >>> 0;
      return { exitCode: 0, ret: retId === 0 ? undefined : this.handle(retId), message: undefined };
    } catch (err) {
      if (err instanceof ActorExit) return { exitCode: err.code, ret: err.ret, message: err.exitMessage };
      throw err;
    }
  }

  /** Calls `invoke` with `method` as the message's method number. */
  invoke(method: bigint, params?: Block): CallResult {
    this.method = method;
    return this.call('invoke', params);
  }

  // ---- memory helpers ----

  private bytes(): Uint8Array {
    return new Uint8Array(this.memory!.buffer);
  }

  private view(): DataView {
    return new DataView(this.memory!.buffer);
  }

  private read(off: number, len: number): Uint8Array {
    const mem = this.bytes();
    if (off + len > mem.length) throw new Error(`read out of bounds: ${off}+${len}`);
    return mem.slice(off, off + len);
  }

  private readCid(off: number): CID {
    const mem = this.bytes();
    const [cid] = CID.decodeFirst(mem.subarray(off, Math.min(mem.length, off + 100)));
    return cid;
  }

  private register(b: Block): number {
    this.handles.push(b);
    return this.handles.length - 1;
  }

  private handle(id: number): Block {
    const b = this.handles[id];
    if (id === 0 || b === undefined) throw new Error(`unknown block handle ${id}`);
    return b;
  }

  private writeToken(ret: number, v: bigint): void {
    const dv = this.view();
    dv.setBigUint64(ret, v & 0xffff_ffff_ffff_ffffn, true);
    dv.setBigUint64(ret + 8, v >> 64n, true);
  }

  // ---- syscalls ----

  private imports(): WebAssembly.Imports {
    // WASM i32/i64 arrive signed; the ABI means them unsigned.
    const u = (x: number): number => x >>> 0;
    const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
    return {
      vm: {
        exit: (code: number, blk: number, off: number, len: number): number => {
          const message = len > 0 ? new TextDecoder().decode(this.read(u(off), u(len))) : '';
          throw new ActorExit(u(code), message, u(blk) === 0 ? undefined : this.handle(u(blk)));
        },
        message_context: (ret: number): number => {
          const dv = this.view();
          const p = u(ret);
          dv.setBigUint64(p, this.origin, true);
          dv.setBigUint64(p + 8, this.nonce, true);
          dv.setBigUint64(p + 16, this.caller, true);
          dv.setBigUint64(p + 24, this.receiver, true);
          dv.setBigUint64(p + 32, this.method, true);
          this.writeToken(p + 40, this.valueReceived);
          this.writeToken(p + 56, this.gasPremium);
          dv.setBigUint64(p + 72, this.readOnly ? 1n : 0n, true);
          return 0;
        },
      },
      network: {
        total_fil_circ_supply: (ret: number): number => {
          this.writeToken(u(ret), this.circSupply);
          return 0;
        },
        tipset_cid: (ret: number, epoch: bigint, off: number, max: number): number => {
          if (epoch < 0n || epoch >= this.epoch) return Err.IllegalArgument;
          const cid = cidOf(encodeCbor(['tipset', epoch]));
          if (cid.bytes.length > u(max)) return Err.BufferTooSmall;
          this.bytes().set(cid.bytes, u(off));
          this.view().setUint32(u(ret), cid.bytes.length, true);
          return 0;
        },
        context: (ret: number): number => {
          const dv = this.view();
          const p = u(ret);
          dv.setBigInt64(p, this.epoch, true);
          dv.setBigUint64(p + 8, this.timestamp, true);
          this.writeToken(p + 16, this.baseFee);
          dv.setBigUint64(p + 32, this.chainId, true);
          dv.setUint32(p + 40, this.networkVersion, true);
          return 0;
        },
      },
      ipld: {
        block_open: (ret: number, cidOff: number): number => {
          let cid: CID;
          try {
            cid = this.readCid(u(cidOff));
          } catch {
            return Err.IllegalArgument;
          }
          const data = this.bs.get(cid);
          if (data === undefined) return Err.NotFound;
          const id = this.register({ codec: cid.code, data });
          const dv = this.view();
          dv.setBigUint64(u(ret), BigInt(cid.code), true);
          dv.setUint32(u(ret) + 8, id, true);
          dv.setUint32(u(ret) + 12, data.length, true);
          return 0;
        },
        block_create: (ret: number, codec: bigint, off: number, len: number): number => {
          const c = Number(u64(codec));
          if (c !== DAG_CBOR && c !== CBOR && c !== RAW) return Err.IllegalCodec;
          const data = this.read(u(off), u(len));
          if (c === DAG_CBOR) {
            let value: unknown;
            try {
              value = decodeCbor(data, 'created block');
            } catch {
              return Err.Serialization;
            }
            // The FVM requires the links of a new block to be reachable.
            for (const link of linksOf(value)) if (!this.bs.has(link) && link.multihash.code !== 0) return Err.NotFound;
          }
          this.view().setUint32(u(ret), this.register({ codec: c, data }), true);
          return 0;
        },
        block_read: (ret: number, id: number, offset: number, obuf: number, maxLen: number): number => {
          const b = this.handles[u(id)];
          if (u(id) === 0 || b === undefined) return Err.InvalidHandle;
          const start = Math.min(u(offset), b.data.length);
          const end = Math.min(b.data.length, u(offset) + u(maxLen));
          this.bytes().set(b.data.subarray(start, end), u(obuf));
          this.view().setInt32(u(ret), b.data.length - (u(offset) + u(maxLen)), true);
          return 0;
        },
        block_stat: (ret: number, id: number): number => {
          const b = this.handles[u(id)];
          if (u(id) === 0 || b === undefined) return Err.InvalidHandle;
          this.view().setBigUint64(u(ret), BigInt(b.codec), true);
          this.view().setUint32(u(ret) + 8, b.data.length, true);
          return 0;
        },
        block_link: (ret: number, id: number, hashFun: bigint, hashLen: number, cidOff: number, cidMax: number): number => {
          const b = this.handles[u(id)];
          if (u(id) === 0 || b === undefined) return Err.InvalidHandle;
          if (u64(hashFun) !== BLAKE2B_256 || u(hashLen) !== 32) return Err.IllegalCid;
          const cid = cidOf(b.data, b.codec);
          if (cid.bytes.length > u(cidMax)) return Err.BufferTooSmall;
          this.bs.put(cid, b.data);
          this.bytes().set(cid.bytes, u(cidOff));
          this.view().setUint32(u(ret), cid.bytes.length, true);
          return 0;
        },
      },
      self: {
        root: (ret: number, cidOff: number, cidMax: number): number => {
          if (this.root === undefined) return Err.IllegalOperation;
          if (this.root.bytes.length > u(cidMax)) return Err.BufferTooSmall;
          this.bytes().set(this.root.bytes, u(cidOff));
          this.view().setUint32(u(ret), this.root.bytes.length, true);
          return 0;
        },
        set_root: (cidOff: number): number => {
          if (this.readOnly) return Err.ReadOnly;
          const cid = this.readCid(u(cidOff));
          if (!this.bs.has(cid)) return Err.NotFound;
          this.root = cid;
          return 0;
        },
        current_balance: (ret: number): number => {
          this.writeToken(u(ret), this.balance);
          return 0;
        },
      },
      actor: {
        resolve_address: (ret: number, off: number, len: number): number => {
          const addr = this.read(u(off), u(len));
          for (const [id, a] of this.actors) {
            if (a.addresses.some((x) => x.length === addr.length && x.every((b, i) => b === addr[i]))) {
              this.view().setBigUint64(u(ret), id, true);
              return 0;
            }
          }
          return Err.NotFound;
        },
        get_actor_code_cid: (ret: number, id: bigint, off: number, max: number): number => {
          const a = this.actors.get(u64(id));
          if (a === undefined) return Err.NotFound;
          if (a.code.bytes.length > u(max)) return Err.BufferTooSmall;
          this.bytes().set(a.code.bytes, u(off));
          this.view().setUint32(u(ret), a.code.bytes.length, true);
          return 0;
        },
        balance_of: (ret: number, id: bigint): number => {
          const a = this.actors.get(u64(id));
          if (a === undefined) return Err.NotFound;
          this.writeToken(u(ret), a.balance);
          return 0;
        },
        lookup_delegated_address: (ret: number, id: bigint, off: number, max: number): number => {
          const a = this.actors.get(u64(id));
          if (a === undefined) return Err.NotFound;
          const d = a.delegated ?? new Uint8Array(0);
          if (d.length > u(max)) return Err.BufferTooSmall;
          this.bytes().set(d, u(off));
          this.view().setUint32(u(ret), d.length, true);
          return 0;
        },
        get_builtin_actor_type: (ret: number, cidOff: number): number => {
          const cid = this.readCid(u(cidOff));
          const a = [...this.actors.values()].find((x) => x.code.equals(cid));
          this.view().setInt32(u(ret), a?.builtinType ?? 0, true);
          return 0;
        },
      },
      rand: {
        get_chain_randomness: (ret: number, epoch: bigint): number => {
          if (epoch < 0n || epoch > this.epoch) return Err.IllegalArgument;
          this.bytes().set(hashBy(0xb220, encodeCbor(['chain', epoch])), u(ret));
          return 0;
        },
      },
      gas: {
        available: (ret: number): number => {
          this.view().setBigUint64(u(ret), this.gasAvailable, true);
          return 0;
        },
        charge: (off: number, len: number, amount: bigint): number => {
          this.gasCharges.push([new TextDecoder().decode(this.read(u(off), u(len))), u64(amount)]);
          return 0;
        },
      },
      crypto: {
        recover_secp_public_key: (ret: number, hashOff: number, sigOff: number): number => {
          try {
            this.bytes().set(recoverSecpPublicKey(this.read(u(hashOff), 32), this.read(u(sigOff), 65)), u(ret));
            return 0;
          } catch {
            return Err.IllegalArgument;
          }
        },
        verify_bls_aggregate: (ret: number, n: number, sigOff: number, keysOff: number, msgsOff: number, lensOff: number): number => {
          const count = u(n);
          const lens = Array.from({ length: count }, (_, i) => this.view().getUint32(u(lensOff) + 4 * i, true));
          const keys = Array.from({ length: count }, (_, i) => this.read(u(keysOff) + 48 * i, 48));
          try {
            const msgs = splitBlsPlaintexts(this.read(u(msgsOff), lens.reduce((a, b) => a + b, 0)), lens);
            this.view().setInt32(u(ret), verifyBlsAggregate(this.read(u(sigOff), 96), keys, msgs) ? 0 : -1, true);
            return 0;
          } catch {
            return Err.IllegalArgument;
          }
        },
        hash: (ret: number, code: bigint, off: number, len: number, digestOff: number, digestLen: number): number => {
          if (!isSupportedHash(u64(code))) return Err.IllegalArgument;
          const d = hashBy(u64(code), this.read(u(off), u(len)));
          const n = Math.min(d.length, u(digestLen));
          this.bytes().set(d.subarray(0, n), u(digestOff));
          this.view().setUint32(u(ret), n, true);
          return 0;
        },
      },
      event: {
        emit_event: (evtOff: number, evtLen: number, keyOff: number, keyLen: number, valOff: number, valLen: number): number => {
          if (this.readOnly) return Err.ReadOnly;
          const headers = this.read(u(evtOff), u(evtLen) * 24);
          const keys = this.read(u(keyOff), u(keyLen));
          const vals = this.read(u(valOff), u(valLen));
          const dv = new DataView(headers.buffer, headers.byteOffset, headers.byteLength);
          const entries: EmittedEntry[] = [];
          let ko = 0;
          let vo = 0;
          for (let i = 0; i < u(evtLen); i++) {
            const kl = dv.getUint32(i * 24 + 16, true);
            const vl = dv.getUint32(i * 24 + 20, true);
            entries.push({
              flags: dv.getBigUint64(i * 24, true),
              codec: dv.getBigUint64(i * 24 + 8, true),
              key: new TextDecoder().decode(keys.subarray(ko, ko + kl)),
              value: vals.slice(vo, vo + vl),
            });
            ko += kl;
            vo += vl;
          }
          if (ko !== keys.length || vo !== vals.length) return Err.IllegalArgument;
          this.events.push(entries);
          return 0;
        },
      },
      send: {
        send: (ret: number, toOff: number, toLen: number, method: bigint, params: number, hi: bigint, lo: bigint, gasLimit: bigint, flags: bigint): number => {
          const m: SentMessage = {
            to: this.read(u(toOff), u(toLen)),
            method: u64(method),
            params: u(params) === 0 ? undefined : this.handle(u(params)),
            value: (u64(hi) << 64n) | u64(lo),
            gasLimit: u64(gasLimit),
            flags: u64(flags),
          };
          this.sent.push(m);
          const reply = this.onSend(m);
          if (reply.errno !== undefined) return reply.errno;
          const dv = this.view();
          dv.setUint32(u(ret), reply.exitCode, true);
          dv.setUint32(u(ret) + 4, reply.ret === undefined ? 0 : this.register(reply.ret), true);
          dv.setBigUint64(u(ret) + 8, BigInt(reply.ret?.codec ?? 0), true);
          dv.setUint32(u(ret) + 16, reply.ret?.data.length ?? 0, true);
          return 0;
        },
      },
      debug: {
        enabled: (ret: number): number => {
          this.view().setInt32(u(ret), 1, true);
          return 0;
        },
        log: (off: number, len: number): number => {
          this.logs.push(new TextDecoder().decode(this.read(u(off), u(len))));
          return 0;
        },
      },
    };
  }
}

function linksOf(value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value);
  if (cid) {
    out.push(cid);
  } else if (Array.isArray(value)) {
    for (const v of value) linksOf(v, out);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) linksOf(v, out);
  }
  return out;
}
