import {
  PAGINATION_SHAPES,
  UPLOAD_ANSWER_SHAPES,
  type PaginationShape,
  type UploadAnswerShape,
} from './answer-shape.js';
import type { SandboxOptions, SandboxRuntimeOptions } from './types.js';

/** Loopback only: the sandbox accepts well-known credentials, it must not be reachable from the network. */
export const DEFAULT_HOST = '127.0.0.1';
/** Any free port, so parallel tests never collide. */
export const DEFAULT_PORT = 0;
/** One hour, like a typical OAuth2 client-credentials token. */
export const DEFAULT_TOKEN_TTL_SEC = 3600;
/** The CLI documents `sandbox`/`sandbox` as the credentials that need no account. */
export const DEFAULT_CLIENT_ID = 'sandbox';
export const DEFAULT_CLIENT_SECRET = 'sandbox';
/**
 * A client sending several requests at once cannot take back the ones already on the wire when a 429
 * leaves; 100 ms covers loopback round trips with room to spare without hiding real violations.
 */
export const DEFAULT_RETRY_AFTER_GRACE_MS = 100;
/** The spec's largest `limit` for a page of contacts. */
export const MAX_PAGE_SIZE = 100;

/** Options after defaults and validation: what the server works with. */
export interface NormalisedOptions {
  host: string;
  port: number;
  /** 0 = unlimited. */
  rate: number;
  burst: number;
  /** Whether `burst` was given, rather than derived from `rate`. */
  burstExplicit: boolean;
  failRate: number;
  dropRate: number;
  latencyMs: number;
  tokenTtlSec: number;
  blocked: Set<string>;
  clientId: string;
  clientSecret: string;
  dataFile: string | undefined;
  seed: number | undefined;
  retryAfterGraceMs: number;
  answerShape: UploadAnswerShape;
  pagination: PaginationShape;
  /** 1..{@link MAX_PAGE_SIZE}. */
  maxPageSize: number;
}

function check(condition: boolean, option: string, value: unknown, expected: string): void {
  if (!condition) {
    throw new RangeError(`sandbox option ${option}: expected ${expected}, got ${JSON.stringify(value)}`);
  }
}

function nonNegative(option: string, value: number): number {
  check(Number.isFinite(value) && value >= 0, option, value, 'a finite number >= 0');
  return value;
}

function probability(option: string, value: number): number {
  check(Number.isFinite(value) && value >= 0 && value <= 1, option, value, 'a number between 0 and 1');
  return value;
}

function oneOf<T extends string>(option: string, value: T, allowed: readonly T[]): T {
  check(allowed.includes(value), option, value, `one of ${allowed.join(', ')}`);
  return value;
}

/** The bucket size used when none is given: one second's worth of requests, and at least one. */
export function defaultBurst(rate: number): number {
  return Math.max(1, rate);
}

/**
 * Applies defaults and validates every option at once, throwing a `RangeError` naming the first bad
 * one. Inner code receives only normalised values.
 */
export function normaliseOptions(options: SandboxOptions = {}): NormalisedOptions {
  const port = options.port ?? DEFAULT_PORT;
  check(Number.isInteger(port) && port >= 0 && port <= 65535, 'port', port, 'an integer 0..65535');
  const host = options.host ?? DEFAULT_HOST;
  check(host.length > 0, 'host', host, 'a host name or address');
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  check(clientId.length > 0, 'clientId', clientId, 'a non-empty string');
  // The secret's value is never echoed, even in an option error.
  check(clientSecret.length > 0, 'clientSecret', '(hidden)', 'a non-empty string');
  if (options.seed !== undefined) check(Number.isFinite(options.seed), 'seed', options.seed, 'a number');
  const base: NormalisedOptions = {
    host,
    port,
    rate: 0,
    burst: 1,
    burstExplicit: false,
    failRate: 0,
    dropRate: 0,
    latencyMs: 0,
    tokenTtlSec: DEFAULT_TOKEN_TTL_SEC,
    blocked: new Set(),
    clientId,
    clientSecret,
    dataFile: options.dataFile,
    seed: options.seed,
    retryAfterGraceMs: nonNegative(
      'retryAfterGraceMs',
      options.retryAfterGraceMs ?? DEFAULT_RETRY_AFTER_GRACE_MS,
    ),
    answerShape: 'full',
    pagination: 'totalCount',
    maxPageSize: MAX_PAGE_SIZE,
  };
  return applyRuntimeOptions(base, options);
}

/**
 * Returns a copy of `current` with the runtime options of `patch` applied and validated; `current`
 * is not modified, so a bad patch changes nothing.
 */
export function applyRuntimeOptions(
  current: NormalisedOptions,
  patch: SandboxRuntimeOptions,
): NormalisedOptions {
  const next: NormalisedOptions = { ...current, blocked: new Set(current.blocked) };
  if (patch.rate !== undefined) next.rate = nonNegative('rate', patch.rate);
  if (patch.burst !== undefined) {
    check(Number.isFinite(patch.burst) && patch.burst >= 1, 'burst', patch.burst, 'a number >= 1');
    next.burst = patch.burst;
    next.burstExplicit = true;
  }
  if (!next.burstExplicit) next.burst = defaultBurst(next.rate);
  if (patch.failRate !== undefined) next.failRate = probability('failRate', patch.failRate);
  if (patch.dropRate !== undefined) next.dropRate = probability('dropRate', patch.dropRate);
  if (patch.latencyMs !== undefined) next.latencyMs = nonNegative('latencyMs', patch.latencyMs);
  if (patch.tokenTtlSec !== undefined) {
    check(
      Number.isFinite(patch.tokenTtlSec) && patch.tokenTtlSec > 0,
      'tokenTtlSec',
      patch.tokenTtlSec,
      'a number > 0',
    );
    next.tokenTtlSec = patch.tokenTtlSec;
  }
  if (patch.blocked !== undefined) {
    check(Array.isArray(patch.blocked), 'blocked', patch.blocked, 'an array of E.164 numbers');
    next.blocked = new Set(patch.blocked.map((mobile) => mobile.trim()));
  }
  if (patch.answerShape !== undefined)
    next.answerShape = oneOf('answerShape', patch.answerShape, UPLOAD_ANSWER_SHAPES);
  if (patch.pagination !== undefined)
    next.pagination = oneOf('pagination', patch.pagination, PAGINATION_SHAPES);
  if (patch.maxPageSize !== undefined) {
    const size = patch.maxPageSize;
    check(
      Number.isInteger(size) && size >= 1 && size <= MAX_PAGE_SIZE,
      'maxPageSize',
      size,
      `an integer 1..${MAX_PAGE_SIZE}`,
    );
    next.maxPageSize = size;
  }
  return next;
}
