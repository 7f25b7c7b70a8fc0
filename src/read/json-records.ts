/**
 * How a JSON record (an element of a JSON array, an NDJSON line) becomes the flat record the
 * mapping stage reads: API dumps wrap and nest their fields, CSV-like records do not. A record
 * whose values are all scalars is handed on as it is; the others are read by these rules, each
 * decided by the record's shape, never by the tool's name:
 *
 * - **Wrapped records.** A JSON:API resource (`{type, id, attributes: {…}}` and nothing but
 *   `relationships`, `links`, `meta`, `lid` beside them: Klaviyo, Intercom) is its `id` and its
 *   `attributes`. A HubSpot CRM object (`{id, properties: {…}}` beside only `createdAt`,
 *   `updatedAt`, `archived`, `archivedAt`, `associations`, `propertiesWithHistory`) is its `id`,
 *   its `properties` and those dates. The API's plumbing (`type`, `links`, `relationships`,
 *   `associations`…) is left out. Our own record shape (`mobile`, `tags`, an `attributes` object
 *   beside the fields) has no `type`/`id` frame around `attributes`, so it is read as before.
 * - **Nested objects** become keys of their path (`location.city`, `properties.source`), down to
 *   {@link MAX_LIFT_DEPTH} levels, except:
 *   - a `location` object's `country` and `country_code` (Klaviyo, Intercom, Mailchimp) are the
 *     record's own when it has none, so that numbers are read in that country: the mapping
 *     understands `default_address.country_code` or `address.country` as the contact's country
 *     (and `company.country` as not), but a `location` word is not one it knows;
 *   - a consent record, an object with a `consent` text (Klaviyo `subscriptions.sms.marketing`)
 *     or with a `state` text under a key that says consent (Shopify `sms_marketing_consent`), is
 *     only that status, under its path (`subscriptions.sms.marketing.consent: UNSUBSCRIBED`,
 *     `sms_marketing_consent.state: not_subscribed`), which the mapping reads as an SMS consent
 *     column when the path names SMS; the record's dates and methods are left out, as their words
 *     (`opt_in_level: single_opt_in`) would read as a consent of their own. Klaviyo's
 *     `mobile_push` channel is written `push`: push is not SMS;
 *   - objects the mapping reads whole stay whole: a phone object with a `number`
 *     (`mobile: {number, country}`), the `attributes` object (merged into the attributes).
 * - **Arrays of phones and e-mails** (Pipedrive `phone: [{label, value, primary}]`, `phones:
 *   [{type, number}]`, `phone_numbers: ["+44…", "+44…"]`, `email: [{label, value}]`) become the
 *   columns of an Outlook export, as the vCard reader writes a card's TEL and EMAIL: `Mobile
 *   Phone`, `Phone`, `Home Phone`, `Business Phone`, `Other Phone`, faxes, `Pager`, chosen by each
 *   number's label (or, without one, by the array's key: `mobile_numbers` are mobiles), several
 *   numbers of one kind joined with ` ::: ` (primary first); `E-mail Address`, `E-mail 2 Address`…
 *   (primary first). The mapping ranks them as it ranks those columns: a mobile wins, a row that
 *   falls back to a landline says so, and the numbers and addresses not used stay attributes
 *   under those names (never under a core field's name such as `email`, which Sakari refuses).
 *   An array whose entries are all empty (`[{value: "", primary: true}]`, Pipedrive's "no
 *   phone") is an empty value, and so is an empty array. Other arrays (`tags`) stay as they are.
 */

import { MULTI_VALUE_SEPARATOR, PHONE_KEYS, VOICE_KEYS, type PhoneKey } from './vcard.js';
import { classifyHeader } from '../pipeline/header-roles.js';

/**
 * How many levels of nested objects become keys of their own (`subscriptions.sms.marketing` is
 * three); an object deeper than that stays one value, its JSON text.
 */
export const MAX_LIFT_DEPTH = 4;

