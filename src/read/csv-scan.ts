/**
 * Finding CSV record boundaries ahead of csv-parse, with its quoting rules (`relax_quotes`,
 * record delimiters CRLF, LF and CR), so that a record can be judged before csv-parse holds it:
 * - each record's physical start line, counting line breaks inside quoted fields and blank lines;
 * - whether it holds a NUL (a damaged record in a text file, made an invalid row by the reader);
 * - a record longer than {@link MAX_RECORD_CHARS} is never handed to csv-parse: its text is
 *   skipped to the record's end and reading goes on with the next record. Only when no end is
 *   found within {@link MAX_SKIPPED_RECORD_CHARS} (or an unclosed quote runs to the end of the
 *   file) does the scan give up on the rest of the file.
 *
 * csv-parse is fed whole records only (text up to the last record boundary), so whatever it
 * emits is matched, in order, with the {@link ScannedRecord}s queued here.
 */

import { MAX_RECORD_CHARS } from './context.js';
import { Fifo } from './fifo.js';

/**
 * How far past its start an oversized record is skipped in search of its end. A record this
 * long has no end to find: an unclosed quote, or text with no line breaks at all. Scanning
 * costs no memory, only time, so the bound is generous; it keeps a pathological file from
 * being read to its end for nothing.
 */
export const MAX_SKIPPED_RECORD_CHARS = 32 * MAX_RECORD_CHARS;

/** What the scan found, one item per source record (blank lines are not records), in order. */
export type ScannedRecord =
  /**
   * A record handed to csv-parse; `hasNul` when it holds a NUL character. `end`: where it ends in
   * the text that {@link CsvScan.push} (or `finish`) returned with it, just after its line break.
   * The records of one returned text cut it into consecutive pieces: a record's piece runs from
   * the previous record's `end` (0 for the first) to its own, blank lines before it included.
   * `afterBlank` when an empty line stands between it and the record before it (or the start).
   * `unterminated` when the text ends in it: the last record, with no line break after it.
   */
  | {
      kind: 'record';
      line: number;
      hasNul: boolean;
      end: number;
      afterBlank: boolean;
      unterminated: boolean;
    }
  /** A record longer than {@link MAX_RECORD_CHARS}, skipped to its end; reading went on after it. */
  | { kind: 'oversized'; line: number }
  /**
   * A record whose end was not found: within {@link MAX_SKIPPED_RECORD_CHARS} characters, or
   * before the end of the file. Nothing after it was read. `insideQuotes` when it is an
   * unclosed quote.
   */
  | { kind: 'unbounded'; line: number; insideQuotes: boolean; reachedEnd: boolean };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** The scanner; {@link push} each chunk of text, then {@link finish}. */
export class CsvScan {
  /** Set once a record without an end was found: nothing more is handed to csv-parse. */
  gaveUp = false;
  /** csv-parse may keep the last record of a write until the next one: it need not run empty. */
  private readonly queue = new Fifo<ScannedRecord>();
  private readonly delimiter: number;
  /** The physical line at the scan position (1-based). */
  private line: number;
  /** Characters of the current record so far; 0 between records. */
  private recordChars = 0;
  private recordLine: number;
  /** An empty line was seen since the last record (see `ScannedRecord.afterBlank`). */
  private blankSeen = false;
  private recordHasNul = false;
  private quoting = false;
  /** A quote was seen inside a quoted field: the next character decides what it was. */
  private quotePending = false;
  /** A CR was the last character: an LF right after it belongs to the same line break. */
  private crPending = false;
  /** Whether the current field holds a character (a quote then is text, as csv-parse has it). */
  private fieldStarted = false;
  private skipping = false;
  /** The text of the current record from earlier chunks, not yet handed to csv-parse. */
  private held = '';
  /**
   * Where chunk index 0 would stand in the text being returned by {@link push} (see
   * `ScannedRecord.end`); kept up to date as pieces are handed over.
   */
  private base = 0;
  /** The queue's position when the last {@link push} or {@link finish} started. */
  private pushedFrom = 0;

  /** @param firstLine the line number of the text's first line (2 when a line before it was taken off) */
  constructor(delimiter: string, firstLine = 1) {
    this.delimiter = delimiter.charCodeAt(0);
    this.line = firstLine;
    this.recordLine = firstLine;
  }

