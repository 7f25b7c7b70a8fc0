import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import {
  normalisePhone,
  normalisePhoneChunks,
  normalisePhones,
  type PhoneOptions,
} from '../../src/pipeline/normalise-phone.js';
import { ParseLoad, PhoneChunkScheduler, PhoneWorkerPool } from '../../src/pipeline/phone-pool.js';
import { resolveCountry } from '../../src/pipeline/phone-country.js';
import type { Contact, Draft, Rejected, RowCode } from '../../src/types.js';
import { collect, compileSources, from } from '../helpers.js';

type Case = [
  input: string,
  rowCountry: string | undefined,
  defaultCountry: string | undefined,
  expected: string,
];

describe('normalisePhone', () => {
  // expected: an E.164 number, or a row code
  const valid: Case[] = [
    // US: punctuation styles, trunk 1, default country, international forms
    ['(201) 555-0123', 'US', undefined, '+12015550123'],
    ['201.555.0123', undefined, 'US', '+12015550123'],
    ['201 555 0123', 'us', 'GB', '+12015550123'],
    ['1-201-555-0123', 'US', undefined, '+12015550123'],
    ['+1 201-555-0123', undefined, undefined, '+12015550123'],
    ['+1 (201) 555-0123', 'GB', undefined, '+12015550123'],
    ["'+12015550123", undefined, undefined, '+12015550123'],
    ['tel:+1-201-555-0123', undefined, undefined, '+12015550123'],
    ['  +1 201 555 0123  ', undefined, undefined, '+12015550123'],
    ['201-555-0123', 'USA', undefined, '+12015550123'],
    ['201-555-0123', 'United States', undefined, '+12015550123'],
    ['201-555-0123', '1', undefined, '+12015550123'],
    ['011 44 7400 123456', 'US', undefined, '+447400123456'],
    ['0044 7400 123456', 'US', undefined, '+447400123456'],
    // GB
    ['07400 123456', 'GB', undefined, '+447400123456'],
    ['07400-123-456', 'gb', undefined, '+447400123456'],
    ['7400 123456', 'GB', undefined, '+447400123456'],
    ['07400 123456', 'United Kingdom', undefined, '+447400123456'],
    ['07400 123456', 'UK', undefined, '+447400123456'],
    ['07400 123456', 'GBR', undefined, '+447400123456'],
    ['07400 123456', '+44', undefined, '+447400123456'],
    ['07400 123456', '0044', undefined, '+447400123456'],
    ['07400 123456', undefined, 'GB', '+447400123456'],
    ['+44 (0) 7400 123456', undefined, undefined, '+447400123456'],
    ['0044 7400 123456', undefined, undefined, '+447400123456'],
    ['0044 7400 123456', 'GB', undefined, '+447400123456'],
    ['+44.7400.123.456', undefined, undefined, '+447400123456'],
    ['447400123456', 'GB', undefined, '+447400123456'],
    ['7400123456.0', 'GB', undefined, '+447400123456'],
    ['447400123456.0', 'GB', undefined, '+447400123456'],
    ['="07400 123456"', undefined, 'GB', '+447400123456'],
    ["'07400 123456", 'GB', undefined, '+447400123456'],
    ['0207 946 0958', 'GB', undefined, '+442079460958'],
    // DE, FR, IN, BR, AU, ZA
    ['0151 23456789', 'DE', undefined, '+4915123456789'],
    ['0151/23456789', 'Deutschland', undefined, '+4915123456789'],
    ['+49 151 23456789', undefined, undefined, '+4915123456789'],
    ['06 12 34 56 78', 'FR', undefined, '+33612345678'],
    ['06.12.34.56.78', 'france', undefined, '+33612345678'],
    ['+33 6 12 34 56 78', undefined, 'US', '+33612345678'],
    ['98123-45678', 'IN', undefined, '+919812345678'],
    ['+91 98123 45678', undefined, undefined, '+919812345678'],
    ['(11) 91234-5678', 'BR', undefined, '+5511912345678'],
    ['(11) 91234-5678', 'Brasil', undefined, '+5511912345678'],
    ['0412 345 678', 'AU', undefined, '+61412345678'],
    ['0011 44 7400 123456', 'AU', undefined, '+447400123456'],
    ['082 123 4567', 'ZA', undefined, '+27821234567'],
    ['082 123 4567', 'South Africa', undefined, '+27821234567'],
  ];
  test.each(valid)('%j (row country %j, default %j) → %s', (input, rowCountry, defaultCountry, expected) => {
    const result = normalisePhone(input, rowCountry, { defaultCountry });
    expect(result).toMatchObject({ ok: true, e164: expected });
  });

  const invalid: Array<
    [input: string, rowCountry: string | undefined, defaultCountry: string | undefined, code: RowCode]
  > = [
    ['', 'US', undefined, 'PHONE_MISSING'],
    ['   ', undefined, 'GB', 'PHONE_MISSING'],
    ["'", undefined, undefined, 'PHONE_MISSING'],
    ['abc', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    ['---', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    ['+', undefined, undefined, 'PHONE_NOT_A_NUMBER'],
    ['1-800-FLOWERS', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    // a word beside the number that is no label
    ['07400 123456 home please', 'GB', undefined, 'PHONE_NOT_A_NUMBER'],
    ['call 07400 123456', 'GB', undefined, 'PHONE_NOT_A_NUMBER'],
    // Words with a digit in them are no number too short (libphonenumber-js says TOO_SHORT).
    ['bad0', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    ['x1', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    ['tel 12', 'US', undefined, 'PHONE_NOT_A_NUMBER'],
    ['07400 123456', undefined, undefined, 'PHONE_INVALID_COUNTRY'],
    ['07400 123456', 'Narnia', undefined, 'PHONE_INVALID_COUNTRY'],
    // Not valid in the default country either: refused for the row's country.
    ['0212 555 014', 'Narnia', 'GB', 'PHONE_INVALID_COUNTRY'],
    ['07400 123456', undefined, 'XX', 'PHONE_INVALID_COUNTRY'],
    ['07400 123456', '999', undefined, 'PHONE_INVALID_COUNTRY'],
    ['+999 1234567', undefined, undefined, 'PHONE_INVALID_COUNTRY'],
    ['12', 'US', undefined, 'PHONE_TOO_SHORT'],
    ['555-0123', 'US', undefined, 'PHONE_TOO_SHORT'],
    ['+44 12', undefined, undefined, 'PHONE_TOO_SHORT'],
    ['+1 201 555 01234', undefined, undefined, 'PHONE_TOO_LONG'],
    ['+44 7400 1234567890', undefined, undefined, 'PHONE_TOO_LONG'],
    ['06 12 34 56 78 90', 'FR', undefined, 'PHONE_TOO_LONG'],
    // Ofcom's drama range: the right shape, but not a number that exists
    ['+44 7700 900123', undefined, undefined, 'PHONE_INVALID'],
    ['0742 123', 'GB', undefined, 'PHONE_INVALID'],
    ['+1 201 555 0123 ext. 45', undefined, undefined, 'PHONE_INVALID'],
    ['+44 7400 123456 #12', undefined, undefined, 'PHONE_INVALID'],
    ['4.41E+11', 'GB', undefined, 'PHONE_EXCEL_MANGLED'],
    ['4,47400123456E+11', 'GB', undefined, 'PHONE_EXCEL_MANGLED'],
    ['7.4e9', 'GB', undefined, 'PHONE_EXCEL_MANGLED'],
    ["'4.47E+11", undefined, 'GB', 'PHONE_EXCEL_MANGLED'],
  ];
  test.each(invalid)('%j (row country %j, default %j) → %s', (input, rowCountry, defaultCountry, code) => {
    const result = normalisePhone(input, rowCountry, { defaultCountry });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  test.each([
    ['0207 946 0958', 'GB', 'PHONE_NOT_MOBILE'],
    ['+49 30 1234567', undefined, 'PHONE_NOT_MOBILE'],
    ['07400 123456', 'GB', '+447400123456'],
    // FIXED_LINE_OR_MOBILE (the whole North American plan) is accepted
    ['201 555 0123', 'US', '+12015550123'],
    // toll free is not a fixed line
    ['+44 800 123 4567', undefined, '+448001234567'],
  ])('requireMobile: %j (%j) → %s', (input, rowCountry, expected) => {
    const result = normalisePhone(input, rowCountry, { requireMobile: true });
    if (expected.startsWith('+')) expect(result).toMatchObject({ ok: true, e164: expected });
    else expect(result).toMatchObject({ ok: false, error: { code: expected } });
  });

  test('messages name the field and the value', () => {
    expect(normalisePhone('0207 946 0958', 'GB', { requireMobile: true })).toEqual({
      ok: false,
      error: {
        code: 'PHONE_NOT_MOBILE',
        field: 'mobile',
        message: 'mobile "0207 946 0958": not a mobile number (fixed line, GB)',
      },
    });
    expect(normalisePhone('07400 123456', undefined, {})).toEqual({
      ok: false,
      error: {
        code: 'PHONE_INVALID_COUNTRY',
        field: 'mobile',
        message: 'mobile "07400 123456": no country: add a country column or --default-country',
      },
    });
    // A row country that is not recognised (a vCard address's `HomeCountry`), a number valid in
    // --default-country: read so, and said.
    expect(normalisePhone('07400 123456', 'HomeCountry', { defaultCountry: 'GB' })).toEqual({
      ok: true,
      e164: '+447400123456',
      country: 'GB',
      note: 'country "HomeCountry" is not a recognised country: read as GB (--default-country), +447400123456',
    });
    expect(normalisePhone('07400 123456', 'Narnia', {})).toMatchObject({
      error: {
        code: 'PHONE_INVALID_COUNTRY',
        field: 'country',
        message: expect.stringContaining('country "Narnia"'),
      },
    });
    expect(normalisePhone('555-0123', 'US', {})).toMatchObject({
      error: { message: 'mobile "555-0123": too short for US' },
    });
    expect(normalisePhone('', 'US', {})).toMatchObject({
      error: { code: 'PHONE_MISSING', message: 'mobile is empty' },
    });
    // A long value is cut in the message.
    const long = normalisePhone(`x${'1'.repeat(500)}`, 'US', {});
    expect(!long.ok && long.error.message.length).toBeLessThan(100);
  });

  test('a number with its calling code does not need a country the row names unrecognisably', () => {
    const note = "the number's own calling code was used";
    expect(normalisePhone('+1 201 555 0123', 'Narnia', {})).toEqual({
      ok: true,
      e164: '+12015550123',
      country: 'US',
      note: `country "Narnia" is not a recognised country; ${note}`,
    });
    expect(normalisePhone('0044 7400 123456', 'Ruritania', { defaultCountry: 'US' })).toMatchObject({
      ok: true,
      e164: '+447400123456',
      note: expect.stringContaining('country "Ruritania"'),
    });
    // the number's own problem is what the row is told
    expect(normalisePhone('+44 12', 'Narnia', {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_TOO_SHORT' },
    });
  });

  test.each(['N/A', 'n/a', '-', 'unknown', ' None '])('a country of %j says the row has none', (value) => {
    expect(normalisePhone('07400 123456', value, { defaultCountry: 'GB' })).toEqual({
      ok: true,
      e164: '+447400123456',
      country: 'GB',
    });
    expect(normalisePhone('+1 201 555 0123', value, {})).toMatchObject({ ok: true, e164: '+12015550123' });
    expect(normalisePhone('07400 123456', value, {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_INVALID_COUNTRY', field: 'mobile' },
    });
  });

  test('a number not valid in its country is read as international, but never ten NANP digits', () => {
    expect(normalisePhone('447911123456', 'US', {})).toMatchObject({
      ok: true,
      e164: '+447911123456',
      note: expect.stringContaining('read as international'),
    });
    expect(normalisePhone('27823456789', 'US', {})).toMatchObject({ ok: true, e164: '+27823456789' });
    // a US number with an unassigned area code is a typo, not the South African +27 82 345 678
    for (const [input, country] of [
      ['278-234-5678', 'US'],
      ['2782345678', 'US'],
      ['278 234 5678', 'CA'],
      ['278.234.5678', '+1'],
    ]) {
      expect(normalisePhone(input as string, country, {})).toMatchObject({
        ok: false,
        error: { code: 'PHONE_INVALID' },
      });
    }
  });

  test('digits starting with the country’s own code: a mobile of it, not a landline of an open plan', () => {
    // Germany's plan makes +49 4915 123456789 a valid landline; the export meant +49 151 23456789
    expect(normalisePhone('4915123456789', 'DE', {})).toEqual({
      ok: true,
      e164: '+4915123456789',
      country: 'DE',
      note: 'mobile "4915123456789" read as international (+4915123456789), a mobile, rather than as a landline of DE',
    });
    // written with its +, or a landline either way: as written
    expect(normalisePhone('+49 4915 123456789', 'DE', {})).toMatchObject({ e164: '+494915123456789' });
    expect(normalisePhone('030 1234567', 'DE', {})).toEqual({
      ok: true,
      e164: '+49301234567',
      country: 'DE',
      // known for a landline: a row with a mobile among its other numbers takes that one
      fixedLine: true,
    });
    // a national reading that is a mobile stays (Italy: 390 612 3456 is a mobile, +39 06 is Rome)
    expect(normalisePhone('3906123456', 'IT', {})).toEqual({
      ok: true,
      e164: '+393906123456',
      country: 'IT',
    });
  });

  test('a national number not valid in the row’s country is read in --default-country when valid there', () => {
    // a UK phone's address book: the contact lives in Spain, the number is written as the owner dials it
    expect(normalisePhone('07911 123560', 'ES', { defaultCountry: 'GB' })).toEqual({
      ok: true,
      e164: '+447911123560',
      country: 'GB',
      note: 'mobile "07911 123560" is not a valid number for ES (the row\'s country): read as GB (--default-country), +447911123560',
    });
    // valid in the row's country: the row's country decides
    expect(normalisePhone('612 34 56 78', 'ES', { defaultCountry: 'GB' })).toEqual({
      ok: true,
      e164: '+34612345678',
      country: 'ES',
    });
    // without a default country, or valid in neither, it stays invalid
    expect(normalisePhone('07911 123560', 'ES', {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_TOO_LONG' },
    });
    expect(normalisePhone('0742 123', 'ES', { defaultCountry: 'GB' })).toMatchObject({ ok: false });
    // one numbering plan (US and CA): nothing to read again
    expect(normalisePhone('(278) 234-5678', 'CA', { defaultCountry: 'US' })).toMatchObject({
      ok: false,
      error: { code: 'PHONE_INVALID' },
    });
  });

  test('the payload country is the number’s, not the row’s', () => {
    expect(normalisePhone('+44 7400 123456', 'US', {})).toEqual({
      ok: true,
      e164: '+447400123456',
      country: 'GB',
    });
    expect(normalisePhone('+1 204 555 0123', 'US', {})).toEqual({
      ok: true,
      e164: '+12045550123',
      country: 'CA',
    });
    // ...unless the number is valid in the row's country: Guernsey's +44 7911 is in the UK's plan
    expect(normalisePhone('+44 7911 123456', 'GB', {})).toEqual({
      ok: true,
      e164: '+447911123456',
      country: 'GB',
    });
    expect(normalisePhone('07911 123456', 'United Kingdom', {})).toMatchObject({ country: 'GB' });
    expect(normalisePhone('+44 7911 123456', undefined, {})).toMatchObject({ country: 'GG' });
    expect(normalisePhone('+44 7911 123456', 'FR', {})).toMatchObject({ country: 'GG' });
    // a non-geographic number has no country
    // (and, toll-free, it is no mobile: a cell's mobile listed after it is taken first)
    expect(normalisePhone('+800 1234 5678', undefined, {})).toEqual({
      ok: true,
      e164: '+80012345678',
      fixedLine: true,
    });
  });
});

describe('normalisePhone: real-world forms (audit of December 2026)', () => {
  test.each([
    // Italian mobiles have had no leading 0 since 2001: nothing was lost (not Monza's 039)
    ['3931234567', 'IT', '+393931234567'],
    ['3511234567', 'IT', '+393511234567'],
    ['3451234567', 'IT', '+393451234567'],
    // valid as written in Mexico; `09…` would be Mexico's international prefix (Cuba, Myanmar)
    ['9532345678', 'MX', '+529532345678'],
    ['9951234567', 'MX', '+529951234567'],
  ])('a workbook number cell %s valid as written in %s is not given a 0: %s', (cell, country, e164) => {
    const result = normalisePhone(cell, country, {}, { numeric: true });
    expect(result).toEqual({ ok: true, e164, country });
    // and with --require-mobile it is a mobile, not refused as a landline
    expect(normalisePhone(cell, country, { requireMobile: true }, { numeric: true })).toMatchObject({
      ok: true,
      e164,
    });
  });

  test('a restored 0 never dials another country', () => {
    // Rome's 06 lost its 0: restored, within +39
    expect(normalisePhone('612345678', 'IT', {}, { numeric: true })).toMatchObject({
      ok: true,
      e164: '+390612345678',
      note: expect.stringContaining('the leading 0 was missing'),
    });
    // not valid as written in Mexico, and 0 + it is 09 + a Cuban mobile: not "restored"
    expect(normalisePhone('95351234567', 'MX', {}, { numeric: true })).toMatchObject({
      ok: false,
      error: { code: 'PHONE_TOO_LONG', message: 'mobile "95351234567": too long for MX' },
    });
  });

  test.each([
    ['447911123456', 'DE', '+447911123456', 'a landline of DE'],
    ['33612345678', 'DE', '+33612345678', 'a landline of DE'],
    ['971501234567', 'DE', '+971501234567', 'a landline of DE'],
    ['6591234567', 'DE', '+6591234567', 'a landline of DE'],
    ['34612345678', 'AT', '+34612345678', 'a landline of AT'],
    ['31612345678', 'AT', '+31612345678', 'a landline of AT'],
    ['12015550123', 'AT', '+12015550123', 'a landline of AT'],
    ['33612345678', 'IT', '+33612345678', 'a voicemail number of IT'],
    ['34612345678', 'IT', '+34612345678', 'a voicemail number of IT'],
  ])(
    'with --default-country, %s (Brevo SMS, no +) in %s is the mobile %s, said in the note',
    (input, defaultCountry, e164, nationalReading) => {
      const result = normalisePhone(input, undefined, { defaultCountry });
      expect(result).toMatchObject({ ok: true, e164 });
      if (result.ok) expect(result.note).toMatch(`read as international (${e164})`);
      if (result.ok) expect(result.note).toMatch(`rather than as ${nationalReading}`);
      // an Excel number cell alike
      expect(normalisePhone(input, undefined, { defaultCountry }, { numeric: true })).toMatchObject({ e164 });
    },
  );

  test('a national number written as one (a trunk 0, or a first group that is no calling code) stays national', () => {
    expect(normalisePhone('0447 9111 2345', 'DE', {})).toMatchObject({ ok: true, e164: '+4944791112345' });
    expect(normalisePhone('447 911 123 456', 'DE', {})).toMatchObject({ ok: true, e164: '+49447911123456' });
    // with its calling code as the first group, the UK mobile (re-audit: `44 7911 123456` was a German landline)
    expect(normalisePhone('44 7911 123456', 'DE', {})).toMatchObject({ ok: true, e164: '+447911123456' });
    expect(normalisePhone('33 6 12 34 56 78', 'AT', {})).toMatchObject({ ok: true, e164: '+33612345678' });
    // ten digits of the North American plan are a US number, not the Singapore +65 9234 5678
    expect(normalisePhone('6592345678', 'US', {})).toMatchObject({ ok: true, e164: '+16592345678' });
  });

  test.each([
    ['648 702 0221', 'ES', 'PHONE_TOO_LONG'],
    ['663 5636 238', 'ES', 'PHONE_TOO_LONG'],
    ['686 224 77', 'ES', 'PHONE_TOO_SHORT'],
    ['649 802 8727', 'ES', 'PHONE_TOO_LONG'],
    ['415-555-26713', 'US', 'PHONE_TOO_LONG'],
    ['617-253-10003', 'US', 'PHONE_TOO_LONG'],
    ['983-826-157', 'US', 'PHONE_TOO_SHORT'],
  ])(
    '%s in %s, a digit too many or too few, is refused (%s), not read as international',
    (input, country, code) => {
      expect(normalisePhone(input, undefined, { defaultCountry: country })).toMatchObject({
        ok: false,
        error: { code, message: expect.stringContaining(` for ${country}`) },
      });
    },
  );

  test.each([
    ['447911123456', '+447911123456'],
    ['44 7911 123456', '+447911123456'],
    ['33612345678', '+33612345678'],
    ['971501234567', '+971501234567'],
  ])('%s in ES, with its calling code and no +, is still read as international', (input, e164) => {
    expect(normalisePhone(input, 'ES', {})).toMatchObject({
      ok: true,
      e164,
      note: expect.stringContaining('read as international'),
    });
  });

  test.each([
    ['07911\u2009123461', 'GB', '+447911123461'],
    ['+33\u202f6\u202f12\u202f34\u202f56\u202f78', undefined, '+33612345678'],
    ['07911\u2007123462', 'GB', '+447911123462'],
    ['07911\t123463', 'GB', '+447911123463'],
  ])(
    'thin, narrow no-break and figure spaces and tabs between digit groups: %j → %s',
    (input, country, e164) => {
      expect(normalisePhone(input, country, {})).toMatchObject({ ok: true, e164 });
    },
  );

  test.each([
    ['Mob: 07911 123456', 'GB', '+447911123456', 'Mob:'],
    ['07911 123457 (m)', 'GB', '+447911123457', '(m)'],
    ['07911 123458 mobile', 'GB', '+447911123458', 'mobile'],
    ['Cell: (415) 555-2671', 'US', '+14155552671', 'Cell:'],
    ['Tel. 0171 1234567', 'DE', '+491711234567', 'Tel.'],
  ])('a label in the cell: %j → %s, the label said removed', (input, country, e164, label) => {
    expect(normalisePhone(input, country, {})).toEqual({
      ok: true,
      e164,
      country,
      note: `label ${JSON.stringify(label)} removed`,
    });
  });
});

/** The second audit of real-world number forms: what its first round of fixes got wrong. */
describe('normalisePhone: second audit', () => {
  test.each([
    ['1 415 555 2671', 'Mexico'],
    ['1-713-555-0142', 'MX'],
    ['14155552671', 'Mexico'],
  ])(
    'a US number %j in a Mexican row (%s) stays +1: Mexico drops its old 1 only after a written 52',
    (input, country) => {
      const result = normalisePhone(input, country, {});
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && result.e164.startsWith('+1')).toBe(true);
    },
  );

  test.each([
    ['4542161000', 'TR', '+904542161000', '+4542161000', 'DK'],
    ['4522231234', 'TR', '+904522231234', '+4522231234', 'DK'],
  ])(
    'a landline %j of %s written without its 0 (an Excel number cell) that is also a foreign mobile is never sent to the mobile: refused naming both',
    (input, country, landline, mobile, abroad) => {
      for (const flags of [{ numeric: true }, {}]) {
        const result = normalisePhone(input, country, {}, flags);
        expect(result).toMatchObject({ ok: false, error: { code: 'PHONE_INVALID' } });
        expect(!result.ok && result.error.message).toBe(
          // Danish numbers are fixed or mobile alike.
          `mobile "${input}": as written a landline of ${country} without its trunk 0 (${landline}), or with its + left out possibly a mobile of ${abroad} (${mobile}): write the number with + if it is the mobile, or with 0 if not`,
        );
      }
    },
  );

  test.each([
    ['65 9123 4567', 'ID', '+626591234567', '+6591234567', 'SG'],
    ['6591234567', 'ID', '+626591234567', '+6591234567', 'SG'],
    ['33612345678', 'ID', '+6233612345678', '+33612345678', 'FR'],
    ['6591234567', 'PK', '+926591234567', '+6591234567', 'SG'],
    ['4365201588', 'TR', '+904365201588', '+4365201588', 'AT'],
  ])(
    "a foreign mobile %j without its + in a %s row, also that country's landline without its trunk 0, is refused naming both (it went to the landline)",
    (input, country, landline, mobile, abroad) => {
      const result = normalisePhone(input, country, {});
      expect(!result.ok && result.error).toEqual({
        code: 'PHONE_INVALID',
        field: 'mobile',
        message: `mobile "${input}": as written a landline of ${country} without its trunk 0 (${landline}), or with its + left out a mobile of ${abroad} (${mobile}): write the number with + if it is the mobile, or with 0 if not`,
      });
    },
  );

  test.each([
    ['+54 11 2345 6789', '+5491123456789'],
    ['11 2345 6789', '+5491123456789'],
    ['0351 423 4567', '+5493514234567'],
  ])(
    'with --require-mobile, an Argentine landline %j is refused saying how the mobile is written (%s)',
    (input, mobile) => {
      expect(normalisePhone(input, 'AR', { requireMobile: true })).toEqual({
        ok: false,
        error: {
          code: 'PHONE_NOT_MOBILE',
          field: 'mobile',
          message: `mobile "${input}": not a mobile number (fixed line, AR); if it is a mobile, write it with 9 after +54 (${mobile}), or with 15 after the area code`,
        },
      });
      // Written so, it is that mobile.
      expect(normalisePhone(mobile, 'AR', { requireMobile: true })).toMatchObject({ ok: true, e164: mobile });
    },
  );

  test('with --require-mobile, a landline elsewhere is refused without that hint', () => {
    expect(normalisePhone('+44 20 7946 0958', 'GB', { requireMobile: true })).toMatchObject({
      ok: false,
      error: {
        code: 'PHONE_NOT_MOBILE',
        message: 'mobile "+44 20 7946 0958": not a mobile number (fixed line, GB)',
      },
    });
  });

  test.each([
    // With the trunk 0 written, or grouped as a national number: the landline.
    ['0274 123456', 'ID', '+62274123456'],
    ['274 123456', 'ID', '+62274123456'],
    ['0436 520 15 88', 'TR', '+904365201588'],
    // Greece dials no trunk prefix: a landline as written is one (2414… is also +241, Gabon).
    ['2410 123456', 'GR', '+302410123456'],
    ['2414948282', 'GR', '+302414948282'],
    // The row's own mobile, or a foreign one with its +.
    ['812 3456 7890', 'ID', '+6281234567890'],
    ['+65 9123 4567', 'ID', '+6591234567'],
    // The open plans take the mobile (mobileWithCallingCode).
    ['4915123456789', 'DE', '+4915123456789'],
  ])('%j in a %s row is read as before: %s', (input, country, e164) => {
    expect(normalisePhone(input, country, {})).toMatchObject({ ok: true, e164 });
  });

  test.each([
    ['436641234567', '+436641234567'],
    ['233241234567', '+233241234567'],
  ])(
    'a foreign number %j in a Brazilian Excel number cell gets no 0 "restored" into a carrier code: %s',
    (input, e164) => {
      expect(normalisePhone(input, 'Brasil', {}, { numeric: true })).toMatchObject({ ok: true, e164 });
    },
  );

  test.each([
    ['HP: 0812-3456-7890', 'ID', '+6281234567890', 'HP:'],
    ['WA 0812 3456 7890', 'ID', '+6281234567890', 'WA'],
    ['Cep: 0532 123 45 67', 'TR', '+905321234567', 'Cep:'],
    ['моб. 8 912 345-67-89', 'RU', '+79123456789', 'моб.'],
    ['手机：138 0013 8000', 'CN', '+8613800138000', '手机：'],
    ['090-1234-5678 (WhatsApp)', 'JP', '+819012345678', '(WhatsApp)'],
    ['GSM: 0470 12 34 56', 'BE', '+32470123456', 'GSM:'],
    ['Natel 079 123 45 67', 'CH', '+41791234567', 'Natel'],
    ['Tél. 06 12 34 56 78', 'FR', '+33612345678', 'Tél.'],
    ['Teléfono: 612 345 678', 'ES', '+34612345678', 'Teléfono:'],
    ['Cellulare 347 123 4567', 'IT', '+393471234567', 'Cellulare'],
    ['Mobiel: 06 12345678', 'NL', '+31612345678', 'Mobiel:'],
    ['Tel. kom. 601 234 567', 'PL', '+48601234567', 'Tel. kom.'],
    ['Kom. 601 234 567', 'PL', '+48601234567', 'Kom.'],
    ['Komórka: 601-234-567', 'PL', '+48601234567', 'Komórka:'],
    // Japanese address books write full-width digits, colons and brackets.
    ['TEL：０９０－１２３４－５６７８', 'JP', '+819012345678', 'TEL：'],
    ['携帯：０９０－１２３４－５６７８', 'JP', '+819012345678', '携帯：'],
    ['携帯電話 ０９０（１２３４）５６７８', 'JP', '+819012345678', '携帯電話'],
    ['TEL：＋８１ ９０－１２３４－５６７８', 'JP', '+819012345678', 'TEL：'],
    ['０９０－１２３４－５６７８ (mobile)', 'JP', '+819012345678', '(mobile)'],
    ['Mobile No: 07911 123456', 'GB', '+447911123456', 'Mobile No:'],
    ['Cell # 415-555-2671', 'US', '+14155552671', 'Cell #'],
    ['No HP: 0812 3456 7890', 'ID', '+6281234567890', 'No HP:'],
    ['SĐT: 0912 345 678', 'VN', '+84912345678', 'SĐT:'],
    ['携帯電話 090-1234-5678', 'JP', '+819012345678', '携帯電話'],
    ['휴대폰 010-1234-5678', 'KR', '+821012345678', '휴대폰'],
    ['07911 123456 [mobile]', 'GB', '+447911123456', '[mobile]'],
    ['Telp: 0812 3456 7890', 'ID', '+6281234567890', 'Telp:'],
    ['电话：138 0013 8000', 'CN', '+8613800138000', '电话：'],
    ['Handy-Nr.: 0151 23456789', 'DE', '+4915123456789', 'Handy-Nr.:'],
    ['GSM-nr: 0470 12 34 56', 'BE', '+32470123456', 'GSM-nr:'],
    ['ĐTDĐ: 0912 345 678', 'VN', '+84912345678', 'ĐTDĐ:'],
    ['HP/WA 0812 3456 7890', 'ID', '+6281234567890', 'HP/WA'],
    ['Tel. cellulare 347 123 4567', 'IT', '+393471234567', 'Tel. cellulare'],
    ['Mobiltelefon: 0151 23456789', 'DE', '+4915123456789', 'Mobiltelefon:'],
    ['Handynummer 0151 23456789', 'DE', '+4915123456789', 'Handynummer'],
    ['Puh. 040 123 4567', 'FI', '+358401234567', 'Puh.'],
    ['Matkapuhelin: 040 123 4567', 'FI', '+358401234567', 'Matkapuhelin:'],
    ['Κινητό: 694 123 4567', 'GR', '+306941234567', 'Κινητό:'],
    ['Τηλ.: 694 123 4567', 'GR', '+306941234567', 'Τηλ.:'],
    // A US signature's `C:` (cell), and a label in brackets before the number.
    ['C: 415-555-2671', 'US', '+14155552671', 'C:'],
    ['(cell) 415-555-2671', 'US', '+14155552671', '(cell)'],
    ['415-555-2671 (c)', 'US', '+14155552671', '(c)'],
    ['Contact No: 98765 43210', 'IN', '+919876543210', 'Contact No:'],
    // A dash after the label, two labels joined by `/`, a `/` or a bare word after the number.
    ['Mobile - 07911 123456', 'GB', '+447911123456', 'Mobile -'],
    ['Cell-415-555-2671', 'US', '+14155552671', 'Cell-'],
    ['Mobile/WhatsApp +44 7911 123456', 'GB', '+447911123456', 'Mobile/WhatsApp'],
    ['+62 812-3456-7890 / WA', 'ID', '+6281234567890', 'WA'],
    ['0812 3456 7890 WA', 'ID', '+6281234567890', 'WA'],
    ['0812-3456-7890 (HP)', 'ID', '+6281234567890', '(HP)'],
  ])('a label in another language: %j (%s) → %s, the label said removed', (input, country, e164, label) => {
    expect(normalisePhone(input, country, {})).toMatchObject({
      ok: true,
      e164,
      note: `label ${JSON.stringify(label)} removed`,
    });
  });

  test.each([
    ['Fax: 020 7946 0000'],
    ['Tel/Fax 020 7946 0000'],
    ['Home 020 7946 0000'],
    ['Tel 2: 07911 123456'],
    ['H: 020 7946 0000'],
    ['O: 020 7946 0000'],
    ['F: 020 7946 0000'],
    ['Fax/Tel 020 7946 0000'],
    ['Tel - Fax 020 7946 0000'],
    ['Home - 020 7946 0000'],
    ['020 7946 0000 / Fax'],
  ])('a label that names no mobile (%j) is not removed: the cell is refused for its letters', (input) => {
    expect(normalisePhone(input, 'GB', {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_NOT_A_NUMBER' },
    });
  });

  test.each([
    ['wa.me/6281234567890', 'ID', '+6281234567890'],
    ['https://wa.me/6281234567890?text=Halo', 'ID', '+6281234567890'],
    ['https://api.whatsapp.com/send/?phone=5511912345678&text&type=phone_number', 'BR', '+5511912345678'],
    // The link's number is international, whatever the row's country.
    ['https://wa.me/447911123456', 'US', '+447911123456'],
  ])('a WhatsApp link %j in a %s row is its number: %s, and the message says so', (input, country, e164) => {
    expect(normalisePhone(input, country, {})).toMatchObject({
      ok: true,
      e164,
      note: 'the number of a WhatsApp link',
    });
  });

  test('a WhatsApp link without a whole number is refused', () => {
    expect(normalisePhone('wa.me/12', 'US', {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_NOT_A_NUMBER' },
    });
    expect(normalisePhone('https://wa.me/44791', 'GB', {})).toMatchObject({ ok: false });
  });

  test.each([
    ['(44) 7911 123456', 'US', '+447911123456'],
    ['(49) 151 23456789', 'GB', '+4915123456789'],
  ])(
    'a calling code in brackets without + (%j in %s) is read as international: %s',
    (input, country, e164) => {
      expect(normalisePhone(input, country, {})).toMatchObject({ ok: true, e164 });
    },
  );

  test.each([
    ['0168 123 4567', 'VN', undefined, '+84381234567'],
    ['+84 128 787 8888', undefined, undefined, '+84787878888'],
    ['01995959999', undefined, 'VN', '+84595959999'],
    ['841681234567', undefined, undefined, '+84381234567'],
  ])(
    "Vietnam's pre-2018 11-digit mobile %j (row %j, default %j) is the number it became, %s, said in the note",
    (input, row, defaultCountry, e164) => {
      expect(normalisePhone(input, row, { defaultCountry })).toEqual({
        ok: true,
        e164,
        country: 'VN',
        note: `mobile ${JSON.stringify(input)}: Vietnam's 11-digit mobiles were renumbered in 2018; read as ${e164}`,
      });
    },
  );

  test('a current Vietnamese mobile and a number of another country are left as they are', () => {
    expect(normalisePhone('0912 345 678', 'VN', {})).toEqual({
      ok: true,
      e164: '+84912345678',
      country: 'VN',
    });
    expect(normalisePhone('01681234567', 'GB', {})).toMatchObject({ ok: true, e164: '+441681234567' });
  });

  test('a national number in brackets with a digit too many is no foreign number', () => {
    expect(normalisePhone('(415) 555-26713', 'US', {})).toMatchObject({ ok: false });
  });

  test.each([
    ['+33 9 51 23 45 67'], // a French home-box (VoIP) line
    ['+44 800 123 4567'], // UK toll-free
    ['+44 330 123 4567'], // UK non-geographic
  ])("%j is known as no mobile (a cell's mobile after it is taken first)", (input) => {
    expect(normalisePhone(input, undefined, {})).toMatchObject({ ok: true, fixedLine: true });
  });
});

describe('normalisePhone: legacy mobile forms and two numbers in one text', () => {
  test.each([
    ['+52 1 55 8765 4321', undefined, undefined, '+525587654321'],
    ['+5215587654322', 'Mexico', undefined, '+525587654322'],
    ['521 33 8765 4321', 'Mexico', undefined, '+523387654321'],
    // Mexico's old "1 + 10 digits": not the New Jersey +1 551 234 5678
    ['+52 1 55 8765 4321', undefined, 'MX', '+525587654321'],
  ])(
    'Mexico: %j (row %j, default %j) → %s without its 1, said in the note',
    (input, row, defaultCountry, e164) => {
      expect(normalisePhone(input, row, { defaultCountry })).toEqual({
        ok: true,
        e164,
        country: 'MX',
        note: `mobile ${JSON.stringify(input)}: Mexico's mobile 1 after +52 is no longer used (dropped in 2019); read as ${e164}`,
      });
    },
  );

  test.each([
    ['044 55 1234 5678', 'MX', undefined, '+525512345678', '044'],
    ['045 33 8765 4321', 'Mexico', undefined, '+523387654321', '045'],
    ['01 55 1234 5678', undefined, 'MX', '+525512345678', '01'],
  ])(
    "Mexico's dialling prefixes of before 2019: %j (row %j, default %j) → %s, said in the note",
    (input, row, defaultCountry, e164, prefix) => {
      expect(normalisePhone(input, row, { defaultCountry })).toEqual({
        ok: true,
        e164,
        country: 'MX',
        note: `mobile ${JSON.stringify(input)}: Mexico's dialling prefix ${prefix} is no longer used (dropped in 2019); read as ${e164}`,
      });
    },
  );

  test.each([
    ['8 050 123 45 67', 'UA', '+380501234567', 'UA'],
    ['8 (050) 123-45-67', 'Ukraine', '+380501234567', 'UA'],
    ['8 0691 23456', 'MD', '+37369123456', 'MD'],
    ['8 050 123 45 67', 'AZ', '+994501234567', 'AZ'],
    ['8 099 123456', 'AM', '+37499123456', 'AM'],
    ['8 90 123 45 67', 'UZ', '+998901234567', 'UZ'],
  ])(
    'the Soviet long-distance 8 before %j (%s) is dropped: %s, said in the note',
    (input, row, e164, iso) => {
      expect(normalisePhone(input, row, {})).toMatchObject({
        ok: true,
        e164,
        note: `mobile ${JSON.stringify(input)}: the long-distance 8 in front is no longer dialled in ${iso}; read as ${e164}`,
      });
    },
  );

  test('an 8 is kept where libphonenumber reads it, and dropped only when the rest is a valid number', () => {
    expect(normalisePhone('8 916 123 45 67', 'RU', {})).toEqual({
      ok: true,
      e164: '+79161234567',
      country: 'RU',
    });
    expect(normalisePhone('8 029 123 45 67', 'BY', {})).toEqual({
      ok: true,
      e164: '+375291234567',
      country: 'BY',
    });
    expect(normalisePhone('8 050 123 45', 'UA', {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_INVALID' },
    });
    // Not a Soviet plan: the 8 is a digit of the number.
    expect(normalisePhone('8 050 123 45 67', 'PL', {})).toMatchObject({ ok: false });
  });

  test.each([
    ['+48 (0) 601 234 567', '+48', '+48601234567'],
    ['0048 (0)601 234 567', '+48', '+48601234567'],
    ['+39 (0)347 123 4567', '+39', '+393471234567'],
    ['+420 (0)601 123 456', '+420', '+420601123456'],
    ['+34 (0)612 345 678', '+34', '+34612345678'],
  ])(
    'a (0) after a calling code without a trunk 0 (%j) is dropped: %s…, said in the note',
    (input, code, e164) => {
      expect(normalisePhone(input, undefined, {})).toMatchObject({
        ok: true,
        e164,
        note: `mobile ${JSON.stringify(input)}: the (0) after ${code} is not dialled; read as ${e164}`,
      });
    },
  );

  test('a (0) that is a digit of the number, or a trunk 0 libphonenumber drops, is read without a note', () => {
    // An Italian landline starts with 0.
    expect(normalisePhone('+39 (0)2 1234 5678', undefined, {})).toEqual({
      ok: true,
      e164: '+390212345678',
      country: 'IT',
      fixedLine: true,
    });
    expect(normalisePhone('+33 (0)6 12 34 56 78', undefined, {})).toEqual({
      ok: true,
      e164: '+33612345678',
      country: 'FR',
    });
  });

  test.each([
    ['(0xx11) 98765-4321', 'BR', '+5511987654321'],
    ['0XX21 3456-7890', 'Brasil', '+552134567890'],
    ['(0xx)(11) 98765-4321', 'BR', '+5511987654321'],
  ])(
    "Brazil's 0xx (a carrier of the caller's choice) before the area code: %j (%s) is %s",
    (input, row, e164) => {
      expect(normalisePhone(input, row, {})).toMatchObject({ ok: true, e164, country: 'BR' });
    },
  );

  test.each([
    // Singapore's carrier prefix 004 would eat Germany's 4: +91 5123456789, an Indian landline.
    ['0049 1512 3456789', 'SG', '+4915123456789'],
    ['0033 6 12 34 56 78', 'TH', '+33612345678'],
    // Korea's 008 would make it +1 901…, a Memphis number; written "0081", it is Japan.
    ['0081 90 1234 5678', 'KR', '+819012345678'],
    // Korea's 002 would make it an Egyptian mobile: the row's own calling code wins.
    ['0082 010 1234 5678', 'KR', '+821012345678'],
    ['0091 81234 56789', 'NG', '+918123456789'],
    // Japan's 0066 would make it a Japanese toll-free number, which takes no SMS.
    ['0066 81 234 5678', 'JP', '+66812345678'],
    // Written through KT's 001 as its own group: the carrier's reading.
    ['001 65 9123 4567', 'KR', '+6591234567'],
  ])('"00" read with a carrier prefix or as the ITU prefix: %j in %s is %s', (input, row, e164) => {
    expect(normalisePhone(input, row, {})).toMatchObject({ ok: true, e164 });
  });

  test('"00" digits that two readings make valid, and neither is settled by how they are written, are refused', () => {
    expect(normalisePhone('00818012345678', 'KR', {})).toEqual({
      ok: false,
      error: {
        code: 'PHONE_INVALID',
        field: 'mobile',
        message:
          'mobile "00818012345678": 00 may be the international prefix (+818012345678) or a carrier\'s prefix of KR (+18012345678): write the number with + to say which',
      },
    });
  });

  test.each([
    ['+39 (0)351 234 5678', '+3903512345678', '+393512345678'],
    ['+39 (0)345 123 4567', '+3903451234567', '+393451234567'],
  ])(
    'a (0) that makes a landline of an Italian mobile (%j) is refused, naming both',
    (input, landline, mobile) => {
      expect(normalisePhone(input, undefined, {})).toEqual({
        ok: false,
        error: {
          code: 'PHONE_INVALID',
          field: 'mobile',
          message: `mobile ${JSON.stringify(input)}: with its (0) a landline (${landline}), without it a mobile (${mobile}): write the number without (0) if it is the mobile, or with 0 and no brackets if not`,
        },
      });
    },
  );

  test.each([
    ['1 55 1234 5678', 'MX', 'US', '+525512345678'],
    ['1 55 1234 5678', 'MX', undefined, '+525512345678'],
    ['1 (33) 1234-5678', 'Mexico', undefined, '+523312345678'],
  ])(
    "Mexico's mobile 1 before a two-digit area code (%j, row %j, default %j) is dropped: %s, not a New Jersey number",
    (input, row, defaultCountry, e164) => {
      expect(normalisePhone(input, row, { defaultCountry })).toEqual({
        ok: true,
        e164,
        country: 'MX',
        note: `mobile ${JSON.stringify(input)}: Mexico's mobile 1 before the area code is no longer used (dropped in 2019); read as ${e164}`,
      });
    },
  );

  test.each([
    // A Japanese input method's long-vowel mark typed for a hyphen.
    ['090ー1234ー5678', 'JP', '+819012345678', undefined],
    ['０９０ー１２３４ー５６７８', 'JP', '+819012345678', undefined],
    [
      '+07911 123456',
      'GB',
      '+447911123456',
      'a + before a national number (no calling code starts with 0) is not dialled',
    ],
    ['+91 919876543210', undefined, '+919876543210', 'the calling code +91 seems written twice'],
    ['00 234 2348031234567', undefined, '+2348031234567', 'the calling code +234 seems written twice'],
    ['97 12 34 56', 'BJ', '+2290197123456', "Benin's numbers gained 01 in front on 30 November 2024"],
    [
      '+229 97 12 34 56',
      undefined,
      '+2290197123456',
      "Benin's numbers gained 01 in front on 30 November 2024",
    ],
    ['09 8765 4321', 'CL', '+56987654321', "Chile's mobiles are dialled 9, not 09, since 2016"],
    ['+56 09 8765 4321', undefined, '+56987654321', "Chile's mobiles are dialled 9, not 09, since 2016"],
    [
      '011 52 1 55 1234 5678',
      'US',
      '+525512345678',
      "Mexico's mobile 1 after +52 is no longer used (dropped in 2019)",
    ],
  ])('a form a number is still written in: %j (%s) → %s', (input, row, e164, said) => {
    const result = normalisePhone(input, row, {});
    expect(result).toMatchObject({ ok: true, e164 });
    expect((result as { note?: string }).note).toBe(
      said === undefined ? undefined : `mobile ${JSON.stringify(input)}: ${said}; read as ${e164}`,
    );
  });

  test.each([
    ['88 01712 345678', undefined, undefined, '+8801712345678', 'there is no country for it'],
    ['38 050 123 45 67', undefined, 'GB', '+380501234567', 'not a valid number for GB'],
    ['6 012-345 6789', 'GB', undefined, '+60123456789', 'not a valid number for GB'],
  ])(
    'a calling code ending in 0 written with the trunk 0 (%j, row %j, default %j) is read as international: %s',
    (input, row, defaultCountry, e164, why) => {
      expect(normalisePhone(input, row, { defaultCountry })).toMatchObject({
        ok: true,
        e164,
        note: `mobile ${JSON.stringify(input)} read as international (${e164}): ${why}`,
      });
    },
  );

  test("an 8-digit Ivorian number is refused saying which 2 digits its operator's numbers gained", () => {
    expect(normalisePhone('+225 07 12 34 56', undefined, {})).toEqual({
      ok: false,
      error: {
        code: 'PHONE_TOO_SHORT',
        field: 'mobile',
        message:
          'mobile "+225 07 12 34 56": an 8-digit Ivorian number: since 31 January 2021 numbers have 10 digits, the 2 in front telling the operator (mobiles 07 Orange, 05 MTN, 01 Moov; landlines 27, 25, 21); add the person\'s',
      },
    });
    expect(normalisePhone('07 07 12 34 56', 'CI', {})).toMatchObject({ ok: true, e164: '+2250707123456' });
  });

  test.each([
    ['012 345 6789', 'EG', '+201223456789'],
    ['+20 10 123 4567', undefined, '+201001234567'],
  ])(
    'an Egyptian mobile of before 2011 (%j, %s) is refused naming its number now, %s: a current one with a digit dropped looks the same',
    (input, row, now) => {
      expect(normalisePhone(input, row, {})).toEqual({
        ok: false,
        error: {
          code: 'PHONE_INVALID',
          field: 'mobile',
          message: `mobile ${JSON.stringify(input)}: not a valid number for EG: Egyptian mobiles have had 11 digits since October 2011 (${now}, if this is a number from before then)`,
        },
      });
    },
  );

  test.each([
    ['996 997 11', 'KZ', 'too short for KZ'],
    ['+7 996 997 11', 'KZ', 'too short for KZ'],
    ['+7 996 997 11', 'RU', 'too short for RU'],
    ['416 555 01', 'CA', 'too short for CA'],
  ])(
    "a refusal of %j in a %s row names the row's country when the number has its calling code",
    (input, row, reason) => {
      expect(normalisePhone(input, row, {})).toMatchObject({
        ok: false,
        error: { message: `mobile "${input}": ${reason}` },
      });
    },
  );

  test.each([
    ['1 (786) 556-0540\u2069', '+17865560540'],
    ['\u20661 (786) 556-0540\u2069', '+17865560540'],
    ['\u200e+972 50-256-7227', '+972502567227'],
    ['050\u200b-256\u00ad7227\ufeff', '+972502567227'],
  ])(
    'invisible characters (a direction mark from an RTL sheet or WhatsApp, a zero-width space) are no part of %j',
    (input, e164) => {
      expect(normalisePhone(input, 'IL', {})).toMatchObject({ ok: true, e164 });
    },
  );

  test.each([
    ['98252174', 'CL', '+56998252174'],
    ['9825 2174', 'CL', '+56998252174'],
    ['+56 8765 4321', undefined, '+56987654321'],
  ])(
    'a Chilean mobile of before 2012 (%j, %s: 8 digits, 1,210 rows of a real customer file) is refused naming its number now, %s',
    (input, row, now) => {
      expect(normalisePhone(input, row, {})).toEqual({
        ok: false,
        error: {
          code: 'PHONE_TOO_SHORT',
          field: 'mobile',
          message: `mobile ${JSON.stringify(input)}: too short for CL: Chilean mobiles have had 9 digits since February 2012, a 9 in front of the 8 they had (${now}, if this is a number from before then)`,
        },
      });
    },
  );

  test("8 digits that were a Santiago landline (2 …) get no mobile hint; today's 9 digits read as written", () => {
    expect(normalisePhone('22123456', 'CL', {})).toEqual({
      ok: false,
      error: { code: 'PHONE_TOO_SHORT', field: 'mobile', message: 'mobile "22123456": too short for CL' },
    });
    expect(normalisePhone('9 9825 2174', 'CL', {})).toMatchObject({ ok: true, e164: '+56998252174' });
  });

  test('"+0…" that is both a national number and a calling code is refused, naming both', () => {
    // A + too many before a German national number, or a 0 too many before +44.
    expect(normalisePhone('+044 7911 123456', 'DE', {})).toEqual({
      ok: false,
      error: {
        code: 'PHONE_INVALID',
        field: 'mobile',
        message:
          'mobile "+044 7911 123456": a national number of DE with a + too many (+49447911123456), or +447911123456 with a 0 too many: write it without the + or without the 0',
      },
    });
  });

  test("the default country's reading comes before a former numbering's, and +00 is not read as a national number", () => {
    // A Togolese 8-digit mobile beside a Benin address is Togo's, not Benin's 01 + 8 digits.
    expect(normalisePhone('91 54 95 71', 'BJ', { defaultCountry: 'TG' })).toMatchObject({
      ok: true,
      e164: '+22891549571',
    });
    // "+0049 …" is refused as before, not read after Singapore's carrier prefix 004 (+91…).
    expect(normalisePhone('+0049 1512 3456789', 'SG', {})).toMatchObject({ ok: false });
  });

  test('a Hungarian number cell that lost the 0 of its 06 is read with it', () => {
    expect(normalisePhone('6201234567', 'HU', {}, { numeric: true })).toEqual({
      ok: true,
      e164: '+36201234567',
      country: 'HU',
      note: 'mobile "6201234567": the leading 0 was missing (Excel stored it as a number); read as 06201234567 (+36201234567)',
    });
  });

  test('a + before a national number is not read without a country, and a valid number written twice stays as it is', () => {
    expect(normalisePhone('+07911 123456', undefined, {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_INVALID_COUNTRY' },
    });
    // Valid as written (44 7911… is not "+44 written twice"), and too short to be Benin's 01 + 8 digits.
    expect(normalisePhone('+44 7911 123456', undefined, {})).toMatchObject({
      ok: true,
      e164: '+447911123456',
    });
    expect(normalisePhone('+2299712345', undefined, {})).toMatchObject({
      ok: false,
      error: { code: 'PHONE_TOO_SHORT' },
    });
  });

  test.each([
    ['+55 92 8172 3241', undefined, '+5592981723241'],
    ['5511 8765-4321', 'Brasil', '+5511987654321'],
  ])('Brazil: the 8-digit mobile %j (row %j) is refused, naming the 9 to add (%s)', (input, row, e164) => {
    expect(normalisePhone(input, row, {})).toEqual({
      ok: false,
      error: {
        code: 'PHONE_INVALID',
        field: 'mobile',
        message: `mobile ${JSON.stringify(input)}: an 8-digit mobile: Brazilian mobiles have had 9 digits since 2016; add a 9 after the area code (${e164}?)`,
      },
    });
  });

  test.each([
    ['07911 123459 & 07400 123459', 'PHONE_NOT_A_NUMBER'],
    ['07911123460/07400123460', 'PHONE_TOO_LONG'],
    ['07911 123461 - 07400 123461', 'PHONE_TOO_LONG'],
    // A Chinese or Japanese list mark (a cell of full-width digits is not split before).
    ['０７９１１ １２３４６２、０７４００ １２３４６２', 'PHONE_NOT_A_NUMBER'],
  ])('two numbers in one text (%j): the refusal says so (%s)', (input, code) => {
    expect(normalisePhone(input, 'GB', {})).toEqual({
      ok: false,
      error: {
        code,
        field: 'mobile',
        message: `mobile ${JSON.stringify(input)}: the cell seems to hold two numbers: keep one, or separate them with "," or ";"`,
      },
    });
  });
});

describe('resolveCountry', () => {
  test.each([
    ['GB', 'GB'],
    ['gb', 'GB'],
    [' de ', 'DE'],
    ['United Kingdom', 'GB'],
    ['UNITED STATES', 'US'],
    ['U.S.A.', 'US'],
    ['Deutschland', 'DE'],
    ['España', 'ES'],
    ['Côte d’Ivoire', 'CI'],
    ["Cote d'Ivoire", 'CI'],
    ['Myanmar', 'MM'],
    ['Bosnia & Herzegovina', 'BA'],
    ['The Netherlands', 'NL'],
    // ISO 3166 short names, as pick-lists write them
    ['Korea, Republic of', 'KR'],
    ["Korea, Democratic People's Republic of", 'KP'],
    ['Viet Nam', 'VN'],
    ['Iran, Islamic Republic of', 'IR'],
    ['Tanzania, United Republic of', 'TZ'],
    ['Congo, The Democratic Republic of the', 'CD'],
    // the names German, French, Spanish, Italian, Portuguese and Dutch exports write
    ['Vereinigtes Königreich', 'GB'],
    ['Großbritannien', 'GB'],
    ['Royaume-Uni', 'GB'],
    ['Regno Unito', 'GB'],
    ['Reino Unido', 'GB'],
    ['Verenigd Koninkrijk', 'GB'],
    ['Estados Unidos', 'US'],
    ['États-Unis', 'US'],
    ['Vereinigte Staaten', 'US'],
    ['Frankreich', 'FR'],
    ['Allemagne', 'DE'],
    ['Germania', 'DE'],
    ['Alemanha', 'DE'],
    ['Duitsland', 'DE'],
    ['Österreich', 'AT'],
    ['Schweiz', 'CH'],
    ['Türkei', 'TR'],
    ['Países Bajos', 'NL'],
    ['Afrique du Sud', 'ZA'],
    // as CRMs and hand-made sheets write them (HubSpot's Country/Region is free text)
    ['U.S.', 'US'],
    ['the Philippines', 'PH'],
    ['S. Africa', 'ZA'],
    ['Emirates', 'AE'],
    ['Macedonia', 'MK'],
    ['UK (United Kingdom)', 'GB'],
    ['Germany (DE)', 'DE'],
    // the names exports in other languages and scripts write (Outlook's country column)
    ['Россия', 'RU'],
    ['Україна', 'UA'],
    ['България', 'BG'],
    ['Ελλάδα', 'GR'],
    ['Polska', 'PL'],
    ['Česko', 'CZ'],
    ['Magyarország', 'HU'],
    ['Türkiye', 'TR'],
    ['日本', 'JP'],
    ['中国', 'CN'],
    ['香港', 'HK'],
    ['臺灣', 'TW'],
    ['대한민국', 'KR'],
  ])('%j → %s', (value, iso) => {
    expect(resolveCountry(value)).toEqual({ iso });
  });
  test.each([
    ['+44', '44'],
    ['1', '1'],
    ['0049', '49'],
  ])('calling code %j → +%s', (value, callingCode) => {
    expect(resolveCountry(value)).toEqual({ callingCode });
  });
  test.each(['Narnia', 'XX', 'UK1', '999', 'AQ', 'Narnia (XX)', 'the', '()'])(
    '%j is not recognised',
    (value) => {
      expect(resolveCountry(value)).toBeUndefined();
    },
  );
});

function draft(line: number, mobileInput: string, country?: string, extra: Partial<Draft> = {}): Draft {
  return {
    ref: { file: 'in.csv', line, seq: line - 2 },
    raw: { mobile: mobileInput },
    mobileInput,
    country,
    tags: [],
    attributes: {},
    ...extra,
    kind: 'draft',
  };
}

/** A varied mix: valid numbers of several countries, invalid ones, drafts already in error. */
function mixedDrafts(count: number): Draft[] {
  const samples: Array<[string, string | undefined]> = [
    ['07400 1234XX', 'GB'],
    ['(201) 555-01XX', 'US'],
    ['0151 234567XX', 'DE'],
    ['06 12 34 56 XX', 'France'],
    ['+91 98123 456XX', undefined],
    ['12', 'US'],
    ['4.41E+11', 'GB'],
    ['07400 1234XX', undefined],
    ['', 'GB'],
  ];
  return Array.from({ length: count }, (_, index) => {
    const [pattern, country] = samples[index % samples.length] as [string, string | undefined];
    const input = pattern.replace('XX', String(index % 100).padStart(2, '0'));
    const error =
      index % 13 === 5 ? { code: 'RECORD_MALFORMED' as const, message: `bad record ${index}` } : undefined;
    return draft(index + 2, input, country, error ? { error } : {});
  });
}

function expectedFor(drafts: Draft[], options: PhoneOptions): Array<Contact | Rejected> {
  return drafts.map((item): Contact | Rejected => {
    if (item.error)
      return {
        kind: 'rejected',
        ref: item.ref,
        raw: item.raw,
        mobileInput: item.mobileInput,
        status: 'invalid',
        error: item.error,
      };
    const result = normalisePhone(item.mobileInput, item.country, options);
    if (!result.ok)
      return {
        kind: 'rejected',
        ref: item.ref,
        raw: item.raw,
        mobileInput: item.mobileInput,
        status: 'invalid',
        error: result.error,
      };
    return {
      kind: 'contact',
      ref: item.ref,
      raw: item.raw,
      mobileInput: item.mobileInput,
      payload: {
        mobile: result.e164,
        country: result.country,
        firstName: item.firstName,
        lastName: item.lastName,
        email: item.email,
        tags: item.tags,
        attributes: item.attributes,
      },
    };
  });
}

describe('normalisePhones stage', () => {
  test('inline: contacts carry the draft’s fields; drafts in error and bad numbers are rejected', async () => {
    const drafts = [
      draft(2, '07400 123456', 'GB', {
        firstName: 'Ada',
        email: 'ada@example.com',
        tags: ['vip'],
        attributes: { Company: 'ACME' },
      }),
      draft(3, 'nope', 'GB'),
      draft(4, '07400 123457', 'GB', { error: { code: 'RECORD_MALFORMED', message: 'unclosed quote' } }),
    ];
    const out = await collect(normalisePhones(from(drafts), { workers: 0 }));
    expect(out).toEqual([
      {
        kind: 'contact',
        ref: drafts[0]?.ref,
        raw: drafts[0]?.raw,
        mobileInput: '07400 123456',
        payload: {
          mobile: '+447400123456',
          country: 'GB',
          firstName: 'Ada',
          email: 'ada@example.com',
          tags: ['vip'],
          attributes: { Company: 'ACME' },
        },
      },
      expect.objectContaining({
        status: 'invalid',
        error: expect.objectContaining({ code: 'PHONE_NOT_A_NUMBER' }),
      }),
      expect.objectContaining({
        status: 'invalid',
        mobileInput: '07400 123457',
        error: { code: 'RECORD_MALFORMED', message: 'unclosed quote' },
      }),
    ]);
  });

  test('a small input (under one chunk) is handled without starting workers', async () => {
    const drafts = mixedDrafts(20);
    const out = await collect(normalisePhones(from(drafts), { workers: 2, defaultCountry: 'GB' }));
    expect(out).toEqual(expectedFor(drafts, { defaultCountry: 'GB' }));
  });

  test('worker threads: same results as inline, in source order across chunk boundaries', async () => {
    const drafts = mixedDrafts(1000);
    const options = { defaultCountry: 'US', requireMobile: true };
    const out = await collect(
      normalisePhones(from(drafts), { ...options, workers: 2, chunkSize: 37, startWorkers: () => true }),
    );
    expect(out).toHaveLength(drafts.length);
    expect(out.map((item) => item.ref.line)).toEqual(drafts.map((item) => item.ref.line));
    expect(out).toEqual(expectedFor(drafts, options));
  });

  test("chunks with nothing left to parse (a re-run's rows, recalled or rejected before) go on without waiting for more input", async () => {
    const rows = mixedDrafts(25).map((item): Draft => ({
      ...item,
      error: { code: 'RECORD_MALFORMED', message: 'bad record' },
    }));
    let release = (): void => undefined;
    const more = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* source(): AsyncGenerator<Draft[]> {
      yield rows.slice(0, 10);
      yield rows.slice(10, 20);
      await more; // the source has nothing more to give for now
      yield rows.slice(20);
    }
    const out = normalisePhoneChunks(source(), { workers: 1, chunkSize: 10 });
    // Both chunks come out while the source waits (not once ten chunks have gathered).
    const first = [await out.next(), await out.next()].flatMap((next) => (next.done ? [] : next.value));
    expect(first.map((item) => item.ref.line)).toEqual(rows.slice(0, 20).map((item) => item.ref.line));
    release();
    const rest = (await collect(out)).flat();
    expect(rest.map((item) => item.ref.line)).toEqual(rows.slice(20).map((item) => item.ref.line));
  });

  test('stopping early stops the workers; a later run works', async () => {
    const drafts = mixedDrafts(500);
    const seen: number[] = [];
    for await (const item of normalisePhones(from(drafts), {
      workers: 1,
      chunkSize: 50,
      startWorkers: () => true,
    })) {
      seen.push(item.ref.line);
      if (seen.length === 120) break;
    }
    expect(seen).toEqual(drafts.slice(0, 120).map((item) => item.ref.line));
  });

  test('the workers start only when asked to (parsing holds the main thread back); until then chunks are parsed as they come', async () => {
    let busy = false;
    const scheduler = new PhoneChunkScheduler<number>(1, { defaultCountry: 'GB' }, () => busy);
    const chunkOf = (count: number): string[] => Array.from({ length: count }, () => '07400 123456');
    try {
      for (let index = 0; index < 3; index++) {
        scheduler.add(
          index,
          chunkOf(64),
          Array.from({ length: 64 }, () => ''),
        );
        // Parsed here at once: nothing is held for a worker that is not there.
        expect(scheduler.oldestReady).toBe(true);
        const taken = await scheduler.takeOldest();
        expect(taken.items).toBe(index);
        expect(taken.results.e164).toEqual(Array.from({ length: 64 }, () => '+447400123456'));
      }
      expect(scheduler.started).toBe(false);
      busy = true;
      scheduler.add(
        3,
        chunkOf(64),
        Array.from({ length: 64 }, () => ''),
      );
      expect(scheduler.started).toBe(true);
      const taken = await scheduler.takeOldest();
      expect(taken.items).toBe(3);
      expect(taken.results.e164).toEqual(Array.from({ length: 64 }, () => '+447400123456'));
    } finally {
      await scheduler.close();
    }
  });

  test('parsing counts as heavy after the warm-up, over whole windows in a row where it took the share', () => {
    let now = 0;
    const load = new ParseLoad(500, 0.4, 2, () => now, 2);
    // Warm-up: the first chunks do not count, however slow.
    load.add(300);
    now = 300;
    load.add(300);
    now = 600;
    expect(load.heavy).toBe(false);
    // A window where parsing took 30% of the time: light, and a new window starts.
    for (let index = 0; index < 5; index++) {
      now += 100;
      load.add(30);
    }
    expect(load.heavy).toBe(false);
    // Half a window at 60% is not yet a window.
    for (let index = 0; index < 2; index++) {
      now += 100;
      load.add(60);
    }
    expect(load.heavy).toBe(false);
    for (let index = 0; index < 3; index++) {
      now += 100;
      load.add(60);
    }
    // One heavy window is not enough: a light one after it starts the count again.
    expect(load.heavy).toBe(false);
    for (let index = 0; index < 5; index++) {
      now += 100;
      load.add(10);
    }
    expect(load.heavy).toBe(false);
    for (let window = 0; window < 2; window++) {
      for (let index = 0; index < 5; index++) {
        now += 100;
        load.add(60);
      }
      expect(load.heavy).toBe(window === 1);
    }
  });

  test('a failing worker fails the run instead of losing rows', async () => {
    const pool = new PhoneWorkerPool(1, {});
    try {
      await expect(pool.normalise([null as unknown as string], [''])).rejects.toThrow(
        /phone worker failed: .*TypeError/,
      );
      await expect(pool.normalise(['07400 123456'], ['GB'])).resolves.toEqual({
        e164: ['+447400123456'],
        countries: ['GB'],
        errors: new Map(),
        notes: new Map(),
        fixedLines: [],
      });
    } finally {
      await pool.close();
    }
    await expect(pool.normalise(['1'], [''])).rejects.toThrow(/closed/);
  });

  test.each([-1, 1.5])('workers %s is refused', async (workers) => {
    await expect(collect(normalisePhones(from([]), { workers }))).rejects.toThrow(RangeError);
  });
});

describe('compiled worker (as in dist/)', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await cleanup?.();
  });

  test('runs under plain node from .js files and matches inline results', async () => {
    // Compile the sources the way tsc does for dist/, into a temp tree that resolves packages
    // from the project's node_modules.
    const compiled = await compileSources('sakari-phone-');
    cleanup = compiled.cleanup;
    const { dir } = compiled;
    const drafts = mixedDrafts(300);
    await writeFile(path.join(dir, 'drafts.json'), JSON.stringify(drafts));
    await writeFile(
      path.join(dir, 'driver.js'),
      `import { readFileSync } from 'node:fs';
       import { normalisePhones } from './pipeline/normalise-phone.js';
       const drafts = JSON.parse(readFileSync(new URL('./drafts.json', import.meta.url), 'utf8'));
       async function* source() { yield* drafts; }
       const out = [];
       for await (const item of normalisePhones(source(), { defaultCountry: 'GB', workers: 2, chunkSize: 64, startWorkers: () => true })) out.push(item);
       process.stdout.write(JSON.stringify(out));`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'driver.js')], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(JSON.parse(stdout)).toEqual(
      JSON.parse(JSON.stringify(expectedFor(drafts, { defaultCountry: 'GB' }))),
    );
  });
});
