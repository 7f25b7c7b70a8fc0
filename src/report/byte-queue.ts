/** Size of a block of text encoded as it comes; a longer text gets a block of its own. */
const BLOCK_BYTES = 256 * 1024;
/** Starting number of entries the queue can hold (a power of two); it doubles when full. */
const INITIAL_ENTRIES = 1 << 10;
/** The most bytes one UTF-16 code unit can take in UTF-8. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/**
 * The block to encode `text` into after `fill` bytes of `block` (absent: none yet): `block` itself
 * when it has room, else a new one (here and in `FileSink`: text encoded into blocks as it comes).
 */
export function blockFor(block: Buffer | undefined, fill: number, text: string): Buffer {
  const most = text.length * MAX_UTF8_BYTES_PER_UNIT;
  if (block !== undefined && fill + most <= block.length) return block;
  return Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, most));
}

/**
 * Texts waiting to be written, in order, kept as UTF-8 bytes outside the JavaScript heap: the
 * lines the report holds back until the rows before them are in (see `RunReport`). On a nightly
 * re-run nearly every row waits behind a batch in flight, long enough to outlive V8's young
 * generation: held as strings, a 1M-row run promoted ~120 MB of rows.csv lines (and the source
 * values of its rejected rows) to the old generation, and collected them there.
 *
 * Texts are encoded into blocks as they come ({@link push}) and taken in the same order
 * ({@link take}); the bytes of the texts taken one after another in a block are handed out as one
 * range ({@link hand}). A block is never written again once its bytes are handed out, so a
 * range may be kept (a file's write queue) while the queue goes on.
 */
export class ByteQueue {
  /** The blocks not yet wholly handed out; the last is being filled. */
  #blocks: Buffer[] = [];
  /** Number of `#blocks[0]` (blocks are numbered in the order they were made). */
  #firstBlock = 0;
  /** Bytes used in the last block. */
  #fill = 0;

  // The entries, a ring indexed by entry number & #mask: block number, start and length.
  #entryBlock = new Int32Array(INITIAL_ENTRIES);
  #entryStart = new Int32Array(INITIAL_ENTRIES);
  #entryLength = new Int32Array(INITIAL_ENTRIES);
  #mask = INITIAL_ENTRIES - 1;
  /** Number of the oldest entry not taken. */
  #head = 0;
  /** Number the next entry gets. */
  #tail = 0;

  /** Taken and not yet handed out: a range of one block (`#rangeBlock` -1: none). */
  #rangeBlock = -1;
  #rangeStart = 0;
  #rangeEnd = 0;

  /** Texts pushed and not yet taken. */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** Queues `text` after the texts pushed before it. */
  push(text: string): void {
    const last = this.#blocks.at(-1);
    const block = blockFor(last, this.#fill, text);
    if (block !== last) {
      this.#blocks.push(block);
      this.#fill = 0;
    }
    if (this.#tail - this.#head > this.#mask) this.#grow();
    const entry = this.#tail++ & this.#mask;
    this.#entryBlock[entry] = this.#firstBlock + this.#blocks.length - 1;
    this.#entryStart[entry] = this.#fill;
    const length = block.write(text, this.#fill);
    this.#entryLength[entry] = length;
    this.#fill += length;
  }

  /**
   * Takes the oldest text: its bytes join the range {@link hand} gives out next. A text in
   * another block than the range first hands the range to `write`.
   * @throws Error when nothing is queued.
   */
  take(write: (bytes: Buffer) => void): void {
    if (this.#head === this.#tail) throw new Error('ByteQueue: take() with nothing queued');
    const entry = this.#head++ & this.#mask;
    const block = this.#entryBlock[entry] as number;
    const start = this.#entryStart[entry] as number;
    const end = start + (this.#entryLength[entry] as number);
    if (block === this.#rangeBlock && start === this.#rangeEnd) {
      this.#rangeEnd = end;
      return;
    }
    this.hand(write);
    // Blocks before this one are wholly handed out.
    while (this.#firstBlock < block) {
      this.#blocks.shift();
      this.#firstBlock++;
    }
    this.#rangeBlock = block;
    this.#rangeStart = start;
    this.#rangeEnd = end;
  }

  /** Hands the bytes of the texts taken since the last call to `write`, if any (one range). */
  hand(write: (bytes: Buffer) => void): void {
    if (this.#rangeBlock < 0) return;
    const block = this.#blocks[this.#rangeBlock - this.#firstBlock] as Buffer;
    const bytes = block.subarray(this.#rangeStart, this.#rangeEnd);
    this.#rangeBlock = -1;
    if (bytes.length > 0) write(bytes);
  }

  #grow(): void {
    const length = this.#entryBlock.length * 2;
    const mask = length - 1;
    const block = new Int32Array(length);
    const start = new Int32Array(length);
    const size = new Int32Array(length);
    for (let number = this.#head; number < this.#tail; number++) {
      const from = number & this.#mask;
      const to = number & mask;
      block[to] = this.#entryBlock[from] as number;
      start[to] = this.#entryStart[from] as number;
      size[to] = this.#entryLength[from] as number;
    }
    this.#entryBlock = block;
    this.#entryStart = start;
    this.#entryLength = size;
    this.#mask = mask;
  }
}
