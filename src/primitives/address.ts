// Filecoin addresses: binary form (protocol byte || payload), text form (f/t prefix,
// protocol digit, payload) and the Ethereum (f410) bridge. Validation follows
// fvm_shared's address module so that the same inputs are accepted and rejected.
import { blake2b } from '../crypto/blake2b.js';
import { Base32Error, base32Decode, base32Encode } from './base32.js';
import { U64_MAX, bytesEqual, fromHex, readBytes, readField, toHex } from './fields.js';

export enum Protocol {
  ID = 0,
  Secp256k1 = 1,
  Actor = 2,
  BLS = 3,
  Delegated = 4,
}

/** An actor's ID: the payload of an f0 address. */
export type ActorID = bigint;

/** Network named by the text prefix of an address: 'f' mainnet, 't' testnet. */
export type Network = 'mainnet' | 'testnet';

/** Length of the hashed payload of secp256k1 and actor addresses. */
export const PAYLOAD_HASH_LEN = 20;
/** Length of an uncompressed secp256k1 public key. */
export const SECP_PUB_LEN = 65;
/** Length of a BLS public key (the payload of an f3 address). */
export const BLS_PUB_LEN = 48;
/** Longest subaddress of a delegated (f4) address. */
export const MAX_SUBADDRESS_LEN = 54;
/** Length of the checksum appended to the payload in the text form. */
export const CHECKSUM_HASH_LEN = 4;
/** Longest binary address (an f4 with a 10-byte namespace and 54-byte subaddress). */
export const MAX_ADDRESS_LEN = 65;
/** First actor ID handed out after the singleton builtin actors. */
export const FIRST_NON_SINGLETON_ADDR = 100n;
/** Namespace of Ethereum-style f4 addresses: the actor ID of the Ethereum Address Manager. */
export const EAM_NAMESPACE = 10n;
/** Length of an Ethereum address. */
export const ETH_ADDRESS_LEN = 20;

const MAX_ADDRESS_TEXT_LEN = 138;
// A u64 in decimal has at most 20 digits.
const MAX_U64_DECIMAL_LEN = 20;
const BLS_ZERO_PAYLOAD = (() => {
  const b = new Uint8Array(BLS_PUB_LEN);
  b[0] = 0xc0; // compressed point at infinity
  return b;
})();

export type AddressErrorKind =
  | 'UnknownNetwork'
  | 'UnknownProtocol'
  | 'InvalidPayload'
  | 'InvalidLength'
  | 'InvalidPayloadLength'
  | 'InvalidBLSLength'
  | 'InvalidSECPLength'
  | 'InvalidChecksum'
  | 'Base32Decoding'
  | 'NonIDAddress'
  | 'NonDelegatedAddress'
  | 'NotEthAddress';

/**
 * Any invalid address input. `kind` matches the reference's error variant so callers
 * can branch on it; the message also names the offending input.
 */
export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    readonly kind: AddressErrorKind,
    message: string,
    readonly input?: string,
    options?: { cause?: unknown },
  ) {
    super(input === undefined ? message : `invalid address ${input}: ${message}`, options);
  }
}

let defaultNetwork: Network = 'mainnet';

/** The network whose prefix `toString()` uses when none is given. */
export function getDefaultNetwork(): Network {
  return defaultNetwork;
}

export function setDefaultNetwork(network: Network): void {
  if (network !== 'mainnet' && network !== 'testnet') throw new TypeError(`unknown network ${String(network)}`);
  defaultNetwork = network;
}

function networkPrefix(network: Network): string {
  return network === 'mainnet' ? 'f' : 't';
}

// --- unsigned LEB128 varints, as the unsigned-varint crate reads them ---

export function encodeUvarint(n: bigint): Uint8Array {
  if (n < 0n || n > U64_MAX) throw new RangeError(`varint value ${n} is out of the u64 range`);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return Uint8Array.from(out);
}

/**
 * Reads a u64 varint at the start of `bytes`. Rejects a missing end, more than ten
 * bytes, and a trailing zero byte (non-minimal). Like the reference decoder, a tenth
 * byte's bits above bit 63 are dropped rather than rejected, so such a payload names
 * the same ID the reference executes against.
 */
