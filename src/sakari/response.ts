/**
 * Reading Sakari's JSON answers defensively: unknown fields are ignored, missing arrays are
 * empty, and a field of the wrong type is treated as absent. Pure functions, no I/O.
 */
import type { ContactPayload } from '../types.js';
import type { BatchResult, ContactOutcome, RemoteContact } from './types.js';

/** Sakari's code for "Contact has requested no further communication": the row is blocked. */
export const BLOCKED_API_CODE = 'CONT-010';
/** A submitted contact that the upload answer mentions in neither `contacts[]` nor `errors[]`. */
export const NO_RESULT_CODE = 'NO_RESULT';
/** A row in `errors[]` whose error carries no code. */
export const UNSPECIFIED_API_CODE = 'API_ERROR';

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
function wasCreated(contact: unknown): boolean {
  const updatedAt = stringField(field(contact, 'updated'), 'at');
  if (updatedAt === undefined) return true;
  return stringField(field(contact, 'created'), 'at') === updatedAt;
}

/**
 * A `ContactUploadResponse` (the answer to a CSV batch upsert) as one outcome per submitted
 * contact, keyed by the E.164 we sent:
 * - `data.contacts[]` → `created` (created.at === updated.at, or no updated) or `updated`, with the id;
 * - `data.errors[]` → `blocked` for `CONT-010`, else `failed` with the API's code and description;
 * - neither → `failed` with code `NO_RESULT`.
 * Entries are matched by mobile number; entries matching no submitted contact are ignored. A
 * contact listed in both arrays is reported from `errors[]` (never report a refused row as stored).
 */
export function readUploadResponse(body: unknown, submitted: readonly ContactPayload[]): BatchResult {
  const data = field(body, 'data');
  const byDigits = new Map<string, string>();
  for (const contact of submitted) byDigits.set(digitsOf(contact.mobile), contact.mobile);
  const submittedFor = (entry: unknown): string | undefined => {
    const number = mobileNumberOf(entry);
    return number === undefined ? undefined : byDigits.get(digitsOf(number));
  };

  const outcomes = new Map<string, ContactOutcome>();
  for (const entry of arrayField(data, 'contacts')) {
    const mobile = submittedFor(entry);
    if (mobile === undefined) continue;
    const outcome: ContactOutcome = { status: wasCreated(entry) ? 'created' : 'updated' };
    const id = idOf(entry);
    if (id !== undefined) outcome.contactId = id;
    outcomes.set(mobile, outcome);
  }
  for (const entry of arrayField(data, 'errors')) {
    const mobile = submittedFor(entry);
    if (mobile === undefined) continue;
    const error = field(entry, 'error');
    const code = stringField(error, 'code') ?? UNSPECIFIED_API_CODE;
    const message = stringField(error, 'description') ?? stringField(error, 'message') ?? 'refused by Sakari';
    outcomes.set(mobile, { status: code === BLOCKED_API_CODE ? 'blocked' : 'failed', code, message });
  }
  for (const contact of submitted) {
    if (!outcomes.has(contact.mobile)) {
      outcomes.set(contact.mobile, {
        status: 'failed',
        code: NO_RESULT_CODE,
        message: 'Sakari accepted the batch but reported nothing for this contact',
      });
    }
  }

  let created = 0;
  let updated = 0;
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'created') created++;
    else if (outcome.status === 'updated') updated++;
  }
  return {
    outcomes,
    submitted: numberField(data, 'submitted') ?? submitted.length,
    inserted: numberField(data, 'inserted') ?? created,
    updated: numberField(data, 'updated') ?? updated,
  };
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

/** One page of `GET .../contacts`: the contacts and, when given, the total. */
export interface ContactsPage {
  contacts: RemoteContact[];
  totalCount: number | undefined;
}

/** Reads a `ContactsResponse` page. */
export function readContactsPage(body: unknown): ContactsPage {
  return {
    contacts: arrayField(body, 'data').map(toRemoteContact),
    totalCount: numberField(field(body, 'pagination'), 'totalCount'),
  };
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
  const error = field(contact, 'error');
  if (!isObject(error)) return undefined;
  return {
    code: stringField(error, 'code') ?? UNSPECIFIED_API_CODE,
    message: stringField(error, 'description') ?? stringField(error, 'message') ?? 'refused by Sakari',
  };
}
