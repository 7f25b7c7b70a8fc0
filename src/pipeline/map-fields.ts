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
import type { AllFields, Draft, Recalled, Rejected, SourceRow } from '../types.js';
import { recognisedRow } from './recognised.js';
import { mapChunks, perRow, type Chunks } from '../chunks.js';
import { withoutSpreadsheetMarker } from '../report/csv.js';
import { isPlaceholder } from './placeholder.js';
import { EXTENSION, OR_WORD } from './number-joins.js';
import { cleanEmail } from './validate.js';
import {
  classifyHeader,
  isBareOptOut,
  PHONE_TIER,
  rankPhoneLabel,
  readConsent,
  type ConsentColumnKind,
  type KnownField,
} from './header-roles.js';

export type { KnownField } from './header-roles.js';

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
 * - a {@link KnownField} name (`"firstName"`; case, spaces, `_` and `-` ignored, so also
 *   `"first_name"`): the column feeds that field;
 * - `null` (or `""`): the column is dropped;
 * - any other string: the column is kept as an attribute renamed to that string.
 *
 * Headers are matched exactly first, then ignoring case, spaces, `_` and `-`.
 * The mapping wins over the built-in header understanding.
 *
 * @example { "Cell #": "mobile", "Notes": null, "Cust ID": "customerId" }
 */
export type FieldMapping = Record<string, KnownField | null | string>;

/** Options of {@link mapFields} and {@link describeMapping}. */
export interface MapOptions {
  /** Overrides of the built-in header understanding. */
  mapping?: FieldMapping;
  /**
   * `--phone-columns`: the columns that may hold the mobile, best first (headers compared as
   * `--mapping` compares them). Every other phone column is then a plain attribute.
   */
  phoneColumns?: readonly string[];
  /** Counts which column each row's mobile came from, for the pre-flight. */
  stats?: MappingStats;
}

/** What {@link mapFields} tells the pre-flight about the rows it mapped. */
export interface MappingStats {
  rows: number;
  /** Rows whose mobile came from another column than the first in the phone order. */
  fallbackRows: number;
  /** Rows per column their mobile came from. */
  mobileColumns: Map<string, number>;
}

export function emptyMappingStats(): MappingStats {
  return { rows: 0, fallbackRows: 0, mobileColumns: new Map() };
}

/** Spaces (any whitespace, including a stray BOM), `_` and `-` are ignored in header names. */
const HEADER_IGNORED = /[\s_-]+/g;

/** The comparison key of a header for `--mapping` and `--phone-columns`: lower case, without whitespace, `_` or `-`. */
export function headerKey(header: string): string {
  return header.toLowerCase().replace(HEADER_IGNORED, '');
}

/** JSON/NDJSON records may carry an `attributes` object, merged into the attributes. */
const ATTRIBUTES_KEY = 'attributes';

/**
 * The known field a source header stands for by the built-in header understanding
 * (`header-roles.ts`), or `undefined` for any other header.
 *
 * @example resolveHeader('Phone_Number') // 'mobile'
 * @example resolveHeader('Person - Phone - Mobile') // 'mobile'
 * @example resolveHeader('E-Mail Address') // 'email'
 */
export function resolveHeader(header: string): KnownField | undefined {
  const role = classifyHeader(header);
  return role?.kind === 'field' || role?.kind === 'pair-value' ? role.field : undefined;
}

/** What happens to one column. */
type ColumnAction =
  /** A candidate for a field; `label` is the column holding its label (Google's label/value pairs). */
  | { kind: 'field'; field: KnownField; rank: number; labelled: boolean; group?: string }
  | { kind: 'attribute'; name: string; consent?: ConsentColumnKind }
  | { kind: 'merge-attributes' }
  | { kind: 'drop' };

/** A user mapping wins over any built-in rule: it ranks before every one. */
const MAPPING_RANK = -1;
/** `--phone-columns` ranks before a mapping: it is the explicit order of the phones. */
const PHONE_COLUMNS_RANK = -100_000;

const DROP: ColumnAction = { kind: 'drop' };
/** The columns `rejected.csv` appends to the original ones (src/report). */
const REJECTED_COLUMNS: ReadonlySet<string> = new Set(['error_code', 'error_message']);
const MERGE_ATTRIBUTES: ColumnAction = { kind: 'merge-attributes' };
/**
 * The known fields by {@link headerKey}: a mapping's target is matched like a header, so
 * `"firstname"`, `"first_name"` and `"e-mail"` feed their fields rather than becoming attributes
 * under those names (the contacts lost their names and emails, and the emails went unchecked).
 */
