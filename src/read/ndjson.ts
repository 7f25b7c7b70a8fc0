/**
 * The NDJSON reader: one JSON object per line, its fields read by {@link flattenRecord} (API
 * wrappers, nested objects, arrays of phones). Blank lines are skipped; `ref.line` is the 1-based
 * record index (the count of records so far). A line that does not parse, or is not an object,
 * is a `RECORD_MALFORMED` row with `raw._raw` (the line, first 200 characters), and reading goes
 * on. So is a line with a NUL character in it (a damaged line in a text file), and a line longer
 * than {@link MAX_RECORD_CHARS}, which is not held in memory beyond that bound.
 *
 * Concatenated JSON values are read too, as `jq '.[]'` writes them (pretty-printed, one object
 * over several lines): a line that opens an object or array it does not close is continued by the
 * next lines until the brackets outside strings balance, and the whole is one record. A line
 * that starts (unindented) with `{` or `[` while a record is still open starts the next record:
 * the open one is malformed (its text cut short), one row, and does not swallow the rest of the
 * file; so is one still open at the end of the file, and one longer than
 * {@link MAX_RECORD_CHARS} (read on to its end, but not held beyond the bound). The message of a
 * malformed record of several lines names the lines it spans.
 */

import {
  excerpt,
  makeMalformedRow,
  makeRow,
  MAX_RECORD_CHARS,
  type ReaderContext,
  RowBatch,
} from './context.js';
import { flattenRecord } from './json-records.js';
import type { SourceRow } from '../types.js';

/** Reads NDJSON text into rows, handed over in batches (one per chunk of text), in source order. */
export async function* readNdjson(
  text: AsyncIterable<string>,
  context: ReaderContext,
): AsyncGenerator<SourceRow[]> {
  const lines = new NdjsonLines(context);
  for await (const chunk of text) {
    lines.write(chunk);
    if (lines.pending) yield lines.take();
  }
  lines.end();
  if (lines.pending) yield lines.take();
}

/**
 * Where a scan of JSON text stands: bracket depth and whether inside a string, carried from one
 * line of a record to the next.
 */
class BracketScan {
  depth = 0;
  private inString = false;
  private escaped = false;

  /** Scans `text`; returns whether a value opened before or in it is closed by its end. */
  scan(text: string): boolean {
    for (let at = 0; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === BACKSLASH) this.escaped = true;
        else if (code === QUOTE) this.inString = false;
      } else if (code === QUOTE) this.inString = true;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) this.depth--;
    }
    return this.depth <= 0;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A JSON value that a line opened and later lines continue (pretty-printed NDJSON). */
interface OpenRecord {
  /** The physical line it starts on. */
  firstLine: number;
  lastLine: number;
  /** Its text, lines joined by `\n`, up to {@link MAX_RECORD_CHARS}. */
  text: string;
  /** It ran past {@link MAX_RECORD_CHARS}: the text holds its start only. */
  tooLong: boolean;
  scan: BracketScan;
}

/** Splits text into lines across chunk boundaries and turns each line into a row. */
class NdjsonLines {
  private partial = '';
  /** Inside an over-long line that was already reported: drop text up to its end. */
  private skipping = false;
  private index = 0;
  /** The physical line number of the last line read. */
  private lineNumber = 0;
  private open: OpenRecord | undefined;
  private readonly batch = new RowBatch();

  constructor(private readonly context: ReaderContext) {}

