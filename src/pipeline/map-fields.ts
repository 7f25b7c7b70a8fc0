/**
 * Stage 2 of the pipeline: source records → {@link Draft}s.
 *
 * Recognises the contact fields among a record's columns (CONTRACT §3 header aliases, or the
 * user's `--mapping`), splits a full name and the tags, and keeps every other column as an
 * attribute under its original header. Nothing is validated here: the raw mobile goes on as
 * text for `normalise-phone`, names and emails for `validate`.
 *
 * Cost per row matters (the pipeline's throughput target): the column plan is computed once per
 * header layout and reused while the records keep the same keys, which is every row of a CSV.
 */
import type { Draft, SourceRow } from '../types.js';

/** The contact fields a column can be mapped to. `name` is a full name, split into first/last. */
export type KnownField = 'mobile' | 'firstName' | 'lastName' | 'name' | 'email' | 'country' | 'tags';

/** The known fields, in the order `describeMapping` and the docs list them. */
export const KNOWN_FIELDS: readonly KnownField[] = [
  'mobile',
  'firstName',
  'lastName',
  'name',
  'email',
  'country',
  'tags',
];

/**
 * A user mapping (`--mapping file.json`, job `mapping:`): source header → what to do with it.
 * - a {@link KnownField} name (exact spelling, e.g. `"firstName"`): the column feeds that field;
 * - `null` (or `""`): the column is dropped;
 * - any other string: the column is kept as an attribute renamed to that string.
 *
 * Headers are matched exactly first, then ignoring case, spaces, `_` and `-`.
 * The mapping wins over the built-in aliases.
 *
 * @example { "Cell #": "mobile", "Notes": null, "Cust ID": "customerId" }
 */
export type FieldMapping = Record<string, KnownField | null | string>;

/** Options of {@link mapFields} and {@link describeMapping}. */
export interface MapOptions {
  /** Overrides of the built-in header aliases. */
  mapping?: FieldMapping;
}

/**
 * Header aliases per field (CONTRACT §3), compared after {@link headerKey}. Order within a list
 * is the preference when several columns of one record resolve to the same field: a "Mobile"
 * column beats a "Phone" column whatever their order; the loser stays an attribute.
 */
const HEADER_ALIASES: ReadonlyArray<readonly [KnownField, readonly string[]]> = [
  [
    'mobile',
    ['mobile', 'mobile number', 'cell', 'cellphone', 'msisdn', 'phone', 'phone number', 'telephone', 'tel'],
  ],
  ['firstName', ['first name', 'firstname', 'given name', 'fname']],
  ['lastName', ['last name', 'surname', 'family name', 'lname']],
  ['name', ['name', 'full name']],
  ['email', ['email', 'e-mail', 'email address']],
  ['country', ['country', 'country code']],
  ['tags', ['tags', 'tag', 'labels']],
];

/** Spaces (any whitespace, including a stray BOM), `_` and `-` are ignored in header names. */
const HEADER_IGNORED = /[\s_-]+/g;

/** The comparison key of a header: lower case, without whitespace, `_` or `-`. */
function headerKey(header: string): string {
  return header.toLowerCase().replace(HEADER_IGNORED, '');
}

interface AliasEntry {
  field: KnownField;
  rank: number;
}

const ALIAS_TABLE: ReadonlyMap<string, AliasEntry> = new Map(
  HEADER_ALIASES.flatMap(([field, aliases]) =>
    aliases.map((alias, rank): [string, AliasEntry] => [headerKey(alias), { field, rank }]),
  ),
);

/** JSON/NDJSON records may carry an `attributes` object, merged into the attributes. */
const ATTRIBUTES_KEY = 'attributes';

/**
 * The known field a source header stands for, by the built-in aliases (case, whitespace, `_` and
 * `-` ignored), or `undefined` for any other header.
 *
 * @example resolveHeader('Phone_Number') // 'mobile'
 * @example resolveHeader('E-Mail Address') // 'email'
 */
export function resolveHeader(header: string): KnownField | undefined {
  return ALIAS_TABLE.get(headerKey(header))?.field;
}

/** What happens to one column. */
type ColumnAction =
  | { kind: 'field'; field: KnownField; rank: number }
  | { kind: 'attribute'; name: string }
  | { kind: 'merge-attributes' }
  | { kind: 'drop' };

