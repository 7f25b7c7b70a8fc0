/**
 * CONTRACT §6 exit codes, and the one table that says which exit code a run-level failure gets.
 * The CLI uses it for every command (src/cli/errors.ts); the import, watch and reconcile runs use
 * it for the `exitCode` their `summary.json` records when they stop part-way, so the report and
 * the process always agree. A new error class gets its row here, and a test in
 * test/cli/exit-codes.test.ts.
 */
import { ConfigError } from './config.js';
import { LimiterConnectionError } from './limit/index.js';
import { NoPhoneColumnError } from './pipeline/phone-columns.js';
import { SourceError } from './read/index.js';
import { InvariantError } from './report/index.js';
import { SakariAuthError, SakariError } from './sakari/errors.js';
import { LockHeldError, StateStoreError, type StateStoreErrorCode } from './state/index.js';

/** CONTRACT §6. */
export const EXIT = {
  /** Every valid row delivered or unchanged. */
  ok: 0,
  /** The run stopped part-way; running the same command again resumes it. */
  aborted: 1,
  /** Usage or configuration error: running it again changes nothing until someone fixes it. */
  usage: 2,
  /** Finished, but some rows failed (or, with `--strict`, were invalid). */
  rowsFailed: 3,
  /** Another run holds this job's lock. */
  locked: 4,
} as const;

/** One of the CONTRACT §6 numbers. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake in how the command was called (unknown flag, missing argument, contradictory flags). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The state store problems that a re-run cannot cure: the `--state` path itself is wrong. */
const STATE_CONFIG_CODES: ReadonlySet<StateStoreErrorCode> = new Set([
  'STATE_NOT_OURS',
  'STATE_TOO_NEW',
  'STATE_UNAVAILABLE',
]);

/** One row of {@link ERROR_EXIT_TABLE}. */
export interface ErrorExitRule {
  /** What the row matches, for people (README, tests): a class, optionally with codes. */
  readonly failure: string;
  readonly matches: (error: unknown) => boolean;
  readonly exitCode: ExitCode;
  /** Why this code, in a few words. */
  readonly reason: string;
}

/**
 * Run-level failure → exit code, first matching row wins; anything unmatched is {@link EXIT.aborted}
 * (an unexpected failure is worth one more try, and a resumed run repeats nothing acknowledged).
 */
export const ERROR_EXIT_TABLE: readonly ErrorExitRule[] = [
  {
    failure: 'UsageError (unknown flag, missing argument)',
    matches: (error) => error instanceof UsageError,
    exitCode: EXIT.usage,
    reason: 'usage',
  },
  {
    failure: 'ConfigError (bad option, bad job file, missing credentials)',
    matches: (error) => error instanceof ConfigError,
    exitCode: EXIT.usage,
    reason: 'configuration',
  },
  {
    failure: 'SourceError (source missing, unreadable, not its format, empty)',
    matches: (error) => error instanceof SourceError,
    exitCode: EXIT.usage,
    reason: 'the input must be fixed first',
  },
  {
    failure: 'NoPhoneColumnError (no column can hold a phone number: nothing was sent)',
    matches: (error) => error instanceof NoPhoneColumnError,
    exitCode: EXIT.usage,
    reason: 'the input or --phone-columns/--mapping must be fixed first',
  },
  {
    failure: `StateStoreError ${[...STATE_CONFIG_CODES].join(', ')}`,
    matches: (error) => error instanceof StateStoreError && STATE_CONFIG_CODES.has(error.code),
    exitCode: EXIT.usage,
    reason: '--state names a file sakari-sync cannot use',
  },
  {
    failure: 'LimiterConnectionError (Redis unreachable or not a redis:// URL at start)',
    matches: (error) => error instanceof LimiterConnectionError,
    exitCode: EXIT.usage,
    reason: 'configuration (--redis-url)',
  },
  {
    failure: 'SakariAuthError (credentials refused)',
    matches: (error) => error instanceof SakariAuthError,
    exitCode: EXIT.usage,
    reason: 'configuration (credentials)',
  },
  {
    failure: 'LockHeldError',
    matches: (error) => error instanceof LockHeldError,
    exitCode: EXIT.locked,
    reason: 'another run holds the lock',
  },
  {
    failure: 'SakariError (network gone, 5xx after the retries, other HTTP errors)',
    matches: (error) => error instanceof SakariError,
    exitCode: EXIT.aborted,
    reason: 'resumable',
  },
  {
    failure: 'InvariantError (the report does not add up: a bug)',
    matches: (error) => error instanceof InvariantError,
    exitCode: EXIT.aborted,
    reason: 'internal error',
  },
];

/** The exit code of a run-level failure (CONTRACT §6), from {@link ERROR_EXIT_TABLE}. */
export function exitCodeOfError(error: unknown): ExitCode {
  return ERROR_EXIT_TABLE.find((rule) => rule.matches(error))?.exitCode ?? EXIT.aborted;
}
