/**
 * Hostile inputs, one by one and through the whole pipeline (a dry run, in-process): 10 MB single
 * fields, 100k columns, deeply nested JSON, NUL bytes, unclosed quotes, formula cells. Each must
 * finish in bounded time and memory, and end as rows (malformed ones flagged) or a clear
 * file-level SourceError.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { importContacts, RunAbortedError, type ImportResult } from '../../src/pipeline/run.js';
import { MAX_RECORD_CHARS, SourceError } from '../../src/read/index.js';
import { checkInvariants } from '../../src/report/counts.js';
import { FUZZ_SEED, checkRead, readSource, useFuzzDir } from './helpers.js';

const files = useFuzzDir();
const TEN_MB = 10 * 1024 * 1024;
/** Generous: a 10 MB input is streamed, so the heap must not grow by anything like its size several times over. */
const HEAP_BOUND_BYTES = 96 * 1024 * 1024;
/** Bounded time for one hostile input (the vitest timeout is the hard stop). */
const BIG_INPUT_TIMEOUT_MS = 20_000;

/** A dry run of the whole pipeline on `file`: its result, or the SourceError it ended with. */
async function dryRun(file: string): Promise<{ result?: ImportResult; sourceError?: SourceError }> {
  try {
    const result = await importContacts({
      sources: [file],
      dryRun: true,
      state: false,
      workers: 0,
      defaultCountry: 'US',
      reportDir: path.join(path.dirname(file), 'reports'),
    });
    return { result };
  } catch (error) {
    if (error instanceof RunAbortedError && error.cause instanceof SourceError)
      return { sourceError: error.cause };
    throw error;
  }
}

/** The heap in use now, and a function giving the largest growth seen since (sampled on demand). */
function heapWatch(): { sample: () => void; growth: () => number } {
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  return {
    sample: () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    },
    growth: () => peak - base,
  };
}

describe('10 MB single fields', () => {
  const cases = [
    ['csv, unquoted', 'csv', `mobile,name\n+16465550101,${'x'.repeat(TEN_MB)}\n+16465550102,ok\n`],
    ['csv, quoted', 'csv', `mobile,name\n+16465550101,"${'x'.repeat(TEN_MB)}"\n+16465550102,ok\n`],
    [
      'ndjson',
      'ndjson',
      `{"mobile":"+16465550101","name":"${'x'.repeat(TEN_MB)}"}\n{"mobile":"+16465550102"}\n`,
    ],
  ] as const;

  test.each(cases)(
    '%s: the huge record is a malformed row, read in bounded memory',
    async (_, ext, text) => {
      const file = await files.write(ext, text);
      const heap = heapWatch();
      const read = await readSource(file);
      heap.sample();
      checkRead(read);
      // The huge record is skipped to its end; the record after it is read.
      expect(read.error).toBeUndefined();
      expect(read.rows.map((r) => r.raw['mobile'] ?? null)).toEqual([null, '+16465550102']);
      expect(read.rows[0]?.error?.code).toBe('RECORD_MALFORMED');
      expect(read.rows[0]?.error?.message).toMatch(String(MAX_RECORD_CHARS));
      expect(heap.growth()).toBeLessThan(HEAP_BOUND_BYTES);
    },
    BIG_INPUT_TIMEOUT_MS,
  );

  test('json: a 10 MB string value is kept (JSON records have no size limit) and the next record read', async () => {
    const file = await files.write(
      'json',
      `[{"mobile":"+16465550101","note":"${'x'.repeat(TEN_MB)}"},{"mobile":"+16465550102"}]`,
    );
    const read = await readSource(file);
    checkRead(read);
    expect(read.rows).toHaveLength(2);
    expect((read.rows[0]?.raw['note'] as string).length).toBe(TEN_MB);
  });

  test.each(cases)(
    '%s: the whole pipeline accounts for the huge record (invalid) and the one after it (valid)',
    async (_, ext, text) => {
      const { result, sourceError } = await dryRun(await files.write(ext, text));
      expect(sourceError).toBeUndefined();
      expect(result?.counts).toMatchObject({ rows: 2, valid: 1, invalid: 1 });
    },
    BIG_INPUT_TIMEOUT_MS,
  );
});

