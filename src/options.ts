/**
 * The option table: every run option defined once — its type or choices, bounds, default (with the
 * reason in the constant's comment), CLI flag, environment variable, job-file key, the commands that
 * take it, whether it shapes resume (the resume hash) or phone normalisation, and how it is hidden
 * when secret. From it come the yargs flags (`cli/options.ts`), the job schema (`job/schema.ts`, and
 * so `jobs/job.schema.json`), the job → input step (`job/load.ts`), the defaults and checks of
 * `resolveImportSettings` and the settings types (`config.ts`), the resume hash and the redaction.
 * Adding an option: one entry here, plus the code that uses its value.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ImportSettings } from './config.js';
import { redactRedisUrl } from './limit/cluster.js';
import { DEFAULT_PHONE_WORKERS } from './pipeline/normalise-phone.js';
import { requestedEncoding } from './read/legacy-encoding.js';
import { NAME_A_CODE_PAGE, SOURCE_FORMATS } from './read/types.js';
import { DEFAULT_TIMEOUT_MS } from './sakari/client.js';
import { DEFAULT_STATE_PATH, redactStateLocation } from './state/index.js';
import { MERGE_STRATEGIES } from './types.js';

/** Sakari's production API. */
export const DEFAULT_API_URL = 'https://api.sakari.io';
/** 500 rows keeps one CSV upload well under a second of server work and bounds what a failed batch repeats. */
export const DEFAULT_BATCH_SIZE = 500;
/** Sakari rejects bigger uploads; also the largest batch a bisect has to split. */
export const MAX_BATCH_SIZE = 5_000;
/**
 * Sakari documents no per-account limit; 10 requests/s is a polite default a user raises with
 * --rate. It is the ceiling of the adaptive pace, which finds the account's limit below it from
 * the 429s (issue 18); --fixed-rate makes it the pace.
 */
export const DEFAULT_RATE = 10;
/** Two batches in flight hide one round trip of latency without piling up work a 429 would stall. */
export const DEFAULT_CONCURRENCY = 2;
/** More uploads in flight than this only queue behind the rate limit and hold memory. */
export const MAX_CONCURRENCY = 64;
/** Reports go next to where the command runs (a job's: next to the job file). */
export const DEFAULT_REPORT_DIR = 'reports';
/** Phone parsing runs in worker threads (see {@link DEFAULT_PHONE_WORKERS}); more than this is waste. */
export const MAX_WORKERS = 64;
export { DEFAULT_PHONE_WORKERS as DEFAULT_WORKERS, DEFAULT_STATE_PATH, DEFAULT_TIMEOUT_MS };

/** The CSV delimiters by the name a user gives them (`tab` for the tab character). */
export const DELIMITER_NAMES = { ',': ',', ';': ';', '|': '|', tab: '\t' } as const;

/** The commands that take run options. */
export type CommandName = 'import' | 'reconcile' | 'watch' | 'run';
/** import, reconcile and watch: the commands whose flags shape a whole import. */
const PIPELINE: readonly CommandName[] = ['import', 'reconcile', 'watch'];
/** Every command that talks to Sakari, `run` included (its flags override the job file). */
const EVERY: readonly CommandName[] = ['import', 'reconcile', 'watch', 'run'];

interface OptionBase {
  /** Help text, lower case, without the default (that comes from `default`/`defaultLabel`). */
  describe?: string;
  /** The CLI flag (kebab case); absent: not a flag. */
  flag?: string;
  alias?: string;
  /** A flag that turns the option off (e.g. `--no-state`), with its help text. */
  negation?: { flag: string; describe: string };
  /**
   * The flag may be given more than once: its values add up (`--phone-columns A --phone-columns B`).
   * Any other flag given twice is a usage error (`cli/options.ts`).
   */
  list?: true;
  /** Read below the flag (CONTRACT §1: flag > env > job file > default). */
  env?: string;
  /**
   * In job files, under the option's own name (in the `sakari` section for a connection value),
   * with the schema of its value when the option's type does not say enough, and the sentence the
   * JSON schema shows when the help text does not fit a job file.
   */
  job?: { section?: 'sakari'; schema?: () => z.ZodType; describe?: string };
  /** The commands whose flags include it. */
  commands: readonly CommandName[];
  /**
   * Goes into the resume hash: a run resumes only one with the same value. `at` is the key's place
   * in the hashed object (frozen: runs in state stores carry hashes made in that order); `whenSet`
   * hashes the value only when truthy, so that runs started before the option existed still resume.
   */
  resume?: { at: number; whenSet?: boolean };
  /** Can change a row's mapped values or parsed phone (issue 16: a change makes every row parse again). */
  shapesNormalisation?: boolean;
  /** Secret: how the value is shown in reports and logs. */
  redact?: (value: string) => string;
  /** How the default reads in help and in the job schema, when it is not a plain value. */
  defaultLabel?: string;
}

