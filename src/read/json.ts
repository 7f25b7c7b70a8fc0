/**
 * The JSON reader: an array of records, streamed element by element with stream-json (never the
 * whole document in memory). Each element is one row, `ref.line` its 1-based index in the array,
 * its fields read by {@link flattenRecord} (API wrappers, nested objects, arrays of phones).
 * - The array is the top-level value, or sits in a top-level object, as API responses hold their
 *   records (HubSpot `{results: […], paging}`, Klaviyo `{data: […], links}`, Shopify
 *   `{customers: […]}`): the first key whose value is an array of objects is read, and
 *   `info.recordsKey` names it; the other keys (paging, links, counts) are skipped as they
 *   stream by. An array of a record's own field values (`[{label, value}]` phones, `[{tag}]`)
 *   is not taken for the records. Until one is found, the object of a key named like records
 *   ({@link RECORDS_PARENT_KEYS}: Telegram Desktop's `contacts: {about, list: […]}`) is looked
 *   into the same way, one level deep, and `info.recordsKey` is the path (`contacts.list`);
 *   other objects (`personal_information`, `frequent_contacts`, `chats`) are skipped.
 * - An element that is not an object → a `RECORD_MALFORMED` row with `raw._raw` (its JSON text,
 *   first 200 characters); reading goes on.
 * - A syntax error → the rows before it are emitted, then {@link SourceError} `SOURCE_FORMAT`
 *   naming the line and column, what is wrong (`a trailing comma before ]`, `the file ends before
 *   the JSON is complete (cut off?)`, `unexpected character 'x'`: see `json-syntax.ts`) and the
 *   record index where it happened; a second top-level value says the file is NDJSON.
 * - A top-level object without an array of records (its keys named; the hint to put a single
 *   contact inside `[ ]` only when one of its keys holds a contact field), or a top-level value
 *   that is neither an array nor an object → `SOURCE_FORMAT` before any row. An object whose only
 *   arrays are empty (`{"results": []}`) is a source with no records.
 */

import Assembler from 'stream-json/Assembler.js';

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
import { flattenRecord, isLabelledValue } from './json-records.js';
import { LocatingParser, type TextPlace } from './json-syntax.js';
import { classifyHeader } from '../pipeline/header-roles.js';
import type { SourceRow } from '../types.js';

/** Reads a JSON array of records into rows, handed over in batches (one per chunk of text), in source order. */
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
      if (first !== '[' && first !== '{') {
        throw new SourceError(
          'SOURCE_FORMAT',
          context.file,
          `${name}: expected a JSON array of records, or an object holding one, at the top level; ` +
            `found '${first}'`,
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
  elements.checkFoundRecords();
}

/** A token of stream-json's parser (`startObject`, `keyValue`, `stringValue`…). */
interface Token {
  name: string;
  value?: string;
}

/** stream-json's tokeniser, each token handed on synchronously as it is made. */
class CapturingParser extends LocatingParser {
  constructor(
    sourceNoun: 'file' | 'input',
    private readonly onToken: (token: Token) => void,
  ) {
    // Whole values only (no per-character string/number tokens): about three times faster.
    // Strings stay strings: no round trip through Buffer.
    super({ streamValues: false, decodeStrings: false }, sourceNoun);
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) return super.push(null);
    this.onToken(chunk as Token);
    return true;
  }
}

/** Where in the document the tokens are. */
type Place =
  /** Before the top-level value. */
  | 'start'
  /** Inside the array of records (the top-level one, or a key's). */
  | 'records'
  /** Inside the top-level object, or the object of one of its keys, between its keys. */
  | 'keys'
  /** Inside a key's array, deciding from its first element whether it holds the records. */
  | 'probing'
  /** Inside the value of a key that does not hold the records. */
  | 'skipping'
  /** After the top-level value. */
  | 'end';

/** How a key's value is named in messages. */
const KIND_OF_TOKEN: Record<string, string> = {
  startObject: 'an object',
  startArray: 'an array',
  stringValue: 'a text',
  numberValue: 'a number',
  trueValue: 'true',
  falseValue: 'false',
  nullValue: 'null',
};

/**
 * The keys of a top-level object whose object is looked into for the array of records (lower
 * case): names an export or an API gives its contacts, or the records of a response.
 */
// prettier-ignore
const RECORDS_PARENT_KEYS: ReadonlySet<string> = new Set([
  'contacts', 'list', 'records', 'data', 'items', 'results', 'result', 'response', 'users', 'customers',
  'people', 'persons', 'members', 'subscribers', 'profiles', 'connections', 'entries',
]);

