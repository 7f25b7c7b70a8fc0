import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, test } from 'vitest';

import { CsvFile, cellText, formatReportCsv } from '../../src/report/csv.js';
import { spreadsheetSafe } from '../../src/report/index.js';

describe('spreadsheetSafe', () => {
  test.each([
    ['=1+2', "'=1+2"],
    ['+447700900123', "'+447700900123"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ['Alice', 'Alice'],
    ['a=b', 'a=b'],
    [' =x', ' =x'],
    ["'already", "'already"],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(spreadsheetSafe(input)).toBe(expected);
  });
});

describe('formatReportCsv (RFC 4180)', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(formatReportCsv([[input]])).toBe(`${expected}\n`);
  });

  test('a record round-trips through a CSV parser', () => {
    const fields = ['1', 'a,b', 'say "hi"', 'multi\nline\r\nvalue', '', "'=x"];
    const parsed = parse(formatReportCsv([fields])) as string[][];
    expect(parsed).toEqual([fields]);
  });
});

describe('cellText', () => {
  test.each([
    ['text', 'text'],
    [42, '42'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
    [{ number: '+1 555', country: 'US' }, '{"number":"+1 555","country":"US"}'],
    [['a', 'b'], '["a","b"]'],
  ])('%j → %j', (input, expected) => {
    expect(cellText(input)).toBe(expected);
  });
});

/** Cells that exercise every quoting and spreadsheet-safety rule. */
const AWKWARD = [
  'plain',
  '',
  'a,b',
  'say "hi"',
  '"',
  'two\nlines',
  'crlf\r\nhere',
  'cr\ronly',
  ' lead',
  'trail ',
  '\u00a0nbsp',
  'tab\tin',
  '=SUM(A1)',
  '+447700900123',
  '-5',
  '@x',
  '\tcmd',
  '\rcr',
  "O'Brien",
  'Zoë 日本 😀',
  'a|b',
  ';semi;',
];

const EXPECTED_BYTES =
  'line,status\nplain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,=SUM(A1),+447700900123,-5,@x,\tcmd,"\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n' +
  'plain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,\'=SUM(A1),\'+447700900123,\'-5,\'@x,\'\tcmd,"\'\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n';

describe('report CSV bytes', () => {
  test('are exactly those of the hand-written writer before csv-stringify (LF, quotes only where needed, no BOM)', () => {
    const text = formatReportCsv([['line', 'status'], AWKWARD, AWKWARD.map(spreadsheetSafe)]);
    expect(text).toBe(EXPECTED_BYTES);
  });

  test('CsvFile writes the same bytes record by record, across several formatting batches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sakari-csv-'));
    try {
      const path = join(dir, 'out.csv');
      const file = await CsvFile.create(path, 0o600);
      file.write(['line', 'status']);
      file.write(AWKWARD);
      file.write(AWKWARD.map(spreadsheetSafe));
      let tail = '';
      for (let i = 0; i < 1_234; i += 1) {
        file.write([String(i), i % 2 === 0 ? 'a "b"' : '=c']);
        tail += i % 2 === 0 ? `${i},"a ""b"""\n` : `${i},=c\n`;
        if (i === 700) await new Promise((resolve) => setImmediate(resolve));
      }
      await file.close();
      expect(await readFile(path, 'utf8')).toBe(EXPECTED_BYTES + tail);
      expect(() => file.write(['late'])).toThrow(/write after close/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
