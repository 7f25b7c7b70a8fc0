/**
 * decodeText's count of byte sequences that are not valid UTF-8: the decoder's U+FFFD, not the
 * U+FFFD characters a file holds itself (bytes EF BF BD, left by an earlier damaged conversion),
 * wherever the reads cut the file.
 */
import { createReadStream } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeText } from '../../src/read/byte-stream.js';
import type { SourceInfo } from '../../src/read/types.js';
import { readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

/** Decodes `file` as UTF-8 (as `--encoding` or a BOM would have it), read `readBytes` at a time. */
async function decode(file: string, readBytes: number): Promise<{ text: string; invalid: number }> {
  const info: SourceInfo = { path: file, format: 'csv', compressed: false, encoding: 'utf8', records: 0 };
  let text = '';
  const chunks = createReadStream(file, { highWaterMark: readBytes }) as AsyncIterable<Buffer>;
  for await (const piece of decodeText(chunks, 'utf8', file, info)) text += piece;
  return { text, invalid: info.replacementChars ?? -1 };
}

const LITERAL = Buffer.from([0xef, 0xbf, 0xbd]);

describe('byte sequences not valid UTF-8', () => {
  test('a U+FFFD the file holds is no invalid byte', async () => {
    const file = await tmp.write(
      'literal.csv',
      'name,mobile\nJ\uFFFDrgen,+447700900123\n李,+447700900124\n\uFFFD\uFFFD,+447700900125\n',
    );
    const { info, rows } = await readAll(file);
    expect(info).toMatchObject({ encoding: 'utf8', replacementChars: 0 });
    expect(rows.map((row) => row.raw['name'])).toEqual(['J\uFFFDrgen', '李', '\uFFFD\uFFFD']);
  });

  // Every cut: one byte at a time, and reads that split a literal EF BF BD after its first or second byte.
  test.each([1, 2, 3, 4, 5, 7, 16])('read %i bytes at a time: only the invalid bytes count', async (size) => {
    const bytes = Buffer.concat([
      Buffer.from('name\nJ'),
      LITERAL,
      Buffer.from('rgen\nRen'),
      Buffer.from([0xe9]), // latin1 é: invalid
      Buffer.from('\n'),
      Buffer.from([0xe9]), // a lead byte cut short by a literal U+FFFD: one invalid, one literal
      LITERAL,
      LITERAL,
      Buffer.from('\n李\n'),
      Buffer.from([0xff, 0xfe]), // two invalid bytes
      Buffer.from('\n'),
    ]);
    const file = await tmp.write(`mixed-${size}.csv`, bytes);
    const { text, invalid } = await decode(file, size);
    expect(text).toBe('name\nJ\uFFFDrgen\nRen\uFFFD\n\uFFFD\uFFFD\uFFFD\n李\n\uFFFD\uFFFD\n');
    expect(invalid).toBe(4);
  });

  test('a file that ends inside a sequence: the cut-off bytes are invalid', async () => {
    const file = await tmp.write(
      'cut.csv',
      Buffer.concat([Buffer.from('name\nJ'), LITERAL, Buffer.from('\nx'), LITERAL.subarray(0, 2)]),
    );
    for (const size of [1, 2, 64]) expect((await decode(file, size)).invalid, `${size}`).toBe(1);
  });
});
