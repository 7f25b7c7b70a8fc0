/**
 * Header understanding: what a column of a real export stands for, without a mapping
 * (CONTRACT §3). Used by `map-fields` (which column feeds which field, in what order phones are
 * tried), by the pre-flight and by the no-phone-column stop.
 *
 * Headers are read as words, not as strings: `MobilePhone`, `Mobile Phone`, `mobile_phone` and
 * `Person - Phone - Mobile` all say the same thing. The rules, in the order they apply:
 * - camelCase is split, `E-mail` is `email`, Salesforce's custom suffix `__c` is dropped, and a
 *   leading person prefix (`Person -`, `Contact`, `Customer`…) is ignored;
 * - a leading other-entity word (`Organization -`, `Account`, `Company`, `Deal -`, `Assistant`…)
 *   means the column is not about the person: never a name or an email; a phone of it ranks last;
 * - phones: any of `mobile cell sms phone telephone tel msisdn whatsapp landline`, unless a word
 *   says the column is about the phone rather than a number (`label type consent opt status
 *   extension country`…). Fax, pager, telex, ISDN and TTY columns are never used;
 * - label/value pairs (`Phone 1 - Label`/`Type` + `Phone 1 - Value`, same for e-mail) are one
 *   phone whose kind is the row's label;
 * - SMS consent: an SMS/text/mobile column that says opted out, unsubscribed or blacklisted (a
 *   flag), or consent/subscription/status/accepts (a status). E-mail consent is not SMS consent.
 */

/** The contact fields a column can be mapped to. `name` is a full name, split into first/last. */
export type KnownField = 'mobile' | 'firstName' | 'lastName' | 'name' | 'email' | 'country' | 'tags';

/** How a consent column is read: a flag (true = opted out) or a status (`UNSUBSCRIBED`, `yes`…). */
export type ConsentColumnKind = 'opt-out-flag' | 'status';

/** What one header stands for. Lower `rank` is preferred when several columns feed one field. */
export type HeaderRole =
  | { kind: 'field'; field: KnownField; rank: number }
  /** A label/value pair's value; its rank comes from the row's label (`Phone 1 - Label`). */
  | { kind: 'pair-value'; field: 'mobile' | 'email'; rank: number; group: string }
  | { kind: 'pair-label'; field: 'mobile' | 'email'; group: string }
  /** A fax or pager number: kept as an attribute, never used as the mobile. */
  | { kind: 'never-phone' }
  /** An SMS consent column: kept as an attribute, and read for consent. */
  | { kind: 'consent'; consent: ConsentColumnKind };

/** Rank bands of phone columns (CONTRACT §3): mobile-like, then general, then home/work/other. */
export const PHONE_TIER = { mobile: 0, general: 1000, other: 2000 } as const;

const PERSON_PREFIXES: ReadonlySet<string> = new Set([
  'person',
  'contact',
  'customer',
  'subscriber',
  'profile',
  'member',
  'recipient',
  'people',
]);
/** A leading word that makes the column another entity's: the company's phone, the owner's name. */
const OTHER_ENTITIES: ReadonlySet<string> = new Set([
  'organization',
  'organisation',
  'org',
  'company',
  'account',
  'deal',
  'lead',
  'owner',
  'assistant',
  'asst',
  'manager',
  'spouse',
  'emergency',
  'referrer',
  'partner',
]);

const MOBILE_WORDS: ReadonlySet<string> = new Set([
  'mobile',
  'mobiles',
  'cell',
  'cellphone',
  'cellular',
  'sms',
  'handy',
  'mobil',
  'whatsapp',
]);
const GENERAL_PHONE_WORDS: ReadonlySet<string> = new Set([
  'phone',
  'phones',
  'telephone',
  'tel',
  'msisdn',
  'phonenumber',
  'telefon',
  'telefono',
  'landline',
]);
const NEVER_PHONE_WORDS: ReadonlySet<string> = new Set([
  'fax',
  'pager',
  'telex',
  'isdn',
  'tty',
  'tdd',
  'beeper',
]);
/** Words that make a phone-ish header about the phone, not a phone number. */
const NOT_A_NUMBER_WORDS: ReadonlySet<string> = new Set([
  'label',
  'type',
  'kind',
  'opt',
  'optout',
  'optin',
  'opted',
  'consent',
  'consents',
  'blacklisted',
  'blocklisted',
  'blacklist',
  'blocked',
  'unsubscribed',
  'subscribed',
  'subscription',
  'status',
  'marketing',
  'accepts',
  'accept',
  'extension',
  'ext',
  'verified',
  'valid',
  'validated',
  'carrier',
  'country',
  'code',
  'timestamp',
  'date',
  'time',
  'source',
  'confirmed',
  'ip',
  'count',
  'provider',
  'prefix',
  'id',
  'region',
  'preference',
  'preferred',
  'permission',
  'updated',
]);
/** Words a general phone header may carry and stay general (`Primary Phone`, `Phone Number 1`). */
const GENERAL_QUALIFIERS: ReadonlySet<string> = new Set([
  'number',
  'no',
  'nr',
  'num',
  'primary',
  'main',
  'value',
]);
const HOME_WORDS: ReadonlySet<string> = new Set(['home', 'private', 'personal', 'residence']);
const WORK_WORDS: ReadonlySet<string> = new Set(['work', 'business', 'office', 'direct', 'company']);

