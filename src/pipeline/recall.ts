/**
 * The re-run stage (issue 16): a row that is exactly the row behind what Sakari last acknowledged
 * for its number, under the same options that shape normalisation, is recognised by its
 * fingerprint and settled without parsing its phone again.
 *
 * A CSV row's fingerprint is its record's text ({@link recordFingerprinter}); the CSV reader asks
 * about it before csv-parse sees the record (handing over the texts: the state's side, a large
 * SQLite run's state thread, fingerprints them), and a record recognised as a contact Sakari has,
 * or as a rejection that kept the row's values, is never parsed at all ({@link RowRecall.forReader},
 * `recognised.ts`). Any other row's fingerprint ({@link rowHash})
 * covers every mapped value. Both include a key of everything else the outcome depends on
 * ({@link recallKey}: the normalisation options and the versions of sakari-sync and
 * libphonenumber-js). The state store keeps it next to the E.164, payload hash and mobile input the
 * row produced (`contacts.row_hash`), and overwrites it whenever that number's payload is recorded
 * again, so a fingerprint found still stands for the payload Sakari has.
 */
import type { PlacedRows, Recollection, SeqWindow, StateBackend } from '../state/index.js';
import type { RecordFingerprinter, RecordRecall } from '../read/index.js';
import { PHONE_GUARD_SAMPLE_ROWS } from './phone-columns.js';
import { LIBPHONENUMBER_VERSION } from './phone-type.js';
// The canonical form's tokens and digest, shared with the payload hash: structural characters in a
// value are escaped, so two different rows never give the same form.
import {
  digest,
  FIELD_END,
  ITEM_END,
  KEY_VALUE,
  optional,
  recordFingerprint,
  token,
} from '../state/payload-hash.js';
import type { ImportSettings } from '../config.js';
import { normalisationOptions } from '../options.js';
import type { AllFields, Draft, Recalled, RecordRecollection, Rejected } from '../types.js';
import { SAKARI_SYNC_VERSION } from '../version.js';
import { perRow, resolveAhead, type Chunks } from '../chunks.js';
import { rejectedAgain, rememberedValues, settlesUnparsed } from './recognised.js';

