// Import signatures: what Wasmtime's linker checks and V8 does not.
//
// ref-fvm links syscalls as typed host functions, so Wasmtime refuses (at pre-instantiation) a
// module importing a known {module, name} with a different function type. V8 accepts any JS
// function for any function import, so the engine records each module's import types when it
// loads the module and compares them with the syscall table's types before instantiating.
import { type FuncType, sameFuncType, valTypeName } from './wasm/types.js';

/** A function import of a module, with the type the module declares for it. */
export interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
}

/**
 * The function type the host gives each import it provides (one table per kernel generation).
 * Immutable: the engine caches its verdict per (compiled module, table) object.
 */
export class ImportSignatures {
  private readonly byModule = new Map<string, Map<string, FuncType>>();

  /** Later entries for the same {module, name} replace earlier ones, as the import object does. */
  constructor(entries: Iterable<FunctionImport>) {
    for (const e of entries) {
      let names = this.byModule.get(e.module);
      if (names === undefined) this.byModule.set(e.module, (names = new Map()));
      names.set(e.name, { params: [...e.type.params], results: [...e.type.results] });
    }
  }

  /** The host's type for an import, if the host provides one under that name. */
  get(module: string, name: string): FuncType | undefined {
    return this.byModule.get(module)?.get(name);
  }

  get size(): number {
    let n = 0;
    for (const names of this.byModule.values()) n += names.size;
    return n;
  }
}

/** A function type in the text format, e.g. "(func (param i32 i64) (result i32))". */
export function describeFuncType(t: FuncType): string {
  const parts = ['func'];
  if (t.params.length > 0) parts.push(`(param ${t.params.map(valTypeName).join(' ')})`);
  if (t.results.length > 0) parts.push(`(result ${t.results.map(valTypeName).join(' ')})`);
  return `(${parts.join(' ')})`;
}

/**
 * Why `imports` cannot be linked against `host`, or undefined when every import the host knows
 * has exactly the host's type. Imports the host does not provide are not judged here (the name
 * check reports them). Function types of numeric values match only when identical.
 */
export function importSignatureMismatch(imports: readonly FunctionImport[], host: ImportSignatures): string | undefined {
  for (const imp of imports) {
    const expected = host.get(imp.module, imp.name);
    if (expected === undefined || sameFuncType(expected, imp.type)) continue;
    return `incompatible import type for ${imp.module}::${imp.name}: the module declares ${describeFuncType(imp.type)}, the host provides ${describeFuncType(expected)}`;
  }
  return undefined;
}
