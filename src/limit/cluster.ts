/**
 * The Redis side of a clustered {@link AccountLimiter}: a Bottleneck whose state lives in Redis
 * (Bottleneck's own clustering, `datastore: 'ioredis'`) and the account's shared `Retry-After` pause.
 *
 * What is shared through Redis, and what is not:
 * - `minTime` (the spacing of request starts) is shared: Bottleneck keeps one `nextRequest` per
 *   account in Redis and hands every worker the next free slot, so all the workers together start
 *   at most `rate` requests per second. Bottleneck computes those slots from each worker's clock:
 *   the machines' clocks must be in sync (NTP), as Bottleneck's README asks.
 * - `maxConcurrent` is NOT shared: it stays a per-process bound (the CLI's `--concurrency`), held by
 *   the local gate of the {@link AccountLimiter}. A cluster-wide `maxConcurrent` would let N workers
 *   go no faster than one when the API is slow, and a crashed worker's jobs would hold the
 *   cluster's slots until they expire.
 *   A job that Bottleneck releases late (busy event loop) gives its slot up rather than start
 *   right before the next worker's punctual request; see {@link SlotTicket}.
 * - No reservoir is used (even spacing never bursts), so Bottleneck's heartbeat has nothing to
 *   refresh and keeps its default interval.
 * - The pause after a 429 is a Redis key whose TTL is the time left, announced to the other workers
 *   with Bottleneck's `publish()`; see {@link RedisLink.extendPause}.
 * - The adaptive pace (issue 18) is shared too: a worker that changes it writes the new spacing to
 *   Bottleneck's settings in Redis, keeps the pace in a key (read by workers that join later) and
 *   announces it, so a 429 seen by one worker slows them all; see {@link RedisLink.sharePace}.
 *
 * This module only coordinates through Bottleneck and one key; it is not a limiter of its own.
 */
import Bottleneck from 'bottleneck';
import { createRequire } from 'node:module';

import type { Redis, RedisOptions } from 'ioredis';

/**
 * How long starting a clustered limiter may take (TCP connect, Bottleneck's scripts, the pub/sub
 * subscription) before it fails with {@link LimiterConnectionError}. A Redis on the same network
 * answers in milliseconds; 2 s tells "down" from "slow" without holding up the run.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Bottleneck `expiration` of each clustered job (its README asks for one on every clustered job):
 * after it, Redis stops counting the job as running even if its worker crashed without saying so.
 * No cluster-wide concurrency is enforced, so this only keeps Bottleneck's bookkeeping clean.
 * Longer than anything one request may take (the client's 30 s HTTP timeout plus a token fetch);
 * if a job did outlive it, its request still completes and its result is still returned.
 */
export const CLUSTER_JOB_EXPIRATION_MS = 120_000;

/**
 * Bottleneck `timeout`: the account's limiter state is deleted from Redis after this much
 * inactivity, so the Redis of a long-lived deployment does not collect dead accounts.
 */
export const CLUSTER_STATE_TTL_MS = 15 * 60_000;

/** Prefix of the Bottleneck id and of our own key, so sakari-sync's keys are recognisable in Redis. */
const KEY_PREFIX = 'sakari-sync:';

/**
 * Sets the pause key unless a longer pause is already in force, atomically (two workers throttled
 * at the same moment must not shorten each other's pause). KEYS[1] = the key; ARGV[1] = the pause
 * length in ms (the key's TTL is the pause); ARGV[2] = its end in epoch ms (for people reading Redis).
 * Returns the ms left of the pause now in force.
 */
const EXTEND_PAUSE_LUA = `
local wanted = tonumber(ARGV[1])
local left = redis.call('pttl', KEYS[1])
if left < wanted then
  redis.call('set', KEYS[1], ARGV[2], 'PX', wanted)
  return wanted
end
return left
`;

/**
 * When a clustered job was meant to start. Passed to Bottleneck as the job's argument and filled
 * in when Bottleneck releases the job (see {@link recordSlots}).
 */
export class SlotTicket {
  /** Epoch ms at which Bottleneck meant the job to start; `undefined` when not known. */
  due: number | undefined;
}

