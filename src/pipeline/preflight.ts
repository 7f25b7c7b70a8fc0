/**
 * Pre-flight: what a run is about to do, told before its first request to Sakari.
 *
 * `pipeline/run.ts` feeds a {@link PreflightCollector} the sources as they open, the records as
 * they are read and the rows settled before the first batch (rejected or unchanged), and asks it
 * for a {@link PreflightInfo} once, just before the first batch is sent (or when the sources end
 * without one). The info says how each source was read (format, delimiter, encoding, headers),
 * how its columns map to contact fields, and what looks wrong in the rows seen so far, while the
 * user can still stop the run (Ctrl-C) before anything reached Sakari.
 */
import {
  ENCODING_EXAMPLES,
  encodingName,
  encodingOrigin,
  type SourceEncoding,
  type SourceFormat,
  type SourceInfo,
} from '../read/index.js';
import type { RowOutcome, SourceRow } from '../types.js';
import { recogniseLayout } from './export-layouts.js';
import {
  consentColumnsOf,
  describeMapping,
  phoneColumnsOf,
  type FieldMapping,
  type MappedHeader,
  type MappingStats,
} from './map-fields.js';

/**
 * JSON/NDJSON records have no header row: their keys are gathered from this many records per
 * source. Enough to see every key of a regular export, bounded so a huge file costs nothing more.
 */
export const PREFLIGHT_KEY_SAMPLE_ROWS = 1_000;

/**
 * The invalid-row warning needs a sample big enough not to cry wolf over a handful of bad rows at
 * the top of a file…
 */
export const MANY_INVALID_MIN_ROWS = 20;
/** …and fires when at least this share of the rows seen is invalid: the mapping or country is likely wrong. */
export const MANY_INVALID_SHARE = 0.5;

/** The warning codes of the pre-flight. Public: `--log-format json` consumers match on them. */
export const PREFLIGHT_WARNING_CODES = [
  'NOT_UTF8',
  'ENCODING_GUESSED',
  'NO_COUNTRY',
  'PHONE_EXCEL_MANGLED',
  'RECORD_MALFORMED',
  'TITLE_SKIPPED',
  'FOOTER_SKIPPED',
  'SHORT_RECORDS',
  'CUT_OFF',
  'SHEET_CHOSEN',
  'GROUP_CARDS_SKIPPED',
  'RECORDS_KEY',
  'MAPPING_UNUSED',
  'SHEET_UNUSED',
  'MANY_INVALID',
  'EMPTY_SOURCE',
] as const;

export type PreflightWarningCode = (typeof PREFLIGHT_WARNING_CODES)[number];

/** One thing that looks wrong before anything is sent. */
export interface PreflightWarning {
  code: PreflightWarningCode;
  /** One sentence for a person, naming the column or source and what to do about it. */
  message: string;
  /** How many rows seen so far show the problem, when it is about rows. */
  rows?: number;
  /** The source it is about, when it is about one. */
  source?: string;
}

/** How one source is read and mapped. */
export interface PreflightSource {
  path: string;
  format: SourceFormat;
  compressed: boolean;
  encoding: SourceEncoding;
  /** CSV: the detected (or given) delimiter. */
  delimiter?: string;
  /**
   * CSV: the header row. JSON/NDJSON: the keys of the first {@link PREFLIGHT_KEY_SAMPLE_ROWS}
   * records, in order of first appearance.
   */
  headers: string[];
  /**
   * Each header and what it becomes: a contact field (`mobile`, `firstName`…), `attributes.<name>`,
   * or `null` when the column is dropped; `order` when several columns can feed the field.
   */
  mapping: MappedHeader[];
  /** The tool the header row looks exported from ("Google Contacts (Google CSV)"), when recognised. */
  layout?: string;
  /** The columns that can hold the mobile, in the order each row tries them. */
  phones: string[];
  /** The SMS consent columns (opt-out flags and consent statuses). */
  consent: string[];
  /**
   * Byte sequences not valid in the encoding, each decoded as U+FFFD, so far (the U+FFFD
   * characters a UTF-8 source holds itself are not counted).
   */
  replacementChars: number;
  /** The bytes were not UTF-8 and no encoding was given: `encoding` is what they look like. */
  encodingGuessed: boolean;
}

