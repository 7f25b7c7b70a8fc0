/** What the format readers share: the source being read and the numbering of its records. */

import type { KnownRecord, SourceRef, SourceRow } from '../types.js';
import type { SourceInfo } from './types.js';

/**
 * The longest record (CSV record or NDJSON line) a reader accepts, in characters. Contact
 * records are a few hundred characters; a longer one is a malformed row, skipped to its end
 * without being held, and reading goes on. The bound keeps memory flat whatever the input.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

/** How much of an unparseable line is kept in `raw._raw`: enough to recognise it in a report. */
export const RAW_EXCERPT_CHARS = 200;

/** The state one format reader works with. */
export interface ReaderContext {
  /** The source path as the user gave it. */
  readonly file: string;
  /** Updated as the reader learns things (delimiter, headers, record count). */
  readonly info: SourceInfo;
  /** The `ref.seq` of the next record. */
  nextSeq: number;
}

/** The place of the source's next record: counts it and gives it the next `seq`. */
function nextRef(context: ReaderContext, line: number): SourceRef {
  context.info.records++;
  return { file: context.file, line, seq: context.nextSeq++ };
}

/** A record of the source, numbered and counted. */
export function makeRow(
  context: ReaderContext,
  line: number,
  raw: Record<string, unknown>,
  error?: SourceRow['error'],
): SourceRow {
  const ref = nextRef(context, line);
  if (error === undefined && nestedDeeperThan(raw, MAX_NESTING_DEPTH)) {
    // Later stages stringify nested values recursively; a record this deep would overflow the stack.
    return {
      ref,
      raw: { _raw: `(a record nested more than ${MAX_NESTING_DEPTH} levels deep)` },
      error: {
        code: 'RECORD_MALFORMED',
        message: `record is nested more than ${MAX_NESTING_DEPTH} levels deep`,
      },
    };
  }
  return error === undefined ? { ref, raw } : { ref, raw, error };
}

/**
 * A CSV record with its fingerprint (see `RecordRecall`), numbered and counted: parsed (`raw`),
 * or recognised and left unparsed (`unparsed`, `raw` empty).
 */
export function makeFingerprintedRow(
  context: ReaderContext,
  line: number,
  raw: Record<string, unknown>,
  fingerprint: string | undefined,
  known: KnownRecord | undefined,
  unparsed: (() => Record<string, unknown>) | undefined,
): SourceRow {
  return { ref: nextRef(context, line), raw, fingerprint, known, unparsed };
}

/** Far more than any contact record needs, and far below where recursive JSON.stringify overflows the stack (~5,000). */
export const MAX_NESTING_DEPTH = 2_000;

/** Whether objects/arrays nest deeper than `max` levels, checked without recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/** A record the reader could not make sense of: `RECORD_MALFORMED` with `message`. */
export function makeMalformedRow(
  context: ReaderContext,
  line: number,
  raw: Record<string, unknown>,
  message: string,
): SourceRow {
  return makeRow(context, line, raw, { code: 'RECORD_MALFORMED', message });
}

/** The first {@link RAW_EXCERPT_CHARS} characters of a text. */
export function excerpt(text: string): string {
  return text.length <= RAW_EXCERPT_CHARS ? text : text.slice(0, RAW_EXCERPT_CHARS);
}

/**
 * The rows a reader made while one chunk was processed, taken as one batch: one async step per
 * chunk instead of one per record.
 */
export class RowBatch {
  private rows: SourceRow[] = [];

  push(row: SourceRow): void {
    this.rows.push(row);
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.rows.length > 0;
  }

  take(): SourceRow[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }
}
