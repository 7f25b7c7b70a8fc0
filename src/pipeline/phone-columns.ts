/**
 * The stop before anything is sent when a source has no column that can hold a phone number
 * (CONTRACT §3): rather than import every row as `PHONE_MISSING` and exit 0, the run ends with
 * exit 2 and a message naming the columns seen and the likeliest candidates, with the
 * `--phone-columns` and `--mapping` to copy.
 */
import type { SourceRow } from '../types.js';
import { perRow, type Chunks } from '../chunks.js';
import { ENCODING_EXAMPLES, encodingName, looksLikeLabel } from '../read/index.js';
import { headerWords, rankPhoneCandidate } from './header-roles.js';
import { DELIMITER_NAMES } from '../options.js';
import { headerKey, phoneColumnsOf, splitNumbers, type MapOptions } from './map-fields.js';
import { describeDelimiter } from './preflight.js';

/** Rows of a source looked at to find the columns whose values look like phone numbers. */
export const PHONE_GUARD_SAMPLE_ROWS = 50;
/**
 * Records of a source without a header row (JSON, NDJSON, vCard: each record has its own keys)
 * looked at, at most, for one with a key that can hold a phone number before the run stops: an
 * address book whose first few dozen cards have no TEL is common, a thousand in a row is not.
 */
export const KEYED_GUARD_ROWS = 1_000;
/** Candidates named in the message, best first. */
const MAX_CANDIDATES = 3;
/** A value looks like a phone number: digits with the usual separators, 7 to 15 digits. */
const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

/** A source without any column that can hold a phone number: a configuration problem (exit 2). */
export class NoPhoneColumnError extends Error {
  override readonly name = 'NoPhoneColumnError';

  constructor(
    /** The source path as given. */
    readonly source: string,
    /** The source's headers. */
    readonly headers: readonly string[],
    /** The likeliest phone columns, best first (may be empty). */
    readonly candidates: readonly string[],
    /** The `--phone-columns` given, if any. */
    phoneColumns?: readonly string[],
    /** A vCard source: the cards looked at, none of which has a TEL, and whether that was all. */
    cards?: { count: number; all: boolean },
    /** The code page the source was read in, when it was guessed: the headers may be misread. */
    guessedEncoding?: string,
  ) {
    super(
      (cards === undefined
        ? describe(source, headers, candidates, phoneColumns)
        : describeCards(source, cards)) + encodingHint(guessedEncoding),
    );
  }
}

/** What to check when the source was read in a guessed code page (its headers may be garbled). */
function encodingHint(guessedEncoding: string | undefined): string {
  if (guessedEncoding === undefined) return '';
  return (
    `. The file is not UTF-8 and was read as ${encodingName(guessedEncoding)}: if the column names above look garbled, ` +
    `give --encoding with the file's code page (${ENCODING_EXAMPLES.join(', ')}, ...)`
  );
}

function describeCards(source: string, cards: { count: number; all: boolean }): string {
  const which =
    cards.count === 1 && cards.all
      ? 'its card has no'
      : `none of its ${cards.all ? '' : 'first '}${cards.count.toLocaleString('en')} cards has a`;
  return `${source}: ${which} phone number (TEL), nothing was sent; export the contacts with their phone numbers`;
}

