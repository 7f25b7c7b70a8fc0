/**
 * Calls a store has started and not yet seen end, so that closing it can wait for them: a batch
 * Sakari acknowledged is recorded whole, not cut off by the connection closing under it.
 */
export class InFlight {
  readonly #tasks = new Set<Promise<unknown>>();

  /** Follows `task` until it settles; returns it. */
  track<T>(task: Promise<T>): Promise<T> {
    this.#tasks.add(task);
    const done = (): void => {
      this.#tasks.delete(task);
    };
    task.then(done, done);
    return task;
  }

  /** Resolves once every task followed so far has settled (fulfilled or not). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#tasks);
  }
}
