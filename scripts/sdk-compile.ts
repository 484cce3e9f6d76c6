// Compiles an AssemblyScript actor written with the tsfvm SDK (sdk/) into a WASM module the FVM
// can run, and checks the result.
//
// What the FVM needs from a module, and how the build provides it:
// - imports only from the syscall modules (vm, ipld, ...): AssemblyScript's own env.abort,
//   env.trace and env.seed are redirected to the SDK (--use abort=sdk/vm/fvmAbort, ...);
// - no start function: ref-fvm instantiates with zero gas available and sets the gas counter
//   only before calling the entry point, so any metered code in a start function runs out of
//   gas. The module-level initialization is exported instead (--exportStart) and a transform
//   makes every exported function run it once, first;
// - only WASM features the FVM enables: bulk memory stays, sign-extension and non-trapping
//   float-to-int are turned off (the MVP instruction set plus bulk memory);
// - an exported `invoke(params: u32): u32` and `memory` (checked for actors).
//
// CLI: node --import tsx scripts/sdk-compile.ts ENTRY.ts [-o OUT.wasm] [--wat OUT.wat]
//        [--module] [--methods Name1,Name2]
import { readFileSync, writeFileSync, mkdirSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { blake2b } from '@noble/hashes/blake2.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The package root: the SDK lives in its sdk/ folder. */
export const PACKAGE_ROOT = path.resolve(here, '..');
export const SDK_DIR = path.join(PACKAGE_ROOT, 'sdk');

/** Every syscall an FVM (4.x, or 3.x for the v3 forms) can link, by import module. */
export const FVM_SYSCALLS: Readonly<Record<string, readonly string[]>> = {
  vm: ['exit', 'message_context'],
  network: ['total_fil_circ_supply', 'tipset_cid', 'context'],
  ipld: ['block_open', 'block_create', 'block_read', 'block_stat', 'block_link'],
  self: ['root', 'set_root', 'current_balance', 'self_destruct'],
  actor: [
    'resolve_address', 'lookup_delegated_address', 'get_actor_code_cid', 'get_builtin_actor_type',
    'get_code_cid_for_type', 'next_actor_address', 'create_actor', 'upgrade_actor', 'install_actor', 'balance_of',
  ],
  crypto: [
    'verify_signature', 'verify_bls_aggregate', 'recover_secp_public_key', 'hash', 'compute_unsealed_sector_cid',
    'verify_post', 'verify_consensus_fault', 'verify_aggregate_seals', 'verify_replica_update', 'batch_verify_seals',
  ],
  event: ['emit_event'],
  rand: ['get_chain_randomness', 'get_beacon_randomness'],
  gas: ['charge', 'available'],
  send: ['send'],
  debug: ['enabled', 'log', 'store_artifact'],
};

const START_EXPORT = '__fvm_start';
const requireHere = createRequire(import.meta.url);
const ASC_PACKAGE = path.dirname(requireHere.resolve('assemblyscript/package.json'));
const ASC_BIN = path.join(ASC_PACKAGE, 'bin', 'asc.js');
/** The transform that replaces the start function (see sdk/transform.mjs). */
export const SDK_TRANSFORM = path.join(SDK_DIR, 'transform.mjs');

/** Version of the AssemblyScript compiler in use. */
export function ascVersion(): string {
  return (JSON.parse(readFileSync(path.join(ASC_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
}

export class SdkCompileError extends Error {
  override readonly name = 'SdkCompileError';
}

export interface CompileOptions {
  /** The entry file (its exports become the module's exports). */
  entry: string;
  /** 'actor' (default) requires the invoke and memory exports; 'module' only checks imports. */
  kind?: 'actor' | 'module';
  /** Also return the text format. */
  wat?: boolean;
  /** Optimization: 'size' (default, -O3 with shrink level 1), 'speed' (-O3), 'none'. */
  optimize?: 'size' | 'speed' | 'none';
}

export interface CompiledModule {
  wasm: Uint8Array;
  wat?: string;
  imports: { module: string; name: string }[];
  exports: string[];
}

/** The asc arguments the SDK needs (entry and outputs not included). */
export function sdkAscArgs(optimize: CompileOptions['optimize'] = 'size'): string[] {
  const opt =
    optimize === 'none' ? ['--optimizeLevel', '0', '--shrinkLevel', '0']
    : optimize === 'speed' ? ['--optimizeLevel', '3', '--shrinkLevel', '0']
    : ['--optimizeLevel', '3', '--shrinkLevel', '1'];
  return [
    '--runtime', 'stub',
    '--exportStart', START_EXPORT,
    '--use', 'abort=sdk/vm/fvmAbort',
    '--use', 'trace=sdk/vm/fvmTrace',
    '--use', 'seed=sdk/vm/fvmSeed',
    '--disable', 'sign-extension,nontrapping-f2i',
    '--transform', SDK_TRANSFORM,
    '--noColors',
    ...opt,
  ];
}

/** Compiles `opts.entry` with the SDK flags and checks the module; throws SdkCompileError with asc's diagnostics. */
export async function compileActor(opts: CompileOptions): Promise<CompiledModule> {
  const entry = path.relative(PACKAGE_ROOT, path.resolve(opts.entry)).split(path.sep).join('/');
  const out = mkdtempSync(path.join(tmpdir(), 'tsfvm-asc-'));
  try {
    const wasmFile = path.join(out, 'out.wasm');
    const watFile = path.join(out, 'out.wat');
    const args = [
      ASC_BIN, entry, '--baseDir', PACKAGE_ROOT, '--outFile', wasmFile,
      ...(opts.wat ? ['--textFile', watFile] : []),
      ...sdkAscArgs(opts.optimize),
    ];
    // A plain node process: asc and binaryen load several times faster without a TS loader.
    const { code, output } = await run(process.execPath, args);
    if (code !== 0) throw new SdkCompileError(`compiling ${opts.entry} failed:\n${output}`);
    const checked = checkModule(new Uint8Array(readFileSync(wasmFile)), opts.kind ?? 'actor', opts.entry);
    return opts.wat ? { ...checked, wat: readFileSync(watFile, 'utf8') } : checked;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** Checks what the FVM will check at load time, with messages that say how to fix the source. */
export function checkModule(wasm: Uint8Array, kind: 'actor' | 'module', what: string): CompiledModule {
  const mod = new WebAssembly.Module(new Uint8Array(wasm));
  const imports = WebAssembly.Module.imports(mod).map((i) => ({ module: i.module, name: i.name, kind: i.kind }));
  for (const imp of imports) {
    if (imp.kind !== 'function' || !(FVM_SYSCALLS[imp.module] ?? []).includes(imp.name)) {
      const hint =
        imp.module === 'env' && imp.name.startsWith('Date') ? ' (Date is not available in an actor: use the network context timestamp)'
        : imp.module === 'env' ? ' (AssemblyScript runtime import: build with the SDK flags and import the SDK)'
        : '';
      throw new SdkCompileError(`${what}: import ${imp.module}.${imp.name} is not an FVM syscall${hint}`);
    }
  }
  if (hasStartSection(wasm)) throw new SdkCompileError(`${what}: the module has a start function, which the FVM cannot run`);
  const exports = WebAssembly.Module.exports(mod);
  if (kind === 'actor') {
    if (!exports.some((e) => e.name === 'invoke' && e.kind === 'function')) {
      throw new SdkCompileError(`${what}: an actor must export invoke(params: u32): u32`);
    }
    if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
      throw new SdkCompileError(`${what}: an actor must export its memory as "memory"`);
    }
  }
  return { wasm, imports: imports.map(({ module, name }) => ({ module, name })), exports: exports.map((e) => e.name) };
}

function hasStartSection(wasm: Uint8Array): boolean {
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p++]!;
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[p++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (id === 8) return true;
    p += size;
  }
  return false;
}

/** FRC-0042 method number of `name` (see sdk/dispatch.ts frc42MethodNumber). */
export function frc42MethodNumber(name: string): bigint {
  if (!/^[A-Z_][A-Za-z0-9_]*$/.test(name)) throw new SdkCompileError(`invalid FRC-0042 method name '${name}'`);
  if (name === 'Constructor') return 1n;
  const digest = blake2b(new TextEncoder().encode(`1|${name}`), { dkLen: 64 });
  for (let i = 0; i + 4 <= digest.length; i += 4) {
    const v = ((digest[i]! << 24) >>> 0) + (digest[i + 1]! << 16) + (digest[i + 2]! << 8) + digest[i + 3]!;
    if (v >= 1 << 24) return BigInt(v);
  }
  throw new SdkCompileError(`method name '${name}' has no FRC-0042 number`);
}

/** A digest of everything a compilation depends on: SDK sources, the entry, asc version and flags. */
export function sourceDigest(entry: string, extra: string[] = []): string {
  const h = createHash('sha256');
  h.update(ascVersion());
  h.update(sdkAscArgs().join(' '));
  for (const e of extra) h.update(e);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.name.endsWith('.ts') || d.name.endsWith('.mjs')) files.push(full);
    }
  };
  walk(SDK_DIR);
  files.sort();
  for (const f of files) {
    h.update(path.relative(SDK_DIR, f));
    h.update(readFileSync(f));
  }
  h.update(readFileSync(entry));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  return h.digest('hex');
}

async function cli(argv: string[]): Promise<void> {
  let entry: string | undefined;
  let out: string | undefined;
  let watOut: string | undefined;
  let kind: 'actor' | 'module' = 'actor';
  const methods: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-o') out = argv[++i];
    else if (a === '--wat') watOut = argv[++i];
    else if (a === '--module') kind = 'module';
    else if (a === '--methods') methods.push(...(argv[++i] ?? '').split(',').filter((s) => s.length > 0));
    else entry = a;
  }
  for (const m of methods) console.log(`${m}: ${frc42MethodNumber(m)}`);
  if (entry === undefined) {
    if (methods.length === 0) console.error('usage: sdk-compile ENTRY.ts [-o OUT.wasm] [--wat OUT.wat] [--module] [--methods A,B]');
    return;
  }
  const started = Date.now();
  const res = await compileActor({ entry, kind, wat: watOut !== undefined });
  const target = out ?? entry.replace(/\.ts$/, '.wasm');
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  writeFileSync(target, res.wasm);
  if (watOut !== undefined && res.wat !== undefined) writeFileSync(watOut, res.wat);
  console.log(`${target}: ${res.wasm.length} bytes in ${Date.now() - started} ms`);
  console.log(`imports: ${res.imports.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  console.log(`exports: ${res.exports.join(', ')}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