  /** Entries the queue holds, taken ones not yet dropped included (bounded; see `Fifo`). */
  get queueEntries(): number {
    return this.queue.held;
  }

  /** The next scanned record without taking it, if any. */
  peek(): ScannedRecord | undefined {
    return this.queue.peek();
  }

  /**
   * The records found by the last {@link push} or {@link finish}, in order, those taken since
   * excepted (call it right after the push).
   */
  pushed(): ScannedRecord[] {
    return this.queue.since(this.pushedFrom);
  }

  /** The next scanned record, if any. */
  next(): ScannedRecord | undefined {
    return this.queue.shift();
  }

  /** Scans a chunk; returns the text to hand to csv-parse now (whole records, possibly ''). */
  push(chunk: string): string {
    this.pushedFrom = this.queue.pushed;
    if (this.gaveUp) return '';
    const out: string[] = [];
    /** Characters of `out` so far. */
    let outLength = 0;
    this.base = this.held.length;
    /** Where the text not yet handed over (or skipped) starts in this chunk. */
    let pendingStart = 0;
    /** Just after the last record boundary seen in this chunk (-1: none yet). */
    let lastCut = -1;
    const delimiter = this.delimiter;
    // Where the next quote, CR and NUL are (chunk.length: none), for the fast path below.
    let nextQuote = -1;
    let nextCr = -1;
    let nextNul = -1;
    for (let i = 0; i < chunk.length; i++) {
      if (
        this.recordChars === 0 &&
        !this.quoting &&
        !this.quotePending &&
        !this.crPending &&
        !this.skipping
      ) {
        // Fast path: a line with no quote, NUL or CR (but a CRLF ending) is one plain record.
        const end = chunk.indexOf('\n', i);
        if (end !== -1) {
          if (nextQuote < i) nextQuote = indexOrEnd(chunk, '"', i);
          if (nextNul < i) nextNul = indexOrEnd(chunk, '\u0000', i);
          if (nextCr < i) nextCr = indexOrEnd(chunk, '\r', i);
          const crlf = nextCr === end - 1;
          const recordEnd = crlf ? end - 1 : end;
          if (
            nextQuote > end &&
            nextNul > end &&
            (crlf || nextCr > end) &&
            recordEnd - i <= MAX_RECORD_CHARS
          ) {
            if (recordEnd > i) {
              const afterBlank = this.blankSeen;
              this.blankSeen = false;
              this.queue.push({
                kind: 'record',
                line: this.line,
                hasNul: false,
                end: this.base + end + 1,
                afterBlank,
                unterminated: false,
              });
            } else this.blankSeen = true;
            this.line++;
            lastCut = end + 1;
            i = end;
            continue;
          }
        }
      }
      const code = chunk.charCodeAt(i);
      if (this.crPending) {
        this.crPending = false;
        // CRLF is one line break: inside quotes the LF is text of the field, outside it ends nothing more.
        if (code === LF) {
          if (this.recordChars > 0) {
            if (this.countChar())
              outLength = this.handOverBefore(out, outLength, chunk, pendingStart, lastCut);
          } else if (!this.skipping) lastCut = i + 1;
          if (this.gaveUp) return this.giveUp(out);
          continue;
        }
      }
      if (this.quotePending) {
        this.quotePending = false;
        if (code === QUOTE) {
          // A doubled quote: one quote character of the field.
          if (this.countChar()) outLength = this.handOverBefore(out, outLength, chunk, pendingStart, lastCut);
          if (this.gaveUp) return this.giveUp(out);
          continue;
        }
        // Closed (before a delimiter or line break), or, relaxed, a quote kept as text.
        this.quoting = false;
        if (code !== delimiter && code !== LF && code !== CR) this.fieldStarted = true;
      }
      if (this.quoting) {
        if (code === QUOTE) this.quotePending = true;
        else if (code === LF) this.line++;
        else if (code === CR) {
          this.line++;
          this.crPending = true;
        } else if (code === NUL) this.recordHasNul = true;
        this.fieldStarted = true;
      } else if (code === LF || code === CR) {
        this.line++;
        if (code === CR) this.crPending = true;
        if (this.recordChars > 0) this.endRecord(this.base + i + 1);
        else this.blankSeen = true;
        if (this.skipping) {
          this.skipping = false;
          pendingStart = i + 1;
          this.base = outLength - pendingStart;
        }
        lastCut = i + 1;
        continue;
      } else if (code === delimiter) {
        this.fieldStarted = false;
      } else if (code === QUOTE && !this.fieldStarted) {
        this.quoting = true;
      } else {
        this.fieldStarted = true;
        if (code === NUL) this.recordHasNul = true;
      }
      if (this.countChar()) outLength = this.handOverBefore(out, outLength, chunk, pendingStart, lastCut);
      if (this.gaveUp) return this.giveUp(out);
    }
    if (this.skipping) return out.join('');
    if (lastCut >= pendingStart) {
      out.push(this.held + chunk.slice(pendingStart, lastCut));
      this.held = chunk.slice(lastCut);
    } else {
      this.held += chunk.slice(pendingStart);
    }
    return out.join('');
  }

