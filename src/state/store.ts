import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { StateStoreError } from './errors.js';
import { migrate, POSITION_INDEXES } from './migrations.js';
import { recordFingerprint } from './payload-hash.js';
import type { RecordRecollection } from '../types.js';

/** Where the state lives unless `--state` says otherwise (CONTRACT §8). */
export const DEFAULT_STATE_PATH = '.sakari-sync/state.db';

/** The state folder holds phone numbers and emails: owner only. */
const STATE_DIR_MODE = 0o700;
const STATE_FILE_MODE = 0o600;

/**
 * Page cache per connection: SQLite's default, 2 MB. A 1M-contact account is ~500 MB of table
 * and covering indexes, read from the OS's file cache when not here: a recall scans its pages
 * once in order, and a recorded batch lands on pages at random, so no cache a run can afford
 * holds what it reads again. Measured at 1M rows: 64 MB of cache and a 256 MB memory map cost
 * 130 MB of peak RSS (every mapped page read counts) for no gain in run time; 8 MB instead of
 * 2 MB on each of the two connections (the store's and the state thread's) cost 5–15 MB of peak
 * RSS (a first import 209–214 vs 194 MB, alternating nightlies 194–197 vs 181–196 MB, unchanged
 * re-runs 184–189 vs 180 MB) at the same speed (issue 16: ≤ 200 MB at 1M rows).
 */
const CACHE_SIZE_KIB = 2_048;

/** No memory-mapped reads: a mapped page read stays in the process's RSS. */
const MMAP_SIZE_BYTES = 0;

/**
 * Pages of WAL (4 KiB each) after which a commit checkpoints it into the database file (SQLite's
 * default: 1 000): {@link WAL_CHECKPOINT_SHARE} of the database's pages when the connection opens,
 * between these bounds ({@link walAutocheckpointPages}). An acknowledged batch rewrites pages at
 * random in the table and its covering indexes (~4 pages a row, ~400 WAL pages a batch of a
 * nightly); a checkpoint copies each page once however often it was rewritten since the last, and
 * syncs twice. Every 4 MB → every 40 MB: a 1M-row nightly's recording went from 2.5 s to 1.4 s.
 * Every 40 MB → every 200 MB: its recording 1.1–1.5 s → 0.4–0.6 s, the reader waiting 0.6–0.9 s
 * less for the state thread's answers (which queue behind a batch whose commit checkpoints:
 * 150–220 ms each, three or four a nightly), for one checkpoint of ~0.55 s when the store closes;
 * the run 0.5 s faster on average in 14 alternating pairs (10 faster), no change in peak RSS. The
 * WAL file is deleted when the last connection closes; until then (a run, or a `watch` process)
 * it keeps the largest size it reached: up to 200 MB beside a 1M-contact state of ~550 MB, 40 MB
 * beside a small one.
 */
const WAL_AUTOCHECKPOINT_PAGES = { least: 10_000, most: 50_000 } as const;

/** The WAL a large state may gather before a checkpoint, as a share of the database. */
const WAL_CHECKPOINT_SHARE = 0.4;

/** {@link WAL_AUTOCHECKPOINT_PAGES} for a database of `databasePages` pages. */
function walAutocheckpointPages(databasePages: number): number {
  const { least, most } = WAL_AUTOCHECKPOINT_PAGES;
  return Math.min(most, Math.max(least, Math.round(databasePages * WAL_CHECKPOINT_SHARE)));
}

/**
 * Numbers per look-up statement. Measured: 500 and 2 000 perform alike (the B-tree seeks
 * dominate), and 500 keeps each JSON argument small.
 */
export const LOOKUP_CHUNK = 500;

/**
 * Positions to write at once from which {@link StateStore.applyPlacedRows} builds the position
 * indexes again rather than updating them row by row. Measured on a 1M-contact state (the first
 * run after an upgrade): moving index entries row by row cost ~90 µs a row, over 90 s; updating
 * in key order without the indexes and building them again took 9–15 s.
 */
const REBUILD_INDEXES_AT_ROWS = 50_000;

/** Status of a contact Sakari acknowledged. `blocked` (CONT-010) is recorded so it is not re-sent every run. */
export type AckedStatus = 'created' | 'updated' | 'blocked';

/** What the store knows about one number of one account. */
export interface KnownContact {
  /** {@link payloadHash} of the payload Sakari last acknowledged. */
  payloadHash: string;
  /** Sakari's contact id, when Sakari returned one (kept from earlier runs when a later one did not). */
  contactId?: string;
  /** The run that recorded it: a row recorded by a run in the current resume chain is not `unchanged`. */
  runId: string;
  status: AckedStatus;
  /** The fingerprint of the source row recorded with it (see {@link AckedRow.rowHash}), if any. */
  rowHash?: string;
  /** That row's notes. */
  note?: string;
}

/**
 * A number whose payload a run found unchanged from a source row with another fingerprint (new
 * options, a new library version, a reformatted number): the fingerprint is brought up to date
 * so the next run recalls the row.
 */
export interface RekeyedRow {
  e164: string;
  /** The payload hash the row was found unchanged against: a number changed since is left alone. */
  payloadHash: string;
  rowHash: string;
  note?: string;
  /** The row's position in this run's sources (see {@link AckedRow.rowSeq}). */
  rowSeq?: number;
  /** The row's mobile as the source had it (see {@link AckedRow.mobileInput}). */
  mobileInput?: string;
}

/** One row of a batch as Sakari acknowledged it. */
export interface AckedRow {
  e164: string;
  payloadHash: string;
  contactId?: string;
  status: AckedStatus;
  /**
   * The fingerprint of the source row that produced the payload (`rowHash` in
   * `pipeline/recall.ts`), when it has one: a later run meeting it skips that row's normalisation.
   * Absent: the number is only known by E.164.
   */
  rowHash?: string;
  /** The row's notes as reported (how its number was read), kept for the report of a recalled row. */
  note?: string;
  /**
   * The row's mobile exactly as the source had it, kept with its fingerprint (written and
   * overwritten together): a later run that recognises a CSV record by its text reports it with
   * this, without parsing the record.
   */
  mobileInput?: string;
  /**
   * The row's position in the run's sources (`ref.seq`): a later run of the same export reads the
   * fingerprints remembered around each position in one range scan ({@link SeqWindow}).
   */
  rowSeq?: number;
}

/** What {@link StateStore.recall} knows of a source row fingerprint: its contact, and the row's notes. */
export interface RecalledContact extends Omit<KnownContact, 'payloadHash'> {
  e164: string;
  note?: string;
  /** Where the row stood when it was recorded ({@link AckedRow.rowSeq}); absent when not kept. */
  rowSeq?: number;
  /**
   * The row's mobile as the source had it ({@link AckedRow.mobileInput}): a CSV record recognised
   * by its text is reported with it, unparsed. Absent for rows recorded before state version 7.
   */
  mobileInput?: string;
}

/** How a remembered rejected row was reported: `invalid`, or `blocked` by the source itself. */
export type RejectedStatus = 'invalid' | 'blocked';

/**
 * A source row a run rejected for what it holds (its number, its email, its consent), remembered
 * under its fingerprint: the same row under the same recall key is rejected the same way, so a
 * later run reports it again without parsing its phone (issue 16).
 */