export interface BooleanOption extends OptionBase {
  type: 'boolean';
  default: boolean;
}

export interface NumberOption extends OptionBase {
  type: 'number';
  default: number;
  /** Whole numbers from `min` to `max` (else: any number above 0). */
  integer?: { min: number; max?: number };
}

export interface ChoiceOption extends OptionBase {
  type: 'choice';
  choices: readonly string[];
  default?: string;
}

export interface StringOption extends OptionBase {
  type: 'string';
  default?: string;
}

export type OptionDef = BooleanOption | NumberOption | ChoiceOption | StringOption;

const secretMask = (): string => '[redacted]';

/** Every run option, in the order of the help text and the job schema. */
export const OPTIONS = {
  apiUrl: {
    type: 'string',
    flag: 'api-url',
    describe: 'Sakari API base URL',
    env: 'SAKARI_API_URL',
    default: DEFAULT_API_URL,
    job: { section: 'sakari', schema: () => z.string().url() },
    commands: EVERY,
  },
  account: {
    type: 'string',
    flag: 'account',
    describe: 'Sakari account id',
    env: 'SAKARI_ACCOUNT_ID',
    job: { section: 'sakari', schema: () => PlainOrEnv },
    commands: EVERY,
    resume: { at: 11 },
  },
  clientId: {
    type: 'string',
    flag: 'client-id',
    describe: 'API client id',
    env: 'SAKARI_CLIENT_ID',
    job: { section: 'sakari', schema: () => PlainOrEnv },
    commands: EVERY,
  },
  clientSecret: {
    type: 'string',
    flag: 'client-secret',
    describe: 'API client secret',
    env: 'SAKARI_CLIENT_SECRET',
    job: {
      section: 'sakari',
      schema: () => EnvReference,
      describe: 'Only by environment reference.',
    },
    commands: EVERY,
    redact: secretMask,
  },
  sandbox: {
    type: 'boolean',
    flag: 'sandbox',
    describe: 'start the embedded Sakari simulator and use it',
    default: false,
    commands: EVERY,
  },
  timeoutMs: {
    type: 'number',
    flag: 'timeout',
    describe: 'ms before a request is treated as lost and retried',
    default: DEFAULT_TIMEOUT_MS,
    integer: { min: 1 },
    commands: EVERY,
  },
  redisUrl: {
    type: 'string',
    flag: 'redis-url',
    describe:
      'share the account rate limit with other workers through this Redis, e.g. redis://127.0.0.1:6379',
    env: 'SAKARI_SYNC_REDIS_URL',
    commands: EVERY,
    // The URL may hold the Redis password.
    redact: redactRedisUrl,
  },
  format: {
    type: 'choice',
    choices: SOURCE_FORMATS,
    flag: 'format',
    describe: 'input format',
    defaultLabel: 'by file extension',
    job: {},
    commands: PIPELINE,
    resume: { at: 1 },
    shapesNormalisation: true,
  },
  sheet: {
    type: 'string',
    flag: 'sheet',
    describe: 'xlsx: the sheet to read, by name',
    defaultLabel: 'the first sheet',
    job: {
      schema: () => z.string().min(1),
      describe: 'xlsx: the sheet to read, by name.',
    },
    commands: PIPELINE,
    resume: { at: 2 },
    shapesNormalisation: true,
  },
  delimiter: {
    type: 'string',
    flag: 'delimiter',
    describe: 'CSV delimiter: , ; | or tab',
    defaultLabel: 'detected',
    job: { schema: () => z.enum(Object.keys(DELIMITER_NAMES) as [string, ...string[]]) },
    commands: PIPELINE,
    resume: { at: 3 },
    shapesNormalisation: true,
  },
  encoding: {
    type: 'string',
    flag: 'encoding',
    describe:
      'text encoding when not UTF-8/UTF-16 (read as such): a code page such as windows-1250, windows-1251, shift_jis or gbk (detected when not given)',
    defaultLabel: 'detected',
    job: {
      schema: () =>
        z.string().refine((label) => requestedEncoding(label) !== undefined, {
          message: `not a text encoding: ${NAME_A_CODE_PAGE}`,
        }),
    },
    commands: PIPELINE,
    resume: { at: 4 },
    shapesNormalisation: true,
  },
  mapping: {
    type: 'string',
    flag: 'mapping',
    describe: 'JSON file mapping headers to fields, e.g. {"Cell #":"mobile"}',
    job: {
      schema: () => z.record(z.string(), z.string().nullable()),
      describe:
        'Source header -> field (mobile, firstName, lastName, name, email, country, tags) or attribute name; null drops the column.',
    },
    commands: PIPELINE,
    resume: { at: 5 },
    shapesNormalisation: true,
  },
  defaultCountry: {
    type: 'string',
    flag: 'default-country',
    describe: 'ISO country for numbers without + and rows without a country column',
    job: {
      schema: () => z.string().regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 code such as GB'),
    },
    commands: PIPELINE,
    resume: { at: 7 },
    shapesNormalisation: true,
  },
  requireMobile: {
    type: 'boolean',
    flag: 'require-mobile',
    describe: 'reject numbers known to be fixed lines',
    default: false,
    job: {},
    commands: PIPELINE,
    resume: { at: 8 },
    shapesNormalisation: true,
  },
  phoneColumns: {
    type: 'string',
    flag: 'phone-columns',
    describe: 'the columns that may hold the mobile, best first, e.g. "Mobile Phone,Phone"',
    defaultLabel: 'every phone column, ranked by its header',
    list: true,
    job: {
      schema: () => z.array(z.string().min(1)).min(1),
      describe: 'The columns that may hold the mobile, best first (like --phone-columns).',
    },
    commands: PIPELINE,
    resume: { at: 6 },
    shapesNormalisation: true,
  },
  requireSmsConsent: {
    type: 'boolean',
    flag: 'require-sms-consent',
    describe: 'send only rows whose source records an explicit SMS consent',
    default: false,
    job: {},
    commands: PIPELINE,
    resume: { at: 9, whenSet: true },
    // It decides whether a valid row is blocked: a re-run must not recall rows across a change.
    shapesNormalisation: true,
  },
  mergeStrategy: {
    type: 'choice',
    choices: MERGE_STRATEGIES,
    flag: 'merge-strategy',
    default: 'append',
    job: {},
    commands: PIPELINE,
    resume: { at: 10 },
  },
  batchSize: {
    type: 'number',
    flag: 'batch-size',
    describe: 'contacts per upload',
    default: DEFAULT_BATCH_SIZE,
    integer: { min: 1, max: MAX_BATCH_SIZE },
    job: {},
    commands: PIPELINE,
  },
  rate: {
    type: 'number',
    flag: 'rate',
    describe:
      'most requests per second to Sakari: the pace adapts below it to the 429s, starting from the pace remembered for the account',
    default: DEFAULT_RATE,
    job: {},
    commands: PIPELINE,
  },
  fixedRate: {
    type: 'boolean',
    flag: 'fixed-rate',
    describe: 'keep to the rate instead of adapting the pace (for a known limit)',
    default: false,
    job: {},
    commands: PIPELINE,
  },
  concurrency: {
    type: 'number',
    flag: 'concurrency',
    describe: 'uploads in flight',
    default: DEFAULT_CONCURRENCY,
    integer: { min: 1, max: MAX_CONCURRENCY },
    job: {},
    commands: PIPELINE,
  },
  workers: {
    type: 'number',
    flag: 'workers',
    describe:
      'phone-parsing worker threads, started once parsing holds the main thread back (0: parse on the main thread)',
    default: DEFAULT_PHONE_WORKERS,
    defaultLabel: 'cores - 1',
    integer: { min: 0, max: MAX_WORKERS },
    commands: PIPELINE,
  },
  dryRun: {
    type: 'boolean',
    flag: 'dry-run',
    describe: 'do everything but send',
    default: false,
    commands: EVERY,
  },
  reportDir: {
    type: 'string',
    flag: 'report-dir',
    describe: 'where run reports go',
    default: DEFAULT_REPORT_DIR,
    job: { describe: 'Where run reports go, relative to the job file.' },
    commands: PIPELINE,
  },
  state: {
    type: 'string',
    flag: 'state',
    describe: 'state: a SQLite file, or a postgres:// URL shared by several machines',
    negation: {
      flag: 'no-state',
      describe: 'run without the state store (no incremental sync, no resume)',
    },
    env: 'SAKARI_SYNC_STATE',
    default: DEFAULT_STATE_PATH,
    job: {
      describe:
        'State database: a SQLite file relative to the job file, or a postgres:// URL (give its password by PGPASSWORD).',
    },
    commands: PIPELINE,
    // A postgres:// URL may hold a password.
    redact: redactStateLocation,
  },
  full: {
    type: 'boolean',
    flag: 'full',
    describe: 'send every valid row, even unchanged ones',
    default: false,
    commands: EVERY,
    resume: { at: 12 },
  },
  strict: {
    type: 'boolean',
    flag: 'strict',
    describe: 'exit 3 when any row is invalid',
    default: false,
    job: {},
    commands: EVERY,
  },
} as const satisfies Record<string, OptionDef>;

