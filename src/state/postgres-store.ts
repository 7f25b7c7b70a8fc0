import pg from 'pg';
import type { HeldRunLock, LockRequest, StateBackend } from './backend.js';
import { redactStateLocation } from './backend.js';
import { StateStoreError } from './errors.js';
import { PgRunLock } from './pg-lock.js';
import { InFlight } from './in-flight.js';
import { migratePostgres, PG_SCHEMA } from './postgres-migrations.js';
import {
  LOOKUP_CHUNK,
  RECALL_CONTACT_COLUMNS,
  RECALL_CONTACT_SEQ_AT,
  RECALL_REJECTION_COLUMNS,
  RECALL_REJECTION_SEQ_AT,
  REMEMBER_REJECTION_SET,
  UPSERT_CONTACT_SET,
  readRecallAsync,
  recallRecordsBy,
  recollection,
  toRunRecord,
  type AckedRow,
  type AckedStatus,
  type KnownContact,
  type FileImportScope,
  type PlacedRows,
  type ProcessedFile,
  type RecallRows,
  type Recollection,
  type RejectedRow,
  type RekeyedRow,
  type RunRecord,
  type RunRow,
  type SeqWindow,
  type StateStoreOptions,
  storedMobileInput,
} from './store.js';
import type { RecordRecollection } from '../types.js';

/**
 * Connections per process. A run uses one per batch in flight (`--concurrency`, default 2) plus
 * look-ups; the run lock has its own. More would only wait on the same rows.
 */
const POOL_SIZE = 4;

/** Keeps a resume chain finite even if the data were corrupted into a cycle. */
const MAX_RESUME_CHAIN = 10_000;

/** How long opening waits for the server before calling it unreachable (a configuration error). */
const CONNECT_TIMEOUT_MS = 10_000;

const RUN_COLUMNS =
  'id, command, job_key, source_sha256, options_hash, started_at, finished_at, status, counts, resumed_from, pid';

/**
 * The state of sakari-sync in PostgreSQL (`--state postgres://...`, CONTRACT §8): the same
 * operations and guarantees as the SQLite {@link StateStore}, shared by every machine that uses
 * the database. Tables live in the `sakari_sync` schema; each acknowledged batch is one statement
 * (one transaction); run locks are advisory locks ({@link PgRunLock}).
 */
export class PostgresStateStore implements StateBackend {
  readonly kind = 'postgres';
  /** The URL, password masked. */
  readonly location: string;
  readonly #connectionString: string;
  readonly #pool: pg.Pool;
  readonly #now: () => Date;
  #closed = false;
  /** Batches being recorded and rejections being remembered (see close). */
  readonly #recording = new InFlight();

  private constructor(connectionString: string, pool: pg.Pool, now: () => Date) {
    this.#connectionString = connectionString;
    this.location = redactStateLocation(connectionString);
    this.#pool = pool;
    this.#now = now;
  }

