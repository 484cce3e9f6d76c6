// What bin/tsfvm.js does, run from the TypeScript sources: `--deep-chain REMAINING RECURSION`
// runs deep-local-chain.ts's program the way the CLI is run; anything else runs the CLI.
import { launchCli, launchOnLargeStack } from '../../src/cli/launch.js';

const run =
  process.argv[2] === '--deep-chain'
    ? launchOnLargeStack(new URL('./deep-local-chain.ts', import.meta.url), 'deepChainMain', process.argv)
    : launchCli(process.argv);
run.then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tsfvm: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
