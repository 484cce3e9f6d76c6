// Builds the SDK's example actors (sdk/examples/*.ts) into dist/sdk/*.wasm with the SDK's
// compile flags and checks, printing each module's size and FRC-42 method numbers.
// Usage: node --import tsx scripts/build-sdk.ts [OUT_DIR]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compileActor, frc42MethodNumber, PACKAGE_ROOT, SDK_DIR } from './sdk-compile.js';

async function main(outDir: string): Promise<void> {
  const examples = path.join(SDK_DIR, 'examples');
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.ts')).sort()) {
    const started = Date.now();
    const { wasm, imports } = await compileActor({ entry: path.join(examples, file) });
    const out = path.join(outDir, file.replace(/\.ts$/, '.wasm'));
    writeFileSync(out, wasm);
    console.log(`${path.relative(PACKAGE_ROOT, out)}: ${wasm.length} bytes, ${imports.length} syscalls, ${Date.now() - started} ms`);
    // Method constants follow the convention `const METHOD_<NAME>: u64 = <number>;`.
    const src = readFileSync(path.join(examples, file), 'utf8');
    for (const m of src.matchAll(/const METHOD_([A-Z0-9_]+): u64 = (\d+);/g)) {
      const name = m[1]!.toLowerCase().replace(/(^|_)([a-z])/g, (_s, _u: string, c: string) => c.toUpperCase());
      const expected = frc42MethodNumber(name);
      if (BigInt(m[2]!) !== expected) throw new Error(`${file}: METHOD_${m[1]} is ${m[2]}, FRC-42 of ${name} is ${expected}`);
      console.log(`  ${name}: ${expected}`);
    }
  }
}

main(path.resolve(process.argv[2] ?? path.join(PACKAGE_ROOT, 'dist', 'sdk'))).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
