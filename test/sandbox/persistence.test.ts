import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import {
  ACCOUNT,
  CSV_HEADER,
  Sandboxes,
  readDataFile,
  sleep,
  token,
  uploadData,
  upsertCsv,
} from './helpers.js';

const sandboxes = new Sandboxes();
let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
});

afterEach(async () => {
  await sandboxes.closeAll();
  await rm(folder, { recursive: true, force: true });
});

test('contacts survive a restart with the same dataFile', async () => {
  const dataFile = join(folder, 'nested', 'sandbox.json');
  const first = await sandboxes.start({ dataFile });
  const csv = `${CSV_HEADER},Plan\n+15005550001,US,Ann,Lee,ann@example.com,a|b,gold\n+15005550002,,Bob,,,,\n`;
  uploadData(await upsertCsv(first, await token(first), csv));
  uploadData(await upsertCsv(first, await token(first), `${CSV_HEADER}\n+15005550003,,,,,\n`, '', 'other'));
  const before = { main: first.contacts(ACCOUNT), other: first.contacts('other') };
  await first.close();

  const second = await sandboxes.start({ dataFile });
  expect(second.contacts(ACCOUNT)).toEqual(before.main);
  expect(second.contacts('other')).toEqual(before.other);
  // The restored contacts are updated, not created again.
  const again = uploadData(await upsertCsv(second, await token(second), csv));
  expect(again).toMatchObject({ inserted: 0, updated: 2 });
  expect(again.contacts.map((contact) => contact.id)).toEqual(before.main.map((contact) => contact.id));
  // Stats start over with the process.
  expect(second.stats().writesPerMobile).toEqual({ [ACCOUNT]: { '+15005550001': 1, '+15005550002': 1 } });
});

test('writes are saved shortly after they happen, atomically, without waiting for close', async () => {
  const dataFile = join(folder, 'sandbox.json');
  const sandbox = await sandboxes.start({ dataFile });
  uploadData(await upsertCsv(sandbox, await token(sandbox), `${CSV_HEADER}\n+15005550001,,,,,\n`));

  let saved: unknown;
  for (let attempt = 0; attempt < 50 && saved === undefined; attempt += 1) {
    await sleep(50);
    const accounts = readDataFile(dataFile);
    if (Object.keys(accounts).length > 0) saved = accounts;
  }
  // The JSON document's `version` went with the JSON format (v1); the contacts are what count.
  expect(saved).toEqual({ [ACCOUNT]: sandbox.contacts(ACCOUNT) });
  expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});

test('reset empties the data file too', async () => {
  const dataFile = join(folder, 'sandbox.json');
  const sandbox = await sandboxes.start({ dataFile });
  uploadData(await upsertCsv(sandbox, await token(sandbox), `${CSV_HEADER}\n+15005550001,,,,,\n`));
  sandbox.reset();
  await sandbox.close();
  expect(readDataFile(dataFile)).toEqual({});
});

test('a missing dataFile starts empty', async () => {
  const sandbox = await sandboxes.start({ dataFile: join(folder, 'absent.json') });
  expect(sandbox.contacts(ACCOUNT)).toEqual([]);
});

test.each([
  ['not JSON', '{oops', /not valid JSON/],
  ['a wrong version', '{"version":2,"accounts":{}}', /unexpected content at version/],
  [
    'a contact without mobile',
    '{"version":1,"accounts":{"a":[{"id":"x"}]}}',
    /unexpected content at accounts\.a\.0/,
  ],
])('a data file with %s refuses to start, naming the file', async (_name, content, message) => {
  const dataFile = join(folder, 'bad.json');
  await writeFile(dataFile, content);
  const attempt = startSandbox({ dataFile });
  await expect(attempt).rejects.toThrow(message);
  await expect(attempt).rejects.toThrow(dataFile);
  // Left as it was: starting empty and saving would have lost its contacts.
  expect(await readFile(dataFile, 'utf8')).toBe(content);
});
