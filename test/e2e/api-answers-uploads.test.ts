/**
 * The real CLI against upload answers a live Sakari may give besides the `full` one (audit
 * §1, §5, §12): a refused row listed in `contacts[]`, counts below the rows named stored, counts as
 * strings, a `ContactsResponse` (`data: [Contact]`), `errors[]` entries with the code at the top
 * level, contacts echoed in national form. Each row gets the outcome it really had, and a row
 * Sakari did not store is not acknowledged: the next run (same `--state`) sends it again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startContactsApi, type FakeContactsApi, type FakeUploadData } from '../sakari/fake-sakari.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const ACCOUNT = 'acc-answers';
const BLOCKED = '+12015550123';
const INVALID = '+12015550124';
/** One new row, one opted out, one Sakari refuses as invalid, one more new row. */
const SOURCE =
  'phone,name\n+1 201 555 0147,Fine\n+1 201 555 0123,Opted Out\n+1 201 555 0124,Refused\n+1 201 555 0148,Fine Too\n';

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox | undefined;
let fake: FakeContactsApi | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFile(path.join(dir, 'contacts.csv'), SOURCE);
});
afterEach(async () => {
  await sandbox?.close();
  await fake?.close();
  sandbox = undefined;
  fake = undefined;
  await cleanup();
});

/** `import contacts.csv` with a state file kept across the runs of one test. */
async function importRun(flags: string[], report: string): Promise<CliRun> {
  return runCli([
    'import',
    path.join(dir, 'contacts.csv'),
    ...flags,
    '--default-country',
    'US',
    '--state',
    path.join(dir, 'state.db'),
    '--report-dir',
    path.join(dir, report),
    '--batch-size',
    '4',
  ]);
}

async function rowsOf(run: CliRun): Promise<string[][]> {
  const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
  return rows.map((r) => [
    r.status ?? '',
    r.code ?? '',
    r.message ?? '',
    r.mobile_e164 ?? '',
    r.contact_id ?? '',
  ]);
}

async function withSandbox(options: SandboxOptions): Promise<string[]> {
  sandbox = await startSandbox({ blocked: [BLOCKED], ...options });
  return sandboxFlags(sandbox.url, ACCOUNT);
}

function fakeFlags(api: FakeContactsApi): string[] {
  return ['--api-url', api.url, '--account', ACCOUNT, '--client-id', 'id', '--client-secret', 'secret'];
}

/** The sandbox's contact ids by mobile. */
function idsOf(box: Sandbox): Map<string, string> {
  return new Map(box.contacts(ACCOUNT).map((c) => [c.mobile.number, c.id]));
}

/** Requests to the contacts endpoint (token requests left out). */
function requests(box: Sandbox, method: string): number {
  return box.stats().requestLog.filter((entry) => entry.method === method && entry.path.endsWith('/contacts'))
    .length;
}

describe('a refused row listed in contacts[] (audit §1)', () => {
  test('with its error and valid:false: blocked or failed with the API code, and the failed row is sent again', async () => {
    fake = await startContactsApi({
      refuse: (mobile) =>
        mobile === BLOCKED
          ? { code: 'CONT-010', description: 'Contact has requested no further communication' }
          : mobile === INVALID
            ? { code: 'CONT-001', description: 'Invalid mobile number' }
            : undefined,
      // The refused rows in contacts[] beside the stored ones, errors[] empty, honest counts.
      answer: (data: FakeUploadData) => ({
        success: true,
        data: {
          ...data,
          contacts: [...data.contacts, ...data.errors.map((e) => ({ ...e, valid: false }))],
          errors: [],
        },
      }),
    });
    const first = await importRun(fakeFlags(fake), 'reports-1');
    expect(first.code, first.stderr).toBe(3);
    const ids = new Map(fake.contacts().map((c) => [c.mobile.number, c.id]));
    expect(await rowsOf(first)).toEqual([
      ['created', '', '', '+12015550147', ids.get('+12015550147')],
      ['blocked', 'CONT-010', 'Contact has requested no further communication', BLOCKED, ''],
      ['failed', 'CONT-001', 'Invalid mobile number', INVALID, ''],
      ['created', '', '', '+12015550148', ids.get('+12015550148')],
    ]);

    // Same state: the stored rows and the opted-out one are acknowledged; the refused one is not.
    const second = await importRun(fakeFlags(fake), 'reports-2');
    expect(second.code, second.stderr).toBe(3);
    expect(fake.uploads()).toEqual([['+12015550147', BLOCKED, INVALID, '+12015550148'], [INVALID]]);
    expect((await rowsOf(second)).map((r) => r.slice(0, 2))).toEqual([
      ['unchanged', ''],
      ['blocked', 'CONT-010'],
      ['failed', 'CONT-001'],
      ['unchanged', ''],
    ]);
  });

  test('unmarked, against counts that say fewer were stored: looked up, not found, failed and sent again', async () => {
    const flags = await withSandbox({ answerShape: 'refusals-unmarked' });
    const first = await importRun(flags, 'reports-1');
    expect(first.code, first.stderr).toBe(3);
    const ids = idsOf(sandbox!);
    expect(await rowsOf(first)).toEqual([
      ['created', '', '', '+12015550147', ids.get('+12015550147')],
      [
        'failed',
        'NO_RESULT',
        'Sakari listed this contact as stored but its counts say fewer were stored, and a look-up by mobile did not find it (yet); the next run sends it again',
        BLOCKED,
        '',
      ],
      ['created', '', '', INVALID, ids.get(INVALID)],
      ['created', '', '', '+12015550148', ids.get('+12015550148')],
    ]);
    // Every row the answer named stored was looked up, once.
    expect(requests(sandbox!, 'GET')).toBe(4);

    const postsBefore = requests(sandbox!, 'POST');
    const second = await importRun(flags, 'reports-2');
    expect(second.code, second.stderr).toBe(3);
    // Only the refused row is sent again.
    expect(requests(sandbox!, 'POST') - postsBefore).toBe(1);
    expect((await rowsOf(second)).map((r) => r[0])).toEqual([
      'unchanged',
      'failed',
      'unchanged',
      'unchanged',
    ]);
  });
});

