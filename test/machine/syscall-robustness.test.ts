// Robustness of the syscall layer against hostile arguments and broken hosts:
// - proof structures are read against their schema, so a huge wrongly shaped argument fails
//   at its first bad item (IllegalArgument) without building anything for the rest;
// - verify_bls_aggregate charges by signer count before it allocates per signer;
// - a bug or a failing host under a syscall (a TypeError from the blockstore or an extern) is
//   a host fault, never an error number or a receipt.
// The memory tests come first: they compare the process's peak RSS before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CID } from 'multiformats/cid';
import { ErrorNumber } from '../../src/primitives/errnum.js';
import { ExitCode } from '../../src/primitives/exitcode.js';
import { HostFaultError } from '../../src/executor/executor.js';
import { StaticExterns } from '../../src/machine/externs.js';
import { MemoryBlockstore } from '../../src/ipld/blockstore.js';
import { cidOf, encodeCbor } from '../../src/ipld/cbor.js';
import { Op, buildWorld, type TestWorld } from './harness.js';
import { OUT, runProbe } from './probe.js';
import { buildWorldV4, runProbeV4 } from './probe-v4.js';

const PAGE = 65536;
const MiB = 1024 * 1024;

/** Peak resident set size of this process so far, in bytes. */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

test('verify_post: a 50 MB argument of the wrong shape is IllegalArgument at once, in bounded memory', () => {
  const L = 50_000_000;
  // [randomness = b'', proofs = a list of L items, ...]: every item is 0x00 (the integer 0, not
  // a [type, bytes] pair). The zeros are the grown memory's own.
  const header = new Uint8Array([0x84, 0x40, 0x9a, (L >>> 24) & 0xff, (L >>> 16) & 0xff, (L >>> 8) & 0xff, L & 0xff]);
  const w = buildWorld();
  const before = peakRss();
  const started = performance.now();
  const r = runProbe(w, (p) => {
    p.op(Op.Grow, Math.ceil((L + 2 * PAGE) / PAGE)); // 0
    const at = p.bytes(header);
    p.call('crypto', 'verify_post', OUT, at, header.length + L); // 1
  }, { gasLimit: 10_000_000_000n });
  const elapsed = performance.now() - started;
  const grown = peakRss() - before;
  assert.ok(r.st(0) > 0, 'memory grew');
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(grown < 200 * MiB, `peak RSS grew by ${(grown / MiB).toFixed(0)} MiB`);
});

test('v4 verify_bls_aggregate: 4 million signers run out of gas before anything is allocated per signer', () => {
  const signers = 4_000_000;
  const keysLen = signers * 48;
  const w = buildWorldV4();
  const before = peakRss();
  const started = performance.now();
  runProbeV4(w, (p) => {
    p.op(Op.Grow, Math.ceil((keysLen + signers * 4 + 4 * PAGE) / PAGE));
    // Keys at 3 pages in, lengths (all zero: no plaintext) right after them.
    p.call('crypto', 'verify_bls_aggregate', OUT, signers, OUT + 64, 3 * PAGE, 3 * PAGE, 3 * PAGE + keysLen);
  }, { gasLimit: 10_000_000_000n, exitCode: ExitCode.SYS_OUT_OF_GAS });
  const elapsed = performance.now() - started;
  const grown = peakRss() - before;
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(grown < 150 * MiB, `peak RSS grew by ${(grown / MiB).toFixed(0)} MiB`);
});

// ---- typed proof structures: known answers ----------------------------------------------

const cid = cidOf(new Uint8Array([1, 2, 3]));

/** Runs verify_post on each argument; returns the status of each call. */
function verifyPostStatuses(args: readonly Uint8Array[]): number[] {
  const r = runProbe(buildWorld(), (p) => {
    for (const a of args) p.call('crypto', 'verify_post', OUT, p.bytes(a), a.length);
  }, { externs: new StaticExterns({ acceptProofs: true }) });
  return args.map((_, i) => r.st(i));
}

test('verify_post: well-formed infos verify; malformed CBOR, wrong shapes and trailing bytes are IllegalArgument', () => {
  const good = encodeCbor([new Uint8Array(32), [[3, new Uint8Array(192)]], [[8, 12, cid]], 1000]);
  const noProofs = encodeCbor([new Uint8Array(0), [], [], 0]);
  const bytesHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
  const cases: Array<[string, Uint8Array]> = [
    ['trailing byte', new Uint8Array([...noProofs, 0x00])],
    ['truncated', good.subarray(0, good.length - 1)],
    ['prover as a non-minimal integer', bytesHex('844080801800')],
    ['prover as a float', bytesHex('84408080fb3ff0000000000000')],
    ['indefinite-length proofs', bytesHex('84409fff8000')],
    ['proof type beyond i64', bytesHex('844081821bffffffffffffffff4080' + '00')],
    ['sector number negative', bytesHex('8440808183082000')],
    ['tuple of 3', encodeCbor([new Uint8Array(0), [], []])],
    ['list longer than its bytes', bytesHex('84409a0fffffff')],
    ['cid with a wrong prefix', encodeCbor([new Uint8Array(0), [], [[8, 1, new Uint8Array(5)]], 0])],
  ];
  const st = verifyPostStatuses([good, noProofs, ...cases.map(([, b]) => b)]);
  assert.equal(st[0], 0, 'well-formed');
  assert.equal(st[1], 0, 'no proofs');
  cases.forEach(([name], i) => assert.equal(st[i + 2], ErrorNumber.IllegalArgument, name));
});

