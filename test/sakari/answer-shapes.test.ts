/**
 * The client against the sandbox answering in every shape the spec allows (CONTRACT §2): each row
 * is decided from what the answer says, looked up by mobile only where it cannot tell, and a stored
 * contact is never `failed`.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient } from '../../src/sakari/client.js';
import type { ContactOutcome } from '../../src/sakari/types.js';
import type { PaginationShape, UploadAnswerShape } from '../../src/sandbox/answer-shape.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { ContactPayload } from '../../src/types.js';

const ACCOUNT = 'acct-1';
const BLOCKED = '+12025550999';
const sandboxes: Sandbox[] = [];
const limiters: AccountLimiter[] = [];
afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.stop()));
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

async function setup(options: SandboxOptions): Promise<{ sandbox: Sandbox; client: SakariClient }> {
  const sandbox = await startSandbox(options);
  sandboxes.push(sandbox);
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 4 });
  limiters.push(limiter);
  const client = new SakariClient({
    apiUrl: sandbox.url,
    accountId: ACCOUNT,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    limiter,
  });
  return { sandbox, client };
}

const payload = (n: number | string): ContactPayload => ({
  mobile: typeof n === 'string' ? n : `+1202555${String(n).padStart(4, '0')}`,
  tags: [],
  attributes: {},
});

/** `GET .../contacts` requests so far: the look-ups (no listing happens in these tests). */
function lookUps(sandbox: Sandbox): number {
  return sandbox.stats().requestLog.filter((entry) => entry.method === 'GET').length;
}

/** Outcomes without messages, ids replaced by whether they are the stored contact's. */
function summarise(sandbox: Sandbox, outcomes: Map<string, ContactOutcome>): Record<string, string> {
  const ids = new Map(sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, c.id]));
  return Object.fromEntries(
    [...outcomes].map(([mobile, o]) => [
      mobile,
      [
        o.status,
        o.code ?? '',
        o.contactId === undefined ? '' : o.contactId === ids.get(mobile) ? 'id' : 'WRONG-ID',
      ]
        .filter((part) => part !== '')
        .join(' '),
    ]),
  );
}

const SHAPES: UploadAnswerShape[] = ['full', 'counts-only', 'errors-without-mobile', 'bare'];

describe.each(SHAPES)('answer shape %s', (shape) => {
  test('a batch of existing and new contacts: each created or updated, never failed', async () => {
    const { sandbox, client } = await setup({ answerShape: shape });
    await client.upsertBatch([payload(1), payload(2)], 'append');
    const before = lookUps(sandbox);

    const result = await client.upsertBatch([payload(1), payload(3), payload(2), payload(4)], 'append');

    // Named by the answer or found by a look-up: every row has the stored contact's id.
    expect(summarise(sandbox, result.outcomes)).toEqual({
      '+12025550001': 'updated id',
      '+12025550003': 'created id',
      '+12025550002': 'updated id',
      '+12025550004': 'created id',
    });
    // The counts cannot say which row was created: every unnamed row is looked up, once.
    expect(lookUps(sandbox) - before).toBe(shape === 'full' ? 0 : 4);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(4);
  });

  test('a batch of new contacts only: looked up only when the answer has no counts', async () => {
    const { sandbox, client } = await setup({ answerShape: shape });
    const result = await client.upsertBatch([payload(5), payload(6)], 'append');
    expect([...result.outcomes.values()].map((o) => o.status)).toEqual(['created', 'created']);
    expect(lookUps(sandbox)).toBe(shape === 'bare' ? 2 : 0);
    expect(result).toMatchObject({ submitted: 2 });
  });

  test('a blocked number among stored ones', async () => {
    const { sandbox, client } = await setup({ answerShape: shape, blocked: [BLOCKED] });
    const result = await client.upsertBatch([payload(7), payload(BLOCKED), payload(8)], 'append');
    const statuses = summarise(sandbox, result.outcomes);
    expect(statuses['+12025550007']).toMatch(/^created( id)?$/);
    expect(statuses['+12025550008']).toMatch(/^created( id)?$/);
    // Refused rows carry their code when the answer gives one, even without naming the mobile;
    // an answer that gives no reason at all leaves the row failed (it is not stored).
    expect(statuses[BLOCKED]).toBe(
      shape === 'full' || shape === 'errors-without-mobile' ? 'blocked CONT-010' : 'failed NO_RESULT',
    );
    expect(lookUps(sandbox)).toBe(shape === 'full' ? 0 : 3);
    expect(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number)).toEqual(['+12025550007', '+12025550008']);
  });
});

describe.each<PaginationShape>(['totalCount', 'hasNext', 'none'])('pagination %s', (shape) => {
  test.each([
    [0, 1],
    [7, 1],
    [200, 3],
    [250, 3],
  ])('%i contacts are listed in full, ending on what the answer says', async (count, pages) => {
    const { sandbox, client } = await setup({ pagination: shape });
    for (let from = 0; from < count; from += 100) {
      const size = Math.min(100, count - from);
      await client.upsertBatch(
        Array.from({ length: size }, (_, i) => payload(from + i)),
        'append',
      );
    }
    const listed: string[] = [];
    for await (const contact of client.listContacts()) listed.push(contact.mobile.number);
    expect(listed).toEqual(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number));
    expect(listed).toHaveLength(count);
    // Without a total or hasNext a full last page needs one more (empty) page to end.
    const expected = count === 200 && shape !== 'none' ? pages - 1 : pages;
    expect(lookUps(sandbox)).toBe(expected);
  });
});
