import { describe, expect, test } from 'vitest';

import { MAX_RECORD_CHARS } from '../../src/read/index.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('NDJSON', () => {
  test('one row per non-blank line; line = record index; bad lines are malformed rows', async () => {
    const text = [
      '{"mobile":"+447700900123","tags":["a"]}',
      '',
      '   ',
      'not json',
      '[1,2]',
      '{"mobile":"+447700900124"}\r',
      '"just a string"',
      '{"mobile": {"number":"1","country":"US"}}',
    ].join('\n');
    const file = await tmp.write('contacts.ndjson', text);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.format).toBe('ndjson');
    expect(rows.map((row) => [row.ref.line, row.raw, row.error?.code])).toEqual([
      [1, { mobile: '+447700900123', tags: ['a'] }, undefined],
      [2, { _raw: 'not json' }, 'RECORD_MALFORMED'],
      [3, { _raw: '[1,2]' }, 'RECORD_MALFORMED'],
      [4, { mobile: '+447700900124' }, undefined],
      [5, { _raw: '"just a string"' }, 'RECORD_MALFORMED'],
      [6, { mobile: { number: '1', country: 'US' } }, undefined],
    ]);
    expect(rows[1]?.error?.message).toMatch(/^not valid JSON: /);
    expect(rows[2]?.error?.message).toBe('line is not a JSON object (found an array)');
    expect(rows.map((row) => row.ref.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('the raw text of a bad line is cut to 200 characters', async () => {
    const long = `{"note": "${'x'.repeat(500)}"`;
    const { rows } = await readAll(await tmp.write('long-bad.jsonl', `${long}\n{"a":1}\n`));
    expect(rows[0]?.raw).toEqual({ _raw: long.slice(0, 200) });
    expect(rows[1]?.raw).toEqual({ a: 1 });
  });

  test('a line longer than the record bound is one malformed row, and reading goes on', async () => {
    const huge = `{"note":"${'y'.repeat(MAX_RECORD_CHARS + 10)}"}`;
    const { rows, error } = await readAll(await tmp.write('huge.ndjson', `{"a":1}\n${huge}\n{"b":2}\n`));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error?.message ?? row.raw])).toEqual([
      [1, { a: 1 }],
      [2, `line is longer than ${MAX_RECORD_CHARS} characters`],
      [3, { b: 2 }],
    ]);
    expect(String(rows[1]?.raw['_raw'])).toHaveLength(200);
  });

  test('from stdin in 1-byte chunks, sniffed by its first character', async () => {
    const text = '\n{"name":"Zoë"}\n{"name":"Ærø"}';
    const { info, rows } = await readAll('-', { stdin: chunkedStream(text, 1) });
    expect(info.format).toBe('ndjson');
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([
      [1, { name: 'Zoë' }],
      [2, { name: 'Ærø' }],
    ]);
  });

  test('a line with NUL bytes is one malformed row saying so; the lines around it are read', async () => {
    const text = `{"a":1}\n{"name":"Bad\u0000\u0000Name"}\n{"b":2}\n`;
    const fromFile = await readAll(await tmp.write('nul.ndjson', text));
    const fromStdin = await readAll('-', { stdin: chunkedStream(text, 5) });
    for (const { rows, error } of [fromFile, fromStdin]) {
      expect(error).toBeUndefined();
      expect(rows.map((row) => [row.ref.line, row.error?.message ?? row.raw])).toEqual([
        [1, { a: 1 }],
        [2, 'line contains NUL bytes (damaged or binary data)'],
        [3, { b: 2 }],
      ]);
      expect(rows[1]?.error?.code).toBe('RECORD_MALFORMED');
    }
  });

  test('a line 10 times the record bound in the middle: one malformed row, the lines after it at their index', async () => {
    const huge = `{"note":"${'y'.repeat(10 * MAX_RECORD_CHARS)}"}`;
    const text = `{"a":1}\n${huge}\r\n\n{"b":2}\n{"c":3}\n`;
    const fromFile = await readAll(await tmp.write('huge-middle.ndjson', text));
    const fromStdin = await readAll('-', { stdin: chunkedStream(text, 4099) });
    for (const { rows, error } of [fromFile, fromStdin]) {
      expect(error).toBeUndefined();
      expect(rows.map((row) => [row.ref.line, row.error?.code ?? row.raw])).toEqual([
        [1, { a: 1 }],
        [2, 'RECORD_MALFORMED'],
        [3, { b: 2 }],
        [4, { c: 3 }],
      ]);
    }
  });

  test.each([
    ['LE', 'utf16le', (text: string) => Buffer.from(text, 'utf16le')],
    ['BE', 'utf16be', (text: string) => Buffer.from(text, 'utf16le').swap16()],
  ] as const)(
    'UTF-16%s without a BOM is recognised, by name and sniffed from stdin',
    async (label, encoding, encode) => {
      const bytes = encode('{"name":"Zoë","mobile":"+447700900123"}\n{"name":"Ærø"}\n');
      for (const read of [
        await readAll(await tmp.write(`utf16${label}.ndjson`, bytes)),
        await readAll('-', { stdin: chunkedStream(bytes, 3) }),
      ]) {
        expect(read.error).toBeUndefined();
        expect(read.info).toMatchObject({ format: 'ndjson', encoding });
        expect(read.rows.map((row) => row.raw)).toEqual([
          { name: 'Zoë', mobile: '+447700900123' },
          { name: 'Ærø' },
        ]);
      }
    },
  );

  test('each line is read as a record: API wrappers, nested objects and phone arrays flattened', async () => {
    const text = [
      JSON.stringify({
        type: 'profile',
        id: '01H',
        attributes: {
          phone_number: '+447911123201',
          location: { city: 'London', country: 'United Kingdom' },
          subscriptions: { sms: { marketing: { consent: 'UNSUBSCRIBED', method: 'TEXT' } } },
        },
        links: { self: 'https://a.klaviyo.com/api/profiles/01H/' },
      }),
      JSON.stringify({
        id: 5,
        name: 'Pip',
        phone: [{ label: 'mobile', value: '+44 7911 123500', primary: true }],
      }),
      JSON.stringify({
        mobile: { number: '07911 123456', country: 'GB' },
        tags: [{ tag: 'vip' }],
        attributes: { x: 1 },
      }),
    ].join('\n');
    const { rows, error } = await readAll(await tmp.write('api.ndjson', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => row.raw)).toEqual([
      {
        id: '01H',
        phone_number: '+447911123201',
        'location.city': 'London',
        country: 'United Kingdom',
        'subscriptions.sms.marketing.consent': 'UNSUBSCRIBED',
      },
      {
        id: 5,
        name: 'Pip',
        'Mobile Phone': '+44 7911 123500',
        Phone: '',
        'Home Phone': '',
        'Business Phone': '',
        'Other Phone': '',
      },
      { mobile: { number: '07911 123456', country: 'GB' }, tags: [{ tag: 'vip' }], attributes: { x: 1 } },
    ]);
  });

  test('only blank lines is SOURCE_EMPTY', async () => {
    const { error } = await readAll(await tmp.write('blank.ndjson', '\n\n  \n'));
    expect(error).toMatchObject({ code: 'SOURCE_EMPTY' });
  });
});

