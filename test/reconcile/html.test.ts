import { describe, expect, test } from 'vitest';
import {
  checkReconcileInvariants,
  renderReconcileHtml,
  type ReconcileCounts,
  type ReconcileSummary,
} from '../../src/reconcile/index.js';

const COUNTS: ReconcileCounts = {
  source: 12,
  valid: 10,
  invalid: 1,
  duplicate: 1,
  matched: 5,
  missing: 2,
  different: 3,
  blocked: 0,
  optedOut: 0,
  extra: 4,
  remote: 12,
};

function summary(fields: Partial<ReconcileSummary> = {}): ReconcileSummary {
  return {
    runId: '20261122T210501Z-3f9a',
    command: 'reconcile',
    source: { path: 'a.csv', sha256: 'ff', format: 'csv' },
    sources: [{ path: 'a.csv', sha256: 'ff', format: 'csv' }],
    account: 'acct',
    mergeStrategy: 'append',
    startedAt: '2026-11-22T21:05:01.000Z',
    finishedAt: '2026-11-22T21:05:03.000Z',
    durationMs: 2000,
    counts: COUNTS,
    fields: { firstName: 2, lastName: 0, email: 0, country: 0, tags: 1, attributes: 1 },
    api: { requests: 3, throttled: 0, retries: 0, tokenRefreshes: 0 },
    exitCode: 3,
    ...fields,
  };
}

describe('renderReconcileHtml', () => {
  test('escapes every value from the data and loads nothing', () => {
    const html = renderReconcileHtml({
      summary: summary({ account: '<script>alert(1)</script>', warnings: ['"quoted" & <b>'] }),
      examples: [
        {
          status: 'different',
          e164: '+447400100001',
          where: '7',
          fields: 'firstName',
          sourceValue: '{"firstName":"<img src=x onerror=alert(1)>"}',
          remoteValue: '{}',
          contactId: 'c"1',
          message: '<i>note</i>',
        },
      ],
      attributes: [{ name: '<plan>', count: 1 }],
      files: { summary: 'summary.json', csv: 'reconcile.csv' },
    });
    expect(html).not.toMatch(/<script|<img|<plan>|<b>|<i>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('attributes.&lt;plan&gt;');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("default-src 'none'");
  });

  test('draws one bar per count and states the outcome', () => {
    const html = renderReconcileHtml({
      summary: summary(),
      examples: [],
      attributes: [],
      files: { summary: 's', csv: 'c', fix: 'fix.ndjson' },
    });
    expect(html.match(/<rect /g)).toHaveLength(8);
    expect(html).toContain('<title>optedOut: 0:');
    expect(html).toContain('2 missing, 3 different (exit 3)');
    expect(html).toContain('href="fix.ndjson"');
    const inSync = renderReconcileHtml({
      summary: summary({ exitCode: 0 }),
      examples: [],
      attributes: [],
      files: { summary: 's', csv: 'c' },
    });
    expect(inSync).toContain('In sync');
  });

  test('blocked rows (refused by Sakari) are in sync: counted in the books, the outcome and the examples', () => {
    const html = renderReconcileHtml({
      summary: summary({
        exitCode: 0,
        counts: { ...COUNTS, missing: 0, different: 0, blocked: 5 },
      }),
      examples: [
        {
          status: 'blocked',
          e164: '+447400100003',
          where: '4',
          fields: '',
          sourceValue: '{"firstName":"Cy"}',
          remoteValue: '',
          contactId: '',
          message: 'Sakari refuses this number (CONT-010: the person opted out at Sakari)',
        },
      ],
      attributes: [],
      files: { summary: 's', csv: 'c' },
    });
    expect(html).toContain(
      'In sync: nothing missing, different or opted out (5 blocked: Sakari refuses them)',
    );
    expect(html).toContain('<title>blocked: 5:');
    expect(html).toContain('valid = matched + missing + different + blocked');
    expect(html).toContain('<td>blocked</td>');
    expect(html).toContain('Sakari refuses this number (CONT-010: the person opted out at Sakari)');
  });

  test('opted_out contacts show with their count, in the outcome and as examples with their note', () => {
    const html = renderReconcileHtml({
      summary: summary({ counts: { ...COUNTS, invalid: 2, source: 13, optedOut: 1, extra: 3 } }),
      examples: [
        {
          status: 'opted_out',
          e164: '+447400100002',
          where: '3',
          fields: '',
          sourceValue: '',
          remoteValue: '{"firstName":"Bob"}',
          contactId: 'c2',
          message: 'remove it or opt it out in Sakari',
        },
      ],
      attributes: [],
      files: { summary: 's', csv: 'c' },
    });
    expect(html).toContain('2 missing, 3 different, 1 opted out but in Sakari (exit 3)');
    expect(html).toContain('<title>optedOut: 1:');
    expect(html).toContain('remote 12 = matched + different + optedOut + extra');
    expect(html).toContain('<td>opted_out</td>');
    expect(html).toContain('remove it or opt it out in Sakari');
  });
});

describe('checkReconcileInvariants', () => {
  test.each<[string, Partial<ReconcileCounts>, RegExp | undefined]>([
    ['balanced', {}, undefined],
    ['source rows lost', { source: 13 }, /^source \(13\)/],
    ['a valid row not compared', { valid: 11, source: 13 }, /^valid \(11\)/],
    ['a valid row refused by Sakari', { valid: 11, source: 13, blocked: 1 }, undefined],
    [
      'a blocked row counted besides its missing one',
      { blocked: 1 },
      /^valid \(10\) != matched \+ missing \+ different \+ blocked/,
    ],
    ['a remote contact not accounted for', { remote: 13 }, /^remote \(13\)/],
    ['an opted_out contact counted on the remote side', { optedOut: 1, extra: 3 }, undefined],
    ['an opted_out contact not counted on the remote side', { optedOut: 1 }, /^remote \(12\)/],
    ['more opted_out lines than blocked rows', { optedOut: 2, extra: 2 }, /^optedOut \(2\) > invalid \(1\)/],
  ])('%s', (_name, change, problem) => {
    const problems = checkReconcileInvariants({ ...COUNTS, ...change });
    if (problem === undefined) expect(problems).toEqual([]);
    else expect(problems).toEqual([expect.stringMatching(problem)]);
  });
});
