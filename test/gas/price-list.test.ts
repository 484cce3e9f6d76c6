// Known answers computed by hand from ref-fvm's price constants (HYGGE at fvm@v3.8.0,
// WATERMELON and TEEP at fvm 4.x). 1 gas = 1000 milligas; every expectation is written in
// whole gas via G() with the arithmetic beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GasCharge,
  HASH_BLAKE2B_256,
  HASH_BLAKE2B_512,
  HASH_KECCAK_256,
  HASH_RIPEMD_160,
  HASH_SHA2_256,
  PriceList,
  PriceListError,
  SEAL_32GIB_V1P1,
  SEAL_32GIB_V1P2_NIPOREP,
  SEAL_64GIB_V1P1,
  SEAL_64GIB_V1P2_NIPOREP,
  SIG_BLS,
  SIG_SECP256K1,
  U64_MAX,
  priceListByNetworkVersion,
} from '../../src/gas/index.js';

const G = (whole: number | bigint): bigint => BigInt(whole) * 1000n;
const hygge = priceListByNetworkVersion(18);
const watermelon = priceListByNetworkVersion(21);
const teep = priceListByNetworkVersion(25);
const all: Array<[string, PriceList]> = [['hygge', hygge], ['watermelon', watermelon], ['teep', teep]];

function assertCharge(c: GasCharge | undefined, name: string, compute: bigint, other: bigint): void {
  assert.ok(c, `expected a ${name} charge`);
  assert.equal(c.name, name);
  assert.equal(c.compute, compute, `${name} compute`);
  assert.equal(c.other, other, `${name} other`);
}

test('version selection', () => {
  for (const nv of [18, 19, 20]) assert.equal(priceListByNetworkVersion(nv).generation, 'hygge');
  for (const nv of [21, 22, 23, 24]) assert.equal(priceListByNetworkVersion(nv).generation, 'watermelon');
  for (const nv of [25, 26, 27, 28]) assert.equal(priceListByNetworkVersion(nv).generation, 'teep');
  assert.equal(priceListByNetworkVersion(20), priceListByNetworkVersion(18)); // one shared instance
  assert.equal(priceListByNetworkVersion(17).generation, 'skyr'); // nv17 runs ref-fvm 2.x semantics
  assert.throws(() => priceListByNetworkVersion(16), /network version 16 is not supported: gas prices exist for nv17–nv28/);
  assert.throws(() => priceListByNetworkVersion(0), RangeError);
  assert.throws(() => priceListByNetworkVersion(29), /nv29 is a development version/);
  assert.equal(priceListByNetworkVersion(29, { dev: true }).generation, 'teep');
  assert.throws(() => priceListByNetworkVersion(30, { dev: true }), /not supported/);
  assert.throws(() => priceListByNetworkVersion(20.5), /integer/);
});

test('on-chain message inclusion', () => {
  for (const [gen, pl] of all) {
    // 100 bytes: compute 38863 flat; other = actor update 475000 + storage 36*1300 + 1300*100
    //   = 475000 + 46800 + 130000 = 651800; total 690663
    const c = pl.onChainMessage(100);
    assertCharge(c, 'OnChainMessage', G(38_863), G(651_800));
    assert.equal(c.total(), G(690_663), gen);
    // empty message: 475000 + 46800 = 521800
    assertCharge(pl.onChainMessage(0), 'OnChainMessage', G(38_863), G(521_800));
  }
});

