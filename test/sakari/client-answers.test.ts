/**
 * Upload answers the client used to misread as a failed batch:
 * - `success: false` whose `data.errors[]` names each refused row: read row by row (CONT-010 is
 *   `blocked`, never sent again), not one failure for the batch;
 * - a 2xx without a body (empty 201, 204) or with a UTF-8 BOM: not "invalid JSON, send again";
 *   an empty answer names no row (each row is looked up), a BOM is skipped, and a body that cannot
 *   be read sends the batch again at most once;
 * - a look-up after an accepted upload that fails (400, 404): its row is `failed NO_RESULT`, the
 *   upload is not refused (no split, no second upload); a row the counts say was stored stays stored.
 *
 * Each test runs the real client over HTTP against its own server on 127.0.0.1.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient } from '../../src/sakari/client.js';
import { SakariHttpError } from '../../src/sakari/errors.js';
import type { ContactPayload } from '../../src/types.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** Answers one API request (the token endpoint always gives a token); `n` counts them. */
type Answer = (seen: Seen, res: ServerResponse, n: number) => void;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function setup(
  answer: Answer,
): Promise<{ client: SakariClient; uploads: () => number; gets: () => number }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/oauth2/token')
        return send(res, 200, { access_token: 'tok', token_type: 'bearer' });
      const request = { method: req.method ?? '', path: url.pathname, query: url.searchParams };
      seen.push(request);
      answer(request, res, seen.length - 1);
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
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 4 });
  closers.push(() => limiter.stop());
  const client = new SakariClient({
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accountId: 'acc1',
    clientId: 'id',
    clientSecret: 'secret',
    limiter,
    retry: { attempts: 6, baseMs: 1, capMs: 2 },
  });
  return {
    client,
    uploads: () => seen.filter((s) => s.method === 'POST').length,
    gets: () => seen.filter((s) => s.method === 'GET').length,
  };
}

const AT = '2025-01-01T00:00:00.000Z';
const contact = (mobile: string): ContactPayload => ({ mobile, tags: [], attributes: {} });
const batch = [contact('+15005550001'), contact('+15005550002')];
const stored = (mobile: string) => ({
  id: `id-${mobile.slice(-1)}`,
  mobile: { number: mobile },
  created: { at: AT },
  updated: { at: AT },
});
/** A look-up that finds the contact asked for. */
const found = (seen: Seen) => ({ success: true, data: [stored(`+${seen.query.get('mobile')}`)] });

describe('success: false that names its rows', () => {
  test('each row is read: CONT-010 blocked, CONT-001 failed with its words; one upload', async () => {
    const { client, uploads } = await setup((_seen, res) =>
      send(res, 201, {
        success: false,
        data: {
          submitted: 2,
          inserted: 0,
          updated: 0,
          contacts: [],
          errors: [
            { mobile: { number: '+15005550001' }, error: { code: 'CONT-010', description: 'Opted out' } },
            {
              mobile: { number: '+15005550002' },
              error: { code: 'CONT-001', description: 'Invalid mobile number' },
            },
          ],
        },
      }),
    );
    const result = await client.upsertBatch(batch, 'append');
    expect(Object.fromEntries(result.outcomes)).toEqual({
      '+15005550001': { status: 'blocked', code: 'CONT-010', message: 'Opted out' },
      '+15005550002': { status: 'failed', code: 'CONT-001', message: 'Invalid mobile number' },
    });
    expect(uploads()).toBe(1);
  });

  test('success: false naming no row still refuses the batch as a whole', async () => {
    const { client } = await setup((_seen, res) =>
      send(res, 200, { success: false, error: { code: 'CONT-000', message: 'Unable to process upload' } }),
    );
    const error = await client.upsertBatch(batch, 'append').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SakariHttpError);
    expect((error as SakariHttpError).message).toContain('CONT-000: Unable to process upload');
  });
});

