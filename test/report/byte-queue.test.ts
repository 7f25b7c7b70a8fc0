import { describe, expect, test } from 'vitest';

import { ByteQueue } from '../../src/report/byte-queue.js';

/** A deterministic pseudo-random sequence (xorshift32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const PIECES = ['line', 'é', '€', '😀', ',', '"', '\n', 'x'.repeat(1_000)];

function text(next: () => number): string {
  const roll = next();
  // Now and then a text longer than a block (256 KiB), and empty ones.
  if (roll < 0.002) return 'long '.repeat(70_000);
  if (roll < 0.01) return '';
  let out = '';
  const parts = 1 + Math.floor(next() * 12);
  for (let part = 0; part < parts; part++) out += PIECES[Math.floor(next() * PIECES.length)];
  return out;
}

describe('ByteQueue', () => {
  test.each([1, 2, 3])(
    'hands out the UTF-8 bytes of the texts taken, in order, across blocks (seed %i)',
    (seed) => {
      const next = random(seed);
      const queue = new ByteQueue();
      const pushed: string[] = [];
      let taken = 0;
      const handed: Buffer[] = [];
      const write = (bytes: Buffer): void => {
        handed.push(bytes);
      };
      for (let step = 0; step < 20_000; step++) {
        const roll = next();
        if (roll < 0.5 || queue.size === 0) {
          const piece = text(next);
          pushed.push(piece);
          queue.push(piece);
        } else if (roll < 0.95) {
          queue.take(write);
          taken++;
        } else queue.hand(write);
      }
      while (queue.size > 0) {
        queue.take(write);
        taken++;
      }
      queue.hand(write);
      expect(taken).toBe(pushed.length);
      // Bytes handed out long ago are still what they were: blocks are never written again.
      expect(Buffer.concat(handed).toString('utf8')).toBe(pushed.join(''));
      expect(handed.length).toBeLessThan(pushed.length);
    },
  );

  test('the texts taken one after another in a block come out as one range', () => {
    const queue = new ByteQueue();
    for (const line of ['a,1\n', 'b,2\n', 'c,3\n']) queue.push(line);
    const handed: string[] = [];
    const write = (bytes: Buffer): void => {
      handed.push(bytes.toString('utf8'));
    };
    queue.take(write);
    queue.take(write);
    expect(handed).toEqual([]);
    queue.hand(write);
    queue.hand(write);
    queue.take(write);
    queue.hand(write);
    expect(handed).toEqual(['a,1\nb,2\n', 'c,3\n']);
  });

  test('take with nothing queued is a bug, said so', () => {
    const queue = new ByteQueue();
    expect(() => queue.take(() => undefined)).toThrow(/nothing queued/);
  });
});
