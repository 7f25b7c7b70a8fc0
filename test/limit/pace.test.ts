import { describe, expect, test } from 'vitest';
import {
  AdaptivePace,
  CONFIRM_MS,
  FAST_DECREASE,
  GENTLE_DECREASE,
  NEAR_BROKEN,
  NEXT_MARGIN,
  PROBE_INTERVAL_MS,
  PROBE_STEP,
} from '../../src/limit/pace.js';
import { AccountLimiter } from '../../src/limit/limiter.js';

/** Starts `count` requests evenly over [from, to), as a limiter keeping up with the pace would. */
function send(pace: AdaptivePace, from: number, to: number, count: number): void {
  for (let i = 0; i < count; i++) pace.started(from + ((to - from) * i) / count);
}

describe('AdaptivePace', () => {
  test('starts at the ceiling, or at the remembered pace clamped to [floor, ceiling]', () => {
    expect(new AdaptivePace({ ceiling: 20, fixed: false }).current).toBe(20);
    expect(new AdaptivePace({ ceiling: 20, start: 4.5, fixed: false }).current).toBe(4.5);
    expect(new AdaptivePace({ ceiling: 20, start: 50, fixed: false }).current).toBe(20);
    const low = new AdaptivePace({ ceiling: 20, start: 0.0001, fixed: false });
    expect(low.current).toBe(low.floor);
    expect(new AdaptivePace({ ceiling: 20, start: 4.5, fixed: true }).current).toBe(20);
    expect(() => new AdaptivePace({ ceiling: 0, fixed: false })).toThrow(RangeError);
  });

  test('a 429 soon after a change halves the pace; the 429s of requests already in flight count once', () => {
    const pace = new AdaptivePace({ ceiling: 20, fixed: false });
    send(pace, 0, 500, 10);
    expect(pace.throttled(500, 1_500)).toBe(true);
    expect(pace.current).toBe(20 * FAST_DECREASE);
    // The second request in flight is answered 429 during the pause: same congestion, no decrease.
    expect(pace.throttled(510, 1_500)).toBe(false);
    expect(pace.current).toBe(10);
    expect(pace.summary(600)).toMatchObject({ throttled: 2, decreases: 1 });
  });

  test('a 429 after the pace held for a while lowers it gently', () => {
    const pace = new AdaptivePace({ ceiling: 20, start: 6, fixed: false });
    send(pace, 0, CONFIRM_MS + 1_000, 36); // with one slow probe on the way: 6 → 6.06
    expect(pace.current).toBeCloseTo(6 * (1 + PROBE_STEP));
    pace.throttled(CONFIRM_MS + 1_000);
    expect(pace.current).toBeCloseTo(6 * (1 + PROBE_STEP) * GENTLE_DECREASE);
  });

  test('no 429: climbs halfway back towards the broken pace each interval, then probes slowly, never above the ceiling', () => {
    const pace = new AdaptivePace({ ceiling: 20, fixed: false });
    send(pace, 0, 200, 4);
    pace.throttled(200, 1_200); // broken at 20 → 10
    let at = 1_200;
    const interval = (): void => {
      send(pace, at, at + PROBE_INTERVAL_MS, Math.ceil((pace.current * PROBE_INTERVAL_MS) / 1000));
      at += PROBE_INTERVAL_MS;
      pace.started(at);
    };
    interval();
    expect(pace.current).toBeCloseTo(10 + (20 * NEAR_BROKEN - 10) / 2);
    for (let i = 0; i < 10; i++) interval();
    expect(pace.current).toBeGreaterThan(20 * NEAR_BROKEN * 0.99);
    const near = pace.current;
    interval();
    expect(pace.current).toBeCloseTo(Math.min(20, near * (1 + PROBE_STEP)));
    for (let i = 0; i < 40; i++) interval();
    expect(pace.current).toBe(20);
  });

  test('does not rise while the requests do not keep up with the pace (an idle run does not probe)', () => {
    const pace = new AdaptivePace({ ceiling: 20, start: 5, fixed: false });
    send(pace, 0, 10 * PROBE_INTERVAL_MS, 10);
    expect(pace.current).toBe(5);
  });

  test('--fixed-rate: no 429 and no quiet interval changes the pace; the next run starts at the ceiling', () => {
    const pace = new AdaptivePace({ ceiling: 8, fixed: true });
    send(pace, 0, 1_000, 8);
    expect(pace.throttled(1_000, 2_000)).toBe(false);
    send(pace, 2_000, 30_000, 224);
    expect(pace.current).toBe(8);
    expect(pace.summary(30_000)).toMatchObject({ fixed: true, start: 8, settled: 8, next: 8, throttled: 1 });
  });

  test('next starts a margin below the pace that last met a 429; settled is the mean of the second half', () => {
    const pace = new AdaptivePace({ ceiling: 10, start: 6, fixed: false });
    // Fewer requests than the pace allows: no probe changes it.
    send(pace, 0, 10_000, 28);
    pace.throttled(10_000, 11_000);
    const after = pace.current;
    expect(after).toBeCloseTo(6 * GENTLE_DECREASE);
    send(pace, 11_000, 20_000, 30);
    const summary = pace.summary(20_000);
    expect(summary.next).toBeCloseTo(Math.min(after, 6 * NEXT_MARGIN), 2);
    // 0..10 s at 6, 10..20 s at 6 × 0.85: the second half is all at the lower pace.
    expect(summary.settled).toBeCloseTo(after, 2);
  });

  test('adopt: a pace heard from another worker is taken (clamped), and a lower one counts as a decrease', () => {
    const pace = new AdaptivePace({ ceiling: 20, fixed: false });
    pace.started(0);
    pace.adopt(7, 100);
    expect(pace.current).toBe(7);
    expect(pace.throttled(120)).toBe(false); // the worker that lowered it already reacted to this congestion
    pace.adopt(500, 2_000);
    expect(pace.current).toBe(20);
  });
});

describe('AccountLimiter pace', () => {
  test('throttled() lowers the rate in force; fixedRate and unlimited limiters keep theirs', async () => {
    const adaptive = new AccountLimiter({ rate: 20, maxConcurrent: 1 });
    const fixed = new AccountLimiter({ rate: 20, maxConcurrent: 1, fixedRate: true });
    const unlimited = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
    const remembered = new AccountLimiter({ rate: 20, maxConcurrent: 1, startRate: 4 });
    try {
      for (const limiter of [adaptive, fixed, unlimited]) {
        await limiter.schedule(async () => undefined);
        limiter.throttled();
      }
      expect(adaptive.currentRate).toBe(10);
      expect(adaptive.paceSummary()).toMatchObject({ ceiling: 20, start: 20, throttled: 1, decreases: 1 });
      expect(fixed.currentRate).toBe(20);
      expect(unlimited.currentRate).toBe(0);
      expect(unlimited.paceSummary()).toBeUndefined();
      expect(remembered.currentRate).toBe(4);
      expect(() => new AccountLimiter({ rate: 20, maxConcurrent: 1, startRate: 0 })).toThrow(RangeError);
    } finally {
      await Promise.all([adaptive, fixed, unlimited, remembered].map((limiter) => limiter.stop()));
    }
  });
});
