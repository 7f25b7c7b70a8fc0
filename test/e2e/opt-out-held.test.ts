/**
 * A row the source blocks (an SMS opt-out, no consent) whose number Sakari holds anyway: a contact
 * an earlier run sent, or an earlier row of the same run with the same number. Nothing removes it,
 * so its report line says so, with the contact id, and the run warns. Real SQLite state, real HTTP
 * to the sandbox, real files.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { importContacts, type ImportResult } from '../../src/pipeline/run.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ImportInput } from '../../src/index.js';
import { readCsv, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-held';
const HEADER = 'first_name,mobile,country,sms_opt_out';
/** More rows than the reader parses before it recognises records by their text (the recall path). */
const FILLER = Array.from(
  { length: 60 },
  (_, index) => `Filler${index},+44 7400 ${String(200000 + index)},GB,false`,
);
const HELD = '+447400123401';

describe('opted-out rows whose number Sakari holds', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    sandbox = await startSandbox({ blocked: ['+447400123499'] });
  });
  afterEach(async () => {
    await sandbox.close();
    await cleanup();
  });

  async function source(name: string, rows: string[]): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, `${HEADER}\n${rows.join('\n')}\n`);
    return file;
  }

  async function run(
    file: string,
    extra: Partial<ImportInput> = {},
  ): Promise<{ result: ImportResult; rows: Record<string, string>[]; warnings: string[] }> {
    const warnings: string[] = [];
    const result = await importContacts(
      {
        sources: [file],
        state: path.join(dir, 'state.db'),
        reportDir: path.join(dir, 'reports'),
        apiUrl: sandbox.url,
        account: ACCOUNT,
        clientId: 'sandbox',
        clientSecret: 'sandbox',
        ...extra,
      },
      { onWarning: (message) => warnings.push(message) },
    );
    return { result, rows: await readCsv(path.join(result.reportPath, 'rows.csv')), warnings };
  }

  function writes(): number {
    return sandbox
      .stats()
      .requestLog.filter((entry) => entry.method === 'POST' && entry.path.includes('/contacts')).length;
  }

  test('a contact that opts out after it was sent is reported with its contact id, every night, and the run warns', async () => {
    const before = await source('night1.csv', [...FILLER, 'Ada,+44 7400 123401,GB,false']);
    const first = await run(before);
    expect(first.result.counts).toMatchObject({ created: 61, blocked: 0 });
    const contactId = sandbox.contacts(ACCOUNT).find((contact) => contact.mobile.number === HELD)?.id;
    expect(contactId).toBeDefined();
    expect(first.warnings.join('\n')).not.toMatch(/holds as a contact/);

    const optedOut = await source('night2.csv', [...FILLER, 'Ada,+44 7400 123401,GB,true']);
    const sent = writes();
    for (const night of [2, 3]) {
      // Night 3 recognises the remembered rejection by its text, unparsed: it is still told apart.
      const { result, rows, warnings } = await run(optedOut);
      expect(result.counts, `night ${night}`).toMatchObject({ unchanged: 60, blocked: 1, created: 0 });
      expect(result.exitCode).toBe(0);
      if (night === 3) expect(result.recalledRejections).toBe(1);
      const ada = rows.find((row) => row.line === '62');
      expect(ada).toMatchObject({
        status: 'blocked',
        code: 'SOURCE_OPTED_OUT',
        mobile_e164: HELD,
        contact_id: contactId,
      });
      expect(ada?.message).toMatch(/^the source says this person opted out of SMS: not sent; /);
      expect(ada?.message).toContain(`Sakari already has this number as contact ${contactId}`);
      expect(ada?.message).toContain(`sent by run ${first.result.runId}`);
      expect(warnings).toContainEqual(
        expect.stringMatching(
          /^1 row the source blocks .* has a number Sakari holds as a contact \(e\.g\. line 62: \+447400123401, contact /,
        ),
      );
    }
    // Nothing was sent and nothing removed: the user has to.
    expect(writes()).toBe(sent);
    expect(sandbox.contacts(ACCOUNT).some((contact) => contact.mobile.number === HELD)).toBe(true);

    // A dry run predicts the same line.
    const dry = await run(optedOut, { dryRun: true });
    expect(dry.rows.find((row) => row.line === '62')?.contact_id).toBe(contactId);
  });

  test('an opt-out row after a kept row with the same number names that row; before it, the later row is a duplicate', async () => {
    const kept = await run(
      await source('kept-first.csv', ['Ada,+44 7400 123401,GB,false', 'Ada,07400 123401,GB,true']),
    );
    expect(kept.result.counts).toMatchObject({ created: 1, blocked: 1 });
    expect(kept.rows[1]).toMatchObject({ line: '3', status: 'blocked', code: 'SOURCE_OPTED_OUT' });
    expect(kept.rows[1]?.message).toContain(
      'line 2 has the same number and is the row kept, so Sakari has it',
    );
    expect(kept.warnings).toContainEqual(
      expect.stringMatching(/^1 row the source blocks .*line 3: \+447400123401/),
    );

    const optOutFirst = await run(
      await source('opt-out-first.csv', ['Bea,+44 7400 123402,GB,true', 'Bea,07400 123402,GB,false']),
    );
    expect(optOutFirst.result.counts).toMatchObject({ created: 0, blocked: 1, duplicate: 1 });
    expect(optOutFirst.rows[0]?.message).toBe('the source says this person opted out of SMS: not sent');
    expect(optOutFirst.warnings.join('\n')).not.toMatch(/holds as a contact/);
  });

  test('a number Sakari refused (CONT-010) is not one it holds', async () => {
    const refused = await run(await source('refused.csv', ['Cy,+44 7400 123499,GB,false']));
    expect(refused.rows[0]).toMatchObject({ status: 'blocked', code: 'CONT-010' });
    const optedOut = await run(await source('refused-opt-out.csv', ['Cy,+44 7400 123499,GB,true']));
    expect(optedOut.rows[0]).toMatchObject({
      status: 'blocked',
      code: 'SOURCE_OPTED_OUT',
      message: 'the source says this person opted out of SMS: not sent',
      contact_id: '',
    });
    expect(optedOut.warnings.join('\n')).not.toMatch(/holds as a contact/);
  });
});