function describe(
  source: string,
  headers: readonly string[],
  candidates: readonly string[],
  phoneColumns: readonly string[] | undefined,
): string {
  const seen = headers.map((header) => `'${header}'`).join(', ');
  let head = `${source}: no column can hold a phone number, nothing was sent (columns: ${seen})`;
  // What the user can see is wrong, before what to do about the columns.
  if (phoneColumns !== undefined && phoneColumns.length > 0) {
    const keys = new Set(headers.map(headerKey));
    if (phoneColumns.every((column) => !keys.has(headerKey(column)))) {
      head += `; --phone-columns ${JSON.stringify(phoneColumns.join(','))} names no column of it`;
    }
  }
  // A header read as one column holding one of the delimiters `--delimiter` takes: the wrong one.
  const only = headers.length === 1 ? headers[0] : undefined;
  const inside =
    only === undefined
      ? undefined
      : Object.values(DELIMITER_NAMES).find((delimiter) => only.includes(delimiter));
  if (inside !== undefined) {
    const name = describeDelimiter(inside);
    head += `; its header was read as one column but holds ${name}: the file is likely ${name}-separated (check --delimiter)`;
  }
  // A first row of values read as the header: no --phone-columns can name its phone column (and
  // the first contact would be lost as the header).
  const values = headers.filter((header) => !looksLikeLabel(header));
  if (values.length > 0 && (phoneColumns === undefined || phoneColumns.length === 0)) {
    return (
      `${head}; its first row holds ${values
        .slice(0, 2)
        .map((value) => `'${value.trim()}'`)
        .join(' and ')}, values rather than column names: the file seems to have no header row. ` +
      'Add one as its first line, naming its columns (e.g. Name,Mobile,Email), and import it again'
    );
  }
  const best = candidates[0];
  if (best === undefined)
    return `${head}; name the phone column with --phone-columns "<header>", or --mapping map.json holding {"<header>":"mobile"}`;
  return (
    `${head}; likeliest: ${candidates.map((header) => `'${header}'`).join(', ')}. ` +
    `Use --phone-columns ${JSON.stringify(candidates.join(','))}, or --mapping map.json holding ${JSON.stringify({ [best]: 'mobile' })}`
  );
}

/** How the readers name a cell right of the header's last column (`_column6`). */
const UNNAMED_COLUMN = /^_column\d+$/;

/**
 * The header's columns, then the columns the sampled rows hold right of its last one, which the
 * readers keep as `_column<N>` (a sheet whose phone column has no header cell): a phone column
 * too, when --phone-columns names it or its values are numbers.
 */
function withUnnamedColumns(headers: readonly string[], sample: readonly SourceRow[]): string[] {
  const columns = [...headers];
  const known = new Set(headers);
  for (const row of sample) {
    if (row.error?.code === 'RECORD_MALFORMED') continue;
    for (const key in row.raw) {
      if (!known.has(key) && UNNAMED_COLUMN.test(key)) {
        known.add(key);
        columns.push(key);
      }
    }
  }
  return columns;
}

/**
 * Header words of columns whose digits are no phone number, however many they have: Stripe's
 * `created` (Unix time, 10 digits), `updated_at`, ids, postal codes, amounts.
 */
// prettier-ignore
const NOT_A_PHONE_WORDS = new Set([
  'created', 'updated', 'modified', 'deleted', 'date', 'time', 'timestamp', 'at', 'since', 'epoch',
  'id', 'uid', 'uuid', 'zip', 'postal', 'postcode', 'amount', 'balance', 'price', 'total', 'count',
  // tax and identity numbers: Brazil's CNPJ (14 digits) and CPF (11), Chile's RUT, Spain's DNI/NIF
  'cnpj', 'cpf', 'rut', 'dni', 'nif', 'nie', 'siret', 'siren', 'vat', 'ssn', 'ein', 'iban',
]);

/**
 * Columns whose values look like phone numbers in the sampled rows, in the order phone columns
 * are ranked (CONTRACT §3: mobile-like, then general, then home/work/other, by
 * `rankPhoneCandidate`), so that the `--phone-columns` the stop suggests tries a mobile before a
 * landline; the most phone-like values first among columns of one rank, then column order. A
 * column qualifies when at least half of its non-empty sampled values have 7–15 digits and
 * nothing but phone punctuation; a fax, pager or consent column never does, nor one whose header
 * says it holds a time, an id, a code or an amount ({@link NOT_A_PHONE_WORDS}).
 */
