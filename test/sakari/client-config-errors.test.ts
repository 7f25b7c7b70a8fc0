/**
 * What a re-run cannot cure is a configuration error (CONTRACT §6: exit 2), with a message that
 * shows the full URL requested and says what to check: a wrong account id (404 on the account's
 * contacts), credentials without the rights (403, JSON or a firewall's page), an API URL with
 * no token endpoint. A trailing `/v1` on the API URL (the spec's `servers` URL) is dropped.
 * And the token endpoint's own failures: reported as failures with an excerpt, a server's
 * `success: false` retried, Sakari's `{success, data: {access_token}}` envelope accepted; error
 * excerpts redacted before they are cut.
 *
 * Each test runs the real client over HTTP against its own server on 127.0.0.1.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { exitCodeOfError } from '../../src/exit-codes.js';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient, type SakariClientOptions } from '../../src/sakari/client.js';
import { SakariError, SakariHttpError } from '../../src/sakari/errors.js';
import type { ContactPayload } from '../../src/types.js';

interface Seen {
  method: string;
  path: string;
  body: string;
}

/** Answers one request (token requests included): `n` counts the requests to the same path. */
type Answer = (seen: Seen, res: ServerResponse, n: number) => void;

interface Server {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const TOKEN = 'tok-SECRETTOKEN-4711';
const SECRET = 'client-secret-0815';

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const tokenOk = (_seen: Seen, res: ServerResponse): void =>
  send(res, 200, { access_token: TOKEN, token_type: 'bearer' });

async function serve(answer: Answer): Promise<Server> {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const request = { method: req.method ?? '', path, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      answer(request, res, n);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

function client(apiUrl: string, overrides: Partial<SakariClientOptions> = {}): SakariClient {
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 4 });
  closers.push(() => limiter.stop());
  return new SakariClient({
    apiUrl,
    accountId: 'acc1',
    clientId: 'id-1',
    clientSecret: SECRET,
    limiter,
    retry: { attempts: 3, baseMs: 1, capMs: 2 },
    ...overrides,
  });
}

const batch: ContactPayload[] = [{ mobile: '+15005550001', tags: [], attributes: {} }];

async function failure(promise: Promise<unknown>): Promise<SakariError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SakariError);
  return error as SakariError;
}

describe('configuration errors: exit 2, the full URL, what to check', () => {
  test('an unknown account (404 with an API code) names the account id to check; not retried', async () => {
    const server = await serve((seen, res) =>
      seen.path === '/oauth2/token'
        ? tokenOk(seen, res)
        : send(res, 404, { success: false, error: { code: 'ACCT-001', message: 'Account not found' } }),
    );
    const error = await failure(client(server.url, { accountId: 'nope' }).upsertBatch(batch, 'append'));
    expect(exitCodeOfError(error)).toBe(2);
    expect(error).not.toBeInstanceOf(SakariHttpError); // so the pipeline never splits the batch
    expect(error.message).toBe(
      `POST ${server.url}/v1/accounts/nope/contacts → 404 ACCT-001: Account not found; ` +
        'check the account id (--account "nope"); if it is right, check the API URL ' +
        "(--api-url: the API's base URL, e.g. https://api.sakari.io, without /v1)",
    );
    expect(server.seen.filter((s) => s.path !== '/oauth2/token')).toHaveLength(1);
  });

  test("a 404 that is not Sakari's (a web server page) says to check the API URL and the account", async () => {
    const server = await serve((seen, res) =>
      seen.path === '/oauth2/token'
        ? tokenOk(seen, res)
        : send(res, 404, `<html><pre>Cannot POST ${seen.path}</pre></html>`, 'text/html'),
    );
    const error = await failure(client(server.url).upsertBatch(batch, 'append'));
    expect(exitCodeOfError(error)).toBe(2);
    expect(error.message).toContain(`POST ${server.url}/v1/accounts/acc1/contacts → 404: <html>`);
    expect(error.message).toMatch(/check the API URL \(--api-url: .*without \/v1\) and the account id/);
  });

  test('listing the contacts of an unknown account is the same configuration error', async () => {
    const server = await serve((seen, res) =>
      seen.path === '/oauth2/token'
        ? tokenOk(seen, res)
        : send(res, 404, { success: false, error: { code: 'ACCT-001', message: 'Account not found' } }),
    );
    const listing = (async () => {
      for await (const contact of client(server.url).listContacts()) void contact;
    })();
    const error = await failure(listing);
    expect(exitCodeOfError(error)).toBe(2);
    expect(error.message).toContain(`GET ${server.url}/v1/accounts/acc1/contacts → 404 ACCT-001`);
  });

  test.each([
    ['JSON', { success: false, error: { code: 'AUTH-005', message: 'API access not enabled' } }, 'AUTH-005'],
    ['a firewall page', '<html><body><h1>403 Forbidden</h1>Request blocked by WAF</body></html>', undefined],
  ])('a 403 (%s) says to check the credentials’ rights; not retried', async (_what, body, code) => {
    const server = await serve((seen, res) =>
      seen.path === '/oauth2/token'
        ? tokenOk(seen, res)
        : send(res, 403, body, typeof body === 'string' ? 'text/html' : 'application/json'),
    );
    const error = await failure(client(server.url).upsertBatch(batch, 'append'));
    expect(exitCodeOfError(error)).toBe(2);
    expect(error.apiCode).toBe(code);
    expect(error.message).toContain(`POST ${server.url}/v1/accounts/acc1/contacts → 403`);
    expect(error.message).toContain('check that these API credentials have the rights to use it');
    expect(server.seen.filter((s) => s.path !== '/oauth2/token')).toHaveLength(1);
  });

  test('no token endpoint at the API URL (404) shows the token URL and says to check --api-url', async () => {
    const server = await serve((seen, res) =>
      send(res, 404, `<html><pre>Cannot POST ${seen.path}</pre></html>`, 'text/html'),
    );
    const error = await failure(client(`${server.url}/api`).upsertBatch(batch, 'append'));
    expect(exitCodeOfError(error)).toBe(2);
    expect(error.message).toContain(`POST ${server.url}/api/oauth2/token → 404: <html>`);
    expect(error.message).toContain('check the API URL (--api-url');
    expect(server.seen).toHaveLength(1);
  });

  test.each(['/v1', '/v1/'])(
    'an API URL ending in %s (the spec’s servers URL) is used without it',
    async (suffix) => {
      const server = await serve((seen, res) =>
        seen.path === '/oauth2/token'
          ? tokenOk(seen, res)
          : send(res, 201, { success: true, data: { submitted: 1, inserted: 1, updated: 0 } }),
      );
      const result = await client(server.url + suffix).upsertBatch(batch, 'append');
      expect(result.outcomes.get('+15005550001')?.status).toBe('created');
      expect(server.seen.map((s) => s.path)).toEqual(['/oauth2/token', '/v1/accounts/acc1/contacts']);
    },
  );
});