const KNOWN_FIELD_BY_KEY: ReadonlyMap<string, KnownField> = new Map(
  KNOWN_FIELDS.map((field) => [headerKey(field), field]),
);

/** Resolves headers to actions, caching per header; one per stage run. */
class ColumnResolver {
  private readonly exact = new Map<string, ColumnAction>();
  private readonly loose = new Map<string, ColumnAction>();
  private readonly phoneOrder: Map<string, number> | undefined;
  private readonly cache = new Map<string, ColumnAction>();

  constructor(mapping: FieldMapping | undefined, phoneColumns: readonly string[] | undefined) {
    if (phoneColumns && phoneColumns.length > 0) {
      this.phoneOrder = new Map();
      phoneColumns.forEach((header, index) => {
        const key = headerKey(header);
        if (!this.phoneOrder?.has(key)) this.phoneOrder?.set(key, index);
      });
    }
    if (!mapping) return;
    for (const header of Object.keys(mapping)) {
      const target = mapping[header];
      let action: ColumnAction;
      const field = target ? KNOWN_FIELD_BY_KEY.get(headerKey(target)) : undefined;
      if (target === null || target === undefined || target === '') action = DROP;
      else if (field !== undefined) action = { kind: 'field', field, rank: MAPPING_RANK, labelled: false };
      else action = { kind: 'attribute', name: target };
      this.exact.set(header, action);
      const key = headerKey(header);
      if (!this.loose.has(key)) this.loose.set(key, action);
    }
  }

  /** Whether `--mapping` or `--phone-columns` names the column. */
  chosen(header: string): boolean {
    const key = headerKey(header);
    return this.phoneOrder?.has(key) === true || this.exact.has(header) || this.loose.has(key);
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
    const key = headerKey(header);
    const explicitPhone = this.phoneOrder?.get(key);
    if (explicitPhone !== undefined)
      return { kind: 'field', field: 'mobile', rank: PHONE_COLUMNS_RANK + explicitPhone, labelled: false };
    const mapped = this.exact.get(header) ?? this.loose.get(key);
    if (mapped) return mapped;
    if (key === ATTRIBUTES_KEY) return MERGE_ATTRIBUTES;
    // A column without a header has no name to keep it under.
    if (header.trim() === '') return DROP;
    // rejected.csv adds these two columns; a user who fixes it and feeds it back must not send them.
    if (REJECTED_COLUMNS.has(header)) return DROP;
    const role = classifyHeader(header);
    const attribute: ColumnAction = { kind: 'attribute', name: header };
    switch (role?.kind) {
      case 'field':
        // With --phone-columns, only the columns it names are phones.
        if (role.field === 'mobile' && this.phoneOrder) return attribute;
        return { kind: 'field', field: role.field, rank: role.rank, labelled: false };
      case 'pair-value':
        if (role.field === 'mobile' && this.phoneOrder) return attribute;
        return { kind: 'field', field: role.field, rank: role.rank, labelled: true, group: role.group };
      case 'consent':
        return { kind: 'attribute', name: header, consent: role.consent };
      default:
        return attribute;
    }
  }
}

/**
 * The actions for one header layout. Every field has its candidate columns in rank order (column
 * order on a tie): a row's value is its best-ranked non-empty candidate, and the candidates it
 * did not use stay attributes under their header.
 */
interface ColumnPlan {
  headers: string[];
  actions: ColumnAction[];
  /** Per field, the candidate column indexes, best first. */
  candidates: Array<[KnownField, number[]]>;
  /** For a labelled phone or e-mail value column: the index of its label column. */
  labelOf: Map<number, number>;
  consentColumns: number[];
}

/**
 * The column before an associated record's properties in HubSpot's export "with associated
 * records": `Record ID - Company` (or `- Deal`, `- Ticket`), then that company's `Company name`,
 * `Phone Number`, `Country/Region`… under the contact's own header names.
 */
const ASSOCIATED_RECORD_ID = /^record id - (?!contact$)\S/i;

