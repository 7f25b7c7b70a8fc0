/**
 * Acceptance (audit finding 11): API dumps import with no `--mapping`, as the API returns them.
 *
 * Each `test/fixtures/api-dumps/<tool>.json` (or `.ndjson`) keeps the shape of that API's list
 * response, checked against its documentation: the wrapper object (`results`, `data`,
 * `customers`) with its paging, the records' own wrappers (HubSpot `properties`, JSON:API
 * `attributes`), nested objects (Klaviyo `location`, `subscriptions`; Shopify `default_address`,
 * `sms_marketing_consent`) and arrays of phones (Pipedrive `phone`/`phones`).
 * `<fixture>.expected.json` says, for every record and each run's flags, the outcome CONTRACT
 * §3–§4 gives it: which number wins, its E.164, and the SMS consent (`blocked`
 * `SOURCE_OPTED_OUT`, or `NO_SMS_CONSENT` with `--require-sms-consent`). The real CLI imports each
 * file into a fresh sandbox; rows.csv and what Sakari stored must match.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openSource } from '../../src/read/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, ROOT, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const DUMPS = path.join(ROOT, 'test', 'fixtures', 'api-dumps');
const EXPECTED_SUFFIX = '.expected.json';

interface ExpectedRow {
  line: number;
  status: string;
  code?: string;
  mobile_e164?: string;
  /** The number as read from the source (rows.csv `mobile_input`), when the test pins it. */
  mobile_input?: string;
  /** Why this outcome (documentation only). */
  why?: string;
}

interface Expected {
  tool: string;
  source: string;
  /** The key of the response object whose array holds the records (JSON); absent for NDJSON. */
  recordsKey?: string;
  runs: Array<{ args: string[]; rows: ExpectedRow[] }>;
}

const fixtures = readdirSync(DUMPS)
  .filter((name) => name.endsWith(EXPECTED_SUFFIX))
  .sort()
  .map((name) => {
    const base = name.slice(0, -EXPECTED_SUFFIX.length);
    const file = path.join(DUMPS, base.endsWith('.ndjson') ? base : `${base}.json`);
    const expected = JSON.parse(readFileSync(path.join(DUMPS, name), 'utf8')) as Expected;
    return { name: path.basename(file), file, expected };
  });

test('there is a fixture for HubSpot, Klaviyo (JSON and NDJSON), Shopify and Pipedrive (v1 and v2)', () => {
  expect(fixtures.map((f) => f.name)).toEqual([
    'hubspot-contacts.json',
    'klaviyo-profiles.json',
    'klaviyo-profiles.ndjson',
    'pipedrive-persons-v2.json',
    'pipedrive-persons.json',
    'shopify-customers.json',
  ]);
});

describe.each(fixtures)('$expected.tool ($name)', ({ file, expected }) => {
  test('the reader names the key the records were read from, and reads one row per record', async () => {
    const { info, rows } = await openSource(file);
    let count = 0;
    for await (const row of rows) {
      expect(row.error, JSON.stringify(row.raw)).toBeUndefined();
      count++;
    }
    expect(info.recordsKey).toBe(expected.recordsKey);
    for (const run of expected.runs) expect(run.rows.map((r) => r.line)).toEqual(range(1, count));
  });

  describe.each(expected.runs.map((run, index) => ({ ...run, index })))(
    'imported by the real CLI with $args',
    ({ args, rows: expectedRows, index }) => {
      const account = `acc-api-dumps-${index}`;
      let sandbox: Sandbox;
      let cleanup: () => Promise<void>;
      let run: CliRun;

      beforeAll(async () => {
        let dir: string;
        ({ dir, cleanup } = await tempDir('sakari-api-dumps-'));
        sandbox = await startSandbox({});
        run = await runCli([
          'import',
          file,
          ...sandboxFlags(sandbox.url, account),
          '--no-state',
          '--report-dir',
          path.join(dir, 'reports'),
          ...args,
        ]);
      }, 60_000);
      afterAll(async () => {
        await sandbox?.close();
        await cleanup?.();
      });

      test('every row has the status, code and E.164 the contract gives it; Sakari holds exactly the created ones', async () => {
        expect(run.code, run.stderr).toBe(0);
        const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
        expect(
          rows.map((r) => ({
            line: Number(r.line),
            status: r.status,
            code: r.code,
            mobile_e164: r.mobile_e164,
          })),
        ).toEqual(
          expectedRows.map((r) => ({
            line: r.line,
            status: r.status,
            code: r.code ?? '',
            mobile_e164: r.mobile_e164 ?? '',
          })),
        );
        // The number as read, not the JSON text of an array (rows.csv guards a leading `+` with `'`).
        for (const r of expectedRows.filter((row) => row.mobile_input !== undefined))
          expect(rows[r.line - 1]?.mobile_input?.replace(/^'/, ''), `line ${r.line}`).toBe(r.mobile_input);

        const created = expectedRows.filter((r) => r.status === 'created').map((r) => r.mobile_e164);
        const stored = sandbox.contacts(account).map((c) => c.mobile.number);
        expect(new Set(stored)).toEqual(new Set(created));
        expect(stored).toHaveLength(created.length);
        const writes = sandbox.stats().writesPerMobile[account] ?? {};
        for (const r of expectedRows.filter((row) => row.status === 'blocked'))
          expect(
            writes[r.mobile_e164 ?? ''],
            `${r.mobile_e164} is blocked and must never be sent`,
          ).toBeUndefined();
      });
    },
  );
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
