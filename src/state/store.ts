import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { RemoteContact } from '../sakari/types.js';
import { StateStoreError } from './errors.js';
import { migrate } from './migrations.js';

/** Where the state lives unless `--state` says otherwise (CONTRACT §8). */
export const DEFAULT_STATE_PATH = '.sakari-sync/state.db';

/** The state folder holds phone numbers and emails: owner only. */
const STATE_DIR_MODE = 0o700;
const STATE_FILE_MODE = 0o600;

/**
 * How long a statement waits for another process's write lock before failing with SQLITE_BUSY.
 * Writes are single small transactions, so a few seconds only passes when something is stuck.
 */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Page cache per connection. A 1M-contact account is ~130 MB of table, read from the OS's file
 * cache when not here. Measured on a 1M-row unchanged re-run: 64 MB of cache and a 256 MB memory
 * map cost 130 MB of peak RSS (every mapped page read counts) for no gain in run time over 8 MB
 * and no map (issue 16: ≤ 200 MB at 1M rows).
 */
const CACHE_SIZE_KIB = 8_192;

/** No memory-mapped reads: a mapped page read stays in the process's RSS. */
const MMAP_SIZE_BYTES = 0;

/**
 * Numbers per look-up statement. Measured: 500 and 2 000 perform alike (the B-tree seeks
 * dominate), and 500 keeps each JSON argument small.
 */
const LOOKUP_CHUNK = 500;

/** Remote contacts per page when iterating the reconcile spill (one statement per page). */
const REMOTE_PAGE_SIZE = 1_000;

/** Status of a contact Sakari acknowledged. `blocked` (CONT-010) is recorded so it is not re-sent every run. */
export type AckedStatus = 'created' | 'updated' | 'blocked';

/** What the store knows about one number of one account. */
export interface KnownContact {
  /** {@link payloadHash} of the payload Sakari last acknowledged. */
  payloadHash: string;
  /** Sakari's contact id, when Sakari returned one (kept from earlier runs when a later one did not). */
  contactId?: string;
  /** The run that recorded it: a row recorded by a run in the current resume chain is not `unchanged`. */
  runId: string;
  status: AckedStatus;
}

/** One row of a batch as Sakari acknowledged it. */
export interface AckedRow {
  e164: string;
  payloadHash: string;
  contactId?: string;
  status: AckedStatus;
}

/** One run of a command against this state. */
export interface RunRecord {
  /** Unique id (the caller makes it, e.g. a timestamp plus random suffix). */
  id: string;
  /** The command as the user typed it, secrets removed (e.g. `run jobs/nightly.yaml`). */
  command: string;
  /** What makes two runs "the same job" (e.g. command + account + resolved sources); also names the lock. */
  jobKey: string;
  /** sha256 of the source bytes: a changed source is a new run, not a resume. */
  sourceSha256: string;
  /** Hash of the options that change what is sent (mapping, merge strategy, default country, ...). */
  optionsHash: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601, set by {@link StateStore.finishRun}. */
  finishedAt?: string;
  /** `running` until finished; a `running` run found later was killed or crashed. */
  status: 'running' | 'completed' | 'aborted' | 'failed';
  /** Outcome counters, set by {@link StateStore.finishRun}. */
  counts?: Record<string, number>;
  /** The interrupted run this one resumes. */
  resumedFrom?: string;
  /** Process id of the run. */
  pid: number;
}

/** A file `watch` imported successfully. */
export interface ProcessedFile {
  path: string;
  runId: string;
  /** ISO 8601. */
  at: string;
}

/** A remote contact to spill, under the E.164 number reconcile matches on. */
export interface RemoteEntry {
  e164: string;
  contact: RemoteContact;
}

/** Collaborators of the store. */
export interface StateStoreOptions {
  /** The clock for `updated_at`, `at` and migration times. @default () => new Date() */
  now?: () => Date;
}