function buildPlan(headers: string[], resolver: ColumnResolver): ColumnPlan {
  // An associated record's columns are attributes, never the person's fields (its phone was
  // sent as the contact's mobile, and made every colleague a duplicate), unless named by
  // --mapping or --phone-columns.
  const associatedFrom = headers.findIndex((header) => ASSOCIATED_RECORD_ID.test(header.trim()));
  const actions = headers.map((header, index): ColumnAction => {
    const action = resolver.resolve(header);
    if (associatedFrom < 0 || index <= associatedFrom || action.kind !== 'field' || resolver.chosen(header))
      return action;
    return { kind: 'attribute', name: header };
  });
  // `Opted Out` beside `SMS Opt In` (Toast's guest export): a source that records SMS consent
  // means every channel, SMS included, by an opt-out that names none.
  if (actions.some((action) => action.kind === 'attribute' && action.consent !== undefined)) {
    headers.forEach((header, index) => {
      const action = actions[index];
      if (
        action?.kind === 'attribute' &&
        action.consent === undefined &&
        !resolver.chosen(header) &&
        isBareOptOut(header)
      )
        actions[index] = { ...action, consent: 'opt-out-flag' };
    });
  }
  const byField = new Map<KnownField, number[]>();
  const labelOf = new Map<number, number>();
  const consentColumns: number[] = [];
  const labelIndex = new Map<string, number>();
  headers.forEach((header, index) => {
    const role = classifyHeader(header);
    if (role?.kind === 'pair-label') labelIndex.set(role.group, index);
  });
  actions.forEach((action, index) => {
    if (action.kind === 'attribute' && action.consent !== undefined) consentColumns.push(index);
    if (action.kind !== 'field') return;
    let list = byField.get(action.field);
    if (!list) byField.set(action.field, (list = []));
    list.push(index);
    if (action.group !== undefined) {
      const label = labelIndex.get(action.group);
      if (label !== undefined) labelOf.set(index, label);
    }
  });
  const rankOf = (index: number): number => {
    const action = actions[index];
    return action?.kind === 'field' ? action.rank : 0;
  };
  const candidates: Array<[KnownField, number[]]> = KNOWN_FIELDS.filter((field) => byField.has(field)).map(
    (field) => [field, (byField.get(field) ?? []).sort((a, b) => rankOf(a) - rankOf(b) || a - b)],
  );
  return { headers, actions, candidates, labelOf, consentColumns };
}

/** One header in the mapping description. */
export interface MappedHeader {
  header: string;
  /**
   * A {@link KnownField}, `attributes.<name>` for a column kept as an attribute, or `null` for a
   * dropped column. A JSON `attributes` object column is `attributes.*`.
   */
  field: string | null;
  /**
   * When several columns can feed the field: this column's place in the order they are tried
   * (1 = first). A row uses its first non-empty one; the others stay attributes.
   */
  order?: number;
}

/**
 * How each header of a source will be mapped, for the pre-flight print (`import` shows it before
 * sending anything).
 */
export function describeMapping(headers: string[], options: MapOptions): MappedHeader[] {
  const plan = buildPlan(headers, new ColumnResolver(options.mapping, options.phoneColumns));
  const order = new Map<number, number>();
  for (const [, indexes] of plan.candidates)
    if (indexes.length > 1) indexes.forEach((column, position) => order.set(column, position + 1));
  return plan.headers.map((header, index): MappedHeader => {
    const action = plan.actions[index] ?? DROP;
    switch (action.kind) {
      case 'field': {
        const position = order.get(index);
        return position === undefined
          ? { header, field: action.field }
          : { header, field: action.field, order: position };
      }
      case 'attribute':
        return { header, field: `attributes.${action.name}` };
      case 'merge-attributes':
        return { header, field: 'attributes.*' };
      case 'drop':
        return { header, field: null };
    }
  });
}

/** The columns of a header layout that can hold a phone number, in the order they are tried. */
export function phoneColumnsOf(headers: string[], options: MapOptions): string[] {
  const plan = buildPlan(headers, new ColumnResolver(options.mapping, options.phoneColumns));
  const mobile = plan.candidates.find(([field]) => field === 'mobile')?.[1] ?? [];
  return mobile.map((index) => plan.headers[index] as string);
}

/** The SMS consent columns of a header layout. */
export function consentColumnsOf(headers: string[], options: MapOptions): string[] {
  const plan = buildPlan(headers, new ColumnResolver(options.mapping, options.phoneColumns));
  return plan.consentColumns.map((index) => plan.headers[index] as string);
}

