/** Rate limiting (per account, optionally shared through Redis) and the retry/backoff policy. */
export {
  AccountLimiter,
  FALLBACK_RATE_DIVISOR,
  LimiterStoppedError,
  createAccountLimiter,
  systemClock,
} from './limiter.js';
export type { Clock, LimiterMode, LimiterOptions, RedisLimiterOptions } from './limiter.js';
export {
  CLUSTER_JOB_EXPIRATION_MS,
  CLUSTER_STATE_TTL_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  LimiterConnectionError,
  redactRedisUrl,
} from './cluster.js';
export { createRunLimiter, type RunLimitSettings } from './run-limiter.js';
export {
  DEFAULT_RETRY,
  LONG_WAIT_NOTICE_MS,
  MAX_RETRY_WAIT_MS,
  backoffDelay,
  formatInstant,
  formatWait,
  parseRetryAfter,
} from './retry.js';
export {
  WaitInterruptedError,
  interruptWaits,
  resetWaitInterrupt,
  waitInterruptSignal,
} from './interrupt.js';
export type { RetryPolicy } from './retry.js';
export { AdaptivePace } from './pace.js';
export type { PaceOptions, PacePoint, PaceSummary } from './pace.js';
