// Small programs for large-stack.test.ts to run with runProgramOnLargeStack (no imports, so
// that each worker starts fast).

export function returnsCode(code: number): number {
  return code;
}

export function exitsWith(code: number): void {
  process.exit(code);
}

export async function setsExitCode(code: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  process.exitCode = code;
}

export function throws(message: string): never {
  throw new Error(message);
}
