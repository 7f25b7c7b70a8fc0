/**
 * Run options: named defaults, and one normalisation step that turns what a user gave (flags, env,
 * job file) into a fully resolved {@link ImportSettings}. Inner code never applies defaults itself.
 */
import os from 'node:os';
import path from 'node:path';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import type { FieldMapping } from './pipeline/map-fields.js';
import { SOURCE_FORMATS, type SourceFormat } from './read/index.js';
import { DEFAULT_STATE_PATH, redactStateLocation, resolveStateLocation } from './state/index.js';
import { MERGE_STRATEGIES, type MergeStrategy } from './types.js';

/** Sakari's production API. */
export const DEFAULT_API_URL = 'https://api.sakari.io';
/** 500 rows keeps one CSV upload well under a second of server work and bounds what a failed batch repeats. */
export const DEFAULT_BATCH_SIZE = 500;
/**
 * Sakari documents no per-account limit; 10 requests/s is a polite default a user raises with
 * --rate. It is the ceiling of the adaptive pace, which finds the account's limit below it from
 * the 429s (issue 18); --fixed-rate makes it the pace.
 */
export const DEFAULT_RATE = 10;
/** Two batches in flight hide one round trip of latency without piling up work a 429 would stall. */
export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_REPORT_DIR = 'reports';
export { DEFAULT_STATE_PATH } from './state/index.js';
/** A request that has not answered in 30 s is treated as lost and retried (the upsert is idempotent). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Sakari rejects bigger uploads; also the largest batch a bisect has to split. */
export const MAX_BATCH_SIZE = 5_000;
/** Phone parsing runs in worker threads; leave one core for reading, mapping and reporting. */
export const DEFAULT_WORKERS = Math.max(1, os.availableParallelism() - 1);
/** Account id used when a run talks to the embedded sandbox without naming one. */
export const SANDBOX_ACCOUNT = 'sandbox-account';

/** Where and as whom to talk to Sakari. */
export interface ApiSettings {
  url: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** A fully resolved import: every field has its final value. */
export interface ImportSettings {
  command: string;
  sources: string[];
  format?: SourceFormat;
  /** xlsx: the sheet to read (the first when absent). */
  sheet?: string;
  delimiter?: string;
  encoding?: 'latin1' | 'windows-1252';
  mapping?: FieldMapping;
  /** `--phone-columns`: the columns that may hold the mobile, best first; absent: ranked by header. */
  phoneColumns?: string[];
  defaultCountry?: CountryCode;
  requireMobile: boolean;
  /** `--require-sms-consent`: rows without an explicit SMS consent in the source are `blocked`. */
  requireSmsConsent: boolean;
  mergeStrategy: MergeStrategy;
  batchSize: number;
  /** Requests/s: the ceiling of the adaptive pace, or the pace with `fixedRate`. */
  rate: number;
  /** Keep to `rate` instead of adapting the pace to the server's 429s. */
  fixedRate: boolean;
  concurrency: number;
  workers: number;
  dryRun: boolean;
  full: boolean;
  strict: boolean;
  reportDir: string;
  /**
   * The state store: an absolute SQLite file path or a `postgres://` URL (may hold a password:
   * show it through `redactStateLocation`). null: no state store (every valid row is sent,
   * nothing is resumed).
   */
  statePath: string | null;
  /** Key of the run lock and of resume matching: the job name, or the state file for plain imports. */
  jobKey: string;
  /** The Sakari account the run is for (keys the state store); `default` in a dry run without one. */
  account: string;
  /** null in a dry run: nothing is sent. */
  api: ApiSettings | null;
  /** Start the embedded Sakari simulator and point the run at it. */
  sandbox: boolean;
  /** Share one rate limit per account with every process using this Redis (Bottleneck clustering). */
  redisUrl?: string;
}

/** A configuration problem; the CLI exits 2 and prints every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

const COUNTRIES = new Set<string>(getCountries());

/** Checks an ISO 3166-1 alpha-2 code libphonenumber-js knows; returns the upper-case code. */
export function parseCountry(
  value: string,
  problems: string[],
  label = 'default-country',
): CountryCode | undefined {
  const upper = value.trim().toUpperCase();
  if (COUNTRIES.has(upper)) return upper as CountryCode;
  problems.push(`${label}: "${value}" is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)`);
  return undefined;
}

export function parseMergeStrategy(value: string, problems: string[]): MergeStrategy {
  if ((MERGE_STRATEGIES as readonly string[]).includes(value)) return value as MergeStrategy;
  problems.push(`merge-strategy: expected one of ${MERGE_STRATEGIES.join(', ')}, got "${value}"`);
  return 'append';
}

export function positiveInteger(
  value: number,
  name: string,
  problems: string[],
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    problems.push(`${name}: expected a whole number from 1 to ${max}, got ${String(value)}`);
    return 1;
  }
  return value;
}

