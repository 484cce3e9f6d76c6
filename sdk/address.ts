// Filecoin addresses as bytes: a protocol byte then its payload. ID (0): varint actor ID;
// secp256k1 (1) and actor (2): 20-byte hashes; BLS (3): 48-byte public key; delegated (4):
// varint namespace + up to 54 bytes of subaddress.
import { readVarint, lastVarint, varintLength, putVarint } from "./varint";
import { bytesEqual, concatBytes } from "./mem";
import { blake2b } from "./blake2b";
import { ExitCode } from "./errors";
import { abortWith } from "./vm";
import { base32 } from "./base32";

export const PROTOCOL_ID: u8 = 0;
export const PROTOCOL_SECP256K1: u8 = 1;
export const PROTOCOL_ACTOR: u8 = 2;
export const PROTOCOL_BLS: u8 = 3;
export const PROTOCOL_DELEGATED: u8 = 4;

export const PAYLOAD_HASH_LEN: i32 = 20;
export const BLS_PUB_LEN: i32 = 48;
export const SECP_PUB_LEN: i32 = 65;
export const MAX_SUBADDRESS_LEN: i32 = 54;
/** The Ethereum address manager's namespace for f4 addresses. */
export const EAM_NAMESPACE: u64 = 10;

export class Address {
  /** Use the static constructors; the bytes are taken as they are. */
  constructor(public readonly bytes: Uint8Array) {}

  static fromId(id: u64): Address {
    const out = new Uint8Array(1 + varintLength(id));
    out[0] = PROTOCOL_ID;
    putVarint(out, 1, id);
    return new Address(out);
  }

  /** f1 address of a 65-byte uncompressed secp256k1 public key. */
  static fromSecp256k1PublicKey(pubkey: Uint8Array): Address {
    return Address.withPayload(PROTOCOL_SECP256K1, blake2b(pubkey, PAYLOAD_HASH_LEN));
  }

  /** f2 address from the data the init actor hashes. */
  static fromActorSeed(seed: Uint8Array): Address {
    return Address.withPayload(PROTOCOL_ACTOR, blake2b(seed, PAYLOAD_HASH_LEN));
  }

  static fromBlsPublicKey(pubkey: Uint8Array): Address {
    if (pubkey.length != BLS_PUB_LEN) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "BLS public key must be 48 bytes");
    return Address.withPayload(PROTOCOL_BLS, pubkey);
  }

  static delegated(namespace: u64, subaddress: Uint8Array): Address {
    if (subaddress.length > MAX_SUBADDRESS_LEN) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "delegated subaddress longer than 54 bytes");
    const out = new Uint8Array(1 + varintLength(namespace) + subaddress.length);
    out[0] = PROTOCOL_DELEGATED;
    const p = putVarint(out, 1, namespace);
    out.set(subaddress, p);
    return new Address(out);
  }

  private static withPayload(protocol: u8, payload: Uint8Array): Address {
    const out = new Uint8Array(1 + payload.length);
    out[0] = protocol;
    out.set(payload, 1);
    return new Address(out);
  }

  /** Parses address bytes; null if they are not a valid address. */
  static fromBytes(b: Uint8Array): Address | null {
    if (b.length < 2) return null;
    const p = b[0];
    const n = b.length - 1;
    if (p == PROTOCOL_ID) {
      const len = readVarint(b, 1, b.length);
      if (len == 0 || len != n) return null;
    } else if (p == PROTOCOL_SECP256K1 || p == PROTOCOL_ACTOR) {
      if (n != PAYLOAD_HASH_LEN) return null;
    } else if (p == PROTOCOL_BLS) {
      if (n != BLS_PUB_LEN) return null;
    } else if (p == PROTOCOL_DELEGATED) {
      const len = readVarint(b, 1, b.length);
      if (len == 0 || n - len > MAX_SUBADDRESS_LEN) return null;
    } else {
      return null;
    }
    return new Address(b.slice(0));
  }

  get protocol(): u8 { return this.bytes[0]; }
  isId(): bool { return this.bytes[0] == PROTOCOL_ID; }

  /** The actor ID of an ID address; aborts (USR_ILLEGAL_ARGUMENT) for any other kind. */
  id(): u64 {
    if (!this.isId()) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "address " + this.toString() + " is not an ID address");
    readVarint(this.bytes, 1, this.bytes.length);
    return lastVarint;
  }

  /** Everything after the protocol byte. */
  payload(): Uint8Array { return this.bytes.slice(1); }

  /** Namespace of a delegated address (aborts for other kinds). */
  namespace(): u64 {
    if (this.protocol != PROTOCOL_DELEGATED) abortWith(ExitCode.USR_ILLEGAL_ARGUMENT, "address " + this.toString() + " is not delegated");
    readVarint(this.bytes, 1, this.bytes.length);
    return lastVarint;
  }

  /** Subaddress of a delegated address (aborts for other kinds). */
  subaddress(): Uint8Array {
    const ns = this.namespace();
    return this.bytes.slice(1 + varintLength(ns));
  }

  equals(o: Address): bool { return bytesEqual(this.bytes, o.bytes); }

  /** Text form, e.g. "f0100" or "f1...", with `network` "f" (mainnet) or "t" (testnets). */
  toString(network: string = "f"): string {
    const p = this.protocol;
    if (p == PROTOCOL_ID) {
      readVarint(this.bytes, 1, this.bytes.length);
      return network + "0" + lastVarint.toString();
    }
    const checksum = blake2b(this.bytes, 4);
    if (p == PROTOCOL_DELEGATED) {
      const ns = this.namespace();
      return network + "4" + ns.toString() + "f" + base32(concatBytes(this.subaddress(), checksum));
    }
    return network + p.toString() + base32(concatBytes(this.payload(), checksum));
  }
}
