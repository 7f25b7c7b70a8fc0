/**
 * OAuth2 client-credentials tokens for the Sakari API (CONTRACT §2): fetched on first use,
 * cached, shared by concurrent callers, refreshed a little before they expire.
 */
import { SakariAuthError, SakariConfigError, SakariHttpError, describeBody, withoutBom } from './errors.js';
import { apiErrorOf } from './response.js';
import { isRetryableStatus, retryAfterOf, type HttpRequest, type HttpResponse } from './transport.js';

/** Below `apiUrl`. */
export const TOKEN_PATH = '/oauth2/token';

/**
 * Refresh this long before `expires_in` runs out, so a request queued behind the rate limiter does
 * not arrive with a token that expired on the way: 10 % of the lifetime, at most 30 s.
 */
const REFRESH_MARGIN_RATIO = 0.1;
const MAX_REFRESH_MARGIN_MS = 30_000;

export interface TokenSourceOptions {
  clientId: string;
  clientSecret: string;
  /** Sends one request (counted and observed by the caller); throws SakariTransportError. */
  send: (request: HttpRequest) => Promise<HttpResponse>;
  /** Epoch ms. */
  now: () => number;
  /** Called when a new token replaces an earlier one (every token after the first). */
  onRefresh: () => void;
  /** Removes secrets from texts that go into errors. */
  redact: (text: string) => string;
  /** The full URL of a path below the API URL, for the messages that must show where a request went. */
  urlOf: (path: string) => string;
}

interface CachedToken {
  value: string;
  /** Epoch ms after which a new one is fetched first; Infinity when the server gave no lifetime. */
  refreshAt: number;
}

/** Hands out a valid access token, fetching one only when needed. */
export class TokenSource {
  readonly #options: TokenSourceOptions;
  #cached: CachedToken | undefined;
  #inFlight: Promise<string> | undefined;
  /** Every token issued to this client: they are redacted from error texts. */
  readonly #issued = new Set<string>();

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  /** The tokens this source has received (to be kept out of any error text). */
  get issued(): ReadonlySet<string> {
    return this.#issued;
  }

  /** The cached token while it is fresh, else `undefined` (then {@link get} fetches one). */
  fresh(): string | undefined {
    const cached = this.#cached;
    return cached !== undefined && this.#options.now() < cached.refreshAt ? cached.value : undefined;
  }

  /**
   * A token to send now: the cached one while it is fresh, else a new one. Concurrent callers
   * share one token request. It is tried once: retrying is the caller's.
   *
   * @throws SakariAuthError when the credentials are refused; SakariConfigError when the API URL
   *   has no token endpoint (404, 405, another 4xx, or an answer without a token);
   *   SakariHttpError / SakariTransportError (retryable: 429, 408, 5xx, an unreadable answer, a
   *   `success: false` answer) when the token endpoint fails.
   */
  async get(): Promise<string> {
    const cached = this.fresh();
    if (cached !== undefined) return cached;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * Forgets `token` after the API refused it (401), so the next {@link get} fetches a new one.
   * A token that has already been replaced is left alone: many requests refused with the same old
   * token cause one refresh, not one each.
   */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  async #fetch(): Promise<string> {
    const { clientId, clientSecret, send, now, onRefresh } = this.#options;
    const response = await send({
      method: 'POST',
      path: TOKEN_PATH,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    const body = parseJson(response.body);
    const { status } = response;
    const facts = { method: 'POST', path: TOKEN_PATH, status } as const;
    const apiError = body === INVALID_JSON ? {} : apiErrorOf(body);
    const apiCode = apiError.code === undefined ? {} : { apiCode: apiError.code };
    // The server's words, else an excerpt of what it sent (redacted before it is cut).
    const said = (): string =>
      apiError.message === undefined
        ? describeBody(this.#options.redact(response.body), status)
        : this.#options.redact(apiError.message);
    if (status >= 200 && status < 300) {
      if (body === INVALID_JSON) {
        const detail =
          response.body.trim() === ''
            ? 'the token answer is empty'
            : `the token answer is not valid JSON: ${said()}`;
        throw this.#httpError(response, { detail, retryable: true });
      }
      const token = readToken(body);
      if (token === undefined && isObject(body) && body['success'] === false) {
        // The server says it failed (e.g. "Service temporarily unavailable"): its problem, not the
        // credentials'; they are refused with a 400, 401 or 403.
        throw this.#httpError(response, {
          detail: `the token request failed: ${said()}`,
          retryable: true,
          ...apiCode,
        });
      }
      if (token === undefined) {
        throw new SakariConfigError({
          ...facts,
          url: this.#options.urlOf(TOKEN_PATH),
          detail: `the answer carries no access_token (${said()}); check the API URL (--api-url: the API's base URL, e.g. https://api.sakari.io)`,
        });
      }
      if (this.#issued.size > 0) onRefresh();
      this.#issued.add(token.value);
      const ttlMs = token.expiresInSec === undefined ? Number.POSITIVE_INFINITY : token.expiresInSec * 1000;
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, ttlMs * REFRESH_MARGIN_RATIO);
      this.#cached = { value: token.value, refreshAt: now() + ttlMs - margin };
      return token.value;
    }
    if (status === 400 || status === 401 || status === 403) {
      throw new SakariAuthError({
        ...facts,
        ...apiCode,
        url: this.#options.urlOf(TOKEN_PATH),
        detail: `${this.#options.redact(apiError.message ?? 'the token request was refused')} (check the client id and secret)`,
      });
    }
    const retryable = isRetryableStatus(status);
    if (!retryable) {
      // 404/405: nothing takes a token request at this URL; another 4xx: what answers there is not
      // Sakari's token endpoint as this client knows it. Either way a re-run changes nothing.
      throw new SakariConfigError({
        ...facts,
        ...apiCode,
        url: this.#options.urlOf(TOKEN_PATH),
        detail: `${said()}; no Sakari token endpoint answers at this URL: check the API URL (--api-url: the API's base URL, e.g. https://api.sakari.io, without /v1)`,
      });
    }
    throw this.#httpError(response, { detail: `the token request failed: ${said()}`, retryable, ...apiCode });
  }

  #httpError(
    response: HttpResponse,
    facts: { detail: string; retryable: boolean; apiCode?: string },
  ): SakariHttpError {
    const retryAfterMs = retryAfterOf(response, this.#options.now());
    return new SakariHttpError({
      method: 'POST',
      path: TOKEN_PATH,
      status: response.status,
      ...facts,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

const INVALID_JSON: unique symbol = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(withoutBom(text)) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The token of an OAuth2 answer (`{access_token, expires_in}`), or of one in Sakari's usual
 * envelope (`{success: true, data: {access_token, …}}`).
 */
function readToken(body: unknown): { value: string; expiresInSec?: number } | undefined {
  if (!isObject(body)) return undefined;
  const fields = body['access_token'] === undefined && isObject(body['data']) ? body['data'] : body;
  const { access_token: value, expires_in: expiresIn } = fields;
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? { value, expiresInSec: seconds }
    : { value };
}
