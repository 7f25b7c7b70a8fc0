/**
 * Worker thread entry of the {@link PhoneWorkerPool}: normalises each chunk of numbers it is sent
 * ({@link normaliseChunk}) and answers with the index-aligned results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { normaliseChunk } from './phone-parse.js';
import type { PhoneRequest, PhoneResponse, PhoneWorkerData, PhoneWorkerPool } from './phone-pool.js';

if (!parentPort) throw new Error('phone-worker must run in a worker thread');
const port = parentPort;
const { options } = workerData as PhoneWorkerData;

port.on('message', (request: PhoneRequest) => {
  let response: PhoneResponse;
  try {
    response = {
      id: request.id,
      ...normaliseChunk(request.inputs, request.countries, options, new Set(request.numeric)),
    };
  } catch (error) {
    response = {
      id: request.id,
      failure: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  port.postMessage(response);
});

/** For TSDoc links only. */
export type { PhoneWorkerPool };