/** What the run will do, as known just before its first request. */
export interface PreflightInfo {
  runId: string;
  /** The sources opened so far (the first one at least), in order. */
  sources: PreflightSource[];
  /** Records read from the sources so far (reading runs ahead of sending). */
  rowsRead: number;
  /** Rows settled or batched so far: the sample the warnings and `codes` are about. */
  rowsSeen: number;
  /** Whether every source has been read to its end, so `rowsRead` is the run's total. */
  complete: boolean;
  /** Invalid and duplicate rows seen so far, per code. */
  codes: Record<string, number>;
  /** Rows mapped so far whose mobile came from another column than the first phone column. */
  fallbackRows?: number;
  /** Rows mapped so far per column their mobile came from. */
  mobileColumns?: Record<string, number>;
  warnings: PreflightWarning[];
}

/** Options of {@link PreflightCollector}. */
export interface PreflightOptions {
  runId: string;
  /** Whether the run's last source has been opened (a zip archive's files are sources each). */
  allOpened: () => boolean;
  mapping?: FieldMapping;
  /** `--phone-columns`. */
  phoneColumns?: readonly string[];
  /** Filled by the map stage as rows are mapped. */
  mappingStats?: MappingStats;
  /** ISO alpha-2; absent when the run has none. */
  defaultCountry?: string;
  /** `--sheet`: a sheet of an Excel workbook. */
  sheet?: string;
}

interface CodeExample {
  file: string;
  line: number;
  mobileInput: string;
  message: string;
}

/** Per-source bookkeeping: the info object the reader keeps up to date, and JSON keys seen. */
interface TrackedSource {
  info: SourceInfo;
  keys: Set<string> | undefined;
  sampled: number;
}

/**
 * Gathers what the pre-flight reports while the run starts. Cheap: after {@link take} every
 * `observe*` call returns at once, and JSON keys are sampled from the first records only.
 */
export class PreflightCollector {
  private readonly sources: TrackedSource[] = [];
  private readonly bySource = new Map<string, TrackedSource>();
  private readonly codes = new Map<string, { count: number; example: CodeExample }>();
  /** source path → code → rows, for warnings about one source. */
  private readonly codesBySource = new Map<string, Map<string, number>>();
  private settled = 0;
  private done = false;
  /** The reader notes the pre-flight told ({@link readerNotes}), by code and source: told once. */
  private readonly toldNotes = new Set<string>();

  constructor(private readonly options: PreflightOptions) {}

  /** Whether {@link take} has handed out the info already. */
  get taken(): boolean {
    return this.done;
  }

  /** A source has been opened; its `info` fills in (delimiter, headers…) as it is read. */
  addSource(info: SourceInfo): void {
    if (this.done) return;
    const tracked: TrackedSource = { info, keys: undefined, sampled: 0 };
    this.sources.push(tracked);
    if (!this.bySource.has(info.path)) this.bySource.set(info.path, tracked);
  }

  /** A record was read (JSON/NDJSON keys are sampled from it). */
  observeRow(row: SourceRow): void {
    if (this.done) return;
    const tracked = this.sources.at(-1);
    if (!tracked || tracked.info.headers !== undefined || tracked.sampled >= PREFLIGHT_KEY_SAMPLE_ROWS)
      return;
    tracked.sampled++;
    tracked.keys ??= new Set();
    for (const key of Object.keys(row.raw)) tracked.keys.add(key);
  }

  /** A row was settled without being sent (invalid, duplicate, unchanged). */
  observeOutcome(outcome: RowOutcome): void {
    if (this.done) return;
    this.settled++;
    if ((outcome.status !== 'invalid' && outcome.status !== 'duplicate') || outcome.code === undefined)
      return;
    let perSource = this.codesBySource.get(outcome.ref.file);
    if (!perSource) this.codesBySource.set(outcome.ref.file, (perSource = new Map()));
    perSource.set(outcome.code, (perSource.get(outcome.code) ?? 0) + 1);
    const entry = this.codes.get(outcome.code);
    if (entry) entry.count++;
    else {
      this.codes.set(outcome.code, {
        count: 1,
        example: {
          file: outcome.ref.file,
          line: outcome.ref.line,
          mobileInput: outcome.mobileInput,
          message: outcome.message ?? '',
        },
      });
    }
  }

