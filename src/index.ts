/**
 * sakari-sync as a library. The CLI is a thin layer over these exports.
 *
 * @example
 * ```ts
 * import { importContacts } from 'sakari-sync';
 * const result = await importContacts({ sources: ['crm.csv'], defaultCountry: 'GB', sandbox: true });
 * ```
 */
export { importContacts, runImport, RunAbortedError } from './pipeline/run.js';
export type { ImportResult, RunHooks, RunProgress, RunStart } from './pipeline/run.js';
export {
  resolveImportSettings,
  ConfigError,
  DEFAULT_API_URL,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_RATE,
  DEFAULT_REPORT_DIR,
  DEFAULT_STATE_PATH,
} from './config.js';
export type { ImportInput, ImportSettings, ApiSettings } from './config.js';

// The stages, for pipelines of your own.
export { openSource, SourceError } from './read/index.js';
export type { OpenedSource, ReadOptions, SourceFormat, SourceInfo } from './read/index.js';
export { mapFields, resolveHeader } from './pipeline/map-fields.js';
export type { FieldMapping, MapOptions } from './pipeline/map-fields.js';
export { normalisePhone, normalisePhones } from './pipeline/normalise-phone.js';
export type { PhoneOptions, PhoneResult } from './pipeline/normalise-phone.js';
export { validateContacts } from './pipeline/validate.js';
export { dedupe } from './pipeline/dedupe.js';
export { checkState } from './pipeline/check-state.js';
export type { PendingContact } from './pipeline/check-state.js';
export { batchContacts } from './pipeline/batch.js';
export type { Batch } from './pipeline/batch.js';
export { upsertBatch } from './pipeline/upsert.js';
export { PreflightCollector, PREFLIGHT_WARNING_CODES } from './pipeline/preflight.js';
export type { PreflightInfo, PreflightWarning, PreflightSource } from './pipeline/preflight.js';

// Collaborators.
export { SakariClient } from './sakari/client.js';
export {
  SakariError,
  SakariHttpError,
  SakariTransportError,
  SakariAuthError,
  SakariConfigError,
} from './sakari/errors.js';
export type { BatchResult, ContactOutcome, ContactSink, RemoteContact } from './sakari/types.js';
export { AccountLimiter } from './limit/limiter.js';
export { StateStore, RunLock, LockHeldError } from './state/index.js';
export { RunReport, InvariantError } from './report/index.js';
export type { RunSummary, Counts } from './report/index.js';
export { startSandbox } from './sandbox/index.js';
export type { Sandbox, SandboxOptions, SandboxStats, Fault } from './sandbox/index.js';

export * from './types.js';
