/**
 * The error codes the sandbox answers with. `AUTH-*`, `CONT-*` and `RATE-*` mirror Sakari's; the
 * `REQ-*` and `SRV-*` ones cover what Sakari's public spec leaves unnamed.
 */
export const SANDBOX_ERROR_CODES = {
  /** Token request body unreadable. */
  tokenRequestInvalid: 'AUTH-000',
  /** Wrong client credentials or grant; missing or unknown bearer token. */
  unauthorized: 'AUTH-001',
  /** Bearer token expired. */
  tokenExpired: 'AUTH-002',
  /** Contact request unusable as a whole: malformed CSV, empty body, no `mobile` column, bad JSON. */
  contactRequestInvalid: 'CONT-000',
  /** Mobile number not in E.164. */
  invalidMobile: 'CONT-001',
  /** The same mobile number twice in one CSV batch (the second one is refused). */
  duplicateInBatch: 'CONT-002',
  /** The mobile number (changed by a PUT) already belongs to another contact. */
  mobileTaken: 'CONT-003',
  /** Contact has requested no further communication. */
  blocked: 'CONT-010',
  /** No contact with that id in that account. */
  contactNotFound: 'CONT-404',
  /** Over the per-account rate limit, or a request sent while a `Retry-After` was still running. */
  rateLimited: 'RATE-001',
  /** Bad query parameter (`offset`, `limit`, `mergeStrategy`). */
  badRequest: 'REQ-400',
  /** No such route. */
  notFound: 'REQ-404',
  /** Route exists, method does not. */
  methodNotAllowed: 'REQ-405',
  /** Body over the size limit. */
  payloadTooLarge: 'REQ-413',
  /** Content-Type other than `text/csv` or `application/json`. */
  unsupportedMediaType: 'REQ-415',
  internalError: 'SRV-500',
  unavailable: 'SRV-503',
} as const;

/** One of {@link SANDBOX_ERROR_CODES}. */
export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[keyof typeof SANDBOX_ERROR_CODES];

/** The code an injected `status` fault answers with when it names none. */
export function defaultCodeForStatus(status: number): string {
  if (status === 401) return SANDBOX_ERROR_CODES.unauthorized;
  if (status === 404) return SANDBOX_ERROR_CODES.notFound;
  if (status === 429) return SANDBOX_ERROR_CODES.rateLimited;
  return status >= 500 ? `SRV-${status}` : `REQ-${status}`;
}

/** The message an injected `status` fault answers with. */
export function defaultMessageForStatus(status: number): string {
  if (status === 429) return 'Too many requests';
  if (status === 503) return 'Service unavailable';
  if (status >= 500) return 'Internal server error';
  return `Request failed with status ${status}`;
}
