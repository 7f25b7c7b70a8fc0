import { parse } from 'csv-parse/sync';
import { describe, expect, test } from 'vitest';

import { cellText, csvField, csvRecord } from '../../src/report/csv.js';
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

describe('csvField (RFC 4180)', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  test('a record round-trips through a CSV parser', () => {
    const fields = ['1', 'a,b', 'say "hi"', 'multi\nline\r\nvalue', '', "'=x"];
    const parsed = parse(csvRecord(fields)) as string[][];
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

describe('report CSV bytes', () => {
  test('are exactly those of the hand-written writer before csv-stringify (LF, quotes only where needed, no BOM)', () => {
    const text = csvRecord(['line', 'status']) + csvRecord(AWKWARD) + csvRecord(AWKWARD.map(spreadsheetSafe));
    expect(text).toBe(
      'line,status\nplain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,=SUM(A1),+447700900123,-5,@x,\tcmd,"\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n' +
        'plain,,"a,b","say ""hi""","""","two\nlines","crlf\r\nhere","cr\ronly", lead,trail ,\u00a0nbsp,tab\tin,\'=SUM(A1),\'+447700900123,\'-5,\'@x,\'\tcmd,"\'\rcr",O\'Brien,Zoë 日本 😀,a|b,;semi;\n',
    );
  });
});
