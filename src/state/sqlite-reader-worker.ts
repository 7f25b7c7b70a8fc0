/**
 * Worker thread entry of the {@link SqliteReader}: a read-only connection to the state database
 * answering recalls and look-ups, so that their B-tree seeks run beside the pipeline's main thread.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReaderRequest, ReaderResponse, ReaderWorkerData, SqliteReader } from './sqlite-reader.js';
import { LOOKUP_SQL, prepareRecall, sqliteLookup, sqliteRecall, type ContactRow } from './store.js';

if (!parentPort) throw new Error('sqlite-reader-worker must run in a worker thread');
const port = parentPort;
const { path } = workerData as ReaderWorkerData;

const db = new Database(path, { readonly: true, fileMustExist: true });
const lookup = db.prepare<[string, string], ContactRow>(LOOKUP_SQL).raw(true);
const recall = prepareRecall(db);

port.on('message', (request: ReaderRequest) => {
  let response: ReaderResponse;
  try {
    const rows =
      request.op === 'recall'
        ? sqliteRecall(recall, request.account, request.keys, request.near)
        : sqliteLookup(lookup, request.account, request.keys);
    response = { id: request.id, rows };
  } catch (error) {
    response = { id: request.id, failure: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});

/** For TSDoc links only. */
export type { SqliteReader };
