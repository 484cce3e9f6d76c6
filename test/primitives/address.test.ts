import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake2b } from '@noble/hashes/blake2.js';
import { base32 } from 'multiformats/bases/base32';
import { decodeCbor, encodeCbor } from '../../src/ipld/cbor.js';
import {
  Address,
  AddressError,
  type AddressErrorKind,
  EAM_NAMESPACE,
  FieldError,
  MAX_SUBADDRESS_LEN,
  Protocol,
  addressFromCbor,
  formatEthAddress,
  getDefaultNetwork,
  idFromMaskedEthAddress,
  maskedEthAddressFromId,
  parseAddress,
  parseEthAddress,
  setDefaultNetwork,
} from '../../src/primitives/index.js';

const U64_MAX = (1n << 64n) - 1n;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

function expectKind(fn: () => unknown, kind: AddressErrorKind, note?: string): AddressError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AddressError, `${note ?? ''} expected AddressError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, `${note ?? ''}: ${caught.message}`);
  return caught;
}

// --- known answers published in fvm_shared's address tests ---

const SECP_VECTORS: [number[], string][] = [
  [
    [
      4, 148, 2, 250, 195, 126, 100, 50, 164, 22, 163, 160, 202, 84, 38, 181, 24, 90, 179, 178, 79, 97, 52, 239, 162,
      92, 228, 135, 200, 45, 46, 78, 19, 191, 69, 37, 17, 224, 210, 36, 84, 33, 248, 97, 59, 193, 13, 114, 250, 33,
      102, 102, 169, 108, 59, 193, 57, 32, 211, 255, 35, 63, 208, 188, 5,
    ],
    'f15ihq5ibzwki2b4ep2f46avlkrqzhpqgtga7pdrq',
  ],
  [
    [
      4, 118, 135, 185, 16, 55, 155, 242, 140, 190, 58, 234, 103, 75, 18, 0, 12, 107, 125, 186, 70, 255, 192, 95, 108,
      148, 254, 42, 34, 187, 204, 38, 2, 255, 127, 92, 118, 242, 28, 165, 93, 54, 149, 145, 82, 176, 225, 232, 135, 145,
      124, 57, 53, 118, 238, 240, 147, 246, 30, 189, 58, 208, 111, 127, 218,
    ],
    'f12fiakbhe2gwd5cnmrenekasyn6v5tnaxaqizq6a',
  ],
  [
    [
      4, 222, 253, 208, 16, 1, 239, 184, 110, 1, 222, 213, 206, 52, 248, 71, 167, 58, 20, 129, 158, 230, 65, 188, 182,
      11, 185, 41, 147, 89, 111, 5, 220, 45, 96, 95, 41, 133, 248, 209, 37, 129, 45, 172, 65, 99, 163, 150, 52, 155, 35,
      193, 28, 194, 255, 53, 157, 229, 75, 226, 135, 234, 98, 49, 155,
    ],
    'f1wbxhu3ypkuo6eyp6hjx6davuelxaxrvwb2kuwva',
  ],
  [
    [
      4, 3, 237, 18, 200, 20, 182, 177, 13, 46, 224, 157, 149, 180, 104, 141, 178, 209, 128, 208, 169, 163, 122, 107,
      106, 125, 182, 61, 41, 129, 30, 233, 115, 4, 121, 216, 239, 145, 57, 233, 18, 73, 202, 189, 57, 50, 145, 207, 229,
      210, 119, 186, 118, 222, 69, 227, 224, 133, 163, 118, 129, 191, 54, 69, 210,
    ],
    'f1xtwapqc6nh4si2hcwpr3656iotzmlwumogqbuaa',
  ],
  [
    [
      4, 247, 150, 129, 154, 142, 39, 22, 49, 175, 124, 24, 151, 151, 181, 69, 214, 2, 37, 147, 97, 71, 230, 1, 14, 101,
      98, 179, 206, 158, 254, 139, 16, 20, 65, 97, 169, 30, 208, 180, 236, 137, 8, 0, 37, 63, 166, 252, 32, 172, 144,
      251, 241, 251, 242, 113, 48, 164, 236, 195, 228, 3, 183, 5, 118,
    ],
    'f1xcbgdhkgkwht3hrrnui3jdopeejsoatkzmoltqy',
  ],
  [
    [
      4, 66, 131, 43, 248, 124, 206, 158, 163, 69, 185, 3, 80, 222, 125, 52, 149, 133, 156, 164, 73, 5, 156, 94, 136,
      221, 231, 66, 133, 223, 251, 158, 192, 30, 186, 188, 95, 200, 98, 104, 207, 234, 235, 167, 174, 5, 191, 184, 214,
      142, 183, 90, 82, 104, 120, 44, 248, 111, 200, 112, 43, 239, 138, 31, 224,
    ],
    'f17uoq6tp427uzv7fztkbsnn64iwotfrristwpryy',
  ],
];

const ACTOR_VECTORS: [number[], string][] = [
  [[118, 18, 129, 144, 205, 240, 104, 209, 65, 128, 68, 172, 192, 62, 11, 103, 129, 151, 13, 96], 'f24vg6ut43yw2h2jqydgbg2xq7x6f4kub3bg6as6i'],
  [[44, 175, 184, 226, 224, 107, 186, 152, 234, 101, 124, 92, 245, 244, 32, 35, 170, 35, 232, 142], 'f25nml2cfbljvn4goqtclhifepvfnicv6g7mfmmvq'],
  [[2, 44, 158, 14, 162, 157, 143, 64, 197, 106, 190, 195, 92, 141, 88, 125, 160, 166, 76, 24], 'f2nuqrg7vuysaue2pistjjnt3fadsdzvyuatqtfei'],
  [[223, 236, 3, 14, 32, 79, 15, 89, 216, 15, 29, 94, 233, 29, 253, 6, 109, 127, 99, 189], 'f24dd4ox4c2vpf5vk5wkadgyyn6qtuvgcpxxon64a'],
  [[61, 58, 137, 232, 221, 171, 84, 120, 50, 113, 108, 109, 70, 140, 53, 96, 201, 244, 127, 216], 'f2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y'],
];

const BLS_VECTORS: [number[], string][] = [
  [
    [
      173, 88, 223, 105, 110, 45, 78, 145, 234, 134, 200, 129, 233, 56, 186, 78, 168, 27, 57, 94, 18, 121, 123, 132, 185,
      207, 49, 75, 149, 70, 112, 94, 131, 156, 122, 153, 214, 6, 178, 71, 221, 180, 249, 172, 122, 52, 20, 221,
    ],
    'f3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a',
  ],
  [
    [
      179, 41, 79, 10, 46, 41, 224, 198, 110, 188, 35, 93, 47, 237, 202, 86, 151, 191, 120, 74, 246, 5, 199, 90, 246, 8,
      230, 166, 61, 92, 211, 142, 168, 92, 168, 152, 158, 14, 253, 233, 24, 139, 56, 47, 147, 114, 70, 13,
    ],
    'f3wmuu6crofhqmm3v4enos73okk2l366ck6yc4owxwbdtkmpk42ohkqxfitcpa57pjdcftql4tojda2poeruwa',
  ],
  [
    [
      150, 161, 163, 228, 234, 122, 20, 212, 153, 133, 230, 97, 178, 36, 1, 212, 79, 237, 64, 45, 29, 9, 37, 178, 67,
      201, 35, 88, 156, 15, 188, 126, 50, 205, 4, 226, 158, 215, 141, 21, 211, 125, 58, 170, 63, 230, 218, 51,
    ],
    'f3s2q2hzhkpiknjgmf4zq3ejab2rh62qbndueslmsdzervrhapxr7dftie4kpnpdiv2n6tvkr743ndhrsw6d3a',
  ],
  [
    [
      134, 180, 84, 37, 140, 88, 148, 117, 247, 209, 111, 90, 172, 1, 138, 121, 246, 193, 22, 157, 32, 252, 51, 146, 29,
      216, 181, 206, 28, 172, 108, 52, 143, 144, 163, 96, 54, 36, 246, 174, 185, 27, 100, 81, 140, 46, 128, 149,
    ],
    'f3q22fijmmlckhl56rn5nkyamkph3mcfu5ed6dheq53c244hfmnq2i7efdma3cj5voxenwiummf2ajlsbxc65a',
  ],
  [
    [
      167, 114, 107, 3, 128, 34, 247, 90, 56, 70, 23, 88, 83, 96, 206, 230, 41, 7, 10, 45, 157, 40, 113, 41, 101, 229,
      242, 110, 204, 64, 133, 131, 130, 128, 55, 36, 237, 52, 242, 114, 3, 54, 240, 157, 182, 49, 240, 116,
    ],
    'f3u5zgwa4ael3vuocgc5mfgygo4yuqocrntuuhcklf4xzg5tcaqwbyfabxetwtj4tsam3pbhnwghyhijr5mixa',
  ],
];

function checkKnown(addr: Address, protocol: Protocol, expected: string): void {
  assert.equal(addr.toString('mainnet'), expected);
  const parsed = Address.fromString(expected);
  assert.equal(parsed.protocol, protocol);
  assert.ok(parsed.equals(addr));
  assert.deepEqual(parsed.payload(), addr.payload());
  assert.ok(Address.fromBytes(parsed.toBytes()).equals(parsed));
}

test('secp256k1 addresses match the reference vectors', () => {
  for (const [key, s] of SECP_VECTORS) checkKnown(Address.newSecp256k1(Uint8Array.from(key)), Protocol.Secp256k1, s);
});

test('actor addresses match the reference vectors', () => {
  for (const [data, s] of ACTOR_VECTORS) checkKnown(Address.newActor(Uint8Array.from(data)), Protocol.Actor, s);
});

test('BLS addresses match the reference vectors', () => {
  for (const [key, s] of BLS_VECTORS) checkKnown(Address.newBls(Uint8Array.from(key)), Protocol.BLS, s);
});

test('delegated addresses match the reference vectors', () => {
  checkKnown(Address.newDelegated(32n, new Uint8Array(5).fill(0xff)), Protocol.Delegated, 'f432f77777777x32lpna');
  checkKnown(Address.newDelegated(U64_MAX, new Uint8Array(0)), Protocol.Delegated, 'f418446744073709551615ftnkyfaq');
  checkKnown(
    Address.newDelegated(U64_MAX, new Uint8Array(MAX_SUBADDRESS_LEN)),
    Protocol.Delegated,
    'f418446744073709551615faaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaafbbuagu',
  );
});

test('ID addresses match the reference vectors', () => {
  const cases: [bigint, string][] = [
    [0n, 'f00'],
    [1n, 'f01'],
    [10n, 'f010'],
    [150n, 'f0150'],
    [499n, 'f0499'],
    [1024n, 'f01024'],
    [1729n, 'f01729'],
    [999999n, 'f0999999'],
    [U64_MAX, 'f018446744073709551615'],
  ];
  for (const [id, s] of cases) {
    const a = Address.newId(id);
    checkKnown(a, Protocol.ID, s);
    assert.equal(a.id(), id);
  }
});

test('CBOR encodings match the reference vectors', () => {
  const cases: [string, number[]][] = [
    ['f00', [66, 0, 0]],
    ['f01', [66, 0, 1]],
    ['f010', [66, 0, 10]],
    ['f0150', [67, 0, 150, 1]],
    ['f0499', [67, 0, 243, 3]],
    ['f01024', [67, 0, 128, 8]],
    ['f01729', [67, 0, 193, 13]],
    ['f0999999', [68, 0, 191, 132, 61]],
    ['f15ihq5ibzwki2b4ep2f46avlkrqzhpqgtga7pdrq', [85, 1, 234, 15, 14, 160, 57, 178, 145, 160, 240, 143, 209, 121, 224, 85, 106, 140, 50, 119, 192, 211]],
    ['f12fiakbhe2gwd5cnmrenekasyn6v5tnaxaqizq6a', [85, 1, 209, 80, 5, 4, 228, 209, 172, 62, 137, 172, 137, 26, 69, 2, 88, 111, 171, 217, 180, 23]],
    ['f1wbxhu3ypkuo6eyp6hjx6davuelxaxrvwb2kuwva', [85, 1, 176, 110, 122, 111, 15, 85, 29, 226, 97, 254, 58, 111, 225, 130, 180, 34, 238, 11, 198, 182]],
    ['f1xtwapqc6nh4si2hcwpr3656iotzmlwumogqbuaa', [85, 1, 188, 236, 7, 192, 94, 105, 249, 36, 104, 226, 179, 227, 191, 119, 200, 116, 242, 197, 218, 140]],
    ['f1xcbgdhkgkwht3hrrnui3jdopeejsoatkzmoltqy', [85, 1, 184, 130, 97, 157, 70, 85, 143, 61, 158, 49, 109, 17, 180, 141, 207, 33, 19, 39, 2, 106]],
    ['f17uoq6tp427uzv7fztkbsnn64iwotfrristwpryy', [85, 1, 253, 29, 15, 77, 252, 215, 233, 154, 252, 185, 154, 131, 38, 183, 220, 69, 157, 50, 198, 40]],
    ['f24vg6ut43yw2h2jqydgbg2xq7x6f4kub3bg6as6i', [85, 2, 229, 77, 234, 79, 155, 197, 180, 125, 38, 24, 25, 130, 109, 94, 31, 191, 139, 197, 80, 59]],
    ['f25nml2cfbljvn4goqtclhifepvfnicv6g7mfmmvq', [85, 2, 235, 88, 189, 8, 161, 90, 106, 222, 25, 208, 152, 150, 116, 20, 143, 169, 90, 129, 87, 198]],
    ['f2nuqrg7vuysaue2pistjjnt3fadsdzvyuatqtfei', [85, 2, 109, 33, 19, 126, 180, 196, 129, 66, 105, 232, 148, 210, 150, 207, 101, 0, 228, 60, 215, 20]],
    ['f24dd4ox4c2vpf5vk5wkadgyyn6qtuvgcpxxon64a', [85, 2, 224, 199, 199, 95, 130, 213, 94, 94, 213, 93, 178, 128, 51, 99, 13, 244, 39, 74, 152, 79]],
    ['f2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y', [85, 2, 49, 107, 76, 31, 245, 212, 175, 183, 130, 108, 234, 181, 187, 15, 44, 62, 15, 54, 64, 83]],
    [
      'f3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a',
      [
        88, 49, 3, 173, 88, 223, 105, 110, 45, 78, 145, 234, 134, 200, 129, 233, 56, 186, 78, 168, 27, 57, 94, 18, 121,
        123, 132, 185, 207, 49, 75, 149, 70, 112, 94, 131, 156, 122, 153, 214, 6, 178, 71, 221, 180, 249, 172, 122, 52,
        20, 221,
      ],
    ],
    [
      'f3u5zgwa4ael3vuocgc5mfgygo4yuqocrntuuhcklf4xzg5tcaqwbyfabxetwtj4tsam3pbhnwghyhijr5mixa',
      [
        88, 49, 3, 167, 114, 107, 3, 128, 34, 247, 90, 56, 70, 23, 88, 83, 96, 206, 230, 41, 7, 10, 45, 157, 40, 113, 41,
        101, 229, 242, 110, 204, 64, 133, 131, 130, 128, 55, 36, 237, 52, 242, 114, 3, 54, 240, 157, 182, 49, 240, 116,
      ],
    ],
  ];
  for (const [s, encoded] of cases) {
    const a = Address.fromString(s);
    const cbor = encodeCbor(a.toBytes());
    assert.equal(hex(cbor), hex(Uint8Array.from(encoded)), s);
    assert.ok(addressFromCbor(decodeCbor(cbor)).equals(a), s);
  }
});

// --- invalid inputs (cases and error variants from the reference's tests, plus our own) ---

test('invalid strings fail with the reference error kinds', () => {
  const cases: [string, AddressErrorKind][] = [
    ['Q2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y', 'UnknownNetwork'],
    ['f5gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y', 'UnknownProtocol'],
    ['f2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr24y', 'InvalidChecksum'],
    ['f0banananananannnnnnnnn', 'InvalidLength'],
    ['f0banananananannnnnnnn', 'InvalidPayload'],
    ['f2', 'InvalidLength'],
    ['f1mzxqu', 'InvalidLength'],
    // oversized IDs: one past u64::MAX, and 21 digits
    ['f018446744073709551616', 'InvalidPayload'],
    ['f0184467440737095516150', 'InvalidLength'],
    ['f0-1', 'InvalidPayload'],
    ['f0', 'InvalidLength'],
    // delegated: no separator, namespace too long, bad checksum (namespace changed)
    ['f432', 'InvalidPayload'],
    ['f4000000000000000000032f77777777x32lpna', 'InvalidLength'],
    ['f433f77777777x32lpna', 'InvalidChecksum'],
    ['', 'InvalidLength'],
  ];
  for (const [s, kind] of cases) expectKind(() => Address.fromString(s), kind, JSON.stringify(s));
});

test('base32 errors report the symbol position like the reference', () => {
  let e = expectKind(() => Address.fromString('f2gfvuyh7v2sx3patm1k23wdzmhyhtmqctasbr24y'), 'Base32Decoding');
  assert.match(e.message, /invalid symbol at 16/);
  e = expectKind(() => Address.fromString('f2gfvuyh7v2sx3paTm1k23wdzmhyhtmqctasbr24y'), 'Base32Decoding');
  assert.match(e.message, /invalid symbol at 14/);
  // uppercase is not accepted anywhere in the payload
  expectKind(() => Address.fromString('f2GFVUYH7V2SX3PATM5K23WDZMHYHTMQCTASBR23Y'), 'Base32Decoding');
  // a length no byte string encodes to (38 symbols: 38 % 8 == 6)
  e = expectKind(() => Address.fromString('f2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23'), 'Base32Decoding');
  assert.match(e.message, /invalid length/);
  // the last of 39 symbols carries 3 unused bits, which must be zero ('y' -> 'z' sets one)
  e = expectKind(() => Address.fromString('f2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23z'), 'Base32Decoding');
  assert.match(e.message, /trailing bits/);
});

test('non-ASCII and non-address strings are rejected', () => {
  for (const s of ['fömk3zcefvlgpay4f32c5vmruk5gqig6dumc7pz6q', '🗻∈🌏ömk3zcefvlgpay4f32c5vmruk5gqig6dumc7', 'ö', 'x01']) {
    assert.throws(() => Address.fromString(s), AddressError, s);
  }
  expectKind(() => Address.fromString('ö'), 'InvalidLength'); // 2 UTF-8 bytes
});

test('a well-checksummed payload of the wrong length is InvalidPayload', () => {
  // Text forms built independently: multiformats' base32 (prefix 'b' dropped) and blake2b-32.
  const textOf = (protocol: number, payload: Uint8Array): string => {
    const sum = blake2b(Uint8Array.from([protocol, ...payload]), { dkLen: 4 });
    return `f${protocol}${base32.encode(Uint8Array.from([...payload, ...sum])).slice(1)}`;
  };
  const ok = textOf(1, new Uint8Array(20).fill(7));
  assert.equal(Address.fromString(ok).protocol, Protocol.Secp256k1);
  expectKind(() => Address.fromString(textOf(1, new Uint8Array(19))), 'InvalidPayload');
  expectKind(() => Address.fromString(textOf(2, new Uint8Array(21))), 'InvalidPayload');
  expectKind(() => Address.fromString(textOf(3, new Uint8Array(47))), 'InvalidPayload');
});

test('invalid bytes fail with the reference error kinds', () => {
  const zeros = (n: number, first: number): Uint8Array => {
    const b = new Uint8Array(n);
    b[0] = first;
    return b;
  };
  const cases: [Uint8Array, AddressErrorKind, number?][] = [
    [bytes(5, 4, 4), 'UnknownProtocol'],
    [bytes(0), 'InvalidLength'],
    [bytes(), 'InvalidLength'],
    [zeros(22, 1), 'InvalidPayloadLength', 21],
    [zeros(20, 1), 'InvalidPayloadLength', 19],
    [zeros(22, 2), 'InvalidPayloadLength', 21],
    [zeros(20, 2), 'InvalidPayloadLength', 19],
    [zeros(50, 3), 'InvalidPayloadLength', 49],
    [zeros(48, 3), 'InvalidPayloadLength', 47],
    [Uint8Array.from([4, 0, ...new Array<number>(MAX_SUBADDRESS_LEN + 1).fill(0xff)]), 'InvalidPayloadLength', 55],
    [bytes(4, 0xff), 'InvalidPayload'],
    // ID varints: trailing bytes, non-minimal, truncated, longer than 10 bytes
    [bytes(0, 67, 0, 1, 2), 'InvalidPayload'],
    [bytes(0, 67, 0, 130, 0), 'InvalidPayload'],
    [bytes(0, 0x80, 0x00), 'InvalidPayload'],
    [bytes(0, 0x80), 'InvalidPayload'],
    [bytes(0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 'InvalidPayload'],
  ];
  for (const [input, kind, len] of cases) {
    const e = expectKind(() => Address.fromBytes(input), kind, hex(input));
    if (len !== undefined) assert.match(e.message, new RegExp(`got ${len}\\b|is ${len} bytes`), e.message);
  }
});

test('a ten-byte ID varint keeps only the low 64 bits, as the reference decoder does', () => {
  const max = Address.fromBytes(bytes(0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f));
  assert.equal(max.id(), U64_MAX);
  assert.equal(hex(max.toBytes()), '00ffffffffffffffffff01');
  const wrapped = Address.fromBytes(bytes(0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02));
  assert.equal(wrapped.id(), 0n);
});

test('constructors validate key and namespace inputs', () => {
  expectKind(() => Address.newBls(new Uint8Array(47)), 'InvalidBLSLength');
  expectKind(() => Address.newBls(new Uint8Array(49)), 'InvalidBLSLength');
  expectKind(() => Address.newSecp256k1(new Uint8Array(64)), 'InvalidSECPLength');
  expectKind(() => Address.newSecp256k1(new Uint8Array(66)), 'InvalidSECPLength');
  Address.newBls(new Uint8Array(48).fill(8));
  Address.newSecp256k1(new Uint8Array(65).fill(8));
  expectKind(() => Address.newDelegated(1n, new Uint8Array(55)), 'InvalidPayloadLength');
  expectKind(() => Address.newId(-1n), 'InvalidPayload');
  expectKind(() => Address.newId(1n << 64n), 'InvalidPayload');
  expectKind(() => Address.newId(1.5), 'InvalidPayload');
  expectKind(() => Address.newActor(new Uint8Array(3)).id(), 'NonIDAddress');
  assert.equal(Address.newActor(new Uint8Array(3)).idOrUndefined(), undefined);
  assert.equal(Address.newId(9n).idOrUndefined(), 9n);
  expectKind(() => Address.newId(5).delegated(), 'NonDelegatedAddress');
});

test('same data under different protocols gives different addresses', () => {
  const data = new Uint8Array(65);
  const secp = Address.newSecp256k1(data);
  assert.ok(Address.fromBytes(secp.toBytes()).equals(Address.newSecp256k1(data)));
  assert.ok(!secp.equals(Address.newActor(data)));
  assert.notEqual(secp.key(), Address.newActor(data).key());
  // Structural comparison sees the content too.
  assert.notDeepStrictEqual(Address.newId(1), Address.newId(2));
  assert.deepEqual(Address.fromString('t01'), Address.newId(1));
});

test('network prefixes: both parse, an explicit network is enforced, the default is configurable', () => {
  const main = Address.fromString('f01');
  const testnet = Address.fromString('t01');
  assert.ok(main.equals(testnet));
  assert.equal(parseAddress('t01').network, 'testnet');
  assert.equal(parseAddress('f01').network, 'mainnet');
  expectKind(() => Address.fromString('t01', 'mainnet'), 'UnknownNetwork');
  expectKind(() => Address.fromString('f01', 'testnet'), 'UnknownNetwork');
  assert.equal(main.toString('testnet'), 't01');
  const before = getDefaultNetwork();
  try {
    setDefaultNetwork('testnet');
    assert.equal(Address.newId(7).toString(), 't07');
    setDefaultNetwork('mainnet');
    assert.equal(Address.newId(7).toString(), 'f07');
  } finally {
    setDefaultNetwork(before);
  }
});

test('the reference parser accepts leading zeros and a plus sign in IDs', () => {
  assert.equal(Address.fromString('f0007').id(), 7n);
  assert.equal(Address.fromString('f0+7').id(), 7n);
  assert.equal(Address.fromString('f0007').toString('mainnet'), 'f07');
});

test('accessors: payload, delegated parts, BLS zero address, map key', () => {
  const d = Address.newDelegated(32n, new Uint8Array(5).fill(0xff));
  assert.equal(hex(d.toBytes()), '0420ffffffffff');
  assert.equal(d.delegated().namespace, 32n);
  assert.equal(hex(d.delegated().subaddress), 'ffffffffff');
  assert.equal(d.key(), '0420ffffffffff');
  assert.equal(d.byteLength, 7);
  // The copy handed out must not alias the address.
  const b = d.toBytes();
  b[0] = 0;
  assert.equal(d.protocol, Protocol.Delegated);
  assert.equal(hex(d.toBytes()), '0420ffffffffff');
  const zero = new Uint8Array(48);
  zero[0] = 192;
  assert.ok(Address.newBls(zero).isBlsZeroAddress());
  assert.ok(!Address.newBls(new Uint8Array(48)).isBlsZeroAddress());
  const map = new Map<string, number>([[Address.newId(1).key(), 1]]);
  assert.equal(map.get(Address.fromString('t01').key()), 1);
  assert.equal(map.get(Address.newId(2).key()), undefined);
});

test('addressFromCbor names the field and rejects non-bytes', () => {
  assert.throws(() => addressFromCbor(5, 'message.to'), (e: unknown) => e instanceof FieldError && /message\.to/.test(e.message));
  assert.throws(
    () => addressFromCbor(bytes(9, 1), 'message.to'),
    (e: unknown) => e instanceof FieldError && /message\.to/.test(e.message) && /unknown protocol 9/.test(e.message),
  );
});

// --- Ethereum bridge ---

test('f410 addresses of published Ethereum addresses', () => {
  const cases: [string, string][] = [
    ['0xd4c5fb16488aa48081296299d54b0c648c9333da', 'f410f2tc7wfsirksibajjmkm5ksymmsgjgm62hjnomwa'],
    ['0xccA92338Ef9535cB7655CfC347c36dd4E6F3663f', 'f410fzsusgohpsu24w5svz7bupq3n2ttpgzr7s5jap4i'],
  ];
  for (const [eth, f4] of cases) {
    const a = Address.fromEthAddress(parseEthAddress(eth));
    assert.equal(a.toString('mainnet'), f4);
    assert.ok(a.isEthAddress());
    assert.equal(a.delegated().namespace, EAM_NAMESPACE);
    assert.equal(formatEthAddress(Address.fromString(f4).toEthAddress()), eth.toLowerCase());
  }
});

test('masked-ID Ethereum addresses convert both ways', () => {
  const eth = maskedEthAddressFromId(1234n);
  assert.equal(formatEthAddress(eth), '0xff000000000000000000000000000000000004d2');
  assert.equal(idFromMaskedEthAddress(eth), 1234n);
  assert.equal(Address.fromEthAddress(eth).toString('mainnet'), 'f01234');
  assert.equal(formatEthAddress(Address.newId(1234n).toEthAddress()), '0xff000000000000000000000000000000000004d2');
  assert.equal(formatEthAddress(maskedEthAddressFromId(U64_MAX)), '0xff0000000000000000000000ffffffffffffffff');
  // Not masked: a non-zero byte among the eleven padding bytes.
  const notMasked = parseEthAddress('0xff000000000000000000010000000000000004d2');
  assert.equal(idFromMaskedEthAddress(notMasked), null);
  assert.equal(Address.fromEthAddress(notMasked).protocol, Protocol.Delegated);
  // newEthDelegated never special-cases masked IDs.
  assert.equal(Address.newEthDelegated(eth).protocol, Protocol.Delegated);
  expectKind(() => parseEthAddress('0x1234'), 'NotEthAddress');
  expectKind(() => parseEthAddress('ff000000000000000000000000000000000004d2'), 'NotEthAddress');
  expectKind(() => Address.fromEthAddress(new Uint8Array(19)), 'NotEthAddress');
  expectKind(() => Address.newActor(new Uint8Array(1)).toEthAddress(), 'NotEthAddress');
  expectKind(() => Address.newDelegated(10n, new Uint8Array(19)).toEthAddress(), 'NotEthAddress');
});

// --- properties ---

const arbAddress: fc.Arbitrary<Address> = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }).map((id) => Address.newId(id)),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((p) => Address.fromPayload(Protocol.Secp256k1, p)),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((p) => Address.fromPayload(Protocol.Actor, p)),
  fc.uint8Array({ minLength: 48, maxLength: 48 }).map((p) => Address.newBls(p)),
  fc
    .tuple(fc.bigInt({ min: 0n, max: U64_MAX }), fc.uint8Array({ maxLength: MAX_SUBADDRESS_LEN }))
    .map(([ns, sub]) => Address.newDelegated(ns, sub)),
);

test('property: bytes round trip for every protocol', () => {
  fc.assert(
    fc.property(arbAddress, (a) => {
      const b = a.toBytes();
      const back = Address.fromBytes(b);
      assert.ok(back.equals(a));
      assert.equal(hex(back.toBytes()), hex(b));
      assert.ok(addressFromCbor(decodeCbor(encodeCbor(b))).equals(a));
    }),
    { numRuns: 500 },
  );
});

test('property: string round trip for every protocol on both networks', () => {
  fc.assert(
    fc.property(arbAddress, fc.constantFrom('mainnet' as const, 'testnet' as const), (a, network) => {
      const s = a.toString(network);
      assert.equal(s[0], network === 'mainnet' ? 'f' : 't');
      assert.equal(s[1], String(a.protocol));
      const parsed = parseAddress(s);
      assert.equal(parsed.network, network);
      assert.ok(parsed.address.equals(a));
      assert.equal(parsed.address.toString(network), s);
    }),
    { numRuns: 500 },
  );
});

test('property: changing one payload character of a checksummed address is detected', () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  fc.assert(
    fc.property(
      arbAddress.filter((a) => a.protocol !== Protocol.ID),
      fc.nat(),
      fc.integer({ min: 1, max: 31 }),
      (a, at, shift) => {
        const s = a.toString('mainnet');
        // Mutate a base32 symbol (after the protocol digit, or after the 'f' of an f4).
        const start = a.protocol === Protocol.Delegated ? s.indexOf('f', 2) + 1 : 2;
        const i = start + (at % (s.length - start));
        const c = alphabet[(alphabet.indexOf(s[i]!) + shift) % 32]!;
        const mutated = s.slice(0, i) + c + s.slice(i + 1);
        assert.throws(() => Address.fromString(mutated), AddressError);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: random bytes either fail with AddressError or decode to the same bytes', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 70 }),
        fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 60 })).map(([p, rest]) => Uint8Array.from([p, ...rest])),
      ),
      (input) => {
        let a: Address;
        try {
          a = Address.fromBytes(input);
        } catch (err) {
          assert.ok(err instanceof AddressError, String(err));
          return;
        }
        if (hex(a.toBytes()) !== hex(input)) {
          // Only the reference's ten-byte varint quirk may change the bytes.
          const p = input[0];
          assert.ok(p === Protocol.ID || p === Protocol.Delegated, hex(input));
          assert.ok(input[10]! > 1 && (input[10]! & 0x80) === 0, hex(input));
        }
      },
    ),
    { numRuns: 2000 },
  );
});
