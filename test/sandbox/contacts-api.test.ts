import { afterEach, describe, expect, test } from 'vitest';
import { MAX_BODY_BYTES, type Sandbox, type StoredContact } from '../../src/sandbox/index.js';
import {
  ACCOUNT,
  CSV_HEADER,
  Sandboxes,
  call,
  contactsPath,
  errorOf,
  token,
  uploadData,
  upsertCsv,
  upsertJson,
} from './helpers.js';

const sandboxes = new Sandboxes();

afterEach(async () => {
  await sandboxes.closeAll();
});

async function started(
  options?: Parameters<Sandboxes['start']>[0],
): Promise<{ sandbox: Sandbox; bearer: string }> {
  const sandbox = await sandboxes.start(options);
  return { sandbox, bearer: await token(sandbox) };
}

function dataOf<T>(reply: { json: unknown }): T {
  return (reply.json as { data: T }).data;
}

describe('JSON single upsert', () => {
  test('creates then updates one contact; unknown fields are ignored', async () => {
    const { sandbox, bearer } = await started();
    const request = {
      mobile: { number: '+15005550001', country: 'US' },
      firstName: 'Chris',
      tags: [{ tag: 'vip' }],
      attributes: { plan: 'gold', seats: 3, gone: null },
      somethingNew: { ignored: true },
    };
    const created = await upsertJson(sandbox, bearer, request);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ success: true });
    const [contact] = dataOf<StoredContact[]>(created);
    expect(contact).toMatchObject({
      mobile: { number: '+15005550001', country: 'US' },
      firstName: 'Chris',
      tags: [{ tag: 'vip' }],
      attributes: { plan: 'gold', seats: '3' },
    });
    expect(contact?.created.at).toBe(contact?.updated.at);

    const updated = await upsertJson(sandbox, bearer, {
      mobile: { number: '+15005550001' },
      lastName: 'Thomson',
    });
    const [after] = dataOf<StoredContact[]>(updated);
    expect(after).toMatchObject({ id: contact?.id, firstName: 'Chris', lastName: 'Thomson' });
    expect(Date.parse(after?.updated.at ?? '')).toBeGreaterThan(Date.parse(after?.created.at ?? ''));
    expect(sandbox.stats().writesPerMobile[ACCOUNT]).toEqual({ '+15005550001': 2 });
  });

  test.each([
    ['a number that is not E.164', { mobile: { number: '555-0100' } }, 'CONT-001'],
    ['no mobile', { firstName: 'Nobody' }, 'CONT-001'],
    ['a blocked number', { mobile: { number: '+15005550009' } }, 'CONT-010'],
  ])('refuses %s with 400 and its code', async (_name, request, code) => {
    const { sandbox, bearer } = await started({ blocked: ['+15005550009'] });
    const reply = await upsertJson(sandbox, bearer, request);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ success: false, error: { code } });
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect(sandbox.stats().writesPerMobile).toEqual({});
  });

  test.each([
    ['malformed JSON', '{"mobile":'],
    ['an array', '[]'],
    ['a wrongly typed field', '{"mobile":{"number":"+15005550001"},"firstName":42}'],
  ])('answers 400 CONT-000 for %s', async (_name, body) => {
    const { sandbox, bearer } = await started();
    const reply = await call(sandbox, contactsPath(), {
      method: 'POST',
      body,
      contentType: 'application/json',
      bearer,
    });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)?.code).toBe('CONT-000');
  });
});

