// Engine: turns actor code into runnable WASM instances the way ref-fvm's engine does.
//
// load: validate → instrument (stack limiter, then gas metering, with the network's prices) →
// check the pooling limits (initial memory, table elements) → compile once per code CID.
// instantiate: charge the initial table and memory, link the syscall imports, create the
// gas global ("gas"."gas_counter", in milligas) and the linear memory, run the start function,
// charge the execution gas. Every syscall import is wrapped so the gas global and the host
// gas tracker are synchronised around it exactly as ref-fvm does: execution gas is charged
// before the syscall runs, and the global is refilled from the tracker after it returns.
//
// Memory and table limits. V8 cannot intercept memory.grow or table.grow, so each limit is
// expressed as a maximum: the instrumenter moves the module's own memory and table into imports,
// and the engine creates them per instance with maximum = min(declared maximum, per-instance
// limit, what the call stack has left: pages of 64 KiB, table elements of 8 bytes). The
// call-stack budget is fixed for an instance's whole life (its callers are suspended and its
// callees release their memory on return), so a grow past it returns -1 exactly where the
// reference's limiter refuses it. Actual growth is recorded in the MemoryLimiter at every
// syscall and at the end of each call, before any child instance is sized.
//
// Instantiation failures. Only what the reference's instantiation can fail with becomes an
// EngineError: a trap (start function, data or element segment), a limit, a link error, and a
// kernel abort thrown by a syscall the start function calls (when the caller says which errors
// those are). Anything else thrown while instantiating (a host bug in a syscall, a host
// allocation failure, the host stack running out) is rethrown unchanged: a host fault, never a
// receipt.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { priceListByNetworkVersion } from '../gas/price-list.js';
import { type WasmGasPrices, growMemoryGas, initMemoryGas, initTableGas } from '../gas/wasm-prices.js';
import { GAS_COUNTER_MODULE, GAS_COUNTER_NAME, INSTRUMENTATION_VERSION, instrumentModule } from './instrument/index.js';
import { type FunctionImport, type ImportSignatures, importSignatureMismatch } from './link.js';
import { decodeModule } from './wasm/decode.js';
import { WasmValidationError } from './wasm/errors.js';
import { WASM_FEATURES_V2, WASM_FEATURES_V3, WASM_FEATURES_V4, type WasmFeatures } from './wasm/features.js';
import { MAX_INSTANCE_MEMORY_BYTES, MAX_WASM_STACK, type MemoryLimiter, TABLE_ELEMENT_BYTES, WASM_PAGE_BYTES } from './limits.js';

/**
 * Bumped whenever the bytes stored in the disk cache could change meaning through the engine's
 * own choices (the instrumenter's are covered by INSTRUMENTATION_VERSION, also in the key).
 */
export const ENGINE_CACHE_VERSION = 3;

/** Where the instrumented module imports its own linear memory and table from (the engine creates them). */
const MEMORY_IMPORT_MODULE = '__tsfvm';
const MEMORY_IMPORT_NAME = 'memory';
const TABLE_IMPORT_NAME = 'table';
/** Export added so a trap from the stack limiter can be told apart from `unreachable`. */
const STACK_HEIGHT_EXPORT = '__tsfvm_stack_height';
/** Largest page count of a 32-bit memory. */
const MAX_PAGES_32 = 65536;
/** Largest element count of a table (a u32). */
const MAX_TABLE_ELEMENTS_32 = 0xffff_ffff;
const I64_MAX = 0x7fff_ffff_ffff_ffffn;

// ---------------------------------------------------------------------------------------------
// Errors

export type EngineErrorKind =
  /** Malformed module, or one using a feature the FVM forbids (SIMD, threads, …). */
  | 'invalid_wasm'
  /** Declares more initial memory or table elements than an instance may have. */
  | 'limit'
  /** Imports something the host does not provide. ref-fvm treats this as fatal. */
  | 'link'
  /** No code block for the CID. */
  | 'missing_code'
  /** The module exports no "memory". ref-fvm treats this as fatal. */
  | 'no_memory_export'
  /** Instantiation failed (limits, segment out of bounds, start function trap or kernel abort). */
  | 'instantiation'
  /** The instrumenter failed unexpectedly or produced bytes V8 rejects: a bug of ours. */
  | 'internal';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly kind: EngineErrorKind,
    /** What went wrong, without the CID. */
    readonly reason: string,
    readonly codeCid?: CID,
    options?: { cause?: unknown },
  ) {
    super(`${kind}${codeCid ? ` (code ${codeCid.toString()})` : ''}: ${reason}`, options);
  }
}

/**
 * An instance's memory and table grew, between two points where the engine looks, by more than
 * the call stack's budget holds together. Each alone stayed within its maximum, but the
 * reference would have refused whichever grew second: the outcome cannot be reproduced, so it
 * is a host fault rather than a guess. Reachable only when an instance's callers already hold
 * nearly the whole budget (≥ 1.5 GiB).
 */
export class MemoryBudgetError extends Error {
  override readonly name = 'MemoryBudgetError';
}

// ---------------------------------------------------------------------------------------------
// Configuration

export interface EngineConfig {
  /** Prices the gas metering charges; also used for the init and memory-growth charges. */
  readonly prices: WasmGasPrices;
  /** Stack-limiter bound, in value-stack slots (ref-fvm `max_wasm_stack`). */
  readonly maxWasmStack: number;
  /** Per-instance memory ceiling in bytes; a multiple of the page size. */
  readonly maxInstanceMemoryBytes: number;
  /** WASM proposals and load-time limits (initial table and memory) of the reference's engine. */
  readonly features: WasmFeatures;
  /**
   * ref-fvm 2.x (nv17) instantiation: no "wasm_table_init"/"wasm_memory_init" charges, the
   * gas global holds 0 while the module is instantiated, and no execution charge follows.
   */
  readonly refFvm2?: boolean;
}

