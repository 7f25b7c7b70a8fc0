import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';

import { MAX_SKIPPED_RECORD_CHARS } from '../../src/read/csv-scan.js';
import { MAX_RECORD_CHARS, openSource, SourceError, type RecordRecall } from '../../src/read/index.js';
import type { SourceRow } from '../../src/types.js';
import { binaryFiles, chunkedStream, linesAndRaw, readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('delimiter detection', () => {
  test.each([
    ['comma', ',', 'name,phone,email\nAnn,1,a@x.io\nBob,2,b@x.io\n'],
    ['semicolon', ';', 'name;phone;email\nAnn;1;a@x.io\nBob;2;b@x.io\n'],
    ['tab', '\t', 'name\tphone\temail\nAnn\t1\ta@x.io\nBob\t2\tb@x.io\n'],
    ['pipe', '|', 'name|phone|email\nAnn|1|a@x.io\nBob|2|b@x.io\n'],
    ['semicolon with commas inside quotes', ';', 'name;phone;email\n"Ann, Jr";1;a@x.io\n"B,o,b";2;b@x.io\n'],
    ['comma and semicolon equally consistent: comma wins', ',', 'name,phone;email\nAnn,1;a@x.io\n'],
  ])('%s', async (_label, delimiter, text) => {
    const file = await tmp.write(`delimiter-${Buffer.from(_label).toString('hex').slice(0, 16)}.csv`, text);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.delimiter).toBe(delimiter);
    expect(info.headers).toHaveLength(delimiter === ',' && text.includes(';') ? 2 : 3);
    expect(rows[0]?.error).toBeUndefined();
  });

  test('a malformed record among the first lines does not defeat detection', async () => {
    const file = await tmp.write('delimiter-malformed.csv', 'a;b;c\n1;2;3\n4;5;6;7\n6;7;8\n9;10;11\n');
    const { info, rows } = await readAll(file);
    expect(info.delimiter).toBe(';');
    expect(rows.map((row) => row.error?.message)).toEqual([
      undefined,
      'expected 3 fields, found 4',
      undefined,
      undefined,
    ]);
  });

  test('--delimiter overrides detection, and "tab" means TAB', async () => {
    const file = await tmp.write('delimiter-override.csv', 'a;b,c\n1;2,3\n');
    expect((await readAll(file, { delimiter: ';' })).rows[0]?.raw).toEqual({ a: '1', 'b,c': '2,3' });
    const tsv = await tmp.write('delimiter-tab.txt', 'a,b\tc\n1,2\t3\n');
    expect((await readAll(tsv, { delimiter: 'tab' })).rows[0]?.raw).toEqual({ 'a,b': '1,2', c: '3' });
  });

  test('a .tsv is read with TAB without detection', async () => {
    const { info, rows } = await readAll(await tmp.write('commas.tsv', 'name,x\tnote\nAnn,y\t1,2\n'));
    expect(info.delimiter).toBe('\t');
    expect(rows[0]?.raw).toEqual({ 'name,x': 'Ann,y', note: '1,2' });
  });

  test('a one-column .tsv is read with TAB, a one-column .csv with a comma', async () => {
    const tsv = await readAll(await tmp.write('one.tsv', 'phone\n+15550001\n'));
    expect(tsv.info.delimiter).toBe('\t');
    expect(tsv.rows[0]?.raw).toEqual({ phone: '+15550001' });
    const csv = await readAll(await tmp.write('one.csv', 'phone\n+15550001\n'));
    expect(csv.info.delimiter).toBe(',');
  });
});

