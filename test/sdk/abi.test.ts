// The raw syscall imports of the SDK (sdk/sys) against the FVM's WASM ABI: each import's module,
// name and exact signature, as ref-fvm's SDK declares them (pointers, u32 and bool are i32;
// u64 and i64 are i64; every syscall returns an i32 error number; a syscall that produces a
// value takes the out-pointer first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { FVM_SYSCALLS, checkModule, SdkCompileError } from '../../scripts/sdk-compile.js';
import { compileCached } from './host.js';

const FVM4: Record<string, string> = {
  'vm.exit': 'i32 i32 i32 i32',
  'vm.message_context': 'i32',
  'network.total_fil_circ_supply': 'i32',
  'network.tipset_cid': 'i32 i64 i32 i32',
  'network.context': 'i32',
  'ipld.block_open': 'i32 i32',
  'ipld.block_create': 'i32 i64 i32 i32',
  'ipld.block_read': 'i32 i32 i32 i32 i32',
  'ipld.block_stat': 'i32 i32',
  'ipld.block_link': 'i32 i32 i64 i32 i32 i32',
  'self.root': 'i32 i32 i32',
  'self.set_root': 'i32',
  'self.current_balance': 'i32',
  'self.self_destruct': 'i32',
  'actor.resolve_address': 'i32 i32 i32',
  'actor.lookup_delegated_address': 'i32 i64 i32 i32',
  'actor.get_actor_code_cid': 'i32 i64 i32 i32',
  'actor.get_builtin_actor_type': 'i32 i32',
  'actor.get_code_cid_for_type': 'i32 i32 i32 i32',
  'actor.next_actor_address': 'i32 i32 i32',
  'actor.create_actor': 'i64 i32 i32 i32',
  'actor.upgrade_actor': 'i32 i32 i32',
  'actor.install_actor': 'i32',
  'actor.balance_of': 'i32 i64',
  'crypto.verify_signature': 'i32 i32 i32 i32 i32 i32 i32 i32',
  'crypto.verify_bls_aggregate': 'i32 i32 i32 i32 i32 i32',
  'crypto.recover_secp_public_key': 'i32 i32 i32',
  'crypto.hash': 'i32 i64 i32 i32 i32 i32',
  'crypto.compute_unsealed_sector_cid': 'i32 i64 i32 i32 i32 i32',
  'crypto.verify_post': 'i32 i32 i32',
  'crypto.verify_consensus_fault': 'i32 i32 i32 i32 i32 i32 i32',
  'crypto.verify_aggregate_seals': 'i32 i32 i32',
  'crypto.verify_replica_update': 'i32 i32 i32',
  'crypto.batch_verify_seals': 'i32 i32 i32',
  'event.emit_event': 'i32 i32 i32 i32 i32 i32',
  'rand.get_chain_randomness': 'i32 i64',
  'rand.get_beacon_randomness': 'i32 i64',
  'gas.charge': 'i32 i32 i64',
  'gas.available': 'i32',
  'send.send': 'i32 i32 i32 i64 i32 i64 i64 i64 i64',
  'debug.enabled': 'i32',
  'debug.log': 'i32 i32',
  'debug.store_artifact': 'i32 i32 i32 i32',
};

/** The fvm 3.x forms that differ (sdk/sys/v3.ts). */
const FVM3: Record<string, string> = {
  'event.emit_event': 'i32 i32',
  'rand.get_chain_randomness': 'i32 i64 i64 i32 i32',
  'rand.get_beacon_randomness': 'i32 i64 i64 i32 i32',
  'self.self_destruct': 'i32 i32',
};

