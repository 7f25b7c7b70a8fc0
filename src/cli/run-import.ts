import type { ImportInput } from '../config.js';
import { importContacts, RunAbortedError, type ImportResult } from '../pipeline/run.js';
import { DEFAULT_CLIENT_SECRET } from '../sandbox/index.js';
import { exitCodeForError } from './errors.js';
import { runInHarness, type LogArgs } from './harness.js';
import { createRunLog, type RunLog } from './log.js';
import type { CliContext } from './main.js';

/** The flags of `import` and `run` that shape output. */
export interface RunOutputArgs extends LogArgs {
  json: boolean;
}

/**
 * Runs an import for the CLI: SIGINT/SIGTERM finish the batches in flight; the pre-flight,
 * progress, API events and a summary go to stderr (text or JSON lines, secrets masked); stdout
 * gets only the report path, or the summary as JSON with `--json`, so scripts can consume it.
 *
 * @param warnings - shown before the run (e.g. a job file's), in the chosen log format
 * @returns the exit code (CONTRACT §6)
 */
export async function runWithSignals(
  context: CliContext,
  input: ImportInput,
  args: RunOutputArgs,
  warnings: readonly string[] = [],
): Promise<number> {
  const { output } = context;
  let log: RunLog | undefined;
  const harness = {
    args,
    secrets: secretsOf(input),
    onSignal: (signal: NodeJS.Signals) =>
      log?.signal(signal, `${signal}: finishing the batches in flight, then stopping (again to force)`),
  };
  return runInHarness(context, harness, async ({ signal, format, quiet, write }) => {
    const runLog = createRunLog({
      format,
      quiet,
      write,
      isTTY: output.isTTY,
      columns: process.stderr.columns,
    });
    log = runLog;
    for (const warning of warnings) runLog.warning(warning);
    let result: ImportResult;
    try {
      result = await importContacts(input, {
        signal,
        onStart: (start) => runLog.start(start, { sandbox: Boolean(input.sandbox) }),
        onPreflight: (info) => runLog.preflight(info),
        onProgress: (progress) => runLog.progress(progress),
        onApiEvent: (event) => runLog.apiEvent(event),
        onWarning: (message) => runLog.warning(message),
      });
    } catch (error) {
      if (error instanceof RunAbortedError) {
        result = error.result;
        runLog.aborted(error.message, result);
      } else if (format === 'json') {
        // main.ts would print the error as free text: in JSON mode every stderr line is an object.
        runLog.close();
        const { code, message } = exitCodeForError(error);
        runLog.failed(message, code);
        return code;
      } else {
        runLog.close();
        throw error;
      }
    }
    runLog.finish(result);
    // stdout is for scripts: nothing but the report path or the JSON summary. It carries no secret
    // (the summary is built from redacted settings), and masking by value could corrupt a path.
    output.stdout(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.reportPath}\n`);
    return result.exitCode;
  });
}

/**
 * The client secrets this run may know of: flag, environment, job file. The sandbox's well-known
 * default is not a secret when `--sandbox` is on (the run then uses it whatever was given).
 */
export function secretsOf(input: Pick<ImportInput, 'clientSecret' | 'jobApi' | 'sandbox'>): string[] {
  const candidates = [input.clientSecret, process.env.SAKARI_CLIENT_SECRET, input.jobApi?.clientSecret];
  return candidates.filter(
    (secret): secret is string =>
      typeof secret === 'string' && !(input.sandbox && secret === DEFAULT_CLIENT_SECRET),
  );
}