/** ref-fvm 2 has no memory limiter: an instance may grow to the 32-bit maximum (4 GiB). */
const MAX_INSTANCE_MEMORY_BYTES_V2 = 65536 * 65536;

/** The engine configuration ref-fvm uses at network version `nv` (nv17 and later). */
export function engineConfigForNetworkVersion(nv: number): EngineConfig {
  const prices = priceListByNetworkVersion(nv, { dev: true }).wasm;
  if (nv === 17) {
    // ref-fvm 2: fvm-wasm-instrument 0.2 rules (carried by the skyr prices), parity-wasm's
    // feature set, no memory limiter, the 2.x instantiation sequence.
    return {
      prices,
      maxWasmStack: MAX_WASM_STACK,
      maxInstanceMemoryBytes: MAX_INSTANCE_MEMORY_BYTES_V2,
      features: WASM_FEATURES_V2,
      refFvm2: true,
    };
  }
  return {
    prices,
    maxWasmStack: MAX_WASM_STACK,
    maxInstanceMemoryBytes: MAX_INSTANCE_MEMORY_BYTES,
    // ref-fvm 3 (Wasmtime 12) disables reference types and pools 10 000 table elements;
    // ref-fvm 4 enables reference types and sets 20 000.
    features: nv >= 21 ? WASM_FEATURES_V4 : WASM_FEATURES_V3,
  };
}

export interface EngineOptions {
  readonly config: EngineConfig;
  /** Directory for instrumented bytes, keyed by code CID and instrumentation version. */
  readonly cacheDir?: string;
  /** When given, loading rejects modules importing a function this does not allow. */
  readonly allowImport?: (module: string, name: string) => boolean;
  /** Where `preload` and `loadFromBlockstore` find code when none is passed. */
  readonly blockstore?: Blockstore;
}

/** What the host's gas tracker must offer (GasTracker satisfies it). */
export interface GasHost {
  /** Milligas still available. */
  readonly availableMilligas: bigint;
  /** Charges milligas under a name; throws (e.g. OutOfGasError) when it does not fit. */
  charge(name: string, milligas: bigint): void;
}

// ---------------------------------------------------------------------------------------------
// Module layout: what the engine needs to know of an instrumented module.

/** Initial and maximum size (pages or elements) a module declares. */
export interface DeclaredLimits {
  readonly min: number;
  readonly max: number | undefined;
}

interface ModuleLayout {
  /** The module's own memory, which the instrumenter moved into an import from the engine. */
  readonly memory: DeclaredLimits | undefined;
  /** The module's own table, likewise moved into an import from the engine. */
  readonly table: DeclaredLimits | undefined;
  /** Memories the module imports itself. */
  readonly importedMemories: number;
  /** Tables the module imports itself. */
  readonly importedTables: number;
  readonly exports: ReadonlyArray<{ readonly name: string; readonly kind: number }>;
  /** Function imports with their declared types (V8 cannot tell us these). */
  readonly functionImports: readonly FunctionImport[];
}

function readLayout(bytes: Uint8Array): ModuleLayout {
  const m = decodeModule(bytes);
  let memory: DeclaredLimits | undefined;
  let table: DeclaredLimits | undefined;
  let importedMemories = 0;
  let importedTables = 0;
  const functionImports: FunctionImport[] = [];
  for (const imp of m.imports) {
    if (imp.desc.kind === 0) {
      const type = m.types[imp.desc.type];
      if (type === undefined) throw new Error(`import ${imp.module}.${imp.name} refers to missing type ${imp.desc.type}`);
      functionImports.push({ module: imp.module, name: imp.name, type });
    }
    if (imp.desc.kind === 1) {
      if (imp.module === MEMORY_IMPORT_MODULE && imp.name === TABLE_IMPORT_NAME) table = { min: imp.desc.table.limits.min, max: imp.desc.table.limits.max };
      else importedTables++;
    }
    if (imp.desc.kind !== 2) continue;
    if (imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME) memory = { min: imp.desc.memory.min, max: imp.desc.memory.max };
    else importedMemories++;
  }
  // A memory left in the module would escape the engine's limits.
  if (m.memories.length > 0) throw new Error('the module defines its memory instead of importing it from the engine');
  if (m.tables.length > 0) throw new Error('the module defines its table instead of importing it from the engine');
  return { memory, table, importedMemories, importedTables, exports: m.exports, functionImports };
}

// ---------------------------------------------------------------------------------------------
// Compiled modules

export class CompiledModule {
  constructor(
    readonly codeCid: CID,
    readonly module: WebAssembly.Module,
    /** Size of the code as stored on chain. */
    readonly originalSize: number,
    /** Bytes produced by the instrumenter (what the disk cache stores). */
    readonly instrumented: Uint8Array,
    /** The module's own memory, if it defines one. */
    readonly memory: DeclaredLimits | undefined,
    /** Initial size of the "memory" export, which ref-fvm charges for; undefined if none. */
    readonly exportedMemoryMinPages: number | undefined,
    /** Initial elements of the module's table (0 if none): counted against the memory budget. */
    readonly tableMinElements: number,
    /** Initial elements of the "table" export, which ref-fvm charges for; undefined if none. */
    readonly exportedTableMinElements: number | undefined,
    readonly hasStackHeightExport: boolean,
    /** The module's function imports and their declared types. */
    readonly functionImports: readonly FunctionImport[] = [],
    /** The module's own table, if it defines one (the engine creates it per instance). */
    readonly table: DeclaredLimits | undefined = undefined,
  ) {}

