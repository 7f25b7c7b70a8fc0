import { stringify } from 'csv-stringify/sync';
import { describe, expect, test } from 'vitest';

import { csvFormatter, stringifyOptions, type CsvDialect } from '../src/csv-format.js';
import { seededRandom } from '../src/sandbox/prng.js';
import { formatReportCsv } from '../src/report/csv.js';
import { formatUploadCsv } from '../src/sakari/csv.js';

const DIALECTS: Array<[string, CsvDialect]> = [
  ['report (LF)', { eol: '\n' }],
  ['upload (CRLF, edge spaces quoted)', { eol: '\r\n', alsoQuote: /^\s|\s$/ }],
];

/** Characters that matter to CSV, to the dialects and to spreadsheets, and some that do not. */
const ALPHABET = [
  'a',
  'Z',
  '7',
  ' ',
  '\t',
  ',',
  '"',
  '\r',
  '\n',
  ';',
  '=',
  '+',
  '-',
  '@',
  "'",
  'é',
  '😀',
  '\u00a0',
];

function randomRecords(seed: number, count: number): string[][] {
  const random = seededRandom(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  return Array.from({ length: count }, () =>
    Array.from({ length: pick(6) }, () => {
      // Mostly plain fields, as in real reports, so that plain and quoted records interleave.
      const plainOnly = random() < 0.7;
      const letters = plainOnly ? ALPHABET.slice(0, 4) : ALPHABET;
      return Array.from({ length: pick(8) }, () => letters[pick(letters.length)]).join('');
    }),
  );
}

describe('csvFormatter', () => {
  test.each(DIALECTS)('%s: the same text as csv-stringify for random records', (_, dialect) => {
    const format = csvFormatter(dialect);
    for (let seed = 1; seed <= 50; seed++) {
      const records = randomRecords(seed, 40);
      expect(format(records)).toBe(stringify(records, stringifyOptions(dialect)));
    }
  });

  test.each(DIALECTS)(
    '%s: fields quoted again and again, long ones and more distinct ones than it remembers, as csv-stringify writes them',
    (_, dialect) => {
      const format = csvFormatter(dialect);
      const random = seededRandom(7);
      const messages = ['mobile "n/a": not a phone number', 'a, b', ' edge ', 'two\nlines', 'say "hi"'];
      const long = `${'x, "y"\n'.repeat(100)}`;
      const records: string[][] = [];
      for (let i = 0; i < 3_000; i++) {
        // Repeated messages, a long field (never remembered), and 2,500 distinct quoted fields.
        const message = messages[i % messages.length] as string;
        const distinct = `row ${i}, "${Math.floor(random() * 2_500)}"`;
        records.push([String(i), message, i % 100 === 0 ? long : distinct, message.toUpperCase()]);
      }
      for (let from = 0; from < records.length; from += 500) {
        const some = records.slice(from, from + 500);
        expect(format(some)).toBe(stringify(some, stringifyOptions(dialect)));
      }
    },
  );

  test('plain and quoted records keep their order; empty fields and records stay empty', () => {
    expect(formatReportCsv([['1', 'a'], ['2', 'b,c'], ['3', ''], [], ['4', 'say "hi"']])).toBe(
      '1,a\n2,"b,c"\n3,\n\n4,"say ""hi"""\n',
    );
    expect(
      formatUploadCsv([
        ['+15550100', ' padded'],
        ['+15550101', 'plain'],
      ]),
    ).toBe('+15550100," padded"\r\n+15550101,plain\r\n');
    expect(formatReportCsv([])).toBe('');
  });
});