/**
 * Stage: maps each source record to a {@link Draft}.
 *
 * - Known fields by the header understanding or `options.mapping`; every other column is an
 *   attribute under its original header (or its `--mapping` rename). Values are stringified;
 *   objects and arrays (JSON records) are JSON-stringified. Empty and `null` values are left out.
 * - Each field takes the row's best-ranked non-empty column; the others stay attributes. The
 *   mobile's column, when it is not the first phone column, is named in `Draft.note`. Label/value
 *   pairs take their rank from the row's label; a cell of several numbers (` ::: `, `,`, `;`) gives
 *   its first, the others stay an attribute under the header.
 * - A `name`/`full name` column fills whichever of firstName/lastName the record lacks
 *   ({@link splitFullName}).
 * - `tags`: {@link splitTags}; in JSON also an array of strings or of `{tag}` objects.
 * - JSON `mobile` may be a string, a number or `{number, country}` (its country wins over the
 *   record's `country`); an `attributes` object is merged into the attributes.
 * - SMS consent columns set `Draft.consent` and stay attributes.
 * - A reader error on the record is carried on as `Draft.error`; later stages reject the row.
 */
export function mapFields(rows: AsyncIterable<SourceRow>, options: MapOptions): AsyncGenerator<Draft> {
  return perRow((chunks) => {
    const mapper = new RowMapper(options);
    return mapChunks(chunks, (row) => {
      if (row.unparsed)
        throw new Error(`${row.ref.file}:${row.ref.line} was left unparsed: map it with mapFieldChunks`);
      return mapper.map(row);
    });
  }, rows);
}

/**
 * {@link mapFields}, a chunk at a time (see `chunks.ts`). A CSV record the reader recognised and
 * left unparsed (`SourceRow.unparsed`) becomes a {@link Recalled} row, or a {@link Rejected} one
 * ({@link recognisedRow}): it is not mapped again.
 */
export function mapFieldChunks(
  rows: Chunks<SourceRow>,
  options: MapOptions,
): AsyncGenerator<Array<Draft | Recalled | Rejected>> {
  const mapper = new RowMapper(options);
  return mapChunks(rows, (row): Draft | Recalled | Rejected =>
    row.unparsed ? recognisedRow(row) : mapper.map(row),
  );
}

/** A row with one usable phone column has no other. */
const NO_OTHERS: readonly number[] = [];

/** Nothing chosen for this column in the current row. */
const NOT_CHOSEN = 0;
const CHOSEN = 1;

/** Maps rows one at a time, reusing the column plan while the headers stay the same. */
class RowMapper {
  private readonly resolver: ColumnResolver;
  private readonly stats: MappingStats | undefined;
  private plan: ColumnPlan = {
    headers: [],
    actions: [],
    candidates: [],
    labelOf: new Map(),
    consentColumns: [],
  };
  private chosen = new Uint8Array(0);

  constructor(options: MapOptions) {
    this.resolver = new ColumnResolver(options.mapping, options.phoneColumns);
    this.stats = options.stats;
  }

