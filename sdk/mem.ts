// Static scratch space for syscall out-parameters (never held across calls), and small helpers.

// 128 bytes: the largest fixed-size syscall result is the 80-byte MessageContext.
const SCRATCH: usize = memory.data(128, 16);
// Any CID the machine writes back fits in 100 bytes (fvm_shared MAX_CID_LEN).
export const MAX_CID_LEN: u32 = 100;
const CID_SCRATCH: usize = memory.data(100, 8);

export function scratch(): usize { return SCRATCH; }
export function cidScratch(): usize { return CID_SCRATCH; }

/** Copies `len` bytes at `ptr` into a new Uint8Array. */
export function copyOut(ptr: usize, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return memory.compare(a.dataStart, b.dataStart, <usize>a.length) == 0;
}

/** Byte-wise order, a proper prefix first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): i32 {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = <i32>unchecked(a[i]) - <i32>unchecked(b[i]);
    if (d != 0) return d;
  }
  return a.length - b.length;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

const HEX = "0123456789abcdef";
export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = <i32>b[i];
    s += HEX.charAt(v >> 4) + HEX.charAt(v & 15);
  }
  return s;
}
