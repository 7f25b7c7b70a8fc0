/**
 * Reads the bodies of contact requests: the CSV of a batch upsert and the JSON `ContactRequest` of a
 * single upsert or a PUT. Problems with the body as a whole are returned as values (`{ok: false}`);
 * problems with one contact (a bad mobile) are left to the store, which refuses that contact alone.
 */
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type { ContactInput, ContactPatch } from './contacts.js';

/** A parsed body, or why it could not be used. */
export type BodyResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** The CSV columns with a meaning; every other column is an attribute (header kept as written). */
const KNOWN_COLUMNS = ['mobile', 'country', 'firstName', 'lastName', 'email', 'tags'] as const;
type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/** Several tags in one CSV cell are joined with `|` (CONTRACT §2). */
const CSV_TAG_SEPARATOR = '|';

/**
 * Exact names, as CONTRACT §2 spells them: the client writes them so, and an attribute that happens to
 * be called `Email` or `Tags` stays an attribute.
 */
function knownColumn(header: string): KnownColumn | undefined {
  return KNOWN_COLUMNS.find((column) => column === header);
}

function splitTags(cell: string): string[] {
  return cell
    .split(CSV_TAG_SEPARATOR)
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * Parses a batch upsert body: a header row (`mobile,country,firstName,lastName,email,tags` in any
 * order, plus one column per attribute), then one contact per record.
 * Quoted fields may hold commas, quotes and newlines. Fails for an empty body, malformed CSV
 * (unclosed quote, wrong field count), a duplicated column or no `mobile` column.
 */
export function parseCsvContacts(text: string): BodyResult<ContactInput[]> {
  if (text.trim() === '') return { ok: false, message: 'Empty body: expected a CSV header row' };
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true });
  } catch (error) {
    const reason = error instanceof CsvError ? error.message : String(error);
    return { ok: false, message: `Malformed CSV: ${reason}` };
  }
  const [header, ...rows] = records;
  if (header === undefined) return { ok: false, message: 'Empty body: expected a CSV header row' };
  const seen = new Set<string>();
  for (const name of header) {
    const key = knownColumn(name) ?? name;
    if (seen.has(key)) return { ok: false, message: `Malformed CSV: column "${name}" appears twice` };
    seen.add(key);
  }
  if (!seen.has('mobile')) return { ok: false, message: 'Malformed CSV: no "mobile" column' };
  const contacts = rows.map((row) => {
    const contact: ContactInput = { mobile: '', tags: [], attributes: {} };
    header.forEach((name, index) => {
      const cell = row[index] ?? '';
      const column = knownColumn(name);
      if (column === undefined) contact.attributes[name] = cell;
      else if (column === 'tags') contact.tags = splitTags(cell);
      else if (column === 'mobile') contact.mobile = cell.trim();
      else if (column === 'country') contact.country = cell.trim();
      else contact[column] = cell;
    });
    return contact;
  });
  return { ok: true, value: contacts };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Attribute values are stored as strings: scalars are converted, `null` drops the key. */
function attributeValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

function readText(
  record: Record<string, unknown>,
  field: string,
  label: string = field,
): BodyResult<string | undefined> {
  const value = record[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') return { ok: false, message: `"${label}" must be a string` };
  return { ok: true, value };
}

/** Reads `mobile` as `{number, country}` (Sakari's shape) or, leniently, a bare string. */
function readMobile(value: unknown): BodyResult<{ number?: string; country?: string }> {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (typeof value === 'string') return { ok: true, value: { number: value.trim() } };
  if (!isRecord(value)) return { ok: false, message: '"mobile" must be an object {number, country}' };
  const number = readText(value, 'number', 'mobile.number');
  if (!number.ok) return number;
  const country = readText(value, 'country', 'mobile.country');
  if (!country.ok) return country;
  return { ok: true, value: { number: number.value?.trim(), country: country.value?.trim() } };
}

/** Reads `tags` as `[{tag}]` (Sakari's shape) or, leniently, `["tag"]`. */
function readTags(value: unknown): BodyResult<string[] | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!Array.isArray(value)) return { ok: false, message: '"tags" must be an array of {tag}' };
  const tags: string[] = [];
  for (const item of value as unknown[]) {
    const tag = isRecord(item) ? item['tag'] : item;
    if (typeof tag !== 'string') return { ok: false, message: '"tags" must be an array of {tag}' };
    if (tag.trim() !== '') tags.push(tag.trim());
  }
  return { ok: true, value: tags };
}

function readAttributes(value: unknown): BodyResult<Record<string, string> | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!isRecord(value)) return { ok: false, message: '"attributes" must be an object' };
  const attributes: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    const text = attributeValue(raw);
    if (text !== undefined) attributes[key] = text;
  }
  return { ok: true, value: attributes };
}

/**
 * Parses a JSON `ContactRequest` into the fields it sets. Unknown fields are ignored. Fails for
 * invalid JSON, a body that is not an object, or a field of the wrong type.
 */
export function parseJsonContact(text: string): BodyResult<ContactPatch> {
  if (text.trim() === '') return { ok: false, message: 'Empty body: expected a JSON ContactRequest' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: 'Malformed JSON body' };
  }
  if (!isRecord(body)) return { ok: false, message: 'Expected a JSON object (ContactRequest)' };
  const mobile = readMobile(body['mobile']);
  if (!mobile.ok) return mobile;
  const patch: ContactPatch = {};
  if (mobile.value.number !== undefined) patch.mobile = mobile.value.number;
  if (mobile.value.country !== undefined) patch.country = mobile.value.country;
  for (const field of ['firstName', 'lastName', 'email'] as const) {
    const value = readText(body, field);
    if (!value.ok) return value;
    if (value.value !== undefined) patch[field] = value.value;
  }
  const tags = readTags(body['tags']);
  if (!tags.ok) return tags;
  if (tags.value !== undefined) patch.tags = tags.value;
  const attributes = readAttributes(body['attributes']);
  if (!attributes.ok) return attributes;
  if (attributes.value !== undefined) patch.attributes = attributes.value;
  return { ok: true, value: patch };
}

/** The upsert input of a parsed `ContactRequest`; a missing mobile is `''` (refused as `CONT-001`). */
export function contactInputOf(patch: ContactPatch): ContactInput {
  const input: ContactInput = {
    mobile: patch.mobile ?? '',
    tags: patch.tags ?? [],
    attributes: patch.attributes ?? {},
  };
  if (patch.country !== undefined) input.country = patch.country;
  if (patch.firstName !== undefined) input.firstName = patch.firstName;
  if (patch.lastName !== undefined) input.lastName = patch.lastName;
  if (patch.email !== undefined) input.email = patch.email;
  return input;
}
