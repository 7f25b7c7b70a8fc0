/**
 * What spreadsheets and report tools put around the records of a CSV (src/read/csv.ts): Excel's
 * `sep=` line, a title line above the header, a Salesforce report footer, and rows Excel wrote
 * without their trailing empty cells. Each is read from a real file, from a file and from stdin
 * in tiny chunks (so that a line break or a held record falls between chunks).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

import { MAX_FOOTER_RECORDS } from '../../src/read/csv.js';
import { detectDelimiter, separatorLine } from '../../src/read/detect.js';
import { openSource, type ReadOptions, type RecordRecall } from '../../src/read/index.js';
import type { SourceRow } from '../../src/types.js';
import { ROOT } from '../helpers.js';
import { chunkedStream, linesAndRaw, readAll, useTempDir, type ReadResult } from './helpers.js';

const tmp = useTempDir();

/** Reads `text` from a file and from stdin in 3-byte chunks; both must give the same rows and info. */
async function readBoth(name: string, text: string, options: ReadOptions = {}): Promise<ReadResult> {
  const fromFile = await readAll(await tmp.write(name, text), options);
  const fromStdin = await readAll('-', { ...options, stdin: chunkedStream(text, 3) });
  expect(linesAndRaw(fromStdin.rows)).toEqual(linesAndRaw(fromFile.rows));
  expect(fromStdin.rows.map((row) => row.error)).toEqual(fromFile.rows.map((row) => row.error));
  const { path: _file, sha256: _fileHash, ...fileInfo } = fromFile.info;
  const { path: _stdin, sha256: _stdinHash, ...stdinInfo } = fromStdin.info;
  expect(stdinInfo).toEqual(fileInfo);
  return fromFile;
}

const errorsOf = (rows: SourceRow[]): unknown[] => rows.map((row) => row.error?.code);

describe("Excel's sep= line", () => {
  test.each([
    [';', 'sep=;'],
    [',', 'sep=,'],
    ['\t', 'sep=\t'],
    ['|', 'sep=|'],
    [';', 'SEP=;'],
  ])('%j: the delimiter it names, the line skipped, lines counted from the file', async (delimiter, line) => {
    const body = ['First Name', 'Mobile', 'Email'].join(delimiter);
    const ava = ['Ava', '+14155552671', 'ava@example.com'].join(delimiter);
    const liam = ['Liam', '+61 412 345 678', 'liam@example.com'].join(delimiter);
    const text = `${line}\r\n${body}\r\n${ava}\r\n\r\n${liam}\r\n`;
    const { info, rows, error } = await readBoth(`sep-${delimiter.charCodeAt(0)}.csv`, text);
    expect(error).toBeUndefined();
    expect(info.delimiter).toBe(delimiter);
    expect(info.headers).toEqual(['First Name', 'Mobile', 'Email']);
    expect(linesAndRaw(rows)).toEqual([
      [3, { 'First Name': 'Ava', Mobile: '+14155552671', Email: 'ava@example.com' }],
      [5, { 'First Name': 'Liam', Mobile: '+61 412 345 678', Email: 'liam@example.com' }],
    ]);
    expect(info.titleLine).toBeUndefined();
  });

  test('--delimiter wins over the sep= line, which is skipped all the same', async () => {
    const text = 'sep=;\r\nname,phone;x\r\nAnn,1;2\r\n';
    const { info, rows } = await readBoth('sep-overridden.csv', text, { delimiter: ',' });
    expect(info.delimiter).toBe(',');
    expect(linesAndRaw(rows)).toEqual([[3, { name: 'Ann', 'phone;x': '1;2' }]]);
  });

  test('CR line endings, blank lines before the header, and a lone CR split across chunks', async () => {
    const text = 'sep=|\r\r|\rname|phone\rAnn|1\r';
    const { info, rows } = await readBoth('sep-cr.csv', text);
    expect(info.delimiter).toBe('|');
    expect(info.headers).toEqual(['name', 'phone']);
    expect(linesAndRaw(rows)).toEqual([[5, { name: 'Ann', phone: '1' }]]);
  });

  test('a file holding only its sep= line has no header row', async () => {
    const { rows, error } = await readAll(await tmp.write('sep-only.csv', 'sep=;\r\n'));
    expect(rows).toEqual([]);
    expect(error).toMatchObject({ code: 'SOURCE_EMPTY' });
  });

  test.each([
    ['sep=;\r\nname;phone', { delimiter: ';', length: 7 }],
    ['sep=,\nname', { delimiter: ',', length: 6 }],
    ['sep=\t\rname', { delimiter: '\t', length: 6 }],
    ['sep=|', { delimiter: '|', length: 5 }],
    ['sep=;x\nname', undefined],
    ['sep=a\nname', undefined],
    ['sep=\nname', undefined],
    [' sep=;\nname', undefined],
    ['"sep=;"\nname', undefined],
    ['separator,phone\n', undefined],
  ])('separatorLine(%j)', (text, expected) => {
    expect(separatorLine(text)).toEqual(expected);
  });
});