/** Words `email` fields may carry besides the e-mail word itself. */
const EMAIL_QUALIFIERS: ReadonlySet<string> = new Set(['address', 'value', 'primary', 'main', 'default']);
const EMAIL_SECONDARY: ReadonlySet<string> = new Set([
  'secondary',
  'second',
  'other',
  'alternate',
  'alternative',
  'alt',
  'additional',
  'work',
  'home',
  'business',
  'personal',
  'private',
]);
const EMAIL_NOT_ADDRESS: ReadonlySet<string> = new Set([
  ...NOT_A_NUMBER_WORDS,
  'display',
  'name',
  'domain',
  'bounced',
  'bounce',
  'format',
  'client',
  'hash',
  'md5',
  'sha256',
  'unsubscribe',
  'from',
  'all',
]);

const COUNTRY_QUALIFIERS: ReadonlySet<string> = new Set([
  'mailing',
  'home',
  'business',
  'work',
  'other',
  'address',
  'default',
  'billing',
  'shipping',
  'primary',
  'region',
  'code',
  'iso',
  'postal',
  'personal',
  'private',
  'residence',
  'office',
  'value',
]);

/**
 * Exact word sequences (after prefixes are stripped) of names, tags and country columns that
 * the word rules below do not cover: `FIRSTNAME` (Brevo), `Given Name` (Google), `CC` (Mailchimp).
 */
// prettier-ignore
const EXACT: ReadonlyMap<string, readonly [KnownField, number]> = new Map([
  ['first name', ['firstName', 0]], ['firstname', ['firstName', 0]], ['given name', ['firstName', 1]],
  ['givenname', ['firstName', 1]], ['fname', ['firstName', 2]], ['first', ['firstName', 3]],
  ['forename', ['firstName', 2]], ['given', ['firstName', 3]],
  ['last name', ['lastName', 0]], ['lastname', ['lastName', 0]], ['surname', ['lastName', 1]],
  ['family name', ['lastName', 1]], ['familyname', ['lastName', 1]], ['lname', ['lastName', 2]],
  ['last', ['lastName', 3]],
  ['name', ['name', 0]], ['full name', ['name', 1]], ['fullname', ['name', 1]], ['display name', ['name', 2]],
  ['displayname', ['name', 2]],
  ['tags', ['tags', 0]], ['tag', ['tags', 1]], ['labels', ['tags', 2]], ['label', ['tags', 3]],
  ['categories', ['tags', 4]], ['category', ['tags', 5]], ['group membership', ['tags', 6]], ['groups', ['tags', 7]],
  ['cc', ['country', 50]],
]);

/** The e-mail words (`E-mail` is already `email` here). */
const EMAIL_WORDS: ReadonlySet<string> = new Set(['email', 'mail']);

/**
 * The words of a header: lower case, camelCase split, `E-mail` → `email`, accents and
 * punctuation removed, `__c` (Salesforce custom field) dropped.
 *
 * @example headerWords('Person - Phone - Mobile') // ['person', 'phone', 'mobile']
 * @example headerWords('MailingCountryCode') // ['mailing', 'country', 'code']
 */
export function headerWords(header: string): string[] {
  const text = header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/__c$/i, '')
    .replace(/\be[\s_-]?mail/gi, (match) => (match[0] === 'E' ? 'Email' : 'email'))
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z])([0-9])/gi, '$1 $2')
    .toLowerCase();
  return text.split(/[^a-z0-9]+/).filter((word) => word !== '');
}

