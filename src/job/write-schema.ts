/** `npm run job-schema`: regenerates jobs/job.schema.json from the code's schema. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobJsonSchema } from './schema.js';

export const JOB_SCHEMA_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'jobs',
  'job.schema.json',
);

/** The schema file's exact text. */
export function jobSchemaText(): string {
  return `${JSON.stringify(jobJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await writeFile(JOB_SCHEMA_PATH, jobSchemaText());
  process.stdout.write(`wrote ${JOB_SCHEMA_PATH}\n`);
}
