// Changes to how an instrumented module links to its host, for engines that need them. They
// add no instructions and change no index a function body uses, so gas and stack effects are
// those of the module before them. The memory and table moves exist because V8 offers no hook
// on memory.grow or table.grow: a maximum chosen by the host is how growth gets refused.
import { withChanges } from '../wasm/encode.js';
import { WasmValidationError } from '../wasm/errors.js';
import { ExternalKind, SectionId, indexSpaces, type WasmModule } from '../wasm/types.js';

/** Where an import comes from. */
export interface ImportName {
  readonly module: string;
  readonly name: string;
}

/**
 * Turns the module's own memory into an import from `from`, appended after every other
 * import, with the same limits. The host then creates the memory itself and can choose its
 * maximum (V8 offers no hook on memory.grow; a maximum is how growth gets refused). A module
 * without a memory of its own is returned as it is.
 */
export function importOwnMemory(m: WasmModule, from: ImportName): WasmModule {
  for (const imp of m.imports) {
    if (imp.module === from.module && imp.name === from.name) {
      throw new WasmValidationError(`module imports ${from.module}.${from.name}, which the host reserves for its memory`);
    }
  }
  const memory = m.memories[0];
  if (memory === undefined) return m;
  // With one memory at most, index 0 names it whether it is imported or defined.
  if (indexSpaces(m).memories > 1) throw new WasmValidationError('module has more than one memory');
  const moved = withChanges(m, {
    imports: [...m.imports, { module: from.module, name: from.name, desc: { kind: 2, memory } }],
    memories: [],
  });
  // No memory section rather than an empty one.
  return { ...moved, sections: moved.sections.filter((s) => s.id !== SectionId.memory) };
}

/**
 * Turns the module's own table into an import from `from`, appended after every other import,
 * with the same element type and limits: the host creates the table and chooses its maximum,
 * which is how `table.grow` gets refused past the engine's limits (V8 has no hook on it
 * either). A module without a table of its own is returned as it is.
 */
export function importOwnTable(m: WasmModule, from: ImportName): WasmModule {
  for (const imp of m.imports) {
    if (imp.module === from.module && imp.name === from.name) {
      throw new WasmValidationError(`module imports ${from.module}.${from.name}, which the host reserves for its table`);
    }
  }
  const table = m.tables[0];
  if (table === undefined) return m;
  // With one table at most, index 0 names it whether it is imported or defined: no
  // instruction, element segment or export needs renumbering.
  if (indexSpaces(m).tables > 1) throw new WasmValidationError('module has more than one table');
  const moved = withChanges(m, {
    imports: [...m.imports, { module: from.module, name: from.name, desc: { kind: 1, table } }],
    tables: [],
  });
  return { ...moved, sections: moved.sections.filter((s) => s.id !== SectionId.table) };
}

/** Exports global `index` (in the global index space) as `name`, after the other exports. */
export function exportGlobal(m: WasmModule, name: string, index: number): WasmModule {
  if (m.exports.some((e) => e.name === name)) {
    throw new WasmValidationError(`module already exports "${name}", which the host reserves`);
  }
  if (index >= indexSpaces(m).globals) throw new RangeError(`global ${index} does not exist`);
  return withChanges(m, { exports: [...m.exports, { name, kind: ExternalKind.global, index }] });
}