  map(row: SourceRow): Draft {
    const raw = row.raw;
    const plan = this.planFor(raw);
    // Every field named at once: every draft has one object shape.
    const draft: AllFields<Draft> = {
      kind: 'draft',
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
      mobileColumn: undefined,
      mobileNumeric: undefined,
      mobileAlternates: undefined,
      consent: undefined,
      note: undefined,
      // A CSV record's fingerprint and what the state knew of it, when the reader looked (recall.ts).
      rowHash: row.fingerprint,
      known: row.known,
    };
    const { headers, actions } = plan;
    const chosen = this.chosen;
    chosen.fill(NOT_CHOSEN);
    let mobileColumn = -1;
    let mobileLabel: string | undefined;
    let mobileRank = 0;
    let otherPhones: readonly number[] = [];
    for (const [field, indexes] of plan.candidates) {
      if (field === 'mobile') {
        const pick = this.pickPhone(raw, plan, indexes);
        if (pick) {
          mobileColumn = pick.index;
          mobileLabel = pick.label;
          mobileRank = pick.rank;
          otherPhones = pick.others;
          chosen[pick.index] = CHOSEN;
        }
        continue;
      }
      if (field === 'email') {
        const index = pickEmail(raw, headers, indexes);
        if (index !== undefined) chosen[index] = CHOSEN;
        continue;
      }
      for (const index of indexes) {
        if (isEmpty(raw[headers[index] as string])) continue;
        chosen[index] = CHOSEN;
        break;
      }
    }

    let fullName: string | undefined;
    let mobileCountry: string | undefined;
    for (let index = 0; index < headers.length; index++) {
      const action = actions[index] as ColumnAction;
      const header = headers[index] as string;
      const cell = raw[header];
      if (cell === undefined || cell === null) continue;
      // rejected.csv protects free text from spreadsheets (`'-vip`): fed back, the value is the text.
      const text = typeof cell === 'string' ? withoutSpreadsheetMarker(cell) : cell;
      // A JSON source's rejected.csv writes its nested values as JSON text: fed back, the
      // `{number, country}` mobile, the tag list and the attributes object are read as such.
      const value = takesJson(action) ? jsonValue(text) : text;
      switch (action.kind) {
        case 'drop':
          break;
        case 'attribute': {
          const text = toText(value);
          if (text !== '') setAttribute(draft.attributes, action.name, text);
          if (action.consent !== undefined) {
            const consent = readConsent(action.consent, text);
            if (consent === 'opted-out' || (consent === 'granted' && draft.consent === undefined))
              draft.consent = consent;
          }
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
            if (text !== '') setAttribute(draft.attributes, header, text);
          }
          break;
        case 'field':
          if (chosen[index] !== CHOSEN) {
            // A candidate this row did not use: its value is kept.
            const text = toText(value);
            if (text !== '' && header.trim() !== '') setAttribute(draft.attributes, header, text);
            break;
          }
          switch (action.field) {
            case 'mobile':
              if (isPlainObject(value)) {
                const number = value.number;
                draft.mobileInput = number === undefined || number === null ? '' : toText(number);
                const country = value.country;
                if (typeof country === 'string' || typeof country === 'number')
                  mobileCountry = nonEmptyText(country);
              } else {
                const text = toText(value);
                const numbers = splitNumbers(text);
                draft.mobileInput = numbers[0] ?? text;
                // Which of them is the mobile is known once they are parsed (normalise-phone).
                if (numbers.length > 1)
                  draft.mobileAlternates = numbers.slice(1).map((input) => ({ input, column: header }));
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
            case 'email': {
              const text = toText(value);
              const emails = splitValues(text);
              const at = emails.length > 1 ? emailAmong(emails) : 0;
              draft.email = nonEmptyText(emails[at] ?? text);
              if (emails.length > 1)
                setAttribute(
                  draft.attributes,
                  header,
                  emails.filter((_, index) => index !== at).join(' ::: '),
                );
              break;
            }
            case 'country':
              draft.country = nonEmptyText(value);
              break;
          }
          break;
      }
    }
    if (mobileCountry !== undefined) draft.country = mobileCountry;
    if (fullName !== undefined && (draft.firstName === undefined || draft.lastName === undefined))
      completeName(draft, fullName);
    // The row's other phones, in their rank: tried when the mobile's cell has no usable number.
    for (const index of otherPhones) {
      const column = headers[index] as string;
      const value = raw[column];
      if (isPlainObject(value)) continue;
      const more = splitNumbers(toText(value)).map((input) => ({ input, column }));
      if (more.length > 0) draft.mobileAlternates = [...(draft.mobileAlternates ?? []), ...more];
    }
    if (mobileColumn !== -1) {
      const header = headers[mobileColumn] as string;
      draft.mobileColumn = header;
      if (row.numeric?.has(header)) draft.mobileNumeric = true;
      const first = plan.candidates.find(([field]) => field === 'mobile')?.[1][0];
      const fallback = first !== mobileColumn;
      // A row's only phone labelled home, work or landline (Google's `* Home` in `Phone 1`) is
      // used, but it is likely no mobile: said even when it stands in the first phone column.
      const landlineLabel = mobileLabel !== undefined && mobileRank >= PHONE_TIER.other;
      if (fallback || landlineLabel) {
        const label = mobileLabel ? ` (labelled ${JSON.stringify(mobileLabel)})` : '';
        const doubt = landlineLabel ? ', which may not be a mobile' : '';
        draft.note = addNote(`mobile from column '${header}'${label}${doubt}`, draft.note);
      }
      this.count(header, fallback);
    } else if (this.stats) this.stats.rows++;
    return draft;
  }

  private count(header: string, fallback: boolean): void {
    const stats = this.stats;
    if (!stats) return;
    stats.rows++;
    if (fallback) stats.fallbackRows++;
    stats.mobileColumns.set(header, (stats.mobileColumns.get(header) ?? 0) + 1);
  }

  /**
   * The row's best phone: the best-ranked non-empty candidate (a labelled one ranked by its
   * label; fax and pager labels skipped), the first in column order on a tie.
   */
  private pickPhone(
    raw: Record<string, unknown>,
    plan: ColumnPlan,
    indexes: readonly number[],
  ): { index: number; label?: string; rank: number; others: readonly number[] } | undefined {
    let best: { index: number; label?: string; rank: number; others: readonly number[] } | undefined;
    let bestRank = Infinity;
    /**
     * The row's usable phone columns and their ranks, for the others in rank order: made only for
     * a row with a second one (this runs for every row).
     */
    let usable: Array<{ index: number; rank: number }> | undefined;
    let firstIndex = -1;
    let firstRank = 0;
    for (const index of indexes) {
      const value = raw[plan.headers[index] as string];
      if (isEmpty(value) || isPhonePlaceholder(value)) continue;
      const action = plan.actions[index] as ColumnAction & { kind: 'field' };
      let rank = action.rank;
      let label: string | undefined;
      const labelIndex = plan.labelOf.get(index);
      if (labelIndex !== undefined) {
        label = nonEmptyText(raw[plan.headers[labelIndex] as string])?.trim();
        const order = rank % 1000;
        const labelled = label === undefined ? rank : rankPhoneLabel(label, order);
        if (labelled === undefined) continue;
        rank = labelled;
      }
      if (firstIndex === -1) {
        firstIndex = index;
        firstRank = rank;
      } else (usable ??= [{ index: firstIndex, rank: firstRank }]).push({ index, rank });
      // Candidates come in static rank order: a later one only wins with a better (label) rank.
      if (rank < bestRank) {
        best =
          label === undefined
            ? { index, rank, others: NO_OTHERS }
            : { index, label, rank, others: NO_OTHERS };
        bestRank = rank;
      }
    }
    if (best === undefined || usable === undefined) return best;
    const chosen = best.index;
    best.others = usable
      .filter((phone) => phone.index !== chosen)
      .sort((a, b) => a.rank - b.rank)
      .map((phone) => phone.index);
    return best;
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
    this.chosen = new Uint8Array(this.plan.headers.length);
    return this.plan;
  }
}

/**
 * Outlook for Windows exports an Exchange contact's address as an X.500 name
 * (`/o=ExchangeLabs/ou=…/cn=Recipients/cn=…`, `E-mail Type` "EX"), not an e-mail address: it is
 * no reason to reject the row, so the next e-mail column is used and it stays an attribute.
 */
function isExchangeAddress(value: unknown): boolean {
  return typeof value === 'string' && /^\s*\/o=/i.test(value);
}

/**
 * The email column a row takes among its candidates (best first): the first that holds a
 * well-formed address, else the first that holds something other than a placeholder (`-`, `n/a`,
 * which `validate` reads as no email), which then makes the row invalid (CONTRACT §4), else the
 * first placeholder. Exchange addresses are passed over. A junk first address (`"thee_hess" pale
 * IG`) no longer costs a row whose second one is fine.
 */
function pickEmail(
  raw: Record<string, unknown>,
  headers: readonly string[],
  indexes: readonly number[],
): number | undefined {
  // One email column (nearly every export): its value, whatever it holds; `validate` judges it.
  if (indexes.length === 1) {
    const index = indexes[0] as number;
    const value = raw[headers[index] as string];
    return isEmpty(value) || isExchangeAddress(value) ? undefined : index;
  }
  let fallback: number | undefined;
  for (const index of indexes) {
    const value = raw[headers[index] as string];
    if (isEmpty(value) || isExchangeAddress(value)) continue;
    const emails = splitValues(toText(value));
    if (emails.some((email) => typeof cleanEmail(email) === 'string')) return index;
    // Taken when none is well-formed: a placeholder is then no email, anything else a bad one.
    if (
      fallback === undefined ||
      (isPlaceholder(toText(raw[headers[fallback] as string])) &&
        emails.some((email) => !isPlaceholder(email)))
    )
      fallback = index;
  }
  return fallback;
}

/** Which of a cell's emails is the contact's: the first well-formed one, else the first. */
function emailAmong(emails: readonly string[]): number {
  const at = emails.findIndex((email) => typeof cleanEmail(email) === 'string');
  return at === -1 ? 0 : at;
}

/**
 * Fills the name part a row lacks from its full name: `Ada` + `Ada Lovelace` gives the last name
 * `Lovelace` (so does `Johnny` + `John Smith`). A part that already holds the whole name, or the
 * other part's word (phones save `AADARSH TANUR COLLEGE` as the given name, the family name
 * empty), gets nothing from it: its last word is no surname. Both missing: the full name is split
 * ({@link splitFullName}).
 */
function completeName(draft: Draft, fullName: string): void {
  const split = splitFullName(fullName);
  const { firstName, lastName } = draft;
  if (firstName === undefined && lastName === undefined) {
    draft.firstName = split.firstName;
    draft.lastName = split.lastName;
    return;
  }
  const whole = fullName.trim().replace(WHITESPACE_RUN, ' ');
  const words = (text: string): string[] => text.trim().split(WHITESPACE_RUN);
  if (firstName !== undefined) {
    const given = words(firstName);
    if (split.lastName === undefined || given.join(' ') === whole || given.includes(split.lastName)) return;
    draft.lastName = split.lastName;
    return;
  }
  const family = words(lastName as string);
  if (split.firstName === undefined || family.join(' ') === whole) return;
  if (words(split.firstName).some((word) => family.includes(word))) return;
  draft.firstName = split.firstName;
}

/**
 * A phone cell that only says there is none (`NULL`, `N/A`, `-`, Excel's `#N/A`): no number, so
 * the row's next phone column is tried, and a row with nothing else has no phone (`PHONE_MISSING`)
 * rather than a number "containing letters". Read only for a cell not starting like a number.
 */
function isPhonePlaceholder(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const first = value.charCodeAt(0);
  return !(first === 43 /* + */ || (first >= 48 && first <= 57)) && isPlaceholder(value);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  // A JSON `{number, country}` counts even without a number: its country is the record's.
  return false;
}

function addNote(first: string | undefined, second: string | undefined): string | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return `${first}; ${second}`;
}