/** Bottleneck's internal `_run(index, job, wait)`: starts the job's timer of `wait` ms (its slot). */
type RunInternal = (this: Bottleneck, index: string, job: { args?: unknown[] }, wait: number) => unknown;

/**
 * Bottleneck hands each clustered job a slot (`wait` ms from now) but does not tell the job; a job
 * whose timer fires late (a busy event loop, a descheduled process) would then start right before
 * the next worker's punctual one, and two starts close together use up the server's burst
 * allowance. This wraps Bottleneck's `_run` (stable: 2.19 is Bottleneck's final release) to write
 * the slot into the job's {@link SlotTicket}, so a late job can give its slot up instead.
 *
 * If Bottleneck's internals are not as expected, it changes nothing (no job then counts as late;
 * the limiter's tests notice).
 */
function recordSlots(bottleneck: Bottleneck): void {
  const internals = bottleneck as unknown as { _run?: RunInternal };
  const run = internals._run;
  if (typeof run !== 'function' || run.length !== 3) return;
  internals._run = function (this: Bottleneck, index, job, wait) {
    const ticket = job.args?.[0];
    if (ticket instanceof SlotTicket && Number.isFinite(wait)) ticket.due = Date.now() + wait;
    return run.call(this, index, job, wait);
  };
}

/**
 * ioredis, loaded when the first link is made: runs without a shared limit (most of them) do not
 * carry its ~20 MB of modules.
 */
function loadRedis(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
}

/** A Redis client with our one extra command. */
type PauseClient = Redis & {
  sakariSyncExtendPause(key: string, ms: number, until: number): Promise<number>;
};

/** Thrown when the Redis of a clustered limiter cannot be reached (or refused us) at start. */
export class LimiterConnectionError extends Error {
  override name = 'LimiterConnectionError';
  /** The Redis URL, password replaced by `***`. */
  readonly url: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`Cannot use the Redis at ${url} for the shared rate limit: ${reason}`, options);
    this.url = url;
  }
}

/**
 * The URL with its password (if any) replaced by `***`, safe for logs and error messages.
 * A URL that cannot be parsed gives a placeholder, never the original text.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unreadable Redis URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

/** Checks a Redis URL and returns it parsed; the error never contains the URL's password. */
export function parseRedisUrl(url: unknown): URL {
  if (typeof url !== 'string') throw new TypeError('redis.url: expected a redis:// or rediss:// URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('redis.url: expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`redis.url: expected a redis:// or rediss:// URL, got ${redactRedisUrl(url)}`);
  }
  return parsed;
}

/** What a {@link RedisLink} needs. */
export interface RedisLinkOptions {
  url: string;
  /** The Sakari account: the Bottleneck id and the pause key are derived from it. */
  accountId: string;
  /** Spacing of request starts across the whole cluster, in ms, as this process wants it now. */
  minTime: () => number;
  connectTimeoutMs: number;
  /** Called once, when Redis fails after the link was up (not for failures while connecting). */
  onLost: (reason: string) => void;
  /**
   * Called when a worker of the account (this one included) paused it, with the ms left of the
   * pause; also at connect, for a pause already in force.
   */
  onPause: (ms: number) => void;
  /**
   * Called when a worker of the account (this one included) changed the adaptive pace, with the
   * new pace in requests/s; also at connect, for a pace already kept in Redis.
   */
  onPace: (pace: number) => void;
}

/** What {@link RedisLink.extendPause} publishes: `{"pauseMs": <ms left>}`. */
interface PauseMessage {
  pauseMs: number;
}

