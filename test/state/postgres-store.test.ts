/**
 * The state-store suite (backend-contract.ts) on a private PostgreSQL cluster, and what only the
 * PostgreSQL store does: migrations under an advisory lock, its errors, and a lock released by a
 * dead connection.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/state/postgres-migrations.js';
import {
  LockHeldError,
  openStateBackend,
  StateStoreError,
  type StateBackend,
} from '../../src/state/index.js';
import { describeStateBackend } from './backend-contract.js';
import { startPostgres, type PostgresServer } from './postgres-helpers.js';

let server: PostgresServer;
let current = '';
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describeStateBackend('PostgreSQL', {
  open: async () => {
    current = await server.createDatabase();
    return openStateBackend(current);
  },
  again: () => openStateBackend(current),
});

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function caught(action: Promise<unknown>): Promise<unknown> {
  return action.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('PostgreSQL state: schema and errors', () => {
  test('five processes opening a fresh database at once migrate it once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 5 }, () => openStateBackend(url)));
    await Promise.all(stores.map((store) => store.close()));
    const rows = await query<{ version: number }>(url, 'SELECT version FROM sakari_sync.schema_migrations');
    expect(rows.map((row) => row.version)).toEqual(
      Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1),
    );
  });

  test('a schema written by a newer sakari-sync is refused (STATE_TOO_NEW), the URL password masked', async () => {
    const url = await server.createDatabase();
    await (await openStateBackend(url)).close();
    await query(url, `INSERT INTO sakari_sync.schema_migrations VALUES ($1, 'future', 'x')`, [
      PG_SCHEMA_VERSION + 1,
    ]);
    const error = await caught(openStateBackend(url));
    expect(error).toBeInstanceOf(StateStoreError);
    expect((error as StateStoreError).code).toBe('STATE_TOO_NEW');
    expect((error as StateStoreError).message).toContain('sakari:***@127.0.0.1');
    expect((error as StateStoreError).message).not.toContain(server.password);
  });

  test('a v6 schema keeps its processed files, which match no account and options: each is imported once more', async () => {
    const url = await server.createDatabase();
    // The schema as a version of step 6 left it, with two files it imported by content alone.
    const steps = PG_MIGRATIONS.filter((step) => step.version <= 6);
    await query(
      url,
      `CREATE SCHEMA sakari_sync;
       SET search_path TO sakari_sync;
       CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL);
       ${steps.map((step) => step.sql).join(';\n')};
       INSERT INTO schema_migrations SELECT v, 'step', 'x' FROM generate_series(1, 6) AS v;
       INSERT INTO processed_files (sha256, path, run_id, at) VALUES
         ('abc', 'a.csv', 'r1', '2026-01-01T00:00:00Z'), ('abd', 'b.csv', 'r1', '2026-01-02T00:00:00Z');`,
    );
    const scope = { account: 'acct-1', optionsHash: 'opt-1' };
    const store = await openStateBackend(url);
    try {
      expect(await store.fileProcessed('abc', scope)).toBeUndefined();
      await store.markFileProcessed('abc', scope, { path: 'a.csv', runId: 'r2' });
      expect(await store.fileProcessed('abc', scope)).toMatchObject({ path: 'a.csv', runId: 'r2' });
    } finally {
      await store.close();
    }
    const rows = await query(
      url,
      'SELECT account, options_hash, sha256, run_id FROM sakari_sync.processed_files ORDER BY run_id, sha256',
    );
    expect(rows).toEqual([
      { account: null, options_hash: null, sha256: 'abc', run_id: 'r1' },
      { account: null, options_hash: null, sha256: 'abd', run_id: 'r1' },
      { account: 'acct-1', options_hash: 'opt-1', sha256: 'abc', run_id: 'r2' },
    ]);
  });

  test('a refused login or an unreachable server is STATE_UNAVAILABLE, never showing the password', async () => {
    const wrong = server.url.replace(server.password, 'Wr0ng-pass-word');
    const refused = await caught(openStateBackend(wrong));
    expect(refused).toBeInstanceOf(StateStoreError);
    expect((refused as StateStoreError).code).toBe('STATE_UNAVAILABLE');
    expect((refused as StateStoreError).message).not.toContain('Wr0ng-pass-word');

    const closedPort = server.url.replace(`:${server.port}/`, ':1/');
    const unreachable = await caught(openStateBackend(closedPort));
    expect((unreachable as StateStoreError).code).toBe('STATE_UNAVAILABLE');
    expect((unreachable as StateStoreError).message).not.toContain(server.password);
  });
});

describe('PostgreSQL run locks', () => {
  test('a holder whose connection dies releases the lock; the message names the database, not its password', async () => {
    const url = await server.createDatabase();
    const stores: StateBackend[] = [await openStateBackend(url), await openStateBackend(url)];
    try {
      const held = await stores[0]!.acquireLock({ jobKey: 'job:nightly', command: 'run nightly' });
      const refused = await caught(stores[1]!.acquireLock({ jobKey: 'job:nightly', command: 'run nightly' }));
      expect(refused).toBeInstanceOf(LockHeldError);
      expect((refused as LockHeldError).message).toContain('`run nightly`');
      expect((refused as LockHeldError).message).toContain('sakari:***@');
      expect((refused as LockHeldError).message).not.toContain(server.password);

      // The holder's session ends as a killed process's would: the server drops it.
      await query(
        url,
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`,
      );
      const taken = await stores[1]!.acquireLock({ jobKey: 'job:nightly', command: 'run nightly' });
      await taken.release();
      await held.release();
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