export function suggestPhoneColumns(headers: readonly string[], rows: readonly SourceRow[]): string[] {
  const scored: Array<{ header: string; rank: number; share: number; index: number }> = [];
  headers.forEach((header, index) => {
    const rank = rankPhoneCandidate(header);
    if (rank === undefined || headerWords(header).some((word) => NOT_A_PHONE_WORDS.has(word))) return;
    let filled = 0;
    let phoneLike = 0;
    for (const row of rows) {
      const value = row.raw[header];
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (text === '') continue;
      filled++;
      const first = splitNumbers(text)[0] ?? text;
      const digits = first.replace(/\D/g, '').length;
      if (PHONE_LIKE.test(first) && digits >= 7 && digits <= 15) phoneLike++;
    }
    const share = filled === 0 ? 0 : phoneLike / filled;
    if (share >= 0.5) scored.push({ header, rank, share, index });
  });
  return scored
    .sort((a, b) => a.rank - b.rank || b.share - a.share || a.index - b.index)
    .slice(0, MAX_CANDIDATES)
    .map((entry) => entry.header);
}

/**
 * Passes a source's rows on unchanged, after checking, once its first rows are read, that a
 * source with a header row has a column that can hold a phone number (by the header
 * understanding, `--mapping` or `--phone-columns`); for a source without one (JSON records,
 * vCards), that one of its first {@link KEYED_GUARD_ROWS} records has such a key.
 *
 * @param headers the source's header row once known (`undefined` for keyed records)
 * @throws NoPhoneColumnError before yielding any row when there is none
 */
export function guardPhoneColumns(
  rows: AsyncIterable<SourceRow>,
  source: { path: string; headers: () => string[] | undefined },
  options: MapOptions,
): AsyncGenerator<SourceRow> {
  return perRow((chunks) => guardPhoneColumnChunks(chunks, source, options), rows);
}

/** {@link guardPhoneColumns}, a chunk at a time (see `chunks.ts`). */
export async function* guardPhoneColumnChunks(
  rows: Chunks<SourceRow>,
  source: {
    path: string;
    headers: () => string[] | undefined;
    cards?: boolean;
    /** The code page the source was read in when it was guessed (not UTF-8, no --encoding). */
    guessedEncoding?: () => string | undefined;
  },
  options: MapOptions,
): AsyncGenerator<SourceRow[]> {
  const sample: SourceRow[] = [];
  let checked = false;
  /** Keys of the keyed records sampled, in order of first appearance. */
  const keys = new Set<string>();
  let keysSeen = 0;
  /** Whether the rows sampled settle it (`true` also when they show no phone column: it throws). */
  const check = (ended: boolean): boolean => {
    const header = source.headers();
    if (header !== undefined) {
      checked = true;
      if (header.length === 0) return true;
      const headers = withUnnamedColumns(header, sample);
      if (phoneColumnsOf(headers, options).length > 0) return true;
      throw new NoPhoneColumnError(
        source.path,
        headers,
        suggestPhoneColumns(headers, sample.slice(0, PHONE_GUARD_SAMPLE_ROWS)),
        options.phoneColumns,
        undefined,
        source.guessedEncoding?.(),
      );
    }
    for (; keysSeen < sample.length; keysSeen++) {
      const row = sample[keysSeen] as SourceRow;
      // An unreadable record's keys are the reader's (`_raw`), not the source's.
      if (row.error?.code !== 'RECORD_MALFORMED') for (const key of Object.keys(row.raw)) keys.add(key);
    }
    const seen = [...keys];
    if (phoneColumnsOf(seen, options).length > 0 || (seen.length === 0 && ended)) return (checked = true);
    if (!ended && sample.length < KEYED_GUARD_ROWS) return false;
    checked = true;
    throw new NoPhoneColumnError(
      source.path,
      seen,
      suggestPhoneColumns(seen, sample),
      options.phoneColumns,
      // A vCard has no columns to name: its cards have no TEL.
      source.cards === true && options.mapping === undefined && options.phoneColumns === undefined
        ? { count: sample.length, all: ended }
        : undefined,
      source.guessedEncoding?.(),
    );
  };
  for await (const chunk of rows) {
    if (checked) {
      yield chunk;
      continue;
    }
    sample.push(...chunk);
    if (sample.length < PHONE_GUARD_SAMPLE_ROWS || !check(false)) continue;
    yield sample.splice(0);
  }
  if (!checked) {
    check(true);
    if (sample.length > 0) yield sample;
  }
}
