// The access-control example actor for tests, compiled from the current sources: cached by the
// digest of everything the compilation depends on (entry, SDK, compiler, flags), so only the
// first run after a change pays for asc (5 to 10 s). Test files run in parallel processes: the
// first one to need the module compiles it while the others wait for the cached file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT, compileActor, sourceDigest } from '../../scripts/sdk-compile.js';
import { ACCESS_CONTROL_SOURCE } from '../../src/actors/access-control.js';

/** A lock older than this belongs to a process that died: take it over. */
const STALE_LOCK_MS = 120_000;

let cached: Promise<Uint8Array> | undefined;

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // the holder just released it
    }
    return false;
  }
}

async function build(): Promise<Uint8Array> {
  const entry = path.join(PACKAGE_ROOT, ACCESS_CONTROL_SOURCE);
  const dir = path.join(tmpdir(), 'tsfvm-test-actors');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `access-control-${sourceDigest(entry)}.wasm`);
  const lock = `${file}.lock`;
  for (;;) {
    if (existsSync(file)) return new Uint8Array(readFileSync(file));
    if (tryLock(lock)) break;
    await sleep(200);
  }
  try {
    if (existsSync(file)) return new Uint8Array(readFileSync(file));
    const started = Date.now();
    const { wasm } = await compileActor({ entry });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, wasm);
    renameSync(tmp, file);
    console.log(`# compiled ${ACCESS_CONTROL_SOURCE} (${wasm.length} bytes) in ${Date.now() - started} ms`);
    return wasm;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function accessControlWasm(): Promise<Uint8Array> {
  cached ??= build();
  return cached;
}
