import { fileURLToPath } from 'node:url';

import { describe, expect, test } from 'vitest';
import {
  describeMapping,
  emptyMappingStats,
  mapFields,
  parseFieldMapping,
  resolveHeader,
  splitFullName,
  splitTags,
  type KnownField,
  type MapOptions,
} from '../../src/pipeline/map-fields.js';
import { openSource } from '../../src/read/index.js';
import type { Draft, SourceRow } from '../../src/types.js';
import { from } from '../helpers.js';

async function mapAll(raws: Array<Record<string, unknown>>, options: MapOptions = {}): Promise<Draft[]> {
  const rows: SourceRow[] = raws.map((raw, index) => ({
    ref: { file: 'in.csv', line: index + 2, seq: index },
    raw,
  }));
  const out: Draft[] = [];
  for await (const draft of mapFields(from(rows), options)) out.push(draft);
  return out;
}

async function mapOne(raw: Record<string, unknown>, options: MapOptions = {}): Promise<Draft> {
  const [draft] = await mapAll([raw], options);
  if (!draft) throw new Error('no draft');
  return draft;
}

describe('resolveHeader', () => {
  const aliases: Array<[string, KnownField | undefined]> = [
    ['mobile', 'mobile'],
    ['Mobile', 'mobile'],
    ['phone', 'mobile'],
    ['Phone Number', 'mobile'],
    ['phone_number', 'mobile'],
    ['MOBILE-NUMBER', 'mobile'],
    ['Cell', 'mobile'],
    ['cellphone', 'mobile'],
    ['Cell Phone', 'mobile'],
    ['MSISDN', 'mobile'],
    ['Telephone', 'mobile'],
    ['tel', 'mobile'],
    ['First Name', 'firstName'],
    ['firstname', 'firstName'],
    ['first_name', 'firstName'],
    ['Given Name', 'firstName'],
    ['fname', 'firstName'],
    ['Last Name', 'lastName'],
    ['surname', 'lastName'],
    ['Family-Name', 'lastName'],
    ['lname', 'lastName'],
    ['Name', 'name'],
    ['Full Name', 'name'],
    ['full_name', 'name'],
    ['Email', 'email'],
    ['E-mail', 'email'],
    ['Email Address', 'email'],
    ['  email  ', 'email'],
    ['\uFEFFemail', 'email'],
    ['Country', 'country'],
    ['Country Code', 'country'],
    ['Tags', 'tags'],
    ['tag', 'tags'],
    ['LABELS', 'tags'],
    ['Company', undefined],
    ['mobile phone', 'mobile'],
    ['emails', undefined],
    ['', undefined],
  ];
  test.each(aliases)('%j → %s', (header, field) => {
    expect(resolveHeader(header)).toBe(field);
  });
});

