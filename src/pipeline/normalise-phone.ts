/**
 * Stage 3 of the pipeline: {@link Draft}s → {@link Contact}s with an E.164 mobile, or
 * {@link Rejected} rows with a `PHONE_*` code (CONTRACT §4).
 *
 * Parsing phone numbers is the most expensive step of a run, so {@link normalisePhones} hands it
 * to a small pool of worker threads and keeps the rest of the pipeline on the main thread;
 * {@link normalisePhone} (in `phone-parse.ts`) is the pure per-number function both use.
 */
import { availableParallelism } from 'node:os';
import {
  unexpectedKind,
  type AllFields,
  type MobileAlternate,
  type Recalled,
  type Contact,
  type Draft,
  type Rejected,
  type RowError,
} from '../types.js';
import { normalisePhone, type PhoneBatch, type PhoneOptions, type PhoneResult } from './phone-parse.js';
import { setAttribute, splitAtSlash } from './map-fields.js';
import { emailProblem } from './validate.js';
import { PhoneChunkScheduler } from './phone-pool.js';
import { perRow, type Chunks } from '../chunks.js';

export { normalisePhone, type PhoneOptions, type PhoneResult } from './phone-parse.js';
export { resolveCountry, type ResolvedCountry } from './phone-country.js';

/** Options of the {@link normalisePhones} stage. */
export interface NormalisePhonesOptions extends PhoneOptions {
  /**
   * Worker threads that parse numbers; `0` parses on the calling thread.
   * @default DEFAULT_PHONE_WORKERS
   */
  workers?: number;
  /**
   * Rows per message to a worker. Tuning and tests only.
   * @default PHONE_CHUNK_SIZE
   */
  chunkSize?: number;
  /**
   * Whether the workers start now, asked before each chunk worth a worker while none has (default:
   * once parsing takes a large share of the main thread, see `PhoneChunkScheduler`). A dry run
   * (`chain.ts`) and tests of the workers start them at once.
   */
  startWorkers?: () => boolean;
}

/**
 * One core stays with the main thread, which reads, maps, validates, dedupes and reports; the
 * others parse numbers. At least one worker so that even a 1-core box overlaps the two.
 */
export const DEFAULT_PHONE_WORKERS = Math.max(1, availableParallelism() - 1);

/**
 * Rows per worker message: big enough that the message cost (~0.1 ms) is noise next to parsing
 * (~15 µs a row, so ~8 ms a chunk), small enough to keep memory and first-result latency low.
 * Measured on a 300k-row dry run: 512 instead of 1,024 (six chunks in flight) cut 10–15 MB of
 * peak RSS at the same speed.
 */
export const PHONE_CHUNK_SIZE = 512;

/**
 * Stage: normalises every draft's mobile ({@link normalisePhone}) and emits, in source order, a
 * {@link Contact} (payload built from the draft; names, email and attributes are cleaned by
 * `validate`) or a {@link Rejected} row (`invalid`). A draft that already carries an error (reader
 * or mapping problem) becomes a Rejected row with that error.
 *
 * With `workers > 0` the numbers are parsed by a pool of worker threads, in chunks of
 * `chunkSize` rows with several chunks in flight ({@link PhoneChunkScheduler}); the pool starts
 * only once parsing holds the main thread back and a full chunk holds enough numbers to be worth a
 * worker, so small inputs, runs that wait for Sakari and re-runs whose rows are recalled never pay
 * for a thread. Closing the generator early (break, error downstream) stops the workers.
 *
 * @throws Error when a worker thread fails (a run-level failure, not a row problem).
 */
export function normalisePhones(
  drafts: AsyncIterable<Draft>,
  options: NormalisePhonesOptions,
): AsyncGenerator<Contact | Rejected>;
export function normalisePhones(
  drafts: AsyncIterable<Draft | Recalled | Rejected>,
  options: NormalisePhonesOptions,
): AsyncGenerator<Contact | Rejected | Recalled>;
export function normalisePhones(
  drafts: AsyncIterable<Draft | Recalled | Rejected>,
  options: NormalisePhonesOptions,
): AsyncGenerator<Contact | Rejected | Recalled> {
  return perRow((chunks) => normalisePhoneChunks(chunks, options), drafts);
}

