#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the `prepare` script.
import v8 from 'node:v8';

// Rows are short-lived objects: a small young generation keeps memory flat on million-row files
// (set before the CLI is loaded, so the heap is still small).
if (!process.env.P2_NOFLAG) v8.setFlagsFromString('--max-semi-space-size=4');

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
