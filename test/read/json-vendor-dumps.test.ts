/**
 * JSON and NDJSON dumps of contact APIs an audit ran through the importer (Google People API,
 * Brevo, `jq '.[]'` output, Telegram Desktop), in the shapes those tools write, read from real
 * files and mapped as the import maps them. The numbers are fictitious ones of the same form as
 * the real files' (checked valid below), the names made up.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, test } from 'vitest';

import { mapFields, type MapOptions } from '../../src/pipeline/map-fields.js';
import type { Draft, SourceRow } from '../../src/types.js';
import { readAll, useTempDir } from './helpers.js';

const tmp = useTempDir();

async function* from(rows: SourceRow[]): AsyncGenerator<SourceRow> {
  yield* rows;
}

/** The rows of a file as the mapping stage makes them. */
async function mapped(rows: SourceRow[], options: MapOptions = {}): Promise<Draft[]> {
  const out: Draft[] = [];
  for await (const draft of mapFields(from(rows), options)) out.push(draft);
  return out;
}

/** Google's bookkeeping beside each entry of a Person's arrays. */
const googleMetadata = (primary: boolean) => ({
  ...(primary ? { primary: true } : {}),
  source: { type: 'CONTACT', id: '4d8e873c8d5c115b' },
});

/** A People API phone entry: the number as typed, its E.164 form, its type and its display label. */
const googlePhone = (value: string, canonicalForm: string, type = 'mobile', primary = true) => ({
  metadata: googleMetadata(primary),
  value,
  canonicalForm,
  type,
  formattedType: type[0]?.toUpperCase() + type.slice(1),
});

describe('Google People API (connections.list, Person[])', () => {
  // The shapes of a real `people.connections.list` answer: numbers in E.164, written locally with
  // their `canonicalForm`, with spaces; names with or without a given name; no name at all.
  const connections = {
    connections: [
      {
        resourceName: 'people/c5588552881752772955',
        etag: '%EgcBAj0LPzcuGgQBAgUHIgxzY05YOERaSEllRT0=',
        phoneNumbers: [googlePhone('+2348100000101', '+2348100000101')],
      },
      {
        resourceName: 'people/c7842939431841336216',
        etag: '%EgcBAj0LPzcuGgQBAgUHIgxNbmVWUG1Mamt4ST0=',
        names: [
          {
            metadata: googleMetadata(true),
            displayName: 'Mr. Okafor',
            familyName: 'Okafor',
            honorificPrefix: 'Mr.',
            displayNameLastFirst: 'Okafor, Mr.',
            unstructuredName: 'Mr. Okafor',
          },
        ],
        phoneNumbers: [googlePhone('08100000102', '+2348100000102')],
      },
      {
        resourceName: 'people/c4795508802158220279',
        etag: '%EgcBAj0LPzcuGgQBAgUHIgxNbDZuSEQvQSs2RT0=',
        names: [
          {
            metadata: googleMetadata(true),
            displayName: 'Ada Friend Eze',
            familyName: 'Eze',
            givenName: 'Ada',
            middleName: 'Friend',
            displayNameLastFirst: 'Eze, Ada Friend',
            unstructuredName: 'Ada Friend Eze',
          },
        ],
        phoneNumbers: [
          googlePhone('+234 810 000 0199', '+2348100000199', 'work', false),
          googlePhone('0810 000 0104', '+2348100000104', 'mobile', false),
        ],
        emailAddresses: [
          { metadata: googleMetadata(true), value: 'ada@example.com', type: 'home', formattedType: 'Home' },
        ],
      },
    ],
    totalPeople: 3,
    totalItems: 3,
  };

  test('the fictitious numbers are valid Nigerian mobiles, as the real ones', () => {
    for (const number of ['+2348100000101', '08100000102', '+234 810 000 0199', '0810 000 0104'])
      expect(parsePhoneNumberFromString(number, 'NG')?.getType(), number).toBe('MOBILE');
  });

  test('phoneNumbers[] are phones by their type, canonicalForm first; names[0] gives the names', async () => {
    const file = await tmp.write('google-connections.json', JSON.stringify(connections, null, 2));
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.recordsKey).toBe('connections');
    expect(rows.map((row) => row.error)).toEqual([undefined, undefined, undefined]);
    expect(rows[2]?.raw).toMatchObject({
      givenName: 'Ada',
      familyName: 'Eze',
      'names.displayName': 'Ada Friend Eze',
      'names.middleName': 'Friend',
      'Mobile Phone': '+2348100000104',
      'Business Phone': '+2348100000199',
      'E-mail Address': 'ada@example.com',
    });
    expect(Object.keys(rows[2]?.raw ?? {})).not.toContain('names.metadata');
    // A name of only a display name is the full name, split by the mapping.
    expect(rows[1]?.raw).toMatchObject({ familyName: 'Okafor', 'names.displayName': 'Mr. Okafor' });

    const drafts = await mapped(rows);
    expect(
      drafts.map(({ mobileInput, firstName, lastName, email }) => ({
        mobileInput,
        firstName,
        lastName,
        email,
      })),
    ).toEqual([
      { mobileInput: '+2348100000101', firstName: undefined, lastName: undefined, email: undefined },
      { mobileInput: '+2348100000102', firstName: undefined, lastName: 'Okafor', email: undefined },
      { mobileInput: '+2348100000104', firstName: 'Ada', lastName: 'Eze', email: 'ada@example.com' },
    ]);
    expect(drafts.map((draft) => draft.mobileColumn)).toEqual([
      'Mobile Phone',
      'Mobile Phone',
      'Mobile Phone',
    ]);
  });

  test('a bare Person[] (gwork fixture): metadata beside the value, phone and e-mail read', async () => {
    const people = [
      {
        resourceName: 'people/c1234567890',
        etag: '%EgkBA==',
        names: [
          {
            displayName: 'Alice Johnson',
            familyName: 'Johnson',
            givenName: 'Alice',
            metadata: googleMetadata(true),
          },
        ],
        emailAddresses: [{ value: 'alice@example.com', type: 'work', metadata: googleMetadata(true) }],
        phoneNumbers: [{ value: '+2348100000105', type: 'mobile', metadata: googleMetadata(true) }],
        organizations: [
          { name: 'Tech Corp', title: 'Software Engineer', type: 'work', metadata: googleMetadata(true) },
        ],
        metadata: { objectType: 'PERSON', userTypes: ['myContact'] },
      },
    ];
    const file = await tmp.write('gwork-people.json', JSON.stringify(people, null, 2));
    const { rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    const [draft] = await mapped(rows);
    expect(draft).toMatchObject({
      mobileInput: '+2348100000105',
      firstName: 'Alice',
      lastName: 'Johnson',
      email: 'alice@example.com',
    });
    // Organisations are no phones nor names: one JSON text attribute, as before.
    expect(draft?.attributes['organizations']).toContain('Tech Corp');
  });
});

