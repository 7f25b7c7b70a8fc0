import { describe, expect, test } from 'vitest';

import { flatten, gather, mapChunks, perRow, resolveAhead } from '../src/chunks.js';
import { openSource } from '../src/read/index.js';
import { collect } from './helpers.js';
import { useTempDir } from './read/helpers.js';

const tmp = useTempDir();

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('chunks', () => {
  test('gather cuts at the size, keeps the rest as a last smaller chunk, and flatten undoes it', async () => {
    const chunks = await collect(gather(count(7), 3));
    expect(chunks).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(await collect(gather(count(0), 3))).toEqual([]);
    expect(await collect(flatten(gather(count(1234), 500)))).toEqual(
      Array.from({ length: 1234 }, (_, i) => i),
    );
  });

  test('perRow runs a chunked stage row by row, in order', async () => {
    const doubled = perRow((chunks) => mapChunks(chunks, (n: number) => n * 2), count(1001));
    expect(await collect(doubled)).toEqual(Array.from({ length: 1001 }, (_, i) => i * 2));
  });

  test('resolveAhead keeps order when answers come back out of order, with at most `ahead` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const resolve = async (chunk: number[]): Promise<number[]> => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Earlier chunks answer later.
      await new Promise((done) => setTimeout(done, 20 - (chunk[0] as number) / 10));
      inFlight--;
      return chunk.map((n) => -n);
    };
    const out = await collect(flatten(resolveAhead(gather(count(100), 10), 3, resolve)));
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => -i));
    expect(most).toBe(3);
  });

  test('a consumer that stops early leaves no unhandled rejection behind', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on('unhandledRejection', onRejection);
    try {
      const resolve = async (chunk: number[]): Promise<number[]> => {
        if ((chunk[0] as number) > 0) throw new Error(`chunk ${chunk[0]} failed`);
        return chunk;
      };
      for await (const chunk of resolveAhead(gather(count(40), 10), 4, resolve)) {
        expect(chunk).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        break;
      }
      await new Promise((done) => setTimeout(done, 20));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  test("a source's chunks hold the same rows, at the same lines, as its rows", async () => {
    const lines = [
      'name,phone',
      ...Array.from({ length: 3000 }, (_, i) => `Person ${i},+44 7400 ${String(100000 + i)}`),
    ];
    const file = await tmp.write('people.csv', `${lines.join('\n')}\n`);
    const byRow = await collect((await openSource(file)).rows);
    const chunks = await collect((await openSource(file)).chunks);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.length > 0)).toBe(true);
    expect(chunks.flat()).toEqual(byRow);
    expect(byRow.map((row) => row.ref.line)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2));
  });
});