  // Verdicts of the signature check, per host table (one table per kernel generation).
  private readonly linkVerdicts = new WeakMap<ImportSignatures, string | null>();

  /**
   * Why this module's imports do not have the types `host` gives them, or undefined when they
   * all do. Computed once per host table.
   */
  signatureMismatch(host: ImportSignatures): string | undefined {
    let verdict = this.linkVerdicts.get(host);
    if (verdict === undefined) {
      verdict = importSignatureMismatch(this.functionImports, host) ?? null;
      this.linkVerdicts.set(host, verdict);
    }
    return verdict ?? undefined;
  }
}

export interface EngineStats {
  /** Modules run through the instrumenter. */
  instrumented: number;
  /** Modules compiled by V8. */
  compiled: number;
  /** `load` calls answered from memory. */
  memoryHits: number;
  /** Modules whose instrumented bytes came from the disk cache. */
  diskHits: number;
  /** Instrumented modules written to the disk cache. */
  diskWrites: number;
  /** Disk cache writes that failed (the module is still loaded; only the cache is missed). */
  diskWriteErrors: number;
}

function bigintJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v.toString()}n` : v));
}

/** V8's compile APIs take only views of a plain ArrayBuffer. */
function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Engine

export class Engine {
  readonly config: EngineConfig;
  readonly stats: EngineStats = {
    instrumented: 0,
    compiled: 0,
    memoryHits: 0,
    diskHits: 0,
    diskWrites: 0,
    diskWriteErrors: 0,
  };
  private readonly modules = new Map<string, CompiledModule>();
  private readonly cacheDir: string | undefined;
  private readonly allowImport: ((module: string, name: string) => boolean) | undefined;
  private readonly blockstore: Blockstore | undefined;

  constructor(options: EngineOptions) {
    const c = options.config;
    if (!Number.isInteger(c.maxWasmStack) || c.maxWasmStack <= 0 || c.maxWasmStack > 0x7fff_ffff) {
      throw new RangeError(`maxWasmStack must be a positive i32, got ${c.maxWasmStack}`);
    }
    if (!Number.isSafeInteger(c.maxInstanceMemoryBytes) || c.maxInstanceMemoryBytes % WASM_PAGE_BYTES !== 0) {
      throw new RangeError(`maxInstanceMemoryBytes ${c.maxInstanceMemoryBytes} is not a multiple of the page size`);
    }
    this.config = c;
    this.allowImport = options.allowImport;
    this.blockstore = options.blockstore;
    if (options.cacheDir !== undefined) {
      const identity = {
        v: ENGINE_CACHE_VERSION,
        instrumentation: INSTRUMENTATION_VERSION,
        prices: c.prices,
        stack: c.maxWasmStack,
        features: c.features,
      };
      const key = bytesToHex(sha256(new TextEncoder().encode(bigintJson(identity)))).slice(0, 16);
      this.cacheDir = join(options.cacheDir, `engine-v${ENGINE_CACHE_VERSION}-${key}`);
    }
  }

  /** The compiled module for a code CID, if already loaded. */
  get(codeCid: CID): CompiledModule | undefined {
    return this.modules.get(codeCid.toString());
  }

  /**
   * Validates, instruments and compiles `wasm` as the code of `codeCid`, once: later calls with
   * the same CID return the same module (the bytes are not looked at again).
   */
  load(codeCid: CID, wasm: Uint8Array): CompiledModule {
    const key = codeCid.toString();
    const cached = this.modules.get(key);
    if (cached) {
      this.stats.memoryHits++;
      return cached;
    }
    let compiled: CompiledModule | undefined;
    const fromDisk = this.readDiskCache(key);
    if (fromDisk) {
      try {
        compiled = this.compile(codeCid, wasm.length, fromDisk, false);
        this.stats.diskHits++;
      } catch (err) {
        // A damaged or stale cache entry is rebuilt; a genuine problem with the code shows
        // up again below, with the reason the instrumenter gives.
        if (!(err instanceof EngineError) || err.kind === 'internal') this.dropDiskCache(key);
        else throw err;
      }
    }
    if (!compiled) {
      const instrumented = this.instrument(codeCid, wasm);
      compiled = this.compile(codeCid, wasm.length, instrumented, true);
      this.writeDiskCache(key, instrumented);
    }
    this.modules.set(key, compiled);
    return compiled;
  }

  /** Loads a code CID's module, reading the code from a blockstore when not yet loaded. */
  loadFromBlockstore(codeCid: CID, blockstore: Blockstore | undefined = this.blockstore): CompiledModule {
    const cached = this.get(codeCid);
    if (cached) {
      this.stats.memoryHits++;
      return cached;
    }
    if (!blockstore) throw new EngineError('missing_code', 'no blockstore to read actor code from', codeCid);
    const wasm = blockstore.get(codeCid);
    if (wasm === undefined) throw new EngineError('missing_code', 'no wasm bytecode in blockstore', codeCid);
    return this.load(codeCid, wasm);
  }

  /** Loads every code CID (e.g. the builtin actors); returns the total on-chain code size. */
  preload(codeCids: Iterable<CID>, blockstore: Blockstore | undefined = this.blockstore): number {
    let total = 0;
    for (const cid of codeCids) total += this.loadFromBlockstore(cid, blockstore).originalSize;
    return total;
  }

  private instrument(codeCid: CID, wasm: Uint8Array): Uint8Array {
    if (!WebAssembly.validate(plainBytes(wasm))) {
      let reason = 'not a valid WebAssembly module';
      try {
        new WebAssembly.Module(plainBytes(wasm));
      } catch (err) {
        reason = errorMessage(err);
      }
      throw new EngineError('invalid_wasm', reason, codeCid);
    }
    let out: Uint8Array;
    try {
      out = instrumentModule(wasm, {
        prices: this.config.prices,
        maxStackHeight: this.config.maxWasmStack,
        gasModule: GAS_COUNTER_MODULE,
        features: this.config.features,
        importMemory: { module: MEMORY_IMPORT_MODULE, name: MEMORY_IMPORT_NAME },
        importTable: { module: MEMORY_IMPORT_MODULE, name: TABLE_IMPORT_NAME },
        exportStackHeight: STACK_HEIGHT_EXPORT,
        // V8 has validated the input (types included): compile() checks the output.
        verifyOutput: false,
      });
    } catch (err) {
      if (err instanceof WasmValidationError) {
        throw new EngineError('invalid_wasm', err.message, codeCid, { cause: err });
      }
      throw new EngineError('internal', `instrumentation failed: ${errorMessage(err)}`, codeCid, { cause: err });
    }
    this.stats.instrumented++;
    return out;
  }

  /**
   * Compiles instrumented bytes: `fresh` ones just came from the instrumenter, the others from
   * the disk cache (where a failure is the cache's, 'internal', and the entry is rebuilt).
   */
  private compile(codeCid: CID, originalSize: number, instrumented: Uint8Array, fresh: boolean): CompiledModule {
    // V8 first: it names what is wrong with bytes the instrumenter grew past a limit.
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(plainBytes(instrumented));
    } catch (err) {
      // The input passed V8's validation, so this is the instrumentation's doing (a body grown
      // past an implementation limit, or a bug): refused as the instrumenter's check would.
      if (fresh) throw new EngineError('invalid_wasm', `instrumented module is not valid: ${errorMessage(err)}`, codeCid, { cause: err });
      throw new EngineError('internal', `instrumented module does not compile: ${errorMessage(err)}`, codeCid, { cause: err });
    }
    let layout: ModuleLayout;
    try {
      layout = readLayout(instrumented);
    } catch (err) {
      throw new EngineError('internal', `cannot read instrumented module: ${errorMessage(err)}`, codeCid, { cause: err });
    }
    const cfg = this.config;
    const memory = layout.memory;
    if ((memory ? 1 : 0) + layout.importedMemories > 1) {
      throw new EngineError('invalid_wasm', 'more than one memory (multi-memory is not supported)', codeCid);
    }
    if ((layout.table ? 1 : 0) + layout.importedTables > 1) {
      throw new EngineError('invalid_wasm', 'more than one table', codeCid);
    }
    const maxPages = Math.min(cfg.maxInstanceMemoryBytes / WASM_PAGE_BYTES, cfg.features.maxMemoryPages);
    if (memory && memory.min > maxPages) {
      throw new EngineError('limit', `memory minimum of ${memory.min} pages exceeds the per-instance limit of ${maxPages} pages`, codeCid);
    }
    const table = layout.table;
    // The instrumenter checks these limits too; the disk cache skips it, so check again here.
    if (table && table.min > cfg.features.maxTableElements) {
      throw new EngineError('limit', `table minimum of ${table.min} elements exceeds the limit of ${cfg.features.maxTableElements}`, codeCid);
    }
    const memoryExport = layout.exports.find((e) => e.name === 'memory' && e.kind === 2);
    const tableExport = layout.exports.find((e) => e.name === 'table' && e.kind === 1);

    this.stats.compiled++;

    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module === GAS_COUNTER_MODULE && imp.name === GAS_COUNTER_NAME) continue;
      if (imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME && imp.kind === 'memory') continue;
      if (imp.module === MEMORY_IMPORT_MODULE && imp.name === TABLE_IMPORT_NAME && imp.kind === 'table') continue;
      if (imp.kind !== 'function') {
        throw new EngineError('link', `imports a ${imp.kind} ${imp.module}.${imp.name}; only syscall functions may be imported`, codeCid);
      }
      if (this.allowImport && !this.allowImport(imp.module, imp.name)) {
        throw new EngineError('link', `unknown import ${imp.module}.${imp.name}`, codeCid);
      }
    }

    return new CompiledModule(
      codeCid,
      module,
      originalSize,
      instrumented,
      memory,
      memoryExport && layout.importedMemories === 0 ? memory?.min : undefined,
      table?.min ?? 0,
      tableExport && layout.importedTables === 0 ? table?.min : undefined,
      layout.exports.some((e) => e.name === STACK_HEIGHT_EXPORT && e.kind === 3),
      layout.functionImports,
      table,
    );
  }

  private diskPath(key: string): string | undefined {
    return this.cacheDir === undefined ? undefined : join(this.cacheDir, `${key}.wasm`);
  }

  private readDiskCache(key: string): Uint8Array | undefined {
    const file = this.diskPath(key);
    if (file === undefined || !existsSync(file)) return undefined;
    try {
      return new Uint8Array(readFileSync(file));
    } catch {
      return undefined;
    }
  }

  private dropDiskCache(key: string): void {
    const file = this.diskPath(key);
    if (file !== undefined) rmSync(file, { force: true });
  }

  private writeDiskCache(key: string, bytes: Uint8Array): void {
    const file = this.diskPath(key);
    if (file === undefined || this.cacheDir === undefined) return;
    // Write then rename, so a crash never leaves a truncated entry under the final name. The
    // cache only saves time: failing to write it must not fail the load.
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(this.cacheDir, { recursive: true });
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
      this.stats.diskWrites++;
    } catch {
      this.stats.diskWriteErrors++;
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more to clean up
      }
    }
  }

  /**
   * Instantiates a loaded module for one invocation, as ref-fvm does:
   * 1. charge "wasm_table_init" (if a "table" is exported) and "wasm_memory_init" for the
   *    exported memory's initial size;
   * 2. link: every import must be provided, with the type `signatures` gives it when given
   *    (Wasmtime's linker checks both; a missing or mistyped import is a fatal `link` error);
   * 3. put the tracker's available gas into the gas global;
   * 4. allocate the memory and table against the limiter, instantiate (data segments, start);
   * 5. charge the execution gas used by the start function ("wasm_exec").
   * A failure in 4 the reference's instantiation can have (a limit, a trap, a kernel abort
   * thrown by a syscall, see InstantiateOptions) throws EngineError('instantiation') after
   * step 5 (SYS_ILLEGAL_INSTRUCTION); a V8 LinkError is EngineError('link'). Anything else
   * thrown in 4 (a host bug, a host allocation failure, the host stack running out) is
   * rethrown unchanged, at once. An out-of-gas charge throws the GasHost's own error.
   * Function imports are wrapped to synchronise gas around every syscall (see ActorInstance).
   */
  instantiate(
    module: CompiledModule,
    imports: WebAssembly.Imports,
    limiter: MemoryLimiter,
    gas: GasHost,
    signatures?: ImportSignatures,
    options: InstantiateOptions = {},
  ): ActorInstance {
    const cid = module.codeCid;
    if (module.exportedMemoryMinPages === undefined) {
      throw new EngineError('no_memory_export', 'actor has no memory export', cid);
    }
    const prices = this.config.prices;
    const refFvm2 = this.config.refFvm2 === true;
    if (!refFvm2 && module.exportedTableMinElements !== undefined) {
      gas.charge('wasm_table_init', initTableGas(prices, module.exportedTableMinElements));
    }
    if (!refFvm2) gas.charge('wasm_memory_init', initMemoryGas(prices, module.exportedMemoryMinPages * WASM_PAGE_BYTES));

    // Only function imports remain to link: compile() refused any other kind but the engine's
    // gas global, memory and table.
    for (const imp of module.functionImports) {
      const provided = imports[imp.module]?.[imp.name];
      if (typeof provided !== 'function') {
        throw new EngineError('link', `import ${imp.module}.${imp.name} is not provided`, cid);
      }
    }
    // V8 would accept any JS function for any function import: the types are checked here.
    const mismatch = signatures === undefined ? undefined : module.signatureMismatch(signatures);
    if (mismatch !== undefined) throw new EngineError('link', mismatch, cid);

    const inst = new ActorInstance(module, limiter, gas, this.config);
    const importObject = inst.wrapImports(imports);
    // ref-fvm 2 sets the gas global only after instantiation: a metered start function traps.
    if (refFvm2) inst.setGasAvailable(0n);
    else inst.updateGasAvailable();

    let failure: EngineError | undefined;
    const minPages = module.memory?.min ?? 0;
    if (!limiter.growInstanceMemory(0, minPages * WASM_PAGE_BYTES)) {
      failure = new EngineError('instantiation', `initial memory of ${minPages} pages exceeds the call stack's memory limit`, cid);
    } else if (!limiter.growInstanceTable(0, module.tableMinElements)) {
      failure = new EngineError('instantiation', `initial table of ${module.tableMinElements} elements exceeds the call stack's memory limit`, cid);
    } else {
      try {
        inst.link(importObject, minPages);
      } catch (err) {
        failure = instantiationFailure(err, inst, options.isKernelAbort);
      }
    }
    if (!refFvm2) inst.chargeForExec();
    if (failure) throw failure;
    return inst;
  }
}