describe('100 000 columns', () => {
  const columns = 100_000;
  const header = ['mobile', ...Array.from({ length: columns - 1 }, (_, i) => `c${i}`)].join(',');
  const row = ['+16465550101', ...Array.from({ length: columns - 1 }, (_, i) => `v${i}`)].join(',');
  const long = `${row.replace('+16465550101', '+16465550103')},extra`;
  const text = `${header}\n${row}\n+16465550102\n${long}\n`;

  test(
    'the reader keeps every column, fills a short record with empty fields, and a long record is malformed',
    async () => {
      const read = await readSource(await files.write('csv', text));
      checkRead(read);
      expect(read.info.headers).toHaveLength(columns);
      expect(Object.keys(read.rows[0]?.raw ?? {})).toHaveLength(columns);
      expect(read.rows[1]?.error).toBeUndefined();
      expect(Object.keys(read.rows[1]?.raw ?? {})).toHaveLength(columns);
      expect(read.info.shortRecords).toEqual({ count: 1, firstLine: 3 });
      expect(read.rows[2]?.error?.message).toMatch(/expected 100000 fields, found 100001/);
    },
    BIG_INPUT_TIMEOUT_MS,
  );

  test(
    'the whole pipeline finishes, every record accounted for',
    async () => {
      const { result } = await dryRun(await files.write('csv', text));
      expect(result?.counts).toMatchObject({ rows: 3, valid: 2, invalid: 1 });
    },
    BIG_INPUT_TIMEOUT_MS,
  );
});

describe('deeply nested JSON', () => {
  const depth = 100_000;
  const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;

  test(
    'a record nested 100 000 levels deep does not hang the reader',
    async () => {
      const read = await readSource(
        await files.write(
          'ndjson',
          `{"mobile":"+16465550101","x":${deepArray}}\n{"mobile":"+16465550102"}\n`,
        ),
      );
      checkRead(read);
      expect(read.rows).toHaveLength(2);
    },
    BIG_INPUT_TIMEOUT_MS,
  );

  // A value nested thousands of levels deep would overflow the stack in later stages' recursive
  // stringify; the readers turn such a record into a RECORD_MALFORMED row.
  test.each([
    [
      'ndjson, deep attribute',
      'ndjson',
      `{"mobile":"+16465550101","x":${deepArray}}\n{"mobile":"+16465550102"}\n`,
    ],
    [
      'json, deep attribute',
      'json',
      `[{"mobile":"+16465550101","x":${deepArray}},{"mobile":"+16465550102"}]`,
    ],
    ['json, deep element', 'json', `[${deepArray},{"mobile":"+16465550102"}]`],
  ])(
    '%s: a row error or a SourceError, not a stack overflow',
    async (_, ext, text) => {
      const { result } = await dryRun(await files.write(ext, text));
      if (result) expect(result.counts.rows).toBe(2);
    },
    BIG_INPUT_TIMEOUT_MS,
  );

  test('1 000 levels (deep, but within reason) go through the pipeline as an attribute', async () => {
    const text = `{"mobile":"+16465550101","x":${'['.repeat(1000)}${']'.repeat(1000)}}\n`;
    const { result } = await dryRun(await files.write('ndjson', text));
    expect(result?.counts).toMatchObject({ rows: 1, valid: 1 });
  });
});

