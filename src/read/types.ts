/** The public option and result types of the source readers. */

import type { KnownRecord, RecordRecollection, SourceRow } from '../types.js';

/** The input formats (CONTRACT §3): text formats, an Excel workbook, a vCard address book. */
export type SourceFormat = 'csv' | 'json' | 'ndjson' | 'xlsx' | 'vcf';

/** Every {@link SourceFormat}, for validating `--format`. */
export const SOURCE_FORMATS: readonly SourceFormat[] = ['csv', 'json', 'ndjson', 'xlsx', 'vcf'];

/**
 * The text encoding a source was decoded with: `utf8`, `utf16le`, `utf16be`, or a code page by the
 * name `TextDecoder` gives it (`windows-1252`, `macintosh`, `windows-1250`, `shift_jis`, ...), or
 * `latin1` when asked for by that name.
 */
export type SourceEncoding = 'utf8' | 'utf16le' | 'utf16be' | (string & {});

/** Encodings named in messages about `--encoding` (any label `TextDecoder` knows is accepted). */
export const ENCODING_EXAMPLES: readonly string[] = [
  'windows-1252',
  'macintosh',
  'windows-1250',
  'windows-1251',
  'windows-1254',
  'shift_jis',
  'gbk',
];

/** What to give `--encoding` instead of a name that is no text encoding (one sentence for every place that refuses one). */
export const NAME_A_CODE_PAGE = `name a code page such as ${ENCODING_EXAMPLES.join(', ')} (UTF-8 and UTF-16 are detected)`;

/** How to read one source. Everything is optional: the defaults are detected from the file. */
export interface ReadOptions {
  /**
   * The format. Default: by extension after stripping `.gz` (`.csv .tsv .txt` → csv, `.json` → json,
   * `.ndjson .jsonl` → ndjson, `.xlsx` → xlsx, `.vcf .vcard` → vcf); for stdin or another
   * extension, sniffed: a zip (`PK`) → xlsx; text starting `BEGIN:VCARD` → vcf; else from the
   * first non-blank character: `[` → json, `{` → ndjson (json when that line is a lone `{`), else csv.
   */
  format?: SourceFormat;
  /**
   * xlsx: the sheet to read, by name (case and surrounding spaces ignored).
   * @default the workbook's first sheet
   */
  sheet?: string;
  /**
   * CSV field delimiter, one character (`tab` and `\t` mean TAB). Default: TAB for `.tsv`
   * files, else detected among `, ; TAB |` from the first lines (`,` when none is found).
   */
  delimiter?: string;
  /**
   * Decode with this encoding instead of the one detected: any label `TextDecoder` knows
   * (`windows-1250`, `cp1251`, `shift_jis`, `gbk`, `iso-8859-2`, `utf-8`, ...). A byte order mark
   * still wins (UTF-8, UTF-16LE, UTF-16BE), and so does UTF-16 recognised without one (a NUL in
   * every other byte). `latin1` is decoded as the WHATWG standard (and every browser) does, i.e.
   * as windows-1252, so byte 0x80 is `€`.
   */
  encoding?: string;
  /**
   * The `ref.seq` of the first record. Sources of one run are numbered continuously: pass the
   * previous source's `seqStart + info.records`.
   * @default 0
   */
  seqStart?: number;
  /** The stream read when the path is `-`. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  /**
   * The source's bytes, read instead of the file at `path`, which then only names it: a member of
   * a zip archive (`archive.ts`), named `<archive>/<member>`.
   */
  input?: NodeJS.ReadableStream;
  /** CSV: fingerprint the records, and leave those the state recognises unparsed (issue 16). */
  recall?: RecordRecall;
}

/**
 * How a CSV reader fingerprints its records and asks what the state knows of them
 * (`pipeline/recall.ts` makes it). A record {@link RecordRecall.settlesUnparsed} (a contact
 * Sakari has, a rejection that kept the row's values) is emitted unparsed (see
 * `SourceRow.unparsed`); the others are parsed and carry their fingerprint and what was known of it.
 */