  /**
   * The pre-flight info, the first time only (`undefined` afterwards).
   * @param rowsRead - records read from the sources so far
   * @param batched - valid rows waiting in the batch about to be sent (0 when the sources ended)
   * @param complete - whether every source has been read to its end
   */
  take(rowsRead: number, batched: number, complete: boolean): PreflightInfo | undefined {
    if (this.done) return undefined;
    this.done = true;
    const sources = this.sources.map((tracked) => this.describeSource(tracked));
    const rowsSeen = this.settled + batched;
    const codes: Record<string, number> = {};
    for (const [code, { count }] of this.codes) codes[code] = count;
    const stats = this.options.mappingStats;
    return {
      runId: this.options.runId,
      sources,
      rowsRead,
      rowsSeen,
      complete,
      codes,
      fallbackRows: stats?.fallbackRows ?? 0,
      mobileColumns: Object.fromEntries(stats?.mobileColumns ?? []),
      warnings: this.warnings(sources, rowsSeen),
    };
  }

  private describeSource({ info, keys }: TrackedSource): PreflightSource {
    const headers = info.headers ?? [...(keys ?? [])];
    const mapOptions = { mapping: this.options.mapping, phoneColumns: this.options.phoneColumns };
    // A vCard's cards are read under Outlook's column names: that is no Outlook export.
    const layout = info.format === 'vcf' ? undefined : recogniseLayout(headers);
    return {
      ...(layout === undefined ? {} : { layout }),
      phones: phoneColumnsOf(headers, mapOptions),
      consent: consentColumnsOf(headers, mapOptions),
      path: info.path,
      format: info.format,
      compressed: info.compressed,
      encoding: info.encoding,
      delimiter: info.delimiter,
      headers,
      mapping: describeMapping(headers, mapOptions),
      replacementChars: info.replacementChars ?? 0,
      encodingGuessed: info.encodingGuessed === true,
    };
  }