describe('the token endpoint', () => {
  test('a 502 page "failed" (not "refused"), with an excerpt; retried, then resumable (exit 1)', async () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>';
    const server = await serve((_seen, res) => send(res, 502, page, 'text/html'));
    const error = await failure(client(server.url).upsertBatch(batch, 'append'));
    expect(error.message).toBe(
      `POST /oauth2/token → 502: the token request failed: ${page} (gave up after 3 attempts)`,
    );
    expect(error.retryable).toBe(true);
    expect(exitCodeOfError(error)).toBe(1);
    expect(server.seen).toHaveLength(3);
  });

  test("a 200 `success: false` with the server's message is the server's problem: retried, exit 1", async () => {
    const server = await serve((_seen, res) =>
      send(res, 200, {
        success: false,
        error: { code: 'AUTH-003', message: 'Service temporarily unavailable' },
      }),
    );
    const error = await failure(client(server.url).upsertBatch(batch, 'append'));
    expect(error.message).toContain('AUTH-003: the token request failed: Service temporarily unavailable');
    expect(exitCodeOfError(error)).toBe(1);
    expect(server.seen).toHaveLength(3);
  });

  test("Sakari's envelope {success: true, data: {access_token}} is a token", async () => {
    const server = await serve((seen, res) =>
      seen.path === '/oauth2/token'
        ? send(res, 200, {
            success: true,
            data: { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 },
          })
        : send(res, 201, { success: true, data: { submitted: 1, inserted: 1, updated: 0 } }),
    );
    const result = await client(server.url).upsertBatch(batch, 'append');
    expect(result.outcomes.get('+15005550001')?.status).toBe('created');
    expect(server.seen).toHaveLength(2);
  });
});

test('an error excerpt is redacted before it is cut: no prefix of a token straddling the cut', async () => {
  // 115 characters, a space, then the token: the 120-character cut falls inside the token.
  const server = await serve((seen, res) =>
    seen.path === '/oauth2/token'
      ? tokenOk(seen, res)
      : send(res, 400, `${'x'.repeat(115)} ${TOKEN}`, 'text/html'),
  );
  const error = await failure(client(server.url).upsertBatch(batch, 'append'));
  expect(error.message).not.toContain(TOKEN.slice(0, 3));
  expect(error.message).toContain(`${'x'.repeat(115)} [red…`);
});
