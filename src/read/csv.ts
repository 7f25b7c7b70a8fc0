/**
 * The CSV reader: decoded text in, one {@link SourceRow} per record out, keyed by the header row.
 *
 * csv-parse does the tokenising. Its options are chosen so that no record can stop the parse:
 * `relax_column_count` (we check the count ourselves and say what we expected), `relax_quotes`
 * (a quote inside an unquoted field, as in `Robert "Bob" Smith`, is kept as text, as Excel does)
 * and `skip_records_with_error` with `on_skip`, so whatever error is left arrives in order with
 * the records. Rules a user sees:
 * - The first non-blank record is the header. Duplicate names get a suffix (`Phone`, `Phone_2`),
 *   blank names become `_column<N>` (1-based position).
 * - Empty lines, and lines whose fields are all blank (`,,,,` at the end of Excel exports), are
 *   not records.
 * - A record with more fields than the header: when the extra fields are blank (a trailing
 *   delimiter) they are ignored; otherwise the row is `RECORD_MALFORMED` and keeps them as
 *   `_extra1`, `_extra2`… A record with fewer fields is `RECORD_MALFORMED` with the fields it has.
 * - An unclosed quote swallows the rest of the file: one `RECORD_MALFORMED` row ("unclosed quote
 *   starting at line N"), then the reader ends. So does a record longer than
 *   {@link MAX_RECORD_CHARS} (memory stays bounded).
 * - `ref.line` is the physical line where the record starts, counting line breaks inside quoted
 *   fields of earlier records and skipped blank lines. CRLF, LF and a lone CR each end a line.
 */

import { Parser, type CsvError, type Options } from 'csv-parse';

import { MAX_RECORD_CHARS, makeMalformedRow, makeRow, type ReaderContext } from './context.js';
import { detectDelimiter } from './detect.js';
import { SourceError, describeSource } from './errors.js';
import type { SourceRow } from '../types.js';

/**
 * How much text the delimiter detection waits for before deciding: ten ordinary lines fit many
 * times over, and a slow stdin is not kept waiting for more.
 */
export const DELIMITER_SAMPLE_CHARS = 16 * 1024;

/**
 * Reads CSV text into rows, handed over in batches (those made from one chunk of text), in source
 * order. Sets `context.info.delimiter` and `.headers` as soon as they are known.
 *
 * @param delimiter the field delimiter; detected from the first lines when undefined
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  context: ReaderContext,
  delimiter?: string,
): AsyncGenerator<SourceRow[]> {
  const iterator = text[Symbol.asyncIterator]();
  const firstChunks: string[] = [];
  let sampleLength = 0;
  let ended = false;
  while (delimiter === undefined && sampleLength < DELIMITER_SAMPLE_CHARS) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    firstChunks.push(next.value);
    sampleLength += next.value.length;
  }
  const fieldDelimiter = delimiter ?? detectDelimiter(firstChunks.join(''), ended);
  context.info.delimiter = fieldDelimiter;

  const records = new CsvRecords(context, fieldDelimiter);
  try {
    for (const chunk of firstChunks) {
      records.write(chunk);
      if (records.pending) yield records.take();
    }
    firstChunks.length = 0;
    if (!ended) {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        // After an unclosed quote the rest is read only so that the hash covers the whole file.
        if (records.stopped) continue;
        records.write(next.value);
        if (records.pending) yield records.take();
      }
    }
    await records.end();
    if (records.pending) yield records.take();
    records.throwIfTruncated();
  } finally {
    await iterator.return?.();
  }
  if (context.info.headers === undefined) {
    throw new SourceError('SOURCE_EMPTY', context.file, `${describeSource(context.file)} has no header row`);
  }
}

/**
 * csv-parse's stream parser, with its output taken as it is made: `push` is where every
 * Transform hands over a record, synchronously while a chunk is written, so `info` is still
 * that of the record. Nothing is buffered on the readable side.
 */
class CapturingParser extends Parser {
  constructor(
    options: Options,
    private readonly onRecord: (fields: string[]) => void,
  ) {
    super(options);
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) return super.push(null);
    this.onRecord(chunk as string[]);
    return true;
  }

  /**
   * Whether the parser is inside a quoted field. csv-parse keeps this in its (undocumented)
   * `state`; it only picks the wording of a message, so an unknown state reads as false.
   */
  get insideQuotes(): boolean {
    return (this as unknown as { state?: { quoting?: unknown } }).state?.quoting === true;
  }
}

/**
 * csv-parse with the bookkeeping around it: the header, the start line of each record, the
 * rows made so far. Rows are collected while a chunk is written, then taken as a batch: one
 * async step per chunk instead of one per record.
 */
class CsvRecords {
  /** Set when the parse cannot go on (unclosed quote, oversized record). */
  stopped = false;
  private readonly parser: CapturingParser;
  private batch: SourceRow[] = [];
  private headers: string[] | undefined;
  private protoIndex = -1;
  private failure: unknown;
  private truncation: SourceError | undefined;
  // Line bookkeeping, in csv-parse's own counting (info.lines) until converted.
  private previousEnd = 0;
  private previousEmptyLines = 0;
  /** How many more lines csv-parse has counted than there are: it counts CRLF inside quotes twice. */
  private drift = 0;
  /** After a skipped record we no longer know where the previous record ended. */
  private resync = false;

  constructor(
    private readonly context: ReaderContext,
    delimiter: string,
  ) {
    this.parser = new CapturingParser(
      {
        delimiter,
        record_delimiter: ['\r\n', '\n', '\r'],
        bom: false, // the decoder already dropped it
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        max_record_size: MAX_RECORD_CHARS,
        on_skip: (error) => {
          if (error !== undefined) this.onSkip(error);
          return undefined;
        },
      },
      (fields) => this.onRecord(fields),
    );
    this.parser.on('error', (error: unknown) => {
      this.failure ??= error;
    });
  }

