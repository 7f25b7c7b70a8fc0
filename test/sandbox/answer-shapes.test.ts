/** The sandbox's answer shapes (CONTRACT §2: the spec makes no answer field required). */
import { afterEach, describe, expect, test } from 'vitest';
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

  test('can be changed at run time; an unknown shape is refused naming the option', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    sandbox.setOptions({ answerShape: 'bare' });
    expect(dataOf(await upsertCsv(sandbox, bearer, BATCH))).toEqual({ submitted: 4 });
    expect(() => sandbox.setOptions({ answerShape: 'terse' as never })).toThrow(
      /sandbox option answerShape: expected one of full, counts-only, errors-without-mobile, bare, got "terse"/,
    );
    await expect(sandboxes.start({ pagination: 'cursor' as never })).rejects.toThrow(/option pagination/);
  });
});

describe('pagination: the listing of contacts', () => {
  async function listed(shape: 'totalCount' | 'hasNext' | 'none', query: string): Promise<Answer> {
    const sandbox = await sandboxes.start({ pagination: shape });
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
  ] as const)('%s %s → %j', async (shape, query, pagination) => {
    const reply = await listed(shape, query);
    const body = reply.json as { data: unknown[]; pagination?: unknown };
    expect(body.pagination).toEqual(pagination);
    expect(body.data).toHaveLength(query.endsWith('limit=3') ? 3 : 2);
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
