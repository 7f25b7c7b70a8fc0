/**
 * The byte side of reading a source, as async generators: hash the stored bytes, gunzip, decode
 * to text. Each holds at most a chunk or two, so memory does not grow with the file.
 */

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';

import {
  BINARY_CHECK_CHARS,
  binaryVerdict,
  decoderLabel,
  guessSingleByte,
  UTF8_CHECK_BYTES,
} from './detect.js';
import { SourceError, describeSource } from './errors.js';
import type { SourceEncoding, SourceInfo } from './types.js';

/** The error of a failed read, as a {@link SourceError} naming the file. */
export function readFailure(error: unknown, file: string): SourceError {
  if (error instanceof SourceError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const name = describeSource(file);
  if (code === 'ENOENT') {
    return new SourceError('SOURCE_NOT_FOUND', file, `Source file not found: ${name}`, { cause: error });
  }
  const reason =
    code === 'EISDIR'
      ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : error instanceof Error
          ? error.message
          : String(error);
  return new SourceError('SOURCE_UNREADABLE', file, `Cannot read source ${name}: ${reason}`, {
    cause: error,
  });
}

/**
 * The bytes of `source` in pieces of at most `size` (views, not copies): a file is read in large
 * reads, each a job for libuv's thread pool whose wake-up costs the main thread more than the
 * read, while the stages work on small pieces so that the rows in flight stay few (see
 * `READ_CHUNK_BYTES`).
 *
 * Between two pieces of one read it lets the event loop turn, as a read of its own would: the
 * answers the pipeline waits for (uploads, the state reader thread) are taken in between. Without
 * that, a 1M-row nightly re-run read 4,000 rows per turn, its uploads stayed in flight longer and
 * the rows waiting behind them took ~30 MB more.
 */
export async function* slices(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (chunk.length <= size) {
      yield chunk;
      continue;
    }
    for (let at = 0; at < chunk.length; at += size) {
      if (at > 0) await nextTurn();
      yield chunk.subarray(at, at + size);
    }
  }
}

/**
 * Passes the stored bytes through while hashing them; calls `onDigest` with the hex SHA-256 once
 * the source has been read to its end. Read errors become `SOURCE_UNREADABLE`.
 */
export async function* hashBytes(
  source: AsyncIterable<Buffer | string>,
  file: string,
  onDigest: (sha256: string) => void,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw readFailure(error, file);
      }
      if (next.done === true) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
      hash.update(chunk);
      yield chunk;
    }
  } finally {
    await iterator.return?.();
  }
  onDigest(hash.digest('hex'));
}

/**
 * An async sequence of chunks that can be looked into before it is consumed: {@link peek} reads
 * ahead and keeps what it read, iteration then yields the kept chunks first.
 */
export class PeekableChunks implements AsyncIterable<Buffer> {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /**
   * Reads ahead until `enough` holds for the bytes kept so far, at least `minBytes` are kept, or
   * the source ended; returns the kept bytes (a copy).
   */
  async peek(minBytes: number, enough: (head: Buffer) => boolean = () => true): Promise<Buffer> {
    let head = Buffer.concat(this.kept);
    while (!this.ended && (this.keptBytes < minBytes || !enough(head))) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        break;
      }
      this.kept.push(next.value);
      this.keptBytes += next.value.length;
      head = Buffer.concat(this.kept);
    }
    return head;
  }

  /** Stops the underlying source (closes the file) without reading on. */
  async close(): Promise<void> {
    this.ended = true;
    this.kept.length = 0;
    await this.iterator.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      while (this.kept.length > 0) yield this.kept.shift() as Buffer;
      if (this.ended) return;
      for (;;) {
        const next = await this.iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await this.iterator.return?.();
    }
  }
}

/** Gunzips a byte sequence (several gzip members are read in turn). Bad data → `SOURCE_FORMAT`. */
export async function* gunzipBytes(source: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  const inflater = createGunzip();
  let sourceError: unknown;
  const feeding = pipeline(Readable.from(source, { objectMode: false }), inflater).catch((error: unknown) => {
    sourceError ??= error;
  });
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    const cause = sourceError instanceof SourceError ? sourceError : error;
    if (cause instanceof SourceError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SourceError(
      'SOURCE_FORMAT',
      file,
      `${describeSource(file)} is not valid gzip data: ${reason}`,
      {
        cause,
      },
    );
  } finally {
    inflater.destroy();
    await feeding;
  }
  if (sourceError instanceof SourceError) throw sourceError;
}

/**
 * Decodes bytes to text. A byte order mark matching `encoding` is dropped; bytes invalid in the
 * encoding become U+FFFD (counted in `info.replacementChars`; in UTF-8, not the U+FFFD characters
 * the source itself holds, see {@link LiteralReplacements}) rather than an error. Refuses
 * binary data (see {@link binaryVerdict}: a few NULs in a text file are the readers' business)
 * and a source with no non-blank character.
 *
 * With `guess` (no encoding was given), UTF-8 is checked on the first {@link UTF8_CHECK_BYTES}
 * before any text is handed on: bytes that are not UTF-8 are read in the single-byte encoding
 * they look like ({@link guessSingleByte}; `info.encoding` and `info.encodingGuessed` say which).
 */
