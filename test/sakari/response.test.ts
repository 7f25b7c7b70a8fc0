import { describe, expect, test } from 'vitest';
import {
  MalformedResponseError,
  hasMorePages,
  readContactsPage,
  readRemoteContact,
  readUploadAnswer,
  rowsToLookUp,
  settleUpload,
  readUploadResponse,
  singleContactOf,
  toRemoteContact,
} from '../../src/sakari/response.js';
import type { RemoteContact } from '../../src/sakari/types.js';
import type { ContactPayload } from '../../src/types.js';

const submitted: ContactPayload[] = ['+15005550001', '+15005550002'].map((mobile) => ({
  mobile,
  tags: [],
  attributes: {},
}));
const AT = '2025-01-01T00:00:00Z';
const LATER = '2025-02-01T00:00:00Z';

describe('readUploadResponse is defensive', () => {
  test.each<[string, unknown, Record<string, string>]>([
    ['null body', null, { '+15005550001': 'failed', '+15005550002': 'failed' }],
    ['an array body', [], { '+15005550001': 'failed', '+15005550002': 'failed' }],
    ['data not an object', { data: 'x' }, { '+15005550001': 'failed', '+15005550002': 'failed' }],
    [
      'arrays of the wrong type',
      { data: { contacts: {}, errors: 'x' } },
      { '+15005550001': 'failed', '+15005550002': 'failed' },
    ],
    [
      'junk entries among good ones',
      {
        data: {
          contacts: [null, 1, 'x', { mobile: {} }, { mobile: { number: '+15005550001' } }],
          errors: [{}, null],
        },
      },
      { '+15005550001': 'created', '+15005550002': 'failed' },
    ],
    [
      'a created contact without updated',
      { data: { contacts: [{ mobile: { number: '+15005550002' }, created: { at: AT } }] } },
      { '+15005550001': 'failed', '+15005550002': 'created' },
    ],
    [
      'updated without created',
      { data: { contacts: [{ mobile: { number: '+15005550002' }, updated: { at: AT } }] } },
      { '+15005550001': 'failed', '+15005550002': 'updated' },
    ],
    [
      'a row in both lists counts as refused',
      {
        data: {
          contacts: [{ mobile: { number: '+15005550001' } }],
          errors: [{ mobile: { number: '+15005550001' }, error: { code: 'CONT-010' } }],
        },
      },
      { '+15005550001': 'blocked', '+15005550002': 'failed' },
    ],
    [
      'a bare string mobile',
      { data: { contacts: [{ mobile: '15005550001', id: 7 }] } },
      { '+15005550001': 'created', '+15005550002': 'failed' },
    ],
  ])('%s', (_name, body, expected) => {
    const result = readUploadResponse(body, submitted);
    expect(
      Object.fromEntries([...result.outcomes].map(([mobile, outcome]) => [mobile, outcome.status])),
    ).toEqual(expected);
  });

  test('an error entry without code or description still fails the row with a code', () => {
    const result = readUploadResponse(
      { data: { errors: [{ mobile: { number: '+15005550002' }, error: {} }] } },
      submitted,
    );
    expect(result.outcomes.get('+15005550002')).toEqual({
      status: 'failed',
      code: 'API_ERROR',
      message: 'refused by Sakari',
    });
  });

  test('numeric ids become strings; counts fall back to the outcomes', () => {
    const result = readUploadResponse(
      { data: { submitted: 'two', contacts: [{ id: 42, mobile: { number: '+15005550001' } }] } },
      submitted,
    );
    expect(result.outcomes.get('+15005550001')).toEqual({ status: 'created', contactId: '42' });
    expect(result).toMatchObject({ submitted: 2, inserted: 1, updated: 0 });
  });
});

