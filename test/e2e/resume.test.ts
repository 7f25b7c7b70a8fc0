import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BIN, cleanEnv, readCsv, reportPathOf, runCli, tempDir, sandboxFlags } from '../helpers.js';

const ACCOUNT = 'acc-resume';

describe('incremental sync, resume after SIGKILL, and the run lock', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    await sandbox?.close();
    await cleanup();
  });

  const args = (source: string, extra: string[] = []): string[] => [
    'import',
    source,
    ...sandboxFlags(sandbox.url, ACCOUNT),
    '--report-dir',
    path.join(dir, 'reports'),
    '--state',
    path.join(dir, 'state.db'),
    ...extra,
  ];

  test('a run SIGKILLed mid-import and started again delivers every valid contact, none more than twice', async () => {
    sandbox = await startSandbox({ rate: 25, burst: 2 });
    const source = path.join(dir, 'contacts.csv');
    await generateContactsCsv(source, 400, 3);

    const child = spawn(process.execPath, [BIN, ...args(source, ['--batch-size', '10', '--rate', '25'])], {
      env: cleanEnv(),
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once it is well into the import.
    while (sandbox.stats().apiRequests < 10) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const storedAfterKill = sandbox.contacts(ACCOUNT).length;
    expect(storedAfterKill).toBeGreaterThan(0);

    const resumed = await runCli(args(source, ['--batch-size', '10', '--rate', '25']), {
      timeoutMs: 120_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming interrupted run/);
    const rows = await readCsv(path.join(reportPathOf(resumed), 'rows.csv'));
    expect(rows).toHaveLength((await readCsv(source)).length);
    const valid = rows.filter((r) => !['invalid', 'duplicate'].includes(r.status ?? ''));
    // Rows the killed attempt delivered keep their real outcome; nothing is "unchanged". Only the
    // batches in flight at the kill (applied by Sakari, never acknowledged to us) are sent again, and
    // Sakari then reports them `updated`: at most concurrency (2) x batch size (10) rows.
    expect(valid.every((r) => r.status === 'created' || r.status === 'updated')).toBe(true);
    expect(valid.filter((r) => r.status === 'updated').length).toBeLessThanOrEqual(20);
    expect(
      valid.filter((r) => r.message?.startsWith('delivered before the interruption')).length,
    ).toBeGreaterThan(0);
    const stored = sandbox
      .contacts(ACCOUNT)
      .map((c) => c.mobile.number)
      .sort();
    expect(stored).toEqual(valid.map((r) => r.mobile_e164).sort());
    const writes = Object.values(sandbox.stats().writesPerMobile[ACCOUNT] ?? {});
    expect(Math.max(...writes)).toBeLessThanOrEqual(2);
    // Fewer writes than two full runs: the first attempt's acknowledged rows were not re-sent.
    expect(writes.reduce((a, b) => a + b, 0)).toBeLessThan(valid.length + storedAfterKill);
  });

  test('changing 1% of the rows sends exactly those rows', async () => {
    sandbox = await startSandbox({});
    const source = path.join(dir, 'crm.csv');
    const rowsFor = (changed: Set<number>): string =>
      [
        'mobile,first name,last name',
        ...Array.from(
          { length: 1000 },
          (_, i) =>
            `+1 646 555 ${String(i).padStart(4, '0')},${changed.has(i) ? 'Changed' : 'Name'}${i},Family`,
        ),
      ].join('\n') + '\n';
    await writeFile(source, rowsFor(new Set()));
    const first = await runCli(args(source, ['--json']));
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).counts.created).toBe(1000);

    const changed = new Set([3, 99, 150, 151, 400, 555, 700, 801, 950, 999]);
    await writeFile(source, rowsFor(changed));
    const second = await runCli(args(source, ['--json']));
    expect(second.code, second.stderr).toBe(0);
    const counts = JSON.parse(second.stdout).counts;
    expect(counts).toMatchObject({ rows: 1000, updated: 10, created: 0, unchanged: 990 });
    const writes = sandbox.stats().writesPerMobile[ACCOUNT] ?? {};
    const twice = Object.entries(writes)
      .filter(([, n]) => n === 2)
      .map(([mobile]) => Number(mobile.slice(-4)))
      .sort((a, b) => a - b);
    expect(twice).toEqual([...changed].sort((a, b) => a - b));
    const report = await readFile(path.join(JSON.parse(second.stdout).reportPath, 'rows.csv'), 'utf8');
    expect(report.split('\n').filter((l) => l.includes(',updated,'))).toHaveLength(10);
  });

  test('two runs on one state file at once: one exits 4 naming the holder', async () => {
    sandbox = await startSandbox({ latencyMs: 400 });
    const source = path.join(dir, 'slow.csv');
    await generateContactsCsv(source, 60, 5);
    const [a, b] = await Promise.all([
      runCli(args(source, ['--batch-size', '5', '--concurrency', '1'])),
      runCli(args(source, ['--batch-size', '5', '--concurrency', '1'])),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 4]);
    const loser = a.code === 4 ? a : b;
    expect(loser.stderr).toMatch(/pid \d+/);
  });

  test('SIGTERM finishes and records the batches in flight, exits 1, and the resumed run writes nothing twice', async () => {
    sandbox = await startSandbox({ rate: 20, burst: 2, latencyMs: 100 });
    const source = path.join(dir, 'term.csv');
    await generateContactsCsv(source, 300, 8);
    const child = spawn(process.execPath, [BIN, ...args(source, ['--batch-size', '10', '--rate', '20'])], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (sandbox.stats().apiRequests < 6) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/SIGTERM: finishing the batches in flight/);
    const partial = await readCsv(path.join(stdout.trim().split('\n').pop()!, 'rows.csv'));
    const recorded = new Set(partial.filter((r) => r.status === 'created').map((r) => r.mobile_e164));
    // Everything Sakari stored was recorded: the batches in flight were finished, not abandoned.
    for (const contact of sandbox.contacts(ACCOUNT)) expect(recorded).toContain(contact.mobile.number);

    const resumed = await runCli(args(source, ['--batch-size', '10', '--rate', '20']), {
      timeoutMs: 120_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const writes = Object.values(sandbox.stats().writesPerMobile[ACCOUNT] ?? {});
    expect(Math.max(...writes)).toBe(1);
    const rows = await readCsv(path.join(reportPathOf(resumed), 'rows.csv'));
    expect(rows).toHaveLength((await readCsv(source)).length);
  });
});