describe('encodings', () => {
  const text = 'name,city\nZoë Ærø,Köln €\n';

  test.each([
    ['UTF-8 without BOM', 'utf8', Buffer.from(text, 'utf8')],
    ['UTF-8 with BOM', 'utf8', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    [
      'UTF-16LE with BOM',
      'utf16le',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    ],
    [
      'UTF-16BE with BOM',
      'utf16be',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    ],
  ])('%s', async (label, encoding, bytes) => {
    const { info, rows, error } = await readAll(
      await tmp.write(`enc-${label.replace(/\W/g, '')}.csv`, bytes),
    );
    expect(error).toBeUndefined();
    expect(info.encoding).toBe(encoding);
    expect(info.headers).toEqual(['name', 'city']);
    expect(rows.map((row) => row.raw)).toEqual([{ name: 'Zoë Ærø', city: 'Köln €' }]);
    expect(info.replacementChars).toBe(0);
  });

  test.each([
    ['latin1', 'latin1'],
    ['windows-1252', 'windows-1252'],
  ] as const)('--encoding %s decodes é and € (0x80, as WHATWG and browsers do)', async (_label, encoding) => {
    const bytes = Buffer.concat([
      Buffer.from('name,price\nRen', 'latin1'),
      Buffer.from([0xe9, 0x2c, 0x80]),
      Buffer.from('5\n'),
    ]);
    const { info, rows } = await readAll(await tmp.write(`enc-${encoding}.csv`, bytes), { encoding });
    expect(info.encoding).toBe(encoding);
    expect(rows[0]?.raw).toEqual({ name: 'René', price: '€5' });
  });

  test.each([
    [
      'windows-1252',
      Buffer.from('Vorname;Nachname\nJürgen;Weiß\n€;Zoë\n', 'latin1'),
      ['Jürgen', 'Weiß'],
      'windows-1252',
    ],
    [
      'macintosh',
      Buffer.from([
        ...Buffer.from('Vorname;Nachname\nJ'),
        0x9f,
        ...Buffer.from('rgen;Wei'),
        0xa7,
        ...Buffer.from('\nM;M'),
        0x9f,
        0x0a,
      ]),
      ['Jürgen', 'Weiß'],
      'macintosh',
    ],
  ] as const)(
    'bytes that are not UTF-8 are read as %s, without --encoding',
    async (label, bytes, first, encoding) => {
      const { info, rows } = await readAll(await tmp.write(`enc-guess-${label}.csv`, bytes));
      expect(info).toMatchObject({ encoding, encodingGuessed: true, replacementChars: 0 });
      expect(rows[0]?.raw).toEqual({ Vorname: first[0], Nachname: first[1] });
    },
  );

  test('a file valid as UTF-8 in its first 256 KiB is read as UTF-8; later bad bytes are counted', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`name\n${'Zoë\n'.repeat(80_000)}`, 'utf8'),
      Buffer.from('Ren\xe9\n', 'latin1'),
    ]);
    const { info, rows } = await readAll(await tmp.write('enc-late.csv', bytes));
    expect(info).toMatchObject({ encoding: 'utf8', replacementChars: 1 });
    expect(info.encodingGuessed).toBeUndefined();
    expect(rows.at(-1)?.raw).toEqual({ name: 'Ren\uFFFD' });
  });

  test('a BOM wins over --encoding', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\nZoë\n', 'utf8')]);
    const { info, rows } = await readAll(await tmp.write('enc-bom-wins.csv', bytes), { encoding: 'latin1' });
    expect(info.encoding).toBe('utf8');
    expect(rows[0]?.raw).toEqual({ name: 'Zoë' });
  });

  test('latin1 bytes are read as windows-1252, not as U+FFFD', async () => {
    const bytes = Buffer.from('name,city\nJosé,Málaga\n', 'latin1');
    const { info, rows, error } = await readAll(await tmp.write('enc-wrong.csv', bytes));
    expect(error).toBeUndefined();
    expect(rows[0]?.raw).toEqual({ name: 'José', city: 'Málaga' });
    expect(info).toMatchObject({ encoding: 'windows-1252', encodingGuessed: true, replacementChars: 0 });
  });

  test.each([
    ['LE', 'utf16le', (text: string) => Buffer.from(text, 'utf16le')],
    ['BE', 'utf16be', (text: string) => Buffer.from(text, 'utf16le').swap16()],
  ] as const)(
    'UTF-16%s without a BOM is recognised by its NUL in every other byte',
    async (label, encoding, encode) => {
      const text = 'name,phone\r\nZoë,+44 7700 900123\r\n"Ann\r\nMarie",2\r\nBob,3\r\n';
      const file = await tmp.write(`enc-utf16${label}-nobom.csv`, encode(text));
      const { info, rows, error } = await readAll(file);
      expect(error).toBeUndefined();
      expect(info.encoding).toBe(encoding);
      expect(linesAndRaw(rows)).toEqual([
        [2, { name: 'Zoë', phone: '+44 7700 900123' }],
        [3, { name: 'Ann\r\nMarie', phone: '2' }],
        [5, { name: 'Bob', phone: '3' }],
      ]);
      const fromStdin = await readAll('-', { stdin: chunkedStream(encode(text), 3) });
      expect(fromStdin.info.encoding).toBe(encoding);
      expect(linesAndRaw(fromStdin.rows)).toEqual(linesAndRaw(rows));
    },
  );
});

