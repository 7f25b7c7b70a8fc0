import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
import { workbookPart } from '../../src/read/xlsx-sheets.js';
import { SharedStrings, numberText } from '../../src/read/xlsx.js';
import type { SourceRow } from '../../src/types.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

/** A workbook as Excel users have them: a contacts sheet after a cover sheet, with the usual damage. */
async function contactsWorkbook(file: string): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const cover = workbook.addWorksheet('Read me');
  cover.addRow(['This sheet is not contacts']);
  const sheet = workbook.addWorksheet('Contacts');
  sheet.addRow(['First Name', 'Mobile', 'Country', 'Born', 'VIP', '', 'Score']);
  sheet.addRow(['Ann', 4155550132, 'US', new Date(Date.UTC(1990, 1, 1)), true, 'x', 12.5]); // row 2
  sheet.addRow([]); // row 3: empty
  sheet.addRow(['Bob', 7700900123, 'GB']); // row 4: the leading 0 Excel dropped
  sheet.addRow(['Cy', '07700900124', 'GB']); // row 5: stored as text, 0 kept
  sheet.getRow(6).getCell(1).value = 'Di'; // row 6: a formula with its cached value
  sheet.getRow(6).getCell(2).value = { formula: 'B2+1', result: 4155550133 };
  sheet.getRow(6).getCell(3).value = { richText: [{ text: 'U' }, { font: { bold: true }, text: 'S' }] };
  sheet.getRow(6).getCell(9).value = 'beyond the header';
  sheet.getRow(9).getCell(1).value = 'Ed'; // rows 7-8 untouched
  sheet.getRow(9).getCell(2).value = 447911123456;
  sheet.getRow(9).getCell(4).value = new Date(Date.UTC(2020, 5, 30, 9, 30));
  sheet.getRow(9).getCell(7).value = { error: '#N/A' };
  // Excel's cover sheet comes first in the tab order here: make Contacts the first tab.
  workbook.removeWorksheet(cover.id);
  const other = workbook.addWorksheet('Archive');
  other.addRow(['Mobile']);
  other.addRow([4155550199]);
  await workbook.xlsx.writeFile(file);
  return file;
}