describe('the spec’s other answer shapes (audit §5)', () => {
  test('counts as strings decide every row without a look-up', async () => {
    const flags = await withSandbox({ answerShape: 'counts-as-text', blocked: [] });
    const run = await importRun(flags, 'reports');
    expect(run.code, run.stderr).toBe(0);
    expect((await rowsOf(run)).map((r) => r[0])).toEqual(['created', 'created', 'created', 'created']);
    expect(requests(sandbox!, 'GET')).toBe(0);
  });

  test('a ContactsResponse (data: [Contact]) names its rows, ids and refusals, without a look-up', async () => {
    const flags = await withSandbox({ answerShape: 'contacts-array' });
    const run = await importRun(flags, 'reports');
    expect(run.code, run.stderr).toBe(0);
    const ids = idsOf(sandbox!);
    expect(await rowsOf(run)).toEqual([
      ['created', '', '', '+12015550147', ids.get('+12015550147')],
      ['blocked', 'CONT-010', 'Contact has requested no further communication', BLOCKED, ''],
      ['created', '', '', INVALID, ids.get(INVALID)],
      ['created', '', '', '+12015550148', ids.get('+12015550148')],
    ]);
    expect(requests(sandbox!, 'GET')).toBe(0);
  });

  test('an unconfirmed row that no look-up finds says so, and that the next run sends it again', async () => {
    const flags = await withSandbox({ answerShape: 'bare' });
    const run = await importRun(flags, 'reports');
    expect(run.code, run.stderr).toBe(3);
    expect((await rowsOf(run))[1]).toEqual([
      'failed',
      'NO_RESULT',
      'Sakari did not confirm this contact and a look-up by mobile did not find it (yet); the next run sends it again',
      BLOCKED,
      '',
    ]);
  });
});

describe('other wordings of a row (audit §12)', () => {
  test('an errors[] entry {mobile, error: "words", code}: blocked with its words, and not sent again', async () => {
    const flags = await withSandbox({ answerShape: 'flat-errors' });
    const first = await importRun(flags, 'reports-1');
    expect(first.code, first.stderr).toBe(0);
    expect((await rowsOf(first))[1]).toEqual([
      'blocked',
      'CONT-010',
      'Contact has requested no further communication',
      BLOCKED,
      '',
    ]);
    const postsBefore = requests(sandbox!, 'POST');
    const second = await importRun(flags, 'reports-2');
    expect(second.code, second.stderr).toBe(0);
    expect(requests(sandbox!, 'POST')).toBe(postsBefore);
  });

  test('contacts echoed in national form keep their contact ids', async () => {
    fake = await startContactsApi({
      answer: (data: FakeUploadData) => ({
        success: true,
        data: {
          ...data,
          contacts: data.contacts.map((c) => {
            const national = c.mobile.number.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3');
            return { ...c, mobile: { number: national, country: 'US' } };
          }),
        },
      }),
    });
    const run = await importRun(fakeFlags(fake), 'reports');
    expect(run.code, run.stderr).toBe(0);
    const ids = new Map(fake.contacts().map((c) => [c.mobile.number, c.id]));
    const rows = await rowsOf(run);
    expect(rows.map((r) => [r[0], r[4]])).toEqual(rows.map((r) => ['created', ids.get(r[3] ?? '')]));
    expect(rows.every((r) => r[4] !== '')).toBe(true);
    expect(fake.lookUps()).toHaveLength(0);
    const summary = JSON.parse(await readFile(path.join(reportPathOf(run), 'summary.json'), 'utf8'));
    expect(summary.counts).toMatchObject({ created: 4, failed: 0 });
  });
});
