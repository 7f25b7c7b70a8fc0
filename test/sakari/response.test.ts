import { describe, expect, test } from 'vitest';
import {
  MalformedResponseError,
  readContactsPage,
  readUploadResponse,
  singleContactOf,
  toRemoteContact,
} from '../../src/sakari/response.js';
import type { ContactPayload } from '../../src/types.js';

const submitted: ContactPayload[] = ['+15005550001', '+15005550002'].map((mobile) => ({
  mobile,
  tags: [],
  attributes: {},
}));
const AT = '2025-01-01T00:00:00Z';

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
    expect(readContactsPage({ data: [] })).toEqual({ contacts: [], totalCount: undefined });
    expect(readContactsPage({ pagination: { totalCount: 3 } })).toEqual({ contacts: [], totalCount: 3 });
  });

  test('singleContactOf accepts data as object, array, or upload answer', () => {
    expect(singleContactOf({ data: { id: 'a' } })).toEqual({ id: 'a' });
    expect(singleContactOf({ data: [{ id: 'b' }] })).toEqual({ id: 'b' });
    expect(singleContactOf({ data: { contacts: [{ id: 'c' }], errors: [] } })).toEqual({ id: 'c' });
    expect(() => singleContactOf({ data: [] })).toThrow(MalformedResponseError);
    expect(() => singleContactOf({})).toThrow(MalformedResponseError);
  });
});
