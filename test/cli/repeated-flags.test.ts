/**
 * A flag given twice: yargs hands over an array, which only a list option takes. Anything else is a
 * usage error (exit 2) naming the flag, for every command, instead of a TypeError deep inside
 * (exit 1, "run again") or a value kept silently.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EXIT } from '../../src/exit-codes.js';
import { runCli, tempDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let source: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('sakari-repeated-'));
  source = path.join(dir, 'contacts.csv');
  await writeFile(source, 'name,mobile\nAda,+447700900123\n');
});
afterEach(async () => cleanup());

/** A run that does nothing but check its flags: sandbox, no state, dry run. */
const offline = ['--sandbox', '--no-state', '--dry-run'];

describe('a flag given more than once', () => {
  test.each([
    [
      'import, a string option',
      () => ['import', source, ...offline, '--default-country', 'US', '--default-country', 'IN'],
      '--default-country was given more than once (US, IN): give it once',
    ],
    [
      'import, a number option',
      () => ['import', source, ...offline, '--batch-size', '10', '--batch-size', '20'],
      '--batch-size was given more than once (10, 20): give it once',
    ],
    [
      // yargs-parser adds the two up (4 + 1 = 5): yargs/yargs-parser#506.
      'import, a number whose second value is 1',
      () => ['import', source, ...offline, '--concurrency', '4', '--concurrency=1'],
      '--concurrency was given more than once (4, 1): give it once',
    ],
    [
      'import, a path',
      () => ['import', source, ...offline, '--report-dir', 'a', '--report-dir', 'b'],
      '--report-dir was given more than once (a, b): give it once',
    ],
    [
      'import, a value with a comma',
      () => ['import', source, ...offline, '--delimiter', ',', '--delimiter', ';'],
      '--delimiter was given more than once (",", ;): give it once',
    ],
    [
      'reconcile, a string option',
      () => ['reconcile', source, '--sandbox', '--no-state', '--sheet', 'a', '--sheet', 'b'],
      '--sheet was given more than once (a, b): give it once',
    ],
    [
      'reconcile, a number option',
      () => ['reconcile', source, '--sandbox', '--no-state', '--rate', '1', '--rate', '2'],
      '--rate was given more than once (1, 2): give it once',
    ],
    [
      'watch, a command flag outside the option table',
      () => ['watch', dir, '--once', ...offline, '--settle-ms', '1', '--settle-ms', '2'],
      '--settle-ms was given more than once (1, 2): give it once',
    ],
    [
      'run, a secret (shown redacted)',
      () => ['run', 'job.yaml', '--client-secret', 's3cret-1', '--client-secret', 's3cret-2'],
      '--client-secret was given more than once ([redacted], [redacted]): give it once',
    ],
    [
      'sandbox, a number option',
      () => ['sandbox', '--port', '0', '--port', '1', '--rate', '5', '--rate', '6'],
      '--port was given more than once (0, 1): give it once; --rate was given more than once (5, 6): give it once',
    ],
  ])('%s: exit 2, naming the flag and its values', async (_, args, message) => {
    // Without the check, `sandbox` would listen until killed.
    const run = await runCli(args(), { timeoutMs: 15_000 });
    expect(run.stderr).toContain(`sakari-sync: ${message}`);
    expect(run.stderr).not.toContain('s3cret');
    expect(run.code).toBe(EXIT.usage);
  });

  test('lists and booleans may repeat: sources, --phone-columns, --dry-run, -q with --quiet', async () => {
    const run = await runCli([
      'import',
      source,
      source,
      ...offline,
      '--dry-run',
      '-q',
      '--quiet',
      '--phone-columns',
      'mobile',
      '--phone-columns',
      'phone',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
  });
});
