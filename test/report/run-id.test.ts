import { describe, expect, test } from 'vitest';

import { newRunId } from '../../src/report/index.js';

describe('newRunId', () => {
  test('is UTC time to the second plus 4 hex digits', () => {
    const id = newRunId(new Date('2026-11-22T21:05:01.999Z'));
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(id.startsWith('20261122T210501Z-')).toBe(true);
  });

  test('defaults to now', () => {
    expect(newRunId()).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
  });

  test('two ids of the same second differ (almost always)', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const ids = new Set(Array.from({ length: 20 }, () => newRunId(at)));
    expect(ids.size).toBeGreaterThan(15);
  });

  test('rejects an invalid date', () => {
    expect(() => newRunId(new Date('nope'))).toThrow(RangeError);
  });
});
