/** Flag sets shared by the commands, and their translation into library input. */
import type { Argv } from 'yargs';
import type { ImportInput } from '../config.js';
import { SOURCE_FORMATS } from '../read/index.js';

/** The flags every command that talks to Sakari shares. */
export interface ConnectionArgs {
  'api-url'?: string;
  account?: string;
  'client-id'?: string;
  'client-secret'?: string;
  sandbox: boolean;
  timeout?: number;
  'redis-url'?: string;
}

/** The flags that shape an import (import and watch). */
export interface PipelineArgs extends ConnectionArgs {
  format?: string;
  sheet?: string;
  delimiter?: string;
  encoding?: string;
  mapping?: string;
  'default-country'?: string;
  'require-mobile': boolean;
  'phone-columns'?: string;
  'require-sms-consent': boolean;
  'merge-strategy': string;
  'batch-size'?: number;
  rate?: number;
  'fixed-rate': boolean;
  concurrency?: number;
  workers?: number;
  'dry-run': boolean;
  'report-dir'?: string;
  state?: string;
  'no-state'?: boolean;
  full: boolean;
  strict: boolean;
  quiet: boolean;
}

/** Adds the connection flags (CONTRACT §1: flag > env > job file > default). */
export function connectionOptions<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  return y
    .option('api-url', {
      type: 'string',
      describe: 'Sakari API base URL [env SAKARI_API_URL, default https://api.sakari.io]',
    })
    .option('account', { type: 'string', describe: 'Sakari account id [env SAKARI_ACCOUNT_ID]' })
    .option('client-id', { type: 'string', describe: 'API client id [env SAKARI_CLIENT_ID]' })
    .option('client-secret', { type: 'string', describe: 'API client secret [env SAKARI_CLIENT_SECRET]' })
    .option('sandbox', {
      type: 'boolean',
      default: false,
      describe: 'start the embedded Sakari simulator and use it',
    })
    .option('timeout', {
      type: 'number',
      describe: 'ms before a request is treated as lost and retried [30000]',
    })
    .option('redis-url', {
      type: 'string',
      describe:
        'share the account rate limit with other workers through this Redis, e.g. redis://127.0.0.1:6379 [env SAKARI_SYNC_REDIS_URL]',
    }) as Argv<T & ConnectionArgs>;
}

/** Adds the import flags (CONTRACT §7). */
export function pipelineOptions<T>(y: Argv<T>): Argv<T & PipelineArgs> {
  return connectionOptions(y)
    .option('format', {
      choices: SOURCE_FORMATS,
      describe: 'input format (default: by extension)',
    })
    .option('sheet', { type: 'string', describe: 'xlsx: the sheet to read (default: the first)' })
    .option('delimiter', { type: 'string', describe: 'CSV delimiter: , ; | or tab (default: detected)' })
    .option('encoding', {
      choices: ['latin1', 'windows-1252'],
      describe: 'CSV encoding when not UTF-8/UTF-16',
    })
    .option('mapping', {
      type: 'string',
      describe: 'JSON file mapping headers to fields, e.g. {"Cell #":"mobile"}',
    })
    .option('default-country', {
      type: 'string',
      describe: 'ISO country for numbers without + or country column',
    })
    .option('require-mobile', {
      type: 'boolean',
      default: false,
      describe: 'reject numbers known to be fixed lines',
    })
    .option('phone-columns', {
      type: 'string',
      describe: 'the columns that may hold the mobile, best first, e.g. "Mobile Phone,Phone"',
    })
    .option('require-sms-consent', {
      type: 'boolean',
      default: false,
      describe: 'send only rows whose source records an explicit SMS consent',
    })
    .option('merge-strategy', { choices: ['append', 'core', 'remove'], default: 'append' })
    .option('batch-size', { type: 'number', describe: 'contacts per upload [500]' })
    .option('rate', {
      type: 'number',
      describe: 'most requests per second to Sakari; the pace adapts below it to the 429s [10]',
    })
    .option('fixed-rate', {
      type: 'boolean',
      default: false,
      describe: 'keep to --rate instead of adapting the pace',
    })
    .option('concurrency', { type: 'number', describe: 'uploads in flight [2]' })
    .option('workers', { type: 'number', describe: 'phone-parsing worker threads [cores - 1]' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'do everything but send' })
    .option('report-dir', { type: 'string', describe: 'where run reports go [./reports]' })
    .option('state', {
      type: 'string',
      describe:
        'state: a SQLite file, or a postgres:// URL shared by several machines (env SAKARI_SYNC_STATE) [./.sakari-sync/state.db]',
    })
    .option('no-state', {
      type: 'boolean',
      describe: 'run without the state store (no incremental sync, no resume)',
    })
    .option('full', {
      type: 'boolean',
      default: false,
      describe: 'send every valid row, even unchanged ones',
    })
    .option('strict', { type: 'boolean', default: false, describe: 'exit 3 when any row is invalid' })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'no progress or summary on stderr',
    })
    .parserConfiguration({ 'boolean-negation': false }) as Argv<T & PipelineArgs>;
}

/** The connection flags as library input. */
export function connectionInput(args: ConnectionArgs): Partial<ImportInput> {
  return {
    apiUrl: args['api-url'],
    account: args.account,
    clientId: args['client-id'],
    clientSecret: args['client-secret'],
    timeoutMs: args.timeout,
    sandbox: args.sandbox,
    redisUrl: args['redis-url'],
  };
}

/** The import flags as library input. */
export function pipelineInput(args: PipelineArgs): Omit<ImportInput, 'sources'> {
  return {
    ...connectionInput(args),
    format: args.format,
    sheet: args.sheet,
    delimiter: args.delimiter,
    encoding: args.encoding,
    mapping: args.mapping,
    defaultCountry: args['default-country'],
    requireMobile: args['require-mobile'],
    phoneColumns: args['phone-columns'],
    requireSmsConsent: args['require-sms-consent'],
    mergeStrategy: args['merge-strategy'],
    batchSize: args['batch-size'],
    rate: args.rate,
    fixedRate: args['fixed-rate'],
    concurrency: args.concurrency,
    workers: args.workers,
    dryRun: args['dry-run'],
    full: args.full,
    strict: args.strict,
    reportDir: args['report-dir'],
    state: args['no-state'] ? false : args.state,
  };
}
