/**
 * Rate limit and `Retry-After` bookkeeping. The clock is faked (Date only: sockets and timers stay
 * real), so arrival times are exact and nothing waits for real seconds.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Sandbox, SandboxOptions } from '../../src/sandbox/index.js';
import { Sandboxes, call, contactsPath, errorOf, token } from './helpers.js';

const sandboxes = new Sandboxes();
const T0 = Date.parse('2026-05-01T12:00:00.000Z');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});

afterEach(async () => {
  vi.useRealTimers();
  await sandboxes.closeAll();
});

async function started(
  options: SandboxOptions,
): Promise<{ sandbox: Sandbox; get: (account?: string) => ReturnType<typeof call> }> {
  const sandbox = await sandboxes.start(options);
  const bearer = await token(sandbox);
  return { sandbox, get: (account) => call(sandbox, contactsPath('', account), { bearer }) };
}

function at(ms: number): void {
  vi.setSystemTime(T0 + ms);
}

describe('rate limit', () => {
  test('over the limit → 429 RATE-001 with Retry-After in whole seconds; the bucket refills', async () => {
    const { sandbox, get } = await started({ rate: 2, burst: 3 });
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await get()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const throttled = await get();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(errorOf(throttled)).toEqual({ code: 'RATE-001', message: 'Too many requests' });

    at(1000); // two tokens back at 2/s
    expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([200, 200, 429]);
    expect(sandbox.stats().throttled).toBe(3);
    // Every 429 so far arrived at the instant the previous one left: in flight, not a violation.
    expect(sandbox.stats().retryAfterViolations).toBe(0);
  });

  test('Retry-After is the whole seconds until a token is available, at least 1', async () => {
    const { get } = await started({ rate: 0.25, burst: 1 });
    expect((await get()).status).toBe(200);
    expect((await get()).headers.get('retry-after')).toBe('4');
  });

  test('accounts have separate buckets', async () => {
    const { get } = await started({ rate: 1, burst: 1 });
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(429);
    expect((await get('b')).status).toBe(200);
  });

  test('setOptions changes the limit at runtime; rate 0 is unlimited', async () => {
    const { sandbox, get } = await started({});
    for (let index = 0; index < 20; index += 1) expect((await get()).status).toBe(200);
    sandbox.setOptions({ rate: 1 });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    sandbox.setOptions({ rate: 0 });
    at(5000);
    for (let index = 0; index < 5; index += 1) expect((await get()).status).toBe(200);
  });
});

describe('Retry-After violations', () => {
  test('a request that ignores Retry-After is counted and answered 429 with the time left', async () => {
    const { sandbox, get } = await started({ rate: 1, burst: 1 });
    expect((await get()).status).toBe(200);
    expect((await get()).headers.get('retry-after')).toBe('1'); // window [T0, T0+1000)

    at(600); // ignores it
    const violation = await get();
    expect(violation.status).toBe(429);
    expect(violation.headers.get('retry-after')).toBe('1');
    expect(errorOf(violation)?.code).toBe('RATE-001');
    expect(sandbox.stats().retryAfterViolations).toBe(1);

    at(999);
    await get();
    expect(sandbox.stats().retryAfterViolations).toBe(2);

    at(1000); // waited the full second: fine
    expect((await get()).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({ retryAfterViolations: 2, throttled: 3 });
  });

  test('a client that always waits Retry-After is never counted', async () => {
    const { sandbox, get } = await started({ rate: 2, burst: 2 });
    let now = 0;
    let delivered = 0;
    while (delivered < 12) {
      const reply = await get();
      if (reply.status === 200) delivered += 1;
      else {
        expect(reply.status).toBe(429);
        now += Number(reply.headers.get('retry-after')) * 1000;
        at(now);
      }
    }
    expect(sandbox.stats().throttled).toBeGreaterThan(0);
    expect(sandbox.stats().retryAfterViolations).toBe(0);
  });

  test('requests already in flight when the 429 left (within the grace period) are not counted', async () => {
    const { sandbox, get } = await started({ rate: 1, burst: 1, retryAfterGraceMs: 100 });
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => get()))).map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    at(100); // exactly at the end of the grace period: still "in flight"
    expect((await get()).status).toBe(429);
    expect(sandbox.stats().retryAfterViolations).toBe(0);
    at(101);
    await get();
    expect(sandbox.stats().retryAfterViolations).toBe(1);
  });

  test('several requests ignoring the same window are each counted', async () => {
    const { sandbox, get } = await started({ rate: 1, burst: 1, retryAfterGraceMs: 0 });
    await get();
    await get(); // 429, window [T0, T0+1000)
    at(200);
    await Promise.all([get(), get(), get()]);
    expect(sandbox.stats().retryAfterViolations).toBe(3);
  });

  test('an injected 429 with Retry-After in seconds opens a window for that account only', async () => {
    const { sandbox, get } = await started({});
    sandbox.inject({ kind: 'status', status: 429, retryAfter: '2' });
    const first = await get('a');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(errorOf(first)?.code).toBe('RATE-001');

    at(1500);
    expect((await get('b')).status).toBe(200);
    const violation = await get('a');
    expect(violation.headers.get('retry-after')).toBe('1');
    expect(sandbox.stats().retryAfterViolations).toBe(1);
    at(2000);
    expect((await get('a')).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({ retryAfterViolations: 1, throttled: 2, faultsInjected: 1 });
  });

  test('an injected 429 with an HTTP-date Retry-After runs until that date', async () => {
    const { sandbox, get } = await started({});
    const until = new Date(T0 + 3000).toUTCString();
    sandbox.inject({ kind: 'status', status: 429, retryAfter: until });
    const first = await get();
    expect(first.headers.get('retry-after')).toBe(until);

    at(2500);
    const violation = await get();
    expect(violation.status).toBe(429);
    expect(violation.headers.get('retry-after')).toBe('1');
    at(3000);
    expect((await get()).status).toBe(200);
    expect(sandbox.stats().retryAfterViolations).toBe(1);
  });

  test('a 429 without Retry-After opens no window', async () => {
    const { sandbox, get } = await started({});
    sandbox.inject({ kind: 'status', status: 429 });
    expect((await get()).status).toBe(429);
    at(500);
    expect((await get()).status).toBe(200);
    expect(sandbox.stats().retryAfterViolations).toBe(0);
  });

  test('reset forgets windows and counters', async () => {
    const { sandbox, get } = await started({ rate: 1, burst: 1 });
    await get();
    await get();
    sandbox.reset();
    at(500);
    expect((await get()).status).toBe(200);
    expect(sandbox.stats()).toMatchObject({ retryAfterViolations: 0, throttled: 0, apiRequests: 1 });
  });
});