/** A record whose values are all scalars: nothing to flatten. */
function isFlat(record: Record<string, unknown>): boolean {
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

/**
 * The record as the mapping stage reads it (see the module comment). Returns `record` itself when
 * it holds no object or array; never changes `record`.
 *
 * @example flattenRecord({ type: 'profile', id: '01H', attributes: { phone_number: '+447911123456' } })
 * // { id: '01H', phone_number: '+447911123456' }
 * @example flattenRecord({ name: 'Pip', phone: [{ label: 'work', value: '020 7946 0020' }, { label: 'mobile', value: '07911 123456' }] })
 * // { name: 'Pip', 'Mobile Phone': '07911 123456', Phone: '', 'Home Phone': '', 'Business Phone': '020 7946 0020', 'Other Phone': '' }
 */
export function flattenRecord(record: Record<string, unknown>): Record<string, unknown> {
  if (isFlat(record)) return record;
  return new FlatRecord(unwrap(record)).build();
}

/** The members a JSON:API resource object may have (jsonapi.org, "Resource Objects"). */
const JSON_API_MEMBERS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'lid',
  'attributes',
  'relationships',
  'links',
  'meta',
]);

/** The members of a HubSpot CRM object (`SimplePublicObject`, CRM API v3), and those kept. */
const HUBSPOT_MEMBERS: ReadonlySet<string> = new Set([
  'id',
  'properties',
  'createdAt',
  'updatedAt',
  'archived',
  'archivedAt',
  'associations',
  'propertiesWithHistory',
  'url',
  'objectWriteTraceId',
]);
const HUBSPOT_KEPT: readonly string[] = ['createdAt', 'updatedAt', 'archived', 'archivedAt'];

/**
 * A JSON:API resource or a HubSpot object, as the fields it wraps; a record holding its contact
 * fields in an `attributes` object of its own (Brevo) with those fields lifted; any other record
 * as it is.
 */
function unwrap(record: Record<string, unknown>): Record<string, unknown> {
  const attributes = own(record, ATTRIBUTES_KEY);
  if (isPlainObject(attributes) && holdsContactFields(record, attributes))
    return liftAttributes(record, attributes);
  if (!Object.hasOwn(record, 'id')) return record;
  const keys = Object.keys(record);
  if (isPlainObject(attributes) && typeof own(record, 'type') === 'string') {
    if (keys.every((key) => JSON_API_MEMBERS.has(key)))
      return lift({ id: record.id }, 'attributes', attributes);
  }
  const properties = own(record, 'properties');
  if (isPlainObject(properties) && keys.every((key) => HUBSPOT_MEMBERS.has(key))) {
    const unwrapped = lift({ id: record.id }, 'properties', properties);
    for (const key of HUBSPOT_KEPT) if (Object.hasOwn(record, key)) addKey(unwrapped, key, record[key]);
    return unwrapped;
  }
  return record;
}

/**
 * Whether an `attributes` object that is no JSON:API frame holds the contact's own fields: the
 * record has no phone field of its own, and some key of the object is a column the mapping knows
 * (Brevo `{id, email, smsBlacklisted, attributes: {SMS, FIRSTNAME, LASTNAME}}`). Our own records
 * carry their `mobile` beside `attributes` (CONTRACT §3), which then stays one object, merged
 * into the attributes as before.
 */
function holdsContactFields(record: Record<string, unknown>, attributes: Record<string, unknown>): boolean {
  if (
    typeof own(record, 'type') === 'string' &&
    Object.keys(record).every((key) => JSON_API_MEMBERS.has(key))
  )
    return false;
  const isPhone = (key: string): boolean => {
    const role = classifyHeader(key);
    return (role?.kind === 'field' || role?.kind === 'pair-value') && role.field === 'mobile';
  };
  if (Object.keys(record).some(isPhone)) return false;
  return Object.keys(attributes).some((key) => classifyHeader(key) !== undefined);
}

/**
 * The record with its `attributes` object's keys in its place, each under its own name (`SMS`,
 * `FIRSTNAME`: what `--phone-columns` and `--mapping` name), or `attributes.<name>` when the
 * record has a field of that name itself.
 */
function liftAttributes(
  record: Record<string, unknown>,
  attributes: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key !== ATTRIBUTES_KEY) {
      addKey(out, key, record[key]);
      continue;
    }
    for (const name of Object.keys(attributes))
      addKey(out, Object.hasOwn(record, name) ? `${ATTRIBUTES_KEY}.${name}` : name, attributes[name]);
  }
  return out;
}

/** `fields` added to `into`; a field whose name is taken is kept as `<wrapper>.<name>`. */
function lift(
  into: Record<string, unknown>,
  wrapper: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  for (const key of Object.keys(fields))
    addKey(into, Object.hasOwn(into, key) ? `${wrapper}.${key}` : key, fields[key]);
  return into;
}

