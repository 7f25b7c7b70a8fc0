/**
 * The Excel reader: an `.xlsx` workbook streamed row by row with exceljs' streaming
 * `WorkbookReader`, one {@link SourceRow} per non-empty row of one sheet. Rules a user sees:
 * - The first visible worksheet in tab order (hidden sheets and chart sheets are skipped), or the
 *   one named by `--sheet` (case and surrounding spaces ignored; a hidden one too). Other sheets
 *   are not read. Sheets are known by their real names however the workbook points at their parts
 *   (openpyxl and pandas write absolute targets; see xlsx-sheets.ts). A `--sheet` that does not
 *   exist, or is a chart, is a `SOURCE_FORMAT` error listing the sheets there are; an empty sheet
 *   read is `SOURCE_EMPTY`, naming the other sheets and suggesting `--sheet`.
 * - The first non-empty row is the header, made unique like a CSV header (`Phone`, `Phone_2`;
 *   a blank header cell at column C becomes `_column3`). A value in a column right of the
 *   header's last one is kept under `_column<N>`. A title above the header is skipped: up to
 *   {@link MAX_TITLE_ROWS} rows of one text cell each (often merged across the columns), followed
 *   by a row of two or more text cells, none a number, phone number or e-mail address: that row
 *   is the header, and `SourceInfo.titleLine` says so for the pre-flight. A one-column sheet
 *   keeps its first row as its header.
 * - Cells become text as Excel shows them, without its rounding: a number is its exact digits
 *   (`4155550132`, never `4.16E+09` or `4155550132.0`); a formula cell is its cached result; a
 *   date is ISO text (`1990-02-01`, or `1990-02-01T09:30:00.000Z` when it has a time); TRUE/FALSE
 *   stay `TRUE`/`FALSE`; an error cell is its text (`#N/A`); rich text is its plain text.
 * - The keys whose cell held a number are listed in `SourceRow.numeric`: a phone number Excel
 *   stored as a number has lost any leading 0, which the phone stage then says.
 * - Empty rows are skipped, but `ref.line` is always the sheet's row number, as Excel shows it.
 *
 * - `.xls` (recognised by its bytes, whatever the file is called), `.ods` and `.xlsb` are refused
 *   with one message each naming the format and how to save the file as .xlsx ({@link notReadMessage}).
 *   A zip of other files that reaches this reader (on stdin, by `--format xlsx`, or holding no
 *   file read here; a file on disk is read as its files, see archive.ts) is refused naming them
 *   ({@link archiveMessage}).
 *
 * exceljs reads the zip, `xl/workbook.xml`, its relationships and the styles; the shared strings
 * and the worksheet's XML are parsed by xlsx-xml.ts (prefixed elements, rows and cells without
 * `r`, `_xHHHH_` escapes, an empty `<v/>`). Part names are matched case-insensitively
 * ({@link adaptZipEntries}). exceljs issue 683 (open in 4.4): its string cache can be empty when a
 * cell is read; we keep the shared strings ourselves (packed, see {@link SharedStrings}).
 * In that mode exceljs parks each sheet in a temporary file until the whole zip is read, so the
 * table is complete before the first row, whatever order the zip stores its parts in. An index
 * the table does not hold fails the source (`SOURCE_FORMAT`) rather than import a number as text.
 *
 * Memory: the sheet is streamed (from that temporary file); only the shared strings table is
 * held, as every xlsx reader must, packed as UTF-8.
 */

import { Readable } from 'node:stream';

import { excerpt, makeRow, type ReaderContext } from './context.js';
import { uniqueHeaders } from './csv.js';
import { isArchivedFile, isPackagePart } from './archive.js';
import { formatFromExtension, looksLikeLabel } from './detect.js';
import { SourceError, describeSource, unreadableFormat } from './errors.js';
import {
  chooseSheet,
  listSheets,
  sheetKey,
  workbookSheets,
  worksheetPart,
  type SheetChoice,
  type WorkbookRelationship,
  type WorkbookSheet,
  type WorkbookSheetEntry,
} from './xlsx-sheets.js';
import {
  decodeExcelEscapes,
  readSharedStrings,
  readWorksheetRows,
  type RawCell,
  type RawRow,
} from './xlsx-xml.js';
import type { SourceInfo } from './types.js';
import type { SourceRow } from '../types.js';

