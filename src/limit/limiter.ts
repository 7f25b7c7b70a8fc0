/**
 * Per-account rate limiter. The only part of sakari-sync that imports bottleneck (with its Redis
 * side, `cluster.ts`).
 *
 * "How many per second" lives here; "how many at once" across batches is the pipeline's concern
 * (p-limit), and retrying is the Sakari client's.
 */
import Bottleneck from 'bottleneck';
import { CLUSTER_JOB_EXPIRATION_MS, DEFAULT_CONNECT_TIMEOUT_MS, RedisLink, SlotTicket } from './cluster.js';
import { WaitInterruptedError, waitInterruptSignal } from './interrupt.js';
import { AdaptivePace, type PacePoint, type PaceSummary } from './pace.js';
import { LONG_WAIT_NOTICE_MS, formatInstant, formatWait } from './retry.js';

/** Sharing one account's rate limit with every process (on any machine) that uses the same Redis. */
export interface RedisLimiterOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). The password is never shown. */
  url: string;
  /** The Sakari account: the workers of one account share one rate and one `Retry-After` pause. */
  accountId: string;
  /**
   * Told once, in words meant for the log, when Redis fails mid-run and the limiter falls back to
   * a conservative local limit ({@link FALLBACK_RATE_DIVISOR}). Not called for a failure at start:
   * that is a {@link LimiterConnectionError} from {@link AccountLimiter.ready}.
   */
  onFallback?: (reason: string) => void;
  /** How long connecting at start may take. @default 2000 */
  connectTimeoutMs?: number;
}

/** How fast one account may be called. */
export interface LimiterOptions {
  /**
   * Requests per second for the account, all workers together when `redis` is set; `0` means
   * unlimited. The ceiling of the adaptive pace, or the pace itself with `fixedRate`.
   */
  rate: number;
  /**
   * Keep to `rate` instead of adapting the pace to the server's 429s (issue 18). @default false
   */
  fixedRate?: boolean;
  /** Where the adaptive pace starts (the pace remembered for the account); `rate` when absent. */
  startRate?: number;
  /** Requests in flight at the same time in this process (at least 1); not shared through Redis. */
  maxConcurrent: number;
  /** Share `rate` and `Retry-After` pauses with other processes through Redis (Bottleneck clustering). */
  redis?: RedisLimiterOptions;
  /**
   * Ends the waits in progress ({@link AccountLimiter.schedule} in a pause, {@link AccountLimiter.wait})
   * when aborted. Whatever it is, the process-wide switch of `interrupt.ts` (flipped by the CLI on
   * the first SIGINT/SIGTERM) is heard too.
   */
  interrupt?: AbortSignal;
  /**
   * Told, in words meant for the log, of every wait of {@link LONG_WAIT_NOTICE_MS} or more: how
   * long and until when (a `Retry-After` pause, a long backoff).
   */
  onNotice?: (message: string) => void;
}

/**
 * `local`: this process alone. `clustered`: rate and pauses shared through Redis. `fallback`: Redis
 * failed mid-run; this process now keeps to a conservative local limit until it stops.
 */
export type LimiterMode = 'local' | 'clustered' | 'fallback';

/**
 * After Redis fails mid-run, each worker keeps to `rate / 4` on its own: every worker of the
 * cluster falls back at about the same time, and up to 4 of them together then stay within `rate`
 * (with more workers than that, the sum can exceed it; the server's 429s are still honoured).
 */
export const FALLBACK_RATE_DIVISOR = 4;

/** Time as the limiter sees it; injectable so tests can control waits. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds, or as soon as `signal` aborts (never rejects); the caller
   * checks the signal. A clock may ignore `signal` if its sleeps do not really wait.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout takes a signed 32-bit delay; longer ones fire at once. Longer sleeps are chunked. */
const MAX_TIMER_MS = 2_147_483_647;

