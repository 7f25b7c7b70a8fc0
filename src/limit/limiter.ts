/**
 * Per-account rate limiter. The only module of sakari-sync that imports bottleneck.
 *
 * "How many per second" lives here; "how many at once" across batches is the pipeline's concern
 * (p-limit), and retrying is the Sakari client's.
 */
import Bottleneck from 'bottleneck';

/** How fast one account may be called. */
export interface LimiterOptions {
  /** Requests per second for the account; `0` means unlimited. */
  rate: number;
  /** Requests in flight at the same time (at least 1). */
  maxConcurrent: number;
}

/** Time as the limiter sees it; injectable so tests can control waits. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** setTimeout takes a signed 32-bit delay; longer ones fire at once. Longer sleeps are chunked. */
const MAX_TIMER_MS = 2_147_483_647;

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(MAX_TIMER_MS, Math.max(0, ms)))),
};

/**
 * Jobs coming back from a `Retry-After` pause jump ahead of jobs that have not been tried yet,
 * so a long pause does not reorder the work (bottleneck: 0 is the highest priority, 5 the default).
 */
const RESUMED_PRIORITY = 4;

/** Thrown by {@link AccountLimiter.schedule} once the limiter has been stopped. */
export class LimiterStoppedError extends Error {
  override name = 'LimiterStoppedError';
  constructor() {
    super('The account limiter has been stopped; no more requests are accepted');
  }
}

/** Returned by a job that found a pause in force: it did not run, and must be scheduled again. */
const PAUSED: unique symbol = Symbol('paused');

/**
 * Validates the options and builds the Bottleneck for one account. The one place where bottleneck
 * is configured: Redis clustering (`datastore: 'ioredis'`, `id: account`) gets added here.
 */
function createBottleneck(options: LimiterOptions): Bottleneck {
  const { rate, maxConcurrent } = options;
  if (!Number.isFinite(rate) || rate < 0) {
    throw new RangeError(`limiter rate: expected a number of requests per second >= 0, got ${rate}`);
  }
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`limiter maxConcurrent: expected an integer >= 1, got ${maxConcurrent}`);
  }
  return new Bottleneck({ minTime: minTimeFor(rate), maxConcurrent });
}

/**
 * Evenly spaced starts rather than bursts: a server-side token bucket of the same rate then never
 * runs dry, whatever its burst size. ceil() errs on the slow side.
 */
function minTimeFor(rate: number): number {
  return rate === 0 ? 0 : Math.ceil(1000 / rate);
}

/**
 * Paces the requests to one Sakari account: starts are spaced by `1000 / rate` ms, at most
 * `maxConcurrent` run at once, and nothing starts while a `Retry-After` pause is in force.
 *
 * @example
 * const limiter = new AccountLimiter({ rate: 5, maxConcurrent: 2 });
 * const answer = await limiter.schedule(() => got.post(url));
 * await limiter.stop();
 */
export class AccountLimiter {
  readonly #bottleneck: Bottleneck;
  readonly #clock: Clock;
  readonly #minTime: number;
  /** When the last job actually started (clock ms). */
  #lastStart = Number.NEGATIVE_INFINITY;
  #pausedUntil = 0;
  #stopped = false;

  /**
   * @param options - rate (requests/s, `0` = unlimited) and concurrency; invalid values throw a RangeError.
   * @param clock - time source for the pause gate; defaults to the wall clock.
   */
  constructor(options: LimiterOptions, clock: Clock = systemClock) {
    this.#bottleneck = createBottleneck(options);
    this.#minTime = minTimeFor(options.rate);
    this.#clock = clock;
  }

  /** Epoch ms before which nothing is sent (0 when no pause was ever requested). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * Runs `fn` when the rate allows it, and never while a pause is in force. The pause is checked
   * right before `fn` starts: a job that meets a pause gives its slot back, waits the pause out
   * and queues again, so the jobs released after a pause are spaced like any others instead of
   * bursting.
   *
   * @returns what `fn` returns; rejects with what `fn` throws, or a {@link LimiterStoppedError}
   *   once {@link stop} has been called.
   */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    let priority: number | undefined;
    for (;;) {
      if (this.#stopped) throw new LimiterStoppedError();
      const job = async (): Promise<T | typeof PAUSED> => {
        await this.#keepSpacing();
        if (this.#isPaused()) return PAUSED;
        this.#lastStart = this.#clock.now();
        return fn();
      };
      const result = await (priority === undefined
        ? this.#bottleneck.schedule(job)
        : this.#bottleneck.schedule({ priority }, job));
      if (result !== PAUSED) return result;
      await this.#waitOutPause();
      priority = RESUMED_PRIORITY;
    }
  }

  /**
   * Sends nothing more until `epochMs` (a `Retry-After` from the server). Extends a pause in
   * force, never shortens it. Requests already in flight are not affected.
   */
  pauseUntil(epochMs: number): void {
    if (Number.isNaN(epochMs)) return;
    if (epochMs > this.#pausedUntil) this.#pausedUntil = epochMs;
  }

  /**
   * Stops accepting jobs and resolves once the jobs already started or queued have finished.
   * Jobs waiting out a pause reject with {@link LimiterStoppedError} when their pause ends.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#bottleneck.stop({ dropWaitingJobs: false });
  }

  #isPaused(): boolean {
    return this.#clock.now() < this.#pausedUntil;
  }

  /**
   * Bottleneck computes start times when a job is queued and releases it with setTimeout; a timer
   * that fires late followed by one that fires on time would start two jobs closer than minTime.
   * This guard measures the starts that really happened.
   */
  async #keepSpacing(): Promise<void> {
    for (;;) {
      const wait = this.#lastStart + this.#minTime - this.#clock.now();
      if (wait <= 0) return;
      await this.#clock.sleep(wait);
    }
  }

  async #waitOutPause(): Promise<void> {
    // Loop: the pause may be extended while we sleep, and long sleeps are chunked by the clock.
    while (this.#isPaused()) {
      await this.#clock.sleep(this.#pausedUntil - this.#clock.now());
    }
  }
}
