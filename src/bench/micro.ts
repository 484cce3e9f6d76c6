// Micro-benchmarks of the hot paths the profile of the conformance corpus shows: hashing and
// CIDs of blocks, DAG-CBOR decode/encode of HAMT nodes, the state tree's HAMT, blockstore
// lookups by CID, and the JS↔WASM syscall crossing through the engine.
import { CID } from 'multiformats/cid';
import { Engine, engineConfigForNetworkVersion } from '../engine/engine.js';
import { MemoryLimiter } from '../engine/limits.js';
import { GasTracker } from '../gas/tracker.js';
import { MemoryBlockstore } from '../ipld/blockstore.js';
import { RAW, blake2b256, cidOf, decodeCbor, encodeCbor } from '../ipld/cbor.js';
import { Hamt } from '../ipld/hamt.js';
import { actorStateToCbor, type ActorState } from '../primitives/actor.js';
import { Address } from '../primitives/address.js';
import { opsPerSecond } from './stats.js';

export interface MicroResult {
  readonly name: string;
  readonly opsPerSec: number;
  /** Bytes processed per second, for byte-oriented benchmarks. */
  readonly bytesPerSec?: number;
  /** What one operation is. */
  readonly note?: string;
}

export interface MicroOptions {
  /** Minimum measuring time per benchmark, ms (default 300). */
  readonly minMs?: number;
}

/** Runs `op` in growing batches until `minMs` has passed; `op(i)` does one operation. */
export function measureOps(op: (i: number) => void, minMs = 300): { ops: number; ns: number } {
  // Warm-up, so the figure is for optimised code.
  for (let i = 0; i < 50; i++) op(i);
  let batch = 16;
  let ops = 0;
  let ns = 0;
  const limit = minMs * 1e6;
  while (ns < limit) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) op(ops + i);
    ns += Number(process.hrtime.bigint() - t0);
    ops += batch;
    if (batch < 1 << 20) batch *= 2;
  }
  return { ops, ns };
}

