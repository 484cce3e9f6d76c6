#!/usr/bin/env node
// The whole command runs on a worker thread with a large stack (see src/cli/launch.ts): deep
// call chains would overflow the main thread's.
import { launchCli } from '../dist/cli/launch.js';
launchCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tsfvm: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
