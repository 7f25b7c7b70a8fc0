import type { Argv, CommandModule } from 'yargs';
import type { ImportInput } from '../../config.js';
import { importContacts, RunAbortedError, type ImportResult, type RunProgress } from '../../pipeline/run.js';
import type { CliContext } from '../main.js';
import { formatSummary } from '../output.js';

/** The flags every command that talks to Sakari shares. */
export interface ConnectionArgs {
  'api-url'?: string;
  account?: string;
  'client-id'?: string;
  'client-secret'?: string;
  sandbox: boolean;
  timeout?: number;
}

interface ImportArgs extends ConnectionArgs {
  source: string[];
  format?: string;
  delimiter?: string;
  encoding?: string;
  mapping?: string;
  'default-country'?: string;
  'require-mobile': boolean;
  'merge-strategy': string;
  'batch-size'?: number;
  rate?: number;
  concurrency?: number;
  workers?: number;
  'dry-run': boolean;
  'report-dir'?: string;
  state?: string;
  'no-state'?: boolean;
  full: boolean;
  strict: boolean;
  json: boolean;
  quiet: boolean;
}

/** Adds the connection flags (CONTRACT §1: flag > env > job file > default). */
export function connectionOptions<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  return y
    .option('api-url', { type: 'string', describe: 'Sakari API base URL [env SAKARI_API_URL, default https://api.sakari.io]' })
    .option('account', { type: 'string', describe: 'Sakari account id [env SAKARI_ACCOUNT_ID]' })
    .option('client-id', { type: 'string', describe: 'API client id [env SAKARI_CLIENT_ID]' })
    .option('client-secret', { type: 'string', describe: 'API client secret [env SAKARI_CLIENT_SECRET]' })
    .option('sandbox', { type: 'boolean', default: false, describe: 'start the embedded Sakari simulator and use it' })
    .option('timeout', { type: 'number', describe: 'ms before a request is treated as lost and retried [30000]' }) as Argv<
    T & ConnectionArgs
  >;
}

/** `sakari-sync import <source...>`. */
export function importCommand(context: CliContext): CommandModule<object, ImportArgs> {
  return {
    command: 'import <source...>',
    describe: 'import contacts from CSV, JSON or NDJSON files (or - for stdin) into Sakari',
    builder: (y) =>
      connectionOptions(y)
        .positional('source', { type: 'string', array: true, demandOption: true, describe: 'files to import' })
        .option('format', { choices: ['csv', 'json', 'ndjson'], describe: 'input format (default: by extension)' })
        .option('delimiter', { type: 'string', describe: 'CSV delimiter: , ; | or tab (default: detected)' })
        .option('encoding', { choices: ['latin1', 'windows-1252'], describe: 'CSV encoding when not UTF-8/UTF-16' })
        .option('mapping', { type: 'string', describe: 'JSON file mapping headers to fields, e.g. {"Cell #":"mobile"}' })
        .option('default-country', { type: 'string', describe: 'ISO country for numbers without + or country column' })
        .option('require-mobile', { type: 'boolean', default: false, describe: 'reject numbers known to be fixed lines' })
        .option('merge-strategy', { choices: ['append', 'core', 'remove'], default: 'append' })
        .option('batch-size', { type: 'number', describe: 'contacts per upload [500]' })
        .option('rate', { type: 'number', describe: 'requests per second to Sakari [10]' })
        .option('concurrency', { type: 'number', describe: 'uploads in flight [2]' })
        .option('workers', { type: 'number', describe: 'phone-parsing worker threads [cores - 1]' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'do everything but send' })
        .option('report-dir', { type: 'string', describe: 'where run reports go [./reports]' })
        .option('state', { type: 'string', describe: 'state database [./.sakari-sync/state.db]' })
        .option('no-state', { type: 'boolean', describe: 'run without the state store (no incremental sync, no resume)' })
        .option('full', { type: 'boolean', default: false, describe: 'send every valid row, even unchanged ones' })
        .option('strict', { type: 'boolean', default: false, describe: 'exit 3 when any row is invalid' })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress or summary on stderr' })
        .example('$0 import contacts.csv --sandbox --default-country US', 'try it without an account')
        .example('$0 import crm.csv.gz --default-country GB --rate 5', 'import into the account in SAKARI_ACCOUNT_ID')
        .parserConfiguration({ 'boolean-negation': false }) as never,
    handler: async (args) => {
      const input: ImportInput = {
        sources: args.source,
        command: 'import',
        format: args.format,
        delimiter: args.delimiter,
        encoding: args.encoding,
        mapping: args.mapping,
        defaultCountry: args['default-country'],
        requireMobile: args['require-mobile'],
        mergeStrategy: args['merge-strategy'],
        batchSize: args['batch-size'],
        rate: args.rate,
        concurrency: args.concurrency,
        workers: args.workers,
        dryRun: args['dry-run'],
        full: args.full,
        strict: args.strict,
        reportDir: args['report-dir'],
        state: args['no-state'] ? false : args.state,
        apiUrl: args['api-url'],
        account: args.account,
        clientId: args['client-id'],
        clientSecret: args['client-secret'],
        timeoutMs: args.timeout,
        sandbox: args.sandbox,
      };
      context.exitCode = await runWithSignals(context, input, args);
    },
  };
}

/** Runs an import with SIGINT/SIGTERM finishing the batches in flight, then prints the result. */
async function runWithSignals(
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
    if (!quiet) output.stderr(`\n${signal}: finishing the batches in flight, then stopping (again to force)\n`);
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
