/**
 * The limiter's waits end when they must: a `Retry-After` pause and a `wait()` end at once on an
 * interrupt (the CLI's first signal, through `interruptWaits`, or the limiter's own `interrupt`
 * signal) and on `stop()`, instead of when the pause runs out; long waits are announced with
 * their end. Real time, with pauses long enough that only an early end lets a test finish.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  AccountLimiter,
  LimiterStoppedError,
  WaitInterruptedError,
  formatWait,
  interruptWaits,
  resetWaitInterrupt,
  type LimiterOptions,
} from '../../src/limit/index.js';

const limiters: AccountLimiter[] = [];
afterEach(async () => {
  resetWaitInterrupt();
  await Promise.all(limiters.splice(0).map((limiter) => limiter.stop()));
});

function limiter(options: Partial<LimiterOptions> = {}): AccountLimiter {
  const created = new AccountLimiter({ rate: 0, maxConcurrent: 2, ...options });
  limiters.push(created);
  return created;
}

const HOUR = 3_600_000;

/** How `promise` settles, and how long after `since` (epoch ms). */
async function settled(
  promise: Promise<unknown>,
  since: number,
): Promise<{ error: unknown; afterMs: number }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, afterMs: Date.now() - since };
}

const tick = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a pause in force', () => {
  test('the process-wide interrupt (first SIGTERM) ends it at once, saying what was left', async () => {
    const l = limiter();
    l.pauseUntil(Date.now() + HOUR);
    const job = l.schedule(async () => 'ran');
    await tick();
    const since = Date.now();
    interruptWaits('SIGTERM');
    const { error, afterMs } = await settled(job, since);
    expect(afterMs).toBeLessThan(500);
    expect(error).toBeInstanceOf(WaitInterruptedError);
    expect((error as Error).message).toMatch(
      /^SIGTERM: stopped waiting out Sakari's Retry-After pause \((1 h|59 min \d+ s) left, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
    );
  });

  test('after an interrupt, a job meeting the pause fails at once; after the reset, jobs wait again', async () => {
    const l = limiter();
    interruptWaits('SIGINT');
    l.pauseUntil(Date.now() + HOUR);
    await expect(l.schedule(async () => 'ran')).rejects.toBeInstanceOf(WaitInterruptedError);
    resetWaitInterrupt();
    const other = limiter();
    other.pauseUntil(Date.now() + 100);
    await expect(other.schedule(async () => 'ran')).resolves.toBe('ran');
  });

  test("the limiter's own interrupt signal ends it too", async () => {
    const controller = new AbortController();
    const l = limiter({ interrupt: controller.signal });
    l.pauseUntil(Date.now() + HOUR);
    const job = l.schedule(async () => 'ran');
    await tick();
    const since = Date.now();
    controller.abort('SIGTERM');
    const { error, afterMs } = await settled(job, since);
    expect(afterMs).toBeLessThan(500);
    expect(error).toBeInstanceOf(WaitInterruptedError);
  });

  test('stop() ends it at once with LimiterStoppedError (not when the pause runs out)', async () => {
    const l = limiter();
    l.pauseUntil(Date.now() + HOUR);
    const job = l.schedule(async () => 'ran');
    await tick();
    const outcome = settled(job, Date.now());
    await l.stop();
    const { error, afterMs } = await outcome;
    expect(afterMs).toBeLessThan(500);
    expect(error).toBeInstanceOf(LimiterStoppedError);
  });
});

describe('wait()', () => {
  test('waits the time given', async () => {
    const l = limiter();
    const since = Date.now();
    await l.wait(120, 'retrying');
    expect(Date.now() - since).toBeGreaterThanOrEqual(115);
  });

  test('an interrupt ends it at once; a wait of 0 after an interrupt fails too', async () => {
    const l = limiter();
    const waiting = l.wait(HOUR, 'retrying POST /x (HTTP_503)');
    await tick();
    const since = Date.now();
    interruptWaits('SIGTERM');
    const { error, afterMs } = await settled(waiting, since);
    expect(afterMs).toBeLessThan(500);
    expect((error as Error).message).toMatch(
      /^SIGTERM: stopped waiting (1 h|59 min \d+ s) before retrying POST \/x \(HTTP_503\) \(until /,
    );
    await expect(l.wait(0, 'retrying POST /x (HTTP_429)')).rejects.toThrow(
      /^SIGTERM: stopped before retrying POST \/x \(HTTP_429\)$/,
    );
  });
});

describe('long waits are announced', () => {
  test('a pause of 30 s or more once (the 429s in flight ask for about the same), a short one not', () => {
    const notices: string[] = [];
    const l = limiter({ onNotice: (message) => notices.push(message) });
    const now = Date.now();
    l.pauseUntil(now + 5_000);
    expect(notices).toEqual([]);
    l.pauseUntil(now + 120_000);
    l.pauseUntil(now + 120_400);
    expect(notices).toEqual([
      expect.stringMatching(
        /^Sakari asks to wait (2 min|1 min 5\d s) \(Retry-After\): nothing is sent to this account until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      ),
    ]);
    l.pauseUntil(now + 300_000);
    expect(notices).toHaveLength(2);
  });

  test('a long wait() too', async () => {
    const notices: string[] = [];
    const l = limiter({ onNotice: (message) => notices.push(message) });
    const waiting = l.wait(45_000, 'retrying POST /x (HTTP_503)');
    expect(notices).toEqual([
      expect.stringMatching(/^waiting 45 s before retrying POST \/x \(HTTP_503\), until /),
    ]);
    interruptWaits('SIGTERM');
    await expect(waiting).rejects.toBeInstanceOf(WaitInterruptedError);
  });
});

test.each([
  [0, '0 s'],
  [400, '1 s'],
  [45_000, '45 s'],
  [60_000, '1 min'],
  [125_000, '2 min 5 s'],
  [15 * 60_000, '15 min'],
  [3 * HOUR + 20 * 60_000, '3 h 20 min'],
  [86_400_000, '1 d'],
  [26 * HOUR, '1 d 2 h'],
])('formatWait(%i) is %s', (ms, text) => {
  expect(formatWait(ms)).toBe(text);
});

describe('requests waiting for their turn at the pace', () => {
  test('an interrupt ends their wait: they are not sent; the one running finishes', async () => {
    // 1 request a minute, fixed: the second and third wait a minute and two for their turn.
    const slow = limiter({ rate: 1 / 60, fixedRate: true, maxConcurrent: 3 });
    const ran: number[] = [];
    const job = (n: number) => () =>
      new Promise<number>((resolve) => {
        ran.push(n);
        setTimeout(() => resolve(n), 300);
      });
    const jobs = [1, 2, 3].map((n) => slow.schedule(job(n)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const since = Date.now();
    interruptWaits('SIGTERM');
    const [first, second, third] = await Promise.allSettled(jobs);
    expect(Date.now() - since).toBeLessThan(1_000);
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    for (const queued of [second, third]) {
      expect(queued?.status).toBe('rejected');
      const reason = (queued as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(WaitInterruptedError);
      expect(reason.message).toBe('SIGTERM: not sent: the request was waiting for its turn');
    }
    expect(ran).toEqual([1]);
    // Stopping after the interrupt does not wait for their turns either.
    const stopping = Date.now();
    await slow.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(ran).toEqual([1]);
  });

  test('stop() still lets them run', async () => {
    const paced = limiter({ rate: 20, fixedRate: true, maxConcurrent: 3 });
    const results = [1, 2, 3].map((n) => paced.schedule(async () => n));
    await paced.stop();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
  });
});
