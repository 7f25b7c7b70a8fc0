/**
 * The pre-flight (src/pipeline/preflight.ts, printed by src/cli/preflight.ts), observed through a
 * real import: real files in a temp dir, the real pipeline, the sandbox over HTTP where it matters.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formatPreflight } from '../../src/cli/preflight.js';
import type { ImportInput } from '../../src/config.js';
import type { PreflightInfo } from '../../src/pipeline/preflight.js';
import { importContacts } from '../../src/pipeline/run.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { tempDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('sakari-preflight-'));
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  await cleanup();
});

/** Writes `content` to a file in the temp dir and dry-runs an import of it; returns every pre-flight seen. */
async function preflightOf(
  files: Record<string, string | Buffer>,
  input: Partial<ImportInput> = {},
): Promise<PreflightInfo> {
  const sources: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    sources.push(file);
  }
  const seen: PreflightInfo[] = [];
  await importContacts(
    { sources, dryRun: true, state: false, workers: 0, reportDir: path.join(dir, 'reports'), ...input },
    { onPreflight: (info) => seen.push(info) },
  );
  expect(seen).toHaveLength(1);
  return seen[0] as PreflightInfo;
}

const codesOf = (info: PreflightInfo): string[] => info.warnings.map((warning) => warning.code);

describe('pre-flight info', () => {
  test('says how a CSV is read and mapped', async () => {
    const info = await preflightOf(
      { 'a.csv': 'Cell #;First Name;Land;Notes;Kunde\n+44 7911 123456;Emma;GB;x;42\n' },
      { mapping: { 'Cell #': 'mobile', Notes: null, Kunde: 'customerId' } },
    );
    expect(info.complete).toBe(true);
    expect(info.rowsRead).toBe(1);
    expect(info.rowsSeen).toBe(1);
    const [source] = info.sources;
    expect(source).toMatchObject({ format: 'csv', delimiter: ';', encoding: 'utf8', compressed: false });
    expect(source?.headers).toEqual(['Cell #', 'First Name', 'Land', 'Notes', 'Kunde']);
    expect(source?.mapping).toEqual([
      { header: 'Cell #', field: 'mobile' },
      { header: 'First Name', field: 'firstName' },
      // `Land` is German for country (CONTRACT §3: Outlook's and spreadsheets' localised headers).
      { header: 'Land', field: 'country' },
      { header: 'Notes', field: null },
      { header: 'Kunde', field: 'attributes.customerId' },
    ]);
    // A country column, and the only number has its +: nothing to warn about.
    expect(codesOf(info)).toEqual([]);
    const text = formatPreflight(info);
    expect(text).toContain('fields: Cell # → mobile · First Name → firstName · Land → country');
    expect(text).toContain('attributes: Kunde → customerId');
    expect(text).toContain('dropped: Notes');
  });

  test('NDJSON: the headers are the keys of the records', async () => {
    const info = await preflightOf({
      'a.ndjson':
        '{"mobile":{"number":"07911123456","country":"GB"},"plan":"pro"}\n{"mobile":"+447911123457","attributes":{"x":"1"}}\n',
    });
    expect(info.sources[0]?.format).toBe('ndjson');
    expect(info.sources[0]?.mapping).toEqual([
      { header: 'mobile', field: 'mobile' },
      { header: 'plan', field: 'attributes.plan' },
      { header: 'attributes', field: 'attributes.*' },
    ]);
    // The country travels inside `mobile`: no evidence of a missing country, no warning.
    expect(info.warnings).toEqual([]);
  });

  test.each<[string, Record<string, string | Buffer>, Partial<ImportInput>, string, RegExp]>([
    [
      'Excel-mangled numbers, naming the column',
      { 'a.csv': 'Cell,Country\n4.47911123456E+11,GB\n4.47911123457E+11,GB\n+447911123458,GB\n' },
      {},
      'PHONE_EXCEL_MANGLED',
      /^column 'Cell' looks Excel-mangled in 2 rows \(e\.g\. line 2: 4\.47911123456E\+11\)/,
    ],
    [
      'no country column and no default country',
      { 'a.csv': 'phone\n(201) 555-0123\n' },
      {},
      'NO_COUNTRY',
      /^no country column and no --default-country: numbers without \+ will be invalid \(1 row so far\)$/,
    ],
    [
      'a country column with blanks and no default country',
      { 'a.csv': 'phone,country\n(201) 555-0123,\n(201) 555-0147,US\n' },
      {},
      'NO_COUNTRY',
      /^1 row so far has no usable country \(column 'country' empty or not a country\) and there is no --default-country/,
    ],
    [
      'bytes that are not UTF-8',
      { 'a.csv': Buffer.from('phone,name\n+12015550123,Jos\xe9\n', 'latin1') },
      {},
      'ENCODING_GUESSED',
      /^not valid UTF-8: read as windows-1252 \(Excel, Outlook on Windows\); .*--encoding with the file's code page \(windows-1252, .*windows-1250, .*\)$/,
    ],
    [
      'a workbook with several sheets: the one read, and the others',
      { 'a.xlsx': readFileSync(new URL('../fixtures/xlsx/exceljs-excel-chart-sheet.xlsx', import.meta.url)) },
      // (its columns hold no phone numbers: name one, or the run stops before the pre-flight)
      { defaultCountry: 'US', phoneColumns: ['Bears'] },
      'SHEET_CHOSEN',
      /^.*a\.xlsx: read sheet "Sheet1"; the workbook also has "Chart1" \(chart\) \(--sheet NAME reads another\)$/,
    ],
    [
      'a JSON API response: the records of its array key',
      {
        'a.json': JSON.stringify({
          results: [{ id: '1', properties: { phone: '+447911123456' } }],
          paging: {},
        }),
      },
      {},
      'RECORDS_KEY',
      /^.*a\.json: an object, not an array: read the records of its key "results" \(an API response\), skipped its other keys$/,
    ],
    [
      'vCard group cards',
      {
        'a.vcf':
          'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nTEL;TYPE=CELL:+447911123456\r\nEND:VCARD\r\n' +
          'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Family\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n',
      },
      {},
      'GROUP_CARDS_SKIPPED',
      /^.*a\.vcf: skipped 1 group card \(e\.g\. line 6\): a group lists contacts, it is not one$/,
    ],
    [
      'malformed records, with the delimiter in use',
      { 'a.csv': 'phone,name,country\n+12015550123,Ann,US\n+12015550147,"Bob,US\n' },
      {},
      'RECORD_MALFORMED',
      /^1 record could not be read \(e\.g\. line 3: unclosed quote starting at line 3\): check the delimiter \(detected ","; --delimiter overrides\)/,
    ],
    [
      'a mapping rule for a header that is not there',
      { 'a.csv': 'phone,country\n+12015550123,US\n' },
      { mapping: { 'Cell #': 'mobile' } },
      'MAPPING_UNUSED',
      /^--mapping names 'Cell #', but no column has that header/,
    ],
    [
      '--sheet for a source that is no workbook',
      { 'a.csv': 'phone,country\n+12015550123,US\n' },
      { sheet: 'Contacts' },
      'SHEET_UNUSED',
      /^--sheet "Contacts" names a sheet of an Excel workbook, but no source is one: it does nothing$/,
    ],
    [
      'mostly invalid rows',
      { 'a.csv': `phone,country\n${Array.from({ length: 30 }, (_, i) => `12${i},US`).join('\n')}\n` },
      {},
      'MANY_INVALID',
      /^30 of the first 30 rows are invalid \(PHONE_TOO_SHORT 30\)/,
    ],
    [
      'a nightly export that came out empty: a header and no rows',
      { 'a.csv': 'name,mobile\n' },
      {},
      'EMPTY_SOURCE',
      /^.*a\.csv: no rows under its header: nothing to import from it \(an export that came out empty\?\)$/,
    ],
    [
      'an empty JSON array',
      { 'a.json': '[]' },
      {},
      'EMPTY_SOURCE',
      /^.*a\.json: no records: nothing to import from it/,
    ],
  ])('warns about %s', async (_name, files, input, code, message) => {
    const info = await preflightOf(files, input);
    const warning = info.warnings.find((w) => w.code === code);
    expect(warning?.message, JSON.stringify(info.warnings)).toMatch(message);
  });

  test('a clean source with a default country has no warning', async () => {
    const info = await preflightOf({ 'a.csv': 'phone,name\n(201) 555-0123,Ann\n' }, { defaultCountry: 'US' });
    expect(info.warnings).toEqual([]);
    expect(info.codes).toEqual({});
  });

  test('several sources: each is described, and the warnings name their source', async () => {
    const info = await preflightOf({
      'a.csv': 'phone,country\n+12015550123,US\n',
      'b.csv': 'phone\n(201) 555-0147\n',
    });
    expect(info.sources.map((s) => path.basename(s.path))).toEqual(['a.csv', 'b.csv']);
    expect(info.warnings).toEqual([
      expect.objectContaining({
        code: 'NO_COUNTRY',
        source: path.join(dir, 'b.csv'),
        message: expect.stringMatching(/b\.csv: no country column/),
      }),
    ]);
  });
});

