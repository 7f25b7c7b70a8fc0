import type { RecalledContact, RememberedRejection } from './state/store.js';
/**
 * The domain types that flow through the pipeline
 * `read → map → normalise → validate → dedupe → batch → upsert → report`.
 *
 * Every record carries its {@link SourceRef} from the reader to the report, so a line of
 * `rows.csv` always points back at the place in the source it came from.
 */
import type { RowCode } from './codes.js';

/** Where a record came from. */
export interface SourceRef {
  /** The source path as the user gave it (`-` for stdin). */
  file: string;
  /**
   * CSV: the 1-based physical line where the record starts.
   * JSON / NDJSON: the 1-based record index.
   * xlsx: the sheet's row number. vCard: the line of the card's `BEGIN:VCARD`.
   */
  line: number;
  /** 0-based position of the record across the whole run (all sources); orders the report. */
  seq: number;
}

/** A record as a reader produced it, before any mapping. */
export interface SourceRow {
  ref: SourceRef;
  /**
   * The record's fields in source order. CSV values are strings; JSON values are whatever the
   * record held (strings, numbers, objects, arrays).
   */
  raw: Record<string, unknown>;
  /** Set when the reader could not make a proper record of it (unclosed quote, wrong field count, bad JSON). */
  error?: RowError;
  /**
   * Excel: the keys whose cell was a number in the workbook (not text). A phone stored as a
   * number has lost its leading 0; normalisation reads it in the row's country and says so.
   */
  numeric?: ReadonlySet<string>;
  /**
   * CSV read for an import with state: the fingerprint of the record's text (`pipeline/recall.ts`),
   * the row's `rowHash`.
   */
  fingerprint?: string;
  /** What the state store knew of that fingerprint, when the reader looked it up. */
  known?: KnownRecord;
  /**
   * Set when the record was recognised by its fingerprint (`known`: a contact, or a rejection that
   * kept the row's values, see `pipeline/recognised.ts`) and not parsed: `raw` is empty, and this
   * parses the record when its values are needed after all (a duplicate's rejected.csv line).
   */
  unparsed?: () => Record<string, unknown>;
}

/** What the state store knew of a source row's fingerprint (see `pipeline/recall.ts`). */
export interface KnownRecord {
  /** The contact Sakari acknowledged from a row with this fingerprint. */
  contact?: RecalledContact;
  /** How a row with this fingerprint was rejected before. */
  rejection?: RememberedRejection;
}

/**
 * What the state knows of CSV records found by their text (`StateBackend.recallRecords`), in the
 * order asked.
 */
export interface RecordRecollection {
  /**
   * Each record's fingerprint (`recordFingerprint` in `state/payload-hash.ts`); left out for a
   * record found as a contact remembered at a position, which a re-run settles without it (a
   * caller that needs it after all computes it).
   */
  fingerprints: Array<string | undefined>;
  /** What the state knew of each record's fingerprint; undefined: nothing. */
  known: Array<KnownRecord | undefined>;
}

/** The row codes are defined with their status and description in `codes.ts`. */
export { ROW_CODES, type RowCode } from './codes.js';

export interface RowError {
  code: RowCode;
  message: string;
  /** The field the problem is in, when there is one (e.g. `mobile`, `email`). */
  field?: string;
}

/**
 * Items between stages are told apart by their `kind` (a discriminated union): every stage
 * `switch`es on it, and returns new items rather than changing the ones it was given.
 * `SourceRow` has none: only the readers produce it and only `mapFields` takes it.
 */
export type ItemKind = 'draft' | 'recalled' | 'contact' | 'rejected' | 'pending' | 'outcome' | 'batch';

/**
 * An item with every field named, optional ones possibly `undefined`. The stages build their new
 * items as literals of this type: a field added to an item type cannot be forgotten, and every
 * item of a kind has one object shape (a spread `{ ...item, x }` costs microseconds a row on
 * objects of mixed shapes, more than the stage's own work).
 */
export type AllFields<T> = { [K in keyof Required<T>]: T[K] };

/** A record after field mapping, before normalisation. */
export interface Draft {
  kind: 'draft';
  ref: SourceRef;
  raw: Record<string, unknown>;
  /** The mobile number exactly as the source had it ('' when absent). */
  mobileInput: string;
  /** Country as the source had it (name or ISO code), if any. */
  country?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: string[];
  /** Every column that is not a known field, under its original header. */
  attributes: Record<string, string>;
  /** A reader or mapping problem that already makes the row invalid. */
  error?: RowError;
  /** The column the mobile came from (the row's best-ranked non-empty phone column). */
  mobileColumn?: string;
  /** The mobile's column held a number cell in a workbook ({@link SourceRow.numeric}). */
  mobileNumeric?: boolean;
  /**
   * The row's other numbers, best first, when it has more than {@link mobileInput}: the rest of
   * the mobile's cell (`91963411 ::: +919633927524`), then the numbers of its other phone columns
   * in their rank. `normalise-phone` takes the first that is a mobile, else the first valid one.
   */
  mobileAlternates?: MobileAlternate[];
  /** SMS consent as the source's consent columns say: `opted-out` wins over `granted`. */
  consent?: SmsConsent;
  /** What the row's report line should say about how it was read (fallback column, several numbers). */
  note?: string;
  /**
   * The row's fingerprint when the run has a state store: a CSV record's from the reader
   * ({@link SourceRow.fingerprint}), any other row's set by `recallRows`.
   */
  rowHash?: string;
  /** What the state store knew of the fingerprint, when the reader looked it up ({@link SourceRow.known}). */
  known?: KnownRecord;
}

