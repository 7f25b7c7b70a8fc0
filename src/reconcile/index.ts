/**
 * `reconcile`: compares a source with the contacts in Sakari by E.164 and reports what is
 * matched, missing, different or extra (CONTRACT §7).
 */
export {
  reconcileContacts,
  runReconcile,
  verifyAfterImport,
  checkReconcileInvariants,
  ReconcileAbortedError,
  COMPARE_CHUNK,
  type ReconcileInput,
  type ReconcileOptions,
  type ReconcileHooks,
  type ReconcileProgress,
} from './reconcile.js';
export {
  compareContact,
  COMPARED_FIELDS,
  type ComparedField,
  type ContactDifference,
  type RemoteFields,
} from './compare.js';
export { RemoteIndex, remoteE164, REMOTE_INSERT_CHUNK, type IndexedRemote } from './remote-index.js';
export { RECONCILE_FILE, RECONCILE_COLUMNS, FIX_FILE } from './report.js';
export { renderReconcileHtml, type ReconcileHtmlData } from './html.js';
export {
  RECONCILE_STATUSES,
  type ReconcileStatus,
  type ReconcileCounts,
  type ReconcileSummary,
  type ReconcileResult,
  type FixSummary,
} from './types.js';
