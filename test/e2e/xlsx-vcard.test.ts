import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';
import { ANDROID_VCF, GOOGLE_VCF, IOS_VCF, crlf } from '../read/vcard-samples.js';

const ACCOUNT = 'acc-xlsx-vcf';

describe('sakari-sync import of Excel workbooks and vCard files (the real CLI against the sandbox)', () => {
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

  async function importFile(source: string, ...flags: string[]): Promise<string> {
    const run = await runCli([
      'import',
      source,
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--report-dir',
      path.join(dir, 'reports'),
      '--no-state',
      ...flags,
    ]);
    expect(run.code, run.stderr).toBe(0);
    return reportPathOf(run);
  }

  /** `line status code mobile_e164` of each rows.csv line. */
  async function outcomes(reportPath: string): Promise<string[]> {
    const rows = await readCsv(path.join(reportPath, 'rows.csv'));
    return rows.map((row) => [row.line, row.status, row.code, row.mobile_e164].join(' ').trim());
  }

  function stored(): Record<string, string | undefined> {
    return Object.fromEntries(sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, c.firstName]));
  }

  test('an Excel workbook: numbers stored as numbers, a lost leading 0, row numbers as Excel shows them, rejected rows as sheet columns', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['First Name', 'Last Name', 'Mobile', 'Country', 'Signed up']);
    sheet.addRow(['Ann', 'Lee', 4155550132, 'US', new Date(Date.UTC(2024, 0, 31))]); // 2
    sheet.addRow([]); // 3
    sheet.addRow(['Bob', 'Marsh', 7911123456, 'GB']); // 4: Excel dropped the 0 of 07911 123456
    sheet.addRow(['Cy', 'Dunn', '07911123457', 'GB']); // 5: stored as text
    sheet.addRow(['Dee', 'Lee', 4155550132, 'US']); // 6: duplicate of row 2
    sheet.addRow(['Eve', 'Ng', 'call me', 'US']); // 7
    workbook.addWorksheet('Notes').addRow(['Mobile', '4155550199']);
    const source = path.join(dir, 'contacts.xlsx');
    await workbook.xlsx.writeFile(source);

    const reportPath = await importFile(source);
    expect(await outcomes(reportPath)).toEqual([
      '2 created  +14155550132',
      '4 created  +447911123456',
      '5 created  +447911123457',
      '6 duplicate DUPLICATE +14155550132',
      '7 invalid PHONE_NOT_A_NUMBER',
    ]);
    expect(stored()).toEqual({ '+14155550132': 'Ann', '+447911123456': 'Bob', '+447911123457': 'Cy' });
    const ann = sandbox.contacts(ACCOUNT).find((c) => c.mobile.number === '+14155550132');
    expect(ann?.attributes).toMatchObject({ 'Signed up': '2024-01-31' });

    const rejected = await readFile(path.join(reportPath, 'rejected.csv'), 'utf8');
    const [header, ...lines] = rejected.trim().split(/\r?\n/);
    expect(header).toBe('First Name,Last Name,Mobile,Country,Signed up,error_code,error_message');
    expect(lines[0]).toMatch(/^Dee,Lee,4155550132,US,,DUPLICATE,/);
    expect(lines[1]).toMatch(/^Eve,Ng,call me,US,,PHONE_NOT_A_NUMBER,/);

    const summary = JSON.parse(await readFile(path.join(reportPath, 'summary.json'), 'utf8'));
    expect(summary.source.format).toBe('xlsx');
    expect(summary.counts).toMatchObject({ rows: 5, valid: 3, invalid: 1, duplicate: 1, created: 3 });
  });

  test('--sheet imports another sheet than the first', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Cover').addRow(['nothing here']);
    const leads = workbook.addWorksheet('Leads');
    leads.addRow(['Name', 'Phone']);
    leads.addRow(['Fay Wu', 4155550140]);
    const source = path.join(dir, 'leads.xlsx');
    await workbook.xlsx.writeFile(source);

    expect(await outcomes(await importFile(source, '--sheet', 'Leads', '--default-country', 'US'))).toEqual([
      '2 created  +14155550140',
    ]);
  });

  test('vCard files from an iPhone, an Android phone and Google Contacts', async () => {
    const ios = path.join(dir, 'iphone.vcf');
    const android = path.join(dir, 'android.vcf');
    const google = path.join(dir, 'google.vcf');
    await writeFile(ios, crlf(IOS_VCF));
    await writeFile(android, crlf(ANDROID_VCF));
    await writeFile(google, crlf(GOOGLE_VCF));

    expect(await outcomes(await importFile(ios, '--default-country', 'US'))).toEqual([
      '1 created  +14155550132', // the Mobile label of an item group, not the HOME number
      '19 created  +14155550133', // CELL, preferred, before the second iPhone number
      '27 created  +14155550135', // only a WORK number: used (the fax is not)
    ]);
    expect(await outcomes(await importFile(android, '--default-country', 'FR'))).toEqual([
      '1 created  +33612345678',
      '14 created  +33145678901', // only a HOME number: used
      '20 invalid PHONE_MISSING',
    ]);
    expect(await outcomes(await importFile(google, '--default-country', 'GB'))).toEqual([
      '1 created  +447911123456',
      '14 created  +4915123456789',
    ]);
    const contacts = sandbox.contacts(ACCOUNT);
    const elodie = contacts.find((c) => c.mobile.number === '+33612345678');
    expect(elodie).toMatchObject({ firstName: 'Élodie', lastName: 'Müller', email: 'elodie@example.fr' });
    const priya = contacts.find((c) => c.mobile.number === '+447911123456');
    expect(priya).toMatchObject({ firstName: 'Priya', lastName: 'Patel', email: 'priya@work.example' });
    // Google's system group myContacts is no tag, as in Google's CSV export.
    expect(priya?.tags.map((t) => t.tag)).toEqual(['Customers']);
  });

  test('vCard files as they come: a card without END:VCARD, files joined without a line break, group cards, system groups, only a home or work number', async () => {
    const fixtures = fileURLToPath(new URL('../fixtures/vcard/', import.meta.url));
    /** Imports one fixture; its rows.csv lines as `line status code mobile_e164 | message`, and stderr. */
    async function importFixture(name: string, country: string): Promise<{ rows: string[]; stderr: string }> {
      const run = await runCli([
        'import',
        path.join(fixtures, name),
        ...sandboxFlags(sandbox.url, ACCOUNT),
        '--report-dir',
        path.join(dir, 'reports'),
        '--no-state',
        '--default-country',
        country,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
      return {
        rows: rows.map((row) => `${row.line} ${row.status} ${row.code} ${row.mobile_e164} | ${row.message}`),
        stderr: run.stderr,
      };
    }
    const tagsOf = (number: string): string[] | undefined =>
      sandbox
        .contacts(ACCOUNT)
        .find((c) => c.mobile.number === number)
        ?.tags.map((t) => t.tag);

    // Every card is in the report: the broken ones as one malformed row each, the AGENT cards nested.
    const broken = await importFixture('missing-end.vcf', 'GB');
    expect(broken.rows).toEqual([
      '1 created  +447911123401 | ',
      '6 invalid RECORD_MALFORMED  | the card starting at line 6 has no END:VCARD before the next BEGIN:VCARD (line 10)',
      '10 created  +447911123403 | ',
      '22 created  +447911123404 | ',
      '31 invalid RECORD_MALFORMED  | the card starting at line 31 has no END:VCARD before the next BEGIN:VCARD (line 39)',
      '39 created  +447911123406 | ',
    ]);
    expect(broken.stderr).toMatch(
      /warning: 2 records could not be read \(e\.g\. line 6\b.*rows\.csv gives the reason for each/,
    );
    expect(broken.stderr).not.toMatch(/JSON/);

    expect((await importFixture('concatenated.vcf', 'GB')).rows).toEqual([
      '1 created  +447911123411 | ',
      '5 created  +447911123412 | ',
      '9 created  +447911123413 | ',
    ]);

    // The group cards (lines 9 and 25) are no rows; the pre-flight counts both fallbacks.
    const groups = await importFixture('groups-and-labels.vcf', 'GB');
    expect(groups.rows).toEqual([
      '1 created  +447911123640 | ',
      "18 created  +442079460050 | mobile from column 'Home Phone'",
      "31 created  +442079460051 | mobile from column 'Business Phone'",
    ]);
    expect(groups.stderr).toMatch(/fallback: 2 rows so far took the mobile from a later phone column/);
    expect(tagsOf('+447911123640')).toEqual(['Customers']);
    expect(tagsOf('+442079460050')).toEqual([]);
    expect(tagsOf('+442079460051')).toEqual(['Starred', 'Suppliers']);

    // A real Outlook export (ez-vcard) without a CELL number.
    expect((await importFixture('ez-vcard-John_Doe_MS_OUTLOOK.vcf', 'US')).rows).toEqual([
      "1 created  +19056661234 | mobile from column 'Home Phone'",
    ]);
    expect(stored()).toEqual({
      '+447911123401': 'Ann',
      '+447911123403': 'Carl',
      '+447911123404': 'Dora',
      '+447911123406': 'Fay',
      '+447911123411': 'Hal',
      '+447911123412': 'Ida',
      '+447911123413': 'Jon',
      '+447911123640': 'Priya',
      '+442079460050': 'Daniel',
      '+442079460051': 'Grace',
      '+19056661234': 'John',
    });
  });
});
