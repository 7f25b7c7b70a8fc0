/**
 * Worker thread entry of the {@link SqliteReader}: a connection to the state database answering
 * recalls and look-ups, so that their B-tree seeks run beside the pipeline's main thread, and
 * recording acknowledged batches, so that their page writes do too.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReaderRequest, ReaderResponse, ReaderWorkerData, SqliteReader } from './sqlite-reader.js';
import {
  BUSY_TIMEOUT_MS,
  configureConnection,
  LOOKUP_SQL,
  prepareRecall,
  prepareRecordBatch,
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

port.on('message', (request: ReaderRequest) => {
  let response: ReaderResponse;
  try {
    switch (request.op) {
      case 'recall':
        response = {
          id: request.id,
          rows: sqliteRecall(recall, request.account, request.keys, request.near),
        };
        break;
      case 'lookup':
        response = { id: request.id, rows: sqliteLookup(lookup, request.account, request.keys) };
        break;
      case 'record':
        recordBatch(request.account, request.runId, request.rows, request.at);
        response = { id: request.id, rows: [] };
        break;
    }
  } catch (error) {
    response = { id: request.id, failure: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});

/** For TSDoc links only. */
export type { SqliteReader };