/** A `runs` row as both stores hold it (the PostgreSQL store uses the same columns). */
export type RunRow = {
  id: string;
  command: string;
  job_key: string;
  source_sha256: string;
  options_hash: string;
  started_at: string;
  finished_at: string | null;
  status: RunRecord['status'];
  counts: string | null;
  resumed_from: string | null;
  pid: number;
};

type ContactRow = [
  e164: string,
  payloadHash: string,
  contactId: string | null,
  runId: string,
  status: AckedStatus,
];

const RUN_COLUMNS =
  'id, command, job_key, source_sha256, options_hash, started_at, finished_at, status, counts, resumed_from, pid';

/** Keeps a resume chain finite even if the data were corrupted into a cycle. */
const MAX_RESUME_CHAIN = 10_000;

/**
 * The local state of sakari-sync: one SQLite file (CONTRACT §8) holding, per account and E.164,
 * the hash of the payload Sakari last acknowledged; the runs, for resume; the files `watch`
 * imported; and a spill area for `reconcile`.
 *
 * Synchronous (better-sqlite3): each method is one short statement or one transaction. WAL mode
 * with `synchronous=NORMAL`: a committed batch survives the process being killed (`kill -9`), the
 * case resume is built for; a power cut may lose the last batches, which are then sent again
 * (the upsert is idempotent).
 *
 * @example
 * const store = StateStore.open(DEFAULT_STATE_PATH);
 * const known = store.lookup(account, batch.map((c) => c.payload.mobile));
 * // ... send the rows whose hash differs, then:
 * store.recordBatch(account, runId, acknowledged);
 * store.close();
 */
export class StateStore {
  /** The database file. */
  readonly path: string;
  readonly #db: BetterSqlite3.Database;
  readonly #now: () => Date;
  readonly #lookup: BetterSqlite3.Statement<[string, string], ContactRow>;
  readonly #upsertContact: BetterSqlite3.Statement<
    [string, string, string, string | null, string, string, string]
  >;
  readonly #recordBatch: (account: string, runId: string, rows: readonly AckedRow[]) => void;
  readonly #insertRun: BetterSqlite3.Statement<
    [string, string, string, string, string, string, string | null, number]
  >;
  readonly #finishRun: BetterSqlite3.Statement<[string, string, string, string]>;
  readonly #getRun: BetterSqlite3.Statement<[string], RunRow>;
  readonly #latestRunOfJob: BetterSqlite3.Statement<[string], RunRow>;
  readonly #resumeChain: BetterSqlite3.Statement<[string, number], string>;
  readonly #markFile: BetterSqlite3.Statement<[string, string, string, string]>;
  readonly #getFile: BetterSqlite3.Statement<[string], ProcessedFile>;
  readonly #insertRemote: BetterSqlite3.Statement<[string, string, string]>;
  readonly #putRemote: (session: string, entries: readonly RemoteEntry[]) => number;
  readonly #remotePage: BetterSqlite3.Statement<[string, string, number], [string, string]>;
  readonly #countRemote: BetterSqlite3.Statement<[string], number>;
  readonly #dropRemote: BetterSqlite3.Statement<[string]>;
  readonly #getPace: BetterSqlite3.Statement<[string], number>;
  readonly #setPace: BetterSqlite3.Statement<[string, number, string]>;

