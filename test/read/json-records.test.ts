import { describe, expect, test } from 'vitest';

import { flattenRecord, isLabelledValue, MAX_LIFT_DEPTH } from '../../src/read/json-records.js';

describe('records of our own shape are read as before', () => {
  test.each<[string, Record<string, unknown>]>([
    ['flat scalars', { mobile: '+447911123456', firstName: 'Ann', age: 42, optIn: true, note: null }],
    ['mobile as {number, country}', { mobile: { number: '07911 123456', country: 'GB' }, plan: 'pro' }],
    ['phone as {number}', { phone: { number: 7911123456 } }],
    ['tags as strings and {tag} objects', { mobile: '+1', tags: ['vip', { tag: 'new' }] }],
    ['tags as {tag} objects', { mobile: '+1', tags: [{ tag: 'customer' }, { tag: 'vip' }] }],
    ['tags as strings', { mobile: '+1', tags: ['lead', 'newsletter'] }],
    [
      'an attributes object, nested values and all',
      { mobile: '+1', attributes: { plan: 'pro', meta: { since: 2021 }, list: [1, 2] } },
    ],
    [
      'type, id and attributes beside our own fields (not a JSON:API resource)',
      { type: 'customer', id: 7, mobile: '+1', attributes: { plan: 'pro' } },
    ],
    [
      'an attributes object with known keys beside our own mobile',
      { mobile: '+1', attributes: { phone: '+2', country: 'US', FIRSTNAME: 'Bo' } },
    ],
    [
      'an attributes object of unknown keys beside no phone',
      { firstName: 'Bo', attributes: { plan: 'gold' } },
    ],
    [
      'id and properties beside our own fields (not a HubSpot object)',
      { id: 7, mobile: '+1', properties: 'x' },
    ],
    ['an array of mixed values', { mobile: '+1', notes: ['a', 1, true] }],
  ])('%s', (_, record) => {
    const read = flattenRecord(structuredClone(record));
    expect(read).toEqual(record);
    expect(Object.keys(read)).toEqual(Object.keys(record));
  });

  test('a record without objects or arrays is handed on as the same object', () => {
    const record = { mobile: '+1', name: 'Ann' };
    expect(flattenRecord(record)).toBe(record);
  });

  test('the record given is never changed', () => {
    const record = { type: 'profile', id: '1', attributes: { location: { country: 'GB' } } };
    const copy = structuredClone(record);
    flattenRecord(record);
    expect(record).toEqual(copy);
  });

  test('a "__proto__" key stays data, not the prototype', () => {
    const record = JSON.parse(
      '{"__proto__": {"mobile": "+1"}, "b": [], "c": {"__proto__": {"x": 1}}}',
    ) as Record<string, unknown>;
    const read = flattenRecord(record);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(read['mobile']).toBeUndefined();
    expect(Object.keys(read)).toEqual(['__proto__', 'b', 'c.__proto__.x']);
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual({ mobile: '+1' });
  });
});

describe('wrapped records', () => {
  test('a JSON:API resource (Klaviyo Get Profiles) is its id and its attributes', () => {
    const profile = {
      type: 'profile',
      id: '01GDDKASAP8TKDDA2GRZDSVP4H',
      attributes: { email: 'sarah@example.com', phone_number: '+15005550006', first_name: 'Sarah' },
      relationships: {
        lists: { links: { self: 'https://a.klaviyo.com/x', related: 'https://a.klaviyo.com/y' } },
      },
      links: { self: 'https://a.klaviyo.com/api/profiles/01GDDKASAP8TKDDA2GRZDSVP4H/' },
    };
    expect(flattenRecord(profile)).toEqual({
      id: '01GDDKASAP8TKDDA2GRZDSVP4H',
      email: 'sarah@example.com',
      phone_number: '+15005550006',
      first_name: 'Sarah',
    });
  });

  test('a HubSpot CRM object is its id, its properties and its dates; associations are left out', () => {
    const contact = {
      id: '512',
      properties: { firstname: 'Jane', mobilephone: '07911 123456', phone: null, hs_object_id: '512' },
      createdAt: '2024-01-10T08:30:15.234Z',
      updatedAt: '2024-01-15T14:22:10.456Z',
      archived: false,
      associations: { companies: { results: [{ id: '9', type: 'contact_to_company' }] } },
    };
    const read = flattenRecord(contact);
    expect(read).toEqual({
      id: '512',
      firstname: 'Jane',
      mobilephone: '07911 123456',
      phone: null,
      hs_object_id: '512',
      createdAt: '2024-01-10T08:30:15.234Z',
      updatedAt: '2024-01-15T14:22:10.456Z',
      archived: false,
    });
  });

  test('a wrapped field named like the id is kept under the wrapper', () => {
    expect(flattenRecord({ type: 'profile', id: '1', attributes: { id: 'inner', email: 'a@b.c' } })).toEqual({
      id: '1',
      'attributes.id': 'inner',
      email: 'a@b.c',
    });
  });
});

