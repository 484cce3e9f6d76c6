import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import {
  CryptoArgumentError,
  FIL_COMMITMENT_SEALED,
  FIL_COMMITMENT_UNSEALED,
  POSEIDON_BLS12_381_A1_FC1,
  RegisteredSealProof,
  SHA2_256_TRUNC254_PADDED,
  SectorSize,
  cidToCommitment,
  cidToDataCommitmentV1,
  cidToReplicaCommitmentV1,
  computeUnsealedSectorCid,
  dataCommitmentV1ToCid,
  paddedToUnpadded,
  pieceCommitmentV1ToCid,
  pieceNodeHash,
  registeredSealProof,
  replicaCommitmentV1ToCid,
  sealProofSectorSize,
  unpaddedToPadded,
  validatePaddedPieceSize,
  validateUnpaddedPieceSize,
  zeroPieceCommitment,
  type PieceInfo,
} from '../../src/crypto/index.js';

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const piece = (size: bigint, cid: string | CID): PieceInfo => ({ size, cid: typeof cid === 'string' ? CID.parse(cid) : cid });
const zeroPiece = (size: bigint): PieceInfo => piece(size, pieceCommitmentV1ToCid(zeroPieceCommitment(size)));

// Zero-piece commitments as tabulated by fvm_shared (piece/zero.rs) and filecoin-proofs' tests.
const ZERO_COMMS: ReadonlyArray<readonly [bigint, string]> = [
  [128n, '3731bb99ac689f66eef5973e4a94da188f4ddcae580724fc6f3fd60dfd488333'],
  [1024n, '1f7ac9595510e09ea41c460b176430bb322cd6fb412ec57cb17d989a4310372f'],
  [2048n, 'fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833'],
  [8n << 20n, '65f29e5d98d246c38b388cfc06db1f6b021303c5a289000bdce832a9c3ec421c'],
  [512n << 20n, '39560e7b13a93b07a243fd2720ffa7cb3e1d2e505ab3629e79f46313512cda06'],
  [32n << 30n, '077e5fde35c50a9303a55009e3498a4ebedff39c42b710b730d8ec7ac7afa63e'],
  [64n << 30n, 'e64005a6bfe3777953b8ad6ef93f0fca1049b2041654f2a411f7702799cece02'],
];

// Zero-piece CIDs from Lotus' zerocomm tests (by padded size).
const LOTUS_ZERO_CIDS: ReadonlyArray<readonly [bigint, string]> = [
  [1024n, 'baga6ea4seaqb66wjlfkrbye6uqoemcyxmqylwmrm235uclwfpsyx3ge2imidoly'],
  [2048n, 'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy'],
  [4096n, 'baga6ea4seaqarrd3hdxbhpcd6qnzcxao5wmrditaq2z62ysadp45lc4ndhp7mja'],
  [8192n, 'baga6ea4seaqlfzd37mi7vtmud5rk6xdvb47kltcn6ul5lrhrnwzljv33v3a2gly'],
];

test('zero piece commitments: known answers', () => {
  for (const [size, hex] of ZERO_COMMS) assert.equal(toHex(zeroPieceCommitment(size)), hex, `size ${size}`);
  for (const [size, cid] of LOTUS_ZERO_CIDS) {
    assert.equal(pieceCommitmentV1ToCid(zeroPieceCommitment(size)).toString(), cid, `size ${size}`);
  }
  assert.throws(() => zeroPieceCommitment(64n), CryptoArgumentError);
  assert.throws(() => zeroPieceCommitment(3n << 10n), CryptoArgumentError);
  assert.throws(() => zeroPieceCommitment(1n << 42n), CryptoArgumentError);
});

test('pieceNodeHash is sha256 with the top two bits of the last byte cleared', () => {
  const zero = new Uint8Array(32);
  // Two levels above 32-byte zero leaves is the 128-byte zero piece.
  const level1 = pieceNodeHash(zero, zero);
  assert.equal(toHex(pieceNodeHash(level1, level1)), ZERO_COMMS[0]![1]);
  // sha256 of 64 zero bytes is f5a5fd42...4b; its last byte 0x4b keeps 0x0b.
  assert.equal(toHex(level1), 'f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb0b');
});