  private constructor(path: string, db: BetterSqlite3.Database, now: () => Date) {
    this.path = path;
    this.#db = db;
    this.#now = now;

    this.#lookup = db
      .prepare<[string, string], ContactRow>(
        `SELECT e164, payload_hash, contact_id, run_id, status FROM contacts
         WHERE account = ? AND e164 IN (SELECT value FROM json_each(?))`,
      )
      .raw(true);
    this.#upsertContact = db.prepare(
      `INSERT INTO contacts (account, e164, payload_hash, contact_id, run_id, status, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, e164) DO UPDATE SET
         payload_hash = excluded.payload_hash,
         contact_id   = coalesce(excluded.contact_id, contacts.contact_id),
         run_id       = excluded.run_id,
         status       = excluded.status,
         updated_at   = excluded.updated_at`,
    );
    this.#recordBatch = db.transaction((account: string, runId: string, rows: readonly AckedRow[]) => {
      const at = this.#now().toISOString();
      for (const row of rows) {
        this.#upsertContact.run(
          account,
          row.e164,
          row.payloadHash,
          row.contactId ?? null,
          runId,
          row.status,
          at,
        );
      }
    });

    this.#insertRun = db.prepare(
      `INSERT INTO runs (id, command, job_key, source_sha256, options_hash, started_at, status, resumed_from, pid)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    );
    this.#finishRun = db.prepare(
      `UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE id = ? AND status = 'running'`,
    );
    this.#getRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
    // rowid is the insertion order: unlike started_at it does not depend on the callers' clocks.
    this.#latestRunOfJob = db.prepare(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE job_key = ? ORDER BY rowid DESC LIMIT 1`,
    );
    this.#resumeChain = db
      .prepare<[string, number], string>(
        `WITH RECURSIVE chain (id, resumed_from, depth) AS (
           SELECT id, resumed_from, 0 FROM runs WHERE id = ?
           UNION ALL
           SELECT runs.id, runs.resumed_from, chain.depth + 1
           FROM runs JOIN chain ON runs.id = chain.resumed_from
           WHERE chain.depth < ?
         )
         SELECT id FROM chain ORDER BY depth`,
      )
      .pluck(true);

    // The first import of a content stays on record: that run is the one that delivered it.
    this.#markFile = db.prepare(
      `INSERT INTO processed_files (sha256, path, run_id, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sha256) DO NOTHING`,
    );
    this.#getFile = db.prepare(`SELECT path, run_id AS runId, at FROM processed_files WHERE sha256 = ?`);

    this.#insertRemote = db.prepare(
      `INSERT INTO remote_contacts (session, e164, contact) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#putRemote = db.transaction((session: string, entries: readonly RemoteEntry[]) => {
      let duplicates = 0;
      for (const entry of entries) {
        if (this.#insertRemote.run(session, entry.e164, JSON.stringify(entry.contact)).changes === 0) {
          duplicates++;
        }
      }
      return duplicates;
    });
    this.#remotePage = db
      .prepare<[string, string, number], [string, string]>(
        `SELECT e164, contact FROM remote_contacts WHERE session = ? AND e164 > ? ORDER BY e164 LIMIT ?`,
      )
      .raw(true);
    this.#countRemote = db
      .prepare<[string], number>(`SELECT count(*) FROM remote_contacts WHERE session = ?`)
      .pluck(true);
    this.#dropRemote = db.prepare(`DELETE FROM remote_contacts WHERE session = ?`);

    this.#getPace = db
      .prepare<[string], number>(`SELECT rate FROM account_pace WHERE account = ?`)
      .pluck(true);
    this.#setPace = db.prepare(
      `INSERT INTO account_pace (account, rate, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (account) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at`,
    );
  }

  /**
   * Opens (creating if needed) the state database at `path` and brings its schema up to date.
   * A created folder gets mode 0700 and a created file 0600 (SQLite gives its `-wal` and `-shm`
   * files the database file's mode); existing ones keep theirs.
   *
   * @throws StateStoreError `STATE_UNAVAILABLE` (cannot create or open), `STATE_NOT_OURS` (not a
   *   sakari-sync state database), `STATE_TOO_NEW` (written by a newer sakari-sync).
   */
  static open(path: string, options: StateStoreOptions = {}): StateStore {
    const now = options.now ?? (() => new Date());
    try {
      mkdirSync(dirname(path), { recursive: true, mode: STATE_DIR_MODE });
      // Create the file ourselves so it never exists with a wider mode, even for an instant.
      closeSync(openSync(path, 'a', STATE_FILE_MODE));
    } catch (error) {
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot create the state database ${path}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }

    let db: BetterSqlite3.Database;
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot open the state database ${path}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }

    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
      db.pragma(`mmap_size = ${MMAP_SIZE_BYTES}`);
      migrate(db, path, now);
      return new StateStore(path, db, now);
    } catch (error) {
      db.close();
      if (error instanceof StateStoreError) throw error;
      if (isSqliteError(error, 'SQLITE_NOTADB')) {
        throw new StateStoreError(
          'STATE_NOT_OURS',
          `${path} is not a SQLite database; point --state at a sakari-sync state database or a new file`,
          { cause: error },
        );
      }
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot use the state database ${path}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * What the store knows about these numbers of `account`, keyed by E.164; numbers it has never
   * seen acknowledged are absent. One statement per 500 numbers.
   */
  lookup(account: string, e164s: readonly string[]): Map<string, KnownContact> {
    const known = new Map<string, KnownContact>();
    for (let start = 0; start < e164s.length; start += LOOKUP_CHUNK) {
      const chunk = e164s.slice(start, start + LOOKUP_CHUNK);
      for (const [e164, payloadHash, contactId, runId, status] of this.#lookup.all(
        account,
        JSON.stringify(chunk),
      )) {
        known.set(
          e164,
          contactId === null ? { payloadHash, runId, status } : { payloadHash, contactId, runId, status },
        );
      }
    }
    return known;
  }

  /**
   * Records what Sakari acknowledged for one batch, in one transaction: all rows or none. A row
   * already known is overwritten, except that a missing `contactId` keeps the known one. Record
   * only rows Sakari acknowledged (`created`, `updated`, `blocked`), never `failed` ones.
   *
   * @throws SqliteError when a row breaks a constraint (e.g. `e164` not E.164, `runId` not
   *   started with {@link startRun}); nothing of the batch is then recorded.
   */
  recordBatch(account: string, runId: string, rows: readonly AckedRow[]): void {
    if (rows.length === 0) return;
    this.#recordBatch(account, runId, rows);
  }

  /**
   * Records the start of a run, status `running`. Call it while holding the job's
   * {@link RunLock}, after {@link findResumable}.
   *
   * @throws StateStoreError `STATE_CONFLICT` when `resumedFrom` names an unknown run;
   *   SqliteError when the id is already used.
   */
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt'>): void {
    if (run.resumedFrom !== undefined && this.#getRun.get(run.resumedFrom) === undefined) {
      throw new StateStoreError(
        'STATE_CONFLICT',
        `run ${run.id} cannot resume unknown run ${run.resumedFrom}`,
      );
    }
    this.#insertRun.run(
      run.id,
      run.command,
      run.jobKey,
      run.sourceSha256,
      run.optionsHash,
      run.startedAt,
      run.resumedFrom ?? null,
      run.pid,
    );
  }

  /**
   * Records the end of a running run with its outcome counters.
   *
   * @throws StateStoreError `STATE_CONFLICT` when the run is unknown or already finished, or
   *   `status` is `running`.
   */
  finishRun(id: string, status: RunRecord['status'], counts: Record<string, number>): void {
    if (status === 'running') {
      throw new StateStoreError('STATE_CONFLICT', `run ${id} cannot be finished with status 'running'`);
    }
    const { changes } = this.#finishRun.run(status, this.#now().toISOString(), JSON.stringify(counts), id);
    if (changes === 1) return;
    const run = this.#getRun.get(id);
    throw new StateStoreError(
      'STATE_CONFLICT',
      run === undefined ? `cannot finish unknown run ${id}` : `run ${id} is already finished (${run.status})`,
    );
  }

  /** The run with this id, if any. */
  getRun(id: string): RunRecord | undefined {
    const row = this.#getRun.get(id);
    return row === undefined ? undefined : toRunRecord(row);
  }

  /**
   * The run a new run of this job should resume, if any: the job's **latest** run, provided it
   * was interrupted (`running`: killed or crashed; `aborted`) and read the same source with the
   * same options. An older interrupted run behind a later one is never offered: the later run
   * either completed that work or is itself the one to resume.
   *
   * Call it while holding the job's {@link RunLock} (so a `running` run is certainly dead) and
   * before {@link startRun} of the new run.
   */
  findResumable(jobKey: string, sourceSha256: string, optionsHash: string): RunRecord | undefined {
    const row = this.#latestRunOfJob.get(jobKey);
    if (row === undefined) return undefined;
    if (row.status !== 'running' && row.status !== 'aborted') return undefined;
    if (row.source_sha256 !== sourceSha256 || row.options_hash !== optionsHash) return undefined;
    return toRunRecord(row);
  }

  /**
   * The ids of a resume chain, newest first: `runId`, the run it resumed, the run that one
   * resumed, and so on. Empty when `runId` is unknown. A row whose {@link KnownContact.runId} is
   * in the chain was delivered by this (resumed) run and is reported with its recorded status.
   */
  resumeChain(runId: string): string[] {
    return this.#resumeChain.all(runId, MAX_RESUME_CHAIN);
  }

  /** Records that the file with this content was imported successfully. The first record of a content is kept. */
  markFileProcessed(sha256: string, info: { path: string; runId: string }): void {
    this.#markFile.run(sha256, info.path, info.runId, this.#now().toISOString());
  }

  /** When and as which file this content was imported, if it was. */
  fileProcessed(sha256: string): ProcessedFile | undefined {
    const row = this.#getFile.get(sha256);
    return row === undefined ? undefined : { path: row.path, runId: row.runId, at: row.at };
  }

  /**
   * Spills remote contacts for reconcile under `session` (e.g. the run id), in one transaction.
   * The first contact of a number is kept.
   *
   * @returns how many entries were not stored because their number was already in the session.
   */
  putRemoteContacts(session: string, entries: readonly RemoteEntry[]): number {
    return entries.length === 0 ? 0 : this.#putRemote(session, entries);
  }

  /**
   * The spilled contacts of `session` in E.164 order. Reads page by page, so the connection is
   * free between pages and the caller may use the store while iterating.
   */
  *remoteContacts(session: string): Generator<RemoteEntry, void, undefined> {
    let after = '';
    for (;;) {
      const page = this.#remotePage.all(session, after, REMOTE_PAGE_SIZE);
      for (const [e164, contact] of page) {
        yield { e164, contact: JSON.parse(contact) as RemoteContact };
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < REMOTE_PAGE_SIZE) return;
      after = last[0];
    }
  }

  /** How many contacts `session` holds. */
  countRemoteContacts(session: string): number {
    return this.#countRemote.get(session) ?? 0;
  }

  /** Deletes the spill of `session`. */
  dropRemoteContacts(session: string): void {
    this.#dropRemote.run(session);
  }

  /** The pace (requests/s) the next run of `account` starts from, if one was remembered. */
  getPace(account: string): number | undefined {
    return this.#getPace.get(account);
  }

  /**
   * Remembers the pace (requests/s, > 0) the next run of `account` starts from.
   * @throws RangeError for a pace that is not a positive number.
   */
  setPace(account: string, rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(`pace for ${account}: expected requests per second > 0, got ${rate}`);
    }
    this.#setPace.run(account, rate, this.#now().toISOString());
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** A `runs` row as the {@link RunRecord} callers see. */
export function toRunRecord(row: RunRow): RunRecord {
  const run: RunRecord = {
    id: row.id,
    command: row.command,
    jobKey: row.job_key,
    sourceSha256: row.source_sha256,
    optionsHash: row.options_hash,
    startedAt: row.started_at,
    status: row.status,
    pid: row.pid,
  };
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  if (row.counts !== null) run.counts = JSON.parse(row.counts) as Record<string, number>;
  if (row.resumed_from !== null) run.resumedFrom = row.resumed_from;
  return run;
}

function isSqliteError(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