/** Rows handed over at once: one async step per this many rows instead of one per row. */
export const XLSX_BATCH_ROWS = 500;

/** The parts of exceljs' streaming reader we use that its typings leave out. */
interface WorkbookReaderState {
  /** `xl/workbook.xml`, parsed. */
  model?: { sheets?: WorkbookSheetEntry[] };
  /** `xl/_rels/workbook.xml.rels`, parsed. */
  workbookRels?: WorkbookRelationship[];
  /** `xl/workbook.xml`'s `<workbookPr>`: `date1904` is the date system. */
  properties?: { model?: { date1904?: boolean } };
  /** `xl/styles.xml`: a cell's `s` → its number format. */
  styles?: { index?: { model?: unknown }; getStyleModel(id: number): { numFmt?: string } | null };
  /** Replaced by ours (see {@link readXlsx}): called with the zip entry of the shared strings. */
  _parseSharedStrings(entry: AsyncIterable<Buffer>): AsyncGenerator<WorkbookEvent>;
  on(event: 'entry', listener: (entry: { type?: string; id?: unknown }) => void): unknown;
}

/** What exceljs' `WorkbookReader.parse()` hands out, our shared strings included. */
type WorkbookEvent =
  | { eventType: 'worksheet'; value: StreamedWorksheet }
  | { eventType: 'hyperlinks'; value: unknown }
  | { eventType: 'shared-strings'; value: string[] };

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
/** exceljs' `WorksheetReader`: we read the XML of its part (`iterator`) ourselves (xlsx-xml.ts). */
interface StreamedWorksheet {
  name?: string;
  iterator?: AsyncIterable<Buffer> & {
    destroy?: () => void;
    on?: (event: 'error', listener: () => void) => unknown;
  };
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
  const parts = new Map<string, string>();
  adaptZipEntries(input, parts);
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
    // `{type: 'worksheet', id: N}` comes just before the worksheet of part `xl/worksheets/sheetN.xml`:
    // how we know which tab a worksheet is (see xlsx-sheets.ts).
    entries: 'emit',
  });
  const state = reader as unknown as WorkbookReaderState;
  // Ours instead of exceljs' (which matches element names literally, keeps the whitespace between
  // elements and phonetic runs, and leaves `_x000D_` escapes): see xlsx-xml.ts.
  state._parseSharedStrings = async function* (entry) {
    for await (const value of readSharedStrings(entry)) yield { eventType: 'shared-strings', value };
  };
  let partNumber: string | undefined;
  state.on('entry', (entry) => {
    if (entry.type === 'worksheet') partNumber = String(entry.id);
  });
  // workbook.xml and its rels, as exceljs parsed them: complete before the first worksheet comes,
  // as exceljs parks every worksheet until the whole zip is read (shared strings in `emit` mode).
  let choice: SheetChoice | undefined;
  let sheets: WorkbookSheet[] = [];
  const choose = (): SheetChoice => {
    if (choice !== undefined) return choice;
    sheets = workbookSheets(state.model?.sheets ?? [], state.workbookRels);
    return (choice = chooseSheet(sheets, sheet, name));
  };
  const strings = new SharedStrings();
  const events = reader.parse() as AsyncIterator<WorkbookEvent>;
  let found: WorkbookSheet | undefined;
  let worksheetsSeen = 0;
  try {
    for (;;) {
      const next = await raceInput(events.next()).catch((error: unknown) => {
        throw workbookFailure(error, context.file);
      });
      if (next.done === true) break;
      const event = next.value;
      if (event.eventType === 'shared-strings') {
        for (const text of event.value) strings.push(text);
        continue;
      }
      if (event.eventType !== 'worksheet') continue;
      const worksheet = event.value;
      worksheetsSeen++;
      const part = partNumber === undefined ? undefined : worksheetPart(partNumber);
      partNumber = undefined;
      const chosen = choose();
      const wanted = 'sheet' in chosen ? chosen.sheet : undefined;
      const isWanted =
        wanted !== undefined &&
        (wanted.part === undefined || part === undefined
          ? sheetKey(worksheet.name ?? '') === sheetKey(wanted.name)
          : wanted.part === part);
      if (found !== undefined || !isWanted) {
        // A sheet exceljs parked in a temporary file is read through a file stream that may still
        // be opening; exceljs deletes the file as soon as we move on, so the late open fails with
        // ENOENT on a stream nobody listens to any more: an uncaught exception without this.
        worksheet.iterator?.on?.('error', () => undefined);
        worksheet.iterator?.destroy?.();
        continue;
      }
      found = wanted;
      context.info.sheet = wanted.name;
      const others = sheets.filter((other) => other !== wanted);
      if (others.length > 0) context.info.otherSheets = listSheets(others);
      const formats: CellFormats = {
        // A workbook without `xl/styles.xml` (optional; minimal writers leave it out) has no
        // formats: exceljs's styles, never parsed (no index of models), fail on a look-up.
        numFmt: (style) =>
          state.styles?.index?.model === undefined ? undefined : state.styles.getStyleModel(style)?.numFmt,
        date1904: state.properties?.model?.date1904 === true,
      };
      yield* readSheet(worksheet, context, { strings, formats }, raceInput);
    }
  } finally {
    input.destroy();
    // Not awaited: after a failure exceljs may be parked on the destroyed input for good.
    events.return?.(undefined).catch(() => undefined);
  }
  if (found === undefined) {
    const other = otherFormat(parts);
    if (other !== undefined)
      throw new SourceError('SOURCE_FORMAT', context.file, notReadMessage(name, other));
    // Not an Office Open XML package at all, damaged or not: a zip of other files.
    if (![...parts.keys()].some(isPackagePart))
      throw new SourceError('SOURCE_FORMAT', context.file, archiveMessage(name, parts));
    const chosen = choose();
    throw new SourceError(
      'SOURCE_FORMAT',
      context.file,
      sheets.length === 0 && worksheetsSeen > 0
        ? `${name}: the workbook lists no sheet (xl/workbook.xml is missing or empty), though it holds ` +
            `${worksheetsSeen} worksheet part${worksheetsSeen === 1 ? '' : 's'}; the file may be damaged: re-save it in Excel`
        : 'problem' in chosen
          ? chosen.problem
          : // Listed in workbook.xml, but exceljs handed out no part of that name.
            `${name}: sheet ${JSON.stringify(chosen.sheet.name)} is listed in the workbook, but its part ` +
            `(${chosen.sheet.part ?? 'none'}) is missing or not named as Excel names it (xl/worksheets/sheet<N>.xml); ` +
            `re-save the workbook in Excel`,
    );
  }
  if (context.info.headers === undefined) {
    throw new SourceError(
      'SOURCE_EMPTY',
      context.file,
      emptySheetMessage(name, found, sheets, sheet === undefined),
    );
  }
}

