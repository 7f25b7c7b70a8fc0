/**
 * Parallel phone parsing for the `normalisePhones` stage: a small pool of worker threads
 * ({@link PhoneWorkerPool}) and the {@link PhoneChunkScheduler} that feeds it chunks of numbers,
 * hands the results back in source order, and lets the main thread parse a chunk itself rather
 * than sit idle waiting for a worker.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-entry.js';
import { normaliseChunk, type PhoneBatch, type PhoneOptions } from './phone-parse.js';

/** `workerData` of a phone worker. */
export interface PhoneWorkerData {
  options: PhoneOptions;
}

/** Main thread → worker. */
export interface PhoneRequest {
  id: number;
  inputs: string[];
  /** The row's country text per input, `''` when none. */
  countries: string[];
  /** Indexes of inputs that were number cells in a workbook. */
  numeric: number[];
}

/** Worker → main thread. */
export type PhoneResponse = ({ id: number } & PhoneBatch) | { id: number; failure: string };

interface PoolWorker {
  worker: Worker;
  /** Chunks sent and not yet answered. */
  busy: number;
}

interface PendingRequest {
  slot: PoolWorker;
  resolve: (batch: PhoneBatch) => void;
  reject: (error: Error) => void;
}

/** Young-generation size of a phone worker, in MB (V8's default is larger than this workload needs). */
const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * Worker threads parsing phone numbers. Chunks go to the least busy worker; each
 * {@link PhoneWorkerPool.normalise} call resolves with that chunk's results. Idle workers do not
 * keep the process alive. A worker that crashes fails every pending and later call (a run-level
 * failure); {@link PhoneWorkerPool.close} must be called when done.
 */
