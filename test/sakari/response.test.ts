import { describe, expect, test } from 'vitest';
import {
  MalformedResponseError,
  hasMorePages,
  readContactsPage,
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
    [{ mobile: { number: '+1' } }],
    [{ id: '', mobile: { number: '+1' } }],
  ])('%j is malformed', (value) => {
    expect(() => toRemoteContact(value)).toThrow(MalformedResponseError);
  });

  test('tags as strings or {tag}, junk ignored', () => {
    expect(
      toRemoteContact({ id: 'a', mobile: { number: '+1' }, tags: ['x', { tag: 'y' }, { nope: 1 }, 3] }).tags,
    ).toEqual(['x', 'y']);
  });

  test('a page without pagination has no total', () => {
    expect(readContactsPage({ data: [] })).toEqual({
      contacts: [],
      totalCount: undefined,
      hasNext: undefined,
    });
    expect(readContactsPage({ pagination: { totalCount: 3, hasNext: 'yes' } })).toEqual({
      contacts: [],
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

describe('hasMorePages: hasNext, else totalCount, else a short page', () => {
  const page = (n: number, pagination: { totalCount?: number; hasNext?: boolean } = {}) => ({
    contacts: Array.from({ length: n }, (_, i) => ({
      id: String(i),
      mobile: { number: `+1500555${i}` },
      tags: [],
      attributes: {},
    })),
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
    ['a short page without pagination', page(9), 9, false],
  ])('%s', (_name, contactsPage, offset, more) => {
    expect(hasMorePages(contactsPage, offset, 10)).toBe(more);
  });
});
