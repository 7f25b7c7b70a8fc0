/** Rate limiting (per account) and the retry/backoff policy. */
export { AccountLimiter, LimiterStoppedError, systemClock } from './limiter.js';
export type { Clock, LimiterOptions } from './limiter.js';
export { DEFAULT_RETRY, backoffDelay, parseRetryAfter } from './retry.js';
export type { RetryPolicy } from './retry.js';
