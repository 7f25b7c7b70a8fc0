/**
 * Per-account throttling: a token bucket for the rate limit, and the `Retry-After` windows that let the
 * sandbox tell a client that honours 429s from one that does not.
 */

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms since epoch). */
  updatedAt: number;
}

/** A `Retry-After` the sandbox sent: nothing should arrive for the account in [sentAt, until). */
interface RetryWindow {
  sentAt: number;
  until: number;
}

/** Whole seconds, at least one: the form `Retry-After` takes when the sandbox computes it. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Reads a `Retry-After` value (delay in seconds or an HTTP date) into the instant it ends, or
 * `undefined` when it is neither.
 */
export function retryAfterUntil(value: string, sentAt: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return sentAt + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date;
}

/** Token buckets and `Retry-After` windows, per account. */
export class Throttle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #windows = new Map<string, RetryWindow[]>();

  /**
   * @param limits - read on every call, so option changes apply at once. `rate` 0 is unlimited;
   *   requests arriving within `graceMs` after a 429 left were already in flight: no violation.
   */
  constructor(private readonly limits: () => { rate: number; burst: number; graceMs: number }) {}

  /**
   * Whether a request that arrived at `at` for `accountId` violates a running `Retry-After`: it
   * arrived inside a window [sentAt, until) and later than `sentAt + graceMs`. Returns the whole
   * seconds left of the longest such window (at least 1), or `undefined` when there is no violation.
   */
  violation(accountId: string, at: number): number | undefined {
    const remaining = this.#violatedWindowRemaining(accountId, at);
    return remaining === undefined ? undefined : retryAfterSeconds(remaining);
  }

  /**
   * Takes a token from the account's bucket. Returns `undefined` when the request may proceed, else
   * the whole seconds until a token is available (at least 1), for `Retry-After`.
   */
  take(accountId: string, at: number): number | undefined {
    const { rate, burst } = this.limits();
    if (rate <= 0) return undefined;
    const bucket = this.#buckets.get(accountId) ?? { tokens: burst, updatedAt: at };
    // The wall clock may be set back (or faked in tests): never refill negatively.
    const elapsedMs = Math.max(0, at - bucket.updatedAt);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * rate) / 1000);
    bucket.updatedAt = Math.max(bucket.updatedAt, at);
    this.#buckets.set(accountId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return retryAfterSeconds(((1 - bucket.tokens) * 1000) / rate);
  }

  /** Records a 429 with `Retry-After` that left at `sentAt` and runs until `until`. */
  recordWindow(accountId: string, sentAt: number, until: number): void {
    if (until <= sentAt) return;
    const windows = (this.#windows.get(accountId) ?? []).filter((window) => window.until > sentAt);
    windows.push({ sentAt, until });
    this.#windows.set(accountId, windows);
  }

  /** Forgets buckets (they restart full) after a change of rate or burst. */
  resetBuckets(): void {
    this.#buckets.clear();
  }

  /** Forgets buckets and windows. */
  reset(): void {
    this.#buckets.clear();
    this.#windows.clear();
  }

  /** Milliseconds left of the longest window the request at `at` violates, if any. */
  #violatedWindowRemaining(accountId: string, at: number): number | undefined {
    const windows = this.#windows.get(accountId);
    if (windows === undefined) return undefined;
    const { graceMs } = this.limits();
    let remaining: number | undefined;
    for (const window of windows) {
      // "Later than" the grace period: a request arriving exactly at its end was still in flight.
      if (at > window.sentAt + graceMs && at < window.until) {
        const left = window.until - at;
        remaining = remaining === undefined ? left : Math.max(remaining, left);
      }
    }
    const running = windows.filter((window) => window.until > at);
    if (running.length === 0) this.#windows.delete(accountId);
    else if (running.length < windows.length) this.#windows.set(accountId, running);
    return remaining;
  }
}
