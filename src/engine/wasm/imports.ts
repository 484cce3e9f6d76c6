// The FVM links only syscalls: every import must be a function the kernel provides.
import { WasmValidationError } from './errors.js';
import type { FuncType, WasmModule } from './types.js';

const KIND_NAMES = ['function', 'table', 'memory', 'global', 'tag'];

/**
 * Throws WasmValidationError unless every import is a function that `allowed` accepts.
 * `allowed` receives the import's module and name, and its signature.
 */
export function checkImports(
  m: WasmModule,
  allowed: (module: string, name: string, type: FuncType) => boolean,
): void {
  for (const imp of m.imports) {
    const what = `import "${imp.module}" "${imp.name}"`;
    if (imp.desc.kind !== 0) {
      throw new WasmValidationError(`${what} is a ${KIND_NAMES[imp.desc.kind]}: the FVM only provides functions (syscalls)`);
    }
    const type = m.types[imp.desc.type];
    if (!type) throw new WasmValidationError(`${what} refers to type ${imp.desc.type}, which does not exist`);
    if (!allowed(imp.module, imp.name, type)) throw new WasmValidationError(`${what} is not a syscall the FVM provides`);
  }
}
