/**
 * Guessing what a source is from its name and first bytes: compression, encoding, format, CSV
 * delimiter, and whether it is text at all. Pure functions, so each rule is tested on its own.
 */

import { guessLegacyEncoding, requestedEncoding } from './legacy-encoding.js';
import type { SourceEncoding, SourceFormat } from './types.js';

/** The CSV delimiters we detect, in the order that breaks ties. */
export const DELIMITER_CANDIDATES: readonly string[] = [',', ';', '\t', '|'];

/** The delimiter when detection finds none (a one-column file). */
export const DEFAULT_DELIMITER = ',';

/**
 * How many complete lines the delimiter detection looks at: enough to see that a count is
 * consistent, few enough that a malformed record further down does not matter.
 */
export const DELIMITER_SAMPLE_LINES = 10;

/** How many leading characters are checked for the marks of a binary file. */
export const BINARY_CHECK_CHARS = 1024;

/**
 * The share of NUL, control and undecodable characters among the first
 * {@link BINARY_CHECK_CHARS} that makes a source binary. Random or compressed bytes (PNG, zip,
 * gzip inside, executables) score about 0.6; a text file with a damaged record scores a few
 * percent, and that record becomes an invalid row instead of costing the whole file.
 */
export const BINARY_SUSPICIOUS_SHARE = 0.3;

/**
 * How many leading bytes decide the encoding when there is no byte order mark: enough pairs to
 * see UTF-16's NUL in every other byte.
 */
export const ENCODING_CHECK_BYTES = 1024;

const EXTENSION_FORMATS: Readonly<Record<string, SourceFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xlsx': 'xlsx',
  '.vcf': 'vcf',
  '.vcard': 'vcf',
};

/** Whether the name says gzip. */
export function hasGzipExtension(path: string): boolean {
  return /\.gz$/i.test(path);
}

/** Whether the bytes start with the gzip magic number `1f 8b`. */
export function hasGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether the bytes start like a zip archive (`PK 03 04`), as every .xlsx workbook does. */
export function hasZipMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** The extension after stripping `.gz`, lower-cased (`contacts.CSV.gz` → `.csv`), or `''`. */
export function sourceExtension(path: string): string {
  const name = path.replace(/\.gz$/i, '');
  const match = /(\.[^./\\]+)$/.exec(name);
  return match?.[1]?.toLowerCase() ?? '';
}

/** The format the file name implies, if any. */
export function formatFromExtension(path: string): SourceFormat | undefined {
  return EXTENSION_FORMATS[sourceExtension(path)];
}

/** The encoding to decode with, and how many leading bytes are a byte order mark. */
export interface EncodingChoice {
  encoding: SourceEncoding;
  bomBytes: number;
}

/**
 * A byte order mark decides; else UTF-16 recognised by its NUL in every other byte; else the
 * requested single-byte encoding; else UTF-8. Give it the first {@link ENCODING_CHECK_BYTES}.
 */
export function chooseEncoding(head: Uint8Array, requested?: string): EncodingChoice {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bomBytes: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bomBytes: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bomBytes: 2 };
  const utf16 = utf16WithoutBom(head);
  if (utf16 !== undefined) return { encoding: utf16, bomBytes: 0 };
  return { encoding: requested ?? 'utf8', bomBytes: 0 };
}

/** The fewest byte pairs that can show the UTF-16 pattern (`a\0,\0b\0` is three). */
const MIN_UTF16_PAIRS = 3;

/**
 * UTF-16 without a byte order mark, from its first bytes: text in the Latin range has a NUL as
 * one byte of nearly every pair (the second in LE, the first in BE) and almost never as the other.
 */