describe('ref.line is the physical line where the record starts', () => {
  // 1 id,note | 2 1,plain | 3-4 "two lines" | 5 blank | 6-8 "three lines" (blank inside) | 9 4,last
  const lf = 'id,note\n1,plain\n2,"two\nlines"\n\n3,"three\n\nlines"\n4,last\n';
  const expected = [2, 3, 6, 9];

  test.each([
    ['LF', lf, '\n'],
    ['CRLF', lf.replaceAll('\n', '\r\n'), '\r\n'],
    ['CR', lf.replaceAll('\n', '\r'), '\r'],
  ])('%s line endings, from a file and from 1-byte stdin chunks', async (label, text, eol) => {
    const fromFile = await readAll(await tmp.write(`lines-${label}.csv`, text));
    expect(fromFile.rows.map((row) => row.ref.line)).toEqual(expected);
    expect(fromFile.rows[1]?.raw).toEqual({ id: '2', note: `two${eol}lines` });
    expect(fromFile.rows[2]?.raw).toEqual({ id: '3', note: `three${eol}${eol}lines` });
    const fromStdin = await readAll('-', { stdin: chunkedStream(text, 1) });
    expect(linesAndRaw(fromStdin.rows)).toEqual(linesAndRaw(fromFile.rows));
  });

  test('Excel style: CRLF between records, LF inside quoted fields', async () => {
    const text = 'id,note\r\n1,"a\nb\nc"\r\n2,x\r\n\r\n3,"d\r\ne"\r\n4,y\r\n';
    const { rows } = await readAll(await tmp.write('lines-excel.csv', text));
    expect(rows.map((row) => row.ref.line)).toEqual([2, 5, 7, 9]);
  });

  test('blank lines, whitespace-only lines and all-empty records are skipped but counted', async () => {
    const text = '\n\nname,phone\nAnn,1\n   \n,\n \t, \nBob,2\n\n';
    const { info, rows } = await readAll(await tmp.write('lines-blank.csv', text));
    expect(info.headers).toEqual(['name', 'phone']);
    expect(linesAndRaw(rows)).toEqual([
      [4, { name: 'Ann', phone: '1' }],
      [8, { name: 'Bob', phone: '2' }],
    ]);
  });

  test('the last record may lack a line break', async () => {
    const { rows } = await readAll(await tmp.write('lines-no-eol.csv', 'a,b\n1,2\n3,"4\n5"'));
    expect(linesAndRaw(rows)).toEqual([
      [2, { a: '1', b: '2' }],
      [3, { a: '3', b: '4\n5' }],
    ]);
  });
});

