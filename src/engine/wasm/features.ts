// What the reference's Wasmtime configuration accepts: the enabled proposals (bulk memory,
// sign-extension, saturating float-to-int, reference types from fvm 4 on) and the pooling
// allocator's limits. Everything else (SIMD, threads, tail calls, multi-value, multi-memory,
// memory64, exceptions, GC, extended-const, wide arithmetic, custom page sizes) is refused.
// Operand types are not checked here: V8 checks them when the instrumented module compiles.
import { WasmValidationError } from './errors.js';
import { InstructionReader, Op, opName, type OpcodeFeatures } from './instructions.js';
import {
  indexSpaces,
  valTypeName,
  type ConstExpr,
  type FuncType,
  type GlobalType,
  type ValType,
  type WasmModule,
} from './types.js';

export interface WasmFeatures extends OpcodeFeatures {
  /** Largest initial table size the pooling allocator admits. */
  readonly maxTableElements: number;
  /** Largest initial memory (in 64 KiB pages) an instance may have. */
  readonly maxMemoryPages: number;
}

/** 512 MiB per instance, in WASM pages. */
const MAX_INSTANCE_PAGES = (512 * 1024 * 1024) / 65536;

/** nv17 (fvm 2.x): parity-wasm with only the bulk-memory extension. */
export const WASM_FEATURES_V2: WasmFeatures = Object.freeze({
  signExtension: false,
  saturatingFloatToInt: false,
  referenceTypes: false,
  maxTableElements: Number.MAX_SAFE_INTEGER,
  maxMemoryPages: MAX_INSTANCE_PAGES,
});

/** nv18–nv20 (fvm 3.x, Wasmtime 12): reference types off; pooling default of 10,000 table elements. */
export const WASM_FEATURES_V3: WasmFeatures = Object.freeze({
  signExtension: true,
  saturatingFloatToInt: true,
  referenceTypes: false,
  maxTableElements: 10_000,
  maxMemoryPages: MAX_INSTANCE_PAGES,
});

/** nv21+ (fvm 4.x at HEAD): reference types on (funcref only, no GC types); 20,000 table elements. */
export const WASM_FEATURES_V4: WasmFeatures = Object.freeze({
  signExtension: true,
  saturatingFloatToInt: true,
  referenceTypes: true,
  maxTableElements: 20_000,
  maxMemoryPages: MAX_INSTANCE_PAGES,
});

function fail(reason: string): never {
  throw new WasmValidationError(reason);
}

function checkValType(t: ValType, where: string, f: WasmFeatures): void {
  if (t === 0x7b) fail(`${where} uses v128: SIMD is disabled`);
  if (t === 0x6f) fail(`${where} uses externref: GC/host reference types are disabled`);
  if (t === 0x70 && !f.referenceTypes) fail(`${where} uses funcref values: reference types are disabled`);
}

function checkFuncType(t: FuncType, i: number, f: WasmFeatures): void {
  if (t.results.length > 1) fail(`type ${i} has ${t.results.length} results: multi-value is disabled`);
  for (const p of t.params) checkValType(p, `type ${i}`, f);
  for (const r of t.results) checkValType(r, `type ${i}`, f);
}

/** Type of a constant expression, checking what it refers to. */
function constExprType(
  e: ConstExpr,
  where: string,
  importedGlobals: readonly GlobalType[],
  functionCount: number,
  f: WasmFeatures,
): ValType {
  switch (e[0]) {
    case 0x41: return 0x7f;
    case 0x42: return 0x7e;
    case 0x43: return 0x7d;
    case 0x44: return 0x7c;
    case 0x23: {
      const r = new InstructionReader(f).reset(e, 0, e.length);
      r.read();
      const g = importedGlobals[r.a];
      if (!g) fail(`${where}: global.get ${r.a} must refer to an imported global`);
      if (g.mutable) fail(`${where}: global.get ${r.a} refers to a mutable global`);
      return g.type;
    }
    case 0xd0:
      if (!f.referenceTypes) fail(`${where}: ref.null needs reference types, which are disabled`);
      return e[1]!;
    case 0xd2: {
      if (!f.referenceTypes) fail(`${where}: ref.func needs reference types, which are disabled`);
      const r = new InstructionReader(f).reset(e, 0, e.length);
      r.read();
      if (r.a >= functionCount) fail(`${where}: ref.func ${r.a} is out of range`);
      return 0x70;
    }
    default:
      return fail(`${where}: unsupported constant expression`);
  }
}

export interface ValidateOptions {
  /** Skip the instruction scan of function bodies (module-level checks only). */
  readonly skipBodies?: boolean;
}

