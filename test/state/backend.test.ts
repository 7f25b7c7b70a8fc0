/** Which store a `--state` value names, and how it is shown. */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveImportSettings, redactSettings } from '../../src/config.js';
import {
  isPostgresUrl,
  localStateDir,
  redactStateLocation,
  resolveStateLocation,
} from '../../src/state/index.js';

describe('--state values', () => {
  test.each([
    ['postgres://u:p@db/x', true],
    ['postgresql://db/x', true],
    ['POSTGRES://db/x', true],
    ['postgres.db', false],
    ['./state/postgres://x', false],
    ['/srv/state.db', false],
  ])('%s is a PostgreSQL URL: %s', (value, expected) => {
    expect(isPostgresUrl(value)).toBe(expected);
  });

  test('a URL is kept as given; a path is made absolute against the base', () => {
    expect(resolveStateLocation('postgres://u:p@db:5432/x?sslmode=require')).toBe(
      'postgres://u:p@db:5432/x?sslmode=require',
    );
    expect(resolveStateLocation('s/state.db', '/jobs')).toBe('/jobs/s/state.db');
    expect(resolveStateLocation('s/state.db')).toBe(path.resolve('s/state.db'));
    expect(localStateDir('/jobs/s/state.db')).toBe('/jobs/s');
    expect(localStateDir('postgres://db/x')).toBeUndefined();
  });

  test.each([
    ['postgres://sakari:S3cret@db:5432/x', 'postgres://sakari:***@db:5432/x'],
    ['postgresql://db/x?password=S3cret&sslmode=require', 'postgresql://db/x?password=***&sslmode=require'],
    ['postgres://sakari@db/x', 'postgres://sakari@db/x'],
    ['postgres://sak:S3cret@[bad', '<unreadable PostgreSQL URL>'],
    ['/srv/state.db', '/srv/state.db'],
  ])('%s is shown as %s', (value, shown) => {
    expect(redactStateLocation(value)).toBe(shown);
  });

  test('SAKARI_SYNC_STATE names the state when no flag does; the job key and shown settings mask the password', async () => {
    const url = 'postgres://sakari:S3cret-pw@db.internal:5432/sync';
    const settings = await resolveImportSettings(
      { sources: ['a.csv'], dryRun: true },
      { SAKARI_SYNC_STATE: url },
    );
    expect(settings.statePath).toBe(url);
    expect(settings.jobKey).toBe('import:postgres://sakari:***@db.internal:5432/sync');
    expect(JSON.stringify(redactSettings(settings))).not.toContain('S3cret-pw');
    const flag = await resolveImportSettings(
      { sources: ['a.csv'], dryRun: true, state: 'here.db' },
      { SAKARI_SYNC_STATE: url },
    );
    expect(flag.statePath).toBe(path.resolve('here.db'));
  });
});