/** A user mapping wins over any alias: it ranks before every alias. */
const MAPPING_RANK = -1;

const DROP: ColumnAction = { kind: 'drop' };
/** The columns `rejected.csv` appends to the original ones (src/report). */
const REJECTED_COLUMNS: ReadonlySet<string> = new Set(['error_code', 'error_message']);
const MERGE_ATTRIBUTES: ColumnAction = { kind: 'merge-attributes' };
const KNOWN_FIELD_SET: ReadonlySet<string> = new Set(KNOWN_FIELDS);

/** Resolves headers to actions, caching per header; one per stage run. */
class ColumnResolver {
  private readonly exact = new Map<string, ColumnAction>();
  private readonly loose = new Map<string, ColumnAction>();
  private readonly cache = new Map<string, ColumnAction>();

  constructor(mapping: FieldMapping | undefined) {
    if (!mapping) return;
    for (const header of Object.keys(mapping)) {
      const target = mapping[header];
      let action: ColumnAction;
      if (target === null || target === undefined || target === '') action = DROP;
      else if (KNOWN_FIELD_SET.has(target))
        action = { kind: 'field', field: target as KnownField, rank: MAPPING_RANK };
      else action = { kind: 'attribute', name: target };
      this.exact.set(header, action);
      const key = headerKey(header);
      if (!this.loose.has(key)) this.loose.set(key, action);
    }
  }

  resolve(header: string): ColumnAction {
    let action = this.cache.get(header);
    if (action === undefined) {
      action = this.compute(header);
      this.cache.set(header, action);
    }
    return action;
  }

  private compute(header: string): ColumnAction {
    const mapped = this.exact.get(header);
    if (mapped) return mapped;
    const key = headerKey(header);
    const loose = this.loose.get(key);
    if (loose) return loose;
    const alias = ALIAS_TABLE.get(key);
    if (alias) return { kind: 'field', field: alias.field, rank: alias.rank };
    if (key === ATTRIBUTES_KEY) return MERGE_ATTRIBUTES;
    // A column without a header has no name to keep it under.
    if (header.trim() === '') return DROP;
    // rejected.csv adds these two columns; a user who fixes it and feeds it back must not send them.
    if (REJECTED_COLUMNS.has(header)) return DROP;
    return { kind: 'attribute', name: header };
  }
}

/**
 * The actions for one header layout, with conflicts settled: when several columns resolve to the
 * same field, the best-ranked one (first on a tie) keeps it and the others become attributes.
 */
interface ColumnPlan {
  headers: string[];
  actions: ColumnAction[];
}

function buildPlan(headers: string[], resolver: ColumnResolver): ColumnPlan {
  const actions = headers.map((header) => resolver.resolve(header));
  const winner = new Map<KnownField, number>();
  actions.forEach((action, index) => {
    if (action.kind !== 'field') return;
    const current = winner.get(action.field);
    const currentAction = current === undefined ? undefined : actions[current];
    if (currentAction === undefined || (currentAction.kind === 'field' && action.rank < currentAction.rank)) {
      winner.set(action.field, index);
    }
  });
  const settled = actions.map((action, index): ColumnAction => {
    if (action.kind !== 'field' || winner.get(action.field) === index) return action;
    const header = headers[index] ?? '';
    return header.trim() === '' ? DROP : { kind: 'attribute', name: header };
  });
  return { headers, actions: settled };
}

/**
 * How each header of a source will be mapped, for the pre-flight print (`import` shows it before
 * sending anything). `field` is a {@link KnownField}, `attributes.<name>` for a column kept as an
 * attribute, or `null` for a dropped column. A JSON `attributes` object column is reported as
 * `attributes.*`.
 */
export function describeMapping(
  headers: string[],
  options: MapOptions,
): Array<{ header: string; field: string | null }> {
  const plan = buildPlan(headers, new ColumnResolver(options.mapping));
  return plan.headers.map((header, index) => {
    const action = plan.actions[index] ?? DROP;
    switch (action.kind) {
      case 'field':
        return { header, field: action.field };
      case 'attribute':
        return { header, field: `attributes.${action.name}` };
      case 'merge-attributes':
        return { header, field: 'attributes.*' };
      case 'drop':
        return { header, field: null };
    }
  });
}

