/**
 * Property-based tests of the CSV, JSON and NDJSON readers: whatever bytes they are given, they
 * emit rows (malformed ones flagged) or end with a SourceError naming the file, never anything
 * else, and every record they emit is counted and placed.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FUZZ_SEED,
  checkRead,
  countLineBreaks,
  csvField,
  csvTable,
  lineBreak,
  quoteField,
  readSource,
  useFuzzDir,
} from './helpers.js';
import { readCsv } from '../../src/read/csv.js';
import { flattenRecord } from '../../src/read/json-records.js';
import type { SourceInfo } from '../../src/read/index.js';
import type { SourceRow } from '../../src/types.js';

const files = useFuzzDir();
const settings = { seed: FUZZ_SEED, numRuns: 60 } as const;

describe('CSV round trip', () => {
  test('any table written per RFC 4180 (any line breaks, quoting, BOM) reads back field for field, at the right lines', async () => {
    await fc.assert(
      fc.asyncProperty(csvTable, async (table) => {
        let text = table.bom ? '\ufeff' : '';
        let line = 1;
        const starts: number[] = [];
        const records = [table.headers, ...table.records];
        records.forEach((fields, i) => {
          if (i > 0) starts.push(line);
          const record = fields.map((f) => quoteField(f, table.quoteAll)).join(',');
          const end = i < records.length - 1 || table.finalBreak ? (table.breaks[i] as string) : '';
          text += record + end;
          line += countLineBreaks(record + end);
        });
        const read = await readSource(await files.write('csv', text), { delimiter: ',' });
        checkRead(read);
        expect(read.error).toBeUndefined();
        expect(read.info.headers).toEqual(table.headers);
        expect(read.rows.map((row) => row.error)).toEqual(table.records.map(() => undefined));
        expect(read.rows.map((row) => row.raw)).toEqual(
          table.records.map((fields) => Object.fromEntries(table.headers.map((h, i) => [h, fields[i]]))),
        );
        expect(read.rows.map((row) => row.ref.line)).toEqual(starts);
      }),
      settings,
    );
  });
});

describe('CSV record boundaries', () => {
  /** The CSV reader fed `text` directly, in pieces of `size` characters: its rows and its error. */
  async function readCsvPieces(text: string, size: number): Promise<{ rows: SourceRow[]; error?: unknown }> {
    async function* pieces(): AsyncGenerator<string> {
      for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
    }
    const info: SourceInfo = {
      path: 'pieces.csv',
      format: 'csv',
      compressed: false,
      encoding: 'utf8',
      records: 0,
    };
    const rows: SourceRow[] = [];
    try {
      for await (const batch of readCsv(pieces(), { file: 'pieces.csv', info, nextSeq: 0 }, ','))
        rows.push(...batch);
    } catch (error) {
      return { rows, error };
    }
    return { rows };
  }

  test('any CSV-like text (stray quotes, NULs, every line break) reads the same whole and in pieces of any size', async () => {
    const escape = (field: string): string => field.replaceAll('"', '""');
    /** A quoted field with a doubled quote and a line break in it, at the start of a field. */
    const quotedField = fc
      .tuple(csvField, lineBreak, csvField)
      .map(([before, lineBreak, after]) => `,"${escape(before)}""${lineBreak}${escape(after)}"`);
    const piece = fc.oneof(csvField, lineBreak, quotedField, fc.constantFrom('"', '""', '\u0000', ','));
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 40 }).map((pieces) => `h1,h2\n${pieces.join('')}`),
        fc.integer({ min: 1, max: 9 }),
        async (text, size) => {
          const whole = await readSource(await files.write('csv', text), { delimiter: ',' });
          checkRead(whole);
          expect(whole.error).toBeUndefined();
          const inPieces = await readCsvPieces(text, size);
          expect(inPieces.error).toBeUndefined();
          const summary = (rows: SourceRow[]): unknown[] =>
            rows.map((row) => [row.ref.line, row.raw, row.error?.message]);
          expect(summary(inPieces.rows)).toEqual(summary(whole.rows));
          // A record holding a NUL is malformed, and says so.
          for (const row of whole.rows) {
            if (Object.values(row.raw).some((value) => String(value).includes('\u0000'))) {
              expect(row.error?.message).toMatch(/NUL/);
            }
          }
        },
      ),
      settings,
    );
  });
});

