/**
 * CSV writing: the one module that imports csv-stringify (the sibling of csv-parse, which reads
 * sources in `read/csv.ts` and rejected.csv's own lines back in `report/rejected.ts`). The report
 * files and the Sakari upload body each name their dialect here and get a formatter; neither
 * writes quotes or line breaks by hand.
 */
import { Stringifier, type Options } from 'csv-stringify';

/** How one kind of CSV file is written. */
export interface CsvDialect {
  /** The record terminator, written after every record including the last. */
  readonly eol: '\n' | '\r\n';
  /** The field delimiter. @default ',' */
  readonly delimiter?: ',' | ';';
  /**
   * Fields matching this are quoted too. Fields holding the delimiter, a quote, CR or LF are
   * always quoted (RFC 4180 §2.6), and inner quotes doubled.
   */
  readonly alsoQuote?: RegExp;
}

/** Records (arrays of cells, already text) to CSV text: every record terminated, no header, no BOM. */
export type CsvFormatter = (records: readonly (readonly string[])[]) => string;

/** csv-stringify's options for a dialect (what {@link csvFormatter} hands it). */
export function stringifyOptions(dialect: CsvDialect): Options {
  return {
    delimiter: dialect.delimiter ?? ',',
    record_delimiter: dialect.eol,
    // Quote any CR or LF, not only the record delimiter (csv-stringify stops doing so by default
    // once record_delimiter is set): a lone CR or LF would otherwise split the record.
    quote_record_delimiter: true,
    eof: true,
    bom: false,
    header: false,
    ...(dialect.alsoQuote === undefined ? {} : { quoted_match: [dialect.alsoQuote] }),
  };
}

/** What makes csv-stringify quote a field, the delimiter aside: a quote, CR or LF. */
const QUOTE_OR_BREAK = /["\r\n]/;

/**
 * csv-stringify's stream stringifier, its options normalised once, with each record's text taken
 * as it is made: `push` is where csv-stringify hands a record over, synchronously while it is
 * written (as `read/csv.ts` takes csv-parse's records). Nothing is buffered on its readable side.
 */
class FieldWriter extends Stringifier {
  private record = '';

  constructor(
    options: Options,
    private readonly eol: string,
  ) {
    super(options);
  }

  override push(chunk: unknown): boolean {
    if (chunk !== null) this.record = chunk as string;
    return true;
  }

  /** One field as csv-stringify writes it (quoted, its quotes doubled). */
  field(value: string): string {
    this.record = '';
    this.write([value]);
    // A stream that held the record back (it never does while nothing is read from it) would
    // otherwise lose a cell without a word.
    if (this.record === '') throw new Error('csv-stringify did not write the field at once');
    return this.record.slice(0, this.record.length - this.eol.length);
  }
}

/**
 * One field of a dialect as written: as it is, or quoted by csv-stringify (its quotes doubled) when
 * it holds the delimiter, a quote, CR or LF, or matches `alsoQuote`. How a field is written does
 * not depend on the fields around it, so a writer that knows its record's shape (rows.csv) joins
 * fields written here with the delimiter and ends the record with the dialect's `eol`.
 */
export function csvFieldFormatter(dialect: CsvDialect): (field: string) => string {
  const writer = new FieldWriter(stringifyOptions(dialect), dialect.eol);
  const { alsoQuote } = dialect;
  const delimiter = dialect.delimiter ?? ',';
  const written = new Map<string, string>();
  return (field) => {
    if (
      !QUOTE_OR_BREAK.test(field) &&
      !field.includes(delimiter) &&
      (alsoQuote === undefined || field.search(alsoQuote) === -1)
    )
      return field;
    let text = written.get(field);
    if (text === undefined) {
      text = writer.field(field);
      if (field.length <= MEMO_FIELD_CHARS) {
        if (written.size >= MEMO_FIELDS) written.clear();
        written.set(field, text);
      }
    }
    return text;
  };
}

/**
 * Quoted fields a {@link csvFieldFormatter} remembers as written, and the longest it remembers:
 * csv-stringify allocates about half a kilobyte to quote a field, and the fields quoted most are
 * the same few rejection messages (`mobile "n/a": not a phone number`) on row after row; an
 * unchanged 1M-row re-run quoted ~350,000 fields, a tenth of what its main thread allocated.
 * Bounded: past this many the memory starts again.
 */
const MEMO_FIELDS = 1_024;
const MEMO_FIELD_CHARS = 256;

/**
 * The formatter of a dialect.
 *
 * A record none of whose fields needs quotes (no delimiter, quote, CR or LF, not matched by
 * `alsoQuote`) is joined here: csv-stringify would write exactly those characters, and it
 * allocates about ten objects per field to find that out (a third of everything a 300k-row re-run
 * allocated went there). Such a record is recognised on its joined text: no quote or line break,
 * and no delimiter but those that join it. In any other record, each field is written by
 * {@link csvFieldFormatter}. Formatting whole records with csv-stringify instead made it a
 * quarter of everything an unchanged 1M-row re-run allocated (its rejected rows' messages are
 * quoted). A test holds the output to csv-stringify's own on random records.
 */
export function csvFormatter(dialect: CsvDialect): CsvFormatter {
  const field = csvFieldFormatter(dialect);
  const { eol, alsoQuote } = dialect;
  const delimiter = dialect.delimiter ?? ',';
  /** The record's line when no field needs quotes, else undefined. */
  const plainLine = (record: readonly string[]): string | undefined => {
    const line = record.join(delimiter);
    if (QUOTE_OR_BREAK.test(line)) return undefined;
    let delimiters = 0;
    for (let at = line.indexOf(delimiter); at !== -1; at = line.indexOf(delimiter, at + 1)) delimiters++;
    if (delimiters > record.length - 1 && delimiters > 0) return undefined;
    if (alsoQuote !== undefined)
      for (const value of record) if (value.search(alsoQuote) !== -1) return undefined;
    return line;
  };
  return (records) => {
    let text = '';
    for (const record of records) {
      let line = plainLine(record);
      if (line === undefined) {
        line = '';
        for (let index = 0; index < record.length; index++) {
          if (index > 0) line += delimiter;
          line += field(record[index] as string);
        }
      }
      text += line + eol;
    }
    return text;
  };
}