describe('pre-flight: bytes not valid UTF-8', () => {
  /** Over the 256 KiB the encoding is guessed from, all valid UTF-8 (rows with no phone: no batch). */
  const validStart = `phone,name\n${'nope,Zoë Ann Example Person\n'.repeat(10_000)}`;
  /** `count` rows with a latin1 é: one invalid byte each. */
  const latin1Rows = (count: number): Buffer =>
    Buffer.from(
      Array.from({ length: count }, (_, i) => `+1201555${String(1000 + (i % 9000))},Ren\xe9e ${i}\n`).join(
        '',
      ),
      'latin1',
    );
  const notUtf8 = (info: PreflightInfo): string | undefined =>
    info.warnings.find((warning) => warning.code === 'NOT_UTF8')?.message;

  test('a U+FFFD the file holds (an earlier bad conversion) is no invalid byte: no --encoding advice', async () => {
    const info = await preflightOf({ 'a.csv': 'name,mobile\nJ\uFFFDrgen,+447700900123\n李,+447700900124\n' });
    expect(info.sources[0]).toMatchObject({ encoding: 'utf8', replacementChars: 0 });
    expect(codesOf(info)).not.toContain('NOT_UTF8');
    expect(codesOf(info)).not.toContain('ENCODING_GUESSED');
  });

  test('counted in a source read to its end: the total', async () => {
    const info = await preflightOf({
      'a.csv': Buffer.concat([Buffer.from(validStart), latin1Rows(3), Buffer.from('Ann \uFFFD,nope\n')]),
    });
    expect(info.complete).toBe(true);
    expect(notUtf8(info)).toBe(
      '3 byte sequences are not valid UTF-8 (shown as \uFFFD): if the file comes from Excel or an older system, try --encoding windows-1252',
    );
  });

  test('counted before the source was read to its end: says it is a partial count', async () => {
    const info = await preflightOf(
      { 'a.csv': Buffer.concat([Buffer.from(validStart), latin1Rows(20_000)]) },
      { batchSize: 100 },
    );
    expect(info.complete).toBe(false);
    const count = info.sources[0]?.replacementChars ?? 0;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(20_000);
    expect(notUtf8(info)).toBe(
      `at least ${count} byte sequences are not valid UTF-8 (shown as \uFFFD, in the part read so far): if the file comes from Excel or an older system, try --encoding windows-1252`,
    );
  });
});