/** An empty sheet read, named with the other sheets there are and how to read one of them. */
function emptySheetMessage(
  source: string,
  read: WorkbookSheet,
  sheets: readonly WorkbookSheet[],
  byDefault: boolean,
): string {
  const others = sheets.filter((other) => other !== read);
  const message = `${source}: sheet ${JSON.stringify(read.name)}${byDefault && others.length > 0 ? ' (the first visible one)' : ''} is empty (no header row)`;
  const worksheets = others.filter((other) => other.kind === 'worksheet');
  const suggested = worksheets.find((other) => !other.hidden) ?? worksheets[0];
  if (suggested === undefined)
    return others.length > 0 ? `${message}; the workbook also has ${listSheets(others)}` : message;
  return `${message}; the workbook also has ${listSheets(others)}: name the sheet to read with --sheet, e.g. --sheet ${JSON.stringify(suggested.name)}`;
}

/**
 * Rows of one non-empty text cell above the header (a report's title, often merged across the
 * columns; a "filtered by" line) are a title when the row after them has at least two non-empty
 * text cells. At most this many: they are held until the header is known.
 */
export const MAX_TITLE_ROWS = 3;

/** A non-empty row kept while the header is being found. */
interface HeldRow {
  number: number;
  cells: CellText[];
}

/** What a cell's value is read with, besides its own XML. */
interface CellLookup {
  strings: SharedStrings;
  formats: CellFormats;
}
interface CellFormats {
  /** The number format of cell format `style`. */
  numFmt(style: number): string | undefined;
  /** The workbook counts days from 1904 (old Mac Excel) instead of 1900. */
  date1904: boolean;
}

