/**
 * Hostile bytes through the real CLI: a damaged record costs that record, not the file. The
 * built CLI imports into a sandbox on 127.0.0.1 (or dry-runs), and the report files are read back.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { MAX_SKIPPED_RECORD_CHARS } from '../../src/read/csv-scan.js';
import { MAX_RECORD_CHARS } from '../../src/read/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { binaryFiles } from '../read/helpers.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-hostile';

/** `count` good records, `Name<i>,+1646555<1000+i>`, each on its own line. */
function goodRecords(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `Name${from + i},+1646555${String(1000 + from + i)}\n`).join(
    '',
  );
}

describe('hostile bytes (the real CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  async function importFile(file: string, extra: string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
    return runCli(
      [
        'import',
        file,
        '--default-country',
        'US',
        '--no-state',
        '--report-dir',
        path.join(dir, 'reports'),
        ...extra,
      ],
      { timeoutMs: 60_000 },
    );
  }

  async function sandboxImport(file: string): Promise<Awaited<ReturnType<typeof runCli>>> {
    sandbox = await startSandbox();
    return importFile(file, sandboxFlags(sandbox.url, ACCOUNT));
  }

  test('NUL bytes in one record: the good rows are imported, the bad one is invalid with its line', async () => {
    const file = path.join(dir, 'nul.csv');
    await writeFile(
      file,
      `first name,mobile\n${goodRecords(0, 3)}Bad\u0000\u0000Name,+16465559999\n${goodRecords(3, 3)}`,
    );
    const run = await sandboxImport(file);
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((row) => [row.line, row.status, row.code])).toEqual([
      ['2', 'created', ''],
      ['3', 'created', ''],
      ['4', 'created', ''],
      ['5', 'invalid', 'RECORD_MALFORMED'],
      ['6', 'created', ''],
      ['7', 'created', ''],
      ['8', 'created', ''],
    ]);
    expect(rows[3]?.message).toMatch(/NUL/);
    const stored = sandbox!.contacts(ACCOUNT).map((contact) => contact.firstName);
    expect(stored.sort()).toEqual(['Name0', 'Name1', 'Name2', 'Name3', 'Name4', 'Name5']);
  });

  test.each([
    ['LE', (text: string) => Buffer.from(text, 'utf16le')],
    ['BE', (text: string) => Buffer.from(text, 'utf16le').swap16()],
  ] as const)('UTF-16%s without a BOM is imported as UTF-16', async (label, encode) => {
    const file = path.join(dir, `utf16${label}.csv`);
    await writeFile(file, encode('first name,mobile\r\nZoë,+1 646 555 0101\r\nÆrø,+1 646 555 0102\r\n'));
    const run = await sandboxImport(file);
    expect(run.code, run.stderr).toBe(0);
    const stored = sandbox!.contacts(ACCOUNT).map((contact) => [contact.firstName, contact.mobile.number]);
    expect(stored.sort()).toEqual([
      ['Zoë', '+16465550101'],
      ['Ærø', '+16465550102'],
    ]);
  });

  test.each(binaryFiles().map(({ name, bytes }) => [name, bytes] as const))(
    'a truly binary file (%s) is refused with exit 2',
    async (name, bytes) => {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      const run = await importFile(file, ['--dry-run']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/looks binary/);
      expect(run.stderr).toContain(name);
    },
  );

  test('a record 10× over the size limit in the middle: that row invalid with its line, the rows after it imported at theirs', async () => {
    // 1 header | 2-3 good | 4-6 the oversized record (a quoted field with two line breaks) |
    // 7 good | 8-9 a quoted field with a line break | 10 good
    const third = Math.ceil((10 * MAX_RECORD_CHARS) / 3);
    const huge = `Huge,"${'x'.repeat(third)}\n${'y'.repeat(third)}\r\n${'z'.repeat(third)}"\n`;
    const file = path.join(dir, 'oversized.csv');
    await writeFile(
      file,
      `first name,mobile\n${goodRecords(0, 2)}${huge}${goodRecords(2, 1)}"Ann\nMarie",+16465551111\n${goodRecords(3, 1)}`,
    );
    const run = await importFile(file, ['--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((row) => [row.line, row.status, row.code, row.mobile_e164])).toEqual([
      ['2', 'created', '', '+16465551000'],
      ['3', 'created', '', '+16465551001'],
      ['4', 'invalid', 'RECORD_MALFORMED', ''],
      ['7', 'created', '', '+16465551002'],
      ['8', 'created', '', '+16465551111'],
      ['10', 'created', '', '+16465551003'],
    ]);
    expect(rows[2]?.message).toContain(`longer than ${MAX_RECORD_CHARS} characters`);
  });

  test('no record boundary within the hard limit: exit 2 saying where, and that the rest was not read', async () => {
    const file = path.join(dir, 'pathological.csv');
    await writeFile(
      file,
      `first name,mobile\n${goodRecords(0, 2)}Open,"${'w'.repeat(MAX_SKIPPED_RECORD_CHARS)}`,
    );
    const run = await importFile(file, ['--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /unclosed quote starting at line 4 \(no closing quote within \d+ characters\); the rest of the file was not read/,
    );
    expect(run.stderr).toContain('pathological.csv');
  });
});
