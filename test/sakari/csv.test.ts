import { parse } from 'csv-parse/sync';
import { describe, expect, test } from 'vitest';
import { attributeColumns, contactsToCsv, formatUploadCsv } from '../../src/sakari/csv.js';
import type { ContactPayload } from '../../src/types.js';

describe('formatUploadCsv (RFC 4180 quoting)', () => {
  test.each([
    ['plain', 'plain'],
    ['', ''],
    ['+447700900123', '+447700900123'],
    ['Smith, Jr.', '"Smith, Jr."'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['line1\nline2', '"line1\nline2"'],
    ['line1\r\nline2', '"line1\r\nline2"'],
    ['cr\ronly', '"cr\ronly"'],
    [' leading', '" leading"'],
    ['trailing ', '"trailing "'],
    ['in ner', 'in ner'],
    ['tab\tinside', 'tab\tinside'],
    ['a|b', 'a|b'],
    ["O'Brien", "O'Brien"],
    ['=SUM(A1)', '=SUM(A1)'], // an API body, not a spreadsheet: no formula escaping here
    ['Zoë 日本', 'Zoë 日本'],
  ])('%j → %j', (value, expected) => {
    expect(formatUploadCsv([[value]])).toBe(`${expected}\r\n`);
  });

  test('records end with CRLF', () => {
    expect(formatUploadCsv([['a', 'b,c', '']])).toBe('a,"b,c",\r\n');
  });
});

const payload = (mobile: string, extra: Partial<ContactPayload> = {}): ContactPayload => ({
  mobile,
  tags: [],
  attributes: {},
  ...extra,
});

describe('contactsToCsv', () => {
  test('header, tags joined with |, attribute columns as the union in first-seen order', () => {
    const csv = contactsToCsv([
      payload('+15005550001', {
        firstName: 'Ann',
        lastName: 'Lee',
        email: 'a@x.io',
        country: 'US',
        tags: ['a', 'b'],
      }),
      payload('+15005550002', { attributes: { Plan: 'gold', City: 'Oslo' } }),
      payload('+15005550003', { attributes: { Team: 'red', Plan: 'basic' } }),
    ]);
    expect(csv).toBe(
      'mobile,country,firstName,lastName,email,tags,Plan,City,Team\r\n' +
        '+15005550001,US,Ann,Lee,a@x.io,a|b,,,\r\n' +
        '+15005550002,,,,,,gold,Oslo,\r\n' +
        '+15005550003,,,,,,basic,,red\r\n',
    );
  });

  test('round-trips through a strict RFC 4180 parser', () => {
    const contacts = [
      payload('+15005550001', {
        firstName: 'Ann "Annie"',
        lastName: 'Lee, Jr.',
        tags: ['vip', 'q,1'],
        attributes: { Notes: 'line 1\r\nline 2\nline 3', 'Odd, "header"': ' x ' },
      }),
      payload('+15005550002', { attributes: { Notes: '' } }),
    ];
    const rows = parse(contactsToCsv(contacts), {
      columns: true,
      relax_quotes: false,
      trim: false,
    }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        mobile: '+15005550001',
        country: '',
        firstName: 'Ann "Annie"',
        lastName: 'Lee, Jr.',
        email: '',
        tags: 'vip|q,1',
        Notes: 'line 1\r\nline 2\nline 3',
        'Odd, "header"': ' x ',
      },
      {
        mobile: '+15005550002',
        country: '',
        firstName: '',
        lastName: '',
        email: '',
        tags: '',
        Notes: '',
        'Odd, "header"': '',
      },
    ]);
  });

  test('an attribute named like an Object.prototype member is read as an own property only', () => {
    const csv = contactsToCsv([
      payload('+15005550001', { attributes: { constructor: 'c', toString: 't' } }),
      payload('+15005550002'),
    ]);
    expect(csv.split('\r\n')[2]).toBe('+15005550002,,,,,,,');
  });

  test('attributes with an empty name are left out; a core column name is refused', () => {
    expect(attributeColumns([payload('+1', { attributes: { '': 'x', ' ': 'y', Plan: 'p' } })])).toEqual([
      'Plan',
    ]);
    expect(() => contactsToCsv([payload('+1', { attributes: { email: 'x' } })])).toThrow(
      /attribute "email" has the name of a core column/,
    );
  });
});

describe('upload CSV bytes', () => {
  test('are exactly those of the hand-written writer before csv-stringify (CRLF, edge whitespace quoted, no formula escaping)', () => {
    const csv = contactsToCsv([
      payload('+15005550001', {
        country: 'US',
        firstName: ' Ann',
        lastName: 'Lee, Jr.',
        email: 'a@x.io',
        tags: ['a', 'b "c"'],
        attributes: { Plan: '=gold', Note: 'two\nlines' },
      }),
      payload('+447700900123', {
        firstName: 'Zoë 日本 😀',
        lastName: 'trail ',
        email: '\u00a0nbsp',
        attributes: { 'Odd, Name': 'cr\ronly', Note: '"' },
      }),
    ]);
    expect(csv).toBe(
      'mobile,country,firstName,lastName,email,tags,Plan,Note,"Odd, Name"\r\n' +
        '+15005550001,US," Ann","Lee, Jr.",a@x.io,"a|b ""c""",=gold,"two\nlines",\r\n' +
        '+447700900123,,Zoë 日本 😀,"trail ","\u00a0nbsp",,,"""","cr\ronly"\r\n',
    );
  });
});
