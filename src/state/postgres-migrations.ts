import type pg from 'pg';
import { StateStoreError } from './errors.js';

/**
 * Every table of the PostgreSQL state lives in this schema, so that a database shared with other
 * applications is never touched outside it.
 */
export const PG_SCHEMA = 'sakari_sync';

/**
 * The first key of every advisory lock sakari-sync takes (ASCII "SKSY", as the SQLite
 * `application_id`), so that ours never collide with another application's.
 */
export const PG_LOCK_NAMESPACE = 0x534b5359;

/** The second key of the lock that serialises migrations (run locks use a hash of the job key). */
const MIGRATION_LOCK_KEY = 0;

/** One step of the PostgreSQL schema. Applied in order; never edited once released. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  /** SQL run inside the migration transaction, with `search_path` set to {@link PG_SCHEMA}. */
  readonly sql: string;
}

/** The schema, oldest step first. Its own numbering: it need not follow the SQLite one. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'contacts, runs, processed files, run lock holders, account pace',
    sql: `
      CREATE TABLE runs (
        -- Insertion order (findResumable): unlike started_at it does not depend on the callers' clocks.
        seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id            text PRIMARY KEY,
        command       text NOT NULL,
        job_key       text NOT NULL,
        source_sha256 text NOT NULL,
        options_hash  text NOT NULL,
        started_at    text NOT NULL,
        finished_at   text,
        status        text NOT NULL CHECK (status IN ('running', 'completed', 'aborted', 'failed')),
        counts        text,
        resumed_from  text REFERENCES runs (id),
        pid           integer NOT NULL,
        CHECK (resumed_from IS NULL OR resumed_from <> id)
      );
      CREATE INDEX runs_by_job_key ON runs (job_key, seq);

      -- What Sakari last acknowledged per account and number.
      CREATE TABLE contacts (
        account      text NOT NULL CHECK (account <> ''),
        e164         text NOT NULL CHECK (e164 ~ '^\\+[1-9]'),
        payload_hash text NOT NULL CHECK (payload_hash <> ''),
        contact_id   text,
        run_id       text NOT NULL REFERENCES runs (id),
        status       text NOT NULL CHECK (status IN ('created', 'updated', 'blocked')),
        updated_at   text NOT NULL,
        PRIMARY KEY (account, e164)
      );

      -- watch: files already imported successfully, by content.
      CREATE TABLE processed_files (
        sha256 text PRIMARY KEY,
        path   text NOT NULL,
        run_id text NOT NULL,
        at     text NOT NULL
      );

      -- Who holds a job's advisory lock, for the message of a second run (the lock itself is not a row).
      CREATE TABLE run_lock_holders (
        job_key     text PRIMARY KEY,
        backend_pid integer NOT NULL,
        pid         integer NOT NULL,
        host        text NOT NULL,
        command     text NOT NULL,
        since       text NOT NULL
      );

      -- The adaptive rate remembered per account.
      CREATE TABLE account_pace (
        account    text PRIMARY KEY,
        rate       double precision NOT NULL,
        updated_at timestamptz
      );
    `,
  },
  {
    version: 2,
    name: 'row recall: the source row behind each acknowledged contact (issue 16)',
    sql: `
      ALTER TABLE contacts ADD COLUMN row_hash text;
      ALTER TABLE contacts ADD COLUMN note text;
      CREATE INDEX contacts_by_row_hash ON contacts (account, row_hash) WHERE row_hash IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'remembered rejections: rows rejected for what they hold, by fingerprint (issue 16)',
    // As SQLite's step 5 (migrations.ts).
    sql: `
      CREATE TABLE rejected_rows (
        account     text NOT NULL CHECK (account <> ''),
        row_hash    text NOT NULL CHECK (row_hash <> ''),
        status      text NOT NULL CHECK (status IN ('invalid', 'blocked')),
        code        text NOT NULL CHECK (code <> ''),
        message     text NOT NULL,
        e164        text CHECK (e164 IS NULL OR e164 ~ '^\\+[1-9]'),
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (account, row_hash)
      );
    `,
  },
  {
    version: 4,
    name: 'row positions: where each remembered row stood in its source (issue 16)',
    // As SQLite's step 6 (migrations.ts).
    sql: `
      ALTER TABLE contacts ADD COLUMN row_seq bigint;
      ALTER TABLE rejected_rows ADD COLUMN row_seq bigint;
      CREATE INDEX contacts_by_row_seq ON contacts (account, row_seq)
        INCLUDE (row_hash, e164, payload_hash, contact_id, run_id, status, note)
        WHERE row_seq IS NOT NULL;
      CREATE INDEX rejected_rows_by_row_seq ON rejected_rows (account, row_seq)
        INCLUDE (row_hash, status, code, message, e164)
        WHERE row_seq IS NOT NULL;
      CREATE INDEX rejected_rows_by_recorded_at ON rejected_rows (account, recorded_at);
    `,
  },
  {
    version: 5,
    name: 'the mobile as the source had it, next to the fingerprint (issue 16)',
    // As SQLite's step 7 (migrations.ts): written with row_hash and note; the range scan covers it.
    sql: `
      ALTER TABLE contacts ADD COLUMN mobile_input text;
      DROP INDEX contacts_by_row_seq;
      CREATE INDEX contacts_by_row_seq ON contacts (account, row_seq)
        INCLUDE (row_hash, e164, payload_hash, contact_id, run_id, status, note, mobile_input)
        WHERE row_seq IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'remembered rejections keep their source values (issue 16)',
    // As SQLite's step 8 (migrations.ts).
    sql: `
      ALTER TABLE rejected_rows ADD COLUMN mobile_input text;
      ALTER TABLE rejected_rows ADD COLUMN source_values text;
      DROP INDEX rejected_rows_by_row_seq;
      CREATE INDEX rejected_rows_by_row_seq ON rejected_rows (account, row_seq)
        INCLUDE (row_hash, status, code, message, e164, mobile_input, source_values)
        WHERE row_seq IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'watch: the latest file imported per account and options, not per content alone',
    // As SQLite's step 9 (migrations.ts): one row per account and options hash, the scope's latest
    // import; rows of step 1 keep both NULL and match no scope (imported once more, at no cost).
    sql: `
      ALTER TABLE processed_files DROP CONSTRAINT processed_files_pkey;
      ALTER TABLE processed_files
        ADD COLUMN account text CHECK (account IS NULL OR account <> ''),
        ADD COLUMN options_hash text CHECK (options_hash IS NULL OR options_hash <> '');
      CREATE UNIQUE INDEX processed_files_by_scope ON processed_files (account, options_hash);
    `,
  },
];

/** The schema version this build writes. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/**
 * Brings the database to {@link PG_SCHEMA_VERSION}: every pending step in one transaction, under
 * an advisory transaction lock so that processes starting at once (several machines, several
 * watchers) migrate it once; each step recorded in `schema_migrations`.
 *
 * @throws StateStoreError `STATE_TOO_NEW` when a newer sakari-sync wrote the schema.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  location: string,
  now: () => Date,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_NAMESPACE, MIGRATION_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.schema_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at text NOT NULL
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${PG_SCHEMA}.schema_migrations`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > PG_SCHEMA_VERSION) {
      throw new StateStoreError(
        'STATE_TOO_NEW',
        `${location} was written by a newer sakari-sync (state schema v${current}; this version knows up to ` +
          `v${PG_SCHEMA_VERSION}); upgrade sakari-sync or point --state at another database`,
      );
    }
    await client.query(`SET LOCAL search_path TO ${PG_SCHEMA}`);
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now().toISOString(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
