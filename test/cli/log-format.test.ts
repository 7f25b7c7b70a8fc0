/**
 * `--log-format json` beyond `import`: `reconcile`, `watch`, `run` with a watch job, and errors
 * raised before any command runs (a bad job file, an unknown flag). Every stderr line must be one
 * JSON object, and the client secret must appear nowhere. Real CLI, real sandbox over HTTP.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BIN, cleanEnv, jsonLines, ROOT, runCli, tempDir } from '../helpers.js';

const SECRET = 'Sk-live-4a7e2c90-NeverInLogs';
const ACCOUNT = 'acc-json-logs';

describe('--log-format json for reconcile, watch and run', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-jsonlog-'));
    sandbox = await startSandbox({ clientSecret: SECRET });
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  const api = (): string[] => [
    '--api-url',
    sandbox.url,
    '--account',
    ACCOUNT,
    '--client-id',
    'sandbox',
    '--client-secret',
    SECRET,
  ];

  test('reconcile: start, progress, API events and finish as JSON lines, no secret', async () => {
    const source = path.join(dir, 'contacts.csv');
    await writeFile(source, 'phone,first name\n+12015550101,Ann\n+12015550102,Bob\n+12015550103,Cy\n');
    const imported = await runCli(['import', source, ...api(), '--no-state', '--report-dir', dir]);
    expect(imported.code, imported.stderr).toBe(0);
    // Bob has changed since; the listing meets a 429 first.
    await writeFile(source, 'phone,first name\n+12015550101,Ann\n+12015550102,Robert\n+12015550103,Cy\n');
    sandbox.inject({ kind: 'status', status: 429, retryAfter: '0', match: { pathIncludes: '/contacts' } });

    const run = await runCli([
      'reconcile',
      source,
      ...api(),
      '--no-state',
      '--report-dir',
      path.join(dir, 'reports'),
      '--log-format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).not.toContain(SECRET);
    const lines = jsonLines(run.stderr);
    const events = lines.map((line) => line.event);
    expect(events[0]).toBe('run.start');
    expect(events.at(-1)).toBe('run.finish');
    expect(events).toEqual(expect.arrayContaining(['progress', 'api.throttled']));
    for (const line of lines) {
      expect(line).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        runId: expect.any(String),
      });
    }
    const finish = lines.at(-1) as { exitCode: number; counts: Record<string, number>; reportPath: string };
    expect(finish.exitCode).toBe(3);
    expect(finish.counts).toMatchObject({ matched: 2, different: 1, missing: 0, extra: 0 });
    expect(run.stdout.trim()).toBe(finish.reportPath);
  });

  test('watch --once: one JSON line per file (a failed file at warn level), then watch.finish', async () => {
    const drop = path.join(dir, 'drop');
    await mkdir(path.join(drop, 'inbox'), { recursive: true });
    await writeFile(path.join(drop, 'inbox', 'a.csv'), 'phone\n+12015550111\n+12015550112\n');
    await writeFile(path.join(drop, 'inbox', 'b.csv.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad]));

    const run = await runCli([
      'watch',
      drop,
      '--once',
      '--settle-ms',
      '100',
      ...api(),
      '--state',
      path.join(dir, 'state', 'state.db'),
      '--log-format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).not.toContain(SECRET);
    const lines = jsonLines(run.stderr);
    expect(lines.map((line) => line.event)).toEqual([
      'watch.start',
      'watch.file',
      'watch.file',
      'watch.finish',
    ]);
    const files = lines.filter((line) => line.event === 'watch.file');
    expect(files[0]).toMatchObject({
      level: 'info',
      file: 'a.csv',
      destination: 'processed',
      exitCode: 0,
      counts: { rows: 2, created: 2 },
    });
    expect(files[1]).toMatchObject({ level: 'warn', file: 'b.csv.gz', destination: 'failed', exitCode: 2 });
    expect(lines.at(-1)).toMatchObject({ exitCode: 2, files: 2 });
    expect(await readdir(path.join(drop, 'failed'))).toEqual(['b.csv.gz']);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(2);
  });

  test('run with a watch job: the watcher speaks JSON, its SIGTERM stop included (exit 0)', async () => {
    const jobDir = path.join(dir, 'job');
    await mkdir(path.join(jobDir, 'drop', 'inbox'), { recursive: true });
    await writeFile(path.join(jobDir, 'drop', 'inbox', 'a.csv'), 'phone\n+12015550121\n');
    const job = path.join(jobDir, 'drop.json');
    await writeFile(
      job,
      JSON.stringify({
        name: 'json-drop',
        state: 'drop/state.db',
        watch: { dir: 'drop', settleMs: 100 },
        sakari: {
          apiUrl: sandbox.url,
          account: ACCOUNT,
          clientId: 'sandbox',
          clientSecret: { env: 'JSON_LOG_TEST_SECRET' },
        },
      }),
    );
    // A watch job runs until stopped: SIGTERM once the file is in, as systemd would.
    const child = spawn(process.execPath, [BIN, 'run', job, '--log-format', 'json'], {
      cwd: ROOT,
      env: { ...cleanEnv(), JSON_LOG_TEST_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stopped = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!stopped && stderr.includes('"event":"watch.file"')) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(guard);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain(SECRET);
    const events = jsonLines(stderr).map((line) => line.event);
    expect(events).toEqual(['watch.start', 'watch.file', 'watch.signal', 'watch.finish']);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(1);
  });

  test('a bad job file, a missing source, a bad option and an unknown flag: a JSON error line, exit 2', async () => {
    const job = path.join(dir, 'bad.json');
    await writeFile(job, JSON.stringify({ name: 'bad', sources: [], batchSize: 'many' }));
    const badJob = await runCli(['run', job, '--log-format', 'json']);
    expect(badJob.code).toBe(2);
    const jobLines = jsonLines(badJob.stderr);
    expect(jobLines).toHaveLength(1);
    expect(jobLines[0]).toMatchObject({ level: 'error', event: 'run.error', exitCode: 2 });
    expect(String(jobLines[0]?.msg)).toContain('batchSize');

    for (const args of [
      ['reconcile', path.join(dir, 'nope.csv'), '--sandbox', '--no-state'],
      ['watch', dir, '--once', '--sandbox', '--batch-size', '0'],
    ]) {
      const failed = await runCli([...args, '--log-format', 'json']);
      expect(failed.code, failed.stderr).toBe(2);
      expect(jsonLines(failed.stderr).at(-1)).toMatchObject({
        level: 'error',
        event: 'run.error',
        exitCode: 2,
      });
    }

    const badFlag = await runCli(['import', 'x.csv', '--no-such-flag', '--log-format=json']);
    expect(badFlag.code).toBe(2);
    const flagLines = jsonLines(badFlag.stderr);
    expect(flagLines).toHaveLength(1);
    expect(String(flagLines[0]?.msg)).toContain('no-such-flag');
  });
});
