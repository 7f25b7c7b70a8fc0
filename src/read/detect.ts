/**
 * Guessing what a source is from its name and first bytes: compression, encoding, format, CSV
 * delimiter, and whether it is text at all. Pure functions, so each rule is tested on its own.
 */

import type { SourceEncoding, SourceFormat, RequestedEncoding } from './types.js';

/** The CSV delimiters we detect, in the order that breaks ties. */
export const DELIMITER_CANDIDATES: readonly string[] = [',', ';', '\t', '|'];

/** The delimiter when detection finds none (a one-column file). */
export const DEFAULT_DELIMITER = ',';

/**
 * How many complete lines the delimiter detection looks at: enough to see that a count is
 * consistent, few enough that a malformed record further down does not matter.
 */
export const DELIMITER_SAMPLE_LINES = 10;

/** How many leading characters are checked for NUL, the mark of a binary file. */
export const BINARY_CHECK_CHARS = 1024;

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

/** A byte order mark decides; else the requested single-byte encoding; else UTF-8. */
export function chooseEncoding(head: Uint8Array, requested?: RequestedEncoding): EncodingChoice {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', bomBytes: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', bomBytes: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', bomBytes: 2 };
  return { encoding: requested ?? 'utf8', bomBytes: 0 };
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
    case 'latin1':
      // WHATWG maps latin1 / iso-8859-1 to windows-1252 on purpose: that is what such files hold.
      return 'latin1';
    case 'windows-1252':
      return 'windows-1252';
  }
}

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

/** What a NUL in the first characters means. */
export type BinaryVerdict = 'text' | 'binary' | 'utf16-without-bom';

/**
 * Whether decoded text looks binary: a NUL among its first {@link BINARY_CHECK_CHARS}
 * characters. When the NULs sit at every other position it is UTF-16 text without a byte
 * order mark, which deserves its own message.
 */
export function binaryVerdict(text: string): BinaryVerdict {
  const head = text.slice(0, BINARY_CHECK_CHARS);
  if (!head.includes('\u0000')) return 'text';
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < head.length; i++) {
    if (head.charCodeAt(i) === 0) {
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    }
  }
  const pairs = Math.floor(head.length / 2);
  // ASCII in UTF-16: one byte of each pair is NUL, the other is not.
  const alternating = Math.max(evenNul, oddNul) >= pairs * 0.8 && Math.min(evenNul, oddNul) <= pairs * 0.05;
  return alternating ? 'utf16-without-bom' : 'binary';
}

/**
 * Detects the CSV delimiter from the first lines of a file. For each candidate it counts the
 * occurrences outside quotes on each of the first {@link DELIMITER_SAMPLE_LINES} non-blank
 * lines, and picks the first candidate (`,` then `;` then TAB then `|`) whose count is the same
 * non-zero number on every line. When none is consistent (a malformed line among the first),
 * it picks the candidate that appears in the header and matches the header's count on the most
 * lines. With no candidate at all (a one-column file) it returns `fallback`.
 *
 * @param sample the start of the decoded text
 * @param complete whether `sample` is the whole file (else its last, partial line is ignored)
 */
export function detectDelimiter(sample: string, complete: boolean, fallback = DEFAULT_DELIMITER): string {
  const lines = sampleLineCounts(sample, complete);
  if (lines.length === 0) return fallback;
  const header = lines[0] as number[];
  for (let c = 0; c < DELIMITER_CANDIDATES.length; c++) {
    const count = header[c] as number;
    if (count > 0 && lines.every((counts) => counts[c] === count)) return DELIMITER_CANDIDATES[c] as string;
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