/**
 * Version of the fingerprint's form and of what it includes. Bump it when the canonical form, or
 * anything a row's outcome depends on that is neither an option marked `shapesNormalisation` in
 * `src/options.ts` nor the package versions, changes: every stored fingerprint then stops matching and every row is parsed again.
 * r3: country names in six more languages, a `+` number no longer refused for its row's country,
 * ten NANP digits never read as international, a number read in --default-country when not valid
 * in the row's, digits with the country's own code read as its mobile rather than a landline
 * (phone-parse.ts).
 * r4: a phone labelled home or work in a label/value pair says so in the row's note even in the
 * first phone column, a spreadsheet's `'` before `= + - @` is dropped from every value, a
 * mobile, tags or attributes cell holding a JSON object or list is read as one, and a mapping's
 * target is matched to a field like a header (map-fields.ts); a row refused for its phone also
 * names a malformed email; a value with letters that
 * libphonenumber-js finds too short or too long is `PHONE_NOT_A_NUMBER` (phone-parse.ts).
 * r5: a row's mobile is the first mobile, else the first valid number, of its mobile's cell and
 * then of its other phone columns, not always the cell's first (normalise-phone.ts), and ` ::: `
 * always splits a cell; Android's `TEL;X-Mobile` is a mobile (vcard.ts); the first well-formed email is
 * taken among a row's email columns and values, a placeholder email (`-`, `n/a`) is no email;
 * a given name that holds the whole name no longer gets its last word as the family name
 * (map-fields.ts, validate.ts); a workbook number that is the same number with or without a
 * leading 0 no longer says the 0 was missing, a national number whose row names a country that
 * is not recognised is read in --default-country when valid there, a refused number is echoed
 * without a spreadsheet's `'` (phone-parse.ts).
 * r6: a workbook number valid as written is read so (no 0 restored; a restored 0 never makes an
 * international prefix); digits without `+` or trunk 0 whose national reading is no mobile but
 * whose international one is are that mobile; "read as international" only for unbroken digits,
 * or a first group that is the calling code, and with a country only for a mobile; thin and other
 * spaces and tabs are spaces, a label (`Mob:`, `(m)`) is removed; Mexico's `+52 1` is dropped
 * (phone-parse.ts); a ` / ` cell that is one valid number, or has a part that is none, is one
 * number (normalise-phone.ts); a cell is not split before an extension, and is split at a line
 * break, `|` and ` or ` (map-fields.ts); country names in 32 languages, `U.S.`, `the …`,
 * `Germany (DE)` are recognised (phone-country.ts); after the second audit: Mexico's 1 is dropped
 * only after a written 52, a foreign mobile over a landline reading only in open plans (DE, AT, IT),
 * a restored 0 keeps every digit written, VoIP/toll-free/UAN numbers are no mobile, more labels, a
 * calling code in brackets is read as one, Vietnam's pre-2018 11-digit mobiles are renumbered.
 * r7: Mexico's `044`/`045`/`01`, the Soviet long-distance `8` and a `(0)` after a calling code
 * without a trunk 0 are dropped from a number not valid with them, Brazil's `0xx` is its trunk 0
 * (phone-parse.ts); "or" in eight more languages and German's `bzw.` split a cell (number-joins.ts);
 * `00…` valid both after a carrier's prefix and after the ITU's is read by how it is written, or
 * refused; a `(0)` making a landline of an Italian mobile is refused; Mexico's `1 55 …` in a
 * Mexican row is Mexican; `+0…`, a calling code written twice, Benin's 8 and Chile's `09` digits,
 * `ー` between digits and more labels are read, Egypt's pre-2011 mobiles and `+0cc…` refused
 * naming the readings, `011 52 1…` and `88 01…` read, Hungary's lost `0` of `06` restored, former
 * numberings tried after the default country, labels `Telp`, `电话`, `Handy-Nr.`, `GSM-nr`, `ĐTDĐ`,
 * `HP/WA`, `Tel. cellulare` (phone-parse.ts); `、，；` split a cell, of ASCII or full-width digits
 * (map-fields.ts).
 * r8: digits without `+` or trunk prefix that are a landline of the row's country and a foreign
 * mobile are refused naming both, rather than read as the landline; a label before full-width
 * digits (`TEL：０９０…`), a label in brackets (`(cell)`), `C:`, `Contact`, Polish `Kom.`,
 * German `Handynummer`/`Mobiltelefon`, Finnish `Puh.`/`Matkapuhelin` and Greek `Κινητό`/`Τηλ.`
 * are removed, and so are labels after a dash (`Mobile - …`), two joined by `/`
 * (`Mobile/WhatsApp`) and `/ WA` or `(HP)` after the number; a WhatsApp link is its number, an Argentine landline refused by --require-mobile
 * says how the mobile is written (phone-parse.ts).
 * r9: a general phone (`General phone`) ranks before home and work ones, another person's or
 * entity's (`Mum-home-mobile`, `Parent Mobile`, `AssistantPhone`) and a `Phone 1 DNC` flag are
 * no phone columns, an associated company's columns
 * in HubSpot's export are no fields, `SUR NAME` is the last name (header-roles.ts,
 * map-fields.ts); a phone cell saying `NULL`, `N/A` or `#N/A` is no number (map-fields.ts); a
 * Chilean 8-digit mobile's refusal names its 9-digit number (phone-parse.ts); labelled numbers
 * one after the other in a cell (`Office: … Cell: …`) are split, and an opt-out naming no channel
 * (`Opted Out`) beside an SMS consent column blocks the row (map-fields.ts); direction marks and
 * zero-width characters are removed from a phone (phone-parse.ts); `Mobile (with country code)`
 * and Korean, Indonesian, Hebrew, Persian and Arabic phone headers are phone columns, and a phone
 * header naming the person (`ContactPhone`) comes before its kind's others (header-roles.ts); a
 * refusal names the row's country when the number has its calling code (`too short for KZ`).
 */
