// Installing user actor code (the FVM's M2 "native actors" path, which ref-fvm keeps behind its
// `m2-native` feature): the WASM is checked the way the machine will load it, then stored as a
// raw block (codec 0x55, blake2b-256) so that the init actor's Exec can create actors from its
// CID. Installation happens outside any message, like loading a bundle: the code block goes to
// the base store at once, and it becomes part of the state (reachable through the actors' code
// links) when an actor is created from it.
//
// A module is refused, with the reason, when it is not valid WASM or uses a feature the FVM
// disables, when it imports anything but the syscalls of the machine's generation (with their
// exact signatures), when it has a start function (the FVM instantiates with no gas available,
// so it would trap on every call), when it lacks the `invoke(i32) -> i32` or `memory` exports,
// or when the engine cannot instrument and compile it.
import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { cidOf, RAW } from '../ipld/cbor.js';
import { type Engine, EngineError } from '../engine/engine.js';
import { decodeModule } from '../engine/wasm/decode.js';
import { checkImports } from '../engine/wasm/imports.js';
import { WasmValidationError } from '../engine/wasm/errors.js';
import { ExternalKind, type FuncType, sameFuncType, ValType, type WasmModule } from '../engine/wasm/types.js';
import { describeFuncType, type ImportSignatures, importSignatureMismatch } from '../engine/link.js';
import { type KernelGeneration, versionProfile } from '../machine/context.js';
import type { Machine } from '../machine/machine.js';
import { syscallSignatures } from '../syscalls/signatures.js';
import { SYSCALLS_V2 } from '../syscalls/v2.js';
import { SYSCALLS_V3 } from '../syscalls/v3.js';
import { SYSCALLS_V4 } from '../syscalls/v4.js';

export class ActorInstallError extends Error {
  override readonly name = 'ActorInstallError';
  constructor(
    /** Why the module was refused, without the CID. */
    readonly reason: string,
    /** The CID the code would have had. */
    readonly codeCid: CID | undefined,
    options?: { cause?: unknown },
  ) {
    super(`cannot install actor code${codeCid ? ` ${codeCid.toString()}` : ''}: ${reason}`, options);
  }
}

/** Where code is installed: the store that holds the state and the engine that will run it. */
export interface InstallTarget {
  /** The base store (a machine's write-back buffer would drop the block on flush). */
  readonly blockstore: Blockstore;
  readonly engine: Engine;
  /** Selects the syscall table the imports are checked against. */
  readonly networkVersion: number;
}

export interface InstalledActorCode {
  /** The code CID to pass to the init actor's Exec. */
  readonly codeCid: CID;
  /** Size of the WASM module in bytes. */
  readonly size: number;
  /** True when the store already had this code (installing is idempotent). */
  readonly alreadyInstalled: boolean;
  /** The syscalls the module imports, as "module::name". */
  readonly imports: readonly string[];
}

/** The code CID of a WASM module: blake2b-256 over the bytes, codec raw. */
export function actorCodeCid(wasm: Uint8Array): CID {
  return cidOf(wasm, RAW);
}

/** The install target of a machine: its base store, its engine and its network version. */
export function machineInstallTarget(machine: Machine): InstallTarget {
  return { blockstore: machine.blockstore.base, engine: machine.engine, networkVersion: machine.context.networkVersion };
}

/** The syscalls of a generation with the function type each must be imported with. */
function hostSignatures(generation: KernelGeneration): ImportSignatures {
  switch (generation) {
    case 'v2':
      return syscallSignatures(SYSCALLS_V2);
    case 'v3':
      return syscallSignatures(SYSCALLS_V3);
    case 'v4':
      return syscallSignatures(SYSCALLS_V4);
  }
}

/** The entrypoint: params block handle in, return block handle out. */
const INVOKE_TYPE: FuncType = { params: [ValType.i32], results: [ValType.i32] };

/** Checks what the machine needs of an actor module beyond valid WASM; throws the reason. */
function checkActorModule(mod: WasmModule, generation: KernelGeneration): string[] {
  const host = hostSignatures(generation);
  checkImports(mod, (module, name, type) => {
    if (host.get(module, name) === undefined) return false;
    // The machine's linker would refuse the module at instantiation; say so now, with both types.
    const mismatch = importSignatureMismatch([{ module, name, type }], host);
    if (mismatch !== undefined) throw new WasmValidationError(mismatch);
    return true;
  });
  if (mod.start !== undefined) {
    throw new WasmValidationError('the module has a start function, which the FVM cannot run (instantiation has no gas)');
  }
  const invoke = mod.exports.find((e) => e.name === 'invoke');
  if (invoke === undefined || invoke.kind !== ExternalKind.func) {
    throw new WasmValidationError('an actor must export a function "invoke" (params block handle -> return block handle)');
  }
  const importedFuncs = mod.imports.filter((i) => i.desc.kind === 0).length;
  const invokeType = invoke.index < importedFuncs ? undefined : mod.types[mod.functions[invoke.index - importedFuncs] ?? -1];
  if (invokeType === undefined || !sameFuncType(invokeType, INVOKE_TYPE)) {
    const actual = invokeType ? `, not ${describeFuncType(invokeType)}` : '';
    throw new WasmValidationError(`"invoke" must have the type ${describeFuncType(INVOKE_TYPE)}${actual}`);
  }
  if (!mod.exports.some((e) => e.name === 'memory' && e.kind === ExternalKind.memory)) {
    throw new WasmValidationError('an actor must export its linear memory as "memory"');
  }
  return mod.imports.map((i) => `${i.module}::${i.name}`);
}

/**
 * Validates `wasm` as actor code for the target's network version, compiles it in the target's
 * engine and stores it. Throws ActorInstallError (with the reason) for a module the machine
 * would refuse; installing the same code twice is harmless.
 */
export function installActorCode(target: InstallTarget, wasm: Uint8Array): InstalledActorCode {
  if (!(wasm instanceof Uint8Array) || wasm.length === 0) throw new ActorInstallError('the module is empty', undefined);
  const codeCid = actorCodeCid(wasm);
  const generation = versionProfile(target.networkVersion).generation;
  let imports: string[];
  try {
    imports = checkActorModule(decodeModule(wasm), generation);
  } catch (err) {
    if (err instanceof WasmValidationError) throw new ActorInstallError(err.message, codeCid, { cause: err });
    throw err;
  }
  try {
    // Validates the features the network enables, instruments and compiles (once per CID).
    target.engine.load(codeCid, wasm);
  } catch (err) {
    if (err instanceof EngineError) throw new ActorInstallError(`${err.kind}: ${err.reason}`, codeCid, { cause: err });
    throw err;
  }
  const alreadyInstalled = target.blockstore.has(codeCid);
  if (!alreadyInstalled) target.blockstore.put(codeCid, wasm);
  return { codeCid, size: wasm.length, alreadyInstalled, imports };
}
