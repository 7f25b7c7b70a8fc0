/**
 * A first-in, first-out queue over an array: taking from the front is O(1) (amortised), and the
 * items taken are dropped from the array in bulk, so a queue that never runs empty (csv-parse may
 * keep a record back until the next write) still holds only about as many items as wait in it.
 */

/** Items taken before they are dropped from the front of the array. */
const COMPACT_AT = 1024;

export class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  /** Items dropped from the array's front so far. */
  private dropped = 0;

  push(item: T): void {
    this.items.push(item);
  }

  /** The next item without taking it, if any. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Takes the next item, if any. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++] as T;
    if (this.head === this.items.length) {
      this.dropped += this.items.length;
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.items.length) {
      this.dropped += this.head;
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  /** Items pushed so far, taken ones included: a position for {@link since}. */
  get pushed(): number {
    return this.dropped + this.items.length;
  }

  /** Items waiting to be taken. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Items the array holds, taken ones not yet dropped included (bounded: see the class). */
  get held(): number {
    return this.items.length;
  }

  /** The items pushed since {@link pushed} was `from` and not taken yet, in order. */
  since(from: number): T[] {
    return this.items.slice(Math.max(from - this.dropped, this.head));
  }
}
