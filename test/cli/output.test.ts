/**
 * What the real CLI writes where (issue 6): stdout only the report path or the JSON summary,
 * stderr human text without control characters off a terminal, or one JSON object per line with
 * `--log-format json`; the pre-flight and its warnings; no secret anywhere.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { jsonLines, reportPathOf, runCli, tempDir } from '../helpers.js';

/** ESC, CR and every other C0 control character except the newline that ends a line. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f]/;

const DEMO = ['import', 'samples/contacts.csv', '--sandbox', '--default-country', 'US', '--no-state'];

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('CLI output (non-TTY)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-cli-'));
  });
  afterEach(async () => {
    await cleanup();
  });

  test('the demo prints the pre-flight and a summary on stderr without control characters, and only the report path on stdout', async () => {
    const run = await runCli([...DEMO, '--report-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${reportPathOf(run)}\n`);
    expect(reportPathOf(run).startsWith(dir)).toBe(true);
    expect(run.stdout).not.toMatch(CONTROL_CHARACTERS);
    expect(run.stderr).not.toMatch(CONTROL_CHARACTERS);
    expect(run.stderr).toMatch(/pre-flight: 30 rows read/);
    expect(run.stderr).toContain('delimiter ","');
    expect(run.stderr).toContain('Phone → mobile');
    expect(run.stderr).toMatch(/attributes: Company, Plan/);
    expect(run.stderr).toMatch(
      /column 'Phone' looks Excel-mangled in 1 row \(e\.g\. line 24: 4\.47700900123E\+11\)/,
    );
    expect(run.stderr).toMatch(/valid 21: created 21/);
    // The pre-flight comes before the summary.
    expect(run.stderr.indexOf('pre-flight')).toBeLessThan(run.stderr.indexOf('api: '));
  });

  test('--quiet leaves only the warnings on stderr', async () => {
    const run = await runCli([...DEMO, '--report-dir', dir, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^warning: column 'Phone' looks Excel-mangled/),
    ]);
  });

  test('--json and --log-format json: stdout is one JSON document, every stderr line a JSON object', async () => {
    const run = await runCli([...DEMO, '--report-dir', dir, '--log-format', 'json', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { counts: { rows: number }; reportPath: string };
    expect(summary.counts.rows).toBe(30);
    expect(summary.reportPath.startsWith(dir)).toBe(true);
    const lines = jsonLines(run.stderr);
    const events = lines.map((line) => line.event);
    expect(events[0]).toBe('run.start');
    expect(events.at(-1)).toBe('run.finish');
    expect(events).toContain('preflight');
    for (const line of lines) {
      expect(line).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        runId: expect.any(String),
      });
    }
    const preflight = lines.find((line) => line.event === 'preflight') as {
      rowsRead: number;
      sources: Array<{
        delimiter: string;
        headers: string[];
        mapping: Array<{ header: string; field: string | null }>;
      }>;
      warnings: Array<{ code: string }>;
    };
    expect(preflight.rowsRead).toBe(30);
    expect(preflight.sources[0]?.delimiter).toBe(',');
    expect(preflight.sources[0]?.mapping).toContainEqual({ header: 'Phone', field: 'mobile' });
    expect(preflight.sources[0]?.mapping).toContainEqual({ header: 'Plan', field: 'attributes.Plan' });
    expect(preflight.warnings.map((w) => w.code)).toEqual(['PHONE_EXCEL_MANGLED']);
    const finish = lines.at(-1) as {
      counts: { rows: number; created: number };
      exitCode: number;
      reportPath: string;
    };
    expect(finish).toMatchObject({
      exitCode: 0,
      counts: { rows: 30, created: 21 },
      reportPath: summary.reportPath,
    });
    expect(run.stderr).not.toMatch(CONTROL_CHARACTERS);
  });

  test('--log-format json: a configuration error is a JSON line too, with the exit code', async () => {
    const run = await runCli([
      'import',
      path.join(dir, 'nope.csv'),
      '--dry-run',
      '--no-state',
      '--log-format',
      'json',
    ]);
    expect(run.code).toBe(2);
    const lines = jsonLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'run.error', level: 'error', exitCode: 2 });
    expect(String(lines[0]?.msg)).toContain('nope.csv');
  });

  test('pre-flight warns about an Excel-mangled column and a missing country before anything is sent', async () => {
    const source = path.join(dir, 'crm.csv');
    await writeFile(
      source,
      [
        'Name;Cell;Notes',
        'Ann Lee;4.47911123456E+11;vip',
        'Bob Ray;(201) 555-0123;',
        'Cy Dee;4.47911123457E+11;',
        'Di Fox;+44 7911 123458;',
      ].join('\n'),
    );
    const run = await runCli(['import', source, '--dry-run', '--no-state', '--report-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(CONTROL_CHARACTERS);
    expect(run.stderr).toContain('delimiter ";"');
    expect(run.stderr).toContain('Cell → mobile');
    expect(run.stderr).toContain('Name → name');
    expect(run.stderr).toMatch(/warning: column 'Cell' looks Excel-mangled in 2 rows/);
    expect(run.stderr).toMatch(
      /warning: no country column and no --default-country: numbers without \+ will be invalid \(1 row so far\)/,
    );
  });

  test('bytes that are not UTF-8 are read as windows-1252, and the pre-flight says so', async () => {
    const source = path.join(dir, 'latin1.csv');
    await writeFile(
      source,
      Buffer.from('phone,first name\n+12015550123,Jos\xe9\n+12015550147,Ren\xe9e\n', 'latin1'),
    );
    const run = await runCli(['import', source, '--dry-run', '--no-state', '--report-dir', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('latin1.csv: CSV, delimiter ",", windows-1252, 2 columns');
    expect(run.stderr).toMatch(/warning: not valid UTF-8: read as windows-1252 .*give --encoding/);
    expect(run.stderr).not.toContain('byte sequences are not valid UTF-8');
    // Said outright, the encoding is no guess: nothing to warn about.
    const fixed = await runCli([
      'import',
      source,
      '--dry-run',
      '--no-state',
      '--report-dir',
      dir,
      '--encoding',
      'latin1',
    ]);
    expect(fixed.stderr).not.toContain('warning');
  });
});

describe('secrets never reach stdout, stderr or a report', () => {
  const SECRET = 'Sk-live-9f3b7c1e-DoNotLeak';
  const ACCOUNT = 'acc-secret';
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-secret-'));
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  /** Runs an import against the sandbox while its tokens keep expiring; returns everything the run wrote. */
  async function leakyRun(
    format: 'text' | 'json',
    secretBy: 'flag' | 'env',
  ): Promise<{ texts: string[]; stderr: string; code: number | null }> {
    sandbox = await startSandbox({ clientSecret: SECRET, latencyMs: 60 });
    sandbox.inject(
      { kind: 'status', status: 429, retryAfter: '0', match: { pathIncludes: '/contacts' } },
      { kind: 'status', status: 500, match: { pathIncludes: '/contacts' } },
      { kind: 'status', status: 401, code: 'AUTH-002', match: { pathIncludes: '/contacts' } },
    );
    const rows = Array.from({ length: 60 }, (_, i) => `+1201555${String(1000 + i)},Person ${i}`);
    const source = path.join(dir, 'contacts.csv');
    await writeFile(source, ['phone,first name', ...rows].join('\n'));
    const live = sandbox;
    // Mid-run, every token issued so far stops working: the client must fetch a new one.
    const expiring = setTimeout(() => live.expireTokens(), 300);
    const reportDir = path.join(dir, 'reports');
    try {
      const run = await runCli(
        [
          'import',
          source,
          '--api-url',
          live.url,
          '--account',
          ACCOUNT,
          '--client-id',
          'sandbox',
          ...(secretBy === 'flag' ? ['--client-secret', SECRET] : []),
          '--batch-size',
          '10',
          '--concurrency',
          '1',
          '--no-state',
          '--report-dir',
          reportDir,
          '--log-format',
          format,
        ],
        { env: secretBy === 'env' ? { SAKARI_CLIENT_SECRET: SECRET } : {} },
      );
      const reports = await Promise.all((await filesUnder(reportDir)).map((file) => readFile(file, 'utf8')));
      expect(reports.length).toBeGreaterThanOrEqual(4);
      return { texts: [run.stdout, run.stderr, ...reports], stderr: run.stderr, code: run.code };
    } finally {
      clearTimeout(expiring);
    }
  }

  test.each([
    ['text', 'flag'],
    ['json', 'env'],
  ] as const)(
    'with 429, 500, 401 and expiring tokens (--log-format %s, secret by %s)',
    async (format, secretBy) => {
      const { texts, stderr, code } = await leakyRun(format, secretBy);
      expect(code, stderr).toBe(0);
      expect(sandbox?.stats().tokensIssued).toBeGreaterThan(1);
      for (const text of texts) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toMatch(/Bearer\s+[^\s[]/i);
      }
      if (format === 'json') {
        const events = jsonLines(stderr).map((line) => line.event);
        expect(events).toEqual(
          expect.arrayContaining(['api.throttled', 'api.retry', 'token.refresh', 'run.finish']),
        );
      }
    },
  );

  test('a refused secret is not echoed in the error', async () => {
    sandbox = await startSandbox({ clientSecret: SECRET });
    const source = path.join(dir, 'one.csv');
    await writeFile(source, 'phone\n+12015550123\n');
    const wrong = `${SECRET}-but-wrong`;
    for (const format of ['text', 'json']) {
      const run = await runCli([
        'import',
        source,
        '--api-url',
        sandbox.url,
        '--account',
        ACCOUNT,
        '--client-id',
        'sandbox',
        '--client-secret',
        wrong,
        '--no-state',
        '--report-dir',
        path.join(dir, 'reports'),
        '--log-format',
        format,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('401 AUTH-001');
      expect(run.stderr).not.toContain(wrong);
      expect(run.stderr).not.toContain(SECRET);
    }
  });
});