describe('malformed records are rows, not crashes', () => {
  test('wrong field count: more non-blank fields is malformed, fewer are read as empty', async () => {
    const text = 'name,phone,email\nAnn,1\nBob,2,b@x.io,extra,more\nCy,3,c@x.io,\nDi,4,d@x.io\n';
    const { info, rows, error } = await readAll(await tmp.write('malformed-count.csv', text));
    expect(error).toBeUndefined();
    expect(info.shortRecords).toEqual({ count: 1, firstLine: 2 });
    expect(rows).toEqual([
      // Excel drops trailing empty cells: the missing fields are empty, not an error.
      { ref: expect.objectContaining({ line: 2 }), raw: { name: 'Ann', phone: '1', email: '' } },
      {
        ref: expect.objectContaining({ line: 3 }),
        raw: { name: 'Bob', phone: '2', email: 'b@x.io', _extra1: 'extra', _extra2: 'more' },
        error: { code: 'RECORD_MALFORMED', message: 'expected 3 fields, found 5' },
      },
      // A trailing delimiter (blank extra field) loses nothing: accepted.
      { ref: expect.objectContaining({ line: 4 }), raw: { name: 'Cy', phone: '3', email: 'c@x.io' } },
      { ref: expect.objectContaining({ line: 5 }), raw: { name: 'Di', phone: '4', email: 'd@x.io' } },
    ]);
  });

  test('unclosed quote: one malformed row at the line it starts, then a clean end', async () => {
    const text = 'name,phone\nAnn,1\n\nBob,"2\nCy,3\nDi,4\n';
    const file = await tmp.write('malformed-unclosed.csv', text);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(rows).toEqual([
      { ref: { file, line: 2, seq: 0 }, raw: { name: 'Ann', phone: '1' } },
      {
        ref: { file, line: 4, seq: 1 },
        raw: {},
        error: { code: 'RECORD_MALFORMED', message: 'unclosed quote starting at line 4' },
      },
    ]);
    expect(info.records).toBe(2);
    expect(info.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  test('an unclosed quote in a large file stops at the size bound and still hashes the whole file', async () => {
    const text = `name,phone\nAnn,"1\n${'Bob,2\n'.repeat(Math.ceil((MAX_RECORD_CHARS * 1.5) / 6))}`;
    const file = await tmp.write('malformed-unclosed-large.csv', text);
    const { info, rows, error } = await readAll(file);
    // The rows after it cannot be found: a file-level error once the row and the hash are done.
    expect((error as Error | undefined)?.message).toMatch(
      /unclosed quote starting at line 2 .*the rest of the file was not read/,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.ref.line).toBe(2);
    expect(rows[0]?.error?.message).toMatch(/^unclosed quote starting at line 2 /);
    expect(info.sha256).toBe(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
  });

  test('stray quotes inside unquoted fields are kept as text, doubled quotes unescaped', async () => {
    const text = 'name,phone\nRobert "Bob" Smith,1\n"Ann ""A"" B",2\n12" pizza,3\n';
    const { rows } = await readAll(await tmp.write('malformed-quotes.csv', text));
    expect(rows.map((row) => [row.raw['name'], row.error])).toEqual([
      ['Robert "Bob" Smith', undefined],
      ['Ann "A" B', undefined],
      ['12" pizza', undefined],
    ]);
  });

  test('an unclosed quote in the header is SOURCE_FORMAT', async () => {
    const { error } = await readAll(await tmp.write('malformed-header.csv', 'name,"phone\nAnn,1\n'));
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT', line: 1 });
    expect((error as Error).message).toContain('header');
  });

  test('binary garbage without NUL bytes ends in rows or a SourceError, never a hang or crash', async () => {
    let seed = 42;
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bytes[i] = 1 + (seed % 255);
    }
    const { rows, error } = await readAll(await tmp.write('garbage.bin', bytes), { format: 'csv' });
    if (error !== undefined) expect(error).toBeInstanceOf(SourceError);
    else expect(rows.length).toBeGreaterThan(0);
  });

  test.each([
    ['empty file', '', 'SOURCE_EMPTY'],
    ['whitespace only', ' \n\r\n\t\n', 'SOURCE_EMPTY'],
    ['BOM only', '\uFEFF', 'SOURCE_EMPTY'],
    ['only blank records', ',,,\n,,,\n', 'SOURCE_EMPTY'],
  ])('%s → %s', async (label, text, code) => {
    const file = await tmp.write(`refused-${label.replace(/\W/g, '')}.csv`, text);
    const { rows, error } = await readAll(file);
    expect(rows).toEqual([]);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code, file });
    expect((error as Error).message).toContain(file);
  });

  test('a header row only is a valid source with no records', async () => {
    const { info, rows, error } = await readAll(await tmp.write('header-only.csv', 'name,phone\r\n'));
    expect(error).toBeUndefined();
    expect(rows).toEqual([]);
    expect(info.headers).toEqual(['name', 'phone']);
    expect(info.records).toBe(0);
  });
});

describe('headers', () => {
  test('duplicates get a suffix, blanks a position name, order is kept', async () => {
    const text = 'Phone,Name,Phone,,Phone_2\n1,Ann,2,x,3\n';
    const { info, rows } = await readAll(await tmp.write('headers-dup.csv', text));
    expect(info.headers).toEqual(['Phone', 'Name', 'Phone_3', '_column4', 'Phone_2']);
    expect(Object.entries(rows[0]?.raw ?? {})).toEqual([
      ['Phone', '1'],
      ['Name', 'Ann'],
      ['Phone_3', '2'],
      ['_column4', 'x'],
      ['Phone_2', '3'],
    ]);
  });

  test('header names are kept as written (mapping is not the reader’s job)', async () => {
    const { info } = await readAll(await tmp.write('headers-raw.csv', ' Mobile Number ,E-Mail\n1,a@x.io\n'));
    expect(info.headers).toEqual([' Mobile Number ', 'E-Mail']);
  });

  test('a "__proto__" column is kept like any other', async () => {
    const { rows } = await readAll(await tmp.write('headers-proto.csv', 'name,__proto__\nAnn,x\n'));
    const raw = rows[0]?.raw ?? {};
    expect(Object.keys(raw)).toEqual(['name', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
  });
});

test('seq continues from seqStart and ref.file is the path as given', async () => {
  const file = await tmp.write('seq.csv', 'a\n1\n2\n3\n');
  const { rows } = await readAll(file, { seqStart: 10 });
  expect(rows.map((row) => row.ref)).toEqual([
    { file, line: 2, seq: 10 },
    { file, line: 3, seq: 11 },
    { file, line: 4, seq: 12 },
  ]);
});

describe('hostile bytes cost one record, not the file', () => {
  const good = (from: number, count: number): string =>
    Array.from({ length: count }, (_, i) => `Name${from + i},+1646555${String(1000 + from + i)}\n`).join('');

  test('NUL bytes in one record: that record is malformed with its line and fields, the rows around it are read', async () => {
    const text = `name,phone\n${good(0, 3)}Bad\u0000\u0000\u0000Name,+16465559999\n${good(3, 3)}`;
    const file = await tmp.write('nul-one-record.csv', text);
    for (const read of [await readAll(file), await readAll('-', { stdin: chunkedStream(text, 7) })]) {
      expect(read.error).toBeUndefined();
      expect(read.rows.map((row) => [row.ref.line, row.error?.code])).toEqual([
        [2, undefined],
        [3, undefined],
        [4, undefined],
        [5, 'RECORD_MALFORMED'],
        [6, undefined],
        [7, undefined],
        [8, undefined],
      ]);
      expect(read.rows[3]?.raw).toEqual({ name: 'Bad\u0000\u0000\u0000Name', phone: '+16465559999' });
      expect(read.rows[3]?.error?.message).toMatch(/NUL/);
    }
  });

  test('a short file whose one record is control characters is text with one malformed row', async () => {
    const { rows, error } = await readAll(
      await tmp.write('nul-short.csv', 'name,phone\n\u0000\u0001\u0002\u0003,1\n'),
    );
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error?.code])).toEqual([[2, 'RECORD_MALFORMED']]);
  });

  test('a NUL in the header row is SOURCE_FORMAT naming line 1', async () => {
    const { error } = await readAll(await tmp.write('nul-header.csv', `na\u0000me,phone\n${good(0, 3)}`));
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT', line: 1 });
    expect((error as Error).message).toMatch(/header.*NUL/);
  });

  test.each(binaryFiles().map(({ name, bytes }) => [name, bytes] as const))(
    'a truly binary file (%s) is still refused as binary',
    async (name, bytes) => {
      const file = await tmp.write(`binary-${name}`, bytes);
      const { rows, error } = await readAll(file);
      expect(rows).toEqual([]);
      expect(error).toMatchObject({ code: 'SOURCE_FORMAT', file });
      expect((error as Error).message).toMatch(/looks binary/);
    },
  );

  // 1 header | 2-3 good | 4.. the oversized record, a quoted field with 10 × MAX_RECORD_CHARS
  // characters and `breaks` line breaks | then good rows, one with a quoted line break.
  const breaks = 2000;
  const hugeField = `${'x'.repeat(MAX_RECORD_CHARS / 400)}\n`.repeat(breaks);
  const hugeRecord = `Huge,"${hugeField}${'y'.repeat(10 * MAX_RECORD_CHARS - hugeField.length)}"\n`;
  const after = 4 + breaks + 1;
  const oversizedText = `name,phone\n${good(0, 2)}${hugeRecord}${good(2, 1)}"Ann\r\nMarie",+16465551111\n${good(3, 1)}`;
  const expectOversized = (rows: SourceRow[]): void => {
    expect(rows.map((row) => [row.ref.line, row.raw['name'], row.error?.code])).toEqual([
      [2, 'Name0', undefined],
      [3, 'Name1', undefined],
      [4, undefined, 'RECORD_MALFORMED'],
      [after, 'Name2', undefined],
      [after + 1, 'Ann\r\nMarie', undefined],
      [after + 3, 'Name3', undefined],
    ]);
    expect(rows[2]?.error?.message).toBe(
      `record starting at line 4 is longer than ${MAX_RECORD_CHARS} characters (skipped to its end)`,
    );
  };

  test('a record 10× over the size limit is a malformed row with its line; the rows after it are read at their lines', async () => {
    const file = await tmp.write('oversized-middle.csv', oversizedText);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expectOversized(rows);
    expect(info.records).toBe(6);
    const fromStdin = await readAll('-', { stdin: chunkedStream(oversizedText, 4099) });
    expect(fromStdin.error).toBeUndefined();
    expectOversized(fromStdin.rows);
  }, 20_000);

  test('an unquoted oversized record is skipped to its line break, whatever the line ending', async () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['name,phone', 'Ann,1', `Huge,${'z'.repeat(MAX_RECORD_CHARS + 5)}`, 'Bob,2', ''].join(eol);
      const { rows, error } = await readAll(await tmp.write('oversized-unquoted.csv', text));
      expect(error).toBeUndefined();
      expect(rows.map((row) => [row.ref.line, row.raw['name'], row.error?.code])).toEqual([
        [2, 'Ann', undefined],
        [3, undefined, 'RECORD_MALFORMED'],
        [4, 'Bob', undefined],
      ]);
    }
  });

  test.each([
    [
      'an unclosed quote',
      `Open,"${'Bob,2\n'.repeat(Math.ceil((MAX_SKIPPED_RECORD_CHARS + 10) / 6))}`,
      /unclosed quote starting at line 4 \(no closing quote within \d+ characters\); the rest of the file was not read/,
    ],
    [
      'a line with no end',
      `Long,${'w'.repeat(MAX_SKIPPED_RECORD_CHARS + 10)}\nBob,2\n`,
      /record starting at line 4 has no end within \d+ characters \(not CSV\?\); the rest of the file was not read/,
    ],
  ])(
    'no record boundary within the hard limit (%s): the rows before it, a malformed row, then a clear SourceError',
    async (_label, tail, message) => {
      const text = `name,phone\n${good(0, 2)}${tail}`;
      const file = await tmp.write('unbounded.csv', text);
      const { info, rows, error } = await readAll(file);
      expect(rows.map((row) => [row.ref.line, row.error?.code])).toEqual([
        [2, undefined],
        [3, undefined],
        [4, 'RECORD_MALFORMED'],
      ]);
      expect(rows[2]?.error?.message).toMatch(message);
      expect(error).toMatchObject({ code: 'SOURCE_FORMAT', line: 4 });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(file);
      expect(info.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    },
    30_000,
  );
});

