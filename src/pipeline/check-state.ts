import { BLOCKED_API_CODE } from '../codes.js';
import { joinNotes } from './normalise-phone.js';
import type { KnownContact, RekeyedRow, StateBackend } from '../state/index.js';
import { payloadHash } from '../state/index.js';
import {
  unexpectedKind,
  type AllFields,
  type HeldBy,
  type Recalled,
  type Contact,
  type Rejected,
  type RowOutcome,
  type SourceRef,
} from '../types.js';
import { perRow, resolveAhead, type Chunks } from '../chunks.js';

/** A valid contact that still has to go to Sakari, with the hash the state store will remember. */
export interface PendingContact extends Omit<Contact, 'kind'> {
  kind: 'pending';
  payloadHash: string;
  /** What the state store knew of this number before the run. */
  known?: KnownContact;
}

export interface CheckStateOptions {
  store: StateBackend | null;
  account: string;
  /** Send every valid row, even those Sakari already has. */
  full: boolean;
  /** Runs whose acknowledgements count as this run's own (a resumed run and those it continues). */
  resumeChain: ReadonlySet<string>;
  /**
   * Where to bring the fingerprints of rows found unchanged up to date (see `RekeyedRow`), so the
   * next run recalls them; `null` in a dry run, which changes no state.
   */
  rekeyStore?: StateBackend | null;
}

/** Look-ups in flight: the store answers while the main thread reads on. */
const LOOKUP_AHEAD = 4;

/**
 * The incremental-sync stage. A valid row whose payload hash equals what Sakari last acknowledged
 * becomes `unchanged` and is not sent; rows a resumed run already delivered keep the outcome they
 * really had; numbers Sakari refused as opted out are not sent again while their payload is the same.
 * The store is asked once per chunk (the state stores cut large chunks further).
 */
export function checkState(
  items: AsyncIterable<Contact | Rejected | Recalled>,
  options: CheckStateOptions,
): AsyncGenerator<PendingContact | Rejected | RowOutcome> {
  return perRow((chunks) => checkStateChunks(chunks, options), items);
}

/** {@link checkState}, a chunk at a time (see `chunks.ts`). */
export function checkStateChunks(
  items: Chunks<Contact | Rejected | Recalled>,
  options: CheckStateOptions,
): AsyncGenerator<Array<PendingContact | Rejected | RowOutcome>> {
  return resolveAhead(items, LOOKUP_AHEAD, (chunk) => resolveChunk(chunk, options));
}

/**
 * A chunk's rows in order: contacts checked against the store, the others settled already. The
 * numbers of rows the source blocks are looked up too (in the same statement): one Sakari has
 * from an earlier run is reported as such ({@link Rejected.heldBy}).
 */
function resolveChunk(
  chunk: Array<Contact | Rejected | Recalled>,
  options: CheckStateOptions,
): Promise<Array<PendingContact | Rejected | RowOutcome>> | Array<PendingContact | Rejected | RowOutcome> {
  const contacts: Contact[] = [];
  const blocked: string[] = [];
  for (const item of chunk) {
    if (item.kind === 'contact') contacts.push(item);
    else if (item.kind === 'rejected' && item.status === 'blocked' && item.mobileE164 !== undefined)
      blocked.push(item.mobileE164);
  }
  const merge = ({ checked, known }: CheckedChunk): Array<PendingContact | Rejected | RowOutcome> => {
    let next = 0;
    return chunk.map((item) =>
      item.kind === 'contact'
        ? (checked[next++] as PendingContact | RowOutcome)
        : settle(item, options, known),
    );
  };
  if (contacts.length === 0 && (blocked.length === 0 || !options.store)) return merge(NOTHING_CHECKED);
  return checkContacts(contacts, blocked, options).then(merge);
}

/** The contacts of a chunk checked, and what the store knew of the numbers looked up. */
interface CheckedChunk {
  checked: Array<PendingContact | RowOutcome>;
  known: ReadonlyMap<string, KnownContact>;
}

const NOTHING_CHECKED: CheckedChunk = { checked: [], known: new Map() };

/**
 * A blocked row whose number Sakari has (created or updated by a run, per the store): nothing
 * sakari-sync does removes it, so its report line says so. Refused numbers (CONT-010) are not held.
 */
function heldBlocked(rejected: Rejected, known: ReadonlyMap<string, KnownContact>): Rejected {
  if (rejected.status !== 'blocked' || rejected.mobileE164 === undefined) return rejected;
  const previous = known.get(rejected.mobileE164);
  if (previous === undefined || previous.status === 'blocked') return rejected;
  const heldBy: AllFields<HeldBy & { by: 'state' }> = {
    by: 'state',
    runId: previous.runId,
    contactId: previous.contactId,
  };
  return { ...rejected, heldBy };
}

