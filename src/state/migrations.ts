import type BetterSqlite3 from 'better-sqlite3';
import { StateStoreError } from './errors.js';

type Database = BetterSqlite3.Database;

/** One step of the state database's schema. Applied in order; never edited once released. */
export interface Migration {
  /** The `PRAGMA user_version` the database has after this step (1, 2, 3, ...). */
  readonly version: number;
  /** A short description, recorded in `schema_migrations`. */
  readonly name: string;
  /** Applies the step. Runs inside the migration transaction: must not begin or commit one. */
  up(db: Database): void;
}

/**
 * Marks a SQLite file as a sakari-sync state database (`PRAGMA application_id`, ASCII "SKSY"), so
 * that `--state` pointing at some other application's database fails clearly instead of being
 * altered.
 */
export const STATE_APPLICATION_ID = 0x534b5359;

/**
 * The indexes that hold `row_seq` (steps 6 and 7), as this build defines them: the state store
 * drops and builds them again around a bulk update of positions (`StateStore.applyPlacedRows`),
 * which is far cheaper than moving a million index entries one by one. Change them only with a
 * new step. They cover the recall statements (`RECALL_SQL`, `RECALL_WINDOW_SQL`): a recall
 * reads no table row.
 */
export const POSITION_INDEXES = {
  contactsByRowSeq: `CREATE INDEX contacts_by_row_seq
    ON contacts (account, row_seq, row_hash, e164, payload_hash, contact_id, run_id, status, note, mobile_input)
    WHERE row_seq IS NOT NULL`,
  rejectedRowsByRowSeq: `CREATE INDEX rejected_rows_by_row_seq
    ON rejected_rows (account, row_seq, row_hash, status, code, message, e164, mobile_input, source_values)
    WHERE row_seq IS NOT NULL`,
  contactsByRowHash: `CREATE INDEX contacts_by_row_hash
    ON contacts (account, row_hash, e164, payload_hash, contact_id, run_id, status, note, row_seq, mobile_input)`,
} as const;

