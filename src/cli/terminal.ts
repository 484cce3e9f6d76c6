// The terminal of the process, for a CLI that runs on a worker thread: a worker's stdout and
// stderr are pipes to the main thread, so commander would lay out help for no terminal.
import type { Command } from 'commander';

/** Help width and colour support of one stream that is a terminal. */
export interface TerminalStream {
  readonly columns: number;
  readonly colors: boolean;
}

/** The process's stdout and stderr; a stream that is no terminal is absent. */
export interface TerminalInfo {
  readonly out?: TerminalStream;
  readonly err?: TerminalStream;
}

function describe(s: NodeJS.WriteStream): TerminalStream | undefined {
  return s.isTTY ? { columns: s.columns, colors: s.hasColors() } : undefined;
}

/** This process's terminal (call it on the main thread). */
export function terminalInfo(): TerminalInfo {
  const out = describe(process.stdout);
  const err = describe(process.stderr);
  return { ...(out !== undefined ? { out } : {}), ...(err !== undefined ? { err } : {}) };
}

/** Gives `cmd` and its sub-commands the terminal's help width and colours. */
export function useTerminal(cmd: Command, terminal: TerminalInfo): void {
  const { out, err } = terminal;
  // Only the streams that are terminals: for the others commander's defaults already agree.
  cmd.configureOutput({
    ...(out !== undefined ? { getOutHelpWidth: () => out.columns, getOutHasColors: () => out.colors } : {}),
    ...(err !== undefined ? { getErrHelpWidth: () => err.columns, getErrHasColors: () => err.colors } : {}),
  });
  for (const sub of cmd.commands) useTerminal(sub, terminal);
}
