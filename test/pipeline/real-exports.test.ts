/**
 * Rows of real exports through the real stages (map → normalise phones → validate), and the
 * no-phone-column stop through a real import of a real file.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ImportInput } from '../../src/config.js';
import { mapFields, type MapOptions } from '../../src/pipeline/map-fields.js';
import { normalisePhones } from '../../src/pipeline/normalise-phone.js';
import { NoPhoneColumnError } from '../../src/pipeline/phone-columns.js';
import { importContacts, RunAbortedError } from '../../src/pipeline/run.js';
import { validateContacts, type ValidateOptions } from '../../src/pipeline/validate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { Contact, Rejected, SourceRow } from '../../src/types.js';
import { from, readCsv, ROOT, tempDir } from '../helpers.js';

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

  test("Google Contacts: a row whose only number is labelled home or work says so, though it is in 'Phone 1'", async () => {
    const [home, work, main, mobile] = await run(
      [
        { 'First Name': 'Ivy', 'Phone 1 - Label': '* Home', 'Phone 1 - Value': '212-555-0104' },
        { 'First Name': 'Jo', 'Phone 1 - Label': 'Work', 'Phone 1 - Value': '212-555-0105' },
        { 'First Name': 'Kim', 'Phone 1 - Label': 'Main', 'Phone 1 - Value': '212-555-0106' },
        { 'First Name': 'Lu', 'Phone 1 - Label': '* Mobile', 'Phone 1 - Value': '917-555-0107' },
      ],
      { defaultCountry: 'US' },
    );
    expect(contact(home!).payload.mobile).toBe('+12125550104');
    expect(contact(home!).note).toBe(
      `mobile from column 'Phone 1 - Value' (labelled "* Home"), which may not be a mobile`,
    );
    expect(contact(work!).note).toBe(
      `mobile from column 'Phone 1 - Value' (labelled "Work"), which may not be a mobile`,
    );
    // Neither a general label nor a mobile one casts doubt.
    expect(contact(main!).note).toBeUndefined();
    expect(contact(mobile!).note).toBeUndefined();
  });

  test('a row refused for its phone names its malformed email too: one round of fixing rejected.csv', async () => {
    const [missing, both] = await run(
      [
        { mobile: '', email: 'cat@example', name: 'Cat' },
        { mobile: 'call me', email: 'dee@', name: 'Dee' },
      ],
      { defaultCountry: 'US' },
    );
    expect(missing).toMatchObject({
      status: 'invalid',
      error: {
        code: 'PHONE_MISSING',
        message: 'mobile is empty; also email "cat@example": not a valid email address',
      },
    });
    expect(both).toMatchObject({
      error: {
        code: 'PHONE_NOT_A_NUMBER',
        message: expect.stringMatching(/; also email "dee@": not a valid email address$/),
      },
    });
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

  test('a cell of several numbers: the first that is a mobile, else the first valid one; the others kept, the note says why (a real Google export, India)', async () => {
    const [junkFirst, landlineFirst, noneValid, shortPart] = await run(
      [
        { 'Given Name': 'A', 'Phone 1 - Type': 'Mobile', 'Phone 1 - Value': '91963411 ::: +919633927524' },
        {
          'Given Name': 'B',
          'Phone 1 - Type': 'Mobile',
          'Phone 1 - Value': '04942581248 ::: +918606717786 ::: +919447740001',
        },
        { 'Given Name': 'C', 'Phone 1 - Type': 'Mobile', 'Phone 1 - Value': '91963411 ::: 12' },
        { 'Given Name': 'D', 'Phone 1 - Type': 'Mobile', 'Phone 1 - Value': '9633927525 ::: 1500' },
      ],
      { defaultCountry: 'IN' },
    );
    const first = contact(junkFirst!);
    expect(first.payload.mobile).toBe('+919633927524');
    expect(first.mobileInput).toBe('+919633927524');
    expect(first.payload.attributes['Phone 1 - Value']).toBe('91963411');
    expect(first.note).toMatch(
      /holds 2 numbers: the mobile is the second, "\+919633927524", as the first is not usable \(mobile "91963411": .*\)/,
    );
    // A Tirur landline listed before two mobiles: the first mobile is taken.
    const second = contact(landlineFirst!);
    expect(second.payload.mobile).toBe('+918606717786');
    expect(second.payload.attributes['Phone 1 - Value']).toBe('04942581248 ::: +919447740001');
    expect(second.note).toMatch(/the mobile is the second, "\+918606717786", as the first is not a mobile/);
    // None valid: rejected for the first, as before, and said so.
    expect(noneValid).toMatchObject({
      kind: 'rejected',
      mobileInput: '91963411',
      error: { code: 'PHONE_INVALID' },
    });
    expect((noneValid as Rejected).error.message).toMatch(/holds 2 numbers, none of them usable/);
    // ' ::: ' splits a cell even when a part is a short code.
    expect(contact(shortPart!).payload.mobile).toBe('+919633927525');
  });

  test('labelled numbers one after the other in one cell (Office: … Cell: …) give the mobile one; a fax label is never taken', async () => {
    // As a real HubSpot export's free-text Phone Number column holds them.
    const office = contact(
      await one({ Phone: 'Office: 480-948-0880 Cell: 602-570-4642' }, { defaultCountry: 'US' }),
    );
    expect(office.payload.mobile).toBe('+16025704642');
    expect(office.note).toMatch(/holds 2 numbers/);
    const fax = contact(
      await one({ Phone: 'Fax: 030 1234567 Mobil: 0151 23456789' }, { defaultCountry: 'DE' }),
    );
    expect(fax.payload.mobile).toBe('+4915123456789');
    // A label after one number is no second number: `Ext: 12` stays with it, and is refused for it.
    expect(await one({ Phone: '415-555-2671 Ext: 12' }, { defaultCountry: 'US' })).toMatchObject({
      kind: 'rejected',
      error: { code: 'PHONE_INVALID' },
    });
  });

  test("a row whose mobile's cell has no usable number takes its next phone column's (an iCloud card, an Indian export)", async () => {
    const [card, outlook, landlineFirst, noneUsable] = await run(
      [
        // CELL holds a Beijing landline written nationally, HOME the owner's Chinese mobile with its +.
        { 'First Name': 'Wei', 'Mobile Phone': '010-67255922', 'Home Phone': '+86 176-1025-4563' },
        {
          'First Name': 'Ann',
          'Mobile Phone': '555',
          'Business Phone': '+1 212 555 0142',
          'Home Phone': '+1 212 555 0143',
        },
        { 'First Name': 'Raj', Mobile: '+914942427139', 'Work Phone': '9744772289', Country: 'IN' },
        { 'First Name': 'Kim', 'Mobile Phone': '555', 'Home Phone': '12' },
      ],
      { defaultCountry: 'US' },
    );
    const wei = contact(card!);
    expect(wei.payload.mobile).toBe('+8617610254563');
    expect(wei.mobileInput).toBe('+86 176-1025-4563');
    expect(wei.payload.attributes).toEqual({ 'Mobile Phone': '010-67255922' });
    expect(wei.note).toMatch(
      /^mobile from column 'Home Phone', as column 'Mobile Phone' has no usable one: mobile "010-67255922": /,
    );
    // The next phone in rank: home before business (CONTRACT §3).
    const ann = contact(outlook!);
    expect(ann.payload.mobile).toBe('+12125550143');
    expect(ann.payload.attributes).toEqual({ 'Mobile Phone': '555', 'Business Phone': '+1 212 555 0142' });
    // A landline in the mobile's column loses to a mobile in the work column.
    const raj = contact(landlineFirst!);
    expect(raj.payload.mobile).toBe('+919744772289');
    expect(raj.note).toMatch(/as column 'Mobile' has no usable one: "\+914942427139" is not a mobile/);
    expect(noneUsable).toMatchObject({ kind: 'rejected', mobileInput: '555' });
    expect((noneUsable as Rejected).error.message).toMatch(/no other phone of the row is usable either/);
  });

  test('--require-mobile takes the mobile of a cell whose first number is a landline; all landlines: PHONE_NOT_MOBILE', async () => {
    const [mixed, landlines] = await run(
      [{ Mobile: '04942581248 ::: +918606717786' }, { Mobile: '04942581248 ::: 04942581249' }],
      { defaultCountry: 'IN', requireMobile: true },
    );
    expect(contact(mixed!).payload.mobile).toBe('+918606717786');
    expect(landlines).toMatchObject({ kind: 'rejected', error: { code: 'PHONE_NOT_MOBILE' } });
  });

  test('emails: a placeholder is no email; a junk first address gives way to a well-formed one (column or cell)', async () => {
    const [dash, junkColumn, junkInCell, onlyJunk] = await run(
      [
        { Name: 'Rafiq', Phone: '0721494019', Email: '-' },
        {
          'First Name': 'Hess',
          'Mobile Phone': '0721494020',
          'E-mail Address': '"thee_hess" pale IG',
          'E-mail 2 Address': 'iconme25@gmail.com',
        },
        {
          'First Name': 'Sam',
          'Mobile Phone': '0721494021',
          'E-mail Address': 'Samad.smartguy@hot mail.com ::: sam@example.com',
        },
        { 'First Name': 'Kim', 'Mobile Phone': '0721494022', 'E-mail Address': 'kim@' },
      ],
      { defaultCountry: 'KE' },
    );
    const none = contact(dash!);
    expect(none.payload.email).toBeUndefined();
    expect(none.payload.attributes).toEqual({});
    const second = contact(junkColumn!);
    expect(second.payload.email).toBe('iconme25@gmail.com');
    expect(second.payload.attributes['E-mail Address']).toBe('"thee_hess" pale IG');
    const inCell = contact(junkInCell!);
    expect(inCell.payload.email).toBe('sam@example.com');
    expect(inCell.payload.attributes['E-mail Address']).toBe('Samad.smartguy@hot mail.com');
    // Nothing well-formed: the row is invalid, as CONTRACT §4 says.
    expect(onlyJunk).toMatchObject({ kind: 'rejected', error: { code: 'EMAIL_INVALID' } });
  });

  test('a given name holding the whole name gets no family name from it; one part of it does', async () => {
    const [whole, part, nickname] = await run([
      {
        Name: 'AADARSH BSC CRICKET TANUR COLLEGE',
        'Given Name': 'AADARSH BSC CRICKET TANUR COLLEGE',
        Phone: '+919633927524',
      },
      { Name: 'Ada Lovelace', 'Given Name': 'Ada', Phone: '+447911123456' },
      { Name: 'John Smith', 'Given Name': 'Johnny', Phone: '+447911123457' },
    ]);
    expect(contact(whole!).payload).toMatchObject({ firstName: 'AADARSH BSC CRICKET TANUR COLLEGE' });
    expect(contact(whole!).payload.lastName).toBeUndefined();
    expect(contact(part!).payload).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(contact(nickname!).payload).toMatchObject({ firstName: 'Johnny', lastName: 'Smith' });
  });

  test('--mapping to mobile splits a multi-value cell too', async () => {
    const item = contact(
      await one({ 'Cell #': '+44 7911 123456 ::: +44 7400 654321' }, { mapping: { 'Cell #': 'mobile' } }),
    );
    expect(item.payload.mobile).toBe('+447911123456');
  });

  test("two numbers in one cell with ' / ' between them are two numbers; '030/1234567' is one", async () => {
    const two = contact(await one({ Telefon: '0151 23456789 / 030 1234567' }, { defaultCountry: 'DE' }));
    expect(two.payload.mobile).toBe('+4915123456789');
    expect(two.note).toMatch(/holds 2 numbers/);
    const single = contact(await one({ Telefon: '030/1234567' }, { defaultCountry: 'DE' }));
    expect(single.payload.mobile).toBe('+49301234567');
    expect(single.note).toBeUndefined();
  });

  test.each([
    ['01577 / 6730003', '+4915776730003'],
    ['01520 / 44 60 180', '+4915204460180'],
    ['01520 / 89 93 894', '+4915208993894'],
    ['0172 / 52 196 49', '+491725219649'],
    ['01522 / 1234567', '+4915221234567'],
    ['+49 (0) 1522 / 123 45 67', '+4915221234567'],
  ])("a German 'Vorwahl / Rufnummer' cell %j is one number, %s", async (cell, e164) => {
    for (const options of [{}, { defaultCountry: 'DE' }]) {
      const item = contact(
        await one({ Vorname: 'Jonas', Mobiltelefon: cell, 'Land/Region privat': 'Deutschland' }, options),
      );
      expect(item.payload.mobile).toBe(e164);
      expect(item.mobileInput).toBe(cell);
      expect(item.note).toBeUndefined();
      expect(item.payload.attributes).toEqual({});
    }
  });

  test("a ' / ' cell whose part is no number of its own is refused whole, never sent as the fragment", async () => {
    // 673000 alone would be the German landline +49 673000
    const item = await one({ Mobiltelefon: '01577 / 673000', Telefon: '' }, { defaultCountry: 'DE' });
    expect(item).toMatchObject({ kind: 'rejected', mobileInput: '01577 / 673000' });
    expect((item as Rejected).error.message).toMatch(/^mobile "01577 \/ 673000": /);
    // the row's other phone stands in, as for any refused mobile
    const other = contact(
      await one({ Mobiltelefon: '01577 / 673000', Telefon: '030 1234567' }, { defaultCountry: 'DE' }),
    );
    expect(other.payload.mobile).toBe('+49301234567');
    expect(other.note).toMatch(/^mobile from column 'Telefon'/);
  });

  test("two whole numbers with ' / ' between them are still two, also with --require-mobile", async () => {
    for (const requireMobile of [false, true]) {
      const item = contact(
        await one({ Mobile: '020 7946 0018 / 07911 123456' }, { defaultCountry: 'GB', requireMobile }),
      );
      expect(item.payload.mobile).toBe('+447911123456');
      expect(item.payload.attributes).toEqual({ Mobile: '020 7946 0018' });
    }
    const two = contact(await one({ Mobile: '07911 123456 / 07400 123456' }, { defaultCountry: 'GB' }));
    expect(two.payload.mobile).toBe('+447911123456');
    expect(two.payload.attributes).toEqual({ Mobile: '07400 123456' });
  });

  test.each([
    ['+1 415 555 2671, ext 12345', '12345'],
    ['+1 415 555 2671, ext 1234', '1234'],
    ['tel:+1-415-555-2671;ext=23456', '23456'],
    ['+1-418-656-9254;ext=10234', '10234'],
    ['+1 415 555 2671 | ext 12345', '12345'],
    ['+1 415 555 2671\next 12345', '12345'],
    ['+1 415 555 2671\r\nx 2345', '2345'],
  ])(
    'a number with an extension after , ; | or a line break (%j) is refused for its extension, not split',
    async (cell, ext) => {
      const item = await one({ MobilePhone: cell });
      expect(item).toMatchObject({ kind: 'rejected', error: { code: 'PHONE_INVALID' } });
      expect((item as Rejected).error.message).toContain(`has an extension (${ext})`);
    },
  );

  test.each([
    ['07911 123456\n07400 123456'],
    ['07911 123456\r\n07400 123456'],
    ['07911 123456 or 07400 123456'],
    ['07911 123456 | 07400 123456'],
    ['07911 123456|07400 123456'],
    // "or" as German, French and Portuguese, Spanish, Nordic, Russian and Greek lists write it.
    ['07911 123456 oder 07400 123456'],
    ['07911 123456 OU 07400 123456'],
    ['07911 123456 o 07400 123456'],
    ['07911 123456 eller 07400 123456'],
    ['07911 123456 ИЛИ 07400 123456'],
    ['07911 123456 ή 07400 123456'],
    // German's "or rather", Italian's long "or", Spanish's "or" between figures, and more.
    ['07911 123456 bzw. 07400 123456'],
    ['07911 123456 oppure 07400 123456'],
    ['07911 123456 ó 07400 123456'],
    ['07911 123456 ili 07400 123456'],
    ['07911 123456 atau 07400 123456'],
    ['07911 123456 hoặc 07400 123456'],
    // The list marks of Chinese and Japanese sheets.
    ['07911 123456、07400 123456'],
    ['07911 123456，07400 123456'],
    ['07911 123456；07400 123456'],
    ['０７９１１ １２３４５６、07400 123456'],
  ])(
    'two numbers joined by a line break, "or" (in several languages), |: %j is two numbers',
    async (cell) => {
      const item = contact(await one({ Mobile: cell }, { defaultCountry: 'GB' }));
      expect(item.payload.mobile).toBe('+447911123456');
      expect(item.payload.attributes).toEqual({ Mobile: '07400 123456' });
      expect(item.note).toMatch(/holds 2 numbers: the first is the mobile/);
    },
  );

  test("a Shopify number with its text marker that is refused is echoed without the '", async () => {
    const item = await one({ Phone: "'9 4395 061", 'Default Address Country Code': 'CL' });
    expect(item).toMatchObject({ kind: 'rejected', error: { code: 'PHONE_TOO_SHORT' } });
    expect((item as Rejected).error.message).toMatch(/^mobile "9 4395 061": /);
  });

  test("Shopify's text markers: '000123 and '94103 are kept without their '; other text as written", async () => {
    const item = contact(
      await one({ Phone: "'+14155552671", 'Customer ID': "'000123", Zip: "'94103", Note: "'tis the season" }),
    );
    expect(item.payload.mobile).toBe('+14155552671');
    expect(item.payload.attributes).toEqual({
      'Customer ID': '000123',
      Zip: '94103',
      Note: "'tis the season",
    });
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
    // a "no texting" flag is consent, never a phone column to fall back on
    [{ Mobile: '+447911123456', NoSms: 'true' }, 'SOURCE_OPTED_OUT'],
    [{ Mobile: '+447911123456', NOSMS: 'Yes' }, 'SOURCE_OPTED_OUT'],
    [{ Mobile: '+447911123456', "Don't text": 'x' }, 'SOURCE_OPTED_OUT'],
    [{ Mobiltelefon: '+447911123456', 'Keine SMS': 'ja' }, 'SOURCE_OPTED_OUT'],
    [{ Portable: '+447911123456', 'SMS désabonné': 'oui' }, 'SOURCE_OPTED_OUT'],
    // Toast's guest export: an opt-out that names no channel, beside SMS and e-mail opt-ins, is
    // the guest's STOP (its SMS Opt In still says Yes)
    [
      { 'Phone Number': '+447911123456', 'SMS Opt In': 'Yes', 'Email Opt In': 'No', 'Opted Out': 'Yes' },
      'SOURCE_OPTED_OUT',
    ],
    [{ Mobile: '+447911123456', 'SMS Consent': 'granted', Unsubscribed: 'true' }, 'SOURCE_OPTED_OUT'],
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
    // An opt-out that names no channel, in a source that records no SMS consent (an e-mail tool's)
    { Phone: '+447911123456', 'Opted Out': 'Yes' },
    { Phone: '+447911123456', Unsubscribed: 'true' },
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
  test.each([['612345678', 'IT', '+390612345678']])(
    '%s in %s → %s, and the message says the 0 was missing',
    async (cell, country, e164) => {
      const item = contact(await one({ Mobile: cell, Country: country }, {}, ['Mobile']));
      expect(item.payload.mobile).toBe(e164);
      expect(item.note).toMatch(/the leading 0 was missing \(Excel stored it as a number\)/);
    },
  );

  test.each([
    // Indian mobiles are written without a 0 (a real Excel contact list's `Number` column).
    ['7571869952', 'IN', '+917571869952'],
    // With or without its 0, the same GB mobile: no claim that anything was lost.
    ['7911123456', 'GB', '+447911123456'],
  ])('%s in %s → %s: the same number with or without a 0, no message', async (cell, country, e164) => {
    const item = contact(await one({ Mobile: cell, Country: country }, {}, ['Mobile']));
    expect(item.payload.mobile).toBe(e164);
    expect(item.note).toBeUndefined();
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

  test("a vCard is not announced as an Outlook export (its cards are read under Outlook's column names)", async () => {
    const file = path.join(dir, 'contacts.vcf');
    await writeFile(
      file,
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nTEL;TYPE=CELL:+447911123456\r\n' +
        'TEL;TYPE=WORK:+442079460000\r\nEMAIL;TYPE=INTERNET:ann@example.com\r\nEND:VCARD\r\n',
    );
    const seen: Array<string | undefined> = [];
    await importContacts(
      { sources: [file], dryRun: true, state: false, workers: 0, reportDir: path.join(dir, 'reports') },
      { onPreflight: (info) => seen.push(...info.sources.map((source) => source.layout)) },
    );
    expect(seen).toEqual([undefined]);
  });

  async function stopMessage(file: string, content: string, input: Partial<ImportInput> = {}) {
    await writeFile(path.join(dir, file), content);
    const error = await importContacts({
      sources: [path.join(dir, file)],
      dryRun: true,
      state: false,
      workers: 0,
      reportDir: path.join(dir, 'reports'),
      ...input,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RunAbortedError);
    expect((error as RunAbortedError).cause).toBeInstanceOf(NoPhoneColumnError);
    return (error as RunAbortedError).message;
  }

  test('the message names what the user got wrong: a --phone-columns matching no column, a wrong --delimiter', async () => {
    expect(
      await stopMessage('c.csv', 'First Name,Contact\nAnn,2015550123\n', { phoneColumns: ['Mobile Phone'] }),
    ).toContain(`(columns: 'First Name', 'Contact'); --phone-columns "Mobile Phone" names no column of it;`);
    expect(
      await stopMessage('d.csv', 'Name,Contact,Notes\nAnn,2015550123,x\n', { delimiter: ';' }),
    ).toContain(
      `(columns: 'Name,Contact,Notes'); its header was read as one column but holds ",": the file is likely ","-separated (check --delimiter)`,
    );
  });

  test('a file without a header row (its first contact read as the header) is told so, with no --phone-columns naming a number', async () => {
    // As dolanor/csv2vcf's testdata/contacts.csv and a Nokia PC Suite TAB export lay it out.
    const message = await stopMessage(
      'contacts.csv',
      'Tanguy Herrmann, 1 rue des tomates 75001 Paris, tanguy@tomates.fake,+331234567890, Dagger\n' +
        'Marie Curie, 2 rue des radis 75002 Paris, marie@radis.fake,+33612345678, Radium\n',
    );
    expect(message).toContain(
      "its first row holds 'tanguy@tomates.fake' and '+331234567890', values rather than column names: " +
        'the file seems to have no header row. Add one as its first line, naming its columns (e.g. Name,Mobile,Email), and import it again',
    );
    expect(message).not.toContain('--phone-columns "+33');
    // A header that merely has digits in a name is no value.
    const named = await stopMessage('named.csv', 'Name,Code 2024,Notes\nAnn,12345,x\n');
    expect(named).not.toContain('no header row');
  });

  test('numbers in a sheet column without a header cell (kept as _column<N>) are suggested, and --phone-columns reads them; a CNPJ never is', async () => {
    // As a real Brazilian sheet (AHLDEV1/Wpp_disparador contacts.xlsx) has it: column E has no header.
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Leads');
    sheet.addRow(['CNPJ', 'Razao Social', 'Plano', 'Endereco']);
    sheet.addRow(['12.345.678/0001-90', 'Padaria Sol', 'Basic', 'Rua A 1', '5511913364795']);
    sheet.addRow(['98.765.432/0001-10', 'Mercado Lua', 'Pro', 'Rua B 2', '5521987654321']);
    const file = path.join(dir, 'leads.xlsx');
    await workbook.xlsx.writeFile(file);
    const error = await importContacts({
      sources: [file],
      dryRun: true,
      state: false,
      workers: 0,
      reportDir: path.join(dir, 'reports'),
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const message = (error as RunAbortedError).message;
    expect(message).toContain("(columns: 'CNPJ', 'Razao Social', 'Plano', 'Endereco', '_column5')");
    expect(message).toContain(`likeliest: '_column5'. Use --phone-columns "_column5"`);
    const result = await importContacts({
      sources: [file],
      dryRun: true,
      state: false,
      workers: 0,
      defaultCountry: 'BR',
      phoneColumns: ['_column5'],
      reportDir: path.join(dir, 'reports'),
    });
    expect(result.counts).toMatchObject({ rows: 2, valid: 2 });
  });

  test('the pre-flight of a workbook still being read says "so far": the zip read whole is no sheet read whole', async () => {
    // exceljs reads the whole zip (and so hashes it) before the sheet's rows come from its
    // temporary file: 6,897 of 11,091 rows were announced as "the whole source".
    const file = path.join(dir, 'big.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file });
    const sheet = writer.addWorksheet('Contacts');
    sheet.addRow(['Name', 'Mobile']).commit();
    for (let i = 0; i < 30_000; i++)
      sheet.addRow([`P${i}`, `+4479111${String(i).padStart(5, '0')}`]).commit();
    await sheet.commit();
    await writer.commit();
    const seen: Array<{ complete: boolean; rowsRead: number }> = [];
    const result = await importContacts(
      {
        sources: [file],
        dryRun: true,
        state: false,
        workers: 0,
        batchSize: 1,
        reportDir: path.join(dir, 'reports'),
      },
      { onPreflight: (info) => seen.push({ complete: info.complete, rowsRead: info.rowsRead }) },
    );
    expect(result.counts.rows).toBe(30_000);
    expect(seen).toHaveLength(1);
    const [first] = seen as [{ complete: boolean; rowsRead: number }];
    expect(first.complete).toBe(first.rowsRead === 30_000);
  });

  test("a list whose only phone is another person's (Parent Mobile) stops before sending, suggesting it", async () => {
    const message = await stopMessage(
      'pupils.csv',
      'Pupil,Parent Name,Parent Mobile\nAmy Lee,Jo Lee,07911 123456\n',
      {
        defaultCountry: 'GB',
      },
    );
    expect(message).toContain(`likeliest: 'Parent Mobile'. Use --phone-columns "Parent Mobile"`);
  });

  test('a Stripe customer list without phones: its Unix times and ids are never suggested as the phone', async () => {
    const stripe = {
      object: 'list',
      data: [
        {
          id: 'cus_NffrFeUfNV2Hib',
          object: 'customer',
          created: 1680893993,
          email: 'jennyrosen@example.com',
          name: 'Jenny Rosen',
          invoice_prefix: '0759376C',
          balance: 1000000000,
          updated_at: 1680893994,
        },
      ],
      has_more: false,
    };
    const message = await stopMessage('customers.json', JSON.stringify(stripe));
    expect(message).not.toContain('likeliest');
    expect(message).toContain('name the phone column with --phone-columns');
  });

  test('JSON records and vCards with no key that can hold a phone stop the run too (exit 2)', async () => {
    expect(
      await stopMessage(
        'api.json',
        JSON.stringify([{ name: 'Ann', email: 'ann@example.com' }, { name: 'Bo' }]),
      ),
    ).toContain("no column can hold a phone number, nothing was sent (columns: 'name', 'email')");
    const card = (name: string, tel = ''): string =>
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${name}\r\nEMAIL:${name}@example.com\r\n${tel}END:VCARD\r\n`;
    // A vCard has no columns to name (a real Gmail export of e-mail contacts): its cards have no TEL.
    expect(await stopMessage('list.vcf', card('ann') + card('bo'))).toMatch(
      /list\.vcf: none of its 2 cards has a phone number \(TEL\), nothing was sent; export the contacts with their phone numbers$/,
    );
    expect(await stopMessage('one.vcf', card('ann'))).toMatch(
      /one\.vcf: its card has no phone number \(TEL\)/,
    );
  });

  test('a keyed source whose first records have no phone is read on: one later record with one is enough', async () => {
    const card = (name: string, tel = ''): string =>
      `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${name}\r\nEMAIL:${name}@example.com\r\n${tel}END:VCARD\r\n`;
    const cards = Array.from({ length: 300 }, (_, index) => card(`c${index}`)).join('');
    const file = path.join(dir, 'address-book.vcf');
    await writeFile(file, cards + card('zoe', 'TEL;TYPE=CELL:+44 7911 123456\r\n'));
    const result = await importContacts({
      sources: [file],
      dryRun: true,
      state: false,
      workers: 0,
      reportDir: path.join(dir, 'reports'),
    });
    expect(result.counts).toMatchObject({ rows: 301, valid: 1, invalid: 300 });
  });

  test('the suggested columns come in the phone ranking: general, then home, then work (not column order)', async () => {
    const message = await stopMessage(
      'export.csv',
      'Name,Work Number,Home Number,Number\nAnn,+44 20 7946 0000,+44 20 7946 0001,+44 7911 123456\n',
    );
    expect(message).toContain(
      `likeliest: 'Number', 'Home Number', 'Work Number'. Use --phone-columns "Number,Home Number,Work Number"`,
    );
  });

  test('the same in German: Nummer, Zuhause, Büro', async () => {
    const message = await stopMessage(
      'kontakte.csv',
      'Kontakt;Büro;Zuhause;Nummer\nLea;030 1234567;030 7654321;0151 23456789\n',
    );
    expect(message).toContain(`Use --phone-columns "Nummer,Zuhause,Büro"`);
  });

  test('--phone-columns naming no column of a Dutch Outlook export: the mobile is suggested first, fax never', async () => {
    const message = await stopMessage(
      'outlook.csv',
      'Voornaam,Telefoon op werk,Fax op werk,Telefoon thuis,Mobiele telefoon\n' +
        'Sanne,020 123 4567,020 123 4568,020 765 4321,06 12345678\n',
      { phoneColumns: 'Handy' },
    );
    expect(message).toContain(
      `Use --phone-columns "Mobiele telefoon,Telefoon thuis,Telefoon op werk", or --mapping map.json holding {"Mobiele telefoon":"mobile"}`,
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

/**
 * Exports written in the user's language, and Salesforce Data Loader's one-case headers: real files
 * (test/fixtures/exports, and small ones written here from the real header names) through a whole
 * run into the sandbox. What Sakari holds says which number, name and e-mail each row gave.
 */
