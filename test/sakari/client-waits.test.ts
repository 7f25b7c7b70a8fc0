/**
 * The client's waits and retries outside the plain 5xx loop:
 * - the token endpoint's 429: its `Retry-After` is waited (or backoff when absent), the account is
 *   neither paused nor slowed, and concurrent callers share one token fetch with its retries;
 * - a `Retry-After` beyond the wait limit fails at once, saying until when; a long accepted one
 *   is announced; an interrupt (the CLI's first SIGTERM) ends a pause, a backoff and a 429 loop;
 * - after the tries time out, the message says the batch may be stored and what to change.
 *
 * Each test runs the real client over HTTP against its own server on 127.0.0.1.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { exitCodeOfError } from '../../src/exit-codes.js';
import { interruptWaits, resetWaitInterrupt, WaitInterruptedError } from '../../src/limit/index.js';
import { AccountLimiter, type LimiterOptions } from '../../src/limit/limiter.js';
import { SakariClient, type SakariClientOptions } from '../../src/sakari/client.js';
import { SakariHttpError } from '../../src/sakari/errors.js';
import type { ClientEvent } from '../../src/sakari/events.js';
import type { ContactPayload } from '../../src/types.js';

interface Seen {
  path: string;
  /** Date.now() at arrival. */
  at: number;
}

/** Answers one request, token requests included; `n` counts the requests to the same path. */
type Answer = (seen: Seen, res: ServerResponse, n: number) => void;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  resetWaitInterrupt();
  await Promise.all(closers.splice(0).map((close) => close()));
});

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const TOKEN_OK = { access_token: 'tok', token_type: 'bearer' };
const STORED = { success: true, data: { submitted: 1, inserted: 1, updated: 0 } };

async function setup(
  answer: Answer,
  options: { client?: Partial<SakariClientOptions>; limiter?: Partial<LimiterOptions> } = {},
): Promise<{
  client: SakariClient;
  limiter: AccountLimiter;
  seen: Seen[];
  events: ClientEvent[];
  notices: string[];
}> {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const request = { path: new URL(req.url ?? '/', 'http://x').pathname, at: Date.now() };
      seen.push(request);
      const n = counts.get(request.path) ?? 0;
      counts.set(request.path, n + 1);
      answer(request, res, n);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const notices: string[] = [];
  const limiter = new AccountLimiter({
    rate: 10,
    maxConcurrent: 4,
    onNotice: (message) => notices.push(message),
    ...options.limiter,
  });
  closers.push(() => limiter.stop());
  const events: ClientEvent[] = [];
  const client = new SakariClient({
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accountId: 'acc1',
    clientId: 'id',
    clientSecret: 'secret',
    limiter,
    retry: { attempts: 4, baseMs: 1, capMs: 2 },
    onEvent: (event) => events.push(event),
    ...options.client,
  });
  return { client, limiter, seen, events, notices };
}

const batch: ContactPayload[] = [{ mobile: '+15005550001', tags: [], attributes: {} }];
const tokenRequests = (seen: Seen[]) => seen.filter((s) => s.path === '/oauth2/token');

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe("the token endpoint's 429", () => {
  test('Retry-After is waited before the next token request; the account is neither paused nor slowed', async () => {
    const { client, limiter, seen } = await setup((s, res, n) =>
      s.path === '/oauth2/token'
        ? n === 0
          ? send(res, 429, { success: false }, { 'retry-after': '1' })
          : send(res, 200, TOKEN_OK)
        : send(res, 201, STORED),
    );
    const result = await client.upsertBatch(batch, 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    const [first, second] = tokenRequests(seen);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(limiter.currentRate).toBe(10);
    expect(limiter.pausedUntil).toBe(0);
    expect(client.stats).toMatchObject({ throttled: 1, retries: 1 });
  });

  test('without Retry-After it backs off (exponential, full jitter) instead of asking again at once', async () => {
    const { client, seen, events } = await setup(
      (s, res, n) =>
        s.path === '/oauth2/token'
          ? n < 2
            ? send(res, 429, { success: false })
            : send(res, 200, TOKEN_OK)
          : send(res, 201, STORED),
      { client: { retry: { attempts: 4, baseMs: 100, capMs: 1000, random: () => 0.99 } } },
    );
    await client.upsertBatch(batch, 'append');
    const [first, second, third] = tokenRequests(seen);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(95);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(195);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.path)).toEqual([
      '/oauth2/token',
      '/oauth2/token',
    ]);
  });

  test('concurrent callers share one token fetch and its retries: `attempts` token requests in all', async () => {
    // Different jitter for each wait: callers retrying on their own would drift apart and each
    // send their own token requests.
    let draws = 0;
    const { client, seen } = await setup(
      (s, res) =>
        s.path === '/oauth2/token' ? send(res, 502, '<html>502 Bad Gateway</html>') : send(res, 201, STORED),
      {
        client: {
          retry: { attempts: 4, baseMs: 100, capMs: 100, random: () => [0.1, 0.9, 0.5][draws++ % 3]! },
        },
      },
    );
    const results = await Promise.allSettled([1, 2, 3].map(() => client.upsertBatch(batch, 'append')));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(tokenRequests(seen)).toHaveLength(4);
  });
});

