/** The sandbox's answer shapes (CONTRACT §2: the spec makes no answer field required). */
import { afterEach, describe, expect, test } from 'vitest';
import type { PaginationShape } from '../../src/sandbox/answer-shape.js';
import { CSV_HEADER, Sandboxes, call, contactsPath, token, upsertCsv, type Answer } from './helpers.js';

const sandboxes = new Sandboxes();
afterEach(() => sandboxes.closeAll());

const BLOCKED = '+15005550009';
/** One existing contact updated, one created, one blocked, one not E.164. */
const BATCH = [CSV_HEADER, '+15005550001,,Old,,,', '+15005550002,,New,,,', `${BLOCKED},,,,,`, '12,,,,,'].join(
  '\n',
);

function dataOf(reply: Answer): Record<string, unknown> {
  expect(reply.status).toBe(201);
  return (reply.json as { data: Record<string, unknown> }).data;
}

describe('answerShape: the answer to a CSV batch upsert', () => {
  test.each([
    ['full', ['submitted', 'inserted', 'updated', 'success', 'contacts', 'errors']],
    ['counts-only', ['submitted', 'inserted', 'updated', 'success']],
    ['errors-without-mobile', ['submitted', 'inserted', 'updated', 'success', 'errors']],
    ['bare', ['submitted']],
  ] as const)('%s answers with %j and stores the same contacts', async (shape, keys) => {
    const sandbox = await sandboxes.start({ blocked: [BLOCKED], answerShape: shape });
    const bearer = await token(sandbox);
    await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550001,,,,,`);
    const data = dataOf(await upsertCsv(sandbox, bearer, BATCH));

    expect(Object.keys(data).sort()).toEqual([...keys].sort());
    expect(data['submitted']).toBe(4);
    if (shape !== 'bare') expect(data).toMatchObject({ inserted: 1, updated: 1, success: 2 });
    if (shape === 'errors-without-mobile') {
      expect(data['errors']).toEqual([
        { tags: [], attributes: {}, error: { code: 'CONT-010', description: expect.any(String) } },
        { tags: [], attributes: {}, error: { code: 'CONT-001', description: expect.any(String) } },
      ]);
    }
    expect(sandbox.contacts('acct-1').map((c) => [c.mobile.number, c.firstName])).toEqual([
      ['+15005550001', 'Old'],
      ['+15005550002', 'New'],
    ]);
  });

  test('refusals-in-contacts lists every row in contacts[], a refused one with its error and valid:false', async () => {
    const sandbox = await sandboxes.start({ blocked: [BLOCKED], answerShape: 'refusals-in-contacts' });
    const bearer = await token(sandbox);
    const data = dataOf(await upsertCsv(sandbox, bearer, BATCH));
    expect(data).toMatchObject({ submitted: 4, inserted: 2, updated: 0, success: 2, errors: [] });
    const contacts = data['contacts'] as Array<Record<string, unknown>>;
    expect(
      contacts.map((c) => [(c['mobile'] as { number: string }).number, c['id'] !== undefined, c['valid']]),
    ).toEqual([
      ['+15005550001', true, undefined],
      ['+15005550002', true, undefined],
      [BLOCKED, false, false],
      ['12', false, false],
    ]);
    expect(contacts[2]).toMatchObject({ error: { code: 'CONT-010' } });
  });

  test('refusals-unmarked lists a refused row in contacts[] as sent, without error or id', async () => {
    const sandbox = await sandboxes.start({ blocked: [BLOCKED], answerShape: 'refusals-unmarked' });
    const bearer = await token(sandbox);
    const data = dataOf(await upsertCsv(sandbox, bearer, BATCH));
    expect(data).toMatchObject({ inserted: 2, updated: 0, errors: [] });
    expect((data['contacts'] as unknown[])[2]).toEqual({
      mobile: { number: BLOCKED },
      tags: [],
      attributes: {},
    });
  });

  test('counts-as-text, contacts-array and flat-errors', async () => {
    const sandbox = await sandboxes.start({ blocked: [BLOCKED], answerShape: 'counts-as-text' });
    const bearer = await token(sandbox);
    expect(dataOf(await upsertCsv(sandbox, bearer, BATCH))).toEqual({
      submitted: '4',
      inserted: '2',
      updated: '0',
      success: '2',
    });

    sandbox.setOptions({ answerShape: 'contacts-array' });
    const array = (await upsertCsv(sandbox, bearer, BATCH)).json as { data: Array<Record<string, unknown>> };
    expect(
      array.data.map((c) => [(c['mobile'] as { number: string }).number, c['error'] !== undefined]),
    ).toEqual([
      ['+15005550001', false],
      ['+15005550002', false],
      [BLOCKED, true],
      ['12', true],
    ]);

    sandbox.setOptions({ answerShape: 'flat-errors' });
    expect(dataOf(await upsertCsv(sandbox, bearer, BATCH))['errors']).toEqual([
      { mobile: BLOCKED, error: 'Contact has requested no further communication', code: 'CONT-010' },
      { mobile: '12', error: 'Invalid mobile number', code: 'CONT-001' },
    ]);
  });

  test('can be changed at run time; an unknown shape is refused naming the option', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    sandbox.setOptions({ answerShape: 'bare' });
    expect(dataOf(await upsertCsv(sandbox, bearer, BATCH))).toEqual({ submitted: 4 });
    expect(() => sandbox.setOptions({ answerShape: 'terse' as never })).toThrow(
      /sandbox option answerShape: expected one of full, counts-only, errors-without-mobile, bare, refusals-in-contacts, refusals-unmarked, counts-as-text, contacts-array, flat-errors, got "terse"/,
    );
    await expect(sandboxes.start({ pagination: 'cursor' as never })).rejects.toThrow(/option pagination/);
  });
});

describe('pagination: the listing of contacts', () => {
  async function listed(shape: PaginationShape, query: string, maxPageSize?: number): Promise<Answer> {
    const sandbox = await sandboxes.start({ pagination: shape, ...(maxPageSize ? { maxPageSize } : {}) });
    const bearer = await token(sandbox);
    const rows = Array.from({ length: 5 }, (_, i) => `+1500555000${i},,,,,`);
    await upsertCsv(sandbox, bearer, [CSV_HEADER, ...rows].join('\n'));
    return call(sandbox, contactsPath(query), { bearer });
  }

  test.each([
    ['totalCount', '?offset=0&limit=2', { offset: 0, limit: 2, totalCount: 5 }],
    ['hasNext', '?offset=0&limit=2', { offset: 0, limit: 2, hasNext: true }],
    ['hasNext', '?offset=3&limit=2', { offset: 3, limit: 2, hasNext: false }],
    ['hasNext', '?offset=2&limit=3', { offset: 2, limit: 3, hasNext: false }],
    ['none', '?offset=0&limit=2', undefined],
    ['totalCount-text', '?offset=0&limit=2', { offset: 0, limit: 2, totalCount: '5' }],
    ['hasNext-text', '?offset=0&limit=2', { offset: 0, limit: 2, hasNext: 'true' }],
    ['hasNext-text', '?offset=3&limit=2', { offset: 3, limit: 2, hasNext: 'false' }],
  ] as const)('%s %s → %j', async (shape, query, pagination) => {
    const reply = await listed(shape, query);
    const body = reply.json as { data: unknown[]; pagination?: unknown };
    expect(body.pagination).toEqual(pagination);
    expect(body.data).toHaveLength(query.endsWith('limit=3') ? 3 : 2);
  });

  test('maxPageSize caps every page below the limit asked for, and says so in pagination.limit', async () => {
    const reply = await listed('totalCount', '?offset=1&limit=100', 3);
    const body = reply.json as { data: unknown[]; pagination?: unknown };
    expect(body.data).toHaveLength(3);
    expect(body.pagination).toEqual({ offset: 1, limit: 3, totalCount: 5 });
    await expect(sandboxes.start({ maxPageSize: 101 })).rejects.toThrow(
      /sandbox option maxPageSize: expected an integer 1..100, got 101/,
    );
  });

  test('the mobile filter finds a number by its digits, with or without +', async () => {
    const sandbox = await sandboxes.start({ pagination: 'hasNext' });
    const bearer = await token(sandbox);
    await upsertCsv(sandbox, bearer, [CSV_HEADER, '+15005550001,,,,,', '+447911123456,,,,,'].join('\n'));
    for (const filter of ['447911123456', '%2B447911123456']) {
      const body = (await call(sandbox, contactsPath(`?mobile=${filter}`), { bearer })).json as {
        data: Array<{ mobile: { number: string } }>;
        pagination: unknown;
      };
      expect(body.data.map((c) => c.mobile.number)).toEqual(['+447911123456']);
      expect(body.pagination).toEqual({ offset: 0, limit: 10, hasNext: false });
    }
  });
});
