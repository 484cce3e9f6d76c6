// Turns syscall definitions into WASM imports with the FVM calling convention:
// - every syscall returns an i32: 0 on success, else an ErrorNumber;
// - a syscall with a result takes an extra first parameter, the pointer the result is written
//   to (packed little-endian), checked before anything else happens;
// - "OnSyscall" gas is charged on every call (after the engine has charged the execution gas
//   accrued so far);
// - aborts (exit, out of gas, fatal) are thrown through the WASM frames as `Abort`.
import type { Kernel } from '../kernel/kernel.js';
import type { GasCharge } from '../gas/charge.js';
import type { PriceList } from '../gas/price-list.js';
import { FatalError, OutOfGasError, SyscallError } from '../kernel/errors.js';
import { ErrorNumber } from '../primitives/errnum.js';
import { type Cause, syscallCause } from '../call/backtrace.js';
import { Abort } from './abort.js';
import { Memory } from './memory.js';
import type { SyscallGasHost } from './gas-host.js';

/** WASM parameter kinds as the SDK declares them (u32/i32 are i32, u64/i64 are i64). */
export type ParamKind = 'u32' | 'i32' | 'u64' | 'i64';
export type ArgValue = number | bigint;

/**
 * What the binding needs of a kernel: charging "OnSyscall". Each kernel generation (the 2.x
 * KernelV2, the 3.x Kernel, ...) has its own import table over its own kernel class.
 */
export interface SyscallKernel {
  readonly callManager: { charge(charge: GasCharge): void; readonly priceList: PriceList };
}

/** What a syscall implementation sees. */
export interface SyscallContext<K extends SyscallKernel = Kernel> {
  readonly kernel: K;
  readonly memory: Memory;
}

export interface SyscallDef<K extends SyscallKernel = Kernel> {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ParamKind[];
  /** Size in bytes of the result written through the out-pointer; 0 when there is none. */
  readonly resultSize: number;
  /** Returns the encoded result (exactly resultSize bytes), or nothing for resultSize 0. */
  readonly run: (ctx: SyscallContext<K>, args: readonly ArgValue[]) => Uint8Array | void;
}

/** The empty memory syscalls see while a module is instantiated; it cannot grow, so one is shared. */
let placeholderMemory: Memory | undefined;

/** Per-instance state shared by all syscalls of one invocation. */
export class InvocationData<K extends SyscallKernel = Kernel> {
  /** The last syscall error; it becomes the backtrace cause if the actor then aborts. */
  lastError: Cause | undefined;
  /** Reads the instance's gas global (for the return-pointer quirk). */
  readGasGlobal: (() => bigint) | undefined;
  private instanceMemory: WebAssembly.Memory | undefined;
  // One wrapper and one context per memory, reused by every syscall of the instance.
  private context: SyscallContext<K> | undefined;

  constructor(
    readonly kernel: K,
    readonly gasHost: SyscallGasHost,
  ) {}

  /** The instance's memory; absent while the module is being instantiated (start function). */
  get wasmMemory(): WebAssembly.Memory | undefined {
    return this.instanceMemory;
  }

  set wasmMemory(memory: WebAssembly.Memory | undefined) {
    this.instanceMemory = memory;
    this.context = undefined;
  }

  memory(): Memory {
    return this.syscallContext().memory;
  }

  /** What a syscall implementation is handed. */
  syscallContext(): SyscallContext<K> {
    let ctx = this.context;
    if (ctx === undefined) {
      // During instantiation ref-fvm hands syscalls an empty placeholder memory.
      const memory = this.instanceMemory !== undefined ? new Memory(this.instanceMemory) : (placeholderMemory ??= new Memory(new WebAssembly.Memory({ initial: 0, maximum: 0 })));
      ctx = { kernel: this.kernel, memory };
      this.context = ctx;
    }
    return ctx;
  }
}

function convertArg(kind: ParamKind, raw: unknown, where: string): ArgValue {
  switch (kind) {
    case 'u32':
      return (raw as number) >>> 0;
    case 'i32':
      return (raw as number) | 0;
    case 'u64':
      return BigInt.asUintN(64, raw as bigint);
    case 'i64':
      return BigInt.asIntN(64, raw as bigint);
    default:
      throw new Error(`${where}: unknown parameter kind ${String(kind)}`);
  }
}

/** Escalates a kernel failure that is not a syscall error into an abort. */
export function toAbort(err: unknown): unknown {
  if (err instanceof Abort) return err;
  if (err instanceof OutOfGasError) return Abort.outOfGas();
  if (err instanceof FatalError) return Abort.fatal(err.message, err);
  // Anything else is a host fault; it propagates untouched.
  return err;
}

