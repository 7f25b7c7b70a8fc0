import { describe, expect, test } from 'vitest';
import { cleanAttributeValue, cleanEmail, cleanName, validateContacts } from '../../src/pipeline/validate.js';
import type { Contact, ContactPayload, Rejected } from '../../src/types.js';
import { from, collect } from '../helpers.js';

function contact(line: number, payload: Partial<ContactPayload> = {}): Contact {
  return {
    kind: 'contact',
    ref: { file: 'in.csv', line, seq: line - 2 },
    raw: {},
    mobileInput: '07400 123456',
    payload: { mobile: '+447400123456', country: 'GB', tags: [], attributes: {}, ...payload },
  };
}

describe('cleanEmail', () => {
  test.each([
    ['ada@example.com', 'ada@example.com'],
    ['  Ada.Lovelace@Example.CO.UK ', 'ada.lovelace@example.co.uk'],
    ['first+tag@sub.example.org', 'first+tag@sub.example.org'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['x@y.z', 'x@y.z'],
    ['', undefined],
    ['   ', undefined],
    // A list that writes `-` in every empty cell: no email, not a bad one that costs the row.
    ['-', undefined],
    [' N/A ', undefined],
    ['none', undefined],
  ])('%j → %j', (input, expected) => {
    expect(cleanEmail(input)).toBe(expected);
  });

  test.each([
    'n/a n/a',
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada@@example.com',
    'ada@exa@mple.com',
    'ada lovelace@example.com',
    'ada@example .com',
    'ada@example..com',
    'ada@.example.com',
    'ada@example.com.',
    'ada@exam\u0000ple.com',
    'a@x.com; b@y.com',
  ])('%j is malformed', (input) => {
    expect(cleanEmail(input)).toBe(false);
  });
});

describe('cleanName', () => {
  test.each([
    ['Ada', 'Ada'],
    ['  Ada  ', 'Ada'],
    ['Mary   Ann', 'Mary Ann'],
    ['Mary\tAnn\nSmith', 'Mary Ann Smith'],
    ['Mary\u00a0Ann', 'Mary Ann'],
    ['A\u0000da\u0007', 'Ada'],
    ['Zoë\u009b', 'Zoë'],
    ['José María', 'José María'],
    ['\u0001 \u0002', undefined],
    ['', undefined],
  ])('%j → %j', (input, expected) => {
    expect(cleanName(input)).toBe(expected);
  });
});

describe('cleanAttributeValue', () => {
  test.each([
    ['  gold ', 'gold'],
    ['line one\nline two', 'line one\nline two'],
    ['a\u0000b\u001bc\u007f', 'abc'],
    ['\u0002', ''],
  ])('%j → %j', (input, expected) => {
    expect(cleanAttributeValue(input)).toBe(expected);
  });
});

describe('validateContacts', () => {
  test('cleans the payload', async () => {
    const [out] = await collect(
      validateContacts(
        from([
          contact(2, {
            firstName: ' Mary \t Ann ',
            lastName: 'Smith\u0000',
            email: ' Mary@Example.COM ',
            tags: ['vip', 'v\u0000ip', ' news '],
            attributes: { Plan: ' gold\u0007 ', Blank: '  ', Notes: 'a\nb' },
          }),
        ]),
      ),
    );
    expect(out).toEqual(
      contact(2, {
        firstName: 'Mary Ann',
        lastName: 'Smith',
        email: 'mary@example.com',
        tags: ['vip', 'news'],
        attributes: { Plan: 'gold', Notes: 'a\nb' },
      }),
    );
  });

  test('a cleaned contact is a new item; its input is left as it was, attributes keep their order', async () => {
    const attributes = JSON.parse(
      '{"Plan":"gold","Blank":" \\u0007 ","__proto__":" x ","Notes":"n"}',
    ) as Record<string, string>;
    const source = contact(2, { email: ' Ada@Example.com', tags: [' vip'], attributes });
    const before = structuredClone(source);
    const [out] = await collect(validateContacts(from([source])));
    expect(source).toEqual(before);
    expect(out).not.toBe(source);
    expect(out).toMatchObject({ kind: 'contact', ref: source.ref });
    if (out?.kind !== 'contact') throw new Error('expected a contact');
    expect(out.payload).toMatchObject({ email: 'ada@example.com', tags: ['vip'] });
    expect(Object.keys(out.payload.attributes)).toEqual(['Plan', '__proto__', 'Notes']);
    expect(out.payload.attributes['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(out.payload.attributes)).toBe(Object.prototype);
  });

  test('a contact with nothing to clean passes as it came', async () => {
    const source = contact(2, {
      email: 'ada@example.com',
      firstName: 'Ada',
      tags: ['vip'],
      attributes: { Plan: 'gold' },
    });
    const [out] = await collect(validateContacts(from([source])));
    expect(out).toBe(source);
  });

  test('a malformed email rejects the row, naming field and value', async () => {
    const source = contact(5, { email: ' Ada@Example ' });
    const [out] = await collect(validateContacts(from([source])));
    expect(out).toEqual({
      kind: 'rejected',
      ref: source.ref,
      raw: source.raw,
      mobileInput: '07400 123456',
      mobileE164: '+447400123456',
      status: 'invalid',
      error: {
        code: 'EMAIL_INVALID',
        field: 'email',
        message: 'email "Ada@Example": not a valid email address',
      },
    });
  });

  test('no email is fine; rejected rows pass through untouched', async () => {
    const rejected: Rejected = {
      kind: 'rejected',
      ref: { file: 'in.csv', line: 3, seq: 1 },
      raw: {},
      mobileInput: 'x',
      status: 'invalid',
      error: { code: 'PHONE_NOT_A_NUMBER', message: 'mobile "x": not a phone number', field: 'mobile' },
    };
    const out = await collect(validateContacts(from([contact(2, { email: '' }), rejected])));
    expect(out[0]).toEqual(contact(2, { email: undefined }));
    expect(out[1]).toBe(rejected);
  });
});
