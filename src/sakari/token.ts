/**
 * OAuth2 client-credentials tokens for the Sakari API (CONTRACT §2): fetched on first use,
 * cached, shared by concurrent callers, refreshed a little before they expire.
 */
import { SakariAuthError, SakariHttpError } from './errors.js';
import { apiErrorOf } from './response.js';
import { parseRetryAfter } from '../limit/retry.js';
import { headerValue, type HttpRequest, type HttpResponse } from './transport.js';

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

  /**
   * A token to send now: the cached one while it is fresh, else a new one. Concurrent callers
   * share one token request.
   *
   * @throws SakariAuthError when the credentials are refused; SakariHttpError / SakariTransportError
   *   (possibly retryable) when the token endpoint fails.
   */
  async get(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#options.now() < cached.refreshAt) return cached.value;
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
    if (response.status >= 200 && response.status < 300) {
      const token = readToken(body);
      if (token === 'invalid-json') {
        throw this.#httpError(response, { detail: 'the token answer is not valid JSON', retryable: true });
      }
      if (token === undefined) {
        throw new SakariAuthError({
          method: 'POST',
          path: TOKEN_PATH,
          status: response.status,
          detail: 'the token answer carries no access_token',
        });
      }
      if (this.#issued.size > 0) onRefresh();
      this.#issued.add(token.value);
      const ttlMs = token.expiresInSec === undefined ? Number.POSITIVE_INFINITY : token.expiresInSec * 1000;
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, ttlMs * REFRESH_MARGIN_RATIO);
      this.#cached = { value: token.value, refreshAt: now() + ttlMs - margin };
      return token.value;
    }
    const apiError = body === INVALID_JSON ? {} : apiErrorOf(body);
    const detail = this.#options.redact(apiError.message ?? 'the token request was refused');
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new SakariAuthError({
        method: 'POST',
        path: TOKEN_PATH,
        status: response.status,
        ...(apiError.code === undefined ? {} : { apiCode: apiError.code }),
        detail: `${detail} (check the client id and secret)`,
      });
    }
    const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
    throw this.#httpError(response, {
      detail,
      retryable,
      ...(apiError.code === undefined ? {} : { apiCode: apiError.code }),
    });
  }

  #httpError(
    response: HttpResponse,
    facts: { detail: string; retryable: boolean; apiCode?: string },
  ): SakariHttpError {
    const retryAfterMs =
      response.status === 429
        ? parseRetryAfter(headerValue(response, 'retry-after'), this.#options.now())
        : undefined;
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
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function readToken(body: unknown): { value: string; expiresInSec?: number } | 'invalid-json' | undefined {
  if (body === INVALID_JSON) return 'invalid-json';
  if (typeof body !== 'object' || body === null) return undefined;
  const { access_token: value, expires_in: expiresIn } = body as Record<string, unknown>;
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? { value, expiresInSec: seconds }
    : { value };
}
