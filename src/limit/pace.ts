/**
 * The adaptive pace of one account (issue 18): `--rate` is a ceiling, not the pace.
 *
 * Sakari publishes no number for its limits, so the pace is found by AIMD, the way TCP finds a
 * link's capacity, with BIC's binary search to come back near the rate that last broke:
 * - a 429 lowers the pace (multiplicative decrease): by half when the pace had not yet been
 *   sustained ({@link CONFIRM_MS}), by {@link GENTLE_DECREASE} when it had (the limit is close);
 *   the 429s answered to requests already sent before the lower pace took effect count once;
 * - while no 429 comes and the requests keep up with the pace, it rises every
 *   {@link PROBE_INTERVAL_MS}: halfway back towards {@link NEAR_BROKEN} of the rate that last met a
 *   429, then by {@link PROBE_STEP} of itself (additive, slow: a server that allows bursts answers
 *   a pace slightly above its limit with a 429 only once the burst is spent), never above the
 *   ceiling.
 *
 * This class only computes numbers from the times it is given; the limiter applies them.
 */

/** The pace never falls below this share of the ceiling (nor below {@link MIN_PACE}). */
export const FLOOR_SHARE = 0.02;
/** Requests/s: a pace below one request a minute would stall a run rather than protect it. */
export const MIN_PACE = 1 / 60;
/** A 429 at a pace that had not been sustained: far from the limit, halve. */
export const FAST_DECREASE = 0.5;
/** A 429 at a pace sustained for {@link CONFIRM_MS}: the limit is just below it. */
export const GENTLE_DECREASE = 0.85;
/**
 * A pace that ran this long without a 429 was close to the limit when one came: a server's
 * burst allowance (Sakari's sandbox: one second's worth) hides an excess for a few seconds only.
 */
export const CONFIRM_MS = 5_000;
/** How often the pace may rise while no 429 comes. */
export const PROBE_INTERVAL_MS = 5_000;
/** The binary climb stops at this share of the rate that last met a 429; beyond, the slow probe. */
export const NEAR_BROKEN = 0.95;
/** Slow probe: the pace rises by this share of itself per interval (about +12 % a minute). */
export const PROBE_STEP = 0.01;
/**
 * After this many slow probes in a row without a 429 the step doubles at each further probe (up
 * to {@link MAX_PROBE_STEP}): a remembered pace far below a raised limit is left in minutes.
 */
export const PROBES_BEFORE_FASTER = 12;
export const MAX_PROBE_STEP = 0.1;
/** The pace rises only when the requests sent kept up with it: an idle run does not probe. */
const DEMAND_SHARE = 0.8;
/** The next run starts this far below the rate that last met a 429 (when the pace is not lower). */
export const NEXT_MARGIN = 0.9;
/** Pace changes kept for the report's chart; older ones are thinned out. */
const MAX_HISTORY = 2_048;

/** How the pace is set up for a run. */
export interface PaceOptions {
  /** `--rate`: requests/s the pace never exceeds (> 0). */
  ceiling: number;
  /** The pace remembered for the account (the state store); the ceiling when absent. */
  start?: number;
  /** `--fixed-rate`: keep to the ceiling, as before issue 18. */
  fixed: boolean;
}

/** One pace change, for the report's throughput chart. */
export interface PacePoint {
  /** Epoch ms. */
  at: number;
  /** Requests/s in force from `at`. */
  pace: number;
}

/** `summary.json` `api.pace`: the pace of the run, in requests/s. */
export interface PaceSummary {
  /** `--rate`. */
  ceiling: number;
  /** `--fixed-rate`: the pace stayed at the ceiling. */
  fixed: boolean;
  /** The pace the run started at (remembered, or the ceiling). */
  start: number;
  /** The pace the run settled on: time-weighted mean over the second half of its requests. */
  settled: number;
  /** The pace the next run of this account starts from. */
  next: number;
  /** 429 answers met. */
  throttled: number;
  /** How many times the pace was lowered. */
  decreases: number;
}

/**
 * Whether a run's pace says something about the server worth starting the next run from: it met
 * a 429, or it started from a pace an earlier run learnt (below its ceiling). A run that only ever
 * kept to its own `--rate` learnt nothing: remembered, a cautious `--rate 2` made the next run at
 * `--rate 50` start at 2/s and take minutes to climb, though the server never refused anything.
 */
