// Decodes a module's sections into the IR. Checks the binary structure (magic, version,
// section order and sizes, vector counts, encodings of every entry); instruction-level checks
// are done by validateFeatures and the instrumentation passes.
import { WasmValidationError } from './errors.js';
import { ByteReader } from './reader.js';
import {
  SECTION_ORDER,
  SectionId,
  type ConstExpr,
  type CustomSection,
  type DataSegment,
  type ElementSegment,
  type Export,
  type ExternalKind,
  type FuncType,
  type FunctionBody,
  type Global,
  type GlobalType,
  type Import,
  type ImportDesc,
  type Limits,
  type LocalGroup,
  type SectionRecord,
  type SegmentMode,
  type TableType,
  type ValType,
  type WasmModule,
} from './types.js';

/** Implementation limits of the engines (the JS API's, which wasmparser's do not undercut). */
export const WasmLimits = {
  types: 1_000_000,
  functions: 1_000_000,
  imports: 100_000,
  exports: 100_000,
  globals: 1_000_000,
  elementSegments: 100_000,
  dataSegments: 100_000,
  memoryPages: 65_536,
  stringBytes: 100_000,
  functionBodyBytes: 7_654_321,
  functionLocals: 50_000,
  functionParams: 1_000,
  functionResults: 1_000,
  tableEntries: 10_000_000,
} as const;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];

function count(r: ByteReader, what: string, max: number): number {
  const at = r.pos;
  const n = r.u32(`${what} count`);
  if (n > max) r.fail(`too many ${what} (${n}, limit ${max})`, at);
  // Every entry takes at least one byte: a larger count cannot be honest.
  if (n > r.end - r.pos) r.fail(`${what} count ${n} exceeds the section size`, at);
  return n;
}

function valType(r: ByteReader, what: string): ValType {
  const at = r.pos;
  const t = r.u8();
  if (t === 0x7f || t === 0x7e || t === 0x7d || t === 0x7c || t === 0x7b || t === 0x70 || t === 0x6f) return t;
  return r.fail(`invalid value type 0x${t.toString(16)} in ${what}`, at);
}

function refType(r: ByteReader, what: string): ValType {
  const at = r.pos;
  const t = r.u8();
  if (t === 0x70 || t === 0x6f) return t;
  return r.fail(`invalid reference type 0x${t.toString(16)} in ${what}`, at);
}

function limits(r: ByteReader, what: string, maxFlags: number): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags > maxFlags) r.fail(`invalid limits flags 0x${flags.toString(16)} in ${what}`, at);
  if (flags & 0x04) r.fail(`64-bit ${what} needs memory64, which is disabled`, at);
  if (flags & 0x08) r.fail(`custom page sizes in ${what} are disabled`, at);
  const min = r.u32(`${what} minimum`);
  const max = flags & 0x01 ? r.u32(`${what} maximum`) : undefined;
  if (max !== undefined && max < min) r.fail(`${what} maximum ${max} is below its minimum ${min}`, at);
  return { min, max, flags };
}

function tableType(r: ByteReader): TableType {
  const element = refType(r, 'table type');
  return { element, limits: limits(r, 'table', 0x01) };
}

function memoryType(r: ByteReader): Limits {
  const at = r.pos;
  const l = limits(r, 'memory', 0x0f);
  if (l.flags & 0x02) r.fail('shared memory needs threads, which are disabled', at);
  if (l.min > WasmLimits.memoryPages || (l.max !== undefined && l.max > WasmLimits.memoryPages)) {
    r.fail(`memory size exceeds ${WasmLimits.memoryPages} pages (4 GiB)`, at);
  }
  return l;
}

function globalType(r: ByteReader): GlobalType {
  const type = valType(r, 'global type');
  const at = r.pos;
  const m = r.u8();
  if (m > 1) r.fail(`invalid global mutability 0x${m.toString(16)}`, at);
  return { type, mutable: m === 1 };
}

/**
 * Reads a constant expression up to and including its `end`. Only the single-instruction forms
 * without extended-const are accepted: `t.const`, `global.get`, `ref.null`, `ref.func`.
 */
function constExpr(r: ByteReader, what: string): ConstExpr {
  const start = r.pos;
  const op = r.u8();
  switch (op) {
    case 0x41: r.s32(what); break;
    case 0x42: r.skipS64(what); break;
    case 0x43: r.skip(4, what); break;
    case 0x44: r.skip(8, what); break;
    case 0x23: r.u32(what); break;
    case 0xd0: refType(r, what); break;
    case 0xd2: r.u32(what); break;
    case 0x0b: r.fail(`empty constant expression in ${what}`, start);
    default: r.fail(`${what} is not a constant expression the FVM accepts (extended-const is disabled)`, start);
  }
  const endAt = r.pos;
  if (r.u8() !== 0x0b) r.fail(`${what}: constant expression must be a single instruction followed by end (extended-const is disabled)`, endAt);
  return r.bytes.subarray(start, r.pos);
}