test('empty sectors: CommD known answers for each sector size and proof family', () => {
  const expected: ReadonlyArray<readonly [RegisteredSealProof, string]> = [
    [RegisteredSealProof.StackedDRG2KiBV1, 'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy'],
    [RegisteredSealProof.StackedDRG2KiBV1P1_Feat_SyntheticPoRep, 'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy'],
    // go-fil-commcid's fixtures for empty 32 GiB and 64 GiB sectors.
    [RegisteredSealProof.StackedDRG32GiBV1P1, 'baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq'],
    [RegisteredSealProof.StackedDRG64GiBV1P1, 'baga6ea4seaqomqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq'],
    [RegisteredSealProof.StackedDRG64GiBV1P2_Feat_NiPoRep, 'baga6ea4seaqomqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq'],
  ];
  for (const [proof, cid] of expected) {
    assert.equal(computeUnsealedSectorCid(proof, []).toString(), cid, RegisteredSealProof[proof]);
  }
  for (const proof of [RegisteredSealProof.StackedDRG8MiBV1, RegisteredSealProof.StackedDRG512MiBV1P1]) {
    const size = sealProofSectorSize(proof);
    const hex = ZERO_COMMS.find(([s]) => s === size)![1];
    assert.equal(toHex(cidToDataCommitmentV1(computeUnsealedSectorCid(proof, []))), hex);
  }
});

test('CommD of a live mainnet 32 GiB sector (f01392893 sector 139074, go-commp-utils fixture)', () => {
  const MiB = 1n << 20n;
  const pieces = [
    piece(256n * MiB, 'baga6ea4seaqknzm22isnhsxt2s4dnw45kfywmhenngqq3nc7jvecakoca6ksyhy'),
    piece(1024n * MiB, 'baga6ea4seaqnq6o5wuewdpviyoafno4rdpqnokz6ghvg2iyeyfbqxgcwdlj2egi'),
    piece(512n * MiB, 'baga6ea4seaqpixk4ifbkzato3huzycj6ty6gllqwanhdpsvxikawyl5bg2h44mq'),
    piece(512n * MiB, 'baga6ea4seaqaxwe5dy6nt3ko5tngtmzvpqxqikw5mdwfjqgaxfwtzenc6bgzajq'),
    piece(1024n * MiB, 'baga6ea4seaqpy33nbesa4d6ot2ygeuy43y4t7amc4izt52mlotqenwcmn2kyaai'),
    piece(256n * MiB, 'baga6ea4seaqphvv4x2s2v7ykgc3ugs2kkltbdeg7icxstklkrgqvv72m2v3i2aa'),
    piece(512n * MiB, 'baga6ea4seaqf5u55znk6jwhdsrhe37emzhmehiyvjxpsww274f6fiy3h4yctady'),
    piece(1024n * MiB, 'baga6ea4seaqa3qbabsbmvk5er6rhsjzt74beplzgulthamm22jue4zgqcuszofi'),
    piece(256n * MiB, 'baga6ea4seaqiekvf623muj6jpxg6vsqaikyw3r4ob5u7363z7zcaixqvfqsc2ji'),
    piece(512n * MiB, 'baga6ea4seaqhsewv65z2d4m5o4vo65vl5o6z4bcegdvgnusvlt7rao44gro36pi'),
  ];
  const commD = computeUnsealedSectorCid(RegisteredSealProof.StackedDRG32GiBV1P1, pieces);
  assert.equal(commD.toString(), 'baga6ea4seaqiw3gbmstmexb7sqwkc5r23o3i7zcyx5kr76pfobpykes3af62kca');
  // Spelling out the trailing zero fill changes nothing.
  const filled = [...pieces, zeroPiece(8n << 30n), zeroPiece(16n << 30n)];
  assert.equal(computeUnsealedSectorCid(RegisteredSealProof.StackedDRG32GiBV1P1, filled).toString(), commD.toString());
});