describe('mapFields', () => {
  test('known fields by alias, every other column an attribute under its header', async () => {
    const raw = {
      'Phone Number': '07400 123456',
      'First Name': 'Ada',
      Surname: 'Lovelace',
      'E-mail': 'ADA@Example.com ',
      Country: 'GB',
      Labels: 'vip|newsletter',
      Company: 'Analytical Engines',
      Notes: '',
    };
    const draft = await mapOne(raw);
    expect(draft).toEqual({
      kind: 'draft',
      ref: { file: 'in.csv', line: 2, seq: 0 },
      raw,
      mobileInput: '07400 123456',
      country: 'GB',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ADA@Example.com ',
      tags: ['vip', 'newsletter'],
      attributes: { Company: 'Analytical Engines' },
      mobileColumn: 'Phone Number',
    });
    expect(draft.raw).toBe(raw);
  });

  test('an Outlook Exchange address (X.500, E-mail Type EX) is no e-mail: the next e-mail column is used', async () => {
    const exchange =
      '/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann';
    const draft = await mapOne({
      'Mobile Phone': '07400 123456',
      'E-mail Address': exchange,
      'E-mail Type': 'EX',
      'E-mail 2 Address': 'ann@example.com',
    });
    expect(draft.email).toBe('ann@example.com');
    expect(draft.attributes['E-mail Address']).toBe(exchange);
    const only = await mapOne({ 'Mobile Phone': '07400 123456', 'E-mail Address': exchange });
    expect(only.email).toBeUndefined();
  });

  test('absent mobile is an empty mobileInput', async () => {
    expect((await mapOne({ Name: 'Ada' })).mobileInput).toBe('');
    expect((await mapOne({ mobile: null })).mobileInput).toBe('');
  });

  test.each([
    ['Mary Ann Smith', 'Mary Ann', 'Smith'],
    ['Smith, John', 'John', 'Smith'],
    ['  Jean-Luc    Picard ', 'Jean-Luc', 'Picard'],
    ['Cher', 'Cher', undefined],
    ['Ludwig van Beethoven', 'Ludwig van', 'Beethoven'],
    ['Smith,', undefined, 'Smith'],
  ])('full name %j → first %j, last %j', async (name, firstName, lastName) => {
    expect(splitFullName(name)).toEqual({ firstName, lastName });
    const draft = await mapOne({ 'Full Name': name, mobile: '1' });
    expect([draft.firstName, draft.lastName]).toEqual([firstName, lastName]);
  });

  test('a phone cell that only says there is none (NULL, N/A, #N/A, -) is no number: the next phone column is used', async () => {
    // A CRM dump writes NULL (73 rows of a real HubSpot export), Excel keeps #N/A from a look-up.
    for (const none of ['NULL', 'null', '(null)', 'N/A', '#N/A', '-', 'none']) {
      const draft = await mapOne({ Mobile: none, Phone: '+1 415 555 2671' });
      expect(draft.mobileInput, none).toBe('+1 415 555 2671');
      expect((await mapOne({ Mobile: none, Phone: '' })).mobileInput, none).toBe('');
    }
    // A number is never taken for a placeholder.
    expect((await mapOne({ Mobile: '-1 415 555 2671', Phone: '' })).mobileInput).toBe('-1 415 555 2671');
  });

  test('a full name only fills the parts the record lacks', async () => {
    const draft = await mapOne({ name: 'John Smith', first_name: 'Johnny' });
    expect([draft.firstName, draft.lastName]).toEqual(['Johnny', 'Smith']);
    const both = await mapOne({ name: 'John Smith', first_name: 'Jo', last_name: 'Smythe' });
    expect([both.firstName, both.lastName]).toEqual(['Jo', 'Smythe']);
    expect(both.attributes).toEqual({});
  });

  test.each([
    ['vip|newsletter', ['vip', 'newsletter']],
    ['vip; newsletter', ['vip', 'newsletter']],
    ['vip, newsletter ,', ['vip', 'newsletter']],
    ['a|b;c,d', ['a', 'b', 'c', 'd']],
    ['vip|vip| VIP ', ['vip', 'VIP']],
    ['  solo  ', ['solo']],
    ['', []],
    [' | ; , ', []],
    // Google's and Android's system groups, as their CSV and vCard exports write them: never tags.
    ['* myContacts ::: * starred ::: Friends', ['Friends']],
    ['System Group: My Contacts', []],
    ['myContacts,starred,Customers', ['Customers']],
    ['My Contacts', []],
    // …but a user's own tag that only looks alike is kept.
    ['Starred, My contacts, myContactsVIP', ['Starred', 'My contacts', 'myContactsVIP']],
  ])('tags %j → %j', async (text, tags) => {
    expect(splitTags(text)).toEqual(tags);
    expect((await mapOne({ tags: text })).tags).toEqual(tags);
  });

  test('--mapping overrides aliases, renames attributes and drops columns', async () => {
    const mapping = {
      'Cell #': 'mobile',
      Notes: null,
      'Cust ID': 'customerId',
      Phone: 'landline',
      Nom: 'lastName',
    };
    const draft = await mapOne(
      {
        'Cell #': '07400 123456',
        Phone: '020 7946 0958',
        Notes: 'secret',
        'Cust ID': 'C-1',
        Nom: 'Curie',
        Other: 'x',
      },
      { mapping },
    );
    expect(draft.mobileInput).toBe('07400 123456');
    expect(draft.lastName).toBe('Curie');
    expect(draft.attributes).toEqual({ landline: '020 7946 0958', customerId: 'C-1', Other: 'x' });
  });

  test('--mapping headers match exactly first, then ignoring case, spaces, _ and -', async () => {
    const draft = await mapOne(
      { 'cell #': '07400 123456', CELL_NO: '2' },
      { mapping: { 'Cell #': 'mobile', 'cell no': '' } },
    );
    expect(draft.mobileInput).toBe('07400 123456');
    expect(draft.attributes).toEqual({});
  });

  test('--mapping targets name fields ignoring case, spaces, _ and -; other names are attributes', async () => {
    const draft = await mapOne(
      { Given: 'Ann', Family: 'Lee', Mail: 'ann@example.com', Cell: '07400 123456', Tier: 'gold' },
      {
        mapping: {
          Given: 'firstname',
          Family: 'last_name',
          Mail: 'E-Mail',
          Cell: 'MOBILE',
          Tier: 'loyalty tier',
        },
      },
    );
    expect(draft).toMatchObject({
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@example.com',
      mobileInput: '07400 123456',
      attributes: { 'loyalty tier': 'gold' },
    });
  });

  test('several columns for one field: the better alias wins, the other stays an attribute', async () => {
    const draft = await mapOne({ Phone: '020 7946 0958', Mobile: '07400 123456' });
    expect(draft.mobileInput).toBe('07400 123456');
    expect(draft.attributes).toEqual({ Phone: '020 7946 0958' });
    expect(describeMapping(['Phone', 'Mobile'], {})).toEqual([
      { header: 'Phone', field: 'mobile', order: 2 },
      { header: 'Mobile', field: 'mobile', order: 1 },
    ]);
    // a --mapping target beats any alias
    expect((await mapOne({ Mobile: '1', Other: '2' }, { mapping: { Other: 'mobile' } })).mobileInput).toBe(
      '2',
    );
  });

  test('records with different keys (JSON) are each mapped by their own keys', async () => {
    const drafts = await mapAll([
      { mobile: '1', email: 'a@x.io' },
      { phone: '2', Company: 'B' },
      { mobile: '3', email: 'c@x.io' },
      { email: 'd@x.io', mobile: '4' },
    ]);
    expect(drafts.map((draft) => [draft.mobileInput, draft.email, draft.attributes])).toEqual([
      ['1', 'a@x.io', {}],
      ['2', undefined, { Company: 'B' }],
      ['3', 'c@x.io', {}],
      ['4', 'd@x.io', {}],
    ]);
  });

  test('a reader error is carried on the draft', async () => {
    const rows: SourceRow[] = [
      {
        ref: { file: 'in.csv', line: 7, seq: 0 },
        raw: { mobile: '07400' },
        error: { code: 'RECORD_MALFORMED', message: 'unclosed quote' },
      },
    ];
    const out: Draft[] = [];
    for await (const draft of mapFields(from(rows), {})) out.push(draft);
    expect(out[0]).toMatchObject({
      mobileInput: '07400',
      error: { code: 'RECORD_MALFORMED', message: 'unclosed quote' },
    });
  });

  test('a column literally named __proto__ stays data', async () => {
    const raw = JSON.parse('{"mobile":"1","__proto__":"x"}') as Record<string, unknown>;
    const draft = await mapOne(raw);
    expect(Object.keys(draft.attributes)).toEqual(['__proto__']);
    expect(draft.attributes['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(draft.attributes)).toBe(Object.prototype);
  });
});

describe('mapFields on JSON records', () => {
  test.each([
    ['a string', { mobile: '+44 7400 123456' }, '+44 7400 123456', undefined],
    ['a number', { mobile: 447400123456 }, '447400123456', undefined],
    ['{number, country}', { mobile: { number: '07400 123456', country: 'GB' } }, '07400 123456', 'GB'],
    ['{number} beside a country', { mobile: { number: 7400123456 }, country: 'GB' }, '7400123456', 'GB'],
    [
      '{number, country} wins over the record country',
      { country: 'US', mobile: { number: '07400', country: 'gb' } },
      '07400',
      'gb',
    ],
    ['{country} only', { mobile: { country: 'GB' } }, '', 'GB'],
    ['{number, country} with a calling code', { mobile: { number: '07400', country: 44 } }, '07400', '44'],
  ])('mobile as %s', async (_label, raw, mobileInput, country) => {
    const draft = await mapOne(raw);
    expect([draft.mobileInput, draft.country]).toEqual([mobileInput, country]);
  });

  test.each([
    [
      ['vip', ' news ', 'vip', ''],
      ['vip', 'news'],
    ],
    [
      [{ tag: 'vip' }, { tag: 'news' }, { other: 1 }, null],
      ['vip', 'news'],
    ],
    [
      ['a|b', 'c, d'],
      ['a', 'b', 'c, d'],
    ],
    ['vip;news', ['vip', 'news']],
    [
      [1, true],
      ['1', 'true'],
    ],
  ])('tags %j → %j', async (tags, expected) => {
    expect((await mapOne({ tags })).tags).toEqual(expected);
  });

  test('attributes object merged; other values stringified, nested values as JSON', async () => {
    const draft = await mapOne({
      mobile: '1',
      firstName: 'Ada',
      attributes: { plan: 'gold', seats: 5, meta: { a: [1, 2] }, empty: '', gone: null },
      score: 9.5,
      active: false,
      address: { city: 'London' },
      list: ['x', 'y'],
      nothing: null,
    });
    expect(draft.firstName).toBe('Ada');
    expect(draft.attributes).toEqual({
      plan: 'gold',
      seats: '5',
      meta: '{"a":[1,2]}',
      score: '9.5',
      active: 'false',
      address: '{"city":"London"}',
      list: '["x","y"]',
    });
  });

  test('an attributes value that is not an object is an attribute itself', async () => {
    expect((await mapOne({ mobile: '1', attributes: 'plain' })).attributes).toEqual({ attributes: 'plain' });
  });
});

describe('describeMapping', () => {
  test('lists what every header becomes', () => {
    expect(
      describeMapping(['Cell #', 'Full Name', 'E-mail', 'Notes', 'Company', 'tags', 'attributes', ''], {
        mapping: { 'Cell #': 'mobile', Notes: null, Company: 'company' },
      }),
    ).toEqual([
      { header: 'Cell #', field: 'mobile' },
      { header: 'Full Name', field: 'name' },
      { header: 'E-mail', field: 'email' },
      { header: 'Notes', field: null },
      { header: 'Company', field: 'attributes.company' },
      { header: 'tags', field: 'tags' },
      { header: 'attributes', field: 'attributes.*' },
      { header: '', field: null },
    ]);
  });
});

describe('parseFieldMapping', () => {
  test('accepts strings and null', () => {
    expect(parseFieldMapping({ 'Cell #': 'mobile', Notes: null })).toEqual({
      mapping: { 'Cell #': 'mobile', Notes: null },
      errors: [],
    });
  });
  test('lists every bad entry', () => {
    const { mapping, errors } = parseFieldMapping({ a: 1, b: 'mobile', c: ['x'] });
    expect(mapping).toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^mapping\."a": expected one of mobile, firstName/);
  });
  test.each([null, [], 'mobile'])('refuses %j', (value) => {
    expect(parseFieldMapping(value).errors).toHaveLength(1);
  });
});

describe('feeding rejected.csv back', () => {
  test('its error_code and error_message columns are dropped, not sent as attributes', async () => {
    const rows = [
      {
        ref: { file: 'rejected.csv', line: 2, seq: 0 },
        raw: {
          mobile: "'+12015550123",
          Company: 'Acme',
          error_code: 'EMAIL_INVALID',
          error_message: 'bad email',
        },
      },
    ];
    const drafts = [];
    for await (const draft of mapFields(
      (async function* () {
        yield* rows;
      })(),
      {},
    ))
      drafts.push(draft);
    expect(drafts[0]?.attributes).toEqual({ Company: 'Acme' });
  });
});

describe('vCard cards through the mapping (real files: test/fixtures/vcard/README.md)', () => {
  async function mapVcard(
    name: string,
  ): Promise<{ drafts: Draft[]; stats: ReturnType<typeof emptyMappingStats> }> {
    const { rows } = await openSource(fileURLToPath(new URL(`../fixtures/vcard/${name}`, import.meta.url)));
    const stats = emptyMappingStats();
    const drafts: Draft[] = [];
    for await (const draft of mapFields(rows, { stats })) drafts.push(draft);
    return { drafts, stats };
  }

  test('a card whose only number is HOME or WORK says its mobile came from that column and counts as a fallback, as a CSV row does', async () => {
    const { drafts, stats } = await mapVcard('groups-and-labels.vcf');
    expect(
      drafts.map((draft) => [draft.ref.line, draft.mobileInput, draft.mobileColumn, draft.note, draft.tags]),
    ).toEqual([
      [1, '+44 7911 123640', 'Mobile Phone', undefined, ['Customers']],
      [18, '020 7946 0050', 'Home Phone', "mobile from column 'Home Phone'", []],
      [
        31,
        '+44-20-7946-0051',
        'Business Phone',
        "mobile from column 'Business Phone'",
        ['Starred', 'Suppliers'],
      ],
    ]);
    expect(stats.rows).toBe(3);
    expect(stats.fallbackRows).toBe(2);
    expect(Object.fromEntries(stats.mobileColumns)).toEqual({
      'Mobile Phone': 1,
      'Home Phone': 1,
      'Business Phone': 1,
    });
    // The same card as a row of an Outlook CSV export: the same note.
    const csv = await mapOne({ Name: 'Daniel Okafor', 'Mobile Phone': '', 'Home Phone': '020 7946 0050' });
    expect(csv.note).toBe(drafts[1]?.note);
  });

  test('real Outlook 2.1 export: the HOME number (before WORK) is the mobile, and the note says so', async () => {
    const { drafts, stats } = await mapVcard('ez-vcard-John_Doe_MS_OUTLOOK.vcf');
    expect(drafts.map((draft) => [draft.ref.line, draft.mobileInput, draft.note])).toEqual([
      [1, '(905) 666-1234', "mobile from column 'Home Phone'"],
    ]);
    expect(drafts[0]?.attributes['Business Phone']).toBe('(905) 555-1234');
    expect(stats.fallbackRows).toBe(1);
  });

  test("real Android 2.1 export: Android's system group `My Contacts` is no tag", async () => {
    const { drafts } = await mapVcard('ez-vcard-John_Doe_ANDROID.vcf');
    expect(drafts.map((draft) => [draft.ref.line, draft.tags])).toEqual([
      [1, []],
      [6, []],
      [11, []],
      [18, []],
      [36, []],
      [71, []],
    ]);
    // Card 36 has no CATEGORIES. Card 71's quoted-printable ORG ends in a soft break and a blank
    // line, which ends it: the properties after it (its CATEGORIES among them) are read.
    expect(
      drafts.filter((draft) => draft.raw.Categories === 'My Contacts').map((draft) => draft.ref.line),
    ).toEqual([1, 6, 11, 18, 71]);
  });
});