describe('nested objects', () => {
  test("become keys of their path; a location's country is the record's", () => {
    expect(
      flattenRecord({
        phone_number: '+447911123456',
        location: { city: 'London', country: 'United Kingdom', region: null, latitude: 51.5 },
        properties: { 'Signup Source': 'popup' },
      }),
    ).toEqual({
      phone_number: '+447911123456',
      'location.city': 'London',
      country: 'United Kingdom',
      'location.region': null,
      'location.latitude': 51.5,
      'properties.Signup Source': 'popup',
    });
  });

  test("the record's own country wins; an empty one is not lifted; other objects keep their path", () => {
    expect(flattenRecord({ country: 'DE', location: { country: 'United Kingdom' } })).toEqual({
      country: 'DE',
      'location.country': 'United Kingdom',
    });
    expect(flattenRecord({ location: { country: null, country_code: 'GB' } })).toEqual({
      'location.country': null,
      country_code: 'GB',
    });
    // The mapping reads `default_address.country` as the contact's country, `company.country` not.
    expect(
      flattenRecord({
        company: { country: 'DE' },
        default_address: { country: 'Canada', country_code: 'CA' },
      }),
    ).toEqual({
      'company.country': 'DE',
      'default_address.country': 'Canada',
      'default_address.country_code': 'CA',
    });
  });

  test(`${MAX_LIFT_DEPTH} levels of objects become keys; a deeper one stays one value`, () => {
    const deep = { f: { g: 1 } };
    expect(flattenRecord({ a: { b: { c: { d: { e: deep } } } } })).toEqual({ 'a.b.c.d.e': deep });
  });

  test('an empty object leaves no key', () => {
    expect(flattenRecord({ mobile: '+1', meta: {} })).toEqual({ mobile: '+1' });
  });
});

describe('consent records become their status, under the path of the status', () => {
  test('Klaviyo subscriptions: every channel and purpose; mobile push is written push', () => {
    const read = flattenRecord({
      phone_number: '+447911123456',
      subscriptions: {
        email: {
          marketing: { can_receive_email_marketing: true, consent: 'SUBSCRIBED', double_optin: true },
        },
        sms: {
          marketing: {
            can_receive_sms_marketing: false,
            consent: 'UNSUBSCRIBED',
            consent_timestamp: '2023-02-21T20:07:38+00:00',
            method: 'TEXT',
            method_detail: 'JOIN',
          },
          transactional: { can_receive_sms_transactional: true, consent: 'SUBSCRIBED' },
        },
        mobile_push: { marketing: { can_receive_push_marketing: true, consent: 'SUBSCRIBED' } },
        whatsapp: { marketing: { consent: 'NEVER_SUBSCRIBED', phone_number: '+447911123456' } },
      },
    });
    expect(read).toEqual({
      phone_number: '+447911123456',
      'subscriptions.email.marketing.consent': 'SUBSCRIBED',
      'subscriptions.sms.marketing.consent': 'UNSUBSCRIBED',
      'subscriptions.sms.transactional.consent': 'SUBSCRIBED',
      'subscriptions.push.marketing.consent': 'SUBSCRIBED',
      'subscriptions.whatsapp.marketing.consent': 'NEVER_SUBSCRIBED',
    });
  });

  test('Shopify sms_marketing_consent is its state (its opt_in_level is no consent of its own)', () => {
    expect(
      flattenRecord({
        phone: '+16135551111',
        sms_marketing_consent: {
          state: 'not_subscribed',
          opt_in_level: 'single_opt_in',
          consent_updated_at: null,
          consent_collected_from: 'OTHER',
        },
        email_marketing_consent: { state: 'subscribed', opt_in_level: 'confirmed_opt_in' },
      }),
    ).toEqual({
      phone: '+16135551111',
      'sms_marketing_consent.state': 'not_subscribed',
      'email_marketing_consent.state': 'subscribed',
    });
  });

  test('a state in an address is no consent', () => {
    expect(flattenRecord({ address: { city: 'Austin', state: 'TX' } })).toEqual({
      'address.city': 'Austin',
      'address.state': 'TX',
    });
  });
});