export interface RememberedRejection {
  status: RejectedStatus;
  /** The row code (`PHONE_INVALID`, `EMAIL_INVALID`, `SOURCE_OPTED_OUT`, ...). */
  code: string;
  /** The message as reported, notes included. */
  message: string;
  /** The number, when it was fine (a bad email, an opt-out). */
  e164?: string;
  /** Where the row stood when it was remembered ({@link AckedRow.rowSeq}); absent when not kept. */
  rowSeq?: number;
  /** The row's mobile as the source had it (rows.csv's `mobile_input`), kept with `sourceValues`. */
  mobileInput?: string;
  /**
   * The row's values as read (its `raw`, as JSON), kept when short enough (`rememberedValues` in
   * `pipeline/recognised.ts`): a CSV record recognised by its text is reported from them and
   * `mobileInput` without being parsed. Absent: the row is parsed for its report lines.
   */
  sourceValues?: string;
}

/** A rejected row to remember: {@link StateStore.rememberRejections}. */
export interface RejectedRow extends RememberedRejection {
  rowHash: string;
}

/**
 * Where a recall looks first: the positions (`row_seq`) around which a chunk's rows were recorded,
 * inclusive. Rows remembered there are read in one range scan, in position order; fingerprints not
 * found there are looked up one by one. Only a hint: what a row is recalled as depends on its
 * fingerprint alone.
 */
export interface SeqWindow {
  from: number;
  to: number;
  /**
   * Where the first fingerprint asked was recorded if it stayed in place, when the fingerprints
   * asked are rows one after another (a chunk of CSV records): the others follow it. When the
   * range scan found at least half of them (the chunk is in place), a fingerprint it did not find
   * whose place holds a row no fingerprint asked matched (the row there changed: a nightly
   * export's edited rows) is not looked up one by one. It is most likely new; one that moved that
   * far onto a changed row's place is parsed, and found unchanged. A chunk mostly not found is
   * looked up one by one: the rows found tell the next windows where the export moved to.
   */
  at?: number;
}

/**
 * Rows remembered without a position (recorded before positions were kept) that a run found by
 * fingerprint: {@link StateStore.placeRows} gives them their position, so the next run finds
 * them in a range scan. A row that has a position keeps it (a source whose order changes every
 * night would otherwise rewrite its positions every night).
 */
export interface PlacedRows {
  contacts: Array<{ e164: string; rowHash: string; rowSeq: number }>;
  rejections: Array<{ rowHash: string; rowSeq: number }>;
}

/** What {@link StateStore.recall} knows of a set of source row fingerprints. */
export interface Recollection {
  /** The contacts Sakari last acknowledged for them, by fingerprint. */
  contacts: Map<string, RecalledContact>;
  /** The rows rejected under them (among the fingerprints no contact has), by fingerprint. */
  rejections: Map<string, RememberedRejection>;
}

/** One run of a command against this state. */
export interface RunRecord {
  /** Unique id (the caller makes it, e.g. a timestamp plus random suffix). */
  id: string;
  /** The command as the user typed it, secrets removed (e.g. `run jobs/nightly.yaml`). */
  command: string;
  /** What makes two runs "the same job" (e.g. command + account + resolved sources); also names the lock. */
  jobKey: string;
  /** sha256 of the source bytes: a changed source is a new run, not a resume. */
  sourceSha256: string;
  /** Hash of the options that change what is sent (mapping, merge strategy, default country, ...). */
  optionsHash: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601, set by {@link StateStore.finishRun}. */
  finishedAt?: string;
  /** `running` until finished; a `running` run found later was killed or crashed. */
  status: 'running' | 'completed' | 'aborted' | 'failed';
  /** Outcome counters, set by {@link StateStore.finishRun}. */
  counts?: Record<string, number>;
  /** The interrupted run this one resumes. */
  resumedFrom?: string;
  /** Process id of the run. */
  pid: number;
}

/**
 * What a file `watch` imports is for, besides its content: the account, and the hash of the options
 * that shape what is sent (`resumeHash` of the watcher's settings without any content). The same
 * content under another scope is another import.
 */
export interface FileImportScope {
  account: string;
  optionsHash: string;
}

/** A file `watch` imported successfully (a completed run, not a dry run). */
export interface ProcessedFile {
  path: string;
  runId: string;
  /** ISO 8601. */
  at: string;
}

/** Collaborators of the store. */
export interface StateStoreOptions {
  /** The clock for `updated_at`, `at` and migration times. @default () => new Date() */
  now?: () => Date;
}

/** A `runs` row as both stores hold it (the PostgreSQL store uses the same columns). */
export type RunRow = {
  id: string;
  command: string;
  job_key: string;
  source_sha256: string;
  options_hash: string;
  started_at: string;
  finished_at: string | null;
  status: RunRecord['status'];
  counts: string | null;
  resumed_from: string | null;
  pid: number;
};

/**
 * The contacts found by a recall, keyed by fingerprint (both stores and the reader thread build
 * them here). A fingerprint held by two numbers, which a deterministic normalisation never
 * produces, is left out: that row is parsed again.
 */
export function recalledContacts(rows: Iterable<RecallRow>): Map<string, RecalledContact> {
  const recalled = new Map<string, RecalledContact>();
  for (const [rowHash, row] of contactRowsByHash(rows)) {
    const [, e164, contactId, runId, status, note, rowSeq, mobileInput] = row;
    recalled.set(rowHash, recalledContact(e164, contactId, runId, status, note, rowSeq, mobileInput));
  }
  return recalled;
}

/** A recall's contact rows by fingerprint, without the fingerprints two numbers hold (see {@link recalledContacts}). */
function contactRowsByHash(rows: Iterable<RecallRow>): Map<string, RecallRow> {
  const byHash = new Map<string, RecallRow>();
  const ambiguous = new Set<string>();
  for (const row of rows) {
    const rowHash = row[0];
    if (byHash.has(rowHash)) ambiguous.add(rowHash);
    byHash.set(rowHash, row);
  }
  for (const rowHash of ambiguous) byHash.delete(rowHash);
  return byHash;
}

/** A recalled contact from its columns ({@link RecallRow} without the fingerprint). */
function recalledContact(
  e164: string,
  contactId: string | null,
  runId: string,
  status: AckedStatus,
  note: string | null,
  rowSeq: number | null,
  mobileInput: string | null,
): RecalledContact {
  const entry: RecalledContact = { e164, runId, status };
  if (contactId !== null) entry.contactId = contactId;
  if (note !== null) entry.note = note;
  if (rowSeq !== null) entry.rowSeq = rowSeq;
  if (mobileInput !== null) entry.mobileInput = mobileInput;
  return entry;
}

/** One `rejected_rows` row found by a recall. */
export type RejectionRow = [
  rowHash: string,
  status: RejectedStatus,
  code: string,
  message: string,
  e164: string | null,
  rowSeq: number | null,
  mobileInput: string | null,
  sourceValues: string | null,
];

/** The raw rows of a recall: acknowledged contacts, then rejections of the fingerprints they lack. */
export interface RecallRows {
  contacts: RecallRow[];
  rejections: RejectionRow[];
}

/**
 * One statement of a recall: the contacts, or the rejections, of some fingerprints; or those
 * remembered in a window of positions, in position order, at most `limit` of them.
 */
