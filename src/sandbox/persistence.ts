/**
 * Where the sandbox keeps its contacts: a SQLite database, so a 300,000-contact account costs disk,
 * not heap, and a write costs one transaction rather than a rewrite of everything.
 *
 * - With a data file (`sakari-sync sandbox --data-file`, `--sandbox` runs with a state folder): that
 *   file, in WAL mode. Every write is one transaction, so a killed sandbox leaves a consistent file
 *   holding every write it answered, and contacts survive a restart.
 * - Without: SQLite's anonymous temporary database (an unlinked file that lives in a small page cache
 *   and spills to disk), gone when the sandbox closes. Measured at 300,000 contacts: 91 MB peak RSS,
 *   against 223 MB for `:memory:`.
 *
 * A JSON data file of the previous format (`{"version": 1, "accounts": {...}}`, written by
 * sakari-sync 0.1) found at the data file's path is converted on open: the database is built beside
 * it and renamed over it, and the JSON is kept as `<file>.v1.json`. A JSON file that is not a valid
 * v1 data file is refused, naming the file and the problem, and left as it was.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { StoredContact } from './types.js';

/** The data file holds contacts: owner read/write only. */
const DATA_FILE_MODE = 0o600;

/** The database handle the contact store works with. */
export type ContactDatabase = Database.Database;

/** `PRAGMA application_id` of a sandbox data file ("SSBX"): tells it from the state database. */
const SANDBOX_APPLICATION_ID = 0x53534258;
/** `PRAGMA user_version` of the format this build writes; version 1 was the JSON file. */
const DATA_FILE_VERSION = 2;
const LEGACY_JSON_VERSION = 1;
/** How long a write waits for another process holding the data file (e.g. a reconcile beside a run). */
const BUSY_TIMEOUT_MS = 10_000;
/**
 * Page cache: the indexes on random keys (ids, numbers) of a 200,000-contact account mostly fit, so an
 * upsert rarely goes to the OS for a page; bounded, so memory stays flat however big the account.
 */
const CACHE_SIZE_KIB = 32 * 1024;
/** Pages of WAL (4 KiB each) after which a commit checkpoints it into the database file. */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\u0000';
/** The state folder's data file of `--sandbox` runs. */
const STATE_DIR_DATA_FILE = 'sandbox-data.db';
/** Its name before it was a database. */
const STATE_DIR_LEGACY_DATA_FILE = 'sandbox-data.json';

/**
 * One row per contact; `seq` is creation order (a re-created number goes last, as `max(seq) + 1`),
 * `contact` the whole {@link StoredContact} as JSON, `id` and `mobile` copies of its fields for the
 * lookups.
 */
const SCHEMA = `
  CREATE TABLE contacts (
    seq INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    mobile TEXT NOT NULL,
    contact TEXT NOT NULL
  );
  CREATE UNIQUE INDEX contacts_by_mobile ON contacts (account, mobile);
  CREATE UNIQUE INDEX contacts_by_id ON contacts (account, id);
  CREATE INDEX contacts_in_order ON contacts (account, seq);
`;

const storedContactSchema = z.object({
  id: z.string().min(1),
  mobile: z.object({ number: z.string().min(1), country: z.string().optional() }),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.string().optional(),
  tags: z.array(z.object({ tag: z.string() })),
  attributes: z.record(z.string(), z.string()),
  created: z.object({ at: z.string() }),
  updated: z.object({ at: z.string() }),
});

const legacyDataFileSchema = z.object({
  version: z.literal(LEGACY_JSON_VERSION),
  accounts: z.record(z.string(), z.array(storedContactSchema)),
});

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The data file of `--sandbox` runs whose state lives in `stateDir`. A JSON data file left there by
 * sakari-sync 0.1 (`sandbox-data.json`) is moved to the new name first, so it is converted on open
 * rather than forgotten.
 */
export function sandboxDataFile(stateDir: string): string {
  const file = join(stateDir, STATE_DIR_DATA_FILE);
  const legacy = join(stateDir, STATE_DIR_LEGACY_DATA_FILE);
  if (!existsSync(file) && existsSync(legacy)) renameSync(legacy, file);
  return file;
}

/**
 * Opens the contact database: the data file (created when missing, converted when it holds a v1 JSON
 * data file) or, without one, a private temporary database.
 *
 * @throws Error naming the file when it cannot be opened, is a malformed JSON data file, or is a
 *   database of something else.
 */
