import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

import { UTF8_CHECK_BYTES } from '../../src/read/detect.js';
import { openSource, READ_CHUNK_BYTES, SourceError } from '../../src/read/index.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('JSON array', () => {
  test('each element is a row, line = 1-based index, values kept as parsed', async () => {
    const text = JSON.stringify(
      [
        { mobile: '+447700900123', firstName: 'Ann', tags: ['vip', { tag: 'new' }] },
        { mobile: { number: '07700 900124', country: 'GB' }, age: 42, optIn: true, note: null },
      ],
      null,
      2,
    );
    const file = await tmp.write('contacts.json', text);
    const { info, rows, error } = await readAll(file, { seqStart: 5 });
    expect(error).toBeUndefined();
    expect(info.format).toBe('json');
    expect(rows).toEqual([
      {
        ref: { file, line: 1, seq: 5 },
        raw: { mobile: '+447700900123', firstName: 'Ann', tags: ['vip', { tag: 'new' }] },
      },
      {
        ref: { file, line: 2, seq: 6 },
        raw: { mobile: { number: '07700 900124', country: 'GB' }, age: 42, optIn: true, note: null },
      },
    ]);
    expect(Object.keys(rows[1]?.raw ?? {})).toEqual(['mobile', 'age', 'optIn', 'note']);
  });

  test('a "__proto__" key stays an own key, as JSON.parse keeps it', async () => {
    const { rows } = await readAll(
      await tmp.write('proto.json', '[{"__proto__": {"mobile": "+1"}, "b": 2}]'),
    );
    const raw = rows[0]?.raw ?? {};
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(raw['mobile']).toBeUndefined();
    expect(Object.keys(raw)).toEqual(['b', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toEqual({ mobile: '+1' });
  });

  test('an element that is not an object is a malformed row; reading goes on', async () => {
    const file = await tmp.write('mixed.json', '[{"a":1}, 42, "x", null, [1,2], {"b":2}]');
    const { rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw, row.error?.message])).toEqual([
      [1, { a: 1 }, undefined],
      [2, { _raw: '42' }, 'record is not a JSON object (found a number)'],
      [3, { _raw: '"x"' }, 'record is not a JSON object (found a string)'],
      [4, { _raw: 'null' }, 'record is not a JSON object (found null)'],
      [5, { _raw: '[1,2]' }, 'record is not a JSON object (found an array)'],
      [6, { b: 2 }, undefined],
    ]);
    expect(rows[1]?.error?.code).toBe('RECORD_MALFORMED');
  });

  test('a syntax error part-way: the rows before it, then SOURCE_FORMAT with the record index', async () => {
    const good = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ mobile: `+1555${i}`, name: `n${i}` }),
    );
    const text = `[\n${good.join(',\n')},\n{"mobile": "+1", "name": oops}\n]`;
    const file = await tmp.write('broken.json', text);
    const { rows, error } = await readAll(file);
    expect(rows).toHaveLength(3000);
    expect(rows.at(-1)?.raw).toEqual({ mobile: '+15552999', name: 'n2999' });
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT', file, line: 3001 });
    expect((error as Error).message).toContain('record 3001');
    expect((error as Error).message).toContain(file);
  });

  test('a truncated file: the complete rows, then SOURCE_FORMAT', async () => {
    const { rows, error } = await readAll(await tmp.write('truncated.json', '[{"a":1},{"a":2},{"a":'));
    expect(rows.map((row) => row.raw)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT', line: 3 });
  });

  test.each([
    ['an object without records', '{"mobile": "+1", "name": "A"}', /found an object with keys 'mobile'/],
    ['a string', '"hello"', /found '"'/],
    ['a number', '12', /found '1'/],
  ])('a top-level value that is %s is SOURCE_FORMAT before any row', async (label, text, message) => {
    const { rows, error } = await readAll(await tmp.write(`top-${label.replace(/\W/g, '')}.json`, text));
    expect(rows).toEqual([]);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
    expect((error as Error).message).toMatch(message);
  });

  test('an empty array is a source with no records; an empty file is SOURCE_EMPTY', async () => {
    expect(await readAll(await tmp.write('empty-array.json', ' [ ] \n'))).toMatchObject({ rows: [] });
    const { error } = await readAll(await tmp.write('empty.json', '\n'));
    expect(error).toMatchObject({ code: 'SOURCE_EMPTY' });
  });

  test('gzipped, with a BOM, from stdin in small chunks: same rows', async () => {
    const text = '\uFEFF[{"name":"Zoë","n":1},{"name":"Ærø","n":2}]';
    const expected = [
      { name: 'Zoë', n: 1 },
      { name: 'Ærø', n: 2 },
    ];
    const gz = await readAll(await tmp.write('bom.json.gz', gzipSync(text)));
    expect(gz.info).toMatchObject({ format: 'json', compressed: true, encoding: 'utf8' });
    expect(gz.rows.map((row) => row.raw)).toEqual(expected);
    const stdin = await readAll('-', { stdin: chunkedStream(text, 3) });
    expect(stdin.info.format).toBe('json');
    expect(stdin.rows.map((row) => row.raw)).toEqual(expected);
    expect(stdin.rows.map((row) => row.ref.file)).toEqual(['-', '-']);
  });
});

