import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter, LimiterStoppedError, type Clock } from '../../src/limit/limiter.js';

const limiters: AccountLimiter[] = [];
function limiter(...args: ConstructorParameters<typeof AccountLimiter>): AccountLimiter {
  const created = new AccountLimiter(...args);
  limiters.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Bottleneck spaces starts with Date.now() (1 ms resolution); allow for that and timer jitter. */
const TOLERANCE_MS = 3;

function gaps(times: number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - sorted[i]!);
}

describe('AccountLimiter', () => {
  test('rate 20/s spaces the starts of concurrent jobs by >= 50 ms', async () => {
    const l = limiter({ rate: 20, maxConcurrent: 10 });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, () =>
        l.schedule(async () => {
          starts.push(performance.now());
          await sleep(5);
        }),
      ),
    );
    expect(starts).toHaveLength(8);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(50 - TOLERANCE_MS);
  });

  test('maxConcurrent bounds the jobs in flight', async () => {
    const l = limiter({ rate: 0, maxConcurrent: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        l.schedule(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(10);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  test('passes results and errors of the job through', async () => {
    const l = limiter({ rate: 0, maxConcurrent: 1 });
    await expect(l.schedule(async () => 42)).resolves.toBe(42);
    const failure = new Error('boom');
    await expect(
      l.schedule(async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  test('nothing starts during a pause; after it, starts are spaced again', async () => {
    const l = limiter({ rate: 20, maxConcurrent: 10 });
    const pausedAt = performance.now();
    const until = Date.now() + 300;
    l.pauseUntil(until);
    const starts: number[] = [];
    const epochStarts: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () =>
        l.schedule(async () => {
          starts.push(performance.now());
          epochStarts.push(Date.now());
        }),
      ),
    );
    for (const at of epochStarts) expect(at).toBeGreaterThanOrEqual(until);
    expect(Math.min(...starts) - pausedAt).toBeGreaterThanOrEqual(300 - TOLERANCE_MS);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(50 - TOLERANCE_MS);
  });

  test('a pause set while jobs are queued holds back the jobs not yet started', async () => {
    const l = limiter({ rate: 10, maxConcurrent: 5 });
    const starts: number[] = [];
    let until = 0;
    const jobs = Array.from({ length: 3 }, (_, i) =>
      l.schedule(async () => {
        starts.push(Date.now());
        // The first job is "throttled": it pauses the account for 250 ms.
        if (i === 0) {
          until = Date.now() + 250;
          l.pauseUntil(until);
        }
      }),
    );
    await Promise.all(jobs);
    expect(starts[1]!).toBeGreaterThanOrEqual(until);
    expect(starts[2]!).toBeGreaterThanOrEqual(until);
  });

  test('pauseUntil extends, never shortens', () => {
    const l = limiter({ rate: 1, maxConcurrent: 1 });
    expect(l.pausedUntil).toBe(0);
    l.pauseUntil(5000);
    l.pauseUntil(3000);
    expect(l.pausedUntil).toBe(5000);
    l.pauseUntil(8000);
    expect(l.pausedUntil).toBe(8000);
    l.pauseUntil(Number.NaN);
    expect(l.pausedUntil).toBe(8000);
  });

  test('uses the injected clock for the pause gate', async () => {
    let now = 1_000_000;
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms; // time jumps: no real waiting
      },
    };
    const l = limiter({ rate: 0, maxConcurrent: 1 }, clock);
    l.pauseUntil(now + 60_000);
    let ranAt = 0;
    await l.schedule(async () => {
      ranAt = now;
    });
    expect(sleeps).toEqual([60_000]);
    expect(ranAt).toBe(1_060_000);
  });

  test('rejects invalid options', () => {
    expect(() => new AccountLimiter({ rate: -1, maxConcurrent: 1 })).toThrow(/rate/);
    expect(() => new AccountLimiter({ rate: Number.NaN, maxConcurrent: 1 })).toThrow(/rate/);
    expect(() => new AccountLimiter({ rate: 5, maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => new AccountLimiter({ rate: 5, maxConcurrent: 1.5 })).toThrow(/maxConcurrent/);
  });

  test('stop() lets queued jobs finish, then refuses new ones', async () => {
    const l = limiter({ rate: 50, maxConcurrent: 1 });
    const done: number[] = [];
    const queued = [1, 2, 3].map((n) => l.schedule(async () => void done.push(n)));
    await l.stop();
    await Promise.all(queued);
    expect(done).toEqual([1, 2, 3]);
    await expect(l.schedule(async () => 1)).rejects.toBeInstanceOf(LimiterStoppedError);
  });
});
