import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
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
} from './helpers.js';

const sandboxes = new Sandboxes();

afterEach(async () => {
  vi.useRealTimers();
  await sandboxes.closeAll();
});

async function started(
  options?: Parameters<Sandboxes['start']>[0],
): Promise<{ sandbox: Sandbox; bearer: string }> {
  const sandbox = await sandboxes.start(options);
  return { sandbox, bearer: await token(sandbox) };
}

describe('CSV batch upsert', () => {
  test('creates, then updates: counts and created/updated timestamps agree', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
    const { sandbox, bearer } = await started();
    const csv = `${CSV_HEADER}\n+447700900001,GB,Ann,Lee,ann@example.com,vip\n+447700900002,GB,Bob,,,\n`;

    const first = uploadData(await upsertCsv(sandbox, bearer, csv));
    expect(first).toMatchObject({ submitted: 2, inserted: 2, updated: 0, success: 2, errors: [] });
    for (const contact of first.contacts) {
      expect(contact.created.at).toBe('2026-03-01T10:00:00.000Z');
      expect(contact.updated.at).toBe(contact.created.at);
    }
    expect(first.contacts[0]).toMatchObject({
      mobile: { number: '+447700900001', country: 'GB' },
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@example.com',
      tags: [{ tag: 'vip' }],
      attributes: {},
    });
    expect(first.contacts[1]).not.toHaveProperty('lastName');

    // Same millisecond: updated.at is still strictly later than created.at.
    const sameMs = uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+447700900001,GB,Annie,,,\n`));
    expect(sameMs).toMatchObject({ submitted: 1, inserted: 0, updated: 1, success: 1 });
    expect(sameMs.contacts[0]?.updated.at).toBe('2026-03-01T10:00:00.001Z');

    vi.setSystemTime(new Date('2026-03-01T10:30:00.000Z'));
    const later = uploadData(await upsertCsv(sandbox, bearer, csv.replace('Bob', 'Robert')));
    expect(later).toMatchObject({ submitted: 2, inserted: 0, updated: 2, success: 2 });
    expect(later.contacts.map((contact) => contact.id)).toEqual(first.contacts.map((contact) => contact.id));
    expect(later.contacts[1]).toMatchObject({
      firstName: 'Robert',
      created: { at: '2026-03-01T10:00:00.000Z' },
      updated: { at: '2026-03-01T10:30:00.000Z' },
    });
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(2);
  });

  test('reads quoted fields with commas, quotes and newlines, and extra columns as attributes', async () => {
    const { sandbox, bearer } = await started();
    const csv =
      `${CSV_HEADER},Notes,Favourite colour\r\n` +
      `+15005550006,US,"Smith, Jo","O""Brien",jo@example.com,"a|b| c |a","line one\nline ""two"", end",blue\r\n`;
    const data = uploadData(await upsertCsv(sandbox, bearer, csv));
    expect(data.errors).toEqual([]);
    expect(data.contacts[0]).toMatchObject({
      mobile: { number: '+15005550006', country: 'US' },
      firstName: 'Smith, Jo',
      lastName: 'O"Brien',
      tags: [{ tag: 'a' }, { tag: 'b' }, { tag: 'c' }],
      attributes: { Notes: 'line one\nline "two", end', 'Favourite colour': 'blue' },
    });
  });

  test('known columns may come in any order; other spellings are attributes; a BOM is ignored', async () => {
    const { sandbox, bearer } = await started();
    const csv = `\uFEFFemail,mobile,firstName,Email,Tags\nx@example.com,+33612345678,Zoé,other@example.com,t\n`;
    const data = uploadData(await upsertCsv(sandbox, bearer, csv));
    expect(data.contacts[0]).toEqual({
      id: expect.any(String),
      mobile: { number: '+33612345678' },
      firstName: 'Zoé',
      email: 'x@example.com',
      tags: [],
      attributes: { Email: 'other@example.com', Tags: 't' },
      created: { at: expect.any(String) },
      updated: { at: expect.any(String) },
    });
  });

  test('refuses rows in errors[]: CONT-001 not E.164, CONT-010 blocked, CONT-002 twice in the batch', async () => {
    const { sandbox, bearer } = await started({ blocked: ['+15005550009'] });
    const csv = [
      CSV_HEADER,
      '07700900123,GB,Local,,,',
      '+15005550009,US,Opted,Out,,',
      '+15005550001,US,First,,,',
      '+15005550001,US,Second,,,',
      ',,NoMobile,,,',
      '+0123456789,,,,,',
    ].join('\n');
    const data = uploadData(await upsertCsv(sandbox, bearer, csv));
    expect(data).toMatchObject({ submitted: 6, inserted: 1, updated: 0, success: 1 });
    expect(data.contacts.map((contact) => contact.firstName)).toEqual(['First']);
    expect(data.errors.map((entry) => [entry.mobile.number, entry.error.code])).toEqual([
      ['07700900123', 'CONT-001'],
      ['+15005550009', 'CONT-010'],
      ['+15005550001', 'CONT-002'],
      ['', 'CONT-001'],
      ['+0123456789', 'CONT-001'],
    ]);
    expect(data.errors[0]).toMatchObject({
      firstName: 'Local',
      error: { description: 'Invalid mobile number' },
    });
    expect(data.errors[1]?.error.description).toBe('Contact has requested no further communication');
    expect(sandbox.contacts(ACCOUNT).map((contact) => contact.mobile.number)).toEqual(['+15005550001']);
    expect(sandbox.stats().writesPerMobile).toEqual({ [ACCOUNT]: { '+15005550001': 1 } });
  });

  test('blocked numbers can be changed at runtime', async () => {
    const { sandbox, bearer } = await started();
    sandbox.setOptions({ blocked: ['+15005550002'] });
    const data = uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550002,,,,,\n`));
    expect(data.errors[0]?.error.code).toBe('CONT-010');
  });

  test.each([
    ['an empty body', ''],
    ['a blank body', '  \n \n'],
    ['no mobile column', 'firstName,lastName\nAnn,Lee\n'],
    ['an unclosed quote', `${CSV_HEADER}\n+15005550001,US,"Ann,Lee,,\n`],
    ['a row with too many fields', `${CSV_HEADER}\n+15005550001,US,Ann,Lee,,,extra\n`],
    ['a duplicated column', 'mobile,mobile\n+15005550001,+15005550002\n'],
  ])('answers 400 CONT-000 for %s, writing nothing', async (_name, csv) => {
    const { sandbox, bearer } = await started();
    const reply = await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550003,,,,,\n`);
    expect(reply.status).toBe(201);
    const bad = await upsertCsv(sandbox, bearer, csv);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      success: false,
      error: { code: 'CONT-000', message: expect.any(String) },
    });
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(1);
  });

  test('a header row alone is an empty, successful batch', async () => {
    const { sandbox, bearer } = await started();
    expect(uploadData(await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n`))).toEqual({
      submitted: 0,
      inserted: 0,
      updated: 0,
      success: 0,
      contacts: [],
      errors: [],
    });
  });

  test('an unknown mergeStrategy is a 400; an unsupported Content-Type a 415', async () => {
    const { sandbox, bearer } = await started();
    const badStrategy = await upsertCsv(
      sandbox,
      bearer,
      `${CSV_HEADER}\n+15005550001,,,,,\n`,
      '?mergeStrategy=replace',
    );
    expect(badStrategy.status).toBe(400);
    expect(errorOf(badStrategy)?.code).toBe('REQ-400');
    const badType = await call(sandbox, contactsPath(), {
      method: 'POST',
      body: 'mobile\n+15005550001\n',
      contentType: 'text/plain',
      bearer,
    });
    expect(badType.status).toBe(415);
    expect(sandbox.contacts(ACCOUNT)).toEqual([]);
  });

  test('writesPerMobile counts every accepted write, per account', async () => {
    const { sandbox, bearer } = await started();
    const csv = `${CSV_HEADER}\n+15005550001,,,,,\n+15005550002,,,,,\n`;
    await upsertCsv(sandbox, bearer, csv);
    await upsertCsv(sandbox, bearer, csv);
    await upsertCsv(sandbox, bearer, `${CSV_HEADER}\n+15005550001,,,,,\n`, '', 'other');
    expect(sandbox.stats().writesPerMobile).toEqual({
      [ACCOUNT]: { '+15005550001': 2, '+15005550002': 2 },
      other: { '+15005550001': 1 },
    });
  });
});

