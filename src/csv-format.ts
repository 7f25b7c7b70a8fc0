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

/**
 * The formatter of a dialect. Format many records per call where you can: csv-stringify's sync
 * API normalises its options on every call, which costs more than formatting one short record.
 */
export function csvFormatter(dialect: CsvDialect): CsvFormatter {
  const options: Options = {
    record_delimiter: dialect.eol,
    // Quote any CR or LF, not only the record delimiter (csv-stringify stops doing so by default
    // once record_delimiter is set): a lone CR or LF would otherwise split the record.
    quote_record_delimiter: true,
    eof: true,
    bom: false,
    header: false,
    ...(dialect.alsoQuote === undefined ? {} : { quoted_match: [dialect.alsoQuote] }),
  };
  return (records) => (records.length === 0 ? '' : stringify(records as unknown[], options));
}