const RECALL_VERSION = 'r9';

/** The versions whose code turns a mapped row into an E.164 and a payload. */
const VERSIONS = {
  sakariSync: SAKARI_SYNC_VERSION,
  libphonenumber: LIBPHONENUMBER_VERSION,
};

/**
 * The key of everything besides the mapped values that shapes a row's outcome: the options and
 * the versions of sakari-sync and libphonenumber-js. Any change makes every row parse again.
 */
export function recallKey(settings: ImportSettings, versions: typeof VERSIONS = VERSIONS): string {
  const relevant = {
    version: RECALL_VERSION,
    sakariSync: versions.sakariSync,
    libphonenumber: versions.libphonenumber,
    // Every option the table marks as shaping a row's outcome (src/options.ts).
    options: normalisationOptions(settings),
  };
  return digest(JSON.stringify(relevant));
}

/**
 * The fingerprint of a mapped row under `key` ({@link recallKey}): every value the later stages
 * read (number, country, names, email, tags in order, attributes in order, consent, how the number
 * cell was stored, which column it came from, the other numbers of its cell, the mapping's notes). Not its line: a row that moved
 * in the file is still the same row.
 */
export function rowHash(draft: Draft, key: string): string {
  let form =
    key +
    FIELD_END +
    token(draft.mobileInput) +
    FIELD_END +
    optional(draft.country) +
    FIELD_END +
    optional(draft.firstName) +
    FIELD_END +
    optional(draft.lastName) +
    FIELD_END +
    optional(draft.email) +
    FIELD_END +
    optional(draft.consent) +
    FIELD_END +
    (draft.mobileNumeric ? '1' : '0') +
    FIELD_END +
    optional(draft.mobileColumn) +
    FIELD_END +
    optional(draft.note) +
    FIELD_END;
  for (const { input, column } of draft.mobileAlternates ?? [])
    form += token(column) + KEY_VALUE + token(input) + ITEM_END;
  form += FIELD_END;
  for (const tag of draft.tags) form += token(tag) + ITEM_END;
  form += FIELD_END;
  const attributes = draft.attributes;
  for (const name in attributes)
    form += token(name) + KEY_VALUE + token(attributes[name] as string) + ITEM_END;
  return digest(form);
}

/** Options of {@link recallRows}. */
export interface RecallOptions {
  /** The state to recall from; `null`: no state, nothing recalled and no fingerprint computed. */
  store: StateBackend | null;
  account: string;
  /** {@link recallKey} of the run's settings. */
  key: string;
  /** `--full`: every valid row is sent, so none is recalled (fingerprints are still recorded). */
  full: boolean;
  /** Counts the rows recalled, when given. */
  stats?: RecallStats;
  /**
   * Where rows recalled without a position get the one they were found at (see `PlacedRows`), so
   * the next run finds them in a range scan; absent or `null` (a dry run): nowhere.
   */
  placeStore?: StateBackend | null;
}

/** What {@link recallRows} did. */
export interface RecallStats {
  /** Rows recognised as a contact Sakari acknowledged. */
  recalled: number;
  /** Rows recognised as rejected before (invalid, or blocked by the source). */
  rejectionsRecalled: number;
  /** Of both, the rows found in the range scan around their position (see `SeqWindow`). */
  inPlace: number;
  /** Of both, the CSV records the reader recognised and never parsed. */
  unparsed: number;
}

/**
 * How long the state remembers a rejected row after a run last parsed it: a row still in the
 * source is parsed again once in that time (and remembered anew); one no source holds any more
 * is forgotten. Rejections are pruned when a run completes.
 */
export const REJECTION_MEMORY_MS = 30 * 24 * 60 * 60 * 1000;

/** Look-ups in flight: the store answers while the main thread reads on. */
const RECALL_AHEAD = 4;