/** How `Engine.instantiate` judges what a syscall called by the start function throws. */
export interface InstantiateOptions {
  /**
   * Whether an error thrown by a syscall is the kernel's own way of ending an invocation (an
   * exit, out of gas, a reference-fatal condition). The reference fails the instantiation on
   * any of those (SYS_ILLEGAL_INSTRUCTION, whatever the abort was), so they become
   * EngineError('instantiation'). The engine does not know the kernel's error classes: without
   * this, everything a syscall throws is taken for a host fault and rethrown unchanged. The
   * host stack running out and MemoryBudgetError are host faults whatever this says.
   */
  readonly isKernelAbort?: (err: unknown) => boolean;
}

/**
 * The EngineError a failed instantiation becomes, as the reference's would fail; throws `err`
 * itself when it is a host fault (see Engine.instantiate).
 */
function instantiationFailure(err: unknown, inst: ActorInstance, isKernelAbort: ((err: unknown) => boolean) | undefined): EngineError {
  const cid = inst.module.codeCid;
  if (inst.threwFromHost(err)) {
    const hostFault = isStackExhaustion(err) || err instanceof MemoryBudgetError;
    if (!hostFault && isKernelAbort !== undefined && isKernelAbort(err)) {
      return new EngineError('instantiation', `a syscall aborted the start function: ${errorMessage(err)}`, cid, { cause: err });
    }
    throw err;
  }
  if (err instanceof WebAssembly.RuntimeError) {
    return new EngineError('instantiation', `failed to instantiate module: ${errorMessage(err)}`, cid, { cause: err });
  }
  // Every import was checked before: V8 refusing one is our own linking gone wrong.
  if (err instanceof WebAssembly.LinkError) throw new EngineError('link', `failed to link module: ${errorMessage(err)}`, cid, { cause: err });
  if (err instanceof WebAssembly.CompileError) throw new EngineError('internal', `compiled module refused at instantiation: ${errorMessage(err)}`, cid, { cause: err });
  throw err;
}

