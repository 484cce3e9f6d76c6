// Debug logging: free of effect unless the machine runs with debugging enabled.
import * as sys from "./sys/debug";
import { scratch, utf8 } from "./mem";

let enabledCache: i32 = -1;

export function debugEnabled(): bool {
  if (enabledCache < 0) {
    const p = scratch();
    enabledCache = sys.enabled(p) == 0 && load<i32>(p) != 0 ? 1 : 0;
  }
  return enabledCache == 1;
}

/** Logs `message` when debugging is enabled (the check avoids the syscall otherwise). */
export function log(message: string): void {
  if (!debugEnabled()) return;
  const m = utf8(message);
  sys.log(m.dataStart, <u32>m.length);
}

export function storeArtifact(name: string, data: Uint8Array): void {
  if (!debugEnabled()) return;
  const n = utf8(name);
  sys.store_artifact(n.dataStart, <u32>n.length, data.dataStart, <u32>data.length);
}
