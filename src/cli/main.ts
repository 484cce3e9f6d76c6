import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tsfvm')
    .description('The Filecoin Virtual Machine in TypeScript')
    .version('0.1.0');
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
