/**
 * Errors thrown by the Sakari client: one base class and one subclass per case a caller branches
 * on. They keep the request facts (method, path, status, the API's code) and never the noise:
 * no headers, no token, no client secret, not even inside `cause`.
 */
import { httpCode } from '../codes.js';

/** What every Sakari error is built from. */
export interface SakariErrorInit {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path below the API URL, without query string, e.g. `/v1/accounts/123/contacts`. */
  path: string;
  /**
   * The full URL requested (API base included, no query string), for the errors whose cure is a
   * setting (the API URL, the account id): the message then shows it instead of `path`. It holds
   * no secret (an API URL with credentials or a query string is refused at construction).
   */
  url?: string;
  /** HTTP status, when a response came back. */
  status?: number;
  /** The API's error code (e.g. `CONT-000`), when the response carried one. */
  apiCode?: string;
  /** Network/timeout code (e.g. `ETIMEDOUT`), when no response came back. */
  code?: string;
  /** What went wrong, in words (the API's message when there is one). Must already be redacted. */
  detail: string;
  /** Whether sending the same request again may succeed. */
  retryable?: boolean;
  /** For a 429 or a 5xx: how long the server asked us to wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /** How many times the request was sent before giving up. */
  attempts?: number;
  /** What to do about it, said after everything else (e.g. which option to change). */
  advice?: string;
  /** The underlying problem, reduced to a fresh Error holding only a code and a redacted message. */
  cause?: Error;
}

function formatMessage(init: SakariErrorInit): string {
  const outcome = [init.status ?? init.code ?? 'error', init.apiCode]
    .filter((part) => part !== undefined)
    .join(' ');
  const attempts =
    init.attempts !== undefined && init.attempts > 1 ? ` (gave up after ${init.attempts} attempts)` : '';
  const advice = init.advice === undefined ? '' : `; ${init.advice}`;
  return `${init.method} ${init.url ?? init.path} → ${outcome}: ${init.detail}${attempts}${advice}`;
}

/**
 * Base class of everything the Sakari client throws.
 *
 * @example
 * // POST /v1/accounts/123/contacts → 400 CONT-000: Malformed CSV
 */
export class SakariError extends Error {
  override name = 'SakariError';
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean;
  /** How many times the request was sent before this error was thrown (1 when not retried). */
  readonly attempts: number;
  readonly #init: SakariErrorInit;

  constructor(init: SakariErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.#init = init;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.apiCode = init.apiCode;
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
  }

  /** The same error, saying it was the last of `attempts` tries (and, when given, what to do about it). */
  withAttempts(attempts: number, advice?: string): this {
    const Class = this.constructor as new (init: SakariErrorInit) => this;
    return new Class({ ...this.#init, attempts, ...(advice === undefined ? {} : { advice }) });
  }

  /** A plain, secret-free summary (what `JSON.stringify` prints). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      status: this.status,
      apiCode: this.apiCode,
      retryable: this.retryable,
      attempts: this.attempts,
    };
  }
}

/** The API answered with an HTTP status we cannot use (4xx, 5xx, 429, or a 2xx with an unreadable body). */
export class SakariHttpError extends SakariError {
  override name = 'SakariHttpError';
  declare readonly status: number;
  /** For a 429 or a 5xx: the wait the server asked for (`Retry-After`), in ms, when it gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: SakariErrorInit & { status: number }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** No usable response: connection refused or reset, timeout, DNS failure. */
export class SakariTransportError extends SakariError {
  override name = 'SakariTransportError';
  /** The network or timeout code, e.g. `ETIMEDOUT`, `ECONNRESET`. */
  readonly code: string;

  constructor(init: SakariErrorInit & { code: string }) {
    super(init);
    this.code = init.code;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code };
  }
}

/**
 * Sakari says the run is set up wrong, so running it again changes nothing until someone fixes a
 * setting (CONTRACT §6: exit 2): the credentials were refused ({@link SakariAuthError}), they lack
 * the rights for the account (403, from Sakari or from a firewall in front of it), the account does
 * not exist at this API URL (404 on its contacts), or there is no token endpoint at the API URL.
 * Never retried. The message shows the full URL requested and says which setting to check.
 */
export class SakariConfigError extends SakariError {
  override name = 'SakariConfigError';
}

/** The credentials were refused, or a fresh token was refused again. Never retried. */
export class SakariAuthError extends SakariConfigError {
  override name = 'SakariAuthError';
}

/**
 * The code under which a Sakari failure is reported for the rows it affects: the API's code when
 * it gave one (`CONT-000`), else `HTTP_<status>`, else the network code (`ETIMEDOUT`).
 */
export function failureCode(error: SakariError): string {
  if (error.apiCode !== undefined) return error.apiCode;
  if (error.status !== undefined) return httpCode(error.status);
  if (error instanceof SakariTransportError) return error.code;
  return 'SAKARI_ERROR';
}

/** How much of an answer that carries no API error goes into an error message. */
const BODY_EXCERPT_CHARS = 120;

/**
 * Words for an answer that carried no API error: an excerpt of its body, on one line. Give it a
 * body already redacted: a secret straddling the cut would otherwise keep its first characters.
 */
export function describeBody(body: string, status: number): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return `HTTP ${status} without a body`;
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}

/** `text` without a leading UTF-8 byte order mark, which JSON.parse refuses (some servers send one). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of the given secrets in `text` (and any `Bearer <token>`) by
 * `[redacted]`. Used on every text that goes into an error: the API's messages, network messages.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  return result.replace(/\bBearer\s+[^\s"',;]+/gi, `Bearer ${REDACTED}`);
}