export function utf16WithoutBom(head: Uint8Array): 'utf16le' | 'utf16be' | undefined {
  const pairs = Math.floor(Math.min(head.length, ENCODING_CHECK_BYTES) / 2);
  if (pairs < MIN_UTF16_PAIRS) return undefined;
  let firstNul = 0;
  let secondNul = 0;
  for (let pair = 0; pair < pairs; pair++) {
    if (head[2 * pair] === 0) firstNul++;
    if (head[2 * pair + 1] === 0) secondNul++;
  }
  const mostly = (count: number): boolean => count >= pairs * 0.5;
  const rarely = (count: number): boolean => count <= pairs * 0.05;
  if (mostly(secondNul) && rarely(firstNul)) return 'utf16le';
  if (mostly(firstNul) && rarely(secondNul)) return 'utf16be';
  return undefined;
}

/** The WHATWG label `TextDecoder` knows the encoding by. */
export function decoderLabel(encoding: SourceEncoding): string {
  switch (encoding) {
    case 'utf8':
      return 'utf-8';
    case 'utf16le':
      return 'utf-16le';
    case 'utf16be':
      return 'utf-16be';
    default:
      // latin1 too: WHATWG maps latin1 / iso-8859-1 to windows-1252 on purpose, what such files hold.
      return encoding;
  }
}

/**
 * How many leading bytes decide whether a source without a byte order mark is UTF-8 (held until
 * decided), and which code page it is in when it is not: an export that is not (Outlook and Excel
 * on Windows write the system's code page, Excel for Mac's "Comma Separated Values" Mac Roman)
 * nearly always shows names outside ASCII within its first few thousand rows.
 */
export const UTF8_CHECK_BYTES = 256 * 1024;

/**
 * The encoding `head` is in when it is not valid UTF-8 (an incomplete sequence cut off at its end
 * counts only when `head` is the whole source), else `undefined`: the code page its words read
 * best in ({@link guessLegacyEncoding}: windows-1252 unless another is clearly better). Binary
 * bytes (see {@link binaryVerdict}) are not guessed at.
 */
export function guessSingleByte(head: Uint8Array, whole = false): string | undefined {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
    return undefined;
  } catch {
    // Binary bytes are no text in any encoding: read as UTF-8, they are refused as binary.
    const start = new TextDecoder('utf-8').decode(head.subarray(0, 4 * BINARY_CHECK_CHARS));
    if (binaryVerdict(start) !== 'text') return undefined;
    // UTF-8 with a damaged byte or two (a bad edit, a download cut inside its last character) is
    // UTF-8: read in a code page, every other accented name of it would be garbled (`JosÃ©`).
    if (mostlyUtf8(head)) return undefined;
    return declaredCharset(head) ?? guessLegacyEncoding(head);
  }
}

/**
 * The code page a vCard 2.1 names for its 8-bit values (`N;CHARSET=SHIFT_JIS:山田;太郎`, as feature
 * phones and old address books write them), when the first property that names one names a code
 * page: a declaration beats a guess, above all on a short file.
 */
function declaredCharset(head: Uint8Array): string | undefined {
  const text = Buffer.from(head.subarray(0, DECLARED_CHARSET_BYTES)).toString('latin1');
  const label = VCARD_CHARSET.exec(text)?.[1];
  if (label === undefined) return undefined;
  const encoding = requestedEncoding(label);
  return encoding === undefined || encoding === 'utf8' || encoding === 'utf16le' || encoding === 'utf16be'
    ? undefined
    : encoding;
}

