// Changes to how an instrumented module links to its host, for engines that need them. They
// add no instructions and change no index a function body uses, so gas and stack effects are
// those of the module before them.
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

/** Exports global `index` (in the global index space) as `name`, after the other exports. */
export function exportGlobal(m: WasmModule, name: string, index: number): WasmModule {
  if (m.exports.some((e) => e.name === name)) {
    throw new WasmValidationError(`module already exports "${name}", which the host reserves`);
  }
  if (index >= indexSpaces(m).globals) throw new RangeError(`global ${index} does not exist`);
  return withChanges(m, { exports: [...m.exports, { name, kind: ExternalKind.global, index }] });
}