/** A secret is never written into a job file: it names the environment variable that holds it. */
export const EnvReference = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') })
  .strict()
  .describe('Read the value from this environment variable, e.g. {"env": "SAKARI_CLIENT_SECRET"}');

const PlainOrEnv = z.union([z.string().min(1), EnvReference]);

export type OptionTable = typeof OPTIONS;
export type OptionKey = keyof OptionTable;

/** The entries, typed as plain definitions, in table order. */
export const OPTION_ENTRIES = Object.entries(OPTIONS) as Array<[OptionKey, OptionDef]>;

/** An option's value as its definition's type gives it (the job schema refines some, `src/job/schema.ts`). */
export type ValueOf<D> = D extends { type: 'boolean' }
  ? boolean
  : D extends { type: 'number' }
    ? number
    : D extends { choices: ReadonlyArray<infer C> }
      ? C
      : string;

/** The options whose value is a plain boolean, number or choice (the rest are resolved by hand). */
export type PlainKey = {
  [K in OptionKey]: OptionTable[K]['type'] extends 'string' ? never : K;
}[OptionKey];

/** What a caller gives for the plain options (choices as strings: they are checked in resolution). */
export type PlainInput = {
  [K in PlainKey]?: OptionTable[K] extends { type: 'choice' } ? string : ValueOf<OptionTable[K]>;
};