test('sends and returns', () => {
  for (const [, pl] of all) {
    assertCharge(pl.onValueTransfer(), 'OnValueTransfer', G(6000), 0n);
    // top-level return of 50 bytes goes on chain: 1300*50 = 65000 storage
    assertCharge(pl.onMethodReturn(1, 50, 3), 'OnChainReturnValue', 0n, G(65_000));
    assertCharge(pl.onSyscall(), 'OnSyscall', G(14_000), 0n);
  }
  // hygge: invocation is flat, nested returns are free (no charge at all)
  assertCharge(hygge.onMethodInvocation(10, 2), 'OnMethodInvocation', G(75_000), 0n);
  assert.equal(hygge.onMethodReturn(2, 50, 3), undefined);
  // watermelon: links are tracked at 300 each: 75000 + 2*300 = 75600; nested return 3*300 = 900
  assertCharge(watermelon.onMethodInvocation(10, 2), 'OnMethodInvocation', G(75_600), 0n);
  assertCharge(watermelon.onMethodReturn(2, 50, 3), 'OnReturnValue', G(900), 0n);
  assertCharge(teep.onMethodReturn(5, 0, 0), 'OnReturnValue', 0n, 0n);
});

test('actors and addresses', () => {
  for (const [, pl] of all) {
    // 650000 create + 1000000 assignment + 1050000 lookup = 2700000
    assertCharge(pl.onCreateActor(true), 'OnCreateActor', 0n, G(2_700_000));
    assertCharge(pl.onCreateActor(false), 'OnCreateActor', 0n, G(650_000));
    assertCharge(pl.onActorLookup(), 'OnActorLookup', 0n, G(500_000));
    assertCharge(pl.onActorUpdate(), 'OnActorUpdate', 0n, G(475_000));
    assertCharge(pl.onActorCreate(), 'OnActorCreate', 0n, G(650_000));
    assertCharge(pl.onDeleteActor(), 'OnDeleteActor', 0n, 0n);
    assertCharge(pl.onLookupDelegatedAddress(), 'OnLookupAddress', 0n, 0n);
    assertCharge(pl.onGetBuiltinActorType(), 'OnGetBuiltinActorType', 0n, 0n);
    assertCharge(pl.onNetworkContext(), 'OnNetworkContext', 0n, 0n);
    assertCharge(pl.onInstallActor(1 << 20), 'OnInstallActor', 0n, 0n);
    assert.deepEqual(pl.preloadedActors, [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 10n, 99n]);
  }
  assertCharge(watermelon.onGetRoot(), 'OnActorGetRoot', G(300), 0n);
  assertCharge(teep.onSetRoot(), 'OnActorSetRoot', G(300), 0n);
  assert.throws(() => hygge.onGetRoot(), PriceListError);
});

test('signatures and hashing', () => {
  for (const [, pl] of all) {
    // secp256k1: 1637292 + 10*100 = 1638292; BLS: 16598605 + 26*100 = 16601205
    assertCharge(pl.onVerifySignature(SIG_SECP256K1, 100), 'OnVerifySignature', G(1_638_292), 0n);
    assertCharge(pl.onVerifySignature(SIG_BLS, 100), 'OnVerifySignature', G(16_601_205), 0n);
    assertCharge(pl.onRecoverSecpPublicKey(), 'OnRecoverSecpPublicKey', G(1_637_292), 0n);
    // 64 bytes: sha2-256 7/B = 448, blake2b 10/B = 640, keccak 33/B = 2112, ripemd 35/B = 2240
    assertCharge(pl.onHashing(HASH_SHA2_256, 64), 'OnHashing', G(448), 0n);
    assertCharge(pl.onHashing(HASH_BLAKE2B_256, 64), 'OnHashing', G(640), 0n);
    assertCharge(pl.onHashing(HASH_BLAKE2B_512, 64), 'OnHashing', G(640), 0n);
    assertCharge(pl.onHashing(HASH_KECCAK_256, 64), 'OnHashing', G(2112), 0n);
    assertCharge(pl.onHashing(HASH_RIPEMD_160, 64), 'OnHashing', G(2240), 0n);
    assert.throws(() => pl.onHashing(0x13, 64), /multihash code 0x13/);
    // a size big enough to overflow u64 milligas saturates
    assert.equal(pl.onHashing(HASH_RIPEMD_160, Number.MAX_SAFE_INTEGER).total(), U64_MAX);
  }
  // FIP-0079 aggregate BLS: (3+1) pairings * 8299302 + 7*96 = 33197208 + 672 = 33197880
  assertCharge(watermelon.onVerifyAggregateSignature(3, 96), 'OnVerifyBlsAggregateSignature', G(33_197_880), 0n);
  assert.throws(() => hygge.onVerifyAggregateSignature(3, 96), /only from nv21/);
  // UTF-8 validation: 500 + 16*10 = 660
  assertCharge(teep.onUtf8Validation(10), 'OnUtf8Validation', G(660), 0n);
});

