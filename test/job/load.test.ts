import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resolveImportSettings } from '../../src/config.js';
import { loadJob, parseJob } from '../../src/job/load.js';
import { redactSecrets } from '../../src/report/index.js';
import { JOB_SCHEMA_PATH, jobSchemaText } from '../../src/job/write-schema.js';
import { ROOT, runCli, tempDir, sandboxFlags } from '../helpers.js';

describe('job files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  test('jobs/job.schema.json is generated from the code (run `npm run job-schema` after changing the schema)', async () => {
    expect(await readFile(JOB_SCHEMA_PATH, 'utf8')).toBe(jobSchemaText());
  });

  test('the example jobs in jobs/ are valid', async () => {
    for (const file of ['jobs/nightly-crm.yaml', 'jobs/migration.json', 'jobs/watch-drop.yaml']) {
      const { job, errors } = parseJob(await readFile(path.join(ROOT, file), 'utf8'), file, {});
      expect(errors, file).toEqual([]);
      expect(job?.name).toBeTruthy();
    }
  });

  test('a job with three mistakes reports all three, each with its path', () => {
    const text = [
      'name: nightly',
      'sources: [crm.csv]',
      'batchSize: -5',
      'mergeStrategy: overwrite',
      'sakari:',
      '  clientSecret: hunter2',
    ].join('\n');
    const { errors } = parseJob(text, 'job.yaml', {});
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/batchSize/);
    expect(errors.join('\n')).toMatch(/mergeStrategy/);
    expect(errors.join('\n')).toMatch(
      /sakari\.clientSecret: secrets are given only by environment reference/,
    );
    expect(errors.join('\n')).not.toContain('hunter2');
  });

  test('unknown settings and bad YAML are named', () => {
    expect(parseJob('name: x\nsources: [a.csv]\nbatchsize: 5\n', 'j.yaml', {}).errors).toEqual([
      'j.yaml: batchsize: unknown setting (did you mean batchSize?)',
    ]);
    expect(parseJob('name: [unclosed', 'j.yaml', {}).errors[0]).toMatch(/^j\.yaml: not valid YAML/);
    expect(parseJob('{"name": ', 'j.json', {}).errors[0]).toMatch(/^j\.json: not valid JSON/);
  });

  test('paths resolve against the job file, secrets come from the environment, flags and env win over the job', async () => {
    const file = path.join(dir, 'sub', 'job.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file)));
    await writeFile(
      file,
      JSON.stringify({
        name: 'crm',
        sources: ['in/crm.csv'],
        sakari: { account: 'job-account', clientId: { env: 'MY_ID' }, clientSecret: { env: 'MY_SECRET' } },
      }),
    );
    const env = { MY_ID: 'id-from-env', MY_SECRET: 's3cret' };
    const { input, warnings } = await loadJob(file, env);
    expect(warnings).toEqual([]);
    expect(input.sources).toEqual([path.join(dir, 'sub', 'in', 'crm.csv')]);
    expect(input.state).toBe(path.join(dir, 'sub', '.sakari-sync', 'state.db'));
    const fromJob = await resolveImportSettings(input, env);
    expect(fromJob.api).toMatchObject({
      accountId: 'job-account',
      clientId: 'id-from-env',
      clientSecret: 's3cret',
    });
    expect(fromJob.jobKey).toBe('job:crm');
    const envWins = await resolveImportSettings(input, { ...env, SAKARI_ACCOUNT_ID: 'env-account' });
    expect(envWins.account).toBe('env-account');
    const flagWins = await resolveImportSettings(
      { ...input, account: 'flag-account' },
      { ...env, SAKARI_ACCOUNT_ID: 'env-account' },
    );
    expect(flagWins.account).toBe('flag-account');
  });

  test('an unset environment variable a job names is warned about, and the warning survives the log guard', async () => {
    const file = path.join(dir, 'job.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'crm',
        sources: ['crm.csv'],
        sakari: { clientSecret: { env: 'NOT_SET_HERE' } },
      }),
    );
    const { warnings } = await loadJob(file, {});
    expect(warnings).toEqual([
      `${file}: sakari.clientSecret names the environment variable NOT_SET_HERE, which is not set`,
    ]);
    // The secret guard of every log line and report (`clientSecret: <value>`) leaves it whole.
    expect(redactSecrets(warnings[0]!)).toBe(warnings[0]);
  });

  test('`sakari-sync run` with a bad job file exits 2 and lists every problem', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad job\nsources: []\nrate: 0\n');
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/name: use letters/);
    expect(run.stderr).toMatch(/sources: /);
    expect(run.stderr).toMatch(/rate: /);
  });
});