export function positiveNumber(value: number, name: string, problems: string[]): number {
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(`${name}: expected a positive number, got ${String(value)}`);
    return 1;
  }
  return value;
}

/** Redacts secrets from settings before they are shown in a report or a log. */
export function redactSettings(settings: ImportSettings): Record<string, unknown> {
  const { api, mapping, statePath, ...rest } = settings;
  return {
    ...rest,
    statePath: statePath === null ? null : redactStateLocation(statePath),
    mapping: mapping ? JSON.stringify(mapping) : undefined,
    apiUrl: api?.url,
    account: api?.accountId,
    clientId: api?.clientId,
    clientSecret: api ? '[redacted]' : undefined,
  };
}

/** What a caller may give: the CLI's flags, a job file, or a library user's object. */
export interface ImportInput {
  sources: string[];
  command?: string;
  format?: string;
  /** xlsx: the sheet to read, by name. */
  sheet?: string;
  delimiter?: string;
  encoding?: string;
  /** A mapping object, or the path of a JSON file holding one. */
  mapping?: FieldMapping | string;
  /** The columns that may hold the mobile, best first: an array or one comma-separated string. */
  phoneColumns?: string[] | string;
  defaultCountry?: string;
  requireMobile?: boolean;
  requireSmsConsent?: boolean;
  mergeStrategy?: string;
  batchSize?: number;
  rate?: number;
  /** Keep to `rate` rather than adapt the pace to the server's 429s. @default false */
  fixedRate?: boolean;
  concurrency?: number;
  workers?: number;
  dryRun?: boolean;
  full?: boolean;
  strict?: boolean;
  reportDir?: string;
  /**
   * Path of the SQLite state database, or a `postgres://` URL (else env SAKARI_SYNC_STATE);
   * `false` runs without one.
   */
  state?: string | false;
  jobKey?: string;
  apiUrl?: string;
  account?: string;
  clientId?: string;
  clientSecret?: string;
  timeoutMs?: number;
  sandbox?: boolean;
  /** Redis for a rate limit shared by several workers (else env SAKARI_SYNC_REDIS_URL). */
  redisUrl?: string;
  /** Connection values from a job file: below flags and the environment (CONTRACT §1). */
  jobApi?: { apiUrl?: string; account?: string; clientId?: string; clientSecret?: string };
}

const FORMATS = new Set<string>(SOURCE_FORMATS);
const ENCODINGS = new Set(['latin1', 'windows-1252']);
const DELIMITERS: Record<string, string> = {
  ',': ',',
  ';': ';',
  '|': '|',
  '\t': '\t',
  tab: '\t',
  '\\t': '\t',
};

/**
 * Normalises an {@link ImportInput} into {@link ImportSettings}: defaults applied, env consulted for
 * credentials (flag > env > default; a job file passes its values in as flags), every problem
 * collected and thrown at once as a {@link ConfigError}.
 */
