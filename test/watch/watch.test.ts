import { execFileSync, spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import {
  appendFile,
  chmod,
  chown,
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { isIgnoredName, watchFolder, type WatchOptions } from '../../src/watch/watcher.js';
import { BIN, cleanEnv, readCsv, runCli, tempDir, sandboxFlags } from '../helpers.js';
import { binaryFiles } from '../read/helpers.js';

const ACCOUNT = 'acc-watch';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const readJson = async (file: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
/** Ten distinct US mobiles from `from`, one CSV line each, with a first name. */
const contactLines = (from: number, count = 10, name = 'Ann'): string =>
  Array.from({ length: count }, (_, i) => `+1201555${String(1000 + from + i)},${name}\n`).join('');

describe('watch: file drops', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    sandbox = await startSandbox({});
    await mkdir(path.join(dir, 'drop', 'inbox'), { recursive: true });
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  const inbox = (): string => path.join(dir, 'drop', 'inbox');
  const folder = (name: string): Promise<string[]> =>
    readdir(path.join(dir, 'drop', name)).then((f) => f.sort());
  const options = (
    extra: Partial<WatchOptions> = {},
    template: Partial<WatchOptions['template']> = {},
  ): WatchOptions => ({
    dir: path.join(dir, 'drop'),
    template: {
      apiUrl: sandbox.url,
      account: ACCOUNT,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      state: path.join(dir, 'state.db'),
      defaultCountry: 'US',
      workers: 0,
      ...template,
    },
    settleMs: 300,
    rescanMs: 100,
    ...extra,
  });

  test('files present at start-up are processed, filed away, and reported', async () => {
    await writeFile(path.join(inbox(), 'a.csv'), 'mobile,name\n+12015550123,Ann Lee\n+12015550147,Bob Ray\n');
    await writeFile(path.join(inbox(), 'b.ndjson'), '{"mobile":"+12125550199"}\nnot json\n');
    const lines: string[] = [];
    const result = await watchFolder(options({ once: true, log: (entry) => lines.push(entry.message) }));
    expect(result.files.map((f) => [f.file, f.destination, f.exitCode])).toEqual([
      ['a.csv', 'processed', 0],
      ['b.ndjson', 'processed', 0],
    ]);
    expect(await folder('processed')).toEqual(['a.csv', 'b.ndjson']);
    expect(await folder('inbox')).toEqual([]);
    expect(await folder('processing')).toEqual([]);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(3);
    expect(lines.filter((l) => l.includes('→ processed/'))).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/b\.ndjson → processed\/ \(exit 0\) 2 rows: 1 created.*1 invalid/);
    for (const file of result.files) {
      expect(
        JSON.parse(await readFile(path.join(file.reportPath!, 'summary.json'), 'utf8')).counts.rows,
      ).toBeGreaterThan(0);
    }
  });

  test('one watcher, many files: one OAuth token serves them all, and each report counts its own requests', async () => {
    const FILES = 6;
    for (let i = 0; i < FILES; i++) {
      await writeFile(path.join(inbox(), `drop-${i}.csv`), `mobile\n+1201555${String(1000 + i)}\n`);
    }
    const result = await watchFolder(options({ once: true }));
    expect(result.files.map((f) => [f.destination, f.exitCode])).toEqual(
      Array.from({ length: FILES }, () => ['processed', 0]),
    );
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(FILES);
    const stats = sandbox.stats();
    expect(stats.tokensIssued).toBe(1);
    // The files share one client; each summary.json counts the requests of its own file only.
    let reported = 0;
    for (const file of result.files) {
      const summary = JSON.parse(await readFile(path.join(file.reportPath!, 'summary.json'), 'utf8'));
      expect(summary.api.requests).toBeGreaterThan(0);
      reported += summary.api.requests as number;
    }
    expect(reported).toBe(stats.requests);
  });

  test('a file written slowly in chunks is not taken before it is complete; .part is taken once renamed', async () => {
    const controller = new AbortController();
    // A wide settle time against the 150 ms between chunks, so a slow CI machine cannot fake a pause.
    const watching = watchFolder(options({ signal: controller.signal, settleMs: 1_000 }));
    const slow = path.join(inbox(), 'slow.csv');
    await writeFile(slow, 'mobile,first name\n');
    for (let i = 0; i < 8; i++) {
      await appendFile(slow, `+1646555${String(1000 + i)},Chunk${i}\n`);
      await sleep(150); // shorter than settleMs: the file never looks finished
      expect(await folder('inbox')).toContain('slow.csv');
    }
    const part = path.join(inbox(), 'upload.csv.part');
    await writeFile(part, 'mobile\n+12125550111\n');
    // slow.csv settles a second after its last chunk; by then the .part has been still as long.
    while (!(await folder('processed')).includes('slow.csv')) await sleep(50);
    await sleep(300);
    expect(await folder('inbox')).toEqual(['upload.csv.part']);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(8);
    await rename(part, path.join(inbox(), 'upload.csv'));
    while (!(await folder('processed')).includes('upload.csv')) await sleep(50);
    controller.abort();
    await watching;
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(9);
  });

  test('a file with the same content as the latest one imported sends nothing; its report names that run', async () => {
    const content = 'mobile\n+12015550123\n+12015550147\n';
    await writeFile(path.join(inbox(), 'monday.csv'), content);
    const first = await watchFolder(options({ once: true }));
    const requests = sandbox.stats().apiRequests;
    await writeFile(path.join(inbox(), 'monday-again.csv'), content);
    const lines: string[] = [];
    const result = await watchFolder(options({ once: true, log: (entry) => lines.push(entry.message) }));
    expect(sandbox.stats().apiRequests).toBe(requests);
    expect(result.files[0]).toMatchObject({
      file: 'monday-again.csv',
      destination: 'processed',
      exitCode: 0,
      duplicateOf: { path: 'monday.csv', runId: first.files[0]!.result!.runId },
    });
    const summary = await readJson(path.join(result.files[0]!.reportPath!, 'summary.json'));
    expect(summary.reason).toMatch(
      new RegExp(
        `^same content as monday\\.csv, the latest file imported for account ${ACCOUNT}@http://127\\.0\\.0\\.1:\\d+ with the same options \\(run ${first.files[0]!.result!.runId} at .+\\); nothing was sent$`,
      ),
    );
    expect(lines.join('\n')).toMatch(
      /monday-again\.csv → processed\/ \(exit 0\) already imported as monday\.csv/,
    );
  });

  test('a dry run marks nothing: a real watcher after it imports the same content', async () => {
    const content = 'mobile\n+12015550123\n+12015550147\n';
    await writeFile(path.join(inbox(), 'crm.csv'), content);
    const dry = await watchFolder(options({ once: true }, { dryRun: true }));
    expect(dry.files.map((f) => [f.destination, f.result?.counts.created])).toEqual([['processed', 2]]);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(0);

    await writeFile(path.join(inbox(), 'crm.csv'), content);
    const real = await watchFolder(options({ once: true }));
    expect(real.files[0]).toMatchObject({ destination: 'processed', exitCode: 0 });
    expect(real.files[0]?.duplicateOf).toBeUndefined();
    expect(real.files[0]?.result?.counts.created).toBe(2);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(2);
  });

  test('the same content is imported again for another account, and after an option that shapes it changed', async () => {
    // National UK numbers: invalid with the default country US, valid with GB.
    const content = 'mobile\n07911 123456\n07400 123456\n';
    await writeFile(path.join(inbox(), 'uk-leads.csv'), content);
    const us = await watchFolder(options({ once: true }));
    expect(us.files[0]?.result?.counts).toMatchObject({ invalid: 2, created: 0 });

    // The flag fixed, the file dropped again: it is imported, not skipped.
    await writeFile(path.join(inbox(), 'uk-leads.csv'), content);
    const gb = await watchFolder(options({ once: true }, { defaultCountry: 'GB' }));
    expect(gb.files[0]?.duplicateOf).toBeUndefined();
    expect(gb.files[0]?.result?.counts).toMatchObject({ created: 2 });
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(2);

    // One state shared by two accounts: the second account gets the content too.
    await writeFile(path.join(inbox(), 'uk-leads.csv'), content);
    const other = await watchFolder(options({ once: true }, { defaultCountry: 'GB', account: 'acc-other' }));
    expect(other.files[0]?.result?.counts).toMatchObject({ created: 2 });
    expect(sandbox.contacts('acc-other')).toHaveLength(2);

    // And once more for that account and options: nothing to do.
    const requests = sandbox.stats().apiRequests;
    await writeFile(path.join(inbox(), 'uk-leads.csv'), content);
    const again = await watchFolder(options({ once: true }, { defaultCountry: 'GB', account: 'acc-other' }));
    expect(again.files[0]?.duplicateOf?.runId).toBe(other.files[0]?.result?.runId);
    expect(sandbox.stats().apiRequests).toBe(requests);
  });

  test('a reverted file is imported again, so Sakari ends with its values; an unchanged re-drop then sends nothing', async () => {
    const day1 = `mobile,first name\n${contactLines(0, 2, 'Bob')}`;
    const day2 = `mobile,first name\n${contactLines(0, 1, 'Bob')}${contactLines(1, 1, 'Robert')}`;
    const names = (): Array<string | undefined> =>
      sandbox
        .contacts(ACCOUNT)
        .sort((a, b) => a.mobile.number.localeCompare(b.mobile.number))
        .map((c) => c.firstName);
    for (const [name, content] of [
      ['day1.csv', day1],
      ['day2.csv', day2],
    ] as const) {
      await writeFile(path.join(inbox(), name), content);
      await watchFolder(options({ once: true }));
    }
    expect(names()).toEqual(['Bob', 'Robert']);

    await writeFile(path.join(inbox(), 'day3.csv'), day1);
    const day3 = await watchFolder(options({ once: true }));
    expect(day3.files[0]?.duplicateOf).toBeUndefined();
    expect(day3.files[0]?.result?.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(names()).toEqual(['Bob', 'Bob']);

    const requests = sandbox.stats().apiRequests;
    await writeFile(path.join(inbox(), 'day4.csv'), day1);
    const day4 = await watchFolder(options({ once: true }));
    expect(day4.files[0]?.duplicateOf?.path).toBe('day3.csv');
    expect(sandbox.stats().apiRequests).toBe(requests);
  });

  test('a file still being written when it was taken goes back to the inbox, and is imported whole once it settles', async () => {
    const file = path.join(inbox(), 'nightly.csv');
    // The producer holds the file open and pauses longer than the settle time after 10 rows.
    const writer = await open(file, 'w');
    await writer.write(`mobile,first name\n${contactLines(0)}`);
    let resumed = false;
    const lines: string[] = [];
    try {
      const result = await watchFolder(
        options({
          once: true,
          log: (entry) => lines.push(entry.message),
          hooks: {
            // The import has started: the producer writes the rest into the inode it holds.
            onStart: () => {
              if (resumed) return;
              resumed = true;
              writeSync(writer.fd, contactLines(10));
            },
          },
        }),
      );
      expect(resumed).toBe(true);
      expect(result.files.map((f) => [f.file, f.destination, f.exitCode])).toEqual([
        ['nightly.csv', 'inbox', 0],
        ['nightly.csv', 'processed', 0],
      ]);
      expect(result.files[0]?.changed?.after.size).toBeGreaterThan(result.files[0]!.changed!.before.size);
      expect(lines[0]).toMatch(/^nightly\.csv → inbox\/ \(exit 0\) changed while being imported/);
      // The second import counts every row; those the first one sent are unchanged.
      const counts = result.files[1]!.result!.counts;
      expect(counts.rows).toBe(20);
      expect(counts.created + counts.unchanged).toBe(20);
      expect(counts.unchanged).toBeGreaterThanOrEqual(10);
    } finally {
      await writer.close();
    }
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(20);
    expect(await folder('processed')).toEqual(['nightly.csv']);
    expect(await folder('inbox')).toEqual([]);
    expect(await readFile(path.join(dir, 'drop', 'processed', 'nightly.csv'), 'utf8')).toBe(
      `mobile,first name\n${contactLines(0)}${contactLines(10)}`,
    );
  });

  test('a writer that goes on only after a quick import has ended is caught too: the file is not filed', async () => {
    const file = path.join(inbox(), 'late.csv');
    const writer = await open(file, 'w');
    await writer.write(`mobile,first name\n${contactLines(0)}`);
    let resumed = false;
    try {
      const result = await watchFolder(
        options({
          once: true,
          settleMs: 1_000,
          hooks: {
            // The import's last progress: its rows are done. The producer goes on a moment later,
            // after the import has ended, well within the settle time.
            onProgress: (progress) => {
              if (resumed || progress.rowsDone < 10) return;
              resumed = true;
              setTimeout(() => writeSync(writer.fd, contactLines(10)), 100);
            },
          },
        }),
      );
      expect(resumed).toBe(true);
      expect(result.files.map((f) => [f.file, f.destination])).toEqual([
        ['late.csv', 'inbox'],
        ['late.csv', 'processed'],
      ]);
      expect(result.files[1]!.result!.counts).toMatchObject({ rows: 20, unchanged: 10, created: 10 });
    } finally {
      await writer.close();
    }
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(20);
  });

  test.each([
    ['~$contacts.xlsx', true],
    ['upload.csv.filepart', true],
    ['export.csv.crdownload', true],
    ['export.csv.partial', true],
    ['export.csv.download', true],
    ['contacts.csv~', true],
    ['contacts.csv.swp', true],
    ['.contacts.csv.swp', true],
    ['.~lock.contacts.csv#', true],
    ['upload.csv.part', true],
    ['upload.CSV.TMP', true],
    ['contacts.csv', false],
    ['download.csv', false],
    ['partial-list.csv', false],
    ['tmp.csv', false],
    ['my~contacts.csv', false],
    ['$contacts.csv', false],
  ])('isIgnoredName(%j) is %s', (name, ignored) => {
    expect(isIgnoredName(name)).toBe(ignored);
  });

  test('lock files and files other programs are still writing stay in the inbox untouched', async () => {
    const names = [
      '~$contacts.xlsx',
      'upload.csv.filepart',
      'export.csv.crdownload',
      'export.csv.partial',
      'export.csv.download',
      'contacts.csv~',
      'contacts.csv.swp',
    ];
    for (const name of names) await writeFile(path.join(inbox(), name), 'mobile\n+12125550111\n');
    await writeFile(path.join(inbox(), 'contacts.csv'), 'mobile\n+12015550123\n');
    const result = await watchFolder(options({ once: true }));
    expect(result.files.map((f) => [f.file, f.destination, f.exitCode])).toEqual([
      ['contacts.csv', 'processed', 0],
    ]);
    expect(await folder('inbox')).toEqual([...names].sort());
    expect(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number)).toEqual(['+12015550123']);
  });

  // Any user but root may not move another user's file out of a sticky folder (as /tmp): the
  // refusal an SMB share gives for a file held open. A watcher started as `nobody` meets it for a
  // root-owned file; only root can set that up (chmod would not stop root itself).
  test.runIf(process.getuid?.() === 0)(
    'a file the watcher may not move stays in the inbox, logged once, while the others are imported; it is tried again once it changes',
    async () => {
      const nobody = {
        uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim()),
      };
      const drop = path.join(dir, 'drop');
      await chmod(dir, 0o755);
      await chown(drop, nobody.uid, nobody.gid);
      await chmod(inbox(), 0o1777);
      const locked = path.join(inbox(), 'locked.csv');
      await writeFile(locked, 'mobile\n+12015550123\n', { mode: 0o644 });
      // Older: it is the first the watcher tries.
      await utimes(locked, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      await writeFile(path.join(inbox(), 'good.csv'), 'mobile\n+12015550147\n');
      await chown(path.join(inbox(), 'good.csv'), nobody.uid, nobody.gid);

      const child = spawn(
        process.execPath,
        [
          BIN,
          'watch',
          drop,
          '--settle-ms',
          '100',
          '--rescan-ms',
          '50',
          '--heartbeat-ms',
          '200',
          ...sandboxFlags(sandbox.url, ACCOUNT),
          '--state',
          path.join(drop, 'state.db'),
          '--workers',
          '0',
        ],
        { cwd: drop, env: cleanEnv(), uid: nobody.uid, gid: nobody.gid, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      let code: number | null | undefined;
      void exited.then((c) => (code = c));
      const until = async (what: () => boolean): Promise<void> => {
        while (!what()) {
          if (code !== undefined) throw new Error(`watch exited with ${code}:\n${stderr}`);
          await sleep(20);
        }
      };
      const count = (pattern: RegExp): number => stderr.split('\n').filter((l) => pattern.test(l)).length;
      try {
        await until(() => stderr.includes('good.csv → processed/'));
        expect(stderr).toMatch(
          /cannot take locked\.csv from the inbox: EPERM: operation not permitted, rename .*; it stays there and is tried again once its size or mtime changes/,
        );
        // Idle heartbeats, each after many rescans: the refused file is not tried again meanwhile.
        const idle = count(/idle, 1 file\(s\) processed/);
        await until(() => count(/idle, 1 file\(s\) processed/) >= idle + 3);
        expect(count(/cannot take locked\.csv/)).toBe(1);
        expect(await folder('inbox')).toEqual(['locked.csv']);

        // Its owner lets go of it and adds a row: changed, so it is taken.
        await chown(locked, nobody.uid, nobody.gid);
        await appendFile(locked, '+12015550199\n');
        await until(() => stderr.includes('locked.csv → processed/'));
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, stderr).toBe(0);
      expect(await folder('inbox')).toEqual([]);
      expect(await folder('processed')).toEqual(['good.csv', 'locked.csv']);
      expect(
        sandbox
          .contacts(ACCOUNT)
          .map((c) => c.mobile.number)
          .sort(),
      ).toEqual(['+12015550123', '+12015550147', '+12015550199']);
    },
  );

  test('binary garbage lands in failed/ with a report explaining why', async () => {
    // A PNG named .csv: real binary (NULs in its first bytes), not text with a bad record.
    const png = binaryFiles().find((file) => file.name === 'image.csv')!;
    await writeFile(path.join(inbox(), 'garbage.csv'), png.bytes);
    const result = await watchFolder(options({ once: true }));
    expect(result.files[0]?.destination).toBe('failed');
    expect(result.exitCode).not.toBe(0);
    expect(await folder('failed')).toEqual(['garbage.csv']);
    const summary = await readFile(path.join(result.files[0]!.reportPath!, 'summary.json'), 'utf8');
    expect(summary).toMatch(/garbage\.csv|binary|malformed/i);
  });

  test('a watcher killed mid-file and restarted completes the file, no contact written more than twice', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ rate: 25, burst: 2 });
    const source = path.join(dir, 'big.csv');
    await generateContactsCsv(source, 300, 9);
    await copyFile(source, path.join(inbox(), 'big.csv'));
    const args = [
      'watch',
      path.join(dir, 'drop'),
      '--settle-ms',
      '100',
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--state',
      path.join(dir, 'state.db'),
      '--batch-size',
      '10',
      '--rate',
      '25',
    ];
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    while (sandbox.stats().apiRequests < 8) await sleep(20);
    child.kill('SIGKILL');
    await exited;
    expect(await folder('processing')).toHaveLength(1);

    const again = await runCli([...args, '--once'], { timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await folder('processed')).toEqual(['big.csv']);
    expect(await folder('processing')).toEqual([]);
    const reportPath = again.stdout.trim().split('\n').pop()!;
    const rows = await readCsv(path.join(reportPath, 'rows.csv'));
    expect(rows).toHaveLength((await readCsv(source)).length);
    const delivered = rows
      .filter((r) => r.status === 'created' || r.status === 'updated')
      .map((r) => r.mobile_e164);
    expect(
      sandbox
        .contacts(ACCOUNT)
        .map((c) => c.mobile.number)
        .sort(),
    ).toEqual(delivered.sort());
    expect(Math.max(...Object.values(sandbox.stats().writesPerMobile[ACCOUNT] ?? {}))).toBeLessThanOrEqual(2);
  });
});
