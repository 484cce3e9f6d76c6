// nv17 (ref-fvm 2.x, "SKYR" prices). Expectations are worked out by hand from the constants
// of fvm/src/gas/price_list.rs at ref-fvm v2.0.0 (the version Lotus 1.18 shipped for Shark;
// unchanged up to fvm@v2.12.1). 1 gas = 1000 milligas; G() takes whole gas and the
// arithmetic is written beside each value. The last tests check the charges against real
// receipts of the shark corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  GasCharge,
  HASH_BLAKE2B_256,
  HASH_SHA2_256,
  POST_WINDOW_32GIB_V1,
  POST_WINDOW_32GIB_V1P1,
  POST_WINDOW_512MIB_V1,
  PriceListError,
  SEAL_32GIB_V1P1,
  SEAL_32GIB_V1P2_NIPOREP,
  SEAL_64GIB_V1P1,
  SIG_BLS,
  SIG_SECP256K1,
  SKYR_PRICES,
  gasRoundUp,
  initMemoryGas,
  growMemoryGas,
  initTableGas,
  priceListByNetworkVersion,
  type SignatureKind,
} from '../../src/gas/index.js';
import { decodeMessage } from '../../src/primitives/message.js';
import { Protocol } from '../../src/primitives/address.js';

const G = (whole: number | bigint): bigint => BigInt(whole) * 1000n;
const I64_MAX = 2n ** 63n - 1n;
const skyr = priceListByNetworkVersion(17, { legacy: true });
const hygge = priceListByNetworkVersion(18);

function assertCharge(c: GasCharge | undefined, name: string, compute: bigint, other: bigint): void {
  assert.ok(c, `expected a ${name} charge`);
  assert.equal(c.name, name);
  assert.equal(c.compute, compute, `${name} compute`);
  assert.equal(c.other, other, `${name} other`);
}

test('nv17 selects the skyr list, with or without the legacy option', () => {
  assert.equal(skyr.generation, 'skyr');
  assert.equal(priceListByNetworkVersion(17, { legacy: true }), skyr); // one shared instance
  assert.equal(priceListByNetworkVersion(17), skyr);
  assert.throws(() => priceListByNetworkVersion(16, { legacy: true }), /not supported/);
  // The (now empty) legacy option changes nothing.
  assert.equal(priceListByNetworkVersion(18, { legacy: true }), hygge);
  assert.equal(priceListByNetworkVersion(25, { legacy: true }).generation, 'teep');
  assert.equal(priceListByNetworkVersion(29, { legacy: true, dev: true }).generation, 'teep');
});

test('message inclusion and the on-chain return value', () => {
  // compute 38863; storage (36 + 100) * 1300 = 176800 (no sender-update part at nv17)
  const c = skyr.onChainMessage(100);
  assertCharge(c, 'OnChainMessage', G(38_863), G(176_800));
  assert.equal(c.total(), G(215_663)); // 38863 + 176800
  assertCharge(skyr.onChainMessage(0), 'OnChainMessage', G(38_863), G(46_800)); // 36 * 1300
  // return value: 1 * 1300 per byte, storage only, at depth 1 only
  assertCharge(skyr.onMethodReturn(1, 100), 'OnChainReturnValue', 0n, G(130_000));
  assertCharge(skyr.onMethodReturn(1, 0), 'OnChainReturnValue', 0n, 0n);
  assert.equal(skyr.onMethodReturn(2, 100), undefined);
});

test('OnMethodInvocation depends on value and method only', () => {
  // base 29233; +27500 with value; +159672 with value to method 0; -5377 for a real method
  assertCharge(skyr.onMethodInvocationWithValue(0n, 0), 'OnMethodInvocation', G(29_233), 0n);
  assertCharge(skyr.onMethodInvocationWithValue(1n, 0), 'OnMethodInvocation', G(216_405), 0n); // 29233+27500+159672
  assertCharge(skyr.onMethodInvocationWithValue(0n, 2), 'OnMethodInvocation', G(23_856), 0n); // 29233-5377
  assertCharge(skyr.onMethodInvocationWithValue(10n ** 18n, 2n), 'OnMethodInvocation', G(51_356), 0n); // 29233+27500-5377
  // The reference tests "value != 0": a negative value is charged as a transfer.
  assertCharge(skyr.onMethodInvocationWithValue(-1n, 0), 'OnMethodInvocation', G(216_405), 0n);
  assert.throws(() => skyr.onMethodInvocationWithValue(0n, -1), RangeError);
  assert.throws(() => hygge.onMethodInvocationWithValue(0n, 2), /only for nv17; this is the hygge price list/);
  assert.throws(() => skyr.onMethodInvocation(), PriceListError);
});

