/** Why the state database cannot be used. */
export type StateStoreErrorCode =
  /** The file exists but is not a SQLite database, or belongs to another application. */
  | 'STATE_NOT_OURS'
  /** The database was written by a newer sakari-sync with a schema this build does not know. */
  | 'STATE_TOO_NEW'
  /** The file or its folder could not be created or opened. */
  | 'STATE_UNAVAILABLE'
  /** A call that contradicts what the store holds (unknown run, run already finished). */
  | 'STATE_CONFLICT';

/** Every {@link StateStoreErrorCode}, for the exit-code table's tests (src/exit-codes.ts). */
export const STATE_STORE_ERROR_CODES: readonly StateStoreErrorCode[] = [
  'STATE_NOT_OURS',
  'STATE_TOO_NEW',
  'STATE_UNAVAILABLE',
  'STATE_CONFLICT',
];

/**
 * A run-level failure of the state store. The message names the database path and says what to
 * do; the SQLite error, when there is one, is the `cause`.
 */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  readonly code: StateStoreErrorCode;

  constructor(code: StateStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
