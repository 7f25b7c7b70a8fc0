import { inspect } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient } from '../../src/sakari/client.js';
import {
  SakariAuthError,
  SakariError,
  SakariHttpError,
  SakariTransportError,
} from '../../src/sakari/errors.js';
import type { ClientEvent } from '../../src/sakari/events.js';
import { apiError, json, startFakeSakari, type FakeOptions, type FakeSakari } from './fake-sakari.js';

const SECRET = 'S3CRET-client-5ecret-7f3a9';
const TOKEN = 'TOK3N-access-9c2e1d';

const servers: FakeSakari[] = [];
const limiters: AccountLimiter[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Every way an error can leak into a log line, a report or a crash dump. */
function renderings(error: unknown): string[] {
  const err = error as Error & { cause?: unknown };
  return [
    String(err),
    err.message,
    err.stack ?? '',
    JSON.stringify(err),
    JSON.stringify({ ...err }),
    inspect(err, { showHidden: true, depth: Infinity }),
    inspect(err.cause, { showHidden: true, depth: Infinity }),
    String(err.cause),
    JSON.stringify(
      Object.getOwnPropertyNames(err).map((name) => inspect(Reflect.get(err, name), { depth: Infinity })),
    ),
  ];
}

async function failWith(fake: Partial<FakeOptions> & Pick<FakeOptions, 'api'>, timeoutMs = 2000) {
  const server = await startFakeSakari({
    token: (_n, res) => json(res, 200, { access_token: TOKEN, token_type: 'bearer' }),
    ...fake,
  });
  servers.push(server);
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
  limiters.push(limiter);
  const events: ClientEvent[] = [];
  const client = new SakariClient({
    apiUrl: server.url,
    accountId: '123',
    clientId: 'id',
    clientSecret: SECRET,
    limiter,
    timeoutMs,
    retry: { attempts: 2, baseMs: 1, capMs: 2 },
    onEvent: (event) => events.push(event),
  });
  const error = await client
    .upsertBatch([{ mobile: '+15005550001', tags: [], attributes: {} }], 'append')
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { error, events };
}

const echo = `you sent Authorization: Bearer ${TOKEN} and secret ${SECRET}`;

describe('no secret in any thrown error', () => {
  test.each<
    [string, Partial<FakeOptions> & Pick<FakeOptions, 'api'>, number, new (...args: never[]) => SakariError]
  >([
    [
      'a 400 echoing the header and the secret',
      { api: (_r, res) => apiError(res, 400, 'CONT-000', echo) },
      2000,
      SakariHttpError,
    ],
    ['a 401 twice', { api: (_r, res) => apiError(res, 401, 'AUTH-001', echo) }, 2000, SakariAuthError],
    [
      'refused credentials echoing the secret',
      { token: (_n, res) => apiError(res, 401, 'AUTH-001', echo), api: (_r, res) => json(res, 500, {}) },
      2000,
      SakariAuthError,
    ],
    [
      'retries exhausted on 5xx',
      { api: (_r, res) => apiError(res, 503, 'SRV-503', echo) },
      2000,
      SakariHttpError,
    ],
    [
      'garbled JSON holding the token',
      {
        api: (_r, res) => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(`${TOKEN} ${SECRET} {`);
        },
      },
      2000,
      SakariHttpError,
    ],
    ['a timeout (got errors carry the request headers)', { api: () => undefined }, 50, SakariTransportError],
    ['a dropped connection', { api: (_r, res) => void res.socket?.destroy() }, 2000, SakariTransportError],
  ])('%s', async (_name, fake, timeoutMs, errorClass) => {
    const { error, events } = await failWith(fake, timeoutMs);
    expect(error).toBeInstanceOf(errorClass);
    for (const text of renderings(error)) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
      expect(text.toLowerCase()).not.toContain('authorization: bearer t');
    }
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  test('the redaction leaves the rest of the API message readable', async () => {
    const { error } = await failWith({ api: (_r, res) => apiError(res, 400, 'CONT-000', echo) });
    expect((error as Error).message).toBe(
      'POST /v1/accounts/123/contacts → 400 CONT-000: you sent Authorization: Bearer [redacted] and secret [redacted]',
    );
  });
});