describe('toRemoteContact / pages', () => {
  test('minimal contact', () => {
    expect(toRemoteContact({ id: 'a', mobile: { number: '+1' } })).toEqual({
      id: 'a',
      mobile: { number: '+1' },
      tags: [],
      attributes: {},
    });
  });

  test.each([
    [null],
    [{}],
    [{ id: 'a' }],
    [{ id: 'a', mobile: {} }],
    [{ mobile: { number: '+1' } }],
    [{ id: '', mobile: { number: '+1' } }],
  ])('%j is malformed as the contact of a single-contact answer', (value) => {
    expect(() => toRemoteContact(value)).toThrow(MalformedResponseError);
  });

  test.each([[{ mobile: { number: '+1' } }], [{ id: '', mobile: { number: '+1' } }]])(
    '%j listed: still a contact, compared by its mobile (id "")',
    (value) => {
      expect(readRemoteContact(value)).toEqual({
        id: '',
        mobile: { number: '+1' },
        tags: [],
        attributes: {},
      });
    },
  );

  test.each([[null], [{}], [{ id: 'a' }], [{ id: 'a', mobile: {} }]])(
    '%j listed: no mobile, no contact',
    (value) => {
      expect(readRemoteContact(value)).toBeUndefined();
    },
  );

  test('tags as strings or {tag}, junk ignored', () => {
    expect(
      toRemoteContact({ id: 'a', mobile: { number: '+1' }, tags: ['x', { tag: 'y' }, { nope: 1 }, 3] }).tags,
    ).toEqual(['x', 'y']);
  });

  test('a page without pagination has no total', () => {
    expect(readContactsPage({ data: [] })).toEqual({
      contacts: [],
      skipped: 0,
      totalCount: undefined,
      hasNext: undefined,
    });
    expect(readContactsPage({ pagination: { totalCount: 3, hasNext: 'yes' } })).toEqual({
      contacts: [],
      skipped: 0,
      totalCount: 3,
      hasNext: undefined,
    });
    expect(readContactsPage({ pagination: { hasNext: false } })).toMatchObject({ hasNext: false });
  });

  test('singleContactOf accepts data as object, array, or upload answer', () => {
    expect(singleContactOf({ data: { id: 'a' } })).toEqual({ id: 'a' });
    expect(singleContactOf({ data: [{ id: 'b' }] })).toEqual({ id: 'b' });
    expect(singleContactOf({ data: { contacts: [{ id: 'c' }], errors: [] } })).toEqual({ id: 'c' });
    expect(() => singleContactOf({ data: [] })).toThrow(MalformedResponseError);
    expect(() => singleContactOf({})).toThrow(MalformedResponseError);
  });
});