describe('arrays of phones and e-mails', () => {
  test('Pipedrive phone/email arrays: phone keys by label, e-mails joined primary first', () => {
    const read = flattenRecord({
      name: 'Pip',
      phone: [
        { label: 'work', value: '+44 20 7946 0020', primary: true },
        { label: 'mobile', value: '+44 7911 123500', primary: false },
      ],
      email: [
        { label: 'home', value: 'pip@example.net', primary: false },
        { label: 'work', value: 'pip@example.com', primary: 'true' },
      ],
      org_id: null,
    });
    expect(read).toEqual({
      name: 'Pip',
      'Mobile Phone': '+44 7911 123500',
      Phone: '',
      'Home Phone': '',
      'Business Phone': '+44 20 7946 0020',
      'Other Phone': '',
      'E-mail Address': 'pip@example.com',
      'E-mail 2 Address': 'pip@example.net',
      org_id: null,
    });
  });

  test.each<[string, string, string]>([
    ['mobile', 'Mobile Phone', '07911 123456'],
    ['Cell', 'Mobile Phone', '07911 123456'],
    ['WhatsApp', 'Mobile Phone', '07911 123456'],
    ['work mobile', 'Mobile Phone', '07911 123456'],
    ['home', 'Home Phone', '020 7946 0000'],
    ['Work', 'Business Phone', '020 7946 0000'],
    ['office', 'Business Phone', '020 7946 0000'],
    ['primary', 'Phone', '020 7946 0000'],
    ['main', 'Phone', '020 7946 0000'],
    ['', 'Phone', '020 7946 0000'],
    ['other', 'Other Phone', '020 7946 0000'],
    ['assistant', 'Other Phone', '020 7946 0000'],
    ['fax', 'Other Fax', '020 7946 0000'],
    ['work fax', 'Business Fax', '020 7946 0000'],
    ['pager', 'Pager', '020 7946 0000'],
  ])('label %j → %s', (label, key, number) => {
    const read = flattenRecord({
      phones: [
        { type: label, number },
        { label: 'x-unused', value: '' },
      ],
    });
    expect(read[key]).toBe(number);
  });

  test('several numbers of one kind are joined, the primary first', () => {
    const read = flattenRecord({
      phone: [
        { label: 'mobile', value: '07911 123503', primary: false },
        { label: 'mobile', value: '07911 123504', primary: true },
      ],
    });
    expect(read['Mobile Phone']).toBe('07911 123504 ::: 07911 123503');
  });

  test('a unified API phone_numbers [{id, number, type}] and a rollout phones [{value, type, isPrimary}]', () => {
    expect(
      flattenRecord({ phone_numbers: [{ id: '1', number: '+1-646-555-0101', type: 'primary' }] })['Phone'],
    ).toBe('+1-646-555-0101');
    expect(
      flattenRecord({
        phones: [
          { value: '+1 646 555 0101', type: 'work', status: 'valid', isPrimary: true },
          { value: '+1 646 555 0102', type: 'mobile', status: 'valid', isPrimary: false },
        ],
      }),
    ).toMatchObject({ 'Mobile Phone': '+1 646 555 0102', 'Business Phone': '+1 646 555 0101' });
  });

  test("numbers without labels take the array's key as their label", () => {
    const voice = {
      'Mobile Phone': '',
      Phone: '',
      'Home Phone': '',
      'Business Phone': '',
      'Other Phone': '',
    };
    expect(flattenRecord({ phone_numbers: ['+44 7911 123513', '+44 20 7946 0030'] })).toEqual({
      ...voice,
      Phone: '+44 7911 123513 ::: +44 20 7946 0030',
    });
    expect(flattenRecord({ mobileNumbers: [447911123456, null] })).toEqual({
      ...voice,
      'Mobile Phone': '447911123456',
    });
    expect(flattenRecord({ phone: [{ value: '+44 7911 123513', primary: true }] })).toEqual({
      ...voice,
      Phone: '+44 7911 123513',
    });
    expect(flattenRecord({ work_phones: ['020 7946 0030'] })['Business Phone']).toBe('020 7946 0030');
    expect(flattenRecord({ phoneNumbers: ['020 7946 0030'] })['Phone']).toBe('020 7946 0030');
  });

  test('e-mail addresses become the e-mail keys, never a core field name', () => {
    expect(flattenRecord({ emails: ['a@example.com', 'b@example.com'], email: 'c@example.com' })).toEqual({
      'E-mail Address': 'a@example.com',
      'E-mail 2 Address': 'b@example.com',
      email: 'c@example.com',
    });
    expect(
      flattenRecord({
        emails: [{ id: '1', email: 'contact@example.com', type: 'primary' }],
        mobile: ['+44 7911 123513', '+44 7911 123514'],
      }),
    ).toMatchObject({
      'E-mail Address': 'contact@example.com',
      'Mobile Phone': '+44 7911 123513 ::: +44 7911 123514',
    });
  });

  test("empty arrays and Pipedrive's no-phone entry are empty values", () => {
    expect(flattenRecord({ phone: [{ value: '', primary: true }], email: [], label_ids: [] })).toEqual({
      phone: '',
      email: '',
      label_ids: '',
    });
  });

  test('two phone arrays make one set of phone keys, where the first stood', () => {
    expect(
      Object.keys(
        flattenRecord({
          a: 1,
          phone: [{ label: 'work', value: '020 7946 0000' }],
          b: 2,
          phones: [{ type: 'mobile', number: '07911 123456' }],
        }),
      ),
    ).toEqual(['a', 'Mobile Phone', 'Phone', 'Home Phone', 'Business Phone', 'Other Phone', 'b']);
  });

  test('a record key already named like a phone key keeps its value; the array numbers take a suffix', () => {
    expect(
      flattenRecord({ 'Mobile Phone': '07911 000000', phone: [{ label: 'mobile', value: '07911 123456' }] }),
    ).toMatchObject({ 'Mobile Phone': '07911 000000', 'Mobile Phone_2': '07911 123456' });
  });

  test('arrays of other things are left as they are', () => {
    const record = {
      im: [{ label: 'skype', value: 'pip.skype' }],
      addresses: [{ city: 'Ottawa', phone: '613-555-2222' }],
      years: ['2021', '2022'],
      tags: ['10023', '10024'],
      order_ids: [450789469, 450789470],
      order_numbers: ['100234', '100235'],
    };
    expect(flattenRecord(structuredClone(record))).toEqual(record);
  });

  test.each<[unknown, boolean]>([
    [{ label: 'work', value: '+44 20 7946 0020', primary: true }, true],
    [{ value: '' }, true],
    [{ id: '1', number: '+1', type: 'primary' }, true],
    [{ email: 'a@b.c', type: 'work' }, true],
    [{ tag: 'vip' }, false],
    [{ value: { nested: 1 } }, false],
    [{ label: 'work', value: '1', name: 'Pip' }, false],
    ['+44', false],
    // Google People API: metadata, formatted forms of the value and label beside them.
    [
      {
        metadata: { primary: true, source: { type: 'CONTACT', id: '1' } },
        value: '0810 000 0104',
        canonicalForm: '+2348100000104',
        type: 'mobile',
        formattedType: 'Mobile',
      },
      true,
    ],
    [{ metadata: null, value: 'a@b.c', displayName: 'Ann' }, true],
    // Tolerated keys with other values, or another bookkeeping name: no entry.
    [{ value: '1', metadata: 'x' }, false],
    [{ value: '1', canonicalForm: { e164: '+1' } }, false],
    [{ value: '1', displayName: ['Ann'] }, false],
    [{ value: '1', source: { type: 'CONTACT' } }, false],
    [{ metadata: {}, canonicalForm: '+2348100000104' }, false],
  ])('isLabelledValue(%j) is %s', (value, expected) => {
    expect(isLabelledValue(value)).toBe(expected);
  });

  test("Google's entries: canonicalForm over the value as typed, primary from metadata, label from type", () => {
    const metadata = (primary: boolean) => ({ ...(primary ? { primary } : {}), source: { type: 'CONTACT' } });
    expect(
      flattenRecord({
        phoneNumbers: [
          {
            metadata: metadata(false),
            value: '0810 000 0104',
            canonicalForm: '+2348100000104',
            type: 'mobile',
          },
          { metadata: metadata(true), value: '08100000106', type: 'mobile', formattedType: 'Mobile' },
          { metadata: metadata(false), value: '0810 000 0107', formattedType: 'Work' },
        ],
      }),
    ).toEqual({
      'Mobile Phone': '08100000106 ::: +2348100000104',
      Phone: '',
      'Home Phone': '',
      'Business Phone': '0810 000 0107',
      'Other Phone': '',
    });
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'given and family names are read, the display name kept beside them',
      {
        names: [{ metadata: { primary: true }, displayName: 'Ada Eze', givenName: 'Ada', familyName: 'Eze' }],
      },
      { givenName: 'Ada', familyName: 'Eze', 'names.displayName': 'Ada Eze' },
    ],
    [
      'a display name alone is the full name',
      { names: [{ displayName: 'Ada Eze', unstructuredName: 'Ada Eze' }] },
      { displayName: 'Ada Eze', 'names.unstructuredName': 'Ada Eze' },
    ],
    [
      'the primary entry wins over the first',
      { names: [{ givenName: 'Old' }, { givenName: 'Ada', metadata: { primary: true } }] },
      { givenName: 'Ada' },
    ],
  ])('names[]: %s', (_, record, expected) => {
    expect(flattenRecord(record)).toEqual(expected);
  });

  test('other arrays of name-like objects are left as they are', () => {
    const record = {
      children: [{ givenName: 'Kid' }],
      names: [{ givenName: 'Ada', address: { city: 'Lagos' } }],
    };
    expect(flattenRecord(structuredClone(record))).toEqual(record);
  });
});

describe('contact fields in an attributes object of their own (Brevo)', () => {
  test("the object's keys take its place, a taken name as attributes.<name>", () => {
    const contact = {
      id: 42,
      email: 'peggy.rain@example.com',
      smsBlacklisted: false,
      attributes: { FIRSTNAME: 'Peggy', email: 'other@example.com', SMS: '34600100101', DOB: '1986-04-13' },
      listIds: [40],
    };
    const read = flattenRecord(contact);
    expect(read).toEqual({
      id: 42,
      email: 'peggy.rain@example.com',
      smsBlacklisted: false,
      FIRSTNAME: 'Peggy',
      'attributes.email': 'other@example.com',
      SMS: '34600100101',
      DOB: '1986-04-13',
      listIds: [40],
    });
  });

  test('a Salesforce record (its phone beside attributes {type, url}) keeps the object whole', () => {
    const record = { attributes: { type: 'Contact', url: '/services/x' }, Phone: '+1', Name: 'Ann' };
    expect(flattenRecord(structuredClone(record))).toEqual(record);
  });
});
