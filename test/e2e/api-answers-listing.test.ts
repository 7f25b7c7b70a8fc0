/**
 * The real CLI's listings (`reconcile`, `import --verify`) against listing answers a live Sakari
 * may give (audit §11, §12): pages capped below the `limit` asked for without a usable
 * pagination, `totalCount`/`hasNext` as strings, a contact without an id, an entry without a
 * mobile number. Every stored contact is found: none is reported `missing` for the way the
 * answer was worded, and the listing does not abort.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { PaginationShape } from '../../src/sandbox/answer-shape.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startContactsApi, type FakeContactsApi } from '../sakari/fake-sakari.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const ACCOUNT = 'acc-listing';

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox | undefined;
let fake: FakeContactsApi | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await sandbox?.close();
  await fake?.close();
  sandbox = undefined;
  fake = undefined;
  await cleanup();
});

/** A source of `count` US numbers. */
async function source(count: number): Promise<string> {
  const file = path.join(dir, 'contacts.csv');
  const lines = Array.from({ length: count }, (_, i) => `+1 201 555 ${String(1000 + i)},Person ${i}`);
  await writeFile(file, `phone,name\n${lines.join('\n')}\n`);
  return file;
}

function run(
  command: 'import' | 'reconcile',
  file: string,
  flags: string[],
  extra: string[] = [],
): Promise<CliRun> {
  return runCli([
    command,
    file,
    ...flags,
    '--default-country',
    'US',
    '--no-state',
    '--report-dir',
    path.join(dir, 'reports'),
    ...extra,
  ]);
}

async function summaryOf(cli: CliRun): Promise<{ counts: Record<string, number> }> {
  return JSON.parse(await readFile(path.join(reportPathOf(cli), 'summary.json'), 'utf8'));
}

describe('pages capped below the limit asked for (audit §11)', () => {
  test.each<PaginationShape>(['none', 'totalCount-text', 'hasNext-text'])(
    'pagination %s, pages of 50: import --verify and reconcile find every contact',
    async (pagination) => {
      sandbox = await startSandbox({ pagination, maxPageSize: 50 });
      const flags = sandboxFlags(sandbox.url, ACCOUNT);
      const file = await source(120);

      const imported = await run('import', file, flags, ['--batch-size', '100', '--verify']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toMatch(/verify: 120 matched, 0 missing, 0 different, 0 extra/);

      const before = sandbox.stats().requestLog.filter((e) => e.method === 'GET').length;
      const reconciled = await run('reconcile', file, flags);
      expect(reconciled.code, reconciled.stderr).toBe(0);
      expect((await summaryOf(reconciled)).counts).toMatchObject({ matched: 120, missing: 0, extra: 0 });
      // Pages of 50, 50, 20; without pagination a short page proves nothing: one more, empty.
      const pages = sandbox.stats().requestLog.filter((e) => e.method === 'GET').length - before;
      expect(pages).toBe(pagination === 'none' ? 4 : 3);
    },
  );
});

describe('listed contacts without an id or a mobile (audit §12)', () => {
  test('reconcile compares a contact without an id by its mobile, and skips an entry without one', async () => {
    fake = await startContactsApi({
      page: ({ data, offset, totalCount }) => ({
        success: true,
        data: [
          // The spec makes no field required: an email-only entry, then the first contact without id.
          ...(offset === 0 ? [{ id: 'email-only', email: 'nobody@example.com', tags: [] }] : []),
          ...data.map((contact, i) => (offset === 0 && i === 0 ? { ...contact, id: undefined } : contact)),
        ],
        pagination: { offset, totalCount: totalCount + 1 },
      }),
    });
    const flags = [
      '--api-url',
      fake.url,
      '--account',
      ACCOUNT,
      '--client-id',
      'id',
      '--client-secret',
      'secret',
    ];
    const file = await source(5);
    const imported = await run('import', file, flags);
    expect(imported.code, imported.stderr).toBe(0);

    const reconciled = await run('reconcile', file, flags);
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect((await summaryOf(reconciled)).counts).toMatchObject({
      matched: 5,
      missing: 0,
      extra: 0,
      remote: 5,
    });
    const lines = await readCsv(path.join(reportPathOf(reconciled), 'reconcile.csv'));
    const ids = new Map(fake.contacts().map((c) => [c.mobile.number, c.id]));
    expect(lines.map((l) => [l.status, l.mobile_e164, l.contact_id])).toEqual(
      fake.contacts().map((c, i) => ['matched', c.mobile.number, i === 0 ? '' : ids.get(c.mobile.number)]),
    );
  });
});
