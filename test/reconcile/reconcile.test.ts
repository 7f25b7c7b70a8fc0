/**
 * reconcile against the real sandbox over HTTP on 127.0.0.1: seeded remote contacts, a source CSV
 * in a temp dir, the real report files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/limiter.js';
import {
  RECONCILE_COLUMNS,
  ReconcileAbortedError,
  reconcileContacts,
  verifyAfterImport,
  type ReconcileInput,
} from '../../src/reconcile/index.js';
import { resolveImportSettings } from '../../src/config.js';
import { importContacts } from '../../src/pipeline/run.js';
import { SakariClient } from '../../src/sakari/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ContactPayload } from '../../src/types.js';
import { readCsv, tempDir } from '../helpers.js';

const ACCOUNT = 'acct-reconcile';

/** `07400 1nnnnn` (GB mobile) in E.164. */
function e164(n: number): string {
  return `+4474001${String(n).padStart(5, '0')}`;
}

async function seed(sandbox: Sandbox, contacts: ContactPayload[], account = ACCOUNT): Promise<void> {
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
  try {
    const client = new SakariClient({
      apiUrl: sandbox.url,
      accountId: account,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      limiter,
    });
    for (let i = 0; i < contacts.length; i += 500)
      await client.upsertBatch(contacts.slice(i, i + 500), 'append');
  } finally {
    await limiter.stop();
  }
}

function remote(n: number, fields: Partial<ContactPayload> = {}): ContactPayload {
  return { mobile: e164(n), country: 'GB', tags: [], attributes: {}, ...fields };
}

/** The remote side: 3 that match, 4 that differ in one field each, 2 no source row names. */
const REMOTE: ContactPayload[] = [
  remote(1, {
    firstName: 'Ann',
    lastName: 'Lee',
    email: 'Ann@Example.com',
    tags: ['vip', 'news'],
    attributes: { plan: 'gold' },
  }),
  remote(2, { firstName: 'Bob', lastName: 'Ray', tags: ['news'], attributes: { plan: 'basic' } }),
  remote(3, { firstName: 'Cy', attributes: { plan: 'gold', city: 'Leeds' } }),
  remote(6, { firstName: 'Karl', lastName: 'Marx', attributes: { plan: 'basic' } }),
  remote(7, { firstName: 'Dee', email: 'dee@old.example', attributes: { plan: 'basic' } }),
  remote(8, { firstName: 'Eve', tags: ['news'], attributes: { plan: 'basic' } }),
  remote(9, { firstName: 'Fay', attributes: { plan: 'silver' } }),
  remote(901, { firstName: 'Extra', tags: ['=cmd'] }),
  remote(902, { lastName: 'Other' }),
];

/**
 * A reconciliation of `dir`'s contacts.csv with the account in `sandbox`, the state (the import's)
 * in `dir`/state.
 */
function reconcileInput(
  dir: string,
  sandbox: Sandbox | undefined,
  extra: Partial<ReconcileInput> = {},
): ReconcileInput {
  if (!sandbox) throw new Error('no sandbox');
  return {
    sources: [path.join(dir, 'contacts.csv')],
    delimiter: ',',
    defaultCountry: 'GB',
    apiUrl: sandbox.url,
    account: ACCOUNT,
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    rate: 1000,
    workers: 0,
    reportDir: path.join(dir, 'reports'),
    state: path.join(dir, 'state', 'state.db'),
    ...extra,
  };
}

/** The source: lines 2-4 matched, 5-6 missing, 7-10 different, 11 invalid, 12 a duplicate of line 2. */
const SOURCE_CSV = [
  'mobile,first name,last name,email,tags,plan',
  '07400 100001,Ann,Lee,ann@example.com,vip,gold',
  '07400 100002,Bob,Ray,,news,basic',
  '07400 100003,Cy,,,,gold',
  '07400 100004,Gus,New,gus@example.com,new,basic',
  '07400 100005,Hal,,,,',
  '07400 100006,Carl,Marx,,,basic',
  '07400 100007,Dee,,dee@new.example,,basic',
  '07400 100008,Eve,,,vip;news,basic',
  '07400 100009,Fay,,,,gold',
  'not a phone,Ivy,,,,',
  '+44 7400 100001,Ann again,,,,',
  '',
].join('\n');