function bench(name: string, op: (i: number) => void, minMs: number, bytesPerOp?: number, note?: string): MicroResult {
  const { ops, ns } = measureOps(op, minMs);
  const opsPerSec = opsPerSecond(ops, ns);
  return {
    name,
    opsPerSec,
    ...(bytesPerOp !== undefined ? { bytesPerSec: opsPerSec * bytesPerOp } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** Deterministic pseudo-random bytes (xorshift), so runs are comparable. */
export function pseudoRandomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A state tree shaped actors HAMT with `n` actors; returns the store and flushed root. */
export function buildActorsHamt(n: number): { store: MemoryBlockstore; root: CID; keys: Uint8Array[] } {
  const store = new MemoryBlockstore();
  const hamt = Hamt.create<unknown>(store, { bitWidth: 5 });
  const code = cidOf(new TextEncoder().encode('fil/10/account'), RAW);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const key = Address.newId(1000 + i).toBytes();
    keys.push(key);
    const actor: ActorState = {
      code,
      head: cidOf(encodeCbor([i])),
      sequence: BigInt(i % 7),
      balance: BigInt(i) * 10n ** 18n,
      delegatedAddress: null,
    };
    hamt.set(key, actorStateToCbor(actor));
  }
  return { store, root: hamt.flush(), keys };
}

/** The (bytes of the) largest block of a store: a full HAMT node in the trees built here. */
function largestBlock(store: MemoryBlockstore, cids: Iterable<CID>): Uint8Array {
  let best: Uint8Array = new Uint8Array(0);
  for (const c of cids) {
    const b = store.get(c);
    if (b !== undefined && b.length > best.length) best = b;
  }
  return best;
}

/** Every CID reachable from a HAMT root (nodes only). */
function hamtNodeCids(store: MemoryBlockstore, root: CID): CID[] {
  const out: CID[] = [];
  const visit = (cid: CID): void => {
    out.push(cid);
    const node = decodeCbor<[Uint8Array, unknown[]]>(store.get(cid)!, 'HAMT node');
    for (const p of node[1]) {
      const link = CID.asCID(p);
      if (link) visit(link);
    }
  };
  visit(root);
  return out;
}

/** Hashing, CIDs and CBOR. */
export function hashAndCborBenchmarks(opts: MicroOptions = {}): MicroResult[] {
  const minMs = opts.minMs ?? 300;
  const out: MicroResult[] = [];
  for (const size of [64, 1024, 65536]) {
    const data = pseudoRandomBytes(size, size);
    out.push(bench(`blake2b-256 ${size} B`, () => blake2b256(data), minMs, size, 'one digest'));
  }
  const { store, root } = buildActorsHamt(5000);
  const nodes = hamtNodeCids(store, root);
  const node = largestBlock(store, nodes);
  out.push(bench(`cidOf (HAMT node, ${node.length} B)`, () => cidOf(node), minMs, node.length, 'blake2b-256 + CID object'));
  out.push(bench(`CBOR decode (HAMT node, ${node.length} B)`, () => decodeCbor(node, 'bench node'), minMs, node.length));
  const value = decodeCbor(node, 'bench node');
  out.push(bench(`CBOR encode (HAMT node, ${node.length} B)`, () => encodeCbor(value), minMs, node.length));
  const msg = encodeCbor([0, Address.newId(1001).toBytes(), Address.newId(1002).toBytes(), 7, new Uint8Array([0, 1]), 1000000, new Uint8Array([0, 100]), new Uint8Array([0, 1]), 2, new Uint8Array(64)]);
  out.push(bench(`CBOR decode (message, ${msg.length} B)`, () => decodeCbor(msg, 'bench message'), minMs, msg.length));
  return out;
}

/** The state tree's HAMT and the blockstore under it. */
export function hamtBenchmarks(opts: MicroOptions = {}): MicroResult[] {
  const minMs = opts.minMs ?? 300;
  const n = 5000;
  const { store, root, keys } = buildActorsHamt(n);
  const out: MicroResult[] = [];
  const warm = Hamt.load<unknown>(store, root, { bitWidth: 5 });
  out.push(bench(`HAMT get, nodes cached (${n} actors)`, (i) => warm.get(keys[(i * 7919) % n]!), minMs));
  out.push(
    bench(
      `HAMT get, fresh HAMT (${n} actors)`,
      (i) => Hamt.load<unknown>(store, root, { bitWidth: 5 }).get(keys[(i * 7919) % n]!),
      minMs,
      undefined,
      'load root + decode the nodes on the path',
    ),
  );
  const w = Hamt.load<unknown>(store, root, { bitWidth: 5 });
  const sample = warm.get(keys[0]!)!;
  out.push(bench(`HAMT set (${n} actors)`, (i) => w.set(keys[(i * 7919) % n]!, sample), minMs, undefined, 'in memory, no flush'));
  out.push(
    bench(
      `HAMT set + flush (${n} actors)`,
      (i) => {
        w.set(keys[(i * 7919) % n]!, [i, sample]);
        w.flush();
      },
      minMs,
      undefined,
      'one changed path re-encoded and hashed',
    ),
  );
  // Blockstore lookups by CIDs decoded afresh, as syscalls and HAMT links produce them.
  const nodeCids = hamtNodeCids(store, root);
  const fresh = nodeCids.map((c) => CID.decode(c.bytes.slice()));
  out.push(bench('MemoryBlockstore get (fresh CID objects)', (i) => store.get(fresh[i % fresh.length]!), minMs));
  out.push(bench('MemoryBlockstore get (decoded CID)', (i) => store.get(CID.decode(nodeCids[i % nodeCids.length]!.bytes)), minMs, undefined, 'CID.decode + get'));
  return out;
}

/** The smallest module that calls an import in a loop: `run(n)` calls `bench.noop` n times. */
export function syscallLoopWasm(): Uint8Array<ArrayBuffer> {
  // Hand-assembled: type section (i32)->i32 twice, import bench.noop, memory 1 exported,
  // run(n) = loop { if n == 0 break; acc += noop(n); n-- } return acc.
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // type: 1 type (i32) -> i32
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    // import: "bench" "noop" func type 0
    0x02, 0x0e, 0x01, 0x05, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x04, 0x6e, 0x6f, 0x6f, 0x70, 0x00, 0x00,
    // function: 1 function of type 0
    0x03, 0x02, 0x01, 0x00,
    // memory: 1 memory, min 1
    0x05, 0x03, 0x01, 0x00, 0x01,
    // export: "memory" memory 0, "run" func 1
    0x07, 0x10, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
    // code
    0x0a, 0x25, 0x01, 0x23, 0x01, 0x01, 0x7f,
    0x02, 0x40, // block
    0x03, 0x40, // loop
    0x20, 0x00, 0x45, 0x0d, 0x01, // local.get n; i32.eqz; br_if 1
    0x20, 0x01, 0x20, 0x00, 0x10, 0x00, 0x6a, 0x21, 0x01, // acc = acc + noop(n)
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, // n = n - 1
    0x0c, 0x00, // br 0
    0x0b, 0x0b, // end loop, end block
    0x20, 0x01, 0x0b, // acc; end
  ];
  return new Uint8Array(bytes);
}

/** WASM→JS calls: plain WebAssembly, and through the engine's gas-synchronising wrapper. */
export function syscallBenchmarks(opts: MicroOptions = {}): MicroResult[] {
  const minMs = opts.minMs ?? 300;
  const wasm = syscallLoopWasm();
  const perCall = 1000;
  const out: MicroResult[] = [];
  const noop = (n: number): number => n & 1;

  const plain = new WebAssembly.Instance(new WebAssembly.Module(wasm), { bench: { noop } });
  const run = plain.exports['run'] as (n: number) => number;
  const p = measureOps(() => run(perCall), minMs);
  out.push({ name: 'WASM→JS call, plain WebAssembly', opsPerSec: opsPerSecond(p.ops * perCall, p.ns), note: 'one import call' });

  const engine = new Engine({ config: engineConfigForNetworkVersion(18) });
  const module = engine.load(cidOf(wasm, RAW), wasm);
  const tracker = new GasTracker(10n ** 15n);
  const inst = engine.instantiate(module, { bench: { noop } }, new MemoryLimiter(), tracker);
  const e = measureOps(() => {
    const r = inst.call('run', [perCall]);
    if (!r.ok) throw new Error(`syscall loop trapped: ${String(r.error)}`);
  }, minMs);
  out.push({
    name: 'WASM→JS call, engine-wrapped (gas sync)',
    opsPerSec: opsPerSecond(e.ops * perCall, e.ns),
    note: 'charge exec gas + refill the gas global per call',
  });
  return out;
}