describe('a title line above the header', () => {
  test('Excel: a one-cell title padded with delimiters, a blank row, then the header', async () => {
    const text =
      'Customer list - exported 2024-03-01;;;\r\n;;;\r\nFirst Name;Last Name;Mobile;Email\r\n' +
      'Ava;Martinez;+14155552671;ava@example.com\r\nEthan;Brown;(212) 555-1847;ethan@example.com\r\n';
    const { info, rows, error } = await readBoth('title-excel.csv', text);
    expect(error).toBeUndefined();
    expect(info.delimiter).toBe(';');
    expect(info.headers).toEqual(['First Name', 'Last Name', 'Mobile', 'Email']);
    expect(info.titleLine).toEqual({ line: 1, text: 'Customer list - exported 2024-03-01', headerLine: 3 });
    expect(linesAndRaw(rows)).toEqual([
      [4, { 'First Name': 'Ava', 'Last Name': 'Martinez', Mobile: '+14155552671', Email: 'ava@example.com' }],
      [
        5,
        { 'First Name': 'Ethan', 'Last Name': 'Brown', Mobile: '(212) 555-1847', Email: 'ethan@example.com' },
      ],
    ]);
    expect(rows.map((row) => row.ref.seq)).toEqual([0, 1]);
  });

  test('a bare title without delimiters: the delimiter is detected below it', async () => {
    const text = 'Members 2024\nname;phone;city\nAnn;1;Oslo\nBob;2;Bergen\n';
    const { info, rows } = await readBoth('title-bare.csv', text);
    expect(info.delimiter).toBe(';');
    expect(info.titleLine).toEqual({ line: 1, text: 'Members 2024', headerLine: 2 });
    expect(linesAndRaw(rows)).toEqual([
      [3, { name: 'Ann', phone: '1', city: 'Oslo' }],
      [4, { name: 'Bob', phone: '2', city: 'Bergen' }],
    ]);
  });

  test('a quoted title with a delimiter inside it, after a sep= line', async () => {
    const text = 'sep=,\n"Leads, Q1 2024"\n\nname,phone\nAnn,1\n';
    const { info, rows } = await readBoth('title-after-sep.csv', text);
    expect(info.titleLine).toEqual({ line: 2, text: 'Leads, Q1 2024', headerLine: 4 });
    expect(linesAndRaw(rows)).toEqual([[5, { name: 'Ann', phone: '1' }]]);
  });

  test('a long title is kept to 200 characters', async () => {
    const title = `Contacts ${'x'.repeat(300)}`;
    const { info } = await readAll(await tmp.write('title-long.csv', `${title}\nname,phone\nAnn,1\n`));
    expect(info.titleLine?.text).toBe(title.slice(0, 200));
  });

  test.each([
    ['a one-column file', 'phone\n+14155552671\n+12125551847\n', ['phone'], [2, 3]],
    ['a one-column file with a trailing delimiter', 'phone,\n+14155552671,\n', ['phone', '_column2'], [2]],
    ['a one-column file with only its header', 'phone\n', ['phone'], []],
    [
      'a header with one named column over one-field rows',
      'phone;;\n1;;\n\n2\n',
      ['phone', '_column2', '_column3'],
      [2, 4],
    ],
    [
      'a header with one named column over rows holding a phone number',
      'Mobile,\n(415) 555-2671,Ann\n+1 212 555 1847,Bo\n',
      ['Mobile', '_column2'],
      [2, 3],
    ],
    [
      'a header with one named column over rows holding an e-mail address',
      'Name;\nAnn;ann@x.io\n',
      ['Name', '_column2'],
      [2],
    ],
  ])('%s: the first record stays the header', async (_label, text, headers, lines) => {
    const { info, rows, error } = await readBoth(`title-none-${lines.length}-${headers.length}.csv`, text);
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(headers);
    expect(info.titleLine).toBeUndefined();
    expect(rows.map((row) => row.ref.line)).toEqual(lines);
  });

  test('an unclosed quote right after a one-field first record: that record is the header', async () => {
    const { info, rows, error } = await readAll(await tmp.write('title-then-quote.csv', 'phone\n"1,2\n3\n'));
    expect(error).toBeUndefined();
    expect(info.headers).toEqual(['phone']);
    expect(rows.map((row) => [row.ref.line, row.error?.message])).toEqual([
      [2, 'unclosed quote starting at line 2'],
    ]);
  });

  test('the header, not the title, is what record fingerprints are made with', async () => {
    const headers: string[] = [];
    const recall: RecordRecall = {
      fingerprinter: (header) => {
        headers.push(header);
        return { prefix: header, of: (record) => `${header}|${record}` };
      },
      parseFirst: 50,
      ahead: 2,
      settlesUnparsed: () => false,
    };
    const text = 'Export;;\r\nname;phone;city\r\nAnn;1;Oslo\r\n';
    const { rows } = await openSource(await tmp.write('title-recall.csv', text), { recall });
    const read: SourceRow[] = [];
    for await (const row of rows) read.push(row);
    expect(headers).toEqual(['name;phone;city']);
    expect(read.map((row) => [row.ref.line, row.fingerprint])).toEqual([[3, 'name;phone;city|Ann;1;Oslo']]);
  });
});

