/**
 * The job file: what a nightly cron job or a one-off migration runs, in JSON or YAML.
 * `jobs/job.schema.json` is generated from this schema (`npm run job-schema`) and a test keeps the
 * two in sync, so editors can validate job files as they are written.
 */
import { z } from 'zod';
import {
  OPTION_ENTRIES,
  defaultText,
  type OptionDef,
  type OptionKey,
  type OptionTable,
  type ValueOf,
} from '../options.js';

export { EnvReference } from '../options.js';

/** The options a job file takes in `section` (undefined: at the top level). */
type JobKey<S> = {
  [K in OptionKey]: OptionTable[K] extends { job: infer J }
    ? J extends { section: infer T }
      ? T extends S
        ? K
        : never
      : S extends undefined
        ? K
        : never
    : never;
}[OptionKey];

/** An option's value in a job file, as its schema gives it. */
type JobValue<D> = D extends { job: { schema: () => infer S extends z.ZodType } } ? z.infer<S> : ValueOf<D>;

type JobShape<S> = { [K in JobKey<S>]: z.ZodOptional<z.ZodType<JobValue<OptionTable[K]>>> };

/** One option's schema in a job file: its type, bounds and choices, and its help with the default. */
function jobField(def: OptionDef): z.ZodType {
  const base =
    def.job?.schema?.() ??
    (def.type === 'boolean'
      ? z.boolean()
      : def.type === 'choice'
        ? z.enum(def.choices as [string, ...string[]])
        : def.type === 'string'
          ? z.string()
          : def.integer
            ? def.integer.max === undefined
              ? z.number().int().min(def.integer.min)
              : z.number().int().min(def.integer.min).max(def.integer.max)
            : z.number().positive());
  const sentence =
    def.job?.describe ??
    (def.describe ? `${def.describe.charAt(0).toUpperCase()}${def.describe.slice(1)}.` : '');
  const shown = defaultText(def);
  const text = [sentence, shown === undefined ? '' : `@default ${shown}`].filter(Boolean).join(' ');
  return text === '' ? base.optional() : base.optional().describe(text);
}

/** The job-file fields of the options in `section`, in table order. */
function jobShape<S extends 'sakari' | undefined>(section: S): JobShape<S> {
  return Object.fromEntries(
    OPTION_ENTRIES.filter(([, def]) => def.job && def.job.section === section).map(([key, def]) => [
      key,
      jobField(def),
    ]),
  ) as JobShape<S>;
}

/** The options a job file may set at its top level. */
export const JOB_OPTION_KEYS = Object.keys(jobShape(undefined)) as Array<JobKey<undefined>>;
/** The connection values a job file may hold (flags and the environment come first). */
export const JOB_SAKARI_KEYS = Object.keys(jobShape('sakari')) as Array<JobKey<'sakari'>>;

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
    ...jobShape(undefined),
    sakari: z
      .object(jobShape('sakari'))
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