/**
 * Positions on either side of a chunk's own that its recall reads in the range scan: a row that
 * moved by fewer than this since it was recorded (rows inserted or deleted before it in a chunk
 * not yet seen) is found there. Farther moves are followed (see `Drift`) or looked up one by one.
 * The scan reads every row it covers, and a CSV chunk is ~250 records: at 64 a side the windows
 * read 1.5 rows per record (1.28M contacts for 856k of a 1M-row re-run), at 16, 1.13. Measured
 * on 1M-row unchanged re-runs, alternating: 16 was faster in six pairs out of six (0.25–1.2 s of
 * 7–9 s, 1–2 s less CPU); a shift of 17–64 rows now costs the next chunk's look-ups one by one
 * (~250 seeks) before the windows follow it.
 */
const WINDOW_MARGIN = 16;

/**
 * How far the rows of this run stand from where they were recorded: the position a recalled row
 * was recorded at minus its position now, as the last recall found it. Rows deleted before a
 * point of an export shift every later row by the same amount; the next windows follow them.
 */
interface Drift {
  offset: number;
}

/**
 * The fingerprint function of a CSV source's records ({@link RecordRecall.fingerprinter}): a
 * record's text under `key`, its header record's text and its delimiter. The record as written
 * stands for its mapped row (mapping depends on nothing else: header, values, and the options in
 * the key), so a record that is byte for byte the same is the same row; any other change, even
 * in a column not mapped, makes it parse again.
 */
export function recordFingerprinter(key: string, header: string, delimiter: string): RecordFingerprinter {
  const prefix =
    digest(key + FIELD_END + 'csv' + FIELD_END + token(delimiter) + FIELD_END + header) + FIELD_END;
  return { prefix, of: (record) => recordFingerprint(prefix, record) };
}

/**
 * A run's recall: the state it asks, and how far its rows stand from where they were recorded
 * (see `Drift`), shared by the CSV reader (which asks before parsing) and {@link recallChunks}.
 */
export class RowRecall {
  private readonly drift: Drift = { offset: 0 };

  constructor(
    readonly options: RecallOptions,
    private readonly store: StateBackend,
  ) {}

  /** What the CSV reader needs: the fingerprints, and, unless `--full`, the look-up. */
  forReader(): RecordRecall {
    const { key } = this.options;
    return {
      fingerprinter: (header, delimiter) => recordFingerprinter(key, header, delimiter),
      parseFirst: PHONE_GUARD_SAMPLE_ROWS,
      ahead: RECALL_AHEAD,
      lookup: this.options.full
        ? undefined
        : (records, fingerprinter, firstSeq) => this.lookupRecords(records, fingerprinter, firstSeq),
      settlesUnparsed,
    };
  }

  /**
   * What the state knows of fingerprints of rows standing at about `first`…`last`, read in a range
   * scan around where they were recorded and then one by one.
   */
  async lookup(fingerprints: readonly string[], first: number, last: number): Promise<Recollection> {
    const near = this.window(first, last);
    const known = await this.store.recall(this.options.account, fingerprints, near);
    for (const contact of known.contacts.values()) this.countInPlace(contact.rowSeq, near);
    for (const rejection of known.rejections.values()) this.countInPlace(rejection.rowSeq, near);
    return known;
  }

  /** The positions a recall of rows standing at `first`…`last` scans (see `SeqWindow`). */
  private window(first: number, last: number): SeqWindow {
    return {
      from: first + this.drift.offset - WINDOW_MARGIN,
      to: last + this.drift.offset + WINDOW_MARGIN,
    };
  }

  /** Counts a row found at `rowSeq` as found in the range scan `near`, when it was. */
  private countInPlace(rowSeq: number | undefined, near: SeqWindow): void {
    const { stats } = this.options;
    if (stats && rowSeq !== undefined && rowSeq >= near.from && rowSeq <= near.to) stats.inPlace++;
  }

  /** Follows where the rows found stand now (see `Drift`). */
  follow(offsets: Offsets): void {
    const offset = offsets.common();
    if (offset !== undefined) this.drift.offset = offset;
  }