export function openContactDatabase(file: string | undefined): ContactDatabase {
  if (file === undefined) {
    // '' is SQLite's anonymous temporary database: on disk, deleted on close. Its rollback journal
    // (a batch that throws is undone) stays in memory: one transaction's pages, and 1.6x faster.
    const db = new Database('');
    db.pragma('journal_mode = MEMORY');
    db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    db.exec(SCHEMA);
    return db;
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new Error(`sandbox data file ${file}: cannot create its folder: ${message(error)}`, {
      cause: error,
    });
  }
  if (holdsJson(file)) convertLegacyDataFile(file);
  let db: ContactDatabase;
  try {
    // The contacts of a trial are contact data: owner only, like the state (SQLite gives its -wal
    // and -shm the file's mode). Created so, never wider even for an instant; one left by an
    // earlier version is narrowed.
    closeSync(openSync(file, 'a', DATA_FILE_MODE));
    chmodSync(file, DATA_FILE_MODE);
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`sandbox data file ${file}: cannot open it: ${message(error)}`, { cause: error });
  }
  try {
    // Checked before anything is set: a database of something else is left exactly as it was.
    prepareSchema(db, file);
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit is not fsynced (a killed process loses nothing, power loss at most the last
    // commits), checkpoints are; checkpointing every 40 MB rather than 4 MB of WAL cut a 200k-contact
    // import's database time by 40% (each 1000-contact batch touches ~1000 pages of random-key indexes).
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    return db;
  } catch (error) {
    db.close();
    throw error instanceof Error && error.message.startsWith('sandbox data file')
      ? error
      : new Error(`sandbox data file ${file}: cannot use it: ${message(error)}`, { cause: error });
  }
}

/** Whether `file` exists, is not empty and does not start like a SQLite database. */
function holdsJson(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`sandbox data file ${file}: cannot read it`, { cause: error });
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return read > 0 && head.subarray(0, read).toString('latin1') !== SQLITE_HEADER.slice(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Creates the schema in a new database, or checks that an existing one is ours and not newer. */
function prepareSchema(db: ContactDatabase, file: string): void {
  db.transaction(() => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (applicationId === SANDBOX_APPLICATION_ID) {
      if (version > DATA_FILE_VERSION) {
        throw new Error(
          `sandbox data file ${file}: written by a newer sakari-sync (format v${version}; this one knows v${DATA_FILE_VERSION})`,
        );
      }
      return;
    }
    const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
    if (applicationId !== 0 || objects > 0) {
      throw new Error(`sandbox data file ${file}: a SQLite database of something else, not sandbox contacts`);
    }
    db.exec(SCHEMA);
    db.pragma(`application_id = ${SANDBOX_APPLICATION_ID}`);
    db.pragma(`user_version = ${DATA_FILE_VERSION}`);
  }).immediate();
}

/**
 * Reads a v1 JSON data file, throwing (naming the file and the first problem) when it is not one:
 * starting empty instead would lose its contacts.
 */
function readLegacyDataFile(file: string): Record<string, StoredContact[]> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`sandbox data file ${file}: not valid JSON (nor a SQLite database)`, { cause: error });
  }
  const parsed = legacyDataFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new Error(`sandbox data file ${file}: unexpected content${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.accounts;
}

/**
 * Converts a v1 JSON data file in place: the database is built in a temporary file beside it, the
 * JSON copied to `<file>.v1.json`, then the database renamed over the file. Interrupted at any point,
 * the file still holds the JSON (converted again next time) or the complete database.
 */
function convertLegacyDataFile(file: string): void {
  const accounts = readLegacyDataFile(file);
  const temporary = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const db = new Database(temporary);
    try {
      prepareSchema(db, file);
      const insert = db.prepare('INSERT INTO contacts (account, id, mobile, contact) VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        for (const [accountId, contacts] of Object.entries(accounts)) {
          for (const contact of contacts)
            insert.run(accountId, contact.id, contact.mobile.number, JSON.stringify(contact));
        }
      })();
    } finally {
      db.close();
    }
    copyFileSync(file, `${file}.v1.json`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    if (error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new Error(`sandbox data file ${file}: an account holds the same contact id or mobile twice`, {
        cause: error,
      });
    }
    throw new Error(`sandbox data file ${file}: cannot convert it from JSON: ${message(error)}`, {
      cause: error,
    });
  }
}
