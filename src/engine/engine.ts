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
// Memory limits. V8 cannot intercept memory.grow, so the limit is expressed as the memory's
// maximum: the engine rewrites the module's own memory into an import and creates it per
// instance with maximum = min(declared maximum, per-instance limit, what the call stack has
// left). The call-stack budget is fixed for an instance's whole life (its callers are
// suspended and its callees release their memory on return), so a grow past it returns -1
// exactly where the reference's limiter refuses it. Actual growth is recorded in the
// MemoryLimiter at every syscall and at the end of each call, before any child instance is
// sized.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CID } from 'multiformats/cid';
import type { Blockstore } from '../ipld/blockstore.js';
import { priceListByNetworkVersion } from '../gas/price-list.js';
import { type WasmGasPrices, growMemoryGas, initMemoryGas, initTableGas } from '../gas/wasm-prices.js';
import { GAS_COUNTER_MODULE, GAS_COUNTER_NAME, instrumentModule } from './instrument/index.js';
import { WasmValidationError } from './wasm/errors.js';
import { WASM_FEATURES_V3, WASM_FEATURES_V4, type WasmFeatures } from './wasm/features.js';
import { MAX_INSTANCE_MEMORY_BYTES, MAX_WASM_STACK, type MemoryLimiter, WASM_PAGE_BYTES } from './limits.js';

/** Bumped whenever the bytes stored in the disk cache could change meaning. */
export const ENGINE_CACHE_VERSION = 1;

/** Where the engine-owned linear memory is imported from after the rewrite. */
const MEMORY_IMPORT_MODULE = '__tsfvm';
const MEMORY_IMPORT_NAME = 'memory';
/** Export added so a trap from the stack limiter can be told apart from `unreachable`. */
const STACK_HEIGHT_EXPORT = '__tsfvm_stack_height';
/** Largest page count of a 32-bit memory. */
const MAX_PAGES_32 = 65536;
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
  /** Instantiation failed (limits, data segment out of bounds, start function trap). */
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
}

