/**
 * The sandbox's SQLite data file: conversion of the v1 JSON file, refusal of foreign databases,
 * survival of a SIGKILL, and paging that stays in creation order while the account changes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ContactStore } from '../../src/sandbox/contacts.js';
import { sandboxDataFile, startSandbox, type StoredContact } from '../../src/sandbox/index.js';
import { openContactDatabase } from '../../src/sandbox/persistence.js';
import { BIN, cleanEnv } from '../helpers.js';
import {
  ACCOUNT,
  CSV_HEADER,
  Sandboxes,
  call,
  contactsPath,
  readDataFile,
  token,
  uploadData,
  upsertCsv,
} from './helpers.js';

const sandboxes = new Sandboxes();
let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sandbox-db-'));
});

afterEach(async () => {
  await sandboxes.closeAll();
  await rm(folder, { recursive: true, force: true });
});

function contact(n: number, extra: Partial<StoredContact> = {}): StoredContact {
  return {
    id: `id-${n}`,
    mobile: { number: `+1500555${String(n).padStart(4, '0')}`, country: 'US' },
    firstName: `First${n}`,
    tags: [{ tag: 'a' }],
    attributes: { plan: 'gold' },
    created: { at: '2026-01-01T00:00:00.000Z' },
    updated: { at: '2026-01-02T00:00:00.000Z' },
    ...extra,
  };
}

function csvOf(numbers: readonly number[]): string {
  return `${CSV_HEADER}\n${numbers.map((n) => `+1500555${String(n).padStart(4, '0')},,,,,`).join('\n')}\n`;
}

describe('a v1 JSON data file', () => {
  test('is converted on start: same contacts, ids, timestamps and order; the JSON is kept beside it', async () => {
    const dataFile = join(folder, 'sandbox.json');
    // Creation order is the file's order, not the numbers' order.
    const accounts = {
      [ACCOUNT]: [contact(3), contact(1, { email: 'one@example.com' })],
      other: [contact(2)],
    };
    const json = JSON.stringify({ version: 1, accounts });
    await writeFile(dataFile, json);

    const sandbox = await sandboxes.start({ dataFile });
    expect(sandbox.contacts(ACCOUNT)).toEqual(accounts[ACCOUNT]);
    expect(sandbox.contacts('other')).toEqual(accounts.other);
    expect(readFileSync(dataFile).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect(await readFile(`${dataFile}.v1.json`, 'utf8')).toBe(json);
    const bearer = await token(sandbox);
    const again = uploadData(await upsertCsv(sandbox, bearer, csvOf([1])));
    expect(again).toMatchObject({ inserted: 0, updated: 1 });
    expect(again.contacts[0]).toMatchObject({
      id: 'id-1',
      email: 'one@example.com',
      created: contact(1).created,
    });
    await sandbox.close();

    // Opened again: a database now, nothing to convert, the update kept.
    const reopened = await sandboxes.start({ dataFile });
    expect(reopened.contacts(ACCOUNT).map((c) => c.id)).toEqual(['id-3', 'id-1']);
    expect(reopened.contacts(ACCOUNT)[1]?.updated.at).not.toBe(contact(1).updated.at);
  });

  test('with the same number twice in an account is refused and left as it was', async () => {
    const dataFile = join(folder, 'sandbox.json');
    const content = JSON.stringify({ version: 1, accounts: { a: [contact(1), contact(1, { id: 'id-x' })] } });
    await writeFile(dataFile, content);
    await expect(startSandbox({ dataFile })).rejects.toThrow(`sandbox data file ${dataFile}`);
    expect(await readFile(dataFile, 'utf8')).toBe(content);
    expect(existsSync(`${dataFile}.v1.json`)).toBe(false);
  });

  test("a state folder's sandbox-data.json becomes its sandbox-data.db", async () => {
    const stateDir = join(folder, 'state');
    await mkdir(stateDir);
    await writeFile(
      join(stateDir, 'sandbox-data.json'),
      JSON.stringify({ version: 1, accounts: { a: [contact(1)] } }),
    );
    const dataFile = sandboxDataFile(stateDir);
    expect(dataFile).toBe(join(stateDir, 'sandbox-data.db'));
    const sandbox = await sandboxes.start({ dataFile });
    expect(sandbox.contacts('a')).toEqual([contact(1)]);
    expect(sandboxDataFile(stateDir)).toBe(dataFile);
  });
});

describe('a SQLite data file', () => {
  test('of another application is refused and left as it was', async () => {
    const dataFile = join(folder, 'other.db');
    const db = new Database(dataFile);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    const before = readFileSync(dataFile);
    await expect(startSandbox({ dataFile })).rejects.toThrow(/a SQLite database of something else/);
    expect(readFileSync(dataFile)).toEqual(before);
  });

  test('written by a newer sakari-sync is refused', async () => {
    const dataFile = join(folder, 'newer.db');
    const sandbox = await startSandbox({ dataFile });
    await sandbox.close();
    const db = new Database(dataFile);
    db.pragma('user_version = 99');
    db.close();
    await expect(startSandbox({ dataFile })).rejects.toThrow(/newer sakari-sync \(format v99/);
  });

  test('keeps every acknowledged write when `sakari-sync sandbox` is killed with SIGKILL', async () => {
    const dataFile = join(folder, 'killed.db');
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--data-file', dataFile], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
      const remote = { url: line.trim() };
      const bearer = await token(remote as never);
      const acknowledged: StoredContact[] = [];
      for (const batch of [
        [1, 2, 3],
        [4, 5],
        [1, 6],
      ]) {
        acknowledged.push(...uploadData(await upsertCsv(remote as never, bearer, csvOf(batch))).contacts);
      }
      child.kill('SIGKILL');
      await once(child, 'close');
      const latest = new Map(acknowledged.map((c) => [c.mobile.number, c]));
      expect(readDataFile(dataFile)).toEqual({ [ACCOUNT]: [...latest.values()] });
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('listing', () => {
  test('pages follow creation order while contacts are created and deleted between pages', async () => {
    const sandbox = await sandboxes.start();
    const bearer = await token(sandbox);
    uploadData(await upsertCsv(sandbox, bearer, csvOf(Array.from({ length: 250 }, (_, i) => i))));
    const page = async (offset: number): Promise<{ ids: string[]; total: number }> => {
      const reply = await call(sandbox, contactsPath(`?offset=${offset}&limit=100`), { bearer });
      const body = reply.json as { data: StoredContact[]; pagination: { totalCount: number } };
      return { ids: body.data.map((c) => c.id), total: body.pagination.totalCount };
    };
    const ids = (): string[] => sandbox.contacts(ACCOUNT).map((c) => c.id);

    expect(await page(0)).toEqual({ ids: ids().slice(0, 100), total: 250 });
    expect(await page(100)).toEqual({ ids: ids().slice(100, 200), total: 250 });
    // Delete one already served: everything after it moves up by one.
    const gone = ids()[50];
    expect((await call(sandbox, contactsPath(`/${gone}`), { method: 'DELETE', bearer })).status).toBe(200);
    uploadData(await upsertCsv(sandbox, bearer, csvOf([9999])));
    expect(await page(200)).toEqual({ ids: ids().slice(200, 300), total: 250 });
    expect((await page(200)).ids.at(-1)).toBe(ids().at(-1));
    // Asked out of order, a page is still the right one.
    expect(await page(100)).toEqual({ ids: ids().slice(100, 200), total: 250 });
  });

  test('findByMobile finds a contact by its E.164 number, after its number changed too', () => {
    const store = new ContactStore(openContactDatabase(undefined));
    try {
      const input = { mobile: '+15005550001', tags: [], attributes: {} };
      const [created] = store.upsertBatch(ACCOUNT, [input], 'append', new Set(), Date.now());
      if (!created?.written) throw new Error('not written');
      expect(store.findByMobile(ACCOUNT, '+15005550001')).toEqual(created.contact);
      expect(store.findByMobile('other', '+15005550001')).toBeUndefined();
      store.update(ACCOUNT, created.contact.id, { mobile: '+15005550002' }, Date.now());
      expect(store.findByMobile(ACCOUNT, '+15005550001')).toBeUndefined();
      expect(store.findByMobile(ACCOUNT, '+15005550002')?.id).toBe(created.contact.id);
    } finally {
      store.close();
    }
  });
});

test('the data file (contacts) is readable by its owner only, and one left wider is narrowed', async () => {
  const dataFile = join(folder, 'sandbox-data.db');
  const previous = process.umask(0o022);
  try {
    const sandbox = await sandboxes.start({ dataFile });
    await sandbox.close();
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    chmodSync(dataFile, 0o644);
    await (await sandboxes.start({ dataFile })).close();
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
  } finally {
    process.umask(previous);
  }
});
