import { describe, expect, test } from 'vitest';

import { ErrorCodeTally } from '../../src/report/error-codes.js';
import {
  emptyCounts,
  escapeHtml,
  renderReportHtml,
  type ReportHtmlData,
  type RunSummary,
  type TimelinePoint,
} from '../../src/report/index.js';
import type { RowOutcome } from '../../src/types.js';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  const source = { path: 'contacts <1>.csv', sha256: 'ab'.repeat(32), format: 'csv' };
  return {
    runId: '20261122T210501Z-3f9a',
    command: 'import',
    source,
    sources: [source],
    account: 'acc"&<x>',
    dryRun: false,
    startedAt: '2026-11-22T21:05:01.000Z',
    finishedAt: '2026-11-22T22:07:04.000Z',
    durationMs: 3_723_000,
    counts: {
      ...emptyCounts(),
      rows: 1234,
      valid: 1200,
      invalid: 30,
      duplicate: 4,
      created: 987,
      updated: 100,
      unchanged: 100,
      blocked: 3,
      failed: 10,
    },
    api: { requests: 42, throttled: 7, retries: 9, tokenRefreshes: 1 },
    exitCode: 3,
    ...overrides,
  };
}

function rejected(seq: number, code: string, message: string, mobileInput = '0770 090'): RowOutcome {
  return {
    kind: 'outcome',
    ref: { file: 'contacts.csv', line: seq + 2, seq },
    raw: {},
    status: 'invalid',
    code,
    message,
    mobileInput,
  };
}

function data(overrides: Partial<ReportHtmlData> = {}): ReportHtmlData {
  const tally = new ErrorCodeTally();
  tally.add(
    rejected(0, 'PHONE_TOO_SHORT', 'too short <script>alert(1)</script>', '<img src=x onerror=alert(1)>'),
  );
  tally.add(rejected(1, 'PHONE_TOO_SHORT', 'too short again'));
  tally.add(rejected(2, 'EMAIL_INVALID', 'bad "email" & more'));
  return { summary: summary(), errorCodes: tally.top(), timeline: [], ...overrides };
}