/** Whether an object has a key the header understanding takes for a contact's field (a phone, a name, an email). */
function holdsContactField(element: Record<string, unknown>): boolean {
  return Object.keys(element).some((key) => classifyHeader(key)?.kind === 'field');
}

/** The keys of a top-level object a message lists, at most. */
const MAX_KEYS_NAMED = 20;

/**
 * stream-json's parser fed synchronously, its tokens routed to the array of records and assembled
 * element by element, the rows collected per chunk: one async step per chunk instead of two stream
 * hops per token.
 */
class JsonElements {
  private readonly parser: CapturingParser;
  private readonly batch = new RowBatch();
  private emitted = 0;
  private failure: unknown;

  private place: Place = 'start';
  /** How deeply nested the last token left the document (1: inside the top-level value). */
  private depth = 0;
  /** The top-level value is an object (an API response, an export). */
  private topObject = false;
  /** The document depth of the object whose keys are being read (2: a top-level key's object). */
  private keysDepth = 1;
  /** The top-level key whose object is being read, when {@link keysDepth} is 2. */
  private parentKey = '';
  /** A top-level key holds a contact field as a text or number (the object may be one contact). */
  private contactFields = false;
  /** The document depth of the array of records (1 for a top-level array, 2 for a key's). */
  private recordsDepth = 1;
  /** Assembles the array being read (or probed); holds at most one element at a time. */
  private assembler: Assembler | undefined;
  /** A top-level object's first keys, and what each holds (for the message when it has no records). */
  private readonly keys: Array<{ key: string; kind: string }> = [];
  private keyCount = 0;
  private key = '';
  /** The first key of a top-level object whose array was empty. */
  private emptyKey: string | undefined;
  private recordsDone = false;

