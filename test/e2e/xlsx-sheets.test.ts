/**
 * Workbooks whose sheet to read is not simply the first tab's: openpyxl/pandas files (absolute
 * sheet targets), a hidden first sheet, a title above the header, an empty first sheet. The real
 * CLI against the sandbox, on the files in test/fixtures/xlsx.
 */
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ROOT, readCsv, reportPathOf, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const ACCOUNT = 'acc-xlsx-sheets';
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'xlsx');

describe('sakari-sync import of workbooks with several sheets or a title (the real CLI against the sandbox)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    sandbox = await startSandbox({});
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  function importFixture(name: string, ...flags: string[]): Promise<CliRun> {
    return runCli([
      'import',
      path.join(FIXTURES, name),
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--report-dir',
      path.join(dir, 'reports'),
      '--no-state',
      '--default-country',
      'GB',
      ...flags,
    ]);
  }

  /** `line status code mobile_e164` of each rows.csv line. */
  async function outcomes(run: CliRun): Promise<string[]> {
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    return rows.map((row) => [row.line, row.status, row.code, row.mobile_e164].join(' ').trim());
  }

  function stored(): Record<string, string | undefined> {
    return Object.fromEntries(sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, c.firstName]));
  }

  test("openpyxl's default sheet 'Sheet' is imported, and found by --sheet", async () => {
    expect(await outcomes(await importFixture('openpyxl-sheet.xlsx'))).toEqual([
      '2 created  +447911123461',
      '3 created  +447911123462',
      '5 invalid PHONE_NOT_A_NUMBER',
    ]);
    expect(stored()).toEqual({ '+447911123461': 'Ann', '+447911123462': 'Bob' });
    expect(await outcomes(await importFixture('openpyxl-sheet.xlsx', '--sheet', 'sheet'))).toEqual([
      '2 updated  +447911123461',
      '3 updated  +447911123462',
      '5 invalid PHONE_NOT_A_NUMBER',
    ]);
  });

  test('the hidden first sheet is skipped and the title above the header is skipped and told', async () => {
    const run = await importFixture('openpyxl-contacts.xlsx');
    expect(await outcomes(run)).toEqual(['4 created  +447911123464', '5 created  +447911123465']);
    expect(stored()).toEqual({ '+447911123464': 'Dee', '+447911123465': 'Eve' });
    expect(run.stderr).toContain('Customer contacts - exported 2024-05-01');

    expect(await outcomes(await importFixture('openpyxl-contacts.xlsx', '--sheet', 'notes'))).toEqual([
      '2 created  +447911123466',
    ]);
  });

  test('an empty first sheet stops the run with exit 2, naming the sheet with the rows', async () => {
    const run = await importFixture('exceljs-openpyxl-test-pr-1220.xlsx');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'sheet "Sheet" (the first visible one) is empty (no header row); the workbook also has "KA lijst": ' +
        'name the sheet to read with --sheet, e.g. --sheet "KA lijst"',
    );
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
  });
});
