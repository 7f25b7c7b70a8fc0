import type { CommandModule } from 'yargs';
import type { CliContext } from '../main.js';
import { pipelineInput, pipelineOptions, type PipelineArgs } from '../options.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { runWithSignals } from '../run-import.js';

interface ImportArgs extends PipelineArgs, OutputArgs {
  source: string[];
  json: boolean;
}

/** `sakari-sync import <source...>`. */
export function importCommand(context: CliContext): CommandModule<object, ImportArgs> {
  return {
    command: 'import <source...>',
    describe: 'import contacts from CSV, JSON or NDJSON files (or - for stdin) into Sakari',
    builder: (y) =>
      outputOptions(pipelineOptions(y))
        .positional('source', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'files to import',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .example('$0 import contacts.csv --sandbox --default-country US', 'try it without an account')
        .example(
          '$0 import crm.csv.gz --default-country GB --rate 5',
          'import into the account in SAKARI_ACCOUNT_ID',
        ) as never,
    handler: async (args) => {
      context.exitCode = await runWithSignals(
        context,
        { ...pipelineInput(args), sources: args.source, command: 'import' },
        args,
      );
    },
  };
}
