import { describe, expect, test } from 'vitest';
import { compareContact, type RemoteFields } from '../../src/reconcile/compare.js';
import type { ContactPayload, MergeStrategy } from '../../src/types.js';

function payload(fields: Partial<ContactPayload> = {}): ContactPayload {
  return { mobile: '+447400100001', tags: [], attributes: {}, ...fields };
}

function remote(fields: Partial<RemoteFields> = {}): RemoteFields {
  return { id: 'c1', tags: [], attributes: {}, ...fields };
}

describe('compareContact', () => {
  test.each<[string, Partial<ContactPayload>, Partial<RemoteFields>, MergeStrategy, string[]]>([
    [
      'identical',
      { firstName: 'Ann', email: 'ann@example.com' },
      { firstName: 'Ann', email: 'ann@example.com' },
      'append',
      [],
    ],
    [
      'empty source values are not compared',
      {},
      { firstName: 'Ann', email: 'a@b.co', tags: ['x'], attributes: { a: '1' } },
      'append',
      [],
    ],
    [
      'remote holding more tags and attributes still matches',
      { tags: ['vip'], attributes: { plan: 'gold' } },
      { tags: ['news', 'vip'], attributes: { plan: 'gold', x: 'y' } },
      'append',
      [],
    ],
    ['first name differs', { firstName: 'Ann' }, { firstName: 'Anne' }, 'append', ['firstName']],
    ['first name missing remotely', { firstName: 'Ann' }, {}, 'append', ['firstName']],
    ['first name differs in case', { firstName: 'ann' }, { firstName: 'Ann' }, 'append', ['firstName']],
    [
      'surrounding space is ignored',
      { firstName: 'Ann', lastName: 'Lee' },
      { firstName: ' Ann ', lastName: 'Lee  ' },
      'append',
      [],
    ],
    ['last name differs', { lastName: 'Lee' }, { lastName: 'Li' }, 'append', ['lastName']],
    ['email case is ignored', { email: 'ann@example.com' }, { email: 'Ann@Example.COM' }, 'append', []],
    ['email differs', { email: 'ann@example.com' }, { email: 'ann@example.org' }, 'append', ['email']],
    ['country case is ignored', { country: 'GB' }, { country: 'gb' }, 'append', []],
    ['country differs', { country: 'GB' }, { country: 'US' }, 'append', ['country']],
    ['country absent remotely', { country: 'GB' }, {}, 'append', ['country']],
    ['a source tag missing remotely', { tags: ['vip', 'news'] }, { tags: ['news'] }, 'append', ['tags']],
    [
      'an attribute differs',
      { attributes: { plan: 'gold' } },
      { attributes: { plan: 'silver' } },
      'append',
      ['attributes'],
    ],
    [
      'an attribute absent remotely',
      { attributes: { plan: 'gold' } },
      { attributes: {} },
      'append',
      ['attributes'],
    ],
    [
      'attribute values compared after trimming',
      { attributes: { plan: 'gold' } },
      { attributes: { plan: ' gold ' } },
      'append',
      [],
    ],
    [
      'several fields, in the documented order',
      { email: 'a@b.co', firstName: 'A', tags: ['t'], attributes: { k: 'v' } },
      {},
      'append',
      ['firstName', 'email', 'tags', 'attributes'],
    ],
    [
      'core: tags and attributes are not compared',
      { firstName: 'Ann', tags: ['vip'], attributes: { plan: 'gold' } },
      { firstName: 'Ann' },
      'core',
      [],
    ],
    ['core: names still are', { firstName: 'Ann' }, { firstName: 'Bob' }, 'core', ['firstName']],
    [
      'remove: a source tag still present remotely differs',
      { tags: ['old'] },
      { tags: ['old', 'keep'] },
      'remove',
      ['tags'],
    ],
    ['remove: source tags absent remotely match', { tags: ['old'] }, { tags: ['keep'] }, 'remove', []],
  ])('%s', (_name, source, stored, strategy, fields) => {
    const difference = compareContact(payload(source), remote(stored), strategy);
    expect(difference?.fields ?? []).toEqual(fields);
  });

  test('names the differing values: missing tags, remote tags, and only the attributes that differ', () => {
    const difference = compareContact(
      payload({
        firstName: 'Ann',
        tags: ['vip', 'news'],
        attributes: { plan: 'gold', city: 'Leeds', team: 'red' },
      }),
      remote({ firstName: 'Anne', tags: ['news', 'other'], attributes: { plan: 'silver', city: 'Leeds' } }),
      'append',
    );
    expect(difference).toEqual({
      fields: ['firstName', 'tags', 'attributes'],
      source: { firstName: 'Ann', tags: ['vip'], attributes: { plan: 'gold', team: 'red' } },
      remote: { firstName: 'Anne', tags: ['news', 'other'], attributes: { plan: 'silver', team: null } },
    });
  });

  test('an attribute called __proto__ is data, not a prototype', () => {
    const attributes: Record<string, string> = {};
    Object.defineProperty(attributes, '__proto__', { value: 'x', enumerable: true });
    const difference = compareContact(payload({ attributes }), remote(), 'append');
    expect(difference?.fields).toEqual(['attributes']);
    expect(JSON.stringify(difference?.source)).toBe('{"attributes":{"__proto__":"x"}}');
  });
});