/** The wall clock. A sleep cut short by its signal clears its timer: nothing keeps the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Jobs coming back from a `Retry-After` pause jump ahead of jobs that have not been tried yet,
 * so a long pause does not reorder the work (bottleneck: 0 is the highest priority, 5 the default).
 */
const RESUMED_PRIORITY = 4;

/**
 * Long-wait notices of pauses ending within this much of one already announced are not repeated:
 * the 429s of the requests in flight together ask for about the same pause.
 */
const NOTICE_TOLERANCE_MS = 1_000;

/** What an interrupted request that was waiting for its turn at the pace says. */
const NOT_SENT_WAITING = 'not sent: the request was waiting for its turn';

/** Thrown by {@link AccountLimiter.schedule} once the limiter has been stopped. */
export class LimiterStoppedError extends Error {
  override name = 'LimiterStoppedError';
  constructor() {
    super('The account limiter has been stopped; no more requests are accepted');
  }
}

/** Returned by a job that found a pause in force: it did not run, and must be scheduled again. */
const PAUSED: unique symbol = Symbol('paused');
/** Returned by a clustered job released too late after its slot: it did not run, and queues again. */
const LATE: unique symbol = Symbol('late');

/**
 * A clustered job released more than half a slot (at least 10 ms) after its slot gives the slot
 * up and queues again, rather than start right before the next worker's punctual request (two
 * starts closer than the server's burst allows would be a 429 and a pause for everyone). Releases
 * are normally a few ms late; tens of ms happen on an overloaded machine.
 */
const MIN_LATE_TOLERANCE_MS = 10;
/** A job gives up at most this many slots, then runs late anyway: an overloaded worker still progresses. */
const MAX_LATE_SKIPS = 2;

function validateOptions(options: LimiterOptions): void {
  const { rate, maxConcurrent, redis } = options;
  if (!Number.isFinite(rate) || rate < 0) {
    throw new RangeError(`limiter rate: expected a number of requests per second >= 0, got ${rate}`);
  }
  const { startRate } = options;
  if (startRate !== undefined && (!Number.isFinite(startRate) || startRate <= 0)) {
    throw new RangeError(`limiter startRate: expected a number of requests per second > 0, got ${startRate}`);
  }
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`limiter maxConcurrent: expected an integer >= 1, got ${maxConcurrent}`);
  }
  if (redis === undefined) return;
  const accountId: unknown = redis.accountId;
  if (typeof accountId !== 'string' || accountId.trim() === '') {
    throw new TypeError('limiter redis.accountId: expected a non-empty string');
  }
  const timeout = redis.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new RangeError(`limiter redis.connectTimeoutMs: expected a positive number of ms, got ${timeout}`);
  }
}

/**
 * Evenly spaced starts rather than bursts: a server-side token bucket of the same rate then never
 * runs dry, whatever its burst size. ceil() errs on the slow side.
 */
function minTimeFor(rate: number): number {
  return rate === 0 ? 0 : Math.ceil(1000 / rate);
}

/** A synchronous throw from `fn` becomes a rejected promise, so "fn ran" is always a promise. */
function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Paces the requests to one Sakari account: starts are spaced by `1000 / pace` ms, at most
 * `maxConcurrent` run at once, and nothing starts while a `Retry-After` pause is in force.
 *
 * The pace adapts to the server (see `pace.ts`): it starts at `startRate` (or `rate`), drops on
 * each 429 reported through {@link throttled}, and rises slowly while none comes, never above
 * `rate`. With `fixedRate` it stays at `rate`.
 *
 * With `redis`, the spacing and the pauses are shared by every process using that Redis for the
 * account (a Bottleneck clustered limiter with id `sakari-sync:<account>`): all the workers
 * together start at most `rate` requests per second, and a 429 seen by one pauses them all (the
 * pause reaches the other workers through Redis pub/sub within a millisecond or so, and is then
 * checked locally right before each request). If Redis fails mid-run the limiter falls back to
 * `rate / FALLBACK_RATE_DIVISOR` locally, says so once through `onFallback`, and never sends
 * unthrottled; it does not return to Redis before it is stopped.
 *
 * @example
 * const limiter = new AccountLimiter({ rate: 5, maxConcurrent: 2 });
 * const answer = await limiter.schedule(() => got.post(url));
 * await limiter.stop();
 * @example
 * const shared = await createAccountLimiter({
 *   rate: 20, maxConcurrent: 4,
 *   redis: { url: 'redis://127.0.0.1:6379', accountId, onFallback: (reason) => log.warn(reason) },
 * });
 */