describe('JSON object holding the records (an API response)', () => {
  test.each([
    ['HubSpot', '{"results": [{"id": "1"}, {"id": "2"}], "paging": {"next": {"after": "3"}}}', 'results'],
    ['Klaviyo', '{"data": [{"id": "1"}, {"id": "2"}], "links": {"self": "x", "next": null}}', 'data'],
    ['Shopify', '{"customers": [{"id": 1}, {"id": 2}]}', 'customers'],
    ['Pipedrive', '{"success": true, "data": [{"id": 1}, {"id": 2}], "additional_data": {"x": [1]}}', 'data'],
    [
      'Mailchimp',
      '{"members": [{"id": "1"}, {"id": "2"}], "total_items": 2, "_links": [{"rel": "self"}]}',
      'members',
    ],
    [
      'counts, scalars and other arrays first',
      '{"total": 2, "ids": [1, 2], "tags": [], "empty": {}, "people": [{"id": 1}, {"id": 2}]}',
      'people',
    ],
  ])('%s: the first key holding an array of objects is read, and named', async (_, text, key) => {
    const file = await tmp.write(`wrapped-${key}-${text.length}.json`, text);
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.recordsKey).toBe(key);
    expect(rows.map((row) => [row.ref.line, Object.keys(row.raw)])).toEqual([
      [1, ['id']],
      [2, ['id']],
    ]);
  });

  test('the records are read like a top-level array: malformed elements, flattened records', async () => {
    const text = JSON.stringify({
      data: [
        {
          type: 'profile',
          id: 'a',
          attributes: { phone_number: '+447911123201', location: { country: 'GB' } },
        },
        42,
        { mobile: { number: '07911 123202', country: 'GB' } },
      ],
      links: { next: null },
    });
    const { rows, error } = await readAll(await tmp.write('klaviyo-like.json', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw, row.error?.code])).toEqual([
      [1, { id: 'a', phone_number: '+447911123201', country: 'GB' }, undefined],
      [2, { _raw: '42' }, 'RECORD_MALFORMED'],
      [3, { mobile: { number: '07911 123202', country: 'GB' } }, undefined],
    ]);
  });

  test("an array of a record's own field values is not taken for the records", async () => {
    // A single Pipedrive person saved alone, and a single record of ours with {tag} tags.
    for (const text of [
      '{"name": "Pip", "phone": [{"label": "mobile", "value": "+447911123456", "primary": true}]}',
      '{"mobile": "+447911123456", "tags": [{"tag": "vip"}], "contacts": [{"id": 1}]}',
    ]) {
      const { info, rows, error } = await readAll(await tmp.write(`field-array-${text.length}.json`, text));
      if (text.includes('"contacts"')) {
        expect(error).toBeUndefined();
        expect(info.recordsKey).toBe('contacts');
        expect(rows.map((row) => row.raw)).toEqual([{ id: 1 }]);
      } else {
        expect(rows).toEqual([]);
        expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
        expect((error as Error).message).toMatch(
          /found an object with keys 'name' \(a text\), 'phone' \(an array\) and no array of records \(a single contact must be inside \[ \]\)$/,
        );
      }
    }
  });

  test('an object whose only arrays are empty is a source with no records', async () => {
    const { info, rows, error } = await readAll(
      await tmp.write('no-results.json', '{"total": 0, "results": [], "paging": null}'),
    );
    expect(error).toBeUndefined();
    expect(rows).toEqual([]);
    expect(info.recordsKey).toBe('results');
  });

  test('an object without an array of records names its keys and says nothing of NDJSON', async () => {
    const { rows, error } = await readAll(
      await tmp.write('pipedrive-one.json', '{"success": true, "data": {"id": 1, "name": "Pip"}}'),
    );
    expect(rows).toEqual([]);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
    const message = (error as Error).message;
    expect(message).toContain(`found an object with keys 'success' (true), 'data' (an object)`);
    expect(message).not.toMatch(/ndjson/i);
  });

  describe('Telegram Desktop result.json: the records one level down', () => {
    /** The layout of Telegram Desktop's machine-readable export (values made up). */
    const telegram = (order: 'contacts-first' | 'frequent-first') => {
      const contacts = {
        about: 'This is the list of your contacts.',
        list: [
          {
            user_id: 100000002,
            first_name: 'Ben',
            last_name: 'Ito',
            phone_number: '+81 90 1234 5678',
            date: '2024-01-03T10:00:00',
            date_unixtime: '1704276000',
          },
          { date: '2024-01-04T10:00:00', date_unixtime: '1704362400' },
        ],
      };
      const frequent = {
        about: 'Frequent contacts',
        list: [{ id: 100000003, category: 'people', type: 'user', name: 'Cleo Park', rating: 0.5 }],
      };
      return {
        about: 'Here is the data you requested.',
        personal_information: { user_id: 100000001, first_name: 'Ana', phone_number: '+386 40 000 000' },
        // A top-level array of objects before the contacts: no contact field, not the records.
        profile_pictures: [{ date: '2023-05-01T09:00:00', photo: 'profile_pictures/photo_1.jpg' }],
        ...(order === 'frequent-first'
          ? { frequent_contacts: frequent, contacts }
          : { contacts, frequent_contacts: frequent }),
        chats: { about: 'chats', list: [{ name: 'Field Ops', type: 'private_group', id: 7, messages: [] }] },
      };
    };

    test.each(['contacts-first', 'frequent-first'] as const)(
      'contacts.list is read, not the owner, frequent_contacts nor chats (%s)',
      async (order) => {
        const file = await tmp.write(`telegram-${order}.json`, JSON.stringify(telegram(order), null, 1));
        const { info, rows, error } = await readAll(file);
        expect(error).toBeUndefined();
        expect(info.recordsKey).toBe('contacts.list');
        expect(rows.map((row) => [row.ref.line, row.raw['first_name'], row.raw['date']])).toEqual([
          [1, 'Ben', '2024-01-03T10:00:00'],
          [2, undefined, '2024-01-04T10:00:00'],
        ]);
      },
    );

    test('the first array of records found is read, nested or not; an empty nested one is no records', async () => {
      const top = await readAll(
        await tmp.write('top-first.json', '{"data": {"items": [{"a": 1}]}, "results": [{"b": 2}]}'),
      );
      expect([top.info.recordsKey, top.rows.map((row) => row.raw)]).toEqual(['data.items', [{ a: 1 }]]);
      const empty = await readAll(await tmp.write('nested-empty.json', '{"contacts": {"list": []}}'));
      expect(empty.error).toBeUndefined();
      expect([empty.info.recordsKey, empty.rows]).toEqual(['contacts.list', []]);
    });

    test('without records anywhere, the message drops the single-contact hint when it does not fit', async () => {
      const export_ = {
        about: 'x',
        personal_information: { first_name: 'Ana' },
        frequent_contacts: { list: [] },
      };
      const { error } = await readAll(await tmp.write('telegram-empty.json', JSON.stringify(export_)));
      expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
      expect((error as Error).message).toMatch(
        /found an object with keys 'about' \(a text\), 'personal_information' \(an object\), 'frequent_contacts' \(an object\) and no array of records$/,
      );
    });
  });

  test('one object per line under a .json name: the message says NDJSON', async () => {
    const { rows, error } = await readAll(
      await tmp.write('lines.json', '{"mobile": "+1", "name": "A"}\n{"mobile": "+2", "name": "B"}\n'),
    );
    expect(rows).toEqual([]);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
    expect((error as Error).message).toMatch(
      /more than one JSON value at the top level \(one object per line is NDJSON.*\); the second starts at line 2, column 1$/,
    );
  });

  test('a syntax error inside the records, then after them', async () => {
    const inside = await readAll(await tmp.write('bad-inside.json', '{"results": [{"a": 1}, {"a": oops}]}'));
    expect(inside.rows.map((row) => row.raw)).toEqual([{ a: 1 }]);
    expect(inside.error).toMatchObject({ code: 'SOURCE_FORMAT', line: 2 });
    expect((inside.error as Error).message).toContain(
      "invalid JSON at line 1, column 30 (record 2, after 1 complete records): unexpected character 'o'",
    );

    const afterFile = await tmp.write(
      'bad-after.json',
      '{"results": [{"a": 1}, {"a": 2}], "paging": {"next": ',
    );
    const after = await readAll(afterFile);
    expect(after.rows.map((row) => row.raw)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(after.error).toMatchObject({ code: 'SOURCE_FORMAT' });
    expect((after.error as Error).message).toBe(
      `${afterFile}: invalid JSON at line 1, column 53, after the records of 'results' (2 read): ` +
        'the file ends before the JSON is complete (cut off?)',
    );
  });

  test('the records stream: rows come out before the rest of the document has arrived', async () => {
    let release: () => void = () => undefined;
    const rest = new Promise<void>((resolve) => {
      release = resolve;
    });
    // More than the bytes held back to decide the encoding (UTF8_CHECK_BYTES), then the rest.
    const record = (i: number): string => `{"id": ${i}, "note": "${'x'.repeat(40)}"}`;
    const headCount = Math.ceil((2 * UTF8_CHECK_BYTES) / record(0).length);
    const head = `{"total": ${headCount + 1000}, "results": [${Array.from({ length: headCount }, (_, i) => record(i)).join(',')},`;
    const tail = `${Array.from({ length: 1000 }, (_, i) => record(headCount + i)).join(',')}], "paging": {}}`;
    async function* stdin(): AsyncGenerator<Buffer> {
      yield Buffer.from(head);
      await rest;
      yield Buffer.from(tail);
    }
    const { info, rows } = await openSource('-', { format: 'json', stdin: Readable.from(stdin()) });
    const seen: number[] = [];
    for await (const row of rows) {
      seen.push(row.raw['id'] as number);
      // The first rows arrive while the tail is still held back.
      if (seen.length === 1) release();
    }
    expect(seen).toEqual(Array.from({ length: headCount + 1000 }, (_, i) => i));
    expect(info.recordsKey).toBe('results');
  });
});