describe('xlsx', () => {
  test('the first sheet, its header, exact digits, ISO dates, cached formula values, sheet row numbers', async () => {
    const file = await contactsWorkbook(tmp.path('contacts.xlsx'));
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.format).toBe('xlsx');
    expect(info.sheet).toBe('Contacts');
    expect(info.headers).toEqual(['First Name', 'Mobile', 'Country', 'Born', 'VIP', '_column6', 'Score']);
    const empty = { 'First Name': '', Mobile: '', Country: '', Born: '', VIP: '', _column6: '', Score: '' };
    expect(rows.map((row) => [row.ref.line, row.raw, [...(row.numeric ?? [])]])).toEqual([
      [
        2,
        {
          'First Name': 'Ann',
          Mobile: '4155550132',
          Country: 'US',
          Born: '1990-02-01',
          VIP: 'TRUE',
          _column6: 'x',
          Score: '12.5',
        },
        ['Mobile', 'Score'],
      ],
      [4, { ...empty, 'First Name': 'Bob', Mobile: '7700900123', Country: 'GB' }, ['Mobile']],
      [5, { ...empty, 'First Name': 'Cy', Mobile: '07700900124', Country: 'GB' }, []],
      [
        6,
        { ...empty, 'First Name': 'Di', Mobile: '4155550133', Country: 'US', _column9: 'beyond the header' },
        ['Mobile'],
      ],
      [
        9,
        {
          ...empty,
          'First Name': 'Ed',
          Mobile: '447911123456',
          Born: '2020-06-30T09:30:00.000Z',
          Score: '#N/A',
        },
        ['Mobile'],
      ],
    ]);
    expect(rows.map((row) => row.ref.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.every((row) => row.error === undefined)).toBe(true);
    expect(info.records).toBe(5);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('--sheet picks another sheet (case ignored); a missing one lists the sheets there are', async () => {
    const file = await contactsWorkbook(tmp.path('sheets.xlsx'));
    const archive = await readAll(file, { sheet: 'archive' });
    expect(archive.error).toBeUndefined();
    expect(archive.rows.map((row) => [row.ref.line, row.raw])).toEqual([[2, { Mobile: '4155550199' }]]);
    expect(archive.info.sheet).toBe('Archive');

    const missing = await readAll(file, { sheet: 'Leads' });
    expect(missing.rows).toEqual([]);
    expect(missing.error).toBeInstanceOf(SourceError);
    expect((missing.error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((missing.error as SourceError).message).toBe(
      `${file}: no sheet named "Leads"; the workbook has "Contacts", "Archive"`,
    );
  });

  test('many small sheets stored before xl/workbook.xml: every entry is read, the last sheet found by name', async () => {
    // unzipper reads ahead through small entries while exceljs parks a sheet in a temporary file,
    // reaches the end of the zip and says 'end' with entries still queued: without our guard the
    // workbook part was never seen ("Cannot read properties of undefined (reading 'sheets')").
    const file = tmp.path('many-sheets.xlsx');
    const workbook = new ExcelJS.Workbook();
    for (let n = 1; n <= 30; n++) {
      const sheet = workbook.addWorksheet(`Sheet ${n}`);
      sheet.addRow(['Mobile']);
      sheet.addRow([4155550100 + n]);
    }
    await workbook.xlsx.writeFile(file);
    const bytes = await readFile(file);
    expect(bytes.indexOf('xl/workbook.xml')).toBeGreaterThan(bytes.indexOf('xl/worksheets/sheet30.xml'));
    for (let round = 0; round < 3; round++) {
      const { rows, error, info } = await readAll(file, { sheet: 'sheet 30' });
      expect(error).toBeUndefined();
      expect(info.sheet).toBe('Sheet 30');
      expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([[2, { Mobile: '4155550130' }]]);
    }
  });

  test('sheets stored before the shared strings, as Excel saves them, read as text (exceljs issue 683)', async () => {
    const file = tmp.path('streamed.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const sheet = writer.addWorksheet('People');
    sheet.addRow(['Name', 'Phone', 'Tags']).commit();
    for (let i = 0; i < 300; i++)
      sheet.addRow([`Person ${i}`, 2015550000 + i, i % 2 ? 'vip' : 'new']).commit();
    sheet.commit();
    await writer.commit();
    const bytes = await readFile(file);
    // Zip entry names are stored as plain text in the local headers: their order is the file's.
    const sheetAt = bytes.indexOf('xl/worksheets/sheet1.xml');
    const stringsAt = bytes.indexOf('xl/sharedStrings.xml');
    expect(sheetAt).toBeGreaterThan(-1);
    expect(stringsAt).toBeGreaterThan(sheetAt);

    for (const source of [
      () => readAll(file),
      () => readAll('-', { format: 'xlsx', stdin: chunkedStream(bytes, 4096) }),
      async () => readAll(await tmp.write('streamed.xlsx.gz', gzipSync(bytes))),
    ]) {
      const { rows, error, info } = await source();
      expect(error).toBeUndefined();
      expect(info.format).toBe('xlsx');
      expect(rows).toHaveLength(300);
      expect(rows[0]?.raw).toEqual({ Name: 'Person 0', Phone: '2015550000', Tags: 'new' });
      expect(rows[299]?.raw).toEqual({ Name: 'Person 299', Phone: '2015550299', Tags: 'vip' });
      expect(rows[299]?.ref.line).toBe(301);
    }
  });

  test('stdin is recognised as a workbook by its zip signature', async () => {
    const bytes = await readFile(await contactsWorkbook(tmp.path('sniffed.xlsx')));
    const { info, rows, error } = await readAll('-', { stdin: chunkedStream(bytes) });
    expect(error).toBeUndefined();
    expect(info.format).toBe('xlsx');
    expect(rows).toHaveLength(5);
  });

  test.each([
    [
      'a CSV named .xlsx',
      'Mobile\n4155550132\n',
      /is not an \.xlsx workbook \(an xlsx file is a zip archive\)$/,
    ],
    [
      'an Excel 97-2003 file',
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]),
      /is an Excel 97-2003 workbook \(\.xls\), which is not read: open it in Excel or LibreOffice and save it as \.xlsx \(Excel Workbook\) or CSV$/,
    ],
  ])('%s is a SOURCE_FORMAT error', async (_, content, message) => {
    const { rows, error } = await readAll(await tmp.write('not-a-workbook.xlsx', content));
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((error as SourceError).message).toMatch(message);
  });

  test('a damaged zip is a SOURCE_FORMAT error, not a hang', async () => {
    const bytes = await readFile(await contactsWorkbook(tmp.path('whole.xlsx')));
    const { error } = await readAll(await tmp.write('damaged.xlsx', bytes.subarray(0, bytes.length / 2)));
    expect((error as SourceError).code).toBe('SOURCE_FORMAT');
  });

  test('a sheet with no rows has no header row', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Empty');
    const file = tmp.path('empty.xlsx');
    await workbook.xlsx.writeFile(file);
    const { rows, error } = await readAll(file);
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_EMPTY');
  });

  test.each([
    [4155550132, '4155550132'],
    [447911123456, '447911123456'],
    [1e21, '1000000000000000000000'],
    [12.5, '12.5'],
    [-3, '-3'],
  ])('number %d is the text %s', (value, text) => {
    expect(numberText(value)).toBe(text);
  });

  test('the packed shared strings table gives back every string, grown past its first buffers', () => {
    const strings = new SharedStrings();
    const texts = Array.from({ length: 5000 }, (_, i) =>
      i % 3 === 0 ? '' : `Élodie ${i} ${'x'.repeat(i % 40)} 📱`,
    );
    for (const text of texts) strings.push(text);
    expect(strings.size).toBe(5000);
    expect(texts.every((text, i) => strings.get(i) === text)).toBe(true);
    expect([strings.get(-1), strings.get(5000), strings.get(1.5)]).toEqual([undefined, undefined, undefined]);
  });
});

/** Workbooks exceljs cannot write: see test/fixtures/xlsx/README.md. */
const FIXTURES = fileURLToPath(new URL('../fixtures/xlsx/', import.meta.url));

/** `[line, raw]` of each row. */
function lines(rows: SourceRow[]): Array<[number, Record<string, unknown>]> {
  return rows.map((row) => [row.ref.line, row.raw]);
}

describe('xlsx: which sheet', () => {
  test('an openpyxl (pandas) workbook with absolute sheet targets is read under its real sheet name', async () => {
    const file = path.join(FIXTURES, 'openpyxl-sheet.xlsx');
    for (const sheet of [undefined, ' sheet ']) {
      const { info, rows, error } = await readAll(file, { sheet });
      expect(error).toBeUndefined();
      expect(info.sheet).toBe('Sheet');
      expect(info.headers).toEqual(['First Name', 'Last Name', 'Mobile', 'Email']);
      expect(lines(rows)).toEqual([
        [2, { 'First Name': 'Ann', 'Last Name': 'Lee', Mobile: '07911 123461', Email: 'ann@example.com' }],
        [3, { 'First Name': 'Bob', 'Last Name': 'Marsh', Mobile: '447911123462', Email: 'bob@example.com' }],
        [5, { 'First Name': 'Cy', 'Last Name': 'Dunn', Mobile: 'call me', Email: 'cy@example.com' }],
      ]);
      expect(rows.map((row) => [...(row.numeric ?? [])])).toEqual([[], ['Mobile'], []]);
    }
  });

  test('openpyxl: a hidden first sheet is skipped, any sheet is read by name, a missing one lists them all', async () => {
    const file = path.join(FIXTURES, 'openpyxl-contacts.xlsx');
    const first = await readAll(file);
    expect(first.error).toBeUndefined();
    expect(first.info.sheet).toBe('Contacts');
    expect(lines(first.rows)).toEqual([
      [4, { 'First Name': 'Dee', 'Last Name': 'Ng', Mobile: '07911 123464', Country: 'GB' }],
      [5, { 'First Name': 'Eve', 'Last Name': 'Park', Mobile: '+44 7911 123465', Country: 'GB' }],
    ]);

    const hidden = await readAll(file, { sheet: 'LISTS' });
    expect(hidden.info.sheet).toBe('Lists');
    expect(lines(hidden.rows)).toEqual([[2, { Country: 'United Kingdom', Code: 'GB' }]]);
    const notes = await readAll(file, { sheet: 'Notes' });
    expect(lines(notes.rows)).toEqual([[2, { Mobile: '07911 123466' }]]);

    const missing = await readAll(file, { sheet: 'Leads' });
    expect((missing.error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((missing.error as SourceError).message).toBe(
      `${file}: no sheet named "Leads"; the workbook has "Lists" (hidden), "Contacts", "Notes"`,
    );
  });

  test('a real openpyxl workbook whose first sheet is empty: the message names the other sheet; --sheet reads it', async () => {
    const file = path.join(FIXTURES, 'exceljs-openpyxl-test-pr-1220.xlsx');
    const first = await readAll(file);
    expect(first.rows).toEqual([]);
    expect((first.error as SourceError).code).toBe('SOURCE_EMPTY');
    expect((first.error as SourceError).message).toBe(
      `${file}: sheet "Sheet" (the first visible one) is empty (no header row); the workbook also has ` +
        `"KA lijst": name the sheet to read with --sheet, e.g. --sheet "KA lijst"`,
    );

    const named = await readAll(file, { sheet: 'KA lijst' });
    expect(named.error).toBeUndefined();
    expect(named.info.sheet).toBe('KA lijst');
    expect(named.info.headers?.slice(0, 3)).toEqual(['AP', 'APHeightUnit', 'DuctD']);
    expect(named.rows).toHaveLength(340);
    expect([named.rows[0]?.ref.line, named.rows.at(-1)?.ref.line]).toEqual([2, 341]);
  });

  test('a real Excel workbook whose first tab is a chart sheet: its worksheet is read; --sheet with the chart says what it is', async () => {
    const file = path.join(FIXTURES, 'exceljs-excel-chart-sheet.xlsx');
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.sheet).toBe('Sheet1');
    expect(info.otherSheets).toBe('"Chart1" (chart)');
    expect(info.headers).toEqual(['Month', 'Bears', 'Dolphins', 'Whales']);
    expect(rows.map((row) => [row.ref.line, row.raw.Month])).toEqual([
      [2, 'Jan'],
      [3, 'Feb'],
      [4, 'Mar'],
      [5, 'Apr'],
      [6, 'May'],
      [7, 'Jun'],
    ]);

    const chart = await readAll(file, { sheet: 'chart1' });
    expect((chart.error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((chart.error as SourceError).message).toBe(
      `${file}: sheet "Chart1" is a chart sheet, not a table of rows; the workbook has "Sheet1"`,
    );
  });

  test.each([
    ['hidden', 'visible', 'B'],
    ['veryHidden', 'visible', 'B'],
    ['hidden', 'hidden', 'A'], // no visible worksheet (a chart sheet shows instead): the first one
  ] as const)('a %s first sheet, a %s second: sheet %s is read', async (stateA, stateB, read) => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('A', { state: stateA }).addRows([['Mobile'], ['4155550101']]);
    workbook.addWorksheet('B', { state: stateB }).addRows([['Mobile'], ['4155550102']]);
    const file = tmp.path(`${stateA}-${stateB}.xlsx`);
    await workbook.xlsx.writeFile(file);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.sheet).toBe(read);
    expect(lines(rows)).toEqual([[2, { Mobile: { A: '4155550101', B: '4155550102' }[read] }]]);
  });

  test('an empty first sheet with data on the next: the message names both and suggests --sheet', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Sheet1');
    workbook.addWorksheet('Sheet2').addRows([['Mobile'], ['4155550101']]);
    const file = tmp.path('empty-first.xlsx');
    await workbook.xlsx.writeFile(file);
    const { rows, error } = await readAll(file);
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_EMPTY');
    expect((error as SourceError).message).toBe(
      `${file}: sheet "Sheet1" (the first visible one) is empty (no header row); the workbook also has ` +
        `"Sheet2": name the sheet to read with --sheet, e.g. --sheet "Sheet2"`,
    );
  });
});

describe('xlsx: a title above the header', () => {
  async function sheetOf(name: string, rows: unknown[][], merge?: string): Promise<string> {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Report');
    rows.forEach((cells, index) => {
      cells.forEach((value, column) => {
        if (value !== null) sheet.getRow(index + 1).getCell(column + 1).value = value as ExcelJS.CellValue;
      });
    });
    if (merge !== undefined) sheet.mergeCells(merge);
    const file = tmp.path(name);
    await workbook.xlsx.writeFile(file);
    return file;
  }

  test('a merged title and an empty row above the header are skipped; rows keep their sheet numbers', async () => {
    const file = await sheetOf(
      'title.xlsx',
      [
        ['Customer contacts – exported 2024-05-01'],
        [],
        ['First Name', 'Mobile', 'Email'],
        ['Ann', '07911 123461', 'ann@example.com'],
        ['Bob', 447911123462, 'bob@example.com'],
      ],
      'A1:C1',
    );
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(['First Name', 'Mobile', 'Email']);
    expect(info.titleLine).toEqual({
      line: 1,
      text: 'Customer contacts – exported 2024-05-01',
      headerLine: 3,
    });
    expect(lines(rows)).toEqual([
      [4, { 'First Name': 'Ann', Mobile: '07911 123461', Email: 'ann@example.com' }],
      [5, { 'First Name': 'Bob', Mobile: '447911123462', Email: 'bob@example.com' }],
    ]);
  });

  test('a title and a filter line (a report export) are skipped together; a long title is cut', async () => {
    const long = `Contacts report ${'x'.repeat(300)}`;
    const file = await sheetOf('report.xlsx', [
      [null, long],
      ['Filtered by: Owner = Me'],
      [],
      ['Name', 'Phone'],
      ['Cy', '07911 123463'],
    ]);
    const { info, rows } = await readAll(file);
    expect(info.titleLine).toEqual({
      line: 1,
      text: `${long} / Filtered by: Owner = Me`.slice(0, 200),
      headerLine: 4,
    });
    expect(lines(rows)).toEqual([[5, { Name: 'Cy', Phone: '07911 123463' }]]);
  });

  test.each([
    [
      'a one-column sheet of phone numbers',
      [['Mobile'], ['07911 123461'], [447911123462]],
      ['Mobile'],
      [
        [2, { Mobile: '07911 123461' }],
        [3, { Mobile: '447911123462' }],
      ],
    ],
    [
      'a one-column sheet of names, longer than the title rows held',
      [['Name'], ['Ann'], ['Bob'], ['Cy'], ['Di']],
      ['Name'],
      [
        [2, { Name: 'Ann' }],
        [3, { Name: 'Bob' }],
        [4, { Name: 'Cy' }],
        [5, { Name: 'Di' }],
      ],
    ],
    ['a header alone', [['Mobile']], ['Mobile'], []],
    [
      'one header cell over a row with a phone number and a note',
      [['Mobile'], ['07911 123461', 'call after 6']],
      ['Mobile'],
      [[2, { Mobile: '07911 123461', _column2: 'call after 6' }]],
    ],
    [
      'one header cell over a row with an e-mail address',
      [['Name'], ['Ann', 'ann@example.com']],
      ['Name'],
      [[2, { Name: 'Ann', _column2: 'ann@example.com' }]],
    ],
    [
      'one header cell over a row with a number cell',
      [['Name'], ['Ann', 42]],
      ['Name'],
      [[2, { Name: 'Ann', _column2: '42' }]],
    ],
  ] as const)('no title in %s: the first row is the header', async (_, sheetRows, headers, expected) => {
    const file = await sheetOf(`no-title-${headers[0]}-${sheetRows.length}-${expected.length}.xlsx`, [
      ...sheetRows.map((cells) => [...cells]),
    ]);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.titleLine).toBeUndefined();
    expect(info.headers).toEqual(headers);
    expect(lines(rows)).toEqual(expected);
  });
});

describe('xlsx: sheet parts', () => {
  test.each([
    ['worksheets/sheet1.xml', 'xl/worksheets/sheet1.xml'], // Excel, LibreOffice, exceljs
    ['/xl/worksheets/sheet1.xml', 'xl/worksheets/sheet1.xml'], // openpyxl, pandas
    ['./worksheets/Sheet2.xml', 'xl/worksheets/sheet2.xml'],
    ['../xl/worksheets/sheet3.xml', 'xl/worksheets/sheet3.xml'],
    ['worksheets\\sheet4.xml', 'xl/worksheets/sheet4.xml'],
    ['worksheets/sheet%205.xml', 'xl/worksheets/sheet 5.xml'],
    ['chartsheets/sheet1.xml', 'xl/chartsheets/sheet1.xml'],
  ])('the target %s is the part %s', (target, part) => {
    expect(workbookPart(target)).toBe(part);
  });
});

describe('xlsx: zip archives that are no workbook, read as one (stdin, --format xlsx)', () => {
  const archive = (name: string): string =>
    path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/xlsx', name);

  test("Mailchimp's audience export (a zip of one CSV per status) is refused naming its CSVs and how to import them", async () => {
    const { rows, error } = await readAll(archive('mailchimp-members-export.zip'));
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((error as SourceError).message).toMatch(
      /mailchimp-members-export\.zip is a zip archive, not an Excel workbook; it holds 3 files: subscribed_members_export_7f3a9c1b2d\.csv, unsubscribed_members_export_7f3a9c1b2d\.csv, cleaned_members_export_7f3a9c1b2d\.csv\. Extract it and import the files in it: sakari-sync import subscribed_members_export_7f3a9c1b2d\.csv unsubscribed_members_export_7f3a9c1b2d\.csv cleaned_members_export_7f3a9c1b2d\.csv$/,
    );
  });

  test('a zip made by macOS Finder: its __MACOSX resource forks are not counted, a name with a space is quoted', async () => {
    const { error } = await readAll(archive('finder-archive.zip'));
    expect((error as SourceError).message).toMatch(
      /finder-archive\.zip is a zip archive, not an Excel workbook; it holds one file: Contacts List\.csv\. Extract it and import the file in it: sakari-sync import 'Contacts List\.csv'$/,
    );
  });

  test('a zip of nothing read here says so, read as Excel by name or by --format', async () => {
    for (const options of [{}, { format: 'xlsx' as const }]) {
      const { error } = await readAll(archive('not-contacts.zip'), options);
      expect((error as SourceError).code).toBe('SOURCE_FORMAT');
      expect((error as SourceError).message).toMatch(
        /not-contacts\.zip is a zip archive, not an Excel workbook; it holds 2 files: invoice\.pdf, logo\.png\. None of them has the extension of a format read here$/,
      );
    }
  });
});