test('CommD: a single sector-sized piece is its own CommD; alignment padding goes before a piece', () => {
  const a = fromHex('11'.repeat(31) + '01');
  const b = fromHex('22'.repeat(31) + '02');
  const whole = computeUnsealedSectorCid(RegisteredSealProof.StackedDRG2KiBV1P1, [piece(2048n, pieceCommitmentV1ToCid(a))]);
  assert.equal(toHex(cidToDataCommitmentV1(whole)), toHex(a));
  // Sizes straight out of DAG-CBOR may be numbers.
  const fromNumber = computeUnsealedSectorCid(5, [{ size: 2048, cid: pieceCommitmentV1ToCid(a) }]);
  assert.equal(fromNumber.toString(), whole.toString());
  // [a:128][b:256] in 2 KiB: a, zero 128 (alignment), b, then zero 512 and zero 1024.
  const got = computeUnsealedSectorCid(RegisteredSealProof.StackedDRG2KiBV1P1, [
    piece(128n, pieceCommitmentV1ToCid(a)),
    piece(256n, pieceCommitmentV1ToCid(b)),
  ]);
  const left256 = pieceNodeHash(a, zeroPieceCommitment(128n));
  const left512 = pieceNodeHash(left256, b);
  const left1024 = pieceNodeHash(left512, zeroPieceCommitment(512n));
  const root = pieceNodeHash(left1024, zeroPieceCommitment(1024n));
  assert.equal(toHex(cidToDataCommitmentV1(got)), toHex(root));
});

test('CommD property: any aligned layout of zero pieces is the empty-sector CommD', () => {
  const empty = computeUnsealedSectorCid(RegisteredSealProof.StackedDRG2KiBV1, []).toString();
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 7, max: 11 }), { maxLength: 16 }), (exponents) => {
      // Keep the prefix of pieces that still fits once aligned.
      const pieces: PieceInfo[] = [];
      let offset = 0n;
      for (const e of exponents) {
        const size = 1n << BigInt(e);
        const start = ((offset + size - 1n) / size) * size;
        if (start + size > 2048n) break;
        pieces.push(zeroPiece(size));
        offset = start + size;
      }
      assert.equal(computeUnsealedSectorCid(RegisteredSealProof.StackedDRG2KiBV1, pieces).toString(), empty);
    }),
    { numRuns: 100 },
  );
});

test('CommD: rejected inputs, as the reference rejects them', () => {
  const p2k = RegisteredSealProof.StackedDRG2KiBV1P1;
  const commP = pieceCommitmentV1ToCid(fromHex('33'.repeat(32)));
  const reject = (proof: number | bigint, pieces: PieceInfo[], pattern: RegExp): void => {
    assert.throws(() => computeUnsealedSectorCid(proof, pieces), (err: unknown) => {
      assert.ok(err instanceof CryptoArgumentError, String(err));
      assert.match(err.message, pattern);
      return true;
    });
  };
  for (const size of [0n, 64n, 127n, 255n, 384n, 129n]) reject(p2k, [piece(size, commP)], /not a power of two/);
  reject(p2k, [piece(4096n, commP)], /more than the sector size/);
  reject(p2k, [piece(1024n, commP), piece(1024n, commP), piece(128n, commP)], /more than the sector size/);
  reject(p2k, [piece(128n, commP), piece(2048n, commP)], /more than the sector size/); // alignment pushes it out
  reject(p2k, [piece(1n << 63n, commP), piece(1n << 63n, commP)], /more than the sector size/);
  reject(p2k, [piece(128n, replicaCommitmentV1ToCid(new Uint8Array(32)))], /codec must be Unsealed/);
  reject(p2k, [piece(128n, CID.createV1(0x71, createDigest(0xb220, new Uint8Array(32))))], /invalid codec/);
  reject(p2k, [piece(128n, CID.createV1(FIL_COMMITMENT_UNSEALED, createDigest(0x12, new Uint8Array(32))))], /incorrect hash/);
  reject(p2k, [piece(128n, CID.createV1(FIL_COMMITMENT_UNSEALED, createDigest(SHA2_256_TRUNC254_PADDED, new Uint8Array(31))))], /32 bytes/);
  reject(p2k, [{ size: 128.5, cid: commP }], /not an integer/);
  for (const proof of [20, -1, 2n ** 63n, 1.5]) reject(proof, [], /invalid proof type/);
  // fvm 3 knew no NI-PoRep codes.
  assert.throws(
    () => computeUnsealedSectorCid(RegisteredSealProof.StackedDRG2KiBV1P2_Feat_NiPoRep, [], { niPoRep: false }),
    /invalid proof type 15/,
  );
  assert.equal(
    computeUnsealedSectorCid(RegisteredSealProof.StackedDRG64GiBV1P1_Feat_SyntheticPoRep, [], { niPoRep: false }).toString(),
    'baga6ea4seaqomqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq',
  );
});

