/**
 * The Sakari API client: batch and single upserts, listing and single-contact operations for one
 * account, with tokens, rate limiting and the one retry loop of sakari-sync.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { httpCode } from '../codes.js';
import type { AccountLimiter } from '../limit/limiter.js';
import { DEFAULT_RETRY, backoffDelay, parseRetryAfter, type RetryPolicy } from '../limit/retry.js';
import { emptyApiStats, type ApiStats, type ContactPayload, type MergeStrategy } from '../types.js';
import { contactsToCsv } from './csv.js';
import { SakariAuthError, SakariError, SakariHttpError, redact } from './errors.js';
import type { ClientEvent, ClientEventListener } from './events.js';
import {
  ContactRefusedError,
  MalformedResponseError,
  apiErrorOf,
  contactErrorOf,
  contactWasCreated,
  hasMorePages,
  mobileFilterOf,
  readContactsPage,
  readUploadAnswer,
  rowsToLookUp,
  sameNumber,
  settleUpload,
  singleContactOf,
  toRemoteContact,
} from './response.js';
import { TokenSource } from './token.js';
import {
  HttpTransport,
  headerValue,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
} from './transport.js';
import type { BatchResult, ContactSink, RemoteContact } from './types.js';

/** A whole batch upload of a few hundred rows normally answers in seconds; 30 s means something is stuck. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * 429s with `Retry-After` do not use up `attempts` (the server told us exactly when to come back),
 * but a server that throttles a request this many times in a row is not going to let it through.
 */
export const MAX_THROTTLED_RETRIES = 50;

/** The API's maximum `limit` for a page of contacts (openapi: `limit` maximum 100). */
export const MAX_PAGE_SIZE = 100;

/** How much of a non-JSON error body goes into an error message. */
const BODY_EXCERPT_CHARS = 120;

export interface SakariClientOptions {
  /** Absolute http(s) URL of the API, e.g. `https://api.sakari.io` (no `/v1`). */
  apiUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Paces the requests to this account; share one per account across clients. */
  limiter: AccountLimiter;
  /** Overrides of {@link DEFAULT_RETRY}. */
  retry?: Partial<RetryPolicy>;
  /** Limit for one HTTP exchange, in ms. @default 30_000 */
  timeoutMs?: number;
  /** Observes requests, throttling, retries and token refreshes. */
  onEvent?: ClientEventListener;
}

interface CallSpec {
  method: HttpMethod;
  path: string;
  query?: Record<string, string>;
  /** JSON or CSV text, with its content type. */
  body?: { text: string; contentType: string };
  /** Whether a 2xx answer must be JSON (a DELETE's answer is not read). */
  readsBody: boolean;
}

type AttemptResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: SakariError;
      /** Why a retry would happen: `HTTP_<status>`, a network code or `INVALID_JSON`. */
      reason: string;
      /** Set when the API answered 401 to this token. */
      refusedToken?: string;
    };

/**
 * Talks to one Sakari account. Every request goes through the account's {@link AccountLimiter};
 * failures are retried here and nowhere else:
 * - 429 with `Retry-After`: the whole account pauses that long, then the request is repeated
 *   (without using up `retry.attempts`, at most {@link MAX_THROTTLED_RETRIES} times);
 *   429 without it: exponential backoff with full jitter;
 * - 5xx, 408, timeouts, dropped connections, unreadable 2xx answers: backoff, up to
 *   `retry.attempts` attempts in all (the upsert is idempotent by mobile number);
 * - 401: one new token, one repeat; other 4xx: thrown at once as {@link SakariHttpError}.
 *
 * Thrown errors never contain the client secret, a token or an Authorization header.
 *
 * @example
 * const limiter = new AccountLimiter({ rate: 5, maxConcurrent: 2 });
 * const client = new SakariClient({ apiUrl, accountId, clientId, clientSecret, limiter });
 * const result = await client.upsertBatch(payloads, 'append');
 */
