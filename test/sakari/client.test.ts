import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient, type SakariClientOptions } from '../../src/sakari/client.js';
import {
  SakariAuthError,
  SakariError,
  SakariHttpError,
  SakariTransportError,
  failureCode,
} from '../../src/sakari/errors.js';
import type { ClientEvent } from '../../src/sakari/events.js';
import type { ContactPayload } from '../../src/types.js';
import {
  apiError,
  json,
  startFakeSakari,
  uploadAllCreated,
  type FakeOptions,
  type FakeSakari,
} from './fake-sakari.js';

const servers: FakeSakari[] = [];
const limiters: AccountLimiter[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Fast retries: the tests are about behaviour, not waiting. */
const FAST_RETRY = { attempts: 4, baseMs: 5, capMs: 20 };

async function setup(
  fake: FakeOptions,
  overrides: Partial<SakariClientOptions> = {},
): Promise<{ server: FakeSakari; client: SakariClient; limiter: AccountLimiter; events: ClientEvent[] }> {
  const server = await startFakeSakari(fake);
  servers.push(server);
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 8 });
  limiters.push(limiter);
  const events: ClientEvent[] = [];
  const client = new SakariClient({
    apiUrl: server.url,
    accountId: 'acc 1',
    clientId: 'id-1',
    clientSecret: 'secret-1',
    limiter,
    retry: FAST_RETRY,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { server, client, limiter, events };
}

const contact = (mobile: string, extra: Partial<ContactPayload> = {}): ContactPayload => ({
  mobile,
  tags: [],
  attributes: {},
  ...extra,
});

const AT = '2025-01-01T00:00:00.000Z';
const LATER = '2025-02-01T00:00:00.000Z';

describe('upsertBatch', () => {
  test('sends one CSV upload with the token and reads every row outcome', async () => {
    const { server, client } = await setup({
      api: (_request, res) =>
        json(res, 201, {
          success: true,
          data: {
            submitted: 5,
            inserted: 1,
            updated: 1,
            success: 2,
            unknownField: { ignored: true },
            contacts: [
              { id: 'new-1', mobile: { number: '+15005550001' }, created: { at: AT }, updated: { at: AT } },
              // Sakari may echo the number without '+': matched by its digits.
              { id: 'old-2', mobile: { number: '15005550002' }, created: { at: AT }, updated: { at: LATER } },
            ],
            errors: [
              { mobile: { number: '+15005550003' }, error: { code: 'CONT-010', description: 'opted out' } },
              {
                mobile: { number: '+15005550004' },
                error: { code: 'CONT-001', description: 'Invalid mobile' },
              },
              { mobile: { number: '+19999999999' }, error: { code: 'CONT-001', description: 'not ours' } },
            ],
          },
        }),
    });
    const batch = [
      contact('+15005550001', { firstName: 'Ann', tags: ['a', 'b'], attributes: { Plan: 'gold, plus' } }),
      contact('+15005550002', { country: 'US', attributes: { Team: 'x' } }),
      contact('+15005550003'),
      contact('+15005550004'),
      contact('+15005550005'),
    ];
    const result = await client.upsertBatch(batch, 'core');

    expect(Object.fromEntries(result.outcomes)).toEqual({
      '+15005550001': { status: 'created', contactId: 'new-1' },
      '+15005550002': { status: 'updated', contactId: 'old-2' },
      '+15005550003': { status: 'blocked', code: 'CONT-010', message: 'opted out' },
      '+15005550004': { status: 'failed', code: 'CONT-001', message: 'Invalid mobile' },
      '+15005550005': { status: 'failed', code: 'NO_RESULT', message: expect.any(String) },
    });
    expect(result).toMatchObject({ submitted: 5, inserted: 1, updated: 1 });

    const [token, upload] = server.received;
    expect(token?.path).toBe('/oauth2/token');
    expect(JSON.parse(token!.body)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'id-1',
      client_secret: 'secret-1',
    });
    expect(upload?.method).toBe('POST');
    expect(upload?.path).toBe('/v1/accounts/acc%201/contacts');
    expect(upload?.query.get('mergeStrategy')).toBe('core');
    expect(upload?.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(upload?.headers.authorization).toBe('Bearer token-1');
    expect(upload?.body).toBe(
      'mobile,country,firstName,lastName,email,tags,Plan,Team\r\n' +
        '+15005550001,,Ann,,,a|b,"gold, plus",\r\n' +
        '+15005550002,US,,,,,,x\r\n' +
        '+15005550003,,,,,,,\r\n' +
        '+15005550004,,,,,,,\r\n' +
        '+15005550005,,,,,,,\r\n',
    );
    expect(client.stats).toEqual({ requests: 2, throttled: 0, retries: 0, tokenRefreshes: 0 });
  });

  test('an empty batch sends nothing', async () => {
    const { server, client } = await setup({ api: (_r, res) => json(res, 500, {}) });
    const result = await client.upsertBatch([], 'append');
    expect(result.outcomes.size).toBe(0);
    expect(server.received).toHaveLength(0);
  });

  test('tolerates an answer with missing arrays: the row is looked up by mobile, not found → NO_RESULT', async () => {
    const { server, client } = await setup({
      api: (_r, res) => json(res, 201, { success: true, data: {} }),
    });
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')).toMatchObject({ status: 'failed', code: 'NO_RESULT' });
    expect(result).toMatchObject({ submitted: 1, inserted: 0, updated: 0 });
    const [upload, lookUp] = server.apiRequests();
    expect(upload?.method).toBe('POST');
    expect(lookUp?.method).toBe('GET');
    expect(lookUp?.path).toBe('/v1/accounts/acc%201/contacts');
    expect(Object.fromEntries(lookUp?.query ?? [])).toEqual({
      mobile: '15005550001',
      offset: '0',
      limit: '100',
    });
  });

  test('a 400 for the whole batch throws SakariHttpError with the API code, without retrying', async () => {
    const { server, client } = await setup({
      api: (_r, res) => apiError(res, 400, 'CONT-000', 'Malformed CSV'),
    });
    const error = await client.upsertBatch([contact('+15005550001')], 'append').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SakariHttpError);
    const http = error as SakariHttpError;
    expect(http.message).toBe('POST /v1/accounts/acc%201/contacts → 400 CONT-000: Malformed CSV');
    expect(http).toMatchObject({ status: 400, apiCode: 'CONT-000', retryable: false, attempts: 1 });
    expect(failureCode(http)).toBe('CONT-000');
    expect(server.apiRequests()).toHaveLength(1);
    expect(client.stats.retries).toBe(0);
  });

  test('a 4xx without an API error body is reported with the status and a body excerpt', async () => {
    const { client } = await setup({
      api: (_r, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html>\n  <body>Not Found</body>\n</html>');
      },
    });
    const error = (await client.getContact('x').catch((e: unknown) => e)) as SakariHttpError;
    expect(error.message).toBe(
      'GET /v1/accounts/acc%201/contacts/x → 404: <html> <body>Not Found</body> </html>',
    );
    expect(failureCode(error)).toBe('HTTP_404');
  });

  test('5xx is retried with backoff, up to `attempts` sends in all, then thrown', async () => {
    const { server, client, events } = await setup({
      api: (_r, res) => apiError(res, 503, 'SRV-503', 'down'),
    });
    const error = (await client
      .upsertBatch([contact('+15005550001')], 'append')
      .catch((e: unknown) => e)) as SakariHttpError;
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 4 });
    expect(error.message).toMatch(/→ 503 SRV-503: down \(gave up after 4 attempts\)$/);
    expect(server.apiRequests()).toHaveLength(4);
    expect(client.stats).toMatchObject({ requests: 5, retries: 3 });
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.type === 'retry' && [e.attempt, e.reason])).toEqual([
      [2, 'HTTP_503'],
      [3, 'HTTP_503'],
      [4, 'HTTP_503'],
    ]);
    for (const retry of retries) if (retry.type === 'retry') expect(retry.delayMs).toBeLessThan(20);
  });

  test('a transient 500 then success: the batch succeeds', async () => {
    const { server, client } = await setup({
      api: (r, res, i) =>
        i < 2 ? apiError(res, 500, 'SRV-500', 'oops') : json(res, 201, uploadAllCreated(r.body)),
    });
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.apiRequests()).toHaveLength(3);
    expect(client.stats.retries).toBe(2);
  });

  test('a 201 with garbled JSON is retried like a 5xx', async () => {
    const { server, client, events } = await setup({
      api: (r, res, i) => {
        if (i === 0) {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end('{"success":true,"data":{"contac');
          return;
        }
        json(res, 201, uploadAllCreated(r.body));
      },
    });
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.apiRequests()).toHaveLength(2);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retry', reason: 'INVALID_JSON', attempt: 2 }),
    );
  });

  test('a timeout is retried; when every try times out, SakariTransportError ETIMEDOUT', async () => {
    let slow = 1;
    const { server, client } = await setup(
      {
        api: (r, res) => {
          if (slow-- > 0) {
            setTimeout(() => json(res, 201, uploadAllCreated(r.body)), 400);
            return;
          }
          json(res, 201, uploadAllCreated(r.body));
        },
      },
      { timeoutMs: 100 },
    );
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.apiRequests()).toHaveLength(2);

    slow = 100;
    const error = (await client
      .upsertBatch([contact('+15005550001')], 'append')
      .catch((e: unknown) => e)) as SakariError;
    expect(error).toBeInstanceOf(SakariTransportError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', retryable: true, attempts: 4 });
    expect(failureCode(error)).toBe('ETIMEDOUT');
  });

  test('a dropped connection (socket hang up) is retried', async () => {
    const { server, client } = await setup({
      api: (r, res, i) => (i === 0 ? void res.socket?.destroy() : json(res, 201, uploadAllCreated(r.body))),
    });
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.apiRequests()).toHaveLength(2);
  });

  test('a refused connection is retried, then thrown as SakariTransportError ECONNREFUSED', async () => {
    const { server } = await setup({ api: (_r, res) => json(res, 200, {}) });
    const url = server.url;
    await server.close();
    const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
    limiters.push(limiter);
    const client = new SakariClient({
      apiUrl: url,
      accountId: '1',
      clientId: 'id',
      clientSecret: 'secret',
      limiter,
      retry: { attempts: 3, baseMs: 1, capMs: 2 },
    });
    const error = (await client
      .upsertBatch([contact('+15005550001')], 'append')
      .catch((e: unknown) => e)) as SakariError;
    expect(error).toBeInstanceOf(SakariTransportError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', path: '/oauth2/token', attempts: 3 });
    expect(client.stats.requests).toBe(3);
  });
});

