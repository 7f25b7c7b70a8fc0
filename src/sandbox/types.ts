/**
 * Public types of the embedded Sakari simulator ("sandbox").
 *
 * The sandbox speaks the subset of the Sakari API described in CONTRACT §2 over real HTTP, so the
 * client, the CLI's `--sandbox` runs and every test exercise the same code path as production.
 */

import type { PaginationShape, UploadAnswerShape } from './answer-shape.js';

/** Options of {@link startSandbox}. Every field is optional; see the defaults in `options.ts`. */
export interface SandboxOptions {
  /**
   * Interface to bind.
   * @default '127.0.0.1' (never all interfaces unless asked: the sandbox accepts fixed credentials)
   */
  host?: string;
  /**
   * Port to bind; 0 picks any free port.
   * @default 0
   */
  port?: number;
  /**
   * Requests per second per account (token bucket). 0 or undefined: unlimited.
   * @default 0
   */
  rate?: number;
  /**
   * Bucket size: how many requests an idle account may send at once.
   * @default max(1, rate)
   */
  burst?: number;
  /** 0..1: share of API (non-token) requests answered 500 or 503 without applying the write. @default 0 */
  failRate?: number;
  /** 0..1: share of API (non-token) requests whose connection is destroyed without an answer. @default 0 */
  dropRate?: number;
  /** Milliseconds added before every response. @default 0 */
  latencyMs?: number;
  /** Lifetime of issued access tokens, in seconds; an expired token is answered 401 `AUTH-002`. @default 3600 */
  tokenTtlSec?: number;
  /** E.164 numbers that are refused with `CONT-010` ("requested no further communication"). @default [] */
  blocked?: string[];
  /** The only client id the token endpoint accepts. @default 'sandbox' */
  clientId?: string;
  /** The only client secret the token endpoint accepts. @default 'sandbox' */
  clientSecret?: string;
  /**
   * SQLite file holding the contacts (created when missing), so they survive a restart. Every write
   * is committed before it is answered, so a killed sandbox loses nothing it acknowledged. A JSON data
   * file of sakari-sync 0.1 at this path is converted on start (the JSON is kept as `<file>.v1.json`).
   * Without it the contacts live in a temporary database, gone on {@link Sandbox.close}.
   */
  dataFile?: string;
  /** Seeds the PRNG behind `failRate` / `dropRate`, so a run's faults are reproducible. @default random */
  seed?: number;
  /**
   * How long after a 429 left the sandbox a request to the same account is still considered "already in
   * flight" rather than a violation of the `Retry-After` it carried.
   * @default 100
   */
  retryAfterGraceMs?: number;
  /**
   * How a CSV batch upsert is answered: `full` (every row named in `contacts[]`/`errors[]`),
   * `counts-only`, `errors-without-mobile` (counts and `errors[]` naming no mobile), `bare`
   * (`{submitted}`), or one of the odder shapes a live API may use (`refusals-in-contacts`,
   * `refusals-unmarked`, `counts-as-text`, `contacts-array`, `flat-errors`; see
   * `UPLOAD_ANSWER_SHAPES` in `answer-shape.ts`). The contacts are written the same way whatever the shape.
   * @default 'full'
   */
  answerShape?: UploadAnswerShape;
  /**
   * The `pagination` object of `GET .../contacts`: `totalCount` (the spec), `hasNext` (the live
   * API's documentation), `none` (no object), or `totalCount-text` / `hasNext-text` (the value
   * as a string).
   * @default 'totalCount'
   */
  pagination?: PaginationShape;
  /**
   * The largest page `GET .../contacts` serves, 1 to 100, whatever `limit` asks for (a live API
   * may cap pages below the spec's 100): a client cannot take a short page for the last one.
   * @default 100
   */
  maxPageSize?: number;
}

/** The options that can be changed while the sandbox runs ({@link Sandbox.setOptions}). */
export type SandboxRuntimeOptions = Partial<
  Pick<
    SandboxOptions,
    | 'rate'
    | 'burst'
    | 'failRate'
    | 'dropRate'
    | 'latencyMs'
    | 'blocked'
    | 'tokenTtlSec'
    | 'answerShape'
    | 'pagination'
    | 'maxPageSize'
  >
>;

