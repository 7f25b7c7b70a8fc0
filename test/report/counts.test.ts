import { describe, expect, test } from 'vitest';

import { countOutcome } from '../../src/report/counts.js';
import { checkInvariants, emptyCounts, exitCodeFor, type Counts } from '../../src/report/index.js';
import { ROW_STATUSES } from '../../src/types.js';

function counts(partial: Partial<Counts>): Counts {
  return { ...emptyCounts(), ...partial };
}

describe('checkInvariants', () => {
  test.each([
    ['all zero', counts({}), 0],
    [
      'balanced',
      counts({
        rows: 10,
        valid: 7,
        invalid: 2,
        duplicate: 1,
        created: 3,
        updated: 1,
        unchanged: 1,
        blocked: 1,
        failed: 1,
      }),
      0,
    ],
    ['rows too high', counts({ rows: 3, valid: 1, created: 1, invalid: 1 }), 1],
    ['valid parts missing', counts({ rows: 2, valid: 2, created: 1 }), 1],
    ['both wrong', counts({ rows: 5, valid: 2, created: 1 }), 2],
    ['negative counts', counts({ rows: -1, valid: 0, invalid: -1 }), 2],
    ['fractional count', counts({ rows: 0.5, invalid: 0.5 }), 2],
  ])('%s', (_name, input, problems) => {
    expect(checkInvariants(input)).toHaveLength(problems);
  });

  test('names the sums in its message', () => {
    const [message] = checkInvariants(counts({ rows: 3, valid: 1, created: 1, invalid: 1 }));
    expect(message).toContain('rows (3) != valid + invalid + duplicate');
  });
});

describe('countOutcome', () => {
  test('every status keeps the books balanced', () => {
    const tally = emptyCounts();
    for (const status of ROW_STATUSES) countOutcome(tally, status);
    expect(tally).toEqual({
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
    expect(checkInvariants(tally)).toEqual([]);
  });
});

describe('exitCodeFor', () => {
  test.each([
    ['nothing wrong', counts({ rows: 1, valid: 1, created: 1 }), false, 0],
    ['a failed row', counts({ failed: 1 }), false, 3],
    ['a failed row, strict', counts({ failed: 1 }), true, 3],
    ['an invalid row', counts({ invalid: 1 }), false, 0],
    ['an invalid row, strict', counts({ invalid: 1 }), true, 3],
    ['blocked and duplicate, strict', counts({ blocked: 2, duplicate: 3 }), true, 0],
  ])('%s', (_name, input, strict, expected) => {
    expect(exitCodeFor(input, { strict })).toBe(expected);
  });
});