describe('throttling', () => {
  test('429 with Retry-After pauses the account limiter and does not use up attempts', async () => {
    const { server, client, limiter, events } = await setup(
      {
        api: (r, res, i) =>
          i < 3
            ? apiError(res, 429, 'RATE-001', 'Too many requests', { 'retry-after': '0' })
            : json(res, 201, uploadAllCreated(r.body)),
      },
      { retry: { attempts: 1 } },
    );
    const before = Date.now();
    const result = await client.upsertBatch([contact('+15005550001')], 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.apiRequests()).toHaveLength(4);
    expect(client.stats).toMatchObject({ throttled: 3, retries: 3 });
    expect(limiter.pausedUntil).toBeGreaterThanOrEqual(before);
    expect(events.filter((e) => e.type === 'throttled')).toEqual([
      { type: 'throttled', method: 'POST', path: '/v1/accounts/acc%201/contacts', retryAfterMs: 0 },
      expect.anything(),
      expect.anything(),
    ]);
  });

  test('429 with Retry-After: 1 holds every request to the account for 1 s (measured at the server)', async () => {
    const { server, client } = await setup({
      api: (r, res, i) =>
        i === 0
          ? apiError(res, 429, 'RATE-001', 'slow down', { 'retry-after': '1' })
          : json(res, 201, uploadAllCreated(r.body)),
    });
    const first = client.upsertBatch([contact('+15005550001')], 'append');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Queued after the 429 arrived: must wait for the pause too.
    const second = client.upsertBatch([contact('+15005550002')], 'append');
    await Promise.all([first, second]);
    const [throttled, ...rest] = server.apiRequests();
    expect(rest).toHaveLength(2);
    for (const request of rest) expect(request.at - throttled!.at).toBeGreaterThanOrEqual(1000);
  });

  test('429 without Retry-After backs off without pausing the account; gives up after 50 retries', async () => {
    const { server, client, limiter } = await setup(
      { api: (_r, res) => apiError(res, 429, 'RATE-001', 'Too many requests') },
      { retry: { attempts: 2, baseMs: 0, capMs: 0 } },
    );
    const error = (await client
      .upsertBatch([contact('+15005550001')], 'append')
      .catch((e: unknown) => e)) as SakariHttpError;
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error).toMatchObject({ status: 429, apiCode: 'RATE-001', attempts: 51 });
    expect(server.apiRequests()).toHaveLength(51);
    expect(client.stats.throttled).toBe(51);
    expect(limiter.pausedUntil).toBe(0);
  });
});