/** A running sandbox. */
export interface Sandbox {
  /**
   * Base URL without trailing slash, e.g. `http://127.0.0.1:43121`. API paths are
   * `{url}/v1/accounts/...`, the token endpoint is `{url}/oauth2/token`.
   */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** A snapshot (deep copy) of the counters and the request log. */
  stats(): SandboxStats;
  /** A snapshot (deep copy) of an account's contacts, in creation order. Unknown account: `[]`. */
  contacts(accountId: string): StoredContact[];
  /**
   * Queues faults, FIFO. Each request takes the first queued fault that matches it (see
   * {@link FaultMatch}); a fault is used once. Injected faults take precedence over random ones.
   */
  inject(...faults: Fault[]): void;
  /** Changes runtime options; invalid values throw a `RangeError` and change nothing. */
  setOptions(patch: SandboxRuntimeOptions): void;
  /** Makes every token issued so far expired: the next API call with one is answered 401 `AUTH-002`. */
  expireTokens(): void;
  /**
   * Forgets contacts, stats, queued faults, rate-limit buckets and `Retry-After` windows.
   * Issued tokens stay valid, so a client with a cached token keeps working.
   */
  reset(): void;
  /** Closes the server and every open socket, then the contact database. */
  close(): Promise<void>;
}

/**
 * A fault to inject into the next matching request.
 *
 * - `status`: answer `status` with a JSON error (`code`, default by status e.g. `RATE-001` for 429)
 *   and the optional `Retry-After` header (seconds or an HTTP date); the request is not applied.
 * - `drop`: destroy the socket without answering; the request is not applied.
 * - `delay`: apply the request, answer normally `ms` milliseconds late (for client timeouts).
 * - `garbled`: apply the request, answer 201 with a truncated (invalid) JSON body.
 * - `apply-then-fail`: apply the request, then answer `status` (a 5xx), so a retry writes twice.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; code?: string; match?: FaultMatch }
  | { kind: 'drop'; match?: FaultMatch }
  | { kind: 'delay'; ms: number; match?: FaultMatch }
  | { kind: 'garbled'; match?: FaultMatch }
  | { kind: 'apply-then-fail'; status: number; match?: FaultMatch };

/**
 * Which requests a fault applies to. Without `match` a fault applies to the next API request.
 * A fault reaches the token endpoint only when its `pathIncludes` matches `/oauth2/token`.
 */
export interface FaultMatch {
  /** HTTP method, case-insensitive (e.g. `POST`). */
  method?: string;
  /** A substring of the request target (path and query string, e.g. `/contacts?mergeStrategy=core`). */
  pathIncludes?: string;
}

/** One answered (or dropped) request. */
export interface RequestLogEntry {
  /** `Date.now()` when the request arrived. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The status sent; 0 when the connection was dropped without an answer. */
  status: number;
  /** The account named in the path, if any. */
  accountId?: string;
}

/** Counters kept since start (or the last {@link Sandbox.reset}). */
export interface SandboxStats {
  /** Every request received, token requests included. */
  requests: number;
  /** Requests other than token requests. */
  apiRequests: number;
  tokensIssued: number;
  /** 429 responses sent (rate limit, injected or repeated after a violation). */
  throttled: number;
  /**
   * Requests that arrived for an account while a `Retry-After` it had been sent was still running,
   * more than `retryAfterGraceMs` after that 429 left.
   */
  retryAfterViolations: number;
  /** Injected faults used plus random `failRate` / `dropRate` faults. */
  faultsInjected: number;
  /** account → E.164 → how many times an upsert (POST) wrote that contact (created or updated). */
  writesPerMobile: Record<string, Record<string, number>>;
  /**
   * Answered and dropped requests, in the order they were answered. Bounded (oldest entries are
   * dropped past {@link MAX_REQUEST_LOG_ENTRIES}); the counters above are not.
   */
  requestLog: RequestLogEntry[];
}

/** A contact as the sandbox stores and returns it (Sakari's `Contact` schema). */
export interface StoredContact {
  id: string;
  mobile: { number: string; country?: string };
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: Array<{ tag: string }>;
  attributes: Record<string, string>;
  /** ISO 8601; equal to `updated.at` for a contact never updated since it was created. */
  created: { at: string };
  /** ISO 8601; strictly later than `created.at` once the contact has been updated. */
  updated: { at: string };
}

/** Upper bound of {@link SandboxStats.requestLog}: enough for any test, bounded for a long `sandbox` run. */
export const MAX_REQUEST_LOG_ENTRIES = 100_000;
