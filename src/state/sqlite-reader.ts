/**
 * Reads of the SQLite state on a thread of their own. A re-run asks the store about every row
 * (recall by fingerprint, look-up by number): each is a B-tree seek of a few microseconds, as much
 * as the rest of the row's work on the main thread. A read-only connection in a worker thread
 * (WAL: it reads beside the main connection's writes) does them in parallel.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-entry.js';
import {
  knownContacts,
  recollection,
  type ContactRow,
  type KnownContact,
  type RecallRows,
  type Recollection,
  type SeqWindow,
} from './store.js';

/** `workerData` of the reader thread. */
export interface ReaderWorkerData {
  path: string;
}

/** Main thread → reader. */
export interface ReaderRequest {
  id: number;
  op: 'recall' | 'lookup';
  account: string;
  keys: readonly string[];
  /** A recall's window ({@link SeqWindow}). */
  near?: SeqWindow;
}

/** Reader → main thread: the rows found (a look-up's, or a recall's), or why the reads failed. */
export type ReaderResponse =
  { id: number; rows: ContactRow[] | RecallRows } | { id: number; failure: string };

interface Pending {
  resolve: (rows: ContactRow[] | RecallRows) => void;
  reject: (error: Error) => void;
}

/**
 * A read-only connection to the state database at `path`, in a worker thread. Calls may overlap;
 * each resolves with what was committed when its statement ran. An idle reader does not keep
 * the process alive; {@link SqliteReader.close} must be called when done.
 */
export class SqliteReader {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
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
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
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

  /** See `StateStore.lookup`. */
  async lookup(account: string, e164s: readonly string[]): Promise<Map<string, KnownContact>> {
    return knownContacts((await this.request('lookup', account, e164s)) as ContactRow[]);
  }

  /** Stops the thread; pending calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectAll(new Error('state reader is closed'));
    await this.worker.terminate();
  }

  private request(
    op: ReaderRequest['op'],
    account: string,
    keys: readonly string[],
    near?: SeqWindow,
  ): Promise<ContactRow[] | RecallRows> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('state reader is closed'));
    const id = this.nextId++;
    return new Promise<ContactRow[] | RecallRows>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A reader with work keeps the process alive: the run awaits its answer.
      if (this.pending.size === 1) this.worker.ref();
      const request: ReaderRequest =
        near === undefined ? { id, op, account, keys } : { id, op, account, keys, near };
      this.worker.postMessage(request);
    });
  }

  private answer(response: ReaderResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('failure' in response) pending.reject(new Error(`state read failed: ${response.failure}`));
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
