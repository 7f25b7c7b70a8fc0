import { describe, expect, test } from 'vitest';

import {
  MAX_STORED_SAMPLES,
  Timeline,
  downsample,
  toIntervals,
  type TimelinePoint,
} from '../../src/report/timeline.js';

function point(second: number): TimelinePoint {
  return { at: second * 1000, rowsDone: second * 10, requests: second, throttled: Math.floor(second / 3) };
}

describe('downsample', () => {
  test.each([
    [0, 300, 0],
    [10, 300, 10],
    [300, 300, 300],
    [301, 300, 300],
    [10_000, 300, 300],
    [10_000, 2, 2],
  ])('%i points, max %i → %i', (count, max, expected) => {
    const points = Array.from({ length: count }, (_, i) => point(i));
    const kept = downsample(points, max);
    expect(kept).toHaveLength(expected);
    if (count > 0) {
      expect(kept[0]).toEqual(points[0]);
      expect(kept.at(-1)).toEqual(points.at(-1));
    }
  });

  test('intervals of the downsampled points still sum to the totals', () => {
    const points = Array.from({ length: 5000 }, (_, i) => point(i));
    const intervals = toIntervals(downsample(points, 300));
    expect(intervals).toHaveLength(299);
    expect(intervals.reduce((sum, i) => sum + i.throttled, 0)).toBe(point(4999).throttled);
    expect(intervals.every((i) => Math.abs(i.rowsPerSecond - 10) < 1e-9)).toBe(true);
  });
});

describe('Timeline', () => {
  test('ignores samples going back in time or not finite; replaces same-instant ones', () => {
    const timeline = new Timeline();
    timeline.add(point(1));
    timeline.add(point(2));
    timeline.add(point(1));
    timeline.add({ ...point(3), rowsDone: Number.NaN });
    timeline.add({ ...point(2), rowsDone: 99 });
    expect(timeline.samples).toEqual([point(1), { ...point(2), rowsDone: 99 }]);
  });

  test('stays bounded and keeps the latest sample', () => {
    const timeline = new Timeline();
    for (let second = 0; second < 20_000; second += 1) timeline.add(point(second));
    expect(timeline.samples.length).toBeLessThanOrEqual(MAX_STORED_SAMPLES + 1);
    expect(timeline.samples[0]).toEqual(point(0));
    expect(timeline.samples.at(-1)).toEqual(point(19_999));
  });
});

describe('toIntervals', () => {
  test('counters going backwards count as zero', () => {
    const intervals = toIntervals([
      { at: 0, rowsDone: 10, requests: 5, throttled: 3 },
      { at: 2000, rowsDone: 4, requests: 9, throttled: 1 },
    ]);
    expect(intervals).toEqual([
      { fromSeconds: 0, toSeconds: 2, rowsPerSecond: 0, requestsPerSecond: 2, throttled: 0 },
    ]);
  });
});