describe('long waits', () => {
  test('a Retry-After beyond the wait limit fails at once, saying until when; resumable (exit 1)', async () => {
    const { client, limiter, seen } = await setup((s, res) =>
      s.path === '/oauth2/token'
        ? send(res, 200, TOKEN_OK)
        : send(
            res,
            429,
            { success: false, error: { code: 'RATE-001', message: 'quota' } },
            { 'retry-after': '86400' },
          ),
    );
    const started = Date.now();
    const error = await failure(client.upsertBatch(batch, 'append'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error.message).toMatch(
      /→ 429 RATE-001: Sakari asks to wait 1 d \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), longer than a run waits \(15 min\)$/,
    );
    expect(exitCodeOfError(error)).toBe(1);
    expect(limiter.pausedUntil).toBeLessThan(Date.now() + 60_000);
    expect(seen.filter((s) => s.path !== '/oauth2/token')).toHaveLength(1);
  });

  test('a long accepted pause is announced with its end, and an interrupt ends it at once', async () => {
    const { client, notices } = await setup((s, res) =>
      s.path === '/oauth2/token'
        ? send(res, 200, TOKEN_OK)
        : send(res, 429, { success: false }, { 'retry-after': '600' }),
    );
    const upload = client.upsertBatch(batch, 'append');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notices).toEqual([
      expect.stringMatching(
        /^Sakari asks to wait (10 min|9 min 59 s) \(Retry-After\): nothing is sent to this account until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      ),
    ]);
    const interrupted = Date.now();
    interruptWaits('SIGTERM');
    const error = await failure(upload);
    expect(Date.now() - interrupted).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(WaitInterruptedError);
    expect(error.message).toMatch(
      /^SIGTERM: stopped waiting out Sakari's Retry-After pause \((10 min|9 min 5\d s) left, until /,
    );
    expect(exitCodeOfError(error)).toBe(1);
  });

  test('an interrupt ends a backoff wait at once', async () => {
    const { client } = await setup(
      (s, res) => (s.path === '/oauth2/token' ? send(res, 200, TOKEN_OK) : send(res, 503, 'busy')),
      { client: { retry: { attempts: 4, baseMs: 60_000, capMs: 60_000, random: () => 0.99 } } },
    );
    const upload = client.upsertBatch(batch, 'append');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const interrupted = Date.now();
    interruptWaits('SIGINT');
    const error = await failure(upload);
    expect(Date.now() - interrupted).toBeLessThan(1_000);
    expect(error.message).toMatch(
      /^SIGINT: stopped waiting (1 min|5\d s) before retrying POST \/v1\/accounts\/acc1\/contacts \(HTTP_503\)/,
    );
  });

  test('after an interrupt a failed request is not sent again, even without a wait (429, Retry-After: 0)', async () => {
    const { client, seen } = await setup(
      (s, res) =>
        s.path === '/oauth2/token'
          ? send(res, 200, TOKEN_OK)
          : send(res, 429, { success: false }, { 'retry-after': '0' }),
      { limiter: { rate: 20, fixedRate: true } },
    );
    const upload = client.upsertBatch(batch, 'append');
    await new Promise((resolve) => setTimeout(resolve, 300));
    interruptWaits('SIGTERM');
    const error = await failure(upload);
    expect(error).toBeInstanceOf(WaitInterruptedError);
    const sent = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.length).toBe(sent);
    expect(seen.length).toBeLessThan(20);
  });
});

