import { spawn } from 'node:child_process';
import { appendFile, copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { watchFolder, type WatchOptions } from '../../src/watch/watcher.js';
import { BIN, cleanEnv, readCsv, runCli, tempDir, sandboxFlags } from '../helpers.js';
import { binaryFiles } from '../read/helpers.js';

const ACCOUNT = 'acc-watch';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const options = (extra: Partial<WatchOptions> = {}): WatchOptions => ({
    dir: path.join(dir, 'drop'),
    template: {
      apiUrl: sandbox.url,
      account: ACCOUNT,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      state: path.join(dir, 'state.db'),
      defaultCountry: 'US',
      workers: 0,
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

  test('a file with the same content as one already processed sends nothing', async () => {
    const content = 'mobile\n+12015550123\n+12015550147\n';
    await writeFile(path.join(inbox(), 'monday.csv'), content);
    await watchFolder(options({ once: true }));
    const requests = sandbox.stats().apiRequests;
    await writeFile(path.join(inbox(), 'monday-again.csv'), content);
    const result = await watchFolder(options({ once: true }));
    expect(sandbox.stats().apiRequests).toBe(requests);
    expect(result.files[0]).toMatchObject({
      file: 'monday-again.csv',
      destination: 'processed',
      exitCode: 0,
    });
    const summary = JSON.parse(
      await readFile(path.join(result.files[0]!.reportPath!, 'summary.json'), 'utf8'),
    );
    expect(summary.reason).toMatch(/same content as monday\.csv/);
  });

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
