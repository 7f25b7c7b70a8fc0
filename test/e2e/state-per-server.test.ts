/**
 * What the state remembers of an account is true of one server: a `--sandbox` trial, or a run
 * against another API URL, must not make the next run against another server skip rows that
 * server never received (config.ts `stateAccountKey`).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { stateAccountKey } from '../../src/config.js';
import { importContacts } from '../../src/pipeline/run.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ImportInput } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const ACCOUNT = 'real777';
let dir: string;
let cleanup: () => Promise<void>;
const servers: Sandbox[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await cleanup();
});

async function server(): Promise<Sandbox> {
  const started = await startSandbox();
  servers.push(started);
  return started;
}

async function source(): Promise<string> {
  const file = path.join(dir, 'contacts.csv');
  await writeFile(file, 'mobile,first name\n+12015550101,Ann\n+12015550102,Bob\n+12015550103,Cy\n');
  return file;
}

async function run(file: string, input: Partial<ImportInput>) {
  return importContacts({
    sources: [file],
    state: path.join(dir, 'state', 'state.db'),
    reportDir: path.join(dir, 'reports'),
    account: ACCOUNT,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    ...input,
  });
}

test('a --sandbox trial with the real account id leaves that account alone: the real run sends every row', async () => {
  const file = await source();
  const trial = await run(file, { sandbox: true });
  expect(trial.counts.created).toBe(3);
  expect(trial.account).toBe(`${ACCOUNT}@sandbox`);

  const sakari = await server();
  const real = await run(file, { apiUrl: sakari.url });
  expect(real.counts).toMatchObject({ created: 3, unchanged: 0 });
  expect(sakari.contacts(ACCOUNT)).toHaveLength(3);

  // Each server's books stay its own: the next trial and the next real run send nothing.
  expect((await run(file, { sandbox: true })).counts).toMatchObject({ unchanged: 3, created: 0 });
  expect((await run(file, { apiUrl: sakari.url })).counts).toMatchObject({ unchanged: 3, created: 0 });
});

test('the same account and state against another API URL: every row is sent there', async () => {
  const file = await source();
  const [first, second] = [await server(), await server()];
  expect((await run(file, { apiUrl: first.url })).counts.created).toBe(3);
  const moved = await run(file, { apiUrl: second.url });
  expect(moved.counts).toMatchObject({ created: 3, unchanged: 0 });
  expect(second.contacts(ACCOUNT)).toHaveLength(3);
});

test("Sakari's own API URL keeps the account id alone (states written before keep working); a trailing /v1 is the same API", () => {
  expect(stateAccountKey('acc', 'https://api.sakari.io')).toBe('acc');
  expect(stateAccountKey('acc', 'https://api.sakari.io/v1/')).toBe('acc');
  expect(stateAccountKey('acc', 'sandbox')).toBe('acc@sandbox');
  expect(stateAccountKey('acc', 'http://127.0.0.1:4010/')).toBe('acc@http://127.0.0.1:4010');
});