/** Another number of a row ({@link Draft.mobileAlternates}) and the column it is in. */
export interface MobileAlternate {
  input: string;
  column: string;
}

/** What a source says about a row's SMS consent. */
export type SmsConsent = 'opted-out' | 'granted';

/** What we send to Sakari for one contact: normalised and validated. */
export interface ContactPayload {
  /** E.164, e.g. `+447700900123`. */
  mobile: string;
  /** ISO 3166-1 alpha-2 of the number. */
  country?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  tags: string[];
  attributes: Record<string, string>;
}

/** A valid row on its way to Sakari. */
export interface Contact {
  kind: 'contact';
  ref: SourceRef;
  raw: Record<string, unknown>;
  mobileInput: string;
  payload: ContactPayload;
  /** SMS consent from the source ({@link Draft.consent}). */
  consent?: SmsConsent;
  /** How the row was read, for its report line (fallback column, number read as international…). */
  note?: string;
  /** The row's fingerprint (`pipeline/recall.ts`), carried from its draft to the state store. */
  rowHash?: string;
}

/** A row that will not be sent, and why. */
export interface Rejected {
  kind: 'rejected';
  ref: SourceRef;
  raw: Record<string, unknown>;
  mobileInput: string;
  /** Known when the number itself was fine (e.g. a duplicate or a bad email). */
  mobileE164?: string;
  /** `blocked`: the source itself says not to send it (SMS opt-out, no consent). */
  status: 'invalid' | 'duplicate' | 'blocked';
  error: RowError;
  /**
   * The row's fingerprint (see `pipeline/recall.ts`) when the rejection is the row's own (its
   * number, email or consent) and new: the state store remembers it, so a later run meeting the
   * same row rejects it without parsing its phone. Absent for duplicates, which depend on other
   * rows, and for rejections the store already remembered.
   */
  rowHash?: string;
  /**
   * A `blocked` row whose number Sakari has anyway: a contact an earlier run sent (the state knows
   * it), or an earlier row of this run with the same number that was kept. Nothing removes that
   * contact; the row's report line says so (see `heldNumberNote`).
   */
  heldBy?: HeldBy;
}

/** Where a blocked row's number is held in Sakari: {@link Rejected.heldBy}. */
export type HeldBy =
  { by: 'state'; runId: string; contactId?: string } | { by: 'row'; file: string; line: number };

export type RowStatus = 'created' | 'updated' | 'unchanged' | 'invalid' | 'duplicate' | 'blocked' | 'failed';

export const ROW_STATUSES: readonly RowStatus[] = [
  'created',
  'updated',
  'unchanged',
  'invalid',
  'duplicate',
  'blocked',
  'failed',
];

/** The final outcome of one source row: one line of `rows.csv`. */
export interface RowOutcome {
  kind: 'outcome';
  ref: SourceRef;
  raw: Record<string, unknown>;
  status: RowStatus;
  /** A {@link RowCode} or the API's code (e.g. `CONT-010`, `HTTP_400`). */
  code?: string;
  message?: string;
  mobileInput: string;
  mobileE164?: string;
  contactId?: string;
}

export type MergeStrategy = 'append' | 'core' | 'remove';
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['append', 'core', 'remove'];

/** Counters of the API traffic of one run (summary.json `api`). */
export interface ApiStats {
  requests: number;
  throttled: number;
  retries: number;
  tokenRefreshes: number;
}

export function emptyApiStats(): ApiStats {
  return { requests: 0, throttled: 0, retries: 0, tokenRefreshes: 0 };
}

/**
 * A row recognised by its fingerprint: its number and outcome come from the state store. It passes
 * normalisation and validation untouched, claims its number in `dedupe` and is settled by
 * `checkState` as a row whose payload Sakari has.
 */
export interface Recalled {
  kind: 'recalled';
  ref: SourceRef;
  raw: Record<string, unknown>;
  mobileInput: string;
  recalled: RecalledContact;
  /** The row's fingerprint, under which the state knew it. */
  rowHash?: string;
  /** A CSV record recognised without being parsed ({@link SourceRow.unparsed}): its values, parsed now. */
  unparsed?: () => Record<string, unknown>;
}

/** Ends a `switch` over an item's `kind` that handled every kind: a new kind fails to compile here. */
export function unexpectedKind(item: never): never {
  throw new Error(`unexpected pipeline item: ${JSON.stringify((item as { kind?: unknown }).kind)}`);
}
