import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
import { SharedStrings, numberText } from '../../src/read/xlsx.js';
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
      /is an Excel 97-2003 workbook \(\.xls\), which is not read: save it as \.xlsx$/,
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
