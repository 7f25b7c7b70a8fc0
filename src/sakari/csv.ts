/**
 * The `text/csv` body of a Sakari batch upsert (CONTRACT §2), written per RFC 4180.
 */
import { csvFormatter } from '../csv-format.js';
import type { ContactPayload } from '../types.js';

/** The fixed columns, in the order Sakari's upload expects them; attributes follow. */
export const CORE_COLUMNS = ['mobile', 'country', 'firstName', 'lastName', 'email', 'tags'] as const;

/** Several tags go into one cell, joined by this (CONTRACT §2). */
export const TAG_SEPARATOR = '|';

/**
 * The upload body's CSV: CRLF records (RFC 4180); a field is quoted when it holds a comma, a
 * quote, CR or LF, or starts or ends with whitespace (which lenient parsers would trim). No
 * formula escaping: this is an API body, not a spreadsheet.
 */
export const formatUploadCsv = csvFormatter({ eol: '\r\n', alsoQuote: /^\s|\s$/ });

/**
 * The attribute columns of a batch: the union of the attribute names, in first-seen order.
 * Names that are empty (after trimming) carry no column Sakari could store and are left out.
 *
 * @throws TypeError when an attribute is named like a core column (a mapping bug: the cell
 *   would be ambiguous).
 */
export function attributeColumns(contacts: readonly ContactPayload[]): string[] {
  const core: ReadonlySet<string> = new Set(CORE_COLUMNS);
  const seen = new Set<string>();
  for (const contact of contacts) {
    for (const name of Object.keys(contact.attributes)) {
      if (seen.has(name) || name.trim() === '') continue;
      if (core.has(name)) {
        throw new TypeError(`attribute "${name}" has the name of a core column; map it to the field instead`);
      }
      seen.add(name);
    }
  }
  return [...seen];
}

/**
 * The CSV body for a batch upsert: header `mobile,country,firstName,lastName,email,tags` plus one
 * column per attribute, then one record per contact (tags joined with `|`, absent values empty).
 *
 * @example
 * contactsToCsv([{ mobile: '+15005550006', country: 'US', tags: ['a', 'b'], attributes: { Plan: 'gold' } }])
 * // 'mobile,country,firstName,lastName,email,tags,Plan\r\n+15005550006,US,,,,a|b,gold\r\n'
 */
export function contactsToCsv(contacts: readonly ContactPayload[]): string {
  const attributes = attributeColumns(contacts);
  const records: string[][] = [[...CORE_COLUMNS, ...attributes]];
  for (const contact of contacts) {
    records.push([
      contact.mobile,
      contact.country ?? '',
      contact.firstName ?? '',
      contact.lastName ?? '',
      contact.email ?? '',
      contact.tags.join(TAG_SEPARATOR),
      // hasOwn: a column named e.g. `constructor` must not read Object.prototype.
      ...attributes.map((name) =>
        Object.hasOwn(contact.attributes, name) ? (contact.attributes[name] ?? '') : '',
      ),
    ]);
  }
  return formatUploadCsv(records);
}
