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

  test('only blank lines is SOURCE_EMPTY', async () => {
    const { error } = await readAll(await tmp.write('blank.ndjson', '\n\n  \n'));
    expect(error).toMatchObject({ code: 'SOURCE_EMPTY' });
  });
});