/** What {@link RedisLink.sharePace} publishes: `{"pace": <requests/s>}`. */
interface PaceMessage {
  pace: number;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function readMessage(text: string): { pauseMs?: number; pace?: number } {
  try {
    const message = JSON.parse(text) as Partial<PauseMessage & PaceMessage> | null;
    return { pauseMs: positive(message?.pauseMs), pace: positive(message?.pace) };
  } catch {
    return {};
  }
}

/**
 * One account's connection to the cluster: the clustered Bottleneck and the shared pause.
 * Lifecycle: `connect()` once, then either `close()` (orderly) or, after `onLost`, `abandon()`.
 */
export class RedisLink {
  /** The clustered Bottleneck: schedule jobs on it to get the account's next free slot. */
  readonly bottleneck: Bottleneck;
  /** The Redis URL without its password. */
  readonly url: string;
  readonly #client: PauseClient;
  readonly #connection: Bottleneck.IORedisConnection;
  readonly #pauseKey: string;
  readonly #paceKey: string;
  readonly #minTime: () => number;
  readonly #connectTimeoutMs: number;
  readonly #onLost: (reason: string) => void;
  readonly #onPause: (ms: number) => void;
  readonly #onPace: (pace: number) => void;
  readonly #password: string;
  #state: 'connecting' | 'up' | 'lost' | 'closed' = 'connecting';
  /** Set while connect() waits: the first failure reported by the clients. */
  #failStartup: ((reason: string) => void) | undefined;
  #connecting: Promise<void> | undefined;

  constructor(options: RedisLinkOptions) {
    const parsed = parseRedisUrl(options.url);
    this.url = redactRedisUrl(options.url);
    this.#password = decodeURIComponent(parsed.password);
    this.#pauseKey = `${KEY_PREFIX}${options.accountId}:paused-until`;
    this.#paceKey = `${KEY_PREFIX}${options.accountId}:pace`;
    this.#minTime = options.minTime;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#onLost = options.onLost;
    this.#onPause = options.onPause;
    this.#onPace = options.onPace;

    const clientOptions: RedisOptions = {
      connectTimeout: options.connectTimeoutMs,
      // A lost connection is not retried: the limiter falls back to a local limit at once instead
      // of queueing requests behind a Redis that may not come back.
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Commands issued while disconnected fail at once (and trigger the fallback) rather than wait.
      enableOfflineQueue: false,
    };
    const RedisClient = loadRedis();
    this.#client = new RedisClient(options.url, clientOptions) as PauseClient;
    this.#client.defineCommand('sakariSyncExtendPause', { numberOfKeys: 1, lua: EXTEND_PAUSE_LUA });
    // Bottleneck duplicates the client for its pub/sub subscriber, options included.
    this.#connection = new Bottleneck.IORedisConnection({ client: this.#client, Redis: RedisClient });
    this.bottleneck = new Bottleneck({
      id: `${KEY_PREFIX}${options.accountId}`,
      connection: this.#connection,
      clearDatastore: false,
      minTime: options.minTime(),
      maxConcurrent: null,
      timeout: CLUSTER_STATE_TTL_MS,
    });
    recordSlots(this.bottleneck);

    this.bottleneck.on('message', (text: string) => {
      const { pauseMs, pace } = readMessage(text);
      if (pauseMs !== undefined) this.#onPause(pauseMs);
      if (pace !== undefined) this.#onPace(pace);
    });
    const failed = (error: unknown) => this.#failed(this.describe(error));
    this.#connection.on('error', failed);
    this.bottleneck.on('error', failed);
    const { subscriber } = this.#clients();
    for (const client of [this.#client, subscriber]) {
      client.on('end', () => this.#failed('the connection to Redis was lost'));
    }
  }

  /**
   * Connects and makes this process's settings the account's settings in Redis (so a rate left
   * there by an earlier run with another `--rate` is not used; with workers started with different
   * rates, the last one started wins). A pace kept in Redis by running workers is adopted first
   * (through `onPace`), so a worker joining a throttled cluster does not start at its ceiling.
   *
   * @throws LimiterConnectionError when Redis is unreachable, refuses us, or does not answer within
   *   the connect timeout; the clients are closed by then.
   */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect();
    return this.#connecting;
  }

  /**
   * Pauses every worker of the account for `ms` from now, unless a longer pause is in force.
   *
   * The pause is the TTL of a key (a length, not a time of day, so the workers' clocks need not
   * agree on it), set atomically only if longer than the one in force, then announced with
   * Bottleneck's `publish()`. The workers keep what they heard locally: checking the pause before
   * each request costs no Redis round trip, which would delay sends (and a late send followed by a
   * punctual one from another worker is what drains the server's burst allowance). A worker that
   * connects later reads the key instead. Rejects if Redis fails.
   */
  async extendPause(ms: number, untilEpochMs: number): Promise<void> {
    const wanted = Math.ceil(ms);
    if (!(wanted > 0)) return;
    const inForce = await this.#client.sakariSyncExtendPause(
      this.#pauseKey,
      wanted,
      Math.round(untilEpochMs),
    );
    // Not extended: the longer pause in force was announced by whoever set it.
    if (inForce === wanted)
      await this.bottleneck.publish(JSON.stringify({ pauseMs: wanted } satisfies PauseMessage));
  }