export class PhoneWorkerPool {
  private readonly slots: PoolWorker[] = [];
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  /**
   * Starts `size` workers, each normalising with `options`.
   * @param size number of worker threads (≥ 1)
   */
  constructor(size: number, options: PhoneOptions) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`phone worker pool size: expected a whole number ≥ 1, got ${size}`);
    const entry = workerScript('phone-worker', import.meta.url);
    const workerData: PhoneWorkerData = {
      options: { defaultCountry: options.defaultCountry, requireMobile: options.requireMobile },
    };
    for (let index = 0; index < size; index++) {
      const worker = new Worker(entry.url, {
        workerData,
        execArgv: entry.execArgv,
        name: `sakari-sync phone ${index + 1}`,
        // Chunks are short-lived: a small young generation keeps the worker's memory flat (RSS)
        // at no measurable cost in speed.
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      const slot: PoolWorker = { worker, busy: 0 };
      worker.unref();
      worker.on('message', (response: PhoneResponse) => this.answer(slot, response));
      worker.on('error', (error: Error) =>
        this.fail(new Error(`phone worker failed: ${error.message}`, { cause: error })),
      );
      worker.on('exit', (code: number) => {
        if (!this.closed) this.fail(new Error(`phone worker exited unexpectedly (exit code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Normalises a chunk of numbers in a worker.
   * @param inputs raw mobile values
   * @param countries the row's country text per input (`''` when none)
   */
  normalise(inputs: string[], countries: string[], numeric: number[] = []): Promise<PhoneBatch> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('phone worker pool is closed'));
    let slot = this.slots[0] as PoolWorker;
    for (const candidate of this.slots) if (candidate.busy < slot.busy) slot = candidate;
    const id = this.nextId++;
    const request: PhoneRequest = { id, inputs, countries, numeric };
    return new Promise<PhoneBatch>((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject });
      // Busy workers keep the process alive: nothing else may while results are awaited.
      if (slot.busy++ === 0) slot.worker.ref();
      slot.worker.postMessage(request);
    });
  }

  /** Stops the workers; pending calls reject. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectPending(new Error('phone worker pool is closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private answer(slot: PoolWorker, response: PhoneResponse): void {
    const request = this.pending.get(response.id);
    if (!request) return;
    this.pending.delete(response.id);
    if (--slot.busy === 0) slot.worker.unref();
    if ('failure' in response) request.reject(new Error(`phone worker failed: ${response.failure}`));
    else
      request.resolve({
        e164: response.e164,
        countries: response.countries,
        errors: response.errors,
        notes: response.notes,
        fixedLines: response.fixedLines,
      });
  }

  private fail(error: Error): void {
    if (this.failure || this.closed) return;
    this.failure = error;
    this.rejectPending(error);
    this.closed = true;
    for (const slot of this.slots) void slot.worker.terminate();
  }

  private rejectPending(error: Error): void {
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    for (const slot of this.slots) {
      slot.busy = 0;
      slot.worker.unref();
    }
  }
}

/** A chunk of numbers on its way through the scheduler. */
export interface PhoneChunk<T> {
  /** What the caller needs back with the results (e.g. the drafts), untouched. */
  items: T;
  inputs: string[];
  countries: string[];
  /** Indexes of inputs that were number cells in a workbook. */
  numeric: number[];
  results?: PhoneBatch;
  failure?: Error;
  /** Settles (never rejects) when a worker has answered; set once sent. */
  sent?: Promise<void>;
}

/**
 * A chunk with fewer numbers than this is parsed on the main thread when added: a worker round
 * trip (post, wake, answer, message event) costs the main thread about 0.5 ms, as much as parsing
 * some 25 numbers. Measured on a 300k-row re-run with 1% of rows changed, where most chunks hold
 * a handful of numbers: 350 ms of `postMessage` on the main thread.
 */
const PARSE_HERE_BELOW = 32;

/**
 * Chunks sent to each worker ahead of time (~5–15 ms of parsing each), so it has work while the
 * main thread is busy for a while and has not yet read the worker's last answers. A worker is
 * only sent more when the main thread reads an answer. Measured on a 1M-row dry run (2 cores,
 * one worker), in per-thread CPU time: with 4, the worker sat idle ~3 s while the main thread
 * parsed 3.6 s of numbers itself (16.2 s); with 8, the worker parsed more and the run took
 * 15.0–15.3 s at the same memory; 16 gained nothing and held 8 MB more.
 */
const CHUNKS_SENT_PER_WORKER = 8;
/**
 * Chunks read ahead beyond those sent: the ones the main thread may parse itself while it would
 * otherwise wait for a worker.
 */
const CHUNKS_HELD_BACK = 2;

/**
 * Chunks parsed on the main thread before the workers may start: the first rows of a run are
 * parsed by code V8 has not optimised yet, several times slower than later ones, while an import
 * reads ahead at full speed to fill its first batches. Measured at the start of a 1M-row first
 * import: parsing took ~50% of the main thread in the first 250 ms, 15–30% from the first
 * ~8,000 rows on.
 */
const WARM_UP_CHUNKS = 16;
/** The window over which {@link PARSE_SHARE} is measured, after the warm-up. */
const PARSE_WINDOW_MS = 500;
/**
 * The share of the main thread's time spent parsing numbers over a window from which the workers
 * start. A worker's isolate and heap cost ~30–40 MB of RSS (a 300k-row first import peaked at 221
 * MB with it, 188 MB without, at the same speed; 1M rows: 248 MB, 217 MB once the worker waited
 * for this share): worth it only when parsing holds the run back.
 * Measured on a 1M-row dry run (bound by the main thread): 50–56% in every window; on a 1M-row
 * first import (bound by Sakari's pace): 6–43% in 250 ms windows after the warm-up, at most ~32%
 * over 500 ms, so its main thread parses the numbers in the time it would otherwise wait.
 */
const PARSE_SHARE = 0.4;
/**
 * Windows in a row over {@link PARSE_SHARE} before the workers start. Parsing is timed by the
 * clock, and on a busy machine (the state thread recording every row, Sakari's simulator beside
 * it) a chunk's parse also counts the time the main thread waited for a core: one window of a
 * 1M-row first import crossed the share 94 s and 145 s in (two runs), started the worker, and
 * the run peaked 20 MB higher for the rest of it (212–225 MB instead of 191–197). A dry run
 * parses over half its time in every window, so it starts its workers a second later.
 */
const PARSE_WINDOWS = 3;

/**
 * How much of the main thread's time goes to parsing numbers: {@link ParseLoad.heavy} once, after
 * a warm-up of `warmUpChunks`, parsing took at least `share` of `windows` whole windows of
 * `windowMs` in a row (a window that ends lighter starts the count again).
 */
export class ParseLoad {
  #chunks = 0;
  #windowStart = 0;
  #parsedMs = 0;
  #heavyWindows = 0;

  constructor(
    private readonly windowMs: number = PARSE_WINDOW_MS,
    private readonly share: number = PARSE_SHARE,
    private readonly warmUpChunks: number = WARM_UP_CHUNKS,
    private readonly now: () => number = () => performance.now(),
    private readonly windows: number = PARSE_WINDOWS,
  ) {}

  /** Notes a chunk parsed on this thread just now, in `ms`. */
  add(ms: number): void {
    if (++this.#chunks <= this.warmUpChunks) this.#windowStart = this.now();
    else this.#parsedMs += ms;
  }

  /** Whether parsing took at least the share of each of the last `windows` whole windows. */
  get heavy(): boolean {
    if (this.#chunks <= this.warmUpChunks) return false;
    const now = this.now();
    const elapsed = now - this.#windowStart;
    if (elapsed < this.windowMs) return false;
    this.#heavyWindows = this.#parsedMs >= elapsed * this.share ? this.#heavyWindows + 1 : 0;
    if (this.#heavyWindows >= this.windows) return true;
    this.#windowStart = now;
    this.#parsedMs = 0;
    return false;
  }
}

/**
 * Schedules chunks of numbers over a {@link PhoneWorkerPool} and hands the results back in the
 * order the chunks were added. Earliest chunks go to the workers; when the caller needs the
 * oldest chunk and it is not back yet, the main thread parses the newest chunk not yet sent
 * instead of idling, so the main thread and the workers share the parsing when the workers are
 * the bottleneck, and the main thread never parses when it has its own work.
 *
 * The pool starts only once parsing takes a large share of the main thread (see
 * {@link PARSE_SHARE}) and a chunk is worth sending (see {@link PARSE_HERE_BELOW}); until then
 * each chunk is parsed on this thread as it is added. A run waiting for Sakari, or a re-run whose
 * rows are nearly all recalled, never starts a thread. {@link PhoneChunkScheduler.close} must be
 * called when done.
 */
export class PhoneChunkScheduler<T> {
  private readonly queue: Array<PhoneChunk<T>> = [];
  private readonly maxSent: number;
  private sent = 0;
  private pool: PhoneWorkerPool | undefined;
  private readonly load = new ParseLoad();
  private readonly startWorkers: () => boolean;

  /** How many chunks {@link PhoneChunkScheduler.add} accepts before {@link PhoneChunkScheduler.takeOldest} must be called. */
  readonly capacity: number;

  /**
   * @param workers worker threads of the pool, once it starts (≥ 1, checked by {@link PhoneWorkerPool})
   * @param startWorkers asked before each chunk worth a worker while none has started; `true`
   * starts the pool. Default: once parsing is {@link ParseLoad.heavy}. Tests pass `() => true`.
   */
  constructor(
    private readonly workers: number,
    private readonly options: PhoneOptions,
    startWorkers?: () => boolean,
  ) {
    this.startWorkers = startWorkers ?? (() => this.load.heavy);
    this.maxSent = workers * CHUNKS_SENT_PER_WORKER;
    this.capacity = this.maxSent + CHUNKS_HELD_BACK;
  }

  /** Whether the workers have started. */
  get started(): boolean {
    return this.pool !== undefined;
  }

  /** Stops the pool's workers, if it started. */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** Chunks added and not yet taken. */
  get length(): number {
    return this.queue.length;
  }

  /** Whether the oldest chunk has its results: {@link takeOldest} returns it at once. */
  get oldestReady(): boolean {
    return this.queue[0]?.results !== undefined;
  }

  /** Adds a chunk; it goes to a worker now if one has room. */
  add(items: T, inputs: string[], countries: string[], numeric: number[] = []): void {
    this.queue.push({ items, inputs, countries, numeric });
    this.pump();
  }

  /**
   * Removes the oldest chunk and returns it with its results, parsing on this thread meanwhile
   * if that is faster than waiting.
   * @throws Error when a worker failed.
   */
  async takeOldest(): Promise<PhoneChunk<T> & { results: PhoneBatch }> {
    const head = this.queue[0];
    if (!head) throw new Error('no phone chunk to take');
    while (head.results === undefined) {
      if (head.failure) throw head.failure;
      if (head.sent === undefined) {
        this.runHere(head);
        break;
      }
      const spare = this.newestUnsent();
      if (spare) this.runHere(spare);
      else await head.sent;
    }
    this.queue.shift();
    return head as PhoneChunk<T> & { results: PhoneBatch };
  }

  private newestUnsent(): PhoneChunk<T> | undefined {
    for (let index = this.queue.length - 1; index >= 0; index--) {
      const chunk = this.queue[index] as PhoneChunk<T>;
      if (chunk.sent === undefined && chunk.results === undefined) return chunk;
    }
    return undefined;
  }

  private runHere(chunk: PhoneChunk<T>): void {
    const started = performance.now();
    chunk.results = normaliseChunk(chunk.inputs, chunk.countries, this.options, new Set(chunk.numeric));
    this.load.add(performance.now() - started);
  }

  /** Sends the earliest unsent chunks while workers have room. */
  private pump(): void {
    for (const chunk of this.queue) {
      if (chunk.sent !== undefined || chunk.results !== undefined) continue;
      // Little to parse (a re-run's chunk: its rows recalled or rejected already): parsing it here
      // costs less than a round trip to a worker. No worker yet and parsing a small part of this
      // thread's work (a run waiting for Sakari): starting one would cost memory for nothing.
      if (chunk.inputs.length < PARSE_HERE_BELOW || (this.pool === undefined && !this.startWorkers())) {
        this.runHere(chunk);
        continue;
      }
      if (this.sent >= this.maxSent) return;
      this.sent++;
      this.pool ??= new PhoneWorkerPool(this.workers, this.options);
      chunk.sent = this.pool.normalise(chunk.inputs, chunk.countries, chunk.numeric).then(
        (results) => {
          chunk.results = results;
          this.sent--;
          this.pump();
        },
        (error: unknown) => {
          chunk.failure = error instanceof Error ? error : new Error(String(error));
          this.sent--;
        },
      );
    }
  }
}
