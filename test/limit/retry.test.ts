import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY, backoffDelay, parseRetryAfter } from '../../src/limit/retry.js';

const policy = (random: number) => ({ baseMs: 1000, capMs: 60_000, random: () => random });

describe('DEFAULT_RETRY', () => {
  test('follows CONTRACT §2: 6 attempts, base 1 s, cap 60 s', () => {
    expect({ ...DEFAULT_RETRY, random: undefined }).toEqual({
      attempts: 6,
      baseMs: 1000,
      capMs: 60_000,
      random: undefined,
    });
    expect(DEFAULT_RETRY.random).toBe(Math.random);
  });
});

describe('backoffDelay (full jitter)', () => {
  test.each([
    // attempt, random, expected ms
    [0, 0, 0],
    [0, 0.5, 500],
    [0, 0.999, 999],
    [1, 0.5, 1000],
    [3, 0.5, 4000],
    [5, 0.999, 31_968],
    [6, 0.5, 30_000], // 64 s window capped at 60 s
    [6, 0.999, 59_940],
    [40, 0.5, 30_000],
    [5000, 0.5, 30_000], // 2 ** 5000 overflows to Infinity: still the cap
    [-3, 0.5, 500], // nonsense attempt treated as the first
  ])('attempt %i with random %d → %d ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy(random))).toBeCloseTo(expected, 6);
  });

  test('stays inside [0, min(cap, base * 2^attempt)) for any random value', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      for (const random of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = backoffDelay(attempt, { baseMs: 10, capMs: 5000, random: () => random });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.min(5000, 10 * 2 ** attempt));
      }
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  test.each<[string | undefined, number | undefined]>([
    ['2', 2000],
    ['0', 0],
    [' 120 ', 120_000],
    ['1.5', 1500],
    ['-5', 0],
    ['Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['Saturday, 01-Mar-25 12:00:10 GMT', 10_000],
    ['Sat Mar  1 12:01:00 2025', 60_000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0], // in the past
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['2 seconds', undefined],
    ['1e3', undefined],
    ['12:00:30', undefined],
    ['2025-03-01T12:00:30Z', undefined], // ISO 8601 is not an HTTP-date
    ['Sat, 99 Xyz 2025 12:00:30 GMT', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