function readTypes(r: ByteReader): FuncType[] {
  const n = count(r, 'types', WasmLimits.types);
  const out: FuncType[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) r.fail(`type ${i} is not a function type (form 0x${form.toString(16)}; GC types are disabled)`, at);
    const np = count(r, 'parameters', WasmLimits.functionParams);
    const params: ValType[] = [];
    for (let j = 0; j < np; j++) params.push(valType(r, `type ${i}`));
    const nr = count(r, 'results', WasmLimits.functionResults);
    const results: ValType[] = [];
    for (let j = 0; j < nr; j++) results.push(valType(r, `type ${i}`));
    out.push({ params, results });
  }
  return out;
}

function readImports(r: ByteReader): Import[] {
  const n = count(r, 'imports', WasmLimits.imports);
  const out: Import[] = [];
  for (let i = 0; i < n; i++) {
    const module = r.name('import module name');
    const name = r.name('import name');
    const at = r.pos;
    const kind = r.u8();
    let desc: ImportDesc;
    switch (kind) {
      case 0: desc = { kind: 0, type: r.u32('import type index') }; break;
      case 1: desc = { kind: 1, table: tableType(r) }; break;
      case 2: desc = { kind: 2, memory: memoryType(r) }; break;
      case 3: desc = { kind: 3, global: globalType(r) }; break;
      case 4: r.fail(`import ${module}.${name} is a tag: exception handling is disabled`, at);
      default: r.fail(`import ${module}.${name} has invalid kind 0x${kind.toString(16)}`, at);
    }
    out.push({ module, name, desc });
  }
  return out;
}

function readFunctions(r: ByteReader): number[] {
  const n = count(r, 'functions', WasmLimits.functions);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.u32('function type index');
  return out;
}

function readGlobals(r: ByteReader): Global[] {
  const n = count(r, 'globals', WasmLimits.globals);
  const out: Global[] = [];
  for (let i = 0; i < n; i++) {
    const type = globalType(r);
    out.push({ type, init: constExpr(r, `initializer of global ${i}`) });
  }
  return out;
}

function readExports(r: ByteReader): Export[] {
  const n = count(r, 'exports', WasmLimits.exports);
  const out: Export[] = [];
  const names = new Set<string>();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const name = r.name('export name');
    if (names.has(name)) r.fail(`duplicate export name "${name}"`, at);
    names.add(name);
    const kindAt = r.pos;
    const kind = r.u8();
    if (kind > 3) r.fail(`export "${name}" has invalid or disabled kind 0x${kind.toString(16)}`, kindAt);
    out.push({ name, kind: kind as ExternalKind, index: r.u32('export index') });
  }
  return out;
}

function readElements(r: ByteReader): ElementSegment[] {
  const n = count(r, 'element segments', WasmLimits.elementSegments);
  const out: ElementSegment[] = [];
  for (let i = 0; i < n; i++) {
    const what = `element segment ${i}`;
    const at = r.pos;
    const flags = r.u32(`${what} flags`);
    if (flags > 7) r.fail(`${what} has invalid flags ${flags}`, at);
    let mode: SegmentMode;
    if (flags & 0x01) {
      mode = flags & 0x02 ? { kind: 'declared' } : { kind: 'passive' };
    } else {
      const index = flags & 0x02 ? r.u32(`${what} table index`) : 0;
      mode = { kind: 'active', index, offset: constExpr(r, `offset of ${what}`) };
    }
    const usesExprs = (flags & 0x04) !== 0;
    let type: ValType = 0x70;
    if (flags & 0x03) {
      // An explicit element kind (flags 1..3) or reference type (5..7) follows.
      if (usesExprs) type = refType(r, what);
      else {
        const kAt = r.pos;
        if (r.u8() !== 0x00) r.fail(`${what} has an invalid element kind`, kAt);
      }
    }
    const len = count(r, `${what} items`, WasmLimits.tableEntries);
    if (usesExprs) {
      const exprs: ConstExpr[] = [];
      for (let j = 0; j < len; j++) exprs.push(constExpr(r, `item ${j} of ${what}`));
      out.push({ flags, mode, type, functions: undefined, exprs });
    } else {
      const functions: number[] = new Array(len);
      for (let j = 0; j < len; j++) functions[j] = r.u32('element function index');
      out.push({ flags, mode, type, functions, exprs: undefined });
    }
  }
  return out;
}

function readCode(r: ByteReader): FunctionBody[] {
  const n = count(r, 'function bodies', WasmLimits.functions);
  const out: FunctionBody[] = [];
  for (let i = 0; i < n; i++) {
    const sizeAt = r.pos;
    const size = r.u32('function body size');
    if (size > WasmLimits.functionBodyBytes) r.fail(`function body ${i} is ${size} bytes; the limit is ${WasmLimits.functionBodyBytes}`, sizeAt);
    const start = r.pos;
    r.skip(size, `function body ${i}`);
    const body = new ByteReader(r.bytes, start, r.pos);
    const groups = body.u32('local declaration count');
    const locals: LocalGroup[] = [];
    let total = 0;
    for (let j = 0; j < groups; j++) {
      const at = body.pos;
      const c = body.u32('local count');
      total += c;
      if (total > WasmLimits.functionLocals) body.fail(`function body ${i} declares more than ${WasmLimits.functionLocals} locals`, at);
      locals.push({ count: c, type: valType(body, `locals of function body ${i}`) });
    }
    if (body.pos >= body.end) body.fail(`function body ${i} has no instructions (missing end)`, start);
    out.push({ locals, code: r.bytes.subarray(body.pos, body.end), raw: r.bytes.subarray(start, body.end) });
  }
  return out;
}

