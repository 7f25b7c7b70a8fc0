/**
 * The report's promise "rejected.csv: fix it and feed it back" (CONTRACT §5), done as a user does
 * it: a real import against the sandbox, rejected.csv edited as text, imported again with the
 * command of the first run; what Sakari then holds is read back from the sandbox.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { importContacts } from '../../src/pipeline/run.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ImportInput } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const ACCOUNT = 'acc-feedback';
let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
  await cleanup();
});

async function run(file: string, extra: Partial<ImportInput> = {}): Promise<string> {
  const result = await importContacts({
    sources: [file],
    defaultCountry: 'DE',
    state: path.join(dir, 'state.db'),
    reportDir: path.join(dir, 'reports'),
    apiUrl: sandbox.url,
    account: ACCOUNT,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    ...extra,
  });
  return result.reportPath;
}

test('a windows-1252 `;` export with values a spreadsheet would evaluate: rejected.csv keeps its `;`, fixed and fed back, Sakari gets the values of the source', async () => {
  // A German Excel export: `;`, windows-1252, values starting with - @ = +.
  const source = path.join(dir, 'kontakte.csv');
  await writeFile(
    source,
    Buffer.from(
      [
        'Vorname;Nachname;Mobiltelefon;Tags;Saldo;Notiz',
        'Jürgen;Müller;0151 23456789;kunde;12,50;',
        '@Bob;-;0151 2345 67XX;-vip;-12,50;=1+2 Rückruf',
        '',
      ].join('\r\n'),
      'latin1',
    ),
  );
  const first = await run(source, { encoding: 'windows-1252' });
  const rejectedFile = path.join(first, 'rejected.csv');
  const rejected = await readFile(rejectedFile, 'utf8');
  // A byte order mark, so a spreadsheet reads the UTF-8 names as such.
  expect(rejected.charCodeAt(0)).toBe(0xfeff);
  // `;`-separated like the export, so the German Excel that made it opens it in columns.
  const [header, line] = rejected.slice(1).split('\n');
  expect(header).toBe('Vorname;Nachname;Mobiltelefon;Tags;Saldo;Notiz;error_code;error_message');
  expect(line).toMatch(/^'@Bob;'-;0151 2345 67XX;'-vip;'-12,50;'=1\+2 Rückruf;PHONE_NOT_A_NUMBER;/);

  // The user fixes the number and runs the same command on the file.
  await writeFile(rejectedFile, rejected.replace('0151 2345 67XX', '0151 23456780'));
  const second = await run(rejectedFile, { encoding: 'windows-1252' });
  const rows = (await readFile(path.join(second, 'rows.csv'), 'utf8')).trim().split('\n');
  expect(rows.slice(1).map((line) => line.split(',')[1])).toEqual(['created']);

  const stored = sandbox.contacts(ACCOUNT).find((contact) => contact.mobile.number === '+4915123456780');
  expect(stored).toMatchObject({
    firstName: '@Bob',
    lastName: '-',
    attributes: { Saldo: '-12,50', Notiz: '=1+2 Rückruf' },
  });
  expect(stored?.tags.map((tag) => tag.tag)).toEqual(['-vip']);
  expect(sandbox.contacts(ACCOUNT).find((c) => c.mobile.number === '+4915123456789')?.firstName).toBe(
    'Jürgen',
  );
});

test("an NDJSON API dump's rejected rows, fixed and fed back: the mobile object, tag list and attributes are read as such", async () => {
  const source = path.join(dir, 'dump.ndjson');
  await writeFile(
    source,
    [
      { mobile: { number: '+1 201 555 0101', country: 'US' }, firstName: 'Ann', tags: ['vip'] },
      {
        mobile: { number: '12', country: 'US' },
        firstName: 'Bo',
        tags: [{ tag: 'lead' }, { tag: 'b2b' }],
        attributes: { plan: 'gold', seats: 3 },
      },
    ]
      .map((record) => JSON.stringify(record))
      .join('\n'),
  );
  const first = await run(source);
  const rejectedFile = path.join(first, 'rejected.csv');
  const rejected = await readFile(rejectedFile, 'utf8');
  expect(rejected).toContain('"{""number"":""12"",""country"":""US""}"');
  await writeFile(rejectedFile, rejected.replace('""number"":""12""', '""number"":""+1 201 555 0102""'));
  await run(rejectedFile);

  const stored = sandbox.contacts(ACCOUNT).find((contact) => contact.mobile.number === '+12015550102');
  expect(stored).toMatchObject({ firstName: 'Bo', attributes: { plan: 'gold', seats: '3' } });
  expect(stored?.mobile.country).toBe('US');
  expect(stored?.tags.map((tag) => tag.tag)).toEqual(['lead', 'b2b']);
});