/** A row that needs no look-up of its own: rejected on the way, or recognised by its fingerprint. */
function settle(
  item: Rejected | Recalled,
  options: CheckStateOptions,
  known: ReadonlyMap<string, KnownContact>,
): Rejected | RowOutcome {
  switch (item.kind) {
    case 'rejected':
      return heldBlocked(item, known);
    case 'recalled': {
      // Recognised by its fingerprint: the payload Sakari has is this row's (see recall.ts).
      const { recalled } = item;
      return settledOutcome(
        {
          ref: item.ref,
          raw: item.raw,
          mobileInput: item.mobileInput,
          e164: recalled.e164,
          note: recalled.note,
        },
        recalled,
        options.resumeChain,
      );
    }
    default:
      return unexpectedKind(item);
  }
}

async function checkContacts(
  chunk: Contact[],
  blocked: readonly string[],
  options: CheckStateOptions,
): Promise<CheckedChunk> {
  const { store } = options;
  if (!store) {
    // No state: every row is sent and nothing is remembered, so there is no hash to compute.
    return { checked: chunk.map((contact) => pending(contact, '', undefined)), known: NOTHING_CHECKED.known };
  }
  const known = await store.lookup(options.account, [
    ...chunk.map((contact) => contact.payload.mobile),
    ...blocked,
  ]);
  const rekeyed: RekeyedRow[] = [];
  const resolved = chunk.map((contact) => {
    const hash = payloadHash(contact.payload);
    const previous = known.get(contact.payload.mobile);
    if (previous && previous.payloadHash === hash && !options.full) {
      const { rowHash, note } = contact;
      if (rowHash !== undefined && (previous.rowHash !== rowHash || previous.note !== note))
        rekeyed.push({
          e164: contact.payload.mobile,
          payloadHash: hash,
          rowHash,
          note,
          rowSeq: contact.ref.seq,
          mobileInput: contact.mobileInput,
        });
      return settledOutcome(settledRow(contact), previous, options.resumeChain);
    }
    return pending(contact, hash, previous);
  });
  if (rekeyed.length > 0 && options.rekeyStore) await options.rekeyStore.rekey(options.account, rekeyed);
  return { checked: resolved, known };
}

/** The contact to send, with the payload hash to remember and what the store knew of its number. */
function pending(contact: Contact, hash: string, known: KnownContact | undefined): PendingContact {
  const item: AllFields<PendingContact> = {
    kind: 'pending',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    payload: contact.payload,
    consent: contact.consent,
    note: contact.note,
    rowHash: contact.rowHash,
    payloadHash: hash,
    known,
  };
  return item;
}

/** What {@link settledOutcome} reports of a row. */
interface SettledRow {
  ref: SourceRef;
  raw: Record<string, unknown>;
  mobileInput: string;
  e164: string;
  note?: string;
}

function settledRow(contact: Contact): SettledRow {
  return {
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    e164: contact.payload.mobile,
    note: contact.note,
  };
}

/** What a row is settled against: the state's record of its number (by number, or by fingerprint). */
type Settling = Pick<KnownContact, 'status' | 'runId' | 'contactId'>;

function settledOutcome(
  contact: SettledRow,
  previous: Settling,
  resumeChain: ReadonlySet<string>,
): RowOutcome {
  if (previous.status === 'blocked') {
    return settled(
      contact,
      previous,
      'blocked',
      BLOCKED_API_CODE,
      'opted out: Sakari refused this number before (requested no further communication); not sent again',
    );
  }
  if (resumeChain.has(previous.runId)) {
    // Delivered by the interrupted attempt this run resumes: report what really happened to it.
    return settled(
      contact,
      previous,
      previous.status,
      undefined,
      joinNotes(`delivered before the interruption (run ${previous.runId})`, contact.note),
    );
  }
  return settled(contact, previous, 'unchanged', undefined, contact.note);
}

/** The outcome of a row settled from what the store knew (built for every row a re-run recognises). */
function settled(
  contact: SettledRow,
  previous: Settling,
  status: RowOutcome['status'],
  code: string | undefined,
  message: string | undefined,
): RowOutcome {
  const outcome: AllFields<RowOutcome> = {
    kind: 'outcome',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    mobileE164: contact.e164,
    contactId: previous.contactId,
    status,
    code,
    message,
  };
  return outcome;
}
