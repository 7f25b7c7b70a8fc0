/**
 * Reading Sakari's JSON answers defensively: unknown fields are ignored, missing arrays are
 * empty, and a field of the wrong type is treated as absent. Pure functions, no I/O.
 */
import { BLOCKED_API_CODE, NO_RESULT_CODE, UNSPECIFIED_API_CODE } from '../codes.js';
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

function numberField(value: unknown, key: string): number | undefined {
  const found = field(value, key);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

/** A count: a non-negative integer, else absent. */
function countField(value: unknown, key: string): number | undefined {
  const found = numberField(value, key);
  return found !== undefined && Number.isInteger(found) && found >= 0 ? found : undefined;
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
  // The spec says {number, country}; tolerate a bare string too.
  return typeof mobile === 'string' ? mobile : stringField(mobile, 'number');
}

/**
 * Matching key of a phone number: its digits. Sakari may echo `+447700900123` as `447700900123`;
 * both are the same E.164 number.
 */
function digitsOf(mobile: string): string {
  return mobile.replace(/\D/g, '');
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

/** A refusal in `errors[]`: the API's code and words. */
interface Refusal {
  code: string;
  message: string;
}

function refusalOf(entry: unknown): Refusal {
  const error = field(entry, 'error');
  return {
    code: stringField(error, 'code') ?? UNSPECIFIED_API_CODE,
    message: stringField(error, 'description') ?? stringField(error, 'message') ?? 'refused by Sakari',
  };
}

function refusedOutcome(refusal: Refusal): ContactOutcome {
  return {
    status: refusal.code === BLOCKED_API_CODE ? 'blocked' : 'failed',
    code: refusal.code,
    message: refusal.message,
  };
}

/**
 * What a `ContactUploadResponse` says, before any look-up: the outcomes of the rows it names, and
 * what its counts tell about the rows it does not name.
 */
export interface UploadReading {
  /** Outcomes of the submitted rows named (by mobile) in `contacts[]` or `errors[]`. */
  named: Map<string, ContactOutcome>;
  /** Submitted rows named in neither array, in submission order. */
  unnamed: ContactPayload[];
  /**
   * How many of {@link unnamed} Sakari stored, when its counts tell (`inserted + updated`, else
   * `success`, minus the named stored rows); `undefined` when it gave no usable count.
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
 * Reads a `ContactUploadResponse` (the answer to a CSV batch upsert). Entries are matched to the
 * submitted contacts by mobile number (digits only):
 * - `data.contacts[]` → `created` (created.at === updated.at, or no updated) or `updated`, with the id;
 * - `data.errors[]` → `blocked` for `CONT-010`, else `failed` with the API's code and description.
 *
 * A contact listed in both arrays is reported from `errors[]` (never report a refused row as
 * stored). The spec makes no field required: the rows named in neither array are left to
 * {@link settleUpload}, with what the counts say about them.
 */
export function readUploadAnswer(body: unknown, submitted: readonly ContactPayload[]): UploadReading {
  const data = field(body, 'data');
  const byDigits = new Map<string, string>();
  for (const contact of submitted) byDigits.set(digitsOf(contact.mobile), contact.mobile);
  const submittedFor = (entry: unknown): string | undefined => {
    const number = mobileNumberOf(entry);
    return number === undefined ? undefined : byDigits.get(digitsOf(number));
  };

  const named = new Map<string, ContactOutcome>();
  for (const entry of arrayField(data, 'contacts')) {
    const mobile = submittedFor(entry);
    if (mobile === undefined) continue;
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

  let namedCreated = 0;
  let namedUpdated = 0;
  for (const outcome of named.values()) {
    if (outcome.status === 'created') namedCreated++;
    else if (outcome.status === 'updated') namedUpdated++;
  }
  const unnamed = submitted.filter((contact) => !named.has(contact.mobile));
  const inserted = countField(data, 'inserted');
  const updated = countField(data, 'updated');
  const stored =
    inserted !== undefined && updated !== undefined ? inserted + updated : countField(data, 'success');
  const within = (count: number | undefined): number | undefined =>
    count !== undefined && Number.isInteger(count) && count >= 0 && count <= unnamed.length
      ? count
      : undefined;
  const unnamedStored = within(stored === undefined ? undefined : stored - namedCreated - namedUpdated);
  // `inserted` minus the named created rows, when that fits within the unnamed stored rows.
  let unnamedCreated: number | undefined;
  if (unnamedStored !== undefined && inserted !== undefined) {
    const created = inserted - namedCreated;
    if (Number.isInteger(created) && created >= 0 && created <= unnamedStored) unnamedCreated = created;
  }
  return {
    named,
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
 * The unnamed rows whose outcome the answer cannot tell, so a look-up by mobile must: none when
 * the counts say every unnamed row was stored and whether each was created or updated (all one
 * or all the other), or that none was stored.
 */
export function rowsToLookUp(reading: UploadReading): ContactPayload[] {
  const { unnamed, unnamedStored, unnamedCreated } = reading;
  if (unnamed.length === 0 || unnamedStored === 0) return [];
  const allStored = unnamedStored === unnamed.length;
  if (allStored && (unnamedCreated === 0 || unnamedCreated === unnamed.length)) return [];
  return unnamed;
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
 *   entry mentions is `failed` with `NO_RESULT`;
 * - found by its look-up: stored, `created` or `updated` as the contact's timestamps show.
 */
export function settleUpload(
  reading: UploadReading,
  found: ReadonlyMap<string, RemoteContact | null>,
): BatchResult {
  const { unnamed, unnamedStored, unnamedCreated } = reading;
  const outcomes = new Map(reading.named);
  const refused = refusalForUnnamed(reading.anonymousRefusals);
  const allStored = unnamed.length > 0 && unnamedStored === unnamed.length;
  for (const contact of unnamed) {
    const remote = found.get(contact.mobile);
    let outcome: ContactOutcome;
    if (remote) {
      outcome = { status: remoteWasCreated(remote) ? 'created' : 'updated', contactId: remote.id };
    } else if (allStored) {
      outcome = { status: unnamedCreated === 0 ? 'updated' : 'created' };
    } else {
      outcome = refused;
    }
    outcomes.set(contact.mobile, { ...outcome });
  }
  return {
    outcomes,
    submitted: reading.submitted,
    inserted: reading.inserted,
    updated: reading.updated,
  };
}

function refusalForUnnamed(refusals: readonly Refusal[]): ContactOutcome {
  const first = refusals[0];
  if (first === undefined) {
    return {
      status: 'failed',
      code: NO_RESULT_CODE,
      message: 'Sakari reported nothing for this contact and it is not in the account',
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
 * A Sakari `Contact` as a {@link RemoteContact}: tags `[{tag}]` become strings, attribute values
 * become strings (objects as JSON), `created.at`/`updated.at` become `createdAt`/`updatedAt`.
 *
 * @throws MalformedResponseError when the contact has no id or no mobile number.
 */
export function toRemoteContact(value: unknown): RemoteContact {
  const id = idOf(value);
  const number = mobileNumberOf(value);
  if (id === undefined || number === undefined) {
    throw new MalformedResponseError('a contact in the answer has no id or no mobile number');
  }
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

  const contact: RemoteContact = { id, mobile, tags, attributes };
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

/** Whether a single contact answer was a creation (see {@link readUploadResponse}). */
export function contactWasCreated(value: unknown): boolean {
  return wasCreated(value);
}

/** One page of `GET .../contacts`: the contacts and, when given, what the pagination says. */
export interface ContactsPage {
  contacts: RemoteContact[];
  /** `pagination.totalCount` (the spec). */
  totalCount: number | undefined;
  /** `pagination.hasNext` (the live API's documentation). */
  hasNext: boolean | undefined;
}

/** Reads a `ContactsResponse` page; a missing or odd `pagination` object is no pagination. */
export function readContactsPage(body: unknown): ContactsPage {
  const pagination = field(body, 'pagination');
  const hasNext = field(pagination, 'hasNext');
  return {
    contacts: arrayField(body, 'data').map(toRemoteContact),
    totalCount: numberField(pagination, 'totalCount'),
    hasNext: typeof hasNext === 'boolean' ? hasNext : undefined,
  };
}

/**
 * Whether a listing has more pages after this one (CONTRACT §2): ends on `hasNext: false` when
 * given, else when `offset` (contacts read so far) reaches `totalCount`, else on a short page.
 * An empty page always ends it, so a server that keeps saying `hasNext: true` cannot loop us.
 */
export function hasMorePages(page: ContactsPage, offset: number, pageSize: number): boolean {
  if (page.contacts.length === 0) return false;
  if (page.hasNext !== undefined) return page.hasNext;
  // With a total, trust it (a server may cap `limit` below ours, making every page "short").
  if (page.totalCount !== undefined) return offset < page.totalCount;
  return page.contacts.length >= pageSize;
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

/** The `error` a stored-or-refused Contact carries (`{code, description}`), if any. */
export function contactErrorOf(contact: unknown): { code: string; message: string } | undefined {
  return isObject(field(contact, 'error')) ? refusalOf(contact) : undefined;
}