/** Function imports of a WASM binary with their parameter and result types. */
function functionImports(wasm: Uint8Array): { module: string; name: string; params: string; results: string }[] {
  let p = 8;
  const byte = (): number => wasm[p++]!;
  const uleb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return v;
    }
  };
  const name = (): string => {
    const n = uleb();
    const s = new TextDecoder().decode(wasm.subarray(p, p + n));
    p += n;
    return s;
  };
  const valType = (b: number): string => ({ 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' })[b] ?? `0x${b.toString(16)}`;
  const types: { params: string; results: string }[] = [];
  const out: { module: string; name: string; params: string; results: string }[] = [];
  while (p < wasm.length) {
    const id = byte();
    const size = uleb();
    const end = p + size;
    if (id === 1) {
      for (let n = uleb(); n > 0; n--) {
        assert.equal(byte(), 0x60);
        const params = Array.from({ length: uleb() }, () => valType(byte())).join(' ');
        const results = Array.from({ length: uleb() }, () => valType(byte())).join(' ');
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        const module = name();
        const field = name();
        assert.equal(byte(), 0x00, `${module}.${field} is a function import`);
        out.push({ module, name: field, ...types[uleb()]! });
      }
    }
    p = end;
  }
  return out;
}

test('every syscall import has the module, name and signature of the FVM ABI', async () => {
  // The module also calls every SDK class method (AssemblyScript compiles only what is used),
  // so a compile error anywhere in the SDK fails here.
  const wasm = await compileCached('sdk/test/abi.ts', 'module');
  assert.deepEqual(WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(wasm))).map((e) => e.name).sort(), ['memory', 'sdk_surface', 'v3forms', 'v4']);
  const found: string[] = [];
  for (const imp of functionImports(wasm)) {
    const key = `${imp.module}.${imp.name}`;
    assert.equal(imp.results, 'i32', `${key} returns an error number`);
    // A name in both tables (the 3.x forms) must have one of the two signatures.
    if (FVM4[key] === imp.params) found.push(key);
    else if (FVM3[key] === imp.params) found.push(`v3 ${key}`);
    else assert.fail(`${key} has params (${imp.params}); the ABI says (${FVM4[key] ?? 'no such syscall'})`);
  }
  const expected = [...Object.keys(FVM4), ...Object.keys(FVM3).map((k) => `v3 ${k}`)];
  assert.deepEqual(found.sort(), expected.sort());
  // The compile driver's allow-list is the same set of names.
  assert.deepEqual(Object.entries(FVM_SYSCALLS).flatMap(([mod, names]) => names.map((n) => `${mod}.${n}`)).sort(), Object.keys(FVM4).sort());
});

async function wat(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('test.wat', text);
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

test('the build check refuses what the FVM cannot load, saying why', async () => {
  const good = await wat('(module (import "vm" "exit" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1) (func (export "invoke") (param i32) (result i32) i32.const 0))');
  assert.deepEqual(checkModule(good, 'actor', 'good').exports, ['memory', 'invoke']);
  const cases: [string, string, 'actor' | 'module', RegExp][] = [
    ['env.abort', '(module (import "env" "abort" (func (param i32 i32 i32 i32))) (memory (export "memory") 1) (func (export "invoke") (param i32) (result i32) i32.const 0))', 'actor', /import env\.abort is not an FVM syscall \(AssemblyScript runtime import/],
    ['Date.now', '(module (import "env" "Date.now" (func (result f64))) (memory (export "memory") 1))', 'module', /env\.Date\.now .*use the network context timestamp/],
    ['unknown syscall', '(module (import "vm" "halt" (func)) (memory (export "memory") 1))', 'module', /import vm\.halt is not an FVM syscall/],
    ['start', '(module (memory (export "memory") 1) (func $s) (start $s) (func (export "invoke") (param i32) (result i32) i32.const 0))', 'actor', /has a start function/],
    ['no invoke', '(module (memory (export "memory") 1))', 'actor', /must export invoke/],
    ['no memory', '(module (func (export "invoke") (param i32) (result i32) i32.const 0))', 'actor', /must export its memory/],
  ];
  for (const [what, text, kind, pattern] of cases) {
    const bin = await wat(text);
    assert.throws(() => checkModule(bin, kind, what), (e: unknown) => e instanceof SdkCompileError && pattern.test(e.message), what);
  }
});