test('OnMethodInvocation property: four prices, chosen by (value != 0, method == 0)', () => {
  const expected = (valueNonZero: boolean, isSend: boolean): bigint =>
    valueNonZero ? (isSend ? G(216_405) : G(51_356)) : isSend ? G(29_233) : G(23_856);
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v, m) => {
      const c = skyr.onMethodInvocationWithValue(v, m);
      return c.compute === expected(v !== 0n, m === 0n) && c.other === 0n;
    }),
  );
});

test('actor creation and deletion (deletion refunds gas)', () => {
  // compute 1108454; storage (36 + 40) * 1300 = 98800; the address flag changes nothing
  for (const flag of [false, true]) {
    const c = skyr.onCreateActor(flag);
    assertCharge(c, 'OnCreateActor', G(1_108_454), G(98_800));
    assert.equal(c.total(), G(1_207_254)); // 1108454 + 98800
  }
  // -(36 + 40) * 1300 = -98800
  const d = skyr.onDeleteActor();
  assertCharge(d, 'OnDeleteActor', 0n, G(-98_800));
  assert.equal(d.total(), -98_800_000n);
});

test('syscall and crypto prices are flat', () => {
  assertCharge(skyr.onSyscall(), 'OnSyscall', G(14_000), 0n);
  assert.equal(skyr.wasm.hostCallCost, G(14_000));
  for (const len of [0, 32, 1_000_000]) {
    assertCharge(skyr.onVerifySignature(SIG_BLS, len), 'OnVerifySignature', G(16_598_605), 0n);
    assertCharge(skyr.onVerifySignature(SIG_SECP256K1, len), 'OnVerifySignature', G(1_637_292), 0n);
    // any code, even one the kernel then rejects (0x13 is not offered): 31355
    for (const code of [HASH_SHA2_256, HASH_BLAKE2B_256, 0x13]) {
      assertCharge(skyr.onHashing(code, len), 'OnHashing', G(31_355), 0n);
    }
  }
  assert.throws(() => skyr.onVerifySignature(3 as SignatureKind, 1), /no price for signature type 3/);
  assert.throws(() => skyr.onHashing(HASH_SHA2_256, -1), RangeError);
  assertCharge(skyr.onRecoverSecpPublicKey(), 'OnRecoverSecpPublicKey', G(1_637_292), 0n);
  assertCharge(skyr.onComputeUnsealedSectorCid(), 'OnComputeUnsealedSectorCid', G(98_647), 0n);
  assertCharge(skyr.onVerifySeal(), 'OnVerifySeal', G(2000), 0n);
  assertCharge(skyr.onVerifyReplicaUpdate(), 'OnVerifyReplicaUpdate', G(36_316_136), 0n);
});

test('proof prices', () => {
  // 32 GiB V1P1, 10 sectors: 449900 * 10 + step(10) (the step starting at 7) = 4499000 + 112356810
  assertCharge(skyr.onVerifyAggregateSeals(SEAL_32GIB_V1P1, 10), 'OnVerifyAggregateSeals', G(116_855_810), 0n);
  // 64 GiB V1P1, 4 sectors: 359272 * 4 + 102581240 = 1437088 + 102581240
  assertCharge(skyr.onVerifyAggregateSeals(SEAL_64GIB_V1P1, 4), 'OnVerifyAggregateSeals', G(104_018_328), 0n);
  // NI-PoRep does not exist at nv17: falls back to 32 GiB V1P1; 3 sectors, below the first step
  assertCharge(skyr.onVerifyAggregateSeals(SEAL_32GIB_V1P2_NIPOREP, 3), 'OnVerifyAggregateSeals', G(1_349_700), 0n);
  // window PoSt: 117680921 + 43780 per sector
  assertCharge(skyr.onVerifyPost(undefined, 0), 'OnVerifyPost', G(117_680_921), 0n);
  assertCharge(skyr.onVerifyPost(POST_WINDOW_32GIB_V1, 10), 'OnVerifyPost', G(118_118_721), 0n); // + 437800
  assertCharge(skyr.onVerifyPost(POST_WINDOW_512MIB_V1, 1), 'OnVerifyPost', G(117_724_701), 0n); // + 43780
  // V1P1 types are not listed at nv17 and pay the 512 MiB V1 default (same numbers)
  assertCharge(skyr.onVerifyPost(POST_WINDOW_32GIB_V1P1, 1), 'OnVerifyPost', G(117_724_701), 0n);
  // consensus fault: extern 21000 + 495422, as compute
  assertCharge(skyr.onVerifyConsensusFault(), 'OnVerifyConsensusFault', G(516_422), 0n);
});

