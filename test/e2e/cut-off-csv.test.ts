/**
 * A nightly export read before the CRM finished writing it: the file ends in the middle of its
 * last record, with no line break. Through the spawned CLI against the sandbox, with a state
 * file as a cron job has one: the cut record is an invalid row in rows.csv at its line, its
 * contact in Sakari keeps the value the last whole export gave it, and the run says why.
 * (`npm run build` first.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-cut-off';

const HEADER = 'Record ID,First Name,Last Name,Mobile Phone Number,Country/Region,Marketing contact status';
const ROWS = [
  '5000,Ethan,Morgan,07500 409801,United Kingdom,Marketing contact',
  '5001,Noah,Novak,07500 409802,United Kingdom,Marketing contact',
  '5002,Ava,Rossi,07500 409803,United Kingdom,Marketing qualified lead',
];
/** Night 2: the same export, changed in its first row, cut in the middle of its last record. */
const NIGHT_2 =
  `${HEADER}\r\n` +
  '5000,Ethan,Morgan,07500 409801,United Kingdom,Customer\r\n' +
  `${ROWS[1]}\r\n` +
  '5002,Ava,Rossi,07500 409803,United Kingdom';
const AVA = '+447500409803';

describe('a CSV cut off in the middle of its last record (the real CLI against the sandbox)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sakari-cut-off-'));
    sandbox = await startSandbox({});
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  function importFile(file: string, extra: string[] = []) {
    return runCli([
      'import',
      file,
      ...sandboxFlags(sandbox.url, ACCOUNT),
      '--state',
      path.join(dir, 'state.db'),
      '--report-dir',
      path.join(dir, 'reports'),
      ...extra,
    ]);
  }

  const statusOf = (mobile: string): string | undefined =>
    sandbox.contacts(ACCOUNT).find((contact) => contact.mobile.number === mobile)?.attributes[
      'Marketing contact status'
    ];

  test('the cut record is invalid at its line and not sent; the rows before it are', async () => {
    const file = path.join(dir, 'contacts.csv');
    await writeFile(file, `${HEADER}\r\n${ROWS.join('\r\n')}\r\n`);
    const night1 = await importFile(file);
    expect(night1.code, night1.stderr).toBe(0);
    expect(statusOf(AVA)).toBe('Marketing qualified lead');
    const avaWrites = sandbox.stats().writesPerMobile[ACCOUNT]?.[AVA];

    await writeFile(file, NIGHT_2);
    const night2 = await importFile(file);
    // Invalid rows do not fail a run without --strict (CONTRACT §6).
    expect(night2.code, night2.stderr).toBe(0);
    const rows = await readCsv(path.join(reportPathOf(night2), 'rows.csv'));
    const message =
      'the file ends in the middle of the record at line 4 (5 of 6 fields, no line break after it): ' +
      'it looks cut off; export the file again';
    expect(rows.map((row) => [row.line, row.status, row.code, row.message])).toEqual([
      ['2', 'updated', '', ''],
      ['3', 'unchanged', '', ''],
      ['4', 'invalid', 'RECORD_MALFORMED', message],
    ]);
    // Sakari keeps what the last whole export said about Ava: nothing was sent for her.
    expect(statusOf(AVA)).toBe('Marketing qualified lead');
    expect(sandbox.stats().writesPerMobile[ACCOUNT]?.[AVA]).toBe(avaWrites);
    expect(statusOf('+447500409801')).toBe('Customer');
    // Not told as a row read with empty trailing fields, nor as a delimiter problem: as a cut file.
    expect(night2.stderr).not.toContain('fewer fields than the header');
    expect(night2.stderr).not.toContain('could not be read');
    expect(night2.stderr).toContain(
      'the file ends in the middle of its last record (line 4: 5 of 6 fields, no line break): it looks cut off, so that row was not sent; export the file again',
    );
    const summary = JSON.parse(await readFile(path.join(reportPathOf(night2), 'summary.json'), 'utf8'));
    expect(summary.counts).toMatchObject({ rows: 3, valid: 2, invalid: 1, updated: 1, unchanged: 1 });

    // With --strict, the cut file fails the run.
    const strict = await importFile(file, ['--strict']);
    expect(strict.code, strict.stderr).toBe(3);
    expect(statusOf(AVA)).toBe('Marketing qualified lead');
  });
});
