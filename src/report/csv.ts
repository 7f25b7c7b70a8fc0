/**
 * CSV writing for the report files: RFC 4180 quoting and spreadsheet (formula injection) safety.
 */

/** Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula. */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** A field must be quoted when it holds the delimiter, a quote or a line break (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/** Line terminator of the report CSVs. LF rather than CRLF: every spreadsheet and CSV parser reads it, and line-based tools (`wc -l`, `grep`) stay exact. */
export const CSV_EOL = '\n';

/**
 * Makes a free-text cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`,
 * TAB or CR gets a leading `'`, so it is shown as text instead of being evaluated as a formula
 * (OWASP "CSV injection"). Everything else is returned unchanged.
 *
 * Do not use it on E.164 columns: those stay exact (`+447700900123`).
 *
 * @example spreadsheetSafe('=HYPERLINK("x")') // "'=HYPERLINK(\"x\")"
 */
export function spreadsheetSafe(value: string): string {
  const first = value.charAt(0);
  return FORMULA_TRIGGERS.has(first) ? `'${value}` : value;
}

/** Quotes one field per RFC 4180 when it needs it (doubling inner quotes). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV record, terminated by {@link CSV_EOL}. Fields are quoted as needed but not otherwise changed. */
export function csvRecord(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + CSV_EOL;
}

/**
 * A source value as text for a CSV cell: strings as they are, numbers and booleans printed,
 * `null`/`undefined` empty, objects and arrays JSON-stringified.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Circular or otherwise unserialisable: still show something rather than lose the row.
    return String(value);
  }
}
