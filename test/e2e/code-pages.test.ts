/**
 * CSVs in the code page of the Windows (or Mac) that wrote them, as Excel and Outlook save them
 * in Poland, Russia, Greece, Turkey, the Baltics, Japan, China, Taiwan or Korea
 * (`test/fixtures/encodings/<lang>.<encoding>.csv`, 30 contacts each, made from common names of
 * the language): imported into the sandbox with no `--encoding`, Sakari holds the names as
 * written, not `£ukasz` or `Èâàí`; a Western list stays windows-1252; what cannot be guessed
 * (Hungarian) is read right with `--encoding`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importContacts } from '../../src/pipeline/run.js';
import { requestedEncoding } from '../../src/read/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ConfigError } from '../../src/config.js';
import { dryRunImport, ROOT, runCli, tempDir } from '../helpers.js';
import { readAll } from '../read/helpers.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'encodings');
const FILES = readdirSync(FIXTURES).filter((name) => name.endsWith('.csv'));

/** The fixture's rows, decoded in the encoding its name gives (what the writer meant). */
function meant(name: string): Array<Record<string, string>> {
  const encoding = path.basename(name).split('.')[1] as string;
  const text = new TextDecoder(encoding).decode(readFileSync(path.join(FIXTURES, name)));
  return parse(text, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

let sandbox: Sandbox;

/** An import of `file` (no `--encoding`, no state) into the sandbox's `account`. */
function importIntoSandbox(file: string, account: string): ReturnType<typeof importContacts> {
  return importContacts({
    sources: [file],
    state: false,
    reportDir: path.join(dir, 'reports'),
    apiUrl: sandbox.url,
    account,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
  });
}
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  sandbox = await startSandbox();
  ({ dir, cleanup } = await tempDir('sakari-code-pages-'));
});
afterAll(async () => {
  await sandbox.close();
  await cleanup();
});

test('the fixtures cover every code page guessed, and each holds names outside ASCII', () => {
  expect(new Set(FILES.map((name) => name.split('.')[1]))).toEqual(
    new Set([
      'windows-1250',
      'windows-1251',
      'windows-1252',
      'windows-1253',
      'windows-1254',
      'windows-1257',
      'macintosh',
      'shift_jis',
      'gb18030',
      'big5',
      'euc-kr',
    ]),
  );
  for (const name of FILES) {
    expect(meant(name).filter((row) => /[^\p{ASCII}]/u.test(row['First Name'] ?? '')).length).toBeGreaterThan(
      5,
    );
  }
});

describe.each(FILES)('%s, no --encoding', (name) => {
  const encoding = name.split('.')[1] as string;
  const account = `acc-${name.split('.')[0]}`;

  test(`is read as ${encoding}, and Sakari gets every name as written`, async () => {
    const { info } = await readAll(path.join(FIXTURES, name));
    expect(info).toMatchObject({ encoding, encodingGuessed: true });

    const result = await importIntoSandbox(path.join(FIXTURES, name), account);
    const count = meant(name).length;
    expect(result.counts).toMatchObject({ rows: count, created: count });
    const held = new Map(sandbox.contacts(account).map((contact) => [contact.mobile.number, contact]));
    for (const row of meant(name)) {
      const e164 = `+${(row.Mobile as string).replace(/\D/g, '')}`;
      expect(held.get(e164), e164).toMatchObject({
        firstName: row['First Name'],
        lastName: row['Last Name'],
      });
      expect(held.get(e164)?.attributes.City).toBe(row.City);
    }
  });
});

const OUTLOOK = readdirSync(path.join(FIXTURES, 'outlook')).filter((name) => name.endsWith('.csv'));

describe.each(OUTLOOK)('an Outlook export in its own language and code page: outlook/%s', (name) => {
  test('every column is understood and Sakari gets the names, e-mails and numbers as written', async () => {
    const account = `acc-outlook-${name.split('.')[0]}`;
    const result = await importIntoSandbox(path.join(FIXTURES, 'outlook', name), account);
    const rows = meant(`outlook/${name}`);
    expect(result.counts).toMatchObject({ rows: rows.length, created: rows.length });
    const held = new Map(sandbox.contacts(account).map((contact) => [contact.mobile.number, contact]));
    for (const row of rows) {
      const [first, last, mobile, email] = Object.values(row) as [string, string, string, string];
      const contact = held.get(`+${mobile.replace(/\D/g, '')}`);
      expect(contact, mobile).toMatchObject({ firstName: first, lastName: last, email });
      // The first four columns are fields; the country column is no attribute either.
      expect(contact?.attributes).toEqual({});
    }
  });
});

/**
 * Files of the audit of this feature (`audit/<what>.<encoding>.csv`): Western lists of several
 * languages that a language-by-language reading took for Slovak or Lithuanian, `™` after brand
 * names that Mac Roman reads as `ô`, Swedish in Mac Roman, Hebrew that reads as lower-case Greek
 * too, CJK name lists too short for chardet's statistics, and UTF-8 with one bad byte or cut off
 * inside its last character (UTF-8 still, its bad bytes counted).
 */
const AUDIT = readdirSync(path.join(FIXTURES, 'audit')).filter((name) => name.endsWith('.csv'));

