import type { CommandModule } from 'yargs';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SETTLE_MS,
  watchFolder,
  type WatchOptions,
} from '../../watch/watcher.js';
import type { CliContext } from '../main.js';
import { pipelineInput, pipelineOptions, type PipelineArgs } from '../options.js';

interface WatchArgs extends PipelineArgs {
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
      pipelineOptions(y)
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
        args.quiet,
      );
    },
  };
}

/**
 * Runs a watcher for the CLI (the `watch` command, or `run` with a job that has a `watch` section):
 * log lines on stderr, report paths on stdout, SIGINT/SIGTERM finish the batch in flight and exit 0.
 */
export async function runWatch(
  context: CliContext,
  options: Omit<WatchOptions, 'signal' | 'log'>,
  quiet: boolean,
): Promise<number> {
  const { output } = context;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    output.stderr(
      `${signal}: finishing the batch in flight; the file stays in processing/ and resumes next start\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (line: string): void => {
    if (!quiet) output.stderr(`${new Date().toISOString()} ${line}\n`);
  };
  log(`watching ${options.dir}/inbox${options.once ? ' (once)' : ''}`);
  try {
    const result = await watchFolder({ ...options, signal: controller.signal, log });
    for (const file of result.files) if (file.reportPath) output.stdout(`${file.reportPath}\n`);
    // SIGTERM is a normal way to stop a watcher (CONTRACT §7): exit 0 then.
    return controller.signal.aborted ? 0 : result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
