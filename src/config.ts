/**
 * Run options: named defaults, and one normalisation step that turns what a user gave (flags, env,
 * job file) into a fully resolved {@link ImportSettings}. Inner code never applies defaults itself.
 */
import path from 'node:path';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import {
  DELIMITER_NAMES,
  OPTIONS,
  resolvePlainOptions,
  type PlainInput,
  type PlainSettings,
} from './options.js';
import type { FieldMapping } from './pipeline/map-fields.js';
import { NAME_A_CODE_PAGE, requestedEncoding } from './read/index.js';
import { resolveCountry } from './pipeline/phone-country.js';
import { normaliseApiUrl } from './sakari/client.js';
import { isPostgresUrl, redactStateLocation, resolveStateLocation } from './state/index.js';

export {
  DEFAULT_API_URL,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_RATE,
  DEFAULT_REPORT_DIR,
  DEFAULT_STATE_PATH,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WORKERS,
  MAX_BATCH_SIZE,
} from './options.js';
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

/**
 * A fully resolved import: every field has its final value. The plain options (booleans, numbers,
 * choices) come typed from the option table (`options.ts`); the rest are resolved here.
 */
export interface ImportSettings extends PlainSettings {
  command: string;
  sources: string[];
  /** xlsx: the sheet to read (the first when absent). */
  sheet?: string;
  /** The delimiter character (`tab` resolved to `\t`); detected when absent. */
  delimiter?: string;
  /** The encoding asked for, by the readers' name (`windows-1250`, `utf8`); detected when absent. */
  encoding?: string;
  mapping?: FieldMapping;
  /** `--phone-columns`: the columns that may hold the mobile, best first; absent: ranked by header. */
  phoneColumns?: string[];
  defaultCountry?: CountryCode;
  /** Absolute. */
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
  if (upper === '') {
    // `--default-country "$COUNTRY"` with the variable unset: every national number would be refused.
    problems.push(`${label}: empty; give an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)`);
    return undefined;
  }
  // What a country column accepts is accepted here too: `UK`, `United Kingdom`, `Deutschland`.
  const named = resolveCountry(value)?.iso;
  if (named !== undefined) return named;
  problems.push(`${label}: "${value}" is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)`);
  return undefined;
}

/**
 * Redacts secrets from settings before they are shown in a report or a log: every option the table
 * marks secret goes through its redaction.
 */
export function redactSettings(settings: ImportSettings): Record<string, unknown> {
  const { api, mapping, statePath, ...rest } = settings;
  return {
    ...rest,
    redisUrl: rest.redisUrl === undefined ? undefined : OPTIONS.redisUrl.redact(rest.redisUrl),
    statePath: statePath === null ? null : OPTIONS.state.redact(statePath),
    mapping: mapping ? JSON.stringify(mapping) : undefined,
    apiUrl: api?.url,
    account: api?.accountId,
    clientId: api?.clientId,
    clientSecret: api ? OPTIONS.clientSecret.redact() : undefined,
  };
}

/**
 * What a caller may give: the CLI's flags, a job file, or a library user's object. The plain options
 * (see {@link OPTIONS} for each one's meaning and default) come typed from the option table.
 */
export interface ImportInput extends PlainInput {
  sources: string[];
  command?: string;
  /** xlsx: the sheet to read, by name. */
  sheet?: string;
  /** `,` `;` `|` or `tab`. */
  delimiter?: string;
  /** A text encoding label `TextDecoder` knows (`windows-1250`, `cp1251`, `shift_jis`, `latin1`). */
  encoding?: string;
  /** A mapping object, or the path of a JSON file holding one. */
  mapping?: FieldMapping | string;
  /** The columns that may hold the mobile, best first: an array or one comma-separated string. */
  phoneColumns?: string[] | string;
  defaultCountry?: string;
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
  /** Redis for a rate limit shared by several workers (else env SAKARI_SYNC_REDIS_URL). */
  redisUrl?: string;
  /** Connection values from a job file: below flags and the environment (CONTRACT §1). */
  jobApi?: { apiUrl?: string; account?: string; clientId?: string; clientSecret?: string };
}

