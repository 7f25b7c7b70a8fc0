import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
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
    ['an object', '{"contacts": [{"a": 1}]}', /found an object/],
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