describe('reconcile against the sandbox', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  function input(extra: Partial<ReconcileInput> = {}): ReconcileInput {
    return reconcileInput(dir, sandbox, extra);
  }

  test('reports exactly the matched, missing, different and extra contacts; --fix sends them; a second run is in sync', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, REMOTE);
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);

    const result = await reconcileContacts(input());
    expect(result.counts).toEqual({
      source: 11,
      valid: 9,
      invalid: 1,
      duplicate: 1,
      matched: 3,
      missing: 2,
      different: 4,
      blocked: 0,
      optedOut: 0,
      extra: 2,
      remote: 9,
    });
    expect(result.fields).toEqual({
      firstName: 1,
      lastName: 0,
      email: 1,
      country: 0,
      tags: 1,
      attributes: 1,
    });
    expect(result.exitCode).toBe(3);
    expect(result.command).toBe('reconcile');
    // The account as the state knows it: with its API URL, which is not Sakari's own.
    expect(result.account).toBe(`${ACCOUNT}@${sandbox!.url}`);
    expect(result.source.path).toBe(path.join(dir, 'contacts.csv'));
    expect(result.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.api.requests).toBeGreaterThanOrEqual(2); // token + one page

    const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8'));
    const { reportPath, ...expectedSummary } = result;
    expect(reportPath).toBe(path.join(dir, 'reports', result.runId));
    expect(summary).toEqual(expectedSummary);

    const csvText = await readFile(path.join(result.reportPath, 'reconcile.csv'), 'utf8');
    expect(csvText.split('\n')[0]).toBe(RECONCILE_COLUMNS.join(','));
    const rows = await readCsv(path.join(result.reportPath, 'reconcile.csv'));
    const stored = new Map(sandbox.contacts(ACCOUNT).map((c) => [c.mobile.number, c.id]));
    expect(rows.map((r) => [r.status, r.mobile_e164, r.line, r.fields])).toEqual([
      ['matched', e164(1), '2', ''],
      ['matched', e164(2), '3', ''],
      ['matched', e164(3), '4', ''],
      ['missing', e164(4), '5', ''],
      ['missing', e164(5), '6', ''],
      ['different', e164(6), '7', 'firstName'],
      ['different', e164(7), '8', 'email'],
      ['different', e164(8), '9', 'tags'],
      ['different', e164(9), '10', 'attributes'],
      ['extra', e164(901), '', ''],
      ['extra', e164(902), '', ''],
    ]);
    for (const row of rows) {
      expect(row.contact_id).toBe(row.status === 'missing' ? '' : stored.get(row.mobile_e164 as string));
    }
    const byNumber = new Map(rows.map((r) => [r.mobile_e164, r]));
    expect(JSON.parse(byNumber.get(e164(6))?.source_value ?? '')).toEqual({ firstName: 'Carl' });
    expect(JSON.parse(byNumber.get(e164(6))?.remote_value ?? '')).toEqual({ firstName: 'Karl' });
    expect(JSON.parse(byNumber.get(e164(8))?.source_value ?? '')).toEqual({ tags: ['vip'] });
    expect(JSON.parse(byNumber.get(e164(8))?.remote_value ?? '')).toEqual({ tags: ['news'] });
    expect(JSON.parse(byNumber.get(e164(9))?.remote_value ?? '')).toEqual({ attributes: { plan: 'silver' } });
    expect(JSON.parse(byNumber.get(e164(4))?.source_value ?? '')).toEqual({
      firstName: 'Gus',
      lastName: 'New',
      email: 'gus@example.com',
      country: 'GB',
      tags: ['new'],
      attributes: { plan: 'basic' },
    });
    expect(JSON.parse(byNumber.get(e164(901))?.remote_value ?? '')).toEqual({
      firstName: 'Extra',
      country: 'GB',
      tags: ['=cmd'],
    });

    const html = await readFile(path.join(result.reportPath, 'report.html'), 'utf8');
    expect(html).toContain('2 missing, 4 different');
    expect(html).toContain('Karl');
    // Self-contained: nothing to load (the account's API URL is shown as text).
    expect(html).not.toMatch(/<script|(?:src|href)=["']?(?:https?:)?\/\//);
    expect((await readdir(result.reportPath)).sort()).toEqual([
      'reconcile.csv',
      'report.html',
      'summary.json',
    ]);

    // --fix: the six missing and different contacts go through the import; extra ones are left alone.
    const before = sandbox.stats();
    const fixed = await reconcileContacts(input({ fix: true }));
    expect(fixed.exitCode).toBe(3); // the state before fixing
    // The fix import sends through the reconciliation's own client: one token serves both, and
    // each summary counts its own requests.
    const after = sandbox.stats();
    expect(after.tokensIssued - before.tokensIssued).toBe(1);
    const fixSummary = JSON.parse(await readFile(path.join(fixed.fix!.reportPath!, 'summary.json'), 'utf8'));
    expect(fixSummary.api.requests).toBeGreaterThan(0);
    expect(fixed.api.requests + fixSummary.api.requests).toBe(after.requests - before.requests);
    expect(fixed.counts.missing + fixed.counts.different).toBe(6);
    expect(fixed.fix).toMatchObject({ file: 'fix.ndjson', contacts: 6, dryRun: false, exitCode: 0 });
    expect(fixed.fix?.counts).toMatchObject({ rows: 6, valid: 6, created: 2, updated: 4, failed: 0 });
    expect(fixed.fix?.reportPath).toBeTruthy();
    const fixLines = (await readFile(path.join(fixed.reportPath, 'fix.ndjson'), 'utf8')).trim().split('\n');
    expect(fixLines.map((line) => JSON.parse(line).mobile)).toEqual([4, 5, 6, 7, 8, 9].map(e164));

    const again = await reconcileContacts(input());
    expect(again.counts).toMatchObject({ matched: 9, missing: 0, different: 0, extra: 2, remote: 11 });
    expect(again.exitCode).toBe(0);
    expect(sandbox.contacts(ACCOUNT).find((c) => c.mobile.number === e164(901))?.firstName).toBe('Extra');
  });

  test('pages through more than 100 remote contacts and stays exact', async () => {
    sandbox = await startSandbox();
    const total = 230;
    await seed(
      sandbox,
      Array.from({ length: total }, (_, i) => remote(i + 1, { firstName: `P${i + 1}` })),
    );
    const lines = ['mobile,first name'];
    for (let i = 1; i <= 200; i++) lines.push(`07400 1${String(i).padStart(5, '0')},P${i}`);
    await writeFile(path.join(dir, 'contacts.csv'), `${lines.join('\n')}\n`);
    const before = sandbox.stats().requestLog.length;

    const result = await reconcileContacts(input());
    expect(result.counts).toMatchObject({
      source: 200,
      valid: 200,
      matched: 200,
      missing: 0,
      different: 0,
      extra: 30,
      remote: 230,
    });
    expect(result.exitCode).toBe(0);
    const pages = sandbox
      .stats()
      .requestLog.slice(before)
      .filter((entry) => entry.method === 'GET' && entry.path.endsWith('/contacts'));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const extra = (await readCsv(path.join(result.reportPath, 'reconcile.csv'))).filter(
      (r) => r.status === 'extra',
    );
    expect(extra.map((r) => r.mobile_e164)).toEqual(Array.from({ length: 30 }, (_, i) => e164(201 + i)));
  });

  test('--fix with --dry-run writes fix.ndjson and sends nothing', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, REMOTE);
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);
    const writesBefore = sandbox.stats().writesPerMobile[ACCOUNT];

    const result = await reconcileContacts(input({ fix: true, dryRun: true }));
    expect(result.fix).toEqual({ file: 'fix.ndjson', contacts: 6, dryRun: true });
    expect(result.exitCode).toBe(3);
    expect(sandbox.stats().writesPerMobile[ACCOUNT]).toEqual(writesBefore);
    const records = (await readFile(path.join(result.reportPath, 'fix.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records[0]).toEqual({
      mobile: e164(4),
      country: 'GB',
      firstName: 'Gus',
      lastName: 'New',
      email: 'gus@example.com',
      tags: ['new'],
      attributes: { plan: 'basic' },
    });
  });

  test('--merge-strategy core compares only the core fields', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, REMOTE);
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);
    const result = await reconcileContacts(input({ mergeStrategy: 'core' }));
    expect(result.counts).toMatchObject({ matched: 5, missing: 2, different: 2 });
    expect(result.fields).toMatchObject({ firstName: 1, email: 1, tags: 0, attributes: 0 });
    expect(result.mergeStrategy).toBe('core');
  });

  test('verifyAfterImport reconciles with the import settings', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, REMOTE);
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);
    const settings = await resolveImportSettings(input({ command: 'import' }));
    const result = await verifyAfterImport(settings);
    expect(result.command).toBe('reconcile');
    expect(result.counts).toMatchObject({ matched: 3, missing: 2, different: 4, extra: 2 });

    const dry = await resolveImportSettings({ ...input(), dryRun: true });
    await expect(verifyAfterImport(dry)).rejects.toThrow(/dry run/);
  });

  test('a listing refused for the account (404: a configuration error) writes a partial report and aborts with exit 2', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, REMOTE);
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);
    sandbox.inject({ kind: 'status', status: 404, match: { method: 'GET', pathIncludes: '/contacts' } });
    // The temporary index goes under os.tmpdir(): point it somewhere this test can watch.
    const tmp = path.join(dir, 'tmp');
    await mkdir(tmp);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let failure: unknown;
    const duringListing: string[] = [];
    try {
      expect(os.tmpdir()).toBe(tmp);
      failure = await reconcileContacts(input(), {
        onApiEvent: (event) => {
          if (event.type === 'request' && event.method === 'GET') duringListing.push(...readdirSync(tmp));
        },
      }).catch((error: unknown) => error);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(duringListing).toEqual([expect.stringMatching(/^sakari-sync-reconcile-/)]);
    expect(await readdir(tmp)).toEqual([]);
    expect(failure).toBeInstanceOf(ReconcileAbortedError);
    const result = (failure as ReconcileAbortedError).result;
    expect(result.exitCode).toBe(2);
    expect(result.partial).toBe(true);
    const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ partial: true, exitCode: 2 });
    expect(summary.abortReason).toMatch(/404/);
  });

  /** The rows of reconcile.csv by status, E.164, line and contact id. */
  async function lines(reportPath: string): Promise<string[]> {
    const rows = await readCsv(path.join(reportPath, 'reconcile.csv'));
    return rows.map((r) => `${r.status} ${r.mobile_e164} ${r.line} ${r.contact_id}`);
  }

  function idOf(n: number): string {
    const id = sandbox?.contacts(ACCOUNT).find((c) => c.mobile.number === e164(n))?.id;
    if (id === undefined) throw new Error(`no contact ${e164(n)}`);
    return id;
  }

  test('a row the source opted out of whose number Sakari holds is opted_out (not extra), exits 3, and --fix leaves it alone', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, [
      remote(1, { firstName: 'Ann' }),
      remote(2, { firstName: 'Bob' }),
      remote(5, { firstName: 'Eve' }),
      remote(901, { firstName: 'Extra' }),
    ]);
    await writeFile(
      path.join(dir, 'contacts.csv'),
      [
        'mobile,first name,sms opt out',
        '07400 100001,Ann,', // 2: matched
        '07400 100002,Bob,yes', // 3: opted out, in Sakari → opted_out
        '07400 100003,Cy,yes', // 4: opted out, not in Sakari → counted, no line
        '07400 100002,Bob again,yes', // 5: opted out again, same number → no second line
        '07400 100004,Dee,', // 6: missing
        '07400 100005,Eve,true', // 7: opted out, in Sakari → opted_out
        '07400 100001,Ann,yes', // 8: opted out, but line 2 is the row kept for this number
        '',
      ].join('\n'),
    );

    const result = await reconcileContacts(input());
    expect(result.counts).toEqual({
      source: 7,
      valid: 2,
      invalid: 5,
      duplicate: 0,
      matched: 1,
      missing: 1,
      different: 0,
      blocked: 0,
      optedOut: 2,
      extra: 1,
      remote: 4,
    });
    expect(result.problems).toBeUndefined();
    expect(result.exitCode).toBe(3);
    expect(await lines(result.reportPath)).toEqual([
      `matched ${e164(1)} 2 ${idOf(1)}`,
      `opted_out ${e164(2)} 3 ${idOf(2)}`,
      `missing ${e164(4)} 6 `,
      `opted_out ${e164(5)} 7 ${idOf(5)}`,
      `extra ${e164(901)}  ${idOf(901)}`,
    ]);
    const rows = await readCsv(path.join(result.reportPath, 'reconcile.csv'));
    const bob = rows.find((r) => r.status === 'opted_out');
    expect(bob?.message).toBe(
      `the source says this person opted out of SMS (SOURCE_OPTED_OUT), but Sakari holds this number as contact ${idOf(2)}: ` +
        'reconcile does not remove contacts; remove it or opt it out in Sakari',
    );
    expect(JSON.parse(bob?.remote_value ?? '')).toEqual({ firstName: 'Bob', country: 'GB' });
    expect(rows.filter((r) => r.status !== 'opted_out').every((r) => r.message === '')).toBe(true);
    expect(result.warnings).toEqual([
      `2 contacts in Sakari are rows the source blocks (SMS opt-out or no consent), e.g. line 3: ${e164(2)} (contact ${idOf(2)}): ` +
        'reconcile does not remove contacts; remove them or opt them out in Sakari (reconcile.csv lists each as opted_out)',
    ]);
    const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8'));
    expect(summary.counts.optedOut).toBe(2);
    expect(summary.warnings).toEqual(result.warnings);
    const html = await readFile(path.join(result.reportPath, 'report.html'), 'utf8');
    expect(html).toContain('1 missing, 0 different, 2 opted out but in Sakari (exit 3)');
    expect(html).toContain('<title>optedOut: 2:');
    expect(html).toContain('remove it or opt it out in Sakari');

    // --fix sends the missing contact only: nothing is removed and no opted-out row is sent.
    const writesBefore = { ...sandbox.stats().writesPerMobile[ACCOUNT] };
    const fixed = await reconcileContacts(input({ fix: true }));
    expect(fixed.exitCode).toBe(3);
    expect(fixed.fix).toMatchObject({ contacts: 1, exitCode: 0 });
    expect(fixed.fix?.counts).toMatchObject({ rows: 1, created: 1, blocked: 0, failed: 0 });
    const fixLines = (await readFile(path.join(fixed.reportPath, 'fix.ndjson'), 'utf8')).trim().split('\n');
    expect(fixLines.map((line) => JSON.parse(line).mobile)).toEqual([e164(4)]);
    expect(fixed.warnings).toEqual(result.warnings);
    const writesAfter = sandbox.stats().writesPerMobile[ACCOUNT] ?? {};
    for (const n of [1, 2, 3, 5]) expect(writesAfter[e164(n)]).toBe(writesBefore[e164(n)]);
    expect(
      sandbox
        .contacts(ACCOUNT)
        .map((c) => c.mobile.number)
        .sort(),
    ).toEqual([1, 2, 4, 5, 901].map(e164));

    // Fixing cannot bring the account in sync: the opted-out contacts are still there.
    const again = await reconcileContacts(input());
    expect(again.counts).toMatchObject({ matched: 2, missing: 0, optedOut: 2, extra: 1, remote: 5 });
    expect(again.exitCode).toBe(3);
  });

  test('a row the source opted out of whose number Sakari does not hold is counted, not listed, and does not change the exit code', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, [remote(1, { firstName: 'Ann' })]);
    await writeFile(
      path.join(dir, 'contacts.csv'),
      'mobile,first name,sms opt out\n07400 100001,Ann,\n07400 100003,Cy,yes\n',
    );
    const result = await reconcileContacts(input());
    expect(result.counts).toMatchObject({
      source: 2,
      valid: 1,
      invalid: 1,
      matched: 1,
      optedOut: 0,
      extra: 0,
    });
    expect(result.exitCode).toBe(0);
    expect(result.warnings).toBeUndefined();
    expect(await lines(result.reportPath)).toEqual([`matched ${e164(1)} 2 ${idOf(1)}`]);
    const html = await readFile(path.join(result.reportPath, 'report.html'), 'utf8');
    expect(html).toContain('In sync');
  });

  test('--require-sms-consent: a row without consent whose number Sakari holds is opted_out (NO_SMS_CONSENT); --fix sends the consenting rows', async () => {
    sandbox = await startSandbox();
    await seed(sandbox, [
      remote(1, { firstName: 'Ann', attributes: { 'sms consent': 'granted' } }),
      remote(2, { firstName: 'Bob' }),
    ]);
    await writeFile(
      path.join(dir, 'contacts.csv'),
      [
        'mobile,first name,sms consent',
        '07400 100001,Ann,granted', // matched
        '07400 100002,Bob,', // no consent, in Sakari → opted_out
        '07400 100003,Cy,', // no consent, not in Sakari → counted, no line
        '07400 100004,Dee,subscribed', // missing
        '',
      ].join('\n'),
    );

    // Without the flag nothing is blocked, as before: Bob matches, Cy is missing.
    const plain = await reconcileContacts(input());
    expect(plain.counts).toMatchObject({ valid: 4, invalid: 0, matched: 2, missing: 2, optedOut: 0 });

    const result = await reconcileContacts(input({ requireSmsConsent: true, fix: true }));
    expect(result.counts).toEqual({
      source: 4,
      valid: 2,
      invalid: 2,
      duplicate: 0,
      matched: 1,
      missing: 1,
      different: 0,
      blocked: 0,
      optedOut: 1,
      extra: 0,
      remote: 2,
    });
    expect(result.exitCode).toBe(3);
    expect(await lines(result.reportPath)).toEqual([
      `matched ${e164(1)} 2 ${idOf(1)}`,
      `opted_out ${e164(2)} 3 ${idOf(2)}`,
      `missing ${e164(4)} 5 `,
    ]);
    const rows = await readCsv(path.join(result.reportPath, 'reconcile.csv'));
    expect(rows[1]?.message).toMatch(
      /^the source records no SMS consent and --require-sms-consent is set \(NO_SMS_CONSENT\), but Sakari holds this number as contact .+: reconcile does not remove contacts; remove it or opt it out in Sakari$/,
    );
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^1 contact in Sakari is a row the source blocks \(SMS opt-out or no consent\), e\.g\. line 3: /,
      ),
    ]);
    // The fix import sends Dee, whose consent reconcile checked, and neither Bob nor Cy.
    expect(result.fix?.counts).toMatchObject({ rows: 1, created: 1, blocked: 0, failed: 0 });
    const fixLines = (await readFile(path.join(result.reportPath, 'fix.ndjson'), 'utf8')).trim().split('\n');
    expect(fixLines.map((line) => JSON.parse(line).mobile)).toEqual([e164(4)]);
    expect(
      sandbox
        .contacts(ACCOUNT)
        .map((c) => c.mobile.number)
        .sort(),
    ).toEqual([1, 2, 4].map(e164));
  });

  test('bad credentials exit 2 and a missing source fails before anything is listed', async () => {
    sandbox = await startSandbox();
    await writeFile(path.join(dir, 'contacts.csv'), SOURCE_CSV);
    const failure = await reconcileContacts(input({ clientSecret: 'wrong' })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ReconcileAbortedError);
    expect((failure as ReconcileAbortedError).result.exitCode).toBe(2);
    expect(JSON.stringify((failure as ReconcileAbortedError).result)).not.toContain('wrong');

    const requests = sandbox.stats().requests;
    await expect(reconcileContacts(input({ sources: [path.join(dir, 'nope.csv')] }))).rejects.toMatchObject({
      name: 'SourceError',
      code: 'SOURCE_NOT_FOUND',
    });
    expect(sandbox.stats().requests).toBe(requests);
  });
});