test.each(AUDIT)('audit/%s is read in the encoding its name says', async (name) => {
  const encoding = name.split('.')[1] as string;
  const { info } = await readAll(path.join(FIXTURES, 'audit', name));
  if (encoding === 'utf8') {
    expect(info).toMatchObject({ encoding: 'utf8' });
    expect(info.encodingGuessed).toBeUndefined();
    expect(info.replacementChars).toBeGreaterThan(0);
  } else {
    expect(info).toMatchObject({ encoding, encodingGuessed: true });
  }
});

test('a file in a code page not guessed (KOI8-R) whose headers are then garbled stops before sending, saying the encoding was guessed and how to name it', async () => {
  const decoder = new TextDecoder('koi8-r');
  const all = decoder.decode(
    Uint8Array.from({ length: 256 }, (_, byte) => byte),
    { stream: true },
  );
  const bytes = new Map([...all].map((char, byte) => [char, byte]));
  const text =
    'Имя,Фамилия,Мобильный телефон\r\nИван,Петров,+7 912 345-67-89\r\nОльга,Смирнова,+7 912 345-67-80\r\n';
  const file = path.join(dir, 'koi8.csv');
  await writeFile(file, Uint8Array.from([...text].map((char) => bytes.get(char) ?? 0x3f)));
  const stopped = await dryRunImport(file, dir);
  expect(stopped.code).toBe(2);
  expect(stopped.stderr).toMatch(
    /no column can hold a phone number, nothing was sent .*The file is not UTF-8 and was read as windows-1252: if the column names above look garbled, give --encoding with the file's code page/,
  );
  const named = await dryRunImport(file, dir, '--encoding', 'koi8-r');
  expect(named.code, named.stderr).toBe(0);
  expect(named.stderr).toContain('Мобильный телефон → mobile');
});

test("a vCard 2.1 that names its values' code page (N;CHARSET=SHIFT_JIS, as feature phones write them) is read in it, however short", async () => {
  const { info, rows } = await readAll(path.join(FIXTURES, 'vcard21-charset.shift_jis.vcf'));
  expect(info).toMatchObject({ format: 'vcf', encoding: 'shift_jis' });
  expect(rows.map((row) => [row.raw['First Name'], row.raw['Last Name']])).toEqual([['太郎', '山田']]);
});

test('--encoding wins over the guess: a Polish list read as windows-1252 when asked so (and names garbled, as asked)', async () => {
  const file = path.join(FIXTURES, 'pl.windows-1250.csv');
  const run = await dryRunImport(file, dir, '--encoding', 'cp1252');
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toContain('pl.windows-1250.csv: CSV, delimiter ",", windows-1252, 5 columns');
  expect(run.stderr).not.toContain('not valid UTF-8');
  const { rows, info } = await readAll(file, { encoding: 'windows-1252' });
  expect(info).toMatchObject({ encoding: 'windows-1252' });
  expect(info.encodingGuessed).toBeUndefined();
  const polish = meant('pl.windows-1250.csv');
  expect(rows.map((row) => row.raw['First Name'])).not.toEqual(polish.map((row) => row['First Name']));
});

test('a Hungarian list: ő and ű are õ and û in windows-1252, which Portuguese writes; with --encoding windows-1250 every name is read as written', async () => {
  const file = path.join(dir, 'hu.csv');
  const names = 'Győző Kőszegi,Ildikó Szűcs,Ödön Erdős,Ágnes Fűzfa,Tünde Ősz,Gábor Kővári'.split(',');
  const text = `Name,Mobile\r\n${names.map((n, i) => `${n},+44 7911 1240${i}0`).join('\r\n')}\r\n`;
  const cp1250 = new Map([...'őŐűŰ'].map((c, i) => [c, [0xf5, 0xd5, 0xfb, 0xdb][i] as number]));
  await writeFile(file, Uint8Array.from([...text].map((c) => cp1250.get(c) ?? c.charCodeAt(0))));
  const asked = await dryRunImport(file, dir, '--encoding', 'windows-1250');
  expect(asked.code, asked.stderr).toBe(0);
  expect(asked.stderr).toContain('hu.csv: CSV, delimiter ",", windows-1250, 2 columns');
  const { rows } = await readAll(file, { encoding: 'cp1250' });
  expect(rows.map((row) => row.raw.Name)).toEqual(names);
});

test('--encoding takes any label TextDecoder knows, by its canonical name; a name that is no text encoding stops the run (exit 2)', async () => {
  expect(
    ['cp1251', 'Windows-1250', 'sjis', 'gb2312', 'iso-8859-2', 'utf-8', 'latin1', 'macintosh'].map(
      requestedEncoding,
    ),
  ).toEqual([
    'windows-1251',
    'windows-1250',
    'shift_jis',
    'gbk',
    'iso-8859-2',
    'utf8',
    'latin1',
    'macintosh',
  ]);
  expect(['ebcdic', 'replacement', 'x-user-defined', ''].map(requestedEncoding)).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  await expect(
    importContacts({ sources: [path.join(FIXTURES, FILES[0] as string)], dryRun: true, encoding: 'ebcdic' }),
  ).rejects.toBeInstanceOf(ConfigError);
  const run = await runCli([
    'import',
    path.join(FIXTURES, FILES[0] as string),
    '--dry-run',
    '--encoding',
    'klingon',
  ]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    /encoding: "klingon" is not a text encoding: name a code page such as windows-1252/,
  );
});
