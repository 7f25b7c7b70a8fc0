/**
 * The embedded Sakari simulator used by `--sandbox` runs, the `sakari-sync sandbox` command and the
 * tests. See {@link startSandbox}.
 */
export { startSandbox, MAX_BODY_BYTES } from './server.js';
export { SANDBOX_ERROR_CODES, type SandboxErrorCode } from './errors.js';
export {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_RETRY_AFTER_GRACE_MS,
  DEFAULT_TOKEN_TTL_SEC,
} from './options.js';
export { TOKEN_PATH } from './faults.js';
export { sandboxDataFile } from './persistence.js';
export {
  MAX_REQUEST_LOG_ENTRIES,
  type Fault,
  type FaultMatch,
  type RequestLogEntry,
  type Sandbox,
  type SandboxOptions,
  type SandboxRuntimeOptions,
  type SandboxStats,
  type StoredContact,
} from './types.js';
