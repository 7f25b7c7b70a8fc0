import { afterEach, describe, expect, test, vi } from 'vitest';
import { ACCOUNT, Sandboxes, call, contactsPath, errorOf, requestToken, token } from './helpers.js';

const sandboxes = new Sandboxes();

afterEach(async () => {
  vi.useRealTimers();
  await sandboxes.closeAll();
});

describe('POST /oauth2/token', () => {
  test('issues a random bearer token with its lifetime', async () => {
    const sandbox = await sandboxes.start({ clientId: 'my-id', clientSecret: 'my-secret', tokenTtlSec: 120 });
    const body = { grant_type: 'client_credentials', client_id: 'my-id', client_secret: 'my-secret' };
    const first = await requestToken(sandbox, body);
    const second = await requestToken(sandbox, body);

    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 120 });
    const a = (first.json as { access_token: string }).access_token;
    const b = (second.json as { access_token: string }).access_token;
    expect(a).not.toBe(b);
    expect(a).not.toContain('my-secret');
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(sandbox.stats().tokensIssued).toBe(2);
  });

  test('accepts a form-encoded token request too', async () => {
    const sandbox = await sandboxes.start();
    const response = await fetch(`${sandbox.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sandbox&client_secret=sandbox',
    });
    expect(response.status).toBe(200);
  });

  test.each([
    ['wrong secret', { grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'nope' }],
    ['wrong client id', { grant_type: 'client_credentials', client_id: 'other', client_secret: 'sandbox' }],
    ['wrong grant', { grant_type: 'password', client_id: 'sandbox', client_secret: 'sandbox' }],
    ['no credentials', { grant_type: 'client_credentials' }],
  ])('refuses %s with 401 AUTH-001 and never echoes the secret', async (_name, body) => {
    const sandbox = await sandboxes.start();
    const reply = await requestToken(sandbox, body);
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ success: false, error: { code: 'AUTH-001' } });
    expect(reply.text).not.toContain('sandbox');
    expect(reply.text).not.toContain('nope');
    expect(sandbox.stats().tokensIssued).toBe(0);
  });

  test('a token request that is not JSON is a 400', async () => {
    const sandbox = await sandboxes.start();
    const reply = await call(sandbox, '/oauth2/token', {
      method: 'POST',
      body: '{oops',
      contentType: 'application/json',
    });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)?.code).toBe('AUTH-000');
  });

  test('token requests are not rate-limited', async () => {
    const sandbox = await sandboxes.start({ rate: 1, burst: 1 });
    const replies = await Promise.all(Array.from({ length: 5 }, () => requestToken(sandbox)));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sandbox.stats().throttled).toBe(0);
  });
});

describe('bearer tokens on /v1 routes', () => {
  test.each([
    ['no Authorization header', null],
    ['an unknown token', 'not-a-token'],
  ])('%s → 401 AUTH-001', async (_name, bearer) => {
    const sandbox = await sandboxes.start();
    const reply = await call(sandbox, contactsPath(), { bearer });
    expect(reply.status).toBe(401);
    expect(errorOf(reply)?.code).toBe('AUTH-001');
  });

  test('expireTokens makes issued tokens answer 401 AUTH-002 "token expired"; a new token works', async () => {
    const sandbox = await sandboxes.start();
    const old = await token(sandbox);
    expect((await call(sandbox, contactsPath(), { bearer: old })).status).toBe(200);

    sandbox.expireTokens();
    const expired = await call(sandbox, contactsPath(), { bearer: old });
    expect(expired.status).toBe(401);
    expect(errorOf(expired)).toEqual({ code: 'AUTH-002', message: 'token expired' });

    const fresh = await token(sandbox);
    expect((await call(sandbox, contactsPath(), { bearer: fresh })).status).toBe(200);
  });

  test('a token expires after tokenTtlSec', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const sandbox = await sandboxes.start({ tokenTtlSec: 60 });
    const bearer = await token(sandbox);

    vi.setSystemTime(new Date('2026-01-01T00:00:59.999Z'));
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(200);

    vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    const expired = await call(sandbox, contactsPath(), { bearer });
    expect(expired.status).toBe(401);
    expect(errorOf(expired)?.code).toBe('AUTH-002');
  });

  test('tokenTtlSec changed at runtime applies to tokens issued afterwards', async () => {
    const sandbox = await sandboxes.start();
    sandbox.setOptions({ tokenTtlSec: 5 });
    const reply = await requestToken(sandbox);
    expect((reply.json as { expires_in: number }).expires_in).toBe(5);
  });

  test('a token is good for every account', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    expect((await call(sandbox, contactsPath('', ACCOUNT), { bearer })).status).toBe(200);
    expect((await call(sandbox, contactsPath('', 'another'), { bearer })).status).toBe(200);
  });
});