export type RecallQuery =
  | { table: 'contacts' | 'rejected_rows'; rowHashes: string[] }
  | { table: 'contacts' | 'rejected_rows'; window: SeqWindow; limit: number };

/**
 * Rows a window scan reads at most, per position in the window. Positions of other jobs' sources
 * (several exports into one account) share the range; past this many the scan stops, and the
 * fingerprints it did not reach are looked up one by one.
 */
const WINDOW_ROWS_PER_POSITION = 4;

/**
 * The statements of a recall, in order, for any store to run (both SQLite connections and
 * PostgreSQL drive it with {@link readRecall}). With a window ({@link SeqWindow}): the contacts,
 * then the rejections, remembered at those positions, two range scans that find an unchanged
 * export's rows. Then, for the fingerprints not found there, per {@link LOOKUP_CHUNK}: the
 * contacts, and the rejections of the fingerprints no contact has.
 */
function* recallQueries(
  rowHashes: readonly string[],
  near: SeqWindow | undefined,
  rows: RecallRows,
): Generator<RecallQuery, void, unknown[][]> {
  let wanted = rowHashes;
  if (near !== undefined && rowHashes.length > 0) {
    const asked = new Set(rowHashes);
    const found = new Set<string>();
    // Positions holding a row no fingerprint asked matched (see `SeqWindow.at`).
    const unmatched = near.at === undefined ? undefined : new Set<number>();
    const limit = (near.to - near.from + 1) * WINDOW_ROWS_PER_POSITION;
    for (const row of (yield { table: 'contacts', window: near, limit }) as RecallRow[]) {
      if (!asked.has(row[0])) {
        const rowSeq = row[RECALL_CONTACT_SEQ_AT] as number | null;
        if (rowSeq !== null) unmatched?.add(rowSeq);
        continue;
      }
      rows.contacts.push(row);
      found.add(row[0]);
    }
    if (found.size < asked.size) {
      for (const row of (yield { table: 'rejected_rows', window: near, limit }) as RejectionRow[]) {
        if (!asked.has(row[0])) {
          const rowSeq = row[RECALL_REJECTION_SEQ_AT] as number | null;
          if (rowSeq !== null) unmatched?.add(rowSeq);
          continue;
        }
        if (found.has(row[0])) continue;
        rows.rejections.push(row);
        found.add(row[0]);
      }
    }
    const at = near.at ?? 0;
    const changed = found.size * 2 >= asked.size ? unmatched : undefined;
    wanted =
      found.size === 0
        ? rowHashes
        : rowHashes.filter((hash, index) => !found.has(hash) && !changed?.has(at + index));
  }
  for (let start = 0; start < wanted.length; start += LOOKUP_CHUNK) {
    const chunk = wanted.slice(start, start + LOOKUP_CHUNK);
    const found = new Set<string>();
    for (const row of (yield { table: 'contacts', rowHashes: chunk }) as RecallRow[]) {
      rows.contacts.push(row);
      found.add(row[0]);
    }
    const missed = found.size === 0 ? chunk : chunk.filter((hash) => !found.has(hash));
    if (missed.length === 0) continue;
    for (const row of (yield { table: 'rejected_rows', rowHashes: missed }) as RejectionRow[])
      rows.rejections.push(row);
  }
}

/** The rows of a recall of `rowHashes`, each statement run by `run` (see {@link recallQueries}). */
export function readRecall(
  rowHashes: readonly string[],
  near: SeqWindow | undefined,
  run: (query: RecallQuery) => unknown[][],
): RecallRows {
  const rows: RecallRows = { contacts: [], rejections: [] };
  const queries = recallQueries(rowHashes, near, rows);
  for (let next = queries.next(); !next.done; next = queries.next(run(next.value)));
  return rows;
}

/** {@link readRecall} with statements that answer asynchronously (a server database). */
export async function readRecallAsync(
  rowHashes: readonly string[],
  near: SeqWindow | undefined,
  run: (query: RecallQuery) => Promise<unknown[][]>,
): Promise<RecallRows> {
  const rows: RecallRows = { contacts: [], rejections: [] };
  const queries = recallQueries(rowHashes, near, rows);
  for (let next = queries.next(); !next.done; next = queries.next(await run(next.value)));
  return rows;
}

/** The {@link Recollection} of a recall's rows (both stores and the reader thread build it here). */
export function recollection(rows: RecallRows): Recollection {
  const rejections = new Map<string, RememberedRejection>();
  for (const [rowHash, ...columns] of rows.rejections)
    rejections.set(rowHash, rememberedRejection(...columns));
  return { contacts: recalledContacts(rows.contacts), rejections };
}

/** A remembered rejection from its columns ({@link RejectionRow} without the fingerprint). */
function rememberedRejection(
  status: RejectedStatus,
  code: string,
  message: string,
  e164: string | null,
  rowSeq: number | null,
  mobileInput: string | null,
  sourceValues: string | null,
): RememberedRejection {
  const entry: RememberedRejection = { status, code, message };
  if (e164 !== null) entry.e164 = e164;
  if (rowSeq !== null) entry.rowSeq = rowSeq;
  if (mobileInput !== null) entry.mobileInput = mobileInput;
  if (sourceValues !== null) entry.sourceValues = sourceValues;
  return entry;
}

/** The fingerprints of records under `prefix` ({@link recordFingerprint}). */
export function fingerprintRecords(prefix: string, records: readonly string[]): string[] {
  const fingerprints: string[] = [];
  for (const record of records) fingerprints.push(recordFingerprint(prefix, record));
  return fingerprints;
}

/**
 * A {@link RecordRecollection} as the state thread sends it: the contacts found in columns, their
 * run ids and statuses as indexes into `words`, and no fingerprint the main thread does not need.
 * A structured clone writes every object's keys and makes every string anew: per row objects,
 * or tuples, cost a 1M-row re-run's main thread about twice as much to receive.
 */
export interface RecordRecallRows {
  /** Per record: its fingerprint, or null where the recollection leaves it out. */
  fingerprints: Array<string | null>;
  /** The run ids and statuses the contacts found have, each once. */
  words: string[];
  /** The records found as contacts, a column each: the record's index, then {@link RecallRow}'s columns. */
  contacts: {
    index: number[];
    e164: string[];
    contactId: Array<string | null>;
    /** Index into `words`. */
    runId: number[];
    /** Index into `words`. */
    status: number[];
    note: Array<string | null>;
    rowSeq: Array<number | null>;
    mobileInput: Array<string | null>;
  };
  /** The records found as rejections: index, then {@link RejectionRow}'s columns after the fingerprint. */
  rejections: Array<
    [
      index: number,
      status: RejectedStatus,
      code: string,
      message: string,
      e164: string | null,
      rowSeq: number | null,
      mobileInput: string | null,
      sourceValues: string | null,
    ]
  >;
}

/**
 * The rows of a recall of `fingerprints` (a chunk's records', in order) record by record: each
 * one's contact (see {@link recalledContacts} for one that two numbers hold), else its rejection.
 * A record found as a contact at a position is sent without its fingerprint (see
 * {@link RecordRecollection.fingerprints}).
 */
