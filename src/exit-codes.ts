/**
 * What a run came to, and CONTRACT §6 exit codes: every driver (import, reconcile, watch) decides
 * a {@link RunOutcome}; {@link OUTCOME_EXIT} alone turns it into the number its `summary.json`
 * records and the process exits with, so the report and the process always agree.
 * {@link ERROR_EXIT_TABLE} says which outcome a run-level failure is. A new error class gets its
 * row there, and a test in test/cli/exit-codes.test.ts.
 */
import { ConfigError } from './config.js';
import { LimiterConnectionError, MAX_RETRY_WAIT_MS, formatWait } from './limit/index.js';
import { NoPhoneColumnError } from './pipeline/phone-columns.js';
import { SourceError } from './read/index.js';
import { InvariantError } from './report/index.js';
import { SakariConfigError, SakariError } from './sakari/errors.js';
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

/**
 * What a run came to, from best to worst: when a watcher imports several files, the worst one
 * is the watcher's (a failure that needs a person outranks rows that failed).
 */
export const RUN_OUTCOMES = ['completed', 'rows-failed', 'config', 'locked', 'aborted'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The one table from outcome to CONTRACT §6 exit code. */
export const OUTCOME_EXIT: Readonly<Record<RunOutcome, ExitCode>> = {
  /** Every valid row delivered or unchanged (reconcile: in sync). */
  completed: EXIT.ok,
  /** Finished, but some rows failed, or with `--strict` were invalid (reconcile: missing, different or opted out). */
  'rows-failed': EXIT.rowsFailed,
  /** A usage or configuration error, or an input that must be fixed first: not resumable. */
  config: EXIT.usage,
  /** Another run holds this job's lock. */
  locked: EXIT.locked,
  /** Stopped part-way (signal, Sakari unreachable, a bug): running it again resumes. */
  aborted: EXIT.aborted,
};

/** The CONTRACT §6 exit code of an outcome. */
export function exitCodeOf<Outcome extends RunOutcome>(outcome: Outcome): (typeof OUTCOME_EXIT)[Outcome] {
  return OUTCOME_EXIT[outcome];
}

/** The outcome an exit code stands for (a result records the number); unknown numbers are `aborted`. */
export function outcomeOfExitCode(exitCode: number): RunOutcome {
  return RUN_OUTCOMES.find((outcome) => OUTCOME_EXIT[outcome] === exitCode) ?? 'aborted';
}

/** The worse of two exit codes, ranked by their outcomes ({@link RUN_OUTCOMES}). */
export function worseExitCode(a: number, b: number): number {
  const rank = (code: number): number => RUN_OUTCOMES.indexOf(outcomeOfExitCode(code));
  return rank(b) > rank(a) ? b : a;
}

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
  readonly outcome: RunOutcome;
  /** `OUTCOME_EXIT[outcome]`. */
  readonly exitCode: ExitCode;
  /** Why this code, in a few words. */
  readonly reason: string;
}

/**
 * Run-level failure → outcome (and so exit code), first matching row wins; anything unmatched is
 * `aborted` (an unexpected failure is worth one more try, and a resumed run repeats nothing
 * acknowledged), as a signal is: its `WaitInterruptedError` (a pause or backoff it cut short) too.
 */
export const ERROR_EXIT_TABLE: readonly ErrorExitRule[] = (
  [
    {
      failure: 'UsageError (unknown flag, missing argument)',
      matches: (error) => error instanceof UsageError,
      outcome: 'config',
      reason: 'usage',
    },
    {
      failure: 'ConfigError (bad option, bad job file, missing credentials)',
      matches: (error) => error instanceof ConfigError,
      outcome: 'config',
      reason: 'configuration',
    },
    {
      failure: 'SourceError (source missing, unreadable, not its format, empty)',
      matches: (error) => error instanceof SourceError,
      outcome: 'config',
      reason: 'the input must be fixed first',
    },
    {
      failure: 'NoPhoneColumnError (no column can hold a phone number: nothing was sent)',
      matches: (error) => error instanceof NoPhoneColumnError,
      outcome: 'config',
      reason: 'the input or --phone-columns/--mapping must be fixed first',
    },
    {
      failure: `StateStoreError ${[...STATE_CONFIG_CODES].join(', ')}`,
      matches: (error) => error instanceof StateStoreError && STATE_CONFIG_CODES.has(error.code),
      outcome: 'config',
      reason: '--state names a file sakari-sync cannot use',
    },
    {
      failure: 'LimiterConnectionError (Redis unreachable or not a redis:// URL at start)',
      matches: (error) => error instanceof LimiterConnectionError,
      outcome: 'config',
      reason: 'configuration (--redis-url)',
    },
    {
      // SakariAuthError is one: the credentials refused. The others: 403 (the credentials lack the
      // rights, or a firewall blocks), 404 on the account's contacts (account id or API URL), no
      // token endpoint at the API URL. Sakari answers them the same way however often it is asked.
      failure:
        'SakariConfigError (credentials refused; credentials without the rights (403); account not found (404); no token endpoint at --api-url)',
      matches: (error) => error instanceof SakariConfigError,
      outcome: 'config',
      reason: 'configuration (credentials, their rights, account id or API URL)',
    },
    {
      failure: 'LockHeldError',
      matches: (error) => error instanceof LockHeldError,
      outcome: 'locked',
      reason: 'another run holds the lock',
    },
    {
      failure: `SakariError (network gone, 5xx or timeouts after the retries, a Retry-After beyond ${formatWait(MAX_RETRY_WAIT_MS)}, other HTTP errors)`,
      matches: (error) => error instanceof SakariError,
      outcome: 'aborted',
      reason: 'resumable',
    },
    {
      failure: 'InvariantError (the report does not add up: a bug)',
      matches: (error) => error instanceof InvariantError,
      outcome: 'aborted',
      reason: 'internal error',
    },
  ] satisfies ReadonlyArray<Omit<ErrorExitRule, 'exitCode'>>
).map((rule) => ({ ...rule, exitCode: exitCodeOf(rule.outcome) }));

/** The outcome of a run-level failure, from {@link ERROR_EXIT_TABLE}. */
export function outcomeOfError(error: unknown): RunOutcome {
  return ERROR_EXIT_TABLE.find((rule) => rule.matches(error))?.outcome ?? 'aborted';
}

/** The exit code of a run-level failure (CONTRACT §6), from {@link ERROR_EXIT_TABLE}. */
export function exitCodeOfError(error: unknown): ExitCode {
  return exitCodeOf(outcomeOfError(error));
}
