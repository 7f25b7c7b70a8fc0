import { describe, expect, test } from 'vitest';
import { createJsonLogger, createRunLog, secretGuard } from '../../src/cli/log.js';
import type { PreflightInfo } from '../../src/pipeline/preflight.js';
import type { ImportResult, RunProgress } from '../../src/pipeline/run.js';
import { emptyCounts } from '../../src/report/index.js';
import { emptyApiStats } from '../../src/types.js';

const SECRET = 'cs_7Hq2-x"y\\z';

describe('secretGuard', () => {
  const guard = secretGuard([SECRET, undefined, 'abc']);
  test.each([
    ['the secret as is', `secret is ${SECRET}.`, 'secret is [redacted].'],
    [
      'the secret inside a JSON string',
      JSON.stringify({ note: `got ${SECRET}` }),
      '{"note":"got [redacted]"}',
    ],
    [
      'a bearer token',
      'authorization: Bearer eyJhbGciOi.abc-123 sent',
      'authorization: Bearer [redacted] sent',
    ],
    ['a secret-named pair', 'client_secret=hunter22&x=1', 'client_secret=[redacted]&x=1'],
    ['short values are not masked by value', 'abc def', 'abc def'],
    ['text without secrets is unchanged', 'pre-flight: 30 rows read', 'pre-flight: 30 rows read'],
  ])('%s', (_name, input, expected) => {
    expect(guard(input)).toBe(expected);
  });
});

describe('createJsonLogger', () => {
  test('censors secret-named fields at the top level and one level down, one JSON object per line', () => {
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line), { quiet: false });
    log.info(
      {
        event: 'x',
        clientSecret: 'a',
        settings: { clientSecret: 'b', rate: 5 },
        headers: { authorization: 'c' },
      },
      'hi',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'info',
      event: 'x',
      msg: 'hi',
      clientSecret: '[redacted]',
      settings: { clientSecret: '[redacted]', rate: 5 },
      headers: { authorization: '[redacted]' },
    });
  });

  test('quiet keeps warnings and errors only', () => {
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line), { quiet: true });
    log.info('no');
    log.warn('yes');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['yes']);
  });
});

function progress(rowsDone: number): RunProgress {
  return {
    runId: 'r1',
    rowsRead: rowsDone,
    rowsDone,
    counts: emptyCounts(),
    api: emptyApiStats(),
    elapsedMs: 1000,
  };
}

const PREFLIGHT: PreflightInfo = {
  runId: 'r1',
  sources: [],
  rowsRead: 3,
  rowsSeen: 3,
  complete: true,
  codes: { PHONE_EXCEL_MANGLED: 1 },
  warnings: [
    { code: 'PHONE_EXCEL_MANGLED', rows: 1, message: "column 'Phone' looks Excel-mangled in 1 row" },
  ],
};

const RESULT = {
  runId: 'r1',
  reportPath: '/tmp/r1',
  counts: { ...emptyCounts(), rows: 3, valid: 3, created: 3 },
  api: emptyApiStats(),
  exitCode: 0,
  durationMs: 12,
  dryRun: false,
} as ImportResult;

describe('createRunLog', () => {
  test('json: events as JSON lines, progress at most every interval, API events mapped', () => {
    const lines: string[] = [];
    const log = createRunLog({
      format: 'json',
      quiet: false,
      write: (t) => lines.push(t),
      isTTY: true,
      progressIntervalMs: 60_000,
    });
    log.start(
      { runId: 'r1', reportPath: '/tmp/r1', settings: { clientSecret: '[redacted]' } },
      { sandbox: false },
    );
    log.preflight(PREFLIGHT);
    log.progress(progress(1));
    log.apiEvent({ type: 'request', method: 'POST', path: '/v1/x', status: 201, durationMs: 3 });
    log.apiEvent({ type: 'throttled', method: 'POST', path: '/v1/x', retryAfterMs: 1000 });
    log.apiEvent({
      type: 'retry',
      method: 'POST',
      path: '/v1/x',
      attempt: 2,
      reason: 'HTTP_429',
      delayMs: 1000,
    });
    log.apiEvent({ type: 'token-refresh' });
    log.finish(RESULT);
    log.close();
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.event)).toEqual([
      'run.start',
      'preflight',
      'preflight.warning',
      'api.throttled',
      'api.retry',
      'token.refresh',
      'run.finish',
    ]);
    expect(records.every((r) => r.runId === 'r1')).toBe(true);
    expect(records[2]).toMatchObject({
      level: 'warn',
      code: 'PHONE_EXCEL_MANGLED',
      msg: "column 'Phone' looks Excel-mangled in 1 row",
    });
    expect(records[6]).toMatchObject({ exitCode: 0, counts: { rows: 3, created: 3 }, reportPath: '/tmp/r1' });
  });

  test('json: a progress line once the interval has passed', () => {
    const lines: string[] = [];
    const log = createRunLog({
      format: 'json',
      quiet: false,
      write: (t) => lines.push(t),
      isTTY: false,
      progressIntervalMs: 0,
    });
    log.progress(progress(7));
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ event: 'progress', rowsDone: 7, rowsPerSecond: 7 });
  });

  test('text, quiet: only the warnings and an abort message', () => {
    let text = '';
    const log = createRunLog({ format: 'text', quiet: true, write: (t) => (text += t), isTTY: false });
    log.start(
      { runId: 'r1', reportPath: '/tmp/r1', settings: {}, resumedFrom: 'r0', apiUrl: 'http://x' },
      { sandbox: true },
    );
    log.preflight(PREFLIGHT);
    log.progress(progress(1));
    log.finish(RESULT);
    expect(text).toBe("warning: column 'Phone' looks Excel-mangled in 1 row\n");
    log.aborted('run aborted: network gone', RESULT);
    expect(text).toMatch(/sakari-sync: run aborted: network gone\n$/);
  });

  test('text: start lines, the pre-flight and the summary', () => {
    let text = '';
    const log = createRunLog({ format: 'text', quiet: false, write: (t) => (text += t), isTTY: false });
    log.start(
      { runId: 'r1', reportPath: '/tmp/r1', settings: {}, resumedFrom: 'r0', apiUrl: 'http://x' },
      { sandbox: true },
    );
    log.preflight(PREFLIGHT);
    log.finish(RESULT);
    expect(text).toMatch(
      /^resuming interrupted run r0\nsandbox: http:\/\/x\npre-flight: 3 rows read \(the whole source\), 3 checked\n/,
    );
    expect(text).toContain("  warning: column 'Phone' looks Excel-mangled in 1 row\n");
    expect(text).toMatch(/r1: 3 rows in 0\.0 s/);
  });
});
