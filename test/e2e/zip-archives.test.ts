/**
 * Exports that come as a zip of files (Mailchimp's audience export, a folder compressed by hand):
 * the real CLI reads each file in the archive as a source of its own, against the sandbox, with a
 * real state file, so that a re-run of the same archive is recognised row by row.
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, ROOT, runCli, sandboxFlags, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-zip';
const ARCHIVES = path.join(ROOT, 'test', 'fixtures', 'xlsx');

describe('sakari-sync import of a zip archive of exports', () => {
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

  function importArchive(source: string, ...flags: string[]): ReturnType<typeof runCli> {
    return runCli([
      'import',
      source,
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--report-dir',
      path.join(dir, 'reports'),
      '--state',
      path.join(dir, 'state.db'),
      '--default-country',
      'US',
      ...flags,
    ]);
  }

  /** `line status code mobile_e164 message` of each rows.csv line. */
  async function outcomes(reportPath: string): Promise<string[]> {
    const rows = await readCsv(path.join(reportPath, 'rows.csv'));
    return rows.map((row) => [row.line, row.status, row.code, row.mobile_e164, row.message].join(' | '));
  }

  test("Mailchimp's audience export: each CSV in the zip is read with its own header, named inside the archive, and a re-run recognises every row", async () => {
    const archive = path.join(dir, 'members_export_7f3a9c1b2d.zip');
    await copyFile(path.join(ARCHIVES, 'mailchimp-members-export.zip'), archive);

    const first = await importArchive(archive);
    expect(first.code, first.stderr).toBe(0);
    // The pre-flight names each file of the archive, and recognises the tool in each.
    for (const name of ['subscribed', 'unsubscribed', 'cleaned']) {
      expect(first.stderr).toContain(`${archive}/${name}_members_export_7f3a9c1b2d.csv: CSV`);
    }
    expect(first.stderr.match(/looks like an export from Mailchimp/g)).toHaveLength(3);
    // The unsubscribed file's UNSUB_* columns are attributes of its own rows only.
    expect(first.stderr).toMatch(/UNSUB_REASON/);
    expect(await outcomes(reportPathOf(first))).toEqual([
      '2 | created |  | +14155552671 | ',
      // Unsubscribed from e-mail is no SMS opt-out (CONTRACT §3): imported as usual.
      '2 | created |  | +447911123456 | ',
      '2 | invalid | PHONE_MISSING |  | mobile is empty',
    ]);
    const stored = sandbox.contacts(ACCOUNT);
    expect(stored.map((contact) => contact.mobile.number).sort()).toEqual(['+14155552671', '+447911123456']);
    expect(stored.find((contact) => contact.mobile.number === '+447911123456')?.attributes).toMatchObject({
      UNSUB_REASON: 'No longer interested',
    });

    const second = await importArchive(archive);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(await readFile(path.join(reportPathOf(second), 'summary.json'), 'utf8')) as {
      counts: Record<string, number>;
    };
    expect(summary.counts).toMatchObject({ rows: 3, unchanged: 2, created: 0, updated: 0, invalid: 1 });
    expect(sandbox.stats().requestLog.filter((entry) => entry.path.includes('/contacts'))).toHaveLength(1);
  });

  test('a zip made by macOS Finder: its __MACOSX resource fork is no source', async () => {
    const run = await importArchive(path.join(ARCHIVES, 'finder-archive.zip'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('finder-archive.zip/Contacts List.csv: CSV');
    expect(run.stderr).not.toContain('__MACOSX');
    expect(await outcomes(reportPathOf(run))).toEqual(['2 | created |  | +14155552671 | ']);
  });

  test.each([
    [
      'an Excel 97-2003 workbook in the zip is refused naming it and its format',
      'zipped-xls.zip',
      /zipped-xls\.zip\/exports\/old-contacts\.xls is an Excel 97-2003 workbook \(\.xls\), which is not read/,
    ],
    [
      'an encrypted file in the zip is refused naming it',
      'encrypted-member.zip',
      /encrypted-member\.zip: contacts\.csv is encrypted; extract it with its password and import it/,
    ],
    [
      // Salesforce's data export: Opportunity.csv has no phone column, and Contact.csv before it is not sent either
      'a zip holding a file that no column of can be a phone stops before anything is sent',
      'salesforce-data-export.zip',
      /salesforce-data-export\.zip\/Opportunity\.csv: no column can hold a phone number, nothing was sent/,
    ],
    [
      'a zip of nothing read here is refused naming what it holds',
      'not-contacts.zip',
      /not-contacts\.zip is a zip archive, not an Excel workbook; it holds 2 files: invoice\.pdf, logo\.png\. None of them has the extension of a format read here/,
    ],
  ])('%s (exit 2, nothing sent)', async (_, name, message) => {
    const run = await importArchive(path.join(ARCHIVES, name), '--batch-size', '10', '--rate', '1000');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
  });
});