export async function resolveImportSettings(
  input: ImportInput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImportSettings> {
  const problems: string[] = [];
  if (input.sources.length === 0) problems.push('no source given: name at least one file, or - for stdin');
  if (input.format !== undefined && !FORMATS.has(input.format)) {
    problems.push(`format: expected one of ${SOURCE_FORMATS.join(', ')}, got "${input.format}"`);
  }
  const sheet = input.sheet?.trim();
  if (sheet === '') problems.push('sheet: expected the name of a sheet, got an empty name');
  if (input.encoding !== undefined && !ENCODINGS.has(input.encoding)) {
    problems.push(`encoding: expected latin1 or windows-1252, got "${input.encoding}"`);
  }
  let delimiter: string | undefined;
  if (input.delimiter !== undefined) {
    delimiter = DELIMITERS[input.delimiter.toLowerCase()];
    if (!delimiter) problems.push(`delimiter: expected one of , ; | tab, got "${input.delimiter}"`);
  }
  const mapping = await loadMapping(input.mapping, problems);
  const phoneColumns = parsePhoneColumns(input.phoneColumns, problems);
  const defaultCountry = input.defaultCountry ? parseCountry(input.defaultCountry, problems) : undefined;
  const mergeStrategy = parseMergeStrategy(input.mergeStrategy ?? 'append', problems);
  const batchSize = positiveInteger(
    input.batchSize ?? DEFAULT_BATCH_SIZE,
    'batch-size',
    problems,
    MAX_BATCH_SIZE,
  );
  const rate = positiveNumber(input.rate ?? DEFAULT_RATE, 'rate', problems);
  const concurrency = positiveInteger(input.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency', problems, 64);
  const workers = input.workers ?? DEFAULT_WORKERS;
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    problems.push(`workers: expected a whole number from 0 to 64, got ${String(workers)}`);
  }
  const timeoutMs = positiveInteger(input.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeout', problems);
  const dryRun = input.dryRun ?? false;
  const sandbox = input.sandbox ?? false;

  const job = input.jobApi ?? {};
  const account =
    input.account ?? env.SAKARI_ACCOUNT_ID ?? job.account ?? (sandbox ? SANDBOX_ACCOUNT : undefined);
  const clientId = input.clientId ?? env.SAKARI_CLIENT_ID ?? job.clientId;
  const clientSecret = input.clientSecret ?? env.SAKARI_CLIENT_SECRET ?? job.clientSecret;
  let api: ApiSettings | null = null;
  if (sandbox) {
    // The URL and credentials are filled in once the simulator is listening.
    api = {
      url: '',
      accountId: account ?? SANDBOX_ACCOUNT,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      timeoutMs,
    };
  } else if (account && clientId && clientSecret) {
    const url = (input.apiUrl ?? env.SAKARI_API_URL ?? job.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(url)) problems.push(`api-url: expected an http(s) URL, got "${url}"`);
    api = { url, accountId: account, clientId, clientSecret, timeoutMs };
  } else if (!dryRun) {
    const missing = [
      account ? undefined : '--account or SAKARI_ACCOUNT_ID',
      clientId ? undefined : '--client-id or SAKARI_CLIENT_ID',
      clientSecret ? undefined : '--client-secret or SAKARI_CLIENT_SECRET',
    ].filter((m): m is string => m !== undefined);
    problems.push(`credentials missing: ${missing.join(', ')} (or use --sandbox, or --dry-run)`);
  }
  // A postgres:// URL is kept as given; a file path is made absolute.
  const statePath =
    input.state === false
      ? null
      : resolveStateLocation(input.state ?? env.SAKARI_SYNC_STATE ?? DEFAULT_STATE_PATH);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    command: input.command ?? 'import',
    sources: input.sources,
    format: input.format as SourceFormat | undefined,
    sheet: sheet === '' ? undefined : sheet,
    delimiter,
    encoding: input.encoding as ImportSettings['encoding'],
    mapping,
    phoneColumns,
    defaultCountry,
    requireMobile: input.requireMobile ?? false,
    requireSmsConsent: input.requireSmsConsent ?? false,
    mergeStrategy,
    batchSize,
    rate,
    fixedRate: input.fixedRate ?? false,
    concurrency,
    workers,
    dryRun,
    full: input.full ?? false,
    strict: input.strict ?? false,
    reportDir: path.resolve(input.reportDir ?? DEFAULT_REPORT_DIR),
    statePath,
    // Redacted: the key is stored in the state and shown to a second run; a password must not be.
    jobKey: input.jobKey ?? `import:${statePath === null ? 'stateless' : redactStateLocation(statePath)}`,
    account: api?.accountId ?? account ?? 'default',
    redisUrl: input.redisUrl ?? env.SAKARI_SYNC_REDIS_URL ?? undefined,
    api: dryRun ? null : api,
    sandbox,
  };
}

async function loadMapping(
  mapping: FieldMapping | string | undefined,
  problems: string[],
): Promise<FieldMapping | undefined> {
  if (mapping === undefined || typeof mapping === 'object') return mapping;
  const { readFile } = await import('node:fs/promises');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(mapping, 'utf8'));
  } catch (error) {
    problems.push(`mapping: cannot read ${mapping}: ${(error as Error).message}`);
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`mapping: ${mapping} must hold a JSON object like {"Cell #": "mobile", "Notes": null}`);
    return undefined;
  }
  for (const [header, target] of Object.entries(parsed)) {
    if (target !== null && typeof target !== 'string') {
      problems.push(`mapping: ${mapping}: "${header}" must map to a field name (string) or null`);
    }
  }
  return parsed as FieldMapping;
}

/** `--phone-columns "Mobile Phone,Phone"` (or a job's list) as a list of headers, best first. */
function parsePhoneColumns(value: string[] | string | undefined, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (typeof value === 'string' ? value.split(',') : value).map((header) => header.trim());
  const headers = list.filter((header) => header !== '');
  if (headers.length === 0) {
    problems.push(
      'phone-columns: expected one or more column headers, best first, e.g. "Mobile Phone,Phone"',
    );
    return undefined;
  }
  return headers;
}
