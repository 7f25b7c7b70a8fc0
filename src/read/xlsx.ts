/**
 * The Excel reader: an `.xlsx` workbook streamed row by row with exceljs' streaming
 * `WorkbookReader`, one {@link SourceRow} per non-empty row of one sheet. Rules a user sees:
 * - The first sheet of the workbook (its tab order), or the one named by `--sheet` (case and
 *   surrounding spaces ignored). Other sheets are not read. A `--sheet` that does not exist is a
 *   `SOURCE_FORMAT` error listing the sheets there are.
 * - The first non-empty row is the header, made unique like a CSV header (`Phone`, `Phone_2`;
 *   a blank header cell at column C becomes `_column3`). A value in a column right of the
 *   header's last one is kept under `_column<N>`.
 * - Cells become text as Excel shows them, without its rounding: a number is its exact digits
 *   (`4155550132`, never `4.16E+09` or `4155550132.0`); a formula cell is its cached result; a
 *   date is ISO text (`1990-02-01`, or `1990-02-01T09:30:00.000Z` when it has a time); TRUE/FALSE
 *   stay `TRUE`/`FALSE`; an error cell is its text (`#N/A`); rich text is its plain text.
 * - The keys whose cell held a number are listed in `SourceRow.numeric`: a phone number Excel
 *   stored as a number has lost any leading 0, which the phone stage then says.
 * - Empty rows are skipped, but `ref.line` is always the sheet's row number, as Excel shows it.
 *
 * exceljs issue 683 (open in 4.4): its streaming reader can hand back `{sharedString: N}` instead
 * of a cell's text. We do not use its string cache at all: it emits the shared strings to us, we
 * keep them (packed, see {@link SharedStrings}) and resolve every `{sharedString: N}` ourselves.
 * In that mode exceljs parks each sheet in a temporary file until the whole zip is read, so the
 * table is complete before the first row, whatever order the zip stores its parts in. An index
 * the table does not hold fails the source (`SOURCE_FORMAT`) rather than import a number as text.
 *
 * Memory: the sheet is streamed (from that temporary file); only the shared strings table is
 * held, as every xlsx reader must, packed as UTF-8.
 */

import { Readable } from 'node:stream';

import { makeRow, type ReaderContext } from './context.js';
import { uniqueHeaders } from './csv.js';
import { SourceError, describeSource } from './errors.js';
import type { SourceRow } from '../types.js';

/** Rows handed over at once: one async step per this many rows instead of one per row. */
export const XLSX_BATCH_ROWS = 500;

/** The parts of exceljs' streaming reader we use that its typings leave out. */
interface WorkbookReaderState {
  model?: { sheets?: Array<{ name?: string }> };
}

/**
 * What exceljs' `WorkbookReader.parse()` hands out. A shared string comes bare, without the
 * `eventType` wrapper the other events have (exceljs 4.4 `_parseSharedStrings` in `emit` mode).
 */
type WorkbookEvent =
  | { eventType: 'worksheet'; value: StreamedWorksheet }
  | { eventType: 'hyperlinks'; value: unknown }
  | { eventType?: undefined; index: number; text: unknown };

/**
 * The workbook's shared strings, packed: UTF-8 bytes in one growing buffer and an offset per
 * string. A workbook of 200,000 contacts has ~400,000 distinct strings; as JS strings in an array
 * (exceljs' own cache) they cost several times their size, and all of it stays alive for the whole
 * read.
 */
export class SharedStrings {
  private bytes = Buffer.alloc(64 * 1024);
  private length = 0;
  private ends = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores the string with the next index (exceljs emits them in order). */
  push(text: string): void {
    const needed = this.length + Buffer.byteLength(text, 'utf8');
    if (needed > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.length += this.bytes.write(text, this.length, 'utf8');
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.length;
  }

  /** The string at `index`, or undefined when the table has no such entry. */
  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    const start = index === 0 ? 0 : (this.ends[index - 1] as number);
    return this.bytes.toString('utf8', start, this.ends[index] as number);
  }
}
interface StreamedWorksheet extends AsyncIterable<StreamedRow> {
  name?: string;
  iterator?: { destroy?: () => void; on?: (event: 'error', listener: () => void) => unknown };
}
interface StreamedRow {
  number: number;
  /** Sparse, 1-based by column. */
  values: unknown[];
  getCell(column: number): { numFmt?: string };
}