describe('Brevo API contacts (GET /v3/contacts)', () => {
  const answer = {
    contacts: [
      {
        id: 42,
        email: 'peggy.rain@example.com',
        emailBlacklisted: false,
        smsBlacklisted: false,
        createdAt: '2017-05-02T16:40:31Z',
        modifiedAt: '2017-05-02T16:40:31Z',
        attributes: {
          FIRSTNAME: 'Peggy',
          LASTNAME: 'Rain',
          SMS: '34600100101',
          CIV: '1',
          ADDRESS: '987 5th avenue',
        },
        listIds: [40],
      },
      {
        id: 43,
        email: 'Ana@Example.com',
        emailBlacklisted: false,
        smsBlacklisted: true,
        attributes: { NOMBRE: 'Ana', APELLIDOS: 'García', SMS: '+34600100100' },
        listIds: [4, 7],
      },
    ],
    count: 2,
  };

  test("attributes' known keys are columns: SMS the mobile, names read, smsBlacklisted blocks", async () => {
    const file = await tmp.write('brevo-contacts.json', JSON.stringify(answer, null, 2));
    const { info, rows, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(info.recordsKey).toBe('contacts');
    expect(Object.keys(rows[0]?.raw ?? {})).toEqual([
      'id',
      'email',
      'emailBlacklisted',
      'smsBlacklisted',
      'createdAt',
      'modifiedAt',
      'FIRSTNAME',
      'LASTNAME',
      'SMS',
      'CIV',
      'ADDRESS',
      'listIds',
    ]);
    const drafts = await mapped(rows);
    expect(
      drafts.map(({ mobileInput, firstName, lastName, email, consent }) => ({
        mobileInput,
        firstName,
        lastName,
        email,
        consent,
      })),
    ).toEqual([
      {
        mobileInput: '34600100101',
        firstName: 'Peggy',
        lastName: 'Rain',
        email: 'peggy.rain@example.com',
        consent: undefined,
      },
      {
        mobileInput: '+34600100100',
        firstName: 'Ana',
        lastName: 'García',
        email: 'Ana@Example.com',
        consent: 'opted-out',
      },
    ]);
    expect(drafts[0]?.attributes).toMatchObject({ CIV: '1', ADDRESS: '987 5th avenue' });
  });

  test('--phone-columns and --mapping reach the lifted keys by their own names', async () => {
    const file = await tmp.write('brevo-named.json', JSON.stringify(answer));
    const { rows } = await readAll(file);
    const drafts = await mapped(rows, { phoneColumns: ['SMS'], mapping: { CIV: null } });
    expect(drafts.map((draft) => draft.mobileInput)).toEqual(['34600100101', '+34600100100']);
    expect(drafts[0]?.attributes['CIV']).toBeUndefined();
  });

  test('our own NDJSON records keep their attributes object whole', async () => {
    const own = {
      mobile: '+15005550006',
      firstName: 'Bo',
      tags: ['vip'],
      attributes: { plan: 'gold', country: 'US' },
    };
    const file = await tmp.write('own.ndjson', `${JSON.stringify(own)}\n`);
    const { rows } = await readAll(file);
    expect(rows[0]?.raw).toEqual(own);
    const [draft] = await mapped(rows);
    expect(draft).toMatchObject({ mobileInput: '+15005550006', attributes: { plan: 'gold', country: 'US' } });
    expect(draft?.country).toBeUndefined();
  });
});
