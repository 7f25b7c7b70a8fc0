/** Starting size of the ring (a power of two). */
const INITIAL_SLOTS = 1 << 10;
/**
 * The ring grows to hold items at most this far ahead of the next seq (8 MB of slots); an item
 * further ahead (a gap no run makes, but a caller could) is kept in a map instead.
 */
const MAX_SLOTS = 1 << 20;

/**
 * Items keyed by sequence number, handed out in order from a starting seq: the reorder buffer
 * behind rows.csv, where outcomes finish out of order (batches in flight) and are written in
 * source order. A ring of slots indexed by seq: on a nightly re-run nearly every row waits
 * behind an upload for a while, and a `Map` spent ~0.8 s of a 1M-row run's main thread hashing,
 * rehashing and deleting their seqs.
 */
export class ReorderBuffer<T> {
  #slots: Array<T | undefined> = emptySlots(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  #next: number;
  /** Items held in the ring. */
  #held = 0;
  /** Items too far ahead for the ring (see {@link MAX_SLOTS}), by seq. */
  readonly #far = new Map<number, T>();

  /** @param next the first seq to hand out */
  constructor(next = 0) {
    this.#next = next;
  }

  /** The seq {@link shift} hands out next. */
  get next(): number {
    return this.#next;
  }

  /** Items held. */
  get size(): number {
    return this.#held + this.#far.size;
  }

  /** Whether an item is held for `seq`. */
  has(seq: number): boolean {
    const ahead = seq - this.#next;
    if (ahead < 0) return false;
    if (ahead < this.#slots.length && this.#slots[seq & this.#mask] !== undefined) return true;
    return this.#far.size > 0 && this.#far.has(seq);
  }

  /**
   * Holds `item` for `seq`.
   * @throws RangeError for a seq already handed out or held, or not a safe integer.
   */
  put(seq: number, item: T): void {
    if (!Number.isSafeInteger(seq) || seq < this.#next || this.has(seq))
      throw new RangeError(`seq ${seq}: already taken or held (next is ${this.#next})`);
    const ahead = seq - this.#next;
    if (ahead >= this.#slots.length) {
      if (ahead >= MAX_SLOTS) {
        this.#far.set(seq, item);
        return;
      }
      this.#grow(ahead + 1);
    }
    this.#slots[seq & this.#mask] = item;
    this.#held++;
  }

  /** Takes the item for {@link next} and moves on to the seq after it; `undefined` (staying) when it has not come. */
  shift(): T | undefined {
    const seq = this.#next;
    const index = seq & this.#mask;
    let item = this.#slots[index];
    if (item !== undefined) {
      this.#slots[index] = undefined;
      this.#held--;
    } else if (this.#far.size > 0) {
      item = this.#far.get(seq);
      this.#far.delete(seq);
    }
    if (item !== undefined) this.#next = seq + 1;
    return item;
  }

  /**
   * Moves on past {@link next}, whose item was handled without being held.
   * @throws Error when an item is held for it (take it with {@link shift}).
   */
  advance(): void {
    if (this.has(this.#next)) throw new Error(`seq ${this.#next} is held: shift it instead`);
    this.#next++;
  }

  /** Takes every item held, in seq order, leaving the buffer empty; {@link next} moves past the last. */
  takeAll(): Array<[number, T]> {
    const all: Array<[number, T]> = [];
    for (let seq = this.#next; this.#held > 0 && seq < this.#next + this.#slots.length; seq++) {
      const index = seq & this.#mask;
      const item = this.#slots[index];
      if (item === undefined) continue;
      all.push([seq, item]);
      this.#slots[index] = undefined;
      this.#held--;
    }
    for (const entry of this.#far) all.push(entry);
    this.#far.clear();
    all.sort((a, b) => a[0] - b[0]);
    const last = all.at(-1);
    if (last) this.#next = last[0] + 1;
    return all;
  }

  #grow(needed: number): void {
    let length = this.#slots.length * 2;
    while (length < needed) length *= 2;
    const slots = emptySlots<T>(length);
    const mask = length - 1;
    for (let seq = this.#next; seq < this.#next + this.#slots.length; seq++) {
      const item = this.#slots[seq & this.#mask];
      if (item !== undefined) slots[seq & mask] = item;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/**
 * `length` empty slots in an array V8 keeps in fast (packed) mode: `new Array(n)` of more than
 * ~100,000 elements starts out as a dictionary.
 */
function emptySlots<T>(length: number): Array<T | undefined> {
  const slots: Array<T | undefined> = [];
  for (let index = 0; index < length; index++) slots.push(undefined);
  return slots;
}