describe('job files with a watch section', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  test('paths of a watch job cannot escape the job file folder', () => {
    const text = [
      'name: drop',
      'watch:',
      '  dir: ../../etc',
      'state: /var/lib/elsewhere.db',
      'reportDir: sub/reports',
    ].join('\n');
    const { errors } = parseJob(text, path.join(dir, 'job.yaml'), {});
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/watch\.dir: "\.\.\/\.\.\/etc" is outside the job file's folder/);
    expect(errors[1]).toMatch(/state: .* is outside/);
  });

  test('a job needs sources unless it watches', () => {
    expect(parseJob('name: x\n', 'j.yaml', {}).errors).toEqual([
      'j.yaml: sources: required (or add a watch section)',
    ]);
    expect(parseJob('name: x\nwatch:\n  dir: drop\n', 'j.yaml', {}).errors).toEqual([]);
  });

  test('`sakari-sync run` with a watch job drains the drop folder', async () => {
    const { startSandbox } = await import('../../src/sandbox/index.js');
    const sandbox = await startSandbox({});
    try {
      const job = path.join(dir, 'drop.yaml');
      await writeFile(
        job,
        [
          'name: drop',
          'defaultCountry: US',
          'state: drop/state.db',
          'watch:',
          '  dir: drop',
          '  settleMs: 100',
          '  once: true',
        ].join('\n'),
      );
      const { mkdir } = await import('node:fs/promises');
      await mkdir(path.join(dir, 'drop', 'inbox'), { recursive: true });
      await writeFile(path.join(dir, 'drop', 'inbox', 'a.csv'), 'mobile\n2015550123\n');
      const run = await runCli(['run', job, ...sandboxFlags(sandbox.url, 'acc')]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/a\.csv → processed\//);
      expect(sandbox.contacts('acc').map((c) => c.mobile.number)).toEqual(['+12015550123']);
    } finally {
      await sandbox.close();
    }
  });
});

describe('a hand-written job file with several slips', () => {
  test('every problem is listed at once, each saying what to write', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, 'drop.yaml');
      await writeFile(
        file,
        [
          'name: drop',
          'sources: contacts.csv',
          'batchSize: "1"',
          'requireMobile: yes',
          'mapping: map.json',
          'mergeStratgy: core',
          'dryRun: true',
          'sakari:',
          '  account: 12345',
          'reportDir: /tmp/elsewhere',
          'watch:',
          '  dir: ../outside',
          '',
        ].join('\n'),
      );
      const { errors } = parseJob(await readFile(file, 'utf8'), file, {});
      const said = errors.map((error) => error.slice(file.length + 2));
      expect(said).toEqual(
        expect.arrayContaining([
          'sources: expected a list of files, e.g. sources: ["contacts.csv"]',
          'requireMobile: expected true or false, got "yes" (YAML 1.2 reads it as text)',
          'mapping: a job file takes the mapping itself, e.g. mapping: {"Cell #": "mobile", "Notes": null}, not a file name',
          'mergeStratgy: unknown setting (did you mean mergeStrategy?)',
          'dryRun: unknown setting (a dry run is the --dry-run flag of `sakari-sync run`, not a job setting)',
          'sakari.account: expected text: quote it ("12345"), or YAML reads it as a number',
          expect.stringMatching(/^watch\.dir: "\.\.\/outside" is outside the job file's folder/),
          expect.stringMatching(/^reportDir: "\/tmp\/elsewhere" is outside the job file's folder/),
        ]),
      );
      expect(said.some((line) => line.startsWith('batchSize: '))).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