/** The flat record being built from one (unwrapped) record. */
class FlatRecord {
  private readonly out: Record<string, unknown> = {};

  constructor(private readonly record: Record<string, unknown>) {}

  build(): Record<string, unknown> {
    const arrays = new Map<string, ArrayReading>();
    const phones = new PhoneBook();
    const emails: LabelledValue[] = [];
    for (const key of Object.keys(this.record)) {
      const value = this.record[key];
      if (!Array.isArray(value)) continue;
      const reading = readArray(value, key);
      arrays.set(key, reading);
      if (reading.kind === 'phones') phones.add(reading.entries);
      else if (reading.kind === 'emails') emails.push(...reading.entries);
    }
    // Every phone array of the record becomes one set of phone keys, where the first one stood;
    // every e-mail array one set of e-mail keys.
    let phonesWritten = false;
    let emailsWritten = false;
    for (const key of Object.keys(this.record)) {
      const value = this.record[key];
      const reading = arrays.get(key);
      if (reading === undefined) this.value(key, value, 0);
      else if (reading.kind === 'empty') addKey(this.out, key, '');
      else if (reading.kind === 'as-is') addKey(this.out, key, value);
      else if (reading.kind === 'name') this.name(key, reading.entry);
      else if (reading.kind === 'phones' && !phonesWritten) {
        phones.writeTo(this.out);
        phonesWritten = true;
      } else if (reading.kind === 'emails' && !emailsWritten) {
        byPrimary(emails).forEach((email, index) =>
          addKey(this.out, index === 0 ? 'E-mail Address' : `E-mail ${index + 1} Address`, email.text),
        );
        emailsWritten = true;
      }
    }
    return this.out;
  }

  /**
   * A name entry: its {@link NAME_PARTS} under their own names (`givenName`, `familyName`, which
   * the mapping reads as first and last name; `displayName` only without them, as the full name
   * to split: `Mr. Okafor` beside `familyName: Okafor` would give a first name `Mr.`), its other
   * texts under `<key>.<field>`, its metadata left out.
   */
  private name(key: string, entry: Record<string, unknown>): void {
    const parts =
      isFilledScalar(own(entry, 'givenName')) || isFilledScalar(own(entry, 'familyName'))
        ? ['givenName', 'familyName']
        : NAME_PARTS;
    for (const field of Object.keys(entry)) {
      if (field === METADATA_FIELD) continue;
      addKey(this.out, parts.includes(field) ? field : `${key}.${field}`, entry[field]);
    }
  }

  /** One value at `path`, `depth` objects below the record. */
  private value(path: string, value: unknown, depth: number): void {
    if (!isPlainObject(value) || (depth === 0 && (path === ATTRIBUTES_KEY || path === '__proto__'))) {
      addKey(this.out, path, value);
      return;
    }
    if (Object.hasOwn(value, 'number') || depth >= MAX_LIFT_DEPTH) {
      addKey(this.out, path, value);
      return;
    }
    const consent = consentOf(path, value);
    if (consent !== undefined) {
      addKey(this.out, consentKey(`${path}.${consent.field}`), consent.status);
      return;
    }
    const location = depth === 0 && path === LOCATION_KEY;
    for (const key of Object.keys(value)) {
      const inner = value[key];
      const lifted =
        location &&
        LOCATION_COUNTRY_FIELDS.includes(key) &&
        isFilledScalar(inner) &&
        !isFilledScalar(own(this.record, key));
      this.value(lifted ? key : `${path}.${key}`, inner, depth + 1);
    }
  }
}

/** The object of a contact's whereabouts whose country fields are the record's (see the module comment). */
const LOCATION_KEY = 'location';
const LOCATION_COUNTRY_FIELDS: readonly string[] = ['country', 'country_code'];

/** JSON records may carry an `attributes` object of their own, merged into the attributes (CONTRACT §3). */
const ATTRIBUTES_KEY = 'attributes';

/**
 * The status of a consent record and the field holding it (see the module comment), or
 * `undefined` for any other object. A US `state` in an address is no consent: the key must say
 * consent.
 */