  /**
   * Makes `pace` (requests/s, spacing `minTime` ms) the account's pace for every worker: the
   * spacing goes into Bottleneck's settings in Redis (which hand out the slots), the pace into a
   * key that workers joining later read, and an announcement tells the running workers. The last
   * change wins: a decrease and an increase by two workers at the same moment leave one of them.
   * Rejects if Redis fails.
   */
  async sharePace(pace: number, minTime: number): Promise<void> {
    await this.bottleneck.updateSettings({ minTime });
    await this.#client.set(this.#paceKey, String(pace), 'PX', CLUSTER_STATE_TTL_MS);
    await this.bottleneck.publish(JSON.stringify({ pace } satisfies PaceMessage));
  }

  /**
   * After a failure: closes both clients at once (commands in flight reject) and drops the jobs
   * waiting in the clustered Bottleneck (they reject with a BottleneckError; jobs already running
   * finish). Idempotent.
   */
  abandon(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#connection.disconnect(false).catch(() => undefined);
    this.bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  /** Orderly shutdown once no job is left: waits for a pending connect, then QUITs both clients. */
  async close(): Promise<void> {
    await this.#connecting?.catch(() => undefined);
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    try {
      await this.#connection.disconnect(true);
    } catch {
      // QUIT needs a live connection; without one, just drop the sockets.
      await this.#connection.disconnect(false).catch(() => undefined);
    }
  }

  async #connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const failure = new Promise<never>((_, reject) => {
      this.#failStartup = (reason) => reject(new Error(reason));
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.#connectTimeoutMs} ms`)),
        this.#connectTimeoutMs,
      );
    });
    const ready = this.bottleneck.ready();
    // Bottleneck's ready() may settle after we gave up; that must not be an unhandled rejection.
    ready.catch(() => undefined);
    try {
      await Promise.race([ready, failure]);
      // The pace the running workers adapted to, rather than this worker's starting guess.
      const shared = positive(Number(await Promise.race([this.#client.get(this.#paceKey), failure])));
      if (shared !== undefined) this.#onPace(shared);
      await Promise.race([
        this.bottleneck.updateSettings({ minTime: this.#minTime(), maxConcurrent: null }),
        failure,
      ]);
      // A pause set before we subscribed: from now on we hear of pauses as they are set.
      const left = await Promise.race([this.#client.pttl(this.#pauseKey), failure]);
      if (left > 0) this.#onPause(left);
    } catch (error) {
      this.#state = 'closed';
      await this.#connection.disconnect(false).catch(() => undefined);
      throw new LimiterConnectionError(this.url, this.describe(error), { cause: error });
    } finally {
      clearTimeout(timer);
      this.#failStartup = undefined;
    }
    this.#state = 'up';
  }

  #failed(reason: string): void {
    if (this.#state === 'connecting') {
      this.#failStartup?.(reason);
    } else if (this.#state === 'up') {
      this.#state = 'lost';
      this.#onLost(reason);
    }
  }

  #clients(): { subscriber: Redis } {
    // IORedisConnection creates `subscriber` in its constructor; its typings do not declare it.
    const { subscriber } = this.#connection as unknown as { subscriber: Redis };
    return { subscriber };
  }

  /** An error as one line, without the Redis password. */
  describe(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const oneLine = text.replace(/\s+/g, ' ').trim() || 'unknown error';
    return this.#password === '' ? oneLine : oneLine.split(this.#password).join('***');
  }
}
