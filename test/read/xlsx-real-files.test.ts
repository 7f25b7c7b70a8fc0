/**
 * Workbooks from tafia/calamine's test files (test/fixtures/xlsx/calamine-*) that the Excel reader
 * once refused or read as empty: each is read as Excel and calamine read it, or refused with a
 * message naming its format.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
import { decodeExcelEscapes } from '../../src/read/xlsx-xml.js';
import { readAll } from './helpers.js';

const fixture = (name: string): string =>
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/xlsx', name);

describe('real workbooks', () => {
  test('an empty shared string reference <c t="s"><v/></c> is an empty cell, not a damaged file', async () => {
    const { rows, error, info } = await readAll(fixture('calamine-empty_shared_string_value.xlsx'));
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(['Name', 'City', 'Status']);
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([
      [2, { Name: 'Alice', City: '', Status: 'Active' }],
      [3, { Name: '', City: 'Berlin', Status: '' }],
    ]);
  });

  test('a workbook without xl/styles.xml (optional in SpreadsheetML; minimal writers leave it out) is read, its numbers as written', async () => {
    // Content types, relationships, workbook.xml and one sheet: an inline-string header, a number cell.
    const { rows, error, info } = await readAll(fixture('minimal-no-styles.xlsx'));
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(['Mobile']);
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([[2, { Mobile: '7911123456' }]]);
  });

  test('the shared strings part named xl/SharedStrings.xml (case differs from its relationship) is read', async () => {
    const { error, info } = await readAll(fixture('calamine-issue_419.xlsx'));
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(['Hello']);
  });

  test('a workbook written with an x: namespace prefix (.NET Open XML SDK) is read', async () => {
    const { error, info } = await readAll(fixture('calamine-richtext-namespaced.xlsx'));
    expect(error).toBeUndefined();
    expect(info.sheet).toBe('Sheet1');
    expect(info.headers?.[0]).toBe('inline string\nLine 2\nLine 3');
    expect(info.headers?.[7]).toBe('shared string\nLine 2\nLine 3');
  });

  test.each([['calamine-has_x000D_.xlsx'], ['calamine-has_x000D_inline.xlsx']])(
    "%s: Excel's _x000D_ escape is a carriage return",
    async (name) => {
      const { error, info } = await readAll(fixture(name));
      expect(error).toBeUndefined();
      expect(info.headers).toEqual(['ABC\r\nDEF']);
    },
  );

  test.each([
    ['ABC_x000D_DEF', 'ABC\rDEF'],
    ['_x005F_x0041_', '_x0041_'],
    ['a_b_x_', 'a_b_x_'],
    ['_xD83D__xDE00_', '😀'],
  ])('_xHHHH_ escapes: %j is %j', (raw, text) => {
    expect(decodeExcelEscapes(raw)).toBe(text);
  });

  test('rows and cells without r attributes are numbered by position', async () => {
    const { error, info, rows } = await readAll(fixture('calamine-issue_261.xlsx'));
    expect(error).toBeUndefined();
    // Row 1 holds one cell (a title), so the first row of several cells is the header.
    expect(info.headers).toHaveLength(8);
    const last = rows.at(-1);
    expect(last?.ref.line).toBe(66);
    // A (no r), B (no r), D66, F66, then G (no r): "String Value 42" and "String Value 8" (as ElementTree reads them).
    const values = Object.values(last?.raw ?? {});
    expect(values[0]).toBe('String Value 42');
    expect(values[3]).toBe('String Value 8');
  });

  test.each([
    ['calamine-date.xls', /is an Excel 97-2003 workbook \(\.xls\), which is not read: open it in Excel/],
    [
      'calamine-any_sheets.ods',
      /is an OpenDocument spreadsheet \(\.ods\), which is not read: open it in Excel/,
    ],
    [
      'calamine-any_sheets.xlsb',
      /is an Excel binary workbook \(\.xlsb\), which is not read: open it in Excel/,
    ],
  ])('%s is refused with its format named and how to save it', async (name, message) => {
    const { rows, error } = await readAll(fixture(name));
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_FORMAT');
    expect((error as SourceError).message).toMatch(message);
    expect((error as SourceError).message).toMatch(/save it as \.xlsx \(Excel Workbook\) or CSV$/);
  });

  test('an .xls named .csv is still told as an .xls', async () => {
    const { error } = await readAll(fixture('calamine-date.xls'), { format: 'csv' });
    expect((error as SourceError).message).toMatch(/is an Excel 97-2003 workbook \(\.xls\)/);
  });
});