// ---------------------------------------------------------------------------------------------
// Instances

export type TrapKind =
  /** The gas counter went negative. */
  | 'out_of_gas'
  /** The stack limiter's bound was hit, or V8's own stack ran out. */
  | 'stack_overflow'
  /** unreachable, division by zero, out-of-bounds access, bad indirect call, … */
  | 'illegal_instruction'
  /** Something thrown by a host import (a syscall abort, a host bug): the caller decides. */
  | 'host_error';

export type ExecOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly trap: TrapKind; readonly error: unknown };

/** Execution gas to charge after WASM ran, split like ref-fvm's "wasm_exec"/"wasm_memory_grow". */
export interface ExecCharge {
  readonly execMilligas: bigint;
  readonly memoryMilligas: bigint;
}

function isStackExhaustion(err: unknown): boolean {
  return err instanceof RangeError && /maximum call stack size exceeded/i.test(err.message);
}

/** A host import as the engine sees it. */
type SyscallFunction = (...args: unknown[]) => unknown;

/** Largest import arity wrapped without a rest-parameter array. */
const MAX_FIXED_ARITY = 12;

/** Calls `fn` with exactly its first `n` arguments (as WASM would have), without an array. */
function invokeFixed(
  fn: SyscallFunction,
  n: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
  a3: unknown,
  a4: unknown,
  a5: unknown,
  a6: unknown,
  a7: unknown,
  a8: unknown,
  a9: unknown,
  a10: unknown,
  a11: unknown,
): unknown {
  switch (n) {
    case 0: return fn();
    case 1: return fn(a0);
    case 2: return fn(a0, a1);
    case 3: return fn(a0, a1, a2);
    case 4: return fn(a0, a1, a2, a3);
    case 5: return fn(a0, a1, a2, a3, a4);
    case 6: return fn(a0, a1, a2, a3, a4, a5);
    case 7: return fn(a0, a1, a2, a3, a4, a5, a6);
    case 8: return fn(a0, a1, a2, a3, a4, a5, a6, a7);
    case 9: return fn(a0, a1, a2, a3, a4, a5, a6, a7, a8);
    case 10: return fn(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    case 11: return fn(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    default: return fn(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
  }
}

/** One instantiated actor module with its gas global, memory and limiter accounting. */
export class ActorInstance {
  readonly gasGlobal: WebAssembly.Global;
  private wasmInstance: WebAssembly.Instance | undefined;
  private linearMemory: WebAssembly.Memory | undefined;
  private memoryCap = 0;
  /** Bytes of this instance's memory already recorded in the limiter. */
  private accountedMemoryBytes = 0;
  private wasmTable: WebAssembly.Table | undefined;
  private tableCap = 0;
  /** Elements of this instance's table already recorded in the limiter. */
  private accountedTableElements = 0;
  /** Gas the global held when last set from the tracker. */
  private lastGasAvailable = 0n;
  /** Limiter usage when the global was last set. */
  private lastMemoryBytes = 0;
  private lastHostError: { readonly value: unknown } | undefined;
  /** Memory-growth price of zero bytes (a constant of the prices). */
  private readonly noGrowthMilligas: bigint;

  constructor(
    readonly module: CompiledModule,
    readonly limiter: MemoryLimiter,
    readonly gas: GasHost,
    private readonly config: EngineConfig,
  ) {
    this.gasGlobal = new WebAssembly.Global({ value: 'i64', mutable: true }, 0n);
    this.noGrowthMilligas = growMemoryGas(config.prices, 0);
  }

  get instance(): WebAssembly.Instance {
    if (!this.wasmInstance) throw new Error(`instance of ${this.module.codeCid.toString()} is not linked`);
    return this.wasmInstance;
  }

  get exports(): WebAssembly.Exports {
    return this.instance.exports;
  }

  /** The actor's linear memory (the "memory" export). */
  get memory(): WebAssembly.Memory {
    if (!this.linearMemory) throw new Error(`instance of ${this.module.codeCid.toString()} has no memory`);
    return this.linearMemory;
  }

  /** Pages this instance's memory may grow to: per-instance and call-stack limits applied. */
  get maxMemoryPages(): number {
    return this.memoryCap;
  }

  /** The module's own table (created by the engine), if it defines one. */
  get table(): WebAssembly.Table | undefined {
    return this.wasmTable;
  }

  /** Elements this instance's table may grow to: declared, per-table and call-stack limits applied. */
  get maxTableElements(): number {
    return this.tableCap;
  }

  /** @internal Whether `err` is what a host import (syscall) of this instance last threw. */
  threwFromHost(err: unknown): boolean {
    return this.lastHostError !== undefined && this.lastHostError.value === err;
  }

  /** @internal Used by Engine.instantiate. */
  wrapImports(imports: WebAssembly.Imports): WebAssembly.Imports {
    const arities = new Map<string, number>();
    for (const f of this.module.functionImports) arities.set(`${f.module}\u0000${f.name}`, f.type.params.length);
    const out: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const [moduleName, namespace] of Object.entries(imports)) {
      const wrapped: Record<string, WebAssembly.ImportValue> = {};
      for (const [name, value] of Object.entries(namespace)) {
        if (typeof value !== 'function') {
          wrapped[name] = value;
          continue;
        }
        const arity = arities.get(`${moduleName}\u0000${name}`) ?? Infinity;
        wrapped[name] = this.wrapSyscall(value as SyscallFunction, arity);
      }
      out[moduleName] = wrapped;
    }
    out[GAS_COUNTER_MODULE] = { ...out[GAS_COUNTER_MODULE], [GAS_COUNTER_NAME]: this.gasGlobal };
    return out;
  }

  // ref-fvm charges the execution gas accrued so far before a syscall runs, and refills the
  // global from the tracker after it returns (also when it failed). Anything thrown is
  // remembered so classifyTrap can tell it from a trap.
  //
  // Every syscall crossing goes through here, so the wrapper takes fixed parameters (no rest
  // array per call) when the import's arity is small enough; WASM passes exactly that many.
  private wrapSyscall(fn: SyscallFunction, arity: number): SyscallFunction {
    if (arity > MAX_FIXED_ARITY) {
      return (...args: unknown[]): unknown => {
        this.enterSyscall();
        try {
          return fn(...args);
        } catch (err) {
          this.lastHostError = { value: err };
          throw err;
        } finally {
          this.leaveSyscall();
        }
      };
    }
    return (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown): unknown => {
      this.enterSyscall();
      try {
        return invokeFixed(fn, arity, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
      } catch (err) {
        this.lastHostError = { value: err };
        throw err;
      } finally {
        this.leaveSyscall();
      }
    };
  }

  /** Charges the execution gas before a syscall; what it throws is a host error. */
  private enterSyscall(): void {
    try {
      this.chargeForExec();
    } catch (err) {
      this.lastHostError = { value: err };
      throw err;
    }
  }

  /** Refills the gas global after a syscall (it ran or threw); what this throws is a host error. */
  private leaveSyscall(): void {
    try {
      this.updateGasAvailable();
    } catch (err) {
      this.lastHostError = { value: err };
      throw err;
    }
  }

  /**
   * @internal Creates the memory, the table and the WebAssembly instance. The initial memory
   * and table are already in the limiter: what it has left is what both may grow into.
   */
  link(importObject: WebAssembly.Imports, minPages: number): void {
    const m = this.module;
    const host: Record<string, WebAssembly.ImportValue> = {};
    const remaining = this.limiter.remaining();
    if (m.memory) {
      const stackCap = minPages + Math.floor(remaining / WASM_PAGE_BYTES);
      this.memoryCap = Math.min(m.memory.max ?? MAX_PAGES_32, this.config.maxInstanceMemoryBytes / WASM_PAGE_BYTES, stackCap);
      this.linearMemory = new WebAssembly.Memory({ initial: minPages, maximum: this.memoryCap });
      this.accountedMemoryBytes = minPages * WASM_PAGE_BYTES;
      host[MEMORY_IMPORT_NAME] = this.linearMemory;
    }
    if (m.table) {
      // As the reference's pool sizes a table slot: min(declared maximum, elements per table);
      // its limiter then refuses a growth past the call stack's budget at 8 bytes an element.
      // Either refusal makes table.grow return -1.
      const stackCap = m.table.min + Math.floor(remaining / TABLE_ELEMENT_BYTES);
      this.tableCap = Math.min(m.table.max ?? MAX_TABLE_ELEMENTS_32, this.config.features.maxTableElements, stackCap, MAX_TABLE_ELEMENTS_32);
      this.wasmTable = new WebAssembly.Table({ element: 'anyfunc', initial: m.table.min, maximum: this.tableCap });
      this.accountedTableElements = m.table.min;
      host[TABLE_IMPORT_NAME] = this.wasmTable;
    }
    if (m.memory || m.table) importObject[MEMORY_IMPORT_MODULE] = host;
    this.wasmInstance = new WebAssembly.Instance(m.module, importObject);
  }

  /** Milligas left in the gas global (negative after an out-of-gas trap). */
  getGasAvailable(): bigint {
    return this.gasGlobal.value as bigint;
  }

  /** Puts `milligas` into the gas global and starts a new execution-charge interval. */
  setGasAvailable(milligas: bigint): void {
    if (milligas < 0n || milligas > I64_MAX) throw new RangeError(`available milligas ${milligas} is not within [0, i64::MAX]`);
    this.syncMemory();
    this.gasGlobal.value = milligas;
    this.lastGasAvailable = milligas;
    this.lastMemoryBytes = this.limiter.memoryUsed();
  }

  /** Refills the gas global from the tracker (ref-fvm `update_gas_available`). */
  updateGasAvailable(): void {
    this.setGasAvailable(this.gas.availableMilligas);
  }

  /** Records memory and table growth since the last look in the limiter. */
  syncMemory(): void {
    const bytes = this.linearMemory ? this.linearMemory.buffer.byteLength : 0;
    const elements = this.wasmTable ? this.wasmTable.length : 0;
    const grownBytes = Math.max(0, bytes - this.accountedMemoryBytes);
    const grownElements = Math.max(0, elements - this.accountedTableElements);
    if (grownBytes === 0 && grownElements === 0) return;
    // Each maximum was sized from the limiter's budget, so either growth alone fits; both
    // together may not, and the reference would have refused the later one.
    const needed = grownBytes + grownElements * TABLE_ELEMENT_BYTES;
    const available = this.limiter.remaining();
    if (needed > available) {
      throw new MemoryBudgetError(
        `memory (+${grownBytes} bytes) and table (+${grownElements} elements) of ${this.module.codeCid.toString()} together grew ` +
          `past the ${available} bytes the call stack had left; which growth the reference refuses cannot be told`,
      );
    }
    if (!this.limiter.growInstanceMemory(this.accountedMemoryBytes, Math.max(bytes, this.accountedMemoryBytes))) {
      throw new Error(`memory of ${this.module.codeCid.toString()} grew past the call stack limit: limiter out of sync`);
    }
    if (!this.limiter.growInstanceTable(this.accountedTableElements, Math.max(elements, this.accountedTableElements))) {
      throw new Error(`table of ${this.module.codeCid.toString()} grew past the call stack limit: limiter out of sync`);
    }
    this.accountedMemoryBytes = Math.max(bytes, this.accountedMemoryBytes);
    this.accountedTableElements = Math.max(elements, this.accountedTableElements);
  }

  /** The execution gas accrued since the global was last set, without charging it. */
  pendingExecCharge(): ExecCharge {
    this.syncMemory();
    const exec = this.accruedMilligas(this.getGasAvailable());
    const memory = this.memoryGrowthMilligas(exec);
    return { execMilligas: exec - memory, memoryMilligas: memory };
  }

  /** Milligas spent since the global was set, given what it holds now (`left`). */
  private accruedMilligas(left: bigint): bigint {
    // Negative means the metering trapped: charge everything plus the overshoot, so the
    // tracker runs out exactly as in the reference.
    const last = this.lastGasAvailable;
    return left < 0n || last > left ? last - left : 0n;
  }

  /** The part of `accrued` that pays for memory growth since the global was set (at most all of it). */
  private memoryGrowthMilligas(accrued: bigint): bigint {
    const grownBytes = this.limiter.memoryUsed() - this.lastMemoryBytes;
    // Nothing grew (the usual case): the price of zero bytes, computed once.
    const memory = grownBytes > 0 ? growMemoryGas(this.config.prices, grownBytes) : this.noGrowthMilligas;
    return memory <= accrued ? memory : accrued;
  }

  /** Charges the accrued execution gas to the tracker (ref-fvm `charge_for_exec`). */
  chargeForExec(): void {
    this.syncMemory();
    const left = this.gasGlobal.value as bigint;
    const accrued = this.accruedMilligas(left);
    const memory = this.memoryGrowthMilligas(accrued);
    this.gas.charge('wasm_exec', accrued - memory);
    if (memory > 0n) this.gas.charge('wasm_memory_grow', memory);
    // Charged: a second call before the global is refilled must not charge again. Charging
    // does not touch the global, so what it held above is what it holds now.
    this.lastGasAvailable = left < 0n ? 0n : left;
    this.lastMemoryBytes = this.limiter.memoryUsed();
  }

  /** Current value of the stack limiter's height counter, if the module exposes it. */
  stackHeight(): number | undefined {
    const g = this.wasmInstance?.exports[STACK_HEIGHT_EXPORT];
    return g instanceof WebAssembly.Global ? (g.value as number) : undefined;
  }

  /** What kind of failure `err`, thrown out of this instance's code, is. */
  classifyTrap(err: unknown): TrapKind {
    if (isStackExhaustion(err)) return 'stack_overflow';
    if (this.lastHostError !== undefined && this.lastHostError.value === err) return 'host_error';
    if (this.getGasAvailable() < 0n) return 'out_of_gas';
    if (err instanceof WebAssembly.RuntimeError) {
      const height = this.stackHeight();
      return height !== undefined && height > this.config.maxWasmStack ? 'stack_overflow' : 'illegal_instruction';
    }
    return 'host_error';
  }

  /**
   * Calls an exported function with the tracker's gas, then charges what it used. A trap is
   * returned, classified; the charge's own out-of-gas error (the usual end of an out-of-gas
   * trap) is thrown, as ref-fvm's `charge_for_exec` fails before the trap is looked at.
   */
  call(name: string, args: readonly unknown[] = []): ExecOutcome {
    const fn = this.exports[name];
    if (typeof fn !== 'function') {
      throw new EngineError('link', `no exported function "${name}"`, this.module.codeCid);
    }
    this.lastHostError = undefined;
    this.updateGasAvailable();
    let value: unknown;
    let error: unknown;
    let failed = false;
    try {
      value = (fn as (...a: unknown[]) => unknown)(...args);
    } catch (err) {
      failed = true;
      error = err;
    }
    const trap = failed ? this.classifyTrap(error) : undefined;
    this.chargeForExec();
    if (trap === undefined) return { ok: true, value };
    return { ok: false, trap, error };
  }
}

/** Puts `milligas` into an instance's gas global (see ActorInstance.setGasAvailable). */
export function setGasAvailable(instance: ActorInstance, milligas: bigint): void {
  instance.setGasAvailable(milligas);
}

/** Milligas left in an instance's gas global; negative after an out-of-gas trap. */
export function getGasAvailable(instance: ActorInstance): bigint {
  return instance.getGasAvailable();
}

/** Classifies an error thrown out of an instance's code. */
export function classifyTrap(err: unknown, instance: ActorInstance): TrapKind {
  return instance.classifyTrap(err);
}