describe('a 2xx answer without a readable body is not sent again blindly', () => {
  test.each([
    ['an empty 201', 201],
    ['a 204', 204],
  ])('%s names no row: one upload, each row looked up, stored rows created', async (_what, status) => {
    const { client, uploads, gets } = await setup((seen, res) => {
      if (seen.method === 'GET') return send(res, 200, found(seen));
      res.writeHead(status);
      res.end();
    });
    const result = await client.upsertBatch(batch, 'append');
    expect(result.outcomes.get('+15005550001')).toEqual({ status: 'created', contactId: 'id-1' });
    expect(result.outcomes.get('+15005550002')).toEqual({ status: 'created', contactId: 'id-2' });
    expect(uploads()).toBe(1);
    expect(gets()).toBe(2);
  });

  test('JSON behind a UTF-8 BOM is read: one request, no look-up', async () => {
    const { client, uploads, gets } = await setup((_seen, res) =>
      send(
        res,
        201,
        '\ufeff' +
          JSON.stringify({
            success: true,
            data: {
              submitted: 2,
              inserted: 2,
              updated: 0,
              contacts: [stored('+15005550001'), stored('+15005550002')],
            },
          }),
      ),
    );
    const result = await client.upsertBatch(batch, 'append');
    expect(result.outcomes.get('+15005550002')).toEqual({ status: 'created', contactId: 'id-2' });
    expect(uploads()).toBe(1);
    expect(gets()).toBe(0);
  });

  test('a body that cannot be read sends the batch again once, then the look-ups decide', async () => {
    const { client, uploads, gets } = await setup((seen, res) =>
      seen.method === 'GET' ? send(res, 200, found(seen)) : send(res, 201, '{"success":true,"data":{"conta'),
    );
    const result = await client.upsertBatch(batch, 'append');
    expect([...result.outcomes.values()].map((outcome) => outcome.status)).toEqual(['created', 'created']);
    expect(uploads()).toBe(2);
    expect(gets()).toBe(2);
  });
});

describe('a look-up that fails after an accepted upload', () => {
  /** A bare answer (no row named, no counts): every row is looked up. */
  const bare = { success: true, data: { submitted: 2 } };

  test.each([
    ['400', 400, { success: false, error: { code: 'GEN-400', message: 'Unknown filter mobile' } }, 'GEN-400'],
    ['404', 404, { success: false, error: { code: 'CONT-404', message: 'No contacts found' } }, 'CONT-404'],
  ])('(%s) leaves its row failed NO_RESULT, without a second upload', async (_what, status, body, code) => {
    const { client, uploads } = await setup((seen, res) =>
      seen.method === 'GET' ? send(res, status, body) : send(res, 201, bare),
    );
    const result = await client.upsertBatch(batch, 'append');
    for (const mobile of ['+15005550001', '+15005550002']) {
      const outcome = result.outcomes.get(mobile);
      expect(outcome).toMatchObject({ status: 'failed', code: 'NO_RESULT' });
      expect(outcome?.message).toMatch(
        new RegExp(
          `^Sakari accepted the upload but did not confirm this contact, and looking it up failed: GET /v1/accounts/acc1/contacts → ${status} ${code}: .*; the next run sends it again$`,
        ),
      );
    }
    expect(uploads()).toBe(1);
  });

  test('only the rows whose look-up failed: the others are settled by theirs', async () => {
    const { client } = await setup((seen, res) => {
      if (seen.method === 'POST') return send(res, 201, bare);
      if (seen.query.get('mobile') === '15005550001') return send(res, 200, found(seen));
      send(res, 400, { success: false, error: { code: 'GEN-400', message: 'bad filter' } });
    });
    const result = await client.upsertBatch(batch, 'append');
    expect(result.outcomes.get('+15005550001')).toEqual({ status: 'created', contactId: 'id-1' });
    expect(result.outcomes.get('+15005550002')).toMatchObject({ status: 'failed', code: 'NO_RESULT' });
  });

  test('a row the counts say was stored stays stored when its look-up fails', async () => {
    // Both stored, one created and one updated: only a look-up tells which, and both fail.
    const { client } = await setup((seen, res) =>
      seen.method === 'GET'
        ? send(res, 400, { success: false, error: { code: 'GEN-400', message: 'bad filter' } })
        : send(res, 201, { success: true, data: { submitted: 2, inserted: 1, updated: 1 } }),
    );
    const result = await client.upsertBatch(batch, 'append');
    for (const outcome of result.outcomes.values()) expect(['created', 'updated']).toContain(outcome.status);
  });

  test('a look-up that fails after its retries (Sakari unreachable) still ends the batch (run-level)', async () => {
    const { client, uploads } = await setup((seen, res) =>
      seen.method === 'GET' ? send(res, 503, 'busy') : send(res, 201, bare),
    );
    const error = await client.upsertBatch(batch, 'append').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SakariHttpError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(uploads()).toBe(1);
  });
});