/** The delimiters a user may name, plus the tab character itself and its escape. */
const DELIMITERS: Record<string, string> = { ...DELIMITER_NAMES, '\t': '\t', '\\t': '\t' };

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
  const plain = resolvePlainOptions(input, problems);
  const sheet = input.sheet?.trim();
  if (sheet === '') problems.push('sheet: expected the name of a sheet, got an empty name');
  let delimiter: string | undefined;
  if (input.delimiter !== undefined) {
    delimiter = DELIMITERS[input.delimiter.toLowerCase()];
    if (!delimiter) {
      problems.push(
        `delimiter: expected one of ${Object.keys(DELIMITER_NAMES).join(' ')}, got "${input.delimiter}"`,
      );
    }
  }
  let encoding: string | undefined;
  if (input.encoding !== undefined) {
    encoding = requestedEncoding(input.encoding);
    if (encoding === undefined) {
      problems.push(`encoding: "${input.encoding}" is not a text encoding: ${NAME_A_CODE_PAGE}`);
    }
  }
  const mapping = await loadMapping(input.mapping, problems);
  const phoneColumns = parsePhoneColumns(input.phoneColumns, problems);
  const defaultCountry =
    input.defaultCountry === undefined ? undefined : parseCountry(input.defaultCountry, problems);
  const { dryRun, sandbox, timeoutMs } = plain;

  // Flag > env > job file > default (CONTRACT §1).
  const job = input.jobApi ?? {};
  const given = (key: 'apiUrl' | 'account' | 'clientId' | 'clientSecret'): string | undefined =>
    input[key] ?? env[OPTIONS[key].env] ?? job[key];
  const account = given('account') ?? (sandbox ? SANDBOX_ACCOUNT : undefined);
  const clientId = given('clientId');
  const clientSecret = given('clientSecret');
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
    const url = (given('apiUrl') ?? OPTIONS.apiUrl.default).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(url)) problems.push(`api-url: expected an http(s) URL, got "${url}"`);
    api = { url, accountId: account, clientId, clientSecret, timeoutMs };
  } else if (!dryRun) {
    const found = { account, clientId, clientSecret };
    const missing = (['account', 'clientId', 'clientSecret'] as const)
      .filter((key) => !found[key])
      .map((key) => `--${OPTIONS[key].flag} or ${OPTIONS[key].env}`);
    problems.push(`credentials missing: ${missing.join(', ')} (or use --sandbox, or --dry-run)`);
  }
  // A postgres:// URL is kept as given; a file path is made absolute.
  const stateInput =
    input.state === false ? null : (input.state ?? env[OPTIONS.state.env] ?? OPTIONS.state.default);
  const scheme = stateInput === null ? undefined : /^([a-z][a-z0-9+.-]*):\/\//i.exec(stateInput)?.[1];
  if (scheme !== undefined && !isPostgresUrl(stateInput as string)) {
    // `postgress://…` made a folder named `postgress:` holding a local SQLite state: every machine
    // its own state and lock. Only the scheme is shown: the rest may hold a password.
    problems.push(
      `state: a ${scheme}:// URL is not a state location; give a file path, or a postgres:// or postgresql:// URL`,
    );
  }
  const statePath = stateInput === null ? null : resolveStateLocation(stateInput);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...plain,
    command: input.command ?? 'import',
    sources: input.sources,
    sheet: sheet === '' ? undefined : sheet,
    delimiter,
    encoding,
    mapping,
    phoneColumns,
    defaultCountry,
    reportDir: path.resolve(input.reportDir ?? OPTIONS.reportDir.default),
    statePath,
    // Redacted: the key is stored in the state and shown to a second run; a password must not be.
    jobKey: input.jobKey ?? `import:${statePath === null ? 'stateless' : redactStateLocation(statePath)}`,
    account: stateAccountKey(
      api?.accountId ?? account ?? 'default',
      sandbox ? 'sandbox' : (given('apiUrl') ?? OPTIONS.apiUrl.default),
    ),
    redisUrl: input.redisUrl ?? env[OPTIONS.redisUrl.env] ?? undefined,
    api: dryRun ? null : api,
  };
}

/** What {@link stateAccountKey} appends for the embedded simulator (`--sandbox`). */
const SANDBOX_STATE_SUFFIX = '@sandbox';

/**
 * The name the state store and the report know the run's account by. What the state remembers of
 * an account (the payloads Sakari acknowledged, the pace) is true of one server: a `--sandbox`
 * trial, or a run against another API URL (a standalone sandbox, a test server), must not make
 * the next run against Sakari take rows for delivered that Sakari never received (with the real
 * account id in the environment, a trial did exactly that). So: the account id alone for Sakari's
 * own API, `<id>@sandbox` for the embedded simulator, `<id>@<API URL>` for any other URL.
 */
export function stateAccountKey(accountId: string, apiUrl: string): string {
  if (apiUrl === 'sandbox') return `${accountId}${SANDBOX_STATE_SUFFIX}`;
  let url = apiUrl;
  try {
    url = normaliseApiUrl(apiUrl).replace(/\/+$/, '');
  } catch {
    // Refused elsewhere with its own message.
  }
  return url === OPTIONS.apiUrl.default ? accountId : `${accountId}@${url}`;
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
