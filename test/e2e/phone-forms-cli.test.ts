/**
 * Number forms of real exports that were sent as another number or refused (the phone audit of
 * December 2026), through the spawned CLI on real files, dry run: Excel number cells that were
 * never missing a 0, Brevo's `SMS` column without `+` under a German default country, German
 * `Vorwahl / Rufnummer` cells, Salesforce extensions, a national number a digit too long.
 * (`npm run build` first.)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import { dryRunImport, readCsv, reportPathOf, tempDir } from '../helpers.js';

describe('sakari-sync import of real-world number forms (the real CLI, dry run)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-phone-forms-'));
  });
  afterEach(async () => {
    await cleanup();
  });

  /** `line status code mobile_e164` of each rows.csv line. */
  async function dryRun(file: string, ...flags: string[]): Promise<string[]> {
    const run = await dryRunImport(file, path.join(dir, 'reports'), ...flags);
    expect([0, 3], run.stderr).toContain(run.code);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    return rows.map((row) => [row.line, row.status, row.code, row.mobile_e164].join(' ').trim());
  }

  async function workbook(name: string, rows: unknown[][]): Promise<string> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Sheet1');
    for (const row of rows) sheet.addRow(row);
    const file = path.join(dir, name);
    await book.xlsx.writeFile(file);
    return file;
  }

  test('Excel number cells valid as written get no 0: Italian mobiles, Mexican numbers (not Cuba or Myanmar)', async () => {
    const italy = await workbook('it.xlsx', [
      ['Nome', 'Cognome', 'Cellulare'],
      ['Giulia', 'Rossi', 3931234567],
      ['Luca', 'Verdi', 3511234567],
      ['Sara', 'Neri', 3451234567],
      ['Anna', 'Galli', 612345678], // Rome's 06 12345678, whose 0 Excel dropped
    ]);
    expect(await dryRun(italy, '--default-country', 'IT')).toEqual([
      '2 created  +393931234567',
      '3 created  +393511234567',
      '4 created  +393451234567',
      '5 created  +390612345678',
    ]);
    expect(await dryRun(italy, '--default-country', 'IT', '--require-mobile')).toEqual([
      '2 created  +393931234567',
      '3 created  +393511234567',
      '4 created  +393451234567',
      '5 invalid PHONE_NOT_MOBILE',
    ]);
    const mexico = await workbook('mx.xlsx', [
      ['Nombre', 'Celular'],
      ['Ana', 9532345678],
      ['Luis', 9951234567],
    ]);
    expect(await dryRun(mexico, '--default-country', 'MX')).toEqual([
      '2 created  +529532345678',
      '3 created  +529951234567',
    ]);
  });

  test("Brevo's SMS column (international, no +) with --default-country DE: the mobiles, not German landlines", async () => {
    const file = path.join(dir, 'brevo.csv');
    await writeFile(
      file,
      'EMAIL,FIRSTNAME,LASTNAME,SMS\n' +
        'anna@example.de,Anna,Schmidt,4915123456789\n' +
        'tom@example.co.uk,Tom,Smith,447911123456\n' +
        'marie@example.fr,Marie,Dupont,33612345678\n' +
        'sam@example.ae,Sam,Khan,971501234567\n' +
        'lee@example.sg,Lee,Tan,6591234567\n' +
        'max@example.de,Max,Weber,0301234567\n',
    );
    expect(await dryRun(file, '--default-country', 'DE')).toEqual([
      '2 created  +4915123456789',
      '3 created  +447911123456',
      '4 created  +33612345678',
      '5 created  +971501234567',
      '6 created  +6591234567',
      '7 created  +49301234567',
    ]);
  });

  test("a German Outlook export's 'Vorwahl / Rufnummer' mobiles are one number each", async () => {
    const file = path.join(dir, 'outlook.csv');
    await writeFile(
      file,
      'Vorname;Nachname;Mobiltelefon;Land/Region privat\n' +
        'Jonas;Becker;01577 / 6730003;Deutschland\n' +
        'Lea;Wagner;01520 / 44 60 180;Deutschland\n' +
        'Mia;Koch;0172 / 52 196 49;Deutschland\n' +
        'Ben;Wolf;01522 / 1234567;Deutschland\n' +
        'Ida;Roth;+49 (0) 1523 / 123 45 67;Deutschland\n' +
        'Tim;Lang;0151 23456789 / 030 1234567;Deutschland\n',
    );
    expect(await dryRun(file)).toEqual([
      '2 created  +4915776730003',
      '3 created  +4915204460180',
      '4 created  +491725219649',
      '5 created  +4915221234567',
      '6 created  +4915231234567',
      '7 created  +4915123456789',
    ]);
  });

  test('extensions of 5 digits are refused as extensions; national numbers a digit off are refused, not sent abroad', async () => {
    const salesforce = path.join(dir, 'sf.csv');
    await writeFile(
      salesforce,
      'FirstName,LastName,MobilePhone\n' +
        'Ivy,Cho,"+1 415 555 2671, ext 12345"\n' +
        'Jon,Dee,"+1 415 555 2671, ext 12346"\n' +
        'Lou,Fay,tel:+1-415-555-2671;ext=23456\n',
    );
    expect(await dryRun(salesforce)).toEqual([
      '2 invalid PHONE_INVALID',
      '3 invalid PHONE_INVALID',
      '4 invalid PHONE_INVALID',
    ]);
    const spain = path.join(dir, 'es.csv');
    await writeFile(spain, 'Nombre,Móvil\nAna,648 702 0221\nEva,686 224 77\nPau,447911123456\n');
    expect(await dryRun(spain, '--default-country', 'ES')).toEqual([
      '2 invalid PHONE_TOO_LONG',
      '3 invalid PHONE_TOO_SHORT',
      '4 created  +447911123456',
    ]);
  });
});
