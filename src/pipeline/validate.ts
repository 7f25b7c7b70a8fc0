/**
 * Stage 4 of the pipeline: cleans and checks the non-phone fields of each {@link Contact}
 * (CONTRACT §4): email trimmed and lower-cased, a malformed one rejects the row; names trimmed,
 * inner whitespace collapsed, control characters removed; tags and attribute values cleaned of
 * control characters; SMS consent from the source ({@link checkConsent}). {@link Rejected} rows
 * pass through untouched.
 */
import { unexpectedKind, type AllFields, type Recalled, type Contact, type Rejected } from '../types.js';
import { setAttribute } from './map-fields.js';
import { isPlaceholder } from './placeholder.js';
import { mapChunks, perRow, type Chunks } from '../chunks.js';

/**
 * A pragmatic email check: one `@`, a non-empty local part, a domain of at least two non-empty
 * dot-separated labels, no whitespace or control characters. Deliverability is Sakari's and the
 * mail server's business; this catches what is plainly not an address ("john@", "a b@c.d"). A cell
 * that only says it holds nothing ("n/a", "-": {@link isPlaceholder}) is no email, not a bad one.
 */
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@.\p{Cc}]+(?:\.[^\s@.\p{Cc}]+)+$/u;

/**
 * C0 and C1 control characters and DEL, except those that are whitespace (TAB, LF, CR…): removed
 * before whitespace runs are collapsed, so `a \u0000 b` becomes `a b`, not `a  b`.
 */
const CONTROL = /[^\P{Cc}\s]/gu;
/** Anything in a name that needs work: a control character, a whitespace other than one space, two spaces. */
const NAME_NEEDS_CLEANING = /[\p{Cc}]|[^\S ]| {2}/u;
const WHITESPACE_RUN = /\s+/g;
/** Control characters other than TAB, LF and CR, which free-text attributes (notes) may hold. */
const ATTRIBUTE_CONTROL = /[^\P{Cc}\t\n\r]/gu;
const ATTRIBUTE_NEEDS_CLEANING = /[^\P{Cc}\t\n\r]/u;
const MAX_ECHOED_EMAIL = 80;

/**
 * Cleans a person's name: whitespace runs (tabs, newlines, no-break spaces) become one space,
 * other control characters are removed, the ends trimmed. `undefined` when nothing is left.
 *
 * @example cleanName('  Mary \t Ann\u0000 ') // 'Mary Ann'
 */
export function cleanName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let text = value;
  if (NAME_NEEDS_CLEANING.test(text)) text = text.replace(CONTROL, '').replace(WHITESPACE_RUN, ' ');
  text = text.trim();
  return text === '' ? undefined : text;
}

/**
 * Cleans and checks an email: trimmed, lower-cased, then matched against a pragmatic pattern
 * (one `@`, non-empty local part, dotted domain, no spaces).
 * @returns the clean address, `undefined` for an empty value (or a placeholder such as `n/a`), or
 *   `false` when malformed.
 */
export function cleanEmail(value: string | undefined): string | undefined | false {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  if (EMAIL.test(text)) return text;
  return isPlaceholder(text) ? undefined : false;
}

/** An attribute value without control characters (TAB, LF and CR kept) and surrounding space. */
export function cleanAttributeValue(value: string): string {
  const text = ATTRIBUTE_NEEDS_CLEANING.test(value) ? value.replace(ATTRIBUTE_CONTROL, '') : value;
  return text.trim();
}

/**
 * Stage: validates each contact. A contact whose payload needed cleaning comes out as a new
 * contact with a new payload (its input is left as it was): names per {@link cleanName}, email per
 * {@link cleanEmail}, tags and attribute values per {@link cleanAttributeValue} (values left
 * empty are dropped, so a blank cell never blanks a field in Sakari). A malformed email turns
 * the row into a {@link Rejected} `invalid` row with `EMAIL_INVALID` on field `email`.
 */
export function validateContacts(
  items: AsyncIterable<Contact | Rejected>,
  options?: ValidateOptions,
): AsyncGenerator<Contact | Rejected>;
export function validateContacts(
  items: AsyncIterable<Contact | Rejected | Recalled>,
  options?: ValidateOptions,
): AsyncGenerator<Contact | Rejected | Recalled>;
export function validateContacts(
  items: AsyncIterable<Contact | Rejected | Recalled>,
  options: ValidateOptions = {},
): AsyncGenerator<Contact | Rejected | Recalled> {
  return perRow((chunks) => validateChunks(chunks, options), items);
}

