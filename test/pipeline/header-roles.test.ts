/**
 * Header understanding (src/pipeline/header-roles.ts, map-fields' plan): what real exports'
 * columns stand for, and in what order phone columns are tried.
 */
import { describe, expect, test } from 'vitest';
import { recogniseLayout } from '../../src/pipeline/export-layouts.js';
import { classifyHeader, readConsent } from '../../src/pipeline/header-roles.js';
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
      ['MobilePhone', 'Phone', 'HomePhone', 'OtherPhone', 'AssistantPhone'],
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
  ])('%s', (_tool, headers, order) => {
    expect(phoneColumnsOf(headers, {})).toEqual(order);
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
