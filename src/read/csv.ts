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
 *   starting at line N"), then the reader ends.
 * - A record with a NUL character in it (a damaged record in a text file) is `RECORD_MALFORMED`
 *   and keeps its fields; a header with one is `SOURCE_FORMAT`. (A file that is binary as a
 *   whole is refused before: see `binaryVerdict`.)
 * - A record longer than {@link MAX_RECORD_CHARS} is `RECORD_MALFORMED` ("longer than …"), is
 *   skipped to its end without being held in memory, and the records after it are read. Only
 *   when no end is found within {@link MAX_SKIPPED_RECORD_CHARS} characters (or an unclosed quote
 *   that long runs to the end of the file) does the file fail with `SOURCE_FORMAT` ("the rest of
 *   the file was not read"), after that row and the rows before it.
 * - `ref.line` is the physical line where the record starts, counting line breaks inside quoted
 *   fields of earlier records and skipped blank lines. CRLF, LF and a lone CR each end a line.
 */

import { Parser, type CsvError, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

import {
  makeFingerprintedRow,
  makeMalformedRow,
  makeRow,
  MAX_RECORD_CHARS,
  type ReaderContext,
  RowBatch,
} from './context.js';
import { CsvScan, MAX_SKIPPED_RECORD_CHARS, type ScannedRecord } from './csv-scan.js';
import { detectDelimiter } from './detect.js';
import { Fifo } from './fifo.js';
import { SourceError, describeSource } from './errors.js';
import type { RecordFingerprinter, RecordRecall } from './types.js';
import type { KnownRecord, RecordRecollection, SourceRow } from '../types.js';

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
  recall?: RecordRecall,
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

  const records = new CsvRecords(context, fieldDelimiter, recall);
  try {
    for (const chunk of firstChunks) {
      await records.write(chunk);
      if (records.pending) yield records.take();
    }
    firstChunks.length = 0;
    if (!ended) {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        // After a record with no end the rest is read only so that the hash covers the whole file.
        if (records.stopped) continue;
        await records.write(next.value);
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
}

/**
 * csv-parse with the bookkeeping around it: the header, the rows made so far, and a
 * {@link CsvScan} ahead of it that gives each record its start line and keeps oversized records
 * away from it. Rows are collected while a chunk is written, then taken as a batch: one async
 * step per chunk instead of one per record.
 */
class CsvRecords {
  /** Set when nothing more can be read as records (see {@link CsvScan.gaveUp}, a bad header). */
  stopped = false;
  private readonly parser: CapturingParser;
  private readonly scan: CsvScan;
  private readonly batch = new RowBatch();
  private headers: string[] | undefined;
  private protoIndex = -1;
  private failure: unknown;
  private truncation: SourceError | undefined;
  /** With recall: what is known of each record the scan queued, in the scan's order. */
  private readonly notes = new Fifo<RecordNote>();
  /** The note of the record {@link nextRecord} returned last. */
  private note: RecordNote | undefined;
  /** With recall, once the header is known: how a record's text is fingerprinted. */
  private fingerprinter: RecordFingerprinter | undefined;
  /** With recall: the texts scanned and asked about, not yet handed to csv-parse, in order. */
  private readonly ahead: AheadText[] = [];
  /** With recall: the records noted so far. */
  private noted = 0;

  constructor(
    private readonly context: ReaderContext,
    private readonly delimiter: string,
    private readonly recall: RecordRecall | undefined,
  ) {
    this.scan = new CsvScan(delimiter);
    this.parser = new CapturingParser(
      {
        ...parserOptions(delimiter),
        skip_records_with_error: true,
        // The scan hands over no record longer than MAX_RECORD_CHARS; this is only a backstop.
        max_record_size: 2 * MAX_RECORD_CHARS,
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

  async write(chunk: string): Promise<void> {
    if (this.stopped) return;
    const text = this.scan.push(chunk);
    if (this.recall) {
      this.ahead.push(this.ask(text));
      await this.feedAhead(this.recall.ahead);
    } else if (text.length > 0) this.parser.write(text);
    if (this.scan.gaveUp) this.stopped = true;
    this.throwIfFailed();
  }

  async end(): Promise<void> {
    await this.feedAhead(0);
    if (this.failure === undefined) {
      const text = this.scan.finish();
      if (this.recall) this.noteRecords(text);
      if (text.length > 0) this.parser.write(text);
      await new Promise<void>((resolve) => {
        this.parser.once('error', () => resolve());
        this.parser.end(() => resolve());
      });
    }
    this.throwIfFailed();
    // Records skipped after the last one csv-parse emitted, and records recognised after it.
    for (let next = this.scan.next(); next !== undefined; next = this.scan.next()) {
      if (next.kind !== 'record') this.onScanned(next);
      else if (this.recall) {
        const note = this.takeNote();
        if (note.recognised && this.failure === undefined) this.emitRecognised(next.line, note);
      }
    }
    this.throwIfFailed();
  }

  /**
   * Notes the records of a text the scan handed over, with their fingerprints once the header is
   * known, and past the first records of the source asks the state about them. The answer is
   * awaited only when the text is to be parsed ({@link feedAhead}): the next chunks are read
   * and asked about meanwhile.
   */
  private ask(text: string): AheadText {
    const recall = this.recall as RecordRecall;
    const notedBefore = this.noted;
    const notes = this.noteRecords(text);
    const ahead: AheadText = {
      text,
      notes,
      answered: true,
      known: undefined,
      error: undefined,
      done: ANSWERED,
    };
    const { lookup } = recall;
    const { fingerprinter } = this;
    if (lookup === undefined || fingerprinter === undefined || notedBefore <= recall.parseFirst) return ahead;
    if (notes.length === 0) return ahead;
    // The records' texts: the state's side fingerprints them (the state thread's, beside this one).
    const records: string[] = [];
    for (const note of notes) records.push(recordText(note.piece));
    // Where the first of them stands: after the rows made so far and the records noted before.
    const waiting = this.notes.size - notes.length;
    ahead.answered = false;
    ahead.done = lookup(records, fingerprinter, this.context.nextSeq + waiting).then(
      (known) => {
        ahead.known = known;
        ahead.answered = true;
      },
      (error: unknown) => {
        ahead.error = error;
        ahead.answered = true;
      },
    );
    return ahead;
  }

  /**
   * Hands csv-parse the texts asked about, in order, once answered: without the records
   * recognised, which are emitted in their place unparsed. Waits for answers while more than
   * `keep` texts are waiting.
   */
  private async feedAhead(keep: number): Promise<void> {
    for (let head = this.ahead[0]; head !== undefined; head = this.ahead[0]) {
      if (!head.answered) {
        if (this.ahead.length <= keep) return;
        await head.done;
      }
      this.ahead.shift();
      if (head.error !== undefined) throw head.error;
      const text = head.known === undefined ? head.text : this.recognise(head, head.known);
      if (text.length > 0) this.parser.write(text);
      this.emitSettled();
      this.throwIfFailed();
    }
  }

  /** Marks the records the state recognised; returns the text of the others. */
  private recognise(ahead: AheadText, known: RecordRecollection): string {
    const recall = this.recall as RecordRecall;
    let recognised = false;
    let all = true;
    ahead.notes.forEach((note, index) => {
      note.fingerprint = known.fingerprints[index];
      const found = known.known[index] ?? NOTHING_KNOWN;
      note.known = found;
      if (!note.hasNul && recall.settlesUnparsed(found)) note.recognised = recognised = true;
      else all = false;
    });
    // csv-parse keeps the last record it was given until more text comes (it looks past a line
    // break). When every record here is recognised and a record before them waits in csv-parse,
    // the last one here is parsed after all: the one waiting comes out, and the rows between go
    // on, instead of every row after it waiting (in memory) for the end of the file.
    const last = ahead.notes.at(-1);
    if (last !== undefined && all && this.notes.peek()?.recognised === false) last.recognised = false;
    const { text } = ahead;
    if (!recognised) return text;
    let feed = '';
    let end = 0;
    for (const note of ahead.notes) {
      end += note.piece.length;
      if (!note.recognised) feed += note.piece;
    }
    // What follows the last record: nothing, or blank lines.
    return end < text.length ? feed + text.slice(end) : feed;
  }

  /** Notes the records the scan found in `text` (see {@link RecordNote}), in order. */
  private noteRecords(text: string): RecordNote[] {
    const notes: RecordNote[] = [];
    let start = 0;
    for (const scanned of this.scan.pushed()) {
      if (scanned.kind !== 'record') continue;
      const piece = text.slice(start, scanned.end);
      start = scanned.end;
      const note: RecordNote = {
        piece,
        hasNul: scanned.hasNul,
        fingerprint: undefined,
        known: undefined,
        recognised: false,
      };
      this.notes.push(note);
      notes.push(note);
    }
    this.noted += notes.length;
    return notes;
  }

  /** The note of the next record taken from the scan. */
  private takeNote(): RecordNote {
    const note = this.notes.shift();
    if (note === undefined) throw new Error('a CSV record was scanned without its note');
    return note;
  }

  /**
   * Emits the records at the front of the scan that need nothing from csv-parse (recognised ones,
   * and oversized ones in their place), so that they are taken with the rows before them.
   */
  private emitSettled(): void {
    for (let next = this.scan.peek(); next !== undefined; next = this.scan.peek()) {
      if (this.failure !== undefined) return;
      if (next.kind === 'record') {
        const note = this.notes.peek();
        if (note === undefined || !note.recognised) return;
        this.scan.next();
        this.emitRecognised(next.line, this.takeNote());
      } else {
        this.scan.next();
        this.onScanned(next);
      }
    }
  }

  /** A recognised record's row: its fingerprint and contact, its values parsed only when asked for. */
  private emitRecognised(line: number, note: RecordNote): void {
    const { piece } = note;
    const headers = this.headers as string[];
    const { delimiter } = this;
    // The record's text is cut out only when its values are asked for (rarely: a duplicate).
    this.batch.push(
      makeFingerprintedRow(this.context, line, UNPARSED, note.fingerprint, note.known, () =>
        parseRecord(recordText(piece), headers, delimiter),
      ),
    );
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.batch.pending;
  }

  take(): SourceRow[] {
    return this.batch.take();
  }

  /** Throws the file-level error of a record whose end was not found (see {@link CsvScan}). */
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

  /**
   * The start line of the record csv-parse reached, and whether it holds a NUL. Rows for the
   * records skipped before it are made on the way, so every record keeps its place.
   */
  private nextRecord(): { line: number; hasNul: boolean } {
    for (let next = this.scan.next(); next !== undefined; next = this.scan.next()) {
      if (next.kind !== 'record') {
        this.onScanned(next);
        continue;
      }
      if (this.recall === undefined) return next;
      const note = this.takeNote();
      if (!note.recognised) {
        this.note = note;
        return next;
      }
      this.emitRecognised(next.line, note);
    }
    // The scan and csv-parse disagree on where records are: a bug, never a wrong line number.
    throw new Error('a CSV record was parsed that the scan did not see');
  }

  /** A record the scan kept from csv-parse: a malformed row, and the end of reading when unbounded. */
  private onScanned(scanned: ScannedRecord): void {
    if (scanned.kind === 'record' || this.failure !== undefined) return;
    const { line } = scanned;
    let message: string;
    if (scanned.kind === 'oversized') {
      message = `record starting at line ${line} is longer than ${MAX_RECORD_CHARS} characters (skipped to its end)`;
    } else {
      const within = scanned.reachedEnd ? MAX_RECORD_CHARS : MAX_SKIPPED_RECORD_CHARS;
      message = scanned.insideQuotes
        ? `unclosed quote starting at line ${line} (no closing quote within ${within} characters); ` +
          `the rest of the file was not read`
        : `record starting at line ${line} has no end within ${within} characters (not CSV?); ` +
          `the rest of the file was not read`;
    }
    if (this.headers === undefined) {
      this.failHeader(message, line);
      return;
    }
    this.batch.push(makeMalformedRow(this.context, line, {}, message));
    if (scanned.kind === 'unbounded') {
      // The records after this one cannot be found: a file-level error, never a silent truncation.
      // Raised once the rows before it (and this one) have been taken and the file fully hashed.
      this.truncation ??= new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${describeSource(this.context.file)}: ${message}`,
        { line },
      );
    }
  }

  private failHeader(message: string, line: number): void {
    this.failure ??= new SourceError(
      'SOURCE_FORMAT',
      this.context.file,
      `${describeSource(this.context.file)}: the header row is malformed: ${message}`,
      { line },
    );
    this.stopped = true;
  }

  private onRecord(fields: string[]): void {
    if (this.failure !== undefined) return;
    const { line, hasNul } = this.nextRecord();
    if (isBlankRecord(fields)) return;
    const headers = this.headers;
    if (headers === undefined) {
      if (hasNul) {
        this.failHeader('it contains NUL bytes (not a CSV text file?)', line);
        return;
      }
      this.headers = uniqueHeaders(fields);
      this.protoIndex = this.headers.indexOf('__proto__');
      this.context.info.headers = this.headers;
      const note = this.note;
      if (this.recall && note)
        this.fingerprinter = this.recall.fingerprinter(recordText(note.piece), this.delimiter);
      return;
    }
    const expected = headers.length;
    const found = fields.length;
    const raw = recordValues(headers, fields, this.protoIndex);
    const wellFormed = found === expected || (found > expected && allBlank(fields, expected));
    if (wellFormed && !hasNul) {
      const note = this.note;
      const { fingerprinter } = this;
      if (note === undefined || fingerprinter === undefined)
        this.batch.push(makeRow(this.context, line, raw));
      else {
        const hash = note.fingerprint ?? fingerprinter.of(recordText(note.piece));
        this.batch.push(makeFingerprintedRow(this.context, line, raw, hash, note.known, undefined));
      }
      return;
    }
    for (let i = expected; i < found; i++) raw[`_extra${i - expected + 1}`] = fields[i];
    const problems: string[] = [];
    if (hasNul) problems.push('contains NUL bytes (damaged or binary data)');
    if (!wellFormed) problems.push(`expected ${expected} fields, found ${found}`);
    this.batch.push(makeMalformedRow(this.context, line, raw, problems.join('; ')));
  }

  private onSkip(error: CsvError): void {
    if (this.failure !== undefined) return;
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      // The scan keeps such records away; csv-parse cannot go on after one, so the file fails.
      this.failure ??= new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${describeSource(this.context.file)}: a record is longer than ${MAX_RECORD_CHARS} characters; ` +
          `the rest of the file was not read`,
        { cause: error },
      );
      this.stopped = true;
      return;
    }
    const { line } = this.nextRecord();
    const message =
      error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `unclosed quote starting at line ${line}`
        : `unreadable record: ${error.message}`;
    if (this.headers === undefined) {
      this.failHeader(message, line);
      return;
    }
    this.batch.push(makeMalformedRow(this.context, line, {}, message));
  }
}

/** What the reader knows of a record the scan queued, when it reads with recall. */
interface RecordNote {
  /** The record's piece of the text the scan handed over (blank lines before it included). */
  piece: string;
  hasNul: boolean;
  /**
   * Its fingerprint, as the state's answer gave it; undefined when not asked or left out of the
   * answer (computed when the record is parsed).
   */
  fingerprint: string | undefined;
  /** What the state knew of the fingerprint, when it was asked. */
  known: KnownRecord | undefined;
  /** Recognised: not handed to csv-parse, emitted unparsed in its place. */
  recognised: boolean;
}

/** A text the scan handed over while the state is asked about its records. */
interface AheadText {
  text: string;
  notes: RecordNote[];
  /** False while the state has not answered. */
  answered: boolean;
  /** The answer: what it knew of the records, in order (undefined: not asked). */
  known: RecordRecollection | undefined;
  /** The question failed: thrown when the text is due. */
  error: unknown;
  /** Settles once answered (never rejects). */
  done: Promise<void>;
}

const ANSWERED: Promise<void> = Promise.resolve();

/** Looked up, and nothing known. */
const NOTHING_KNOWN: KnownRecord = Object.freeze({});

/** The values of a record left unparsed: none until {@link SourceRow.unparsed} is called. */
const UNPARSED: Record<string, unknown> = Object.freeze({});

const LF = 0x0a;
const CR = 0x0d;

/** csv-parse's options for records, whether streamed or parsed one at a time. */
function parserOptions(delimiter: string): Options {
  return {
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: false, // the decoder already dropped it
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  };
}

/** A record's text without the line breaks around it (blank lines before it, its own line break). */
function recordText(piece: string): string {
  let from = 0;
  let to = piece.length;
  while (from < to && isLineBreak(piece.charCodeAt(from))) from++;
  while (to > from && isLineBreak(piece.charCodeAt(to - 1))) to--;
  return from === 0 && to === piece.length ? piece : piece.slice(from, to);
}

function isLineBreak(code: number): boolean {
  return code === LF || code === CR;
}

/** A well-formed record's values under the header (as csv-parse would have given them). */
function parseRecord(text: string, headers: string[], delimiter: string): Record<string, unknown> {
  const records = parseSync(text, parserOptions(delimiter)) as string[][];
  return recordValues(headers, records[0] ?? [], headers.indexOf('__proto__'));
}

/** The record's fields under the header's names (as many as both have). */
function recordValues(headers: string[], fields: string[], protoIndex: number): Record<string, unknown> {
  const expected = headers.length;
  const found = fields.length;
  const count = found < expected ? found : expected;
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) raw[headers[i] as string] = fields[i];
  if (protoIndex !== -1 && protoIndex < count) {
    // A plain assignment to `__proto__` would be ignored; keep the column like any other.
    Object.defineProperty(raw, '__proto__', {
      value: fields[protoIndex],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return raw;
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