  /** Ends the scan; returns the last text to hand to csv-parse (the last record, when unended). */
  finish(): string {
    this.pushedFrom = this.queue.pushed;
    if (this.gaveUp) return '';
    if (this.quotePending) {
      this.quotePending = false;
      this.quoting = false;
    }
    if (this.skipping) {
      if (this.quoting) {
        this.queue.push({ kind: 'unbounded', line: this.recordLine, insideQuotes: true, reachedEnd: true });
        this.gaveUp = true;
      } else {
        this.queue.push({ kind: 'oversized', line: this.recordLine });
      }
      this.skipping = false;
      this.recordChars = 0;
      return '';
    }
    // What is left is a record with no line break after it (a line break ends a record).
    if (this.recordChars > 0) this.endRecord(this.held.length, true);
    const tail = this.held;
    this.held = '';
    return tail;
  }

  /**
   * Counts a character of the current record. Returns true when the record just became too
   * long (skipping starts); gives up past {@link MAX_SKIPPED_RECORD_CHARS}.
   */
  private countChar(): boolean {
    if (this.recordChars === 0) this.recordLine = this.line;
    this.recordChars++;
    if (this.recordChars <= MAX_RECORD_CHARS) return false;
    if (!this.skipping) {
      this.skipping = true;
      return true;
    }
    if (this.recordChars > MAX_SKIPPED_RECORD_CHARS) {
      this.queue.push({
        kind: 'unbounded',
        line: this.recordLine,
        insideQuotes: this.quoting,
        reachedEnd: false,
      });
      this.gaveUp = true;
    }
    return false;
  }

  /**
   * A record became too long: hand over the whole records before it, drop what it had so far.
   * Returns the characters handed over in this push so far.
   */
  private handOverBefore(
    out: string[],
    outLength: number,
    chunk: string,
    pendingStart: number,
    lastCut: number,
  ): number {
    let length = outLength;
    if (lastCut >= pendingStart) {
      const piece = this.held + chunk.slice(pendingStart, lastCut);
      out.push(piece);
      length += piece.length;
    }
    this.held = '';
    return length;
  }

  /**
   * Ends the current record, `end` being where it ends in the text handed over, `unterminated`
   * when the text ended in it (see `ScannedRecord`).
   */
  private endRecord(end: number, unterminated = false): void {
    const afterBlank = this.blankSeen;
    this.blankSeen = false;
    this.queue.push(
      this.skipping
        ? { kind: 'oversized', line: this.recordLine }
        : { kind: 'record', line: this.recordLine, hasNul: this.recordHasNul, end, afterBlank, unterminated },
    );
    this.recordChars = 0;
    this.recordHasNul = false;
    this.fieldStarted = false;
  }

  /** After giving up: only the whole records before the unbounded one are handed over. */
  private giveUp(out: string[]): string {
    this.held = '';
    return out.join('');
  }
}

/** The index of `char` in `text` from `from`, or `text.length` when there is none. */
function indexOrEnd(text: string, char: string, from: number): number {
  const at = text.indexOf(char, from);
  return at === -1 ? text.length : at;
}