describe('localised and Data Loader exports, imported into the sandbox', () => {
  const ACCOUNT = 'acc-localised';
  const EXPORTS = path.join(ROOT, 'test', 'fixtures', 'exports');
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-localised-'));
    sandbox = await startSandbox({});
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  /** Imports a file into the sandbox; its rows.csv as [line, status, code, E.164], and what Sakari holds by mobile. */
  async function importFile(
    file: string | { name: string; content: string | Buffer },
    input: Partial<ImportInput>,
  ) {
    const source = typeof file === 'string' ? path.join(EXPORTS, file) : path.join(dir, file.name);
    if (typeof file !== 'string') await writeFile(source, file.content);
    const result = await importContacts({
      sources: [source],
      state: false,
      workers: 0,
      apiUrl: sandbox.url,
      account: ACCOUNT,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      reportDir: path.join(dir, 'reports'),
      ...input,
    });
    const rows = (await readCsv(path.join(result.reportPath, 'rows.csv'))).map((row) => [
      Number(row.line),
      row.status,
      row.code,
      row.mobile_e164,
    ]);
    const stored = new Map(
      sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, [c.firstName, c.lastName, c.email]]),
    );
    return { rows, stored };
  }

  test('German Outlook (windows-1252): the mobile, not the switchboard; names and e-mails mapped', async () => {
    const { rows, stored } = await importFile('outlook-de.csv', {
      defaultCountry: 'DE',
      encoding: 'windows-1252',
    });
    expect(rows).toEqual([
      [2, 'created', '', '+491712345678'],
      [3, 'created', '', '+4915123456789'],
      [4, 'created', '', '+491609876543'],
      [5, 'created', '', '+491723456789'],
      [6, 'invalid', 'PHONE_MISSING', ''],
      [7, 'created', '', '+436641234567'],
      [8, 'created', '', '+49892345678'],
      [9, 'created', '', '+49211987654'],
      [10, 'invalid', 'PHONE_MISSING', ''],
      [11, 'created', '', '+41441234567'],
    ]);
    expect(Object.fromEntries(stored)).toEqual({
      '+491712345678': ['Max', 'Müller', 'max.mueller@mueller-mb.de'],
      '+4915123456789': ['Anna', 'Schmidt', 'anna.schmidt@web.de'],
      '+491609876543': ['Jürgen', 'Weiß', 'j.weiss@gmx.de'],
      '+491723456789': ['Sabine', 'Koch', 's.koch@koch-partner.de'],
      '+436641234567': ['Thomas', 'Becker', 't.becker@aon.at'],
      '+49892345678': ['Claudia', 'Wolf', 'c.wolf@wolf-it.de'],
      // No E-Mail-Adresse: the second address is the e-mail.
      '+49211987654': ['Ralf', 'Braun', 'ralf.braun@t-online.de'],
      '+41441234567': ['Urs', 'Meier', 'urs.meier@bluewin.ch'],
    });
  });

  test('Dutch Outlook: Mobiele telefoon first, Land/regio (thuis) as the country', async () => {
    const { rows, stored } = await importFile('outlook-nl.csv', { defaultCountry: 'NL' });
    expect(rows.map(([, status, , e164]) => [status, e164])).toEqual([
      ['created', '+31612345678'],
      ['created', '+31687654321'],
      ['created', '+31107654321'],
      ['created', '+32470123456'],
      ['invalid', ''],
      ['created', '+31203334455'],
    ]);
    expect(stored.get('+31612345678')).toEqual(['Sanne', 'de Vries', 'sanne@vriesbv.nl']);
    expect(stored.get('+32470123456')).toEqual(['Lucas', 'Peeters', 'lucas.peeters@telenet.be']);
    expect(stored.get('+31203334455')).toEqual(['Bram', 'de Boer', 'bram@deboer.nl']);
  });

  test('Salesforce Data Loader, upper case: MOBILEPHONE first, MAILINGCOUNTRY read, the SMS opt-out blocks', async () => {
    const { rows, stored } = await importFile('salesforce-dataloader.csv', { defaultCountry: 'US' });
    expect(rows).toEqual([
      [2, 'created', '', '+16465550199'],
      [3, 'created', '', '+14155552671'],
      [4, 'created', '', '+447911123456'],
      [5, 'invalid', 'PHONE_MISSING', ''],
      [6, 'created', '', '+4915123456789'],
      [7, 'created', '', '+13125550178'],
      [8, 'created', '', '+441612345678'],
      [9, 'blocked', 'SOURCE_OPTED_OUT', '+12125551847'],
      [10, 'created', '', '+16465550142'],
    ]);
    expect(stored.has('+12125551847')).toBe(false);
    expect(stored.get('+16465550199')).toEqual(['Andy', 'Young', 'a_young@dickenson.com']);
    expect(stored.get('+447911123456')).toEqual(['Lauren', 'Ripley', 'lauren.ripley@example.co.uk']);
  });

  test('Salesforce Data Loader v62, lower case: the same decisions, the opt-out too', async () => {
    const { rows, stored } = await importFile(
      {
        name: 'extract.csv',
        content:
          '"id","firstname","lastname","phone","mobilephone","mailingcountry","email","et4ae5__hasoptedoutofmobile__c"\n' +
          '"0038d00000AbCdEAAV","Andy","Young","(336) 222-7000","(646) 555-0199","United States","a_young@dickenson.com","false"\n' +
          '"0038d00000AbCdFAAV","Pat","Stumuller","415.555.2671","","United States","pat@pyramid.net","true"\n' +
          '"0038d00000AbCdGAAV","Lauren","Ripley","","07911 123456","United Kingdom","lauren@example.co.uk","false"\n',
      },
      { defaultCountry: 'US' },
    );
    expect(rows).toEqual([
      [2, 'created', '', '+16465550199'],
      [3, 'blocked', 'SOURCE_OPTED_OUT', '+14155552671'],
      [4, 'created', '', '+447911123456'],
    ]);
    expect([...stored.keys()].sort()).toEqual(['+16465550199', '+447911123456']);
    expect(stored.get('+16465550199')).toEqual(['Andy', 'Young', 'a_young@dickenson.com']);
  });

  test.each([
    [
      'Thunderbird, German',
      'Vorname,Nachname,Anzeigename,Spitzname,Primäre E-Mail-Adresse,Sekundäre E-Mail-Adresse,Messenger-Name,' +
        'Tel. dienstlich,Tel. privat,Fax-Nummer,Pager-Nummer,Mobil-Tel.-Nr.,Privat: Adresse,Privat: Ort,Privat: Land,Notizen,\n' +
        'Jana,Krüger,Jana Krüger,,jana.krueger@posteo.de,,,0341 1234567,,,,0151 23456789,,Leipzig,Deutschland,,\n' +
        'Iris,Vos,Iris Vos,,iris.vos@ziggo.nl,,,,,,,06 12345678,,Utrecht,Niederlande,,\n',
      'DE',
      [
        ['+4915123456789', 'Jana', 'Krüger', 'jana.krueger@posteo.de'],
        ['+31612345678', 'Iris', 'Vos', 'iris.vos@ziggo.nl'],
      ],
    ],
    [
      'Thunderbird, French',
      'Prénom,Nom,Nom à afficher,Surnom,Adresse électronique principale,Adresse électronique secondaire,' +
        'Tél. professionnel,Fax,Pager,Portable,Région,Notes\n' +
        'Camille,Dubois,Camille Dubois,,camille.dubois@orange.fr,,01 42 68 53 00,,,06 12 34 56 78,France,\n' +
        'Marc,Petit,Marc Petit,,marc.petit@laposte.net,,+33 1 40 20 50 50,,,,,\n',
      'FR',
      [
        ['+33612345678', 'Camille', 'Dubois', 'camille.dubois@orange.fr'],
        ['+33140205050', 'Marc', 'Petit', 'marc.petit@laposte.net'],
      ],
    ],
    [
      'Thunderbird, Italian',
      'Nome,Cognome,Nome visualizzato,Soprannome,Email principale,Email secondaria,Telefono lavoro,' +
        'Telefono di casa,Numero fax,Numero Pager,Numero cellulare,Nazione di residenza,Note\n' +
        'Giulia,Rossi,Giulia Rossi,,giulia.rossi@libero.it,,02 1234 5678,,,,333 123 4567,Italia,\n' +
        'Luca,Verdi,Luca Verdi,,luca.verdi@tin.it,,,06 9876 5432,,,,Italia,\n',
      'IT',
      [
        ['+393331234567', 'Giulia', 'Rossi', 'giulia.rossi@libero.it'],
        ['+390698765432', 'Luca', 'Verdi', 'luca.verdi@tin.it'],
      ],
    ],
    [
      'Thunderbird, Spanish',
      'Nombre,Apellidos,Nombre en pantalla,Apodo,Dirección de correo electrónico principal,' +
        'Dirección de correo electrónico secundaria,Teléfono (Trabajo),Particular,Fax,Buscapersonas,Teléfono móvil,País de residencia\n' +
        'Lucía,García,Lucía García,,lucia.garcia@telefonica.es,,91 123 45 67,,,,612 34 56 78,España\n' +
        'Javier,López,Javier López,,javier.lopez@gmail.com,,+34 91 765 43 21,,,,,España\n',
      'ES',
      [
        ['+34612345678', 'Lucía', 'García', 'lucia.garcia@telefonica.es'],
        ['+34917654321', 'Javier', 'López', 'javier.lopez@gmail.com'],
      ],
    ],
  ])(
    '%s: the mobile first, else the office line; names and e-mails mapped',
    async (_tool, content, country, expected) => {
      const { rows, stored } = await importFile(
        { name: 'thunderbird.csv', content },
        { defaultCountry: country },
      );
      expect(rows.map(([, status, , e164]) => [status, e164])).toEqual(
        expected.map(([e164]) => ['created', e164]),
      );
      expect(Object.fromEntries(stored)).toEqual(
        Object.fromEntries(expected.map(([e164, ...fields]) => [e164, fields])),
      );
    },
  );

  test('Google Contacts: a number labelled iPhone is the mobile, ahead of the Work one', async () => {
    const { rows } = await importFile(
      {
        name: 'google.csv',
        content:
          '\ufeffFirst Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n' +
          'Sophie,Turner,* myContacts,,,Work,+1 212-555-1847,iPhone,+1 646-555-0199\n' +
          'Gus,Hale,* myContacts,,,Work,+1 212-555-1848,Portable,+1 646-555-0198\n',
      },
      { defaultCountry: 'US' },
    );
    expect(rows).toEqual([
      [2, 'created', '', '+16465550199'],
      [3, 'created', '', '+16465550198'],
    ]);
  });
});
