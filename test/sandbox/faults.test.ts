import { afterEach, describe, expect, test } from 'vitest';
import type { Sandbox, SandboxOptions } from '../../src/sandbox/index.js';
import {
  ACCOUNT,
  CSV_HEADER,
  Sandboxes,
  call,
  contactsPath,
  errorOf,
  requestToken,
  token,
  uploadData,
  upsertCsv,
} from './helpers.js';

const sandboxes = new Sandboxes();
const ONE_ROW = `${CSV_HEADER}\n+15005550001,US,Ann,,,\n`;

afterEach(async () => {
  await sandboxes.closeAll();
});

async function started(options?: SandboxOptions): Promise<{ sandbox: Sandbox; bearer: string }> {
  const sandbox = await sandboxes.start(options);
  return { sandbox, bearer: await token(sandbox) };
}

describe('injected faults', () => {
  test('status: answered with the status, code and Retry-After given; the write is not applied', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'status', status: 503, retryAfter: '3', code: 'SRV-BUSY' });
    const reply = await upsertCsv(sandbox, bearer, ONE_ROW);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('3');
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.json).toMatchObject({ success: false, error: { code: 'SRV-BUSY' } });
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect(sandbox.stats().faultsInjected).toBe(1);
    expect(uploadData(await upsertCsv(sandbox, bearer, ONE_ROW)).inserted).toBe(1);
  });

  test('faults are used once each, first in first out, by the first request they match', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject(
      { kind: 'status', status: 400, match: { method: 'post', pathIncludes: 'mergeStrategy=core' } },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 500 },
    );
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(503);
    expect((await upsertCsv(sandbox, bearer, ONE_ROW)).status).toBe(500);
    expect((await upsertCsv(sandbox, bearer, ONE_ROW)).status).toBe(201);
    const core = await upsertCsv(sandbox, bearer, ONE_ROW, '?mergeStrategy=core');
    expect(core.status).toBe(400);
    expect(errorOf(core)?.code).toBe('REQ-400');
    expect((await upsertCsv(sandbox, bearer, ONE_ROW, '?mergeStrategy=core')).status).toBe(201);
    expect(sandbox.stats().faultsInjected).toBe(3);
  });

  test('drop: the connection is destroyed without an answer and the write is not applied', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'drop', match: { method: 'POST' } });
    await expect(upsertCsv(sandbox, bearer, ONE_ROW)).rejects.toThrow();
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect(sandbox.stats().requestLog.at(-1)).toMatchObject({
      method: 'POST',
      status: 0,
      accountId: ACCOUNT,
    });
    expect(uploadData(await upsertCsv(sandbox, bearer, ONE_ROW)).inserted).toBe(1);
  });

  test('garbled: 201 with a body that is not valid JSON; the write is applied', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'garbled' });
    const reply = await upsertCsv(sandbox, bearer, ONE_ROW);
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(reply.text) as unknown).toThrow(SyntaxError);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(1);
  });

  test('apply-then-fail: the write happens, the answer is a 5xx, so a retry writes twice', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'apply-then-fail', status: 502 });
    const failed = await upsertCsv(sandbox, bearer, ONE_ROW);
    expect(failed.status).toBe(502);
    expect(failed.json).toMatchObject({ success: false, error: { code: 'SRV-502' } });
    const retried = uploadData(await upsertCsv(sandbox, bearer, ONE_ROW));
    expect(retried).toMatchObject({ inserted: 0, updated: 1 });
    expect(sandbox.stats().writesPerMobile[ACCOUNT]).toEqual({ '+15005550001': 2 });
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(1);
  });

  test('delay: a client with a short timeout gives up; the write is applied and the sandbox goes on', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'delay', ms: 5000 });
    const timedOut = call(sandbox, contactsPath(), {
      method: 'POST',
      body: ONE_ROW,
      contentType: 'text/csv',
      bearer,
      signal: AbortSignal.timeout(100),
    });
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(1);
    expect(uploadData(await upsertCsv(sandbox, bearer, ONE_ROW))).toMatchObject({ inserted: 0, updated: 1 });
  });

  test('delay: a patient client gets the normal answer, late', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'delay', ms: 300 });
    const startedAt = performance.now();
    const data = uploadData(await upsertCsv(sandbox, bearer, ONE_ROW));
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(data.inserted).toBe(1);
  });

  test('a fault without match never hits the token endpoint; one matching /oauth2/token does', async () => {
    const { sandbox, bearer } = await started();
    sandbox.inject({ kind: 'status', status: 500 });
    expect((await requestToken(sandbox)).status).toBe(200);
    sandbox.inject({ kind: 'status', status: 503, match: { pathIncludes: '/oauth2/token' } });
    expect((await requestToken(sandbox)).status).toBe(503);
    expect((await requestToken(sandbox)).status).toBe(200);
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(500);
  });

  test('an invalid fault is refused with a RangeError and nothing is queued', async () => {
    const { sandbox, bearer } = await started();
    expect(() =>
      sandbox.inject({ kind: 'status', status: 500 }, { kind: 'apply-then-fail', status: 400 }),
    ).toThrow(RangeError);
    expect(() => sandbox.inject({ kind: 'delay', ms: -1 })).toThrow(RangeError);
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(200);
  });
});

describe('random faults', () => {
  async function statuses(options: SandboxOptions, count: number): Promise<number[]> {
    const { sandbox, bearer } = await started(options);
    const seen: number[] = [];
    for (let index = 0; index < count; index += 1) {
      seen.push((await call(sandbox, contactsPath(), { bearer })).status);
    }
    expect(sandbox.stats().faultsInjected).toBe(seen.filter((status) => status !== 200).length);
    return seen;
  }

  test('failRate with a seed is reproducible, and gives both 500 and 503', async () => {
    const first = await statuses({ failRate: 0.5, seed: 42 }, 40);
    const second = await statuses({ failRate: 0.5, seed: 42 }, 40);
    const other = await statuses({ failRate: 0.5, seed: 7 }, 40);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
  });

  test('failRate answers without applying the write', async () => {
    const { sandbox, bearer } = await started({ failRate: 1, seed: 1 });
    const reply = await upsertCsv(sandbox, bearer, ONE_ROW);
    expect([500, 503]).toContain(reply.status);
    expect(reply.json).toMatchObject({
      success: false,
      error: { code: expect.stringMatching(/^SRV-50[03]$/) },
    });
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
  });

  test('dropRate destroys connections without applying writes; token requests are never faulted', async () => {
    const { sandbox, bearer } = await started({ dropRate: 1, failRate: 1 });
    await expect(upsertCsv(sandbox, bearer, ONE_ROW)).rejects.toThrow();
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect((await requestToken(sandbox)).status).toBe(200);
    sandbox.setOptions({ dropRate: 0, failRate: 0 });
    expect((await upsertCsv(sandbox, bearer, ONE_ROW)).status).toBe(201);
  });

  test('injected faults take precedence over random ones', async () => {
    const { sandbox, bearer } = await started({ failRate: 1 });
    sandbox.inject({ kind: 'status', status: 418 });
    expect((await call(sandbox, contactsPath(), { bearer })).status).toBe(418);
    expect([500, 503]).toContain((await call(sandbox, contactsPath(), { bearer })).status);
  });
});
