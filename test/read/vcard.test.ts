import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
import { decodeQuotedPrintable } from '../../src/read/vcard.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';
import { ANDROID_VCF, GOOGLE_VCF, IOS_VCF, crlf } from './vcard-samples.js';

const tmp = useTempDir();

/** Real and exporter-shaped address books: see test/fixtures/vcard/README.md. */
const FIXTURES = fileURLToPath(new URL('../fixtures/vcard/', import.meta.url));

/** The voice columns a card with a number has even where it has no such number: empty. */
const VOICE = { 'Mobile Phone': '', Phone: '', 'Home Phone': '', 'Business Phone': '', 'Other Phone': '' };

describe('vCard', () => {
  test('iOS 3.0: item groups and their labels, folded lines, photos skipped, line = BEGIN:VCARD', async () => {
    const { info, rows, error } = await readAll(await tmp.write('ios.vcf', crlf(IOS_VCF)));
    expect(error).toBeUndefined();
    expect(info.format).toBe('vcf');
    expect(rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual([
      [
        1,
        {
          ...VOICE,
          Name: 'Johnny Appleseed',
          'First Name': 'Johnny',
          'Middle Name': 'Q',
          'Last Name': 'Appleseed',
          'Mobile Phone': '(415) 555-0132',
          'Home Phone': '(415) 555-0100',
          'E-mail Address': 'johnny@example.com',
          'Country/Region': 'United States',
          Organization: 'Apple Inc.',
          Note: 'Met at WWDC, 2023',
        },
        undefined,
      ],
      [
        19,
        {
          ...VOICE,
          Name: 'Ann Lee',
          'First Name': 'Ann',
          'Last Name': 'Lee',
          'Mobile Phone': '+1 (415) 555-0133 ::: +1 415 555 0134',
        },
        undefined,
      ],
      [
        27,
        {
          ...VOICE,
          Name: 'Front Office',
          'First Name': 'Front',
          'Last Name': 'Office',
          'Business Phone': '(415) 555-0135',
          'Business Fax': '(415) 555-0136',
        },
        undefined,
      ],
    ]);
  });

  test('Android 2.1: quoted-printable in its charset, soft line breaks, bare parameters, 2.1 photo blocks', async () => {
    const { rows, error } = await readAll(await tmp.write('android.vcf', crlf(ANDROID_VCF)));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual([
      [
        1,
        {
          ...VOICE,
          Name: 'Élodie Müller',
          'First Name': 'Élodie',
          'Last Name': 'Müller',
          'Mobile Phone': '+33 6 12 34 56 78',
          'Home Phone': '01 23 45 67 89',
          'E-mail Address': 'elodie@example.fr',
          Note: 'Première ligne\nDeuxième ligne',
        },
        undefined,
      ],
      [14, { ...VOICE, 'First Name': 'Grand-mère', 'Home Phone': '0145678901' }, undefined],
      [
        20,
        { 'First Name': 'Numero', 'Last Name': 'Sans', 'E-mail Address': 'numero@example.fr' },
        { code: 'PHONE_MISSING', message: 'the card has no phone number (TEL)', field: 'mobile' },
      ],
    ]);
  });

  test('2.1 quoted-printable ending in a soft break and a blank line (Sony Ericsson, Nokia): the value ends there, the next property is its own', async () => {
    // As gammu's tests/vcards/se-3.vcf (a real Sony Ericsson export, 19 such cards) and
    // quoted-printable-empty-new-line.vcf lay it out: the TEL;CELL after the blank line was glued
    // to the name ("ВитяTEL", "CELL:+380…") and the card lost its mobile.
    const { rows, error } = await readAll(
      await tmp.write(
        'sony-ericsson.vcf',
        crlf([
          'BEGIN:VCARD',
          'VERSION:2.1',
          'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Petrenko;=D0=92=D0=B8=D1=82=D1=8F=',
          '',
          'TEL;CELL:+380503910705',
          'END:VCARD',
          'BEGIN:VCARD',
          'VERSION:2.1',
          'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:H=C3=B6rmann;Joseph=',
          '',
          'TEL;HOME:+49301234567',
          'TEL;CELL:+491701234567',
          'ADR;HOME;ENCODING=QUOTED-PRINTABLE:;;Hauptstr. 1;Berlin;;10115;Deutschland=',
          '',
          'NOTE:met at the fair',
          'END:VCARD',
        ]),
      ),
    );
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual([
      [
        1,
        { ...VOICE, 'First Name': 'Витя', 'Last Name': 'Petrenko', 'Mobile Phone': '+380503910705' },
        undefined,
      ],
      [
        7,
        {
          ...VOICE,
          'First Name': 'Joseph',
          'Last Name': 'Hörmann',
          'Mobile Phone': '+491701234567',
          'Home Phone': '+49301234567',
          'Country/Region': 'Deutschland',
          Note: 'met at the fair',
        },
        undefined,
      ],
    ]);
  });

  test("Android's TEL;X-Mobile is the mobile, ahead of its HOME number (a real Sri Lankan export)", async () => {
    const { rows } = await readAll(
      await tmp.write(
        'x-mobile.vcf',
        crlf([
          'BEGIN:VCARD',
          'VERSION:2.1',
          'N:;Nimal;;;',
          'FN:Nimal',
          'TEL;HOME:0112345678',
          'TEL;X-Mobile:0771234567',
          'END:VCARD',
        ]),
      ),
    );
    expect(rows.map((row) => row.raw)).toEqual([
      {
        ...VOICE,
        Name: 'Nimal',
        'First Name': 'Nimal',
        'Mobile Phone': '0771234567',
        'Home Phone': '0112345678',
      },
    ]);
  });

  test('Google 3.0 and a 4.0 card: several numbers of a kind, tel: URIs, PREF=1 first, categories, country', async () => {
    const { rows, error } = await readAll(await tmp.write('google.vcf', crlf(GOOGLE_VCF)));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([
      [
        1,
        {
          ...VOICE,
          Name: 'Priya Patel',
          'First Name': 'Priya',
          'Last Name': 'Patel',
          'Mobile Phone': '07911 123456 ::: 07911 123458',
          'Business Phone': '020 7946 0000',
          'E-mail Address': 'priya@work.example',
          'E-mail 2 Address': 'priya@home.example',
          Categories: 'myContacts,Customers',
          'Country/Region': 'United Kingdom',
          Birthday: '1985-04-15',
        },
      ],
      [
        14,
        {
          ...VOICE,
          Name: 'Jane Roe',
          'First Name': 'Jane',
          'Last Name': 'Roe',
          'Name Prefix': 'Dr.',
          'Mobile Phone': '+49-151-23456789',
          'Home Phone': '+49 30 1234567',
          Categories: 'Friends',
        },
      ],
    ]);
  });

  test('LF line ends, stdin sniffed by BEGIN:VCARD, cards split across tiny chunks', async () => {
    const text = GOOGLE_VCF.join('\n');
    const whole = await readAll(await tmp.write('google-lf.vcf', text));
    const piped = await readAll('-', { stdin: chunkedStream(crlf(GOOGLE_VCF), 7) });
    expect(piped.info.format).toBe('vcf');
    expect(piped.error).toBeUndefined();
    expect(piped.rows.map((row) => [row.ref.line, row.raw])).toEqual(
      whole.rows.map((row) => [row.ref.line, row.raw]),
    );
    expect(whole.rows).toHaveLength(2);
  });

  test('a card ical.js cannot read, and one cut off by the end of the file, are malformed rows', async () => {
    const text = crlf([
      'BEGIN:VCARD',
      'VERSION:3.0',
      'TEL;TYPE="CELL:+14155550132',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'TEL:+14155550133',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'TEL:+14155550134',
    ]);
    const { rows, error } = await readAll(await tmp.write('broken.vcf', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error?.code])).toEqual([
      [1, 'RECORD_MALFORMED'],
      [5, undefined],
      [9, 'RECORD_MALFORMED'],
    ]);
    expect(rows[0]?.error?.message).toMatch(/^unreadable vCard: /);
    expect(rows[2]?.error?.message).toBe(
      'the card starting at line 9 has no END:VCARD before the end of the file',
    );
  });

  test('a card without END:VCARD is one malformed row and every later card is read; 2.1 AGENT cards stay nested', async () => {
    const { rows, error } = await readAll(`${FIXTURES}missing-end.vcf`);
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.ref.seq, row.raw, row.error])).toEqual([
      [1, 0, { ...VOICE, Name: 'Ann Lee', 'Mobile Phone': '+44 7911 123401' }, undefined],
      [
        6,
        1,
        { _raw: 'VERSION:3.0\nFN:Ben Broken\nTEL;TYPE=CELL:+44 7911 123402' },
        {
          code: 'RECORD_MALFORMED',
          message: 'the card starting at line 6 has no END:VCARD before the next BEGIN:VCARD (line 10)',
        },
      ],
      // The AGENT's card (Alf, +44 7911 123499) is not a contact of its own, nor Carl's number.
      [
        10,
        2,
        {
          ...VOICE,
          'First Name': 'Carl',
          'Last Name': 'Agent',
          'Mobile Phone': '+44 7911 123403',
          'E-mail Address': 'carl@example.com',
        },
        undefined,
      ],
      // `AGENT:BEGIN:VCARD`: Bea's card ends at line 28 and Dora's own number follows it.
      [
        22,
        3,
        { ...VOICE, 'First Name': 'Dora', 'Last Name': 'Inline', 'Mobile Phone': '+44 7911 123404' },
        undefined,
      ],
      [
        31,
        4,
        { _raw: 'VERSION:2.1\nN:Agent;Eli;;;\nTEL;CELL:+44 7911 123405\nAGENT:' },
        {
          code: 'RECORD_MALFORMED',
          message: 'the card starting at line 31 has no END:VCARD before the next BEGIN:VCARD (line 39)',
        },
      ],
      [39, 5, { ...VOICE, Name: 'Fay Last', 'Mobile Phone': '+44 7911 123406' }, undefined],
    ]);
  });

  test('files joined without a final line break (END:VCARDBEGIN:VCARD, a BOM between) are split', async () => {
    const file = `${FIXTURES}concatenated.vcf`;
    const expected = [
      [1, { ...VOICE, Name: 'Hal One', 'Mobile Phone': '+44 7911 123411' }, undefined],
      [5, { ...VOICE, Name: 'Ida Two', 'Mobile Phone': '+44 7911 123412' }, undefined],
      [9, { ...VOICE, Name: 'Jon Three', 'Mobile Phone': '+44 7911 123413' }, undefined],
    ];
    const whole = await readAll(file);
    expect(whole.error).toBeUndefined();
    expect(whole.rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual(expected);
    const piped = await readAll('-', { stdin: chunkedStream(await readFile(file), 5) });
    expect(piped.rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual(expected);
  });

  test('a BEGIN or END line inside a card that is no card boundary makes it malformed, with a message for people', async () => {
    const text = crlf([
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Kay Odd',
      'TEL;TYPE=CELL:+44 7911 123421',
      'END:VCALENDAR',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Lou Fine',
      'TEL;TYPE=CELL:+44 7911 123422',
      'END:VCARD',
    ]);
    const { rows, error } = await readAll(await tmp.write('stray-begin.vcf', text));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.error])).toEqual([
      [
        1,
        {
          code: 'RECORD_MALFORMED',
          message:
            'unreadable vCard: "END:VCALENDAR" is not a property: BEGIN and END only start and end a card',
        },
      ],
      [7, undefined],
    ]);
    expect(rows[1]?.raw).toEqual({ ...VOICE, Name: 'Lou Fine', 'Mobile Phone': '+44 7911 123422' });
  });

  test('group cards (iCloud X-ADDRESSBOOKSERVER-KIND, 4.0 KIND) are skipped; categories are read as written', async () => {
    const { info, rows, error } = await readAll(`${FIXTURES}groups-and-labels.vcf`);
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.ref.seq, row.raw, row.error])).toEqual([
      [
        1,
        0,
        {
          ...VOICE,
          Name: 'Priya Patel',
          'First Name': 'Priya',
          'Last Name': 'Patel',
          'Mobile Phone': '+44 7911 123640',
          'E-mail Address': 'priya@example.com',
          Categories: 'myContacts,starred,Customers',
        },
        undefined,
      ],
      [
        18,
        1,
        {
          ...VOICE,
          Name: 'Daniel Okafor',
          'First Name': 'Daniel',
          'Last Name': 'Okafor',
          'Home Phone': '020 7946 0050',
          Categories: 'My Contacts',
        },
        undefined,
      ],
      [
        31,
        2,
        {
          ...VOICE,
          Name: 'Grace Kim',
          'Business Phone': '+44-20-7946-0051',
          Categories: 'Starred,Suppliers',
        },
        undefined,
      ],
    ]);
    expect(info.records).toBe(3);
    expect(info.groupCards).toEqual({ count: 2, firstLine: 9 });
  });

  test('real Outlook 2.1 export (ez-vcard): a WORK and a HOME number, no CELL; photo and QP labels skipped', async () => {
    const { rows, error } = await readAll(`${FIXTURES}ez-vcard-John_Doe_MS_OUTLOOK.vcf`);
    expect(error).toBeUndefined();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.ref.line).toBe(1);
    expect(rows[0]?.error).toBeUndefined();
    expect(rows[0]?.raw).toMatchObject({
      ...VOICE,
      Name: 'Mr. John Richter James Doe Sr.',
      'First Name': 'John',
      'Last Name': 'Doe',
      'Home Phone': '(905) 666-1234',
      'Business Phone': '(905) 555-1234',
      'E-mail Address': 'john.doe@ibm.cm',
      'Country/Region': 'United States of America',
    });
  });

  test('a file without any card is SOURCE_EMPTY', async () => {
    const { rows, error } = await readAll(await tmp.write('none.vcf', 'hello\r\n'));
    expect(rows).toEqual([]);
    expect((error as SourceError).code).toBe('SOURCE_EMPTY');
  });

  test.each([
    ['=C3=89lodie', 'utf-8', 'Élodie'],
    ['Grand-m=E8re', 'ISO-8859-1', 'Grand-mère'],
    ['=82=A0', 'Shift_JIS', 'あ'],
    ['=80 =93caf=E9=94', 'windows-1252', '€ “café”'],
    ['plain', 'x-unknown-charset', 'plain'],
  ])('quoted-printable %s in %s is %s', (encoded, charset, decoded) => {
    expect(decodeQuotedPrintable(encoded, charset)).toBe(decoded);
  });
});