/** The engine configuration ref-fvm uses at network version `nv` (nv18 and later). */
export function engineConfigForNetworkVersion(nv: number): EngineConfig {
  // nv17 ran ref-fvm 2 (older instrumentation, free memory growth, no memory limiter):
  // priceListByNetworkVersion rejects it, and so do we.
  const prices = priceListByNetworkVersion(nv, { dev: true }).wasm;
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
// Module layout: just enough of the binary format to read limits and move the memory.

/** Initial and maximum size (pages or elements) a module declares. */
export interface DeclaredLimits {
  readonly min: number;
  readonly max: number | undefined;
}

interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

interface ModuleLayout {
  readonly sections: readonly Section[];
  readonly importedGlobals: number;
  readonly importedMemories: number;
  readonly importedTables: number;
  readonly memories: readonly DeclaredLimits[];
  readonly tables: readonly DeclaredLimits[];
  /** Index in the global index space of a global shaped like the stack limiter's, if any. */
  readonly stackHeightGlobal: number | undefined;
  readonly exports: ReadonlyArray<{ readonly name: string; readonly kind: number; readonly index: number }>;
}

class BinaryReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new Error(`unexpected end of section at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffff_ffff) throw new Error(`LEB128 u32 overflows at byte ${this.pos}`);
        return result;
      }
    }
    throw new Error(`LEB128 u32 too long at byte ${this.pos}`);
  }

  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return;
    throw new Error(`LEB128 too long at byte ${this.pos}`);
  }

  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new Error(`name runs past its section at byte ${this.pos}`);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  limits(what: string): DeclaredLimits {
    const flags = this.byte();
    if (flags > 1) {
      const feature = flags & 0x04 ? 'memory64' : flags & 0x02 ? 'shared memory (threads)' : `flags 0x${flags.toString(16)}`;
      throw new EngineError('invalid_wasm', `${what} uses ${feature}, which the FVM does not support`);
    }
    const min = this.u32();
    const max = flags === 1 ? this.u32() : undefined;
    return { min, max };
  }

  /** Skips a constant expression; returns its bytes. */
  constExpr(): Uint8Array {
    const from = this.pos;
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return this.bytes.subarray(from, this.pos);
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.skipLeb();
      else if (op === 0x43) this.pos += 4;
      else if (op === 0x44) this.pos += 8;
      else if (op === 0xd0) this.byte();
      else throw new Error(`unsupported opcode 0x${op.toString(16)} in a constant expression`);
    }
  }
}

function readLayout(bytes: Uint8Array): ModuleLayout {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('not a WebAssembly binary (bad magic)');
  }
  const sections: Section[] = [];
  const top = new BinaryReader(bytes, 8, bytes.length);
  while (top.pos < bytes.length) {
    const start = top.pos;
    const id = top.byte();
    const size = top.u32();
    const contentStart = top.pos;
    const end = contentStart + size;
    if (end > bytes.length) throw new Error(`section ${id} runs past the end of the module`);
    sections.push({ id, start, contentStart, end });
    top.pos = end;
  }

  let importedGlobals = 0;
  let importedMemories = 0;
  let importedTables = 0;
  const memories: DeclaredLimits[] = [];
  const tables: DeclaredLimits[] = [];
  const exports: Array<{ name: string; kind: number; index: number }> = [];
  let stackHeightGlobal: number | undefined;

  for (const s of sections) {
    const r = new BinaryReader(bytes, s.contentStart, s.end);
    switch (s.id) {
      case 2: {
        for (let n = r.u32(); n > 0; n--) {
          r.name();
          r.name();
          const kind = r.byte();
          if (kind === 0) r.u32();
          else if (kind === 1) {
            r.byte();
            r.limits('an imported table');
            importedTables++;
          } else if (kind === 2) {
            r.limits('an imported memory');
            importedMemories++;
          } else if (kind === 3) {
            r.byte();
            r.byte();
            importedGlobals++;
          } else throw new Error(`unknown import kind ${kind}`);
        }
        break;
      }
      case 4:
        for (let n = r.u32(); n > 0; n--) {
          r.byte();
          tables.push(r.limits('a table'));
        }
        break;
      case 5:
        for (let n = r.u32(); n > 0; n--) memories.push(r.limits('a memory'));
        break;
      case 6: {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          const valType = r.byte();
          const mutable = r.byte();
          const init = r.constExpr();
          // The stack limiter appends `(global (mut i32) (i32.const 0))` after the module's own.
          const looksLikeStackHeight =
            valType === 0x7f && mutable === 1 && init.length === 3 && init[0] === 0x41 && init[1] === 0;
          if (i === count - 1 && looksLikeStackHeight) stackHeightGlobal = importedGlobals + i;
        }
        break;
      }
      case 7:
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kind = r.byte();
          exports.push({ name, kind, index: r.u32() });
        }
        break;
      default:
        break;
    }
  }
  return { sections, importedGlobals, importedMemories, importedTables, memories, tables, stackHeightGlobal, exports };
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function nameBytes(s: string): number[] {
  const utf8 = new TextEncoder().encode(s);
  return [...leb(utf8.length), ...utf8];
}

function limitsBytes(l: DeclaredLimits): number[] {
  return l.max === undefined ? [0, ...leb(l.min)] : [1, ...leb(l.min), ...leb(l.max)];
}

/** Section order of the binary format (custom sections excluded). */
const SECTION_RANK: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

/**
 * Moves the module's own memory into an import (so the engine can create it with the limit it
 * needs) and exports the stack-height global; everything else is copied byte for byte. Memory
 * index 0 still names the same memory, so no code changes.
 */
function rewriteForHost(bytes: Uint8Array, layout: ModuleLayout): Uint8Array {
  const memory = layout.memories[0];
  const importEntry = memory
    ? [...nameBytes(MEMORY_IMPORT_MODULE), ...nameBytes(MEMORY_IMPORT_NAME), 0x02, ...limitsBytes(memory)]
    : [];
  const exportEntry =
    layout.stackHeightGlobal === undefined ? [] : [...nameBytes(STACK_HEIGHT_EXPORT), 0x03, ...leb(layout.stackHeightGlobal)];

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const section = (id: number, count: number, body: Uint8Array | number[]): void => {
    const content = new Uint8Array([...leb(count), ...body]);
    parts.push(new Uint8Array([id, ...leb(content.length)]), content);
  };
  const extend = (s: Section, extra: number[]): void => {
    const r = new BinaryReader(bytes, s.contentStart, s.end);
    const count = r.u32();
    section(s.id, count + 1, [...bytes.subarray(r.pos, s.end), ...extra]);
  };

  let importDone = importEntry.length === 0;
  let exportDone = exportEntry.length === 0;
  for (const s of layout.sections) {
    const rank = SECTION_RANK[s.id];
    if (!importDone && rank !== undefined && rank > SECTION_RANK[2]!) {
      section(2, 1, importEntry);
      importDone = true;
    }
    if (!exportDone && rank !== undefined && rank > SECTION_RANK[7]!) {
      section(7, 1, exportEntry);
      exportDone = true;
    }
    if (s.id === 2 && !importDone) {
      extend(s, importEntry);
      importDone = true;
    } else if (s.id === 5 && memory) {
      // dropped: the memory is now imported
    } else if (s.id === 7 && !exportDone) {
      extend(s, exportEntry);
      exportDone = true;
    } else {
      parts.push(bytes.subarray(s.start, s.end));
    }
  }
  if (!importDone) section(2, 1, importEntry);
  if (!exportDone) section(7, 1, exportEntry);

  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
  ) {}
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
      const key = bytesToHex(
        sha256(new TextEncoder().encode(bigintJson({ v: ENGINE_CACHE_VERSION, prices: c.prices, stack: c.maxWasmStack, features: c.features }))),
      ).slice(0, 16);
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
        compiled = this.compile(codeCid, wasm.length, fromDisk);
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
      compiled = this.compile(codeCid, wasm.length, instrumented);
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

  private compile(codeCid: CID, originalSize: number, instrumented: Uint8Array): CompiledModule {
    let layout: ModuleLayout;
    try {
      layout = readLayout(instrumented);
    } catch (err) {
      if (err instanceof EngineError) throw new EngineError(err.kind, err.reason, codeCid);
      throw new EngineError('internal', `cannot read instrumented module: ${errorMessage(err)}`, codeCid, { cause: err });
    }
    const cfg = this.config;
    if (layout.memories.length + layout.importedMemories > 1) {
      throw new EngineError('invalid_wasm', 'more than one memory (multi-memory is not supported)', codeCid);
    }
    if (layout.tables.length + layout.importedTables > 1) {
      throw new EngineError('invalid_wasm', 'more than one table', codeCid);
    }
    const maxPages = Math.min(cfg.maxInstanceMemoryBytes / WASM_PAGE_BYTES, cfg.features.maxMemoryPages);
    const memory = layout.memories[0];
    if (memory && memory.min > maxPages) {
      throw new EngineError('limit', `memory minimum of ${memory.min} pages exceeds the per-instance limit of ${maxPages} pages`, codeCid);
    }
    const table = layout.tables[0];
    // The instrumenter checks these limits too; the disk cache skips it, so check again here.
    if (table && table.min > cfg.features.maxTableElements) {
      throw new EngineError('limit', `table minimum of ${table.min} elements exceeds the limit of ${cfg.features.maxTableElements}`, codeCid);
    }
    const memoryExport = layout.exports.find((e) => e.name === 'memory' && e.kind === 2);
    const tableExport = layout.exports.find((e) => e.name === 'table' && e.kind === 1);

    const bytes = rewriteForHost(instrumented, layout);
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(plainBytes(bytes));
    } catch (err) {
      throw new EngineError('internal', `instrumented module does not compile: ${errorMessage(err)}`, codeCid, { cause: err });
    }
    this.stats.compiled++;

    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module === GAS_COUNTER_MODULE && imp.name === GAS_COUNTER_NAME) continue;
      if (imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME) continue;
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
      layout.stackHeightGlobal !== undefined,
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
   * 2. link: every import must be provided (a missing one is a fatal `link` error);
   * 3. put the tracker's available gas into the gas global;
   * 4. allocate the memory and table against the limiter, instantiate (data segments, start);
   * 5. charge the execution gas used by the start function ("wasm_exec").
   * A failure in 4 throws EngineError('instantiation') after step 5 (SYS_ILLEGAL_INSTRUCTION);
   * an out-of-gas charge throws the GasHost's own error.
   * Function imports are wrapped to synchronise gas around every syscall (see ActorInstance).
   */
  instantiate(module: CompiledModule, imports: WebAssembly.Imports, limiter: MemoryLimiter, gas: GasHost): ActorInstance {
    const cid = module.codeCid;
    if (module.exportedMemoryMinPages === undefined) {
      throw new EngineError('no_memory_export', 'actor has no memory export', cid);
    }
    const prices = this.config.prices;
    if (module.exportedTableMinElements !== undefined) {
      gas.charge('wasm_table_init', initTableGas(prices, module.exportedTableMinElements));
    }
    gas.charge('wasm_memory_init', initMemoryGas(prices, module.exportedMemoryMinPages * WASM_PAGE_BYTES));

    for (const imp of WebAssembly.Module.imports(module.module)) {
      if (imp.module === GAS_COUNTER_MODULE && imp.name === GAS_COUNTER_NAME) continue;
      if (imp.module === MEMORY_IMPORT_MODULE && imp.name === MEMORY_IMPORT_NAME) continue;
      const provided = imports[imp.module]?.[imp.name];
      if (typeof provided !== 'function') {
        throw new EngineError('link', `import ${imp.module}.${imp.name} is not provided`, cid);
      }
    }

    const inst = new ActorInstance(module, limiter, gas, this.config);
    const importObject = inst.wrapImports(imports);
    inst.updateGasAvailable();

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
        failure = new EngineError('instantiation', `failed to instantiate module: ${errorMessage(err)}`, cid, { cause: err });
      }
    }
    inst.chargeForExec();
    if (failure) throw failure;
    return inst;
  }
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

/** One instantiated actor module with its gas global, memory and limiter accounting. */
export class ActorInstance {
  readonly gasGlobal: WebAssembly.Global;
  private wasmInstance: WebAssembly.Instance | undefined;
  private linearMemory: WebAssembly.Memory | undefined;
  private memoryCap = 0;
  /** Bytes of this instance's memory already recorded in the limiter. */
  private accountedMemoryBytes = 0;
  /** Gas the global held when last set from the tracker. */
  private lastGasAvailable = 0n;
  /** Limiter usage when the global was last set. */
  private lastMemoryBytes = 0;
  private lastHostError: { readonly value: unknown } | undefined;

  constructor(
    readonly module: CompiledModule,
    readonly limiter: MemoryLimiter,
    readonly gas: GasHost,
    private readonly config: EngineConfig,
  ) {
    this.gasGlobal = new WebAssembly.Global({ value: 'i64', mutable: true }, 0n);
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

  /** @internal Used by Engine.instantiate. */
  wrapImports(imports: WebAssembly.Imports): WebAssembly.Imports {
    const out: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const [moduleName, namespace] of Object.entries(imports)) {
      const wrapped: Record<string, WebAssembly.ImportValue> = {};
      for (const [name, value] of Object.entries(namespace)) {
        wrapped[name] = typeof value === 'function' ? this.wrapSyscall(value as (...args: unknown[]) => unknown) : value;
      }
      out[moduleName] = wrapped;
    }
    out[GAS_COUNTER_MODULE] = { ...out[GAS_COUNTER_MODULE], [GAS_COUNTER_NAME]: this.gasGlobal };
    return out;
  }

  // ref-fvm charges the execution gas accrued so far before a syscall runs, and refills the
  // global from the tracker after it returns (also when it failed). Anything thrown is
  // remembered so classifyTrap can tell it from a trap.
  private wrapSyscall(fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
    return (...args: unknown[]): unknown => {
      try {
        this.chargeForExec();
        try {
          return fn(...args);
        } finally {
          this.updateGasAvailable();
        }
      } catch (err) {
        this.lastHostError = { value: err };
        throw err;
      }
    };
  }

  /** @internal Creates the memory and the WebAssembly instance. */
  link(importObject: WebAssembly.Imports, minPages: number): void {
    const m = this.module;
    if (m.memory) {
      const stackCap = minPages + Math.floor(this.limiter.remaining() / WASM_PAGE_BYTES);
      this.memoryCap = Math.min(m.memory.max ?? MAX_PAGES_32, this.config.maxInstanceMemoryBytes / WASM_PAGE_BYTES, stackCap);
      this.linearMemory = new WebAssembly.Memory({ initial: minPages, maximum: this.memoryCap });
      this.accountedMemoryBytes = minPages * WASM_PAGE_BYTES;
      importObject[MEMORY_IMPORT_MODULE] = { [MEMORY_IMPORT_NAME]: this.linearMemory };
    }
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

  /** Records memory growth since the last look in the limiter. */
  syncMemory(): void {
    if (!this.linearMemory) return;
    const bytes = this.linearMemory.buffer.byteLength;
    if (bytes <= this.accountedMemoryBytes) return;
    // The memory's maximum was sized from the limiter's budget, so this cannot fail unless
    // someone else used the budget behind our back.
    if (!this.limiter.growInstanceMemory(this.accountedMemoryBytes, bytes)) {
      throw new Error(`memory of ${this.module.codeCid.toString()} grew past the call stack limit: limiter out of sync`);
    }
    this.accountedMemoryBytes = bytes;
  }

  /** The execution gas accrued since the global was last set, without charging it. */
  pendingExecCharge(): ExecCharge {
    this.syncMemory();
    const left = this.getGasAvailable();
    // Negative means the metering trapped: charge everything plus the overshoot, so the
    // tracker runs out exactly as in the reference.
    let exec = left < 0n ? this.lastGasAvailable - left : this.lastGasAvailable > left ? this.lastGasAvailable - left : 0n;
    const grownBytes = Math.max(0, this.limiter.memoryUsed() - this.lastMemoryBytes);
    let memory = growMemoryGas(this.config.prices, grownBytes);
    if (memory <= exec) exec -= memory;
    else {
      memory = exec;
      exec = 0n;
    }
    return { execMilligas: exec, memoryMilligas: memory };
  }

  /** Charges the accrued execution gas to the tracker (ref-fvm `charge_for_exec`). */
  chargeForExec(): void {
    const { execMilligas, memoryMilligas } = this.pendingExecCharge();
    this.gas.charge('wasm_exec', execMilligas);
    if (memoryMilligas > 0n) this.gas.charge('wasm_memory_grow', memoryMilligas);
    // Charged: a second call before the global is refilled must not charge again.
    const left = this.getGasAvailable();
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