describe('tokens', () => {
  test('one token for many requests, one token request for concurrent callers', async () => {
    const { server, client } = await setup({ api: (r, res) => json(res, 201, uploadAllCreated(r.body)) });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.upsertBatch([contact(`+1500555000${i}`)], 'append')),
    );
    for (let i = 0; i < 5; i++) await client.upsertBatch([contact('+15005550001')], 'append');
    expect(server.tokenRequests()).toHaveLength(1);
    expect(server.apiRequests()).toHaveLength(15);
    for (const request of server.apiRequests()) expect(request.headers.authorization).toBe('Bearer token-1');
    expect(client.stats).toMatchObject({ requests: 16, tokenRefreshes: 0 });
  });

  test('refreshes a little before expires_in runs out', async () => {
    const { server, client, events } = await setup({
      token: (n, res) =>
        json(res, 200, { access_token: `token-${n}`, token_type: 'bearer', expires_in: 0.3 }),
      api: (r, res) => json(res, 201, uploadAllCreated(r.body)),
    });
    await client.upsertBatch([contact('+15005550001')], 'append');
    await client.upsertBatch([contact('+15005550001')], 'append');
    expect(server.tokenRequests()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.upsertBatch([contact('+15005550001')], 'append');
    expect(server.tokenRequests()).toHaveLength(2);
    expect(server.apiRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(client.stats.tokenRefreshes).toBe(1);
    expect(events.filter((e) => e.type === 'token-refresh')).toHaveLength(1);
  });

  test('a 401 fetches a new token once and repeats the request', async () => {
    const { server, client } = await setup({
      api: (r, res) =>
        r.headers.authorization === 'Bearer token-1'
          ? apiError(res, 401, 'AUTH-002', 'Token expired')
          : json(res, 201, uploadAllCreated(r.body)),
    });
    // Concurrent requests refused with the same old token cause one refresh, not one each.
    await Promise.all([1, 2, 3].map((i) => client.upsertBatch([contact(`+1500555000${i}`)], 'append')));
    expect(server.tokenRequests()).toHaveLength(2);
    expect(client.stats).toMatchObject({ tokenRefreshes: 1, retries: 0 });
  });

  test('a second 401 throws SakariAuthError', async () => {
    const { server, client } = await setup({
      api: (_r, res) => apiError(res, 401, 'AUTH-001', 'Unknown token'),
    });
    const error = await client.upsertBatch([contact('+15005550001')], 'append').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SakariAuthError);
    expect((error as SakariAuthError).message).toMatch(/→ 401 AUTH-001: Unknown token/);
    expect(server.tokenRequests()).toHaveLength(2);
    expect(server.apiRequests()).toHaveLength(2);
  });

  test('refused credentials throw SakariAuthError without retrying', async () => {
    const { server, client } = await setup({
      token: (_n, res) => apiError(res, 401, 'AUTH-001', 'Invalid client credentials'),
      api: (_r, res) => json(res, 500, {}),
    });
    const error = (await client
      .upsertBatch([contact('+15005550001')], 'append')
      .catch((e: unknown) => e)) as SakariAuthError;
    expect(error).toBeInstanceOf(SakariAuthError);
    // The full URL: a 401 from something else than Sakari's token endpoint shows where it came from.
    expect(error.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/token → 401 AUTH-001: Invalid client credentials \(check the client id and secret\)$/,
    );
    expect(server.received).toHaveLength(1);
  });

  test('a failing token endpoint (503) is retried like any request', async () => {
    const { server, client } = await setup({
      token: (n, res) =>
        n === 1
          ? apiError(res, 503, 'SRV-503', 'busy')
          : json(res, 200, { access_token: 'tok', token_type: 'bearer' }),
      api: (r, res) => json(res, 201, uploadAllCreated(r.body)),
    });
    await client.upsertBatch([contact('+15005550001')], 'append');
    expect(server.tokenRequests()).toHaveLength(2);
    expect(client.stats).toMatchObject({ requests: 3, retries: 1, tokenRefreshes: 0 });
  });
});