test('proofs', () => {
  for (const [, pl] of all) {
    assertCharge(pl.onComputeUnsealedSectorCid(), 'OnComputeUnsealedSectorCid', G(98_647), 0n);
    assertCharge(pl.onVerifyReplicaUpdate(), 'OnVerifyReplicaUpdate', G(36_316_136), 0n);
    assertCharge(pl.onVerifyConsensusFault(), 'OnVerifyConsensusFault', 0n, G(516_422));
    // window PoSt: 117680921 + 43780 per challenged sector; 10 sectors = 118118721
    assertCharge(pl.onVerifyPost(13, 10), 'OnVerifyPost', G(118_118_721), 0n);
    assertCharge(pl.onVerifyPost(undefined, 0), 'OnVerifyPost', G(117_680_921), 0n);
    assertCharge(pl.onVerifyPost(99, 1), 'OnVerifyPost', G(117_724_701), 0n); // unlisted → default
    // 64 GiB V1P1 aggregate of 4: 359272*4 + 102581240 = 104018328
    assertCharge(pl.onVerifyAggregateSeals(SEAL_64GIB_V1P1, 4), 'OnVerifyAggregateSeals', G(104_018_328), 0n);
  }
  // seal verification was repriced at nv25
  assertCharge(hygge.onVerifySeal(), 'OnVerifySeal', G(2000), 0n);
  assertCharge(watermelon.onVerifySeal(), 'OnVerifySeal', G(2000), 0n);
  assertCharge(teep.onVerifySeal(), 'OnVerifySeal', G(42_000_000), 0n);
  // hygge still lists V1 PoSt types (8 = 32 GiB V1)
  assertCharge(hygge.onVerifyPost(8, 10), 'OnVerifyPost', G(118_118_721), 0n);
});

