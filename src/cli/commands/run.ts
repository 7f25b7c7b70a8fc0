import type { CommandModule } from 'yargs';
import { loadJob } from '../../job/load.js';
import type { CliContext } from '../main.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { runWithSignals } from '../run-import.js';
import { runWatch } from './watch.js';
import { connectionInput, connectionOptions, type ConnectionArgs } from '../options.js';

interface RunArgs extends ConnectionArgs, OutputArgs {
  job: string;
  'dry-run': boolean;
  full: boolean;
  strict?: boolean;
  json: boolean;
  quiet: boolean;
}

/** `sakari-sync run <job-file>`: a job file's import, holding the job's lock (cron-safe). */
export function runCommand(context: CliContext): CommandModule<object, RunArgs> {
  return {
    command: 'run <job>',
    describe: 'run a job file (JSON or YAML): sources, mapping and options in one place',
    builder: (y) =>
      outputOptions(connectionOptions(y))
        .positional('job', { type: 'string', demandOption: true, describe: 'the job file' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'do everything but send' })
        .option('full', {
          type: 'boolean',
          default: false,
          describe: 'send every valid row, even unchanged ones',
        })
        .option('strict', { type: 'boolean', describe: 'exit 3 when any row is invalid (overrides the job)' })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .option('quiet', {
          alias: 'q',
          type: 'boolean',
          default: false,
          describe: 'no progress or summary on stderr',
        })
        .example('$0 run jobs/nightly-crm.yaml', 'the nightly CRM sync') as never,
    handler: async (args) => {
      const { input, warnings, watch } = await loadJob(args.job);
      if (watch) {
        const { sources: _sources, ...template } = input;
        context.exitCode = await runWatch(
          context,
          {
            ...watch,
            template: { ...template, dryRun: args['dry-run'], full: args.full, ...connectionInput(args) },
          },
          args,
          warnings,
        );
        return;
      }
      context.exitCode = await runWithSignals(
        context,
        {
          ...input,
          dryRun: args['dry-run'],
          full: args.full,
          strict: args.strict ?? input.strict,
          ...connectionInput(args),
        },
        args,
        warnings,
      );
    },
  };
}