describe('listContacts and single-contact calls', () => {
  const remote = (i: number) => ({
    id: `id-${i}`,
    mobile: { number: `+1500555${String(i).padStart(4, '0')}`, country: 'US' },
    firstName: `F${i}`,
    tags: [{ tag: 'vip' }, { tag: 'x', visible: false }],
    attributes: { n: i, flag: true, missing: null, nested: { a: 1 } },
    created: { at: AT },
    updated: { at: LATER },
    someFutureField: 1,
  });

  test('pages with offset/limit until the total is reached, every contact once', async () => {
    const total = 250;
    const { server, client } = await setup({
      api: (r, res) => {
        const offset = Number(r.query.get('offset'));
        const limit = Number(r.query.get('limit'));
        const data = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) =>
          remote(offset + k),
        );
        json(res, 200, { success: true, data, pagination: { offset, limit, totalCount: total } });
      },
    });
    const ids: string[] = [];
    for await (const c of client.listContacts()) ids.push(c.id);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(server.apiRequests().map((r) => [r.query.get('offset'), r.query.get('limit')])).toEqual([
      ['0', '100'],
      ['100', '100'],
      ['200', '100'],
    ]);
  });

  test('a server that caps limit lower than asked still yields everything (trusts totalCount)', async () => {
    const total = 120;
    const { client } = await setup({
      api: (r, res) => {
        const offset = Number(r.query.get('offset'));
        const data = Array.from({ length: Math.max(0, Math.min(50, total - offset)) }, (_, k) =>
          remote(offset + k),
        );
        json(res, 200, { data, pagination: { offset, limit: 50, totalCount: total } });
      },
    });
    let count = 0;
    for await (const _ of client.listContacts({ pageSize: 100 })) count++;
    expect(count).toBe(total);
  });

  test('without pagination, an empty page ends the listing, not a short one (a server may cap pages)', async () => {
    const { server, client } = await setup({
      api: (r, res) => {
        const offset = Number(r.query.get('offset'));
        json(res, 200, { data: offset === 0 ? [remote(0), remote(1)] : offset === 2 ? [remote(2)] : [] });
      },
    });
    const ids: string[] = [];
    for await (const c of client.listContacts({ pageSize: 2 })) ids.push(c.id);
    expect(ids).toEqual(['id-0', 'id-1', 'id-2']);
    expect(server.apiRequests()).toHaveLength(3);
  });

  test('a server that ignores offset and gives no pagination stops the listing with a clear error', async () => {
    const { server, client } = await setup({
      api: (_r, res) => json(res, 200, { data: [remote(0), remote(1)] }),
    });
    const ids: string[] = [];
    await expect(async () => {
      for await (const c of client.listContacts({ pageSize: 5 })) ids.push(c.id);
    }).rejects.toThrow(/answered offset 2 with the same contacts as the page before/);
    expect(ids).toEqual(['id-0', 'id-1']);
    expect(server.apiRequests()).toHaveLength(2);
  });

  test('maps Contact to RemoteContact', async () => {
    const { client } = await setup({ api: (_r, res) => json(res, 200, { success: true, data: remote(7) }) });
    expect(await client.getContact('id-7')).toEqual({
      id: 'id-7',
      mobile: { number: '+15005550007', country: 'US' },
      firstName: 'F7',
      tags: ['vip', 'x'],
      attributes: { n: '7', flag: 'true', nested: '{"a":1}' },
      createdAt: AT,
      updatedAt: LATER,
    });
  });

  test('rejects a page size above the API maximum', async () => {
    const { client } = await setup({ api: (_r, res) => json(res, 200, { data: [] }) });
    await expect(client.listContacts({ pageSize: 101 }).next()).rejects.toThrow(RangeError);
  });

  test('upsertOne sends a JSON ContactRequest; update and delete use the contact path', async () => {
    const { server, client } = await setup({
      api: (r, res) => {
        if (r.method === 'POST') return json(res, 201, { success: true, data: [remote(1)] });
        if (r.method === 'PUT')
          return json(res, 200, { success: true, data: { ...remote(1), firstName: 'New' } });
        return json(res, 200, { success: true });
      },
    });
    const payload = contact('+15005550001', {
      country: 'US',
      firstName: 'F1',
      tags: ['vip'],
      attributes: { n: '1' },
    });
    const upserted = await client.upsertOne(payload, 'append');
    expect(upserted.status).toBe('updated');
    expect(upserted.contact.id).toBe('id-1');
    const updated = await client.updateContact('id/1', { ...payload, firstName: 'New' });
    expect(updated.firstName).toBe('New');
    await client.deleteContact('id/1');

    const [post, put, del] = server.apiRequests();
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post!.body)).toEqual({
      mobile: { number: '+15005550001', country: 'US' },
      firstName: 'F1',
      tags: [{ tag: 'vip' }],
      attributes: { n: '1' },
    });
    expect(put?.path).toBe('/v1/accounts/acc%201/contacts/id%2F1');
    expect(del?.method).toBe('DELETE');
  });

  test('upsertOne of a refused contact throws with the API code, not retried', async () => {
    const { server, client } = await setup({
      api: (_r, res) =>
        json(res, 201, {
          success: true,
          data: {
            contacts: [],
            errors: [{ mobile: { number: '+1' }, error: { code: 'CONT-010', description: 'opted out' } }],
          },
        }),
    });
    const error = (await client
      .upsertOne(contact('+15005550001'), 'append')
      .catch((e: unknown) => e)) as SakariHttpError;
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error).toMatchObject({ apiCode: 'CONT-010', retryable: false });
    expect(server.apiRequests()).toHaveLength(1);
  });

  test('a contact without an id is a malformed answer, not retried', async () => {
    const { server, client } = await setup({
      api: (_r, res) => json(res, 200, { data: { mobile: { number: '+1' } } }),
    });
    await expect(client.getContact('x')).rejects.toThrow(
      /unexpected answer: a contact in the answer has no id/,
    );
    expect(server.apiRequests()).toHaveLength(1);
  });
});

