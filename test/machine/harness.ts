// Test harness for the machine: compiles WAT actors, builds a minimal state tree (system, init,
// reward, burnt funds, accounts, test actors) whose manifest names our own actors, and runs
// messages through the executor.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { CID } from 'multiformats/cid';
import { MemoryBlockstore, putCbor } from '../../src/ipld/blockstore.js';
import { cidOf, RAW, encodeCbor } from '../../src/ipld/cbor.js';
import { Hamt } from '../../src/ipld/hamt.js';
import { Address } from '../../src/primitives/address.js';
import { newEmptyActor, type ActorState } from '../../src/primitives/actor.js';
import { encodeMessage, type Message } from '../../src/primitives/message.js';
import { StateTree } from '../../src/state/state-tree.js';
import { InitState } from '../../src/state/init-state.js';
import { Machine } from '../../src/machine/machine.js';
import { StaticExterns, type Externs } from '../../src/machine/externs.js';
import type { MachineOptions } from '../../src/machine/context.js';
import { Executor, type ApplyRet } from '../../src/executor/executor.js';
import { Engine, engineConfigForNetworkVersion } from '../../src/engine/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const wabt = await wabtInit();

export function compileWat(text: string, name = 'actor.wat'): Uint8Array {
  const mod = wabt.parseWat(name, text, { mutable_globals: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true });
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

export function loadWat(file: string): string {
  return readFileSync(join(here, 'actors', file), 'utf8');
}

/** Appends a custom section so that identical code gets a distinct code CID per role. */
export function tagWasm(wasm: Uint8Array, tag: string): Uint8Array {
  const name = new TextEncoder().encode(tag);
  const body = [name.length, ...name]; // names shorter than 128 bytes: one-byte LEB
  const out = new Uint8Array(wasm.length + 2 + body.length);
  out.set(wasm);
  out.set([0, body.length, ...body], wasm.length);
  return out;
}

export function codeCid(wasm: Uint8Array): CID {
  return cidOf(wasm, RAW);
}

// ---------------------------------------------------------------------------------------------
// The probe actor: a small interpreter of syscall programs, generated from the SDK's syscall
// signatures (written out here independently of src/syscalls).

type K = 'i32' | 'i64';
/** [module, name, has out-pointer, params after the out-pointer] as the SDK declares them. */
export const SDK_SYSCALLS: ReadonlyArray<readonly [string, string, boolean, readonly K[]]> = [
  ['vm', 'exit', false, ['i32', 'i32', 'i32', 'i32']],
  ['vm', 'message_context', true, []],
  ['network', 'total_fil_circ_supply', true, []],
  ['network', 'context', true, []],
  ['network', 'tipset_cid', true, ['i64', 'i32', 'i32']],
  ['ipld', 'block_open', true, ['i32']],
  ['ipld', 'block_create', true, ['i64', 'i32', 'i32']],
  ['ipld', 'block_read', true, ['i32', 'i32', 'i32', 'i32']],
  ['ipld', 'block_stat', true, ['i32']],
  ['ipld', 'block_link', true, ['i32', 'i64', 'i32', 'i32', 'i32']],
  ['self', 'root', true, ['i32', 'i32']],
  ['self', 'set_root', false, ['i32']],
  ['self', 'current_balance', true, []],
  ['self', 'self_destruct', false, ['i32', 'i32']],
  ['actor', 'resolve_address', true, ['i32', 'i32']],
  ['actor', 'lookup_delegated_address', true, ['i64', 'i32', 'i32']],
  ['actor', 'get_actor_code_cid', true, ['i64', 'i32', 'i32']],
  ['actor', 'next_actor_address', true, ['i32', 'i32']],
  ['actor', 'create_actor', false, ['i64', 'i32', 'i32', 'i32']],
  ['actor', 'get_builtin_actor_type', true, ['i32']],
  ['actor', 'get_code_cid_for_type', true, ['i32', 'i32', 'i32']],
  ['actor', 'balance_of', true, ['i64']],
  ['crypto', 'verify_signature', true, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']],
  ['crypto', 'recover_secp_public_key', true, ['i32', 'i32']],
  ['crypto', 'hash', true, ['i64', 'i32', 'i32', 'i32', 'i32']],
  ['crypto', 'compute_unsealed_sector_cid', true, ['i64', 'i32', 'i32', 'i32', 'i32']],
  ['crypto', 'verify_post', true, ['i32', 'i32']],
  ['crypto', 'verify_consensus_fault', true, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']],
  ['crypto', 'verify_aggregate_seals', true, ['i32', 'i32']],
  ['crypto', 'verify_replica_update', true, ['i32', 'i32']],
  ['crypto', 'batch_verify_seals', false, ['i32', 'i32', 'i32']],
  ['event', 'emit_event', false, ['i32', 'i32']],
  ['rand', 'get_chain_randomness', true, ['i64', 'i64', 'i32', 'i32']],
  ['rand', 'get_beacon_randomness', true, ['i64', 'i64', 'i32', 'i32']],
  ['gas', 'charge', false, ['i32', 'i32', 'i64']],
  ['gas', 'available', true, []],
  ['send', 'send', true, ['i32', 'i32', 'i64', 'i32', 'i64', 'i64', 'i64', 'i64']],
  ['debug', 'log', false, ['i32', 'i32']],
  ['debug', 'enabled', true, []],
  ['debug', 'store_artifact', false, ['i32', 'i32', 'i32', 'i32']],
];

/** Where the probe copies its parameters (the program and its data). */
export const PARAMS_BASE = 65536;
/** Status words: the i32 each command returned, in order. */
export const STATUS_BASE = 0;
/** Scratch area the interpreter uses for its own out-values. */
const SCRATCH = 65000;

/** Control opcodes; syscall opcodes follow from CONTROL_OPS. */
export const Op = {
  /** [off, len]: return memory[off..off+len] as a raw block. */
  ReturnBytes: 0,
  /** []: return no value. */
  Return: 1,
  /** []: loop forever (runs out of gas). */
  Loop: 2,
  /** []: trap with unreachable. */
  Unreachable: 3,
  /** [n]: recurse n levels in WASM (the stack limiter stops deep recursion). */
  Recurse: 4,
  /** [pages]: memory.grow; the status is the previous size or -1. */
  Grow: 5,
  /** [id]: return block `id` as it is. */
  ReturnBlock: 6,
} as const;
const CONTROL_OPS = 7;

/** A syscall signature list in the form of SDK_SYSCALLS (other ABI generations have their own). */
export type SdkSyscalls = typeof SDK_SYSCALLS;

export function syscallOp(module: string, name: string, syscalls: SdkSyscalls = SDK_SYSCALLS): number {
  return syscallOpIn(module, name, syscalls);
}

function syscallOpIn(module: string, name: string, syscalls: SdkSyscalls): number {
  const i = syscalls.findIndex(([m, n]) => m === module && n === name);
  if (i < 0) throw new Error(`no syscall ${module}::${name}`);
  return CONTROL_OPS + i;
}

export function probeWat(syscalls: SdkSyscalls = SDK_SYSCALLS): string {
  const syscallOp = (module: string, name: string): number => syscallOpIn(module, name, syscalls);
  const imports = syscalls.map(([m, n, ret, params], i) => {
    const all = ret ? ['i32', ...params] : [...params];
    return `  (import "${m}" "${n}" (func $s${i} ${all.length ? `(param ${all.join(' ')})` : ''} (result i32)))`;
  }).join('\n');
  const arg = (j: number, k: K): string =>
    k === 'i64' ? `(i64.load offset=${8 * j} (local.get $pc))` : `(i32.wrap_i64 (i64.load offset=${8 * j} (local.get $pc)))`;
  // Each case: call with args read from the program, store the returned i32 as the status.
  const cases = syscalls.map(([, , ret, params], i) => {
    const kinds: K[] = ret ? ['i32', ...params] : [...params];
    const args = kinds.map((k, j) => arg(j, k)).join(' ');
    return `(local.set $r (call $s${i} ${args})) (local.set $pc (i32.add (local.get $pc) (i32.const ${8 * kinds.length})))`;
  });
  const control = [
    // ReturnBytes [off, len]
    `(drop (call $s${syscallOp('ipld', 'block_create') - CONTROL_OPS} (i32.const ${SCRATCH}) (i64.const 0x55) ${arg(0, 'i32')} ${arg(1, 'i32')}))
     (return (i32.load (i32.const ${SCRATCH})))`,
    `(return (i32.const 0))`,
    `(loop $l (br $l)) (unreachable)`,
    `(unreachable)`,
    `(call $rec ${arg(0, 'i64')}) (local.set $pc (i32.add (local.get $pc) (i32.const 8))) (local.set $r (i32.const 0))`,
    `(local.set $r (memory.grow ${arg(0, 'i32')})) (local.set $pc (i32.add (local.get $pc) (i32.const 8)))`,
    `(return ${arg(0, 'i32')})`,
  ];
  const all = [...control, ...cases];
  // Nested blocks for br_table: block $c0 is innermost.
  let body = `(br_table ${all.map((_, i) => `$c${i}`).join(' ')} $bad (local.get $op))`;
  for (let i = 0; i < all.length; i++) {
    body = `(block $c${i} ${body})\n ${all[i]} (br $next)`;
  }
  return `(module
${imports}
  (memory (export "memory") 3)
  (func $rec (param $n i64)
    (if (i64.gt_u (local.get $n) (i64.const 0))
      (then (call $rec (i64.sub (local.get $n) (i64.const 1))))))
  (func (export "invoke") (param $p i32) (result i32)
    (local $pc i32) (local $op i32) (local $r i32) (local $k i32)
    ;; copy the parameters (if any) to PARAMS_BASE
    (if (i32.ne (local.get $p) (i32.const 0))
      (then (drop (call $s${syscallOp('ipld', 'block_read') - CONTROL_OPS} (i32.const ${SCRATCH}) (local.get $p) (i32.const 0) (i32.const ${PARAMS_BASE}) (i32.const 65536)))))
    (local.set $pc (i32.const ${PARAMS_BASE}))
    (loop $next
      (local.set $op (i32.wrap_i64 (i64.load (local.get $pc))))
      (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
      (block $bad
        (block $done
          ${body.replace(/\(br \$next\)/g, '(br $done)')}
        )
        ;; store the status word and continue
        (i32.store (i32.add (i32.const ${STATUS_BASE}) (i32.shl (local.get $k) (i32.const 2))) (local.get $r))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))
      (unreachable))
    (unreachable)))`;
}

/** Builds probe programs: commands of 8-byte little-endian words, plus a data area. */
export class Program {
  private readonly words: bigint[] = [];
  private readonly data: number[] = [];
  private count = 0;
  /** Offset of the data area inside the parameters (after the program). */
  static readonly DATA_OFFSET = 8192;

  /** `syscalls`: the signatures the probe was generated from (probeWat's argument). */
  constructor(private readonly syscalls: SdkSyscalls = SDK_SYSCALLS) {}

  /** Puts bytes in the data area; returns their absolute address in the probe's memory. */
  bytes(b: Uint8Array): number {
    const at = PARAMS_BASE + Program.DATA_OFFSET + this.data.length;
    this.data.push(...b);
    return at;
  }

  text(s: string): [number, number] {
    const b = new TextEncoder().encode(s);
    return [this.bytes(b), b.length];
  }

  /** Appends a syscall; returns the command index (its status word). */
  call(module: string, name: string, ...args: Array<number | bigint>): number {
    const op = syscallOp(module, name, this.syscalls);
    const sig = this.syscalls[op - CONTROL_OPS]!;
    const want = sig[3].length + (sig[2] ? 1 : 0);
    if (args.length !== want) throw new Error(`${module}::${name} takes ${want} arguments (out-pointer included), got ${args.length}`);
    this.words.push(BigInt(op), ...args.map((a) => BigInt.asUintN(64, BigInt(a))));
    return this.count++;
  }

  op(op: number, ...args: Array<number | bigint>): number {
    this.words.push(BigInt(op), ...args.map((a) => BigInt.asUintN(64, BigInt(a))));
    return this.count++;
  }

  /** Ends with returning memory [STATUS_BASE, end) so the test sees statuses and out-values. */
  returnMemory(len: number): Uint8Array {
    this.op(Op.ReturnBytes, STATUS_BASE, len);
    return this.encode();
  }

  encode(): Uint8Array {
    const prog = new Uint8Array(Program.DATA_OFFSET + this.data.length);
    const view = new DataView(prog.buffer);
    if (this.words.length * 8 > Program.DATA_OFFSET) throw new Error('program too long');
    this.words.forEach((w, i) => view.setBigUint64(8 * i, w, true));
    prog.set(this.data, Program.DATA_OFFSET);
    return prog;
  }
}

/** Reads the status word of command `i` from a returned memory dump. */
export function status(ret: Uint8Array, i: number): number {
  return new DataView(ret.buffer, ret.byteOffset, ret.byteLength).getInt32(STATUS_BASE + 4 * i, true);
}

export function readU32(ret: Uint8Array, at: number): number {
  return new DataView(ret.buffer, ret.byteOffset, ret.byteLength).getUint32(at, true);
}

export function readI32(ret: Uint8Array, at: number): number {
  return new DataView(ret.buffer, ret.byteOffset, ret.byteLength).getInt32(at, true);
}

export function readU64(ret: Uint8Array, at: number): bigint {
  return new DataView(ret.buffer, ret.byteOffset, ret.byteLength).getBigUint64(at, true);
}

// ---------------------------------------------------------------------------------------------
// State

export const ACCOUNT_WAT = `(module
  (memory (export "memory") 1)
  (func (export "invoke") (param i32) (result i32) (i32.const 0)))`;

export interface TestWorld {
  readonly bs: MemoryBlockstore;
  root: CID;
  readonly codes: Record<string, CID>;
  /** ID of the f1 account used as the default sender. */
  readonly sender: bigint;
  readonly senderAddress: Address;
  /** Second account (f1). */
  readonly other: bigint;
  readonly otherAddress: Address;
  /** Probe actors (not accounts) at these IDs. */
  readonly probe: bigint;
  readonly probe2: bigint;
  readonly nextId: bigint;
}

const PROBE_WASM = compileWat(probeWat(), 'probe.wat');
const ACCOUNT_WASM = compileWat(ACCOUNT_WAT, 'account.wat');

export function secpAddress(seed: number): Address {
  const key = new Uint8Array(65);
  key[0] = 4;
  key.fill(seed, 1);
  return Address.newSecp256k1(key);
}

export interface WorldOptions {
  /** Extra actors by name: code WASM (the manifest gets them too). */
  readonly extraCode?: Record<string, Uint8Array>;
  /** Balance of the two accounts and the probes. */
  readonly balance?: bigint;
  /** The probe code for every probe role (default: the 3.x-ABI probe). */
  readonly probeWasm?: Uint8Array;
}

export const FIL = 10n ** 18n;

/** A state tree with system(0), init(1), reward(2), burnt funds(99), accounts 100 & 101, probes 102 & 103. */
export function buildWorld(opts: WorldOptions = {}): TestWorld {
  const bs = new MemoryBlockstore();
  const probeWasm = opts.probeWasm ?? PROBE_WASM;
  const roles: Array<[string, Uint8Array]> = [
    ['system', tagWasm(probeWasm, 'system')],
    ['init', tagWasm(probeWasm, 'init')],
    ['cron', tagWasm(probeWasm, 'cron')],
    ['account', ACCOUNT_WASM],
    ['reward', tagWasm(probeWasm, 'reward')],
    ['placeholder', tagWasm(probeWasm, 'placeholder')],
    ['eam', tagWasm(probeWasm, 'eam')],
    ['ethaccount', tagWasm(ACCOUNT_WASM, 'ethaccount')],
    ['probe', probeWasm],
    ...Object.entries(opts.extraCode ?? {}),
  ];
  const codes: Record<string, CID> = {};
  for (const [name, wasm] of roles) {
    const cid = codeCid(wasm);
    bs.put(cid, wasm);
    codes[name] = cid;
  }
  const manifestData = putCbor(bs, roles.map(([name]) => [name, codes[name]!]));

  const tree = StateTree.create(bs);
  const emptyMap = Hamt.create(bs).flush();
  const init = new InitState(emptyMap, 100n, 'test');
  const put = (id: bigint, a: ActorState): void => tree.setActor(id, a);
  put(0n, { ...newEmptyActor(codes.system!), head: putCbor(bs, [manifestData]) });
  put(1n, { ...newEmptyActor(codes.init!), head: init.save(bs) });
  put(2n, newEmptyActor(codes.reward!));
  put(99n, newEmptyActor(codes.account!));
  const balance = opts.balance ?? 1000n * FIL;

  const senderAddress = secpAddress(1);
  const otherAddress = secpAddress(2);
  const sender = tree.registerNewAddress(senderAddress);
  put(sender, { ...newEmptyActor(codes.account!), balance });
  const other = tree.registerNewAddress(otherAddress);
  put(other, { ...newEmptyActor(codes.account!), balance });
  const probe = tree.registerNewAddress(Address.newActor(new TextEncoder().encode('probe-1')));
  put(probe, { ...newEmptyActor(codes.probe!), balance });
  const probe2 = tree.registerNewAddress(Address.newActor(new TextEncoder().encode('probe-2')));
  put(probe2, { ...newEmptyActor(codes.probe!), balance });
  const root = tree.flush();
  return { bs, root, codes, sender, senderAddress, other, otherAddress, probe, probe2, nextId: probe2 + 1n };
}

const engines = new Map<number, Engine>();

/** One engine per network version for the whole test run (compiled modules are reused). */
export function sharedEngine(nv = 18): Engine {
  let e = engines.get(nv);
  if (e === undefined) {
    e = new Engine({ config: engineConfigForNetworkVersion(nv) });
    engines.set(nv, e);
  }
  return e;
}

export interface RunOptions extends Partial<MachineOptions> {
  readonly externs?: Externs;
  readonly log?: (actorId: bigint, msg: string) => void;
}

export function newMachine(world: TestWorld, opts: RunOptions = {}): Machine {
  return new Machine({
    networkVersion: 18,
    epoch: 1000n,
    timestamp: 1_700_000_000n,
    baseFee: 100n,
    stateRoot: world.root,
    blockstore: world.bs,
    externs: opts.externs ?? new StaticExterns(),
    engine: sharedEngine(opts.networkVersion ?? 18),
    debugLog: opts.log,
    ...opts,
  });
}

export interface MsgOptions {
  readonly from?: Address;
  readonly to: Address;
  readonly method?: bigint;
  readonly params?: Uint8Array;
  readonly value?: bigint;
  readonly gasLimit?: bigint;
  readonly sequence?: bigint;
  readonly gasFeeCap?: bigint;
  readonly gasPremium?: bigint;
}

export function message(world: TestWorld, m: MsgOptions): Message {
  return {
    version: 0n,
    from: m.from ?? world.senderAddress,
    to: m.to,
    sequence: m.sequence ?? 0n,
    value: m.value ?? 0n,
    gasLimit: m.gasLimit ?? 1_000_000_000n,
    gasFeeCap: m.gasFeeCap ?? 200n,
    gasPremium: m.gasPremium ?? 10n,
    method: m.method ?? 2n,
    params: m.params ?? new Uint8Array(0),
  };
}

/** Applies one explicit message on a fresh machine; returns the result, the machine and the new root. */
export function apply(world: TestWorld, m: MsgOptions, opts: RunOptions = {}): { ret: ApplyRet; machine: Machine; root: CID } {
  const machine = newMachine(world, opts);
  const exec = new Executor(machine);
  const msg = message(world, m);
  const ret = exec.applyMessage(msg, 'explicit', encodeMessage(msg).length);
  const root = exec.flush();
  return { ret, machine, root };
}

export { encodeCbor };
