/**
 * Header understanding (src/pipeline/header-roles.ts, map-fields' plan): what real exports'
 * columns stand for, and in what order phone columns are tried.
 */
import { describe, expect, test } from 'vitest';
import { recogniseLayout } from '../../src/pipeline/export-layouts.js';
import {
  classifyHeader,
  headerWords,
  PHONE_TIER,
  rankPhoneCandidate,
  rankPhoneLabel,
  readConsent,
} from '../../src/pipeline/header-roles.js';
import { describeMapping, phoneColumnsOf, resolveHeader, splitTags } from '../../src/pipeline/map-fields.js';

describe('header recognition in real exports', () => {
  test.each([
    // Outlook (Windows and Outlook.com), Thunderbird
    ['Mobile Phone', 'mobile'],
    ['Business Phone', 'mobile'],
    ['Home Phone 2', 'mobile'],
    ['Primary Phone', 'mobile'],
    ['E-mail Address', 'email'],
    ['E-mail 2 Address', 'email'],
    ['Home Country/Region', 'country'],
    ['Business Country/Region', 'country'],
    ['Categories', 'tags'],
    ['Primary Email', 'email'],
    ['Secondary Email', 'email'],
    ['Mobile Number', 'mobile'],
    ['Work Country', 'country'],
    ['Display Name', 'name'],
    // Google Contacts, both layouts
    ['Given Name', 'firstName'],
    ['Family Name', 'lastName'],
    ['Group Membership', 'tags'],
    ['Labels', 'tags'],
    ['Phone 1 - Value', 'mobile'],
    ['E-mail 1 - Value', 'email'],
    ['Address 1 - Country', 'country'],
    // HubSpot, Salesforce, Zoho
    ['Mobile Phone Number', 'mobile'],
    ['Phone Number', 'mobile'],
    ['Country/Region', 'country'],
    ['MobilePhone', 'mobile'],
    ['FirstName', 'firstName'],
    ['LastName', 'lastName'],
    ['MailingCountry', 'country'],
    ['MailingCountryCode', 'country'],
    ['Mailing Country', 'country'],
    ['Tag', 'tags'],
    // Pipedrive
    ['Person - Name', 'name'],
    ['Person - First name', 'firstName'],
    ['Person - Phone - Mobile', 'mobile'],
    ['Person - Phone - Work', 'mobile'],
    ['Person - Email - Work', 'email'],
    ['Person - Labels', 'tags'],
    // Mailchimp, Shopify, Klaviyo, Brevo
    ['Email Address', 'email'],
    ['TAGS', 'tags'],
    ['CC', 'country'],
    ['Default Address Country Code', 'country'],
    ['Default Address Phone', 'mobile'],
    ['SMS', 'mobile'],
    ['FIRSTNAME', 'firstName'],
    ['LASTNAME', 'lastName'],
    ['EMAIL', 'email'],
    ['WHATSAPP', 'mobile'],
    // WhatsApp senders' templates: the phone header, then how to write it
    ['Mobile(country code prefix)', 'mobile'],
    ['Mobile (with country code)', 'mobile'],
    ['Mobile number (with country code)', 'mobile'],
    ['Phone (incl. country code)', 'mobile'],
    ['Phone (country code)', undefined],
    // Real sheets in Korean, Indonesian, Hebrew, Persian and Arabic
    ['이동전화', 'mobile'],
    ['Nomor Telepon', 'mobile'],
    ['מס טלפון', 'mobile'],
    ['טלפון', 'mobile'],
    ['شماره موبایل', 'mobile'],
    ['رقم الجوال', 'mobile'],
    ['رقم الهاتف', 'mobile'],
    // Hand-made member lists (a Kenyan church's sheet: `SUR NAME`, `FIRST NAME`, `OTHER NAMES`)
    ['SUR NAME', 'lastName'],
    ['Sur_Name', 'lastName'],
    // The general e-mail of Nokia PC Suite's layout (`Домашний: адрес эл. почты` is a home one)
    ['Общий: адрес эл. почты', 'email'],
    ['General email', 'email'],
    // Not the person's field: another entity's, or about the phone rather than a number
    ['Account Name', undefined],
    ['Organization - Name', undefined],
    ['Company', undefined],
    ['E-mail Display Name', undefined],
    ['E-mail Type', undefined],
    ['Phonetic First Name', undefined],
    ['Phone 1 - Label', undefined],
    ['Phone 1 - Type', undefined],
    ['Phone Country Code', undefined],
    ['Email Opt Out', undefined],
    ['Unsubscribed from all email', undefined],
    ['HasOptedOutOfEmail', undefined],
    ['Business Fax', undefined],
    ['Pager', undefined],
    ['Fax Number', undefined],
    ['Accepts SMS Marketing', undefined],
    ['SMS_BLACKLISTED', undefined],
    ['Record ID', undefined],
  ])('%j → %s', (header, field) => {
    expect(resolveHeader(header)).toBe(field);
  });

  test.each([
    ['Business Fax', { kind: 'never-phone' }],
    ['Pager', { kind: 'never-phone' }],
    ['TTY/TDD Phone', { kind: 'never-phone' }],
    ['SMS_BLACKLISTED', { kind: 'consent', consent: 'opt-out-flag' }],
    ['Mobile Opt Out', { kind: 'consent', consent: 'opt-out-flag' }],
    ['et4ae5__HasOptedOutOfMobile__c', { kind: 'consent', consent: 'opt-out-flag' }],
    // a flag saying not to text, never a phone column
    ['NoSms', { kind: 'consent', consent: 'opt-out-flag' }],
    ['NOSMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['No SMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['No Texts', { kind: 'consent', consent: 'opt-out-flag' }],
    ["Don't SMS", { kind: 'consent', consent: 'opt-out-flag' }],
    ['Mobile No', { kind: 'field', field: 'mobile', rank: 0 }],
    ['Keine SMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['Pas de SMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['Geen SMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['Nessun SMS', { kind: 'consent', consent: 'opt-out-flag' }],
    ['SMS abbestellt', { kind: 'consent', consent: 'opt-out-flag' }],
    ['SMS désabonné', { kind: 'consent', consent: 'opt-out-flag' }],
    ['SMS afgemeld', { kind: 'consent', consent: 'opt-out-flag' }],
    ['SMS Marketing Consent', { kind: 'consent', consent: 'status' }],
    ['Accepts SMS Marketing', { kind: 'consent', consent: 'status' }],
    ['EMAIL_BLACKLISTED', undefined],
    ['Email Marketing Consent', undefined],
    ['Accepts Email Marketing', undefined],
  ])('%j is %j', (header, role) => {
    expect(classifyHeader(header)).toEqual(role);
  });
});

describe('phone ranking', () => {
  test.each([
    [
      'Outlook',
      [
        'Business Phone',
        'Home Phone',
        'Mobile Phone',
        'Other Phone',
        'Business Fax',
        'Pager',
        'Primary Phone',
      ],
      ['Mobile Phone', 'Primary Phone', 'Home Phone', 'Business Phone', 'Other Phone'],
    ],
    [
      'HubSpot all properties',
      ['Phone Number', 'Mobile Phone Number', 'Fax Number'],
      ['Mobile Phone Number', 'Phone Number'],
    ],
    [
      'Salesforce API names',
      ['Phone', 'Fax', 'MobilePhone', 'HomePhone', 'OtherPhone', 'AssistantPhone'],
      // The assistant's number is never the contact's (an attribute)
      ['MobilePhone', 'Phone', 'HomePhone', 'OtherPhone'],
    ],
    [
      'Pipedrive',
      ['Person - Phone - Work', 'Person - Phone - Home', 'Person - Phone - Mobile', 'Person - Phone - Other'],
      ['Person - Phone - Mobile', 'Person - Phone - Home', 'Person - Phone - Work', 'Person - Phone - Other'],
    ],
    [
      'Thunderbird',
      ['Work Phone', 'Home Phone', 'Fax Number', 'Pager Number', 'Mobile Number'],
      ['Mobile Number', 'Home Phone', 'Work Phone'],
    ],
    ['Brevo', ['LANDLINE_NUMBER', 'WHATSAPP', 'SMS'], ['SMS', 'WHATSAPP', 'LANDLINE_NUMBER']],
    [
      'vCard records (Outlook-style keys from the .vcf reader)',
      [
        'Name',
        'Phone',
        'Mobile Phone',
        'Home Phone',
        'Business Phone',
        'Other Phone',
        'Business Fax',
        'Pager',
      ],
      ['Mobile Phone', 'Phone', 'Home Phone', 'Business Phone', 'Other Phone'],
    ],
    ['Shopify', ['Default Address Phone', 'Phone'], ['Phone', 'Default Address Phone']],
    [
      'Google pairs (the row label decides)',
      ['Phone 2 - Value', 'Phone 1 - Label', 'Phone 1 - Value', 'Phone 2 - Label'],
      ['Phone 1 - Value', 'Phone 2 - Value'],
    ],
    [
      'plain aliases keep their order',
      ['tel', 'Phone', 'cell', 'mobile'],
      ['cell', 'mobile', 'tel', 'Phone'],
    ],
    [
      // The general phone before home and work ones (CONTRACT §3); it came last
      'Nokia PC Suite (general, home, work)',
      ['General mobile', 'General phone', 'Home phone', 'Work phone'],
      ['General mobile', 'General phone', 'Home phone', 'Work phone'],
    ],
    [
      'Nokia PC Suite in Russian',
      ['Общий: мобильный телефон', 'Домашний: телефон', 'Общий: телефон', 'Рабочий: телефон'],
      ['Общий: мобильный телефон', 'Общий: телефон', 'Домашний: телефон', 'Рабочий: телефон'],
    ],
    [
      // A relative's numbers are never the person's: Susie's mobile is not her mum's
      'CiviCRM with related contacts',
      ['Phone', 'Mum-phone', 'Mum-home-phone', 'Mum-home-mobile', 'Sister-phone'],
      ['Phone'],
    ],
    ['a pupil list', ['Parent Mobile', 'Student Mobile'], ['Student Mobile']],
    // A B2B list: the company's main line (Phone), then the person's (ContactPhone), which wins
    ['a B2B list', ['Company', 'Phone', 'ContactName', 'ContactPhone'], ['ContactPhone', 'Phone']],
    [
      'a B2B list, spaced',
      ['Phone', 'Contact Phone', 'Contact Mobile', 'Mobile'],
      ['Contact Mobile', 'Mobile', 'Contact Phone', 'Phone'],
    ],
    // A Korean church's member sheet: the mobile (이동전화) before the church's phone (교회전화)
    ['Korean members', ['교회전화', '이동전화'], ['이동전화']],
    [
      // A Google Forms sheet: the attendee's WhatsApp number, never their parent's
      'Google Forms responses',
      ['Timestamp', 'Your full name', 'WhatsApp number (for your pass)', "Parent's phone number"],
      ['WhatsApp number (for your pass)'],
    ],
    [
      // PropStream's skip-trace export: `Phone N DNC` holds Yes/blank flags, no numbers
      'PropStream',
      ['Phone 1', 'Phone 1 Type', 'Phone 1 DNC', 'Phone 2', 'Phone 2 Type', 'Phone 2 DNC'],
      ['Phone 1', 'Phone 2'],
    ],
  ])('%s', (_tool, headers, order) => {
    expect(phoneColumnsOf(headers, {})).toEqual(order);
  });

  test("HubSpot's export with associated records: the company's Phone Number and Country/Region after Record ID - Company are no field of the contact", () => {
    // A real export's header (Shaftdog/Salesmod hubspot_contacts.csv), made unique as the reader does.
    const headers = [
      'Record ID - Contact',
      'First Name',
      'Last Name',
      'Email',
      'Phone Number',
      'Company Name',
      'Country/Region',
      'Mobile Phone Number',
      'Record ID - Company',
      'Company name',
      'Create Date',
      'Phone Number_2',
      'Country/Region_2',
      'Industry',
    ];
    expect(phoneColumnsOf(headers, {})).toEqual(['Mobile Phone Number', 'Phone Number']);
    const mapping = describeMapping(headers, {});
    expect(mapping.find((entry) => entry.header === 'Phone Number_2')?.field).toBe(
      'attributes.Phone Number_2',
    );
    expect(mapping.find((entry) => entry.header === 'Country/Region_2')?.field).toBe(
      'attributes.Country/Region_2',
    );
    expect(mapping.find((entry) => entry.header === 'Country/Region')?.field).toBe('country');
    // Named by --phone-columns, the company's number is tried as asked.
    expect(phoneColumnsOf(headers, { phoneColumns: ['Mobile Phone Number', 'Phone Number_2'] })).toEqual([
      'Mobile Phone Number',
      'Phone Number_2',
    ]);
  });

  test('--phone-columns sets the columns and their order; other phones become attributes', () => {
    const headers = ['Mobile Phone', 'Phone', 'Home Phone'];
    expect(phoneColumnsOf(headers, { phoneColumns: ['phone', 'Mobile Phone'] })).toEqual([
      'Phone',
      'Mobile Phone',
    ]);
    expect(describeMapping(headers, { phoneColumns: ['Phone'] })).toEqual([
      { header: 'Mobile Phone', field: 'attributes.Mobile Phone' },
      { header: 'Phone', field: 'mobile' },
      { header: 'Home Phone', field: 'attributes.Home Phone' },
    ]);
  });

  test('a --mapping to mobile ranks first, and a column it names is no longer ranked', () => {
    expect(phoneColumnsOf(['Mobile', 'Cell #'], { mapping: { 'Cell #': 'mobile' } })).toEqual([
      'Cell #',
      'Mobile',
    ]);
    expect(phoneColumnsOf(['Mobile', 'Phone'], { mapping: { Mobile: 'note' } })).toEqual(['Phone']);
  });
});

describe('consent values', () => {
  test.each([
    ['opt-out-flag', 'true', 'opted-out'],
    ['opt-out-flag', 'Yes', 'opted-out'],
    ['opt-out-flag', '1', 'opted-out'],
    ['opt-out-flag', 'false', undefined],
    ['opt-out-flag', '', undefined],
    ['status', 'UNSUBSCRIBED', 'opted-out'],
    ['status', 'opted out', 'opted-out'],
    ['status', 'SUBSCRIBED', 'granted'],
    ['status', 'yes', 'granted'],
    ['status', 'NEVER_SUBSCRIBED', undefined],
    ['status', 'not subscribed', undefined],
    ['status', 'no', undefined],
  ] as const)('%s %j → %s', (kind, value, consent) => {
    expect(readConsent(kind, value)).toBe(consent);
  });
});

describe('tags from real exports', () => {
  test.each([
    ['"Customer","VIP"', ['Customer', 'VIP']],
    ['* myContacts ::: Friends ::: Work', ['Friends', 'Work']],
    ['* starred', []],
    ['System Group: My Contacts ::: Golf', ['Golf']],
    ['Hot lead, Customer', ['Hot lead', 'Customer']],
    ['vip; newsletter|vip, ', ['vip', 'newsletter']],
  ])('%j → %j', (text, tags) => {
    expect(splitTags(text)).toEqual(tags);
  });
});

describe('layout recognition', () => {
  test.each([
    [
      [
        'First Name',
        'Last Name',
        'E-mail 1 - Label',
        'E-mail 1 - Value',
        'Phone 1 - Label',
        'Phone 1 - Value',
        'Labels',
      ],
      'Google Contacts (Google CSV)',
    ],
    [
      ['Name', 'Given Name', 'Family Name', 'Group Membership', 'Phone 1 - Type', 'Phone 1 - Value'],
      'Google Contacts (older Google CSV)',
    ],
    [
      [
        'First Name',
        'Last Name',
        'E-mail Address',
        'Mobile Phone',
        'Business Phone',
        'Home Phone',
        'Home Country/Region',
      ],
      'Outlook.com',
    ],
    [['First Name', 'Last Name', 'Display Name', 'Primary Email', 'Mobile Number'], 'Thunderbird'],
    [['Person - Name', 'Person - Phone - Mobile', 'Person - Email - Work'], 'Pipedrive'],
    [['EMAIL', 'FIRSTNAME', 'LASTNAME', 'SMS'], 'Brevo'],
    [['phone', 'name'], undefined],
  ])('%j → %s', (headers, layout) => {
    expect(recogniseLayout(headers)).toBe(layout);
  });
});

/**
 * Outlook and Thunderbird write their CSV headers in the user's language. Every header below is a
 * real one: Open-Xchange's importCSV/outlook2007.de_DE.properties and .nl_NL.properties, the full
 * German Outlook header of bytemine's exporter, and Roundcube's program/localization/{de_DE,
 * fr_FR,it_IT,es_ES,pt_BR}/csv2vcard.inc ("the known results when exporting CSV contacts from
 * Outlook in various languages"), Outlook's and Thunderbird's names alike.
 */
/**
 * Outlook's headers in the languages whose exports come in another code page (see
 * `test/e2e/code-pages.test.ts`) or another script: the names of its first name, last name,
 * mobile, e-mail and country columns in Polish, Czech, Hungarian, Nordic, Finnish, Turkish,
 * Russian, Ukrainian, Bulgarian, Greek, Japanese, Chinese and Korean, and other CRMs' usual ones.
 */
describe('headers in other languages and scripts', () => {
  test.each([
    ['Imię', 'firstName'],
    ['Nazwisko', 'lastName'],
    ['Telefon komórkowy', 'mobile'],
    ['Adres e-mail', 'email'],
    ['Kraj/region (dom)', 'country'],
    ['Jméno', 'firstName'],
    ['Příjmení', 'lastName'],
    ['Mobilní telefon', 'mobile'],
    ['E-mailová adresa', 'email'],
    ['Utónév', 'firstName'],
    ['Vezetéknév', 'lastName'],
    ['Förnamn', 'firstName'],
    ['Efternamn', 'lastName'],
    ['E-postadress', 'email'],
    ['Fornavn', 'firstName'],
    ['Etternavn', 'lastName'],
    ['Efternavn', 'lastName'],
    ['Mailadresse', 'email'],
    ['Etunimi', 'firstName'],
    ['Sukunimi', 'lastName'],
    ['Matkapuhelin', 'mobile'],
    ['Sähköpostiosoite', 'email'],
    ['Adı', 'firstName'],
    ['Soyadı', 'lastName'],
    ['Cep Telefonu', 'mobile'],
    ['E-posta Adresi', 'email'],
    ['Ülke', 'country'],
    ['Имя', 'firstName'],
    ['Фамилия', 'lastName'],
    ['Мобильный телефон', 'mobile'],
    ['Сотовый', 'mobile'],
    ['Адрес эл. почты', 'email'],
    ['Страна или регион (дом. адрес)', 'country'],
    ["Ім'я", 'firstName'],
    ['Прізвище', 'lastName'],
    ['Мобільний телефон', 'mobile'],
    ['Країна', 'country'],
    ['Мобилен телефон', 'mobile'],
    ['Имейл', 'email'],
    ['Όνομα', 'firstName'],
    ['Επώνυμο', 'lastName'],
    ['Κινητό τηλέφωνο', 'mobile'],
    ['Ηλεκτρονικό ταχυδρομείο', 'email'],
    ['Χώρα', 'country'],
    ['名', 'firstName'],
    ['姓', 'lastName'],
    ['氏名', 'name'],
    ['携帯電話', 'mobile'],
    ['電子メール アドレス', 'email'],
    ['国/地域 (自宅)', 'country'],
    ['移动电话', 'mobile'],
    ['手机号码', 'mobile'],
    ['电子邮件地址', 'email'],
    ['国家/地区(住宅)', 'country'],
    ['姓名', 'name'],
    ['行動電話', 'mobile'],
    ['電子郵件地址', 'email'],
    ['이름', 'firstName'],
    ['성', 'lastName'],
    ['휴대폰', 'mobile'],
    ['휴대폰 번호', 'mobile'],
    ['전자 메일 주소', 'email'],
    ['국가', 'country'],
    // Thunderbird and Outlook in Russian, Slovak, Traditional Chinese (Hong Kong), Croatian, Nordic
    ['Номер сотового телефона', 'mobile'],
    ['Адрес электронной почты', 'email'],
    ['Krstné meno', 'firstName'],
    ['Krajina/oblasť', 'country'],
    ['手機號碼', 'mobile'],
    ['手提電話', 'mobile'],
    ['國家/地區', 'country'],
    ['Mobitel', 'mobile'],
    ['Navn', 'name'],
    ['Namn', 'name'],
    ['Nimi', 'name'],
    ['Név', 'name'],
    ['メールアドレス', 'email'],
    // Not a contact field, whatever the script
    ['Отчество', undefined],
    ['Город', undefined],
    ['Miasto', undefined],
    ['市区町村', undefined],
    ['Postcode', undefined],
    ['Post Code', undefined],
    ['Ad', undefined],
  ])('%j → %s', (header, field) => {
    expect(resolveHeader(header)).toBe(field);
  });

  test('a mobile column in another script ranks before a general phone one, as in English', () => {
    expect(phoneColumnsOf(['Телефон', 'Мобильный телефон', 'Рабочий телефон'], {})[0]).toBe(
      'Мобильный телефон',
    );
    expect(phoneColumnsOf(['電話', '携帯電話'], {})[0]).toBe('携帯電話');
  });
});

describe('localised Outlook and Thunderbird headers', () => {
  test.each([
    // German: Outlook
    ['Vorname', 'firstName'],
    ['Nachname', 'lastName'],
    ['E-Mail-Adresse', 'email'],
    ['E-Mail 2: Adresse', 'email'],
    ['Mobiltelefon', 'mobile'],
    ['Telefon geschäftlich', 'mobile'],
    ['Telefon privat', 'mobile'],
    ['Haupttelefon', 'mobile'],
    ['Autotelefon', 'mobile'],
    ['Land/Region privat', 'country'],
    ['Land/Region geschäftlich', 'country'],
    ['Weiteres/e Land/Region', 'country'],
    ['Land geschäftlich', 'country'],
    ['Kategorien', 'tags'],
    // German: Thunderbird, and spreadsheets
    ['Primäre E-Mail-Adresse', 'email'],
    ['Sekundäre E-Mail-Adresse', 'email'],
    ['Anzeigename', 'name'],
    ['Mobil-Tel.-Nr.', 'mobile'],
    ['Tel. dienstlich', 'mobile'],
    ['Tel. privat', 'mobile'],
    ['Privat: Land', 'country'],
    ['Dienstlich: Land', 'country'],
    ['Handy', 'mobile'],
    ['Handynummer', 'mobile'],
    ['Mobilnummer', 'mobile'],
    ['Telefon', 'mobile'],
    ['Telefonnummer', 'mobile'],
    ['E-Mail', 'email'],
    ['Land', 'country'],
    // Dutch
    ['Voornaam', 'firstName'],
    ['Achternaam', 'lastName'],
    ['E-mailadres', 'email'],
    ['E-mailadres 2', 'email'],
    ['Mobiele telefoon', 'mobile'],
    ['Telefoon op werk', 'mobile'],
    ['Telefoon thuis', 'mobile'],
    ['Hoofdtelefoon', 'mobile'],
    ['Land/regio (thuis)', 'country'],
    ['GSM', 'mobile'],
    ['Mobiel', 'mobile'],
    // French
    ['Prénom', 'firstName'],
    ['Nom', 'lastName'],
    ['Nom à afficher', 'name'],
    ['Adresse de messagerie', 'email'],
    ['Adresse électronique principale', 'email'],
    ['Adresse électronique secondaire', 'email'],
    ['Adresse e-mail', 'email'],
    ['Portable', 'mobile'],
    ['Tél. mobile', 'mobile'],
    ['Téléphone mobile', 'mobile'],
    ['Tél. professionnel', 'mobile'],
    ['Téléphone (bureau)', 'mobile'],
    ['Téléphone (domicile)', 'mobile'],
    ['Téléphone', 'mobile'],
    ['Pays/Région (domicile)', 'country'],
    ['Pays', 'country'],
    // Italian
    ['Nome', 'firstName'],
    ['Cognome', 'lastName'],
    ['Nome visualizzato', 'name'],
    ['Email principale', 'email'],
    ['Email secondaria', 'email'],
    ['Indirizzo E-mail', 'email'],
    ['Numero cellulare', 'mobile'],
    ['Cellulare', 'mobile'],
    ['Telefono Mobile', 'mobile'],
    ['Telefono lavoro', 'mobile'],
    ['Telefono di casa', 'mobile'],
    ['Nazione di residenza', 'country'],
    ['Nazione/Regione di casa', 'country'],
    ['Paese', 'country'],
    // Spanish
    ['Nombre', 'firstName'],
    ['Apellidos', 'lastName'],
    ['Nombre en pantalla', 'name'],
    ['Dirección de correo electrónico principal', 'email'],
    ['Correo electrónico', 'email'],
    ['Teléfono móvil', 'mobile'],
    ['Móvil', 'mobile'],
    ['Teléfono (Trabajo)', 'mobile'],
    ['Teléfono del trabajo', 'mobile'],
    ['Teléfono principal', 'mobile'],
    ['País de residencia', 'country'],
    ['País (Trabajo)', 'country'],
    ['País o región del domicilio', 'country'],
    // Portuguese (Brazil; Portugal's Telemóvel)
    ['Primeiro nome', 'firstName'],
    ['Último nome', 'lastName'],
    ['Endereço de E-mail', 'email'],
    ['E-mail primário', 'email'],
    ['Celular', 'mobile'],
    ['Telemóvel', 'mobile'],
    ['Fone comercial', 'mobile'],
    ['Fone de casa', 'mobile'],
    ['Região/País de casa', 'country'],
    // Not the person's field: state, another person, about the address rather than an address
    ['Bundesland/Kanton privat', undefined],
    ['Region geschäftlich', undefined],
    ['Weitere Vornamen', undefined],
    ['Name Assistent', undefined],
    ['Firma', undefined],
    ['Privat', undefined],
    ['Rückmeldung', undefined],
    ['E-Mail-Typ', undefined],
    ['E-Mail: Angezeigter Name', undefined],
    ['E-mailtype', undefined],
    ['Weergavenaam voor e-mail', undefined],
    ['E-mail, weergegeven naam 2', undefined],
    ['Middelste naam', undefined],
    ['Segundo nombre', undefined],
    ['Nome do meio', undefined],
    ['Hausnummer', undefined],
  ])('%j → %s', (header, field) => {
    expect(resolveHeader(header)).toBe(field);
  });

  test.each([
    'Fax geschäftlich',
    'Fax privat',
    'Weiteres Fax',
    'Fax-Nummer',
    'Telefax',
    'Pager-Nummer',
    'Telefon für Hörbehinderte',
    'Fax op werk',
    'Teksttelefoon',
    'Télécopie (bureau)',
    'Récepteur de radiomessagerie',
    'Numero fax',
    'Numero cercapersone',
    'Buscapersonas',
    'Número de Fax',
    'Número do Pager',
  ])('%j is a fax, pager or TTY: never a phone', (header) => {
    expect(classifyHeader(header)).toEqual({ kind: 'never-phone' });
  });

  test.each([
    [
      'Outlook, German (every phone and fax of the export, in its column order)',
      [
        'Telefon Assistent',
        'Fax geschäftlich',
        'Telefon geschäftlich',
        'Telefon geschäftlich 2',
        'Rückmeldung',
        'Autotelefon',
        'Telefon Firma',
        'Fax privat',
        'Telefon privat',
        'Telefon privat 2',
        'ISDN',
        'Mobiltelefon',
        'Weiteres Fax',
        'Weiteres Telefon',
        'Pager',
        'Haupttelefon',
        'Mobiltelefon 2',
        'Telefon für Hörbehinderte',
        'Telex',
      ],
      [
        'Mobiltelefon',
        'Mobiltelefon 2',
        'Haupttelefon',
        'Telefon privat',
        'Telefon privat 2',
        'Telefon geschäftlich',
        'Telefon geschäftlich 2',
        'Autotelefon',
        'Weiteres Telefon',
      ],
    ],
    [
      'Outlook, Dutch',
      [
        'Telefoon assistent',
        'Fax op werk',
        'Telefoon op werk',
        'Autotelefoon',
        'Hoofdtelefoon bedrijf',
        'Telefoon thuis',
        'Mobiele telefoon',
        'Andere telefoon',
        'Pager',
        'Hoofdtelefoon',
        'Teksttelefoon',
      ],
      [
        'Mobiele telefoon',
        'Hoofdtelefoon',
        'Telefoon thuis',
        'Telefoon op werk',
        'Autotelefoon',
        'Andere telefoon',
      ],
    ],
    [
      'Thunderbird, German',
      ['Tel. dienstlich', 'Tel. privat', 'Fax-Nummer', 'Pager-Nummer', 'Mobil-Tel.-Nr.'],
      ['Mobil-Tel.-Nr.', 'Tel. privat', 'Tel. dienstlich'],
    ],
    [
      'Thunderbird, French',
      ['Tél. professionnel', 'Fax', 'Pager', 'Portable'],
      ['Portable', 'Tél. professionnel'],
    ],
    [
      'Thunderbird, Italian',
      ['Telefono lavoro', 'Telefono di casa', 'Numero fax', 'Numero Pager', 'Numero cellulare'],
      ['Numero cellulare', 'Telefono di casa', 'Telefono lavoro'],
    ],
    [
      'Thunderbird, Spanish',
      ['Teléfono (Trabajo)', 'Fax', 'Buscapersonas', 'Teléfono móvil'],
      ['Teléfono móvil', 'Teléfono (Trabajo)'],
    ],
    [
      'Outlook, French',
      [
        'Téléphone (bureau)',
        'Télécopie (bureau)',
        'Téléphone (domicile)',
        'Tél. mobile',
        'Téléphone principal',
      ],
      ['Tél. mobile', 'Téléphone principal', 'Téléphone (domicile)', 'Téléphone (bureau)'],
    ],
    [
      'Outlook, Brazilian Portuguese',
      ['Fone comercial', 'Fone de casa', 'Celular', 'Fax comercial', 'Fone Primario'],
      ['Celular', 'Fone Primario', 'Fone de casa', 'Fone comercial'],
    ],
    [
      'a German spreadsheet',
      ['Vorname', 'Nachname', 'Telefonnummer', 'Handynummer', 'E-Mail', 'Land'],
      ['Handynummer', 'Telefonnummer'],
    ],
  ])('%s', (_tool, headers, order) => {
    expect(phoneColumnsOf(headers, {})).toEqual(order);
  });

  test('a country column, a landline and a mobile rank as their English twins do', () => {
    const twins: Array<[string, string]> = [
      ['Mobiltelefon', 'Mobile Phone'],
      ['Handy', 'Mobile'],
      ['Mobiele telefoon', 'Mobile Phone'],
      ['Telefonnummer', 'Phone Number'],
      ['Haupttelefon', 'Primary Phone'],
      ['Telefon privat', 'Home Phone'],
      ['Telefoon thuis 2', 'Home Phone 2'],
      ['Telefon geschäftlich', 'Business Phone'],
      ['Telefoon op werk 2', 'Business Phone 2'],
      ['Weiteres Telefon', 'Other Phone'],
      ['Autotelefon', 'Car Phone'],
      ['Festnetz', 'Landline'],
      ['Land/Region privat', 'Home Country/Region'],
      ['Land/Region geschäftlich', 'Business Country/Region'],
      ['Pays', 'Country'],
    ];
    for (const [localised, english] of twins) {
      expect(classifyHeader(english)).toBeDefined();
      expect(classifyHeader(localised), `${localised} as ${english}`).toEqual(classifyHeader(english));
    }
  });
});

/**
 * Salesforce Data Loader writes extraction headers in upper case (up to v60, and with
 * sfdc.extraction.allCapsHeaders=true since v63) or lower case (v62): camelCase no longer shows
 * the words, and each header must still mean what its API name means.
 */
describe('Salesforce Data Loader headers in one case', () => {
  test.each([
    ['MobilePhone', { kind: 'field', field: 'mobile', rank: 0 }],
    ['Phone', { kind: 'field', field: 'mobile', rank: 1000 }],
    ['HomePhone', { kind: 'field', field: 'mobile', rank: 2000 }],
    ['OtherPhone', { kind: 'field', field: 'mobile', rank: 2200 }],
    ['AssistantPhone', undefined],
    ['Fax', { kind: 'never-phone' }],
    ['FirstName', { kind: 'field', field: 'firstName', rank: 0 }],
    ['LastName', { kind: 'field', field: 'lastName', rank: 0 }],
    ['Email', { kind: 'field', field: 'email', rank: 0 }],
    ['MailingCountry', { kind: 'field', field: 'country', rank: 10 }],
    ['MailingCountryCode', { kind: 'field', field: 'country', rank: 10 }],
    ['OtherCountry', { kind: 'field', field: 'country', rank: 45 }],
    ['PersonMobilePhone', { kind: 'field', field: 'mobile', rank: -1 }],
    ['et4ae5__HasOptedOutOfMobile__c', { kind: 'consent', consent: 'opt-out-flag' }],
    ['HasOptedOutOfEmail', undefined],
    ['HasOptedOutOfFax', { kind: 'never-phone' }],
    ['DoNotCall', undefined],
    ['AccountId', undefined],
    ['AssistantName', undefined],
    ['MailingCity', undefined],
  ])('%s, %s in upper and in lower case: %j', (api, role) => {
    expect(classifyHeader(api)).toEqual(role);
    expect(classifyHeader(api.toUpperCase())).toEqual(role);
    expect(classifyHeader(api.toLowerCase())).toEqual(role);
  });

  test('the phone order of an upper-case export is the API-named one', () => {
    const api = ['Phone', 'Fax', 'MobilePhone', 'HomePhone', 'OtherPhone', 'AssistantPhone'];
    const upper = api.map((header) => header.toUpperCase());
    expect(phoneColumnsOf(upper, {})).toEqual(['MOBILEPHONE', 'PHONE', 'HOMEPHONE', 'OTHERPHONE']);
  });

  test.each([
    ['MOBILEPHONE', ['mobile', 'phone']],
    ['mailingcountrycode', ['mailing', 'country', 'code']],
    ['ET4AE5__HASOPTEDOUTOFMOBILE__C', ['et', '4', 'ae', '5', 'has', 'optedout', 'of', 'mobile']],
    ['Mobiltelefon', ['mobil', 'telefon']],
    ['E-mailadres', ['email', 'adres']],
    // A word with a part the rules do not know stays whole: a state is no country.
    ['Bundesland', ['bundesland']],
    ['Hausnummer', ['hausnummer']],
    // `no` is not split off: a NOSMS flag is no phone column.
    ['NOSMS', ['nosms']],
  ])('words of %j: %j', (header, words) => {
    expect(headerWords(header)).toEqual(words);
  });
});

describe('phone labels and messenger columns', () => {
  test.each([
    'iPhone',
    'Mobile',
    '* Mobile',
    'Cell',
    'Handy',
    'Portable',
    'Celular',
    'Mobiel',
    'Work Mobile',
  ])('a Google Contacts label %j ranks as a mobile, before Main, Work and Home', (label) => {
    const rank = rankPhoneLabel(label, 2) ?? Infinity;
    expect(rank).toBeLessThan(PHONE_TIER.general);
    for (const other of ['Main', 'Work', 'Home', 'Other', 'Google Voice'])
      expect(rank).toBeLessThan(rankPhoneLabel(other, 1) ?? -Infinity);
  });

  test.each(['Fax', 'Work Fax', 'Pager', 'Telefax'])('a label %j is never used', (label) => {
    expect(rankPhoneLabel(label, 1)).toBeUndefined();
  });

  test('WhatsApp is mobile-like: after the mobile, before a general phone (HubSpot all properties)', () => {
    expect(phoneColumnsOf(['Phone Number', 'WhatsApp Phone Number', 'Mobile Phone Number'], {})).toEqual([
      'Mobile Phone Number',
      'WhatsApp Phone Number',
      'Phone Number',
    ]);
    expect(classifyHeader('WhatsApp Phone Number')).toEqual(classifyHeader('WhatsApp'));
    expect(classifyHeader('WhatsApp')).toEqual({
      kind: 'field',
      field: 'mobile',
      rank: PHONE_TIER.mobile + 100,
    });
  });
});

describe('the rank of a column the stop suggests', () => {
  test.each([
    ['Mobiltelefon', 'Number'],
    ['Number', 'Home Number'],
    ['Nummer', 'Zuhause'],
    ['Home Number', 'Work Number'],
    ['Zuhause', 'Büro'],
    ['Work Number', 'Assistant Number'],
  ])('%j before %j', (better, worse) => {
    expect(rankPhoneCandidate(better) ?? Infinity).toBeLessThan(rankPhoneCandidate(worse) ?? -Infinity);
  });

  test.each(['Fax', 'Pager-Nummer', 'SMS_BLACKLISTED'])('%j is never suggested', (header) => {
    expect(rankPhoneCandidate(header)).toBeUndefined();
  });
});

describe('localised layout recognition', () => {
  test.each([
    [
      ['Vorname', 'Nachname', 'E-Mail-Adresse', 'Telefon geschäftlich', 'Mobiltelefon', 'Land/Region privat'],
      'Outlook for Windows (German)',
    ],
    [
      ['Voornaam', 'Achternaam', 'Telefoon op werk', 'Mobiele telefoon', 'Land/regio (thuis)', 'E-mailadres'],
      'Outlook for Windows (Dutch)',
    ],
    [['Prénom', 'Nom', 'Adresse de messagerie', 'Tél. mobile'], 'Outlook for Windows (French)'],
    [['Vorname', 'Anzeigename', 'Primäre E-Mail-Adresse', 'Mobil-Tel.-Nr.'], 'Thunderbird (German)'],
    [['Prénom', 'Nom à afficher', 'Adresse électronique principale', 'Portable'], 'Thunderbird (French)'],
    [['Nome', 'Nome visualizzato', 'Email principale', 'Numero cellulare'], 'Thunderbird (Italian)'],
    [
      ['Nombre', 'Nombre en pantalla', 'Dirección de correo electrónico principal', 'Teléfono móvil'],
      'Thunderbird (Spanish)',
    ],
    [['ID', 'FIRSTNAME', 'LASTNAME', 'MOBILEPHONE', 'MAILINGCOUNTRY', 'EMAIL'], 'Salesforce (API names)'],
  ])('%j → %s', (headers, layout) => {
    expect(recogniseLayout(headers)).toBe(layout);
  });
});
