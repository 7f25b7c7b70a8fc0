/**
 * Reads of the SQLite state, and the recording of acknowledged batches, on a thread of their own.
 * A re-run asks the store about every row (recall by fingerprint, look-up by number): each is a
 * B-tree seek of a few microseconds, as much as the rest of the row's work on the main thread. A
 * recorded row rewrites pages of the contacts table and of its two covering indexes, at random
 * in a large state: a 1M-row nightly re-run (8,561 rows in 101 batches) spent 1.9 s of its main
 * thread there. A connection in a worker thread (WAL: it reads beside the main connection's
 * writes, and its writes wait for the main connection's, which are few and short during a run)
 * does both in parallel. It also fingerprints the CSV records it is asked about (SHA-256 of each
 * record's text, `recordFingerprint`): on a 1M-row unchanged re-run that moved 1.8–2.5 s of CPU
 * off the main thread (hashing, and the fingerprints sent both ways), for about 1 s more here.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-entry.js';
import { InFlight } from './in-flight.js';
import {
  type AckedRow,
  knownContacts,
  recollection,
  recordRecollection,
  type ContactRow,
  type KnownContact,
  type RecallRows,
  type Recollection,
  type RecordRecallRows,
  type RejectedRow,
  type SeqWindow,
} from './store.js';
import type { RecordRecollection } from '../types.js';

/**
 * Young-generation size of the state thread, in MB. What it allocates (the rows of an answer, a
 * batch to record) is garbage once the request is answered: 2 MB instead of 8 lowered the peak RSS
 * of a 1M-row unchanged re-run from 191 to 182 MB (medians of three alternating runs) and of a 1%
 * nightly from 195 to 183–184 MB, at the same speed; a 300k-row first import, which records every
 * row, was unchanged (190–193 MB).
 */
const STATE_THREAD_YOUNG_GENERATION_MB = 2;

/** `workerData` of the reader thread. */
export interface ReaderWorkerData {
  path: string;
}

/** Main thread → reader: a recall or a look-up of `keys`, a batch to record, or rejections to remember. */
export type ReaderRequest =
  | {
      id: number;
      op: 'recall' | 'lookup';
      account: string;
      keys: readonly string[];
      /** A recall's window ({@link SeqWindow}). */
      near?: SeqWindow;
    }
  | {
      id: number;
      op: 'recallRecords';
      account: string;
      /** The records' fingerprint prefix (`recordFingerprint`). */
      prefix: string;
      records: readonly string[];
      near?: SeqWindow;
    }
  | {
      id: number;
      op: 'record';
      account: string;
      runId: string;
      rows: readonly AckedRow[];
      /** When the batch was recorded (ISO 8601), by the store's clock. */
      at: string;
    }
  | {
      id: number;
      op: 'remember';
      account: string;
      rows: readonly RejectedRow[];
      /** When the rejections were remembered (ISO 8601), by the store's clock. */
      at: string;
    };

/** The rows of an answer: a look-up's, a recall's, or a recall of records'. */
type ReaderRows = ContactRow[] | RecallRows | RecordRecallRows;

/** Reader → main thread: the rows found, or why the reads failed. */
export type ReaderResponse = { id: number; rows: ReaderRows } | { id: number; failure: string };

/** What a failed write was, for its error (a failed read is a "state read"). */
const WHAT_FAILED: Partial<Record<ReaderRequest['op'], string>> = {
  record: 'recording a batch',
  remember: 'remembering rejected rows',
};

interface Pending {
  op: ReaderRequest['op'];
  resolve: (rows: ReaderRows) => void;
  reject: (error: Error) => void;
}

/**
 * A connection to the state database at `path`, in a worker thread. Calls may overlap: reads are
 * answered in order, ahead of the batches waiting to be recorded, and batches are recorded in
 * order. A read resolves with what was committed when its statement ran, a batch once it is
 * committed. An idle reader does not keep the process alive;
 * {@link SqliteReader.close} must be called when done, and waits for the batches being recorded.
 */
export class SqliteReader {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  /** Batches sent to be recorded and not yet answered. */
  private readonly recording = new InFlight();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(path: string) {
    const entry = workerScript('sqlite-reader-worker', import.meta.url);
    const workerData: ReaderWorkerData = { path };
    this.worker = new Worker(entry.url, {
      workerData,
      execArgv: entry.execArgv,
      name: 'sakari-sync state reader',
      resourceLimits: { maxYoungGenerationSizeMb: STATE_THREAD_YOUNG_GENERATION_MB },
    });
    this.worker.unref();
    this.worker.on('message', (response: ReaderResponse) => this.answer(response));
    this.worker.on('error', (error: Error) =>
      this.fail(new Error(`state reader failed: ${error.message}`, { cause: error })),
    );
    this.worker.on('exit', (code: number) => {
      if (!this.closed) this.fail(new Error(`state reader exited unexpectedly (exit code ${code})`));
    });
  }

  /** See `StateStore.recall`. */
  async recall(account: string, rowHashes: readonly string[], near?: SeqWindow): Promise<Recollection> {
    return recollection((await this.request('recall', account, rowHashes, near)) as RecallRows);
  }

  /** See `StateBackend.recallRecords`: the records are fingerprinted on the state thread. */
  async recallRecords(
    account: string,
    prefix: string,
    records: readonly string[],
    near?: SeqWindow,
  ): Promise<RecordRecollection> {
    const rows = await this.send((id) =>
      near === undefined
        ? { id, op: 'recallRecords', account, prefix, records }
        : { id, op: 'recallRecords', account, prefix, records, near },
    );
    return recordRecollection(rows as RecordRecallRows);
  }

  /** See `StateStore.lookup`. */
  async lookup(account: string, e164s: readonly string[]): Promise<Map<string, KnownContact>> {
    return knownContacts((await this.request('lookup', account, e164s)) as ContactRow[]);
  }

  /** See `StateStore.recordBatch`: resolves once the batch is committed. */
  async recordBatch(account: string, runId: string, rows: readonly AckedRow[], at: string): Promise<void> {
    await this.recording.track(this.send((id) => ({ id, op: 'record', account, runId, rows, at })));
  }

  /** See `StateStore.rememberRejections`: resolves once they are committed. */
  async rememberRejections(account: string, rows: readonly RejectedRow[], at: string): Promise<void> {
    await this.recording.track(this.send((id) => ({ id, op: 'remember', account, rows, at })));
  }

  /**
   * Stops the thread once the batches being recorded are committed (or failed): a batch Sakari
   * acknowledged is not dropped half way. Pending reads reject. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.recording.settled();
    this.rejectAll(new Error('state reader is closed'));
    await this.worker.terminate();
  }

  private request(
    op: 'recall' | 'lookup',
    account: string,
    keys: readonly string[],
    near?: SeqWindow,
  ): Promise<ReaderRows> {
    return this.send((id) =>
      near === undefined ? { id, op, account, keys } : { id, op, account, keys, near },
    );
  }

  private send(request: (id: number) => ReaderRequest): Promise<ReaderRows> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('state reader is closed'));
    const id = this.nextId++;
    return new Promise<ReaderRows>((resolve, reject) => {
      const message = request(id);
      this.pending.set(id, { op: message.op, resolve, reject });
      // A reader with work keeps the process alive: the run awaits its answer.
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  private answer(response: ReaderResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('failure' in response)
      pending.reject(new Error(`${WHAT_FAILED[pending.op] ?? 'state read'} failed: ${response.failure}`));
    else pending.resolve(response.rows);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.rejectAll(this.failure);
  }

  private rejectAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}