export class AccountLimiter {
  /** Local: this process's concurrency, and (except while clustered) the spacing too. */
  readonly #gate: Bottleneck;
  readonly #clock: Clock;
  readonly #rate: number;
  /** The adaptive pace; `undefined` when unlimited (`rate` 0). */
  readonly #pace: AdaptivePace | undefined;
  readonly #ready: Promise<void>;
  readonly #onFallback: ((reason: string) => void) | undefined;
  /** The Redis link from the start, kept to close it on stop (even after a fallback). */
  readonly #ownLink: RedisLink | undefined;
  /** The Redis link while clustered; `undefined` in local and fallback modes. */
  #link: RedisLink | undefined;
  /** Spacing this process keeps between its own starts, whatever the mode. */
  #minTime: number;
  /** When the last job actually started (clock ms). */
  #lastStart = Number.NEGATIVE_INFINITY;
  #pausedUntil = 0;
  /** The end of the last pause announced through `onNotice`. */
  #noticedUntil = 0;
  #stopped = false;
  /** Aborted by {@link stop}: pauses and waits in progress end at once. */
  readonly #stopping = new AbortController();
  readonly #interrupt: AbortSignal | undefined;
  readonly #onNotice: ((message: string) => void) | undefined;
  #lateSlotsGivenUp = 0;
  readonly #pendingPauseWrites = new Set<Promise<void>>();

  /**
   * Creates the limiter; with `redis`, starts connecting at once. Call {@link ready} (or use
   * {@link createAccountLimiter}) to learn at start whether Redis is reachable.
   *
   * @param options - rate (requests/s, `0` = unlimited), concurrency, optional Redis sharing.
   *   Invalid values throw a RangeError or TypeError (never showing a Redis password).
   * @param clock - time source for the pause gate and local spacing; defaults to the wall clock.
   */
  constructor(options: LimiterOptions, clock: Clock = systemClock) {
    validateOptions(options);
    const { rate, maxConcurrent, redis } = options;
    this.#rate = rate;
    this.#clock = clock;
    this.#pace =
      rate === 0
        ? undefined
        : new AdaptivePace({ ceiling: rate, start: options.startRate, fixed: options.fixedRate ?? false });
    this.#minTime = minTimeFor(this.#pace?.current ?? 0);
    this.#onFallback = redis?.onFallback;
    this.#interrupt = options.interrupt;
    this.#onNotice = options.onNotice;
    if (redis === undefined) {
      this.#gate = new Bottleneck({ minTime: this.#minTime, maxConcurrent });
      this.#ready = Promise.resolve();
      return;
    }
    // The spacing comes from the cluster; the local gate only bounds this process's concurrency.
    this.#gate = new Bottleneck({ maxConcurrent });
    this.#link = new RedisLink({
      url: redis.url,
      accountId: redis.accountId,
      minTime: () => this.#minTime,
      connectTimeoutMs: redis.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      onLost: (reason) => this.#fallBack(reason),
      onPause: (ms) => this.#extendLocalPause(this.#clock.now() + ms),
      onPace: (pace) => {
        if (this.#pace === undefined) return;
        this.#pace.adopt(pace, this.#clock.now());
        this.#applyPace(false);
      },
    });
    this.#ownLink = this.#link;
    this.#ready = this.#link.connect();
    // Reported through ready() and schedule(); never an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Epoch ms before which nothing is sent (0 when no pause was ever requested or seen). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * How many cluster slots this limiter gave up because its job was released too late to use
   * them without crowding the next worker's request (0 when not clustered).
   */
  get lateSlotsGivenUp(): number {
    return this.#lateSlotsGivenUp;
  }

