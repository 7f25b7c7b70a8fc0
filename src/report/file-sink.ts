import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** Text gathered before it is handed to the stream at once: large enough that one write per row is avoided, small enough to lose little on a crash. */
const COALESCE_BYTES = 64 * 1024;

/**
 * An append-only text file written through a stream. Writes made in one event-loop turn are
 * coalesced into one stream write at the end of the turn (or sooner when large), so every write
 * reaching the file holds whole lines and a crash leaves complete lines behind.
 */
export class FileSink {
  private pending = '';
  private scheduled = false;
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
    this.pending += text;
    if (this.pending.length >= COALESCE_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the gathered text to the stream now. */
  flush(): void {
    if (this.pending === '' || this.failure || this.stream.destroyed) return;
    this.stream.write(this.pending);
    this.pending = '';
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