describe('options', () => {
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
  limiters.push(limiter);
  const base: SakariClientOptions = {
    apiUrl: 'https://api.sakari.io',
    accountId: '1',
    clientId: 'id',
    clientSecret: 'hush-hush',
    limiter,
  };
  test.each<[Partial<SakariClientOptions>, RegExp]>([
    [{ apiUrl: 'api.sakari.io' }, /^apiUrl: expected an absolute http\(s\) URL/],
    [{ apiUrl: 'ftp://api.sakari.io' }, /^apiUrl/],
    [{ apiUrl: 'https://user:pw@api.sakari.io' }, /^apiUrl: credentials/],
    [{ accountId: '' }, /^accountId/],
    [{ clientSecret: ' ' }, /^clientSecret: expected a non-empty string$/],
    [{ timeoutMs: 0 }, /^timeoutMs/],
    [{ retry: { attempts: 0 } }, /^retry.attempts/],
    [{ retry: { baseMs: -1 } }, /^retry.baseMs/],
  ])('%j is refused', (override, message) => {
    expect(() => new SakariClient({ ...base, ...override })).toThrow(message);
  });

  test('valid options construct (no request is sent)', () => {
    expect(
      new SakariClient({ ...base, apiUrl: 'https://api.sakari.io/', retry: { attempts: undefined } }).stats,
    ).toEqual({
      requests: 0,
      throttled: 0,
      retries: 0,
      tokenRefreshes: 0,
    });
  });
});

test('a throwing event listener does not break requests', async () => {
  const { client } = await setup(
    { api: (r, res) => json(res, 201, uploadAllCreated(r.body)) },
    {
      onEvent: () => {
        throw new Error('listener bug');
      },
    },
  );
  const result = await client.upsertBatch([contact('+15005550001')], 'append');
  expect(result.outcomes.size).toBe(1);
});

test('request events report method, path, status and duration', async () => {
  const { client, events } = await setup({ api: (r, res) => json(res, 201, uploadAllCreated(r.body)) });
  await client.upsertBatch([contact('+15005550001')], 'append');
  expect(events).toEqual([
    { type: 'request', method: 'POST', path: '/oauth2/token', status: 200, durationMs: expect.any(Number) },
    {
      type: 'request',
      method: 'POST',
      path: '/v1/accounts/acc%201/contacts',
      status: 201,
      durationMs: expect.any(Number),
    },
  ]);
});