async function* readSheet(
  worksheet: StreamedWorksheet,
  context: ReaderContext,
  lookup: CellLookup,
  raceInput: <T>(promise: Promise<T>) => Promise<T>,
): AsyncGenerator<SourceRow[]> {
  let headers: string[] | undefined;
  // Title-like rows seen before the header: a title, or a one-column sheet's header and first rows.
  let held: HeldRow[] = [];
  let batch: SourceRow[] = [];
  const chunks = readWorksheetRows(worksheet.iterator ?? emptyPart());
  for (;;) {
    const next = await raceInput(chunks.next()).catch((error: unknown) => {
      throw workbookFailure(error, context.file);
    });
    if (next.done === true) break;
    for (const row of next.value) {
      const cells = rowCells(row, lookup, context.file);
      if (cells.every((cell) => cell.text.trim() === '')) continue;
      if (headers === undefined) {
        if (held.length < MAX_TITLE_ROWS && isTitleLine(cells)) {
          held.push({ number: row.number, cells });
          continue;
        }
        if (held.length > 0 && looksLikeHeader(cells)) {
          context.info.titleLine = titleLine(held, row.number);
          held = [];
          headers = takeHeader(context, cells);
          continue;
        }
        // No title: the first non-empty row is the header; rows held after it are data rows.
        const [first, ...after] = held;
        held = [];
        headers = takeHeader(context, (first ?? { cells }).cells);
        for (const line of after) batch.push(sheetRow(context, headers, line.number, line.cells));
        if (first === undefined) continue;
      }
      batch.push(sheetRow(context, headers, row.number, cells));
    }
    if (batch.length >= XLSX_BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  // Only rows of one cell: a one-column sheet, its header first.
  const [first, ...after] = held;
  if (headers === undefined && first !== undefined) {
    headers = takeHeader(context, first.cells);
    for (const line of after) batch.push(sheetRow(context, headers, line.number, line.cells));
  }
  if (batch.length > 0) yield batch;
}

function takeHeader(context: ReaderContext, cells: CellText[]): string[] {
  const headers = uniqueHeaders(cells.map((cell) => cell.text));
  context.info.headers = headers;
  return headers;
}

/** A data row under the header, numbered as the sheet numbers it. */
function sheetRow(context: ReaderContext, headers: string[], number: number, cells: CellText[]): SourceRow {
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
  const made = makeRow(context, number, raw);
  return numeric.size > 0 && made.error === undefined ? { ...made, numeric } : made;
}

/** One non-empty cell of text that is no phone number or e-mail address: a title, or a one-column header. */
function isTitleLine(cells: CellText[]): boolean {
  const filled = cells.filter((cell) => cell.text.trim() !== '');
  return filled.length === 1 && isLabel(filled[0] as CellText);
}

/** Two or more non-empty cells, all text that is no phone number or e-mail address: a header row. */
function looksLikeHeader(cells: CellText[]): boolean {
  const filled = cells.filter((cell) => cell.text.trim() !== '');
  return filled.length >= 2 && filled.every(isLabel);
}

/** Text a header or title may be: not a number cell, and a label as a CSV reads one ({@link looksLikeLabel}). */
function isLabel(cell: CellText): boolean {
  return !cell.numeric && looksLikeLabel(cell.text);
}

/** The title rows skipped above the header, for the pre-flight: several rows' texts are joined. */
function titleLine(titles: HeldRow[], headerLine: number): NonNullable<SourceInfo['titleLine']> {
  const texts = titles.map((title) => title.cells.find((cell) => cell.text.trim() !== '')?.text.trim() ?? '');
  return { line: (titles[0] as HeldRow).number, text: excerpt(texts.join(' / ')), headerLine };
}

/** A cell as text, and whether the sheet stored it as a number. */
interface CellText {
  text: string;
  numeric: boolean;
}

/** The row's cells from column A to its last one, as text. */
function rowCells(row: RawRow, lookup: CellLookup, file: string): CellText[] {
  const cells: CellText[] = [];
  for (const cell of row.cells) {
    while (cells.length < cell.column - 1) cells.push({ text: '', numeric: false });
    const text = cellText(cell, lookup, file, row.number);
    // Two cells with one reference (damage): the last one wins, as in Excel.
    if (cells.length === cell.column) cells[cell.column - 1] = text;
    else cells.push(text);
  }
  return cells;
}

/**
 * One cell's value as text, decided by its type (`t`), whether or not a formula made it: a
 * formula cell's `<v>` is its cached result.
 */
function cellText(cell: RawCell, lookup: CellLookup, file: string, line: number): CellText {
  const value = cell.value;
  switch (cell.type) {
    case 'inlineStr':
      return { text: cell.inline ?? decodeExcelEscapes(value ?? ''), numeric: false };
    case 's': {
      // `<v/>`, or no `<v>` at all: an empty cell (calamine's empty_shared_string_value.xlsx).
      const index = value?.trim() ?? '';
      if (index === '') return { text: '', numeric: false };
      const resolved = /^\d+$/.test(index) ? lookup.strings.get(Number(index)) : undefined;
      if (resolved === undefined) {
        throw new SourceError(
          'SOURCE_FORMAT',
          file,
          `${describeSource(file)}: row ${line}: a text cell refers to shared string ${JSON.stringify(index)}, ` +
            `which the workbook's shared strings table does not hold (the file may be damaged; re-save it in Excel)`,
          { line },
        );
      }
      return { text: resolved, numeric: false };
    }
    case 'str':
      return { text: decodeExcelEscapes(value ?? ''), numeric: false };
    case 'e':
      return { text: value ?? '', numeric: false };
    case 'b':
      return {
        text: value === undefined || value.trim() === '' ? '' : Number(value) !== 0 ? 'TRUE' : 'FALSE',
        numeric: false,
      };
    case 'd':
      // An ISO 8601 date (strict OOXML and some writers): kept as written, midnight dropped.
      return { text: (value ?? '').trim().replace(/T00:00(:00(\.0+)?)?Z?$/, ''), numeric: false };
    default: {
      const digits = value?.trim() ?? '';
      if (digits === '') return { text: '', numeric: false };
      const number = Number(digits);
      if (!Number.isFinite(number)) return { text: digits, numeric: false };
      if (isDateFormat(lookup.formats.numFmt(cell.style))) {
        return { text: dateText(excelSerialToDate(number, lookup.formats.date1904)), numeric: false };
      }
      return { text: numberText(number), numeric: true };
    }
  }
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

/**
 * Excel's 1900 date system: day 25569 is 1970-01-01 (the Lotus leap-year bug included); in the
 * 1904 system, day 0 is 1904-01-01, 1462 days later.
 */
function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/** Whether a number format shows a date or time (the test exceljs applies to plain cells). */
function isDateFormat(format: string | undefined): boolean {
  if (format === undefined) return false;
  return /[ymdhsb]/i.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
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
 * What we do to the zip entries exceljs reads, from inside the pipe it makes from our input into
 * unzipper 0.10's `Parse`:
 * - Part names are made the ones exceljs looks for: OPC part names are case-insensitive, and
 *   Excel reads `xl/SharedStrings.xml` (calamine's issue_419.xlsx) as it reads
 *   `xl/sharedStrings.xml`; a Windows zip tool writes `xl\workbook.xml`. Every part name seen is
 *   added to `parts`, lower-cased, so that a zip which is no xlsx can be named.
 * - Only the real `'end'` is let through. `Parse` emits `'end'` by hand as soon as it has read the
 *   zip's central directory. Entries it has already pushed may still wait in its readable buffer
 *   then: exceljs pauses the entry stream while it reads one entry, and unzipper reads ahead
 *   through small entries (they fit in their own stream's buffer). exceljs stops at that first
 *   `'end'` and never sees the entries still buffered; on a loaded machine that is often
 *   `xl/workbook.xml`, and the read failed with "Cannot read properties of undefined (reading
 *   'sheets')". This lets through only the `'end'` a readable stream emits itself, once its
 *   buffer is empty (`readableEnded` is set just before it).
 */
function adaptZipEntries(input: Readable, parts: Map<string, string>): void {
  const pipe = input.pipe.bind(input);
  input.pipe = (<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
    if (destination instanceof Readable) {
      const emit = destination.emit.bind(destination);
      destination.emit = (event: string | symbol, ...args: unknown[]): boolean => {
        if (event === 'end' && !destination.readableEnded) return false;
        const entry = args[0] as { path?: unknown } | undefined;
        if (event === 'data' && typeof entry?.path === 'string') {
          const part = entry.path.replace(/\\/g, '/').replace(/^\/+/, '');
          parts.set(part.toLowerCase(), part);
          entry.path = EXCELJS_PART_NAMES.get(part.toLowerCase()) ?? part.toLowerCase();
        }
        return emit(event, ...args);
      };
    }
    return pipe(destination, options);
  }) as typeof input.pipe;
}

/** The part names exceljs matches exactly, by their lower-cased form (the others it matches lower-cased). */
const EXCELJS_PART_NAMES = new Map(
  ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml'].map((part) => [
    part.toLowerCase(),
    part,
  ]),
);

/** A spreadsheet format that is not read, told by its magic number or its zip parts. */
type OtherFormat = 'xls' | 'ods' | 'xlsb';

/** The one message for each spreadsheet format that is not read: what it is, and how to make it readable. */
function notReadMessage(source: string, format: OtherFormat): string {
  const what = {
    xls: 'an Excel 97-2003 workbook (.xls)',
    ods: 'an OpenDocument spreadsheet (.ods)',
    xlsb: 'an Excel binary workbook (.xlsb)',
  }[format];
  return `${source} is ${what}, which is not read: open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or CSV`;
}

/** Whether the bytes start like a Compound File (`D0 CF 11 E0`): an `.xls`, or a password-protected workbook. */
export function hasCompoundFileMagic(head: Uint8Array): boolean {
  return head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0;
}

/** The zip is an ODS (it has `mimetype` and `content.xml`) or an xlsb (`xl/workbook.bin`) rather than an xlsx. */
function otherFormat(parts: ReadonlyMap<string, string>): OtherFormat | undefined {
  if (parts.has('xl/workbook.xml')) return undefined;
  if (parts.has('xl/workbook.bin')) return 'xlsb';
  if (parts.has('mimetype') && parts.has('content.xml')) return 'ods';
  return undefined;
}

/** A file name as a shell word: quoted when it holds anything but letters, digits and `._/-`. */
function shellWord(name: string): string {
  return /^[\w./-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/** How many of an archive's files {@link archiveMessage} names. */
const ARCHIVE_FILES_NAMED = 6;

/**
 * A zip that is no workbook, read as one (see xlsx.ts' header): what it holds, and how to import
 * it: the files in it that are read are named first.
 */
function archiveMessage(source: string, parts: ReadonlyMap<string, string>): string {
  const files = [...parts.values()].filter(isArchivedFile);
  const readable = files.filter((part) => formatFromExtension(part) !== undefined);
  const named = [...readable, ...files.filter((part) => !readable.includes(part))];
  const more = named.length - ARCHIVE_FILES_NAMED;
  const list = named.slice(0, ARCHIVE_FILES_NAMED).join(', ') + (more > 0 ? ` and ${more} more` : '');
  const holds =
    files.length === 0 ? 'no file' : `${files.length === 1 ? 'one file' : `${files.length} files`}: ${list}`;
  return (
    `${source} is a zip archive, not an Excel workbook; it holds ${holds}. ` +
    (readable.length > 0
      ? `Extract it and import the ${readable.length === 1 ? 'file' : 'files'} in it: sakari-sync import ${readable.map(shellWord).join(' ')}`
      : 'None of them has the extension of a format read here')
  );
}

/** A zip starts `PK 03 04`; an Excel 97-2003 `.xls` starts `D0 CF 11 E0`. */
async function* checkZipStart(bytes: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  let checked = false;
  for await (const chunk of bytes) {
    if (!checked && chunk.length > 0) {
      checked = true;
      if (!(chunk[0] === 0x50 && chunk[1] === 0x4b)) {
        throw new SourceError(
          'SOURCE_FORMAT',
          file,
          hasCompoundFileMagic(chunk)
            ? notReadMessage(describeSource(file), 'xls')
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

/** A part with no bytes, for a worksheet exceljs handed out without its stream. */
async function* emptyPart(): AsyncGenerator<Buffer> {}

/** An error from inside exceljs or unzipper, as a {@link SourceError} naming the file. */
function workbookFailure(error: unknown, file: string): SourceError {
  return unreadableFormat(error, file, 'workbook');
}
