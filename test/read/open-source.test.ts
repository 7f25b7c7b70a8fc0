import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

import { openSource, sha256File, SourceError } from '../../src/read/index.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();
const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('opening fails fast', () => {
  test('a missing file rejects with SOURCE_NOT_FOUND naming it', async () => {
    const path = tmp.path('nope.csv');
    const failure = openSource(path);
    await expect(failure).rejects.toBeInstanceOf(SourceError);
    await expect(failure).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', file: path });
    await expect(failure).rejects.toThrow(path);
  });

  test('a directory rejects with SOURCE_UNREADABLE', async () => {
    const path = tmp.path('');
    await expect(openSource(path)).rejects.toMatchObject({ code: 'SOURCE_UNREADABLE', file: path });
  });

  test.skipIf(process.getuid?.() === 0)(
    'a file without read permission rejects with SOURCE_UNREADABLE',
    async () => {
      const path = await tmp.write('secret.csv', 'a\n1\n');
      await chmod(path, 0o000);
      await expect(openSource(path)).rejects.toMatchObject({ code: 'SOURCE_UNREADABLE', file: path });
    },
  );

  test.each([
    ['an unknown encoding', { encoding: 'ebcdic' }, 'SOURCE_ENCODING'],
    ['a two-character delimiter', { delimiter: ';;' }, 'SOURCE_FORMAT'],
    ['a quote as delimiter', { delimiter: '"' }, 'SOURCE_FORMAT'],
    ['an unknown format', { format: 'xml' }, 'SOURCE_FORMAT'],
  ])('%s rejects with %s', async (_label, options, code) => {
    const path = await tmp.write('options.csv', 'a\n1\n');
    await expect(openSource(path, options as never)).rejects.toMatchObject({ code });
  });
});

