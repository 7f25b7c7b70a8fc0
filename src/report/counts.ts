import { exitCodeOf, type RunOutcome } from '../exit-codes.js';
import type { RowStatus } from '../types.js';

/** Row counts of a run by outcome (summary.json `counts`). */
export interface Counts {
  /** Every source record: `valid + invalid + duplicate`. */
  rows: number;
  /** Rows that passed validation and dedupe: `unchanged + created + updated + blocked + failed`. */
  valid: number;
  invalid: number;
  duplicate: number;
  unchanged: number;
  /** In a dry run: rows that would be sent as new contacts. */
  created: number;
  /** In a dry run: rows that would be sent as updates. */
  updated: number;
  /** Refused by Sakari as opted out (`CONT-010`); never retried. */
  blocked: number;
  failed: number;
}

/** Thrown when the report's books do not balance: a bug, never a data problem. */
export class InvariantError extends Error {
  /** Each problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`report invariants violated (this is a bug in sakari-sync): ${problems.join('; ')}`);
    this.name = 'InvariantError';
    this.problems = problems;
  }
}

/** All-zero counts. */
export function emptyCounts(): Counts {
  return {
    rows: 0,
    valid: 0,
    invalid: 0,
    duplicate: 0,
    unchanged: 0,
    created: 0,
    updated: 0,
    blocked: 0,
    failed: 0,
  };
}

/** Adds one row with the given final status to `counts` (in place). */
export function countOutcome(counts: Counts, status: RowStatus): void {
  counts.rows += 1;
  counts[status] += 1;
  if (status !== 'invalid' && status !== 'duplicate') counts.valid += 1;
}

/**
 * Checks that the counts add up: `rows = valid + invalid + duplicate`,
 * `valid = unchanged + created + updated + blocked + failed`, and every count is a
 * non-negative integer.
 *
 * @returns one message per violation; `[]` when the counts balance.
 */
export function checkInvariants(counts: Counts): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0) problems.push(`counts.${name} is ${value}, not a count`);
  }
  const rowParts = counts.valid + counts.invalid + counts.duplicate;
  if (counts.rows !== rowParts) {
    problems.push(
      `rows (${counts.rows}) != valid + invalid + duplicate (${counts.valid} + ${counts.invalid} + ${counts.duplicate} = ${rowParts})`,
    );
  }
  const validParts = counts.unchanged + counts.created + counts.updated + counts.blocked + counts.failed;
  if (counts.valid !== validParts) {
    problems.push(
      `valid (${counts.valid}) != unchanged + created + updated + blocked + failed ` +
        `(${counts.unchanged} + ${counts.created} + ${counts.updated} + ${counts.blocked} + ${counts.failed} = ${validParts})`,
    );
  }
  return problems;
}

/** The outcome of a run that finished: `rows-failed` when a row failed, or with `strict` when a row was invalid. */
export function outcomeOfCounts(
  counts: Counts,
  options: { strict: boolean },
): Extract<RunOutcome, 'completed' | 'rows-failed'> {
  if (counts.failed > 0) return 'rows-failed';
  if (options.strict && counts.invalid > 0) return 'rows-failed';
  return 'completed';
}

/** Exit code of a run that finished (CONTRACT §6), from {@link outcomeOfCounts}: 3 or 0. */
export function exitCodeFor(counts: Counts, options: { strict: boolean }): number {
  return exitCodeOf(outcomeOfCounts(counts, options));
}