/** Between values of one cell: Google's ` ::: `, or `,`/`;` (Pipedrive joins with `, `). */
const VALUE_SEPARATORS = /\s*:::\s*|\s*[,;]\s*/;
const MULTI_VALUE_HINT = /:::|[,;]/;
/** A part counts as a phone number when it has at least this many digits. */
const MIN_DIGITS_OF_A_NUMBER = 5;

/** The values of a multi-value cell, trimmed and without empties; `[text]` for a plain cell. */
function splitValues(text: string): string[] {
  if (!MULTI_VALUE_HINT.test(text)) return [text];
  return text
    .split(VALUE_SEPARATORS)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * The numbers of a phone cell. A cell is split only when every part looks like a number of its
 * own: `4,47700900123E+11` (an Excel float with a decimal comma) stays one value, and so does a
 * number with its extension (`+1 415 555 2671, ext 12345`, `tel:…;ext=12345`), which is refused
 * for it. Besides the separators of {@link splitValues}, a line break (Alt+Enter in Excel), `|`
 * and "or" in 29 languages (`number-joins.ts`) separate numbers. A cell split at ` / ` may still
 * be one number (`01577 / 6730003`, a prefix and its number): `normalise-phone` parses it whole
 * ({@link splitAtSlash}).
 */
export function splitNumbers(text: string): string[] {
  // Google's ` ::: ` says "several values" whatever they hold (`18003451500 ::: 1500`).
  if (text.includes(':::'))
    return text
      .split(GOOGLE_SEPARATOR)
      .map((part) => part.trim())
      .filter((part) => part !== '');
  let parts = NUMBERS_HINT.test(text)
    ? text
        .split(NUMBER_SEPARATORS)
        .map((part) => part.trim())
        .filter((part) => part !== '')
    : [text];
  // `0151 23456789 / 030 1234567`, as German spreadsheets list two numbers (`030/1234567`,
  // without spaces, is one: an area code and its number).
  if (parts.length < 2 && text.includes(' / ')) parts = text.split(NUMBERS_SLASH).map((part) => part.trim());
  // `Office: 480-948-0880 Cell: 602-570-4642`: labelled numbers one after the other (CRM notes,
  // signatures); each keeps its label, which phone parsing removes or refuses (`Fax:`).
  if (parts.length < 2 && (text.includes(':') || text.includes('：')) && LABEL_AFTER_NUMBER.test(text))
    parts = text.split(LABEL_AFTER_NUMBER);
  if (parts.length < 2) return parts;
  if (parts.some((part) => EXTENSION.test(part))) return [text.trim()];
  return parts.every((part) => countDigits(part) >= MIN_DIGITS_OF_A_NUMBER) ? parts : [text.trim()];
}

/**
 * Whether {@link splitNumbers} splits `text` at ` / `: two numbers, or one written with a slash
 * between its prefix and the rest (`01577 / 6730003`, as DIN 5008 allows), which only parsing tells.
 */
export function splitAtSlash(text: string): boolean {
  return (
    !text.includes(':::') && !NUMBERS_HINT.test(text) && text.includes(' / ') && splitNumbers(text).length > 1
  );
}

/**
 * Between numbers of one cell: `,`, `;`, `|`, a line break, "or" (`OR_WORDS`), and the list marks
 * of Chinese and Japanese sheets (`、`, `，`, `；`).
 */
const NUMBER_SEPARATORS = new RegExp(`\\s*[,;|\\n、，；]\\s*|\\s+${OR_WORD}\\s+`, 'i');
const NUMBERS_HINT = new RegExp(`[,;|\\n、，；]|\\s${OR_WORD}\\s`, 'i');

/** Between a number's last digit and the next number's label and colon (`… 0880 Cell: 602…`). */
const LABEL_AFTER_NUMBER = /(?<=\d)\s+(?=\p{L}[\p{L}.]*\s*[:：]\s*[+(\d])/u;

/** Google Contacts' separator between the values of one cell. */
const GOOGLE_SEPARATOR = /\s*:::\s*/;

/** A slash with space on both sides, between two numbers in one phone cell. */
const NUMBERS_SLASH = /\s+\/\s+/;

function countDigits(text: string): number {
  let digits = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // ASCII and full-width digits (`０９０－１２３４－５６７８`, as Japanese and Chinese sheets hold them).
    if ((code >= 48 && code <= 57) || (code >= 0xff10 && code <= 0xff19)) digits++;
  }
  return digits;
}

/**
 * A number a spreadsheet export marked as text with a leading `'` (Shopify's `'000123` customer
 * ids and `'94103` zip codes, our own reports' `'+44…`): the `'` is no part of the value.
 */
const TEXT_MARKED_NUMBER = /^'[+\d][\d\s().+-]*$/;

/**
 * Sets an attribute (without a spreadsheet's text marker, see {@link TEXT_MARKED_NUMBER}); a
 * column literally named `__proto__` is kept as data, not taken as the prototype.
 */
export function setAttribute(attributes: Record<string, string>, name: string, value: string): void {
  const text = value.charCodeAt(0) === 39 /* ' */ && TEXT_MARKED_NUMBER.test(value) ? value.slice(1) : value;
  if (name === '__proto__')
    Object.defineProperty(attributes, name, {
      value: text,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else attributes[name] = text;
}

/** Columns whose value a JSON record may hold as an object or a list. */
function takesJson(action: ColumnAction): boolean {
  return (
    action.kind === 'merge-attributes' ||
    (action.kind === 'field' && (action.field === 'mobile' || action.field === 'tags'))
  );
}

/** A text cell that is a whole JSON object or list, parsed; anything else as it is. */
function jsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  const first = text.charAt(0);
  const last = text.charAt(text.length - 1);
  if (!((first === '{' && last === '}') || (first === '[' && last === ']'))) return value;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : value;
  } catch {
    return value;
  }
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

/** Separators between tags in one text value: `|`, `;`, `,` and Google's ` ::: `. */
const TAG_SEPARATORS = /[|;,]|:::/;
/** Google CSV's marked system labels: `* myContacts`, `* starred`, the older `System Group: My Contacts`. */
const SYSTEM_LABEL = /^(?:\*|system group:)/i;
/** Google's vCard export writes them bare, Android's as `My Contacts`; exact, so a user's `Starred` is kept. */
const SYSTEM_GROUP_NAMES: ReadonlySet<string> = new Set(['myContacts', 'My Contacts', 'starred']);

/**
 * Whether a tag is one of Google's or Android's system groups, which every contact (or every
 * starred one) is in: never a tag, whichever export (CSV `Labels`, vCard `CATEGORIES`) names it.
 */
function isSystemLabel(tag: string): boolean {
  return SYSTEM_LABEL.test(tag) || SYSTEM_GROUP_NAMES.has(tag);
}

/**
 * Splits a tags value on `|`, `;`, `,` or ` ::: `; trims each tag, removes the quotes a list
 * may carry (Mailchimp's `"Customer","VIP"`), drops Google's and Android's system groups
 * (`* myContacts`, vCard `myContacts`, `starred`, `My Contacts`: {@link isSystemLabel}) and
 * empty and repeated tags, keeping the first occurrence's order.
 *
 * @example splitTags('vip; newsletter|vip, ') // ['vip', 'newsletter']
 * @example splitTags('"Customer","VIP"') // ['Customer', 'VIP']
 * @example splitTags('* myContacts ::: Friends') // ['Friends']
 * @example splitTags('myContacts,starred,Customers') // ['Customers'] (a Google vCard's CATEGORIES)
 */
export function splitTags(text: string): string[] {
  const tags: string[] = [];
  if (!TAG_SEPARATORS.test(text)) {
    addTag(tags, text);
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

const QUOTED = /^"(.*)"$/s;

function addTag(tags: string[], part: string): void {
  let tag = part.trim();
  const quoted = QUOTED.exec(tag);
  if (quoted) tag = (quoted[1] as string).trim();
  if (isSystemLabel(tag)) return;
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