// The reference's test_aggregate_porep_gas_charges (nv24, nv25, nv26) and
// test_niporep_aggregate_gas_charges / FIP-0092 single-sector values.
test('aggregate PoRep prices', () => {
  const base32 = 449_900n;
  const cases: Array<[number, bigint]> = [
    [1, base32], [3, base32 * 3n], [4, base32 * 4n + 103_994_170n], [7, base32 * 7n + 112_356_810n],
    [13, base32 * 13n + 122_912_610n], [26, base32 * 26n + 137_559_930n],
    [52, base32 * 52n + 162_039_100n], [65, base32 * 65n + 162_039_100n],
  ];
  for (const nv of [24, 25, 26]) {
    const pl = priceListByNetworkVersion(nv);
    for (const [n, want] of cases) {
      assert.equal(pl.onVerifyAggregateSeals(SEAL_32GIB_V1P1, n).compute, G(want), `nv${nv} n=${n}`);
      if (nv < 25) {
        // before nv25, NI-PoRep fell back to the 32 GiB interactive prices
        assert.equal(pl.onVerifyAggregateSeals(SEAL_32GIB_V1P2_NIPOREP, n).compute, G(want));
        assert.equal(pl.onVerifyAggregateSeals(SEAL_64GIB_V1P2_NIPOREP, n).compute, G(want));
      }
    }
  }
  const per32 = 44_990n * 126n;
  const ni32: Array<[number, bigint]> = [
    [1, 112_356_810n], [2, 122_912_610n], [3, 137_559_930n], [4, 137_559_930n], [5, 162_039_100n],
    [8, 162_039_100n], [9, 210_960_780n], [16, 210_960_780n], [17, 318_351_180n], [32, 318_351_180n],
    [33, 528_274_980n], [64, 528_274_980n], [65, 528_274_980n],
  ];
  for (const [n, step] of ni32) {
    assert.equal(teep.onVerifyAggregateSeals(SEAL_32GIB_V1P2_NIPOREP, n).compute, G(per32 * BigInt(n) + step));
  }
  const per64 = 35_928n * 126n;
  const ni64: Array<[number, bigint]> = [
    [1, 110_803_030n], [2, 120_803_700n], [3, 134_642_130n], [4, 134_642_130n], [5, 157_357_890n],
    [8, 157_357_890n], [9, 203_017_690n], [16, 203_017_690n], [17, 304_253_590n], [32, 304_253_590n],
    [33, 509_880_640n], [64, 509_880_640n], [65, 509_880_640n],
  ];
  for (const [n, step] of ni64) {
    assert.equal(teep.onVerifyAggregateSeals(SEAL_64GIB_V1P2_NIPOREP, n).compute, G(per64 * BigInt(n) + step));
  }
  // FIP-0092: 44990*126 + 112356810 = 118025550; 35928*126 + 110803030 = 115329958
  assert.equal(teep.onVerifyAggregateSeals(SEAL_32GIB_V1P2_NIPOREP, 1).compute, G(118_025_550));
  assert.equal(teep.onVerifyAggregateSeals(SEAL_64GIB_V1P2_NIPOREP, 1).compute, G(115_329_958));
  // hygge: 7 sectors of 32 GiB V1P1 = 449900*7 + 112356810 = 115506110
  assert.equal(hygge.onVerifyAggregateSeals(SEAL_32GIB_V1P1, 7).compute, G(115_506_110));
});

test('blocks', () => {
  // The reference's test_read_write: a 10-byte open or create costs 10 gas/byte in total.
  assert.equal(hygge.onBlockOpen(10).total(), G(100));
  assert.equal(hygge.onBlockCreate(10).total(), G(100));
  assert.equal(watermelon.onBlockOpen(10, 0).total(), G(100));
  assert.equal(watermelon.onBlockCreate(10, 0).total(), G(100));

  // hygge open, 10 B: compute = alloc 2*10 + memcpy 0.4*10 = 24; other = floor 100 - 24 = 76
  assertCharge(hygge.onBlockOpen(10), 'OnBlockOpenPerByte', G(24), G(76));
  assertCharge(hygge.onBlockOpenBase(), 'OnBlockOpenBase', 0n, G(187_440));
  // watermelon open, 1000 B, 2 links: compute 2*300 = 600; open = 2000 + 400 = 2400;
  //   floor 10000 - (600 + 2400) = 7000 → other 9400
  assertCharge(watermelon.onBlockOpen(1000, 2), 'OnBlockOpen', G(600), G(9400));
  // 100 B with 10 links: compute 3000 + open 240 exceeds the floor 1000 → no surcharge
  assertCharge(watermelon.onBlockOpen(100, 10), 'OnBlockOpen', G(3000), G(240));
  assertCharge(watermelon.onBlockOpenBase(), 'OnBlockOpenBase', G(300), G(187_440));

  // create, 100 B, 5 links: hygge ignores links: compute 40 + 200 = 240, other 1000 - 240 = 760
  assertCharge(hygge.onBlockCreate(100, 5), 'OnBlockCreate', G(240), G(760));
  // watermelon: 240 + 5*300 = 1740 > floor 1000 → other 0
  assertCharge(teep.onBlockCreate(100, 5), 'OnBlockCreate', G(1740), 0n);

  // read 1000 B: 0.4*1000 = 400
  for (const [, pl] of all) assertCharge(pl.onBlockRead(1000), 'OnBlockRead', G(400), 0n);
  for (const [, pl] of all) assertCharge(pl.onBlockStat(), 'OnBlockStat', 0n, 0n);

  // link 100 B blake2b: memcpy 40 + alloc 200 + hash 1000 = 1240 (+300 tracked link from nv21);
  //   other = flush 172000 + storage 334000 + 3340*100 = 840000
  assertCharge(hygge.onBlockLink(HASH_BLAKE2B_256, 100), 'OnBlockLink', G(1240), G(840_000));
  assertCharge(watermelon.onBlockLink(HASH_BLAKE2B_256, 100), 'OnBlockLink', G(1540), G(840_000));
});

