/**
 * CSV writing for the report files (`rows.csv`, `rejected.csv`, `reconcile.csv`): the report
 * dialect, the spreadsheet (formula injection) safety rule, and {@link CsvFile}, which gathers
 * records and formats them with csv-stringify many at a time.
 */
import { csvFieldFormatter, csvFormatter, type CsvFormatter } from '../csv-format.js';
import { FileSink } from './file-sink.js';

/** Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula. */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Line terminator of the report CSVs. LF rather than CRLF: every spreadsheet and CSV parser reads it, and line-based tools (`wc -l`, `grep`) stay exact. */
export const CSV_EOL = '\n';

/**
 * Report records to CSV text: a field is quoted only when it holds a comma, a quote, CR or LF
 * (RFC 4180 §2.6), inner quotes doubled; each record ends with {@link CSV_EOL}. Cells are not
 * otherwise changed: apply {@link spreadsheetSafe} to the free-text ones first.
 */
export const formatReportCsv = csvFormatter({ eol: CSV_EOL });

/** The delimiters rejected.csv may be written with ({@link rejectedDelimiterFor}). */
export type RejectedDelimiter = ',' | ';';

/**
 * rejected.csv's delimiter for rows read from a source with `sourceDelimiter`: `;` for a
 * `;`-separated source, else `,`. A `;` export comes from a spreadsheet or mail program set up
 * for a language whose list separator is `;` (German, French, Dutch, Italian Excel and Outlook):
 * that Excel opens a comma-separated rejected.csv with each line in one column. Other delimiters
 * (tab, `|`) are not what a spreadsheet splits a `.csv` on: rejected.csv keeps commas.
 */
export function rejectedDelimiterFor(sourceDelimiter: string | undefined): RejectedDelimiter {
  return sourceDelimiter === ';' ? ';' : ',';
}

/** Report records to CSV text as {@link formatReportCsv} writes them, with `;` as the delimiter. */
const formatReportCsvSemicolon = csvFormatter({ eol: CSV_EOL, delimiter: ';' });

/** {@link formatReportCsv}, or its `;` form. */
export function reportCsvFormatter(delimiter: RejectedDelimiter): CsvFormatter {
  return delimiter === ';' ? formatReportCsvSemicolon : formatReportCsv;
}

/**
 * One report field as {@link formatReportCsv} writes it, for a writer that joins a record's fields
 * itself (rows.csv, whose shape is fixed).
 */
export const formatReportField = csvFieldFormatter({ eol: CSV_EOL });

/**
 * Records gathered before they are formatted in one call (reconcile.csv's and the headers; rows.csv
 * formats each line itself, see `run-report.ts`). Measured when formatting went through
 * csv-stringify's sync API, which normalises its options on every call: a million records took
 * 0.95 s formatted 500 per call, 1.8 s one per call.
 */
const RECORDS_PER_FORMAT = 500;

/**
 * Makes a free-text cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`,
 * TAB or CR gets a leading `'`, so it is shown as text instead of being evaluated as a formula
 * (OWASP "CSV injection"). Everything else is returned unchanged.
 *
 * Do not use it on E.164 columns: those stay exact (`+447700900123`).
 *
 * @example spreadsheetSafe('=HYPERLINK("x")') // "'=HYPERLINK(\"x\")"
 */
export function spreadsheetSafe(value: string): string {
  const first = value.charAt(0);
  return FORMULA_TRIGGERS.has(first) ? `'${value}` : value;
}

/**
 * The inverse of {@link spreadsheetSafe}, for a value read back from a file (rejected.csv fixed
 * and fed back, or an export protected the same way): a `'` before a formula trigger is dropped.
 * Everything else is returned unchanged.
 *
 * @example withoutSpreadsheetMarker("'-vip") // "-vip"
 */
export function withoutSpreadsheetMarker(value: string): string {
  return value.charCodeAt(0) === 39 /* ' */ && FORMULA_TRIGGERS.has(value.charAt(1)) ? value.slice(1) : value;
}

/**
 * A report CSV file written record by record. Records written in one event-loop turn (or each
 * {@link RECORDS_PER_FORMAT}) are formatted together and handed to a {@link FileSink}, which
 * gathers them into large writes; every write reaching the file holds whole records and a crash
 * leaves complete lines behind.
 */
export class CsvFile {
  private pending: (readonly string[])[] = [];
  private scheduled = false;
  private closed = false;

  private constructor(private readonly file: FileSink) {}

  /** Creates the file (it must not exist) with the given mode and waits until it is open. */
  static async create(path: string, mode: number): Promise<CsvFile> {
    return new CsvFile(await FileSink.create(path, mode));
  }

  get path(): string {
    return this.file.path;
  }

  /** The first write error, if any (surfaced again by {@link close}). */
  get error(): Error | undefined {
    return this.file.error;
  }

  /** Appends one record (cells as text; see {@link formatReportCsv}). */
  write(fields: readonly string[]): void {
    if (this.closed) throw new Error(`${this.file.path}: write after close`);
    this.pending.push(fields);
    if (this.pending.length >= RECORDS_PER_FORMAT) this.format();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.format();
      });
    }
  }

  /**
   * Appends one record already formatted (its fields by {@link formatReportField}, joined with
   * commas, ended with {@link CSV_EOL}), after the records written before it.
   */
  writeLine(line: string): void {
    if (this.closed) throw new Error(`${this.file.path}: write after close`);
    this.format();
    this.file.write(line);
  }

  /** Appends records already formatted, as UTF-8 bytes (see {@link FileSink.writeBytes}). */
  writeBytes(bytes: Buffer): void {
    if (this.closed) throw new Error(`${this.file.path}: write after close`);
    this.format();
    this.file.writeBytes(bytes);
  }

  /** Formats the gathered records and hands them to the file now. */
  flush(): void {
    this.format();
    this.file.flush();
  }

  /** True while the file's stream holds more than its high-water mark. */
  get needsDrain(): boolean {
    return this.file.needsDrain;
  }

  /** Resolves once the file's buffer has drained (at once if it need not). */
  async drain(): Promise<void> {
    this.format();
    await this.file.drain();
  }

  /** Flushes, ends and closes the file. Throws the first write error, if there was one. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.format();
    this.closed = true;
    await this.file.close();
  }

  private format(): void {
    if (this.pending.length === 0) return;
    const text = formatReportCsv(this.pending);
    this.pending = [];
    this.file.write(text);
  }
}

/**
 * A source value as text for a CSV cell: strings as they are, numbers and booleans printed,
 * `null`/`undefined` empty, objects and arrays JSON-stringified.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Circular or otherwise unserialisable: still show something rather than lose the row.
    return String(value);
  }
}
