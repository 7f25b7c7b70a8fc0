import { describe, expect, test } from 'vitest';

import { SourceError } from '../../src/read/index.js';
import { decodeQuotedPrintable } from '../../src/read/vcard.js';
import { chunkedStream, readAll, useTempDir } from './helpers.js';
import { ANDROID_VCF, GOOGLE_VCF, IOS_VCF, crlf } from './vcard-samples.js';

const tmp = useTempDir();

describe('vCard', () => {
  test('iOS 3.0: item groups and their labels, folded lines, photos skipped, line = BEGIN:VCARD', async () => {
    const { info, rows, error } = await readAll(await tmp.write('ios.vcf', crlf(IOS_VCF)));
    expect(error).toBeUndefined();
    expect(info.format).toBe('vcf');
    expect(rows.map((row) => [row.ref.line, row.raw, row.error])).toEqual([
      [
        1,
        {
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
      [14, { 'First Name': 'Grand-mère', 'Home Phone': '0145678901' }, undefined],
      [
        20,
        { 'First Name': 'Numero', 'Last Name': 'Sans', 'E-mail Address': 'numero@example.fr' },
        { code: 'PHONE_MISSING', message: 'the card has no phone number (TEL)', field: 'mobile' },
      ],
    ]);
  });

  test('Google 3.0 and a 4.0 card: several numbers of a kind, tel: URIs, PREF=1 first, categories, country', async () => {
    const { rows, error } = await readAll(await tmp.write('google.vcf', crlf(GOOGLE_VCF)));
    expect(error).toBeUndefined();
    expect(rows.map((row) => [row.ref.line, row.raw])).toEqual([
      [
        1,
        {
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
