/**
 * CSV writing: the one module that imports csv-stringify (the sibling of csv-parse, which
 * `read/csv.ts` alone imports). The report files and the Sakari upload body each name their
 * dialect here and get a formatter; neither writes quotes or line breaks by hand.
 */
import { stringify, type Options } from 'csv-stringify/sync';

/** How one kind of CSV file is written. */
export interface CsvDialect {
  /** The record terminator, written after every record including the last. */
  readonly eol: '\n' | '\r\n';
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
 * The formatter of a dialect. Format many records per call where you can: csv-stringify's sync
 * API normalises its options on every call, which costs more than formatting one short record.
 *
 * A record none of whose fields needs quotes (no comma, quote, CR or LF, not matched by
 * `alsoQuote`) is joined here: csv-stringify would write exactly those characters, and it
 * allocates about ten objects per field to find that out (a third of everything a 300k-row re-run
 * allocated went there). Such a record is recognised on its joined text: no quote or line break,
 * and no comma but those that join it. Every other record is csv-stringify's; a test holds the
 * two to the same output on random fields.
 */
export function csvFormatter(dialect: CsvDialect): CsvFormatter {
  const options = stringifyOptions(dialect);
  const { eol, alsoQuote } = dialect;
  /** The record's line when no field needs quotes, else undefined. */
  const plainLine = (record: readonly string[]): string | undefined => {
    const line = record.join(',');
    if (QUOTE_OR_BREAK.test(line)) return undefined;
    let commas = 0;
    for (let at = line.indexOf(','); at !== -1; at = line.indexOf(',', at + 1)) commas++;
    if (commas > record.length - 1 && commas > 0) return undefined;
    if (alsoQuote !== undefined)
      for (const field of record) if (field.search(alsoQuote) !== -1) return undefined;
    return line;
  };
  return (records) => {
    let text = '';
    // Records that need csv-stringify, gathered so that a run of them costs one call.
    let quoted: Array<readonly string[]> = [];
    for (const record of records) {
      const line = plainLine(record);
      if (line === undefined) {
        quoted.push(record);
        continue;
      }
      if (quoted.length > 0) {
        text += stringify(quoted as unknown[], options);
        quoted = [];
      }
      text += line + eol;
    }
    if (quoted.length > 0) text += stringify(quoted as unknown[], options);
    return text;
  };
}