/**
 * Reads the rows of one sheet of an xlsx workbook, handed over in batches, in sheet order. Sets
 * `context.info.headers` and `.sheet` as soon as they are known.
 *
 * @param bytes the workbook's bytes (a zip), already gunzipped when the file was
 * @param sheet the sheet to read; the first one when undefined
 */
export async function* readXlsx(
  bytes: AsyncIterable<Buffer>,
  context: ReaderContext,
  sheet?: string,
): AsyncGenerator<SourceRow[]> {
  // Loaded on first use: exceljs and its dependencies take ~25 MB that runs without a workbook
  // would otherwise carry for nothing.
  const { default: ExcelJS } = await import('exceljs');
  const name = describeSource(context.file);
  const input = Readable.from(checkZipStart(bytes, context.file), { objectMode: false });
  letOnlyTheRealEndThrough(input);
  // `pipe` inside exceljs does not forward a failing input: watch for it ourselves. One pending
  // guard at a time (not Promise.race against a shared promise, which would keep every row alive).
  let inputError: unknown;
  let rejectPending: ((error: unknown) => void) | undefined;
  input.on('error', (error) => {
    inputError ??= error;
    rejectPending?.(error);
  });
  const raceInput = <T>(promise: Promise<T>): Promise<T> => {
    if (inputError !== undefined) return Promise.reject(inputError);
    return new Promise<T>((resolve, reject) => {
      rejectPending = reject;
      promise.then(resolve, reject);
    });
  };

  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    // Handed to us and kept packed (SharedStrings). exceljs then parks every sheet in a temporary
    // file until the whole zip has been read, so a cell never comes before its string (issue 683).
    sharedStrings: 'emit',
    // Styles tell dates from numbers.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const state = reader as unknown as WorkbookReaderState;
  const strings = new SharedStrings();
  const events = reader.parse() as AsyncIterator<WorkbookEvent>;
  let found = false;
  try {
    for (;;) {
      const next = await raceInput(events.next()).catch((error: unknown) => {
        throw workbookFailure(error, context.file);
      });
      if (next.done === true) break;
      const event = next.value;
      if (event.eventType === undefined) {
        strings.push(cellText(event.text ?? '', () => undefined, strings, context.file, 0).text);
        continue;
      }
      if (event.eventType !== 'worksheet') continue;
      const worksheet = event.value;
      const wanted = sheet ?? state.model?.sheets?.[0]?.name;
      if (found || !sameSheetName(worksheet.name, wanted)) {
        // A sheet exceljs parked in a temporary file is read through a file stream that may still
        // be opening; exceljs deletes the file as soon as we move on, so the late open fails with
        // ENOENT on a stream nobody listens to any more: an uncaught exception without this.
        worksheet.iterator?.on?.('error', () => undefined);
        worksheet.iterator?.destroy?.();
        continue;
      }
      found = true;
      context.info.sheet = worksheet.name ?? wanted;
      yield* readSheet(worksheet, context, strings, raceInput);
    }
  } finally {
    input.destroy();
    // Not awaited: after a failure exceljs may be parked on the destroyed input for good.
    events.return?.(undefined).catch(() => undefined);
  }
  if (!found) {
    const names = (state.model?.sheets ?? []).map((s) => JSON.stringify(s.name ?? ''));
    throw new SourceError(
      'SOURCE_FORMAT',
      context.file,
      sheet === undefined
        ? `${name}: the workbook has no worksheet`
        : `${name}: no sheet named ${JSON.stringify(sheet)}; the workbook has ${names.join(', ') || 'none'}`,
    );
  }
  if (context.info.headers === undefined) {
    throw new SourceError(
      'SOURCE_EMPTY',
      context.file,
      `${name}: sheet ${JSON.stringify(context.info.sheet ?? '')} has no header row`,
    );
  }
}