export function decodeUvarint(bytes: Uint8Array): { value: bigint; length: number } {
  let n = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    n |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new RangeError('varint is not minimally encoded');
      return { value: n & U64_MAX, length: i + 1 };
    }
    if (i === 9) throw new RangeError('varint is longer than 10 bytes');
  }
  throw new RangeError('varint is truncated');
}

function addressHash(data: Uint8Array): Uint8Array {
  return blake2b(data, PAYLOAD_HASH_LEN);
}

function checksum(protocol: Protocol, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + payload.length);
  buf[0] = protocol;
  buf.set(payload, 1);
  return blake2b(buf, CHECKSUM_HASH_LEN);
}

function bytesLabel(bytes: Uint8Array): string {
  return `0x${toHex(bytes)}`;
}

function toU64(id: bigint | number, what: string): bigint {
  if (typeof id === 'number' && !Number.isSafeInteger(id)) {
    throw new AddressError('InvalidPayload', `${what} ${id} is not an integer`);
  }
  const n = BigInt(id);
  if (n < 0n || n > U64_MAX) throw new AddressError('InvalidPayload', `${what} ${n} is out of the u64 range`);
  return n;
}

/** An immutable Filecoin address of any protocol. */
export class Address {
  readonly protocol: Protocol;
  // Plain (not #private) fields so that structural comparisons such as
  // assert.deepEqual see the address's content.
  /** protocol byte || payload, the canonical binary form. */
  private readonly raw: Uint8Array;
  private readonly idValue: bigint | undefined;
  private readonly namespaceValue: bigint | undefined;
  private readonly hexKey: string;

  private constructor(protocol: Protocol, payload: Uint8Array, id?: bigint, namespace?: bigint) {
    this.protocol = protocol;
    const bytes = new Uint8Array(1 + payload.length);
    bytes[0] = protocol;
    bytes.set(payload, 1);
    this.raw = bytes;
    this.idValue = id;
    this.namespaceValue = namespace;
    this.hexKey = toHex(bytes);
  }

  // --- constructors ---

  static newId(id: bigint | number): Address {
    const n = toU64(id, 'actor ID');
    return new Address(Protocol.ID, encodeUvarint(n), n);
  }

  /** From an uncompressed (65-byte) secp256k1 public key. */
  static newSecp256k1(pubkey: Uint8Array): Address {
    if (pubkey.length !== SECP_PUB_LEN) {
      throw new AddressError('InvalidSECPLength', `secp256k1 public key must be ${SECP_PUB_LEN} bytes, got ${pubkey.length}`);
    }
    return new Address(Protocol.Secp256k1, addressHash(pubkey));
  }

  /** An actor (f2) address: the blake2b-160 hash of `data`. */
  static newActor(data: Uint8Array): Address {
    return new Address(Protocol.Actor, addressHash(data));
  }

  static newBls(pubkey: Uint8Array): Address {
    if (pubkey.length !== BLS_PUB_LEN) {
      throw new AddressError('InvalidBLSLength', `BLS public key must be ${BLS_PUB_LEN} bytes, got ${pubkey.length}`);
    }
    return new Address(Protocol.BLS, pubkey);
  }

  static newDelegated(namespace: bigint | number, subaddress: Uint8Array): Address {
    const ns = toU64(namespace, 'namespace');
    if (subaddress.length > MAX_SUBADDRESS_LEN) {
      throw new AddressError(
        'InvalidPayloadLength',
        `delegated subaddress is ${subaddress.length} bytes, at most ${MAX_SUBADDRESS_LEN} allowed`,
      );
    }
    const nsBytes = encodeUvarint(ns);
    const payload = new Uint8Array(nsBytes.length + subaddress.length);
    payload.set(nsBytes);
    payload.set(subaddress, nsBytes.length);
    return new Address(Protocol.Delegated, payload, undefined, ns);
  }

