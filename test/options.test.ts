import { describe, expect, test } from 'vitest';
import { resolveImportSettings, redactSettings } from '../src/config.js';
import { JobSchema } from '../src/job/schema.js';
import {
  OPTION_ENTRIES,
  OPTIONS,
  normalisationOptions,
  resumeHash,
  type CommandName,
} from '../src/options.js';
import { runCli } from './helpers.js';

describe('the option table', () => {
  // Both hashes were computed with the hand-written hashOptions of run.ts before the table existed:
  // a changed value would stop every interrupted run in a user's state store from resuming.
  test('the resume hash of known settings is the one earlier versions computed', async () => {
    const full = await resolveImportSettings(
      {
        sources: ['a.csv'],
        format: 'csv',
        sheet: 'S',
        delimiter: 'tab',
        encoding: 'latin1',
        mapping: { 'Cell #': 'mobile', Notes: null },
        phoneColumns: 'Mobile, Phone',
        defaultCountry: 'gb',
        requireMobile: true,
        requireSmsConsent: true,
        mergeStrategy: 'core',
        account: 'acc-1',
        full: true,
        dryRun: true,
        state: false,
      },
      {},
    );
    const plain = await resolveImportSettings({ sources: ['a.csv'], dryRun: true, state: false }, {});
    expect(resumeHash(full, ['abc', 'def'])).toBe('9850d0a45450c4904077dd7533d40cac');
    expect(resumeHash(plain, ['abc'])).toBe('b3b985c23bdd76d8835c1f6f6bdc37a0');
    // Options outside the hash (pace, batching, reports) leave it alone.
    const tuned = { ...plain, rate: 3, batchSize: 7, concurrency: 5, strict: true, workers: 0 };
    expect(resumeHash(tuned, ['abc'])).toBe('b3b985c23bdd76d8835c1f6f6bdc37a0');
  });

  test('resume positions are distinct, so the hashed object has one order', () => {
    const at = OPTION_ENTRIES.flatMap(([, def]) => (def.resume ? [def.resume.at] : []));
    expect(new Set(at).size).toBe(at.length);
  });

  test('the options that shape a row outcome are the reading, mapping, phone and consent options', async () => {
    const settings = await resolveImportSettings(
      { sources: ['a.csv'], defaultCountry: 'DE', requireMobile: true, dryRun: true, state: false },
      {},
    );
    expect(Object.keys(normalisationOptions(settings))).toEqual([
      'format',
      'sheet',
      'delimiter',
      'encoding',
      'mapping',
      'defaultCountry',
      'requireMobile',
      'phoneColumns',
      'requireSmsConsent',
    ]);
    expect(normalisationOptions(settings)).toMatchObject({ defaultCountry: 'DE', requireMobile: true });
  });

  test('every secret option is redacted in the settings a report shows', async () => {
    const settings = await resolveImportSettings(
      {
        sources: ['a.csv'],
        account: 'acc',
        clientId: 'id',
        clientSecret: 'Hunter2-secret',
        redisUrl: 'redis://:R3dis-pw@127.0.0.1:6379',
        state: 'postgres://sakari:S3cret-pw@db.internal:5432/sync',
      },
      {},
    );
    const shown = JSON.stringify(redactSettings(settings));
    for (const secret of ['Hunter2-secret', 'R3dis-pw', 'S3cret-pw']) expect(shown).not.toContain(secret);
    expect(redactSettings(settings)).toMatchObject({ clientSecret: '[redacted]', clientId: 'id' });
  });

  test('every option with a job key is in the job schema, and the schema has no option the table lacks', () => {
    const top = Object.keys(JobSchema.shape);
    const sakari = Object.keys(JobSchema.shape.sakari.unwrap().shape);
    const inSection = (section: string | undefined): string[] =>
      OPTION_ENTRIES.flatMap(([key, def]) => (def.job && def.job.section === section ? [key] : []));
    expect(sakari).toEqual(inSection('sakari'));
    const own = ['$schema', 'name', 'sources', 'sakari', 'watch'];
    expect(top.filter((key) => !own.includes(key))).toEqual(inSection(undefined));
  });

  test.each(['import', 'reconcile', 'watch', 'run'] satisfies CommandName[])(
    '`%s --help` lists every flag the table gives the command, with its env variable and default',
    async (command) => {
      const { stdout, code } = await runCli([command, '--help']);
      expect(code).toBe(0);
      for (const [, def] of OPTION_ENTRIES) {
        if (!def.flag) continue;
        const shown = stdout.includes(`--${def.flag} `);
        expect(shown, `--${def.flag}`).toBe(def.commands.includes(command));
        if (shown && def.env) expect(stdout).toContain(def.env);
      }
      if (command !== 'run') {
        expect(stdout).toContain(`contacts per upload [${OPTIONS.batchSize.default}]`);
        expect(stdout).toContain('--no-state');
      }
    },
  );
});

describe('--default-country', () => {
  const resolve = (defaultCountry: string) =>
    resolveImportSettings({ sources: ['x.csv'], dryRun: true, state: false, defaultCountry });

  test('takes what a country column takes: UK, United Kingdom and gb are GB', async () => {
    for (const value of ['UK', 'United Kingdom', 'gb', ' GB ']) {
      expect((await resolve(value)).defaultCountry, value).toBe('GB');
    }
  });

  test('refuses an empty value (an unset variable) and an unknown one, naming the option', async () => {
    await expect(resolve('')).rejects.toMatchObject({
      problems: ['default-country: empty; give an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)'],
    });
    await expect(resolve('Narnia')).rejects.toMatchObject({
      problems: ['default-country: "Narnia" is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)'],
    });
  });
});

test('a --state URL that is not PostgreSQL (a typo) is refused, showing only its scheme', async () => {
  for (const state of ['postgress://sakari:s3cret@db:5432/sakari', 'mysql://db/x', 'pg://db/x']) {
    const error = await resolveImportSettings({ sources: ['x.csv'], dryRun: true, state }).catch(
      (caught: unknown) => caught,
    );
    expect(error, state).toMatchObject({
      problems: [
        expect.stringMatching(/^state: a [a-z]+:\/\/ URL is not a state location; give a file path/),
      ],
    });
    expect(JSON.stringify(error)).not.toContain('s3cret');
  }
  expect(
    (await resolveImportSettings({ sources: ['x.csv'], dryRun: true, state: 'C:state.db' })).statePath,
  ).toMatch(/state\.db$/);
});