export function alignRecallRows(fingerprints: readonly string[], rows: RecallRows): RecordRecallRows {
  const contacts = contactRowsByHash(rows.contacts);
  const rejections = new Map<string, RejectionRow>();
  for (const row of rows.rejections) rejections.set(row[0], row);
  const words = new Map<string, number>();
  const word = (text: string): number => {
    let at = words.get(text);
    if (at === undefined) words.set(text, (at = words.size));
    return at;
  };
  const aligned: RecordRecallRows = {
    fingerprints: [],
    words: [],
    contacts: {
      index: [],
      e164: [],
      contactId: [],
      runId: [],
      status: [],
      note: [],
      rowSeq: [],
      mobileInput: [],
    },
    rejections: [],
  };
  const found = aligned.contacts;
  fingerprints.forEach((fingerprint, index) => {
    const contact = contacts.get(fingerprint);
    if (contact !== undefined) {
      const [, e164, contactId, runId, status, note, rowSeq, mobileInput] = contact;
      found.index.push(index);
      found.e164.push(e164);
      found.contactId.push(contactId);
      found.runId.push(word(runId));
      found.status.push(word(status));
      found.note.push(note);
      found.rowSeq.push(rowSeq);
      found.mobileInput.push(mobileInput);
      aligned.fingerprints.push(rowSeq === null ? fingerprint : null);
      return;
    }
    const rejection = rejections.get(fingerprint);
    if (rejection !== undefined) {
      const [, ...columns] = rejection;
      aligned.rejections.push([index, ...columns]);
    }
    aligned.fingerprints.push(fingerprint);
  });
  aligned.words = [...words.keys()];
  return aligned;
}

/** The {@link RecordRecollection} of {@link alignRecallRows}' rows. */
export function recordRecollection(rows: RecordRecallRows): RecordRecollection {
  const fingerprints: Array<string | undefined> = [];
  const known: RecordRecollection['known'] = [];
  for (const fingerprint of rows.fingerprints) {
    fingerprints.push(fingerprint ?? undefined);
    known.push(undefined);
  }
  const { words, contacts } = rows;
  contacts.index.forEach((index, at) => {
    const contact = recalledContact(
      contacts.e164[at] as string,
      contacts.contactId[at] ?? null,
      words[contacts.runId[at] as number] as string,
      words[contacts.status[at] as number] as AckedStatus,
      contacts.note[at] ?? null,
      contacts.rowSeq[at] ?? null,
      contacts.mobileInput[at] ?? null,
    );
    known[index] = { contact };
  });
  for (const [index, ...columns] of rows.rejections)
    known[index] = { rejection: rememberedRejection(...columns) };
  return { fingerprints, known };
}

/**
 * {@link StateBackend.recallRecords} on the thread that reads the state: the records are
 * fingerprinted here and recalled with `recallRows` (a store's {@link readRecall}).
 */
export async function recallRecordsBy(
  recallRows: (fingerprints: readonly string[]) => RecallRows | Promise<RecallRows>,
  prefix: string,
  records: readonly string[],
): Promise<RecordRecollection> {
  const fingerprints = fingerprintRecords(prefix, records);
  return recordRecollection(alignRecallRows(fingerprints, await recallRows(fingerprints)));
}

/**
 * How long a statement waits for another connection's write lock (another process's, or the state
 * thread's) before failing with SQLITE_BUSY. Writes are single small transactions, so a few
 * seconds only passes when something is stuck.
 */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * The settings of every connection that writes the state (the store's, and the state thread's,
 * see `sqlite-reader.ts`); the WAL journal mode is the database file's own, set by the store.
 */