describe('rows an upload answer does not name', () => {
  const four: ContactPayload[] = ['+15005550001', '+15005550002', '+15005550003', '+15005550004'].map(
    (mobile) => ({ mobile, tags: [], attributes: {} }),
  );
  const stored = (number: string, updated = AT) => ({
    id: `id-${number}`,
    mobile: { number },
    created: { at: AT },
    updated: { at: updated },
  });
  const refusal = (code: string) => ({ error: { code, description: `${code} words` } });
  const statuses = (data: unknown, found = new Map()) => {
    const reading = readUploadAnswer({ data }, four);
    const result = settleUpload(reading, found);
    return {
      lookUps: rowsToLookUp(reading).map((c) => c.mobile.slice(-1)),
      outcomes: four
        .map((c) => result.outcomes.get(c.mobile)!)
        .map((o) => `${o.status}${o.code ? ` ${o.code}` : ''}`),
    };
  };

  test('counts that add up: unnamed rows are stored, created or updated as the counts say', () => {
    expect(statuses({ submitted: 4, inserted: 4, updated: 0 })).toEqual({
      lookUps: [],
      outcomes: ['created', 'created', 'created', 'created'],
    });
    expect(statuses({ submitted: 4, inserted: 1, updated: 3, contacts: [stored('+15005550001')] })).toEqual({
      lookUps: [],
      outcomes: ['created', 'updated', 'updated', 'updated'],
    });
    // `success` alone says stored, not created or updated: a stored row is `updated` only when known.
    expect(statuses({ submitted: 4, success: 4 })).toMatchObject({
      lookUps: ['1', '2', '3', '4'],
      outcomes: ['created', 'created', 'created', 'created'],
    });
  });

  test('refusals without mobiles, beside named stored rows: no look-up needed', () => {
    const data = {
      submitted: 4,
      inserted: 1,
      updated: 1,
      contacts: [stored('+15005550001'), stored('+15005550003', LATER)],
      errors: [refusal('CONT-010'), refusal('CONT-010')],
    };
    expect(statuses(data)).toEqual({
      lookUps: [],
      outcomes: ['created', 'blocked CONT-010', 'updated', 'blocked CONT-010'],
    });
    // Different codes cannot be told apart: failed, saying which codes there were.
    const mixed = settleUpload(
      readUploadAnswer({ data: { ...data, errors: [refusal('CONT-010'), refusal('CONT-001')] } }, four),
      new Map(),
    );
    expect(mixed.outcomes.get('+15005550002')).toEqual({
      status: 'failed',
      code: 'API_ERROR',
      message:
        "refused by Sakari, which did not say which of its errors (CONT-010, CONT-001) was this contact's",
    });
  });

  test('some unnamed rows stored and some refused: the look-ups decide, found rows are never failed', () => {
    const data = { submitted: 4, inserted: 2, updated: 1, errors: [refusal('CONT-010')] };
    const found = new Map<string, RemoteContact | null>([
      [
        '+15005550001',
        {
          id: 'a',
          mobile: { number: '+15005550001' },
          tags: [],
          attributes: {},
          createdAt: AT,
          updatedAt: AT,
        },
      ],
      ['+15005550002', null],
      [
        '+15005550003',
        {
          id: 'c',
          mobile: { number: '+15005550003' },
          tags: [],
          attributes: {},
          createdAt: AT,
          updatedAt: LATER,
        },
      ],
      ['+15005550004', { id: 'd', mobile: { number: '+15005550004' }, tags: [], attributes: {} }],
    ]);
    expect(statuses(data, found)).toEqual({
      lookUps: ['1', '2', '3', '4'],
      outcomes: ['created', 'blocked CONT-010', 'updated', 'created'],
    });
  });

  test('counts that do not add up are no counts: every unnamed row is looked up', () => {
    expect(statuses({ submitted: 4, inserted: 9, updated: 0 }).lookUps).toEqual(['1', '2', '3', '4']);
    expect(statuses({ submitted: 4, inserted: -1, updated: 1 }).lookUps).toEqual(['1', '2', '3', '4']);
    // Without look-ups nothing is known: failed NO_RESULT, never a guess.
    expect(statuses({ submitted: 4 }).outcomes).toEqual(Array(4).fill('failed NO_RESULT'));
  });
});

describe('hasMorePages: hasNext, else totalCount, else an empty page', () => {
  const page = (n: number, pagination: { totalCount?: number; hasNext?: boolean } = {}) => ({
    contacts: Array.from({ length: n }, (_, i) => ({
      id: String(i),
      mobile: { number: `+1500555${i}` },
      tags: [],
      attributes: {},
    })),
    skipped: 0,
    totalCount: pagination.totalCount,
    hasNext: pagination.hasNext,
  });
  test.each([
    ['hasNext true on a short page', page(3, { hasNext: true, totalCount: 3 }), 3, true],
    ['hasNext false on a full page', page(10, { hasNext: false, totalCount: 99 }), 10, false],
    ['hasNext true on an empty page', page(0, { hasNext: true }), 0, false],
    ['totalCount not reached on a short page', page(3, { totalCount: 9 }), 3, true],
    ['totalCount reached', page(10, { totalCount: 20 }), 20, false],
    ['a full page without pagination', page(10), 10, true],
    // A server may cap pages below our limit: without pagination only an empty page ends it.
    ['a short page without pagination', page(9), 9, true],
    ['an empty page without pagination', page(0), 9, false],
  ])('%s', (_name, contactsPage, offset, more) => {
    expect(hasMorePages(contactsPage, offset)).toBe(more);
  });
});

