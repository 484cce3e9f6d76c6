// Signatures as Filecoin serializes them: one CBOR byte string, type byte || signature.
import { FieldError } from './fields.js';

export enum SignatureType {
  Secp256k1 = 1,
  BLS = 2,
}

/** Length of a BLS signature. */
export const BLS_SIG_LEN = 96;
/** Length of a secp256k1 signature (r || s || recovery id). */
export const SECP_SIG_LEN = 65;

export interface Signature {
  type: SignatureType;
  data: Uint8Array;
}

export function encodeSignature(sig: Signature): Uint8Array {
  if (sig.type !== SignatureType.Secp256k1 && sig.type !== SignatureType.BLS) {
    throw new FieldError('signature', `unknown signature type ${String(sig.type)}`);
  }
  const out = new Uint8Array(1 + sig.data.length);
  out[0] = sig.type;
  out.set(sig.data, 1);
  return out;
}

/**
 * Reads type byte || data. As in the reference, only the type byte is checked here;
 * data length is a matter for verification.
 */
export function decodeSignature(bytes: Uint8Array, what = 'signature'): Signature {
  if (bytes.length === 0) throw new FieldError(what, 'empty bytes');
  const t = bytes[0]!;
  if (t !== SignatureType.Secp256k1 && t !== SignatureType.BLS) {
    throw new FieldError(what, `invalid signature type byte ${t} (must be 1 or 2)`);
  }
  return { type: t, data: bytes.slice(1) };
}

export function signatureFromCbor(value: unknown, what = 'signature'): Signature {
  if (!(value instanceof Uint8Array)) throw new FieldError(what, 'expected a CBOR byte string');
  return decodeSignature(value, what);
}