/**
 * Stage: maps each source record to a {@link Draft}.
 *
 * - Known fields by alias or `options.mapping`; every other column is an attribute under its
 *   original header (or its `--mapping` rename). Values are stringified; objects and arrays (JSON
 *   records) are JSON-stringified. Empty and `null` values are left out.
 * - A `name`/`full name` column fills whichever of firstName/lastName the record lacks
 *   ({@link splitFullName}).
 * - `tags`: split on `|`, `;` or `,` ({@link splitTags}); in JSON also an array of strings or of
 *   `{tag}` objects.
 * - JSON `mobile` may be a string, a number or `{number, country}` (its country wins over the
 *   record's `country`); an `attributes` object is merged into the attributes.
 * - A reader error on the record is carried on as `Draft.error`; later stages reject the row.
 */
export async function* mapFields(rows: AsyncIterable<SourceRow>, options: MapOptions): AsyncGenerator<Draft> {
  const mapper = new RowMapper(options);
  for await (const row of rows) yield mapper.map(row);
}

/** Maps rows one at a time, reusing the column plan while the headers stay the same. */
class RowMapper {
  private readonly resolver: ColumnResolver;
  private plan: ColumnPlan = { headers: [], actions: [] };

  constructor(options: MapOptions) {
    this.resolver = new ColumnResolver(options.mapping);
  }

  map(row: SourceRow): Draft {
    const raw = row.raw;
    const plan = this.planFor(raw);
    const draft: Draft = {
      ref: row.ref,
      raw,
      mobileInput: '',
      country: undefined,
      firstName: undefined,
      lastName: undefined,
      email: undefined,
      tags: [],
      attributes: {},
      error: row.error,
    };
    let fullName: string | undefined;
    let mobileCountry: string | undefined;
    const { headers, actions } = plan;
    for (let index = 0; index < headers.length; index++) {
      const action = actions[index] as ColumnAction;
      const value = raw[headers[index] as string];
      if (value === undefined || value === null) continue;
      switch (action.kind) {
        case 'drop':
          break;
        case 'attribute': {
          const text = toText(value);
          if (text !== '') setAttribute(draft.attributes, action.name, text);
          break;
        }
        case 'merge-attributes':
          if (isPlainObject(value)) {
            for (const name of Object.keys(value)) {
              const inner = value[name];
              if (inner === undefined || inner === null) continue;
              const text = toText(inner);
              if (text !== '') setAttribute(draft.attributes, name, text);
            }
          } else {
            const text = toText(value);
            if (text !== '') setAttribute(draft.attributes, headers[index] as string, text);
          }
          break;
        case 'field':
          switch (action.field) {
            case 'mobile':
              if (isPlainObject(value)) {
                const number = value.number;
                draft.mobileInput = number === undefined || number === null ? '' : toText(number);
                const country = value.country;
                if (typeof country === 'string' || typeof country === 'number')
                  mobileCountry = nonEmptyText(country);
              } else {
                draft.mobileInput = toText(value);
              }
              break;
            case 'tags':
              draft.tags = Array.isArray(value) ? tagsFromArray(value) : splitTags(toText(value));
              break;
            case 'name':
              fullName = nonEmptyText(value);
              break;
            case 'firstName':
              draft.firstName = nonEmptyText(value);
              break;
            case 'lastName':
              draft.lastName = nonEmptyText(value);
              break;
            case 'email':
              draft.email = nonEmptyText(value);
              break;
            case 'country':
              draft.country = nonEmptyText(value);
              break;
          }
          break;
      }
    }
    if (mobileCountry !== undefined) draft.country = mobileCountry;
    if (fullName !== undefined && (draft.firstName === undefined || draft.lastName === undefined)) {
      const split = splitFullName(fullName);
      if (draft.firstName === undefined) draft.firstName = split.firstName;
      if (draft.lastName === undefined) draft.lastName = split.lastName;
    }
    return draft;
  }

  /** The plan for this record's keys: the previous one when the keys are the same (every CSV row). */
  private planFor(raw: Record<string, unknown>): ColumnPlan {
    const headers = this.plan.headers;
    let index = 0;
    let same = true;
    for (const key in raw) {
      if (headers[index] !== key) {
        same = false;
        break;
      }
      index++;
    }
    if (same && index === headers.length) return this.plan;
    this.plan = buildPlan(Object.keys(raw), this.resolver);
    return this.plan;
  }
}

