/**
 * The job file: what a nightly cron job or a one-off migration runs, in JSON or YAML.
 * `jobs/job.schema.json` is generated from this schema (`npm run job-schema`) and a test keeps the
 * two in sync, so editors can validate job files as they are written.
 */
import { z } from 'zod';
import { SOURCE_FORMATS, type SourceFormat } from '../read/types.js';
import { MERGE_STRATEGIES } from '../types.js';

/** A secret is never written into a job file: it names the environment variable that holds it. */
export const EnvReference = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') })
  .strict()
  .describe('Read the value from this environment variable, e.g. {"env": "SAKARI_CLIENT_SECRET"}');

const PlainOrEnv = z.union([z.string().min(1), EnvReference]);

export const JobSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash or underscore')
      .describe('Names the job: its lock, its resume history and its log lines.'),
    sources: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Files to import, relative to the job file (or absolute). Required unless the job has a watch section.',
      ),
    format: z
      .enum(SOURCE_FORMATS as [SourceFormat, ...SourceFormat[]])
      .optional()
      .describe('@default by file extension'),
    sheet: z
      .string()
      .min(1)
      .optional()
      .describe('xlsx: the sheet to read, by name. @default the first sheet'),
    delimiter: z.enum([',', ';', '|', 'tab']).optional().describe('CSV delimiter. @default detected'),
    encoding: z
      .enum(['latin1', 'windows-1252'])
      .optional()
      .describe('CSV encoding when not UTF-8/UTF-16. @default utf-8'),
    mapping: z
      .record(z.string(), z.string().nullable())
      .optional()
      .describe(
        'Source header -> field (mobile, firstName, lastName, name, email, country, tags) or attribute name; null drops the column.',
      ),
    defaultCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 code such as GB')
      .optional()
      .describe('Country for numbers without + and rows without a country column.'),
    requireMobile: z.boolean().optional().describe('Reject numbers known to be fixed lines. @default false'),
    phoneColumns: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The columns that may hold the mobile, best first (like --phone-columns). @default every phone column, ranked by its header',
      ),
    requireSmsConsent: z
      .boolean()
      .optional()
      .describe('Send only rows whose source records an explicit SMS consent. @default false'),
    mergeStrategy: z
      .enum(MERGE_STRATEGIES as [string, ...string[]])
      .optional()
      .describe('@default append'),
    batchSize: z.number().int().min(1).max(5000).optional().describe('Contacts per upload. @default 500'),
    rate: z
      .number()
      .positive()
      .optional()
      .describe(
        'Most requests per second to Sakari: the pace adapts below it to the 429s, starting from the pace remembered for the account. @default 10',
      ),
    fixedRate: z
      .boolean()
      .optional()
      .describe('Keep to rate instead of adapting the pace (for a known limit). @default false'),
    concurrency: z.number().int().min(1).max(64).optional().describe('Uploads in flight. @default 2'),
    reportDir: z
      .string()
      .optional()
      .describe('Where run reports go, relative to the job file. @default reports'),
    state: z
      .string()
      .optional()
      .describe(
        'State database: a SQLite file relative to the job file, or a postgres:// URL (give its password by PGPASSWORD). @default .sakari-sync/state.db',
      ),
    strict: z.boolean().optional().describe('Exit 3 when any row is invalid. @default false'),
    sakari: z
      .object({
        apiUrl: z.string().url().optional().describe('@default https://api.sakari.io'),
        account: PlainOrEnv.optional(),
        clientId: PlainOrEnv.optional(),
        clientSecret: EnvReference.optional().describe('Only by environment reference.'),
      })
      .strict()
      .optional()
      .describe('Where and as whom to connect; flags and SAKARI_* environment variables take precedence.'),
    watch: z
      .object({
        dir: z.string().min(1).describe("The drop folder, inside the job file's folder."),
        settleMs: z.number().int().min(0).optional().describe('@default 2000'),
        rescanMs: z.number().int().min(50).optional().describe('@default min(5000, settleMs)'),
        heartbeatMs: z.number().int().min(1000).optional().describe('@default 60000'),
        once: z.boolean().optional().describe('Drain the inbox and exit. @default false'),
      })
      .strict()
      .optional()
      .describe('Makes `sakari-sync run` watch a drop folder instead of importing `sources` once.'),
  })
  .strict()
  .superRefine((job, ctx) => {
    if (!job.watch && !job.sources) {
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'required (or add a watch section)' });
    }
  });

export type JobFile = z.infer<typeof JobSchema>;

/** The JSON Schema of job files, as written to `jobs/job.schema.json`. */
export function jobJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(JobSchema, { io: 'input' }),
    title: 'sakari-sync job file',
    $id: 'https://github.com/sakari-sync/sakari-sync/jobs/job.schema.json',
  };
}
