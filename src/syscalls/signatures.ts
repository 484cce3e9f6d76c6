// The WASM function type of each syscall, derived from its definition by the calling convention
// of bind.ts (the reference's linker): an i32 out-pointer first when the syscall has a result,
// then the parameters (u32/i32 as i32, u64/i64 as i64), and always one i32 result (the errno).
import { ImportSignatures } from '../engine/link.js';
import { type FuncType, ValType } from '../engine/wasm/types.js';
import type { ParamKind, SyscallDef, SyscallKernel } from './bind.js';

function paramValType(kind: ParamKind): number {
  switch (kind) {
    case 'u32':
    case 'i32':
      return ValType.i32;
    case 'u64':
    case 'i64':
      return ValType.i64;
    default:
      throw new Error(`unknown syscall parameter kind ${String(kind)}`);
  }
}

/** The function type an actor must declare to import `def`. */
export function syscallFuncType<K extends SyscallKernel>(def: SyscallDef<K>): FuncType {
  const params: number[] = def.resultSize > 0 ? [ValType.i32] : [];
  for (const kind of def.params) params.push(paramValType(kind));
  return { params, results: [ValType.i32] };
}

// One table object per syscall table, so the engine's per-module verdicts are reused.
const tables = new WeakMap<object, ImportSignatures>();

/** The import signatures of a syscall table (computed once per table). */
export function syscallSignatures<K extends SyscallKernel>(defs: readonly SyscallDef<K>[]): ImportSignatures {
  let sigs = tables.get(defs);
  if (sigs === undefined) {
    sigs = new ImportSignatures(defs.map((d) => ({ module: d.module, name: d.name, type: syscallFuncType(d) })));
    tables.set(defs, sigs);
  }
  return sigs;
}
