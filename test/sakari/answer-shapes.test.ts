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

const PAGINATIONS: PaginationShape[] = ['totalCount', 'hasNext', 'none', 'totalCount-text', 'hasNext-text'];

describe.each(PAGINATIONS)('pagination %s', (shape) => {
  /** Pages read: as many as hold contacts (at least one); without pagination one more, empty. */
  const pagesFor = (count: number, pageSize: number): number =>
    count === 0 ? 1 : Math.ceil(count / pageSize) + (shape === 'none' ? 1 : 0);

  async function fill(client: SakariClient, count: number): Promise<void> {
    for (let from = 0; from < count; from += 100) {
      const size = Math.min(100, count - from);
      await client.upsertBatch(
        Array.from({ length: size }, (_, i) => payload(from + i)),
        'append',
      );
    }
  }

  test.each([0, 7, 200, 250])(
    '%i contacts are listed in full, ending on what the answer says',
    async (count) => {
      const { sandbox, client } = await setup({ pagination: shape });
      await fill(client, count);
      const listed: string[] = [];
      for await (const contact of client.listContacts()) listed.push(contact.mobile.number);
      expect(listed).toEqual(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number));
      expect(listed).toHaveLength(count);
      expect(lookUps(sandbox)).toBe(pagesFor(count, 100));
    },
  );

  test('a server serving pages of 30 where 100 were asked for is read to the end', async () => {
    const { sandbox, client } = await setup({ pagination: shape, maxPageSize: 30 });
    await fill(client, 75);
    const listed: string[] = [];
    for await (const contact of client.listContacts()) listed.push(contact.mobile.number);
    // A short page is not the last one: without pagination only an empty page ends the listing.
    expect(listed).toEqual(sandbox.contacts(ACCOUNT).map((c) => c.mobile.number));
    expect(lookUps(sandbox)).toBe(pagesFor(75, 30));
  });
});

describe('answer shapes a live API may use (audit §1, §5, §12)', () => {
  test('refusals-in-contacts: a refused row listed in contacts[] with its error is blocked, not stored', async () => {
    const { sandbox, client } = await setup({ answerShape: 'refusals-in-contacts', blocked: [BLOCKED] });
    const result = await client.upsertBatch([payload(7), payload(BLOCKED), payload(8)], 'append');
    expect(summarise(sandbox, result.outcomes)).toEqual({
      '+12025550007': 'created id',
      [BLOCKED]: 'blocked CONT-010',
      '+12025550008': 'created id',
    });
    expect(lookUps(sandbox)).toBe(0);
  });

  test('refusals-unmarked: counts below the rows named stored send every named row to a look-up', async () => {
    const { sandbox, client } = await setup({ answerShape: 'refusals-unmarked', blocked: [BLOCKED] });
    const result = await client.upsertBatch([payload(7), payload(BLOCKED), payload(8)], 'append');
    // Sakari gave no reason for the refused row: failed, so the next run sends it again.
    expect(summarise(sandbox, result.outcomes)).toEqual({
      '+12025550007': 'created id',
      [BLOCKED]: 'failed NO_RESULT',
      '+12025550008': 'created id',
    });
    expect(lookUps(sandbox)).toBe(3);
  });

  test('counts-as-text: the counts decide without a look-up', async () => {
    const { sandbox, client } = await setup({ answerShape: 'counts-as-text' });
    const result = await client.upsertBatch([payload(5), payload(6)], 'append');
    expect([...result.outcomes.values()].map((o) => o.status)).toEqual(['created', 'created']);
    expect(result).toMatchObject({ submitted: 2, inserted: 2, updated: 0 });
    expect(lookUps(sandbox)).toBe(0);
  });

  test('contacts-array: the stored and refused contacts are named, with their ids', async () => {
    const { sandbox, client } = await setup({ answerShape: 'contacts-array', blocked: [BLOCKED] });
    await client.upsertBatch([payload(1)], 'append');
    const result = await client.upsertBatch([payload(1), payload(BLOCKED), payload(2)], 'append');
    expect(summarise(sandbox, result.outcomes)).toEqual({
      '+12025550001': 'updated id',
      [BLOCKED]: 'blocked CONT-010',
      '+12025550002': 'created id',
    });
    expect(lookUps(sandbox)).toBe(0);
  });

  test('flat-errors: a refusal as {mobile, error: "words", code} keeps its code and words', async () => {
    const { sandbox, client } = await setup({ answerShape: 'flat-errors', blocked: [BLOCKED] });
    const result = await client.upsertBatch([payload(7), payload(BLOCKED)], 'append');
    expect(result.outcomes.get(BLOCKED)).toEqual({
      status: 'blocked',
      code: 'CONT-010',
      message: 'Contact has requested no further communication',
    });
    expect(lookUps(sandbox)).toBe(0);
  });
});
