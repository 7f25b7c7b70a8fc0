import { describe, expect, test } from 'vitest';
import { dedupe, E164Index, e164Key } from '../../src/pipeline/dedupe.js';
import type { Contact, Rejected } from '../../src/types.js';
import { from, collect } from '../helpers.js';

let seq = 0;
function contact(file: string, line: number, mobile: string): Contact {
  return {
    kind: 'contact',
    ref: { file, line, seq: seq++ },
    raw: { line },
    mobileInput: mobile,
    payload: { mobile, tags: [], attributes: {} },
  };
}

describe('dedupe', () => {
  test('keeps the first, later ones are duplicates naming the kept line', async () => {
    const rows = [
      contact('a.csv', 2, '+447400123456'),
      contact('a.csv', 3, '+12015550123'),
      contact('a.csv', 4, '+447400123456'),
      contact('a.csv', 9, '+447400123456'),
    ];
    const out = await collect(dedupe(from(rows)));
    expect(out.slice(0, 2)).toEqual(rows.slice(0, 2));
    expect(out[2]).toEqual({
      kind: 'rejected',
      ref: rows[2]?.ref,
      raw: rows[2]?.raw,
      mobileInput: '+447400123456',
      mobileE164: '+447400123456',
      status: 'duplicate',
      error: { code: 'DUPLICATE', field: 'mobile', message: 'duplicate of line 2' },
    });
    expect(out[3]).toMatchObject({ status: 'duplicate', error: { message: 'duplicate of line 2' } });
  });

  test('across files the message names the kept file', async () => {
    const out = await collect(
      dedupe(
        from([
          contact('a.csv', 12, '+447400123456'),
          contact('b.csv', 5, '+447400123456'),
          contact('b.csv', 6, '+447400123456'),
        ]),
      ),
    );
    expect(out.map((item) => (item.kind === 'rejected' ? item.error.message : 'kept'))).toEqual([
      'kept',
      'duplicate of line 12 in a.csv',
      'duplicate of line 12 in a.csv',
    ]);
  });

  test('rejected rows pass through and do not claim their number', async () => {
    const rejected: Rejected = {
      kind: 'rejected',
      ref: { file: 'a.csv', line: 2, seq: 0 },
      raw: {},
      mobileInput: '07400 123456',
      mobileE164: '+447400123456',
      status: 'invalid',
      error: { code: 'EMAIL_INVALID', field: 'email', message: 'email "x": not a valid email address' },
    };
    const kept = contact('a.csv', 3, '+447400123456');
    const out = await collect(dedupe(from([rejected, kept])));
    expect(out[0]).toBe(rejected);
    expect(out[1]).toBe(kept);
  });
});

describe('E164Index', () => {
  test('holds many keys through growth and remembers who claimed each', () => {
    const index = new E164Index();
    const count = 200_000;
    const key = (i: number): number => e164Key(`+1${String(2_000_000_000 + i * 7919)}`);
    let claimed = 0;
    for (let i = 0; i < count; i++) if (index.claim(key(i), i % 3, i + 2) === undefined) claimed++;
    expect(claimed).toBe(count);
    expect(index.size).toBe(count);
    for (let i = 0; i < count; i += 997)
      expect(index.claim(key(i), 9, 1)).toEqual({ file: i % 3, line: i + 2, blocked: false });
    expect(index.size).toBe(count);
  });

  test('holds no more than 1.5x the slots its keys need, at every size', () => {
    // Doubling, 223,000 keys (just past 2^18 slots at 0.85 full) would take 2^19 slots.
    const index = new E164Index();
    const key = (i: number): number => e164Key(`+33${String(600_000_000 + i * 13)}`);
    for (let i = 0; i < 223_000; i++) {
      index.claim(key(i), 0, i + 2);
      // Past the starting 4,096 slots.
      if (i % 1_000 === 999 && i > 4_000)
        expect(index.capacity).toBeLessThanOrEqual(Math.ceil((index.size / 0.85) * 1.5) + 64);
    }
    expect(index.capacity).toBeLessThanOrEqual(400_000);
    expect(index.claim(key(222_999), 1, 1)).toEqual({ file: 0, line: 223_000 + 1, blocked: false });
  });

  test('grows a small part at a time, never holding the whole index twice', () => {
    // A 1M-row import's single table grew from 797,000 to 1,195,000 slots in one step, holding
    // both (24 MiB) until a collection freed the old one.
    const index = new E164Index();
    const key = (i: number): number => e164Key(`+49${String(15_100_000_000 + i * 31)}`);
    let capacity = index.capacity;
    let steps = 0;
    let largestStep = 0;
    for (let i = 0; i < 300_000; i++) {
      index.claim(key(i), 0, i + 2);
      if (index.capacity === capacity) continue;
      steps++;
      largestStep = Math.max(largestStep, (index.capacity - capacity) / capacity);
      capacity = index.capacity;
    }
    // From ~5,000 to ~440,000 slots: more than 64 segments' worth of steps, each under 2% of the whole.
    expect(steps).toBeGreaterThan(64 * 5);
    expect(largestStep).toBeLessThan(0.02);
    expect(index.claim(key(123_456), 1, 1)).toEqual({ file: 0, line: 123_458, blocked: false });
  });

  test('a second file arriving after growth keeps the first file claims as file 0', () => {
    const index = new E164Index();
    const key = (i: number): number => e164Key(`+44${String(7_400_000_000 + i)}`);
    for (let i = 0; i < 10_000; i++) index.claim(key(i), 0, i + 2);
    for (let i = 10_000; i < 30_000; i++) index.claim(key(i), 1, i + 2);
    expect(index.claim(key(5), 1, 99)).toEqual({ file: 0, line: 7, blocked: false });
    expect(index.claim(key(9_999), 1, 99)).toEqual({ file: 0, line: 10_001, blocked: false });
    expect(index.claim(key(12_000), 0, 99)).toEqual({ file: 1, line: 12_002, blocked: false });
    expect(index.claim(key(25_000), 0, 99)).toEqual({ file: 1, line: 25_002, blocked: false });
    expect(index.size).toBe(30_000);
  });

  test('remembers, through growth, whether the row that claimed a number is one the source blocks', () => {
    const index = new E164Index();
    const key = (i: number): number => e164Key(`+44${String(7_500_000_000 + i)}`);
    for (let i = 0; i < 20_000; i++) index.claim(key(i), 0, i + 2, i % 2 === 0);
    expect(index.claim(key(10), 0, 1)).toEqual({ file: 0, line: 12, blocked: true });
    expect(index.claim(key(11), 0, 1)).toEqual({ file: 0, line: 13, blocked: false });
    expect(index.claim(key(19_998), 0, 1, true)).toEqual({ file: 0, line: 20_000, blocked: true });
  });

  test('15-digit keys stay distinct', () => {
    const index = new E164Index();
    expect(index.claim(e164Key('+999999999999999'), 0, 1)).toBeUndefined();
    expect(index.claim(e164Key('+999999999999998'), 0, 2)).toBeUndefined();
    expect(index.claim(e164Key('+999999999999999'), 0, 3)).toEqual({ file: 0, line: 1, blocked: false });
  });

  test.each(['447400123456', '+', '+44abc', '+1234567890123456789'])('e164Key refuses %j', (value) => {
    expect(() => e164Key(value)).toThrow(/not an E\.164 number/);
  });
});
