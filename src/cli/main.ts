import { Command } from 'commander';
import { stateCommand } from './state.js';
import { conformanceCommand } from './conformance.js';
import { genesisCommand } from './genesis.js';
import { demoCommand } from './demo.js';
import { type TerminalInfo, useTerminal } from './terminal.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tsfvm')
    .description('The Filecoin Virtual Machine in TypeScript')
    .version('0.1.0')
    .addCommand(stateCommand())
    .addCommand(conformanceCommand())
    .addCommand(genesisCommand())
    .addCommand(demoCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}

/**
 * Runs the CLI on this thread and resolves with its exit code; an error is printed as
 * `tsfvm: message` (exit 1). With `terminal`, help output is laid out for that terminal.
 */
export async function runCli(argv: readonly string[], terminal?: TerminalInfo): Promise<number> {
  const program = buildProgram();
  if (terminal !== undefined) useTerminal(program, terminal);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    process.stderr.write(`tsfvm: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : Number(code ?? 0);
}
