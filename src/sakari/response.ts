/**
 * Reading Sakari's JSON answers defensively: unknown fields are ignored, missing arrays are
 * empty, a field of the wrong type is treated as absent, and a count, total or flag sent as text
 * (`"4"`, `"true"`) is read as the number or flag it spells. Pure functions, no I/O.
 */
import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';
import { BLOCKED_API_CODE, isApiCode, NO_RESULT_CODE, UNSPECIFIED_API_CODE } from '../codes.js';
import type { ContactPayload } from '../types.js';
import type { BatchResult, ContactOutcome, RemoteContact } from './types.js';

/** The answer was JSON but not shaped as the operation requires (e.g. a contact without an id). */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** A single-contact answer whose contact carries an `error` (e.g. CONT-010): Sakari refused it. */
export class ContactRefusedError extends Error {
  override name = 'ContactRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' ? found : undefined;
}

/** A non-blank string (trimmed) or a finite number, as text: the way codes and words may come. */
function textField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return typeof found === 'string' && found.trim() !== '' ? found.trim() : undefined;
}

/** Digits only, as a JSON number would be: `"250"`, `" 4 "`. */
const NUMERIC_TEXT = /^\s*\d+\s*$/;

/** A count: a non-negative integer, or a string of digits (`"4"`), else absent. */
function countField(value: unknown, key: string): number | undefined {
  const found = field(value, key);
  const count = typeof found === 'string' && NUMERIC_TEXT.test(found) ? Number(found) : found;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

/** A flag: a boolean, or `"true"`/`"false"` in any case, else absent. */
function flagField(value: unknown, key: string): boolean | undefined {
  const found = field(value, key);
  if (typeof found === 'boolean') return found;
  if (typeof found !== 'string') return undefined;
  const text = found.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function arrayField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? found : [];
}

/** An id may come back as a number; it is an opaque string to us. */
function idOf(contact: unknown): string | undefined {
  const id = field(contact, 'id');
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

function mobileNumberOf(contact: unknown): string | undefined {
  const mobile = field(contact, 'mobile');
  // The spec says {number, country}; tolerate a bare string too. A blank one is no number.
  const number = typeof mobile === 'string' ? mobile : stringField(mobile, 'number');
  return number === undefined || number.trim() === '' ? undefined : number;
}

/**
 * Matching key of a phone number: its digits. Sakari may echo `+447700900123` as `447700900123`;
 * both are the same E.164 number.
 */
function digitsOf(mobile: string): string {
  return mobile.replace(/\D/g, '');
}

/** The country calling code of an ISO country (`US` → `1`), when the country is known. */
function callingCodeOf(country: string | undefined): string | undefined {
  const iso = country?.trim().toUpperCase();
  return iso !== undefined && isSupportedCountry(iso) ? getCountryCallingCode(iso) : undefined;
}

/**
 * Finds the submitted contact an answer's entry names. By digits first (`+12015550123` =
 * `12015550123`). An echo in national form (`(201) 555-0123`, `07911 123456`: no `+`, digits that
 * match no submitted number) is matched as `calling code + national digits`, a leading trunk `0`
 * dropped or not, with the calling code of the echo's `mobile.country`, else of each submitted
 * row's country; only when exactly one submitted number fits, so an echo is never given to the
 * wrong row (an ambiguous or unknown echo names nothing and the counts or a look-up decide).
 */
function submittedMatcher(submitted: readonly ContactPayload[]): (entry: unknown) => string | undefined {
  const byDigits = new Map<string, string>();
  const callingCodes = new Set<string>();
  for (const contact of submitted) {
    byDigits.set(digitsOf(contact.mobile), contact.mobile);
    const code = callingCodeOf(contact.country);
    if (code !== undefined) callingCodes.add(code);
  }
  return (entry) => {
    const number = mobileNumberOf(entry);
    if (number === undefined) return undefined;
    const digits = digitsOf(number);
    const exact = byDigits.get(digits);
    if (exact !== undefined || digits === '' || number.trim().startsWith('+')) return exact;
    const echoed = callingCodeOf(stringField(field(entry, 'mobile'), 'country'));
    const codes = echoed === undefined ? [...callingCodes] : [echoed];
    const nationals = new Set([digits, digits.replace(/^0/, '')]);
    const fits = new Set<string>();
    for (const code of codes) {
      for (const national of nationals) {
        const mobile = national === '' ? undefined : byDigits.get(code + national);
        if (mobile !== undefined) fits.add(mobile);
      }
    }
    return fits.size === 1 ? [...fits][0] : undefined;
  };
}

/** created.at === updated.at (or no update recorded) means the upsert created the contact. */
function createdByTimestamps(createdAt: string | undefined, updatedAt: string | undefined): boolean {
  return updatedAt === undefined || createdAt === updatedAt;
}

function wasCreated(contact: unknown): boolean {
  return createdByTimestamps(
    stringField(field(contact, 'created'), 'at'),
    stringField(field(contact, 'updated'), 'at'),
  );
}

/** A refusal: the API's code and words. */
interface Refusal {
  code: string;
  message: string;
}

const REFUSED_WITHOUT_WORDS = 'refused by Sakari';

/**
 * The code and words of a refused contact, wherever the answer puts them: `error: {code,
 * description}` (the spec), `error: {code, message}`, `error: "words"` beside a top-level `code`,
 * or an `error` that is a bare code (`"CONT-010"`). No code: `API_ERROR`.
 */
function refusalOf(entry: unknown): Refusal {
  const error = field(entry, 'error');
  const text = typeof error === 'string' && error.trim() !== '' ? error.trim() : undefined;
  const textIsCode = text !== undefined && isApiCode(text);
  return {
    code:
      textField(error, 'code') ??
      textField(entry, 'code') ??
      (textIsCode ? text : undefined) ??
      UNSPECIFIED_API_CODE,
    message:
      textField(error, 'description') ??
      textField(error, 'message') ??
      (textIsCode ? undefined : text) ??
      textField(entry, 'description') ??
      textField(entry, 'message') ??
      REFUSED_WITHOUT_WORDS,
  };
}

/**
 * The refusal a `Contact` carries, if any (the spec's `Contact` has `error` and `valid`, so an
 * upload answer may list a refused row in `contacts[]`): an `error` (an object, or non-blank
 * words), or `valid: false` on an entry without an id. A `valid: false` contact with an id and no
 * `error` is one Sakari holds: the flag then describes the number, not the write.
 */
function refusalInContact(entry: unknown): Refusal | undefined {
  const error = field(entry, 'error');
  if (isObject(error) || (typeof error === 'string' && error.trim() !== '')) return refusalOf(entry);
  if (flagField(entry, 'valid') === false && idOf(entry) === undefined) {
    const refusal = refusalOf(entry);
    return refusal.message === REFUSED_WITHOUT_WORDS
      ? { ...refusal, message: 'Sakari marked this contact not valid and gave it no id' }
      : refusal;
  }
  return undefined;
}

function refusedOutcome(refusal: Refusal): ContactOutcome {
  return {
    status: refusal.code === BLOCKED_API_CODE ? 'blocked' : 'failed',
    code: refusal.code,
    message: refusal.message,
  };
}

function isStored(outcome: ContactOutcome | undefined): boolean {
  return outcome?.status === 'created' || outcome?.status === 'updated';
}

/**
 * What a `ContactUploadResponse` says, before any look-up: the outcomes of the rows it names, and
 * what its counts tell about the rows it does not name.
 */
export interface UploadReading {
  /**
   * Outcomes of the submitted rows named (by mobile) in `contacts[]` or `errors[]`, except those
   * {@link inDoubt}.
   */
  named: Map<string, ContactOutcome>;
  /**
   * Rows `contacts[]` names as stored while the counts (`inserted + updated`, else `success`) say
   * fewer were stored: the names are not trusted, each is looked up. In submission order.
   */
  inDoubt: ContactPayload[];
  /** Submitted rows named in neither array, in submission order. */
  unnamed: ContactPayload[];
  /**
   * How many of {@link unnamed} Sakari stored, when its counts tell (`inserted + updated`, else
   * `success`, minus the named stored rows); `undefined` when it gave no usable count, or counts
   * that contradict the named rows.
   */
  unnamedStored: number | undefined;
  /** How many of the unnamed stored rows were created (`inserted` minus the named created), when known. */
  unnamedCreated: number | undefined;
  /** `errors[]` entries that name no mobile: refusals of unnamed rows, which one unknown. */
  anonymousRefusals: Refusal[];
  submitted: number;
  inserted: number;
  updated: number;
}

/**
 * Reads the answer to a CSV batch upsert: a `ContactUploadResponse`, or the spec's other answer
 * to the same request, a `ContactsResponse` (`data: [Contact]`, read like `contacts[]` without
 * counts). Entries are matched to the submitted contacts by mobile number (see
 * {@link submittedMatcher}):
 * - `data.contacts[]` → `created` (created.at === updated.at, or no updated) or `updated`, with
 *   the id; but an entry carrying a refusal (`error`, or `valid: false` without an id) is refused,
 *   exactly like one in `errors[]`;
 * - `data.errors[]` → `blocked` for `CONT-010`, else `failed` with the API's code and words
 *   (read from `error.code`/`error.description`/`error.message`, a string `error`, a top-level
 *   `code`).
 *
 * A refusal is never overwritten by a stored listing of the same row (a row in both arrays is
 * refused). When the counts say fewer rows were stored than `contacts[]` names as stored, those
 * names are {@link UploadReading.inDoubt} and the counts say nothing about the unnamed rows. The
 * spec makes no field required: the rows named in neither array are left to {@link settleUpload},
 * with what the counts say about them.
 */
export function readUploadAnswer(body: unknown, submitted: readonly ContactPayload[]): UploadReading {
  const data = field(body, 'data');
  const submittedFor = submittedMatcher(submitted);

  const named = new Map<string, ContactOutcome>();
  for (const entry of Array.isArray(data) ? data : arrayField(data, 'contacts')) {
    const mobile = submittedFor(entry);
    if (mobile === undefined) continue;
    const refusal = refusalInContact(entry);
    if (refusal !== undefined) {
      named.set(mobile, refusedOutcome(refusal));
      continue;
    }
    const earlier = named.get(mobile);
    if (earlier !== undefined && !isStored(earlier)) continue;
    const outcome: ContactOutcome = { status: wasCreated(entry) ? 'created' : 'updated' };
    const id = idOf(entry);
    if (id !== undefined) outcome.contactId = id;
    named.set(mobile, outcome);
  }
  const anonymousRefusals: Refusal[] = [];
  for (const entry of arrayField(data, 'errors')) {
    if (!isObject(entry)) continue;
    const mobile = submittedFor(entry);
    // A refusal naming a number we did not send is someone else's: ignored. One naming none is
    // a refusal of one of our unnamed rows.
    if (mobile === undefined) {
      if (mobileNumberOf(entry) === undefined) anonymousRefusals.push(refusalOf(entry));
      continue;
    }
    named.set(mobile, refusedOutcome(refusalOf(entry)));
  }

  const inserted = countField(data, 'inserted');
  const updated = countField(data, 'updated');
  const stored =
    inserted !== undefined && updated !== undefined ? inserted + updated : countField(data, 'success');
  // Cross-check (audit §1): a refused row must never be reported stored on the names alone.
  const namedStored = submitted.filter((contact) => isStored(named.get(contact.mobile)));
  // Fewer stored than named stored: some "stored" names are refusals in a shape we do not know.
  const inDoubt = stored !== undefined && stored < namedStored.length ? namedStored : [];
  for (const contact of inDoubt) named.delete(contact.mobile);
  const doubted = new Set(inDoubt.map((contact) => contact.mobile));

  let namedCreated = 0;
  let namedUpdated = 0;
  for (const outcome of named.values()) {
    if (outcome.status === 'created') namedCreated++;
    else if (outcome.status === 'updated') namedUpdated++;
  }
  const unnamed = submitted.filter((contact) => !named.has(contact.mobile) && !doubted.has(contact.mobile));
  const within = (count: number | undefined): number | undefined =>
    inDoubt.length === 0 && count !== undefined && count >= 0 && count <= unnamed.length ? count : undefined;
  const unnamedStored = within(stored === undefined ? undefined : stored - namedCreated - namedUpdated);
  // `inserted` minus the named created rows, when that fits within the unnamed stored rows.
  let unnamedCreated: number | undefined;
  if (unnamedStored !== undefined && inserted !== undefined) {
    const created = inserted - namedCreated;
    if (created >= 0 && created <= unnamedStored) unnamedCreated = created;
  }
  return {
    named,
    inDoubt,
    unnamed,
    unnamedStored,
    unnamedCreated,
    anonymousRefusals,
    submitted: countField(data, 'submitted') ?? submitted.length,
    inserted: inserted ?? namedCreated,
    updated: updated ?? namedUpdated,
  };
}

/**
 * The rows whose outcome the answer cannot tell, so a look-up by mobile must: every row
 * {@link UploadReading.inDoubt}, and the unnamed rows unless the counts say every unnamed row was
 * stored and whether each was created or updated (all one or all the other), or that none was.
 */
export function rowsToLookUp(reading: UploadReading): ContactPayload[] {
  const { inDoubt, unnamed, unnamedStored, unnamedCreated } = reading;
  if (unnamed.length === 0 || unnamedStored === 0) return [...inDoubt];
  const allStored = unnamedStored === unnamed.length;
  if (allStored && (unnamedCreated === 0 || unnamedCreated === unnamed.length)) return [...inDoubt];
  return [...inDoubt, ...unnamed];
}

/**
 * One outcome per submitted contact, from an {@link UploadReading} and the look-ups by mobile
 * done for {@link rowsToLookUp} (`null`: not in the account; absent: not looked up). Rules for a
 * row the answer does not name, never reporting a stored contact as `failed`:
 * - the counts say every unnamed row was stored: `created` or `updated` as the counts say when
 *   they agree for all of them, else as its look-up shows (created.at === updated.at: `created`);
 *   not found by its look-up either, `created` (a stored row is only `updated` when known);
 * - the counts say none was stored, or its look-up did not find it: refused. The code is that of
 *   the `errors[]` entries naming no mobile when they all carry the same one (`CONT-010` →
 *   `blocked`); a row they cannot be told apart for is `failed` with `API_ERROR`, and one no
 *   entry mentions is `failed` with `NO_RESULT` (not acknowledged, so the next run sends it again:
 *   an import Sakari finishes later may store it meanwhile);
 * - found by its look-up: stored, `created` or `updated` as the contact's timestamps show.
 *
 * A row {@link UploadReading.inDoubt} is stored when its look-up finds it, else refused as above;
 * never stored on the answer's word alone.
 */
export function settleUpload(
  reading: UploadReading,
  found: ReadonlyMap<string, RemoteContact | null>,
): BatchResult {
  const { unnamed, unnamedStored, unnamedCreated, anonymousRefusals } = reading;
  const outcomes = new Map(reading.named);
  const allStored = unnamed.length > 0 && unnamedStored === unnamed.length;
  for (const contact of reading.inDoubt) {
    const remote = found.get(contact.mobile);
    const outcome = remote
      ? storedOutcome(remote)
      : refusalForUnnamed(anonymousRefusals, remote === null ? 'doubt-not-found' : 'doubt');
    outcomes.set(contact.mobile, outcome);
  }
  for (const contact of unnamed) {
    const remote = found.get(contact.mobile);
    let outcome: ContactOutcome;
    if (remote) {
      outcome = storedOutcome(remote);
    } else if (allStored) {
      outcome = { status: unnamedCreated === 0 ? 'updated' : 'created' };
    } else {
      const why = remote === null ? 'not-found' : unnamedStored === 0 ? 'counted-out' : 'unchecked';
      outcome = refusalForUnnamed(anonymousRefusals, why);
    }
    outcomes.set(contact.mobile, outcome);
  }
  return {
    outcomes,
    submitted: reading.submitted,
    inserted: reading.inserted,
    updated: reading.updated,
  };
}

function storedOutcome(remote: RemoteContact): ContactOutcome {
  const outcome: ContactOutcome = { status: remoteWasCreated(remote) ? 'created' : 'updated' };
  // A listed contact without an id has `id: ''` (see readRemoteContact).
  if (remote.id !== '') outcome.contactId = remote.id;
  return outcome;
}

/**
 * Why a row is not known to be stored: its look-up did not find it, the counts say none of the
 * unnamed rows was stored, or neither a count nor a look-up tells; `doubt…` the same for a row
 * named stored against the counts.
 */
type Unconfirmed = 'not-found' | 'counted-out' | 'unchecked' | 'doubt-not-found' | 'doubt';

const UNCONFIRMED_MESSAGES: Readonly<Record<Unconfirmed, string>> = {
  'not-found': 'Sakari did not confirm this contact and a look-up by mobile did not find it (yet)',
  'counted-out':
    'Sakari did not confirm this contact: its counts say it was not stored, and it gave no reason',
  unchecked: 'Sakari did not confirm this contact',
  'doubt-not-found':
    'Sakari listed this contact as stored but its counts say fewer were stored, and a look-up by mobile did not find it (yet)',
  doubt: 'Sakari listed this contact as stored but its counts say fewer were stored',
};

function refusalForUnnamed(refusals: readonly Refusal[], why: Unconfirmed): ContactOutcome {
  const first = refusals[0];
  if (first === undefined) {
    return {
      status: 'failed',
      code: NO_RESULT_CODE,
      message: `${UNCONFIRMED_MESSAGES[why]}; the next run sends it again`,
    };
  }
  if (refusals.every((refusal) => refusal.code === first.code)) return refusedOutcome(first);
  const codes = [...new Set(refusals.map((refusal) => refusal.code))].join(', ');
  return {
    status: 'failed',
    code: UNSPECIFIED_API_CODE,
    message: `refused by Sakari, which did not say which of its errors (${codes}) was this contact's`,
  };
}

function remoteWasCreated(contact: RemoteContact): boolean {
  return createdByTimestamps(contact.createdAt, contact.updatedAt);
}

/**
 * {@link readUploadAnswer} then {@link settleUpload} without look-ups: what the answer alone says.
 */
export function readUploadResponse(body: unknown, submitted: readonly ContactPayload[]): BatchResult {
  return settleUpload(readUploadAnswer(body, submitted), new Map());
}

function attributeText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

/**
 * A listed Sakari `Contact` as a {@link RemoteContact}: tags `[{tag}]` become strings, attribute
 * values become strings (objects as JSON), `created.at`/`updated.at` become `createdAt`/`updatedAt`.
 * The spec requires no field: a contact without an id gets `id: ''` (it is still compared by its
 * mobile number); `undefined` when it has no mobile number, the key every contact is matched by.
 */
export function readRemoteContact(value: unknown): RemoteContact | undefined {
  const number = mobileNumberOf(value);
  if (number === undefined) return undefined;
  const mobile: RemoteContact['mobile'] = { number };
  const country = stringField(field(value, 'mobile'), 'country');
  if (country !== undefined) mobile.country = country;

  const tags: string[] = [];
  for (const tag of arrayField(value, 'tags')) {
    const text = typeof tag === 'string' ? tag : stringField(tag, 'tag');
    if (text !== undefined) tags.push(text);
  }

  const attributes: Record<string, string> = {};
  const rawAttributes = field(value, 'attributes');
  if (isObject(rawAttributes)) {
    for (const [name, raw] of Object.entries(rawAttributes)) {
      const text = attributeText(raw);
      if (text !== undefined) attributes[name] = text;
    }
  }

  const contact: RemoteContact = { id: idOf(value) ?? '', mobile, tags, attributes };
  const firstName = stringField(value, 'firstName');
  const lastName = stringField(value, 'lastName');
  const email = stringField(value, 'email');
  const createdAt = stringField(field(value, 'created'), 'at');
  const updatedAt = stringField(field(value, 'updated'), 'at');
  if (firstName !== undefined) contact.firstName = firstName;
  if (lastName !== undefined) contact.lastName = lastName;
  if (email !== undefined) contact.email = email;
  if (createdAt !== undefined) contact.createdAt = createdAt;
  if (updatedAt !== undefined) contact.updatedAt = updatedAt;
  return contact;
}

/**
 * The contact of a single-contact answer (get, update, single upsert) as a {@link RemoteContact},
 * read as {@link readRemoteContact} reads a listed one; that contact is the operation's result,
 * so it must have an id.
 *
 * @throws MalformedResponseError when the contact has no id or no mobile number.
 */
export function toRemoteContact(value: unknown): RemoteContact {
  const contact = readRemoteContact(value);
  if (contact === undefined || contact.id === '') {
    throw new MalformedResponseError('a contact in the answer has no id or no mobile number');
  }
  return contact;
}

/** Whether a single contact answer was a creation (see {@link readUploadResponse}). */
export function contactWasCreated(value: unknown): boolean {
  return wasCreated(value);
}

/** One page of `GET .../contacts`: the contacts and, when given, what the pagination says. */
export interface ContactsPage {
  contacts: RemoteContact[];
  /**
   * Entries of `data` left out of {@link contacts} because they have no mobile number, for a
   * warning. They take places in the listing: paging by `offset` counts them too
   * (`contacts.length + skipped`), else the next page repeats as many contacts.
   */
  skipped: number;
  /** `pagination.totalCount` (the spec), a number or a string of digits. */
  totalCount: number | undefined;
  /** `pagination.hasNext` (the live API's documentation), a boolean or `"true"`/`"false"`. */
  hasNext: boolean | undefined;
}

/** Reads a `ContactsResponse` page; a missing or odd `pagination` object is no pagination. */
export function readContactsPage(body: unknown): ContactsPage {
  const pagination = field(body, 'pagination');
  const contacts: RemoteContact[] = [];
  let skipped = 0;
  for (const entry of arrayField(body, 'data')) {
    const contact = readRemoteContact(entry);
    if (contact === undefined) skipped++;
    else contacts.push(contact);
  }
  return {
    contacts,
    skipped,
    totalCount: countField(pagination, 'totalCount'),
    hasNext: flagField(pagination, 'hasNext'),
  };
}

/**
 * Whether a listing has more pages after this one (CONTRACT §2): ends on `hasNext: false` when
 * given, else when `offset` (contacts read so far) reaches `totalCount`, else on an empty page:
 * without pagination a short page proves nothing, as a server may cap pages below `pageSize`
 * (one more request ends the listing). A page without a readable contact always ends it, so a
 * server that keeps saying `hasNext: true` cannot loop us (and a caller advancing `offset` by the
 * contacts it read could not get past it). A server that ignores `offset` and gives no
 * pagination is never done: only the caller, seeing the same contacts again, can tell.
 *
 * @param pageSize - the `limit` asked for; no longer decides the end (kept for the callers).
 */
export function hasMorePages(page: ContactsPage, offset: number): boolean {
  if (page.contacts.length + page.skipped === 0) return false;
  if (page.hasNext !== undefined) return page.hasNext;
  // With a total, trust it (a server may cap `limit` below ours, making every page "short").
  if (page.totalCount !== undefined) return offset < page.totalCount;
  return true;
}

/** Digits of a number, the key contacts are matched by (`+447700900123` = `447700900123`). */
export function sameNumber(a: string, b: string): boolean {
  return digitsOf(a) === digitsOf(b);
}

/** The query value of a look-up by mobile: its digits, found by Sakari's "mobile or part of" filter whichever way it stores the `+`. */
export function mobileFilterOf(e164: string): string {
  return digitsOf(e164);
}

/** The contact of a `ContactResponse` (`data: Contact`) or a single upsert answer (`data: [Contact]`). */
export function singleContactOf(body: unknown): unknown {
  const data = field(body, 'data');
  if (Array.isArray(data)) {
    if (data.length === 0) throw new MalformedResponseError('the answer holds no contact');
    return data[0];
  }
  if (isObject(data)) {
    // An upload-style answer ({contacts[], errors[]}) to a single upsert.
    const refused = arrayField(data, 'errors')[0];
    if (refused !== undefined) return refused;
    const stored = arrayField(data, 'contacts')[0];
    if (stored !== undefined) return stored;
    return data;
  }
  throw new MalformedResponseError('the answer holds no contact');
}

/** The `{code, message}` of an error answer (`{success:false, error:{code, message}}`), if any. */
export function apiErrorOf(body: unknown): { code?: string; message?: string } {
  const error = field(body, 'error');
  const result: { code?: string; message?: string } = {};
  const code = stringField(error, 'code');
  const message = stringField(error, 'message') ?? stringField(error, 'description');
  if (code !== undefined) result.code = code;
  if (message !== undefined) result.message = message;
  return result;
}

/**
 * The refusal a single stored-or-refused Contact carries (`error: {code, description}`, the other
 * shapes {@link refusalOf} reads, or `valid: false` without an id), if any.
 */
export function contactErrorOf(contact: unknown): { code: string; message: string } | undefined {
  return refusalInContact(contact);
}
