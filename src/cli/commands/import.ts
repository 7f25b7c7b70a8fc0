import type { CommandModule } from 'yargs';
import { resolveImportSettings } from '../../config.js';
import { verifyAfterImport } from '../../reconcile/index.js';
import { worseExitCode } from '../../exit-codes.js';
import { EXIT, UsageError } from '../errors.js';
import type { CliContext } from '../main.js';
import { pipelineInput, pipelineOptions, type PipelineArgs } from '../options.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { runWithSignals } from '../run-import.js';

interface ImportArgs extends PipelineArgs, OutputArgs {
  source: string[];
  json: boolean;
  verify: boolean;
}

/** `sakari-sync import <source...>`. */
export function importCommand(context: CliContext): CommandModule<object, ImportArgs> {
  return {
    command: 'import <source...>',
    describe:
      'import contacts from CSV, JSON, NDJSON, Excel (.xlsx) or vCard (.vcf) files, zip archives of them, or - for stdin, into Sakari',
    builder: (y) =>
      outputOptions(pipelineOptions(y))
        .positional('source', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'files to import',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .option('verify', {
          type: 'boolean',
          default: false,
          describe:
            'after the import, reconcile the source with Sakari; exit 3 if anything is missing, different or opted out',
        })
        .example('$0 import contacts.csv --sandbox --default-country US', 'try it without an account')
        .example(
          '$0 import crm.csv.gz --default-country GB --rate 5',
          'import into the account in SAKARI_ACCOUNT_ID',
        ) as never,
    handler: async (args) => {
      const input = { ...pipelineInput(args), sources: args.source, command: 'import' };
      if (args.verify && args['dry-run'])
        throw new UsageError('--verify needs a real import: drop --dry-run');
      context.exitCode = await runWithSignals(context, input, args);
      if (args.verify && (context.exitCode === EXIT.ok || context.exitCode === EXIT.rowsFailed)) {
        const verified = await verifyAfterImport(await resolveImportSettings(input));
        const c = verified.counts;
        if (!args.quiet) {
          context.output.stderr(
            `verify: ${c.matched} matched, ${c.missing} missing, ${c.different} different, ${c.extra} extra in Sakari, ${c.optedOut} opted out but in Sakari · report ${verified.reportPath}\n`,
          );
        }
        context.exitCode = worseExitCode(context.exitCode, verified.exitCode);
      }
    },
  };
}