describe('pre-flight timing', () => {
  test('arrives once, before the first request to Sakari, with the rows seen until the first batch', async () => {
    sandbox = await startSandbox();
    const live = sandbox;
    const file = path.join(dir, 'many.csv');
    const rows = Array.from({ length: 250 }, (_, i) => `+1201555${String(1000 + i)},x${i}`);
    await writeFile(file, ['phone,name', 'not a phone,bad', ...rows].join('\n'));
    const seen: Array<{ info: PreflightInfo; requestsThen: number }> = [];
    const result = await importContacts(
      {
        sources: [file],
        state: false,
        workers: 0,
        batchSize: 100,
        apiUrl: live.url,
        account: 'acc',
        clientId: 'sandbox',
        clientSecret: 'sandbox',
        reportDir: path.join(dir, 'reports'),
      },
      { onPreflight: (info) => seen.push({ info, requestsThen: live.stats().requests }) },
    );
    expect(result.counts.created).toBe(250);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.requestsThen).toBe(0);
    // The first batch (100 rows) and the invalid row before it: 101 rows checked, 3 batches sent after.
    expect(seen[0]?.info.rowsSeen).toBe(101);
    expect(seen[0]?.info.codes).toEqual({ PHONE_NOT_A_NUMBER: 1 });
    expect(live.stats().apiRequests).toBe(3);
  });

  test('a run that sends nothing still gets its pre-flight, at the end of the source', async () => {
    const info = await preflightOf({ 'a.csv': 'phone\nnope\n' });
    expect(info).toMatchObject({
      rowsRead: 1,
      rowsSeen: 1,
      complete: true,
      codes: { PHONE_NOT_A_NUMBER: 1 },
    });
  });
});