describe('GET contacts (paginated)', () => {
  test('pages return every contact exactly once, in creation order', async () => {
    const { sandbox, bearer } = await started();
    const mobiles = Array.from({ length: 250 }, (_, index) => `+1500555${String(index).padStart(4, '0')}`);
    const rows = mobiles.map((mobile, index) => `${mobile},US,Name${index},,,`);
    uploadData(await upsertCsv(sandbox, bearer, [CSV_HEADER, ...rows.slice(0, 120)].join('\n')));
    uploadData(await upsertCsv(sandbox, bearer, [CSV_HEADER, ...rows.slice(120)].join('\n')));

    const seen: string[] = [];
    const pages: unknown[] = [];
    for (let offset = 0; ; offset += 100) {
      const reply = await call(sandbox, contactsPath(`?offset=${offset}&limit=100`), { bearer });
      expect(reply.status).toBe(200);
      const body = reply.json as { data: StoredContact[]; pagination: unknown };
      pages.push(body.pagination);
      seen.push(...body.data.map((contact) => contact.mobile.number));
      if (body.data.length < 100) break;
    }
    expect(seen).toEqual(mobiles);
    expect(pages).toEqual([
      { offset: 0, limit: 100, totalCount: 250 },
      { offset: 100, limit: 100, totalCount: 250 },
      { offset: 200, limit: 100, totalCount: 250 },
    ]);
  });

  test('a page reflects creates, updates and deletes made since the previous page', async () => {
    const { sandbox, bearer } = await started();
    const page = async (offset: number): Promise<StoredContact[]> =>
      dataOf<StoredContact[]>(await call(sandbox, contactsPath(`?offset=${offset}&limit=2`), { bearer }));
    const rows = ['+15005550001,,Ann,,,', '+15005550002,,Bob,,,', '+15005550003,,Cy,,,'];
    uploadData(await upsertCsv(sandbox, bearer, [CSV_HEADER, ...rows].join('\n')));
    const first = await page(0);
    expect(first.map((c) => c.firstName)).toEqual(['Ann', 'Bob']);

    // An update in place, a delete and a create between two pages.
    uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550003,,Cyril,,,\n`));
    expect(
      (await call(sandbox, `${contactsPath()}/${first[0]?.id}`, { method: 'DELETE', bearer })).status,
    ).toBe(200);
    uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550004,,Di,,,\n`));
    expect((await page(0)).map((c) => c.firstName)).toEqual(['Bob', 'Cyril']);
    expect((await page(2)).map((c) => c.firstName)).toEqual(['Di']);
  });

  test('defaults to offset 0, limit 10; filters by part of the mobile', async () => {
    const { sandbox, bearer } = await started();
    const rows = Array.from(
      { length: 12 },
      (_, index) => `+4477009001${String(index).padStart(2, '0')},,,,,`,
    );
    uploadData(await upsertCsv(sandbox, bearer, [CSV_HEADER, ...rows, '+15005550001,,,,,'].join('\n')));

    const all = await call(sandbox, contactsPath(), { bearer });
    expect((all.json as { data: unknown[] }).data).toHaveLength(10);
    expect((all.json as { pagination: unknown }).pagination).toEqual({
      offset: 0,
      limit: 10,
      totalCount: 13,
    });

    for (const filter of ['%2B1500', '+1500', '1500555']) {
      const filtered = await call(sandbox, contactsPath(`?mobile=${filter}`), { bearer });
      const body = filtered.json as { data: StoredContact[]; pagination: { totalCount: number } };
      expect(body.data.map((contact) => contact.mobile.number)).toEqual(['+15005550001']);
      expect(body.pagination.totalCount).toBe(1);
    }
  });

  test.each(['limit=0', 'limit=101', 'limit=ten', 'offset=-1', 'offset=1.5'])(
    '%s is a 400',
    async (query) => {
      const { sandbox, bearer } = await started();
      const reply = await call(sandbox, contactsPath(`?${query}`), { bearer });
      expect(reply.status).toBe(400);
      expect(errorOf(reply)?.code).toBe('REQ-400');
    },
  );

  test('an account without contacts is an empty page', async () => {
    const { sandbox, bearer } = await started();
    const reply = await call(sandbox, contactsPath('?limit=100', 'nobody'), { bearer });
    expect(reply.json).toEqual({
      success: true,
      data: [],
      pagination: { offset: 0, limit: 100, totalCount: 0 },
    });
  });
});

