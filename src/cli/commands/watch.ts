import type { CommandModule } from 'yargs';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SETTLE_MS,
  watchFolder,
  type WatchLogEntry,
  type WatchOptions,
} from '../../watch/watcher.js';
import { EXIT } from '../errors.js';
import { runInHarness, type Harness, type LogArgs } from '../harness.js';
import type { CliContext } from '../main.js';
import { pipelineInput, pipelineOptions, type PipelineArgs } from '../options.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { secretsOf } from '../run-import.js';

interface WatchArgs extends PipelineArgs, OutputArgs {
  dir: string;
  'settle-ms': number;
  'rescan-ms'?: number;
  'heartbeat-ms': number;
  once: boolean;
}

/** `sakari-sync watch <dir>`: imports files dropped in `<dir>/inbox`. */
export function watchCommand(context: CliContext): CommandModule<object, WatchArgs> {
  return {
    command: 'watch <dir>',
    describe: 'import files dropped in <dir>/inbox; they move through processing/ to processed/ or failed/',
    builder: (y) =>
      outputOptions(pipelineOptions(y))
        .positional('dir', { type: 'string', demandOption: true, describe: 'the drop folder' })
        .option('settle-ms', {
          type: 'number',
          default: DEFAULT_SETTLE_MS,
          describe: 'a file is taken once its size and mtime are stable this long',
        })
        .option('rescan-ms', {
          type: 'number',
          describe: 'look at the inbox this often even without events [min(5000, settle-ms)]',
        })
        .option('heartbeat-ms', {
          type: 'number',
          default: DEFAULT_HEARTBEAT_MS,
          describe: 'log line while idle',
        })
        .option('once', {
          type: 'boolean',
          default: false,
          describe: 'drain the inbox and exit with the worst file exit code',
        })
        .example(
          '$0 watch /srv/drop --default-country GB',
          'import every file dropped in /srv/drop/inbox',
        ) as never,
    handler: async (args) => {
      context.exitCode = await runWatch(
        context,
        {
          dir: args.dir,
          template: { ...pipelineInput(args), reportDir: undefined },
          settleMs: args['settle-ms'],
          rescanMs: args['rescan-ms'],
          heartbeatMs: args['heartbeat-ms'],
          once: args.once,
        },
        args,
      );
    },
  };
}

/** How a watcher writes to stderr. */
export type WatchOutputArgs = LogArgs;

/**
 * Runs a watcher for the CLI (the `watch` command, or `run` with a job that has a `watch` section):
 * log lines on stderr (timestamped text, or one JSON object per line with `--log-format json`;
 * secrets masked), report paths on stdout, SIGINT/SIGTERM finish the batch in flight and exit 0.
 *
 * @param warnings - shown first, in the chosen log format (e.g. a job file's)
 */
export async function runWatch(
  context: CliContext,
  options: Omit<WatchOptions, 'signal' | 'log'>,
  args: WatchOutputArgs,
  warnings: readonly string[] = [],
): Promise<number> {
  const { output } = context;
  const harness = {
    args,
    secrets: secretsOf(options.template),
    onSignal: (signal: NodeJS.Signals, { json, write }: Harness) => {
      // The file in processing/ resumes on the next start.
      const message = `${signal}: finishing the batch in flight; the file stays in processing/ and resumes next start (again to force)`;
      if (json) json.warn({ event: 'watch.signal', signal }, message);
      else write(`${message}\n`);
    },
  };
  return runInHarness(context, harness, async ({ signal, quiet, write, json }) => {
    const say = (text: string): void => {
      if (!quiet) write(`${new Date().toISOString()} ${text}\n`);
    };
    const log = (entry: WatchLogEntry): void => {
      if (!json) return say(entry.message);
      const { message, ...fields } = entry;
      if (entry.event === 'watch.error' || (entry.event === 'watch.file' && entry.exitCode !== EXIT.ok)) {
        json.warn(fields, message);
      } else {
        json.info(fields, message);
      }
    };

    for (const warning of warnings) {
      if (json) json.warn({ event: 'warning' }, warning);
      else write(`warning: ${warning}\n`);
    }

    const start = `watching ${options.dir}/inbox${options.once ? ' (once)' : ''}`;
    if (json) json.info({ event: 'watch.start', dir: options.dir, once: Boolean(options.once) }, start);
    else say(start);
    const result = await watchFolder({ ...options, signal, log });
    for (const file of result.files) if (file.reportPath) output.stdout(`${file.reportPath}\n`);
    // SIGTERM is a normal way to stop a watcher (CONTRACT §7): exit 0 then.
    const exitCode = signal.aborted ? EXIT.ok : result.exitCode;
    json?.info(
      { event: 'watch.finish', exitCode, files: result.files.length, stopped: signal.aborted },
      `watcher stopped with exit code ${exitCode}`,
    );
    return exitCode;
  });
}
