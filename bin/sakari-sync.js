#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the `prepare` script.
import v8 from 'node:v8';

// Memory settings (see src/cli/v8-flags.ts), set before the CLI is loaded, while the heap is small.
const { CLI_V8_FLAGS } = await import('../dist/cli/v8-flags.js');
for (const flag of CLI_V8_FLAGS) v8.setFlagsFromString(flag);

const { main } = await import('../dist/cli/main.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`sakari-sync: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
