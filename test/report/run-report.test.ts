import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import {
  InvariantError,
  RUN_ID_PATTERN,
  RunReport,
  checkInvariants,
  reserveRunFolder,
  type RunSummary,
  type SummaryMeta,
} from '../../src/report/index.js';
import { REJECTED_PARTIAL_FILE } from '../../src/report/rejected.js';
import { emptyApiStats, type RowOutcome, type RowStatus } from '../../src/types.js';
import { shuffled } from '../helpers.js';

let reportDir: string;

beforeEach(async () => {
  reportDir = await mkdtemp(join(tmpdir(), 'sakari-report-'));
});
afterEach(async () => {
  await rm(reportDir, { recursive: true, force: true });
});

const STARTED_AT = new Date('2026-11-22T21:05:01.000Z');
const FINISHED_AT = new Date('2026-11-22T21:06:31.500Z');

function meta(overrides: Partial<SummaryMeta> = {}): SummaryMeta {
  return {
    command: 'import',
    sources: [{ path: 'contacts.csv', sha256: 'ab'.repeat(32), format: 'csv' }],
    account: 'acc-1',
    dryRun: false,
    startedAt: STARTED_AT,
    api: { ...emptyApiStats(), requests: 4, throttled: 1 },
    exitCode: 0,
    ...overrides,
  };
}

function outcome(seq: number, status: RowStatus = 'created', extra: Partial<RowOutcome> = {}): RowOutcome {
  const rejected =
    status === 'invalid' || status === 'duplicate' || status === 'failed' || status === 'blocked';
  return {
    ref: { file: 'contacts.csv', line: seq + 2, seq },
    raw: { phone: `0770090${String(seq).padStart(4, '0')}`, name: `Person ${seq}` },
    status,
    mobileInput: `0770090${String(seq).padStart(4, '0')}`,
    mobileE164: rejected && status === 'invalid' ? undefined : `+44770090${String(seq).padStart(4, '0')}`,
    contactId: status === 'created' || status === 'updated' ? `c${seq}` : undefined,
    ...(rejected
      ? { code: status === 'blocked' ? 'CONT-010' : 'PHONE_INVALID', message: `problem ${seq}` }
      : {}),
    ...extra,
    kind: 'outcome',
  };
}

async function open(runId = '20261122T210501Z-3f9a'): Promise<RunReport> {
  return RunReport.open({ reportDir, runId, now: () => FINISHED_AT });
}

/** A report CSV's records; rejected.csv starts with a byte order mark (for spreadsheets). */
async function readCsv(path: string): Promise<string[][]> {
  return parse(await readFile(path, 'utf8'), { bom: true }) as string[][];
}

async function readSummary(report: RunReport): Promise<RunSummary> {
  return JSON.parse(await readFile(join(report.dir, 'summary.json'), 'utf8')) as RunSummary;
}

const STATUS_CYCLE: RowStatus[] = [
  'created',
  'updated',
  'unchanged',
  'invalid',
  'duplicate',
  'blocked',
  'failed',
];

