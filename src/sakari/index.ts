/** The Sakari API client: the only part of sakari-sync that speaks HTTP to Sakari. */
export { SakariClient, DEFAULT_TIMEOUT_MS, MAX_PAGE_SIZE, MAX_THROTTLED_RETRIES } from './client.js';
export type { SakariClientOptions } from './client.js';
export type { ClientEvent, ClientEventListener } from './events.js';
export {
  SakariError,
  SakariHttpError,
  SakariTransportError,
  SakariAuthError,
  SakariConfigError,
  failureCode,
  type SakariErrorInit,
} from './errors.js';
export { CORE_COLUMNS, TAG_SEPARATOR, contactsToCsv } from './csv.js';
export { BLOCKED_API_CODE, NO_RESULT_CODE, UNSPECIFIED_API_CODE } from '../codes.js';
export type { BatchResult, ContactOutcome, ContactSink, RemoteContact } from './types.js';
