import { describe, expect, test } from 'vitest';

import { ReorderBuffer } from '../../src/report/reorder.js';
import { shuffled } from '../helpers.js';

/** Puts each seq as it comes and takes what became contiguous, as the report does. */
function replay(buffer: ReorderBuffer<string>, seqs: readonly number[]): number[] {
  const out: number[] = [];
  for (const seq of seqs) {
    if (seq === buffer.next) {
      out.push(seq);
      buffer.advance();
    } else buffer.put(seq, `item ${seq}`);
    for (let item = buffer.shift(); item !== undefined; item = buffer.shift())
      out.push(Number(item.slice(5)));
  }
  return out;
}

describe('ReorderBuffer', () => {
  test.each([1, 2, 3])(
    '50,000 seqs in shuffled order (seed %i) come out in order, the ring growing',
    (seed) => {
      const buffer = new ReorderBuffer<string>();
      const seqs = Array.from({ length: 50_000 }, (_, i) => i);
      expect(replay(buffer, shuffled(seqs, seed))).toEqual(seqs);
      expect(buffer.size).toBe(0);
      expect(buffer.next).toBe(50_000);
    },
  );

  test('windows that slide far past the ring size reuse its slots', () => {
    const buffer = new ReorderBuffer<string>(7);
    const seqs: number[] = [];
    // Blocks of 3,000 seqs, each arriving last-first: 3,000 held at a time over 300,000 seqs.
    for (let block = 7; block < 300_007; block += 3_000)
      for (let seq = block + 2_999; seq >= block; seq--) seqs.push(seq);
    expect(replay(buffer, seqs)).toEqual(Array.from({ length: 300_000 }, (_, i) => i + 7));
  });

  test('an item millions of seqs ahead is held aside and still comes out in its turn', () => {
    const buffer = new ReorderBuffer<string>();
    buffer.put(5_000_000, 'far');
    buffer.put(3, 'three');
    expect(buffer.size).toBe(2);
    expect(buffer.has(5_000_000)).toBe(true);
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.takeAll()).toEqual([
      [3, 'three'],
      [5_000_000, 'far'],
    ]);
    expect(buffer.next).toBe(5_000_001);
    expect(buffer.size).toBe(0);

    const walked = new ReorderBuffer<string>();
    walked.put(2_000_000, 'far');
    for (let seq = 0; seq < 2_000_000; seq++) walked.advance();
    expect(walked.shift()).toBe('far');
    expect(walked.next).toBe(2_000_001);
  });

  test('takeAll returns what is held in seq order, gaps and all', () => {
    const buffer = new ReorderBuffer<string>();
    for (const seq of [9, 4, 2_500, 5]) buffer.put(seq, `item ${seq}`);
    expect(buffer.takeAll().map(([seq]) => seq)).toEqual([4, 5, 9, 2_500]);
    expect(buffer.next).toBe(2_501);
    expect(buffer.takeAll()).toEqual([]);
  });

  test('refuses a seq already held or handed out, and advancing past a held one', () => {
    const buffer = new ReorderBuffer<string>();
    buffer.put(1, 'one');
    expect(() => buffer.put(1, 'again')).toThrow(RangeError);
    buffer.advance();
    expect(() => buffer.put(0, 'late')).toThrow(RangeError);
    expect(() => buffer.advance()).toThrow(/held/);
    expect(buffer.shift()).toBe('one');
    expect(() => buffer.put(Number.NaN, 'nan')).toThrow(RangeError);
  });
});