  private warnings(sources: PreflightSource[], rowsSeen: number): PreflightWarning[] {
    const warnings: PreflightWarning[] = [];
    const several = sources.length > 1;
    const where = (source: PreflightSource): string => (several ? `${source.path}: ` : '');
    const count = (code: string, source: string): number => this.codesBySource.get(source)?.get(code) ?? 0;

    for (const [index, source] of sources.entries()) {
      if (source.encodingGuessed) {
        const origin = encodingOrigin(source.encoding);
        const name = `${encodingName(source.encoding)}${origin === undefined ? '' : ` (${origin})`}`;
        warnings.push({
          code: 'ENCODING_GUESSED',
          source: source.path,
          message: `${where(source)}not valid UTF-8: read as ${name}; if names look wrong, give --encoding with the file's code page (${ENCODING_EXAMPLES.join(', ')}, ...)`,
        });
      }
      if (source.replacementChars > 0 && source.encoding === 'utf8') {
        // The count of the part decoded when the pre-flight is made (a live run makes it at its
        // first batch), unless the source has been read to its end.
        const whole = this.sources[index]?.info.sha256 !== undefined;
        const sequences = plural(source.replacementChars, 'byte sequence');
        const are = source.replacementChars === 1 ? 'is' : 'are';
        warnings.push({
          code: 'NOT_UTF8',
          source: source.path,
          message: `${where(source)}${whole ? sequences : `at least ${sequences}`} ${are} not valid UTF-8 (shown as \uFFFD${whole ? '' : ', in the part read so far'}): if the file comes from Excel or an older system, try --encoding windows-1252`,
        });
      }
      // A JSON source whose records were all unreadable has no keys: nothing to say about columns.
      // (One with no column that can hold a phone has stopped the run: `guardPhoneColumns`.)
      if (source.headers.length === 0) continue;
      // Evidence only: a file whose numbers all carry their + needs no country at all.
      const invalidCountry = count('PHONE_INVALID_COUNTRY', source.path);
      if (this.options.defaultCountry === undefined && invalidCountry > 0) {
        const column = source.mapping.find((column) => column.field === 'country')?.header;
        warnings.push({
          code: 'NO_COUNTRY',
          source: source.path,
          rows: invalidCountry,
          message:
            column === undefined
              ? `${where(source)}no country column and no --default-country: numbers without + will be invalid (${plural(invalidCountry, 'row')} so far)`
              : `${where(source)}${plural(invalidCountry, 'row')} so far ${invalidCountry === 1 ? 'has' : 'have'} no usable country (column ${quote(column)} empty or not a country) and there is no --default-country: numbers without + will be invalid`,
        });
      }
    }

    warnings.push(...this.untold(this.sources.map((tracked) => tracked.info)));

    const mangled = this.codes.get('PHONE_EXCEL_MANGLED');
    if (mangled) {
      const source = this.sourceOf(mangled.example.file, sources);
      const column = source?.mapping.find((column) => column.field === 'mobile')?.header ?? 'mobile';
      warnings.push({
        code: 'PHONE_EXCEL_MANGLED',
        source: source?.path,
        rows: mangled.count,
        message: `column ${quote(column)} looks Excel-mangled in ${plural(mangled.count, 'row')} (e.g. line ${mangled.example.line}: ${mangled.example.mobileInput}): digits are lost; format the column as text in the spreadsheet and export again`,
      });
    }

    const malformed = this.codes.get('RECORD_MALFORMED');
    // A cut-off last record alone is told by its reader note (CUT_OFF, above).
    const cutOffOnly =
      malformed?.count === 1 &&
      this.bySource.get(malformed.example.file)?.info.cutOff?.line === malformed.example.line;
    if (malformed && !cutOffOnly) {
      const source = this.sourceOf(malformed.example.file, sources);
      const { line, message: reason } = malformed.example;
      // In a CSV, extra fields and stray quotes come from a wrong delimiter or broken quoting; a
      // damaged or oversized record does not, and a short record is no longer malformed at all.
      const csvLayout = source?.format === 'csv' && /fields, found|quote/.test(reason);
      const hint = csvLayout
        ? `check the delimiter (${source.delimiter === undefined ? 'not detected' : `detected ${describeDelimiter(source.delimiter)}`}; --delimiter overrides) and the quoting`
        : source?.format === 'json' || source?.format === 'ndjson'
          ? 'check the file is valid JSON'
          : 'rows.csv gives the reason for each';
      warnings.push({
        code: 'RECORD_MALFORMED',
        source: source?.path,
        rows: malformed.count,
        message: `${plural(malformed.count, 'record')} could not be read (e.g. line ${line}${reason === '' ? '' : `: ${reason}`}): ${hint}`,
      });
    }

    const { sheet } = this.options;
    if (
      sheet !== undefined &&
      this.options.allOpened() &&
      sources.every((source) => source.format !== 'xlsx')
    ) {
      warnings.push({
        code: 'SHEET_UNUSED',
        message: `--sheet ${JSON.stringify(sheet)} names a sheet of an Excel workbook, but no source is one: it does nothing`,
      });
    }

    for (const header of this.unusedMappingKeys(sources)) {
      warnings.push({
        code: 'MAPPING_UNUSED',
        message: `--mapping names ${quote(header)}, but no column has that header: its rule does nothing`,
      });
    }

    const invalid = [...this.codes]
      .filter(([code]) => code !== 'DUPLICATE')
      .reduce((sum, [, entry]) => sum + entry.count, 0);
    if (rowsSeen >= MANY_INVALID_MIN_ROWS && invalid >= rowsSeen * MANY_INVALID_SHARE) {
      const top = [...this.codes]
        .filter(([code]) => code !== 'DUPLICATE')
        .sort((a, b) => b[1].count - a[1].count)
        .slice(0, 3)
        .map(([code, entry]) => `${code} ${entry.count}`)
        .join(', ');
      warnings.push({
        code: 'MANY_INVALID',
        rows: invalid,
        message: `${invalid} of the first ${rowsSeen} rows are invalid (${top}): check the mapping and --default-country (Ctrl-C stops the run)`,
      });
    }
    return warnings;
  }

  /**
   * The {@link readerNotes} of these sources not told yet, marked as told. The run tells those
   * learnt after its pre-flight (a footer at the end of a long file) once it has read the sources.
   */
  untold(infos: readonly SourceInfo[]): PreflightWarning[] {
    const notes: PreflightWarning[] = [];
    for (const info of infos) {
      for (const note of readerNotes(info)) {
        const key = `${note.code}\u0000${info.path}`;
        if (this.toldNotes.has(key)) continue;
        this.toldNotes.add(key);
        notes.push(note);
      }
    }
    return notes;
  }

  private sourceOf(file: string, sources: PreflightSource[]): PreflightSource | undefined {
    return sources.find((source) => source.path === file);
  }

