/**
 * Several machines, simulated: separate working folders (nothing on disk shared), one PostgreSQL
 * state (`--state postgres://...` or SAKARI_SYNC_STATE), one sandbox. The real CLI from `dist/`.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  BIN,
  cleanEnv,
  readCsv,
  reportPathOf,
  runCli,
  sandboxFlags,
  tempDir,
  type CliRun,
} from '../helpers.js';
import { startPostgres, type PostgresServer } from '../state/postgres-helpers.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** `count` valid US mobiles, one per row: every row is a contact to deliver. */
function contactsCsv(count: number): string {
  const rows = Array.from(
    { length: count },
    (_, i) => `+1 646 555 ${String(i).padStart(4, '0')},Name${i},Family`,
  );
  return ['mobile,first name,last name', ...rows].join('\n') + '\n';
}

describe('several machines on one PostgreSQL state', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;
  let stateUrl: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-machines-'));
    stateUrl = await server.createDatabase();
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  /** A "machine": its own working folder holding its own copy of the source. */
  async function machine(name: string, csv: string): Promise<string> {
    const folder = path.join(dir, name);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'contacts.csv'), csv);
    return folder;
  }

  const importArgs = (account: string, extra: string[] = []): string[] => [
    'import',
    'contacts.csv',
    ...sandboxFlags(sandbox!.url, account),
    ...extra,
  ];

  function expectNoPassword(...runs: CliRun[]): void {
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(server.password);
  }

  test('the same job started on three machines at once runs once (the others exit 4); a fourth re-runs it with 0 writes', async () => {
    const account = 'acc-three';
    sandbox = await startSandbox({ latencyMs: 300 });
    const csv = contactsCsv(60);
    const folders = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((name) => machine(name, csv)));
    const slow = ['--batch-size', '5', '--concurrency', '1'];

    const runs = await Promise.all(
      folders.slice(0, 3).map((folder, i) =>
        // One machine names the state by flag, the others by environment: the same job either way.
        runCli(importArgs(account, i === 0 ? ['--state', stateUrl, ...slow] : slow), {
          cwd: folder,
          env: i === 0 ? {} : { SAKARI_SYNC_STATE: stateUrl },
          timeoutMs: 120_000,
        }),
      ),
    );
    expect(runs.map((run) => run.code).sort()).toEqual([0, 4, 4]);
    for (const loser of runs.filter((run) => run.code === 4)) {
      expect(loser.stderr).toMatch(new RegExp(`pid \\d+ on ${hostname()}`));
      expect(loser.stderr).toContain('sakari:***@127.0.0.1');
    }
    expectNoPassword(...runs);
    const writesAfterFirst = Object.values(sandbox.stats().writesPerMobile[account] ?? {});
    expect(writesAfterFirst).toHaveLength(60);
    expect(Math.max(...writesAfterFirst)).toBe(1);

    const rerun = await runCli(importArgs(account, ['--json']), {
      cwd: folders[3],
      env: { SAKARI_SYNC_STATE: stateUrl },
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).counts).toMatchObject({
      rows: 60,
      unchanged: 60,
      created: 0,
      updated: 0,
    });
    const writesAfterRerun = Object.values(sandbox.stats().writesPerMobile[account] ?? {});
    expect(writesAfterRerun.reduce((a, b) => a + b, 0)).toBe(60);
    expectNoPassword(rerun);
    // The report's settings name the state without its password.
    const summary = await readFile(path.join(JSON.parse(rerun.stdout).reportPath, 'summary.json'), 'utf8');
    expect(summary).not.toContain(server.password);
  });

  test('another machine re-running the export recognises its records from the PostgreSQL state without parsing them', async () => {
    const account = 'acc-recall';
    sandbox = await startSandbox({});
    const csv = contactsCsv(2_000);
    const [first, second] = await Promise.all(['m1', 'm2'].map((name) => machine(name, csv)));
    const env = { SAKARI_SYNC_STATE: stateUrl };
    const imported = await runCli(importArgs(account, ['--json']), { cwd: first, env });
    expect(imported.code, imported.stderr).toBe(0);
    const rerun = await runCli(importArgs(account, ['--json']), { cwd: second, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout) as { counts: Record<string, number>; reportPath: string };
    expect(result.counts).toMatchObject({ rows: 2_000, unchanged: 2_000, created: 0, updated: 0 });
    const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8')) as {
      recalledRows: number;
      recalledUnparsed: number;
    };
    expect(summary.recalledRows).toBe(2_000);
    // The source's first rows are always parsed; the others are settled from the state.
    expect(summary.recalledUnparsed).toBeGreaterThan(1_000);
    expect(Object.values(sandbox.stats().writesPerMobile[account] ?? {}).reduce((a, b) => a + b, 0)).toBe(
      2_000,
    );
    const columns = (row: Record<string, string>): string[] => [
      row.line as string,
      row.mobile_input as string,
      row.mobile_e164 as string,
      row.contact_id as string,
    ];
    const before = await readCsv(path.join(JSON.parse(imported.stdout).reportPath as string, 'rows.csv'));
    const after = await readCsv(path.join(result.reportPath, 'rows.csv'));
    expect(after.map(columns)).toEqual(before.map(columns));
  });

  test('a run SIGKILLed at 40% on one machine is completed from another, no contact written more than twice', async () => {
    const account = 'acc-kill';
    const total = 300;
    sandbox = await startSandbox({ rate: 25, burst: 2 });
    const csv = contactsCsv(total);
    const [first, second] = await Promise.all([machine('m1', csv), machine('m2', csv)]);
    const flags = ['--state', stateUrl, '--batch-size', '10', '--rate', '25'];

    const child = spawn(process.execPath, [BIN, ...importArgs(account, flags)], {
      cwd: first,
      env: cleanEnv(),
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    while (sandbox.contacts(account).length < total * 0.4) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const storedAtKill = sandbox.contacts(account).length;
    expect(storedAtKill).toBeLessThan(total);

    const resumed = await runCli(importArgs(account, flags), { cwd: second, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming interrupted run/);
    expectNoPassword(resumed);
    const rows = await readCsv(path.join(reportPathOf(resumed), 'rows.csv'));
    expect(rows).toHaveLength(total);
    expect(rows.every((row) => row.status === 'created' || row.status === 'updated')).toBe(true);
    expect(
      rows.filter((row) => row.message?.startsWith('delivered before the interruption')).length,
    ).toBeGreaterThan(0);
    expect(sandbox.contacts(account)).toHaveLength(total);
    const writes = Object.values(sandbox.stats().writesPerMobile[account] ?? {});
    expect(Math.max(...writes)).toBeLessThanOrEqual(2);
    // At most the batches in flight at the kill (concurrency 2 x batch size 10) were sent twice.
    expect(writes.filter((n) => n === 2).length).toBeLessThanOrEqual(20);
  });

  test('watch on two machines: a content one imported is filed by the other without sending anything', async () => {
    const account = 'acc-watch';
    sandbox = await startSandbox({});
    const csv = contactsCsv(20);
    const drops = [path.join(dir, 'm1', 'drop'), path.join(dir, 'm2', 'drop')];
    for (const drop of drops) {
      await mkdir(path.join(drop, 'inbox'), { recursive: true });
      await writeFile(path.join(drop, 'inbox', 'crm.csv'), csv);
    }
    const watchOnce = (drop: string) =>
      runCli(['watch', drop, '--once', '--settle-ms', '0', ...sandboxFlags(sandbox!.url, account)], {
        cwd: path.dirname(drop),
        env: { SAKARI_SYNC_STATE: stateUrl },
      });
    const a = await watchOnce(drops[0]!);
    expect(a.code, a.stderr).toBe(0);
    const b = await watchOnce(drops[1]!);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/already imported/);
    expectNoPassword(a, b);
    expect(await readdir(path.join(drops[1]!, 'processed'))).toEqual(['crm.csv']);
    const writes = Object.values(sandbox.stats().writesPerMobile[account] ?? {});
    expect(writes).toHaveLength(20);
    expect(Math.max(...writes)).toBe(1);
  });

  test('a PostgreSQL state that cannot be reached at start is exit 2, its password masked', async () => {
    const folder = await machine('m1', contactsCsv(3));
    const unreachable = server.url.replace(`:${server.port}/`, ':1/');
    const run = await runCli(['import', 'contacts.csv', '--sandbox', '--state', unreachable], {
      cwd: folder,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sakari:***@127.0.0.1:1');
    expectNoPassword(run);
  });
});