/** How far into a source a vCard's CHARSET parameter is looked for. */
const DECLARED_CHARSET_BYTES = 64 * 1024;
/** A vCard property line with a CHARSET parameter before its value: `N;CHARSET=SHIFT_JIS:…`. */
const VCARD_CHARSET =
  /^(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+(?:;[^:\r\n]*)?;CHARSET=([A-Za-z0-9_.:-]+?)(?:;[^:\r\n]*)?:/im;

/**
 * Whether the bytes ≥ 0x80 of `head` are nearly all well-formed UTF-8 sequences: at least
 * {@link MIN_UTF8_SEQUENCES} of them, and at most one byte in {@link UTF8_SEQUENCES_PER_BAD} that
 * is not. Text in a code page has no such sequences but by chance (`Ã©` is two letters there).
 */
function mostlyUtf8(head: Uint8Array): boolean {
  let sequences = 0;
  let bad = 0;
  for (let at = 0; at < head.length;) {
    const byte = head[at] as number;
    if (byte < 0x80) {
      at++;
      continue;
    }
    const length =
      byte >= 0xc2 && byte <= 0xdf
        ? 2
        : byte >= 0xe0 && byte <= 0xef
          ? 3
          : byte >= 0xf0 && byte <= 0xf4
            ? 4
            : 0;
    let valid = length > 0 && at + length <= head.length;
    for (let next = 1; valid && next < length; next++) valid = ((head[at + next] as number) & 0xc0) === 0x80;
    if (valid) {
      sequences++;
      at += length;
    } else {
      bad++;
      at++;
    }
  }
  return sequences >= MIN_UTF8_SEQUENCES && bad * UTF8_SEQUENCES_PER_BAD <= sequences;
}

/** Well-formed UTF-8 sequences that make a head with bad bytes UTF-8 all the same. */
const MIN_UTF8_SEQUENCES = 3;
/** Well-formed sequences needed per byte that is not one. */
const UTF8_SEQUENCES_PER_BAD = 3;

/**
 * The format of a source with no telling name, from the start of its text: `[` → json; `{` →
 * ndjson, unless that first line is a lone `{` (a pretty-printed JSON document, which the JSON
 * reader then rejects with a clear message); `BEGIN:VCARD` → vcf; anything else → csv.
 */
export function sniffFormat(text: string): SourceFormat {
  const start = text.search(/\S/);
  if (start === -1) return 'csv';
  if (/^begin:vcard[ \t]*(\r|\n|$)/i.test(text.slice(start, start + 16))) return 'vcf';
  const first = text[start];
  if (first === '[') return 'json';
  if (first !== '{') return 'csv';
  const lineEnd = text.indexOf('\n', start);
  const firstLine = text.slice(start, lineEnd === -1 ? undefined : lineEnd).trim();
  return firstLine === '{' ? 'json' : 'ndjson';
}

/** Whether decoded text is text, or bytes that are not text at all. */
export type BinaryVerdict = 'text' | 'binary';

/**
 * Whether decoded text is binary: its first {@link BINARY_CHECK_CHARS} characters hold a NUL,
 * and NUL, other control characters (not TAB, LF, VT, FF, CR, ESC) and U+FFFD (bytes invalid in
 * the encoding) make up at least {@link BINARY_SUSPICIOUS_SHARE} of them. A few NULs in one
 * record of a text file do not make it binary: the CSV and NDJSON readers make that record an
 * invalid row. Without any NUL it is text (a latin1 file read as UTF-8 is full of U+FFFD).
 */
export function binaryVerdict(text: string): BinaryVerdict {
  const head = text.slice(0, BINARY_CHECK_CHARS);
  if (!head.includes('\u0000')) return 'text';
  let suspicious = 0;
  for (let i = 0; i < head.length; i++) {
    const code = head.charCodeAt(i);
    if ((code < 0x20 && !(code >= 0x09 && code <= 0x0d) && code !== 0x1b) || code === 0xfffd) suspicious++;
  }
  return suspicious >= head.length * BINARY_SUSPICIOUS_SHARE ? 'binary' : 'text';
}

/**
 * Detects the CSV delimiter from the first lines of a file. For each candidate it counts the
 * occurrences outside quotes on each of the first {@link DELIMITER_SAMPLE_LINES} non-blank
 * lines, and picks the first candidate (`,` then `;` then TAB then `|`) whose count is the same
 * non-zero number on every line. When none is consistent (a malformed line among the first),
 * it picks the candidate that appears in the header and matches the header's count on the most
 * lines. A first line with no candidate in it is a title above the header (`Customer list`)
 * when the lines after it agree on one. With no candidate at all (a one-column file) it returns
 * `fallback`.
 *
 * @param sample the start of the decoded text
 * @param complete whether `sample` is the whole file (else its last, partial line is ignored)
 */
export function detectDelimiter(sample: string, complete: boolean, fallback = DEFAULT_DELIMITER): string {
  const lines = sampleLineCounts(sample, complete);
  if (lines.length === 0) return fallback;
  const header = lines[0] as number[];
  const consistent = consistentDelimiter(lines);
  if (consistent !== undefined) return consistent;
  if (lines.length > 1 && header.every((count) => count === 0)) {
    const belowTitle = consistentDelimiter(lines.slice(1));
    if (belowTitle !== undefined) return belowTitle;
  }
  let best = -1;
  let bestMatches = 0;
  for (let c = 0; c < DELIMITER_CANDIDATES.length; c++) {
    const count = header[c] as number;
    if (count === 0) continue;
    const matches = lines.filter((counts) => counts[c] === count).length;
    if (matches > bestMatches) {
      best = c;
      bestMatches = matches;
    }
  }
  return best === -1 ? fallback : (DELIMITER_CANDIDATES[best] as string);
}

/** The first candidate whose count is the same non-zero number on every line, if any. */
function consistentDelimiter(lines: number[][]): string | undefined {
  const header = lines[0] as number[];
  for (let c = 0; c < DELIMITER_CANDIDATES.length; c++) {
    const count = header[c] as number;
    if (count > 0 && lines.every((counts) => counts[c] === count)) return DELIMITER_CANDIDATES[c] as string;
  }
  return undefined;
}

/** Per non-blank line of the sample, the count of each candidate outside quotes. */
function sampleLineCounts(sample: string, complete: boolean): number[][] {
  const result: number[][] = [];
  let counts = DELIMITER_CANDIDATES.map(() => 0);
  let blank = true;
  let inQuotes = false;
  const finishLine = (): void => {
    if (!blank) result.push(counts);
    counts = DELIMITER_CANDIDATES.map(() => 0);
    blank = true;
  };
  for (let i = 0; i < sample.length && result.length < DELIMITER_SAMPLE_LINES; i++) {
    const char = sample[i] as string;
    if (char === '"') {
      // A doubled quote toggles twice: no net change, as it should be.
      inQuotes = !inQuotes;
      blank = false;
      continue;
    }
    if (inQuotes) continue;
    if (char === '\n' || char === '\r') {
      finishLine();
      continue;
    }
    const candidate = DELIMITER_CANDIDATES.indexOf(char);
    if (candidate !== -1) counts[candidate] = (counts[candidate] as number) + 1;
    if (char !== ' ') blank = false;
  }
  if (complete && result.length < DELIMITER_SAMPLE_LINES && !inQuotes) finishLine();
  return result;
}

/**
 * Enough text to judge Excel's `sep=` line: `sep=;`, a CRLF, and one character more (to tell a CR
 * ending from a CRLF split across chunks).
 */
export const SEPARATOR_LINE_LOOKAHEAD = 8;

/**
 * Excel's first line naming the delimiter (`sep=;`, `sep=,`, `sep=|`, `sep=` + TAB), written by
 * files meant for Excel: the delimiter, and the length of the line with its line break. Give it
 * the text's first {@link SEPARATOR_LINE_LOOKAHEAD} characters at least, or the whole text.
 */
export function separatorLine(text: string): { delimiter: string; length: number } | undefined {
  const match = /^sep=([^\w\s"]|\t)(\r\n|\n|\r|$)/i.exec(text);
  if (match === null) return undefined;
  return { delimiter: match[1] as string, length: match[0].length };
}

/**
 * Whether a field reads as a column name (or a title) rather than a value: not a phone number
 * (six digits or more among `+ ( ) . - /` and spaces) and not an e-mail address. A record holding
 * one is data, whatever its place.
 */
export function looksLikeLabel(text: string): boolean {
  const value = text.trim();
  const phoneLike = /^[\d\s+().\-/]+$/.test(value) && value.replace(/\D/g, '').length >= 6;
  return !phoneLike && !/\S@\S+\.\S/.test(value);
}