describe('gzip', () => {
  const text = 'name,phone\nAnn,1\nBob,2\n';

  test.each([
    ['by name', 'contacts.csv.gz'],
    ['by magic bytes alone', 'contacts.csv'],
  ])('%s; sha256 is of the stored (compressed) bytes', async (_label, name) => {
    const stored = gzipSync(text);
    const path = await tmp.write(`gz-${name}`, stored);
    const { info, rows } = await readAll(path);
    expect(info).toMatchObject({ compressed: true, format: 'csv', sha256: sha256(stored), records: 2 });
    expect(rows.map((row) => row.raw)).toEqual([
      { name: 'Ann', phone: '1' },
      { name: 'Bob', phone: '2' },
    ]);
  });

  test('several concatenated gzip members are read in turn', async () => {
    const path = await tmp.write(
      'multi.ndjson.gz',
      Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"a":2}\n')]),
    );
    const { rows } = await readAll(path);
    expect(rows.map((row) => row.raw)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  test('a .gz name over plain bytes is SOURCE_FORMAT', async () => {
    const { rows, error } = await readAll(await tmp.write('plain.csv.gz', text));
    expect(rows).toEqual([]);
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
    expect((error as Error).message).toMatch(/not valid gzip/);
  });

  test('a truncated gzip file is SOURCE_FORMAT after the rows it held', async () => {
    const lines = Array.from({ length: 20000 }, (_, i) => `n${i},${1000 + i}`).join('\n');
    const stored = gzipSync(`name,phone\n${lines}\n`);
    const { rows, error } = await readAll(
      await tmp.write('cut.csv.gz', stored.subarray(0, stored.length - 20)),
    );
    expect(error).toMatchObject({ code: 'SOURCE_FORMAT' });
    expect(rows.length).toBeLessThan(20000);
    rows.forEach((row, index) => expect(row.raw).toEqual({ name: `n${index}`, phone: String(1000 + index) }));
  });
});

describe('stdin', () => {
  test.each([
    ['csv', 'name;phone\nAnn;1\n', [{ name: 'Ann', phone: '1' }]],
    ['json', ' [{"name":"Ann"}]', [{ name: 'Ann' }]],
    ['ndjson', '{"name":"Ann"}\n{"name":"Bob"}\n', [{ name: 'Ann' }, { name: 'Bob' }]],
  ])('%s is sniffed and read', async (format, text, expected) => {
    const { info, rows } = await readAll('-', { stdin: chunkedStream(text, 4) });
    expect(info).toMatchObject({ path: '-', format, compressed: false, sha256: sha256(text) });
    expect(rows.map((row) => row.raw)).toEqual(expected);
    expect(rows[0]?.ref.file).toBe('-');
  });

  test('gzipped stdin, and string chunks', async () => {
    const stored = gzipSync('{"a":1}\n');
    const gz = await readAll('-', { stdin: chunkedStream(stored, 5) });
    expect(gz.info).toMatchObject({ compressed: true, format: 'ndjson' });
    expect(gz.rows.map((row) => row.raw)).toEqual([{ a: 1 }]);
    const strings = await readAll('-', { stdin: Readable.from(['a,b\n', '1,2\n'], { objectMode: true }) });
    expect(strings.rows.map((row) => row.raw)).toEqual([{ a: '1', b: '2' }]);
  });

  test('--format overrides sniffing', async () => {
    const { info, rows } = await readAll('-', {
      stdin: chunkedStream('{"a":1}\n'),
      format: 'csv',
      delimiter: '|',
    });
    expect(info.format).toBe('csv');
    expect(info.headers).toEqual(['{"a":1}']);
    expect(rows).toEqual([]);
  });
});

describe('format by extension, else sniffed', () => {
  test.each([
    ['x.dat', '[{"a":1}]', 'json'],
    ['x.dat', '\n{"a":1}\n', 'ndjson'],
    ['x.dat', 'a,b\n1,2\n', 'csv'],
    ['x.txt', '{"a":1}\n', 'csv'],
    ['x.jsonl', '{"a":1}\n', 'ndjson'],
  ])('%s holding %j → %s', async (name, text, format) => {
    const { info } = await openSource(await tmp.write(`sniff-${format}-${name}`, text));
    expect(info.format).toBe(format);
  });

  test('a pretty-printed JSON object with no telling name is read as JSON: the records of its array', async () => {
    const { info, rows, error } = await readAll(
      await tmp.write('object.dat', '{\n  "contacts": [{"a": 1}]\n}\n'),
    );
    expect(info.format).toBe('json');
    expect(error).toBeUndefined();
    expect(info.recordsKey).toBe('contacts');
    expect(rows.map((row) => row.raw)).toEqual([{ a: 1 }]);
  });
});

describe('hashing and lifecycle', () => {
  test('sha256 is set once the stream has been fully read, and equals sha256File', async () => {
    const text = `name,phone\n${'Ann,1\n'.repeat(50_000)}`;
    const path = await tmp.write('hash.csv', text);
    const { info, rows } = await openSource(path);
    expect(info.sha256).toBeUndefined();
    let count = 0;
    for await (const row of rows) {
      count++;
      expect(row.error).toBeUndefined();
    }
    expect(count).toBe(50_000);
    expect(info.sha256).toBe(sha256(await readFile(path)));
    expect(await sha256File(path)).toBe(info.sha256);
  });

  test('sha256File rejects like openSource for a missing file', async () => {
    await expect(sha256File(tmp.path('missing.csv'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  test('stopping early, or never starting, releases the source', async () => {
    // Larger than what is held to decide the encoding (UTF8_CHECK_BYTES), so stopping early is early.
    const path = await tmp.write('early.csv', `a\n${'1\n'.repeat(400_000)}`);
    const first = await openSource(path);
    for await (const row of first.rows) {
      expect(row.ref.line).toBe(2);
      break;
    }
    expect(await first.rows.next()).toEqual({ done: true, value: undefined });
    expect(first.info.sha256).toBeUndefined();

    const gzipped = await openSource(await tmp.write('early.csv.gz', gzipSync(await readFile(path))));
    const firstOfGzip = await gzipped.rows.next();
    expect(firstOfGzip.value?.raw).toEqual({ a: '1' });
    expect(await gzipped.rows.return(undefined)).toEqual({ done: true, value: undefined });

    const never = await openSource(path);
    expect(await never.rows.return(undefined)).toEqual({ done: true, value: undefined });
    expect(await never.rows.next()).toEqual({ done: true, value: undefined });
  });

  test('seq runs on across the sources of one run', async () => {
    const a = await readAll(await tmp.write('seq-a.csv', 'x\n1\n2\n'));
    const b = await readAll(await tmp.write('seq-b.ndjson', '{"x":3}\n'), { seqStart: a.info.records });
    expect([...a.rows, ...b.rows].map((row) => row.ref.seq)).toEqual([0, 1, 2]);
  });
});

test('a 200k-row CSV streams: what has been read stays a bounded distance ahead of what was consumed', async () => {
  const total = 200_000;
  const header = 'mobile,first_name,last_name,email,country,tags\n';
  const row = (i: number): string =>
    `+1555${String(i).padStart(7, '0')},First${String(i).padStart(6, '0')},Last,user${String(i).padStart(6, '0')}@example.com,US,vip|new\n`;
  const rowBytes = Buffer.byteLength(row(0));
  const rowsPerChunk = 1000;
  let produced = 0;
  function* source(): Generator<Buffer> {
    const head = Buffer.from(header);
    produced += head.length;
    yield head;
    for (let start = 0; start < total; start += rowsPerChunk) {
      let text = '';
      for (let i = start; i < start + rowsPerChunk; i++) text += row(i);
      produced += text.length;
      yield Buffer.from(text);
    }
  }
  const { info, rows } = await openSource('-', { stdin: Readable.from(source(), { objectMode: false }) });
  let count = 0;
  let maxAhead = 0;
  for await (const sourceRow of rows) {
    count++;
    if (count % 10_000 === 1) {
      const consumed = header.length + count * rowBytes;
      maxAhead = Math.max(maxAhead, produced - consumed);
      expect(sourceRow.raw['mobile']).toBe(`+1555${String(count - 1).padStart(7, '0')}`);
      expect(sourceRow.ref.line).toBe(count + 1);
    }
  }
  expect(count).toBe(total);
  expect(info.records).toBe(total);
  // The source is 12.8 MB; the readers hold a few 64 KB chunks of it at a time.
  expect(produced).toBe(header.length + total * rowBytes);
  expect(maxAhead).toBeLessThan(1_000_000);
});

describe('a file larger than one read', () => {
  test.each(['utf8', 'utf16le'] as const)(
    'in %s: characters split across reads and pieces come out whole, with the file’s sha256',
    async (encoding) => {
      // Rows of odd byte lengths with 2-, 3- and 4-byte characters: over 2 MB, the 256 KiB reads
      // and their 16 KiB pieces end inside characters many times.
      const names = ['Zoë', 'Łukasz', '李小龍', 'Ana 😀', 'Ñandú'];
      let text = '\uFEFFname,mobile\n';
      const rows = 80_000;
      for (let i = 0; i < rows; i++)
        text += `${names[i % names.length]} ${i},+1555${String(i).padStart(7, '0')}\n`;
      const bytes = Buffer.from(text, encoding);
      expect(bytes.length).toBeGreaterThan(2_000_000);
      const path = tmp.path(`big-${encoding}.csv`);
      await writeFile(path, bytes);

      const { rows: read, info } = await readAll(path);
      expect(read).toHaveLength(rows);
      for (const i of [0, 1, 4, 777, 12_345, 79_999]) {
        expect(read[i]?.raw).toEqual({
          name: `${names[i % names.length]} ${i}`,
          mobile: `+1555${String(i).padStart(7, '0')}`,
        });
        expect(read[i]?.ref.line).toBe(i + 2);
      }
      expect(read.every((row, i) => row.raw['name'] === `${names[i % names.length]} ${i}`)).toBe(true);
      expect(info.replacementChars).toBe(0);
      expect(info.sha256).toBe(sha256(bytes));
      expect(await sha256File(path)).toBe(sha256(bytes));
    },
  );
});