test('fractional milligas survive (0.4 gas per byte)', () => {
  // read of 3 bytes = 1.2 gas = 1200 milligas, not rounded
  assert.equal(hygge.onBlockRead(3).compute, 1200n);
});

test('chain lookback: tipset CIDs and randomness', () => {
  assertCharge(hygge.onTipsetCid(1), 'OnTipsetCid', 0n, G(50_000));
  assertCharge(hygge.onTipsetCid(2), 'OnTipsetCid', 0n, G(215_000));
  // flat = 5800*19 + 15000 + 21000 = 146200; + 75 per epoch
  assertCharge(watermelon.onTipsetCid(1), 'OnTipsetCid', 0n, G(146_275));
  assertCharge(teep.onTipsetCid(900n), 'OnTipsetCid', 0n, G(213_700));
  assertCharge(watermelon.onGetRandomness(10), 'OnGetRandomness', 0n, G(146_950));
  assertCharge(watermelon.onGetRandomness(0), 'OnGetRandomness', 0n, G(146_200));
  // a future randomness epoch (negative lookback) wraps to a huge u64 and saturates
  assert.equal(watermelon.onGetRandomness(-1).other, U64_MAX);
  // hygge: 21000 seed + blake2b over (32 entropy + 48) bytes at 10/B = 21800
  assertCharge(hygge.onGetRandomnessWithEntropy(32), 'OnGetRandomness', 0n, G(21_800));
  assert.throws(() => hygge.onGetRandomness(10), /only from nv21/);
  assert.throws(() => teep.onGetRandomnessWithEntropy(32), /only for nv18–nv20/);
});

test('events', () => {
  // hygge validate 100 B: memcpy 40 + alloc 200 + validation 1750 + 25*100 = 4490
  assertCharge(hygge.onActorEventValidate(100), 'OnActorEventValidate', G(4490), 0n);
  // hygge accept, 50 serialized bytes → stamped 62: memcpy 24.8, alloc 124, hash 620;
  //   compute = 148.8; other = index 0 + 2*24.8 + 124 + 620 = 793.6
  assertCharge(
    hygge.onActorEventAccept([{ flags: 3, keyLength: 4, valueLength: 20 }], 50),
    'OnActorEventAccept',
    148_800n,
    793_600n,
  );
  // watermelon, 1 entry, 5 key bytes, 32 value bytes: size = 12 + 9 + 5 + 32 = 58;
  //   mem = 0.4*58 + 2*58 = 139.2; compute = 2*139.2 + (2000 + 1400) + (500 + 16*5) = 4258.4;
  //   other = hash 10*58 + mem 139.2 = 719.2
  assertCharge(watermelon.onActorEvent(1, 5, 32), 'OnActorEvent', 4_258_400n, 719_200n);
  assert.throws(() => watermelon.onActorEventValidate(100), PriceListError);
  assert.throws(() => hygge.onActorEvent(1, 5, 32), PriceListError);
});

test('WASM memory and table charges', () => {
  for (const [, pl] of all) {
    // one 64 KiB page at 0.4 gas/byte = 26214.4 gas
    assert.equal(pl.initMemoryGas(65_536), 26_214_400n);
    assert.equal(pl.growMemoryGas(65_536 * 2), 52_428_800n);
    // 10 table elements * 8 bytes * 0.4 = 32 gas
    assert.equal(pl.initTableGas(10), G(32));
  }
});