  /** Mapping keys that match no header of any source (compared as map-fields does, loosely). */
  private unusedMappingKeys(sources: PreflightSource[]): string[] {
    const mapping = this.options.mapping;
    // A rule may be meant for a source not opened yet.
    if (!mapping || !this.options.allOpened()) return [];
    if (sources.every((source) => source.headers.length === 0)) return [];
    const present = new Set(sources.flatMap((source) => source.headers.map(looseHeader)));
    return Object.keys(mapping).filter((header) => !present.has(looseHeader(header)));
  }
}

/** How much of a title line the pre-flight quotes. */
const TITLE_QUOTE_CHARS = 60;

/**
 * What the reader left out of the rows or filled in, said once per source (naming it and the
 * line): a title line above the header, a Salesforce report footer, records with fewer fields
 * than the header, a last record the file ends inside (cut off), the sheet read among several,
 * vCard group cards, the key of a JSON object whose array was read, a source read to its end
 * without a single row (a nightly export that came out empty must not pass for a quiet night).
 */
function readerNotes(info: SourceInfo): PreflightWarning[] {
  const { path, titleLine, footer, shortRecords, cutOff, otherSheets, groupCards, recordsKey } = info;
  const notes: PreflightWarning[] = [];
  // Counts of a source not read to its end yet (its hash is set once it is) are "so far".
  const soFar = info.sha256 === undefined ? ' so far' : '';
  if (recordsKey !== undefined) {
    // A path (`contacts.list`, Telegram's export) was found one level down.
    const where = recordsKey.includes('.')
      ? `read the records under ${JSON.stringify(recordsKey)}`
      : `read the records of its key ${JSON.stringify(recordsKey)} (an API response)`;
    notes.push({
      code: 'RECORDS_KEY',
      source: path,
      message: `${path}: an object, not an array: ${where}, skipped its other keys`,
    });
  }
  if (info.sheet !== undefined && otherSheets !== undefined) {
    notes.push({
      code: 'SHEET_CHOSEN',
      source: path,
      message: `${path}: read sheet ${JSON.stringify(info.sheet)}; the workbook also has ${otherSheets} (--sheet NAME reads another)`,
    });
  }
  if (groupCards !== undefined) {
    notes.push({
      code: 'GROUP_CARDS_SKIPPED',
      source: path,
      message: `${path}: skipped ${plural(groupCards.count, 'group card')}${soFar} (e.g. line ${groupCards.firstLine}): a group lists contacts, it is not one`,
    });
  }
  if (titleLine !== undefined) {
    const text =
      titleLine.text.length > TITLE_QUOTE_CHARS
        ? `${titleLine.text.slice(0, TITLE_QUOTE_CHARS)}…`
        : titleLine.text;
    notes.push({
      code: 'TITLE_SKIPPED',
      source: path,
      message: `${path}: line ${titleLine.line} looks like a title, not the header: skipped it (${quote(text)}); the header is line ${titleLine.headerLine}`,
    });
  }
  if (footer !== undefined) {
    const lines = footer.from === footer.to ? `line ${footer.from}` : `lines ${footer.from}–${footer.to}`;
    notes.push({
      code: 'FOOTER_SKIPPED',
      source: path,
      message: `${path}: skipped the Salesforce report footer, ${lines}`,
    });
  }
  if (shortRecords !== undefined) {
    const { count, firstLine } = shortRecords;
    notes.push({
      code: 'SHORT_RECORDS',
      source: path,
      rows: count,
      message: `${path}: ${plural(count, 'row')}${soFar} had fewer fields than the header (e.g. line ${firstLine}); the missing trailing fields were read as empty`,
    });
  }
  if (info.sha256 !== undefined && info.records === 0) {
    notes.push({
      code: 'EMPTY_SOURCE',
      source: path,
      message: `${path}: no ${info.format === 'vcf' ? 'cards' : info.headers === undefined ? 'records' : 'rows under its header'}: nothing to import from it (an export that came out empty?)`,
    });
  }
  if (cutOff !== undefined) {
    notes.push({
      code: 'CUT_OFF',
      source: path,
      rows: 1,
      message: `${path}: the file ends in the middle of its last record (line ${cutOff.line}: ${cutOff.fields} of ${cutOff.expected} fields, no line break): it looks cut off, so that row was not sent; export the file again`,
    });
  }
  return notes;
}

/** Header comparison as in map-fields: case, whitespace, `_` and `-` ignored. */
function looseHeader(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}

function quote(text: string): string {
  return `'${text}'`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `","`, `";"`, `TAB`, `"|"`: a delimiter as a person reads it. */
export function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'TAB' : `"${delimiter}"`;
}