describe('records the state recognises (issue 16)', () => {
  const tmp = useTempDir();

  /** Every record is a contact the state knows, except the records whose first field is `new`. */
  function recallAll(calls: { count: number }): RecordRecall {
    return {
      fingerprinter: (header) => ({ prefix: header, of: (record) => `${header}|${record}` }),
      parseFirst: 50,
      ahead: 2,
      settlesUnparsed: (known) => known.contact !== undefined,
      lookup: async (records) => {
        calls.count++;
        return {
          fingerprints: records.map(() => undefined),
          known: records.map((record) =>
            record.startsWith('new,')
              ? undefined
              : { contact: { e164: '+447400123456', runId: 'r1', status: 'created', mobileInput: '07400' } },
          ),
        };
      },
    };
  }

  test('rows after a parsed record come out as the file is read, not at its end', async () => {
    const lines = ['first,mobile'];
    for (let i = 0; i < 40_000; i++) lines.push(`${i === 3_000 ? 'new' : 'known'},07400 ${100_000 + i}`);
    const file = await tmp.write('recognised.csv', `${lines.join('\n')}\n`);
    const calls = { count: 0 };
    const { rows } = await openSource(file, { recall: recallAll(calls) });
    /** How many look-ups had been made when row i came out. */
    const askedBy: number[] = [];
    const parsed: number[] = [];
    for await (const row of rows) {
      askedBy.push(calls.count);
      if (!row.unparsed) parsed.push(row.ref.line);
    }
    expect(askedBy).toHaveLength(40_000);
    const all = calls.count;
    expect(all).toBeGreaterThan(10);
    // The rows right after the parsed one came out long before the last look-up.
    expect(askedBy[3_001]).toBeLessThan(all / 2);
    expect(askedBy[20_000]).toBeLessThan(all);
    // The one new record is parsed, and the last record of each look-up after it at most.
    expect(parsed).toContain(3_002);
    expect(parsed.filter((line) => line > 3_002).length).toBeLessThanOrEqual(all);
  });
});
