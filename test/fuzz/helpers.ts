/** Shared by the fuzz tests: a temp dir, reading a source to the end, and generators of CSV text. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll } from 'vitest';
import { openSource, SourceError, type ReadOptions, type SourceInfo } from '../../src/read/index.js';
import type { SourceRow } from '../../src/types.js';

/**
 * Fixed seed for every property: a failure reproduces on the next run and on CI. To explore new
 * cases, run with FUZZ_SEED=<n> (fast-check prints the seed and path of any counterexample).
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261122);

/** A fresh temp dir for the current test file, removed afterwards; `file()` names unique files in it. */
export function useFuzzDir(): {
  file: (ext: string) => string;
  write: (ext: string, data: string | Uint8Array) => Promise<string>;
} {
  let dir = '';
  let counter = 0;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sakari-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = (ext: string): string => path.join(dir, `input-${++counter}.${ext}`);
  return {
    file,
    write: async (ext, data) => {
      const name = file(ext);
      await writeFile(name, data);
      return name;
    },
  };
}

/** What reading a source to the end gave. */
export interface Read {
  info: SourceInfo;
  rows: SourceRow[];
  /** A {@link SourceError} the source ended with (anything else is rethrown: a bug). */
  error?: SourceError;
}

/**
 * Opens and reads a source to the end. A {@link SourceError} is the one acceptable way for a
 * source to fail; any other exception propagates and fails the property.
 */
export async function readSource(file: string, options?: ReadOptions): Promise<Read> {
  let opened;
  try {
    opened = await openSource(file, options);
  } catch (error) {
    if (error instanceof SourceError) {
      return {
        info: { path: file, format: 'csv', compressed: false, encoding: 'utf8', records: 0 },
        rows: [],
        error,
      };
    }
    throw error;
  }
  const rows: SourceRow[] = [];
  try {
    for await (const row of opened.rows) rows.push(row);
  } catch (error) {
    if (error instanceof SourceError) return { info: opened.info, rows, error };
    throw error;
  }
  return { info: opened.info, rows };
}

/** The invariants of any read, whatever the input: every record numbered, counted and placed. */
export function checkRead(read: Read): void {
  if (read.info.records !== read.rows.length) {
    throw new Error(`info.records is ${read.info.records} but ${read.rows.length} rows came out`);
  }
  read.rows.forEach((row, i) => {
    if (row.ref.seq !== i) throw new Error(`row ${i} has seq ${row.ref.seq}`);
    if (!Number.isSafeInteger(row.ref.line) || row.ref.line < 1)
      throw new Error(`row ${i} has line ${row.ref.line}`);
    if (i > 0 && row.ref.line <= (read.rows[i - 1] as SourceRow).ref.line) {
      throw new Error(`row ${i} starts at line ${row.ref.line}, not after the previous row`);
    }
    if (row.error !== undefined && row.error.code !== 'RECORD_MALFORMED') {
      throw new Error(`row ${i} has reader error ${row.error.code}`);
    }
  });
  if (read.error !== undefined && !read.error.message.includes(read.info.path)) {
    throw new Error(`the SourceError does not name the file: ${read.error.message}`);
  }
}

/** Characters that stress a CSV reader: delimiters, quotes, every line break, controls, non-BMP. */
const CSV_CHARS = fc.constantFrom(
  'a',
  'b',
  'Z',
  '0',
  '7',
  ' ',
  ',',
  '"',
  '\r',
  '\n',
  ';',
  '\t',
  '|',
  '=',
  '+',
  '@',
  "'",
  'é',
  'ß',
  '€',
  '😀',
  '\u0001',
  '\u2028',
  '\u00a0',
);

/** A field: any mix of {@link CSV_CHARS}. */
export const csvField = fc.string({ unit: CSV_CHARS, maxLength: 10 });
/** A field with something other than whitespace in it (a record whose fields are all blank is not a record). */
export const nonBlankField = csvField.filter((s) => s.trim() !== '');
/** A line break as spreadsheets, Unix and classic Mac OS write them. */
export const lineBreak = fc.constantFrom('\n', '\r\n', '\r');

/** A table: unique, non-blank header names and records of the same width whose first field is not blank. */
export const csvTable = fc.integer({ min: 1, max: 5 }).chain((width) =>
  fc.record({
    headers: fc.uniqueArray(nonBlankField, { minLength: width, maxLength: width }),
    records: fc.array(
      fc
        .tuple(nonBlankField, fc.array(csvField, { minLength: width - 1, maxLength: width - 1 }))
        .map(([first, rest]) => [first, ...rest]),
      { maxLength: 12 },
    ),
    breaks: fc.array(lineBreak, { minLength: 13, maxLength: 13 }),
    quoteAll: fc.boolean(),
    finalBreak: fc.boolean(),
    bom: fc.boolean(),
  }),
);

/** A field as RFC 4180 writes it: quoted (quotes doubled) when it must be, or always. */
export function quoteField(value: string, always: boolean): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Physical lines in `text`: CRLF, LF and a lone CR each end one. */
export function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}