describe('a Salesforce report footer', () => {
  const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'exports', 'salesforce-report.csv');
  // The fixture: header on line 1, 8 records on lines 2–10 (the last one spans two lines).
  const lightning =
    '\n\n"Grand Totals (8 records)"\n\n"Confidential Information - Do Not Distribute"\n' +
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n';
  const classic =
    '\n\n"Contacts & Accounts"\n"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n' +
    '"Confidential Information - Do Not Distribute"\n"Generated By:  Jane Admin  3/18/2024 10:02 AM"\n' +
    '"Acme Corporation"\n';

  test.each([
    ['Lightning', lightning, { from: 13, to: 16 }],
    ['Classic', classic, { from: 13, to: 17 }],
    ['Lightning, CRLF', lightning.replaceAll('\n', '\r\n'), { from: 13, to: 16 }],
  ])('%s: skipped, named by its lines; the records read as without it', async (_label, tail, footer) => {
    const report = await readFile(FIXTURE, 'utf8');
    const plain = await readAll(FIXTURE);
    const { info, rows, error } = await readBoth(`sf-footer-${footer.to}-${tail.length}.csv`, report + tail);
    expect(error).toBeUndefined();
    expect(info.footer).toEqual(footer);
    expect(info.records).toBe(8);
    expect(linesAndRaw(rows)).toEqual(linesAndRaw(plain.rows));
    expect(errorsOf(rows)).toEqual(errorsOf(plain.rows));
    expect(info.shortRecords).toBeUndefined();
  });

  test('a footer after a header and no records', async () => {
    const text = `"First Name","Mobile"\n${lightning.replace('8 records', '0 records')}`;
    const { info, rows } = await readBoth('sf-footer-empty.csv', text);
    expect(rows).toEqual([]);
    expect(info.footer).toEqual({ from: 4, to: 7 });
  });

  test.each([
    ['no empty line before it', 'name,phone\nAnn,1\n"Grand Totals (1 records)"\n', [2, 3]],
    [
      'one-field lines with no Salesforce line among them',
      'name,phone\nAnn,1\n\n"Total"\n"Acme"\n',
      [2, 4, 5],
    ],
    [
      'a record after it',
      'name,phone\nAnn,1\n\n"Confidential Information - Do Not Distribute"\nBob,2\n',
      [2, 4, 5],
    ],
    [
      'a record of two fields among it',
      'name,phone\nAnn,1\n\n"Grand Totals (1 records)"\n"Generated By:","x"\n',
      [2, 4, 5],
    ],
  ])('not a footer (%s): its lines stay rows, in order', async (_label, text, lines) => {
    const { info, rows } = await readBoth(`sf-not-footer-${lines.join('-')}-${text.length}.csv`, text);
    expect(info.footer).toBeUndefined();
    expect(rows.map((row) => row.ref.line)).toEqual(lines);
    expect(rows.map((row) => row.ref.seq)).toEqual(lines.map((_, index) => index));
  });

  test('one-field records after an empty line are held back no further than a footer can be long', async () => {
    const numbers = Array.from({ length: 3 * MAX_FOOTER_RECORDS }, (_, i) => `+1646555${1000 + i}`);
    const text = `phone\n+16465550999\n\n${numbers.join('\n')}\n`;
    const { info, rows } = await readBoth('one-column-blank.csv', text);
    expect(info.footer).toBeUndefined();
    expect(rows.map((row) => row.raw['phone'])).toEqual(['+16465550999', ...numbers]);
    expect(rows.map((row) => row.ref.line)).toEqual([2, ...numbers.map((_, i) => 4 + i)]);
  });

  test('records the state recognises after held lines come after them, in order', async () => {
    // Every record is known except those starting `new`; the one-field record is parsed and held.
    const recall: RecordRecall = {
      fingerprinter: (header) => ({ prefix: header, of: (record) => `${header}|${record}` }),
      parseFirst: 0,
      ahead: 2,
      settlesUnparsed: (known) => known.contact !== undefined,
      lookup: async (records) => ({
        fingerprints: records.map(() => undefined),
        known: records.map((record) =>
          record.startsWith('new') || record.startsWith('"')
            ? undefined
            : { contact: { e164: '+447400123456', runId: 'r1', status: 'created', mobileInput: '07400' } },
        ),
      }),
    };
    const known = Array.from({ length: 2_000 }, (_, i) => `known,07400 ${100_000 + i}`);
    const text = [
      'name,mobile',
      ...known,
      '',
      '"Grand Totals (2001 records)"',
      ...known,
      'new,07400 1',
      '',
    ].join('\n');
    const { rows } = await openSource(await tmp.write('sf-held-recall.csv', text), { recall });
    const read: SourceRow[] = [];
    for await (const row of rows) read.push(row);
    const lines = read.map((row) => row.ref.line);
    const after = known.map((_, i) => 2_004 + i);
    expect(lines).toEqual([...known.map((_, i) => 2 + i), 2_003, ...after, 4_004]);
    expect(read.map((row) => row.ref.seq)).toEqual(lines.map((_, index) => index));
    expect(read[2_000]?.raw).toEqual({ name: 'Grand Totals (2001 records)', mobile: '' });
    // The rows right after it were recognised and never parsed: they waited for the held line.
    expect(read[2_001]?.unparsed).toBeDefined();
  });
});