export async function* decodeText(
  source: AsyncIterable<Buffer>,
  encoding: SourceEncoding,
  file: string,
  info: SourceInfo,
  guess = false,
): AsyncGenerator<string> {
  if (guess && encoding === 'utf8') source = await guessedEncoding(source, info);
  const decoder = new TextDecoder(decoderLabel(info.encoding), { fatal: false });
  const literal = info.encoding === 'utf8' ? new LiteralReplacements() : undefined;
  info.replacementChars = 0;
  let head = '';
  let checked = false;
  let sawContent = false;
  const accept = (text: string): string => {
    if (!sawContent && /\S/.test(text)) sawContent = true;
    return text;
  };
  for await (const chunk of source) {
    const text = decoder.decode(chunk, { stream: true });
    // Counted as decoded: a U+FFFD is told from the file's own by the bytes it was decoded from.
    const replacements = countReplacementChars(text);
    if (replacements > 0) {
      info.replacementChars = (info.replacementChars ?? 0) + replacements - (literal?.in(chunk) ?? 0);
    }
    literal?.passed(chunk);
    if (text.length === 0) continue;
    if (checked) {
      yield accept(text);
      continue;
    }
    head += text;
    if (head.length < BINARY_CHECK_CHARS) continue;
    checkText(head, file);
    checked = true;
    yield accept(head);
    head = '';
  }
  const rest = decoder.decode();
  // What is left at the end is an incomplete sequence: never one the source held whole.
  info.replacementChars = (info.replacementChars ?? 0) + countReplacementChars(rest);
  const tail = head + rest;
  if (!checked) checkText(tail, file);
  if (tail.length > 0) yield accept(tail);
  if (!sawContent) throw new SourceError('SOURCE_EMPTY', file, `${describeSource(file)} is empty`);
}

/**
 * Sets `info.encoding` to what the first {@link UTF8_CHECK_BYTES} of `source` look like (UTF-8
 * unless {@link guessSingleByte} says otherwise), and returns `source` whole: those bytes, held
 * until decided, then the rest.
 */
async function guessedEncoding(
  source: AsyncIterable<Buffer>,
  info: SourceInfo,
): Promise<AsyncIterable<Buffer>> {
  const iterator = source[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  try {
    while (bytes < UTF8_CHECK_BYTES) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      held.push(next.value);
      bytes += next.value.length;
    }
  } catch (error) {
    // A read error is the reader's to report, after the bytes before it.
    return (async function* () {
      yield* held;
      throw error;
    })();
  }
  const guessed = guessSingleByte(Buffer.concat(held), ended);
  if (guessed !== undefined) {
    info.encoding = guessed;
    info.encodingGuessed = true;
  }
  return (async function* () {
    try {
      yield* held.splice(0);
      while (!ended) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  })();
}

function checkText(head: string, file: string): void {
  if (binaryVerdict(head) === 'text') return;
  throw new SourceError(
    'SOURCE_FORMAT',
    file,
    `${describeSource(file)} looks binary (NUL bytes among mostly control or undecodable characters in the ` +
      `first ${BINARY_CHECK_CHARS}); expected CSV, JSON, NDJSON or vCard text`,
  );
}

function countReplacementChars(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) count++;
  return count;
}

/** U+FFFD in UTF-8: the bytes a file holds where an earlier conversion lost a character. */
const UTF8_REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Counts the U+FFFD characters a UTF-8 source holds literally (bytes EF BF BD, left by an earlier
 * damaged conversion), so that only the decoder's own replacements count as bytes not valid
 * UTF-8: advising `--encoding windows-1252` for a file that is valid UTF-8 would garble every
 * correct non-ASCII name in it. Only chunks whose text holds a U+FFFD are searched; the last two
 * bytes of the chunks before are kept, for a sequence split between chunks.
 */
class LiteralReplacements {
  /** The last two bytes passed, oldest first (-1: none). */
  private before = -1;
  private last = -1;

  /** The sequences that end in `chunk`: each is one U+FFFD of the text decoded from it. */
  in(chunk: Buffer): number {
    let count = 0;
    if (this.last === 0xef && chunk[0] === 0xbf && chunk[1] === 0xbd) count++;
    if (this.before === 0xef && this.last === 0xbf && chunk[0] === 0xbd) count++;
    for (let at = chunk.indexOf(UTF8_REPLACEMENT); at !== -1; at = chunk.indexOf(UTF8_REPLACEMENT, at + 3))
      count++;
    return count;
  }

  /** Keeps the end of `chunk`, which the next chunk may continue. */
  passed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.before = chunk.length >= 2 ? (chunk[chunk.length - 2] as number) : this.last;
    this.last = chunk[chunk.length - 1] as number;
  }
}
