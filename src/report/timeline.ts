/** One timeline sample: cumulative totals since the run started, at a wall-clock time. */
export interface TimelinePoint {
  /** Epoch milliseconds (`Date.now()`). */
  at: number;
  /** Rows with a final outcome so far. */
  rowsDone: number;
  /** API requests sent so far. */
  requests: number;
  /** 429 answers received so far. */
  throttled: number;
  /** The limiter's pace (requests/s allowed) at `at`; absent without a rate limit. */
  pace?: number;
}

/** One interval between two samples, as rates. */
export interface TimelineInterval {
  /** Seconds since the first sample, at the interval's start and end. */
  fromSeconds: number;
  toSeconds: number;
  rowsPerSecond: number;
  requestsPerSecond: number;
  /** 429 answers received during the interval. */
  throttled: number;
  /** The pace in force at the interval's end, when sampled. */
  pace?: number;
}

/** Points drawn in the HTML chart: one per ~3 px of a 900 px wide chart. */
export const MAX_CHART_POINTS = 300;
/**
 * Samples kept in memory. At one a second that is over an hour at full resolution; longer runs
 * halve their resolution each time it fills. The samples are cumulative, so dropping one loses
 * resolution, never totals.
 */
export const MAX_STORED_SAMPLES = 4096;

/** Collects timeline samples in bounded memory. */
export class Timeline {
  private points: TimelinePoint[] = [];

  /** Adds a sample. Samples with a non-finite field or going back in time are ignored; one at the same instant replaces the previous. */
  add(point: TimelinePoint): void {
    const { at, rowsDone, requests, throttled, pace } = point;
    if (![at, rowsDone, requests, throttled].every(Number.isFinite)) return;
    const copy: TimelinePoint = { at, rowsDone, requests, throttled };
    if (pace !== undefined && Number.isFinite(pace) && pace >= 0) copy.pace = pace;
    const last = this.points.at(-1);
    if (last && at < last.at) return;
    if (last && at === last.at) this.points[this.points.length - 1] = copy;
    else this.points.push(copy);
    if (this.points.length > MAX_STORED_SAMPLES) {
      // Keep every other sample, and always the latest.
      const lastPoint = this.points.at(-1);
      this.points = this.points.filter((_, index) => index % 2 === 0);
      if (lastPoint && this.points.at(-1) !== lastPoint) this.points.push(lastPoint);
    }
  }

  /** The samples kept, oldest first. */
  get samples(): readonly TimelinePoint[] {
    return this.points;
  }
}

/**
 * At most `max` points spread evenly over `points`, always keeping the first and the last.
 * Because samples are cumulative, the intervals between the kept points still sum to the totals.
 */
export function downsample(
  points: readonly TimelinePoint[],
  max: number = MAX_CHART_POINTS,
): TimelinePoint[] {
  if (points.length <= max) return [...points];
  if (max < 2) return points.slice(-1);
  const kept: TimelinePoint[] = [];
  for (let i = 0; i < max; i += 1) {
    const point = points[Math.round((i * (points.length - 1)) / (max - 1))];
    if (point) kept.push(point);
  }
  return kept;
}

/** The rates between consecutive samples (counters going backwards count as 0). */
export function toIntervals(points: readonly TimelinePoint[]): TimelineInterval[] {
  const first = points[0];
  if (!first) return [];
  const intervals: TimelineInterval[] = [];
  for (let i = 1; i < points.length; i += 1) {
    const previous = points[i - 1];
    const current = points[i];
    if (!previous || !current) continue;
    const seconds = (current.at - previous.at) / 1000;
    if (seconds <= 0) continue;
    intervals.push({
      fromSeconds: (previous.at - first.at) / 1000,
      toSeconds: (current.at - first.at) / 1000,
      rowsPerSecond: Math.max(0, current.rowsDone - previous.rowsDone) / seconds,
      requestsPerSecond: Math.max(0, current.requests - previous.requests) / seconds,
      throttled: Math.max(0, current.throttled - previous.throttled),
      ...(current.pace === undefined ? {} : { pace: current.pace }),
    });
  }
  return intervals;
}
