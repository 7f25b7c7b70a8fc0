/**
 * The JSON reader: a top-level array of objects, streamed element by element with stream-json
 * (never the whole document in memory). Each element is one row, `ref.line` its 1-based index.
 * - An element that is not an object → a `RECORD_MALFORMED` row with `raw._raw` (its JSON text,
 *   first 200 characters); reading goes on.
 * - A syntax error → the rows before it are emitted, then {@link SourceError} `SOURCE_FORMAT`
 *   naming the record index where it happened.
 * - A top-level value that is not an array → `SOURCE_FORMAT` before any row.
 */

import Parser from 'stream-json/Parser.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';

import {
  excerpt,
  makeMalformedRow,
  makeRow,
  MAX_NESTING_DEPTH,
  nestedDeeperThan,
  type ReaderContext,
  RowBatch,
} from './context.js';
import { SourceError, describeSource } from './errors.js';
import type { SourceRow } from '../types.js';

/** Reads a JSON array into rows, handed over in batches (one per chunk of text), in source order. */
export async function* readJsonArray(
  text: AsyncIterable<string>,
  context: ReaderContext,
): AsyncGenerator<SourceRow[]> {
  const name = describeSource(context.file);
  const elements = new JsonElements(context);
  let checkedStart = false;
  for await (const chunk of text) {
    if (!checkedStart) {
      const start = chunk.search(/\S/);
      if (start === -1) continue;
      checkedStart = true;
      const first = chunk[start] as string;
      if (first !== '[') {
        const found = first === '{' ? 'an object' : `'${first}'`;
        throw new SourceError(
          'SOURCE_FORMAT',
          context.file,
          `${name}: expected a JSON array of records at the top level, found ${found}` +
            (first === '{' ? ' (one object per line is NDJSON: use a .ndjson name or --format ndjson)' : ''),
        );
      }
    }
    elements.write(chunk);
    if (elements.pending) yield elements.take();
    elements.throwIfFailed();
  }
  await elements.end();
  if (elements.pending) yield elements.take();
  elements.throwIfFailed();
}

/** stream-json's tokeniser, each token handed on synchronously as it is made. */
class CapturingParser extends Parser {
  constructor(private readonly onToken: (token: unknown) => void) {
    // Whole values only (no per-character string/number tokens): about three times faster.
    // Strings stay strings: no round trip through Buffer.
    super({ streamValues: false, decodeStrings: false });
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) return super.push(null);
    this.onToken(chunk);
    return true;
  }
}

/** stream-json's array streamer, each element handed on synchronously as it is assembled. */
class CapturingStreamArray extends StreamArray {
  constructor(private readonly onElement: (value: unknown) => void) {
    super();
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) return super.push(null);
    this.onElement((chunk as { value: unknown }).value);
    return true;
  }
}

/**
 * stream-json's parser and array streamer fed synchronously, their output collected per chunk:
 * one async step per chunk instead of two stream hops per token.
 */
class JsonElements {
  private readonly parser: CapturingParser;
  private readonly streamer: CapturingStreamArray;
  private readonly batch = new RowBatch();
  private emitted = 0;
  private failure: unknown;

  constructor(private readonly context: ReaderContext) {
    this.streamer = new CapturingStreamArray((value) => this.onElement(value));
    this.parser = new CapturingParser((token) => {
      if (this.failure === undefined) this.streamer.write(token);
    });
    const fail = (error: unknown): void => {
      this.failure ??= error;
    };
    this.parser.on('error', fail);
    this.streamer.on('error', fail);
  }

  write(chunk: string): void {
    if (this.failure === undefined) this.parser.write(chunk);
  }

  async end(): Promise<void> {
    if (this.failure !== undefined) return;
    await new Promise<void>((resolve) => {
      this.parser.once('error', () => resolve());
      this.parser.end(() => resolve());
    });
    if (this.failure !== undefined) return;
    await new Promise<void>((resolve) => {
      this.streamer.once('error', () => resolve());
      this.streamer.end(() => resolve());
    });
  }

  /** Whether rows are waiting to be taken. */
  get pending(): boolean {
    return this.batch.pending;
  }

  take(): SourceRow[] {
    return this.batch.take();
  }

  throwIfFailed(): void {
    if (this.failure === undefined) return;
    const record = this.emitted + 1;
    const reason = this.failure instanceof Error ? this.failure.message : String(this.failure);
    throw new SourceError(
      'SOURCE_FORMAT',
      this.context.file,
      `${describeSource(this.context.file)}: invalid JSON at record ${record} ` +
        `(after ${this.emitted} complete records): ${reason}`,
      { line: record, cause: this.failure },
    );
  }

  private onElement(value: unknown): void {
    const line = ++this.emitted;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      this.batch.push(makeRow(this.context, line, ownProtoKey(value)));
      return;
    }
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    const text = nestedDeeperThan(value, MAX_NESTING_DEPTH)
      ? `(${kind} nested more than ${MAX_NESTING_DEPTH} levels deep)`
      : excerpt(JSON.stringify(value));
    this.batch.push(
      makeMalformedRow(this.context, line, { _raw: text }, `record is not a JSON object (found ${kind})`),
    );
  }
}

/**
 * stream-json assembles objects by assignment, so a `"__proto__"` key becomes the object's
 * prototype, whose fields would then show through lookups like `raw.mobile`. Make it an own
 * key again, as `JSON.parse` does.
 */
function ownProtoKey(value: object): Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype) return value as Record<string, unknown>;
  const record: Record<string, unknown> = { ...value };
  Object.defineProperty(record, '__proto__', {
    value: prototype,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return record;
}