  /** Builds an address from a protocol and its raw payload (what follows the protocol byte). */
  static fromPayload(protocol: Protocol, payload: Uint8Array): Address {
    const label = bytesLabel(Uint8Array.from([protocol, ...payload]));
    switch (protocol) {
      case Protocol.ID: {
        let r;
        try {
          r = decodeUvarint(payload);
        } catch (err) {
          throw new AddressError('InvalidPayload', `bad ID varint (${(err as Error).message})`, label, { cause: err });
        }
        if (r.length !== payload.length) {
          throw new AddressError('InvalidPayload', `${payload.length - r.length} trailing bytes after the ID`, label);
        }
        return new Address(Protocol.ID, encodeUvarint(r.value), r.value);
      }
      case Protocol.Secp256k1:
      case Protocol.Actor:
      case Protocol.BLS: {
        const want = protocol === Protocol.BLS ? BLS_PUB_LEN : PAYLOAD_HASH_LEN;
        if (payload.length !== want) {
          throw new AddressError(
            'InvalidPayloadLength',
            `protocol ${protocol} payload must be ${want} bytes, got ${payload.length}`,
            label,
          );
        }
        return new Address(protocol, payload.slice());
      }
      case Protocol.Delegated: {
        let r;
        try {
          r = decodeUvarint(payload);
        } catch (err) {
          throw new AddressError('InvalidPayload', `bad namespace varint (${(err as Error).message})`, label, {
            cause: err,
          });
        }
        const sub = payload.subarray(r.length);
        if (sub.length > MAX_SUBADDRESS_LEN) {
          throw new AddressError(
            'InvalidPayloadLength',
            `delegated subaddress is ${sub.length} bytes, at most ${MAX_SUBADDRESS_LEN} allowed`,
            label,
          );
        }
        return Address.newDelegated(r.value, sub);
      }
      default:
        throw new AddressError('UnknownProtocol', `unknown protocol ${String(protocol)}`, label);
    }
  }

  /** Decodes the binary form: protocol byte followed by the payload. */
  static fromBytes(bytes: Uint8Array): Address {
    if (bytes.length < 2) {
      throw new AddressError('InvalidLength', `address is ${bytes.length} bytes, at least 2 required`, bytesLabel(bytes));
    }
    const p = bytes[0]!;
    if (p > Protocol.Delegated) throw new AddressError('UnknownProtocol', `unknown protocol ${p}`, bytesLabel(bytes));
    return Address.fromPayload(p as Protocol, bytes.subarray(1));
  }

  /**
   * Parses the text form. With `network`, only that network's prefix is accepted (the
   * reference's behaviour); without it, both 'f' and 't' are.
   */
  static fromString(text: string, network?: Network): Address {
    const parsed = parseAddress(text);
    if (network !== undefined && parsed.network !== network) {
      throw new AddressError('UnknownNetwork', `expected a ${network} address`, JSON.stringify(text));
    }
    return parsed.address;
  }

  // --- Ethereum bridge ---

  /** The f410 address of an Ethereum address (no special case for masked IDs). */
  static newEthDelegated(eth: Uint8Array): Address {
    checkEthLength(eth);
    return Address.newDelegated(EAM_NAMESPACE, eth);
  }

  /**
   * The Filecoin address an Ethereum address stands for: an ID address when it is a
   * masked ID (0xff, 11 zero bytes, big-endian u64), else an f410 address.
   */
  static fromEthAddress(eth: Uint8Array): Address {
    const id = idFromMaskedEthAddress(eth);
    return id === null ? Address.newEthDelegated(eth) : Address.newId(id);
  }

  // --- accessors ---

  /** The binary form (a fresh copy). */
  toBytes(): Uint8Array {
    return this.raw.slice();
  }

  /** The payload without the protocol byte (a fresh copy). */
  payload(): Uint8Array {
    return this.raw.slice(1);
  }

  /** Length of the binary form. */
  get byteLength(): number {
    return this.raw.length;
  }

  /** A stable string for use as a map key: hex of the binary form. */
  key(): string {
    return this.hexKey;
  }

  isId(): boolean {
    return this.protocol === Protocol.ID;
  }

  /** The actor ID of an f0 address. */
  id(): ActorID {
    if (this.idValue === undefined) throw new AddressError('NonIDAddress', `cannot get an ID from ${this.toString()}`);
    return this.idValue;
  }

  /** The actor ID of an f0 address, or undefined for other protocols. */
  idOrUndefined(): ActorID | undefined {
    return this.idValue;
  }

  /** Namespace and subaddress of an f4 address. */
  delegated(): { namespace: bigint; subaddress: Uint8Array } {
    if (this.namespaceValue === undefined) {
      throw new AddressError('NonDelegatedAddress', `${this.toString()} is not a delegated address`);
    }
    const nsLen = encodeUvarint(this.namespaceValue).length;
    return { namespace: this.namespaceValue, subaddress: this.raw.slice(1 + nsLen) };
  }