function readData(r: ByteReader): DataSegment[] {
  const n = count(r, 'data segments', WasmLimits.dataSegments);
  const out: DataSegment[] = [];
  for (let i = 0; i < n; i++) {
    const what = `data segment ${i}`;
    const at = r.pos;
    const flags = r.u32(`${what} flags`);
    let mode: SegmentMode;
    if (flags === 1) mode = { kind: 'passive' };
    else if (flags === 0 || flags === 2) {
      const index = flags === 2 ? r.u32(`${what} memory index`) : 0;
      mode = { kind: 'active', index, offset: constExpr(r, `offset of ${what}`) };
    } else r.fail(`${what} has invalid flags ${flags}`, at);
    const len = r.u32(`${what} length`);
    out.push({ flags, mode, bytes: r.take(len, what) });
  }
  return out;
}

/** Decodes a module. Throws WasmValidationError naming the problem and its byte offset. */
export function decodeModule(bytes: Uint8Array): WasmModule {
  if (!(bytes instanceof Uint8Array)) throw new WasmValidationError('module bytes must be a Uint8Array');
  if (bytes.length < 8) throw new WasmValidationError(`module is ${bytes.length} bytes: too short for a WASM header`, 0);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw new WasmValidationError('not a WASM module (bad magic number)', 0);
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== VERSION[i]) throw new WasmValidationError('unsupported WASM binary version (only version 1 modules are accepted)', 4);

  const r = new ByteReader(bytes, 8);
  const sections: SectionRecord[] = [];
  let types: FuncType[] = [];
  let imports: Import[] = [];
  let functions: number[] = [];
  let tables: TableType[] = [];
  let memories: Limits[] = [];
  let globals: Global[] = [];
  let exports: Export[] = [];
  let start: number | undefined;
  let elements: ElementSegment[] = [];
  let dataCount: number | undefined;
  let code: FunctionBody[] = [];
  let data: DataSegment[] = [];
  let lastOrder = 0;
  let sawCode = false;

  while (!r.eof) {
    const sectionStart = r.pos;
    const id = r.u8();
    const size = r.u32('section size');
    const payloadStart = r.pos;
    if (size > r.end - payloadStart) r.fail(`section ${id} size ${size} runs past the end of the module`, sectionStart);
    const payloadEnd = payloadStart + size;
    const raw = bytes.subarray(sectionStart, payloadEnd);
    const s = new ByteReader(bytes, payloadStart, payloadEnd);

    if (id === SectionId.custom) {
      const name = s.name('custom section name');
      const custom: CustomSection = { name, payload: bytes.subarray(payloadStart, payloadEnd) };
      sections.push({ id, raw, custom });
      r.pos = payloadEnd;
      continue;
    }
    const order = SECTION_ORDER[id];
    if (order === undefined) r.fail(`unknown section id ${id}`, sectionStart);
    if (order <= lastOrder) r.fail(`section ${id} is duplicated or out of order`, sectionStart);
    lastOrder = order;

    switch (id) {
      case SectionId.type: types = readTypes(s); break;
      case SectionId.import: imports = readImports(s); break;
      case SectionId.function: functions = readFunctions(s); break;
      case SectionId.table: {
        const n = count(s, 'tables', 100);
        for (let i = 0; i < n; i++) tables.push(tableType(s));
        break;
      }
      case SectionId.memory: {
        const n = count(s, 'memories', 100);
        for (let i = 0; i < n; i++) memories.push(memoryType(s));
        break;
      }
      case SectionId.global: globals = readGlobals(s); break;
      case SectionId.export: exports = readExports(s); break;
      case SectionId.start: start = s.u32('start function index'); break;
      case SectionId.element: elements = readElements(s); break;
      case SectionId.dataCount: dataCount = s.u32('data count'); break;
      case SectionId.code: code = readCode(s); sawCode = true; break;
      case SectionId.data: data = readData(s); break;
      case SectionId.tag: s.fail('tag section: exception handling is disabled', sectionStart);
    }
    if (s.pos !== payloadEnd) s.fail(`section ${id} has ${payloadEnd - s.pos} trailing bytes`, s.pos);
    sections.push({ id, raw });
    r.pos = payloadEnd;
  }

  if (functions.length !== code.length) {
    throw new WasmValidationError(
      sawCode || functions.length > 0
        ? `function section declares ${functions.length} functions but the code section has ${code.length} bodies`
        : 'code section without function section',
    );
  }
  if (dataCount !== undefined && dataCount !== data.length) {
    throw new WasmValidationError(`data count section says ${dataCount} segments but the data section has ${data.length}`);
  }
  return { sections, types, imports, functions, tables, memories, globals, exports, start, elements, dataCount, code, data };
}
