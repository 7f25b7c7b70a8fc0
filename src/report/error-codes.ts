import { describeCode } from '../codes.js';
import type { RowOutcome, RowStatus } from '../types.js';

/** Codes shown in the HTML report's error table: enough for any real run, short enough to read. */
export const MAX_REPORTED_CODES = 50;
/** Example rows kept per code. */
export const MAX_EXAMPLES_PER_CODE = 3;
/**
 * Distinct codes counted exactly. Codes come from a small vocabulary (ours plus the API's); the
 * cap only bounds memory if an API ever put free text in its codes. Later codes fall into
 * {@link OTHER_CODES}.
 */
export const MAX_TRACKED_CODES = 1000;
/** Longest example text kept (mobile input, message), so examples stay small. */
const MAX_EXAMPLE_CHARS = 200;

/** The bucket for codes beyond {@link MAX_TRACKED_CODES}. */
export const OTHER_CODES = '(other codes)';
/** The bucket for rejected rows that carried no code. */
export const NO_CODE = '(no code)';

/** One example row of an error code. */
export interface ErrorExample {
  file: string;
  line: number;
  /** The mobile number as the source had it. */
  mobileInput: string;
  message: string;
}

/** How often one code occurred, with a few examples. */
export interface ErrorCodeStat {
  code: string;
  /** The row status the code was first seen with (`invalid`, `duplicate`, `blocked`, `failed`). */
  status: RowStatus;
  count: number;
  /** One line saying what the code means ('' when unknown). */
  description: string;
  examples: ErrorExample[];
}

/** The report's own buckets; every other code is described by {@link describeCode} (codes.ts). */
const BUCKET_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  [OTHER_CODES]: `Codes beyond the first ${MAX_TRACKED_CODES} distinct ones, counted together.`,
  [NO_CODE]: 'Rejected without a code.',
});

/** The description shown for a row of the error table: a bucket's, or the code's. */
function describeTallied(code: string): string {
  return Object.prototype.hasOwnProperty.call(BUCKET_DESCRIPTIONS, code)
    ? BUCKET_DESCRIPTIONS[code]!
    : describeCode(code);
}

function clip(text: string): string {
  return text.length > MAX_EXAMPLE_CHARS ? `${text.slice(0, MAX_EXAMPLE_CHARS - 1)}…` : text;
}

interface Tally {
  status: RowStatus;
  count: number;
  examples: ErrorExample[];
}

/**
 * Counts error codes as rows are recorded and keeps the first few examples of each, in bounded
 * memory, for the HTML report.
 */
export class ErrorCodeTally {
  private readonly byCode = new Map<string, Tally>();

  /** Adds one rejected, blocked or failed row. */
  add(outcome: RowOutcome): void {
    let code = outcome.code === undefined || outcome.code === '' ? NO_CODE : outcome.code;
    if (!this.byCode.has(code) && this.byCode.size >= MAX_TRACKED_CODES) code = OTHER_CODES;
    let tally = this.byCode.get(code);
    if (!tally) {
      tally = { status: outcome.status, count: 0, examples: [] };
      this.byCode.set(code, tally);
    }
    tally.count += 1;
    if (tally.examples.length < MAX_EXAMPLES_PER_CODE) {
      tally.examples.push({
        file: outcome.ref.file,
        line: outcome.ref.line,
        mobileInput: clip(outcome.mobileInput),
        message: clip(outcome.message ?? ''),
      });
    }
  }

  /** The most frequent codes first (ties by code), at most `limit`. */
  top(limit: number = MAX_REPORTED_CODES): ErrorCodeStat[] {
    return [...this.byCode.entries()]
      .sort(([codeA, a], [codeB, b]) => b.count - a.count || (codeA < codeB ? -1 : codeA > codeB ? 1 : 0))
      .slice(0, limit)
      .map(([code, tally]) => ({
        code,
        status: tally.status,
        count: tally.count,
        description: describeTallied(code),
        examples: tally.examples.map((example) => ({ ...example })),
      }));
  }

  /** Number of distinct codes seen (including the overflow bucket). */
  get size(): number {
    return this.byCode.size;
  }
}