  /**
   * Connects, and creates or upgrades the schema.
   *
   * @throws StateStoreError `STATE_UNAVAILABLE` (server unreachable, login refused, no such
   *   database), `STATE_TOO_NEW` (a newer sakari-sync wrote the schema).
   */
  static async open(connectionString: string, options: StateStoreOptions = {}): Promise<PostgresStateStore> {
    const now = options.now ?? (() => new Date());
    const location = redactStateLocation(connectionString);
    const pool = new pg.Pool({
      connectionString,
      max: POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      // Every statement names its tables through the schema; this is for the migration's DDL only.
      options: `-c search_path=${PG_SCHEMA}`,
    });
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot connect to the state database ${location}: ${safeMessage(error, connectionString)}`,
        { cause: error },
      );
    }
    try {
      await migratePostgres(client, location, now);
    } catch (error) {
      client.release();
      await pool.end().catch(() => undefined);
      if (error instanceof StateStoreError) throw error;
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot use the state database ${location}: ${safeMessage(error, connectionString)}`,
        { cause: error },
      );
    }
    client.release();
    return new PostgresStateStore(connectionString, pool, now);
  }

  async lookup(account: string, e164s: readonly string[]): Promise<Map<string, KnownContact>> {
    const known = new Map<string, KnownContact>();
    for (let start = 0; start < e164s.length; start += LOOKUP_CHUNK) {
      const chunk = e164s.slice(start, start + LOOKUP_CHUNK);
      const { rows } = await this.#pool.query<{
        e164: string;
        payload_hash: string;
        contact_id: string | null;
        run_id: string;
        status: AckedStatus;
        row_hash: string | null;
        note: string | null;
      }>(
        `SELECT e164, payload_hash, contact_id, run_id, status, row_hash, note FROM ${PG_SCHEMA}.contacts
         WHERE account = $1 AND e164 = ANY($2::text[])`,
        [account, chunk],
      );
      for (const row of rows) {
        const entry: KnownContact = { payloadHash: row.payload_hash, runId: row.run_id, status: row.status };
        if (row.contact_id !== null) entry.contactId = row.contact_id;
        if (row.row_hash !== null) entry.rowHash = row.row_hash;
        if (row.note !== null) entry.note = row.note;
        known.set(row.e164, entry);
      }
    }
    return known;
  }

  async recallRecords(
    account: string,
    prefix: string,
    records: readonly string[],
    near?: SeqWindow,
  ): Promise<RecordRecollection> {
    return recallRecordsBy((fingerprints) => this.#recallRows(account, fingerprints, near), prefix, records);
  }

  async recall(account: string, rowHashes: readonly string[], near?: SeqWindow): Promise<Recollection> {
    return recollection(await this.#recallRows(account, rowHashes, near));
  }

  /** {@link recall}'s rows, as read. */
  async #recallRows(account: string, rowHashes: readonly string[], near?: SeqWindow): Promise<RecallRows> {
    return readRecallAsync(rowHashes, near, async (query) => {
      const columns = query.table === 'contacts' ? RECALL_CONTACT_COLUMNS : RECALL_REJECTION_COLUMNS;
      const { rows: found } = await this.#pool.query<unknown[]>(
        'window' in query
          ? {
              text: `SELECT ${columns} FROM ${PG_SCHEMA}.${query.table}
                     WHERE account = $1 AND row_seq BETWEEN $2 AND $3 ORDER BY row_seq LIMIT $4`,
              values: [account, query.window.from, query.window.to, query.limit],
              rowMode: 'array',
            }
          : {
              text: `SELECT ${columns} FROM ${PG_SCHEMA}.${query.table}
                     WHERE account = $1 AND row_hash = ANY($2::text[])`,
              values: [account, query.rowHashes],
              rowMode: 'array',
            },
      );
      // bigint comes back as text: positions are far below 2^53.
      const seqAt = query.table === 'contacts' ? RECALL_CONTACT_SEQ_AT : RECALL_REJECTION_SEQ_AT;
      for (const row of found) if (row[seqAt] !== null) row[seqAt] = Number(row[seqAt]);
      return found;
    });
  }

  /** Writes the positions at once (one set-based statement per table): nothing waits for {@link applyPlacedRows}. */
  async placeRows(account: string, rows: PlacedRows): Promise<void> {
    if (rows.contacts.length > 0) {
      await this.#pool.query(
        `UPDATE ${PG_SCHEMA}.contacts AS c SET row_seq = t.row_seq
         FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t (e164, row_hash, row_seq)
         WHERE c.account = $1 AND c.e164 = t.e164 AND c.row_hash = t.row_hash AND c.row_seq IS NULL`,
        [
          account,
          rows.contacts.map((row) => row.e164),
          rows.contacts.map((row) => row.rowHash),
          rows.contacts.map((row) => row.rowSeq),
        ],
      );
    }
    if (rows.rejections.length > 0) {
      await this.#pool.query(
        `UPDATE ${PG_SCHEMA}.rejected_rows AS r SET row_seq = t.row_seq
         FROM unnest($2::text[], $3::bigint[]) AS t (row_hash, row_seq)
         WHERE r.account = $1 AND r.row_hash = t.row_hash AND r.row_seq IS NULL`,
        [account, rows.rejections.map((row) => row.rowHash), rows.rejections.map((row) => row.rowSeq)],
      );
    }
  }

  async applyPlacedRows(): Promise<number> {
    return 0;
  }

  async rememberRejections(account: string, rows: readonly RejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement may not touch a row twice: the last of a fingerprint wins, as in SQLite.
    const unique = [...new Map(rows.map((row) => [row.rowHash, row])).values()];
    // Closing the pool waits for it (see close), as for a batch.
    const remembered = this.#pool.query(
      `INSERT INTO ${PG_SCHEMA}.rejected_rows (account, row_hash, status, code, message, e164, recorded_at, row_seq,
         mobile_input, source_values)
       SELECT $1, t.row_hash, t.status, t.code, t.message, t.e164, $2, t.row_seq, t.mobile_input, t.source_values
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[])
         AS t (row_hash, status, code, message, e164, row_seq, mobile_input, source_values)
       ON CONFLICT (account, row_hash) DO UPDATE SET ${REMEMBER_REJECTION_SET}`,
      [
        account,
        this.#now().toISOString(),
        unique.map((row) => row.rowHash),
        unique.map((row) => row.status),
        unique.map((row) => row.code),
        unique.map((row) => row.message),
        unique.map((row) => row.e164 ?? null),
        unique.map((row) => row.rowSeq ?? null),
        unique.map((row) => row.mobileInput ?? null),
        unique.map((row) => row.sourceValues ?? null),
      ],
    );
    await this.#recording.track(remembered);
  }

  async forgetRejections(account: string, before: Date): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ${PG_SCHEMA}.rejected_rows WHERE account = $1 AND recorded_at < $2`,
      [account, before.toISOString()],
    );
    return rowCount ?? 0;
  }

  async rekey(account: string, rows: readonly RekeyedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#pool.query(
      `UPDATE ${PG_SCHEMA}.contacts AS c
       SET row_hash = t.row_hash, note = t.note, row_seq = t.row_seq, mobile_input = t.mobile_input
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
         AS t (e164, payload_hash, row_hash, note, row_seq, mobile_input)
       WHERE c.account = $1 AND c.e164 = t.e164 AND c.payload_hash = t.payload_hash`,
      [
        account,
        rows.map((row) => row.e164),
        rows.map((row) => row.payloadHash),
        rows.map((row) => row.rowHash),
        rows.map((row) => row.note ?? null),
        rows.map((row) => row.rowSeq ?? null),
        rows.map((row) => row.mobileInput ?? null),
      ],
    );
  }

  async recordBatch(account: string, runId: string, rows: readonly AckedRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement is one transaction: all rows or none. A number twice in one batch: the last wins,
    // as in SQLite (one INSERT ... ON CONFLICT may not touch a row twice).
    const byNumber = new Map<string, AckedRow>();
    for (const row of rows) byNumber.set(row.e164, row);
    const unique = [...byNumber.values()];
    // Closing the pool waits for it (see close).
    await this.#recording.track(
      this.#pool.query(
        `INSERT INTO ${PG_SCHEMA}.contacts
         (account, e164, payload_hash, contact_id, run_id, status, updated_at, row_hash, note, row_seq, mobile_input)
       SELECT $1, t.e164, t.payload_hash, t.contact_id, $2, t.status, $3, t.row_hash, t.note, t.row_seq, t.mobile_input
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[])
         AS t (e164, payload_hash, contact_id, status, row_hash, note, row_seq, mobile_input)
       ON CONFLICT (account, e164) DO UPDATE SET ${UPSERT_CONTACT_SET}`,
        [
          account,
          runId,
          this.#now().toISOString(),
          unique.map((row) => row.e164),
          unique.map((row) => row.payloadHash),
          unique.map((row) => row.contactId ?? null),
          unique.map((row) => row.status),
          unique.map((row) => row.rowHash ?? null),
          unique.map((row) => row.note ?? null),
          unique.map((row) => row.rowSeq ?? null),
          unique.map(storedMobileInput),
        ],
      ),
    );
  }

  async startRun(run: Omit<RunRecord, 'status' | 'finishedAt'>): Promise<void> {
    if (run.resumedFrom !== undefined && (await this.getRun(run.resumedFrom)) === undefined) {
      throw new StateStoreError(
        'STATE_CONFLICT',
        `run ${run.id} cannot resume unknown run ${run.resumedFrom}`,
      );
    }
    await this.#pool.query(
      `INSERT INTO ${PG_SCHEMA}.runs (id, command, job_key, source_sha256, options_hash, started_at, status, resumed_from, pid)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8)`,
      [
        run.id,
        run.command,
        run.jobKey,
        run.sourceSha256,
        run.optionsHash,
        run.startedAt,
        run.resumedFrom ?? null,
        run.pid,
      ],
    );
  }

  async finishRun(id: string, status: RunRecord['status'], counts: Record<string, number>): Promise<void> {
    if (status === 'running') {
      throw new StateStoreError('STATE_CONFLICT', `run ${id} cannot be finished with status 'running'`);
    }
    const { rowCount } = await this.#pool.query(
      `UPDATE ${PG_SCHEMA}.runs SET status = $1, finished_at = $2, counts = $3 WHERE id = $4 AND status = 'running'`,
      [status, this.#now().toISOString(), JSON.stringify(counts), id],
    );
    if (rowCount === 1) return;
    const run = await this.getRun(id);
    throw new StateStoreError(
      'STATE_CONFLICT',
      run === undefined ? `cannot finish unknown run ${id}` : `run ${id} is already finished (${run.status})`,
    );
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM ${PG_SCHEMA}.runs WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : toRunRecord(rows[0]);
  }

  async findResumable(
    jobKey: string,
    sourceSha256: string,
    optionsHash: string,
  ): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM ${PG_SCHEMA}.runs WHERE job_key = $1 ORDER BY seq DESC LIMIT 1`,
      [jobKey],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    if (row.status !== 'running' && row.status !== 'aborted') return undefined;
    if (row.source_sha256 !== sourceSha256 || row.options_hash !== optionsHash) return undefined;
    return toRunRecord(row);
  }

  async resumeChain(runId: string): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(
      `WITH RECURSIVE chain (id, resumed_from, depth) AS (
         SELECT id, resumed_from, 0 FROM ${PG_SCHEMA}.runs WHERE id = $1
         UNION ALL
         SELECT r.id, r.resumed_from, chain.depth + 1
         FROM ${PG_SCHEMA}.runs r JOIN chain ON r.id = chain.resumed_from
         WHERE chain.depth < $2
       )
       SELECT id FROM chain ORDER BY depth`,
      [runId, MAX_RESUME_CHAIN],
    );
    return rows.map((row) => row.id);
  }

  async markFileProcessed(
    sha256: string,
    scope: FileImportScope,
    info: { path: string; runId: string },
  ): Promise<void> {
    // One row per scope: its latest import (migration step 7).
    await this.#pool.query(
      `INSERT INTO ${PG_SCHEMA}.processed_files (account, options_hash, sha256, path, run_id, at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account, options_hash) DO UPDATE SET
         sha256 = excluded.sha256, path = excluded.path, run_id = excluded.run_id, at = excluded.at`,
      [scope.account, scope.optionsHash, sha256, info.path, info.runId, this.#now().toISOString()],
    );
  }

  async fileProcessed(sha256: string, scope: FileImportScope): Promise<ProcessedFile | undefined> {
    const { rows } = await this.#pool.query<ProcessedFile>(
      `SELECT path, run_id AS "runId", at FROM ${PG_SCHEMA}.processed_files
       WHERE account = $1 AND options_hash = $2 AND sha256 = $3`,
      [scope.account, scope.optionsHash, sha256],
    );
    const row = rows[0];
    return row === undefined ? undefined : { path: row.path, runId: row.runId, at: row.at };
  }

  async getPace(account: string): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ rate: number }>(
      `SELECT rate FROM ${PG_SCHEMA}.account_pace WHERE account = $1`,
      [account],
    );
    return rows[0]?.rate;
  }

  async setPace(account: string, rate: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${PG_SCHEMA}.account_pace (account, rate, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (account) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at`,
      [account, rate, this.#now().toISOString()],
    );
  }

  acquireLock(request: LockRequest): Promise<HeldRunLock> {
    return PgRunLock.acquire({
      connectionString: this.#connectionString,
      location: this.location,
      jobKey: request.jobKey,
      command: request.command,
    });
  }

  /** Closes the pool once the batches being recorded and the rejections being remembered are committed (or failed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#recording.settled();
    await this.#pool.end();
  }
}

/** A driver error's message, with the connection string's password removed should it appear. */
function safeMessage(error: unknown, connectionString: string): string {
  const text = error instanceof Error ? error.message : String(error);
  let password = '';
  try {
    const url = new URL(connectionString);
    password = decodeURIComponent(url.password || url.searchParams.get('password') || '');
  } catch {
    // Unparseable: the driver could not have used a password from it either.
  }
  return password === '' ? text : text.split(password).join('***');
}