describe('upload answers in the other shapes the spec allows (audit §1, §5, §12)', () => {
  const four: ContactPayload[] = ['+15005550001', '+15005550002', '+15005550003', '+15005550004'].map(
    (mobile) => ({ mobile, country: 'US', tags: [], attributes: {} }),
  );
  const stored = (number: string, id = `id-${number.slice(-1)}`) => ({
    id,
    mobile: { number },
    created: { at: AT },
    updated: { at: AT },
  });
  const read = (data: unknown, found = new Map<string, RemoteContact | null>(), body = { data }) => {
    const reading = readUploadAnswer(body, four);
    const result = settleUpload(reading, found);
    return {
      lookUps: rowsToLookUp(reading).map((c) => c.mobile.slice(-1)),
      outcomes: four.map((c) => result.outcomes.get(c.mobile)!),
      statuses: four
        .map((c) => result.outcomes.get(c.mobile)!)
        .map((o) => `${o.status}${o.code ? ` ${o.code}` : ''}${o.contactId ? ` ${o.contactId}` : ''}`),
    };
  };

  test('a refused row listed in contacts[] with its error (and valid:false) is refused, like one in errors[]', () => {
    const data = {
      submitted: 4,
      inserted: 2,
      updated: 0,
      contacts: [
        stored('+15005550001'),
        {
          mobile: { number: '+15005550002' },
          error: { code: 'CONT-010', description: 'Contact has requested no further communication' },
          valid: false,
        },
        {
          mobile: { number: '+15005550003' },
          error: { code: 'CONT-001', description: 'Invalid mobile number' },
        },
        stored('+15005550004'),
      ],
      errors: [],
    };
    const { lookUps, outcomes, statuses } = read(data);
    expect(statuses).toEqual(['created id-1', 'blocked CONT-010', 'failed CONT-001', 'created id-4']);
    expect(outcomes[2]!.message).toBe('Invalid mobile number');
    expect(lookUps).toEqual([]);
  });

  test('valid:false without an error: refused when it has no id, stored when Sakari gave it one', () => {
    const data = {
      contacts: [
        { mobile: { number: '+15005550001' }, valid: false },
        { ...stored('+15005550002'), valid: false },
        { mobile: { number: '+15005550003' }, valid: 'false', code: 'CONT-010' },
        { ...stored('+15005550004'), error: null, valid: true },
      ],
    };
    const { outcomes, statuses } = read(data);
    expect(statuses).toEqual(['failed API_ERROR', 'created id-2', 'blocked CONT-010', 'created id-4']);
    expect(outcomes[0]!.message).toBe('Sakari marked this contact not valid and gave it no id');
  });

  test('a refusal is never overwritten by a stored listing of the same row', () => {
    const refused = { mobile: { number: '+15005550001' }, error: { code: 'CONT-010' } };
    const { statuses } = read({ contacts: [refused, stored('+15005550001')] });
    expect(statuses[0]).toBe('blocked CONT-010');
  });

  test('counts below the rows named stored: those names are in doubt and looked up', () => {
    // Two refusals listed in contacts[] in a shape we do not know; the counts say 2 were stored.
    const data = {
      submitted: 4,
      inserted: 2,
      updated: 0,
      contacts: four.map((c) => ({ mobile: { number: c.mobile }, status: 'rejected' })),
    };
    const found = new Map<string, RemoteContact | null>([
      ['+15005550001', { id: 'a', mobile: { number: '+15005550001' }, tags: [], attributes: {} }],
      ['+15005550002', null],
      ['+15005550003', { id: '', mobile: { number: '+15005550003' }, tags: [], attributes: {} }],
      ['+15005550004', null],
    ]);
    const { lookUps, outcomes, statuses } = read(data, found);
    expect(lookUps).toEqual(['1', '2', '3', '4']);
    expect(statuses).toEqual(['created a', 'failed NO_RESULT', 'created', 'failed NO_RESULT']);
    expect(outcomes[1]!.message).toBe(
      'Sakari listed this contact as stored but its counts say fewer were stored, and a look-up by mobile did not find it (yet); the next run sends it again',
    );
    // Without the look-ups nothing is known: failed (sent again), never stored on the names alone.
    expect(read(data).statuses).toEqual(Array(4).fill('failed NO_RESULT'));
    // Counts that agree with the names leave them trusted: no look-up.
    expect(read({ ...data, inserted: 4 }).lookUps).toEqual([]);
  });

  test('counts in doubt say nothing of the unnamed rows either: they are looked up too', () => {
    const data = {
      submitted: 4,
      inserted: 1,
      updated: 0,
      contacts: [stored('+15005550001'), stored('+15005550002')],
    };
    expect(read(data).lookUps).toEqual(['1', '2', '3', '4']);
  });

  test('counts sent as numeric strings are read', () => {
    expect(read({ submitted: '4', inserted: '3', updated: ' 1 ', contacts: [] }).lookUps).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(read({ submitted: '4', inserted: '4', updated: '0' })).toMatchObject({
      lookUps: [],
      statuses: Array(4).fill('created'),
    });
    expect(read({ submitted: '4', success: '0' }).statuses).toEqual(Array(4).fill('failed NO_RESULT'));
    // Not a count: ignored as before.
    expect(read({ inserted: '4.0', updated: '-0', success: '4x' }).lookUps).toHaveLength(4);
    const result = readUploadResponse({ data: { submitted: '4', inserted: '1', updated: '3' } }, four);
    expect(result).toMatchObject({ submitted: 4, inserted: 1, updated: 3 });
  });

  test('the other answer to POST, a ContactsResponse (data: [Contact]), names its contacts', () => {
    const body = {
      success: true,
      data: [
        stored('+15005550001'),
        { ...stored('+15005550002'), updated: { at: LATER } },
        { mobile: { number: '+15005550003' }, error: { code: 'CONT-010', description: 'opted out' } },
      ],
      pagination: { offset: 0, limit: 4, totalCount: 3 },
    };
    const { lookUps, statuses } = read(undefined, new Map([['+15005550004', null]]), body as never);
    expect(lookUps).toEqual(['4']);
    expect(statuses).toEqual(['created id-1', 'updated id-2', 'blocked CONT-010', 'failed NO_RESULT']);
  });

  test.each<[string, unknown, string, string]>([
    [
      'error as words, code at the top level',
      { mobile: '+15005550002', error: 'Contact is unsubscribed', code: 'CONT-010' },
      'blocked CONT-010',
      'Contact is unsubscribed',
    ],
    [
      'error as words, other code',
      { mobile: '+15005550002', error: 'Invalid mobile number', code: 'CONT-001' },
      'failed CONT-001',
      'Invalid mobile number',
    ],
    [
      'error as a bare code',
      { mobile: '+15005550002', error: 'CONT-010' },
      'blocked CONT-010',
      'refused by Sakari',
    ],
    [
      'message and code at the top level',
      { mobile: { number: '+15005550002' }, code: 'CONT-001', message: 'Bad number' },
      'failed CONT-001',
      'Bad number',
    ],
    [
      'error object with message, code at the top level',
      { mobile: { number: '+15005550002' }, code: 'CONT-010', error: { message: 'Unsubscribed' } },
      'blocked CONT-010',
      'Unsubscribed',
    ],
    [
      'the spec shape still wins over the top level',
      {
        mobile: { number: '+15005550002' },
        code: 'X-1',
        error: { code: 'CONT-001', description: 'Spec words' },
      },
      'failed CONT-001',
      'Spec words',
    ],
  ])('errors[] entry: %s', (_name, entry, status, message) => {
    const { outcomes, statuses } = read({ contacts: [stored('+15005550001')], errors: [entry] });
    expect(statuses[1]).toBe(status);
    expect(outcomes[1]!.message).toBe(message);
  });

  test('NO_RESULT says what is known: not confirmed, looked up or counted out, sent again', () => {
    const notFound = read({ submitted: 4 }, new Map(four.map((c) => [c.mobile, null])));
    expect(notFound.outcomes[0]).toEqual({
      status: 'failed',
      code: 'NO_RESULT',
      message:
        'Sakari did not confirm this contact and a look-up by mobile did not find it (yet); the next run sends it again',
    });
    expect(read({ submitted: 4, inserted: 0, updated: 0 }).outcomes[0]!.message).toBe(
      'Sakari did not confirm this contact: its counts say it was not stored, and it gave no reason; the next run sends it again',
    );
    expect(read({ submitted: 4 }).outcomes[0]!.message).toBe(
      'Sakari did not confirm this contact; the next run sends it again',
    );
  });

  test('an echo in national form is matched through the calling code of its country', () => {
    const national = (number: string, country?: string) => ({
      ...stored('+1'),
      mobile: country === undefined ? { number } : { number, country },
    });
    const { statuses } = read({
      contacts: [
        { ...national('(500) 555-0001', 'US'), id: 'n1' },
        { ...national('500 555 0002'), id: 'n2' },
        { ...national('0500 555 0003', 'CA'), id: 'n3' },
        // Another country's calling code: not ours, names nothing.
        { ...national('500 555 0004', 'GB'), id: 'n4' },
      ],
    });
    expect(statuses).toEqual(['created n1', 'created n2', 'created n3', 'failed NO_RESULT']);
  });

  test('a national echo that fits two submitted numbers names neither', () => {
    const batch: ContactPayload[] = [
      { mobile: '+15005550001', country: 'US', tags: [], attributes: {} },
      { mobile: '+445005550001', country: 'GB', tags: [], attributes: {} },
    ];
    const result = readUploadResponse(
      { data: { contacts: [{ ...stored('+1'), mobile: { number: '500 555 0001' } }] } },
      batch,
    );
    expect([...result.outcomes.values()].map((o) => o.status)).toEqual(['failed', 'failed']);
  });
});