  /** Requests/s allowed now: the adaptive pace (shared through Redis when clustered); 0 = unlimited. */
  get currentRate(): number {
    const pace = this.#pace?.current ?? 0;
    return this.mode === 'fallback' ? pace / FALLBACK_RATE_DIVISOR : pace;
  }

  /**
   * The pace of the run so far, for the report (`summary.json` `api.pace`); `undefined` when
   * unlimited. `next` is what to remember for the account's next run.
   */
  paceSummary(): PaceSummary | undefined {
    return this.#pace?.summary(this.#clock.now());
  }

  /** The pace changes so far (epoch ms, requests/s), for the report's throughput chart. */
  get paceHistory(): readonly PacePoint[] {
    return this.#pace?.history ?? [];
  }

  /**
   * The server answered 429 (call after {@link pauseUntil} when it sent a `Retry-After`): lowers
   * the adaptive pace, for every worker when clustered, unless the 429 answers a request sent
   * before the pace was last lowered. Does nothing with `fixedRate`.
   */
  throttled(): void {
    if (this.#pace?.throttled(this.#clock.now(), this.#pausedUntil)) this.#applyPace(true);
  }

  /** Where the limit is kept right now; see {@link LimiterMode}. */
  get mode(): LimiterMode {
    if (this.#ownLink === undefined) return 'local';
    return this.#link === undefined ? 'fallback' : 'clustered';
  }

  /**
   * Resolves once the limiter can schedule: at once for a local limiter, once connected to Redis
   * for a clustered one.
   *
   * @throws LimiterConnectionError (naming the Redis URL without its password) when Redis cannot be
   *   reached within `connectTimeoutMs` or refuses the connection.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Runs `fn` when the rate allows it, and never while a pause is in force. The pause is checked
   * right before `fn` starts: a job that meets a pause gives its slot back, waits the pause out
   * and queues again, so the jobs released after a pause are spaced like any others instead of
   * bursting.
   *
   * @returns what `fn` returns; rejects with what `fn` throws, a {@link LimiterStoppedError}
   *   once {@link stop} has been called, a {@link WaitInterruptedError} when an interrupt (a
   *   signal) ends the pause it waits out, or a LimiterConnectionError if Redis was unreachable
   *   at start.
   */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    let priority: number | undefined;
    let started = false;
    const tracked = (): Promise<T> => {
      started = true;
      return fn();
    };
    for (;;) {
      if (this.#stopped) throw new LimiterStoppedError();
      const job = (): Promise<T | typeof PAUSED> => this.#runInSlot(tracked);
      const queued =
        priority === undefined ? this.#gate.schedule(job) : this.#gate.schedule({ priority }, job);
      const result = await this.#unlessInterruptedBeforeStart(queued, () => started);
      if (result !== PAUSED) return result;
      await this.#waitOutPause();
      priority = RESUMED_PRIORITY;
    }
  }

  /**
   * `queued`, or a {@link WaitInterruptedError} as soon as an interrupt comes while its request
   * has not started: a request queued behind the pace (Bottleneck's `minTime`) is not sent after a
   * signal, and the run does not wait for its turn to find that out. One that started is awaited.
   */
  async #unlessInterruptedBeforeStart<R>(queued: Promise<R>, started: () => boolean): Promise<R> {
    const signal = this.#interruptSignal();
    // The job, dispatched after an interrupt, fails without sending (#keepSpacing): nobody awaits it.
    queued.catch(() => undefined);
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (started()) return;
        // In a pause it would have waited that out first: say so, as #waitOutPause does.
        reject(this.#isPaused() ? this.#pauseEnded(signal) : this.#waitEnded(signal, NOT_SENT_WAITING));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    interrupted.catch(() => undefined);
    try {
      return await Promise.race([queued, interrupted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Sends nothing more until `epochMs` (a `Retry-After` from the server). Extends a pause in
   * force, never shortens it. Requests already in flight are not affected. When clustered, every
   * worker of the account is paused (the pause is written to Redis in the background).
   */
  pauseUntil(epochMs: number): void {
    if (Number.isNaN(epochMs)) return;
    this.#extendLocalPause(epochMs);
    const link = this.#link;
    if (link === undefined) return;
    const write = this.#ready
      .then(
        () =>
          link.extendPause(epochMs - this.#clock.now(), epochMs).catch((error: unknown) => {
            // After stop() the link may be closing: that is not Redis failing.
            if (this.#link === link && !this.#stopped) this.#fallBack(link.describe(error));
          }),
        // A failed connect is reported by ready() and schedule(), not as a fallback.
        () => undefined,
      )
      .finally(() => this.#pendingPauseWrites.delete(write));
    this.#pendingPauseWrites.add(write);
  }

  /**
   * Waits `ms` outside the account's pause (a retry's backoff, the token endpoint's `Retry-After`),
   * on the limiter's clock, announcing waits of {@link LONG_WAIT_NOTICE_MS} or more through
   * `onNotice`. Even `ms` 0 checks the interrupt, so a retry loop that does not wait still stops.
   *
   * @param what - what comes after the wait, for the notice and the error (`retrying POST …`).
   * @throws WaitInterruptedError when an interrupt (a signal) ends the wait, or ended waits
   *   before it began; LimiterStoppedError once {@link stop} has been called.
   */
  async wait(ms: number, what: string): Promise<void> {
    const until = this.#clock.now() + Math.max(0, ms);
    if (ms >= LONG_WAIT_NOTICE_MS)
      this.#notice(`waiting ${formatWait(ms)} before ${what}, until ${formatInstant(until)}`);
    for (;;) {
      const signal = this.#waitSignal();
      if (signal.aborted) {
        const left = until - this.#clock.now();
        throw this.#waitEnded(
          signal,
          left > 0
            ? `stopped waiting ${formatWait(left)} before ${what} (until ${formatInstant(until)})`
            : `stopped before ${what}`,
        );
      }
      const left = until - this.#clock.now();
      if (left <= 0) return;
      await this.#clock.sleep(left, signal);
    }
  }

  /**
   * Stops accepting jobs and resolves once the jobs already started or queued have finished, then
   * closes the Redis connection (if any), so nothing keeps the process alive.
   * Jobs waiting out a pause, and {@link wait}s, reject with {@link LimiterStoppedError} at once.
   * After an interrupt the jobs still queued for their turn are dropped (their callers were told
   * at the interrupt): at a slow pace, waiting for their turns would keep the process for minutes.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopping.abort();
    await this.#gate.stop({ dropWaitingJobs: this.#interruptSignal().aborted });
    await Promise.allSettled([...this.#pendingPauseWrites]);
    await this.#ownLink?.close();
  }

  /** One job holding a local concurrency slot: waits for its turn (local or cluster-wide), then runs. */
  async #runInSlot<T>(fn: () => Promise<T>): Promise<T | typeof PAUSED> {
    let lateSkips = 0;
    for (;;) {
      const link = this.#link;
      if (link === undefined) {
        await this.#keepSpacing();
        if (this.#isPaused()) return PAUSED;
        this.#noteStart();
        return fn();
      }
      await this.#ready;
      if (this.#link !== link) continue; // fell back meanwhile

      let running: Promise<T> | undefined;
      try {
        const outcome = await link.bottleneck.schedule(
          { expiration: CLUSTER_JOB_EXPIRATION_MS },
          async (slot: SlotTicket): Promise<T | typeof PAUSED | typeof LATE> => {
            await this.#keepSpacing();
            if (lateSkips < MAX_LATE_SKIPS && this.#isLate(slot)) return LATE;
            // Pauses set by other workers reach #pausedUntil through Redis pub/sub (see RedisLink).
            if (this.#isPaused()) return PAUSED;
            this.#noteStart();
            running = invoke(fn);
            return running;
          },
          new SlotTicket(),
        );
        if (outcome !== LATE) return outcome;
        lateSkips++;
        this.#lateSlotsGivenUp++;
        continue;
      } catch (error) {
        // Once fn ran, its own outcome is the answer: a Redis failure freeing the slot afterwards,
        // or the job's cluster expiration, must neither hide it nor run fn a second time.
        if (running !== undefined) return await running;
        // fn did not run: the cluster failed us (Redis error, or jobs dropped by a fallback).
        if (this.#link === link) this.#fallBack(link.describe(error));
      }
    }
  }

  /** Whether a clustered job was released too late after its slot (wall clock, as Bottleneck's). */
  #isLate(slot: SlotTicket): boolean {
    if (slot.due === undefined || this.#minTime === 0) return false;
    return Date.now() - slot.due > Math.max(MIN_LATE_TOLERANCE_MS, this.#minTime / 2);
  }

  /** A job starts now: its time keeps the spacing, and the pace may rise (probing). */
  #noteStart(): void {
    this.#lastStart = this.#clock.now();
    if (this.#pace?.started(this.#lastStart)) this.#applyPace(true);
  }

  /**
   * Puts the pace in force: the local spacing, and when clustered (`share`: this worker changed
   * it) the account's spacing in Redis, announced to the other workers.
   */
  #applyPace(share: boolean): void {
    const rate = this.currentRate;
    this.#minTime = minTimeFor(rate);
    const link = this.#link;
    if (link === undefined) {
      // Bottleneck's typings say updateSettings returns the limiter; at run time it is a promise.
      Promise.resolve(this.#gate.updateSettings({ minTime: this.#minTime })).catch(() => undefined);
      return;
    }
    if (!share) return;
    const minTime = this.#minTime;
    const write = this.#ready
      .then(
        () =>
          link.sharePace(rate, minTime).catch((error: unknown) => {
            if (this.#link === link && !this.#stopped) this.#fallBack(link.describe(error));
          }),
        () => undefined,
      )
      .finally(() => this.#pendingPauseWrites.delete(write));
    this.#pendingPauseWrites.add(write);
  }

  #extendLocalPause(epochMs: number): void {
    if (epochMs <= this.#pausedUntil) return;
    this.#pausedUntil = epochMs;
    const ms = epochMs - this.#clock.now();
    if (ms >= LONG_WAIT_NOTICE_MS && epochMs > this.#noticedUntil + NOTICE_TOLERANCE_MS) {
      this.#noticedUntil = epochMs;
      this.#notice(
        `Sakari asks to wait ${formatWait(ms)} (Retry-After): nothing is sent to this account until ${formatInstant(epochMs)}`,
      );
    }
  }

  #notice(message: string): void {
    try {
      this.#onNotice?.(message);
    } catch {
      // A logging bug must not break the limiter.
    }
  }

  /** Aborted when waits must end: the limiter stopped, the given interrupt, the process-wide one. */
  #waitSignal(): AbortSignal {
    const signals = [this.#stopping.signal, waitInterruptSignal()];
    if (this.#interrupt !== undefined) signals.push(this.#interrupt);
    const aborted = signals.find((signal) => signal.aborted);
    return aborted ?? AbortSignal.any(signals);
  }

  /** The error of a wait that `signal` ended: `what` says which wait, and what is left of it. */
  #waitEnded(signal: AbortSignal, what: string): Error {
    if (this.#stopping.signal.aborted) return new LimiterStoppedError();
    const reason: unknown = signal.reason;
    return new WaitInterruptedError(`${typeof reason === 'string' ? reason : 'interrupted'}: ${what}`);
  }

  /** Redis failed mid-run: from now on this process keeps to a conservative local limit. */
  #fallBack(reason: string): void {
    const link = this.#link;
    if (link === undefined) return;
    this.#link = undefined;
    const shared = this.#pace?.current ?? 0;
    this.#applyPace(false);
    link.abandon();
    const limit =
      this.#rate === 0
        ? 'no rate limit (none was set)'
        : `${formatRate(this.currentRate)} requests/s (1/${FALLBACK_RATE_DIVISOR} of the shared ${formatRate(shared)}/s, ` +
          'as other workers fall back too)';
    const message =
      `Redis at ${link.url} failed (${reason}); the rate limit is no longer shared: this process ` +
      `now keeps to ${limit}, and 429 pauses are no longer shared with other workers`;
    try {
      this.#onFallback?.(message);
    } catch {
      // A logging bug must not break the limiter.
    }
  }

  #isPaused(): boolean {
    return this.#clock.now() < this.#pausedUntil;
  }

  /**
   * Bottleneck computes start times when a job is queued and releases it with setTimeout; a timer
   * that fires late followed by one that fires on time would start two jobs closer than minTime.
   * This guard measures the starts that really happened (in this process).
   *
   * An interrupt (a signal) ends the wait with a {@link WaitInterruptedError}, and so does one
   * heard before: a request still waiting for its turn has not been sent, and "finish the requests
   * in flight" is not "send the ones queued" (at a pace of a few per minute that sent more batches
   * for minutes after SIGTERM).
   */
  async #keepSpacing(): Promise<void> {
    for (;;) {
      // A pause in force is waited out (and interrupted) by the caller, which says so.
      if (this.#isPaused()) return;
      const signal = this.#interruptSignal();
      if (signal.aborted) throw this.#waitEnded(signal, NOT_SENT_WAITING);
      const wait = this.#lastStart + this.#minTime - this.#clock.now();
      if (wait <= 0) return;
      await this.#clock.sleep(wait, signal);
    }
  }

  /**
   * Aborted when a signal interrupts the waits (the given interrupt, the process-wide one); unlike
   * {@link #waitSignal}, not when the limiter stops: {@link stop} lets queued jobs run.
   */
  #interruptSignal(): AbortSignal {
    const process = waitInterruptSignal();
    const given = this.#interrupt;
    // Without an interrupt of its own (the CLI's limiters), no signal is made per request.
    if (given === undefined || process.aborted) return process;
    return given.aborted ? given : AbortSignal.any([process, given]);
  }

  async #waitOutPause(): Promise<void> {
    // Loop: the pause may be extended while we sleep, and long sleeps are chunked by the clock.
    while (this.#isPaused()) {
      const signal = this.#waitSignal();
      if (signal.aborted) throw this.#pauseEnded(signal);
      await this.#clock.sleep(this.#pausedUntil - this.#clock.now(), signal);
    }
  }

  /** The error of a request whose wait for the end of a pause `signal` ended. */
  #pauseEnded(signal: AbortSignal): Error {
    const left = formatWait(this.#pausedUntil - this.#clock.now());
    const until = formatInstant(this.#pausedUntil);
    return this.#waitEnded(
      signal,
      `stopped waiting out Sakari's Retry-After pause (${left} left, until ${until})`,
    );
  }
}

/**
 * Creates a limiter and waits until it is ready: the way to start a clustered one, so an
 * unreachable Redis stops the run at start with a clear error.
 *
 * @throws LimiterConnectionError when Redis cannot be reached (the limiter is stopped by then).
 */
export async function createAccountLimiter(
  options: LimiterOptions,
  clock: Clock = systemClock,
): Promise<AccountLimiter> {
  const limiter = new AccountLimiter(options, clock);
  try {
    await limiter.ready();
  } catch (error) {
    await limiter.stop();
    throw error;
  }
  return limiter;
}

function formatRate(rate: number): string {
  return String(Math.round(rate * 100) / 100);
}
