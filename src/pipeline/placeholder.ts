/**
 * What people write in a cell to say it holds nothing: "N/A", "-", "unknown", "none" (a list whose
 * every empty cell is `-`, a CRM's "not set", a database dump's `NULL`). Where a value must have a
 * form (a country, an email, a phone), such a cell is read as an empty one rather than as a
 * malformed value that costs the row. Not "NA", Namibia's code.
 */
// prettier-ignore
const PLACEHOLDERS = new Set([
  'n/a', 'n a', '-', '--', '?', 'none', 'unknown', 'null', '(null)', 'not specified', 'not set',
  '#n/a', // Excel's "no value available" (a failed look-up), kept by a CSV export
]);

/** Whether a cell's text only says it holds nothing (see {@link PLACEHOLDERS}). */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDERS.has(value.trim().toLowerCase());
}
