import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCli, tempDir, sandboxFlags } from '../helpers.js';

const ACCOUNT = 'acc-parallel';
let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  sandbox = await startSandbox({ latencyMs: 30 });
});
afterEach(async () => {
  await sandbox.close();
  await cleanup();
});

test('three watchers on one inbox with 30 files: every file is processed exactly once', async () => {
  const inbox = path.join(dir, 'drop', 'inbox');
  await mkdir(inbox, { recursive: true });
  const expected: string[] = [];
  for (let f = 0; f < 30; f++) {
    const lines = ['mobile,first name'];
    for (let r = 0; r < 5; r++) {
      const mobile = `+1646555${String(f * 10 + r).padStart(4, '0')}`;
      expected.push(mobile);
      lines.push(`${mobile},File${f}`);
    }
    await writeFile(path.join(inbox, `drop-${String(f).padStart(2, '0')}.csv`), `${lines.join('\n')}\n`);
  }
  const args = [
    'watch',
    path.join(dir, 'drop'),
    '--once',
    '--settle-ms',
    '100',
    ...sandboxFlags(sandbox.url, ACCOUNT),
    '--state',
    path.join(dir, 'state.db'),
    '--workers',
    '0',
  ];
  const runs = await Promise.all([runCli(args), runCli(args), runCli(args)]);
  for (const run of runs) expect(run.code, run.stderr).toBe(0);

  const handled = runs.flatMap((run) =>
    run.stderr.split('\n').filter((line) => line.includes('→ processed/')),
  );
  const names = handled.map((line) => /(drop-\d+\.csv) →/.exec(line)?.[1]).sort();
  expect(names).toEqual(Array.from({ length: 30 }, (_, f) => `drop-${String(f).padStart(2, '0')}.csv`));
  // Work was shared: more than one watcher took files.
  expect(runs.filter((run) => run.stderr.includes('→ processed/')).length).toBeGreaterThan(1);
  expect((await readdir(path.join(dir, 'drop', 'processed'))).sort()).toHaveLength(30);
  expect(await readdir(path.join(dir, 'drop', 'processing'))).toEqual([]);
  const writes = sandbox.stats().writesPerMobile[ACCOUNT] ?? {};
  expect(Object.keys(writes).sort()).toEqual(expected.sort());
  expect(Object.values(writes).every((n) => n === 1)).toBe(true);
});

test("two accounts' watchers sharing one state import the same content at the same moment: neither waits for the other", async () => {
  // One export dropped for two accounts: the same bytes, two jobs (the run lock is per account
  // and options, not per content alone).
  const lines = ['mobile,first name'];
  for (let r = 0; r < 400; r++) lines.push(`+1646556${String(r).padStart(4, '0')},Row${r}`);
  const watchers = ['acc-east', 'acc-west'].map(async (account) => {
    const drop = path.join(dir, account);
    await mkdir(path.join(drop, 'inbox'), { recursive: true });
    await writeFile(path.join(drop, 'inbox', 'export.csv'), `${lines.join('\n')}\n`);
    return [
      'watch',
      drop,
      '--once',
      '--settle-ms',
      '100',
      ...sandboxFlags(sandbox.url, account),
      '--batch-size',
      '20',
      '--state',
      path.join(dir, 'state.db'),
      '--workers',
      '0',
    ];
  });
  const runs = await Promise.all((await Promise.all(watchers)).map((args) => runCli(args)));
  for (const run of runs) {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('export.csv → processed/');
  }
  for (const account of ['acc-east', 'acc-west']) {
    expect(Object.keys(sandbox.stats().writesPerMobile[account] ?? {})).toHaveLength(400);
    expect(await readdir(path.join(dir, account, 'processing'))).toEqual([]);
  }
});
