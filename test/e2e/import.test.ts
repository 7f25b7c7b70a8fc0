import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, tempDir, sandboxFlags } from '../helpers.js';

const ACCOUNT = 'acc-e2e';

describe('sakari-sync import (the real CLI against the sandbox)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await sandbox?.close();
    await cleanup();
  });

  function connection(): string[] {
    return sandboxFlags(sandbox.url, ACCOUNT);
  }

  test('with 429s and 5xx injected, Sakari ends up holding exactly the valid contacts and every row is reported', async () => {
    sandbox = await startSandbox({ rate: 40, burst: 2, failRate: 0.1, seed: 7 });
    sandbox.inject(
      { kind: 'status', status: 429, retryAfter: '1', match: { pathIncludes: '/contacts' } },
      { kind: 'status', status: 503, match: { pathIncludes: '/contacts' } },
      { kind: 'drop', match: { pathIncludes: '/contacts' } },
    );
    const source = path.join(dir, 'contacts.csv');
    await generateContactsCsv(source, 300, 11);

    const run = await runCli(
      [
        'import',
        source,
        ...connection(),
        '--batch-size',
        '20',
        '--rate',
        '40',
        '--concurrency',
        '2',
        '--report-dir',
        path.join(dir, 'reports'),
        '--state',
        path.join(dir, 'state.db'),
      ],
      { timeoutMs: 120_000 },
    );

    expect(run.stderr).not.toContain('sandbox:');
    expect(run.code, run.stderr).toBe(0);
    const reportPath = reportPathOf(run);
    const rows = await readCsv(path.join(reportPath, 'rows.csv'));
    const source_records = (await readCsv(source)).length;
    expect(rows).toHaveLength(source_records);
    expect(rows.map((r) => Number(r.line))).toEqual(rows.map((_, i) => i + 2)); // one physical line per record after the header

    const delivered = rows
      .filter((r) => r.status === 'created' || r.status === 'updated')
      .map((r) => r.mobile_e164);
    const stored = sandbox.contacts(ACCOUNT).map((c) => c.mobile.number);
    expect(new Set(stored)).toEqual(new Set(delivered));
    expect(stored).toHaveLength(new Set(stored).size);

    const summary = JSON.parse(await readFile(path.join(reportPath, 'summary.json'), 'utf8'));
    const c = summary.counts;
    expect(c.rows).toBe(source_records);
    expect(c.rows).toBe(c.valid + c.invalid + c.duplicate);
    expect(c.valid).toBe(c.unchanged + c.created + c.updated + c.blocked + c.failed);
    expect(c.failed).toBe(0);
    expect(c.invalid).toBeGreaterThan(0);
    expect(summary.exitCode).toBe(0);
    expect(summary.api.throttled).toBeGreaterThan(0);
    expect(summary.api.retries).toBeGreaterThan(0);
    expect(sandbox.stats().retryAfterViolations).toBe(0);

    // A second run of the same file sends nothing: every valid row is unchanged.
    const before = sandbox.stats().apiRequests;
    const again = await runCli([
      'import',
      source,
      ...connection(),
      '--report-dir',
      path.join(dir, 'reports'),
      '--state',
      path.join(dir, 'state.db'),
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.counts.unchanged).toBe(c.valid);
    expect(second.counts.created + second.counts.updated).toBe(0);
    expect(sandbox.stats().apiRequests).toBe(before);
  });

  test('blocked numbers are reported blocked, never retried, and exit code stays 0', async () => {
    sandbox = await startSandbox({ blocked: ['+12015550123'] });
    const source = path.join(dir, 'small.csv');
    await writeFile(source, 'phone,first name\n+1 201 555 0123,Opted Out\n+1 201 555 0147,Fine\n');
    const run = await runCli([
      'import',
      source,
      ...connection(),
      '--no-state',
      '--report-dir',
      path.join(dir, 'r'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((r) => [r.status, r.code])).toEqual([
      ['blocked', 'CONT-010'],
      ['created', ''],
    ]);
    expect(sandbox.stats().writesPerMobile[ACCOUNT]?.['+12015550123']).toBeUndefined();
  });

  test('exit codes: missing credentials 2, unknown flag 2, missing file 2, --strict with invalid rows 3', async () => {
    const source = path.join(dir, 'one.csv');
    await writeFile(source, 'mobile\n+12015550123\nnot a number\n');
    const noCreds = await runCli(['import', source]);
    expect(noCreds.code).toBe(2);
    expect(noCreds.stderr).toMatch(/credentials missing/);

    const unknown = await runCli(['import', source, '--bogus-flag']);
    expect(unknown.code).toBe(2);

    const missing = await runCli(['import', path.join(dir, 'nope.csv'), '--dry-run', '--no-state']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');

    const strict = await runCli([
      'import',
      source,
      '--dry-run',
      '--no-state',
      '--strict',
      '--report-dir',
      path.join(dir, 'r'),
    ]);
    expect(strict.code).toBe(3);
    const lenient = await runCli([
      'import',
      source,
      '--dry-run',
      '--no-state',
      '--report-dir',
      path.join(dir, 'r'),
    ]);
    expect(lenient.code).toBe(0);
  });

  test('the demo sample runs in the embedded sandbox and no secret reaches the output', async () => {
    const run = await runCli([
      'import',
      'samples/contacts.csv',
      '--sandbox',
      '--default-country',
      'US',
      '--report-dir',
      path.join(dir, 'reports'),
      '--state',
      path.join(dir, 'state.db'),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.counts.rows).toBe(30);
    expect(summary.counts.created).toBeGreaterThan(15);
    expect(summary.counts.invalid).toBeGreaterThan(3);
    expect(summary.counts.duplicate).toBe(1);
    const reportFiles = await Promise.all(
      ['summary.json', 'rows.csv', 'rejected.csv', 'report.html'].map((f) =>
        readFile(path.join(summary.reportPath, f), 'utf8'),
      ),
    );
    for (const text of [run.stdout, run.stderr, ...reportFiles])
      expect(text).not.toMatch(/Bearer [A-Za-z0-9]/);
  });

  test('--verify reconciles after the import and exits 3 when Sakari lost contacts the state store thinks are there', async () => {
    sandbox = await startSandbox({});
    const source = path.join(dir, 'verify.csv');
    await writeFile(source, 'mobile,first name\n+12015550123,Ann\n+12015550147,Bob\nnope,Bad\n');
    const args = [
      'import',
      source,
      ...connection(),
      '--state',
      path.join(dir, 'state.db'),
      '--report-dir',
      path.join(dir, 'r'),
      '--verify',
    ];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/verify: 2 matched, 0 missing, 0 different, 0 extra/);

    sandbox.reset(); // Sakari lost everything; the state store still says "sent"
    const second = await runCli(args);
    expect(second.stderr).toMatch(/unchanged 2/);
    expect(second.stderr).toMatch(/verify: 0 matched, 2 missing/);
    expect(second.code).toBe(3);
  });
});
