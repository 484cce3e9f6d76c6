// The typed module IR. Module-level sections are decoded into plain objects; function bodies
// and constant expressions stay as byte slices of the input so that passes can copy whatever
// they do not change and re-encoding an unchanged module gives back the same bytes.

export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Position of each known section in the order the binary format prescribes. */
export const SECTION_ORDER: Readonly<Record<number, number>> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
};

export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
} as const;
export type ValType = number;

export const ExternalKind = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
export type ExternalKind = (typeof ExternalKind)[keyof typeof ExternalKind];

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
  /** The raw flags byte: bit 0 = has max, bit 1 = shared, bit 2 = 64-bit, bit 3 = page size. */
  readonly flags: number;
}

export interface TableType {
  readonly element: ValType;
  readonly limits: Limits;
}

export interface GlobalType {
  readonly type: ValType;
  readonly mutable: boolean;
}

export type ImportDesc =
  | { readonly kind: 0; readonly type: number }
  | { readonly kind: 1; readonly table: TableType }
  | { readonly kind: 2; readonly memory: Limits }
  | { readonly kind: 3; readonly global: GlobalType }
  | { readonly kind: 4; readonly tagType: number };

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly desc: ImportDesc;
}

/** A constant expression: its instruction bytes including the final `end`. */
export type ConstExpr = Uint8Array;

export interface Global {
  readonly type: GlobalType;
  readonly init: ConstExpr;
}

export interface Export {
  readonly name: string;
  readonly kind: ExternalKind;
  readonly index: number;
}

export type SegmentMode =
  | { readonly kind: 'active'; readonly index: number; readonly offset: ConstExpr }
  | { readonly kind: 'passive' }
  | { readonly kind: 'declared' };

export interface ElementSegment {
  /** The flags value (0..7) it was written with, kept to re-encode it the same way. */
  readonly flags: number;
  readonly mode: SegmentMode;
  /** Element type (funcref unless written otherwise). */
  readonly type: ValType;
  /** Function indices, for the function-index forms (flags 0..3). */
  readonly functions: readonly number[] | undefined;
  /** Constant expressions, for the expression forms (flags 4..7). */
  readonly exprs: readonly ConstExpr[] | undefined;
}

export interface DataSegment {
  readonly flags: number;
  readonly mode: SegmentMode;
  readonly bytes: Uint8Array;
}

/** A group of locals declared with one entry (`count` locals of one type). */
export interface LocalGroup {
  readonly count: number;
  readonly type: ValType;
}

export interface FunctionBody {
  readonly locals: readonly LocalGroup[];
  /** Instructions, from the first one through the function's final `end`. */
  readonly code: Uint8Array;
  /** The whole body as read (locals and code) when it is unchanged from the input. */
  readonly raw: Uint8Array | undefined;
}

export interface CustomSection {
  readonly name: string;
  /** The section payload (after the size), including the encoded name. */
  readonly payload: Uint8Array;
}

/**
 * One section in module order. `raw` holds the exact bytes read (id, size, payload); a pass
 * that changes a section drops `raw`, and the encoder then writes it from the typed fields.
 */
export interface SectionRecord {
  readonly id: number;
  readonly raw: Uint8Array | undefined;
  /** For custom sections only. */
  readonly custom?: CustomSection;
}

export interface WasmModule {
  readonly sections: readonly SectionRecord[];
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  /** Type index of each defined function. */
  readonly functions: readonly number[];
  readonly tables: readonly TableType[];
  readonly memories: readonly Limits[];
  readonly globals: readonly Global[];
  readonly exports: readonly Export[];
  readonly start: number | undefined;
  readonly elements: readonly ElementSegment[];
  readonly dataCount: number | undefined;
  readonly code: readonly FunctionBody[];
  readonly data: readonly DataSegment[];
}

export function valTypeName(t: ValType): string {
  switch (t) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'v128';
    case 0x70: return 'funcref';
    case 0x6f: return 'externref';
    default: return `type 0x${t.toString(16)}`;
  }
}

/** Counts of the index spaces (imports first, then definitions). */
export interface IndexSpaces {
  readonly importedFunctions: number;
  readonly importedTables: number;
  readonly importedMemories: number;
  readonly importedGlobals: number;
  readonly functions: number;
  readonly tables: number;
  readonly memories: number;
  readonly globals: number;
}

export function indexSpaces(m: WasmModule): IndexSpaces {
  let f = 0, t = 0, mem = 0, g = 0;
  for (const imp of m.imports) {
    switch (imp.desc.kind) {
      case 0: f++; break;
      case 1: t++; break;
      case 2: mem++; break;
      case 3: g++; break;
      default: break;
    }
  }
  return {
    importedFunctions: f,
    importedTables: t,
    importedMemories: mem,
    importedGlobals: g,
    functions: f + m.functions.length,
    tables: t + m.tables.length,
    memories: mem + m.memories.length,
    globals: g + m.globals.length,
  };
}

/** The type index of function `index` in the function index space (imports first). */
export function functionTypeIndex(m: WasmModule, index: number): number | undefined {
  let seen = 0;
  for (const imp of m.imports) {
    if (imp.desc.kind === 0) {
      if (seen === index) return imp.desc.type;
      seen++;
    }
  }
  return m.functions[index - seen];
}

/** The type index of every function in the function index space. */
export function functionTypeIndices(m: WasmModule): number[] {
  const out: number[] = [];
  for (const imp of m.imports) if (imp.desc.kind === 0) out.push(imp.desc.type);
  for (const t of m.functions) out.push(t);
  return out;
}

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  if (a.params.length !== b.params.length || a.results.length !== b.results.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  for (let i = 0; i < a.results.length; i++) if (a.results[i] !== b.results[i]) return false;
  return true;
}
