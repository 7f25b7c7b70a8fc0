/**
 * Real exports with no mapping, through the spawned CLI against the sandbox: what Sakari ends up
 * holding, what rows.csv says, the exit code and the pre-flight. (`npm run build` first.)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-exports';

describe('sakari-sync import of real exports (the real CLI against the sandbox)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-exports-'));
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  async function importFile(name: string, content: string, extra: string[] = []) {
    sandbox ??= await startSandbox({});
    const file = path.join(dir, name);
    await writeFile(file, content);
    const run = await runCli([
      'import',
      file,
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--no-state',
      '--report-dir',
      path.join(dir, 'reports'),
      ...extra,
    ]);
    return run;
  }

  test('Outlook: mobile first, else the next phone (named in rows.csv), country from Home Country/Region', async () => {
    const run = await importFile(
      'outlook.csv',
      'First Name,Last Name,E-mail Address,Business Phone,Mobile Phone,Business Fax,Home Country/Region,Categories\n' +
        'Ann,Lee,ann@example.com,020 7946 0000,07911 123456,020 7946 0001,United Kingdom,VIP;Golf\n' +
        'Bo,Ma,bo@example.com,07400 654321,,,United Kingdom,\n',
      ['--default-country', 'US'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('looks like an export from Outlook');
    expect(run.stderr).toContain("mobile from (first non-empty): 'Mobile Phone' → 'Business Phone'");
    expect(run.stderr).toMatch(/fallback: 1 row so far took the mobile from a later phone column/);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((row) => [row.status, row.mobile_e164, row.message])).toEqual([
      ['created', '+447911123456', ''],
      ['created', '+447400654321', "mobile from column 'Business Phone'"],
    ]);
    const stored = sandbox?.contacts(ACCOUNT) ?? [];
    expect(stored.map((contact) => contact.mobile.number).sort()).toEqual(['+447400654321', '+447911123456']);
    const ann = stored.find((contact) => contact.mobile.number === '+447911123456');
    expect(ann).toMatchObject({
      firstName: 'Ann',
      email: 'ann@example.com',
      tags: [{ tag: 'VIP' }, { tag: 'Golf' }],
    });
  });

  test('Brevo: SMS in international form without +, and an SMS blacklist that blocks the row', async () => {
    const run = await importFile(
      'brevo.csv',
      'EMAIL;FIRSTNAME;LASTNAME;SMS;SMS_BLACKLISTED\n' +
        'd@example.com;Di;Ng;447911123456;false\n' +
        'e@example.com;Ed;Ox;447400654321;true\n',
      ['--default-country', 'US'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('looks like an export from Brevo');
    expect(run.stderr).toContain("SMS consent from: 'SMS_BLACKLISTED'");
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows[0]).toMatchObject({ status: 'created', mobile_e164: '+447911123456' });
    expect(rows[0]?.message).toMatch(/read as international/);
    expect(rows[1]).toMatchObject({
      status: 'blocked',
      code: 'SOURCE_OPTED_OUT',
      mobile_e164: '+447400654321',
    });
    // `;`-separated like the export.
    const rejected = await readCsv(path.join(reportPathOf(run), 'rejected.csv'), ';');
    expect(rejected).toEqual([
      expect.objectContaining({ SMS: '447400654321', error_code: 'SOURCE_OPTED_OUT' }),
    ]);
    expect((sandbox?.contacts(ACCOUNT) ?? []).map((contact) => contact.mobile.number)).toEqual([
      '+447911123456',
    ]);
  });

  test('--require-sms-consent and --phone-columns', async () => {
    const run = await importFile(
      'shopify.csv',
      'First Name,Last Name,Email,Default Address Phone,Phone,Accepts SMS Marketing,Default Address Country Code\n' +
        'Fi,Oh,f@example.com,07911 123458,07911 123457,yes,GB\n' +
        'Gus,Pi,g@example.com,,07400 654321,no,GB\n',
      ['--require-sms-consent', '--phone-columns', 'Default Address Phone,Phone'],
    );
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((row) => [row.status, row.code, row.mobile_e164])).toEqual([
      ['created', '', '+447911123458'],
      ['blocked', 'NO_SMS_CONSENT', '+447400654321'],
    ]);
  });

  test('no column can hold a phone: exit 2 before sending anything, naming the likeliest column', async () => {
    const run = await importFile('export.csv', 'Kontakt,Nummer\nLea,+44 7911 123456\nMax,+44 7400 654321\n');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("columns: 'Kontakt', 'Nummer'");
    expect(run.stderr).toContain('--phone-columns "Nummer"');
    expect(sandbox?.contacts(ACCOUNT) ?? []).toEqual([]);
  });
  test('a number opted out on one row is not sent from a later row that repeats it', async () => {
    const run = await importFile(
      'brevo-repeat.csv',
      'EMAIL;FIRSTNAME;SMS;SMS_BLACKLISTED\n' +
        'ann@example.com;Ann;447911123456;true\n' +
        'ann.work@example.com;Ann;+44 7911 123456;false\n' +
        'bo@example.com;Bo;447400654321;false\n',
      ['--default-country', 'GB'],
    );
    expect(run.code, run.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((row) => [row.line, row.status, row.code, row.mobile_e164])).toEqual([
      ['2', 'blocked', 'SOURCE_OPTED_OUT', '+447911123456'],
      ['3', 'duplicate', 'DUPLICATE', '+447911123456'],
      ['4', 'created', '', '+447400654321'],
    ]);
    expect((sandbox?.contacts(ACCOUNT) ?? []).map((contact) => contact.mobile.number)).toEqual([
      '+447400654321',
    ]);
  });
});