/** {@link validateContacts}, a chunk at a time (see `chunks.ts`). */
export function validateChunks(
  items: Chunks<Contact | Rejected | Recalled>,
  options: ValidateOptions = {},
): AsyncGenerator<Array<Contact | Rejected | Recalled>> {
  return mapChunks(items, (item): Contact | Rejected | Recalled => {
    switch (item.kind) {
      case 'contact':
        return checkConsent(item, options) ?? validateContact(item);
      // A recalled row was valid under the same options when Sakari acknowledged it.
      case 'rejected':
      case 'recalled':
        return item;
      default:
        return unexpectedKind(item);
    }
  });
}

/** Options of {@link validateContacts}. */
export interface ValidateOptions {
  /** `--require-sms-consent`: a row without an explicit SMS consent in the source is `blocked`. */
  requireSmsConsent?: boolean;
}

/**
 * CONTRACT §3 consent: an SMS opt-out in the source blocks the row (`SOURCE_OPTED_OUT`); with
 * `requireSmsConsent`, so does the lack of an explicit consent (`NO_SMS_CONSENT`). Blocked rows
 * are never sent.
 */
function checkConsent(contact: Contact, options: ValidateOptions): Rejected | undefined {
  if (contact.consent === 'opted-out')
    return blocked(contact, 'SOURCE_OPTED_OUT', 'the source says this person opted out of SMS: not sent');
  if (options.requireSmsConsent && contact.consent !== 'granted')
    return blocked(
      contact,
      'NO_SMS_CONSENT',
      'no explicit SMS consent in the source and --require-sms-consent is set: not sent',
    );
  return undefined;
}

function blocked(contact: Contact, code: 'SOURCE_OPTED_OUT' | 'NO_SMS_CONSENT', message: string): Rejected {
  return {
    kind: 'rejected',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    mobileE164: contact.payload.mobile,
    status: 'blocked',
    error: { code, field: 'consent', message },
    rowHash: contact.rowHash,
  };
}

/**
 * What is wrong with a row's email, in the words of its `EMAIL_INVALID` message; `undefined` when
 * it is fine or empty. Also said by a row rejected for its phone, so that one round of fixing
 * rejected.csv fixes both.
 */
export function emailProblem(value: string | undefined): string | undefined {
  if (cleanEmail(value) !== false) return undefined;
  const shown = (value ?? '').trim();
  return `email ${JSON.stringify(shown.length > MAX_ECHOED_EMAIL ? `${shown.slice(0, MAX_ECHOED_EMAIL)}…` : shown)}: not a valid email address`;
}

function validateContact(contact: Contact): Contact | Rejected {
  const payload = contact.payload;
  const email = cleanEmail(payload.email);
  if (email === false) {
    return {
      kind: 'rejected',
      ref: contact.ref,
      raw: contact.raw,
      mobileInput: contact.mobileInput,
      mobileE164: payload.mobile,
      status: 'invalid',
      error: {
        code: 'EMAIL_INVALID',
        field: 'email',
        message: emailProblem(payload.email) as string,
      },
      rowHash: contact.rowHash,
    };
  }
  const firstName = cleanName(payload.firstName);
  const lastName = cleanName(payload.lastName);
  const tags = payload.tags.length > 0 ? cleanTags(payload.tags) : payload.tags;
  const attributes = cleanAttributes(payload.attributes);
  if (
    email === payload.email &&
    firstName === payload.firstName &&
    lastName === payload.lastName &&
    tags === payload.tags &&
    attributes === payload.attributes
  )
    return contact;
  // A new contact of the same shape as `toContact`'s (normalise-phone.ts), fields in the same order.
  const cleaned: AllFields<Contact> = {
    kind: 'contact',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    payload: {
      mobile: payload.mobile,
      country: payload.country,
      firstName,
      lastName,
      email,
      tags,
      attributes,
    },
    consent: contact.consent,
    note: contact.note,
    rowHash: contact.rowHash,
  };
  return cleaned;
}

function cleanTags(tags: string[]): string[] {
  let clean: string[] | undefined;
  for (let index = 0; index < tags.length; index++) {
    const tag = tags[index] as string;
    const cleaned = cleanName(tag);
    if (clean === undefined) {
      if (cleaned === tag) continue;
      clean = tags.slice(0, index);
    }
    if (cleaned !== undefined && !clean.includes(cleaned)) clean.push(cleaned);
  }
  return clean ?? tags;
}

/** The attributes cleaned per {@link cleanAttributeValue}, in their order: the same object when all were clean. */
function cleanAttributes(attributes: Record<string, string>): Record<string, string> {
  let clean: Record<string, string> | undefined;
  for (const name in attributes) {
    const value = attributes[name] as string;
    const cleaned = cleanAttributeValue(value);
    if (clean === undefined) {
      if (cleaned === value) continue;
      clean = {};
      for (const earlier in attributes) {
        if (earlier === name) break;
        setAttribute(clean, earlier, attributes[earlier] as string);
      }
    }
    if (cleaned !== '') setAttribute(clean, name, cleaned);
  }
  return clean ?? attributes;
}
