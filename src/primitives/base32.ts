// RFC 4648 base32, lowercase alphabet, no padding: the text form of Filecoin addresses.
// Decoding is strict like the reference's: only lowercase symbols, no impossible
// lengths, and the unused low bits of the last symbol must be zero (so every byte
// string has exactly one text form).

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const VALUES = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

export type Base32ErrorKind = 'Length' | 'Symbol' | 'Trailing';

export class Base32Error extends Error {
  override readonly name = 'Base32Error';
  constructor(readonly kind: Base32ErrorKind, readonly position: number) {
    const what = kind === 'Length' ? 'invalid length' : kind === 'Symbol' ? 'invalid symbol' : 'non-zero trailing bits';
    super(`${what} at ${position}`);
  }
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 text given as bytes (positions in errors are byte offsets). */
export function base32Decode(text: Uint8Array): Uint8Array {
  // A final group of 1, 3 or 6 symbols cannot come from whole bytes.
  const rem = text.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) throw new Base32Error('Length', text.length - 1);
  for (let i = 0; i < text.length; i++) {
    if (VALUES[text[i]!]! < 0) throw new Base32Error('Symbol', i);
  }
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    acc = ((acc << 5) | VALUES[text[i]!]!) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw new Base32Error('Trailing', text.length - 1);
  return out;
}
