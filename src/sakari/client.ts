/**
 * The Sakari API client: batch and single upserts, listing and single-contact operations for one
 * account, with tokens, rate limiting and the one retry loop of sakari-sync.
 */
import { NO_RESULT_CODE, httpCode } from '../codes.js';
import type { AccountLimiter } from '../limit/limiter.js';
import {
  DEFAULT_RETRY,
  MAX_RETRY_WAIT_MS,
  backoffDelay,
  formatInstant,
  formatWait,
  type RetryPolicy,
} from '../limit/retry.js';
import { emptyApiStats, type ApiStats, type ContactPayload, type MergeStrategy } from '../types.js';
import { contactsToCsv } from './csv.js';
import {
  SakariAuthError,
  SakariConfigError,
  SakariError,
  SakariHttpError,
  SakariTransportError,
  describeBody,
  redact,
  withoutBom,
} from './errors.js';
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
import { TOKEN_PATH, TokenSource } from './token.js';
import {
  HttpTransport,
  isRetryableStatus,
  retryAfterOf,
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

/** The hint of every message that a wrong API URL may cause. */
const CHECK_API_URL =
  "check the API URL (--api-url: the API's base URL, e.g. https://api.sakari.io, without /v1)";

export interface SakariClientOptions {
  /**
   * Absolute http(s) URL of the API, e.g. `https://api.sakari.io`. A trailing `/v1` (the spec's
   * `servers` URL) is dropped: the token endpoint is not under it, and the contacts paths carry it.
   */
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
  /**
   * What a 404 says. `account`: the account's contacts are not there, so the account id (or the
   * API URL) is wrong, a {@link SakariConfigError}. `resource`: only what was asked for is not
   * there (a contact by id; a look-up in the account an upload has just reached).
   */
  notFound: 'account' | 'resource';
  /**
   * A batch upload. Its answer is read row by row even with `success: false` when it names rows;
   * an empty answer to it (204 included) is read as one that names no row (each row is looked
   * up), and an unreadable 2xx answer sends it again at most {@link UNREADABLE_UPLOAD_REPEATS} times.
   */
  upload?: boolean;
}

/** What one request has used of its retries (see {@link SakariClient} for the rules). */
interface RetryBudget {
  /** Sends so far. */
  attempts: number;
  /** Retryable failures (5xx, 408, timeouts, dropped connections, unreadable answers). */
  failures: number;
  /** Of {@link failures}: timeouts. */
  timeouts: number;
  /** Of {@link failures}: 2xx answers that could not be read. */
  unreadable: number;
  /** 429s. */
  throttles: number;
}

/** A request's {@link RetryBudget} before its first attempt. */
function emptyBudget(): RetryBudget {
  return { attempts: 0, failures: 0, timeouts: 0, unreadable: 0, throttles: 0 };
}

/** Whose requests a 429 concerns: the account's (pause and pace shared by all) or the token endpoint's. */
type RetryScope = 'account' | 'token';

/** The slot's outcome: the exchange, or the token it could not get (already retried). */
type Exchange =
  { kind: 'sent'; token: string; response: HttpResponse } | { kind: 'no-token'; error: unknown };

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
 *   (without using up `retry.attempts`, at most {@link MAX_THROTTLED_RETRIES} times); a wait
 *   beyond {@link MAX_RETRY_WAIT_MS} is not sat through: the request fails, saying until when
 *   Sakari asks to wait. 429 without it: exponential backoff with full jitter;
 * - 5xx, 408, timeouts, dropped connections, unreadable 2xx answers: backoff, up to
 *   `retry.attempts` attempts in all (the upsert is idempotent by mobile number), and not before
 *   a 5xx's `Retry-After` (the account pauses that long, its pace unchanged); but an upload
 *   answered 2xx is sent again at most once, and not for an empty answer (see {@link upsertBatch});
 * - 401: one new token, one repeat; 403, and 404 on the account's contacts: thrown at once as
 *   {@link SakariConfigError} (the credentials' rights, the account id or the API URL are wrong);
 *   other 4xx: thrown at once as {@link SakariHttpError}.
 *
 * The token is fetched once for all the requests that need it meanwhile, with the same retries
 * (its 429s wait their own `Retry-After`, but neither pause the account nor lower its pace).
 * Every wait is the limiter's ({@link AccountLimiter.wait}): an interrupt (the first SIGINT or
 * SIGTERM) ends it, and with it the request.
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
  readonly #accountId: string;
  readonly #timeoutMs: number;
  readonly #clientSecret: string;
  readonly #limiter: AccountLimiter;
  readonly #retry: RetryPolicy;
  readonly #transport: HttpTransport;
  readonly #tokens: TokenSource;
  readonly #onEvent: ClientEventListener | undefined;
  /** The token fetch (with its retries) every caller without a fresh token waits for. */
  #tokenFetch: Promise<string> | undefined;

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
    this.#accountId = options.accountId;
    this.#timeoutMs = timeoutMs;
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
      urlOf: (path) => this.#transport.urlOf(path),
    });
  }

  /**
   * Creates or updates `contacts` in one CSV upload, matched by mobile number. Rows Sakari refuses
   * are outcomes, not exceptions: `blocked` (CONT-010) or `failed` with the API's code, also when
   * the answer says `success: false` but names the rows it refused.
   *
   * The answer decides each row when it names it or its counts tell (see {@link settleUpload});
   * only the rows it cannot tell about (counts missing, or some of the unnamed rows stored and
   * some refused, or a mix of created and updated) are looked up by mobile, one `GET` each.
   *
   * A 2xx means Sakari took the batch. An answer with no body (a 204, an empty 201) is one that
   * names no row: every row is looked up, nothing is sent again. A body that cannot be read (a
   * leading BOM is skipped) sends the batch once more ({@link UNREADABLE_UPLOAD_REPEATS}); a
   * second one is read as naming no row. A look-up that fails (a 4xx, an answer without the
   * contact) leaves its row `failed` with `NO_RESULT`, to be sent again by the next run, unless
   * the counts say the row was stored.
   *
   * @param contacts - mobiles must be unique within the batch (the outcomes are keyed by them).
   * @returns one outcome per submitted contact, keyed by its E.164 mobile.
   * @throws SakariError when the batch as a whole fails (a 4xx, or retries exhausted), or a look-up
   *   does after its retries (Sakari unreachable) or for the run's configuration.
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
        notFound: 'account',
        upload: true,
      },
      (body) => readUploadAnswer(body, contacts),
    );
    const found = new Map<string, RemoteContact | null>();
    const unchecked = new Map<string, SakariError>();
    // The limiter paces and bounds these; they are few unless the answer says almost nothing.
    await Promise.all(
      rowsToLookUp(reading).map(async (contact) => {
        try {
          found.set(contact.mobile, (await this.#findByMobile(contact.mobile, 'resource')) ?? null);
        } catch (error) {
          // Sakari took the upload: a look-up that fails for this row is not a refusal of the
          // batch (which would be split and sent again). What ends the run still does.
          if (!(error instanceof SakariError) || error.retryable || error instanceof SakariConfigError)
            throw error;
          unchecked.set(contact.mobile, error);
        }
      }),
    );
    const result = settleUpload(reading, found);
    for (const [mobile, error] of unchecked) {
      const settled = result.outcomes.get(mobile)?.status;
      if (settled === 'created' || settled === 'updated') continue; // the counts say it was stored
      result.outcomes.set(mobile, {
        status: 'failed',
        code: NO_RESULT_CODE,
        message: `Sakari accepted the upload but did not confirm this contact, and looking it up failed: ${error.message}; the next run sends it again`,
      });
    }
    return result;
  }

  /**
   * The contact whose mobile is `e164`, or `undefined`: `GET .../contacts?mobile=` (Sakari filters
   * by "mobile or part of", so the answer is narrowed to the exact number here).
   */
  async findByMobile(e164: string): Promise<RemoteContact | undefined> {
    return this.#findByMobile(e164, 'account');
  }

  async #findByMobile(e164: string, notFound: CallSpec['notFound']): Promise<RemoteContact | undefined> {
    const page = await this.#call(
      {
        method: 'GET',
        path: this.#contactsPath,
        query: { mobile: mobileFilterOf(e164), offset: '0', limit: String(MAX_PAGE_SIZE) },
        readsBody: true,
        notFound,
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
        notFound: 'account',
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
   * @param options.onWithoutMobile - told how many entries of a page were left out because they
   *   have no mobile number (a contact kept for its email, say): nothing to compare them by.
   */
  async *listContacts(
    options: { pageSize?: number; onWithoutMobile?: (count: number) => void } = {},
  ): AsyncGenerator<RemoteContact> {
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize: expected an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    let offset = 0;
    let previous: string | undefined;
    for (;;) {
      const page = await this.#call(
        {
          method: 'GET',
          path: this.#contactsPath,
          query: { offset: String(offset), limit: String(pageSize) },
          readsBody: true,
          notFound: 'account',
        },
        readContactsPage,
      );
      // Without pagination only an empty page ends a listing: a server that ignores `offset` would
      // answer the same page for ever.
      const numbers = page.contacts.map((contact) => contact.mobile.number).join(' ');
      if (numbers !== '' && numbers === previous) {
        throw new Error(
          `listing the contacts: Sakari answered offset ${offset} with the same contacts as the page before; it does not page by offset, so the listing cannot go on`,
        );
      }
      previous = numbers;
      if (page.skipped > 0) options.onWithoutMobile?.(page.skipped);
      yield* page.contacts;
      // Entries left out (no mobile) take places in the listing too.
      offset += page.contacts.length + page.skipped;
      if (!hasMorePages(page, offset)) return;
    }
  }

  /** One contact by id. @throws SakariHttpError (404) when there is none. */
  async getContact(id: string): Promise<RemoteContact> {
    return this.#call(
      { method: 'GET', path: this.#contactPath(id), readsBody: true, notFound: 'resource' },
      (body) => toRemoteContact(storedContactOf(body)),
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
        notFound: 'resource',
      },
      (body) => toRemoteContact(storedContactOf(body)),
    );
  }

  /** Deletes the contact `id`. */
  async deleteContact(id: string): Promise<void> {
    await this.#call(
      { method: 'DELETE', path: this.#contactPath(id), readsBody: false, notFound: 'resource' },
      () => undefined,
    );
  }

  #contactPath(id: string): string {
    if (id === '') throw new TypeError('contact id: expected a non-empty string');
    return `${this.#contactsPath}/${encodeURIComponent(id)}`;
  }

  /** The retry loop: the only place in sakari-sync where a request is repeated. */
  async #call<T>(spec: CallSpec, read: (body: unknown) => T): Promise<T> {
    const budget = emptyBudget();
    let reauthenticated = false;
    for (;;) {
      const result = await this.#attempt(spec, read, budget);
      budget.attempts++;
      if (result.ok) return result.value;
      const { error, reason } = result;

      if (result.refusedToken !== undefined) {
        if (reauthenticated) throw error.withAttempts(budget.attempts);
        reauthenticated = true;
        this.#tokens.invalidate(result.refusedToken);
        continue;
      }
      await this.#waitToRetry(spec, budget, reason, this.#retryDelay(spec, error, budget, 'account'));
    }
  }

  /**
   * Counts and announces the retry of `request` that the budget's last attempt calls for, then
   * waits `delayMs` under the limiter. Even a wait of 0 ends on an interrupt: after SIGTERM a
   * failed request is not sent again.
   */
  async #waitToRetry(
    request: { method: string; path: string },
    budget: RetryBudget,
    reason: string,
    delayMs: number,
  ): Promise<void> {
    this.stats.retries++;
    const { method, path } = request;
    this.#emit({ type: 'retry', method, path, attempt: budget.attempts + 1, reason, delayMs });
    await this.#limiter.wait(delayMs, `retrying ${method} ${path} (${reason})`);
  }

  /**
   * How long to wait before trying `request` again after `error`, counted in `budget`; throws the
   * error (with its attempts) when it is not to be retried. For the `account` scope a 429 with
   * `Retry-After` pauses the whole account and lowers its pace; for the `token` scope it only
   * delays this request (the token endpoint is not the account).
   */
  #retryDelay(
    request: { method: string; path: string; upload?: boolean },
    error: SakariError,
    budget: RetryBudget,
    scope: RetryScope,
  ): number {
    if (error instanceof SakariHttpError && error.status === 429) {
      this.stats.throttled++;
      budget.throttles++;
      const { retryAfterMs } = error;
      this.#emit({
        type: 'throttled',
        method: request.method,
        path: request.path,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
      if (budget.throttles > MAX_THROTTLED_RETRIES) throw error.withAttempts(budget.attempts);
      const delayMs =
        retryAfterMs === undefined
          ? backoffDelay(budget.throttles - 1, this.#retry)
          : this.#honourRetryAfter(error, retryAfterMs, budget, scope, 0);
      // After the pause (if any) is in force: the account's adaptive pace is lowered from there.
      if (scope === 'account') this.#limiter.throttled();
      return delayMs;
    }
    if (!error.retryable) throw error.withAttempts(budget.attempts);
    budget.failures++;
    if (error instanceof SakariTransportError && error.code === TIMEOUT_CODE) budget.timeouts++;
    if (error instanceof SakariHttpError && error.status < 300) budget.unreadable++;
    if (budget.failures >= this.#retry.attempts) {
      throw error.withAttempts(budget.attempts, this.#timeoutAdvice(request, budget));
    }
    const delayMs = backoffDelay(budget.failures - 1, this.#retry);
    if (!(error instanceof SakariHttpError) || error.retryAfterMs === undefined) return delayMs;
    // A server error that says when to come back (a 503 in maintenance, an overloaded gateway):
    // not before then; the backoff still applies when it is longer. Not a rate limit: the pace
    // is left as it is.
    return this.#honourRetryAfter(error, error.retryAfterMs, budget, scope, delayMs);
  }

  /**
   * Honours a `Retry-After` (a 429's or a 5xx's): beyond {@link MAX_RETRY_WAIT_MS} the request
   * fails, saying until when; on the token endpoint it delays this request only; on the account
   * the limiter holds back every request to it, this one included, that long. Returns this
   * request's own delay: `delayMs`, or for a token request at least the wait asked for.
   */
  #honourRetryAfter(
    error: SakariHttpError,
    retryAfterMs: number,
    budget: RetryBudget,
    scope: RetryScope,
    delayMs: number,
  ): number {
    if (retryAfterMs > MAX_RETRY_WAIT_MS) throw tooLongWait(error, retryAfterMs, budget.attempts);
    if (scope === 'token') return Math.max(delayMs, retryAfterMs);
    this.#limiter.pauseUntil(Date.now() + retryAfterMs);
    return delayMs;
  }

  /**
   * What to say when a request that timed out is given up: an upload may have been stored
   * meanwhile, and `--timeout` / `--batch-size` are what to change if Sakari is only slow.
   */
  #timeoutAdvice(request: { method: string; upload?: boolean }, budget: RetryBudget): string | undefined {
    if (budget.timeouts === 0) return undefined;
    const tries =
      budget.timeouts === budget.attempts
        ? 'every try'
        : `${budget.timeouts} of the ${budget.attempts} tries`;
    const slow = `${tries} took longer than the ${formatWait(this.#timeoutMs)} timeout`;
    if (request.upload) {
      return (
        `${slow}, so Sakari may have stored the batch anyway (sending it again is harmless: contacts ` +
        'are matched by mobile number); if Sakari is slow rather than down, raise --timeout or lower --batch-size'
      );
    }
    const stored = request.method === 'GET' ? '' : ', so Sakari may have done it anyway';
    return `${slow}${stored}; if Sakari is slow rather than down, raise --timeout`;
  }

  /**
   * A token for the next request: the cached one while fresh, else one fetch, retried like any
   * request, that every caller needing a token meanwhile shares (so `retry.attempts` bounds the
   * token requests however many batches are in flight).
   */
  async #token(): Promise<string> {
    const fresh = this.#tokens.fresh();
    if (fresh !== undefined) return fresh;
    this.#tokenFetch ??= this.#fetchToken().finally(() => {
      this.#tokenFetch = undefined;
    });
    return this.#tokenFetch;
  }

  async #fetchToken(): Promise<string> {
    const budget = emptyBudget();
    const request = { method: 'POST', path: TOKEN_PATH } as const;
    for (;;) {
      try {
        return await this.#tokens.get();
      } catch (error) {
        budget.attempts++;
        if (!(error instanceof SakariError)) throw error;
        const delayMs = this.#retryDelay(request, error, budget, 'token');
        await this.#waitToRetry(request, budget, reasonOf(error), delayMs);
      }
    }
  }

  /** One try: a token, a slot from the limiter, one exchange, and a verdict on the answer. */
  async #attempt<T>(
    spec: CallSpec,
    read: (body: unknown) => T,
    budget: RetryBudget,
  ): Promise<AttemptResult<T>> {
    // The token is fetched before taking a slot: a token request inside the slot would delay
    // this request and squeeze it against the next one, defeating the limiter's even spacing.
    // The token endpoint is not an account endpoint, so it is not paced per account. A token
    // that cannot be had has been retried already: its error ends the call.
    await this.#token();
    let exchange: Exchange;
    try {
      exchange = await this.#limiter.schedule(async (): Promise<Exchange> => {
        // Normally the cached token, at once; a new one only if it went stale while queued.
        let token: string;
        try {
          token = await this.#token();
        } catch (error) {
          return { kind: 'no-token', error };
        }
        const headers: Record<string, string> = {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        };
        if (spec.body !== undefined) headers['content-type'] = spec.body.contentType;
        const request: HttpRequest = { method: spec.method, path: spec.path, headers };
        if (spec.query !== undefined) request.query = spec.query;
        if (spec.body !== undefined) request.body = spec.body.text;
        return { kind: 'sent', token, response: await this.#send(request) };
      });
    } catch (error) {
      if (!(error instanceof SakariError)) throw error;
      return { ok: false, error, reason: reasonOf(error) };
    }
    if (exchange.kind === 'no-token') throw exchange.error;
    return this.#judge(spec, exchange.response, exchange.token, read, budget);
  }

  #judge<T>(
    spec: CallSpec,
    response: HttpResponse,
    token: string,
    read: (body: unknown) => T,
    budget: RetryBudget,
  ): AttemptResult<T> {
    const { status } = response;
    const facts = { method: spec.method, path: spec.path, status };

    if (status >= 200 && status < 300) {
      if (!spec.readsBody) return { ok: true, value: read(undefined) };
      const text = withoutBom(response.body);
      // Sakari took the upload without a word about it: an answer that names no row.
      if (spec.upload && (status === 204 || text.trim() === '')) return this.#read(facts, undefined, read);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (parseError) {
        // Sakari took the upload and what it said cannot be read: sent again at most so often
        // (see upsertBatch), or when no retry is left, then read as an answer naming no row.
        const lastTry =
          budget.unreadable >= UNREADABLE_UPLOAD_REPEATS || budget.failures + 1 >= this.#retry.attempts;
        if (spec.upload && lastTry) return this.#read(facts, undefined, read);
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
      // `success: false` refuses the request as a whole, unless an upload's answer names the rows
      // it refused: then each row is read (a CONT-010 row is `blocked`, not failed and sent again).
      if (isObject(body) && body['success'] === false && !(spec.upload && namesRows(body))) {
        const apiError = apiErrorOf(body);
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
      return this.#read(facts, body, read);
    }

    const apiError = apiErrorOf(parseJsonOrUndefined(withoutBom(response.body)));
    // Redacted before it is cut: a token straddling the cut would keep its first characters.
    const detail =
      apiError.message === undefined
        ? describeBody(this.#redact(response.body), status)
        : this.#redact(apiError.message);
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
    const url = this.#transport.urlOf(spec.path);
    if (status === 403) {
      const advice =
        `Sakari refused access to account ${JSON.stringify(this.#accountId)}: check that these API credentials ` +
        'have the rights to use it (a firewall or proxy in front of Sakari may also answer 403)';
      const error = new SakariConfigError({ ...facts, ...apiCode, url, detail: `${detail}; ${advice}` });
      return { ok: false, reason, error };
    }
    if (status === 404 && spec.notFound === 'account') {
      // An API error code: Sakari answered, the account is unknown. Anything else (a web server's
      // "Cannot POST") may as well be a wrong API URL.
      const check =
        apiError.code === undefined
          ? `${CHECK_API_URL} and the account id (--account)`
          : `check the account id (--account ${JSON.stringify(this.#accountId)}); if it is right, ${CHECK_API_URL}`;
      const error = new SakariConfigError({ ...facts, ...apiCode, url, detail: `${detail}; ${check}` });
      return { ok: false, reason, error };
    }
    const retryable = isRetryableStatus(status);
    const retryAfterMs = retryAfterOf(response, Date.now());
    const error = new SakariHttpError({
      ...facts,
      ...apiCode,
      detail,
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    return { ok: false, reason, error };
  }

  /** `read` applied to a 2xx answer's body; a reader's verdict on it becomes a failed attempt. */
  #read<T>(
    facts: { method: string; path: string; status: number },
    body: unknown,
    read: (body: unknown) => T,
  ): AttemptResult<T> {
    try {
      return { ok: true, value: read(body) };
    } catch (readError) {
      const reason = httpCode(facts.status);
      if (readError instanceof ContactRefusedError) {
        const error = new SakariHttpError({
          ...facts,
          apiCode: readError.code,
          detail: this.#redact(readError.message),
        });
        return { ok: false, reason, error };
      }
      if (readError instanceof MalformedResponseError) {
        const error = new SakariHttpError({ ...facts, detail: `unexpected answer: ${readError.message}` });
        return { ok: false, reason, error };
      }
      throw readError;
    }
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

/** Whether a `success: false` answer to an upload names rows (`data.errors[]`, `data.contacts[]`, `data: [...]`). */
function namesRows(body: Record<string, unknown>): boolean {
  const data = body['data'];
  if (Array.isArray(data)) return data.length > 0;
  if (!isObject(data)) return false;
  return ['errors', 'contacts'].some((key) => {
    const entries = data[key];
    return Array.isArray(entries) && entries.length > 0;
  });
}

/**
 * How often an upload answered 2xx with a body that cannot be read is sent again: once. A body
 * garbled once (cut short, mangled on the way) is usually readable the second time, and one
 * repeat of the idempotent upsert costs one request where looking every row up costs one each.
 * A server that answers unreadably twice does so every time: further repeats would only write
 * every contact again (six times, then an aborted run, on every run), so the look-ups decide.
 */
const UNREADABLE_UPLOAD_REPEATS = 1;

/** got's code for a request that ran past its timeout. */
const TIMEOUT_CODE = 'ETIMEDOUT';

/**
 * A 429 (or 5xx) whose `Retry-After` is beyond {@link MAX_RETRY_WAIT_MS}: the request fails (retryable: the
 * run aborts, resumable) with the time to come back, instead of a silent wait of hours.
 */
function tooLongWait(error: SakariHttpError, retryAfterMs: number, attempts: number): SakariHttpError {
  return new SakariHttpError({
    method: error.method,
    path: error.path,
    status: error.status,
    ...(error.apiCode === undefined ? {} : { apiCode: error.apiCode }),
    detail:
      `Sakari asks to wait ${formatWait(retryAfterMs)} (until ${formatInstant(Date.now() + retryAfterMs)}), ` +
      `longer than a run waits (${formatWait(MAX_RETRY_WAIT_MS)})`,
    retryable: true,
    retryAfterMs,
    attempts,
  });
}

/**
 * The API URL as requests are built on it. A trailing `/v1` is dropped: it is the spec's own
 * `servers` URL (`https://api.sakari.io/v1`), the likeliest value to be pasted, and it has one
 * meaning, since the token endpoint is at `{api}/oauth2/token` (the spec's examples) and every
 * contacts path carries `/v1` itself. Kept, it gives `/v1/oauth2/token`, a 404; refusing it would
 * stop a cron job for a spelling whose intent is plain.
 */
export function normaliseApiUrl(value: unknown): string {
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
  url.pathname = url.pathname.replace(/\/v1\/?$/i, '') || '/';
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