/**
 * Checks that the module uses only what the reference's engine configuration enables and stays
 * within its limits. Throws WasmValidationError with the reason.
 */
export function validateFeatures(m: WasmModule, features: WasmFeatures = WASM_FEATURES_V4, options: ValidateOptions = {}): void {
  const f = features;
  const sp = indexSpaces(m);
  m.types.forEach((t, i) => checkFuncType(t, i, f));

  const importedGlobals: GlobalType[] = [];
  for (const imp of m.imports) {
    const where = `import ${imp.module}.${imp.name}`;
    const d = imp.desc;
    if (d.kind === 0 && d.type >= m.types.length) fail(`${where} refers to type ${d.type}, which does not exist`);
    if (d.kind === 1) checkValType(d.table.element, where, { ...f, referenceTypes: true });
    if (d.kind === 3) {
      checkValType(d.global.type, where, f);
      importedGlobals.push(d.global);
    }
  }
  m.functions.forEach((t, i) => {
    if (t >= m.types.length) fail(`function ${sp.importedFunctions + i} refers to type ${t}, which does not exist`);
  });

  if (m.tables.length > 1) fail(`module defines ${m.tables.length} tables; the FVM allows one`);
  if (sp.tables > 1 && !f.referenceTypes) fail(`module has ${sp.tables} tables: several tables need reference types, which are disabled`);
  for (const t of m.tables) {
    checkValType(t.element, 'table', { ...f, referenceTypes: true });
    if (t.limits.min > f.maxTableElements) fail(`table has ${t.limits.min} initial elements; the limit is ${f.maxTableElements}`);
  }
  if (sp.memories > 1) fail(`module has ${sp.memories} memories: multi-memory is disabled`);
  for (const mem of m.memories) {
    if (mem.min > f.maxMemoryPages) fail(`memory has ${mem.min} initial pages; the limit is ${f.maxMemoryPages} (512 MiB)`);
  }

  m.globals.forEach((g, i) => {
    const where = `global ${sp.importedGlobals + i}`;
    checkValType(g.type.type, where, f);
    const t = constExprType(g.init, `initializer of ${where}`, importedGlobals, sp.functions, f);
    if (t !== g.type.type) fail(`initializer of ${where} has type ${valTypeName(t)}, expected ${valTypeName(g.type.type)}`);
  });

  for (const e of m.exports) {
    const limit = [sp.functions, sp.tables, sp.memories, sp.globals][e.kind]!;
    if (e.index >= limit) fail(`export "${e.name}" refers to ${['function', 'table', 'memory', 'global'][e.kind]} ${e.index}, which does not exist`);
  }

  if (m.start !== undefined) {
    if (m.start >= sp.functions) fail(`start function ${m.start} does not exist`);
    const all = m.imports.filter((i) => i.desc.kind === 0).map((i) => (i.desc as { type: number }).type).concat(m.functions);
    const t = m.types[all[m.start]!]!;
    if (t.params.length !== 0 || t.results.length !== 0) fail(`start function ${m.start} must take no parameters and return nothing`);
  }

  m.elements.forEach((e, i) => {
    const where = `element segment ${i}`;
    checkValType(e.type, where, { ...f, referenceTypes: true });
    if (e.mode.kind === 'declared' && !f.referenceTypes) fail(`${where} is declarative: reference types are disabled`);
    if (e.mode.kind === 'active') {
      if (e.mode.index >= sp.tables) fail(`${where} refers to table ${e.mode.index}, which does not exist`);
      if (e.mode.index !== 0 && !f.referenceTypes) fail(`${where} uses table ${e.mode.index}: reference types are disabled`);
      const t = constExprType(e.mode.offset, `offset of ${where}`, importedGlobals, sp.functions, f);
      if (t !== 0x7f) fail(`offset of ${where} must be an i32`);
    }
    if (e.functions) {
      for (const fn of e.functions) if (fn >= sp.functions) fail(`${where} refers to function ${fn}, which does not exist`);
    }
  });

  m.data.forEach((d, i) => {
    const where = `data segment ${i}`;
    if (d.mode.kind === 'active') {
      if (d.mode.index >= sp.memories) fail(`${where} refers to memory ${d.mode.index}, which does not exist`);
      const t = constExprType(d.mode.offset, `offset of ${where}`, importedGlobals, sp.functions, f);
      if (t !== 0x7f) fail(`offset of ${where} must be an i32`);
    }
  });

  if (!options.skipBodies) scanBodies(m, f, sp.functions, sp.globals, sp.tables, sp.memories);
}