export interface RecordRecall {
  /** How a source's records are fingerprinted, once its header record is known. */
  fingerprinter(header: string, delimiter: string): RecordFingerprinter;
  /**
   * Records of a source parsed before any is left unparsed: the pre-flight and the phone-column
   * guard look at a source's first rows.
   */
  parseFirst: number;
  /** Chunks of records asked about while the first of them waits for its answer. */
  ahead: number;
  /**
   * What the state knows of a chunk's records (their texts), fingerprinted by `fingerprinter`
   * where the state is read; `firstSeq`: about where the first of them stands in the run (the
   * next ones follow it). Absent: records are only fingerprinted.
   */
  lookup?: (
    records: readonly string[],
    fingerprinter: RecordFingerprinter,
    firstSeq: number,
  ) => Promise<RecordRecollection>;
  /** Whether a record known as this is settled without being parsed. */
  settlesUnparsed(known: KnownRecord): boolean;
}

/** The fingerprints of one source's records (see {@link RecordRecall}). */
export interface RecordFingerprinter {
  /** The digest of everything besides a record's text that its fingerprint stands for. */
  readonly prefix: string;
  /** The fingerprint of a record's text. */
  of(record: string): string;
}

/** What is known about an opened source; fields fill in as it is read. */
export interface SourceInfo {
  /** The path as given (`-` for stdin). */
  path: string;
  format: SourceFormat;
  /** Whether the bytes were gzip (by `.gz` name or the `1f 8b` magic bytes). */
  compressed: boolean;
  encoding: SourceEncoding;
  /** CSV: the field delimiter, once known (after the first lines were read). */
  delimiter?: string;
  /** xlsx: the name of the sheet read, once found. */
  sheet?: string;
  /**
   * xlsx: the workbook's other sheets when it has several (`"Lists" (hidden)`, `"Chart1" (chart)`),
   * listed for the pre-flight, which names the sheet read and how to read another.
   */
  otherSheets?: string;
  /** vCard: the group cards skipped (a group lists contacts, it is not one): how many, the first one's line. */
  groupCards?: { count: number; firstLine: number };
  /**
   * JSON: the key of the top-level object whose array was read as the records (`results`,
   * `data`, `customers`: an API response), or its path when found one level down
   * (`contacts.list`, a Telegram export), once found; absent for a top-level array.
   */
  recordsKey?: string;
  /** CSV: the header row, once read, made unique (`Phone`, `Phone_2`); blank names become `_column3`. */
  headers?: string[];
  /**
   * CSV and xlsx: a title above the header (a line of one field), skipped (the pre-flight says so):
   * its line, its text (the first 200 characters, as `_raw` keeps) and the header's line.
   */
  titleLine?: { line: number; text: string; headerLine: number };
  /** CSV: the Salesforce report footer skipped after the data: the lines of its first and last records. */
  footer?: { from: number; to: number };
  /**
   * CSV: records with fewer fields than the header (Excel drops trailing empty cells), read with
   * the missing trailing fields empty: how many so far, and the first one's line.
   */
  shortRecords?: { count: number; firstLine: number };
  /**
   * CSV: the file ends in the middle of its last record (no line break after it, fewer fields
   * than the header has named columns): the file looks cut off, and that record is a
   * `RECORD_MALFORMED` row, not a short record. Its line, its fields and the header's.
   */
  cutOff?: { line: number; fields: number; expected: number };
  /** Hex SHA-256 of the bytes as stored (before gunzip); set once the stream has been fully read. */
  sha256?: string;
  /** Records emitted so far (malformed ones included). */
  records: number;
  /**
   * Byte sequences not valid in the encoding, decoded as U+FFFD, so far (a UTF-8 source's own
   * U+FFFD characters are not counted: `decodeText`). Non-zero for a UTF-8 read of a latin1
   * file: worth a warning that suggests `--encoding`.
   */
  replacementChars?: number;
  /**
   * Set when the bytes were not valid UTF-8, no encoding was given, and the source is read in the
   * code page its bytes look like (see `guessSingleByte`): the pre-flight says so.
   */
  encodingGuessed?: boolean;
}

/** An opened source: what is known about it, and its records. */
export interface OpenedSource {
  info: SourceInfo;
  /**
   * The records, in source order. Iterate it to the end, or call `rows.return()` to release the
   * file without reading it. Throws {@link SourceError} for a source that cannot be read on.
   */
  rows: AsyncGenerator<SourceRow>;
  /**
   * The same records a chunk at a time, as the reader makes them (one chunk per block of text
   * read). Iterate either `rows` or `chunks`, not both; `rows.return()` releases the file either way.
   */
  chunks: AsyncGenerator<SourceRow[]>;
}