describe('records with fewer fields than the header', () => {
  test('Excel dropped the trailing empty cells: the missing fields are empty, the rows valid and counted', async () => {
    const text =
      'First Name,Last Name,Mobile,Email,Notes,Tags\r\n' +
      'Ava,Martinez,(415) 555-2671,ava@example.com,VIP,customer\r\n' +
      'Liam,Wilson,(646) 555-0199,liam@example.com\r\n' +
      'Mia,Johnson,(312) 555-0178\r\n' +
      'Noah,Clark,(201) 555-0123,noah@example.com,call after 5\r\n' +
      'Zed,Extra,(201) 555-0124,zed@example.com,,,surplus\r\n';
    const { info, rows } = await readBoth('short-rows.csv', text);
    expect(info.shortRecords).toEqual({ count: 3, firstLine: 3 });
    expect(rows.map((row) => [row.ref.line, row.raw['Mobile'], row.raw['Tags'], row.error?.code])).toEqual([
      [2, '(415) 555-2671', 'customer', undefined],
      [3, '(646) 555-0199', '', undefined],
      [4, '(312) 555-0178', '', undefined],
      [5, '(201) 555-0123', '', undefined],
      // More non-blank fields than the header is still malformed.
      [6, '(201) 555-0124', '', 'RECORD_MALFORMED'],
    ]);
    expect(rows[2]?.raw).toEqual({
      'First Name': 'Mia',
      'Last Name': 'Johnson',
      Mobile: '(312) 555-0178',
      Email: '',
      Notes: '',
      Tags: '',
    });
    expect(rows[4]?.error?.message).toBe('expected 6 fields, found 7');
  });

  test('a missing "__proto__" column is empty like any other', async () => {
    const { rows } = await readAll(await tmp.write('short-proto.csv', 'name,phone,__proto__\nAnn,1\n'));
    const raw = rows[0]?.raw ?? {};
    expect(Object.keys(raw)).toEqual(['name', 'phone', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toBe('');
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
  });

  test('a short record the state recognises gives the same values when they are asked for', async () => {
    const recall: RecordRecall = {
      fingerprinter: (header) => ({ prefix: header, of: (record) => `${header}|${record}` }),
      parseFirst: 0,
      ahead: 1,
      settlesUnparsed: () => true,
      lookup: async (records) => ({
        fingerprints: records.map(() => undefined),
        known: records.map(() => ({
          contact: { e164: '+447400123456', runId: 'r1', status: 'created', mobileInput: '07400' },
        })),
      }),
    };
    const rows = Array.from({ length: 3_000 }, (_, i) =>
      i % 2 === 0 ? `n${i},07400 ${i}` : `n${i},07400 ${i},x`,
    );
    const file = await tmp.write('short-recall.csv', `name,mobile,note\n${rows.join('\n')}\n`);
    const { rows: read } = await openSource(file, { recall });
    const unparsed: Record<string, unknown>[] = [];
    for await (const row of read) if (row.unparsed) unparsed.push(row.unparsed());
    expect(unparsed.length).toBeGreaterThan(1_000);
    for (const values of unparsed) expect(Object.keys(values)).toEqual(['name', 'mobile', 'note']);
    expect(unparsed).toContainEqual({ name: 'n2998', mobile: '07400 2998', note: '' });
  });
});

describe('a file cut off in the middle of its last record', () => {
  const HEADER = 'Record ID,First Name,Mobile,Lead Status,Marketing contact status';
  const ROWS = [
    '5000,Ethan,07500 409801,NEW,Marketing contact',
    '5001,Noah,07500 409802,OPEN,Marketing contact',
  ];
  /** The third record, cut after "Market" (a cron job that read the export while it was written). */
  const CUT = '5002,Ava,07500 409803,NEW,Market';
  const CUT_SHORT = '5002,Ava,07500 409803,NE';
  const cutMessage = (line: number, found: number, expected: number): string =>
    `the file ends in the middle of the record at line ${line} (${found} of ${expected} fields, ` +
    `no line break after it): it looks cut off; export the file again`;
  const shape = (rows: SourceRow[]): unknown[] =>
    rows.map((row) => [row.ref.line, row.raw['Mobile'], row.error?.code]);

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])(
    '%s: the short last record with no line break is malformed, with its line; the rows before are read',
    async (label, eol) => {
      const text = [HEADER, ...ROWS, CUT_SHORT].join(eol);
      const { info, rows, error } = await readBoth(`cut-${label}.csv`, text);
      expect(error).toBeUndefined();
      expect(shape(rows)).toEqual([
        [2, '07500 409801', undefined],
        [3, '07500 409802', undefined],
        [4, '07500 409803', 'RECORD_MALFORMED'],
      ]);
      expect(rows[2]?.error?.message).toBe(cutMessage(4, 4, 5));
      // Its fields are kept (rejected.csv shows them), the missing ones empty.
      expect(rows[2]?.raw).toMatchObject({
        'First Name': 'Ava',
        'Lead Status': 'NE',
        'Marketing contact status': '',
      });
      expect(info.cutOff).toEqual({ line: 4, fields: 4, expected: 5 });
      // It was not read as a short row.
      expect(info.shortRecords).toBeUndefined();
      expect(info.records).toBe(3);
    },
  );

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])(
    '%s: a short last record that ends with a line break is still read as a short row',
    async (label, eol) => {
      const text = [HEADER, ...ROWS, CUT_SHORT].join(eol) + eol;
      const { info, rows } = await readBoth(`short-last-${label}.csv`, text);
      expect(shape(rows)).toEqual([
        [2, '07500 409801', undefined],
        [3, '07500 409802', undefined],
        [4, '07500 409803', undefined],
      ]);
      expect(rows[2]?.raw['Marketing contact status']).toBe('');
      expect(info.shortRecords).toEqual({ count: 1, firstLine: 4 });
      expect(info.cutOff).toBeUndefined();
    },
  );

  test('a full last record with no line break is read as usual (a cut in its last field cannot be seen)', async () => {
    const { info, rows } = await readBoth('full-last.csv', [HEADER, ...ROWS, CUT].join('\r\n'));
    expect(errorsOf(rows)).toEqual([undefined, undefined, undefined]);
    expect(rows[2]?.raw['Marketing contact status']).toBe('Market');
    expect(info.cutOff).toBeUndefined();
    expect(info.shortRecords).toBeUndefined();
  });

  test('short records before it keep their padding; only the last one is cut off', async () => {
    const text = [HEADER, '4999,Mia,07500 409800', ...ROWS, '4998,Zoe,07500 409799,NEW', CUT_SHORT].join(
      '\n',
    );
    const { info, rows } = await readBoth('cut-after-short.csv', text);
    expect(errorsOf(rows)).toEqual([undefined, undefined, undefined, undefined, 'RECORD_MALFORMED']);
    expect(info.shortRecords).toEqual({ count: 2, firstLine: 2 });
    expect(info.cutOff).toEqual({ line: 6, fields: 4, expected: 5 });
  });

  test('line numbers count a sep= line, a title line, blank lines and line breaks inside quotes', async () => {
    const text =
      'sep=;\r\nContacts - exported 2024-03-01;;;;\r\n\r\n' +
      `${HEADER.replaceAll(',', ';')}\r\n` +
      '5000;"Ethan\r\nMorgan";07500 409801;NEW;Marketing contact\r\n\r\n' +
      '5001;Noah;07500 409802;NEW;';
    const { info, rows } = await readBoth('cut-sep-title.csv', text);
    expect(info.titleLine).toMatchObject({ line: 2, headerLine: 4 });
    // Cut right after a delimiter: the last field is there, empty; the record is whole as far as can be seen.
    expect(shape(rows)).toEqual([
      [5, '07500 409801', undefined],
      [8, '07500 409802', undefined],
    ]);
    expect(info.cutOff).toBeUndefined();
    // One character earlier, a field is missing.
    const cut = await readBoth('cut-sep-title-2.csv', text.slice(0, -1));
    expect(shape(cut.rows)).toEqual([
      [5, '07500 409801', undefined],
      [8, '07500 409802', 'RECORD_MALFORMED'],
    ]);
    expect(cut.rows[1]?.error?.message).toBe(cutMessage(8, 4, 5));
  });

  test('a cut record held back as a possible footer line is still cut off', async () => {
    const { info, rows } = await readBoth('cut-after-blank.csv', `${HEADER}\n${ROWS[0]}\n\n5002`);
    expect(shape(rows)).toEqual([
      [2, '07500 409801', undefined],
      [4, '', 'RECORD_MALFORMED'],
    ]);
    expect(info.footer).toBeUndefined();
    expect(info.cutOff).toEqual({ line: 4, fields: 1, expected: 5 });
  });

  test('a Salesforce footer whose last line has no line break is still a footer, not a cut record', async () => {
    const text =
      `${HEADER}\n${ROWS.join('\n')}\n\n\n"Grand Totals (2 records)"\n\n` +
      '"Confidential Information - Do Not Distribute"\n' +
      '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."';
    const { info, rows } = await readBoth('sf-footer-no-eol.csv', text);
    expect(errorsOf(rows)).toEqual([undefined, undefined]);
    expect(info.footer).toEqual({ from: 6, to: 9 });
    expect(info.cutOff).toBeUndefined();
  });

  test.each([
    ['a one-column file', 'Mobile\n07500 409801\n07500 4098', ['07500 409801', '07500 4098']],
    // The header's trailing delimiter names no column: a record without that field is whole.
    ['a header with a trailing delimiter', 'Name,Mobile,\nAnn,07500 409801,\nBo,07500 409802', ['Ann', 'Bo']],
    ['a last record of blank fields', `${HEADER}\n${ROWS[0]}\n,,`, ['5000']],
  ])('%s: nothing to tell a cut from a whole record, read as usual', async (label, text, first) => {
    const { info, rows } = await readBoth(`not-cut-${label.replace(/\W/g, '')}.csv`, text);
    expect(rows.map((row) => Object.values(row.raw)[0])).toEqual(first);
    expect(errorsOf(rows).every((code) => code === undefined)).toBe(true);
    expect(info.cutOff).toBeUndefined();
  });

  test('a file holding only its header, without a line break, has no records and is not cut off', async () => {
    const { info, rows, error } = await readBoth('header-only-no-eol.csv', HEADER);
    expect(error).toBeUndefined();
    expect(rows).toEqual([]);
    expect(info.headers).toHaveLength(5);
    expect(info.cutOff).toBeUndefined();
  });

  test('an unclosed quote in the cut record is still told as one', async () => {
    const { info, rows } = await readBoth('cut-in-quote.csv', `${HEADER}\n${ROWS[0]}\n5002,"Ava`);
    expect(rows[1]?.error).toEqual({
      code: 'RECORD_MALFORMED',
      message: 'unclosed quote starting at line 3',
    });
    expect(info.cutOff).toBeUndefined();
  });

  test.each([
    ['UTF-8 with BOM', 'cut-bom.csv', (text: string) => Buffer.from(`\uFEFF${text}`, 'utf8')],
    ['UTF-16LE with BOM', 'cut-utf16.csv', (text: string) => Buffer.from(`\uFEFF${text}`, 'utf16le')],
    ['gzip', 'cut.csv.gz', (text: string) => gzipSync(Buffer.from(text, 'utf8'))],
  ])('%s: the same', async (_label, name, encode) => {
    const text = [HEADER, ...ROWS, CUT_SHORT].join('\r\n');
    const { info, rows, error } = await readAll(await tmp.write(name, encode(text)));
    expect(error).toBeUndefined();
    expect(shape(rows)).toEqual([
      [2, '07500 409801', undefined],
      [3, '07500 409802', undefined],
      [4, '07500 409803', 'RECORD_MALFORMED'],
    ]);
    expect(info.cutOff).toEqual({ line: 4, fields: 4, expected: 5 });
  });

  test('with recall: the rows before it are recognised, the cut record is parsed and malformed', async () => {
    const recall: RecordRecall = {
      fingerprinter: (header) => ({ prefix: header, of: (record) => `${header}|${record}` }),
      parseFirst: 0,
      ahead: 1,
      settlesUnparsed: () => true,
      lookup: async (records) => ({
        fingerprints: records.map(() => undefined),
        // The state knows every record, even one that reads like the cut one.
        known: records.map(() => ({
          contact: { e164: '+447500409803', runId: 'r1', status: 'created', mobileInput: '07500' },
        })),
      }),
    };
    const known = Array.from({ length: 3_000 }, (_, i) => `${6000 + i},Kim,07500 ${500_000 + i},NEW,Lead`);
    const file = await tmp.write('cut-recall.csv', [HEADER, ...known, CUT_SHORT].join('\n'));
    const { info, rows } = await openSource(file, { recall });
    const read: SourceRow[] = [];
    for await (const row of rows) read.push(row);
    expect(read).toHaveLength(3_001);
    expect(read.filter((row) => row.unparsed !== undefined).length).toBeGreaterThan(1_000);
    expect(read.at(-1)).toMatchObject({
      ref: { line: 3_002 },
      error: { code: 'RECORD_MALFORMED', message: cutMessage(3_002, 4, 5) },
    });
    expect(read.at(-1)?.unparsed).toBeUndefined();
    expect(info.cutOff).toEqual({ line: 3_002, fields: 4, expected: 5 });
  });
});

describe('delimiter detection under a title line', () => {
  test.each([
    ['a bare title, then semicolons', 'Members\nname;phone\n1;2\n3;4\n', ';'],
    ['a bare title, then tabs', 'Members\nname\tphone\n1\t2\n', '\t'],
    ['a one-column file still falls back', 'phone\n123\n456\n', ','],
    ['a bare first line over inconsistent lines keeps the fallback', 'Members\na;b\n1;2;3\n', ','],
  ])('%s', (_label, sample, expected) => {
    expect(detectDelimiter(sample, true)).toBe(expected);
  });
});