describe('random bytes', () => {
  const extensions = ['csv', 'json', 'ndjson', 'txt', 'csv.gz', 'json.gz'] as const;

  test.each(extensions)('.%s: rows or a SourceError, never a crash', async (ext) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        checkRead(await readSource(await files.write(ext, bytes)));
      }),
      { ...settings, numRuns: 40 },
    );
  });

  test('.csv: text-like bytes with invalid UTF-8 sequences are read in a single-byte encoding, nothing replaced', async () => {
    const invalid = fc.constantFrom(
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom([0x61], [0x2c], [0x0a], [0x31]), invalid), {
          minLength: 1,
          maxLength: 60,
        }),
        async (parts) => {
          const body = Buffer.from(parts.flat());
          const read = await readSource(
            await files.write('csv', Buffer.concat([Buffer.from('mobile,name\n'), body])),
            {
              delimiter: ',',
            },
          );
          checkRead(read);
          expect(read.error).toBeUndefined();
          const invalidUtf8 = parts.some((p) => p[0] !== undefined && p[0] >= 0x80);
          expect(read.info.encodingGuessed === true).toBe(invalidUtf8);
          expect(read.info.replacementChars).toBe(0);
        },
      ),
      settings,
    );
  });
});

describe('truncated files', () => {
  const record = fc.record({
    mobile: fc.string({ maxLength: 12 }),
    name: fc.string({ unit: 'binary', maxLength: 8 }),
  });

  test('a CSV, JSON or NDJSON document cut anywhere (even inside a UTF-8 sequence) reads its head or fails cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('csv', 'json', 'ndjson', 'csv.gz'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (records, ext, cut) => {
          let text: string;
          if (ext.startsWith('csv')) {
            text = [
              'mobile,name',
              ...records.map((r) => `${quoteField(r.mobile, true)},${quoteField(r.name, true)}`),
            ].join('\n');
          } else if (ext === 'json') {
            text = JSON.stringify(records);
          } else {
            text = records.map((r) => JSON.stringify(r)).join('\n');
          }
          let bytes: Uint8Array = Buffer.from(text, 'utf8');
          if (ext === 'csv.gz') bytes = gzipSync(bytes);
          bytes = bytes.subarray(0, Math.floor(bytes.length * cut));
          const read = await readSource(await files.write(ext, bytes));
          checkRead(read);
          expect(read.rows.length).toBeLessThanOrEqual(records.length);
        },
      ),
      settings,
    );
  });
});

describe('JSON and NDJSON', () => {
  test('a JSON array of any values: one row per element, objects read as records, other values flagged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 12 }), async (values) => {
        const read = await readSource(await files.write('json', JSON.stringify(values)));
        checkRead(read);
        expect(read.error).toBeUndefined();
        expect(read.rows.map((r) => r.ref.line)).toEqual(values.map((_, i) => i + 1));
        values.forEach((value, i) => {
          const row = read.rows[i];
          const isRecord = typeof value === 'object' && value !== null && !Array.isArray(value);
          expect(row?.error === undefined).toBe(isRecord);
          // An object is the record flattenRecord makes of it (itself, when it nests nothing).
          if (isRecord) expect(JSON.stringify(row?.raw)).toBe(JSON.stringify(flattenRecord(value)));
        });
      }),
      settings,
    );
  });

  test('NDJSON with garbage lines and mixed line endings: one row per non-blank line, bad lines flagged', async () => {
    const line = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((o) => ({
        text: JSON.stringify(o),
        ok: true,
      })),
      fc
        .string({ unit: 'binary', maxLength: 20 })
        // A file of these with NULs may be binary as a whole (a SourceError): tested on its own.
        .filter((s) => !/[\r\n\0]/.test(s))
        .map((text) => {
          let ok = false;
          try {
            const parsed: unknown = JSON.parse(text);
            ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
          } catch {
            ok = false;
          }
          return { text, ok };
        }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 12 }),
        async (lines) => {
          const text = lines.map(([l, eol]) => l.text + eol).join('');
          const read = await readSource(await files.write('ndjson', text));
          checkRead(read);
          const expected = lines.filter(([l]) => l.text.trim() !== '').map(([l]) => l.ok);
          // A source with nothing but blank lines is a file-level problem, said clearly.
          expect(read.error?.code).toBe(expected.length === 0 ? 'SOURCE_EMPTY' : undefined);
          expect(read.rows.map((r) => r.error === undefined)).toEqual(expected);
        },
      ),
      settings,
    );
  });
});