describe('a number Sakari refused on import (CONT-010: opted out at Sakari)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;
  const REFUSED = e164(3);
  const MESSAGE =
    'Sakari refuses this number (CONT-010: the person opted out at Sakari), as an import recorded in the state: ' +
    'nothing to do, it is not sent again and --fix leaves it out';

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    sandbox = await startSandbox({ blocked: [REFUSED] });
    await writeFile(
      path.join(dir, 'contacts.csv'),
      ['mobile,first name', '07400 100001,Ann', '07400 100002,Bob', '07400 100003,Cy', 'nope,Bad', ''].join(
        '\n',
      ),
    );
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  function input(extra: Partial<ReconcileInput> = {}): ReconcileInput {
    return reconcileInput(dir, sandbox, extra);
  }

  /** Imports the source with the state: Ann and Bob are created, Cy is refused and recorded blocked. */
  async function importWithState(): Promise<void> {
    const imported = await importContacts(input());
    expect(imported.counts).toMatchObject({ created: 2, blocked: 1, invalid: 1 });
    expect(imported.exitCode).toBe(0);
  }

  async function lines(reportPath: string): Promise<string[]> {
    const rows = await readCsv(path.join(reportPath, 'reconcile.csv'));
    return rows.map((r) => `${r.status} ${r.mobile_e164} ${r.line}`);
  }

  test('with the import state it is blocked, with its code, not missing: exit 0, and --fix does not send it', async () => {
    await importWithState();

    const result = await reconcileContacts(input());
    expect(result.counts).toEqual({
      source: 4,
      valid: 3,
      invalid: 1,
      duplicate: 0,
      matched: 2,
      missing: 0,
      different: 0,
      blocked: 1,
      optedOut: 0,
      extra: 0,
      remote: 2,
    });
    expect(result.problems).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(await lines(result.reportPath)).toEqual([
      `matched ${e164(1)} 2`,
      `matched ${e164(2)} 3`,
      `blocked ${REFUSED} 4`,
    ]);
    const rows = await readCsv(path.join(result.reportPath, 'reconcile.csv'));
    expect(rows[2]).toEqual({
      status: 'blocked',
      mobile_e164: REFUSED,
      line: '4',
      fields: '',
      source_value: '{"firstName":"Cy","country":"GB"}',
      remote_value: '',
      contact_id: '',
      message: MESSAGE,
    });
    const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8'));
    expect(summary.counts.blocked).toBe(1);
    expect(summary.exitCode).toBe(0);
    const html = await readFile(path.join(result.reportPath, 'report.html'), 'utf8');
    expect(html).toContain(
      'In sync: nothing missing, different or opted out (1 blocked: Sakari refuses them)',
    );
    expect(html).toContain(MESSAGE);

    // A new row is missing and --fix sends it; the refused number stays out of fix.ndjson.
    await writeFile(path.join(dir, 'contacts.csv'), '07400 100004,Dee\n', { flag: 'a' });
    const fixed = await reconcileContacts(input({ fix: true }));
    expect(fixed.counts).toMatchObject({ valid: 4, matched: 2, missing: 1, blocked: 1, different: 0 });
    expect(fixed.problems).toBeUndefined();
    expect(fixed.exitCode).toBe(3); // the state before fixing: Dee was missing
    expect(fixed.fix).toMatchObject({ contacts: 1, exitCode: 0 });
    expect(fixed.fix?.counts).toMatchObject({ rows: 1, created: 1, blocked: 0, failed: 0 });
    const fixLines = (await readFile(path.join(fixed.reportPath, 'fix.ndjson'), 'utf8')).trim().split('\n');
    expect(fixLines.map((line) => JSON.parse(line).mobile)).toEqual([e164(4)]);

    const again = await reconcileContacts(input({ fix: true }));
    expect(again.counts).toMatchObject({ valid: 4, matched: 3, missing: 0, blocked: 1 });
    expect(again.exitCode).toBe(0);
    expect(again.fix).toEqual({ file: 'fix.ndjson', contacts: 0, dryRun: false });
    expect(existsSync(path.join(again.reportPath, 'fix.ndjson'))).toBe(false);
  });

  test('without the state it is missing (exit 3), and reconcile creates no state file', async () => {
    await importWithState();
    const elsewhere = path.join(dir, 'elsewhere', 'state.db');

    for (const state of [elsewhere, false] as const) {
      const result = await reconcileContacts(input({ state }));
      expect(result.counts).toMatchObject({ valid: 3, matched: 2, missing: 1, blocked: 0 });
      expect(result.problems).toBeUndefined();
      expect(result.exitCode).toBe(3);
      expect(await lines(result.reportPath)).toEqual([
        `matched ${e164(1)} 2`,
        `matched ${e164(2)} 3`,
        `missing ${REFUSED} 4`,
      ]);
    }
    expect(existsSync(path.join(dir, 'elsewhere'))).toBe(false);
  });

  test('with no state file yet, reconcile does not create one', async () => {
    const result = await reconcileContacts(input());
    expect(result.counts).toMatchObject({ valid: 3, missing: 3, blocked: 0 });
    expect(existsSync(path.join(dir, 'state'))).toBe(false);
  });

  test('a number Sakari holds is compared as usual, whatever the state says', async () => {
    await importWithState();
    // The person opts in again at Sakari, and Sakari comes to hold the number the state records as
    // refused: it is compared like any contact (`different` here), not `blocked`.
    sandbox?.setOptions({ blocked: [] });
    await seed(sandbox as Sandbox, [remote(3, { firstName: 'Cyril' })]);
    const result = await reconcileContacts(input());
    expect(result.counts).toMatchObject({ valid: 3, matched: 2, different: 1, missing: 0, blocked: 0 });
    expect(result.exitCode).toBe(3);
    expect(await lines(result.reportPath)).toEqual([
      `matched ${e164(1)} 2`,
      `matched ${e164(2)} 3`,
      `different ${REFUSED} 4`,
    ]);
  });

  test('verifyAfterImport (import --verify) reads the import state: the refused number is blocked, exit 0', async () => {
    await importWithState();
    const result = await verifyAfterImport(await resolveImportSettings({ ...input(), command: 'import' }));
    expect(result.counts).toMatchObject({ valid: 3, matched: 2, missing: 0, blocked: 1 });
    expect(result.exitCode).toBe(0);
    expect(await lines(result.reportPath)).toContain(`blocked ${REFUSED} 4`);
  });
});

