/**
 * The process's "stop waiting" switch. A signal is process-wide, and so is this switch: the CLI
 * harness flips it on the first SIGINT/SIGTERM ({@link interruptWaits}) and resets it when the
 * command ends. Every wait that only lets time pass (an account's `Retry-After` pause, a retry's
 * backoff) then ends at once with a {@link WaitInterruptedError}, so "finish the batches in flight"
 * means the requests already sent, not a pause of a day; those requests' answers are still read.
 *
 * The waits are in the limiter, which the session builds: an {@link AbortSignal} passed to it
 * (`LimiterOptions.interrupt`) is heard too, and this switch is the default for every limiter.
 */

/** Thrown by a wait that a signal (or the limiter's stop) cut short: the run stops, resumable. */
export class WaitInterruptedError extends Error {
  override name = 'WaitInterruptedError';
}

let controller = new AbortController();

/**
 * Ends every wait in progress, and every wait started until {@link resetWaitInterrupt}, with a
 * {@link WaitInterruptedError} whose message starts with `reason` (e.g. `SIGTERM`).
 */
export function interruptWaits(reason: string): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

/** Waits wait again (the command that was interrupted has ended). */
export function resetWaitInterrupt(): void {
  if (controller.signal.aborted) controller = new AbortController();
}

/** Aborted, with the reason given to {@link interruptWaits}, while waits are interrupted. */
export function waitInterruptSignal(): AbortSignal {
  return controller.signal;
}