/** The schema, oldest step first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'contacts, runs, processed files, reconcile spill',
    up(db) {
      db.exec(`
        CREATE TABLE schema_migrations (
          version    INTEGER PRIMARY KEY,
          name       TEXT NOT NULL,
          applied_at TEXT NOT NULL
        );

        CREATE TABLE runs (
          id            TEXT PRIMARY KEY NOT NULL,
          command       TEXT NOT NULL,
          job_key       TEXT NOT NULL,
          source_sha256 TEXT NOT NULL,
          options_hash  TEXT NOT NULL,
          started_at    TEXT NOT NULL,
          finished_at   TEXT,
          status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'aborted', 'failed')),
          counts        TEXT,
          resumed_from  TEXT REFERENCES runs (id),
          pid           INTEGER NOT NULL,
          CHECK (resumed_from IS NULL OR resumed_from <> id)
        );
        -- findResumable: the latest run of a job key (rowid order).
        CREATE INDEX runs_by_job_key ON runs (job_key);

        -- What Sakari last acknowledged per account and number.
        CREATE TABLE contacts (
          account      TEXT NOT NULL CHECK (account <> ''),
          e164         TEXT NOT NULL CHECK (e164 GLOB '+[1-9]*'),
          payload_hash TEXT NOT NULL CHECK (payload_hash <> ''),
          contact_id   TEXT,
          run_id       TEXT NOT NULL REFERENCES runs (id),
          status       TEXT NOT NULL CHECK (status IN ('created', 'updated', 'blocked')),
          updated_at   TEXT NOT NULL,
          PRIMARY KEY (account, e164)
        ) WITHOUT ROWID;

        -- watch: files already imported successfully, by content.
        CREATE TABLE processed_files (
          sha256 TEXT PRIMARY KEY NOT NULL,
          path   TEXT NOT NULL,
          run_id TEXT NOT NULL,
          at     TEXT NOT NULL
        );

        -- reconcile: remote contacts spilled to disk, iterated in e164 order.
        CREATE TABLE remote_contacts (
          session TEXT NOT NULL,
          e164    TEXT NOT NULL,
          contact TEXT NOT NULL,
          PRIMARY KEY (session, e164)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'account pace (adaptive rate, issue 18)',
    up(db) {
      db.exec(`
        -- The pace (requests/s) the next run of an account starts from: the last one that worked.
        CREATE TABLE account_pace (
          account    TEXT PRIMARY KEY NOT NULL CHECK (account <> ''),
          rate       REAL NOT NULL CHECK (rate > 0),
          updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    name: 'drop the reconcile spill table',
    up(db) {
      // reconcile spills to its own temporary database (reconcile/remote-index.ts); nothing ever
      // wrote this table of step 1.
      db.exec('DROP TABLE IF EXISTS remote_contacts');
    },
  },
  {
    version: 4,
    name: 'row recall: the source row behind each acknowledged contact (issue 16)',
    up(db) {
      db.exec(`
        -- A fingerprint of the mapped source row (and of everything that shapes its normalisation)
        -- that Sakari last acknowledged for this number, and the row's notes: a later run meeting
        -- the same fingerprint knows the row's outcome without parsing its phone again.
        ALTER TABLE contacts ADD COLUMN row_hash TEXT;
        ALTER TABLE contacts ADD COLUMN note TEXT;
        -- Covering: a recall is one seek (the table's key is the number, not the fingerprint).
        CREATE INDEX contacts_by_row_hash
          ON contacts (account, row_hash, e164, payload_hash, contact_id, run_id, status, note);
      `);
    },
  },
  {
    version: 5,
    name: 'remembered rejections: rows rejected for what they hold, by fingerprint (issue 16)',
    up(db) {
      db.exec(`
        -- A source row rejected for what it holds (its number, email or consent) under a row
        -- fingerprint (which covers the options and versions that shape the outcome): a later run
        -- meeting the fingerprint reports the row again without parsing its phone. Forgotten some
        -- time after it was last recorded (recorded_at), so that rows no source holds any more go.
        CREATE TABLE rejected_rows (
          account     TEXT NOT NULL CHECK (account <> ''),
          row_hash    TEXT NOT NULL CHECK (row_hash <> ''),
          status      TEXT NOT NULL CHECK (status IN ('invalid', 'blocked')),
          code        TEXT NOT NULL CHECK (code <> ''),
          message     TEXT NOT NULL,
          e164        TEXT CHECK (e164 IS NULL OR e164 GLOB '+[1-9]*'),
          recorded_at TEXT NOT NULL,
          PRIMARY KEY (account, row_hash)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 6,
    name: 'row positions: where each remembered row stood in its source (issue 16)',
    up(db) {
      db.exec(`
        -- The position (0-based, over all the run's sources) of the source row behind a
        -- fingerprint, as the run that recorded it read it. A re-run of the same export reads the
        -- rows remembered around its current position in one range scan (row_seq order is the
        -- source's order) instead of one seek per row in fingerprint order; a row that moved is
        -- still found by its fingerprint. NULL: recorded before positions were kept.
        ALTER TABLE contacts ADD COLUMN row_seq INTEGER;
        ALTER TABLE rejected_rows ADD COLUMN row_seq INTEGER;
        CREATE INDEX contacts_by_row_seq
          ON contacts (account, row_seq, row_hash, e164, payload_hash, contact_id, run_id, status, note)
          WHERE row_seq IS NOT NULL;
        CREATE INDEX rejected_rows_by_row_seq
          ON rejected_rows (account, row_seq, row_hash, status, code, message, e164)
          WHERE row_seq IS NOT NULL;
        -- Still covering for the look-up by fingerprint, which now also reads the position.
        DROP INDEX contacts_by_row_hash;
        CREATE INDEX contacts_by_row_hash
          ON contacts (account, row_hash, e164, payload_hash, contact_id, run_id, status, note, row_seq);
        -- Forgetting old rejections after each run reads only those (it scanned them all).
        CREATE INDEX rejected_rows_by_recorded_at ON rejected_rows (account, recorded_at);
      `);
    },
  },
  {
    version: 7,
    name: 'the mobile as the source had it, next to the fingerprint (issue 16)',
    up(db) {
      db.exec(`
        -- The row's mobile exactly as the source had it, written with row_hash and note: a CSV
        -- record recognised by its text is reported from the state without being parsed. NULL:
        -- recorded before this step, or without a fingerprint (such a row is parsed).
        ALTER TABLE contacts ADD COLUMN mobile_input TEXT;
        -- The recall statements read it: their indexes cover it.
        DROP INDEX contacts_by_row_seq;
        ${POSITION_INDEXES.contactsByRowSeq};
        DROP INDEX contacts_by_row_hash;
        ${POSITION_INDEXES.contactsByRowHash};
      `);
    },
  },
  {
    version: 8,
    name: 'remembered rejections keep their source values (issue 16)',
    up(db) {
      db.exec(`
        -- The rejected row's mobile as the source had it and its values as read (JSON), written
        -- with the rejection: a CSV record recognised by its text is reported from the state
        -- (rows.csv and rejected.csv lines) without being parsed. NULL: remembered before this
        -- step, or values too long to keep (such a row is parsed, and remembered anew).
        ALTER TABLE rejected_rows ADD COLUMN mobile_input TEXT;
        ALTER TABLE rejected_rows ADD COLUMN source_values TEXT;
        -- The range scan of a recall reads them: its index covers them.
        DROP INDEX rejected_rows_by_row_seq;
        ${POSITION_INDEXES.rejectedRowsByRowSeq};
      `);
    },
  },
  {
    version: 9,
    name: 'watch: the latest file imported per account and options, not per content alone',
    up(db) {
      // The key of step 1 (the content alone) skipped a file for another account, after an option
      // was fixed, and after a revert. SQLite cannot drop a primary key: the table is rebuilt.
      db.exec(`
        -- watch: the latest file imported successfully (not a dry run) per account and hash of
        -- the options that shape what is sent. A file is skipped only when it has the content of
        -- its scope's latest import. Rows of step 1 keep account and options_hash NULL: they match
        -- no scope, so each such content is imported once more (its unchanged rows send nothing).
        CREATE TABLE processed_files_by_scope (
          account      TEXT CHECK (account IS NULL OR account <> ''),
          options_hash TEXT CHECK (options_hash IS NULL OR options_hash <> ''),
          sha256       TEXT NOT NULL,
          path         TEXT NOT NULL,
          run_id       TEXT NOT NULL,
          at           TEXT NOT NULL
        );
        INSERT INTO processed_files_by_scope (account, options_hash, sha256, path, run_id, at)
          SELECT NULL, NULL, sha256, path, run_id, at FROM processed_files;
        DROP TABLE processed_files;
        ALTER TABLE processed_files_by_scope RENAME TO processed_files;
        -- One row per scope (NULLs are distinct: the rows of step 1 do not collide).
        CREATE UNIQUE INDEX processed_files_by_scope ON processed_files (account, options_hash);
      `);
    },
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

function readVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database at `path` to {@link SCHEMA_VERSION}: every pending step in one `IMMEDIATE`
 * transaction (two processes opening a fresh database at once migrate it once), each step
 * recorded in `schema_migrations`, `PRAGMA user_version` set to the last.
 *
 * @throws StateStoreError `STATE_TOO_NEW` when a newer sakari-sync wrote the database;
 *   `STATE_NOT_OURS` when it belongs to another application.
 */
