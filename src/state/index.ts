/**
 * The state of sakari-sync (CONTRACT §8), in a SQLite file or in PostgreSQL: what Sakari acknowledged per account and number
 * (incremental runs), the runs (resume), the files `watch` imported, and the lock that keeps two
 * runs of one job apart (CONTRACT §6, exit code 4).
 */
export { canonicalPayload, payloadHash } from './payload-hash.js';
export {
  DEFAULT_STATE_PATH,
  StateStore,
  type AckedRow,
  type AckedStatus,
  type FileImportScope,
  type KnownContact,
  type PlacedRows,
  type ProcessedFile,
  type RecalledContact,
  type Recollection,
  type RejectedRow,
  type RejectedStatus,
  type RememberedRejection,
  type RekeyedRow,
  type RunRecord,
  type SeqWindow,
  type StateStoreOptions,
} from './store.js';
export { STATE_STORE_ERROR_CODES, StateStoreError, type StateStoreErrorCode } from './errors.js';
export { SCHEMA_VERSION } from './migrations.js';
export {
  SqliteBackend,
  isPostgresUrl,
  localStateDir,
  openStateBackend,
  redactStateLocation,
  resolveStateLocation,
  type HeldRunLock,
  type LockRequest,
  type StateBackend,
} from './backend.js';
export {
  DEFAULT_LOCK_STALE_MS,
  LockHeldError,
  RunLock,
  lockPaths,
  type LockHolder,
  type LockPaths,
  type RunLockOptions,
} from './lock.js';
