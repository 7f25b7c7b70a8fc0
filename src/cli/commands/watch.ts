import type { CommandModule } from 'yargs';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SETTLE_MS,
  watchFolder,
  type WatchLogEntry,
  type WatchOptions,
} from '../../watch/watcher.js';
import { createJsonLogger, secretGuard, type LogFormat } from '../log.js';
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
export interface WatchOutputArgs {
  quiet: boolean;
  /** `--log-format`; `text` when absent. */
  'log-format'?: LogFormat;
}

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
  const quiet = args.quiet || output.quiet;
  const guard = secretGuard(secretsOf(options.template));
  const write = (text: string): void => output.stderr(guard(text));
  const json = args['log-format'] === 'json' ? createJsonLogger(write, { quiet }) : undefined;
  const say = (text: string): void => {
    if (!quiet) write(`${new Date().toISOString()} ${text}\n`);
  };
  const log = (entry: WatchLogEntry): void => {
    if (!json) return say(entry.message);
    const { message, ...fields } = entry;
    if (entry.event === 'watch.error' || (entry.event === 'watch.file' && entry.exitCode !== 0)) {
      json.warn(fields, message);
    } else {
      json.info(fields, message);
    }
  };

  for (const warning of warnings) {
    if (json) json.warn({ event: 'warning' }, warning);
    else write(`warning: ${warning}\n`);
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal forces the exit; the file in processing/ resumes on the next start.
    if (++signals > 1) process.exit(130);
    const message = `${signal}: finishing the batch in flight; the file stays in processing/ and resumes next start (again to force)`;
    if (json) json.warn({ event: 'watch.signal', signal }, message);
    else write(`${message}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const start = `watching ${options.dir}/inbox${options.once ? ' (once)' : ''}`;
  if (json) json.info({ event: 'watch.start', dir: options.dir, once: Boolean(options.once) }, start);
  else say(start);
  try {
    const result = await watchFolder({ ...options, signal: controller.signal, log });
    for (const file of result.files) if (file.reportPath) output.stdout(`${file.reportPath}\n`);
    // SIGTERM is a normal way to stop a watcher (CONTRACT §7): exit 0 then.
    const exitCode = controller.signal.aborted ? 0 : result.exitCode;
    json?.info(
      { event: 'watch.finish', exitCode, files: result.files.length, stopped: controller.signal.aborted },
      `watcher stopped with exit code ${exitCode}`,
    );
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