test('seal proof table: codes and sector sizes', () => {
  const sizes = [SectorSize._2KiB, SectorSize._8MiB, SectorSize._512MiB, SectorSize._32GiB, SectorSize._64GiB];
  assert.deepEqual(sizes, [2048n, 8388608n, 536870912n, 34359738368n, 68719476736n]);
  for (let code = 0; code < 20; code++) {
    assert.equal(sealProofSectorSize(code), sizes[code % 5], `code ${code}`);
    assert.equal(registeredSealProof(BigInt(code)), code);
  }
  assert.equal(RegisteredSealProof.StackedDRG32GiBV1P1, 8);
  assert.equal(RegisteredSealProof.StackedDRG32GiBV1P1_Feat_SyntheticPoRep, 13);
  assert.equal(RegisteredSealProof.StackedDRG32GiBV1P2_Feat_NiPoRep, 18);
  assert.equal(registeredSealProof(14, { niPoRep: false }), 14);
  assert.throws(() => registeredSealProof(15, { niPoRep: false }), CryptoArgumentError);
});

test('commitment CIDs: round trips and segment checks', () => {
  const comm = fromHex('44'.repeat(32));
  const d = dataCommitmentV1ToCid(comm);
  assert.equal(d.code, FIL_COMMITMENT_UNSEALED);
  assert.equal(d.multihash.code, SHA2_256_TRUNC254_PADDED);
  assert.equal(toHex(cidToDataCommitmentV1(d)), toHex(comm));
  const r = replicaCommitmentV1ToCid(comm);
  assert.equal(r.code, FIL_COMMITMENT_SEALED);
  assert.equal(r.multihash.code, POSEIDON_BLS12_381_A1_FC1);
  assert.equal(toHex(cidToReplicaCommitmentV1(r)), toHex(comm));
  assert.deepEqual(cidToCommitment(r).codec, FIL_COMMITMENT_SEALED);
  assert.throws(() => cidToReplicaCommitmentV1(d), /must be Sealed/);
  assert.throws(() => dataCommitmentV1ToCid(comm.subarray(1)), /32 bytes/);
  // A sealed CID string seen on chain decodes to a sealed commitment.
  const onChain = CID.parse('bagboea4b5abcbr7qzf67onvswwtlcliuegyc7fn35cj6x356g7gq7pjofouejgc5');
  assert.equal(cidToReplicaCommitmentV1(onChain).length, 32);
});

test('piece sizes: padding arithmetic and validation (fvm_shared piece tests)', () => {
  assert.equal(paddedToUnpadded(128n), 127n);
  assert.equal(unpaddedToPadded(127n), 128n);
  assert.equal(paddedToUnpadded(32n << 30n), 34091302912n);
  validatePaddedPieceSize(128n);
  validateUnpaddedPieceSize(127n);
  validateUnpaddedPieceSize(0b1111111000n);
  assert.throws(() => validatePaddedPieceSize(127n), /minimum piece size is 128 bytes/);
  assert.throws(() => validateUnpaddedPieceSize(126n), /minimum piece size is 127 bytes/);
  assert.throws(() => validatePaddedPieceSize(0b10000001n), /must be a power of 2/);
  assert.throws(() => validateUnpaddedPieceSize(0b1110111000n), /power of 2 multiple of 127/);
});
