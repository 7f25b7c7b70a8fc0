/**
 * The client against the real Sakari simulator (src/sandbox) over HTTP on 127.0.0.1: the contract
 * of CONTRACT §2 from both sides.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter, type LimiterOptions } from '../../src/limit/limiter.js';
import { SakariClient, type SakariClientOptions } from '../../src/sakari/client.js';
import { SakariAuthError, SakariHttpError } from '../../src/sakari/errors.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { ContactPayload } from '../../src/types.js';

const ACCOUNT = 'acct-1';
const sandboxes: Sandbox[] = [];
const limiters: AccountLimiter[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

async function setup(
  sandboxOptions: SandboxOptions = {},
  clientOptions: Partial<SakariClientOptions> = {},
  limiterOptions: LimiterOptions = { rate: 0, maxConcurrent: 4 },
): Promise<{ sandbox: Sandbox; client: SakariClient }> {
  const sandbox = await startSandbox(sandboxOptions);
  sandboxes.push(sandbox);
  const limiter = new AccountLimiter(limiterOptions);
  limiters.push(limiter);
  const client = new SakariClient({
    apiUrl: sandbox.url,
    accountId: ACCOUNT,
    clientId: sandboxOptions.clientId ?? 'sandbox',
    clientSecret: sandboxOptions.clientSecret ?? 'sandbox',
    limiter,
    retry: { attempts: 6, baseMs: 10, capMs: 100 },
    ...clientOptions,
  });
  return { sandbox, client };
}

/** n distinct valid E.164 US numbers. */
function contacts(n: number, from = 0): ContactPayload[] {
  return Array.from({ length: n }, (_, i) => ({
    mobile: `+1202555${String(from + i).padStart(4, '0')}`,
    country: 'US',
    firstName: `First${from + i}`,
    tags: ['imported', 'q1'],
    attributes: { Plan: i % 2 === 0 ? 'gold' : 'basic, annual' },
  }));
}

function mobilesStored(sandbox: Sandbox): string[] {
  return sandbox.contacts(ACCOUNT).map((c) => c.mobile.number);
}

