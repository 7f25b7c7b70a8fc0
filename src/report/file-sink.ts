import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { blockFor } from './byte-queue.js';

/**
 * Bytes gathered before they are handed to the stream at once: large enough that few writes are
 * made, small enough to lose little on a crash. Each stream write is a job for libuv's thread
 * pool, and waking a pool thread costs the main thread far more than the write itself when every
 * core is busy: a 1M-row re-run made 6,100 writes (most well under 64 KiB, one per event-loop
 * turn) and spent 0.74 s of its main thread in them.
 */
const COALESCE_BYTES = 256 * 1024;
/** How long gathered text may wait for more before it is written anyway. */
const FLUSH_DELAY_MS = 20;

/**
 * An append-only text file written through a stream. Writes are coalesced into one stream write
 * of {@link COALESCE_BYTES}, or of what gathered in {@link FLUSH_DELAY_MS}, so every write
 * reaching the file holds whole lines and a crash leaves complete lines behind.
 *
 * Text is encoded into a block of bytes as it is written, line by line. Gathered as a string and
 * encoded in pieces, every line was appended to a rope that had to be flattened (copied) before
 * it could be encoded, and each piece's bytes were a buffer of their own: on an unchanged 1M-row
 * re-run, a tenth of everything the main thread allocated.
 */
export class FileSink {
  /**
   * The block text is encoded into (see `ByteQueue`'s); its bytes before `blockFill` are written
   * or gathered.
   */
  private block: Buffer | undefined;
  /** Where the block's bytes not yet gathered into {@link pieces} start. */
  private blockStart = 0;
  private blockFill = 0;
  /** Bytes gathered for the next stream write. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  /** Creates the file (it must not exist) with the given mode and waits until it is open. */
  static async create(path: string, mode: number): Promise<FileSink> {
    const stream = createWriteStream(path, { flags: 'wx', mode, encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.once('open', () => {
        stream.off('error', reject);
        resolve();
      });
    });
    return new FileSink(path, stream);
  }

  /** The first write error, if any (surfaced again by {@link close}). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Appends text (whole lines). */
  write(text: string): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    const block = blockFor(this.block, this.blockFill, text);
    if (block !== this.block) {
      this.gather();
      // The bytes gathered keep the old block alive until the stream has written them; it is
      // never written again.
      this.block = block;
      this.blockStart = this.blockFill = 0;
    }
    this.blockFill += block.write(text, this.blockFill);
    this.gathered();
  }

  /**
   * Appends bytes (UTF-8, whole lines) after the text written before them. They are written as
   * they are, later: the caller must not change them.
   */
  writeBytes(bytes: Buffer): void {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    this.gather();
    this.pieces.push(bytes);
    this.piecesBytes += bytes.length;
    this.gathered();
  }

  /** Writes what gathered once it is large enough, else soon. */
  private gathered(): void {
    if (this.piecesBytes + this.blockFill - this.blockStart >= COALESCE_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Hands the gathered text to the stream now, in one write. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.gather();
    const { stream, pieces } = this;
    if (pieces.length === 0) return;
    this.pieces = [];
    this.piecesBytes = 0;
    // After a write error nothing more reaches the file (close() reports the error).
    if (this.failure || stream.destroyed) return;
    if (pieces.length === 1) stream.write(pieces[0]);
    else {
      // Corked, the pieces go to the file in one vectored write.
      stream.cork();
      for (const piece of pieces) stream.write(piece);
      stream.uncork();
    }
  }

  /** Adds the block's bytes written since the last call to the pieces of the next stream write. */
  private gather(): void {
    const { block, blockStart, blockFill } = this;
    if (block === undefined || blockFill === blockStart) return;
    this.pieces.push(block.subarray(blockStart, blockFill));
    this.piecesBytes += blockFill - blockStart;
    this.blockStart = blockFill;
  }

  /** True while the stream holds more than its high-water mark. */
  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  /** Resolves once the stream's buffer has drained (at once if it need not). */
  async drain(): Promise<void> {
    if (!this.stream.writableNeedDrain || this.failure) return;
    const { stream } = this;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  }

  /** Flushes, ends and closes the file. Throws the first write error, if there was one. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (!this.stream.destroyed) {
      const closed = once(this.stream, 'close').catch(() => undefined);
      this.stream.end();
      await closed;
    }
    if (this.failure) throw this.failure;
  }
}