describe('renderReportHtml', () => {
  test('shows the run facts and every count', () => {
    const html = renderReportHtml(data());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>sakari-sync import 20261122T210501Z-3f9a</title>');
    expect(html).toContain('acc&quot;&amp;&lt;x&gt;');
    expect(html).toContain('contacts &lt;1&gt;.csv');
    expect(html).toContain('1h 02m 03s');
    expect(html).toContain('Completed with problems (exit 3)');
    const bars: Array<[string, string]> = [
      ['created', '987 (80%)'],
      ['updated', '100 (8.1%)'],
      ['unchanged', '100 (8.1%)'],
      ['blocked', '3 (0.2%)'],
      ['failed', '10 (0.8%)'],
      ['invalid', '30 (2.4%)'],
      ['duplicate', '4 (0.3%)'],
    ];
    for (const [status, text] of bars) {
      expect(html).toMatch(
        new RegExp(`>${status}</text><rect[^>]*/><text[^>]*>${text.replace(/[().]/g, '\\$&')}</text>`),
      );
    }
    expect(html).toContain('Outcomes (1,234 rows)');
  });

  test('lists the top error codes with escaped examples', () => {
    const html = renderReportHtml(data());
    const codes = html.slice(
      html.indexOf('<table class="codes">'),
      html.indexOf('</table>', html.indexOf('<table class="codes">')),
    );
    expect(codes.indexOf('PHONE_TOO_SHORT')).toBeLessThan(codes.indexOf('EMAIL_INVALID'));
    expect(codes).toContain('<td class="n">2</td>');
    expect(codes).toContain('too few digits for its country');
    expect(codes).toContain('line 2');
    expect(codes).toContain('too short &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(codes).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(codes).toContain('bad &quot;email&quot; &amp; more');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
  });

  test('loads nothing from the network and links only relative files', () => {
    const html = renderReportHtml(
      data({ settings: { apiUrl: 'https://api.sakari.io', 'x"><a href="https://evil.example">': 'y' } }),
    );
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('<a href="summary.json">');
    expect(html).toContain('<a href="rows.csv">');
    expect(html).toContain('<a href="rejected.csv">');
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    // The settings are shown, escaped.
    expect(html).toContain('<code>https://api.sakari.io</code>');
    expect(html).toContain('x&quot;&gt;&lt;a href=&quot;https://evil.example&quot;&gt;');
  });

  test('draws throughput and 429s, downsampled to at most 300 points', () => {
    const start = Date.parse('2026-11-22T21:05:01Z');
    const timeline: TimelinePoint[] = Array.from({ length: 3000 }, (_, second) => ({
      at: start + second * 1000,
      rowsDone: second * 50,
      requests: second,
      throttled: Math.floor(second / 100),
    }));
    const html = renderReportHtml(data({ timeline }));
    const polylines = [...html.matchAll(/<polyline points="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(polylines).toHaveLength(2);
    for (const points of polylines) {
      // A step line: two vertices per interval, at most 299 intervals.
      expect(points.split(' ').length).toBeLessThanOrEqual(2 * 299);
    }
    expect(html).toContain('429 answers per interval (total 29)');
    expect(html).toContain('50/s');
    expect(html.match(/fill="#c62828"><title>/g)?.length).toBeGreaterThan(0);
  });

  test('says so when there are no samples, no errors and no settings', () => {
    const html = renderReportHtml(data({ errorCodes: [], timeline: [] }));
    expect(html).toContain('Not enough timeline samples');
    expect(html).toContain('No rejected, blocked or failed rows.');
    expect(html).toContain('No settings recorded.');
  });

  test('shows aborts and invariant problems', () => {
    const aborted = renderReportHtml(
      data({ summary: summary({ partial: true, abortReason: 'ECONNRESET <x>', exitCode: 1 }) }),
    );
    expect(aborted).toContain('Aborted: partial report');
    expect(aborted).toContain('ECONNRESET &lt;x&gt;');
    const broken = renderReportHtml(
      data({ summary: summary({ exitCode: 1, problems: ['3 row(s) never recorded (seq 4-6)'] }) }),
    );
    expect(broken).toContain('Report invariants violated (bug)');
    expect(broken).toContain('3 row(s) never recorded (seq 4-6)');
  });

  test('names the file in examples when the run has several sources', () => {
    const two = [
      { path: 'a.csv', sha256: '1', format: 'csv' },
      { path: 'b.csv', sha256: '2', format: 'csv' },
    ];
    const html = renderReportHtml(data({ summary: summary({ sources: two }) }));
    expect(html).toContain('line contacts.csv:2');
  });
});

describe('escapeHtml', () => {
  test.each([
    ['<b>', '&lt;b&gt;'],
    ['a & b', 'a &amp; b'],
    [`"it's"`, '&quot;it&#39;s&quot;'],
    ['plain', 'plain'],
  ])('%j → %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('report.html: the adaptive pace (issue 18)', () => {
  const pace = {
    ceiling: 20,
    fixed: false,
    start: 20,
    settled: 4.87,
    next: 4.75,
    throttled: 5,
    decreases: 4,
  };
  const timeline = (withPace: boolean): TimelinePoint[] =>
    Array.from({ length: 6 }, (_, i) => ({
      at: 1_000 * i,
      rowsDone: 50 * i,
      requests: 5 * i,
      throttled: i > 2 ? 1 : 0,
      ...(withPace ? { pace: i < 2 ? 20 : 5 } : {}),
    }));

  test('shows the start, settled and next pace and the ceiling, and draws the pace in the throughput chart', () => {
    const html = renderReportHtml(
      data({ summary: summary({ api: { ...summary().api, pace } }), timeline: timeline(true) }),
    );
    expect(html).toContain('Pace settled on');
    expect(html).toContain('4.87/s');
    expect(html).toContain('Next run starts at');
    expect(html).toContain('4.75/s');
    expect(html).toContain('Ceiling (--rate)');
    expect(html).toContain('stroke="#2e7d32"');
    expect(html).toContain('pace (requests/s allowed)');
  });

  test('a run without a pace (dry run, older summary) has no pace tiles nor pace line', () => {
    const html = renderReportHtml(data({ timeline: timeline(false) }));
    expect(html).not.toContain('Pace settled on');
    expect(html).not.toContain('pace (requests/s allowed)');
    expect(html).not.toContain('stroke="#2e7d32"');
  });

  test('--fixed-rate shows the fixed pace only', () => {
    const fixed = { ...pace, fixed: true, start: 20, settled: 20, next: 20 };
    const html = renderReportHtml(data({ summary: summary({ api: { ...summary().api, pace: fixed } }) }));
    expect(html).toContain('Fixed pace (--fixed-rate)');
    expect(html).not.toContain('Pace settled on');
  });
});
