import { describeRowCode } from '../pipeline/codes.js';
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

/** Codes the API and the report itself add; the pipeline's row codes describe themselves (pipeline/codes). */
const DESCRIPTIONS: Record<string, string> = {
  'CONT-001': 'Sakari: invalid mobile number.',
  'CONT-010': 'Sakari: the contact requested no further communication (opted out).',
  [OTHER_CODES]: `Codes beyond the first ${MAX_TRACKED_CODES} distinct ones, counted together.`,
  [NO_CODE]: 'Rejected without a code.',
};

/** A one-line description of a row code or API code ('' when unknown). */
export function describeCode(code: string): string {
  const known = describeRowCode(code) ?? DESCRIPTIONS[code];
  if (known !== undefined) return known;
  const http = /^HTTP_(\d{3})$/.exec(code);
  if (http) return `Sakari answered HTTP ${http[1]} for the batch; not retried.`;
  if (/^[A-Z]{2,8}-\d{3}$/.test(code)) return 'Error code returned by the Sakari API.';
  return '';
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
        description: describeCode(code),
        examples: tally.examples.map((example) => ({ ...example })),
      }));
  }

  /** Number of distinct codes seen (including the overflow bucket). */
  get size(): number {
    return this.byCode.size;
  }
}
