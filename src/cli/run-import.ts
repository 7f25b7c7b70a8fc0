import type { ImportInput } from '../config.js';
import { importContacts, RunAbortedError, type ImportResult, type RunProgress } from '../pipeline/run.js';
import type { CliContext } from './main.js';
import { formatSummary } from './output.js';

/** Runs an import with SIGINT/SIGTERM finishing the batches in flight, then prints the result. */
export async function runWithSignals(
  context: CliContext,
  input: ImportInput,
  args: { json: boolean; quiet: boolean },
): Promise<number> {
  const { output } = context;
  const quiet = args.quiet || output.quiet;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    if (!quiet)
      output.stderr(`\n${signal}: finishing the batches in flight, then stopping (again to force)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressPrinter(context, quiet);
  let result: ImportResult;
  try {
    result = await importContacts(input, {
      signal: controller.signal,
      onProgress: progress,
      onStart: (start) => {
        if (!quiet && start.resumedFrom) output.stderr(`resuming interrupted run ${start.resumedFrom}\n`);
        if (!quiet && start.apiUrl && input.sandbox) output.stderr(`sandbox: ${start.apiUrl}\n`);
      },
    });
  } catch (error) {
    if (!(error instanceof RunAbortedError)) throw error;
    result = error.result;
    output.stderr(`sakari-sync: ${error.message}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.done();
  }
  if (!quiet) output.stderr(formatSummary(result));
  output.stdout(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.reportPath}\n`);
  return result.exitCode;
}

/** Progress on stderr: a rewritten line on a terminal, a plain line every 10 s otherwise (cron logs). */
function progressPrinter(context: CliContext, quiet: boolean): ((p: RunProgress) => void) & { done(): void } {
  const { output } = context;
  const PLAIN_INTERVAL_MS = 10_000;
  let lastPlain = Date.now();
  let drawn = false;
  const print = (p: RunProgress): void => {
    if (quiet) return;
    const rate = p.elapsedMs > 0 ? Math.round((p.rowsDone * 1000) / p.elapsedMs) : 0;
    const line = `${p.rowsRead} read, ${p.rowsDone} done (${p.counts.created + p.counts.updated} sent, ${p.counts.invalid} invalid), ${rate} rows/s, ${p.api.requests} requests, ${p.api.throttled} throttled`;
    if (output.isTTY) {
      output.stderr(`\r\x1b[2K${line}`);
      drawn = true;
    } else if (Date.now() - lastPlain >= PLAIN_INTERVAL_MS) {
      lastPlain = Date.now();
      output.stderr(`progress: ${line}\n`);
    }
  };
  return Object.assign(print, {
    done: () => {
      if (drawn) output.stderr('\r\x1b[2K');
    },
  });
}
