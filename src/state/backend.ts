/**
 * The state store behind `--state` (CONTRACT §8), whichever database holds it: a SQLite file (the
 * default, one machine) or a PostgreSQL URL (shared by every machine that uses it). This file is
 * the one place that tells them apart.
 */
import path from 'node:path';
import { RunLock, type LockHolder } from './lock.js';
import { SqliteReader } from './sqlite-reader.js';
import {
  StateStore,
  type AckedRow,
  type KnownContact,
  type FileImportScope,
  type ProcessedFile,
  type PlacedRows,
  type Recollection,
  recallRecordsBy,
  type RejectedRow,
  type RekeyedRow,
  type RunRecord,
  type SeqWindow,
  type StateStoreOptions,
} from './store.js';
import type { RecordRecollection } from '../types.js';

/** A held run lock, whatever keeps it. */
export interface HeldRunLock {
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

/** What {@link StateBackend.acquireLock} needs. */
export interface LockRequest {
  /** The job's identity (see `RunRecord.jobKey`). */
  jobKey: string;
  /** Shown to a contender, e.g. `run jobs/nightly.yaml`. Must not contain secrets. */
  command: string;
}

/**
 * The operations of the state store, asynchronous so that a server database fits behind them.
 * Both stores give the same guarantees: a batched look-up, one transaction per acknowledged
 * batch, runs and resume chains, the registry of files `watch` imported, and one run per job.
 */
export interface StateBackend {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the state is, safe to print (a URL's password is masked). */
  readonly location: string;
  /** See {@link StateStore.lookup}. */
  lookup(account: string, e164s: readonly string[]): Promise<Map<string, KnownContact>>;
  /** See {@link StateStore.recall}. */
  recall(account: string, rowHashes: readonly string[], near?: SeqWindow): Promise<Recollection>;
  /**
   * {@link StateBackend.recall} of CSV records by their text: each fingerprinted
   * (`recordFingerprint(prefix, record)`) where the state is read, a large SQLite run's on the
   * state thread beside the pipeline. In the records' order.
   */
  recallRecords(
    account: string,
    prefix: string,
    records: readonly string[],
    near?: SeqWindow,
  ): Promise<RecordRecollection>;
  /** See {@link StateStore.placeRows}: written at the latest by {@link StateBackend.applyPlacedRows}. */
  placeRows(account: string, rows: PlacedRows): Promise<void>;
  /** See {@link StateStore.applyPlacedRows}. */
  applyPlacedRows(account: string): Promise<number>;
  /** See {@link StateStore.rememberRejections}: all rows or none. */
  rememberRejections(account: string, rows: readonly RejectedRow[]): Promise<void>;
  /** See {@link StateStore.forgetRejections}. */
  forgetRejections(account: string, before: Date): Promise<number>;
  /** See {@link StateStore.rekey}: written at the latest by {@link StateBackend.applyPlacedRows}. */
  rekey(account: string, rows: readonly RekeyedRow[]): Promise<void>;
  /** See {@link StateStore.recordBatch}: all rows of the batch or none. */
  recordBatch(account: string, runId: string, rows: readonly AckedRow[]): Promise<void>;
  /** See {@link StateStore.startRun}. */
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt'>): Promise<void>;
  /** See {@link StateStore.finishRun}. */
  finishRun(id: string, status: RunRecord['status'], counts: Record<string, number>): Promise<void>;
  /** See {@link StateStore.getRun}. */
  getRun(id: string): Promise<RunRecord | undefined>;
  /** See {@link StateStore.findResumable}. */
  findResumable(jobKey: string, sourceSha256: string, optionsHash: string): Promise<RunRecord | undefined>;
  /** See {@link StateStore.resumeChain}. */
  resumeChain(runId: string): Promise<string[]>;
  /** See {@link StateStore.markFileProcessed}. */
  markFileProcessed(
    sha256: string,
    scope: FileImportScope,
    info: { path: string; runId: string },
  ): Promise<void>;
  /** See {@link StateStore.fileProcessed}. */
  fileProcessed(sha256: string, scope: FileImportScope): Promise<ProcessedFile | undefined>;
  /** The adaptive rate last remembered for `account` (requests/s), if any. */
  getPace(account: string): Promise<number | undefined>;
  /** Remembers the adaptive rate of `account`. */
  setPace(account: string, rate: number): Promise<void>;
  /**
   * Takes the run lock of a job, or fails at once with {@link LockHeldError} naming the holder.
   * SQLite: a lock folder beside the database; PostgreSQL: a session advisory lock in it, so a
   * second run on any machine sees it and a holder that dies releases it with its connection.
   */
  acquireLock(request: LockRequest): Promise<HeldRunLock>;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** Whether a `--state` value names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(state: string): boolean {
  return /^postgres(ql)?:\/\//i.test(state);
}

/**
 * The `--state` value as given by the user, normalised: a PostgreSQL URL is kept as it is, a file
 * path is made absolute (against `base`, default the working folder).
 */
export function resolveStateLocation(state: string, base?: string): string {
  if (isPostgresUrl(state)) return state;
  return base === undefined ? path.resolve(state) : path.resolve(base, state);
}

/**
 * A `--state` value safe for logs, reports, errors and run records: a URL's password becomes
 * `***` (a URL that cannot be parsed becomes a placeholder, never its text); a path is unchanged.
 */
export function redactStateLocation(state: string): string {
  if (!isPostgresUrl(state)) return state;
  let parsed: URL;
  try {
    parsed = new URL(state);
  } catch {
    return '<unreadable PostgreSQL URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  // A password may also come as a query parameter (libpq's `?password=`).
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.href;
}

/**
 * The local folder that belongs to this state (e.g. for the `--sandbox` data file): the SQLite
 * file's folder; undefined for a server database, which has no folder on this machine.
 */
export function localStateDir(state: string): string | undefined {
  return isPostgresUrl(state) ? undefined : path.dirname(state);
}

/**
 * Opens the state at `location` (already resolved by {@link resolveStateLocation}) and brings its
 * schema up to date.
 *
 * @throws StateStoreError as {@link StateStore.open} and {@link PostgresStateStore.open}.
 */
export async function openStateBackend(
  location: string,
  options: StateStoreOptions = {},
): Promise<StateBackend> {
  if (isPostgresUrl(location)) {
    // Loaded only when used: a SQLite user never loads the PostgreSQL driver.
    const { PostgresStateStore } = await import('./postgres-store.js');
    return PostgresStateStore.open(location, options);
  }
  return new SqliteBackend(StateStore.open(location, options));
}

/**
 * Keys a run asks about on the main thread before its reads move to a {@link SqliteReader}
 * thread: a small run never pays for starting one (~50 ms), a large one reads in parallel.
 */
const READER_AFTER_KEYS = 5_000;

/**
 * The SQLite {@link StateStore} behind the asynchronous interface: each call is its synchronous
 * one, except the reads of a large run (recall and look-up), which a reader thread answers, and
 * its batches, which that thread records once it is started.
 */
export class SqliteBackend implements StateBackend {
  readonly kind = 'sqlite';
  readonly location: string;
  #keysRead = 0;
  #reader: SqliteReader | undefined;

  constructor(readonly store: StateStore) {
    this.location = store.path;
  }

  async lookup(account: string, e164s: readonly string[]): Promise<Map<string, KnownContact>> {
    const reader = this.#readerFor(e164s.length);
    return reader ? reader.lookup(account, e164s) : this.store.lookup(account, e164s);
  }
  async recall(account: string, rowHashes: readonly string[], near?: SeqWindow): Promise<Recollection> {
    const reader = this.#readerFor(rowHashes.length);
    return reader ? reader.recall(account, rowHashes, near) : this.store.recall(account, rowHashes, near);
  }
  async recallRecords(
    account: string,
    prefix: string,
    records: readonly string[],
    near?: SeqWindow,
  ): Promise<RecordRecollection> {
    const reader = this.#readerFor(records.length);
    if (reader) return reader.recallRecords(account, prefix, records, near);
    return recallRecordsBy(
      (fingerprints) => this.store.recallRows(account, fingerprints, near),
      prefix,
      records,
    );
  }
  async placeRows(account: string, rows: PlacedRows): Promise<void> {
    this.store.placeRows(account, rows);
  }
  async applyPlacedRows(account: string): Promise<number> {
    return this.store.applyPlacedRows(account);
  }
  /** Remembered by the state thread once a large run has started it (one writer), else here. */
  async rememberRejections(account: string, rows: readonly RejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const reader = this.#reader;
    if (reader) await reader.rememberRejections(account, rows, this.store.clock().toISOString());
    else this.store.rememberRejections(account, rows);
  }
  async forgetRejections(account: string, before: Date): Promise<number> {
    return this.store.forgetRejections(account, before);
  }
  #readerFor(keys: number): SqliteReader | undefined {
    this.#keysRead += keys;
    if (this.#reader === undefined && this.#keysRead > READER_AFTER_KEYS && this.store.path !== ':memory:')
      this.#reader = new SqliteReader(this.store.path);
    return this.#reader;
  }
  async rekey(account: string, rows: readonly RekeyedRow[]): Promise<void> {
    this.store.rekey(account, rows);
  }
  /** Recorded by the state thread once a large run has started it, else here. */
  async recordBatch(account: string, runId: string, rows: readonly AckedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const reader = this.#reader;
    if (reader) await reader.recordBatch(account, runId, rows, this.store.clock().toISOString());
    else this.store.recordBatch(account, runId, rows);
  }
  async startRun(run: Omit<RunRecord, 'status' | 'finishedAt'>): Promise<void> {
    this.store.startRun(run);
  }
  async finishRun(id: string, status: RunRecord['status'], counts: Record<string, number>): Promise<void> {
    this.store.finishRun(id, status, counts);
  }
  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.store.getRun(id);
  }
  async findResumable(
    jobKey: string,
    sourceSha256: string,
    optionsHash: string,
  ): Promise<RunRecord | undefined> {
    return this.store.findResumable(jobKey, sourceSha256, optionsHash);
  }
  async resumeChain(runId: string): Promise<string[]> {
    return this.store.resumeChain(runId);
  }
  async markFileProcessed(
    sha256: string,
    scope: FileImportScope,
    info: { path: string; runId: string },
  ): Promise<void> {
    this.store.markFileProcessed(sha256, scope, info);
  }
  async fileProcessed(sha256: string, scope: FileImportScope): Promise<ProcessedFile | undefined> {
    return this.store.fileProcessed(sha256, scope);
  }
  async getPace(account: string): Promise<number | undefined> {
    return this.store.getPace(account);
  }
  async setPace(account: string, rate: number): Promise<void> {
    this.store.setPace(account, rate);
  }
  acquireLock(request: LockRequest): Promise<HeldRunLock> {
    return RunLock.acquire({ stateDir: path.dirname(this.store.path), ...request });
  }
  async close(): Promise<void> {
    await this.#reader?.close();
    this.store.close();
  }
}

export type { LockHolder };