  write(chunk: string): void {
    if (this.stopped) return;
    this.parser.write(chunk);
    this.throwIfFailed();
  }

  async end(): Promise<void> {
    if (!this.stopped && this.failure === undefined) {
      await new Promise<void>((resolve) => {
        this.parser.once('error', () => resolve());
        this.parser.end(() => resolve());
      });
    }
    this.throwIfFailed();
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.batch.length > 0;
  }

  take(): SourceRow[] {
    const rows = this.batch;
    this.batch = [];
    return rows;
  }

  /** Throws the file-level error of a record too long to find the next one after (see onSkip). */
  throwIfTruncated(): void {
    if (this.truncation) throw this.truncation;
  }

  private throwIfFailed(): void {
    if (this.failure === undefined) return;
    if (this.failure instanceof SourceError) throw this.failure;
    const reason = this.failure instanceof Error ? this.failure.message : String(this.failure);
    throw new SourceError(
      'SOURCE_FORMAT',
      this.context.file,
      `${describeSource(this.context.file)}: CSV parser failed: ${reason}`,
      { cause: this.failure },
    );
  }

  /** The physical line where the record csv-parse just emitted starts. */
  private startLine(fields: string[]): number {
    const { lines, empty_lines: emptyLines } = this.parser.info;
    let parserStart: number;
    if (this.resync) {
      // csv-parse counts every CR and every LF inside a record as a line break.
      parserStart = lines - countChars(fields, '\r') - countChars(fields, '\n');
      this.resync = false;
    } else {
      parserStart = this.previousEnd + 1 + (emptyLines - this.previousEmptyLines);
    }
    const line = parserStart - this.drift;
    if (lines > parserStart) this.drift += countCrlf(fields);
    this.previousEnd = lines;
    this.previousEmptyLines = emptyLines;
    return line;
  }

  private onRecord(fields: string[]): void {
    if (this.stopped) return;
    const line = this.startLine(fields);
    if (isBlankRecord(fields)) return;
    const headers = this.headers;
    if (headers === undefined) {
      this.headers = uniqueHeaders(fields);
      this.protoIndex = this.headers.indexOf('__proto__');
      this.context.info.headers = this.headers;
      return;
    }
    const expected = headers.length;
    const found = fields.length;
    const count = found < expected ? found : expected;
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) raw[headers[i] as string] = fields[i];
    if (this.protoIndex !== -1 && this.protoIndex < count) {
      // A plain assignment to `__proto__` would be ignored; keep the column like any other.
      Object.defineProperty(raw, '__proto__', {
        value: fields[this.protoIndex],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (found === expected || (found > expected && allBlank(fields, expected))) {
      this.batch.push(makeRow(this.context, line, raw));
      return;
    }
    for (let i = expected; i < found; i++) raw[`_extra${i - expected + 1}`] = fields[i];
    this.batch.push(makeMalformedRow(this.context, line, raw, `expected ${expected} fields, found ${found}`));
  }

  private onSkip(error: CsvError): void {
    if (this.stopped) return;
    const line = this.previousEnd + 1 + (this.parser.info.empty_lines - this.previousEmptyLines) - this.drift;
    const terminal = error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE';
    let message: string;
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
      message = `unclosed quote starting at line ${line}`;
    } else if (error.code === 'CSV_MAX_RECORD_SIZE') {
      message = this.parser.insideQuotes
        ? `unclosed quote starting at line ${line} (no closing quote within ${MAX_RECORD_CHARS} characters); ` +
          `the rest of the file was not read`
        : `record starting at line ${line} is longer than ${MAX_RECORD_CHARS} characters (not CSV?); ` +
          `the rest of the file was not read`;
    } else {
      message = `unreadable record: ${error.message}`;
    }
    if (this.headers === undefined) {
      this.failure ??= new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${describeSource(this.context.file)}: the header row is malformed: ${message}`,
        { line },
      );
      if (terminal) this.stopped = true;
      return;
    }
    this.batch.push(makeMalformedRow(this.context, line, {}, message));
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      // The records after this one cannot be found: a file-level error, never a silent truncation.
      // Raised once the rows before it (and this one) have been taken and the file fully hashed.
      this.truncation ??= new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${describeSource(this.context.file)}: ${message}`,
        { line },
      );
    }
    if (terminal) this.stopped = true;
    else this.resync = true;
  }
}

/**
 * Header names made unique and non-blank, keeping the originals where they are unique:
 * `Phone, Phone` → `Phone, Phone_2`; a blank name at position 3 → `_column3`.
 */
export function uniqueHeaders(names: readonly string[]): string[] {
  const named = names.map((name, index) => (name.trim() === '' ? `_column${index + 1}` : name));
  const taken = new Set(named);
  const seen = new Set<string>();
  return named.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let suffix = 2;
    while (taken.has(`${name}_${suffix}`)) suffix++;
    const unique = `${name}_${suffix}`;
    taken.add(unique);
    seen.add(unique);
    return unique;
  });
}

function isBlankRecord(fields: string[]): boolean {
  // Fast path: almost every record has something in its first field.
  const first = fields[0];
  if (first !== undefined && first.trim() !== '') return false;
  return allBlank(fields, 0);
}

function allBlank(fields: string[], from: number): boolean {
  for (let i = from; i < fields.length; i++) if ((fields[i] as string).trim() !== '') return false;
  return true;
}

function countChars(fields: string[], char: string): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf(char); at !== -1; at = field.indexOf(char, at + 1)) count++;
  }
  return count;
}

function countCrlf(fields: string[]): number {
  return countChars(fields, '\r\n');
}