test('when every try timed out, the message says the batch may be stored and names --timeout / --batch-size', async () => {
  const { client } = await setup(
    (s, res) =>
      s.path === '/oauth2/token' ? send(res, 200, TOKEN_OK) : setTimeout(() => send(res, 201, STORED), 400),
    { client: { timeoutMs: 50, retry: { attempts: 2, baseMs: 1, capMs: 2 } } },
  );
  const error = await failure(client.upsertBatch(batch, 'append'));
  expect(error.message).toMatch(
    /→ ETIMEDOUT: .* \(gave up after 2 attempts\); every try took longer than the 1 s timeout, /,
  );
  expect(error.message).toContain('so Sakari may have stored the batch anyway');
  expect(error.message).toContain('raise --timeout or lower --batch-size');
});

describe("a server error's Retry-After (503 in maintenance, an overloaded gateway)", () => {
  test('the retry waits it out and the account sends nothing meanwhile; the pace is left as it is', async () => {
    const { client, limiter, seen, events } = await setup((s, res, n) =>
      s.path === '/oauth2/token'
        ? send(res, 200, TOKEN_OK)
        : n === 0
          ? send(
              res,
              503,
              { success: false, error: { code: 'SYS-503', message: 'maintenance' } },
              { 'retry-after': '1' },
            )
          : send(res, 201, STORED),
    );
    // Backoff alone (retry: baseMs 1) would repeat at once.
    const [first, second] = await Promise.all([
      client.upsertBatch(batch, 'append'),
      new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
        client.upsertBatch([{ mobile: '+15005550002', tags: [], attributes: {} }], 'append'),
      ),
    ]);
    expect(first.outcomes.get('+15005550001')?.status).toBe('created');
    expect(second.outcomes.get('+15005550002')?.status).toBe('created');
    const uploads = seen.filter((s) => s.path !== '/oauth2/token');
    expect(uploads).toHaveLength(3);
    // The other batch, due 300 ms in, waited for the pause too.
    for (const later of uploads.slice(1)) expect(later.at - uploads[0]!.at).toBeGreaterThanOrEqual(990);
    expect(limiter.currentRate).toBe(10);
    expect(client.stats).toMatchObject({ throttled: 0, retries: 1 });
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ reason: 'HTTP_503' });
  });

  test('on the token endpoint too, without pausing the account', async () => {
    const { client, limiter, seen } = await setup((s, res, n) =>
      s.path === '/oauth2/token'
        ? n === 0
          ? send(res, 503, 'down for maintenance', { 'retry-after': '1' })
          : send(res, 200, TOKEN_OK)
        : send(res, 201, STORED),
    );
    await client.upsertBatch(batch, 'append');
    const [first, second] = tokenRequests(seen);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(limiter.pausedUntil).toBe(0);
  });

  test('one beyond the wait limit fails at once, saying until when (exit 1, resumable)', async () => {
    const { client, seen } = await setup((s, res) =>
      s.path === '/oauth2/token'
        ? send(res, 200, TOKEN_OK)
        : send(res, 503, 'maintenance', { 'retry-after': new Date(Date.now() + 3 * 3600_000).toUTCString() }),
    );
    const started = Date.now();
    const error = await failure(client.upsertBatch(batch, 'append'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(
      /→ 503: Sakari asks to wait (3 h|2 h 59 min) \(until .*\), longer than a run waits/,
    );
    expect(exitCodeOfError(error)).toBe(1);
    expect(seen.filter((s) => s.path !== '/oauth2/token')).toHaveLength(1);
  });
});