  /**
   * {@link RecordRecall.lookup}: records at `firstSeq` and after, in order, fingerprinted where
   * the state is read (`StateBackend.recallRecords`).
   */
  private async lookupRecords(
    records: readonly string[],
    fingerprinter: RecordFingerprinter,
    firstSeq: number,
  ): Promise<RecordRecollection> {
    // The records are rows one after another: `at` where the first was recorded if in place.
    const near = {
      ...this.window(firstSeq, firstSeq + records.length - 1),
      at: firstSeq + this.drift.offset,
    };
    const answer = await this.store.recallRecords(this.options.account, fingerprinter.prefix, records, near);
    const offsets = new Offsets();
    answer.known.forEach((known, index) => {
      const rowSeq = (known?.contact ?? known?.rejection)?.rowSeq;
      if (rowSeq === undefined) return;
      this.countInPlace(rowSeq, near);
      offsets.add(rowSeq - (firstSeq + index));
    });
    this.follow(offsets);
    return answer;
  }
}

/**
 * Stage (between `mapFields` and `normalisePhones`): every row without a problem comes out as a new
 * draft carrying its fingerprint (`rowHash`, recorded with the contact once Sakari acknowledges
 * it); a row whose fingerprint the store knows becomes a {@link Recalled} row. Order is kept.
 */
export function recallRows(
  drafts: AsyncIterable<Draft>,
  options: RecallOptions,
): AsyncGenerator<Draft | Recalled | Rejected> {
  return perRow((chunks) => recallChunks(chunks, options), drafts);
}

/**
 * {@link recallRows}, a chunk at a time (see `chunks.ts`). `recall`: the run's {@link RowRecall}
 * when the reader shares it (CSV records it recognised arrive as {@link Recalled} or
 * {@link Rejected} rows already).
 */
export function recallChunks(
  drafts: Chunks<Draft | Recalled | Rejected>,
  options: RecallOptions,
  recall?: RowRecall,
): AsyncIterable<Array<Draft | Recalled | Rejected>> {
  const { store } = options;
  if (!store) return drafts;
  const shared = recall ?? new RowRecall(options, store);
  return resolveAhead(drafts, RECALL_AHEAD, (chunk) => resolveChunk(chunk, shared, options));
}

/**
 * The offsets of a chunk's recalled rows (recorded position minus position now), and the most
 * common of them: a row moved on its own (sorted to the top, say) does not pull the next windows
 * away from where its neighbours are.
 */
class Offsets {
  private readonly counts = new Map<number, number>();
  private best: number | undefined;
  private bestCount = 0;

  add(offset: number): void {
    const count = (this.counts.get(offset) ?? 0) + 1;
    this.counts.set(offset, count);
    if (count >= this.bestCount) {
      this.best = offset;
      this.bestCount = count;
    }
  }

  common(): number | undefined {
    return this.best;
  }
}

/** The draft with its fingerprint. */
function fingerprinted(draft: Draft, hash: string): Draft {
  const hashed: AllFields<Draft> = {
    kind: 'draft',
    ref: draft.ref,
    raw: draft.raw,
    mobileInput: draft.mobileInput,
    country: draft.country,
    firstName: draft.firstName,
    lastName: draft.lastName,
    email: draft.email,
    tags: draft.tags,
    attributes: draft.attributes,
    error: undefined,
    mobileColumn: draft.mobileColumn,
    mobileNumeric: draft.mobileNumeric,
    mobileAlternates: draft.mobileAlternates,
    consent: draft.consent,
    note: draft.note,
    rowHash: hash,
    known: undefined,
  };
  return hashed;
}

/** Nothing looked up. */
const NOTHING_RECALLED: Recollection = { contacts: new Map(), rejections: new Map() };

/**
 * A chunk's rows in order: recognised rows as {@link Recalled}, the others as drafts with their
 * fingerprint. A draft in error has none (it is never recorded) and is passed on as it is. Rows the
 * reader looked up already (`Draft.known`, or recognised unparsed) are not asked about again.
 */