function consentOf(
  path: string,
  value: Record<string, unknown>,
): { field: 'consent' | 'state'; status: string } | undefined {
  const consent = own(value, 'consent');
  if (typeof consent === 'string') return { field: 'consent', status: consent };
  const state = own(value, 'state');
  const key = path.slice(path.lastIndexOf('.') + 1);
  return typeof state === 'string' && /consent/i.test(key) ? { field: 'state', status: state } : undefined;
}

/**
 * The key of a consent status: its path (ending in `consent` or `state`, so that it is never read
 * as a phone column, as `subscriptions.sms.transactional` alone would be), with Klaviyo's
 * `mobile_push` channel written `push`, since the mapping reads a consent column with a `mobile`
 * word as SMS consent.
 */
function consentKey(path: string): string {
  return path
    .split('.')
    .map((segment) => (segment === 'mobile_push' ? 'push' : segment))
    .join('.');
}

/** What an array value of a record is read as. */
type ArrayReading =
  /** Phone numbers, each with its label (or the array's key): they become the phone keys. */
  | { kind: 'phones'; entries: LabelledValue[] }
  /** E-mail addresses: they become the e-mail keys. */
  | { kind: 'emails'; entries: LabelledValue[] }
  /** A person's names (Google `names[]`): the preferred entry, or the first. */
  | { kind: 'name'; entry: Record<string, unknown> }
  /** No entries, or only empty ones: an empty value. */
  | { kind: 'empty' }
  /** Anything else (`tags`): the array as it is. */
  | { kind: 'as-is' };

/** One entry of a phone or e-mail array. */
interface LabelledValue {
  text: string;
  label: string;
  primary: boolean;
}

/** The fields a labelled entry keeps its value in (`value`: Pipedrive; `number`, `email`: unified APIs). */
const VALUE_FIELDS = ['value', 'number', 'email'] as const;
/**
 * The field of a number already in E.164 (Google People API: `value` is the number as typed,
 * `08150759317`, and `canonicalForm` the same in E.164, `+2348150759317`), read before the value.
 */
const CANONICAL_FIELDS = ['canonicalForm'] as const;
/** The fields a labelled entry keeps its label in (Google: `type: "mobile"`, `formattedType: "Mobile"`). */
const LABEL_FIELDS = ['label', 'type', 'formattedType'] as const;
/** The fields that mark the preferred entry (Pipedrive sends `true` or `"true"`). */
const PRIMARY_FIELDS = ['primary', 'isPrimary', 'is_primary', 'pref', 'preferred'] as const;
/**
 * Texts an entry may carry beside its value: other forms of the value or the label, and the
 * name shown with an address (Google: `canonicalForm`, `formattedType`, `displayName`). Only a
 * text (or null) is tolerated there, so an object with these keys is no entry.
 */
const FORM_FIELDS: ReadonlySet<string> = new Set([
  ...CANONICAL_FIELDS,
  'formattedType',
  'formattedValue',
  'displayName',
]);
/**
 * The API's bookkeeping object about an entry (Google `metadata: {primary, source, verified}`):
 * an object (or null) under this name only, read for its `primary` flag and otherwise left out.
 */
const METADATA_FIELD = 'metadata';
/** A labelled entry has at most these fields besides its value, label and primary flag. */
const OTHER_ENTRY_FIELDS: ReadonlySet<string> = new Set(['id', 'status', 'extension']);
const ENTRY_FIELDS: ReadonlySet<string> = new Set([
  ...VALUE_FIELDS,
  ...LABEL_FIELDS,
  ...PRIMARY_FIELDS,
  ...OTHER_ENTRY_FIELDS,
]);

/**
 * Whether a value is one entry of a phone or e-mail array: `{value}` or `{number}` (or `{email}`)
 * with at most a label, a primary flag, an id, a status, other texts of the value
 * ({@link FORM_FIELDS}) and a `metadata` object. Also tells the JSON reader that an array of
 * these is a field of one record, not the records of an API response.
 */
export function isLabelledValue(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (ENTRY_FIELDS.has(key)) continue;
    const inner = value[key];
    if (FORM_FIELDS.has(key) && (inner === null || typeof inner === 'string')) continue;
    if (key === METADATA_FIELD && (inner === null || isPlainObject(inner))) continue;
    return false;
  }
  return VALUE_FIELDS.some((field) => {
    const inner = own(value, field);
    return inner === null || typeof inner === 'string' || typeof inner === 'number';
  });
}