describe("pretty-printed NDJSON (concatenated JSON values, as jq '.[]' writes them)", () => {
  /** Two Freshdesk contacts as `jq '.[]' contacts.json` prints them: 4-space indent, nested arrays. */
  const contacts = [
    {
      id: 101,
      name: 'Jane Smith',
      phone: '+1 555 010 0100',
      mobile: null,
      description: 'Enterprise customer - high priority {VIP} [key]',
      tags: ['vip', 'enterprise'],
      custom_fields: {},
    },
    {
      id: 102,
      name: 'Bob "Bobby" Jones',
      phone: null,
      mobile: '+1 555 020 0200',
      tags: [],
      custom_fields: {},
    },
  ];
  const pretty = (value: unknown): string => JSON.stringify(value, null, 4);

  test('each value is one record, however many lines it spans; from stdin in 1-byte chunks alike', async () => {
    const text = `${contacts.map(pretty).join('\n')}\n`;
    const file = await tmp.write('freshdesk-pretty.ndjson', text);
    for (const read of [
      () => readAll(file),
      () => readAll('-', { stdin: chunkedStream(text, 1), format: 'ndjson' }),
    ]) {
      const { rows, error } = await read();
      expect(error).toBeUndefined();
      expect(rows.map((row) => [row.ref.line, row.error, row.raw['name'], row.raw['tags']])).toEqual([
        [1, undefined, 'Jane Smith', ['vip', 'enterprise']],
        [2, undefined, 'Bob "Bobby" Jones', ''], // an empty array is an empty value
      ]);
    }
  });

  test('compact and pretty records mixed, CRLF and blank lines between them', async () => {
    const text = ['{"a":1}', '', pretty({ b: 2, c: [1, 2] }), '{"d":4}', '  ', pretty({ e: 5 })].join('\r\n');
    const { rows, error } = await readAll(await tmp.write('mixed.ndjson', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([
      [1, { a: 1 }],
      [2, { b: 2, c: [1, 2] }],
      [3, { d: 4 }],
      [4, { e: 5 }],
    ]);
  });

  test('a broken record is one malformed row naming its lines; the next records are read', async () => {
    const broken = pretty(contacts[0]).split('\n');
    // Its closing `}` lost: the next record's unindented `{` starts a new one.
    const text = [...broken.slice(0, -1), pretty(contacts[1]), pretty({ id: 103 })].join('\n');
    const { rows, error } = await readAll(await tmp.write('broken.ndjson', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error?.code, row.raw['id']])).toEqual([
      [1, 'RECORD_MALFORMED', undefined],
      [2, undefined, 102],
      [3, undefined, 103],
    ]);
    const last = broken.length - 1;
    expect(rows[0]?.error?.message).toBe(
      `not valid JSON: the record on lines 1-${last} is not closed (line ${last + 1} starts another record before it is complete)`,
    );
    expect(String(rows[0]?.raw['_raw'])).toMatch(/^\{\n {4}"id": 101,/);
  });

  test('a record that closes but does not parse, and one the file ends inside', async () => {
    const text = ['{', '    "a": 1,', '}', '{"b": 2}', '{', '    "c": ['].join('\n');
    const { rows } = await readAll(await tmp.write('bad-values.ndjson', text));
    expect(rows.map((row) => [row.ref.line, row.error?.message ?? row.raw])).toEqual([
      [1, expect.stringMatching(/^not valid JSON \(record on lines 1-3\): /)],
      [2, { b: 2 }],
      [3, 'not valid JSON: the record on lines 5-6 is not closed (the file ends before it is complete)'],
    ]);
  });

  test('a record running past the record bound is one malformed row, not held whole', async () => {
    const line = `    "note": "${'z'.repeat(1000)}",`;
    const lines = Math.ceil(MAX_RECORD_CHARS / line.length) + 2;
    const text = [
      '{',
      ...Array.from({ length: lines }, () => line),
      '    "end": 1',
      '}',
      '{"after": 1}',
    ].join('\n');
    const { rows, error } = await readAll(await tmp.write('long-record.ndjson', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error?.message ?? row.raw])).toEqual([
      [1, `record on lines 1-${lines + 3} is longer than ${MAX_RECORD_CHARS} characters`],
      [2, { after: 1 }],
    ]);
    expect(String(rows[0]?.raw['_raw'])).toHaveLength(200);
  });
});