  constructor(private readonly context: ReaderContext) {
    this.parser = new CapturingParser(context.file === '-' ? 'input' : 'file', (token) => {
      if (this.failure !== undefined) return;
      try {
        this.onToken(token);
      } catch (error) {
        this.failure = error;
      }
    });
    this.parser.on('error', (error: unknown) => {
      this.failure ??= error;
    });
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
    if (this.failure instanceof SourceError) throw this.failure;
    const name = describeSource(this.context.file);
    // The parser's own words (`unexpected token ']'`) stay in the cause.
    const { syntaxError } = this.parser;
    const at = syntaxError === undefined ? '' : ` at ${describePlace(syntaxError.place)}`;
    const reason =
      syntaxError?.problem ?? (this.failure instanceof Error ? this.failure.message : String(this.failure));
    if (this.place === 'end' && this.topObject) {
      // A second value after a complete object: one JSON object per line, under a .json name.
      throw new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${name}: more than one JSON value at the top level (one object per line is NDJSON: ` +
          `use a .ndjson name or --format ndjson)` +
          (at === '' ? '' : `; the second starts${at}`),
        { cause: this.failure },
      );
    }
    if (this.recordsDone) {
      // Past the records (in an API response's paging or links): every record has been read.
      const key = this.context.info.recordsKey;
      const records = key === undefined ? 'the array of records' : `the records of '${key}'`;
      throw new SourceError(
        'SOURCE_FORMAT',
        this.context.file,
        `${name}: invalid JSON${at}, after ${records} (${this.emitted} read): ${reason}`,
        { cause: this.failure },
      );
    }
    const record = this.emitted + 1;
    throw new SourceError(
      'SOURCE_FORMAT',
      this.context.file,
      `${name}: invalid JSON${at} (record ${record}, after ${this.emitted} complete records): ${reason}`,
      { line: record, cause: this.failure },
    );
  }

  /**
   * Once the document has been read: a top-level object must have held an array of records (or
   * only empty arrays, a source with no records).
   */
  checkFoundRecords(): void {
    if (this.place !== 'end' || !this.topObject || this.context.info.recordsKey !== undefined) return;
    if (this.emptyKey !== undefined) {
      this.context.info.recordsKey = this.emptyKey;
      return;
    }
    const named = this.keys.map(({ key, kind }) => `'${key}' (${kind})`);
    if (this.keyCount > MAX_KEYS_NAMED) named.push(`and ${this.keyCount - MAX_KEYS_NAMED} more`);
    const found = this.keyCount === 0 ? 'an empty object' : `an object with keys ${named.join(', ')}`;
    throw new SourceError(
      'SOURCE_FORMAT',
      this.context.file,
      `${describeSource(this.context.file)}: expected a JSON array of records, or an object holding ` +
        `one under a key such as "results" or "data"; found ${found} and no array of records` +
        (this.contactFields ? ' (a single contact must be inside [ ])' : ''),
    );
  }

  private onToken(token: Token): void {
    const { name } = token;
    const opens = name === 'startObject' || name === 'startArray';
    const closes = name === 'endObject' || name === 'endArray';
    switch (this.place) {
      case 'start':
        if (name === 'startArray') this.startArray('records', token);
        else {
          // The first character was checked: anything else is `{`.
          this.place = 'keys';
          this.topObject = true;
        }
        break;
      case 'keys':
        if (name === 'keyValue') {
          this.key = token.value ?? '';
          return;
        }
        if (name === 'endObject') {
          if (this.keysDepth === 2) this.keysDepth = 1;
          else this.place = 'end';
          break;
        }
        if (this.keysDepth === 1) this.noteTopLevelKey(name);
        if (name === 'startArray' && this.context.info.recordsKey === undefined) {
          this.recordsDepth = this.keysDepth + 1;
          this.startArray('probing', token);
        } else if (
          name === 'startObject' &&
          this.keysDepth === 1 &&
          this.context.info.recordsKey === undefined &&
          RECORDS_PARENT_KEYS.has(this.key.toLowerCase())
        ) {
          this.keysDepth = 2;
          this.parentKey = this.key;
        } else if (opens) this.place = 'skipping';
        break;
      case 'probing':
        if (name === 'endArray' && this.depth === this.keysDepth + 1) {
          this.emptyKey ??= this.keyPath();
          this.place = 'keys';
          this.assembler = undefined;
          break;
        }
        this.assemble(token);
        break;
      case 'records':
        this.assemble(token);
        if (closes && this.depth === this.recordsDepth) {
          this.assembler = undefined;
          this.recordsDone = true;
          this.place = this.recordsDepth === 1 ? 'end' : 'keys';
        }
        break;
      case 'skipping':
        if (closes && this.depth === this.keysDepth + 1) this.place = 'keys';
        break;
      case 'end':
        break;
    }
    if (opens) this.depth++;
    else if (closes) this.depth--;
  }

  /** Notes a top-level key's value for the message given when the object holds no records. */
  private noteTopLevelKey(token: string): void {
    if (++this.keyCount <= MAX_KEYS_NAMED)
      this.keys.push({ key: this.key, kind: KIND_OF_TOKEN[token] ?? token });
    if (token === 'stringValue' || token === 'numberValue')
      this.contactFields ||= classifyHeader(this.key)?.kind === 'field';
  }

  /** The key being read, with the top-level key it is under (`contacts.list`). */
  private keyPath(): string {
    return this.keysDepth === 2 ? `${this.parentKey}.${this.key}` : this.key;
  }

  private startArray(place: 'records' | 'probing', token: Token): void {
    this.place = place;
    this.assembler = new Assembler();
    this.assembler.consume(token);
  }

  /** Feeds a token to the array's assembler and takes the element it completes, if any. */
  private assemble(token: Token): void {
    const assembler = this.assembler as Assembler;
    assembler.consume(token);
    if (assembler.depth !== 1 || (assembler.current as unknown[]).length === 0) return;
    const element: unknown = (assembler.current as unknown[]).pop();
    if (this.place === 'probing') {
      // The first element decides whether this key holds the records. Under a key not named like
      // records, objects with no contact field are something else (Telegram's `profile_pictures`
      // before its `contacts.list`): the records are looked for further on.
      if (
        !isPlainObject(element) ||
        isLabelledValue(element) ||
        isTagObject(element) ||
        (!RECORDS_PARENT_KEYS.has(this.key.toLowerCase()) && !holdsContactField(element))
      ) {
        this.assembler = undefined;
        this.place = 'skipping';
        return;
      }
      this.place = 'records';
      this.context.info.recordsKey = this.keyPath();
    }
    this.onElement(element);
  }

  private onElement(value: unknown): void {
    const line = ++this.emitted;
    if (isPlainObject(value)) {
      // Flattening goes a few levels deep at most; `makeRow` refuses a record nested too deep.
      this.batch.push(makeRow(this.context, line, flattenRecord(ownProtoKey(value))));
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

function describePlace({ line, column }: TextPlace): string {
  return `line ${line}, column ${column}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A `{tag}` object: the contract's tags (`tags: [{tag: "vip"}]`), a field of one record. */
function isTagObject(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'tag';
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