describe('a listing with contacts that have no mobile number', () => {
  test('they are not compared, and a warning says how many', async () => {
    const { dir, cleanup } = await tempDir();
    // Sakari keeps contacts without a mobile (an email-only contact): they take places in the
    // listing but cannot be matched by number.
    const listing = [
      { id: 'c1', mobile: { number: e164(1), country: 'GB' }, firstName: 'Ann' },
      { id: 'c2', email: 'only-email@example.com', firstName: 'Bea' },
      { id: 'c3', mobile: { number: '' }, firstName: 'Cat' },
    ];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        res.writeHead(200, { 'content-type': 'application/json' });
        if (url.pathname === '/oauth2/token') {
          res.end(JSON.stringify({ access_token: 'tok', token_type: 'bearer' }));
          return;
        }
        const offset = Number(url.searchParams.get('offset'));
        const data = listing.slice(offset, offset + Number(url.searchParams.get('limit')));
        res.end(JSON.stringify({ success: true, data, pagination: { offset, totalCount: listing.length } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await writeFile(path.join(dir, 'contacts.csv'), 'mobile,first name\n07400 100001,Ann\n');
      const result = await reconcileContacts({
        sources: [path.join(dir, 'contacts.csv')],
        defaultCountry: 'GB',
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        account: ACCOUNT,
        clientId: 'id',
        clientSecret: 'secret',
        rate: 1000,
        workers: 0,
        reportDir: path.join(dir, 'reports'),
        state: false,
      });
      const summary = JSON.parse(await readFile(path.join(result.reportPath, 'summary.json'), 'utf8'));
      expect(summary.counts).toMatchObject({ remote: 1, matched: 1, extra: 0 });
      expect(summary.warnings).toEqual([
        'Sakari listed 2 contact(s) without a mobile number: they are not compared (nor counted in remote or extra), since contacts are matched by number',
      ]);
      expect(result.exitCode).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cleanup();
    }
  });
});