export class SakariClient implements ContactSink {
  /** Live counters of this client's traffic (token requests included). */
  readonly stats: ApiStats = emptyApiStats();

  readonly #contactsPath: string;
  readonly #clientSecret: string;
  readonly #limiter: AccountLimiter;
  readonly #retry: RetryPolicy;
  readonly #transport: HttpTransport;
  readonly #tokens: TokenSource;
  readonly #onEvent: ClientEventListener | undefined;

  /** @throws TypeError / RangeError naming the option when an option is invalid. */
  constructor(options: SakariClientOptions) {
    const apiUrl = normaliseApiUrl(options.apiUrl);
    for (const name of ['accountId', 'clientId', 'clientSecret'] as const) {
      const value: unknown = options[name];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new TypeError(`${name}: expected a non-empty string`);
      }
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs: expected a positive number of milliseconds, got ${timeoutMs}`);
    }
    this.#retry = normaliseRetry(options.retry);
    this.#contactsPath = `/v1/accounts/${encodeURIComponent(options.accountId)}/contacts`;
    this.#clientSecret = options.clientSecret;
    this.#limiter = options.limiter;
    this.#onEvent = options.onEvent;
    this.#transport = new HttpTransport(apiUrl, timeoutMs);
    this.#tokens = new TokenSource({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      send: (request) => this.#send(request),
      now: () => Date.now(),
      onRefresh: () => {
        this.stats.tokenRefreshes++;
        this.#emit({ type: 'token-refresh' });
      },
      redact: (text) => this.#redact(text),
    });
  }

  /**
   * Creates or updates `contacts` in one CSV upload, matched by mobile number. Rows Sakari refuses
   * are outcomes, not exceptions: `blocked` (CONT-010) or `failed` with the API's code.
   *
   * The answer decides each row when it names it or its counts tell (see {@link settleUpload});
   * only the rows it cannot tell about (counts missing, or some of the unnamed rows stored and
   * some refused, or a mix of created and updated) are looked up by mobile, one `GET` each.
   *
   * @param contacts - mobiles must be unique within the batch (the outcomes are keyed by them).
   * @returns one outcome per submitted contact, keyed by its E.164 mobile.
   * @throws SakariError when the batch as a whole fails (a 4xx, or retries exhausted).
   */
  async upsertBatch(contacts: readonly ContactPayload[], mergeStrategy: MergeStrategy): Promise<BatchResult> {
    if (contacts.length === 0) return { outcomes: new Map(), submitted: 0, inserted: 0, updated: 0 };
    const csv = contactsToCsv(contacts);
    const reading = await this.#call(
      {
        method: 'POST',
        path: this.#contactsPath,
        query: { mergeStrategy },
        body: { text: csv, contentType: 'text/csv; charset=utf-8' },
        readsBody: true,
      },
      (body) => readUploadAnswer(body, contacts),
    );
    const found = new Map<string, RemoteContact | null>();
    // The limiter paces and bounds these; they are few unless the answer says almost nothing.
    await Promise.all(
      rowsToLookUp(reading).map(async (contact) => {
        found.set(contact.mobile, (await this.findByMobile(contact.mobile)) ?? null);
      }),
    );
    return settleUpload(reading, found);
  }

  /**
   * The contact whose mobile is `e164`, or `undefined`: `GET .../contacts?mobile=` (Sakari filters
   * by "mobile or part of", so the answer is narrowed to the exact number here).
   */
  async findByMobile(e164: string): Promise<RemoteContact | undefined> {
    const page = await this.#call(
      {
        method: 'GET',
        path: this.#contactsPath,
        query: { mobile: mobileFilterOf(e164), offset: '0', limit: String(MAX_PAGE_SIZE) },
        readsBody: true,
      },
      readContactsPage,
    );
    return page.contacts.find((contact) => sameNumber(contact.mobile.number, e164));
  }

  /**
   * Creates or updates one contact (JSON `ContactRequest`), matched by mobile number.
   *
   * @throws SakariHttpError with the API's code when Sakari refuses the contact (e.g. CONT-010).
   */
  async upsertOne(
    contact: ContactPayload,
    mergeStrategy: MergeStrategy,
  ): Promise<{ status: 'created' | 'updated'; contact: RemoteContact }> {
    return this.#call(
      {
        method: 'POST',
        path: this.#contactsPath,
        query: { mergeStrategy },
        body: jsonBody(toContactRequest(contact)),
        readsBody: true,
      },
      (body) => {
        const stored = storedContactOf(body);
        return {
          status: contactWasCreated(stored) ? 'created' : 'updated',
          contact: toRemoteContact(stored),
        };
      },
    );
  }

  /**
   * Every contact of the account, page by page (`offset`/`limit`), in the server's order, until
   * `hasNext: false` when the answer gives it, else `totalCount`, else a short page.
   *
   * @param options.pageSize - contacts per request, 1 to 100. @default 100
   */
  async *listContacts(options: { pageSize?: number } = {}): AsyncGenerator<RemoteContact> {
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize: expected an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    let offset = 0;
    for (;;) {
      const page = await this.#call(
        {
          method: 'GET',
          path: this.#contactsPath,
          query: { offset: String(offset), limit: String(pageSize) },
          readsBody: true,
        },
        readContactsPage,
      );
      yield* page.contacts;
      offset += page.contacts.length;
      if (!hasMorePages(page, offset, pageSize)) return;
    }
  }

  /** One contact by id. @throws SakariHttpError (404) when there is none. */
  async getContact(id: string): Promise<RemoteContact> {
    return this.#call({ method: 'GET', path: this.#contactPath(id), readsBody: true }, (body) =>
      toRemoteContact(storedContactOf(body)),
    );
  }

  /** Replaces the contact `id` with `contact`. */
  async updateContact(id: string, contact: ContactPayload): Promise<RemoteContact> {
    return this.#call(
      {
        method: 'PUT',
        path: this.#contactPath(id),
        body: jsonBody(toContactRequest(contact)),
        readsBody: true,
      },
      (body) => toRemoteContact(storedContactOf(body)),
    );
  }

  /** Deletes the contact `id`. */
  async deleteContact(id: string): Promise<void> {
    await this.#call({ method: 'DELETE', path: this.#contactPath(id), readsBody: false }, () => undefined);
  }

  #contactPath(id: string): string {
    if (id === '') throw new TypeError('contact id: expected a non-empty string');
    return `${this.#contactsPath}/${encodeURIComponent(id)}`;
  }

  /** The retry loop: the only place in sakari-sync where a request is repeated. */
  async #call<T>(spec: CallSpec, read: (body: unknown) => T): Promise<T> {
    let attempts = 0;
    let failures = 0;
    let throttles = 0;
    let reauthenticated = false;
    for (;;) {
      const result = await this.#attempt(spec, read);
      attempts++;
      if (result.ok) return result.value;
      const { error, reason } = result;

      if (result.refusedToken !== undefined) {
        if (reauthenticated) throw error.withAttempts(attempts);
        reauthenticated = true;
        this.#tokens.invalidate(result.refusedToken);
        continue;
      }

      let delayMs: number;
      if (error instanceof SakariHttpError && error.status === 429) {
        this.stats.throttled++;
        throttles++;
        this.#emit({
          type: 'throttled',
          method: spec.method,
          path: spec.path,
          ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        });
        if (throttles > MAX_THROTTLED_RETRIES) throw error.withAttempts(attempts);
        if (error.retryAfterMs !== undefined) {
          // The limiter holds back every request to this account, this one included.
          this.#limiter.pauseUntil(Date.now() + error.retryAfterMs);
          delayMs = 0;
        } else {
          delayMs = backoffDelay(throttles - 1, this.#retry);
        }
        // After the pause (if any) is in force: the adaptive pace is lowered from there.
        this.#limiter.throttled();
      } else if (error.retryable) {
        failures++;
        if (failures >= this.#retry.attempts) throw error.withAttempts(attempts);
        delayMs = backoffDelay(failures - 1, this.#retry);
      } else {
        throw error.withAttempts(attempts);
      }

      this.stats.retries++;
      this.#emit({
        type: 'retry',
        method: spec.method,
        path: spec.path,
        attempt: attempts + 1,
        reason,
        delayMs,
      });
      if (delayMs > 0) await sleep(delayMs);
    }
  }

  /** One try: a token, a slot from the limiter, one exchange, and a verdict on the answer. */
  async #attempt<T>(spec: CallSpec, read: (body: unknown) => T): Promise<AttemptResult<T>> {
    let exchange: { token: string; response: HttpResponse };
    try {
      // The token is fetched before taking a slot: a token request inside the slot would delay
      // this request and squeeze it against the next one, defeating the limiter's even spacing.
      // The token endpoint is not an account endpoint, so it is not paced per account.
      await this.#tokens.get();
      exchange = await this.#limiter.schedule(async () => {
        // Normally the cached token, at once; a new one only if it went stale while queued.
        const token = await this.#tokens.get();
        const headers: Record<string, string> = {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        };
        if (spec.body !== undefined) headers['content-type'] = spec.body.contentType;
        const request: HttpRequest = { method: spec.method, path: spec.path, headers };
        if (spec.query !== undefined) request.query = spec.query;
        if (spec.body !== undefined) request.body = spec.body.text;
        return { token, response: await this.#send(request) };
      });
    } catch (error) {
      if (!(error instanceof SakariError)) throw error;
      return { ok: false, error, reason: reasonOf(error) };
    }
    return this.#judge(spec, exchange.response, exchange.token, read);
  }

  #judge<T>(
    spec: CallSpec,
    response: HttpResponse,
    token: string,
    read: (body: unknown) => T,
  ): AttemptResult<T> {
    const { status } = response;
    const facts = { method: spec.method, path: spec.path, status };

    if (status >= 200 && status < 300) {
      if (!spec.readsBody) return { ok: true, value: read(undefined) };
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch (parseError) {
        const message = this.#redact(parseError instanceof Error ? parseError.message : String(parseError));
        return {
          ok: false,
          reason: 'INVALID_JSON',
          error: new SakariHttpError({
            ...facts,
            detail: 'the answer is not valid JSON',
            retryable: true,
            cause: new Error(message),
          }),
        };
      }
      const apiError = apiErrorOf(body);
      if (isObject(body) && body['success'] === false) {
        return {
          ok: false,
          reason: httpCode(status),
          error: new SakariHttpError({
            ...facts,
            ...(apiError.code === undefined ? {} : { apiCode: apiError.code }),
            detail: this.#redact(apiError.message ?? 'the API answered success: false'),
          }),
        };
      }
      try {
        return { ok: true, value: read(body) };
      } catch (readError) {
        if (readError instanceof ContactRefusedError) {
          const error = new SakariHttpError({
            ...facts,
            apiCode: readError.code,
            detail: this.#redact(readError.message),
          });
          return { ok: false, reason: httpCode(status), error };
        }
        if (readError instanceof MalformedResponseError) {
          const error = new SakariHttpError({ ...facts, detail: `unexpected answer: ${readError.message}` });
          return { ok: false, reason: httpCode(status), error };
        }
        throw readError;
      }
    }

    const apiError = apiErrorOf(parseJsonOrUndefined(response.body));
    const detail = this.#redact(apiError.message ?? describeBody(response.body, status));
    const apiCode = apiError.code === undefined ? {} : { apiCode: apiError.code };
    const reason = httpCode(status);
    if (status === 401) {
      const error = new SakariAuthError({
        ...facts,
        ...apiCode,
        detail: `${detail} (the access token was refused)`,
      });
      return { ok: false, reason, error, refusedToken: token };
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headerValue(response, 'retry-after'), Date.now());
      const error = new SakariHttpError({
        ...facts,
        ...apiCode,
        detail,
        retryable: true,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
      return { ok: false, reason, error };
    }
    const retryable = status >= 500 || status === 408;
    return { ok: false, reason, error: new SakariHttpError({ ...facts, ...apiCode, detail, retryable }) };
  }

  /** Every request, token requests included, passes here: counted, timed and observed. */
  async #send(request: HttpRequest): Promise<HttpResponse> {
    this.stats.requests++;
    const started = performance.now();
    const base = { type: 'request', method: request.method, path: request.path } as const;
    try {
      const response = await this.#transport.send(request, (text) => this.#redact(text));
      this.#emit({ ...base, status: response.status, durationMs: performance.now() - started });
      return response;
    } catch (error) {
      const code = error instanceof SakariError ? reasonOf(error) : 'ERR_REQUEST';
      this.#emit({ ...base, error: code, durationMs: performance.now() - started });
      throw error;
    }
  }

  #redact(text: string): string {
    return redact(text, [this.#clientSecret, ...this.#tokens.issued]);
  }

  #emit(event: ClientEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // An observer's bug must not fail or repeat a request.
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normaliseApiUrl(value: unknown): string {
  let url: URL | undefined;
  if (typeof value === 'string') {
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(`apiUrl: expected an absolute http(s) URL, got ${JSON.stringify(String(value))}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('apiUrl: credentials in the URL are not supported; use clientId and clientSecret');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`apiUrl: expected no query string or fragment, got ${JSON.stringify(url.href)}`);
  }
  return url.href;
}

function normaliseRetry(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) Object.assign(policy, { [key]: value });
  }
  const { attempts, baseMs, capMs, random } = policy;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`retry.attempts: expected an integer >= 1, got ${attempts}`);
  }
  if (!Number.isFinite(baseMs) || baseMs < 0)
    throw new RangeError(`retry.baseMs: expected a number >= 0, got ${baseMs}`);
  if (!Number.isFinite(capMs) || capMs < 0)
    throw new RangeError(`retry.capMs: expected a number >= 0, got ${capMs}`);
  if (typeof random !== 'function') throw new TypeError('retry.random: expected a function');
  return { attempts, baseMs, capMs, random };
}

function reasonOf(error: SakariError): string {
  if ('code' in error && typeof error.code === 'string') return error.code;
  return error.status === undefined ? 'ERR_REQUEST' : httpCode(error.status);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Words for an error answer that carried no API error: an excerpt of the body, on one line. */
function describeBody(body: string, status: number): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return `HTTP ${status} without a body`;
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}

function jsonBody(value: unknown): { text: string; contentType: string } {
  return { text: JSON.stringify(value), contentType: 'application/json' };
}

/** A payload as the API's JSON `ContactRequest`. */
function toContactRequest(contact: ContactPayload): Record<string, unknown> {
  const request: Record<string, unknown> = {
    mobile:
      contact.country === undefined
        ? { number: contact.mobile }
        : { number: contact.mobile, country: contact.country },
    tags: contact.tags.map((tag) => ({ tag })),
    attributes: contact.attributes,
  };
  if (contact.firstName !== undefined) request['firstName'] = contact.firstName;
  if (contact.lastName !== undefined) request['lastName'] = contact.lastName;
  if (contact.email !== undefined) request['email'] = contact.email;
  return request;
}

/** The single contact of an answer; a refused one becomes a {@link ContactRefusedError}. */
function storedContactOf(body: unknown): unknown {
  const contact = singleContactOf(body);
  const refusal = contactErrorOf(contact);
  if (refusal !== undefined) throw new ContactRefusedError(refusal.code, refusal.message);
  return contact;
}