async function* readSheet(
  worksheet: StreamedWorksheet,
  context: ReaderContext,
  strings: SharedStrings,
  raceInput: <T>(promise: Promise<T>) => Promise<T>,
): AsyncGenerator<SourceRow[]> {
  let headers: string[] | undefined;
  let batch: SourceRow[] = [];
  const rows = worksheet[Symbol.asyncIterator]();
  for (;;) {
    const next = await raceInput(rows.next()).catch((error: unknown) => {
      throw workbookFailure(error, context.file);
    });
    if (next.done === true) break;
    const row = next.value;
    const cells = rowCells(row, strings, context.file);
    if (cells.every((cell) => cell.text.trim() === '')) continue;
    if (headers === undefined) {
      headers = uniqueHeaders(cells.map((cell) => cell.text));
      context.info.headers = headers;
      continue;
    }
    const raw: Record<string, unknown> = {};
    const numeric = new Set<string>();
    const width = Math.max(headers.length, cells.length);
    for (let i = 0; i < width; i++) {
      const cell = cells[i];
      const text = cell?.text ?? '';
      // Right of the header: keep a value, drop an empty cell.
      const key = headers[i] ?? (text === '' ? undefined : `_column${i + 1}`);
      if (key === undefined) continue;
      defineKey(raw, key, text);
      if (cell?.numeric === true) numeric.add(key);
    }
    const made = makeRow(context, row.number, raw);
    batch.push(numeric.size > 0 && made.error === undefined ? { ...made, numeric } : made);
    if (batch.length >= XLSX_BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A cell as text, and whether the sheet stored it as a number. */
interface CellText {
  text: string;
  numeric: boolean;
}

/** The row's cells from column A to its last one, as text. */
function rowCells(row: StreamedRow, strings: SharedStrings, file: string): CellText[] {
  const cells: CellText[] = [];
  for (let column = 1; column < row.values.length; column++) {
    const value = row.values[column];
    cells.push(
      value === undefined || value === null
        ? { text: '', numeric: false }
        : cellText(value, () => row.getCell(column).numFmt, strings, file, row.number),
    );
  }
  return cells;
}

/**
 * One cell's value as text. exceljs gives a string, number, boolean, Date, or an object:
 * `{formula, result}`, `{richText}`, `{error}`, `{text, hyperlink}` or `{sharedString}` (an index
 * into the table we keep).
 */
function cellText(
  value: unknown,
  numFmt: () => string | undefined,
  strings: SharedStrings,
  file: string,
  line: number,
): CellText {
  if (typeof value === 'string') return { text: value, numeric: false };
  if (typeof value === 'number') return { text: numberText(value), numeric: true };
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE', numeric: false };
  if (value instanceof Date) return { text: dateText(value), numeric: false };
  if (typeof value !== 'object' || value === null) return { text: String(value), numeric: false };
  const cell = value as Record<string, unknown>;
  if ('formula' in cell || 'sharedFormula' in cell || 'result' in cell) {
    const result = cell.result;
    if (result === undefined || result === null) return { text: '', numeric: false };
    if (typeof result === 'number' && isDateFormat(numFmt())) {
      return { text: dateText(excelSerialToDate(result)), numeric: false };
    }
    return cellText(result, numFmt, strings, file, line);
  }
  if (Array.isArray(cell.richText)) {
    const parts = cell.richText as Array<{ text?: unknown }>;
    return {
      text: parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join(''),
      numeric: false,
    };
  }
  if (typeof cell.error === 'string') return { text: cell.error, numeric: false };
  if (typeof cell.sharedString === 'number') {
    const resolved = strings.get(cell.sharedString);
    if (resolved === undefined) {
      throw new SourceError(
        'SOURCE_FORMAT',
        file,
        `${describeSource(file)}: row ${line}: a text cell refers to shared string ${cell.sharedString}, ` +
          `which the workbook's shared strings table does not hold (the file may be damaged; re-save it in Excel)`,
        { line },
      );
    }
    return { text: resolved, numeric: false };
  }
  if (typeof cell.text === 'string') return { text: cell.text, numeric: false };
  return { text: '', numeric: false };
}

/**
 * A number as its digits: integers exactly (`4155550132`, `447911123456`, never with an
 * exponent), other numbers as JavaScript's shortest round-trip text (`12.5`).
 */
export function numberText(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}

/** ISO text: the date alone when the time is midnight (a date cell), else the full timestamp. */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** Excel's 1900 date system: day 25569 is 1970-01-01 (the Lotus leap-year bug included). */
function excelSerialToDate(serial: number): Date {
  return new Date(Math.round((serial - 25569) * 86_400_000));
}

/** Whether a number format shows a date or time (the test exceljs applies to plain cells). */
function isDateFormat(format: string | undefined): boolean {
  if (format === undefined) return false;
  return /[ymdhsb]/i.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

function sameSheetName(actual: string | undefined, wanted: string | undefined): boolean {
  if (wanted === undefined || actual === undefined) return wanted === undefined;
  return actual.trim().toLowerCase() === wanted.trim().toLowerCase();
}

/** Sets a key, `__proto__` included (a plain assignment to it would be ignored). */
function defineKey(raw: Record<string, unknown>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(raw, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    raw[key] = value;
  }
}

/**
 * exceljs pipes its input into unzipper 0.10's `Parse`, which emits `'end'` by hand as soon as it
 * has read the zip's central directory. Entries it has already pushed may still wait in its
 * readable buffer then: exceljs pauses the entry stream while it reads one entry, and unzipper
 * reads ahead through small entries (they fit in their own stream's buffer). exceljs stops at that
 * first `'end'` and never sees the entries still buffered; on a loaded machine that is often
 * `xl/workbook.xml`, and the read failed with "Cannot read properties of undefined (reading
 * 'sheets')". This lets through only the `'end'` a readable stream emits itself, once its buffer
 * is empty (`readableEnded` is set just before it), wherever exceljs pipes our input.
 */
function letOnlyTheRealEndThrough(input: Readable): void {
  const pipe = input.pipe.bind(input);
  input.pipe = (<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
    if (destination instanceof Readable) {
      const emit = destination.emit.bind(destination);
      destination.emit = (event: string | symbol, ...args: unknown[]): boolean =>
        event === 'end' && !destination.readableEnded ? false : emit(event, ...args);
    }
    return pipe(destination, options);
  }) as typeof input.pipe;
}

/** A zip starts `PK 03 04`; an Excel 97-2003 `.xls` starts `D0 CF 11 E0`. */
async function* checkZipStart(bytes: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  let checked = false;
  for await (const chunk of bytes) {
    if (!checked && chunk.length > 0) {
      checked = true;
      if (!(chunk[0] === 0x50 && chunk[1] === 0x4b)) {
        const xls = chunk[0] === 0xd0 && chunk[1] === 0xcf && chunk[2] === 0x11 && chunk[3] === 0xe0;
        throw new SourceError(
          'SOURCE_FORMAT',
          file,
          xls
            ? `${describeSource(file)} is an Excel 97-2003 workbook (.xls), which is not read: save it as .xlsx`
            : `${describeSource(file)} is not an .xlsx workbook (an xlsx file is a zip archive)`,
        );
      }
    }
    yield chunk;
  }
  if (!checked) {
    throw new SourceError('SOURCE_EMPTY', file, `${describeSource(file)} is empty`);
  }
}

/** An error from inside exceljs or unzipper, as a {@link SourceError} naming the file. */
function workbookFailure(error: unknown, file: string): SourceError {
  if (error instanceof SourceError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SourceError(
    'SOURCE_FORMAT',
    file,
    `${describeSource(file)}: cannot read the workbook: ${reason}`,
    { cause: error },
  );
}
