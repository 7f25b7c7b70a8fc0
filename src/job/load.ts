/**
 * Loading a job file: parse (JSON or YAML) → validate against the schema → resolve paths and
 * environment references → `{job, errors, warnings}`, every problem listed at once with its path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
  if (!parsed.success) {
    return { errors: parsed.error.issues.flatMap((issue) => describeIssue(file, issue)), warnings: [] };
  }
  const job = parsed.data;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (job.watch) {
    // A watcher moves and writes files unattended: it must stay inside the job file's folder.
    const base = path.dirname(path.resolve(file));
    const confined: Array<[string, string | undefined]> = [
      ['watch.dir', job.watch.dir],
      ['reportDir', job.reportDir],
      // A PostgreSQL state is no folder to leave.
      ['state', job.state !== undefined && isPostgresUrl(job.state) ? undefined : job.state],
    ];
    for (const [where, value] of confined) {
      if (value !== undefined && !isInside(base, path.resolve(base, value))) {
        errors.push(
          `${file}: ${where}: "${value}" is outside the job file's folder (${base}); a watch job may not leave it`,
        );
      }
    }
  }
  for (const key of JOB_SAKARI_KEYS) {
    const value = job.sakari?.[key];
    if (value && typeof value === 'object' && env[value.env] === undefined) {
      warnings.push(`${file}: sakari.${key}: environment variable ${value.env} is not set`);
    }
  }
  return { job, errors, warnings };
}

function isInside(base: string, target: string): boolean {
  const relative = path.relative(base, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string[] {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(
      (key) => `${file}: ${issue.path.length > 0 ? `${where}.` : ''}${key}: unknown setting`,
    );
  }
  if (issue.path.at(-1) === 'clientSecret') {
    return [
      `${file}: ${where}: secrets are given only by environment reference, e.g. {"env": "SAKARI_CLIENT_SECRET"}`,
    ];
  }
  return [`${file}: ${where}: ${issue.message}`];
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