describe('client ↔ sandbox', () => {
  test('stores a batch and reads it back field by field', async () => {
    const { sandbox, client } = await setup();
    const batch = contacts(3);
    const result = await client.upsertBatch(batch, 'append');
    expect([...result.outcomes.values()].map((o) => o.status)).toEqual(['created', 'created', 'created']);
    expect(result).toMatchObject({ submitted: 3, inserted: 3, updated: 0 });
    const stored = sandbox.contacts(ACCOUNT);
    expect(stored[1]).toMatchObject({
      mobile: { number: '+12025550001' },
      firstName: 'First1',
      tags: [{ tag: 'imported' }, { tag: 'q1' }],
      attributes: { Plan: 'basic, annual' },
    });
    const again = await client.upsertBatch(batch.slice(0, 1), 'append');
    expect(again.outcomes.get('+12025550000')?.status).toBe('updated');
    expect(again.outcomes.get('+12025550000')?.contactId).toBe(
      result.outcomes.get('+12025550000')?.contactId,
    );
  });

  test('token cached across many requests; expireTokens() → exactly one refresh, request succeeds', async () => {
    const { sandbox, client } = await setup();
    for (let i = 0; i < 5; i++) await client.upsertBatch(contacts(2, i * 2), 'append');
    await Promise.all([0, 1, 2, 3, 4].map((i) => client.upsertBatch(contacts(1, 100 + i), 'append')));
    for await (const _ of client.listContacts({ pageSize: 5 })) void _;
    expect(sandbox.stats().tokensIssued).toBe(1);
    expect(client.stats.tokenRefreshes).toBe(0);

    sandbox.expireTokens();
    const result = await client.upsertBatch(contacts(1, 200), 'append');
    expect(result.outcomes.get('+12025550200')?.status).toBe('created');
    expect(sandbox.stats().tokensIssued).toBe(2);
    expect(client.stats.tokenRefreshes).toBe(1);
  });

  test('429 with Retry-After: 2 → nothing reaches the account for 2 s, then the upserts succeed', async () => {
    const { sandbox, client } = await setup();
    sandbox.inject({ kind: 'status', status: 429, retryAfter: '2' });
    const first = client.upsertBatch(contacts(3), 'append');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = client.upsertBatch(contacts(3, 3), 'append'); // queued during the pause
    const results = await Promise.all([first, second]);
    for (const result of results) {
      expect([...result.outcomes.values()].every((o) => o.status === 'created')).toBe(true);
    }
    const log = sandbox.stats().requestLog.filter((entry) => entry.accountId === ACCOUNT);
    const throttled = log.findIndex((entry) => entry.status === 429);
    expect(throttled).toBe(0);
    const after = log.slice(throttled + 1);
    expect(after).toHaveLength(2);
    for (const entry of after) expect(entry.at - log[throttled]!.at).toBeGreaterThanOrEqual(2000);
    expect(sandbox.stats().retryAfterViolations).toBe(0);
    expect(client.stats.throttled).toBe(1);
    expect(mobilesStored(sandbox)).toHaveLength(6);
  });

  test('50 % fail rate (seeded): every contact of a 200-contact batch stored exactly once', async () => {
    // Seed 29: the batch meets five random 500/503s in a row before it gets through.
    const { sandbox, client } = await setup(
      { failRate: 0.5, seed: 29 },
      { retry: { attempts: 12, baseMs: 5, capMs: 40 } },
    );
    // One write applied but answered 503: the retry writes again, still one contact per mobile.
    sandbox.inject({ kind: 'apply-then-fail', status: 503 });
    const batch = contacts(200);
    const result = await client.upsertBatch(batch, 'core');
    expect(result.outcomes.size).toBe(200);
    for (const outcome of result.outcomes.values()) expect(['created', 'updated']).toContain(outcome.status);
    const stored = mobilesStored(sandbox);
    expect(stored).toHaveLength(200);
    expect(new Set(stored)).toEqual(new Set(batch.map((c) => c.mobile)));
    const stats = sandbox.stats();
    expect(stats.faultsInjected).toBeGreaterThanOrEqual(3); // the injected one plus random ones
    expect(stats.writesPerMobile[ACCOUNT]?.['+12025550000']).toBe(2); // applied twice, stored once
    expect(client.stats.retries).toBe(stats.faultsInjected);
  });

  test('CONT-010 rows come back blocked, CONT-001 rows failed, the rest stored', async () => {
    const { client } = await setup({ blocked: ['+12025550001'] });
    const batch = [...contacts(3), { mobile: '2025550999', tags: [], attributes: {} }];
    const result = await client.upsertBatch(batch, 'append');
    expect(result.outcomes.get('+12025550000')?.status).toBe('created');
    expect(result.outcomes.get('+12025550001')).toMatchObject({ status: 'blocked', code: 'CONT-010' });
    expect(result.outcomes.get('+12025550002')?.status).toBe('created');
    expect(result.outcomes.get('2025550999')).toMatchObject({ status: 'failed', code: 'CONT-001' });
  });

  test('listContacts pages through 250 contacts, each exactly once', async () => {
    const { sandbox, client } = await setup();
    await client.upsertBatch(contacts(250), 'append');
    const seen: string[] = [];
    const ids = new Set<string>();
    for await (const contact of client.listContacts()) {
      seen.push(contact.mobile.number);
      ids.add(contact.id);
      expect(contact.tags).toEqual(['imported', 'q1']);
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen)).toEqual(new Set(contacts(250).map((c) => c.mobile)));
    expect(ids.size).toBe(250);
    const pages = sandbox.stats().requestLog.filter((e) => e.method === 'GET');
    expect(pages).toHaveLength(3);
  });

  test('a 400 for the whole batch throws SakariHttpError with the API code and is not retried', async () => {
    const { sandbox, client } = await setup();
    sandbox.inject({ kind: 'status', status: 400, code: 'CONT-000' });
    const error = await client.upsertBatch(contacts(2), 'append').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error).toMatchObject({ status: 400, apiCode: 'CONT-000', retryable: false });
    expect(sandbox.stats().apiRequests).toBe(1);
    expect(mobilesStored(sandbox)).toHaveLength(0);
  });

  test('a garbled answer is retried', async () => {
    const { sandbox, client } = await setup();
    sandbox.inject({ kind: 'garbled' });
    const result = await client.upsertBatch(contacts(2), 'append');
    expect(result.outcomes.size).toBe(2);
    expect(sandbox.stats().apiRequests).toBe(2);
    expect(mobilesStored(sandbox)).toHaveLength(2);
  });

  test('a timeout (answer later than timeoutMs) is retried', async () => {
    const { sandbox, client } = await setup({}, { timeoutMs: 150 });
    sandbox.inject({ kind: 'delay', ms: 600 });
    const result = await client.upsertBatch(contacts(2), 'append');
    expect(result.outcomes.size).toBe(2);
    expect(sandbox.stats().apiRequests).toBe(2);
    expect(mobilesStored(sandbox)).toHaveLength(2);
  });

  test('a dropped connection is retried', async () => {
    const { sandbox, client } = await setup();
    sandbox.inject({ kind: 'drop' });
    const result = await client.upsertBatch(contacts(2), 'append');
    expect(result.outcomes.size).toBe(2);
    expect(sandbox.stats().apiRequests).toBe(2);
  });

  test('the limiter at the sandbox rate keeps every request inside its token bucket', async () => {
    // Burst 2, not 1: arrival times at the server jitter by a few ms, which a bucket of one cannot absorb.
    const { sandbox, client } = await setup({ rate: 20, burst: 2 }, {}, { rate: 20, maxConcurrent: 4 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => client.upsertBatch(contacts(1, i), 'append')));
    expect(sandbox.stats().throttled).toBe(0);
    expect(client.stats.throttled).toBe(0);
  });

  test('no secret in errors: refused credentials, refused batch', async () => {
    const secret = 'S3CRET-sandbox-client-secret-51d2';
    const { sandbox } = await setup({ clientSecret: secret });
    const renderings = (error: unknown): string => {
      const err = error as Error & { cause?: unknown };
      return [
        err.message,
        err.stack,
        JSON.stringify(err),
        inspect(err, { showHidden: true, depth: Infinity }),
      ].join('\n');
    };

    const wrongLimiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
    limiters.push(wrongLimiter);
    const wrong = new SakariClient({
      apiUrl: sandbox.url,
      accountId: ACCOUNT,
      clientId: 'sandbox',
      clientSecret: `${secret}-wrong`,
      limiter: wrongLimiter,
    });
    const authError = await wrong.upsertBatch(contacts(1), 'append').catch((e: unknown) => e);
    expect(authError).toBeInstanceOf(SakariAuthError);
    expect(renderings(authError)).not.toContain(secret);

    const rightLimiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
    limiters.push(rightLimiter);
    const right = new SakariClient({
      apiUrl: sandbox.url,
      accountId: ACCOUNT,
      clientId: 'sandbox',
      clientSecret: secret,
      limiter: rightLimiter,
    });
    sandbox.inject({ kind: 'status', status: 400, code: 'CONT-000' });
    const httpError = await right.upsertBatch(contacts(1), 'append').catch((e: unknown) => e);
    expect(httpError).toBeInstanceOf(SakariHttpError);
    expect(renderings(httpError)).not.toContain(secret);
    expect(renderings(httpError)).not.toMatch(/Bearer (?!\[redacted\])/);
  });
});