/** Sets an attribute; a column literally named `__proto__` is kept as data, not taken as the prototype. */
function setAttribute(attributes: Record<string, string>, name: string, text: string): void {
  if (name === '__proto__')
    Object.defineProperty(attributes, name, {
      value: text,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else attributes[name] = text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as attribute text: strings as they are, scalars via `String`, objects and arrays as JSON. */
function toText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? '' : JSON.stringify(value);
    default:
      return '';
  }
}

function nonEmptyText(value: unknown): string | undefined {
  const text = toText(value);
  return text.trim() === '' ? undefined : text;
}

/** Separators between tags in one text value. */
const TAG_SEPARATORS = /[|;,]/;

/**
 * Splits a tags value on `|`, `;` or `,`; trims each tag and drops empty and repeated ones,
 * keeping the first occurrence's order.
 *
 * @example splitTags('vip; newsletter|vip, ') // ['vip', 'newsletter']
 */
export function splitTags(text: string): string[] {
  const tags: string[] = [];
  if (!TAG_SEPARATORS.test(text)) {
    const tag = text.trim();
    if (tag !== '') tags.push(tag);
    return tags;
  }
  for (const part of text.split(TAG_SEPARATORS)) addTag(tags, part);
  return tags;
}

/**
 * Tags from a JSON array of strings or `{tag}` objects. An entry is one tag, except that it is
 * split on `|`: the upload joins tags with `|`, so a tag cannot contain one.
 */
function tagsFromArray(values: unknown[]): string[] {
  const tags: string[] = [];
  for (const value of values) {
    const tag = isPlainObject(value) ? value.tag : value;
    if (tag === undefined || tag === null || typeof tag === 'object') continue;
    const text = toText(tag);
    if (text.includes('|')) for (const part of text.split('|')) addTag(tags, part);
    else addTag(tags, text);
  }
  return tags;
}

function addTag(tags: string[], part: string): void {
  const tag = part.trim();
  // Few tags per row: a linear scan is cheaper than allocating a Set.
  if (tag !== '' && !tags.includes(tag)) tags.push(tag);
}

/**
 * Splits a full name into first and last name.
 * - `"Smith, John"` (one comma): last name before the comma, first name after it;
 * - otherwise the last word is the last name and the words before it the first name
 *   (`"Mary Ann Smith"` → `Mary Ann` / `Smith`);
 * - a single word is a first name only.
 *
 * Whitespace is collapsed; empty parts are `undefined`.
 */
export function splitFullName(fullName: string): { firstName?: string; lastName?: string } {
  const text = fullName.trim().replace(WHITESPACE_RUN, ' ');
  if (text === '') return {};
  const comma = text.indexOf(',');
  if (comma !== -1 && text.indexOf(',', comma + 1) === -1) {
    return {
      firstName: emptyToUndefined(text.slice(comma + 1).trim()),
      lastName: emptyToUndefined(text.slice(0, comma).trim()),
    };
  }
  const space = text.lastIndexOf(' ');
  if (space === -1) return { firstName: text };
  return { firstName: text.slice(0, space), lastName: text.slice(space + 1) };
}

const WHITESPACE_RUN = /\s+/g;

function emptyToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

/**
 * Checks a mapping as read from a `--mapping` file or a job: an object whose values are strings
 * or `null`. Returns every problem at once, each naming the offending key.
 */
export function parseFieldMapping(value: unknown): { mapping?: FieldMapping; errors: string[] } {
  if (!isPlainObject(value))
    return { errors: ['mapping: expected an object of "source header": field, attribute name or null'] };
  const errors: string[] = [];
  const mapping: FieldMapping = {};
  for (const [header, target] of Object.entries(value)) {
    if (target === null || typeof target === 'string') mapping[header] = target;
    else
      errors.push(
        `mapping.${JSON.stringify(header)}: expected one of ${KNOWN_FIELDS.join(', ')}, an attribute name or null, got ${JSON.stringify(target)}`,
      );
  }
  return errors.length > 0 ? { errors } : { mapping, errors };
}
