import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { parse } from 'csv-parse';

import type { RowOutcome } from '../types.js';
import { eachFileBlock } from '../file-blocks.js';
import type { CsvFormatter } from '../csv-format.js';
import {
  cellText,
  rejectedDelimiterFor,
  reportCsvFormatter,
  spreadsheetSafe,
  type RejectedDelimiter,
} from './csv.js';
import { FileSink } from './file-sink.js';

/** The file rejected rows are appended to during the run, as rejected.csv's lines without its header. */
export const REJECTED_PARTIAL_FILE = 'rejected.partial.csv';
/** The file built from it at the end. */
export const REJECTED_FILE = 'rejected.csv';
/**
 * rejected.csv starts with a UTF-8 byte order mark: it is the file users open in a spreadsheet to
 * fix, and Excel reads a CSV without one in the machine's ANSI code page (`Jürgen` shows as
 * `JÃ¼rgen`, and is saved back so). Fed back, the mark tells the reader it is UTF-8, even under
 * the `--encoding windows-1252` the original run needed. (rows.csv, read by scripts, has none.)
 */
const UTF8_BOM = '\ufeff';

/** The columns added after the original ones. */
export const REJECTED_EXTRA_COLUMNS = ['error_code', 'error_message'] as const;

/** Lines of the partial file written while the columns were the first `columns` of the final ones. */
interface Segment {
  columns: number;
  lines: number;
}

/**
 * rejected.csv: the original columns of every invalid, duplicate, blocked and failed row plus
 * `error_code,error_message`, so a user can fix the rows and feed the file back.
 *
 * The columns are only known at the end (sources differ: CSV headers, JSON keys): the header is
 * the union of the rows' keys in first-seen order. Rows are appended during the run as the CSV
 * lines they will be, under the columns known so far; a row with a key not seen before adds a
 * column and starts a new segment of the partial file (so does a line formatted earlier, under
 * fewer columns: the report formats a held row's line when it holds it). At the end the header is
 * written and the lines follow it: copied as they are where they have every column (a source's
 * rows all have the same keys, so usually the whole file), read back with csv-parse and given the
 * empty cells of the columns added after them otherwise. Appending NDJSON and converting every
 * line at the end instead cost a 1M-row re-run with 144k rejected rows 0.5 s of its main thread.
 *
 * The delimiter is the source's when that is `;` ({@link rejectedDelimiterFor}), decided when the
 * first line is made (the source's delimiter is known by then) and kept for the whole file.
 */
export class RejectedLedger {
  /** Union of the rows' keys, in first-seen order, without the extra columns. */
  private readonly columns: string[] = [];
  private readonly known = new Set<string>(REJECTED_EXTRA_COLUMNS);
  private readonly segments: Segment[] = [];
  /** The delimiter of the source being read, when known (see {@link delimiterFrom}). */
  private sourceDelimiter: () => string | undefined = () => undefined;
  /** Set by the first line made: the file's delimiter. */
  private delimiter: RejectedDelimiter | undefined;
  private formatter: CsvFormatter | undefined;

  private constructor(
    private readonly dir: string,
    private readonly sink: FileSink,
  ) {}

  /** Creates the partial file in `dir`. */
  static async create(dir: string, mode: number): Promise<RejectedLedger> {
    return new RejectedLedger(dir, await FileSink.create(join(dir, REJECTED_PARTIAL_FILE), mode));
  }

  /**
   * Where the delimiter of the source being read is found (e.g. its `SourceInfo`): asked once,
   * when the first line is made. Without it, or when no source says, rejected.csv uses commas.
   */
  delimiterFrom(sourceDelimiter: () => string | undefined): void {
    this.sourceDelimiter = sourceDelimiter;
  }

  /** The formatter of this file's lines, its delimiter decided on the first call. */
  private lineFormatter(): CsvFormatter {
    if (this.formatter === undefined) {
      this.delimiter = rejectedDelimiterFor(this.sourceDelimiter());
      this.formatter = reportCsvFormatter(this.delimiter);
    }
    return this.formatter;
  }

  /** The underlying partial file (for flushing and drain). */
  get file(): FileSink {
    return this.sink;
  }

