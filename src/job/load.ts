/**
 * Loading a job file: parse (JSON or YAML) → validate against the schema → resolve paths and
 * environment references → `{job, errors, warnings}`, every problem listed at once with its path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import YAML from 'yaml';
import type { z } from 'zod';
import type { ImportInput } from '../config.js';
import { ConfigError } from '../config.js';
import { OPTIONS } from '../options.js';
import { isPostgresUrl, resolveStateLocation } from '../state/index.js';
import { JOB_OPTION_KEYS, JOB_SAKARI_KEYS, JobSchema, type JobFile } from './schema.js';

export interface LoadedJob {
  job: JobFile;
  /** The job's watch section with its folder resolved, when it has one. */
  watch?: { dir: string; settleMs?: number; rescanMs?: number; heartbeatMs?: number; once?: boolean };
  /** The job as import input (paths resolved against the job file's folder), before flags are applied. */
  input: ImportInput;
  warnings: string[];
}

/** Reads and validates a job file; throws a {@link ConfigError} listing every problem. */
export async function loadJob(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedJob> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${file}: cannot read the job file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  const { job, errors, warnings } = parseJob(text, file, env);
  if (!job || errors.length > 0) throw new ConfigError(errors);
  const base = path.dirname(path.resolve(file));
  const watch = job.watch ? { ...job.watch, dir: path.resolve(base, job.watch.dir) } : undefined;
  return { job, input: jobToInput(job, file, env), warnings, ...(watch ? { watch } : {}) };
}

/** Parses and validates job text; never throws. */
export function parseJob(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { job?: JobFile; errors: string[]; warnings: string[] } {
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (error) {
    return {
      errors: [`${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message}`],
      warnings: [],
    };
  }
  const parsed = JobSchema.safeParse(data);
  // Every problem at once (CONTRACT §7): the folder checks run on what the file says even when
  // another setting has the wrong type.
  const errors = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => describeIssue(file, issue, data));
  errors.push(...confinementErrors(file, data));
  if (!parsed.success) return { errors, warnings: [] };
  const job = parsed.data;
  const warnings: string[] = [];
  for (const key of JOB_SAKARI_KEYS) {
    const value = job.sakari?.[key];
    if (value && typeof value === 'object' && env[value.env] === undefined) {
      // Not `clientSecret: <word>`: the log's secret guard would take the word for the secret.
      warnings.push(`${file}: sakari.${key} names the environment variable ${value.env}, which is not set`);
    }
  }
  return { job, errors, warnings };
}

/** A watch job's folders outside the job file's folder: a watcher moves and writes files unattended. */
function confinementErrors(file: string, data: unknown): string[] {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const record = (value: unknown): Record<string, unknown> | undefined =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const job = record(data);
  const watch = record(job?.watch);
  if (!job || !watch) return [];
  const base = path.dirname(path.resolve(file));
  const state = text(job.state);
  const confined: Array<[string, string | undefined]> = [
    ['watch.dir', text(watch.dir)],
    ['reportDir', text(job.reportDir)],
    // A PostgreSQL state is no folder to leave.
    ['state', state !== undefined && isPostgresUrl(state) ? undefined : state],
  ];
  const errors: string[] = [];
  for (const [where, value] of confined) {
    if (value !== undefined && !isInside(base, path.resolve(base, value))) {
      errors.push(
        `${file}: ${where}: "${value}" is outside the job file's folder (${base}); a watch job may not leave it`,
      );
    }
  }
  return errors;
}

function isInside(base: string, target: string): boolean {
  const relative = path.relative(base, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function describeIssue(file: string, issue: z.core.$ZodIssue, data: unknown): string[] {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(
      (key) =>
        `${file}: ${issue.path.length > 0 ? `${where}.` : ''}${key}: unknown setting${issue.path.length === 0 ? unknownKeyHint(key) : ''}`,
    );
  }
  if (issue.path.at(-1) === 'clientSecret') {
    return [
      `${file}: ${where}: secrets are given only by environment reference, e.g. {"env": "SAKARI_CLIENT_SECRET"}`,
    ];
  }
  const hint = typeHint(issue, valueAt(data, issue.path));
  return [`${file}: ${where}: ${hint ?? issue.message}`];
}

function valueAt(data: unknown, at: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of at) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What the likeliest slips of a hand-written job file need, said instead of the schema's words. */
function typeHint(issue: z.core.$ZodIssue, value: unknown): string | undefined {
  const at = issue.path;
  const key = at.at(-1);
  const expected = issue.code === 'invalid_type' ? issue.expected : undefined;
  if (key === 'sources' && typeof value === 'string') {
    return `expected a list of files, e.g. sources: [${JSON.stringify(value)}]`;
  }
  if (key === 'mapping' && typeof value === 'string') {
    return 'a job file takes the mapping itself, e.g. mapping: {"Cell #": "mobile", "Notes": null}, not a file name';
  }
  if (at[0] === 'sakari' && typeof value === 'number' && expected !== 'number') {
    return `expected text: quote it (${JSON.stringify(String(value))}), or YAML reads it as a number`;
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return `expected true or false, got "${value}" (YAML 1.2 reads it as text)`;
  }
  return undefined;
}

/** The job-file spellings of flags users write by habit. */
const FLAG_LIKE_KEYS: Readonly<Record<string, string>> = {
  dryRun: 'a dry run is the --dry-run flag of `sakari-sync run`, not a job setting',
  apiURL: 'did you mean sakari.apiUrl?',
  apiUrl: 'the API URL goes in the sakari section: sakari.apiUrl',
  account: 'the account goes in the sakari section: sakari.account',
};

function unknownKeyHint(key: string): string {
  const hint = FLAG_LIKE_KEYS[key];
  if (hint !== undefined) return ` (${hint})`;
  const near = closestJobKey(key);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/** The known top-level setting within two edits of `key` (case ignored), if any. */
function closestJobKey(key: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(JobSchema.shape)) {
    const edits = distance(key.toLowerCase(), name.toLowerCase());
    if (edits <= 2 && (best === undefined || edits < best.distance)) best = { name, distance: edits };
  }
  return best?.name;
}

function jobToInput(job: JobFile, file: string, env: NodeJS.ProcessEnv): ImportInput {
  const base = path.dirname(path.resolve(file));
  const resolve = (p: string): string => path.resolve(base, p);
  const value = (v: string | { env: string } | undefined): string | undefined =>
    v === undefined ? undefined : typeof v === 'string' ? v : env[v.env];
  // The top-level options go in as they are; paths and the sakari section are resolved below.
  const options = Object.fromEntries(JOB_OPTION_KEYS.map((key) => [key, job[key]])) as Partial<ImportInput>;
  const stateFromEnv = env[OPTIONS.state.env];
  return {
    ...options,
    command: `run ${job.name}`,
    sources: (job.sources ?? []).map((source) => (source === '-' ? source : resolve(source))),
    reportDir: resolve(job.reportDir ?? OPTIONS.reportDir.default),
    // Environment over job file (CONTRACT §1); a postgres:// URL is kept as given, a file path is
    // relative to the job file (the environment's, to the working folder).
    state: stateFromEnv
      ? resolveStateLocation(stateFromEnv)
      : resolveStateLocation(job.state ?? OPTIONS.state.default, base),
    jobKey: `job:${job.name}`,
    jobApi: Object.fromEntries(JOB_SAKARI_KEYS.map((key) => [key, value(job.sakari?.[key])])),
  };
}
