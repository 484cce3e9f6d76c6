// `tsfvm demo`: the README's first command. Runs the demo scenario (src/actors/demo.ts) on a
// local chain built from the embedded actor bundle and prints every receipt and the final
// state root; --db keeps the chain in a directory so that the next run continues from it.
import { Command } from 'commander';
import { formatDemo, runDemo } from '../actors/demo.js';

export function demoCommand(): Command {
  return new Command('demo')
    .summary('run a local chain: transfers, a multisig, and a user actor written in TypeScript')
    .description(
      'Build a local chain on the embedded actor bundle (no network, no download) and apply signed messages to it: ' +
        'FIL transfers, a 2-of-2 multisig created through the init actor that passes a proposal, then the access-control ' +
        'actor (AssemblyScript, actors/examples/access-control.ts) installed as user code, created, and used to register ' +
        'content and grant, check and revoke retrieval permission. Prints each message with its exit code, decoded return ' +
        'value, gas used and events, then the final state root.\n\n' +
        'With --db DIR the chain is kept in DIR (LMDB) and the next run continues from it; a directory that holds anything ' +
        'else, or a damaged chain, is refused and left untouched.',
    )
    .option('--db <dir>', 'keep the chain in this directory and continue from it')
    .addHelpText('after', '\nExamples:\n  tsfvm demo\n  tsfvm demo --db ./devchain   # run it twice: the second run continues the chain\n')
    .action(async (opts: { db?: string }) => {
      const result = await runDemo(opts.db !== undefined ? { db: opts.db } : {});
      process.stdout.write(formatDemo(result));
    });
}