/** The words once a leading person prefix is dropped, and whether another entity's prefix leads. */
function personWords(words: readonly string[]): { words: string[]; otherEntity: boolean } {
  let start = 0;
  while (start < words.length - 1 && PERSON_PREFIXES.has(words[start] as string)) start++;
  const rest = words.slice(start);
  return { words: rest, otherEntity: OTHER_ENTITIES.has(rest[0] ?? '') && rest.length > 1 };
}

const isNumberWord = (word: string): boolean => /^\d+$/.test(word);

/**
 * What a header stands for, or `undefined` for a plain attribute.
 *
 * @example classifyHeader('Mobile Phone') // { kind: 'field', field: 'mobile', rank: 0 }
 * @example classifyHeader('Business Fax') // { kind: 'never-phone' }
 */
export function classifyHeader(header: string): HeaderRole | undefined {
  const all = headerWords(header);
  if (all.length === 0) return undefined;
  const { words, otherEntity } = personWords(all);
  const joined = words.join(' ');

  const pair = labelValuePair(words);
  if (pair) return pair;

  const consent = consentColumn(words);
  if (consent) return consent;

  if (words.some((word) => NEVER_PHONE_WORDS.has(word))) return { kind: 'never-phone' };
  const phoneRank = rankPhoneWords(words, otherEntity);
  if (phoneRank !== undefined) return { kind: 'field', field: 'mobile', rank: phoneRank };

  if (otherEntity && !words.includes('country')) return undefined;

  const exact = EXACT.get(joined);
  if (exact) return { kind: 'field', field: exact[0], rank: exact[1] };

  const email = rankEmailWords(words);
  if (email !== undefined) return { kind: 'field', field: 'email', rank: email };

  const country = rankCountryWords(words);
  if (country !== undefined) return { kind: 'field', field: 'country', rank: country };
  return undefined;
}

/** `Phone 1 - Value`, `E-mail 2 - Label`, `Phone 1 - Type`: Google's label/value pairs. */
function labelValuePair(words: readonly string[]): HeaderRole | undefined {
  if (words.length !== 3) return undefined;
  const [what, index, part] = words as [string, string, string];
  if (!isNumberWord(index)) return undefined;
  const field =
    GENERAL_PHONE_WORDS.has(what) || MOBILE_WORDS.has(what)
      ? 'mobile'
      : EMAIL_WORDS.has(what)
        ? 'email'
        : undefined;
  if (field === undefined) return undefined;
  const group = `${field} ${index}`;
  if (part === 'value') return { kind: 'pair-value', field, group, rank: PHONE_TIER.general + Number(index) };
  if (part === 'label' || part === 'type') return { kind: 'pair-label', field, group };
  return undefined;
}

const SMS_CHANNEL: ReadonlySet<string> = new Set(['sms', 'text', 'texting', 'mobile', 'mms']);
const OPT_OUT_FLAG_WORDS: ReadonlySet<string> = new Set([
  'blacklisted',
  'blocklisted',
  'blacklist',
  'blocklist',
  'unsubscribed',
  'optout',
  'optedout',
  'suppressed',
]);
const CONSENT_STATUS_WORDS: ReadonlySet<string> = new Set([
  'consent',
  'subscription',
  'subscribed',
  'status',
  'accepts',
  'optin',
  'permission',
  'marketing',
]);