  write(chunk: string): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partial.length + (end - start) > MAX_RECORD_CHARS) {
        this.lineNumber++;
        this.onTooLong(this.partial.length > 0 ? this.partial : chunk.slice(start, end));
      } else {
        const piece = chunk.slice(start, end);
        this.onLine(this.partial.length === 0 ? piece : this.partial + piece);
      }
      this.partial = '';
      start = end + 1;
    }
    if (this.skipping || start === chunk.length) return;
    this.partial += chunk.slice(start);
    if (this.partial.length > MAX_RECORD_CHARS) {
      this.lineNumber++;
      this.onTooLong(this.partial);
      this.partial = '';
      this.skipping = true;
    }
  }

  end(): void {
    if (!this.skipping && this.partial.length > 0) this.onLine(this.partial);
    this.partial = '';
    if (this.open !== undefined) this.closeBroken('the file ends before it is complete');
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.batch.pending;
  }

  take(): SourceRow[] {
    return this.batch.take();
  }

  private onTooLong(start: string): void {
    // An open record the over-long line belonged to is broken off: it cannot be read whole.
    if (this.open !== undefined) this.closeBroken(`line ${this.lineNumber} is too long to be part of it`);
    this.batch.push(
      makeMalformedRow(
        this.context,
        ++this.index,
        { _raw: excerpt(start) },
        `line is longer than ${MAX_RECORD_CHARS} characters`,
      ),
    );
  }

  private onLine(text: string): void {
    const lineNumber = ++this.lineNumber;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    const open = this.open;
    if (open !== undefined) {
      if (!startsValue(line)) {
        this.continueRecord(open, line, lineNumber);
        return;
      }
      // An unindented `{` or `[`: the next record, so the open one was cut short.
      this.closeBroken(`line ${lineNumber} starts another record before it is complete`);
    }
    if (line.trim() === '') return;
    if (line.includes('\u0000')) {
      // JSON.parse would refuse it too, with a message about a token; say what is wrong.
      this.batch.push(
        makeMalformedRow(
          this.context,
          ++this.index,
          { _raw: excerpt(line) },
          'line contains NUL bytes (damaged or binary data)',
        ),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const scan = new BracketScan();
      if (/^\s*[[{]/.test(line) && !scan.scan(line)) {
        // The line opens a value it does not close: pretty-printed, continued on the next lines.
        this.open = { firstLine: lineNumber, lastLine: lineNumber, text: line, tooLong: false, scan };
        return;
      }
      this.pushUnparsed(line, error);
      return;
    }
    this.pushValue(value, line, 'line');
  }

  private continueRecord(open: OpenRecord, line: string, lineNumber: number): void {
    open.lastLine = lineNumber;
    if (!open.tooLong && open.text.length + 1 + line.length <= MAX_RECORD_CHARS) open.text += `\n${line}`;
    else open.tooLong = true;
    if (!open.scan.scan(line)) return;
    this.open = undefined;
    const lines = `lines ${open.firstLine}-${open.lastLine}`;
    if (open.tooLong) {
      this.batch.push(
        makeMalformedRow(
          this.context,
          ++this.index,
          { _raw: excerpt(open.text) },
          `record on ${lines} is longer than ${MAX_RECORD_CHARS} characters`,
        ),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(open.text);
    } catch (error) {
      this.pushUnparsed(open.text, error, ` (record on ${lines})`);
      return;
    }
    this.pushValue(value, open.text, `record on ${lines}`);
  }

  /** The open record as a malformed row: it never closed, for `reason`. */
  private closeBroken(reason: string): void {
    const open = this.open as OpenRecord;
    this.open = undefined;
    const lines =
      open.firstLine === open.lastLine
        ? `line ${open.firstLine}`
        : `lines ${open.firstLine}-${open.lastLine}`;
    this.batch.push(
      makeMalformedRow(
        this.context,
        ++this.index,
        { _raw: excerpt(open.text) },
        `not valid JSON: the record on ${lines} is not closed (${reason})`,
      ),
    );
  }

  private pushUnparsed(text: string, error: unknown, where = ''): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.batch.push(
      makeMalformedRow(
        this.context,
        ++this.index,
        { _raw: excerpt(text) },
        `not valid JSON${where}: ${reason}`,
      ),
    );
  }

  /** A parsed value as a row: a record when it is an object, else a malformed row. */
  private pushValue(value: unknown, text: string, what: string): void {
    const index = ++this.index;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // Flattening goes a few levels deep at most; `makeRow` refuses a record nested too deep.
      this.batch.push(makeRow(this.context, index, flattenRecord(value as Record<string, unknown>)));
      return;
    }
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    this.batch.push(
      makeMalformedRow(
        this.context,
        index,
        { _raw: excerpt(text) },
        `${what} is not a JSON object (found ${kind})`,
      ),
    );
  }
}

/** Whether a line starts a JSON value at its first column (`jq` writes nested lines indented). */
function startsValue(line: string): boolean {
  return line.startsWith('{') || line.startsWith('[');
}