/** One import function for `def`, bound to the invocation `data`. */
export function bindSyscall<K extends SyscallKernel>(def: SyscallDef<K>, data: InvocationData<K>): (...raw: unknown[]) => number {
  const where = `${def.module}::${def.name}`;
  const hasResult = def.resultSize > 0;
  const params = def.params;
  const paramCount = params.length;
  // "OnSyscall" is a constant of the price list: built once per list, not per call.
  let chargedList: PriceList | undefined;
  let onSyscall: GasCharge | undefined;
  return (...raw: unknown[]): number => {
    const kernel = data.kernel;
    const callManager = kernel.callManager;
    try {
      const list = callManager.priceList;
      if (list !== chargedList || onSyscall === undefined) {
        onSyscall = list.onSyscall();
        chargedList = list;
      }
      callManager.charge(onSyscall);
    } catch (err) {
      // A syscall error here would be a bug: the reference escalates it as fatal.
      if (err instanceof SyscallError) throw Abort.fatal(`unexpected syscall error: ${err.message}`, err);
      throw toAbort(err);
    }
    const ctx = data.syscallContext();
    const memory = ctx.memory;
    let retPtr = 0;
    if (hasResult) {
      retPtr = (raw[0] as number) >>> 0;
      const length = memory.length;
      if (retPtr > length || length - retPtr < def.resultSize) {
        data.lastError = syscallCause(def.module, def.name, ErrorNumber.IllegalArgument, 'no space for return value');
        // ref-fvm returns here without refreshing the gas global.
        if (data.readGasGlobal !== undefined) data.gasHost.holdAfterSyscall(data.readGasGlobal());
        return ErrorNumber.IllegalArgument;
      }
    }
    // The rest array is this call's own: convert it in place into the arguments array.
    const offset = hasResult ? 1 : 0;
    const args = raw as ArgValue[];
    for (let i = 0; i < paramCount; i++) args[i] = convertArg(params[i]!, raw[i + offset], where);
    args.length = paramCount;
    try {
      const out = def.run(ctx, args);
      if (hasResult) {
        if (!(out instanceof Uint8Array) || out.length !== def.resultSize) {
          throw new Error(`${where} produced a result of the wrong size`);
        }
        memory.write(retPtr, out);
      }
      data.lastError = undefined;
      return 0;
    } catch (err) {
      if (err instanceof SyscallError) {
        data.lastError = syscallCause(def.module, def.name, err.errno, err.message);
        return err.errno;
      }
      throw toAbort(err);
    }
  };
}

/** The import object for a set of syscall definitions. */
export function bindSyscalls<K extends SyscallKernel>(defs: readonly SyscallDef<K>[], data: InvocationData<K>): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const def of defs) {
    const ns = (imports[def.module] ??= {});
    ns[def.name] = bindSyscall(def, data);
  }
  return imports;
}

// ---- little-endian encoders for results --------------------------------------------------
// Each allocates only the result bytes (no DataView or intermediate arrays): results are
// built on every syscall.

function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

// setBigUint64 wraps to 64 bits itself; a scratch view spares a DataView per value.
const scratchBytes = new Uint8Array(8);
const scratchView = new DataView(scratchBytes.buffer);

function putU64(out: Uint8Array, at: number, v: bigint): void {
  scratchView.setBigUint64(0, v, true);
  out.set(scratchBytes, at);
}

export function encU32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, v >>> 0);
  return b;
}

export function encI32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, v | 0);
  return b;
}

export function encU64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  putU64(b, 0, v);
  return b;
}

type PackField = readonly ['u32' | 'i32', number] | readonly ['u64' | 'i64', bigint] | readonly ['bytes', Uint8Array];

function fieldSize(field: PackField): number {
  switch (field[0]) {
    case 'u32':
    case 'i32':
      return 4;
    case 'u64':
    case 'i64':
      return 8;
    case 'bytes':
      return field[1].length;
  }
}

/** Packs fields into one buffer: [kind, value] pairs in order. */
export function pack(fields: ReadonlyArray<PackField>): Uint8Array {
  let size = 0;
  for (const f of fields) size += fieldSize(f);
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of fields) {
    switch (f[0]) {
      case 'u32':
        putU32(out, at, f[1] >>> 0);
        break;
      case 'i32':
        putU32(out, at, f[1] | 0);
        break;
      case 'u64':
      case 'i64':
        putU64(out, at, f[1]);
        break;
      case 'bytes':
        out.set(f[1], at);
        break;
    }
    at += fieldSize(f);
  }
  return out;
}

const U128_MAX = (1n << 128n) - 1n;

/** A token amount as the ABI's {lo: u64, hi: u64}; amounts outside u128 are fatal. */
export function encTokenAmount(v: bigint, what: string): Uint8Array {
  if (v < 0n || v > U128_MAX) throw new FatalError(`${what} exceeds u128 limit: ${v}`);
  return pack([
    ['u64', v & 0xffff_ffff_ffff_ffffn],
    ['u64', v >> 64n],
  ]);
}
