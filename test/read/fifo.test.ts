import { describe, expect, test } from 'vitest';
import { Fifo } from '../../src/read/fifo.js';

describe('Fifo', () => {
  test('items come out in order; taken ones are dropped in bulk even when it never runs empty', () => {
    const fifo = new Fifo<number>();
    let next = 0;
    let taken = 0;
    for (let round = 0; round < 500; round++) {
      for (let i = 0; i < 30; i++) fifo.push(next++);
      // All but one taken each round: the queue never runs empty.
      while (fifo.size > 1) expect(fifo.shift()).toBe(taken++);
      expect(fifo.held).toBeLessThan(2_100);
    }
    expect(fifo.peek()).toBe(taken);
    expect(fifo.shift()).toBe(taken);
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.size).toBe(0);
  });

  test('since(a position) gives the items pushed after it that are still waiting, across drops', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 3_000; i++) fifo.push(i);
    for (let i = 0; i < 2_500; i++) fifo.shift();
    const from = fifo.pushed;
    expect(from).toBe(3_000);
    fifo.push(3_000);
    fifo.push(3_001);
    expect(fifo.since(from)).toEqual([3_000, 3_001]);
    // Items taken since are left out.
    while (fifo.peek() !== 3_001) fifo.shift();
    expect(fifo.since(from)).toEqual([3_001]);
    expect(fifo.since(0)).toEqual([3_001]);
  });
});