function consentColumn(words: readonly string[]): HeaderRole | undefined {
  if (!words.some((word) => SMS_CHANNEL.has(word))) return undefined;
  if (words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  const text = ` ${words.join(' ')} `;
  const optOut =
    words.some((word) => OPT_OUT_FLAG_WORDS.has(word)) ||
    / opt(?:ed)? out /.test(text) ||
    / do not /.test(text);
  if (optOut) return { kind: 'consent', consent: 'opt-out-flag' };
  if (words.some((word) => CONSENT_STATUS_WORDS.has(word)) || / opt(?:ed)? in /.test(text))
    return { kind: 'consent', consent: 'status' };
  return undefined;
}

/**
 * The rank of a phone header from its words, or `undefined` when it is no phone number column.
 * Mobile-like < general < home < work < other; a trailing number (`Business Phone 2`) orders
 * columns of one kind.
 */
function rankPhoneWords(words: readonly string[], otherEntity: boolean): number | undefined {
  const mobile = words.some((word) => MOBILE_WORDS.has(word));
  const general = words.some((word) => GENERAL_PHONE_WORDS.has(word));
  if (!mobile && !general) return undefined;
  if (words.some((word) => NOT_A_NUMBER_WORDS.has(word))) return undefined;
  // "Contact Email Mobile"? An e-mail column is not a phone column.
  if (words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  return rankPhoneKind(words, otherEntity);
}

/** The rank of a phone of these words (a header's, or a label's plus `phone`). */
function rankPhoneKind(words: readonly string[], otherEntity: boolean): number {
  const order = Number(words.find(isNumberWord) ?? 0);
  const qualifiers = words.filter(
    (word) =>
      !MOBILE_WORDS.has(word) &&
      !GENERAL_PHONE_WORDS.has(word) &&
      !GENERAL_QUALIFIERS.has(word) &&
      !isNumberWord(word),
  );
  const sub = (qualifierRank: number): number => qualifierRank * 100 + Math.min(order, 99);
  if (words.includes('landline')) return PHONE_TIER.other + sub(3);
  if (otherEntity) return PHONE_TIER.other + sub(5);
  if (words.some((word) => MOBILE_WORDS.has(word))) {
    const whatsapp = words.includes('whatsapp') ? 1 : 0;
    return PHONE_TIER.mobile + sub(qualifiers.length === 0 ? whatsapp : 2 + whatsapp);
  }
  if (qualifiers.length === 0) return PHONE_TIER.general + sub(0);
  if (qualifiers.some((word) => HOME_WORDS.has(word))) return PHONE_TIER.other + sub(0);
  if (qualifiers.some((word) => WORK_WORDS.has(word))) return PHONE_TIER.other + sub(1);
  return PHONE_TIER.other + sub(2);
}

/**
 * The rank of a phone whose kind is given by a row's label (`* Mobile`, `Work`, `Home Fax`), or
 * `undefined` for a fax or pager. An empty label ranks as a general phone.
 */
export function rankPhoneLabel(label: string, order: number): number | undefined {
  const first = label.split(':::')[0] ?? '';
  const words = headerWords(first);
  if (words.some((word) => NEVER_PHONE_WORDS.has(word))) return undefined;
  return rankPhoneKind([...words, 'phone', String(order)], false);
}

function rankEmailWords(words: readonly string[]): number | undefined {
  if (!words.some((word) => EMAIL_WORDS.has(word))) return undefined;
  if (words.some((word) => EMAIL_NOT_ADDRESS.has(word))) return undefined;
  let secondary = 0;
  let order = 0;
  for (const word of words) {
    if (EMAIL_WORDS.has(word) || EMAIL_QUALIFIERS.has(word)) continue;
    if (isNumberWord(word)) order = Number(word);
    else if (EMAIL_SECONDARY.has(word)) secondary = 1;
    else return undefined;
  }
  if (words.length === 1 && words[0] === 'mail') return 5;
  return secondary * 100 + Math.min(order, 99);
}

function rankCountryWords(words: readonly string[]): number | undefined {
  if (!words.includes('country')) return undefined;
  if (!words.every((word) => word === 'country' || COUNTRY_QUALIFIERS.has(word) || isNumberWord(word)))
    return undefined;
  const has = (...list: string[]): boolean => list.some((word) => words.includes(word));
  if (words.length === 1 || (words.length === 2 && has('code', 'region', 'iso'))) return 0;
  if (has('mailing', 'home', 'personal', 'private', 'residence', 'primary')) return 10;
  if (has('address', 'default', 'postal')) return 20;
  if (has('billing', 'shipping')) return 30;
  if (has('business', 'work', 'office')) return 40;
  return 45;
}

/** A value of an SMS consent column as the row's consent, or `undefined` when it says neither. */
export function readConsent(kind: ConsentColumnKind, value: string): 'opted-out' | 'granted' | undefined {
  const text = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  if (text === '') return undefined;
  if (kind === 'opt-out-flag') return TRUTHY.has(text) || OPTED_OUT.test(text) ? 'opted-out' : undefined;
  if (/\b(?:never|not|non|no longer)\b/.test(text) && !OPTED_OUT.test(text)) return undefined;
  if (OPTED_OUT.test(text)) return 'opted-out';
  if (TRUTHY.has(text) || GRANTED.test(text)) return 'granted';
  return undefined;
}

const TRUTHY: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1', 'x', 'oui', 'ja', 'si']);
const OPTED_OUT =
  /\b(?:unsubscribed|opted out|opt out|optout|blacklisted|blocklisted|blocked|stop|stopped|revoked|withdrawn|suppressed|unsubscribe)\b/;
const GRANTED = /\b(?:subscribed|opted in|opt in|optin|granted|consented|confirmed|accepted)\b/;
