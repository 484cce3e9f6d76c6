import { Command } from 'commander';
import { stateCommand } from './state.js';
import { conformanceCommand } from './conformance.js';
import { genesisCommand } from './genesis.js';
import { demoCommand } from './demo.js';

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