describe('a syntax error names the line and column, and says what is wrong', () => {
  // Shapes of real files: Salesforce's serializePretty output with a comma left after the last
  // record, a MessageBird response cut off by an interrupted download, a stray character.
  const salesforce = [
    '[',
    '    {',
    '\t\t"attributes" : {"type" : "Contact"},',
    '\t\t"FirstName" : "Bertha",',
    '\t\t"Phone" : "(850) 644-4200"',
    '\t}, {',
    '\t\t"attributes" : {"type" : "Contact"},',
    '\t\t"FirstName" : "Jeff",',
    '\t\t"Phone" : "(512) 757-6000"',
    '\t},',
    ']',
    '',
  ].join('\n');
  const messagebird = [
    '{',
    '    "offset": 0,',
    '    "links": {"first": "https://rest.messagebird.com/groups/group-id/contacts?offset=0"},',
    '    "items": [',
    '        {',
    '            "id": "first-contact-id",',
    '            "msisdn": 31612345678,',
    '            "firstName": "Foo"',
    '        },',
    '        {',
    '            "id": "second-contact-id",',
    '            "href": "https://rest.messagebird.com/contacts/sec',
  ].join('\n');
  const stray =
    '[\r\n  {"mobile": "+14155550100"},\r\n  {"mobile": "+14155550101"},x\r\n  {"mobile": "+1"}\r\n]\r\n';

  test.each([
    {
      name: 'salesforce-trailing-comma.json',
      text: salesforce,
      rows: 2,
      where: 'line 11, column 1',
      problem: 'a trailing comma before ]',
    },
    {
      name: 'messagebird-truncated.json',
      text: messagebird,
      rows: 1,
      where: 'line 12, column 63',
      problem: 'the file ends before the JSON is complete (cut off?)',
    },
    {
      name: 'messagebird-truncated-between-records.json',
      text: messagebird.slice(0, messagebird.lastIndexOf('{')),
      rows: 1,
      where: 'line 9, column 11',
      problem: 'the file ends before the JSON is complete (cut off?)',
    },
    {
      name: 'stray.json',
      text: stray,
      rows: 2,
      where: 'line 3, column 30',
      problem: "unexpected character 'x'",
    },
    {
      name: 'stray-after-value.json',
      text: '[{"mobile": "+1"}, {"mobile": "+2"}}]',
      rows: 2,
      where: 'line 1, column 36',
      problem: "unexpected character '}'",
    },
    {
      name: 'object-trailing-comma.json',
      text: '[{"mobile": "+1",\n  }]',
      rows: 0,
      where: 'line 2, column 3',
      problem: 'a trailing comma before }',
    },
    {
      name: 'line-break-in-text.json',
      text: '[{"mobile": "+1", "note": "two\nlines"}]',
      rows: 0,
      where: 'line 1, column 31',
      problem: 'a line break inside a quoted text',
    },
  ])('$name: $where, $problem', async ({ name, text, rows, where, problem }) => {
    const file = await tmp.write(name, text);
    const result = await readAll(file);
    expect(result.rows).toHaveLength(rows);
    expect(result.error).toBeInstanceOf(SourceError);
    expect(result.error).toMatchObject({ code: 'SOURCE_FORMAT', file });
    const message = (result.error as Error).message;
    expect(message).toContain(`${file}: invalid JSON at ${where}`);
    expect(message).toMatch(new RegExp(`: ${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  // The chunks a file is read in: the error's position is counted across them, and a trailing
  // comma is seen whichever side of a chunk's end it falls.
  test.each([-2, -1, 0, 1, 2])(
    'a trailing comma %i characters from a chunk end, after many lines',
    async (shift) => {
      const record = (i: number): string =>
        `  {"id": ${i}, "mobile": "+1415555${String(i).padStart(4, '0')}"}`;
      const records: string[] = [];
      let length = 2;
      for (let i = 0; length < READ_CHUNK_BYTES - 120; i++) {
        records.push(record(i));
        length += record(i).length + 2;
      }
      // The comma at offset READ_CHUNK_BYTES + shift, the ] on the next line.
      const head = `[\n${records.join(',\n')}`;
      const padded = `${head}${' '.repeat(READ_CHUNK_BYTES + shift - head.length)},\n]\n`;
      const file = await tmp.write(`trailing-comma-${shift}.json`, padded);
      const { rows, error } = await readAll(file);
      expect(rows).toHaveLength(records.length);
      expect((error as Error).message).toContain(
        `invalid JSON at line ${records.length + 2}, column 1 (record ${records.length + 1}, ` +
          `after ${records.length} complete records): a trailing comma before ]`,
      );
    },
  );
});