test('verify_aggregate_seals and batch_verify_seals: elements are checked as the reference types them', () => {
  const info = [101, 8, 1, new Uint8Array(10), [[5, new Uint8Array(32), new Uint8Array(32), cid, cid]]];
  const badInfo = [101, 8, 1, new Uint8Array(10), [[5, new Uint8Array(32), new Uint8Array(32), cid]]];
  const seal = [8, [101, 5], [1, 2], new Uint8Array(32), new Uint8Array(32), new Uint8Array(10), cid, cid];
  const badSeal = [8, [101, 5], [1, -2], new Uint8Array(32), new Uint8Array(32), new Uint8Array(10), cid, cid];
  const enc = (v: unknown): Uint8Array => encodeCbor(v);
  const r = runProbe(buildWorld(), (p) => {
    const put = (v: unknown): [number, number] => {
      const b = enc(v);
      return [p.bytes(b), b.length];
    };
    p.call('crypto', 'verify_aggregate_seals', OUT, ...put(info)); // 0
    p.call('crypto', 'verify_aggregate_seals', OUT, ...put(badInfo)); // 1
    const [s, sl] = put([seal, seal]);
    p.call('crypto', 'batch_verify_seals', s, sl, OUT + 16); // 2
    p.call('crypto', 'batch_verify_seals', ...put([seal, badSeal]), OUT + 32); // 3
  }, { externs: new StaticExterns({ acceptProofs: true }) });
  assert.equal(r.st(0), 0);
  assert.equal(r.st(1), ErrorNumber.IllegalArgument);
  assert.equal(r.st(2), 0);
  assert.deepEqual([...r.out.subarray(OUT + 16, OUT + 18)], [1, 1]);
  assert.equal(r.st(3), ErrorNumber.IllegalArgument);
});

// ---- host faults -------------------------------------------------------------------------

/** A blockstore that fails like a bug for one CID. */
class PoisonedBlockstore extends MemoryBlockstore {
  constructor(private readonly poison: CID) {
    super();
  }
  override get(c: CID): Uint8Array | undefined {
    if (c.equals(this.poison)) throw new TypeError('simulated host bug reading a block');
    return super.get(c);
  }
}

function worldOver(bs: MemoryBlockstore, from: TestWorld): TestWorld {
  for (const [c, bytes] of from.bs.blocks.entries()) bs.put(CID.parse(c), bytes);
  return { ...from, bs };
}

test('a TypeError from the blockstore under ipld::block_open is a host fault, not an error number', () => {
  const block = encodeCbor(['poison']);
  const poison = cidOf(block);
  const base = buildWorld();
  const bs = new PoisonedBlockstore(poison);
  const w = worldOver(bs, base);
  bs.put(poison, block);
  assert.throws(
    () => runProbe(w, (p) => void p.call('ipld', 'block_open', OUT, p.bytes(poison.bytes))),
    (err: unknown) => err instanceof HostFaultError && /simulated host bug/.test(err.message),
  );
});

test('extern failures: an ExternsError is IllegalArgument; a TypeError is a host fault', () => {
  const entropy = new Uint8Array(4);
  const refusing = new StaticExterns(); // no randomness: ExternsError
  const r = runProbe(buildWorld(), (p) => {
    p.call('rand', 'get_chain_randomness', OUT, 1, 10, p.bytes(entropy), 4);
  }, { externs: refusing });
  assert.equal(r.st(0), ErrorNumber.IllegalArgument);

  const broken = new StaticExterns({
    chainRandomness: () => {
      throw new TypeError('simulated extern bug');
    },
  });
  assert.throws(
    () => runProbe(buildWorld(), (p) => void p.call('rand', 'get_chain_randomness', OUT, 1, 10, p.bytes(entropy), 4), { externs: broken }),
    (err: unknown) => err instanceof HostFaultError && /simulated extern bug/.test(err.message),
  );

  class FaultyConsensus extends StaticExterns {
    override verifyConsensusFault(): never {
      throw new RangeError('Maximum call stack size exceeded');
    }
  }
  assert.throws(
    () =>
      runProbe(buildWorld(), (p) => {
        const h = p.bytes(new Uint8Array(8));
        p.call('crypto', 'verify_consensus_fault', OUT, h, 8, h, 8, h, 8);
      }, { externs: new FaultyConsensus() }),
    (err: unknown) => err instanceof HostFaultError && /stack/.test(err.message),
  );
});