/** {@link normalisePhones}, a chunk at a time (see `chunks.ts`). */
export async function* normalisePhoneChunks(
  drafts: Chunks<Draft | Recalled | Rejected>,
  options: NormalisePhonesOptions,
): AsyncGenerator<Array<Contact | Rejected | Recalled>> {
  const phoneOptions: PhoneOptions = {
    defaultCountry: options.defaultCountry,
    requireMobile: options.requireMobile,
  };
  const workers = options.workers ?? DEFAULT_PHONE_WORKERS;
  if (!Number.isInteger(workers) || workers < 0)
    throw new RangeError(`workers: expected a whole number ≥ 0, got ${workers}`);
  const chunkSize = options.chunkSize ?? PHONE_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize: expected a whole number ≥ 1, got ${chunkSize}`);
  if (workers === 0) {
    for await (const chunk of drafts) yield chunk.map((item) => normaliseItem(item, phoneOptions));
    return;
  }

  let scheduler: PhoneChunkScheduler<Array<Draft | Recalled | Rejected>> | undefined;
  // Rows are parsed in chunks of `chunkSize` rows (the reader's chunks are gathered or cut).
  let chunk: Array<Draft | Recalled | Rejected> = [];
  try {
    for await (const incoming of drafts) {
      for (const draft of incoming) {
        chunk.push(draft);
        if (chunk.length < chunkSize) continue;
        scheduler ??= new PhoneChunkScheduler<Array<Draft | Recalled | Rejected>>(
          workers,
          phoneOptions,
          options.startWorkers,
        );
        addChunk(scheduler, chunk);
        chunk = [];
      }
      // Chunks whose numbers are parsed already go on at once (a re-run's, whose rows were
      // recalled or rejected before: parsed here, see PhoneChunkScheduler): held until the queue
      // is full, their rows waited in memory for nothing (5,120 rows on a 2-core machine).
      while (scheduler !== undefined && (scheduler.length >= scheduler.capacity || scheduler.oldestReady)) {
        const { items, results } = await scheduler.takeOldest();
        yield settleChunk(items, results, phoneOptions);
      }
    }
    if (scheduler === undefined) {
      // The whole input fitted in one chunk: not worth starting a thread.
      if (chunk.length > 0) yield chunk.map((item) => normaliseItem(item, phoneOptions));
      return;
    }
    if (chunk.length > 0) addChunk(scheduler, chunk);
    while (scheduler.length > 0) {
      const { items, results } = await scheduler.takeOldest();
      yield settleChunk(items, results, phoneOptions);
    }
  } finally {
    await scheduler?.close();
  }
}

/** A chunk's items in order, with the parsed numbers in the slots of the drafts that had one to parse. */
function settleChunk(
  items: ReadonlyArray<Draft | Recalled | Rejected>,
  results: PhoneBatch,
  options: PhoneOptions,
): Array<Contact | Rejected | Recalled> {
  const settled: Array<Contact | Rejected | Recalled> = [];
  for (let index = 0, slot = 0; index < items.length; index++) {
    const item = items[index] as Draft | Recalled | Rejected;
    switch (item.kind) {
      case 'recalled':
      case 'rejected':
        settled.push(item);
        break;
      case 'draft':
        settled.push(item.error ? rejectDraft(item, item.error) : fromBatch(item, results, slot++, options));
        break;
      default:
        unexpectedKind(item);
    }
  }
  return settled;
}

/**
 * Hands a chunk to the scheduler; drafts already in error have no number to parse, recalled
 * rows have theirs from the state store, and rows rejected before are settled already.
 */
function addChunk(
  scheduler: PhoneChunkScheduler<Array<Draft | Recalled | Rejected>>,
  drafts: Array<Draft | Recalled | Rejected>,
): void {
  const inputs: string[] = [];
  const countries: string[] = [];
  const numeric: number[] = [];
  for (const draft of drafts) {
    if (draft.kind !== 'draft' || draft.error) continue;
    if (draft.mobileNumeric) numeric.push(inputs.length);
    inputs.push(draft.mobileInput);
    countries.push(draft.country ?? '');
  }
  scheduler.add(drafts, inputs, countries, numeric);
}

function fromBatch(draft: Draft, batch: PhoneBatch, slot: number, options: PhoneOptions): Contact | Rejected {
  const e164 = batch.e164[slot];
  const error = e164 ? undefined : batch.errors.get(slot);
  if (!e164 && !error) throw new Error(`phone worker returned no result for row ${slot} of a chunk`);
  const country = batch.countries[slot] || undefined;
  const note = batch.notes.get(slot);
  // Nearly every row: one number, taken as it is (no result object made for it).
  if (draft.mobileAlternates === undefined)
    return e164 ? toContact(draft, e164, country, note) : rejectDraft(draft, error as RowError);
  let result: PhoneResult;
  if (e164) {
    result = { ok: true, e164 };
    if (country !== undefined) result.country = country;
    if (note !== undefined) result.note = note;
    // A landline matters only when the row has another number that may be its mobile.
    if (batch.fixedLines.includes(slot)) result.fixedLine = true;
  } else result = { ok: false, error: error as RowError };
  return settleDraft(draft, result, options);
}

/** One item on the calling thread: a draft is parsed; a recalled or already rejected row passes. */
function normaliseItem(
  item: Draft | Recalled | Rejected,
  options: PhoneOptions,
): Contact | Rejected | Recalled {
  switch (item.kind) {
    case 'recalled':
    case 'rejected':
      return item;
    case 'draft':
      return normaliseDraft(item, options);
    default:
      return unexpectedKind(item);
  }
}

function normaliseDraft(draft: Draft, options: PhoneOptions): Contact | Rejected {
  if (draft.error) return rejectDraft(draft, draft.error);
  return settleDraft(draft, parseOf(draft, draft.mobileInput, options), options);
}

/** A draft's number (its mobile, or another number of its mobile's cell) parsed as the draft's. */
function parseOf(draft: Draft, input: string, options: PhoneOptions): PhoneResult {
  return normalisePhone(input, draft.country, options, draft.mobileNumeric ? { numeric: true } : {});
}

/**
 * A parsed draft's contact or rejection. When the row has other numbers ({@link
 * Draft.mobileAlternates}: the rest of its mobile's cell, then its other phone columns), the
 * mobile is the first of them all that is a mobile (or may be one), else the first valid one,
 * else the row is rejected for its first: `91963411 ::: +919633927524` gives the second, a
 * landline listed before a mobile loses to it, and a card whose CELL number is a landline of
 * another country gives its valid HOME mobile. The numbers not taken are kept as attributes, and
 * the row's note says which was taken and why. Only such rows parse more than one number, here
 * on this thread.
 */
function settleDraft(draft: Draft, primary: PhoneResult, options: PhoneOptions): Contact | Rejected {
  const alternates = draft.mobileAlternates;
  if (alternates === undefined)
    return primary.ok
      ? toContact(draft, primary.e164, primary.country, primary.note)
      : rejectDraft(draft, primary.error);
  const column = draft.mobileColumn ?? 'mobile';
  const numbers: MobileAlternate[] = [{ input: draft.mobileInput, column }, ...alternates];
  const cell = numbers.filter((number) => number.column === column).map((number) => number.input);
  const parsed: PhoneResult[] = [primary];
  const resultAt = (index: number): PhoneResult =>
    (parsed[index] ??= parseOf(draft, (numbers[index] as MobileAlternate).input, options));
  const text = draft.raw[column];
  if (cell.length > 1 && typeof text === 'string' && splitAtSlash(text)) {
    // `01577 / 6730003` is one number, a prefix and its number: read whole when it is a valid
    // number so, or when a part is no number of its own (never `6730003` alone, a landline).
    const whole = parseOf(draft, text, options);
    const parts = cell.every((_, index) => {
      const result = resultAt(index);
      return result.ok || result.error.code === 'PHONE_NOT_MOBILE';
    });
    if (whole.ok || !parts) {
      const others = alternates.filter((number) => number.column !== column);
      const one: Draft = {
        ...draft,
        mobileInput: text.trim(),
        mobileAlternates: others.length > 0 ? others : undefined,
      };
      return settleDraft(one, whole, options);
    }
  }
  // With --require-mobile a landline is refused already.
  const mobileAt = (index: number): boolean => {
    const result = resultAt(index);
    return result.ok && result.fixedLine !== true;
  };
  let chosen = numbers.findIndex((_, index) => mobileAt(index));
  if (chosen === -1) chosen = numbers.findIndex((_, index) => resultAt(index).ok);
  const held = cell.length > 1 ? `column '${column}' holds ${cell.length} numbers` : undefined;
  // None valid: rejected for the first.
  const result = resultAt(chosen === -1 ? 0 : chosen);
  if (!result.ok) {
    const why = joinNotes(
      held && `${held}, none of them usable`,
      numbers.length > cell.length ? 'no other phone of the row is usable either' : undefined,
    );
    return rejectDraft({ ...draft, note: joinNotes(draft.note, why) }, result.error);
  }
  const pick = numbers[chosen] as MobileAlternate;
  // The numbers not taken are kept as attributes, as the mapping keeps a column it did not use.
  const attributes = { ...draft.attributes };
  let note: string | undefined;
  if (pick.column === column) {
    if (held !== undefined) {
      const at = cell.indexOf(pick.input);
      setAttribute(attributes, column, cell.filter((_, index) => index !== at).join(' ::: '));
      const which =
        at === 0
          ? 'the first is the mobile'
          : `the mobile is the ${ordinal(at)}, ${JSON.stringify(pick.input)}, as the first ${firstProblem(primary)}`;
      note = `${held}: ${which}; the others are kept as an attribute`;
    }
  } else {
    // Another column's number: the mobile's cell is kept as an attribute, that column without it.
    const rest = numbers
      .filter((number, index) => number.column === pick.column && index !== chosen)
      .map((number) => number.input);
    setAttribute(attributes, column, cell.join(' ::: '));
    if (rest.length > 0) setAttribute(attributes, pick.column, rest.join(' ::: '));
    else Reflect.deleteProperty(attributes, pick.column);
    const problem = primary.ok
      ? `${JSON.stringify(draft.mobileInput)} is not a mobile`
      : cell.length > 1
        ? `none of its numbers is usable (${primary.error.message})`
        : primary.error.message;
    note = `mobile from column '${pick.column}', as column '${column}' has no usable one: ${problem}`;
  }
  const taken: Draft = {
    ...draft,
    mobileInput: pick.input,
    mobileColumn: pick.column,
    attributes,
    note: joinNotes(draft.note, note),
  };
  return toContact(taken, result.e164, result.country, result.note);
}

/** Why a cell's first number was not its mobile, for the row's note. */
function firstProblem(primary: PhoneResult): string {
  return primary.ok ? 'is not a mobile' : `is not usable (${primary.error.message})`;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** `second` for index 1; `number 7` past the fifth. */
function ordinal(index: number): string {
  return ORDINALS[index] ?? `number ${index + 1}`;
}

function toContact(
  draft: Draft,
  e164: string,
  country: string | undefined,
  note: string | undefined,
): Contact {
  const contact: AllFields<Contact> = {
    kind: 'contact',
    ref: draft.ref,
    raw: draft.raw,
    mobileInput: draft.mobileInput,
    payload: {
      mobile: e164,
      country,
      firstName: draft.firstName,
      lastName: draft.lastName,
      email: draft.email,
      tags: draft.tags,
      attributes: draft.attributes,
    },
    consent: draft.consent,
    note: joinNotes(draft.note, note),
    rowHash: draft.rowHash,
  };
  return contact;
}

/** A rejected row's message also says which column its number came from. */
function rejectDraft(draft: Draft, error: RowError): Rejected {
  // Its other problem too: fixing rejected.csv then takes one round, not one per problem.
  const also = emailProblem(draft.email);
  const message = also === undefined ? error.message : `${error.message}; also ${also}`;
  const noted =
    draft.note === undefined && also === undefined
      ? error
      : { ...error, message: draft.note === undefined ? message : `${message} (${draft.note})` };
  const rejected: AllFields<Rejected> = {
    kind: 'rejected',
    ref: draft.ref,
    raw: draft.raw,
    mobileInput: draft.mobileInput,
    mobileE164: undefined,
    status: 'invalid',
    error: noted,
    // The number alone decides (under the fingerprint's key): remembered by its fingerprint.
    rowHash: draft.rowHash,
    heldBy: undefined,
  };
  return rejected;
}

/** Notes of one row, in the order they happened, as one message. */
export function joinNotes(...notes: Array<string | undefined>): string | undefined {
  const present = notes.filter((note): note is string => note !== undefined && note !== '');
  return present.length === 0 ? undefined : present.join('; ');
}
