import type { CommandModule } from 'yargs';
import { loadJob } from '../../job/load.js';
import type { CliContext } from '../main.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { runWithSignals } from '../run-import.js';
import { runWatch } from './watch.js';
import { commandInput, commandOptions, type OptionArgs } from '../options.js';

interface RunArgs extends OptionArgs, OutputArgs {
  job: string;
  json: boolean;
}

/** `sakari-sync run <job-file>`: a job file's import, holding the job's lock (cron-safe). */
export function runCommand(context: CliContext): CommandModule<object, RunArgs> {
  return {
    command: 'run <job>',
    describe: 'run a job file (JSON or YAML): sources, mapping and options in one place',
    builder: (y) =>
      outputOptions(commandOptions(y, 'run'))
        .positional('job', { type: 'string', demandOption: true, describe: 'the job file' })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .example('$0 run jobs/nightly-crm.yaml', 'the nightly CRM sync') as never,
    handler: async (args) => {
      const { input, warnings, watch } = await loadJob(args.job);
      if (watch) {
        const { sources: _sources, ...template } = input;
        context.exitCode = await runWatch(
          context,
          {
            ...watch,
            template: { ...template, ...commandInput(args, 'run') },
          },
          args,
          warnings,
        );
        return;
      }
      context.exitCode = await runWithSignals(
        context,
        { ...input, ...commandInput(args, 'run') },
        args,
        warnings,
      );
    },
  };
}
