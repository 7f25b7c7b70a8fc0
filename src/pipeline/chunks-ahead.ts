/**
 * Chunked, overlapped resolution for the stages that ask the state store about rows: a chunk's
 * answer is awaited only once `ahead` more chunks have been asked for, so the store (a reader
 * thread, a database server) works while the main thread goes on reading and mapping.
 */

/**
 * Groups `items` into chunks of `size`, starts `resolve` for each, and yields each chunk's
 * results in order, keeping at most `ahead` chunks in flight. `pass` items (when given) skip the
 * chunks and are yielded at once.
 */
export async function* resolveAhead<T, U>(
  items: AsyncIterable<T>,
  options: {
    size: number;
    ahead: number;
    resolve: (chunk: T[]) => Promise<Iterable<U>>;
    pass?: (item: T) => U | undefined;
  },
): AsyncGenerator<U> {
  const inFlight: Array<Promise<Iterable<U>>> = [];
  let chunk: T[] = [];
  try {
    for await (const item of items) {
      const passed = options.pass?.(item);
      if (passed !== undefined) {
        yield passed;
        continue;
      }
      chunk.push(item);
      if (chunk.length < options.size) continue;
      inFlight.push(options.resolve(chunk));
      chunk = [];
      if (inFlight.length >= options.ahead) yield* await (inFlight.shift() as Promise<Iterable<U>>);
    }
    if (chunk.length > 0) inFlight.push(options.resolve(chunk));
    while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<Iterable<U>>);
  } finally {
    // Stopped early: the answers still coming must not become unhandled rejections.
    for (const pending of inFlight) pending.catch(() => undefined);
  }
}
