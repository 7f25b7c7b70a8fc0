/**
 * How rows travel between the stages: in chunks (arrays), one async step per chunk rather than one
 * per row. At a million rows, a row that crossed nine async generators cost nine promises, nine
 * iterator results and nine microtask turns, which was most of the main thread's time and
 * garbage (issue 16). The readers already hand over a chunk per block of text they read; every
 * stage keeps those chunks, in order, and returns new arrays.
 *
 * The stages' row-by-row forms (`mapFields`, `dedupe`, …, exported for pipelines of one's own) are
 * the chunked ones behind {@link perRow}.
 */

/** A stream of rows handed over a chunk at a time, in order. No chunk is empty. */
export type Chunks<T> = AsyncIterable<T[]>;

/** Rows gathered into a chunk by the row-by-row forms of the stages. */
export const ROWS_PER_CHUNK = 500;

/** The items of `items`, gathered into chunks of at most `size` (the last may be smaller). */
export async function* gather<T>(
  items: AsyncIterable<T>,
  size: number = ROWS_PER_CHUNK,
): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The items of every chunk, one by one. */
export async function* flatten<T>(chunks: Chunks<T>): AsyncGenerator<T> {
  for await (const chunk of chunks) yield* chunk;
}

/** A chunked stage as a row-by-row one: rows are gathered into chunks, and the results handed out one by one. */
export function perRow<T, U>(
  stage: (chunks: Chunks<T>) => AsyncIterable<U[]>,
  items: AsyncIterable<T>,
): AsyncGenerator<U> {
  return flatten(stage(gather(items)));
}

/** Each chunk mapped item by item through `step` (synchronous stages). */
export async function* mapChunks<T, U>(chunks: Chunks<T>, step: (item: T) => U): AsyncGenerator<U[]> {
  for await (const chunk of chunks) yield chunk.map(step);
}

/**
 * Chunked, overlapped resolution for the stages that ask the state store about rows: `resolve`
 * starts for each chunk as it comes, and a chunk's answer is awaited only once `ahead` more chunks
 * have been asked for, so the store (a reader thread, a database server) works while the main
 * thread goes on reading and mapping. A chunk goes on as soon as it is resolved and no chunk before
 * it waits: at once when `resolve` returned an array (it had nothing to ask), and when its answer
 * has come by the time the next chunk arrives. Held back until `ahead` chunks were asked for, the
 * rows of a re-run waited in memory long enough to outlive the young generation: on a 1M-row
 * nightly, where nearly every chunk asks about a changed row or two, the rows behind those answers
 * were most of what the main thread promoted. Results come out in order.
 */
export async function* resolveAhead<T, U>(
  chunks: Chunks<T>,
  ahead: number,
  resolve: (chunk: T[]) => Promise<U[]> | U[],
): AsyncGenerator<U[]> {
  const inFlight: Array<Resolving<U[]>> = [];
  try {
    for await (const chunk of chunks) {
      inFlight.push(resolving(resolve(chunk)));
      if (inFlight.length >= ahead) yield await (inFlight.shift() as Resolving<U[]>).answer;
      for (let head = inFlight[0]; head?.value !== undefined; head = inFlight[0]) {
        inFlight.shift();
        yield head.value;
      }
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Resolving<U[]>).answer;
  } finally {
    // Stopped early: the answers still coming must not become unhandled rejections.
    for (const pending of inFlight)
      if (pending.answer instanceof Promise) pending.answer.catch(() => undefined);
  }
}

/** A chunk being resolved: its answer (the value itself when it had nothing to ask), and the value once it has come. */
interface Resolving<U> {
  answer: Promise<U> | U;
  value: U | undefined;
}

function resolving<U>(result: Promise<U> | U): Resolving<U> {
  if (!(result instanceof Promise)) return { answer: result, value: result };
  const entry: Resolving<U> = { answer: result, value: undefined };
  result.then(
    (value) => {
      entry.value = value;
    },
    () => undefined,
  );
  return entry;
}