/** Whether an entry is marked as the preferred one, by a flag of its own or in its `metadata`. */
function isPrimaryEntry(entry: Record<string, unknown>): boolean {
  const metadata = own(entry, METADATA_FIELD);
  return [entry, ...(isPlainObject(metadata) ? [metadata] : [])].some((holder) =>
    PRIMARY_FIELDS.some((field) => {
      const flag = own(holder, field);
      return flag === true || flag === 'true';
    }),
  );
}

/**
 * The parts of a person's name an entry of a names array holds (Google People API `names:
 * [{givenName, familyName, displayName, metadata}]`), under the keys the mapping reads as first,
 * last and full name.
 */
const NAME_PARTS: readonly string[] = ['givenName', 'familyName', 'displayName'];

/**
 * Whether a value is one entry of a names array: an object holding at least one of
 * {@link NAME_PARTS} as a text, and otherwise only texts (`middleName`, `honorificPrefix`…) and
 * a `metadata` object.
 */
function isNameEntry(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    const inner = value[key];
    if (key === METADATA_FIELD ? !(inner === null || isPlainObject(inner)) : !isScalarOrNull(inner))
      return false;
  }
  return NAME_PARTS.some((part) => isFilledScalar(own(value, part)));
}

/** How the array under `key` is read; an entry without a label takes the key as its label. */
function readArray(values: readonly unknown[], key: string): ArrayReading {
  if (values.length === 0) return { kind: 'empty' };
  let entries: LabelledValue[];
  const labelled = values.every(isLabelledValue);
  if (labelled) {
    entries = values.map((value) => ({
      text: entryText(value),
      label: firstText(value, LABEL_FIELDS) || key,
      primary: isPrimaryEntry(value),
    }));
  } else if (labelWords(key).all.has('names') && values.every(isNameEntry)) {
    // Under a key that says so only: `children: [{givenName}]` holds other people's names.
    const names = values.filter(isNameEntry);
    return { kind: 'name', entry: names.find(isPrimaryEntry) ?? (names[0] as Record<string, unknown>) };
  } else if (
    values.every((value) => value === null || typeof value === 'string' || typeof value === 'number')
  ) {
    entries = values.map((value) => ({ text: scalarText(value), label: key, primary: false }));
  } else return { kind: 'as-is' };

  const filled = entries.filter((entry) => entry.text !== '');
  if (filled.length === 0) return { kind: 'empty' };
  // Plain texts are numbers only under a key that says so: `tags: ["10023"]` stays tags.
  const phones = labelled || namesPhone(key);
  if (phones && filled.every((entry) => looksLikePhone(entry.text)))
    return { kind: 'phones', entries: filled };
  if (filled.every((entry) => entry.text.includes('@'))) return { kind: 'emails', entries: filled };
  return { kind: 'as-is' };
}

function entryText(entry: Record<string, unknown>): string {
  for (const field of [...CANONICAL_FIELDS, ...VALUE_FIELDS]) {
    const value = own(entry, field);
    if (typeof value === 'string' || typeof value === 'number') return scalarText(value);
  }
  return '';
}