function resolveChunk(
  chunk: Array<Draft | Recalled | Rejected>,
  recall: RowRecall,
  options: RecallOptions,
): Array<Draft | Recalled | Rejected> | Promise<Array<Draft | Recalled | Rejected>> {
  // One fingerprint per row ('' for a row in error or recalled already), so that a recalled row
  // needs no new draft.
  const hashes: string[] = [];
  const asked: string[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const item of chunk) {
    const hash =
      item.kind !== 'draft' || item.error !== undefined ? '' : (item.rowHash ?? rowHash(item, options.key));
    hashes.push(hash);
    if (hash === '' || (item.kind === 'draft' && item.known !== undefined)) continue;
    asked.push(hash);
    const { seq } = item.ref;
    if (seq < first) first = seq;
    if (seq > last) last = seq;
  }
  if (options.full) {
    return chunk.map((item, index) => {
      const hash = hashes[index] as string;
      return item.kind !== 'draft' || hash === '' ? item : fingerprinted(item, hash);
    });
  }
  // Nothing to ask (the reader asked already): settled now, so the chunk goes on at once.
  if (asked.length === 0) return settleChunk(chunk, hashes, NOTHING_RECALLED, recall, options);
  return recall
    .lookup(asked, first, last)
    .then((known) => settleChunk(chunk, hashes, known, recall, options));
}

/** The chunk's rows settled with what the state knew of its fingerprints (see {@link resolveChunk}). */
function settleChunk(
  chunk: Array<Draft | Recalled | Rejected>,
  hashes: readonly string[],
  known: Recollection,
  recall: RowRecall,
  options: RecallOptions,
): Array<Draft | Recalled | Rejected> | Promise<Array<Draft | Recalled | Rejected>> {
  const { stats } = options;
  const placed: PlacedRows = { contacts: [], rejections: [] };
  const offsets = new Offsets();
  const resolved = chunk.map((item, index): Draft | Recalled | Rejected => {
    const { seq } = item.ref;
    if (item.kind === 'recalled') {
      // Recognised by the reader, unparsed.
      if (stats) {
        stats.recalled++;
        stats.unparsed++;
      }
      const { recalled } = item;
      if (recalled.rowSeq === undefined && item.rowHash !== undefined)
        placed.contacts.push({ e164: recalled.e164, rowHash: item.rowHash, rowSeq: seq });
      return item;
    }
    if (item.kind === 'rejected') {
      // Recognised by the reader as a remembered rejection, unparsed: the map stage made the row
      // from the values the state kept. Those were remembered with the row's position.
      if (stats) {
        stats.rejectionsRecalled++;
        stats.unparsed++;
      }
      return item;
    }
    const hash = hashes[index] as string;
    if (hash === '') return item;
    const byReader = item.known;
    const recalled = byReader ? byReader.contact : known.contacts.get(hash);
    if (recalled !== undefined) {
      if (stats) stats.recalled++;
      if (recalled.rowSeq === undefined)
        placed.contacts.push({ e164: recalled.e164, rowHash: hash, rowSeq: seq });
      else if (!byReader) offsets.add(recalled.rowSeq - seq);
      const row: AllFields<Recalled> = {
        kind: 'recalled',
        ref: item.ref,
        raw: item.raw,
        mobileInput: item.mobileInput,
        recalled,
        rowHash: hash,
        unparsed: undefined,
      };
      return row;
    }
    const rejection = byReader ? byReader.rejection : known.rejections.get(hash);
    if (rejection === undefined) return fingerprinted(item, hash);
    if (stats) stats.rejectionsRecalled++;
    if (rejection.rowSeq === undefined) placed.rejections.push({ rowHash: hash, rowSeq: seq });
    else if (!byReader) offsets.add(rejection.rowSeq - seq);
    // Remembered before rejections kept their values: remembered again with them, so that the
    // next run leaves the record unparsed.
    const again = rejection.sourceValues === undefined && rememberedValues(item.raw) !== undefined;
    return rejectedAgain(item, rejection, again ? hash : undefined);
  });
  recall.follow(offsets);
  if (options.placeStore && (placed.contacts.length > 0 || placed.rejections.length > 0))
    return options.placeStore.placeRows(options.account, placed).then(() => resolved);
  return resolved;
}
