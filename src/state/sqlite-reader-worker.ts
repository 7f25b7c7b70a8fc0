/**
 * Worker thread entry of the {@link SqliteReader}: a connection to the state database answering
 * recalls and look-ups, so that their B-tree seeks run beside the pipeline's main thread, and
 * recording acknowledged batches and remembering rejected rows, so that their page writes do too
 * (and a run's two connections do not take turns at the write lock for them).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { Fifo } from '../read/fifo.js';
import type { ReaderRequest, ReaderResponse, ReaderWorkerData, SqliteReader } from './sqlite-reader.js';
import {
  alignRecallRows,
  BUSY_TIMEOUT_MS,
  fingerprintRecords,
  configureConnection,
  LOOKUP_SQL,
  prepareRecall,
  prepareRecordBatch,
  prepareRememberRejections,
  sqliteLookup,
  sqliteRecall,
  type ContactRow,
} from './store.js';

if (!parentPort) throw new Error('sqlite-reader-worker must run in a worker thread');
const port = parentPort;
const { path } = workerData as ReaderWorkerData;

const db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
configureConnection(db);
const lookup = db.prepare<[string, string], ContactRow>(LOOKUP_SQL).raw(true);
const recall = prepareRecall(db);
const recordBatch = prepareRecordBatch(db);
const rememberRejections = prepareRememberRejections(db);

function answer(request: ReaderRequest): void {
  let response: ReaderResponse;
  try {
    switch (request.op) {
      case 'recall':
        response = {
          id: request.id,
          rows: sqliteRecall(recall, request.account, request.keys, request.near),
        };
        break;
      case 'recallRecords': {
        const fingerprints = fingerprintRecords(request.prefix, request.records);
        const rows = sqliteRecall(recall, request.account, fingerprints, request.near);
        response = { id: request.id, rows: alignRecallRows(fingerprints, rows) };
        break;
      }
      case 'lookup':
        response = { id: request.id, rows: sqliteLookup(lookup, request.account, request.keys) };
        break;
      case 'record':
        recordBatch(request.account, request.runId, request.rows, request.at);
        response = { id: request.id, rows: [] };
        break;
      case 'remember':
        rememberRejections(request.account, request.rows, request.at);
        response = { id: request.id, rows: [] };
        break;
    }
  } catch (error) {
    response = { id: request.id, failure: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
}

/**
 * Requests waiting, reads apart from writes (batches to record and rejections to remember, in
 * arrival order). Reads go first: the CSV reader stops until its look-up is answered, while a
 * batch is awaited beside the reading (its rows, and the
 * rows.csv lines behind them, wait for it in the report). A batch of a 1M-row nightly re-run takes
 * 4–6 ms to record, and 150–590 ms when its commit checkpoints the WAL (`walAutocheckpointPages`:
 * every 200 MB of it in a 1M-contact state, which a 1% nightly no longer fills). Answered in
 * arrival order, the reader waited 3.3 s for look-ups in all, reads first 2.9–3.0 s (1.5 s in an
 * unchanged re-run, which records nothing). Batches are recorded in arrival order. No read
 * depends on a batch recorded in the same run (a row recalled for a number recorded by the run is
 * a duplicate, found by number after the recall).
 */
const reads = new Fifo<ReaderRequest>();
const batches = new Fifo<ReaderRequest>();
let scheduled = false;

/** Answers every read waiting, then records one batch, then lets new requests in. */
function work(): void {
  scheduled = false;
  for (let read = reads.shift(); read !== undefined; read = reads.shift()) answer(read);
  const batch = batches.shift();
  if (batch !== undefined) answer(batch);
  if (batches.size > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(work);
}

port.on('message', (request: ReaderRequest) => {
  (request.op === 'record' || request.op === 'remember' ? batches : reads).push(request);
  schedule();
});

/** For TSDoc links only. */
export type { SqliteReader };
