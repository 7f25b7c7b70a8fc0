/**
 * CONTRACT §6 exit codes: the one table in src/exit-codes.ts, row by row, and the failures a user
 * meets through the real CLI (spawned, against the sandbox on 127.0.0.1).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { exitCodeForError } from '../../src/cli/errors.js';
import { ConfigError, resolveImportSettings } from '../../src/config.js';
import {
  ERROR_EXIT_TABLE,
  EXIT,
  OUTCOME_EXIT,
  RUN_OUTCOMES,
  UsageError,
  exitCodeOfError,
  outcomeOfExitCode,
  worseExitCode,
} from '../../src/exit-codes.js';
import { LimiterConnectionError } from '../../src/limit/index.js';
import { NoPhoneColumnError } from '../../src/pipeline/phone-columns.js';
import { SourceError } from '../../src/read/index.js';
import { InvariantError } from '../../src/report/index.js';
import {
  SakariAuthError,
  SakariConfigError,
  SakariHttpError,
  SakariTransportError,
} from '../../src/sakari/errors.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  LockHeldError,
  RunLock,
  STATE_STORE_ERROR_CODES,
  StateStoreError,
  type StateStoreErrorCode,
} from '../../src/state/index.js';
import { runCli, tempDir } from '../helpers.js';

const request = { method: 'POST', path: '/v1/accounts/a/contacts', detail: 'x' };

/** One failure of every kind the table knows, and the code CONTRACT §6 gives it. */
const FAILURES: Array<[string, unknown, number]> = [
  ['usage', new UsageError('unknown flag'), EXIT.usage],
  ['bad option or job file', new ConfigError(['rate: expected a positive number']), EXIT.usage],
  ['source missing', new SourceError('SOURCE_NOT_FOUND', 'a.csv', 'a.csv: no such file'), EXIT.usage],
  ['source not its format', new SourceError('SOURCE_FORMAT', 'a.json', 'a.json: not JSON'), EXIT.usage],
  ['no column can hold a phone', new NoPhoneColumnError('a.csv', ['Name', 'Notes'], []), EXIT.usage],
  ['Redis unreachable at start', new LimiterConnectionError('redis://h:6379', 'ECONNREFUSED'), EXIT.usage],
  ['credentials refused', new SakariAuthError({ ...request, status: 401 }), EXIT.usage],
  [
    'unknown account (404) or no rights (403)',
    new SakariConfigError({ ...request, status: 404 }),
    EXIT.usage,
  ],
  ['lock held', new LockHeldError({ pid: 1, host: 'h', command: 'import', since: 'now' }, '/l'), EXIT.locked],
  ['network gone', new SakariTransportError({ ...request, code: 'ECONNREFUSED' }), EXIT.aborted],
  ['5xx after the retries', new SakariHttpError({ ...request, status: 503 }), EXIT.aborted],
  ['report does not add up', new InvariantError(['rows 2 != 3']), EXIT.aborted],
  ['anything else', new Error('boom'), EXIT.aborted],
];

/** Each state store code: a path sakari-sync cannot use is configuration; a conflict is retried. */
const STATE_CODES: Record<StateStoreErrorCode, number> = {
  STATE_NOT_OURS: EXIT.usage,
  STATE_TOO_NEW: EXIT.usage,
  STATE_UNAVAILABLE: EXIT.usage,
  STATE_CONFLICT: EXIT.aborted,
};

describe('the exit-code table', () => {
  test.each(FAILURES)('%s → its CONTRACT §6 code', (_what, error, code) => {
    expect(exitCodeOfError(error)).toBe(code);
    expect(exitCodeForError(error).code).toBe(code);
  });

  test.each(STATE_STORE_ERROR_CODES.map((code) => [code]))('StateStoreError %s', (code) => {
    expect(exitCodeOfError(new StateStoreError(code, 'state'))).toBe(STATE_CODES[code]);
  });

  test('every row of the table is exercised by a failure above', () => {
    const samples = [
      ...FAILURES.map(([, error]) => error),
      ...STATE_STORE_ERROR_CODES.map((code) => new StateStoreError(code, 'state')),
    ];
    for (const rule of ERROR_EXIT_TABLE) {
      expect(
        samples.some((error) => rule.matches(error)),
        rule.failure,
      ).toBe(true);
    }
  });
});