  /** Appends one row. Call in source order: rejected.csv keeps the order of the appends. */
  append(outcome: RowOutcome): void {
    const { raw } = outcome;
    // A fed-back rejected.csv already has error_code/error_message columns: those are replaced
    // by this run's values rather than repeated.
    for (const key in raw) {
      if (!Object.hasOwn(raw, key) || this.known.has(key)) continue;
      this.known.add(key);
      this.columns.push(key);
    }
    this.noteLine(this.columns.length);
    this.sink.write(this.line(outcome));
  }

  /**
   * The row's line under the columns known now, when it has no column not seen yet (else
   * undefined: it must be appended with {@link append}, in its place, to add its columns in
   * first-seen order). Written later with {@link appendFormatted} and {@link writeFormatted},
   * with the {@link columnCount} of now: a column added meanwhile is left empty in it.
   */
  format(outcome: RowOutcome): string | undefined {
    const { raw } = outcome;
    for (const key in raw) if (Object.hasOwn(raw, key) && !this.known.has(key)) return undefined;
    return this.line(outcome);
  }

  /** Columns known so far (without the extra ones). */
  get columnCount(): number {
    return this.columns.length;
  }

  /**
   * Counts, in its place, a line of {@link format} made when `columns` columns were known; its
   * text follows by {@link writeFormatted}, before anything else is appended.
   */
  appendFormatted(columns: number): void {
    this.noteLine(columns);
  }

  /** Writes the lines of {@link appendFormatted} rows, in their order, as UTF-8 bytes. */
  writeFormatted(bytes: Buffer): void {
    this.sink.writeBytes(bytes);
  }

  /** Counts a line of `columns` columns in the segment it belongs to. */
  private noteLine(columns: number): void {
    const { segments } = this;
    let segment = segments.at(-1);
    if (segment === undefined || segment.columns !== columns) {
      segment = { columns, lines: 0 };
      segments.push(segment);
    }
    segment.lines++;
  }

  /** The row's line: a cell for each column known, then its error code and message. */
  private line(outcome: RowOutcome): string {
    const { raw } = outcome;
    const cells: string[] = [];
    for (const key of this.columns)
      cells.push(Object.hasOwn(raw, key) ? spreadsheetSafe(cellText(raw[key])) : '');
    cells.push(spreadsheetSafe(outcome.code ?? ''), spreadsheetSafe(outcome.message ?? ''));
    return this.lineFormatter()([cells]);
  }

  /**
   * Closes the partial file, writes rejected.csv from it and deletes it.
   * The partial file is kept if the conversion fails, so nothing is lost.
   */
  async finalize(mode: number): Promise<void> {
    await this.sink.close();
    const partialPath = join(this.dir, REJECTED_PARTIAL_FILE);
    const { columns, segments } = this;
    const format = this.lineFormatter();
    const header = UTF8_BOM + format([[...columns.map(spreadsheetSafe), ...REJECTED_EXTRA_COLUMNS]]);
    const delimiter = this.delimiter;
    const finalPath = join(this.dir, REJECTED_FILE);
    async function* text(): AsyncGenerator<string> {
      yield header;
      // Some lines were written before a column was added: each gets its empty cell.
      const parser = parse({ relax_column_count: true, delimiter });
      const reading = pipeline(createReadStream(partialPath), parser);
      let at = 0;
      let left = segments[0]?.lines ?? 0;
      for await (const record of parser as AsyncIterable<string[]>) {
        while (left === 0 && at < segments.length - 1) left = (segments[++at] as Segment).lines;
        const segment = segments[at];
        if (segment === undefined || left === 0)
          throw new Error(`${partialPath}: more lines than rows were appended`);
        left--;
        const cells = record.slice(0, segment.columns);
        for (let added = segment.columns; added < columns.length; added++) cells.push('');
        cells.push(...record.slice(segment.columns));
        yield format([cells]);
      }
      await reading;
    }
    if (segments.every((segment) => segment.columns === columns.length)) {
      // Every line has every column: the header, then the lines as they are.
      const out = await open(finalPath, 'wx', mode);
      try {
        await out.appendFile(header);
        await eachFileBlock(partialPath, (block) => out.appendFile(block));
      } finally {
        await out.close();
      }
    } else {
      await pipeline(text, createWriteStream(finalPath, { flags: 'wx', mode }));
    }
    await unlink(partialPath);
  }
}
