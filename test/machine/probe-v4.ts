// The probe actor for the 4.x ABI (nv21+): the 3.x probe's signature list with the imports
// the 4.x SDK declares differently, written out here independently of src/syscalls.
import { SDK_SYSCALLS, type SdkSyscalls, type TestWorld, buildWorld, compileWat, probeWat, type WorldOptions } from './harness.js';
import { type ProbeOptions, type ProbeRun, runProbe } from './probe.js';

type Sig = SdkSyscalls[number];

const CHANGED_V4: readonly Sig[] = [
  ['self', 'self_destruct', false, ['i32']],
  ['event', 'emit_event', false, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']],
  ['rand', 'get_chain_randomness', true, ['i64']],
  ['rand', 'get_beacon_randomness', true, ['i64']],
];
const ADDED_V4: readonly Sig[] = [['crypto', 'verify_bls_aggregate', true, ['i32', 'i32', 'i32', 'i32', 'i32']]];

export const SDK_SYSCALLS_V4: SdkSyscalls = [
  ...SDK_SYSCALLS.map((s) => CHANGED_V4.find((c) => c[0] === s[0] && c[1] === s[1]) ?? s),
  ...ADDED_V4,
];

export const PROBE_V4_WASM = compileWat(probeWat(SDK_SYSCALLS_V4), 'probe-v4.wat');

/** The harness world with 4.x probes in every probe role. */
export function buildWorldV4(opts: WorldOptions = {}): TestWorld {
  return buildWorld({ ...opts, probeWasm: PROBE_V4_WASM });
}

/** Runs a 4.x probe program at nv28 (unless another version is given). */
export function runProbeV4(world: TestWorld, build: Parameters<typeof runProbe>[1], opts: ProbeOptions = {}): ProbeRun {
  return runProbe(world, build, { networkVersion: 28, ...opts, syscalls: SDK_SYSCALLS_V4 });
}

/** One packed 4.x event entry header: flags u64, codec u64, key length u32, value length u32. */
export function eventHeader(flags: bigint, codec: bigint, keyLength: number, valueLength: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, flags, true);
  v.setBigUint64(8, codec, true);
  v.setUint32(16, keyLength, true);
  v.setUint32(20, valueLength, true);
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