/** The plain options once resolved: the ones with a default are always there. */
export type PlainSettings = {
  [K in PlainKey as OptionTable[K] extends { default: unknown } ? K : never]: ValueOf<OptionTable[K]>;
} & {
  [K in PlainKey as OptionTable[K] extends { default: unknown } ? never : K]?: ValueOf<OptionTable[K]>;
};

/**
 * Resolves the plain options: the given value or the default, checked against the choices and
 * bounds; each problem is pushed with the flag's name (`batch-size: expected ...`).
 */
export function resolvePlainOptions(input: PlainInput, problems: string[]): PlainSettings {
  const given = input as Record<string, unknown>;
  const settings: Record<string, unknown> = {};
  for (const [key, def] of OPTION_ENTRIES) {
    if (def.type === 'string') continue;
    const value = given[key] ?? def.default;
    const label = def.flag ?? key;
    if (def.type === 'choice' && value !== undefined && !def.choices.includes(value as string)) {
      const expected =
        def.choices.length === 2 ? def.choices.join(' or ') : `one of ${def.choices.join(', ')}`;
      problems.push(`${label}: expected ${expected}, got "${String(value)}"`);
    } else if (def.type === 'number') {
      const n = value as number;
      if (def.integer) {
        const { min, max = Number.MAX_SAFE_INTEGER } = def.integer;
        if (!Number.isInteger(n) || n < min || n > max) {
          problems.push(`${label}: expected a whole number from ${min} to ${max}, got ${String(value)}`);
        }
      } else if (!Number.isFinite(n) || n <= 0) {
        problems.push(`${label}: expected a positive number, got ${String(value)}`);
      }
    }
    settings[key] = value;
  }
  return settings as PlainSettings;
}

/** How the default reads to a person (help, job schema). */
export function defaultText(def: OptionDef): string | undefined {
  return def.defaultLabel ?? (def.default === undefined ? undefined : String(def.default));
}

/**
 * The settings that change what a run sends, hashed: a run resumes only one with the same hash.
 * The value must stay the same for the same settings across versions (a test pins it).
 */
export function resumeHash(settings: ImportSettings, shas: readonly string[]): string {
  const values = new Map<string, unknown>(Object.entries(settings));
  const keys = OPTION_ENTRIES.flatMap(([key, def]) => (def.resume ? [{ key, ...def.resume }] : [])).sort(
    (a, b) => a.at - b.at,
  );
  const relevant: Record<string, unknown> = { shas };
  for (const { key, whenSet } of keys)
    relevant[key] = whenSet ? values.get(key) || undefined : values.get(key);
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 32);
}

/** The options that shape phone normalisation, with their values (issue 16's re-parse key). */
export function normalisationOptions(settings: ImportSettings): Record<string, unknown> {
  const values = new Map<string, unknown>(Object.entries(settings));
  return Object.fromEntries(
    OPTION_ENTRIES.filter(([, def]) => def.shapesNormalisation).map(([key]) => [key, values.get(key)]),
  );
}