test('randomness: the extern surcharge only', () => {
  // 21000 + 0 + 0 * len, compute
  for (const len of [0, 32, 4096]) assertCharge(skyr.onGetRandomnessWithEntropy(len), 'OnGetRandomness', G(21_000), 0n);
  assert.throws(() => skyr.onGetRandomness(10), /only from nv21; this is the skyr price list/);
});

test('block prices', () => {
  // open base: extern 21000 + 114617, compute
  assertCharge(skyr.onBlockOpenBase(), 'OnBlockOpenBase', G(135_617), 0n);
  // open per byte: 10 retention + 0.5 copy = 10.5 gas per byte
  assertCharge(skyr.onBlockOpen(100), 'OnBlockOpenPerByte', G(1050), 0n);
  assertCharge(skyr.onBlockOpen(3), 'OnBlockOpenPerByte', 31_500n, 0n); // 31.5 gas
  // read: 0.5 gas per byte copied
  assertCharge(skyr.onBlockRead(3), 'OnBlockRead', 1500n, 0n);
  assertCharge(skyr.onBlockRead(0), 'OnBlockRead', 0n, 0n);
  // create: 0 + 10 retention + 0.5 copy per byte
  assertCharge(skyr.onBlockCreate(100), 'OnBlockCreate', G(1050), 0n);
  // link: 353640 + 2 * 0.5 per byte compute; 1 * 1300 per byte storage
  const l = skyr.onBlockLink(HASH_BLAKE2B_256, 100);
  assertCharge(l, 'OnBlockLink', G(353_740), G(130_000));
  assert.equal(l.total(), G(483_740));
  assertCharge(skyr.onBlockLink(HASH_BLAKE2B_256, 1), 'OnBlockLink', G(353_641), G(1300));
  assertCharge(skyr.onBlockStat(), 'OnBlockStat', 0n, 0n);
});

test('gas saturates at i64::MAX, not u64::MAX', () => {
  const n = Number.MAX_SAFE_INTEGER; // 2^53 - 1
  // link storage: 1300000 milligas * (2^53 - 1) ≈ 1.17e22 > i64::MAX → i64::MAX
  // link compute: 353640000 + 1000 * (2^53 - 1) = 9007199255094631000, still below i64::MAX
  assertCharge(skyr.onBlockLink(HASH_BLAKE2B_256, n), 'OnBlockLink', 9_007_199_255_094_631_000n, I64_MAX);
  // inclusion: (36000 + 1000 * (2^53 - 1)) * 1300 overflows i64 → i64::MAX
  assert.equal(skyr.onChainMessage(n).other, I64_MAX);
});

test('charges ref-fvm 2 does not make throw', () => {
  const absent: Array<[string, () => unknown]> = [
    ['OnActorLookup', () => skyr.onActorLookup()],
    ['OnActorUpdate', () => skyr.onActorUpdate()],
    ['OnActorCreate', () => skyr.onActorCreate()],
    ['OnValueTransfer', () => skyr.onValueTransfer()],
    ['OnSelfBalance', () => skyr.onSelfBalance()],
    ['OnBalanceOf', () => skyr.onBalanceOf()],
    ['OnResolveAddress', () => skyr.onResolveAddress()],
    ['OnLookupAddress', () => skyr.onLookupDelegatedAddress()],
    ['OnGetActorCodeCid', () => skyr.onGetActorCodeCid()],
    ['OnGetBuiltinActorType', () => skyr.onGetBuiltinActorType()],
    ['OnGetCodeCidForType', () => skyr.onGetCodeCidForType()],
    ['OnInstallActor', () => skyr.onInstallActor(10)],
    ['OnNetworkContext', () => skyr.onNetworkContext()],
    ['OnMessageContext', () => skyr.onMessageContext()],
    ['OnTipsetCid', () => skyr.onTipsetCid(1)],
    ['preloaded actors', () => skyr.preloadedActors],
    ['wasm_memory_init', () => skyr.initMemoryGas(65536)],
    ['wasm_memory_grow', () => skyr.growMemoryGas(65536)],
    ['wasm_table_init', () => skyr.initTableGas(10)],
  ];
  for (const [name, f] of absent) assert.throws(f, new RegExp(`${name} does not exist at nv17`), name);
  for (const f of [
    () => skyr.onGetRoot(),
    () => skyr.onSetRoot(),
    () => skyr.onVerifyAggregateSignature(2, 64),
    () => skyr.onUtf8Validation(4),
    () => skyr.onActorEvent(1, 2, 3),
    () => skyr.onActorEventValidate(10),
    () => skyr.onActorEventAccept([], 10),
  ]) {
    assert.throws(f, PriceListError);
  }
});