describe('one contact by id', () => {
  async function withContact(): Promise<{ sandbox: Sandbox; bearer: string; contact: StoredContact }> {
    const { sandbox, bearer } = await started();
    const data = uploadData(
      await upsertCsv(sandbox, bearer, `${CSV_HEADER},Plan\n+15005550001,US,Ann,Lee,,a|b,gold\n`),
    );
    return { sandbox, bearer, contact: data.contacts[0] as StoredContact };
  }

  test('GET returns it; other accounts and unknown ids are 404 CONT-404', async () => {
    const { sandbox, bearer, contact } = await withContact();
    const found = await call(sandbox, `${contactsPath()}/${contact.id}`, { bearer });
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ success: true, data: contact });
    for (const path of [`${contactsPath()}/nope`, `${contactsPath('', 'other')}/${contact.id}`]) {
      const missing = await call(sandbox, path, { bearer });
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ success: false, error: { code: 'CONT-404' } });
    }
  });

  test('PUT replaces the fields it names and keeps the others', async () => {
    const { sandbox, bearer, contact } = await withContact();
    const reply = await call(sandbox, `${contactsPath()}/${contact.id}`, {
      method: 'PUT',
      body: JSON.stringify({ firstName: 'Bob', email: 'bob@example.com', tags: [{ tag: 'c' }] }),
      contentType: 'application/json',
      bearer,
    });
    expect(reply.status).toBe(200);
    const updated = dataOf<StoredContact>(reply);
    expect(updated).toMatchObject({
      id: contact.id,
      mobile: { number: '+15005550001', country: 'US' },
      firstName: 'Bob',
      lastName: 'Lee',
      email: 'bob@example.com',
      tags: [{ tag: 'c' }],
      attributes: { Plan: 'gold' },
    });
    expect(updated.updated.at > updated.created.at).toBe(true);
    expect(sandbox.contacts(ACCOUNT)).toEqual([updated]);
  });

  test('PUT can move a contact to a free E.164 number only', async () => {
    const { sandbox, bearer, contact } = await withContact();
    uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550002,,,,,\n`));
    const put = (mobile: string) =>
      call(sandbox, `${contactsPath()}/${contact.id}`, {
        method: 'PUT',
        body: JSON.stringify({ mobile: { number: mobile } }),
        contentType: 'application/json',
        bearer,
      });
    expect(errorOf(await put('12345'))?.code).toBe('CONT-001');
    const taken = await put('+15005550002');
    expect(taken.status).toBe(409);
    expect(errorOf(taken)?.code).toBe('CONT-003');
    expect((await put('+15005550003')).status).toBe(200);
    expect(sandbox.contacts(ACCOUNT).map((stored) => stored.mobile.number)).toEqual([
      '+15005550003',
      '+15005550002',
    ]);
    // The old number is free again and the new one is found by the upsert.
    const again = uploadData(
      await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550003,,,,,\n+15005550001,,,,,\n`),
    );
    expect(again).toMatchObject({ inserted: 1, updated: 1 });
  });

  test('DELETE removes it; a second DELETE is a 404', async () => {
    const { sandbox, bearer, contact } = await withContact();
    const deleted = await call(sandbox, `${contactsPath()}/${contact.id}`, { method: 'DELETE', bearer });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ success: true, data: contact });
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
    expect(
      (await call(sandbox, `${contactsPath()}/${contact.id}`, { method: 'DELETE', bearer })).status,
    ).toBe(404);
    const recreated = uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550001,,,,,\n`));
    expect(recreated).toMatchObject({ inserted: 1, updated: 0 });
  });
});

describe('routes and limits', () => {
  test.each([
    ['GET', '/'],
    ['GET', '/v1/accounts'],
    ['GET', '/v1/accounts/a/messages'],
    ['POST', '/v2/accounts/a/contacts'],
  ])('%s %s is a JSON 404', async (method, path) => {
    const { sandbox, bearer } = await started();
    const reply = await call(sandbox, path, { method, bearer });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(errorOf(reply)?.code).toBe('REQ-404');
  });

  test('a known path with another method is a 405 naming the allowed ones', async () => {
    const { sandbox, bearer } = await started();
    const reply = await call(sandbox, contactsPath(), { method: 'DELETE', bearer });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });

  test(`a body over ${MAX_BODY_BYTES} bytes is a 413`, async () => {
    const { sandbox, bearer } = await started();
    const row = '+15005550001,US,Ann,Lee,ann@example.com,tag\n';
    const csv = CSV_HEADER + '\n' + row.repeat(Math.ceil(MAX_BODY_BYTES / row.length) + 1);
    const reply = await upsertCsv(sandbox, bearer, csv);
    expect(reply.status).toBe(413);
    expect(errorOf(reply)?.code).toBe('REQ-413');
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
  });
});