function firstText(entry: Record<string, unknown>, fields: readonly string[]): string {
  for (const field of fields) {
    const value = own(entry, field);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return '';
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** Entries' texts, primary first (otherwise in array order), joined as a multi-value cell. */
function joined(entries: readonly LabelledValue[]): string {
  return byPrimary(entries)
    .map((entry) => entry.text)
    .join(MULTI_VALUE_SEPARATOR);
}

/** Entries, the primary ones first, otherwise in array order. */
function byPrimary(entries: readonly LabelledValue[]): LabelledValue[] {
  return [...entries].sort((a, b) => Number(b.primary) - Number(a.primary));
}

/** The fewest digits a phone number has (as the mapping splits multi-number cells). */
const MIN_PHONE_DIGITS = 5;

/**
 * Whether a text reads as a phone number rather than an address or a word: five digits or more,
 * no `@`, and more digits than letters (`+44 20 7946 0020 ext. 12` is a number).
 */
function looksLikePhone(text: string): boolean {
  if (text.includes('@')) return false;
  let digits = 0;
  let letters = 0;
  for (const char of text) {
    if (char >= '0' && char <= '9') digits++;
    else if (/\p{L}/u.test(char)) letters++;
  }
  return digits >= MIN_PHONE_DIGITS && digits > letters;
}

const MOBILE_LABELS = [
  'mobile',
  'mobil',
  'cell',
  'cellphone',
  'cellular',
  'iphone',
  'sms',
  'text',
  'whatsapp',
];
const HOME_LABELS = ['home', 'personal', 'private'];
const WORK_LABELS = ['work', 'business', 'office', 'company'];
/** Labels that say nothing about the kind of phone: a general `Phone`. */
// prettier-ignore
const GENERAL_LABELS = [
  'main', 'primary', 'default', 'voice', 'pref', 'phone', 'phones', 'number', 'numbers', 'tel', 'telephone',
];

/** Words of an array's key that say it holds phone numbers (`phone_numbers`, `mobiles`, `msisdn`). */
const PHONE_KEY_WORDS = [...MOBILE_LABELS, 'mobiles', 'phone', 'phones', 'tel', 'telephone', 'msisdn'];

function namesPhone(key: string): boolean {
  const words = labelWords(key);
  return PHONE_KEY_WORDS.some((word) => words.all.has(word));
}

/** A label's words, as written and with camelCase split: `WhatsApp` and `mobileNumbers` alike. */
function labelWords(label: string): { written: string[]; camel: string[]; all: ReadonlySet<string> } {
  const split = (text: string): string[] =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word !== '');
  const written = split(label);
  const camel = split(label.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2'));
  return { written, camel, all: new Set([...written, ...camel]) };
}

/**
 * The key a number goes to, by the words of its label (as `vcard.ts` reads TEL types): `work
 * mobile` is a mobile, `Work` a business phone, `primary` or `phone_numbers` a general one.
 */
function phoneKeyOf(label: string): PhoneKey {
  const { written, camel, all: words } = labelWords(label);
  const has = (names: readonly string[]): boolean => names.some((name) => words.has(name));
  const general = (list: readonly string[]): boolean => list.every((word) => GENERAL_LABELS.includes(word));
  if (words.has('fax'))
    return has(HOME_LABELS) ? 'Home Fax' : has(WORK_LABELS) ? 'Business Fax' : 'Other Fax';
  if (words.has('pager')) return 'Pager';
  if (has(MOBILE_LABELS)) return 'Mobile Phone';
  if (has(HOME_LABELS)) return 'Home Phone';
  if (has(WORK_LABELS)) return 'Business Phone';
  if (general(written) || general(camel)) return 'Phone';
  return 'Other Phone';
}

/** The numbers of a record's phone arrays, by the key each goes to. */
class PhoneBook {
  private readonly byKey = new Map<PhoneKey, LabelledValue[]>();

  add(entries: readonly LabelledValue[]): void {
    for (const entry of entries) {
      const key = phoneKeyOf(entry.label);
      const list = this.byKey.get(key) ?? [];
      list.push(entry);
      this.byKey.set(key, list);
    }
  }

  /**
   * The phone keys, several numbers of one kind joined (primary first). Every voice key is there,
   * empty where the record has no such number, as in every row of an Outlook export: the mapping
   * then ranks every record against the same columns, so a record with only a work number says
   * its mobile came from `Business Phone`.
   */
  writeTo(out: Record<string, unknown>): void {
    for (const key of PHONE_KEYS) {
      const entries = this.byKey.get(key);
      if (entries !== undefined) addKey(out, key, joined(entries));
      else if (VOICE_KEYS.has(key)) addKey(out, key, '');
    }
  }
}

/**
 * Adds a key that is not there yet: a key already taken gets the first free `_2`, `_3`… suffix, as
 * CSV headers are made unique. A key named `__proto__` is kept as data, not taken as the prototype.
 */
function addKey(out: Record<string, unknown>, key: string, value: unknown): void {
  let name = key;
  for (let n = 2; Object.hasOwn(out, name); n++) name = `${key}_${n}`;
  if (name === '__proto__')
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An own field's value. stream-json builds objects by assignment, so a nested `"__proto__"` key
 * becomes the object's prototype: its fields must not pass for the object's own.
 */
function own(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

function isScalarOrNull(value: unknown): boolean {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** A text or number worth a key of its own (not empty, not an object). */
function isFilledScalar(value: unknown): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}
