/**
 * The pre-flight as a person reads it on stderr: how each source is read, which column became
 * which field, and the warnings, printed before the first request to Sakari.
 */
import { describeDelimiter, type PreflightInfo, type PreflightSource } from '../pipeline/preflight.js';
import { encodingName } from '../read/index.js';

/** Mapping lines are wrapped at this width: readable in an 80–120 column terminal or a log viewer. */
const WRAP_COLUMNS = 100;

/**
 * The pre-flight as text lines (each ending in `\n`), without control characters.
 *
 * @example
 * ```text
 * pre-flight: 30 rows read (the whole source), 30 checked
 *   samples/contacts.csv: CSV, delimiter ",", UTF-8, 8 columns
 *     fields: First Name → firstName · Last Name → lastName · Phone → mobile · Email → email
 *     attributes: Company, Plan
 *   warning: column 'Phone' looks Excel-mangled in 1 row (e.g. line 24: 4.47700900123E+11): …
 * ```
 */
export function formatPreflight(info: PreflightInfo): string {
  const lines = [
    `pre-flight: ${rows(info.rowsRead)} read${info.complete ? ' (the whole source)' : ' so far'}, ${info.rowsSeen} checked`,
  ];
  for (const source of info.sources) lines.push(...describeSource(source));
  const fallbackRows = info.fallbackRows ?? 0;
  if (fallbackRows > 0) {
    const used = Object.entries(info.mobileColumns ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([column, count]) => `'${column}' ${count}`);
    lines.push(
      `  fallback: ${rows(fallbackRows)} so far took the mobile from a later phone column (the row's message says which)`,
      ...wrap('    mobile by column: ', used, ', '),
    );
  }
  const codes = Object.entries(info.codes).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) {
    lines.push(
      ...wrap(
        '  rejected so far: ',
        codes.map(([code, count]) => `${code} ${count}`),
        ', ',
      ),
    );
  }
  for (const warning of info.warnings) lines.push(`  warning: ${warning.message}`);
  return `${lines.map(printable).join('\n')}\n`;
}

/** Only the warnings (for `--quiet`, which still shows what looks wrong). */
export function formatPreflightWarnings(info: PreflightInfo): string {
  return info.warnings.map((warning) => `warning: ${printable(warning.message)}\n`).join('');
}

function describeSource(source: PreflightSource): string[] {
  const how = [source.format.toUpperCase() + (source.compressed ? ' (gzip)' : '')];
  if (source.delimiter !== undefined) how.push(`delimiter ${describeDelimiter(source.delimiter)}`);
  how.push(encodingName(source.encoding));
  how.push(
    source.format === 'csv'
      ? `${source.headers.length} columns`
      : `${source.headers.length} keys in the first records`,
  );
  const lines = [`  ${source.path}: ${how.join(', ')}`];
  if (source.layout !== undefined) lines.push(`    looks like an export from ${source.layout}`);
  if (source.phones.length > 1)
    lines.push(
      ...wrap(
        '    mobile from (first non-empty): ',
        source.phones.map((phone) => `'${phone}'`),
        ' → ',
      ),
    );
  if (source.consent.length > 0)
    lines.push(
      ...wrap(
        '    SMS consent from: ',
        source.consent.map((column) => `'${column}'`),
        ', ',
      ),
    );
  const fields: string[] = [];
  const attributes: string[] = [];
  const dropped: string[] = [];
  for (const { header, field, order } of source.mapping) {
    // Several phone columns are listed in their order on a line of their own.
    if (field === 'mobile' && order !== undefined) continue;
    if (field === null) dropped.push(header);
    else if (field === 'attributes.*') attributes.push(`${header} (object, merged)`);
    else if (field.startsWith('attributes.')) {
      const name = field.slice('attributes.'.length);
      attributes.push(name === header ? header : `${header} → ${name}`);
    } else
      fields.push(order === undefined ? `${header} → ${field}` : `${header} → ${field} (${ordinal(order)})`);
  }
  if (fields.length > 0) lines.push(...wrap('    fields: ', fields, ' · '));
  else if (source.phones.length <= 1) lines.push('    fields: none recognised');
  if (attributes.length > 0) lines.push(...wrap('    attributes: ', attributes, ', '));
  if (dropped.length > 0) lines.push(...wrap('    dropped: ', dropped, ', '));
  return lines;
}

/** Joins items after a label, continuing on indented lines past {@link WRAP_COLUMNS}. */
function wrap(label: string, items: string[], separator: string): string[] {
  const indent = ' '.repeat(label.length);
  const lines: string[] = [];
  let line = label;
  items.forEach((item, index) => {
    const piece = index === 0 ? item : `${separator}${item}`;
    if (index > 0 && line.length + piece.length > WRAP_COLUMNS) {
      lines.push(line + separator.trimEnd());
      line = indent + item;
    } else line += piece;
  });
  lines.push(line);
  return lines;
}

/** C0 and C1 control characters (escape sequences, carriage returns, tabs, newlines). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Header names and sample values come from the file: no control character may reach the terminal. */
function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function ordinal(order: number): string {
  const suffix =
    order % 10 === 1 && order !== 11
      ? 'st'
      : order % 10 === 2 && order !== 12
        ? 'nd'
        : order % 10 === 3 && order !== 13
          ? 'rd'
          : 'th';
  return `${order}${suffix} choice`;
}

function rows(count: number): string {
  return `${count} row${count === 1 ? '' : 's'}`;
}
