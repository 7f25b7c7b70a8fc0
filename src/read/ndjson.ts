/**
 * The NDJSON reader: one JSON object per line, its fields read by {@link flattenRecord} (API
 * wrappers, nested objects, arrays of phones). Blank lines are skipped; `ref.line` is the 1-based
 * record index (the count of non-blank lines so far). A line that does not parse, or is not an
 * object, is a `RECORD_MALFORMED` row with `raw._raw` (the line, first 200 characters), and
 * reading goes on. So is a line with a NUL character in it (a damaged line in a text file), and
 * a line longer than {@link MAX_RECORD_CHARS}, which is not held in memory beyond that bound.
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

/** Splits text into lines across chunk boundaries and turns each line into a row. */
class NdjsonLines {
  private partial = '';
  /** Inside an over-long line that was already reported: drop text up to its end. */
  private skipping = false;
  private index = 0;
  private readonly batch = new RowBatch();

  constructor(private readonly context: ReaderContext) {}

  write(chunk: string): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partial.length + (end - start) > MAX_RECORD_CHARS) {
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
      this.onTooLong(this.partial);
      this.partial = '';
      this.skipping = true;
    }
  }

  end(): void {
    if (!this.skipping && this.partial.length > 0) this.onLine(this.partial);
    this.partial = '';
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.batch.pending;
  }

  take(): SourceRow[] {
    return this.batch.take();
  }

  private onTooLong(start: string): void {
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
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.trim() === '') return;
    const index = ++this.index;
    if (line.includes('\u0000')) {
      // JSON.parse would refuse it too, with a message about a token; say what is wrong.
      this.batch.push(
        makeMalformedRow(
          this.context,
          index,
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
      const reason = error instanceof Error ? error.message : String(error);
      this.batch.push(
        makeMalformedRow(this.context, index, { _raw: excerpt(line) }, `not valid JSON: ${reason}`),
      );
      return;
    }
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
        { _raw: excerpt(line) },
        `line is not a JSON object (found ${kind})`,
      ),
    );
  }
}
