import { ConfigError } from '../config.js';
import { LimiterConnectionError } from '../limit/index.js';
import { NoPhoneColumnError } from '../pipeline/phone-columns.js';
import { RunAbortedError } from '../pipeline/run.js';
import { SourceError } from '../read/index.js';
import { InvariantError } from '../report/index.js';
import { LockHeldError } from '../state/index.js';

/** CONTRACT §6. */
export const EXIT = {
  ok: 0,
  aborted: 1,
  usage: 2,
  rowsFailed: 3,
  locked: 4,
} as const;

/** A mistake in how the command was called (unknown flag, missing argument). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Maps a run-level failure to its exit code and a message for stderr. */
export function exitCodeForError(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError || error instanceof ConfigError)
    return { code: EXIT.usage, message: error.message };
  if (error instanceof SourceError || error instanceof NoPhoneColumnError)
    return { code: EXIT.usage, message: error.message };
  if (error instanceof LimiterConnectionError) return { code: EXIT.usage, message: error.message };
  if (error instanceof LockHeldError) return { code: EXIT.locked, message: error.message };
  if (error instanceof RunAbortedError) return { code: error.result.exitCode, message: error.message };
  if (error instanceof InvariantError)
    return { code: EXIT.aborted, message: `internal error: ${error.message}` };
  return { code: EXIT.aborted, message: error instanceof Error ? error.message : String(error) };
}
