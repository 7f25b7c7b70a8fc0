/**
 * How the CLI ends a command that failed: the exit code from the one table in src/exit-codes.ts
 * (CONTRACT §6), and the message for stderr.
 */
import { EXIT, UsageError, exitCodeOfError, type ExitCode } from '../exit-codes.js';
import { RunAbortedError } from '../pipeline/run.js';
import { ReconcileAbortedError } from '../reconcile/index.js';
import { InvariantError } from '../report/index.js';

export { EXIT, UsageError };

/**
 * Maps a failure to its exit code and a message for stderr. A run that stopped part-way carries
 * the code its report records (decided by the same table, from what stopped it).
 */
export function exitCodeForError(error: unknown): { code: number; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RunAbortedError || error instanceof ReconcileAbortedError)
    return { code: error.result.exitCode, message };
  const code: ExitCode = exitCodeOfError(error);
  return { code, message: error instanceof InvariantError ? `internal error: ${message}` : message };
}