describe('listing answers (audit §11, §12)', () => {
  test('totalCount and hasNext sent as strings are read', () => {
    expect(readContactsPage({ pagination: { totalCount: '250', hasNext: 'true' } })).toMatchObject({
      totalCount: 250,
      hasNext: true,
    });
    expect(readContactsPage({ pagination: { hasNext: ' False ' } })).toMatchObject({ hasNext: false });
    expect(readContactsPage({ pagination: { totalCount: '2.5e2', hasNext: 'no' } })).toMatchObject({
      totalCount: undefined,
      hasNext: undefined,
    });
  });

  test('a contact without an id is listed with id ""; one without a mobile is skipped and counted', () => {
    const page = readContactsPage({
      data: [
        { mobile: { number: '+15005550001' } },
        { id: 'b', email: 'no-mobile@example.com' },
        { id: 'c', mobile: { number: '+15005550003' } },
        null,
      ],
    });
    expect(page.contacts.map((c) => [c.id, c.mobile.number])).toEqual([
      ['', '+15005550001'],
      ['c', '+15005550003'],
    ]);
    expect(page.skipped).toBe(2);
  });

  test('a contact found by a look-up without an id is stored, without a contact id', () => {
    const reading = readUploadAnswer({ data: { submitted: 2 } }, submitted);
    const result = settleUpload(
      reading,
      new Map([
        ['+15005550001', { id: '', mobile: { number: '+15005550001' }, tags: [], attributes: {} }],
        ['+15005550002', null],
      ]),
    );
    expect(result.outcomes.get('+15005550001')).toEqual({ status: 'created' });
  });
});