export function paceWorthRemembering(summary: PaceSummary): boolean {
  return !summary.fixed && (summary.throttled > 0 || summary.start < summary.ceiling);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The pace of one account: call {@link started} as each request starts, {@link throttled} on each
 * 429, and read {@link current}. Times are epoch ms passed in by the caller.
 */
export class AdaptivePace {
  readonly ceiling: number;
  readonly fixed: boolean;
  readonly start: number;
  readonly floor: number;
  #pace: number;
  /** The pace that last met a 429 (`undefined` before the first). */
  #broken: number | undefined;
  /** When the pace last changed, or the pause after a 429 ended: probes count from there. */
  #since: number | undefined;
  #requestsSince = 0;
  /** The first request, or the end of the pause after the last decrease: a 429 long after it is "sustained". */
  #steadySince: number | undefined;
  /** 429s until then answer requests sent before the last decrease took effect. */
  #holdUntil = Number.NEGATIVE_INFINITY;
  #slowProbes = 0;
  #throttled = 0;
  #decreases = 0;
  #history: PacePoint[] = [];
  #lastStart: number | undefined;

  /** @throws RangeError for a ceiling that is not a positive number. */
  constructor(options: PaceOptions) {
    const { ceiling, fixed } = options;
    if (!Number.isFinite(ceiling) || ceiling <= 0) {
      throw new RangeError(`pace ceiling: expected requests per second > 0, got ${ceiling}`);
    }
    this.ceiling = ceiling;
    this.fixed = fixed;
    this.floor = Math.min(ceiling, Math.max(MIN_PACE, ceiling * FLOOR_SHARE));
    const remembered = options.start;
    const usable = !fixed && remembered !== undefined && Number.isFinite(remembered) && remembered > 0;
    this.start = usable ? Math.min(ceiling, Math.max(this.floor, remembered)) : ceiling;
    this.#pace = this.start;
  }

  /** Requests/s allowed now. */
  get current(): number {
    return this.#pace;
  }

  /** The pace changes so far (the first at the first request). */
  get history(): readonly PacePoint[] {
    return this.#history;
  }

  /**
   * A request starts at `at`. May raise the pace (returns true when it changed): the requests
   * kept up with the pace for a whole probe interval without a 429.
   */
  started(at: number): boolean {
    this.#lastStart = at;
    if (this.#since === undefined) {
      this.#since = at;
      this.#steadySince = at;
      this.#record(at);
    }
    this.#requestsSince++;
    if (this.fixed || this.#pace >= this.ceiling) return false;
    const elapsed = at - this.#since;
    if (elapsed < PROBE_INTERVAL_MS) return false;
    const kept = this.#requestsSince / (elapsed / 1000) >= this.#pace * DEMAND_SHARE;
    this.#since = at;
    this.#requestsSince = 0;
    if (!kept) return false;
    this.#pace = Math.min(this.ceiling, this.#raised());
    this.#record(at);
    return true;
  }

  /**
   * A 429 arrived at `at`; nothing is sent before `pausedUntil` (its `Retry-After`, or `at`).
   * Lowers the pace (returns true) unless the 429 answers a request sent before the last decrease
   * took effect.
   */
  throttled(at: number, pausedUntil: number = at): boolean {
    this.#throttled++;
    if (this.fixed || at < this.#holdUntil) return false;
    const resumeAt = Math.max(at, pausedUntil);
    const sustained = this.#steadySince !== undefined && at - this.#steadySince >= CONFIRM_MS;
    this.#broken = this.#pace;
    this.#pace = Math.max(this.floor, this.#pace * (sustained ? GENTLE_DECREASE : FAST_DECREASE));
    this.#decreases++;
    this.#slowProbes = 0;
    // Requests in flight when the 429 left are answered within moments; one interval at the old
    // pace covers a request released just before the pause was heard.
    this.#holdUntil = resumeAt + Math.ceil(1000 / this.#broken);
    this.#since = resumeAt;
    this.#steadySince = resumeAt;
    this.#requestsSince = 0;
    this.#record(at);
    return true;
  }

  /** Adopts a pace set by another worker of the account (Redis), as if this worker had set it. */
  adopt(pace: number, at: number): void {
    if (this.fixed || !Number.isFinite(pace) || pace <= 0) return;
    const next = Math.min(this.ceiling, Math.max(this.floor, pace));
    if (next === this.#pace) return;
    if (next < this.#pace) {
      this.#broken = this.#pace;
      this.#holdUntil = at + Math.ceil(1000 / this.#pace);
      this.#slowProbes = 0;
      this.#steadySince = at;
    }
    this.#pace = next;
    this.#since = at;
    this.#requestsSince = 0;
    this.#record(at);
  }

  /** What the run's report shows; `at` is the end of the run. */
  summary(at: number): PaceSummary {
    return {
      ceiling: this.ceiling,
      fixed: this.fixed,
      start: round2(this.start),
      settled: round2(this.#settled(at)),
      next: round2(this.next),
      throttled: this.#throttled,
      decreases: this.#decreases,
    };
  }

  /** The pace the next run should start at: the last that worked, a margin below the last broken one. */
  get next(): number {
    if (this.fixed) return this.ceiling;
    const below = this.#broken === undefined ? this.#pace : Math.min(this.#pace, this.#broken * NEXT_MARGIN);
    return Math.max(this.floor, below);
  }

  #raised(): number {
    const broken = this.#broken;
    if (broken !== undefined && this.#pace < broken * NEAR_BROKEN * 0.99) {
      return this.#pace + (broken * NEAR_BROKEN - this.#pace) / 2;
    }
    this.#slowProbes++;
    const doublings = Math.max(0, this.#slowProbes - PROBES_BEFORE_FASTER);
    const step = Math.min(MAX_PROBE_STEP, PROBE_STEP * 2 ** doublings);
    return this.#pace * (1 + step);
  }

  #record(at: number): void {
    this.#history.push({ at, pace: round2(this.#pace) });
    if (this.#history.length > MAX_HISTORY) {
      const latest = this.#history.at(-1);
      this.#history = this.#history.filter((_, index) => index % 2 === 0);
      if (latest && this.#history.at(-1) !== latest) this.#history.push(latest);
    }
  }

  /** Time-weighted mean pace over the second half of the time requests were sent. */
  #settled(at: number): number {
    const first = this.#history[0];
    const end = Math.max(at, this.#lastStart ?? at);
    if (first === undefined || end <= first.at) return this.#pace;
    const from = first.at + (end - first.at) / 2;
    let weighted = 0;
    for (let i = 0; i < this.#history.length; i++) {
      const point = this.#history[i]!;
      const until = this.#history[i + 1]?.at ?? end;
      const span = Math.min(until, end) - Math.max(point.at, from);
      if (span > 0) weighted += point.pace * span;
    }
    return weighted / (end - from);
  }
}
