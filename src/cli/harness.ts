/**
 * The one harness every long-running command runs in: SIGINT/SIGTERM abort the command's signal
 * and end every wait in progress (a second one forces the exit), and stderr is written through one
 * secret guard, as text or, with `--log-format json`, as one JSON object per line.
 */
import type { Logger } from 'pino';
import { interruptWaits, resetWaitInterrupt } from '../limit/index.js';
import { createJsonLogger, secretGuard, type LogFormat } from './log.js';
import type { CliContext } from './main.js';

/**
 * The exit status of a process forced down by a second signal (128 + SIGINT), as shells report it.
 * The first signal already ends every pause and backoff wait, so a second one is rarely needed.
 */
export const FORCED_EXIT = 130;

/** The flags that shape stderr, common to the commands. */
export interface LogArgs {
  quiet: boolean;
  /** `--log-format`; `text` when absent. */
  'log-format'?: LogFormat;
}

/** What a command body gets from the harness. */
export interface Harness {
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  format: LogFormat;
  /** `--quiet`, or an output that asked for quiet. */
  quiet: boolean;
  /** Writes to stderr with every known secret masked. */
  write: (text: string) => void;
  /** The JSON logger (secret-named fields censored) with `--log-format json`, else undefined. */
  json: Logger | undefined;
}

/** Options of {@link runInHarness}. */
export interface HarnessOptions {
  args: LogArgs;
  /** Values masked wherever they appear on stderr (see `secretsOf`). */
  secrets: Iterable<string | undefined>;
  /** Says on stderr what the first signal does; the harness then aborts the signal. */
  onSignal: (signal: NodeJS.Signals, harness: Harness) => void;
}

/**
 * Runs `body` with SIGINT/SIGTERM handlers installed for its duration, and the guarded stderr
 * writers. Resolves with what `body` resolves with.
 *
 * The first signal aborts `signal` and interrupts every wait of the process (`interruptWaits`):
 * a `Retry-After` pause of a day, a retry's backoff. The requests in flight still finish and are
 * recorded; what was waiting fails at once, so the run writes its report and exits 1 (CONTRACT
 * §6, resumable) instead of sitting the pause out.
 */
export async function runInHarness<T>(
  context: CliContext,
  options: HarnessOptions,
  body: (harness: Harness) => Promise<T>,
): Promise<T> {
  const { output } = context;
  const quiet = options.args.quiet || output.quiet;
  const format = options.args['log-format'] ?? 'text';
  const guard = secretGuard(options.secrets);
  const write = (text: string): void => output.stderr(guard(text));
  const controller = new AbortController();
  const harness: Harness = {
    signal: controller.signal,
    format,
    quiet,
    write,
    json: format === 'json' ? createJsonLogger(write, { quiet }) : undefined,
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal forces the exit; whatever was in flight resumes on the next run.
    if (++signals > 1) process.exit(FORCED_EXIT);
    options.onSignal(signal, harness);
    controller.abort();
    interruptWaits(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(harness);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A command run after this one in the same process (tests, a host program) waits again.
    resetWaitInterrupt();
  }
}
