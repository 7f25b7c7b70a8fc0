/**
 * The adaptive pace shared through a real redis-server (issue 18): a 429 seen by one worker slows
 * every worker of the account, and a worker joining later starts at the adapted pace.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { AccountLimiter, createAccountLimiter, type LimiterOptions } from '../../src/limit/index.js';
import { startRedisServer, type RedisServer } from './redis-helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const limiters: AccountLimiter[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
});

let accountSeq = 0;
const newAccount = () => `pace-${process.pid}-${++accountSeq}`;

async function clustered(accountId: string, options: Omit<LimiterOptions, 'redis'>): Promise<AccountLimiter> {
  const limiter = await createAccountLimiter({ ...options, redis: { url: redis.url, accountId } });
  limiters.push(limiter);
  return limiter;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (at most 2 s, then fails) until `limiter` keeps to `rate`. */
async function paced(limiter: AccountLimiter, rate: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (limiter.currentRate !== rate) {
    if (Date.now() > deadline) throw new Error(`pace ${rate} not heard: ${limiter.currentRate}`);
    await sleep(2);
  }
}

describe('adaptive pace shared through Redis', () => {
  test('a 429 seen by one worker slows all of them; a worker started later begins at that pace', async () => {
    const account = newAccount();
    const a = await clustered(account, { rate: 20, maxConcurrent: 2 });
    const b = await clustered(account, { rate: 20, maxConcurrent: 2 });
    await a.schedule(async () => undefined);
    a.throttled();
    expect(a.currentRate).toBe(10);
    await paced(b, 10);

    // The cluster-wide spacing is 100 ms now, for both workers' jobs together.
    const starts: number[] = [];
    const run = (l: AccountLimiter) =>
      Array.from({ length: 4 }, () => l.schedule(async () => void starts.push(Date.now())));
    await Promise.all([...run(a), ...run(b)]);
    const sorted = [...starts].sort((x, y) => x - y);
    // 8 starts at 100 ms: 700 ms, less the first start's lateness on a busy machine (CI saw 649 ms
    // against a 50 ms allowance). Unshared (50 ms spacing) they would span about 350 ms.
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThanOrEqual(6 * 100);

    const late = await clustered(account, { rate: 20, maxConcurrent: 2 });
    expect(late.currentRate).toBe(10);
    expect(late.paceSummary()).toMatchObject({ ceiling: 20, decreases: 0 });
  });

  test('--fixed-rate workers keep their rate whatever the others adapt to', async () => {
    const account = newAccount();
    const adaptive = await clustered(account, { rate: 20, maxConcurrent: 2 });
    const fixed = await clustered(account, { rate: 20, maxConcurrent: 2, fixedRate: true });
    await adaptive.schedule(async () => undefined);
    adaptive.throttled();
    const third = await clustered(account, { rate: 20, maxConcurrent: 2 });
    await paced(third, 10);
    expect(fixed.currentRate).toBe(20);
  });
});
