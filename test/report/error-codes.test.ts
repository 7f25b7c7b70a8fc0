import { describe, expect, test } from 'vitest';

import {
  ErrorCodeTally,
  MAX_EXAMPLES_PER_CODE,
  MAX_REPORTED_CODES,
  MAX_TRACKED_CODES,
  NO_CODE,
  OTHER_CODES,
} from '../../src/report/error-codes.js';
import { describeCode, ROW_CODES } from '../../src/codes.js';
import type { RowOutcome } from '../../src/types.js';

function failed(seq: number, code: string | undefined): RowOutcome {
  return {
    kind: 'outcome',
    ref: { file: 'f.csv', line: seq + 2, seq },
    raw: {},
    status: 'failed',
    code,
    message: 'm'.repeat(500),
    mobileInput: `+1555${seq}`,
  };
}

describe('ErrorCodeTally', () => {
  test('counts every row, keeps the first examples, most frequent code first', () => {
    const tally = new ErrorCodeTally();
    for (let seq = 0; seq < 10; seq += 1) tally.add(failed(seq, seq % 3 === 0 ? 'CONT-001' : 'HTTP_400'));
    tally.add(failed(10, undefined));
    const top = tally.top();
    expect(top.find((stat) => stat.code === NO_CODE)?.description).toBe('Rejected without a code.');
    expect(top.map((stat) => [stat.code, stat.count])).toEqual([
      ['HTTP_400', 6],
      ['CONT-001', 4],
      [NO_CODE, 1],
    ]);
    expect(top[0]?.examples.map((example) => example.line)).toEqual([3, 4, 6]);
    expect(top[0]?.examples).toHaveLength(MAX_EXAMPLES_PER_CODE);
    expect(top[0]?.examples[0]?.message.length).toBeLessThanOrEqual(200);
    expect(top[0]?.description).toContain('HTTP 400');
  });

  test('is bounded in codes tracked and codes reported', () => {
    const tally = new ErrorCodeTally();
    for (let seq = 0; seq < MAX_TRACKED_CODES + 25; seq += 1) tally.add(failed(seq, `X-${seq}`));
    expect(tally.size).toBe(MAX_TRACKED_CODES + 1);
    const top = tally.top();
    expect(top).toHaveLength(MAX_REPORTED_CODES);
    expect(top[0]).toMatchObject({ code: OTHER_CODES, count: 25 });
    expect(top[0]?.description).toMatch(/beyond the first/);
  });
});

describe('describeCode', () => {
  test.each(ROW_CODES.map((code) => [code]))('%s has a description', (code) => {
    expect(describeCode(code)).not.toBe('');
  });

  test.each([
    ['CONT-010', /opted out/],
    ['HTTP_422', /HTTP 422/],
    ['CONV-001', /Sakari API/],
    ['whatever', /^$/],
  ])('%s', (code, pattern) => {
    expect(describeCode(code)).toMatch(pattern);
  });
});
