import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.json` file under the given paths (files or directories), sorted for a stable order. */
export function listVectorFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (p.endsWith('.json')) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}
