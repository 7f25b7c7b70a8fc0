import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import {
  ACCOUNT,
  CSV_HEADER,
  Sandboxes,
  call,
  contactsPath,
  token,
  uploadData,
  upsertCsv,
} from './helpers.js';

const sandboxes = new Sandboxes();

afterEach(async () => {
  await sandboxes.closeAll();
});

describe('server', () => {
  test('binds 127.0.0.1 on a free port by default', async () => {
    const sandbox = await sandboxes.start();
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    expect(sandbox.port).toBeGreaterThan(0);
    const other = await sandboxes.start();
    expect(other.port).not.toBe(sandbox.port);
  });

  test('a port already in use is a rejected start', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(startSandbox({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test.each([
    [{ rate: -1 }, /rate/],
    [{ failRate: 1.5 }, /failRate/],
    [{ burst: 0 }, /burst/],
    [{ port: 70000 }, /port/],
  ])('invalid option %j is a RangeError naming it', async (options, message) => {
    await expect(startSandbox(options)).rejects.toThrow(message);
    await expect(startSandbox(options)).rejects.toBeInstanceOf(RangeError);
  });

  test('setOptions with an invalid value throws and changes nothing', async () => {
    const sandbox = await sandboxes.start({ rate: 1, burst: 1 });
    expect(() => sandbox.setOptions({ rate: 0, dropRate: 2 })).toThrow(RangeError);
    const bearer = await token(sandbox);
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(200);
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(429); // rate 1 still applies
  });

  test('close() ends keep-alive connections and answers still pending', async () => {
    const sandbox = await startSandbox();
    const bearer = await token(sandbox);
    sandbox.inject({ kind: 'delay', ms: 60_000 });
    const outcome = new Promise<string>((resolve) => {
      const req = request(`${sandbox.url}${contactsPath()}`, {
        headers: { authorization: `Bearer ${bearer}`, connection: 'keep-alive' },
      });
      req.on('response', () => resolve('answered'));
      req.on('error', () => resolve('connection closed'));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the request arrive
    const closing = performance.now();
    await sandbox.close();
    expect(performance.now() - closing).toBeLessThan(5000);
    expect(await outcome).toBe('connection closed');
    await sandbox.close(); // idempotent
  });

  test('latencyMs delays every answer', async () => {
    const sandbox = await sandboxes.start({ latencyMs: 150 });
    const startedAt = performance.now();
    await token(sandbox);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
  });
});

describe('stats, snapshot and reset', () => {
  test('stats count requests and log each with its arrival time, path, status and account', async () => {
    const sandbox = await sandboxes.start();
    const before = Date.now();
    const bearer = await token(sandbox);
    await call(sandbox, contactsPath('?limit=5'), { bearer });
    await call(sandbox, '/nowhere', { bearer });
    const stats = sandbox.stats();
    expect(stats).toMatchObject({ requests: 3, apiRequests: 2, tokensIssued: 1, faultsInjected: 0 });
    expect(stats.requestLog).toEqual([
      { at: expect.any(Number), method: 'POST', path: '/oauth2/token', status: 200 },
      { at: expect.any(Number), method: 'GET', path: contactsPath(), status: 200, accountId: ACCOUNT },
      { at: expect.any(Number), method: 'GET', path: '/nowhere', status: 404 },
    ]);
    for (const entry of stats.requestLog) expect(entry.at).toBeGreaterThanOrEqual(before);
    // A snapshot: later requests do not change it.
    await call(sandbox, contactsPath(), { bearer });
    expect(stats.requestLog).toHaveLength(3);
  });

  test('contacts() is a snapshot in creation order', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550002,,,,,\n+15005550001,,,,,\n`));
    const snapshot = sandbox.contacts(ACCOUNT);
    expect(snapshot.map((contact) => contact.mobile.number)).toEqual(['+15005550002', '+15005550001']);
    snapshot[0]!.firstName = 'Changed';
    expect(sandbox.contacts(ACCOUNT)[0]).not.toHaveProperty('firstName');
    expect(sandbox.contacts('unknown')).toEqual([]);
  });

  test('reset forgets contacts, stats and faults, but tokens stay valid', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550001,,,,,\n`));
    sandbox.inject({ kind: 'status', status: 500 });
    sandbox.reset();
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect(sandbox.stats()).toEqual({
      requests: 0,
      apiRequests: 0,
      tokensIssued: 0,
      throttled: 0,
      retryAfterViolations: 0,
      faultsInjected: 0,
      writesPerMobile: {},
      requestLog: [],
    });
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(200);
  });
});
