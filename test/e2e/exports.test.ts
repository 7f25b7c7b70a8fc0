/**
 * Acceptance (issue 14): the contact exports people really have import with no `--mapping`.
 *
 * Each `test/fixtures/exports/<tool>.csv` keeps that tool's exact export layout (every column, in
 * order, with its quoting, delimiter and BOM); `<tool>.expected.json` says, for every record, the
 * outcome CONTRACT §3–§4 gives it: which phone wins (mobile-like > general > home/work/other,
 * fax/pager never, label/value pairs, multi-value cells), the row's own country column, digits-only
 * international numbers, and SMS opt-outs (`blocked`/`SOURCE_OPTED_OUT`) versus email opt-outs.
 * The real CLI imports each file into a fresh sandbox; rows.csv and what Sakari stored must match.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, ROOT, runCli, sandboxFlags, tempDir, type CliRun } from '../helpers.js';

const EXPORTS = path.join(ROOT, 'test', 'fixtures', 'exports');
const ACCOUNT = 'acc-exports';

interface ExpectedRow {
  line: number;
  status: string;
  code?: string;
  mobile_e164?: string;
  /** Why this outcome (documentation only). */
  why?: string;
}

interface Expected {
  tool: string;
  /** A word the pre-flight on stderr must contain when it names the recognised tool. */
  preflight: string;
  source: string;
  args: string[];
  rows: ExpectedRow[];
}

const fixtures = readdirSync(EXPORTS)
  .filter((name) => name.endsWith('.csv'))
  .sort()
  .map((name) => {
    const file = path.join(EXPORTS, name);
    const expected = JSON.parse(readFileSync(file.replace(/\.csv$/, '.expected.json'), 'utf8')) as Expected;
    return { name, file, expected };
  });

/** The delimiter a fixture uses: its header line holds more of it than of a comma. */
function delimiterOf(text: string): string {
  const header = text.slice(0, text.indexOf('\n'));
  return header.split(';').length > header.split(',').length ? ';' : ',';
}

/** The header row of a fixture, as csv-parse reads it. */
function headerOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const [header] = parse(text, { bom: true, delimiter: delimiterOf(text), to_line: 1 }) as string[][];
  return header ?? [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('there is one fixture per export layout of issue 14, and the localised and Data Loader ones', () => {
  // 15 of issue 14, plus German and Dutch Outlook and an upper-case Salesforce Data Loader export.
  expect(fixtures.map((f) => f.name)).toHaveLength(18);
});

describe.each(fixtures)('$expected.tool ($name)', ({ file, expected }) => {
  test('the fixture is valid CSV and its expectations list every record by its first physical line', () => {
    const text = readFileSync(file, 'utf8');
    const records = parse(text, {
      bom: true,
      delimiter: delimiterOf(text),
      info: true,
      relax_column_count: false,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    const [header, ...data] = records;
    expect(header?.record.length).toBeGreaterThan(5);
    for (const { record } of data) expect(record).toHaveLength(header?.record.length ?? 0);
    // info.lines is the line where a record ends; a record starts on the line after the previous one.
    const starts = data.map((_, i) => (records[i]?.info.lines ?? 0) + 1);
    expect(expected.rows.map((r) => r.line)).toEqual(starts);
  });

  describe('imported by the real CLI with no --mapping', () => {
    let sandbox: Sandbox;
    let cleanup: () => Promise<void>;
    let run: CliRun;

    beforeAll(async () => {
      let dir: string;
      ({ dir, cleanup } = await tempDir('sakari-exports-'));
      sandbox = await startSandbox({});
      run = await runCli([
        'import',
        file,
        ...sandboxFlags(sandbox.url, ACCOUNT),
        '--no-state',
        '--report-dir',
        path.join(dir, 'reports'),
        ...expected.args,
      ]);
    }, 60_000);
    afterAll(async () => {
      await sandbox?.close();
      await cleanup?.();
    });

    test('every row has the status, code and E.164 the contract gives it, and Sakari holds exactly the created ones', async () => {
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
        expected.rows.map((r) => ({
          line: r.line,
          status: r.status,
          code: r.code ?? '',
          mobile_e164: r.mobile_e164 ?? '',
        })),
      );

      const created = expected.rows.filter((r) => r.status === 'created').map((r) => r.mobile_e164);
      const stored = sandbox.contacts(ACCOUNT).map((c) => c.mobile.number);
      expect(new Set(stored)).toEqual(new Set(created));
      expect(stored).toHaveLength(created.length);
      const writes = sandbox.stats().writesPerMobile[ACCOUNT] ?? {};
      for (const r of expected.rows.filter((row) => row.status === 'blocked'))
        expect(
          writes[r.mobile_e164 ?? ''],
          `${r.mobile_e164} was opted out and must never be sent`,
        ).toBeUndefined();
    });

    test('the pre-flight on stderr names the recognised tool', () => {
      const tool = new RegExp(`\\b${escapeRegExp(expected.preflight)}\\b`, 'i');
      // Neither the source's own path (".../hubspot-default-view.csv") nor a column that carries the
      // vendor's name ("Klaviyo ID", listed among the attributes) may be what matches.
      const echoes = [file, path.basename(file), ...headerOf(file).filter((name) => tool.test(name))];
      const stderr = echoes.reduce((text, echo) => text.split(echo).join('<echo>'), run.stderr);
      expect(stderr).toMatch(tool);
    });
  });
});