describe('NUL bytes, unclosed quotes, line endings', () => {
  test('NUL bytes at the start: a SourceError saying the file looks binary', async () => {
    const read = await readSource(await files.write('csv', 'mobile\u0000,name\n+16465550101,a\n'));
    expect(read.error?.code).toMatch(/SOURCE_FORMAT|SOURCE_ENCODING/);
    expect(read.error?.message).toMatch(/binary|NUL|UTF-16/i);
  });

  test('a NUL inside a field, near the start or deep: that row is invalid with its fields, the others valid', async () => {
    const padding = Array.from({ length: 200 }, (_, i) => `+1646555${String(1000 + i)},Name${i}`).join('\n');
    for (const text of [
      `mobile,name\n${padding}\n+16465559999,Bad\u0000Name\n`,
      `mobile,name\n+16465559999,Bad\u0000Name\n${padding}\n`,
    ]) {
      const file = await files.write('csv', text);
      const read = await readSource(file);
      checkRead(read);
      const bad = read.rows.find((row) => row.raw['mobile'] === '+16465559999');
      expect(bad?.raw['name']).toBe('Bad\u0000Name');
      expect(bad?.error?.code).toBe('RECORD_MALFORMED');
      const { result } = await dryRun(file);
      expect(result?.counts).toMatchObject({ rows: 201, valid: 200, invalid: 1 });
    }
  });

  test('an unclosed quote swallows the rest into one malformed row naming the line', async () => {
    const read = await readSource(
      await files.write('csv', 'mobile,name\n+16465550101,ok\n+16465550102,"open\n+16465550103,x\n'),
    );
    checkRead(read);
    expect(read.rows).toHaveLength(2);
    expect(read.rows[1]?.error?.message).toMatch(/unclosed quote starting at line 3/);
  });

  test('CRLF, LF and lone CR in one file: every record at its physical line', async () => {
    const read = await readSource(
      await files.write('csv', 'mobile,name\r\n+16465550101,a\n+16465550102,"b\r\nc"\r+16465550103,d\r\n'),
    );
    expect(read.rows.map((r) => r.ref.line)).toEqual([2, 3, 5]);
  });
});

describe('the whole pipeline on hostile CSV (dry run)', () => {
  const cell = fc.oneof(
    fc.constantFrom(
      '=1+2',
      '+SUM(A1)',
      '-3',
      '@cmd',
      '\tx',
      '\rx',
      '=HYPERLINK("http://x","y")',
      '<script>alert(1)</script>',
      '',
    ),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  const mobile = fc.oneof(
    fc.constantFrom(
      '+1 646 555 0101',
      '(212) 555-0199',
      '07400 123456',
      '4.47911123456E+11',
      'n/a',
      '=1+2',
      '+1646555010',
    ),
    fc.string({ unit: fc.constantFrom(...'+0123456789 -()'.split('')), maxLength: 14 }),
  );

  test('rows = valid + invalid + duplicate, one rows.csv line per record, and no report cell a spreadsheet would run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(mobile, cell, cell, fc.constantFrom('US', 'GB', '', 'XX')), {
          minLength: 1,
          maxLength: 25,
        }),
        async (records) => {
          const quote = (v: string): string => `"${v.replaceAll('"', '""')}"`;
          const text = [
            'mobile,first name,notes,country',
            ...records.map((r) => r.map(quote).join(',')),
          ].join('\n');
          const { result, sourceError } = await dryRun(await files.write('csv', text));
          if (sourceError) {
            // Only a file that looks binary (NULs among mostly control characters) may fail as a whole.
            expect(sourceError.message).toMatch(/binary|UTF-16/);
            return;
          }
          if (!result) throw new Error('no result');
          expect(checkInvariants(result.counts)).toEqual([]);
          const lines = parse(await readFile(path.join(result.reportPath, 'rows.csv'), 'utf8'), {
            columns: true,
          }) as Record<string, string>[];
          expect(lines).toHaveLength(result.counts.rows);
          const rejected = parse(await readFile(path.join(result.reportPath, 'rejected.csv'), 'utf8'), {
            bom: true,
            columns: true,
          }) as Record<string, string>[];
          for (const line of [...lines, ...rejected]) {
            for (const [column, value] of Object.entries(line)) {
              if (column === 'mobile_e164' && /^\+\d+$/.test(value)) continue; // E.164 stays exact
              expect(value, `${column}: ${JSON.stringify(value)}`).not.toMatch(/^[=+\-@\t\r]/);
            }
          }
          const html = await readFile(path.join(result.reportPath, 'report.html'), 'utf8');
          expect(html).not.toContain('<script>alert(1)');
        },
      ),
      { seed: FUZZ_SEED, numRuns: 25 },
    );
  }, 60_000);
});
