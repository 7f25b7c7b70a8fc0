/**
 * Rows of real exports through the real stages (map → normalise phones → validate), and the
 * no-phone-column stop through a real import of a real file.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mapFields, type MapOptions } from '../../src/pipeline/map-fields.js';
import { normalisePhones } from '../../src/pipeline/normalise-phone.js';
import { NoPhoneColumnError } from '../../src/pipeline/phone-columns.js';
import { importContacts, RunAbortedError } from '../../src/pipeline/run.js';
import { validateContacts, type ValidateOptions } from '../../src/pipeline/validate.js';
import type { Contact, Rejected, SourceRow } from '../../src/types.js';
import { from, tempDir } from '../helpers.js';

interface RowOptions extends MapOptions, ValidateOptions {
  defaultCountry?: string;
  requireMobile?: boolean;
}

async function run(
  raws: Array<Record<string, unknown>>,
  options: RowOptions = {},
  numeric: string[] = [],
): Promise<Array<Contact | Rejected>> {
  const rows: SourceRow[] = raws.map((raw, index) => ({
    ref: { file: 'in.csv', line: index + 2, seq: index },
    raw,
    ...(numeric.length > 0 ? { numeric: new Set(numeric) } : {}),
  }));
  const drafts = mapFields(from(rows), options);
  const phones = normalisePhones(drafts, {
    defaultCountry: options.defaultCountry,
    requireMobile: options.requireMobile,
    workers: 0,
  });
  const out: Array<Contact | Rejected> = [];
  for await (const item of validateContacts(phones, options)) out.push(item);
  return out;
}

async function one(raw: Record<string, unknown>, options: RowOptions = {}, numeric: string[] = []) {
  const [item] = await run([raw], options, numeric);
  if (!item) throw new Error('no row');
  return item;
}

function contact(item: Contact | Rejected): Contact {
  if (item.kind === 'rejected') throw new Error(`rejected: ${item.error.code} ${item.error.message}`);
  return item;
}

describe('real exports without a mapping', () => {
  test('Outlook: the mobile column, else the next phone, named in the row message', async () => {
    const headers = { 'First Name': 'Ann', 'Last Name': 'Lee', 'E-mail Address': 'ann@example.com' };
    const [withMobile, withoutMobile] = await run(
      [
        {
          ...headers,
          'Business Phone': '020 7946 0000',
          'Mobile Phone': '07911 123456',
          'Business Fax': '020 7946 0001',
        },
        { ...headers, 'Business Phone': '07400 654321', 'Mobile Phone': '', 'Business Fax': '020 7946 0001' },
      ],
      { defaultCountry: 'GB' },
    );
    expect(contact(withMobile!).payload).toMatchObject({
      mobile: '+447911123456',
      firstName: 'Ann',
      email: 'ann@example.com',
      attributes: { 'Business Phone': '020 7946 0000', 'Business Fax': '020 7946 0001' },
    });
    expect(contact(withMobile!).note).toBeUndefined();
    expect(contact(withoutMobile!).payload.mobile).toBe('+447400654321');
    expect(contact(withoutMobile!).note).toBe("mobile from column 'Business Phone'");
  });

  test('HubSpot all properties: the mobile wins over the office line; a mobile-only contact is not PHONE_MISSING', async () => {
    const [both, mobileOnly] = await run([
      { 'Record ID': '1', 'Phone Number': '+1 212 555 0100', 'Mobile Phone Number': '+44 7911 123456' },
      { 'Record ID': '2', 'Phone Number': '', 'Mobile Phone Number': '+44 7400 654321' },
    ]);
    expect(contact(both!).payload.mobile).toBe('+447911123456');
    expect(contact(both!).payload.attributes).toEqual({
      'Record ID': '1',
      'Phone Number': '+1 212 555 0100',
    });
    expect(contact(mobileOnly!).payload.mobile).toBe('+447400654321');
  });

  test("Google Contacts: the row's labels rank its numbers; ' ::: ' joins; system labels dropped", async () => {
    const item = contact(
      await one({
        'First Name': 'Bo',
        'E-mail 1 - Label': '* Home',
        'E-mail 1 - Value': 'bo@example.com ::: bo@work.example',
        'Phone 1 - Label': 'Work',
        'Phone 1 - Value': '+44 20 7946 0000',
        'Phone 2 - Label': 'Mobile',
        'Phone 2 - Value': '+44 7911 123456 ::: +44 7911 123458',
        'Phone 3 - Label': 'Home Fax',
        'Phone 3 - Value': '+44 7911 000000',
        Labels: '* myContacts ::: Friends',
      }),
    );
    expect(item.payload.mobile).toBe('+447911123456');
    expect(item.payload.email).toBe('bo@example.com');
    expect(item.payload.tags).toEqual(['Friends']);
    expect(item.payload.attributes).toMatchObject({
      'Phone 1 - Value': '+44 20 7946 0000',
      'Phone 2 - Value': '+44 7911 123458',
      'Phone 3 - Value': '+44 7911 000000',
    });
    expect(item.note).toMatch(
      /^mobile from column 'Phone 2 - Value' \(labelled "Mobile"\); column 'Phone 2 - Value' holds 2 numbers/,
    );
  });

  test('a fax label is never the mobile, even when it is the only number', async () => {
    const item = await one({ 'Phone 1 - Type': 'Work Fax', 'Phone 1 - Value': '+44 20 7946 0001' });
    expect(item).toMatchObject({ status: 'invalid', error: { code: 'PHONE_MISSING' } });
  });

  test("Pipedrive: 'Person - …' columns and numbers joined with ', '", async () => {
    const item = contact(
      await one({
        'Person - Name': 'Cy Twombly',
        'Person - Email - Work': 'cy@example.com, cy@home.example',
        'Person - Phone - Work': '+1 212 555 0100',
        'Person - Phone - Mobile': '+1 646 555 0101, +1 646 555 0102',
        'Person - Labels': 'Hot lead, Customer',
        'Organization - Name': 'Acme',
      }),
    );
    expect(item.payload).toMatchObject({
      mobile: '+16465550101',
      firstName: 'Cy',
      lastName: 'Twombly',
      email: 'cy@example.com',
      tags: ['Hot lead', 'Customer'],
    });
    expect(item.payload.attributes).toMatchObject({ 'Organization - Name': 'Acme' });
  });

  test('Brevo: SMS without + in international form is read as such, and the message says so', async () => {
    const item = contact(
      await one({ EMAIL: 'd@example.com', FIRSTNAME: 'Di', SMS: '447911123456' }, { defaultCountry: 'US' }),
    );
    expect(item.payload.mobile).toBe('+447911123456');
    expect(item.note).toMatch(/read as international \(\+447911123456\): not a valid number for US/);
  });

  test.each([
    ['Mailing Country', 'United Kingdom'],
    ['Country/Region', 'United Kingdom'],
    ['Home Country/Region', 'GB'],
    ['Address 1 - Country', 'UK'],
    ['Default Address Country Code', 'GB'],
    ['MailingCountryCode', 'GB'],
  ])('vendor country column %j: a national number abroad is read in it', async (column, value) => {
    const item = contact(await one({ Mobile: '07911 123456', [column]: value }, { defaultCountry: 'US' }));
    expect(item.payload.mobile).toBe('+447911123456');
  });

  test('Outlook countries: home before business', async () => {
    const item = contact(
      await one({
        'Mobile Phone': '07911 123456',
        'Business Country/Region': 'Germany',
        'Home Country/Region': 'United Kingdom',
      }),
    );
    expect(item.payload.mobile).toBe('+447911123456');
  });

  test('--mapping to mobile splits a multi-value cell too', async () => {
    const item = contact(
      await one({ 'Cell #': '+44 7911 123456 ::: +44 7400 654321' }, { mapping: { 'Cell #': 'mobile' } }),
    );
    expect(item.payload.mobile).toBe('+447911123456');
  });

  test('a decimal comma in an Excel float is not a list of numbers', async () => {
    const item = await one({ Mobile: '4,47911123456E+11' });
    expect(item).toMatchObject({ status: 'invalid', error: { code: 'PHONE_EXCEL_MANGLED' } });
  });

  test('--phone-columns sets the order', async () => {
    const item = contact(
      await one(
        { 'Mobile Phone': '+44 7911 123456', Phone: '+44 7400 654321' },
        { phoneColumns: ['Phone', 'Mobile Phone'] },
      ),
    );
    expect(item.payload.mobile).toBe('+447400654321');
    expect(item.payload.attributes).toEqual({ 'Mobile Phone': '+44 7911 123456' });
  });

  test('--require-mobile still rejects a fixed line taken from a fallback column, naming the column', async () => {
    const item = await one(
      { 'Mobile Phone': '', 'Home Phone': '020 7946 0000' },
      { defaultCountry: 'GB', requireMobile: true },
    );
    expect(item).toMatchObject({ status: 'invalid', error: { code: 'PHONE_NOT_MOBILE' } });
    expect((item as Rejected).error.message).toMatch(/\(mobile from column 'Home Phone'\)$/);
  });
});

describe('SMS consent in the source', () => {
  test.each([
    [{ SMS: '+447911123456', SMS_BLACKLISTED: 'true' }, 'SOURCE_OPTED_OUT'],
    [{ 'Phone Number': '+447911123456', 'SMS Marketing Consent': 'UNSUBSCRIBED' }, 'SOURCE_OPTED_OUT'],
    [{ MobilePhone: '+447911123456', et4ae5__HasOptedOutOfMobile__c: '1' }, 'SOURCE_OPTED_OUT'],
  ])('%j is blocked with %s, and the value stays an attribute', async (raw, code) => {
    const item = await one(raw);
    expect(item).toMatchObject({ status: 'blocked', mobileE164: '+447911123456', error: { code } });
  });

  test.each([
    { SMS: '+447911123456', EMAIL_BLACKLISTED: 'true' },
    { 'Phone Number': '+447911123456', 'Email Marketing Consent': 'UNSUBSCRIBED' },
    { 'Phone Number': '+447911123456', 'SMS Marketing Consent': 'NEVER_SUBSCRIBED' },
    { Phone: '+447911123456', 'Accepts SMS Marketing': 'no' },
    { Phone: '+447911123456', 'Unsubscribed from all email': 'true' },
  ])('%j is not an SMS opt-out: it imports, its values kept', async (raw) => {
    const item = contact(await one(raw));
    expect(Object.values(item.payload.attributes)).toHaveLength(1);
  });

  test('--require-sms-consent sends only rows with an explicit consent', async () => {
    const [granted, never, none] = await run(
      [
        { Phone: '+447911123456', 'Accepts SMS Marketing': 'yes' },
        { Phone: '+447911123457', 'Accepts SMS Marketing': 'no' },
        { Phone: '+447911123458' },
      ],
      { requireSmsConsent: true },
    );
    expect(contact(granted!).payload.attributes).toEqual({ 'Accepts SMS Marketing': 'yes' });
    expect(never).toMatchObject({ status: 'blocked', error: { code: 'NO_SMS_CONSENT' } });
    expect(none).toMatchObject({ status: 'blocked', error: { code: 'NO_SMS_CONSENT' } });
  });
});

describe("Excel's lost leading 0 (a number cell in a workbook)", () => {
  test.each([
    ['7911123456', 'GB', '+447911123456'],
    ['612345678', 'IT', '+390612345678'],
  ])('%s in %s → %s, and the message says the 0 was missing', async (cell, country, e164) => {
    const item = contact(await one({ Mobile: cell, Country: country }, {}, ['Mobile']));
    expect(item.payload.mobile).toBe(e164);
    expect(item.note).toMatch(/the leading 0 was missing \(Excel stored it as a number\)/);
  });

  test('the same digits as text are read as written, without the message', async () => {
    const item = contact(await one({ Mobile: '7911123456', Country: 'GB' }));
    expect(item.payload.mobile).toBe('+447911123456');
    expect(item.note).toBeUndefined();
  });
});

describe('no column can hold a phone number', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-no-phone-'));
  });
  afterEach(async () => cleanup());

  test('the run stops before sending anything, naming the columns and the likeliest one', async () => {
    const file = path.join(dir, 'export.csv');
    await writeFile(file, 'Kontakt,Nummer,Notiz\nLea,+49 151 2345678,x\nMax,0151 2345679,y\n');
    const attempt = importContacts({
      sources: [file],
      dryRun: true,
      state: false,
      workers: 0,
      reportDir: path.join(dir, 'reports'),
    });
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RunAbortedError);
    const aborted = error as RunAbortedError;
    expect(aborted.result.exitCode).toBe(2);
    expect(aborted.result.counts.rows).toBe(0);
    expect(aborted.cause).toBeInstanceOf(NoPhoneColumnError);
    expect(aborted.message).toContain("columns: 'Kontakt', 'Nummer', 'Notiz'");
    expect(aborted.message).toContain(
      `likeliest: 'Nummer'. Use --phone-columns "Nummer", or --mapping map.json holding {"Nummer":"mobile"}`,
    );
  });

  test('--phone-columns naming a column lets it run', async () => {
    const file = path.join(dir, 'export.csv');
    await writeFile(file, 'Kontakt,Nummer\nLea,+44 7911 123456\n');
    const result = await importContacts({
      sources: [file],
      phoneColumns: 'Nummer',
      dryRun: true,
      state: false,
      workers: 0,
      reportDir: path.join(dir, 'reports'),
    });
    expect(result.counts).toMatchObject({ rows: 1, valid: 1 });
  });
});
