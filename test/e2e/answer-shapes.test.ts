/**
 * The real CLI against a sandbox answering in each shape Sakari's spec allows (CONTRACT §2):
 * counts without rows, refusals without mobiles, a bare `{submitted}`, and listings paginated by
 * `totalCount`, `hasNext` or not at all. Whatever the shape, every row gets the status it really
 * had, and a contact Sakari stored is never reported `failed`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { PaginationShape, UploadAnswerShape } from '../../src/sandbox/answer-shape.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const ACCOUNT = 'acc-shapes';
const SHAPES: UploadAnswerShape[] = ['full', 'counts-only', 'errors-without-mobile', 'bare'];
const BLOCKED = '+12015550123';

describe('import and reconcile against every answer shape', () => {
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

  async function importFile(
    name: string,
    csv: string,
    extra: string[] = ['--batch-size', '3'],
  ): Promise<CliRun> {
    const source = path.join(dir, name);
    await writeFile(source, csv);
    return runCli([
      'import',
      source,
      ...sandboxFlags(sandbox!.url, ACCOUNT),
      '--default-country',
      'US',
      '--no-state',
      '--report-dir',
      path.join(dir, 'reports'),
      ...extra,
    ]);
  }

  async function rowsOf(run: CliRun): Promise<Array<Record<string, string>>> {
    return readCsv(path.join(reportPathOf(run), 'rows.csv'));
  }

  /** No row reported `failed` names a contact Sakari holds. */
  function expectNoStoredContactFailed(rows: Array<Record<string, string>>): void {
    const stored = new Set(sandbox!.contacts(ACCOUNT).map((c) => c.mobile.number));
    expect(rows.filter((r) => r.status === 'failed' && stored.has(r.mobile_e164 ?? ''))).toEqual([]);
  }

  test.each(SHAPES)('%s: created, updated, invalid and duplicate rows, exit 0', async (shape) => {
    sandbox = await startSandbox({ answerShape: shape });
    const seed = await importFile('seed.csv', 'phone,first name\n+1 201 555 0101,Old\n+1 201 555 0102,Old\n');
    expect(seed.code, seed.stderr).toBe(0);

    const run = await importFile(
      'contacts.csv',
      [
        'phone,first name,country',
        '+1 201 555 0101,Renamed,',
        '+1 201 555 0147,New,',
        'nonsense,Bad,',
        '+1 201 555 0102,,',
        '+44 7911 123456,Guernsey,GB',
        '(201) 555-0147,Twice,',
        '+1 201 555 0148,New,',
        '',
      ].join('\n'),
    );

    expect(run.code, run.stderr).toBe(0);
    const rows = await rowsOf(run);
    expect(rows.map((r) => [r.line, r.status, r.code, r.mobile_e164])).toEqual([
      ['2', 'updated', '', '+12015550101'],
      ['3', 'created', '', '+12015550147'],
      ['4', 'invalid', 'PHONE_NOT_A_NUMBER', ''],
      ['5', 'updated', '', '+12015550102'],
      ['6', 'created', '', '+447911123456'],
      ['7', 'duplicate', 'DUPLICATE', '+12015550147'],
      ['8', 'created', '', '+12015550148'],
    ]);
    // Counts-only answers name no contact: rows the counts decide carry no id.
    const ids = new Map(sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, c.id]));
    for (const row of rows.filter((r) => r.contact_id !== '')) {
      expect(row.contact_id).toBe(ids.get(row.mobile_e164 ?? ''));
    }
    expectNoStoredContactFailed(rows);

    const stored = sandbox.contacts(ACCOUNT);
    expect(stored.map((c) => [c.mobile.number, c.mobile.country, c.firstName])).toEqual([
      ['+12015550101', 'US', 'Renamed'],
      ['+12015550102', 'US', 'Old'],
      ['+12015550147', 'US', 'New'],
      ['+447911123456', 'GB', 'Guernsey'],
      ['+12015550148', 'US', 'New'],
    ]);
    const summary = JSON.parse(await readFile(path.join(reportPathOf(run), 'summary.json'), 'utf8'));
    expect(summary.counts).toMatchObject({ rows: 7, created: 3, updated: 2, failed: 0, invalid: 1 });
  });

  test.each(SHAPES)(
    '%s: a blocked number is never reported stored, and stored rows never failed',
    async (shape) => {
      sandbox = await startSandbox({ answerShape: shape, blocked: [BLOCKED] });
      const run = await importFile(
        'blocked.csv',
        'phone,name\n+1 201 555 0147,Fine\n+1 201 555 0123,Opted Out\n+1 201 555 0148,Fine Too\n',
      );

      const rows = await rowsOf(run);
      // With refusals in the answer (named or not) the row is blocked; an answer giving no reason at
      // all leaves it failed: Sakari does not hold it and did not say why.
      const told = shape === 'full' || shape === 'errors-without-mobile';
      expect(rows.map((r) => [r.status, r.code])).toEqual([
        ['created', ''],
        told ? ['blocked', 'CONT-010'] : ['failed', 'NO_RESULT'],
        ['created', ''],
      ]);
      expect(run.code, run.stderr).toBe(told ? 0 : 3);
      expectNoStoredContactFailed(rows);
      expect(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number)).toEqual(['+12015550147', '+12015550148']);
      expect(sandbox.stats().writesPerMobile[ACCOUNT]?.[BLOCKED]).toBeUndefined();
    },
  );

  test.each<[PaginationShape, UploadAnswerShape]>([
    ['totalCount', 'counts-only'],
    ['hasNext', 'errors-without-mobile'],
    ['none', 'bare'],
  ])(
    'pagination %s (uploads answered %s): import --verify and reconcile read every page',
    async (pagination, shape) => {
      sandbox = await startSandbox({ pagination, answerShape: shape });
      // 205 contacts: three pages of 100, the last one short.
      const lines = Array.from({ length: 205 }, (_, i) => `+1 201 555 ${String(1000 + i)},Person ${i}`);
      const csv = `phone,name\n${lines.join('\n')}\n`;
      const run = await importFile('many.csv', csv, ['--batch-size', '100', '--verify']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/verify: 205 matched, 0 missing, 0 different, 0 extra/);
      const rows = await rowsOf(run);
      expect(rows.every((r) => r.status === 'created')).toBe(true);
      expect(sandbox.contacts(ACCOUNT)).toHaveLength(205);

      const reconcile = await runCli([
        'reconcile',
        path.join(dir, 'many.csv'),
        ...sandboxFlags(sandbox.url, ACCOUNT),
        '--default-country',
        'US',
        '--no-state',
        '--report-dir',
        path.join(dir, 'reports'),
      ]);
      expect(reconcile.code, reconcile.stderr).toBe(0);
      const summary = JSON.parse(await readFile(path.join(reportPathOf(reconcile), 'summary.json'), 'utf8'));
      expect(summary.counts).toMatchObject({ matched: 205, missing: 0, different: 0, extra: 0 });
      const listings = sandbox.stats().requestLog.filter((e) => e.method === 'GET');
      // Each listing reads 3 pages; without a pagination object only an empty page ends it (a
      // server may cap pages below the limit asked), one more each.
      expect(listings.length).toBe(shape === 'bare' ? 205 + 8 : 6);
    },
  );
});
