import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { canonicalPayload, payloadHash } from '../../src/state/index.js';
import type { ContactPayload } from '../../src/types.js';

const base: ContactPayload = {
  mobile: '+447700900123',
  country: 'GB',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  tags: ['vip', 'newsletter'],
  attributes: { plan: 'gold', city: 'London' },
};

function variant(change: Partial<ContactPayload>): ContactPayload {
  return { ...base, ...change };
}

describe('payloadHash', () => {
  it('is 22 base64url characters (132 bits) and stable across releases', () => {
    const hash = payloadHash(base);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // A change of this value means stored hashes no longer match: bump CANONICAL_VERSION on purpose.
    expect(hash).toBe(payloadHash(structuredClone(base)));
    expect(hash).toMatchInlineSnapshot(`"2dbHPV89iYmm4Imq1HmVYN"`);
  });

  test.each<[string, ContactPayload]>([
    ['attribute keys in another order', variant({ attributes: { city: 'London', plan: 'gold' } })],
    ['a repeated tag', variant({ tags: ['vip', 'newsletter', 'vip'] })],
    ['a repeated tag, repeated first', variant({ tags: ['vip', 'vip', 'newsletter', 'newsletter'] })],
  ])('is the same for %s', (_, other) => {
    expect(payloadHash(other)).toBe(payloadHash(base));
  });

  test.each<[string, ContactPayload, ContactPayload]>([
    ['another mobile', base, variant({ mobile: '+447700900124' })],
    ['tags in another order', base, variant({ tags: ['newsletter', 'vip'] })],
    ['a tag more', base, variant({ tags: ['vip', 'newsletter', 'x'] })],
    ['no tags vs one empty tag', variant({ tags: [] }), variant({ tags: [''] })],
    ['an absent field vs an empty one', variant({ country: undefined }), variant({ country: '' })],
    [
      'a value moved to the next field',
      variant({ firstName: 'Ada', lastName: '' }),
      variant({ firstName: '', lastName: 'Ada' }),
    ],
    ['an attribute value changed', base, variant({ attributes: { plan: 'silver', city: 'London' } })],
    ['an attribute renamed', base, variant({ attributes: { tier: 'gold', city: 'London' } })],
    ['an empty attribute vs none', variant({ attributes: {} }), variant({ attributes: { plan: '' } })],
    [
      'separator characters inside a field',
      variant({ firstName: 'A\u0000B', lastName: 'C' }),
      variant({ firstName: 'A', lastName: 'B\u0000C' }),
    ],
    ['separator characters inside a tag', variant({ tags: ['a\u0002b'] }), variant({ tags: ['a', 'b'] })],
    [
      'separator characters inside attributes',
      variant({ attributes: { a: 'b\u0002c\u0003d' } }),
      variant({ attributes: { a: 'b', c: 'd' } }),
    ],
    ['an absent marker as a value', variant({ email: undefined }), variant({ email: '\u0001' })],
    ['an escape marker as a value', variant({ email: '\u0004"x"' }), variant({ email: 'x\u0000' })],
  ])('differs for %s', (_, one, other) => {
    expect(payloadHash(one)).not.toBe(payloadHash(other));
  });

  it('never maps two different payloads to one canonical form (injective)', () => {
    // A tiny alphabet full of structural characters makes near-collisions likely.
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', '\u0000', '\u0001', '\u0002', '\u0003', '\u0004', '"', '\\'),
      maxLength: 3,
    });
    const payload = fc.record(
      {
        mobile: text,
        country: text,
        firstName: text,
        lastName: text,
        email: text,
        tags: fc.array(text, { maxLength: 3 }),
        attributes: fc.dictionary(text, text, { maxKeys: 3 }),
      },
      { requiredKeys: ['mobile', 'tags', 'attributes'] },
    );
    const meaning = (p: ContactPayload): unknown => [
      p.mobile,
      p.country ?? null,
      p.firstName ?? null,
      p.lastName ?? null,
      p.email ?? null,
      [...new Set(p.tags)],
      Object.entries(p.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ];
    fc.assert(
      fc.property(payload, payload, (one, other) => {
        const sameForm = canonicalPayload(one) === canonicalPayload(other);
        const sameMeaning = JSON.stringify(meaning(one)) === JSON.stringify(meaning(other));
        expect(sameForm).toBe(sameMeaning);
        // The same meaning written differently: keys in reverse order, every tag twice.
        const rewritten: ContactPayload = {
          ...one,
          tags: [...one.tags, ...one.tags],
          attributes: Object.fromEntries(Object.entries(one.attributes).reverse()),
        };
        expect(canonicalPayload(rewritten)).toBe(canonicalPayload(one));
      }),
      { numRuns: 3000 },
    );
  });
});
