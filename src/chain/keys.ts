// Deterministic secp256k1 keys for a local chain, and Filecoin message signing with them.
//
// Keys are derived from a public seed, so a genesis built twice has the same accounts and the
// demo prints the same addresses on every machine. They are known to everyone who reads this
// file: never use them to hold anything of value.
//
// A Filecoin secp256k1 signature signs blake2b-256 of the message's CID bytes and is the
// 65 bytes r || s || v (v the recovery id), as Lotus produces and the account actor expects.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { blake2b256 } from '../crypto/blake2b.js';
import { verifySignature } from '../crypto/signature.js';
import { Address, Protocol } from '../primitives/address.js';
import { type Message, type SignedMessage, messageCid } from '../primitives/message.js';
import { type Signature, SignatureType } from '../primitives/signature.js';

/** The seed of the demo and of `tsfvm genesis` accounts. */
export const DEFAULT_KEY_SEED = 'tsfvm local chain';

export class KeyError extends Error {
  override readonly name = 'KeyError';
}

export class SecpKey {
  /** The 65-byte uncompressed public key. */
  readonly publicKey: Uint8Array;
  /** The f1 address of the key. */
  readonly address: Address;

  constructor(readonly privateKey: Uint8Array) {
    if (!secp256k1.utils.isValidSecretKey(privateKey)) throw new KeyError('not a valid secp256k1 private key (32 bytes in [1, n))');
    this.publicKey = secp256k1.getPublicKey(privateKey, false);
    this.address = Address.newSecp256k1(this.publicKey);
  }

  /**
   * Key `index` of `seed`: blake2b-256 over "seed/index[/attempt]", the first digest that is a
   * valid private key (all but a 2^-128 fraction are).
   */
  static derive(seed: string, index: number): SecpKey {
    if (!Number.isSafeInteger(index) || index < 0) throw new KeyError(`key index must be a non-negative integer, got ${index}`);
    const enc = new TextEncoder();
    for (let attempt = 0; ; attempt++) {
      const label = attempt === 0 ? `${seed}/${index}` : `${seed}/${index}/${attempt}`;
      const candidate = blake2b256(enc.encode(label));
      if (secp256k1.utils.isValidSecretKey(candidate)) return new SecpKey(candidate);
    }
  }

  /** Signs blake2b-256 of `data`: r || s || v. */
  signBytes(data: Uint8Array): Uint8Array {
    const rec = secp256k1.sign(blake2b256(data), this.privateKey, { prehash: false, format: 'recovered' });
    // noble puts the recovery id first; Filecoin puts it last.
    const out = new Uint8Array(65);
    out.set(rec.subarray(1), 0);
    out[64] = rec[0]!;
    return out;
  }

  sign(msg: Message): SignedMessage {
    if (!msg.from.equals(this.address)) {
      throw new KeyError(`message from ${msg.from.toString()} cannot be signed by the key of ${this.address.toString()}`);
    }
    const signature: Signature = { type: SignatureType.Secp256k1, data: this.signBytes(messageCid(msg).bytes) };
    return { message: msg, signature };
  }

  privateKeyHex(): string {
    return bytesToHex(this.privateKey);
  }
}

/** The first `count` keys of `seed`. */
export function deriveKeys(count: number, seed: string = DEFAULT_KEY_SEED): SecpKey[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new KeyError(`key count must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => SecpKey.derive(seed, i));
}

/**
 * Whether `sm` is signed by the key behind its sender address (f1 or f3), as a node checks a
 * message before including it. ID and actor addresses cannot sign.
 */
export function verifyMessageSignature(sm: SignedMessage): boolean {
  const from = sm.message.from;
  if (from.protocol !== Protocol.Secp256k1 && from.protocol !== Protocol.BLS) return false;
  return verifySignature(sm.signature.type, sm.signature.data, from, messageCid(sm.message).bytes);
}
