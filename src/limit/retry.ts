/**
 * Retry policy: how many times a failed request is tried and how long to wait in between.
 *
 * Exactly one layer of sakari-sync retries (the Sakari client's request loop); this module only
 * computes numbers, it never sleeps or sends anything.
 */

/** How a retryable failure (5xx, timeout, dropped connection, 429 without `Retry-After`) is retried. */
export interface RetryPolicy {
  /** Total attempts for one request, the first one included (1 = never retry). */
  attempts: number;
  /** Upper bound of the first backoff window, in ms; each later window doubles it. */
  baseMs: number;
  /** No backoff window grows beyond this many ms. */
  capMs: number;
  /** A source of uniform numbers in `[0, 1)`; replaced by a fixed function in tests. */
  random: () => number;
}

/**
 * CONTRACT §2: "retried with backoff (default 6 attempts)", "exponential backoff with full jitter
 * (base 1 s, cap 60 s)". Six attempts with a 1 s base wait at most 1+2+4+8+16 = 31 s in total,
 * which rides out a short outage or deploy without stalling a run for minutes.
 */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 6,
  baseMs: 1_000,
  capMs: 60_000,
  random: Math.random,
});

/**
 * The delay before the next try, "full jitter" style: uniform in `[0, min(cap, base * 2^attempt))`.
 * Spreading retries over the whole window keeps many clients from retrying in lock step.
 *
 * @param attempt - 0 for the wait after the first failure, 1 after the second, and so on.
 * @returns milliseconds to wait (not rounded).
 * @example backoffDelay(3, { ...DEFAULT_RETRY, random: () => 0.5 }) // 4000
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>,
): number {
  const exponent = Math.max(0, Math.floor(attempt));
  // 2 ** 1100 is Infinity, and Math.min(cap, Infinity) is cap: no overflow handling needed.
  const window = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return policy.random() * Math.max(0, window);
}

/** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, the preferred form). */
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete RFC 850 form). */
const RFC850_DATE = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
/** `Sun Nov  6 08:49:37 1994` (obsolete asctime form, always GMT). */
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;
/** Delay-seconds. RFC 9110 only allows digits; a sign or a fraction is tolerated, as servers send them. */
const DELAY_SECONDS = /^[-+]?\d+(\.\d+)?$/;

/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 *
 * @param value - the header value as received (may be absent).
 * @param nowMs - the current time in epoch ms, to turn a date into a delay.
 * @returns milliseconds to wait; `0` for a negative delay or a date in the past; `undefined` when
 *   the header is absent or unreadable (the caller then falls back to backoff).
 * @example parseRetryAfter('2', Date.now()) // 2000
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DELAY_SECONDS.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds)) return undefined;
    return Math.max(0, Math.ceil(seconds * 1000));
  }
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text) || ASCTIME_DATE.test(text)) {
    // asctime carries no zone but is defined as GMT; Date.parse would read it as local time.
    const at = Date.parse(ASCTIME_DATE.test(text) ? `${text} GMT` : text);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - nowMs);
  }
  return undefined;
}

/**
 * The longest wait a run accepts from a `Retry-After` (429), 15 minutes. Sakari limits how often
 * its API is called (requests per second or minute): the pauses that pacing asks for last seconds,
 * a minute at most. A longer one is a quota or a maintenance window, and sitting through it
 * silently holds the job's lock and a cron slot for nothing; stopping instead (exit 1, resumable)
 * with the time to come back lets the next scheduled run (typically hourly or nightly) resume
 * after it. Longer pauses are refused by the client, not waited out.
 */
export const MAX_RETRY_WAIT_MS = 15 * 60_000;

/**
 * Waits at least this long are announced on the log with their end: the progress line (every 10 s)
 * would otherwise show a run at a standstill for three lines or more without saying why.
 */
export const LONG_WAIT_NOTICE_MS = 30_000;

/**
 * A wait for people: `45 s`, `2 min 5 s`, `3 h 20 min`, `1 d 2 h` (rounded up to the second).
 *
 * @example formatWait(86_400_000) // '1 d'
 */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const index = units.findIndex(([, size]) => total >= size);
  if (index === -1) return '0 s';
  const [bigName, bigSize] = units[index]!;
  const parts = [`${Math.floor(total / bigSize)} ${bigName}`];
  const next = units[index + 1];
  if (next !== undefined) {
    const rest = Math.floor((total % bigSize) / next[1]);
    if (rest > 0) parts.push(`${rest} ${next[0]}`);
  }
  return parts.join(' ');
}

/** An instant for people, in UTC to the second: `2026-12-07T08:15:00Z`. */
export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