function scanBodies(m: WasmModule, f: WasmFeatures, nFuncs: number, nGlobals: number, nTables: number, nMemories: number): void {
  const r: InstructionReader = new InstructionReader(f);
  const nTypes = m.types.length;
  const nElems = m.elements.length;
  const firstDefined = nFuncs - m.functions.length;
  // Control stack: 1 = if without else yet, 0 = other block.
  let ctl = new Uint8Array(256);
  for (let fi = 0; fi < m.code.length; fi++) {
    const body = m.code[fi]!;
    const fnIndex = firstDefined + fi;
    const where = `function ${fnIndex}`;
    const type = m.types[m.functions[fi]!]!;
    let nLocals = type.params.length;
    for (const g of body.locals) {
      checkValType(g.type, `locals of ${where}`, f);
      nLocals += g.count;
    }
    const code = body.code;
    r.reset(code, 0, code.length);
    let depth = 1;
    ctl[0] = 0;
    try {
      while (r.pos < code.length) {
        const op = r.read();
        switch (op) {
          case Op.block: case Op.loop: case Op.if:
            if (depth >= ctl.length) {
              const next = new Uint8Array(ctl.length * 2);
              next.set(ctl);
              ctl = next;
            }
            ctl[depth++] = op === Op.if ? 1 : 0;
            break;
          case Op.else:
            if (ctl[depth - 1] !== 1 || depth === 1) r.fail('else without a matching if');
            ctl[depth - 1] = 2;
            break;
          case Op.end:
            depth--;
            if (depth === 0 && r.pos !== code.length) r.fail('instructions after the final end of the function');
            break;
          case Op.br: case Op.brIf:
            if (r.a >= depth) r.fail(`branch depth ${r.a} exceeds the ${depth} enclosing blocks`);
            break;
          case Op.brTable: {
            if (r.b >= depth) r.fail(`br_table default depth ${r.b} exceeds the ${depth} enclosing blocks`);
            const t = r.targets;
            for (let i = 0; i < r.count; i++) if (t[i]! >= depth) r.fail(`br_table depth ${t[i]} exceeds the ${depth} enclosing blocks`);
            break;
          }
          case Op.call:
            if (r.a >= nFuncs) r.fail(`call to function ${r.a}, which does not exist`);
            break;
          case Op.callIndirect:
            if (r.a >= nTypes) r.fail(`call_indirect with type ${r.a}, which does not exist`);
            if (r.b >= nTables) r.fail(`call_indirect through table ${r.b}, which does not exist`);
            break;
          case Op.localGet: case Op.localSet: case Op.localTee:
            if (r.a >= nLocals) r.fail(`local ${r.a} does not exist`);
            break;
          case Op.globalGet: case Op.globalSet:
            if (r.a >= nGlobals) r.fail(`global ${r.a} does not exist`);
            break;
          case Op.tableGet: case Op.tableSet: case Op.tableGrow: case Op.tableSize: case Op.tableFill:
            if (r.a >= nTables) r.fail(`table ${r.a} does not exist`);
            break;
          case Op.tableInit:
            if (r.a >= nElems) r.fail(`element segment ${r.a} does not exist`);
            if (r.b >= nTables) r.fail(`table ${r.b} does not exist`);
            break;
          case Op.elemDrop:
            if (r.a >= nElems) r.fail(`element segment ${r.a} does not exist`);
            break;
          case Op.tableCopy:
            if (r.a >= nTables || r.b >= nTables) r.fail('table.copy refers to a table that does not exist');
            break;
          case Op.memoryInit: case Op.dataDrop:
            if (m.dataCount === undefined) r.fail(`${opName(op)} needs a data count section`);
            if (r.a >= m.dataCount) r.fail(`data segment ${r.a} does not exist`);
            if (op === Op.memoryInit && nMemories === 0) r.fail('memory instruction without a memory');
            break;
          case Op.memorySize: case Op.memoryGrow: case Op.memoryCopy: case Op.memoryFill:
            if (nMemories === 0) r.fail('memory instruction without a memory');
            break;
          case Op.refFunc:
            if (r.a >= nFuncs) r.fail(`ref.func ${r.a} refers to a function that does not exist`);
            break;
          default:
            if (op >= 0x28 && op <= 0x3e && nMemories === 0) r.fail('memory instruction without a memory');
        }
      }
      if (depth !== 0) r.fail('function body ends inside a block (missing end)', code.length);
    } catch (err) {
      if (err instanceof WasmValidationError) {
        throw new WasmValidationError(`${where}: ${err.message}`);
      }
      throw err;
    }
  }
}