describe('merge strategies on an existing contact', () => {
  const existing = `${CSV_HEADER},Plan,City\n+15005550001,US,Ann,Lee,ann@example.com,a|b,gold,Paris\n`;
  const incoming = `${CSV_HEADER},Plan,City\n+15005550001,CA,Annie,,annie@example.com,b|c,silver,\n`;

  test.each([
    [
      'append (default)',
      '',
      {
        mobile: { number: '+15005550001', country: 'CA' },
        firstName: 'Annie',
        lastName: 'Lee',
        email: 'annie@example.com',
        tags: [{ tag: 'a' }, { tag: 'b' }, { tag: 'c' }],
        attributes: { Plan: 'silver', City: 'Paris' },
      },
    ],
    [
      'append',
      '?mergeStrategy=append',
      {
        firstName: 'Annie',
        tags: [{ tag: 'a' }, { tag: 'b' }, { tag: 'c' }],
        attributes: { Plan: 'silver', City: 'Paris' },
      },
    ],
    [
      'core',
      '?mergeStrategy=core',
      {
        mobile: { number: '+15005550001', country: 'CA' },
        firstName: 'Annie',
        lastName: 'Lee',
        email: 'annie@example.com',
        tags: [{ tag: 'a' }, { tag: 'b' }],
        attributes: { Plan: 'gold', City: 'Paris' },
      },
    ],
    [
      'remove',
      '?mergeStrategy=remove',
      {
        mobile: { number: '+15005550001', country: 'CA' },
        firstName: 'Annie',
        lastName: 'Lee',
        email: 'annie@example.com',
        tags: [{ tag: 'a' }],
        attributes: { Plan: 'silver', City: 'Paris' },
      },
    ],
  ])('%s', async (_name, query, expected) => {
    const { sandbox, bearer } = await started();
    uploadData(await upsertCsv(sandbox, bearer, existing));
    const data = uploadData(await upsertCsv(sandbox, bearer, incoming, query));
    expect(data).toMatchObject({ inserted: 0, updated: 1 });
    expect(data.contacts[0]).toMatchObject(expected);
    expect(sandbox.contacts(ACCOUNT)[0]).toMatchObject(expected);
  });

  test.each([
    ['core', { tags: [{ tag: 'x' }], attributes: { Plan: 'p' } }],
    ['remove', { tags: [], attributes: { Plan: 'p' } }],
  ])(
    'a new contact under %s is created with every field but the removed tags',
    async (strategy, expected) => {
      const { sandbox, bearer } = await started();
      const data = uploadData(
        await upsertCsv(
          sandbox,
          bearer,
          `mobile,firstName,tags,Plan\n+15005550001,Ann,x,p\n`,
          `?mergeStrategy=${strategy}`,
        ),
      );
      expect(data).toMatchObject({ inserted: 1, updated: 0 });
      expect(data.contacts[0]).toMatchObject({ firstName: 'Ann', ...expected });
    },
  );
});