export function migrate(db: Database, path: string, now: () => Date): void {
  const check = (version: number): void => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    if (applicationId !== 0 && applicationId !== STATE_APPLICATION_ID) {
      throw new StateStoreError(
        'STATE_NOT_OURS',
        `${path} is a SQLite database of another application (application_id ${applicationId}), ` +
          'not a sakari-sync state database; point --state at a new file',
      );
    }
    if (version > SCHEMA_VERSION) {
      throw new StateStoreError(
        'STATE_TOO_NEW',
        `${path} was written by a newer sakari-sync (state schema v${version}; this version knows up to ` +
          `v${SCHEMA_VERSION}); upgrade sakari-sync or point --state at another file`,
      );
    }
    if (version === 0 && applicationId === 0) {
      const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
      if (objects > 0) {
        throw new StateStoreError(
          'STATE_NOT_OURS',
          `${path} already holds tables but no sakari-sync schema version; it is not a sakari-sync ` +
            'state database, point --state at a new file',
        );
      }
    }
  };

  // One read transaction, so one snapshot: another process migrating a fresh database may commit
  // between two statements, and its tables then stood beside the version 0 read before them.
  const version = db.transaction(() => {
    const found = readVersion(db);
    check(found);
    return found;
  })();
  if (version === SCHEMA_VERSION) return;

  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const current = readVersion(db);
    check(current);
    db.pragma(`application_id = ${STATE_APPLICATION_ID}`);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().toISOString(),
      );
      // PRAGMA takes no bound parameters; version is a number from our own list.
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}