  /** True for an f4 address in the EAM namespace with a 20-byte subaddress. */
  isEthAddress(): boolean {
    return this.namespaceValue === EAM_NAMESPACE && this.raw.length === 2 + ETH_ADDRESS_LEN;
  }

  /** The Ethereum address of an f410 address, or the masked-ID form of an f0 address. */
  toEthAddress(): Uint8Array {
    if (this.idValue !== undefined) return maskedEthAddressFromId(this.idValue);
    if (this.isEthAddress()) return this.raw.slice(2);
    throw new AddressError('NotEthAddress', `${this.toString()} has no Ethereum address form`);
  }

  /** The BLS "zero" key (compressed point at infinity: 0xc0 then zeros). */
  isBlsZeroAddress(): boolean {
    return this.protocol === Protocol.BLS && bytesEqual(this.raw.subarray(1), BLS_ZERO_PAYLOAD);
  }

  equals(other: Address): boolean {
    return this.hexKey === other.hexKey;
  }

  toString(network: Network = defaultNetwork): string {
    const head = `${networkPrefix(network)}${this.protocol}`;
    const payload = this.raw.subarray(1);
    switch (this.protocol) {
      case Protocol.ID:
        return head + this.idValue!.toString();
      case Protocol.Delegated: {
        // The checksum covers the namespace varint too, but the text shows it in decimal.
        const nsLen = encodeUvarint(this.namespaceValue!).length;
        const sub = payload.subarray(nsLen);
        return `${head}${this.namespaceValue!}f${base32Encode(concat(sub, checksum(this.protocol, payload)))}`;
      }
      default:
        return head + base32Encode(concat(payload, checksum(this.protocol, payload)));
    }
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Address(${this.toString()})`;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// Rust's u64 parser: optional '+', then decimal digits (leading zeros allowed).
function parseU64Decimal(text: string, label: string): bigint {
  if (!/^\+?[0-9]+$/.test(text)) throw new AddressError('InvalidPayload', `"${text}" is not a decimal u64`, label);
  const n = BigInt(text);
  if (n > U64_MAX) throw new AddressError('InvalidPayload', `${text} is out of the u64 range`, label);
  return n;
}

function decodeBase32(text: Uint8Array, label: string): Uint8Array {
  try {
    return base32Decode(text);
  } catch (err) {
    if (err instanceof Base32Error) {
      throw new AddressError('Base32Decoding', `base32 decoding failed: ${err.message}`, label, { cause: err });
    }
    throw err;
  }
}

function splitChecksum(protocol: Protocol, prefix: Uint8Array, data: Uint8Array, label: string): Uint8Array {
  if (data.length < CHECKSUM_HASH_LEN) {
    throw new AddressError('InvalidLength', `payload is too short to hold a ${CHECKSUM_HASH_LEN}-byte checksum`, label);
  }
  const payload = data.subarray(0, data.length - CHECKSUM_HASH_LEN);
  const expected = checksum(protocol, concat(prefix, payload));
  if (!bytesEqual(expected, data.subarray(data.length - CHECKSUM_HASH_LEN))) {
    throw new AddressError('InvalidChecksum', 'checksum does not match', label);
  }
  return payload;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Parses the text form and reports which network its prefix names. */
export function parseAddress(text: string): { address: Address; network: Network } {
  const label = JSON.stringify(text);
  // The reference measures and slices the UTF-8 bytes; doing the same keeps the same
  // error for the same input, including non-ASCII junk.
  const raw = utf8.encode(text);
  if (raw.length > MAX_ADDRESS_TEXT_LEN || raw.length < 3) {
    throw new AddressError('InvalidLength', `text form must be 3 to ${MAX_ADDRESS_TEXT_LEN} bytes, got ${raw.length}`, label);
  }
  let network: Network;
  if (raw[0] === 0x66) network = 'mainnet';
  else if (raw[0] === 0x74) network = 'testnet';
  else throw new AddressError('UnknownNetwork', `unknown network prefix (want 'f' or 't')`, label);

  const p = raw[1]! - 0x30;
  if (!(p >= 0 && p <= 4)) throw new AddressError('UnknownProtocol', `unknown protocol (want 0-4)`, label);
  const protocol = p as Protocol;
  const rest = raw.subarray(2);

  switch (protocol) {
    case Protocol.ID: {
      if (rest.length > MAX_U64_DECIMAL_LEN) {
        throw new AddressError('InvalidLength', `ID has more than ${MAX_U64_DECIMAL_LEN} digits`, label);
      }
      return { address: Address.newId(parseU64Decimal(utf8Decoder.decode(rest), label)), network };
    }
    case Protocol.Delegated: {
      const sep = rest.indexOf(0x66); // 'f' between namespace and subaddress
      if (sep < 0) throw new AddressError('InvalidPayload', `missing 'f' after the namespace`, label);
      const nsText = rest.subarray(0, sep);
      if (nsText.length > MAX_U64_DECIMAL_LEN) {
        throw new AddressError('InvalidLength', `namespace has more than ${MAX_U64_DECIMAL_LEN} digits`, label);
      }
      const ns = parseU64Decimal(utf8Decoder.decode(nsText), label);
      const data = decodeBase32(rest.subarray(sep + 1), label);
      const sub = splitChecksum(protocol, encodeUvarint(ns), data, label);
      if (sub.length > MAX_SUBADDRESS_LEN) {
        throw new AddressError(
          'InvalidPayloadLength',
          `delegated subaddress is ${sub.length} bytes, at most ${MAX_SUBADDRESS_LEN} allowed`,
          label,
        );
      }
      return { address: Address.newDelegated(ns, sub), network };
    }
    default: {
      const data = decodeBase32(rest, label);
      const payload = splitChecksum(protocol, new Uint8Array(0), data, label);
      const want = protocol === Protocol.BLS ? BLS_PUB_LEN : PAYLOAD_HASH_LEN;
      if (payload.length !== want) {
        throw new AddressError('InvalidPayload', `payload must be ${want} bytes, got ${payload.length}`, label);
      }
      return { address: Address.fromPayload(protocol, payload), network };
    }
  }
}

// --- CBOR: an address is a byte string holding its binary form ---

export function addressToCbor(address: Address): Uint8Array {
  return address.toBytes();
}

/** Reads an address from a decoded CBOR value; failures are FieldErrors naming `what`. */
export function addressFromCbor(value: unknown, what = 'address'): Address {
  const bytes = readBytes(value, what);
  return readField(what, () => Address.fromBytes(bytes));
}

// --- Ethereum addresses ---

function checkEthLength(eth: Uint8Array): void {
  if (eth.length !== ETH_ADDRESS_LEN) {
    throw new AddressError('NotEthAddress', `Ethereum address must be ${ETH_ADDRESS_LEN} bytes, got ${eth.length}`);
  }
}

/** The masked-ID Ethereum address of an actor: 0xff, 11 zero bytes, the ID as big-endian u64. */
export function maskedEthAddressFromId(id: ActorID): Uint8Array {
  const n = toU64(id, 'actor ID');
  const out = new Uint8Array(ETH_ADDRESS_LEN);
  out[0] = 0xff;
  new DataView(out.buffer).setBigUint64(12, n);
  return out;
}

/** The actor ID a masked-ID Ethereum address stands for, or null when it is not one. */
export function idFromMaskedEthAddress(eth: Uint8Array): ActorID | null {
  checkEthLength(eth);
  if (eth[0] !== 0xff) return null;
  for (let i = 1; i < 12; i++) if (eth[i] !== 0) return null;
  return new DataView(eth.buffer, eth.byteOffset, eth.byteLength).getBigUint64(12);
}

/** Parses '0x' followed by 40 hex digits (any case). */
export function parseEthAddress(text: string): Uint8Array {
  const bytes = /^0[xX]/.test(text) ? fromHex(text.slice(2)) : null;
  if (bytes === null || bytes.length !== ETH_ADDRESS_LEN) {
    throw new AddressError('NotEthAddress', `expected 0x and 40 hex digits`, JSON.stringify(text));
  }
  return bytes;
}

/** Lowercase 0x-hex form of an Ethereum address. */
export function formatEthAddress(eth: Uint8Array): string {
  checkEthLength(eth);
  return `0x${toHex(eth)}`;
}
