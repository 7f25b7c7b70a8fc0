/**
 * One HTTP exchange with Sakari, over got. The only module of sakari-sync that imports got.
 *
 * It never retries (the client's request loop is the one retry layer), never throws for an HTTP
 * status, and turns got's errors, which carry the request options and so the Authorization
 * header, into a {@link SakariTransportError} holding only a code and a redacted message.
 */
import type { IncomingHttpHeaders } from 'node:http';
import got, { type Got } from 'got';
import { parseRetryAfter } from '../limit/retry.js';
import { SakariTransportError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the API URL, e.g. `/v1/accounts/123/contacts`. */
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Network failures after which the same request may well succeed (got's own default list, plus a
 * stream closed early). Anything else (an invalid URL, a TLS certificate error) is not retried.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** got's code for a failure whose underlying error had no code of its own. */
const UNKNOWN_NETWORK_CODE = 'ERR_REQUEST';

/** Sends requests to one Sakari API base URL. */
export class HttpTransport {
  readonly #baseUrl: string;
  readonly #got: Got;

  /**
   * @param apiUrl - absolute http(s) URL of the API, e.g. `https://api.sakari.io`.
   * @param timeoutMs - limit for a whole exchange, from connecting to the end of the body.
   */
  constructor(apiUrl: string, timeoutMs: number) {
    this.#baseUrl = apiUrl.replace(/\/+$/, '');
    this.#got = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      timeout: { request: timeoutMs },
      // A redirect is not part of the API; following one could carry the token elsewhere.
      followRedirect: false,
      responseType: 'text',
    });
  }

  /** The full URL of `path` (API base included, no query string), as a message shows it. */
  urlOf(path: string): string {
    return this.#baseUrl + path;
  }

  /**
   * Sends one request and returns whatever status came back.
   *
   * @param redact - applied to any message taken from got before it goes into an error.
   * @throws SakariTransportError when no response came back (`retryable` for network hiccups and timeouts).
   */
  async send(request: HttpRequest, redact: (text: string) => string): Promise<HttpResponse> {
    const url = new URL(this.urlOf(request.path));
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    try {
      const response = await this.#got(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      const code = errorCode(error);
      const message = redact(error instanceof Error ? error.message : String(error));
      // A fresh Error: got's RequestError keeps `options` (headers included) and `request`.
      const cause = Object.assign(new Error(message), { code });
      throw new SakariTransportError({
        method: request.method,
        path: request.path,
        code,
        detail: message,
        retryable: RETRYABLE_NETWORK_CODES.has(code),
        cause,
      });
    }
  }
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    // got wraps errors without a code as ERR_GOT_REQUEST_ERROR; a nested cause may know better.
    if (error.code === 'ERR_GOT_REQUEST_ERROR' && 'cause' in error) {
      const inner = errorCode(error.cause);
      if (inner !== UNKNOWN_NETWORK_CODE) return inner;
    }
    return error.code;
  }
  return UNKNOWN_NETWORK_CODE;
}

/** A response header as one string (the first value when repeated). */
export function headerValue(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an answer with this status is worth sending the request again: 429, 408 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * How long a retryable answer asks to wait before the request is sent again (its `Retry-After`,
 * seconds or an HTTP date, in ms from `nowMs`): a 429, and a 503 or a gateway's 5xx may say so
 * (RFC 9110 §10.2.3). Undefined when it does not, or when the answer is not retryable.
 */
export function retryAfterOf(response: HttpResponse, nowMs: number): number | undefined {
  if (!isRetryableStatus(response.status)) return undefined;
  return parseRetryAfter(headerValue(response, 'retry-after'), nowMs);
}