test('WASM: one price per instruction, nothing linear, MVP plus bulk memory only', () => {
  const cost = (m: string) => skyr.wasmInstructionCost(m);
  assert.equal(skyr.wasm.rules, 'fvm-v2');
  for (const m of ['nop', 'block', 'loop', 'unreachable', 'return', 'else', 'end', 'drop']) {
    assert.deepEqual(cost(m), { kind: 'fixed', milligas: 0n }, m);
  }
  // 4 gas each, including what later versions price per byte or per page
  for (const m of [
    'br', 'br_if', 'if', 'br_table', 'call', 'call_indirect', 'i32.add', 'f64.sqrt', 'i64.load32_s', 'i32.store8',
    'select', 'memory.size', 'memory.grow', 'memory.fill', 'memory.copy', 'memory.init', 'data.drop',
    'table.copy', 'table.init', 'elem.drop', 'i64.extend_i32_s', 'f32.convert_i64_u',
  ]) {
    assert.deepEqual(cost(m), { kind: 'fixed', milligas: 4000n }, m);
  }
  // parity-wasm without sign_ext cannot read these; nor the reference-types table ops
  for (const m of [
    'i32.extend8_s', 'i64.extend32_s', 'i32.trunc_sat_f32_s', 'i64.trunc_sat_f64_u',
    'table.get', 'table.set', 'table.size', 'table.grow', 'table.fill', 'v128.load', 'ref.null',
  ]) {
    assert.equal(cost(m).kind, 'unsupported', m);
  }
  // the later versions' tables are untouched by the v2 rules
  assert.deepEqual(hygge.wasmInstructionCost('i32.extend8_s'), { kind: 'fixed', milligas: 4000n });
  assert.equal(hygge.wasmInstructionCost('memory.copy').kind, 'linear');
  // no memory or table charges at nv17: the raw prices give zero
  assert.equal(initMemoryGas(SKYR_PRICES.wasm, 1n << 20n), 0n);
  assert.equal(growMemoryGas(SKYR_PRICES.wasm, 65536n), 0n);
  assert.equal(initTableGas(SKYR_PRICES.wasm, 100n), 0n);
});

// ---- real receipts --------------------------------------------------------------------

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharkDir = resolve(repoRoot, '..', 'shared', 'test-vectors', 'corpus', 'extracted', '0001-shark-01');

interface SendVector {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly gasUsed: bigint;
}

// Method-0 sends that succeeded: at nv17 no actor code runs for them, so the receipt's gas
// is exactly inclusion + OnMethodInvocation (+ an empty return value).
function sendVectors(): SendVector[] {
  const out: SendVector[] = [];
  for (const actor of ['fil_9_account', 'fil_9_multisig', 'fil_9_storageminer']) {
    const dir = join(sharkDir, actor, 'Send', 'Ok');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const v = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        apply_messages: Array<{ bytes: string }>;
        postconditions: { receipts: Array<{ exit_code: number; gas_used: number }> };
      };
      const receipt = v.postconditions.receipts[0]!;
      assert.equal(receipt.exit_code, 0, name);
      out.push({ file: name, bytes: Buffer.from(v.apply_messages[0]!.bytes, 'base64'), gasUsed: BigInt(receipt.gas_used) });
    }
  }
  return out;
}

test('shark corpus: gas of plain sends equals inclusion + OnMethodInvocation', (t) => {
  if (!existsSync(sharkDir)) {
    t.skip('no shark corpus at ../shared/test-vectors: see README');
    return;
  }
  const vectors = sendVectors();
  assert.ok(vectors.length >= 10, `expected the corpus' plain sends, found ${vectors.length}`);
  let withValue = 0;
  for (const v of vectors) {
    const msg = decodeMessage(v.bytes, v.file);
    assert.equal(msg.method, 0n, v.file);
    // The conformance driver adds the signature to the length for secp256k1 senders.
    const rawLength = v.bytes.length + (msg.from.protocol === Protocol.Secp256k1 ? 65 + 4 : 0);
    const charges = [
      skyr.onChainMessage(rawLength),
      skyr.onMethodInvocationWithValue(msg.value, msg.method),
      skyr.onMethodReturn(1, 0)!,
    ];
    const milligas = charges.reduce((sum, c) => sum + c.total(), 0n);
    assert.equal(gasRoundUp(milligas), v.gasUsed, v.file);
    if (msg.value !== 0n) withValue++;
  }
  // both prices of a method-0 send are exercised (with and without value)
  assert.ok(withValue > 0 && withValue < vectors.length, `value sends: ${withValue} of ${vectors.length}`);
});