export function configureConnection(db: BetterSqlite3.Database): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
  db.pragma(`mmap_size = ${MMAP_SIZE_BYTES}`);
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${walAutocheckpointPages(pages)}`);
}

/**
 * What recording a contact Sakari acknowledged changes in a row the state has for its number (both
 * stores, SQLite and PostgreSQL, write it so). A missing contact id keeps the known one. row_hash,
 * note and mobile_input are always overwritten: a payload recorded without its row (e.g. by
 * reconcile --fix) must not be recalled for the row recorded before it.
 */
export const UPSERT_CONTACT_SET = `
  payload_hash = excluded.payload_hash,
  contact_id   = coalesce(excluded.contact_id, contacts.contact_id),
  run_id       = excluded.run_id,
  status       = excluded.status,
  updated_at   = excluded.updated_at,
  row_hash     = excluded.row_hash,
  note         = excluded.note,
  row_seq      = excluded.row_seq,
  mobile_input = excluded.mobile_input`;

/**
 * What remembering a rejected row again changes (both stores write it so): everything, the values
 * included, so a remembered rejection always describes the row last parsed under its fingerprint.
 */
export const REMEMBER_REJECTION_SET = `
  status        = excluded.status,
  code          = excluded.code,
  message       = excluded.message,
  e164          = excluded.e164,
  recorded_at   = excluded.recorded_at,
  row_seq       = excluded.row_seq,
  mobile_input  = excluded.mobile_input,
  source_values = excluded.source_values`;

/** {@link StateStore.rememberRejections} on a connection, the rows stamped `at` (ISO 8601). */
export type RememberRejections = (account: string, rows: readonly RejectedRow[], at: string) => void;

/**
 * Prepares {@link StateStore.rememberRejections}'s transaction on `db` (the store's, or the state
 * thread's, which writes them beside the batches it records rather than waiting for their lock).
 */
export function prepareRememberRejections(db: BetterSqlite3.Database): RememberRejections {
  const rememberRejection = db.prepare<
    [
      string,
      string,
      string,
      string,
      string,
      string | null,
      string,
      number | null,
      string | null,
      string | null,
    ]
  >(
    `INSERT INTO rejected_rows (account, row_hash, status, code, message, e164, recorded_at, row_seq,
       mobile_input, source_values)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, row_hash) DO UPDATE SET ${REMEMBER_REJECTION_SET}`,
  );
  return db.transaction((account: string, rows: readonly RejectedRow[], at: string) => {
    for (const row of rows) {
      rememberRejection.run(
        account,
        row.rowHash,
        row.status,
        row.code,
        row.message,
        row.e164 ?? null,
        at,
        row.rowSeq ?? null,
        row.mobileInput ?? null,
        row.sourceValues ?? null,
      );
    }
  });
}

/** {@link StateStore.recordBatch} on a connection, the rows stamped `at` (ISO 8601). */
export type RecordBatch = (account: string, runId: string, rows: readonly AckedRow[], at: string) => void;

/** Prepares {@link StateStore.recordBatch}'s transaction on `db` (the store's, or the state thread's). */
export function prepareRecordBatch(db: BetterSqlite3.Database): RecordBatch {
  const upsert = db.prepare<
    [
      string,
      string,
      string,
      string | null,
      string,
      string,
      string,
      string | null,
      string | null,
      number | null,
      string | null,
    ]
  >(
    `INSERT INTO contacts (account, e164, payload_hash, contact_id, run_id, status, updated_at, row_hash, note, row_seq, mobile_input)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account, e164) DO UPDATE SET ${UPSERT_CONTACT_SET}`,
  );
  return db.transaction((account: string, runId: string, rows: readonly AckedRow[], at: string) => {
    for (const row of rows) {
      upsert.run(
        account,
        row.e164,
        row.payloadHash,
        row.contactId ?? null,
        runId,
        row.status,
        at,
        row.rowHash ?? null,
        row.note ?? null,
        row.rowSeq ?? null,
        storedMobileInput(row),
      );
    }
  });
}

/** The contacts found by a look-up by number, keyed by E.164 (both stores and the reader thread). */
export function knownContacts(rows: Iterable<ContactRow>): Map<string, KnownContact> {
  const known = new Map<string, KnownContact>();
  for (const [e164, payloadHash, contactId, runId, status, rowHash, note] of rows) {
    const entry: KnownContact = { payloadHash, runId, status };
    if (contactId !== null) entry.contactId = contactId;
    if (rowHash !== null) entry.rowHash = rowHash;
    if (note !== null) entry.note = note;
    known.set(e164, entry);
  }
  return known;
}

/** What the store knows of a number: {@link StateStore.lookup}, one statement per chunk (JSON array). */
export const LOOKUP_SQL = `SELECT e164, payload_hash, contact_id, run_id, status, row_hash, note FROM contacts
  WHERE account = ? AND e164 IN (SELECT value FROM json_each(?))`;

/**
 * The columns of a contact a recall reads, as a {@link RecallRow} (both stores select them). Not
 * its payload hash: the fingerprint found stands for the payload (see `pipeline/recall.ts`).
 */
export const RECALL_CONTACT_COLUMNS =
  'row_hash, e164, contact_id, run_id, status, note, row_seq, mobile_input';

/** The columns of a remembered rejection a recall reads, as a {@link RejectionRow}. */
export const RECALL_REJECTION_COLUMNS =
  'row_hash, status, code, message, e164, row_seq, mobile_input, source_values';

/** Where `row_seq` stands in a recalled contact's ({@link RecallRow}) and rejection's columns. */
export const RECALL_CONTACT_SEQ_AT = RECALL_CONTACT_COLUMNS.split(', ').indexOf('row_seq');
export const RECALL_REJECTION_SEQ_AT = RECALL_REJECTION_COLUMNS.split(', ').indexOf('row_seq');

/**
 * The contacts of source row fingerprints: {@link StateStore.recall}. INDEXED BY: without
 * statistics the planner would walk the account's whole primary key instead.
 */
export const RECALL_SQL = `SELECT ${RECALL_CONTACT_COLUMNS}
  FROM contacts INDEXED BY contacts_by_row_hash
  WHERE account = ? AND row_hash IN (SELECT value FROM json_each(?))`;

/** The contacts remembered in a window of positions, in position order ({@link SeqWindow}). */
export const RECALL_WINDOW_SQL = `SELECT ${RECALL_CONTACT_COLUMNS}
  FROM contacts INDEXED BY contacts_by_row_seq
  WHERE account = ? AND row_seq BETWEEN ? AND ? ORDER BY row_seq LIMIT ?`;

/** The remembered rejections of source row fingerprints: {@link StateStore.recall}. */
export const RECALL_REJECTED_SQL = `SELECT ${RECALL_REJECTION_COLUMNS} FROM rejected_rows
  WHERE account = ? AND row_hash IN (SELECT value FROM json_each(?))`;

/** The rejections remembered in a window of positions, in position order. */
export const RECALL_REJECTED_WINDOW_SQL = `SELECT ${RECALL_REJECTION_COLUMNS}
  FROM rejected_rows INDEXED BY rejected_rows_by_row_seq
  WHERE account = ? AND row_seq BETWEEN ? AND ? ORDER BY row_seq LIMIT ?`;

type WindowParams = [account: string, from: number, to: number, limit: number];

/** The prepared statements of a SQLite recall, on the main connection or the reader's. */
export interface SqliteRecallStatements {
  contacts: BetterSqlite3.Statement<[string, string], RecallRow>;
  rejections: BetterSqlite3.Statement<[string, string], RejectionRow>;
  contactsWindow: BetterSqlite3.Statement<WindowParams, RecallRow>;
  rejectionsWindow: BetterSqlite3.Statement<WindowParams, RejectionRow>;
}

/** Prepares the recall statements ({@link RECALL_SQL} and its twins) on `db`, rows as arrays. */
export function prepareRecall(db: BetterSqlite3.Database): SqliteRecallStatements {
  return {
    contacts: db.prepare<[string, string], RecallRow>(RECALL_SQL).raw(true),
    rejections: db.prepare<[string, string], RejectionRow>(RECALL_REJECTED_SQL).raw(true),
    contactsWindow: db.prepare<WindowParams, RecallRow>(RECALL_WINDOW_SQL).raw(true),
    rejectionsWindow: db.prepare<WindowParams, RejectionRow>(RECALL_REJECTED_WINDOW_SQL).raw(true),
  };
}

/** The rows of a recall on a SQLite connection (see {@link readRecall}). */
export function sqliteRecall(
  statements: SqliteRecallStatements,
  account: string,
  rowHashes: readonly string[],
  near?: SeqWindow,
): RecallRows {
  return readRecall(rowHashes, near, (query) => {
    const contacts = query.table === 'contacts';
    if ('window' in query) {
      const { window, limit } = query;
      return (contacts ? statements.contactsWindow : statements.rejectionsWindow).all(
        account,
        window.from,
        window.to,
        limit,
      );
    }
    return (contacts ? statements.contacts : statements.rejections).all(
      account,
      JSON.stringify(query.rowHashes),
    );
  });
}

/** The rows of a look-up by number on a SQLite connection: one statement per {@link LOOKUP_CHUNK}. */
export function sqliteLookup(
  statement: BetterSqlite3.Statement<[string, string], ContactRow>,
  account: string,
  e164s: readonly string[],
): ContactRow[] {
  const rows: ContactRow[] = [];
  for (let start = 0; start < e164s.length; start += LOOKUP_CHUNK) {
    const chunk = e164s.slice(start, start + LOOKUP_CHUNK);
    for (const row of statement.all(account, JSON.stringify(chunk))) rows.push(row);
  }
  return rows;
}

/**
 * The `mobile_input` to store with an acknowledged row: its mobile as the source had it only
 * beside a fingerprint, which it belongs to (both stores write it through this).
 */
export function storedMobileInput(row: AckedRow): string | null {
  return row.rowHash === undefined ? null : (row.mobileInput ?? null);
}

/** One `contacts` row found by {@link StateStore.recall} ({@link RECALL_CONTACT_COLUMNS}). */
export type RecallRow = [
  rowHash: string,
  e164: string,
  contactId: string | null,
  runId: string,
  status: AckedStatus,
  note: string | null,
  rowSeq: number | null,
  mobileInput: string | null,
];

/** One `contacts` row found by {@link StateStore.lookup}. */
export type ContactRow = [
  e164: string,
  payloadHash: string,
  contactId: string | null,
  runId: string,
  status: AckedStatus,
  rowHash: string | null,
  note: string | null,
];

const RUN_COLUMNS =
  'id, command, job_key, source_sha256, options_hash, started_at, finished_at, status, counts, resumed_from, pid';

/** Keeps a resume chain finite even if the data were corrupted into a cycle. */
const MAX_RESUME_CHAIN = 10_000;

/**
 * The local state of sakari-sync: one SQLite file (CONTRACT §8) holding, per account and E.164,
 * the hash of the payload Sakari last acknowledged; the runs, for resume; the files `watch`
 * imported; and the pace each account last ran at.
 *
 * Synchronous (better-sqlite3): each method is one short statement or one transaction. WAL mode
 * with `synchronous=NORMAL`: a committed batch survives the process being killed (`kill -9`), the
 * case resume is built for; a power cut may lose the last batches, which are then sent again
 * (the upsert is idempotent).
 *
 * @example
 * const store = StateStore.open(DEFAULT_STATE_PATH);
 * const known = store.lookup(account, batch.map((c) => c.payload.mobile));
 * // ... send the rows whose hash differs, then:
 * store.recordBatch(account, runId, acknowledged);
 * store.close();
 */
export class StateStore {
  /** The database file. */
  readonly path: string;
  readonly #db: BetterSqlite3.Database;
  readonly #now: () => Date;
  readonly #lookup: BetterSqlite3.Statement<[string, string], ContactRow>;
  readonly #recall: SqliteRecallStatements;
  readonly #rememberRejections: (account: string, rows: readonly RejectedRow[]) => void;
  readonly #forgetRejections: BetterSqlite3.Statement<[string, string]>;
  readonly #placeRows: (account: string, rows: PlacedRows) => void;
  readonly #applyPlacedRows: (account: string) => number;
  readonly #recordBatch: RecordBatch;
  readonly #rekey: (account: string, rows: readonly RekeyedRow[]) => void;
  readonly #insertRun: BetterSqlite3.Statement<
    [string, string, string, string, string, string, string | null, number]
  >;
  readonly #finishRun: BetterSqlite3.Statement<[string, string, string, string]>;
  readonly #getRun: BetterSqlite3.Statement<[string], RunRow>;
  readonly #latestRunOfJob: BetterSqlite3.Statement<[string], RunRow>;
  readonly #resumeChain: BetterSqlite3.Statement<[string, number], string>;
  readonly #markFile: BetterSqlite3.Statement<[string, string, string, string, string, string]>;
  readonly #getFile: BetterSqlite3.Statement<[string, string, string], ProcessedFile>;
  readonly #getPace: BetterSqlite3.Statement<[string], number>;
  readonly #setPace: BetterSqlite3.Statement<[string, number, string]>;

  private constructor(path: string, db: BetterSqlite3.Database, now: () => Date) {
    this.path = path;
    this.#db = db;
    this.#now = now;

    this.#lookup = db.prepare<[string, string], ContactRow>(LOOKUP_SQL).raw(true);
    this.#recall = prepareRecall(db);
    const remember = prepareRememberRejections(db);
    this.#rememberRejections = (account, rows) => remember(account, rows, this.#now().toISOString());
    // Positions found this session wait in temporary tables (this connection's own), appended
    // as found, until applyPlacedRows writes them in one pass in key order.
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS placed_contacts (
        account TEXT NOT NULL, e164 TEXT NOT NULL, row_hash TEXT NOT NULL, row_seq INTEGER NOT NULL
      );
      CREATE TEMP TABLE IF NOT EXISTS placed_rejections (
        account TEXT NOT NULL, row_hash TEXT NOT NULL, row_seq INTEGER NOT NULL
      );
      CREATE TEMP TABLE IF NOT EXISTS rekeyed_contacts (
        account TEXT NOT NULL, e164 TEXT NOT NULL, payload_hash TEXT NOT NULL, row_hash TEXT NOT NULL,
        note TEXT, row_seq INTEGER, mobile_input TEXT
      );
    `);
    const placeContact = db.prepare<[string, string, string, number]>(
      `INSERT INTO temp.placed_contacts (account, e164, row_hash, row_seq) VALUES (?, ?, ?, ?)`,
    );
    const placeRejection = db.prepare<[string, string, number]>(
      `INSERT INTO temp.placed_rejections (account, row_hash, row_seq) VALUES (?, ?, ?)`,
    );
    this.#placeRows = db.transaction((account: string, rows: PlacedRows) => {
      for (const row of rows.contacts) placeContact.run(account, row.e164, row.rowHash, row.rowSeq);
      for (const row of rows.rejections) placeRejection.run(account, row.rowHash, row.rowSeq);
    });
    const placedCount = db
      .prepare<[string, string, string], number>(
        `SELECT (SELECT count(*) FROM temp.placed_contacts WHERE account = ?)
              + (SELECT count(*) FROM temp.placed_rejections WHERE account = ?)
              + (SELECT count(*) FROM temp.rekeyed_contacts WHERE account = ?)`,
      )
      .pluck(true);
    // In key order, so that the table's pages are visited once each. The row's fingerprint must
    // still be the one it was found by (a row recorded since has its own position); a row noted
    // twice gets one of its positions.
    const applyContacts = db.prepare<[string, string]>(
      `UPDATE contacts SET row_seq = p.row_seq
       FROM (SELECT e164, row_hash, row_seq FROM temp.placed_contacts WHERE account = ? ORDER BY e164) AS p
       WHERE contacts.account = ? AND contacts.e164 = p.e164
         AND contacts.row_hash = p.row_hash AND contacts.row_seq IS NULL`,
    );
    const applyRejections = db.prepare<[string, string]>(
      `UPDATE rejected_rows SET row_seq = p.row_seq
       FROM (SELECT row_hash, row_seq FROM temp.placed_rejections WHERE account = ? ORDER BY row_hash) AS p
       WHERE rejected_rows.account = ? AND rejected_rows.row_hash = p.row_hash
         AND rejected_rows.row_seq IS NULL`,
    );
    // The same in key order for re-keyed numbers, each only while its payload is the one it was
    // found unchanged against.
    const applyRekeyed = db.prepare<[string, string]>(
      `UPDATE contacts SET row_hash = r.row_hash, note = r.note, row_seq = r.row_seq, mobile_input = r.mobile_input
       FROM (SELECT e164, payload_hash, row_hash, note, row_seq, mobile_input FROM temp.rekeyed_contacts
             WHERE account = ? ORDER BY e164) AS r
       WHERE contacts.account = ? AND contacts.e164 = r.e164 AND contacts.payload_hash = r.payload_hash`,
    );
    const clearRekeyed = db.prepare<[string]>(`DELETE FROM temp.rekeyed_contacts WHERE account = ?`);
    const clearPlaced = db.prepare<[string]>(`DELETE FROM temp.placed_contacts WHERE account = ?`);
    const clearPlacedRejections = db.prepare<[string]>(
      `DELETE FROM temp.placed_rejections WHERE account = ?`,
    );
    this.#applyPlacedRows = db.transaction((account: string): number => {
      const count = placedCount.get(account, account, account) ?? 0;
      if (count === 0) return 0;
      // Many rows at once (the first run after positions came, or after an option or version
      // changed every fingerprint): update the tables without their position indexes and build
      // those again, one sort, instead of moving index entries per row at random (measured at 1M
      // rows: minutes, and gigabytes of WAL).
      const rebuild = count >= REBUILD_INDEXES_AT_ROWS;
      if (rebuild)
        db.exec(
          'DROP INDEX contacts_by_row_seq; DROP INDEX contacts_by_row_hash; DROP INDEX rejected_rows_by_row_seq',
        );
      applyRekeyed.run(account, account);
      applyContacts.run(account, account);
      applyRejections.run(account, account);
      if (rebuild) {
        db.exec(
          `${POSITION_INDEXES.contactsByRowSeq}; ${POSITION_INDEXES.contactsByRowHash}; ${POSITION_INDEXES.rejectedRowsByRowSeq}`,
        );
      }
      clearRekeyed.run(account);
      clearPlaced.run(account);
      clearPlacedRejections.run(account);
      return count;
    });
    this.#forgetRejections = db.prepare(`DELETE FROM rejected_rows WHERE account = ? AND recorded_at < ?`);
    const rekeyContact = db.prepare<
      [string, string, string, string, string | null, number | null, string | null]
    >(
      `INSERT INTO temp.rekeyed_contacts (account, e164, payload_hash, row_hash, note, row_seq, mobile_input)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#rekey = db.transaction((account: string, rows: readonly RekeyedRow[]) => {
      for (const row of rows)
        rekeyContact.run(
          account,
          row.e164,
          row.payloadHash,
          row.rowHash,
          row.note ?? null,
          row.rowSeq ?? null,
          row.mobileInput ?? null,
        );
    });
    this.#recordBatch = prepareRecordBatch(db);

    this.#insertRun = db.prepare(
      `INSERT INTO runs (id, command, job_key, source_sha256, options_hash, started_at, status, resumed_from, pid)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    );
    this.#finishRun = db.prepare(
      `UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE id = ? AND status = 'running'`,
    );
    this.#getRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
    // rowid is the insertion order: unlike started_at it does not depend on the callers' clocks.
    this.#latestRunOfJob = db.prepare(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE job_key = ? ORDER BY rowid DESC LIMIT 1`,
    );
    this.#resumeChain = db
      .prepare<[string, number], string>(
        `WITH RECURSIVE chain (id, resumed_from, depth) AS (
           SELECT id, resumed_from, 0 FROM runs WHERE id = ?
           UNION ALL
           SELECT runs.id, runs.resumed_from, chain.depth + 1
           FROM runs JOIN chain ON runs.id = chain.resumed_from
           WHERE chain.depth < ?
         )
         SELECT id FROM chain ORDER BY depth`,
      )
      .pluck(true);

    // One row per scope: its latest import (migration step 9).
    this.#markFile = db.prepare(
      `INSERT INTO processed_files (account, options_hash, sha256, path, run_id, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, options_hash) DO UPDATE SET
         sha256 = excluded.sha256, path = excluded.path, run_id = excluded.run_id, at = excluded.at`,
    );
    this.#getFile = db.prepare(
      `SELECT path, run_id AS runId, at FROM processed_files
       WHERE account = ? AND options_hash = ? AND sha256 = ?`,
    );

    this.#getPace = db
      .prepare<[string], number>(`SELECT rate FROM account_pace WHERE account = ?`)
      .pluck(true);
    this.#setPace = db.prepare(
      `INSERT INTO account_pace (account, rate, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (account) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at`,
    );
  }

  /**
   * Opens (creating if needed) the state database at `path` and brings its schema up to date.
   * A created folder gets mode 0700 and a created file 0600 (SQLite gives its `-wal` and `-shm`
   * files the database file's mode); existing ones keep theirs.
   *
   * @throws StateStoreError `STATE_UNAVAILABLE` (cannot create or open), `STATE_NOT_OURS` (not a
   *   sakari-sync state database), `STATE_TOO_NEW` (written by a newer sakari-sync).
   */
  static open(path: string, options: StateStoreOptions = {}): StateStore {
    const now = options.now ?? (() => new Date());
    try {
      mkdirSync(dirname(path), { recursive: true, mode: STATE_DIR_MODE });
      // Create the file ourselves so it never exists with a wider mode, even for an instant.
      closeSync(openSync(path, 'a', STATE_FILE_MODE));
    } catch (error) {
      throw new StateStoreError(
        'STATE_UNAVAILABLE',
        `cannot create the state database ${path}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }

    const giveUpAt = Date.now() + BUSY_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      let db: BetterSqlite3.Database;
      try {
        db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
      } catch (error) {
        throw new StateStoreError(
          'STATE_UNAVAILABLE',
          `cannot open the state database ${path}: ${message(error)}`,
          {
            cause: error,
          },
        );
      }
      try {
        db.pragma('journal_mode = WAL');
        configureConnection(db);
        migrate(db, path, now);
        return new StateStore(path, db, now);
      } catch (error) {
        db.close();
        // Two runs opening a new state at once: switching it to WAL (or creating its schema) can
        // fail at once with SQLITE_BUSY, without SQLite's busy wait; the other run is done in a
        // moment, and this one then finds the run lock held (exit 4), not an unusable file.
        if (isBusy(error) && Date.now() < giveUpAt) {
          sleepSync(Math.min(OPEN_RETRY_MAX_MS, OPEN_RETRY_MS * attempt));
          continue;
        }
        throw openFailure(error, path);
      }
    }
  }

  /**
   * What the store knows about these numbers of `account`, keyed by E.164; numbers it has never
   * seen acknowledged are absent. One statement per 500 numbers.
   */
  lookup(account: string, e164s: readonly string[]): Map<string, KnownContact> {
    return knownContacts(sqliteLookup(this.#lookup, account, e164s));
  }

  /**
   * Notes fingerprints of numbers found unchanged to bring up to date (see {@link RekeyedRow});
   * they are written by {@link applyPlacedRows}, in key order (after an option change that is
   * every row of an account: row by row at random, 1M rows took minutes). A number whose payload
   * hash is by then no longer the one given is left alone.
   */
  rekey(account: string, rows: readonly RekeyedRow[]): void {
    if (rows.length === 0) return;
    this.#rekey(account, rows);
  }

  /**
   * What `account`'s state knows of these source row fingerprints: the contacts last acknowledged
   * for them (see {@link AckedRow.rowHash}) and the rows rejected under them (see
   * {@link rememberRejections}), keyed by fingerprint; unknown ones are absent. A fingerprint held by
   * two numbers (which a deterministic normalisation never produces) is treated as unknown.
   * With `near`, the rows remembered at those positions are read first, in two range scans; then
   * one statement per 500 fingerprints not found there, and one for those of them no contact has.
   */
  recall(account: string, rowHashes: readonly string[], near?: SeqWindow): Recollection {
    return recollection(this.recallRows(account, rowHashes, near));
  }

  /** {@link recall}'s rows, as read. */
  recallRows(account: string, rowHashes: readonly string[], near?: SeqWindow): RecallRows {
    return sqliteRecall(this.#recall, account, rowHashes, near);
  }

  /**
   * Notes the positions a run found rows remembered without one at (see {@link PlacedRows}); they
   * are written by {@link applyPlacedRows}. The first position noted for a row wins.
   */
  placeRows(account: string, rows: PlacedRows): void {
    if (rows.contacts.length === 0 && rows.rejections.length === 0) return;
    this.#placeRows(account, rows);
  }

  /**
   * Writes the fingerprints noted by {@link rekey} and the positions noted by {@link placeRows},
   * in one transaction; returns how many rows were noted. A re-keyed number whose payload changed
   * since, and a placed row that has a position by now or whose fingerprint changed, are left alone.
   */
  applyPlacedRows(account: string): number {
    return this.#applyPlacedRows(account);
  }

  /**
   * Remembers rows rejected for what they hold, by fingerprint, in one transaction (see
   * {@link RememberedRejection}); a fingerprint already remembered is overwritten and its time renewed.
   */
  rememberRejections(account: string, rows: readonly RejectedRow[]): void {
    if (rows.length === 0) return;
    this.#rememberRejections(account, rows);
  }

  /**
   * Forgets the rejections of `account` remembered before `before`; returns how many. Keeps the
   * table from growing with rows no source holds any more (an old fingerprint is never met again).
   */
  forgetRejections(account: string, before: Date): number {
    return this.#forgetRejections.run(account, before.toISOString()).changes;
  }

  /** The store's clock (the time it stamps what it records). */
  get clock(): () => Date {
    return this.#now;
  }

  /**
   * Records what Sakari acknowledged for one batch, in one transaction: all rows or none. A row
   * already known is overwritten, except that a missing `contactId` keeps the known one. Record
   * only rows Sakari acknowledged (`created`, `updated`, `blocked`), never `failed` ones.
   *
   * @throws SqliteError when a row breaks a constraint (e.g. `e164` not E.164, `runId` not
   *   started with {@link startRun}); nothing of the batch is then recorded.
   */
  recordBatch(account: string, runId: string, rows: readonly AckedRow[]): void {
    if (rows.length === 0) return;
    this.#recordBatch(account, runId, rows, this.#now().toISOString());
  }

  /**
   * Records the start of a run, status `running`. Call it while holding the job's
   * {@link RunLock}, after {@link findResumable}.
   *
   * @throws StateStoreError `STATE_CONFLICT` when `resumedFrom` names an unknown run;
   *   SqliteError when the id is already used.
   */
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt'>): void {
    if (run.resumedFrom !== undefined && this.#getRun.get(run.resumedFrom) === undefined) {
      throw new StateStoreError(
        'STATE_CONFLICT',
        `run ${run.id} cannot resume unknown run ${run.resumedFrom}`,
      );
    }
    this.#insertRun.run(
      run.id,
      run.command,
      run.jobKey,
      run.sourceSha256,
      run.optionsHash,
      run.startedAt,
      run.resumedFrom ?? null,
      run.pid,
    );
  }

  /**
   * Records the end of a running run with its outcome counters.
   *
   * @throws StateStoreError `STATE_CONFLICT` when the run is unknown or already finished, or
   *   `status` is `running`.
   */
  finishRun(id: string, status: RunRecord['status'], counts: Record<string, number>): void {
    if (status === 'running') {
      throw new StateStoreError('STATE_CONFLICT', `run ${id} cannot be finished with status 'running'`);
    }
    const { changes } = this.#finishRun.run(status, this.#now().toISOString(), JSON.stringify(counts), id);
    if (changes === 1) return;
    const run = this.#getRun.get(id);
    throw new StateStoreError(
      'STATE_CONFLICT',
      run === undefined ? `cannot finish unknown run ${id}` : `run ${id} is already finished (${run.status})`,
    );
  }

  /** The run with this id, if any. */
  getRun(id: string): RunRecord | undefined {
    const row = this.#getRun.get(id);
    return row === undefined ? undefined : toRunRecord(row);
  }

  /**
   * The run a new run of this job should resume, if any: the job's **latest** run, provided it
   * was interrupted (`running`: killed or crashed; `aborted`) and read the same source with the
   * same options. An older interrupted run behind a later one is never offered: the later run
   * either completed that work or is itself the one to resume.
   *
   * Call it while holding the job's {@link RunLock} (so a `running` run is certainly dead) and
   * before {@link startRun} of the new run.
   */
  findResumable(jobKey: string, sourceSha256: string, optionsHash: string): RunRecord | undefined {
    const row = this.#latestRunOfJob.get(jobKey);
    if (row === undefined) return undefined;
    if (row.status !== 'running' && row.status !== 'aborted') return undefined;
    if (row.source_sha256 !== sourceSha256 || row.options_hash !== optionsHash) return undefined;
    return toRunRecord(row);
  }

  /**
   * The ids of a resume chain, newest first: `runId`, the run it resumed, the run that one
   * resumed, and so on. Empty when `runId` is unknown. A row whose {@link KnownContact.runId} is
   * in the chain was delivered by this (resumed) run and is reported with its recorded status.
   */
  resumeChain(runId: string): string[] {
    return this.#resumeChain.all(runId, MAX_RESUME_CHAIN);
  }

  /**
   * Records that a file with this content was imported successfully for `scope` (a completed run,
   * not a dry run): it is now the scope's latest import, in place of the one before.
   */
  markFileProcessed(sha256: string, scope: FileImportScope, info: { path: string; runId: string }): void {
    this.#markFile.run(
      scope.account,
      scope.optionsHash,
      sha256,
      info.path,
      info.runId,
      this.#now().toISOString(),
    );
  }

  /**
   * The import a file with this content would repeat: the latest file imported for `scope`, when it
   * had this content. Undefined when the scope's latest import had other content (a revert, an
   * inbox alternating between two files: importing it again is what brings Sakari back to it) or
   * when there was none. Records made before the scope was kept (step 9) match no scope.
   */
  fileProcessed(sha256: string, scope: FileImportScope): ProcessedFile | undefined {
    const row = this.#getFile.get(scope.account, scope.optionsHash, sha256);
    return row === undefined ? undefined : { path: row.path, runId: row.runId, at: row.at };
  }

  /** The pace (requests/s) the next run of `account` starts from, if one was remembered. */
  getPace(account: string): number | undefined {
    return this.#getPace.get(account);
  }

  /**
   * Remembers the pace (requests/s, > 0) the next run of `account` starts from.
   * @throws RangeError for a pace that is not a positive number.
   */
  setPace(account: string, rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(`pace for ${account}: expected requests per second > 0, got ${rate}`);
    }
    this.#setPace.run(account, rate, this.#now().toISOString());
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** A `runs` row as the {@link RunRecord} callers see. */
export function toRunRecord(row: RunRow): RunRecord {
  const run: RunRecord = {
    id: row.id,
    command: row.command,
    jobKey: row.job_key,
    sourceSha256: row.source_sha256,
    optionsHash: row.options_hash,
    startedAt: row.started_at,
    status: row.status,
    pid: row.pid,
  };
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  if (row.counts !== null) run.counts = JSON.parse(row.counts) as Record<string, number>;
  if (row.resumed_from !== null) run.resumedFrom = row.resumed_from;
  return run;
}

function isSqliteError(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
}

/** First wait, in ms, before opening a state again that another run is creating (it grows per try). */
const OPEN_RETRY_MS = 25;
/** Longest wait between two tries to open a state. */
const OPEN_RETRY_MAX_MS = 250;

/** SQLITE_BUSY and its extended codes (`SQLITE_BUSY_RECOVERY`, `SQLITE_BUSY_SNAPSHOT`…), and SQLITE_LOCKED. */
function isBusy(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'))
  );
}

/** Blocks the thread for `ms` (opening the state is synchronous, and happens once per run). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The error of a state that could not be opened (see {@link StateStore.open}). */
function openFailure(error: unknown, path: string): Error {
  if (error instanceof StateStoreError) return error;
  if (isSqliteError(error, 'SQLITE_NOTADB')) {
    return new StateStoreError(
      'STATE_NOT_OURS',
      `${path} is not a SQLite database; point --state at a sakari-sync state database or a new file`,
      { cause: error },
    );
  }
  return new StateStoreError(
    'STATE_UNAVAILABLE',
    `cannot use the state database ${path}: ${message(error)}`,
    {
      cause: error,
    },
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
