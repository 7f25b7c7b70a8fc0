import { describe, expect, test } from 'vitest';

import { flatten, gather, mapChunks, perRow, resolveAhead } from '../src/chunks.js';
import { openSource } from '../src/read/index.js';
import { collect } from './helpers.js';
import { useTempDir } from './read/helpers.js';

const tmp = useTempDir();

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** A promise settled only once `open` is called (a source with nothing more to read for now). */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
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

  test('resolveAhead hands on a chunk resolved at once as soon as no chunk before it waits', async () => {
    const { opened: more, open: release } = gate();
    async function* source(): AsyncGenerator<number[]> {
      yield [0, 1];
      yield [2, 3];
      await more; // nothing more to read for now
      yield [4, 5];
      yield [6, 7];
    }
    let asked = 0;
    // The chunk at 4 asks the store; the others have nothing to ask (an array at once).
    const resolve = (chunk: number[]): number[] | Promise<number[]> => {
      if (chunk[0] !== 4) return chunk.map((n) => -n);
      asked++;
      return new Promise((done) => setTimeout(() => done(chunk.map((n) => -n)), 5));
    };
    const out = resolveAhead(source(), 4, resolve);
    // Far fewer than 4 chunks came, yet the first two come out while the source waits.
    expect((await out.next()).value).toEqual([-0, -1]);
    expect((await out.next()).value).toEqual([-2, -3]);
    release();
    expect(await collect(out)).toEqual([
      [-4, -5],
      [-6, -7],
    ]);
    expect(asked).toBe(1);
  });

  test('resolveAhead hands on a chunk whose answer has come once the next chunk arrives, fewer than `ahead` in flight', async () => {
    const { opened: more, open: release } = gate();
    async function* source(): AsyncGenerator<number[]> {
      yield [0, 1];
      // Read on for a while: the store answers about the first chunk meanwhile.
      await new Promise((done) => setTimeout(done, 30));
      yield [2, 3];
      await more; // nothing more to read for now
      yield [4, 5];
    }
    // Every chunk asks the store, which answers within a few milliseconds.
    const resolve = (chunk: number[]): Promise<number[]> =>
      new Promise((done) => setTimeout(() => done(chunk.map((n) => -n)), 2));
    const out = resolveAhead(source(), 4, resolve);
    const timeout = new Promise((done) => setTimeout(() => done('still held'), 1_000));
    // Only two chunks came, yet the first, answered, goes on while the source waits.
    expect(await Promise.race([out.next().then((next) => next.value), timeout])).toEqual([-0, -1]);
    release();
    expect(await collect(out)).toEqual([
      [-2, -3],
      [-4, -5],
    ]);
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