describe('RunReport ordering', () => {
  test.each([1, 2, 3])(
    'outcomes recorded in shuffled order (seed %i) come out in seq order',
    async (seed) => {
      const report = await open();
      const all = Array.from({ length: 500 }, (_, seq) =>
        outcome(seq, STATUS_CYCLE[seq % STATUS_CYCLE.length]),
      );
      for (const item of shuffled(all, seed)) report.record(item);
      expect(report.waitingCount).toBe(0);
      const summary = await report.finish(meta());

      const rows = await readCsv(join(report.dir, 'rows.csv'));
      expect(rows[0]).toEqual([
        'line',
        'status',
        'code',
        'message',
        'mobile_input',
        'mobile_e164',
        'contact_id',
      ]);
      expect(rows.slice(1).map((row) => row[0])).toEqual(all.map((item) => String(item.ref.line)));
      expect(rows.slice(1).map((row) => row[1])).toEqual(all.map((item) => item.status));
      expect(rows.slice(1).map((row) => row[6])).toEqual(all.map((item) => item.contactId ?? ''));
      // Rows held back for an earlier seq keep only their line, except the rejected ones, whose
      // source values rejected.csv lists, in seq order too.
      const rejected = await readCsv(join(report.dir, 'rejected.csv'));
      const expected = all.filter((item) =>
        ['invalid', 'duplicate', 'failed', 'blocked'].includes(item.status),
      );
      expect(expected.length).toBeGreaterThan(50);
      expect(rejected.slice(1)).toEqual(
        expected.map((item) => [item.raw['phone'], item.raw['name'], item.code, item.message]),
      );
      expect(summary.counts.rows).toBe(500);
      expect(checkInvariants(summary.counts)).toEqual([]);
    },
  );

  test('a nightly: rows settled in order while batches are out, then the batches; lines and rejected rows as if written in order', async () => {
    const report = await open();
    const total = 30_000;
    const all = Array.from({ length: total }, (_, seq) => {
      // Every 50th row is sent (its outcome comes back later); every 7th rejected, some of them
      // with a column no row before had (`extra`), and text beyond ASCII.
      if (seq % 50 === 0) return outcome(seq, 'updated');
      if (seq % 7 === 0)
        return outcome(seq, 'invalid', {
          raw: {
            phone: `0770090${seq}`,
            name: `Zoë ${seq} 😀 “quoted”, ${'é'.repeat(seq % 40)}`,
            ...(seq % 1_000 === 504 ? { extra: `x${seq}` } : {}),
          },
          code: 'PHONE_INVALID',
          message: `bad € ${seq}`,
        });
      return outcome(seq, 'unchanged');
    });
    const batch: RowOutcome[] = [];
    for (const item of all) {
      if (item.status !== 'updated') report.record(item);
      else batch.push(item);
      // A batch comes back after 500 more rows were read, its contacts in no particular order.
      if (batch.length === 10 || item.ref.seq === total - 1) {
        for (const sent of shuffled(batch, item.ref.seq)) report.record(sent);
        batch.length = 0;
      }
    }
    expect(report.waitingCount).toBe(0);
    await report.finish(meta());

    const rows = await readCsv(join(report.dir, 'rows.csv'));
    expect(rows.slice(1)).toEqual(
      all.map((item) => [
        String(item.ref.line),
        item.status,
        item.code ?? '',
        item.message ?? '',
        item.mobileInput,
        item.mobileE164 ?? '',
        item.contactId ?? '',
      ]),
    );
    const rejected = await readCsv(join(report.dir, 'rejected.csv'));
    expect(rejected[0]).toEqual(['phone', 'name', 'extra', 'error_code', 'error_message']);
    const expected = all.filter((item) => item.status === 'invalid');
    expect(rejected.slice(1)).toEqual(
      expected.map((item) => [
        item.raw['phone'],
        item.raw['name'],
        (item.raw['extra'] as string | undefined) ?? '',
        item.code,
        item.message,
      ]),
    );
  });

  test('rows are written as soon as the gap before them fills', async () => {
    const report = await open();
    report.record(outcome(2));
    report.record(outcome(1));
    expect(report.waitingCount).toBe(2);
    report.record(outcome(0));
    expect(report.waitingCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rows = await readCsv(join(report.dir, 'rows.csv'));
    expect(rows.map((row) => row[0])).toEqual(['line', '2', '3', '4']);
    await report.finish(meta());
  });
});

describe('RunReport invariants', () => {
  test('a gap in seq makes finish throw and still writes summary.json with exit code 1', async () => {
    const report = await open();
    for (const seq of [0, 1, 2, 4, 5, 9]) report.record(outcome(seq));
    const error = await report.finish(meta()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvariantError);
    expect((error as InvariantError).message).toContain('4 row(s) never recorded (seq 3, 6-8)');

    const summary = await readSummary(report);
    expect(summary.exitCode).toBe(1);
    expect(summary.counts.rows).toBe(6);
    expect(summary.problems).toEqual(['4 row(s) never recorded (seq 3, 6-8)']);
    // The rows after the gap are still in rows.csv, in order.
    const rows = await readCsv(join(report.dir, 'rows.csv'));
    expect(rows.slice(1).map((row) => row[0])).toEqual(['2', '3', '4', '6', '7', '11']);
    const html = await readFile(join(report.dir, 'report.html'), 'utf8');
    expect(html).toContain('never recorded');
  });

  test('a seq recorded twice is counted once and reported at finish', async () => {
    const report = await open();
    report.record(outcome(0));
    report.record(outcome(1, 'failed'));
    report.record(outcome(0, 'failed'));
    report.record(outcome(3));
    report.record(outcome(3));
    report.record(outcome(2));
    expect(report.counts.rows).toBe(4);
    const error = await report.finish(meta()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvariantError);
    expect((error as InvariantError).problems).toEqual([
      'seq 0 (contacts.csv:2) recorded more than once; the later outcome was ignored',
      'seq 3 (contacts.csv:5) recorded more than once; the later outcome was ignored',
    ]);
    expect((await readSummary(report)).exitCode).toBe(1);
  });

  test('a bad seq or status is left out and reported', async () => {
    const report = await open();
    report.record(outcome(0));
    report.record({ ...outcome(1), ref: { file: 'contacts.csv', line: 3, seq: -1 } });
    report.record({ ...outcome(1), status: 'sent' as RowStatus });
    expect(report.counts.rows).toBe(1);
    await expect(report.finish(meta())).rejects.toThrow(/not a non-negative integer.*unknown status "sent"/);
  });

  test('finish computes the counts from the outcomes and keeps the exit code it is given', async () => {
    const report = await open();
    STATUS_CYCLE.forEach((status, seq) => report.record(outcome(seq, status)));
    expect(report.counts).toEqual({
      rows: 7,
      valid: 5,
      invalid: 1,
      duplicate: 1,
      unchanged: 1,
      created: 1,
      updated: 1,
      blocked: 1,
      failed: 1,
    });
    const summary = await report.finish(meta({ exitCode: 3 }));
    expect(summary.exitCode).toBe(3);
    expect(await readSummary(report)).toEqual(summary);
  });

  test('record after finish throws; finish twice throws', async () => {
    const report = await open();
    report.record(outcome(0));
    await report.finish(meta());
    expect(() => report.record(outcome(1))).toThrow(/after finish/);
    await expect(report.finish(meta())).rejects.toThrow(/already finished/);
  });
});

describe('RunReport files', () => {
  test('creates the run folder 0700 and every file 0600', async () => {
    const report = await open();
    expect(report.dir).toBe(join(reportDir, '20261122T210501Z-3f9a'));
    report.record(outcome(0, 'invalid'));
    await report.finish(meta());
    expect((await stat(report.dir)).mode & 0o777).toBe(0o700);
    const files = (await readdir(report.dir)).sort();
    expect(files).toEqual(['rejected.csv', 'report.html', 'rows.csv', 'summary.json']);
    for (const file of files) expect((await stat(join(report.dir, file))).mode & 0o777).toBe(0o600);
  });

  test('creates a missing report dir, refuses an existing run folder and an unsafe run id', async () => {
    const nested = join(reportDir, 'a', 'b');
    const report = await RunReport.open({ reportDir: nested, runId: 'r1' });
    await report.finish(meta());
    await expect(RunReport.open({ reportDir: nested, runId: 'r1' })).rejects.toThrow(/already exists/);
    for (const runId of ['../escape', 'a/b', '..', '', '.hidden']) {
      await expect(RunReport.open({ reportDir, runId })).rejects.toThrow(RangeError);
    }
  });

  test('runs started in the same second never share a folder: a taken id is drawn again', async () => {
    // 2,000 ids of one second from 65,536 suffixes: about 30 collisions expected, each one redrawn.
    const reserved = await Promise.all(
      Array.from({ length: 2000 }, () => reserveRunFolder(reportDir, { startedAt: STARTED_AT })),
    );
    const ids = new Set(reserved.map((r) => r.runId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(RUN_ID_PATTERN);
    expect((await readdir(reportDir)).sort()).toEqual([...ids].sort());
  });

  test('an id the caller says is taken (e.g. a run in the state store) is not used', async () => {
    const refused: string[] = [];
    const { runId } = await reserveRunFolder(reportDir, {
      taken: (id) => (refused.length < 3 ? (refused.push(id), true) : false),
    });
    expect(refused).toHaveLength(3);
    expect(refused).not.toContain(runId);
    expect(await readdir(reportDir)).toEqual([runId]);
    await expect(reserveRunFolder(reportDir, { taken: () => true })).rejects.toThrow(/no free run id/);
  });

  test('RunReport.open without a run id reserves one', async () => {
    const taken = new Set<string>();
    const first = await RunReport.open({ reportDir, startedAt: STARTED_AT });
    taken.add(first.runId);
    const second = await RunReport.open({ reportDir, startedAt: STARTED_AT, taken: (id) => taken.has(id) });
    expect(first.runId.startsWith('20261122T210501Z-')).toBe(true);
    expect(second.runId).not.toBe(first.runId);
    expect(second.dir).toBe(join(reportDir, second.runId));
    await first.finish(meta());
    await second.finish(meta());
  });

  test('rows.csv: quoting, spreadsheet safety, exact E.164', async () => {
    const report = await open();
    report.record(
      outcome(0, 'failed', {
        code: '=cmd|calc',
        message: 'refused, "badly"\nsecond line',
        mobileInput: '+44 7700 900000',
        mobileE164: '+447700900000',
        contactId: '@id',
      }),
    );
    report.record(outcome(1, 'created', { mobileInput: '-07700900001', mobileE164: '+447700900001' }));
    report.record(
      outcome(2, 'invalid', { mobileInput: '\t123', mobileE164: undefined, code: 'PHONE_TOO_SHORT' }),
    );
    await report.finish(meta());

    const text = await readFile(join(report.dir, 'rows.csv'), 'utf8');
    expect(text.startsWith('line,status,code,message,mobile_input,mobile_e164,contact_id\n')).toBe(true);
    const rows = await readCsv(join(report.dir, 'rows.csv'));
    expect(rows.slice(1)).toEqual([
      [
        '2',
        'failed',
        "'=cmd|calc",
        'refused, "badly"\nsecond line',
        "'+44 7700 900000",
        '+447700900000',
        "'@id",
      ],
      ['3', 'created', '', '', "'-07700900001", '+447700900001', 'c1'],
      ['4', 'invalid', 'PHONE_TOO_SHORT', 'problem 2', "'\t123", '', ''],
    ]);
    // Every E.164 cell is exact: no apostrophe anywhere in that column.
    for (const row of rows.slice(1)) expect(row[5]?.startsWith("'")).toBe(false);
  });

  test('rejected.csv: union of the original keys in first-seen order, then error_code,error_message', async () => {
    const report = await open();
    report.record(
      outcome(3, 'failed', {
        raw: { email: 'd@x.io', phone: '+15550000003', extra: { a: 1 } },
        code: 'HTTP_400',
        message: 'bad',
      }),
    );
    report.record(
      outcome(0, 'invalid', {
        raw: { phone: '123', name: 'Ann' },
        code: 'PHONE_TOO_SHORT',
        message: 'too short',
      }),
    );
    report.record(outcome(1, 'created'));
    report.record(
      outcome(2, 'duplicate', {
        raw: {
          name: '=evil()',
          phone: '+15550000002',
          tags: ['a', 'b'],
          error_code: 'OLD',
          error_message: 'old',
        },
        code: 'DUPLICATE',
        message: 'same number as line 2',
      }),
    );
    report.record(outcome(4, 'blocked', { raw: { mobile: '555' } }));
    await report.finish(meta());

    const rows = await readCsv(join(report.dir, 'rejected.csv'));
    expect(rows).toEqual([
      ['phone', 'name', 'tags', 'email', 'extra', 'mobile', 'error_code', 'error_message'],
      ['123', 'Ann', '', '', '', '', 'PHONE_TOO_SHORT', 'too short'],
      ["'+15550000002", "'=evil()", '["a","b"]', '', '', '', 'DUPLICATE', 'same number as line 2'],
      ["'+15550000003", '', '', 'd@x.io', '{"a":1}', '', 'HTTP_400', 'bad'],
      ['', '', '', '', '', '555', 'CONT-010', 'problem 4'],
    ]);
    expect(await readdir(report.dir)).not.toContain(REJECTED_PARTIAL_FILE);
  });

  test('rejected.csv keeps quotes, commas and line breaks, whether copied as written or padded with a column added later', async () => {
    const awkward = 'x, "y"\r\nz';
    const report = await open();
    // Same keys throughout: the lines are copied as they were appended.
    report.record(outcome(0, 'invalid', { raw: { a: awkward, b: '-1' }, code: 'C1', message: 'm, "1"' }));
    report.record(outcome(1, 'invalid', { raw: { b: 'q\nr', a: '' }, code: 'C2', message: 'm2' }));
    await report.finish(meta());
    expect(await readCsv(join(report.dir, 'rejected.csv'))).toEqual([
      ['a', 'b', 'error_code', 'error_message'],
      [awkward, "'-1", 'C1', 'm, "1"'],
      ['', 'q\nr', 'C2', 'm2'],
    ]);

    // A key first seen on a later row: the lines before it are read back and get its cell.
    const again = await open('20261122T210502Z-3f9b');
    again.record(outcome(0, 'invalid', { raw: { a: awkward }, code: 'C1', message: 'one\ntwo' }));
    again.record(outcome(1, 'invalid', { raw: { a: 'p', c: '=3' }, code: 'C2', message: 'm2' }));
    again.record(outcome(2, 'invalid', { raw: { c: 'c2' }, code: 'C3', message: '' }));
    again.record(outcome(3, 'invalid', { raw: { d: 'd3' }, code: 'C4', message: 'm4' }));
    await again.finish(meta());
    expect(await readCsv(join(again.dir, 'rejected.csv'))).toEqual([
      ['a', 'c', 'd', 'error_code', 'error_message'],
      [awkward, '', '', 'C1', 'one\ntwo'],
      ['p', "'=3", '', 'C2', 'm2'],
      ['', 'c2', '', 'C3', ''],
      ['', '', 'd3', 'C4', 'm4'],
    ]);
    expect(await readdir(again.dir)).not.toContain(REJECTED_PARTIAL_FILE);
  });

  test("a `;` source's rejected.csv is `;`-separated: its cells with `;` quoted, commas not, a column added later padded", async () => {
    const report = await open();
    let asked = 0;
    report.rejectedDelimiterFrom(() => {
      asked++;
      return ';';
    });
    report.record(outcome(0, 'invalid', { raw: { a: 'x; y', b: '12,50' }, code: 'C1', message: 'm; "1"' }));
    report.record(outcome(1, 'invalid', { raw: { a: 'p', c: '=3' }, code: 'C2', message: 'a, b' }));
    await report.finish(meta());
    const text = await readFile(join(report.dir, 'rejected.csv'), 'utf8');
    expect(text).toBe('\ufeffa;b;c;error_code;error_message\n"x; y";12,50;;C1;"m; ""1"""\np;;\'=3;C2;a, b\n');
    expect(parse(text, { bom: true, delimiter: ';' })).toEqual([
      ['a', 'b', 'c', 'error_code', 'error_message'],
      ['x; y', '12,50', '', 'C1', 'm; "1"'],
      ['p', '', "'=3", 'C2', 'a, b'],
    ]);
    // Decided once, at the first line: a later source's delimiter does not split the file.
    expect(asked).toBe(1);
  });

  test('rejected.csv keeps commas for a source of another delimiter', async () => {
    const report = await open();
    report.rejectedDelimiterFrom(() => '\t');
    report.record(outcome(0, 'invalid', { raw: { a: 'x;y' }, code: 'C1', message: 'm' }));
    await report.finish(meta());
    expect(await readFile(join(report.dir, 'rejected.csv'), 'utf8')).toBe(
      '\ufeffa,error_code,error_message\nx;y,C1,m\n',
    );
  });

  test('rejected.csv has only its own columns when nothing was rejected', async () => {
    const report = await open();
    report.record(outcome(0));
    await report.finish(meta());
    expect(await readFile(join(report.dir, 'rejected.csv'), 'utf8')).toBe('\ufefferror_code,error_message\n');
    expect((await readFile(join(report.dir, 'rows.csv'), 'utf8')).startsWith('line,')).toBe(true);
  });

  test('rows.csv is readable while the run is going: header and whole lines', async () => {
    const report = await open();
    for (let seq = 0; seq < 50; seq += 1) report.record(outcome(seq));
    report.record(outcome(60)); // held back behind a gap
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await readFile(join(report.dir, 'rows.csv'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const rows = parse(text) as string[][];
    expect(rows).toHaveLength(51);
    expect(rows.at(-1)?.[0]).toBe('51');
    await report.abort(meta(), 'test over');
  });

  test('abort writes a partial report (exit 1, partial, reason) without throwing on gaps', async () => {
    const report = await open();
    report.record(outcome(0));
    report.record(outcome(1, 'invalid'));
    report.record(outcome(5, 'failed'));
    report.sample({ at: STARTED_AT.getTime() + 1000, rowsDone: 2, requests: 1, throttled: 0 });
    const summary = await report.abort(
      meta({ exitCode: 0 }),
      'network gone (Authorization: Bearer abc.def.ghi)',
    );
    expect(summary).toMatchObject({
      exitCode: 1,
      partial: true,
      counts: { rows: 3, valid: 2, invalid: 1, failed: 1 },
    });
    expect(summary.abortReason).toBe('network gone (Authorization: Bearer [redacted])');
    expect(summary.problems).toBeUndefined();
    expect(await readSummary(report)).toEqual(summary);

    const rows = await readCsv(join(report.dir, 'rows.csv'));
    expect(rows.slice(1).map((row) => [row[0], row[1]])).toEqual([
      ['2', 'created'],
      ['3', 'invalid'],
      ['7', 'failed'],
    ]);
    expect((await readCsv(join(report.dir, 'rejected.csv'))).length).toBe(3);
    const html = await readFile(join(report.dir, 'report.html'), 'utf8');
    expect(html).toContain('Aborted');
    expect(html).not.toContain('abc.def.ghi');
  });

  test('abort keeps a more specific non-zero exit code (2: bad credentials)', async () => {
    const report = await open();
    const summary = await report.abort(meta({ exitCode: 2 }), 'token refused');
    expect(summary).toMatchObject({ exitCode: 2, partial: true, abortReason: 'token refused' });
  });

  test('summary.json follows the contract', async () => {
    const report = await open();
    report.record(outcome(0, 'created'));
    report.record(outcome(1, 'blocked'));
    await report.finish(
      meta({
        sources: [
          { path: 'a.csv', sha256: '11'.repeat(32), format: 'csv' },
          { path: 'b.ndjson', sha256: '22'.repeat(32), format: 'ndjson' },
        ],
        dryRun: true,
      }),
    );
    const text = await readFile(join(report.dir, 'summary.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "runId": "20261122T210501Z-3f9a",\n');
    const summary = JSON.parse(text) as RunSummary;
    expect(Object.keys(summary)).toEqual([
      'runId',
      'command',
      'source',
      'sources',
      'account',
      'dryRun',
      'startedAt',
      'finishedAt',
      'durationMs',
      'counts',
      'api',
      'exitCode',
    ]);
    expect(summary).toMatchObject({
      command: 'import',
      source: { path: 'a.csv', format: 'csv' },
      account: 'acc-1',
      dryRun: true,
      startedAt: '2026-11-22T21:05:01.000Z',
      finishedAt: '2026-11-22T21:06:31.500Z',
      durationMs: 90_500,
      api: { requests: 4, throttled: 1, retries: 0, tokenRefreshes: 0 },
      exitCode: 0,
    });
    expect(Object.keys(summary.counts)).toEqual([
      'rows',
      'valid',
      'invalid',
      'duplicate',
      'unchanged',
      'created',
      'updated',
      'blocked',
      'failed',
    ]);
    expect(summary.sources).toHaveLength(2);
  });

  test('report.html is written with the counts, the error codes and the timeline', async () => {
    const report = await open();
    for (let seq = 0; seq < 20; seq += 1) report.record(outcome(seq, seq < 15 ? 'created' : 'invalid'));
    for (let second = 1; second <= 10; second += 1) {
      report.sample({
        at: STARTED_AT.getTime() + second * 1000,
        rowsDone: second * 2,
        requests: second,
        throttled: second > 5 ? 2 : 0,
      });
    }
    await report.finish(meta({ settings: { batchSize: 500, rate: 10 } }));
    const html = await readFile(join(report.dir, 'report.html'), 'utf8');
    expect(html).toContain('PHONE_INVALID');
    expect(html).toContain('<polyline');
    expect(html).toContain('batchSize');
    expect(html).toMatch(/<text[^>]*>15 \(75%\)<\/text>/);
  });
});
