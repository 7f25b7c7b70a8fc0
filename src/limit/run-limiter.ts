/**
 * The one way a run gets the limiter of the Sakari account it talks to: `import`, `run`, `watch`,
 * `reconcile` (and `--verify`, `--fix`) all call {@link createRunLimiter}, so every process of an
 * account shares the same rate and the same `Retry-After` pauses whenever a Redis URL is given.
 */
import { LimiterConnectionError, parseRedisUrl, redactRedisUrl } from './cluster.js';
import { createAccountLimiter, type AccountLimiter } from './limiter.js';

/** What of a run's resolved settings shapes its limiter (a subset of `ImportSettings`). */
export interface RunLimitSettings {
  /** Requests per second for the account (all workers together when `redisUrl` is set). */
  rate: number;
  /** Requests in flight at once in this process. */
  concurrency: number;
  /** `--redis-url` / `SAKARI_SYNC_REDIS_URL`: share the limit through this Redis. */
  redisUrl?: string;
  /** `--fixed-rate`: keep to `rate` instead of adapting the pace below it. */
  fixedRate?: boolean;
  /** The pace to start at (the account's remembered one); `rate` when absent. */
  startRate?: number;
}

/**
 * Creates the account's limiter for a run and waits until it is ready: clustered through Redis
 * when `settings.redisUrl` is set, local otherwise.
 *
 * @param onWarning - told, in words for the log, what the operator should know mid-run: Redis
 *   failing (once; the limit is then local), and every long wait (a `Retry-After` pause of 30 s or
 *   more, how long and until when)
 * @throws LimiterConnectionError when the Redis URL is not a redis:// URL or Redis cannot be
 *   reached at start (a configuration error, CONTRACT §6 exit 2); the message never holds the
 *   URL's password.
 */
export async function createRunLimiter(
  settings: RunLimitSettings,
  accountId: string,
  onWarning?: (message: string) => void,
): Promise<AccountLimiter> {
  // Empty (e.g. `SAKARI_SYNC_REDIS_URL=`) means no Redis, as unset does.
  const redisUrl = settings.redisUrl || undefined;
  if (redisUrl !== undefined) {
    try {
      parseRedisUrl(redisUrl);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new LimiterConnectionError(redactRedisUrl(redisUrl), reason);
    }
  }
  return createAccountLimiter({
    rate: settings.rate,
    fixedRate: settings.fixedRate,
    startRate: settings.startRate,
    maxConcurrent: settings.concurrency,
    redis: redisUrl !== undefined ? { url: redisUrl, accountId, onFallback: onWarning } : undefined,
    onNotice: onWarning,
  });
}