describe('run outcomes', () => {
  test('each outcome has its own CONTRACT §6 code, and the code names the outcome back', () => {
    expect(OUTCOME_EXIT).toEqual({ completed: 0, 'rows-failed': 3, config: 2, locked: 4, aborted: 1 });
    for (const outcome of RUN_OUTCOMES) expect(outcomeOfExitCode(OUTCOME_EXIT[outcome])).toBe(outcome);
    expect(outcomeOfExitCode(130)).toBe('aborted');
  });

  test.each([
    [0, 3, 3],
    [3, 2, 2],
    [2, 4, 4],
    [4, 1, 1],
    [1, 0, 1],
    [3, 0, 3],
    [2, 3, 2],
  ])('the worse of %i and %i is %i (a watcher exits with its worst file)', (a, b, worse) => {
    expect(worseExitCode(a, b)).toBe(worse);
    expect(worseExitCode(b, a)).toBe(worse);
  });
});

describe('exit codes through the real CLI', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;
  let source: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    source = path.join(dir, 'contacts.csv');
    await writeFile(source, 'mobile,first name\n+12015550123,Ann\n');
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  const reports = (): string[] => ['--report-dir', path.join(dir, 'reports')];

  test("a --report-dir that cannot be a folder exits 2 naming the option, not 1 ('run again')", async () => {
    const file = path.join(dir, 'reports-is-a-file');
    await writeFile(file, '');
    for (const reportDir of [file, path.join(file, 'sub')]) {
      const run = await runCli([
        'import',
        source,
        '--sandbox',
        '--default-country',
        'US',
        '--report-dir',
        reportDir,
      ]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(
        /report-dir: cannot create a run folder in .* \((EEXIST|ENOTDIR)\): give --report-dir a folder/,
      );
      expect(run.stderr).not.toMatch(/run the same command again/);
    }
  });

  test("a SQLite database of another application as --state exits 2, not 1 ('run again')", async () => {
    const state = path.join(dir, 'notes.db');
    const other = new Database(state);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    other.close();
    const run = await runCli([
      'import',
      source,
      '--sandbox',
      '--default-country',
      'US',
      '--state',
      state,
      ...reports(),
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('not a sakari-sync state database');
    expect(run.stderr).not.toMatch(/run the same command again/);
  });

  test('a file that is not SQLite as --state exits 2, for import and for reconcile --fix', async () => {
    const state = path.join(dir, 'junk.db');
    await writeFile(state, 'these bytes are not a database, but quite long enough to look like one');
    for (const command of [['import'], ['reconcile', '--fix']]) {
      const run = await runCli([
        ...command,
        source,
        '--sandbox',
        '--default-country',
        'US',
        '--state',
        state,
        ...reports(),
      ]);
      expect(run.code, `${command}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('is not a SQLite database');
    }
  });

  test('a source that is not its format exits 2 (the run stops part-way, its report says 2)', async () => {
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '[{"mobile": "+12015550123"}, {"mobile": ');
    const run = await runCli([
      'import',
      broken,
      '--sandbox',
      '--default-country',
      'US',
      '--no-state',
      ...reports(),
    ]);
    expect(run.code, run.stderr).toBe(2);
  });

  test('a bad job file exits 2 and lists its problems', async () => {
    const job = path.join(dir, 'job.json');
    await writeFile(job, JSON.stringify({ sources: ['contacts.csv'], rate: -1 }));
    const run = await runCli(['run', job, '--sandbox']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/name/);
  });

  test.each([
    ['an unknown flag', ['import', 'x.csv', '--no-such-flag']],
    ['a missing argument', ['import']],
    ['an unknown command', ['frobnicate']],
    ['a value outside the choices', ['import', 'x.csv', '--merge-strategy', 'sideways']],
  ])('%s exits 2', async (_what, args) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--help');
  });

  test('another run holding the lock exits 4 and names the holder', async () => {
    const state = path.join(dir, 'state', 'state.db');
    const settings = await resolveImportSettings({ sources: [source], state, sandbox: true });
    await mkdir(path.dirname(state), { recursive: true });
    const lock = await RunLock.acquire({
      stateDir: path.dirname(state),
      jobKey: settings.jobKey,
      command: 'held by the test',
    });
    try {
      const run = await runCli([
        'import',
        source,
        '--sandbox',
        '--default-country',
        'US',
        '--state',
        state,
        ...reports(),
      ]);
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toContain('held by the test');
    } finally {
      await lock.release();
    }
  });

  test('credentials the API refuses exit 2 (configuration), for import and reconcile, without the secret', async () => {
    sandbox = await startSandbox({ clientId: 'ops', clientSecret: 'the-right-secret' });
    const secret = 'a-wrong-secret-4711';
    const connection = ['--api-url', sandbox.url, '--account', 'acct', '--client-id', 'ops'];
    for (const command of ['import', 'reconcile']) {
      const run = await runCli(
        [command, source, ...connection, '--default-country', 'US', '--no-state', ...reports()],
        { env: { SAKARI_CLIENT_SECRET: secret } },
      );
      expect(run.code, `${command}: ${run.stderr}`).toBe(2);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });
});
