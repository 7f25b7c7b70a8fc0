import { BLOCKED_API_CODE } from '../codes.js';
import { joinNotes } from './normalise-phone.js';
import type { KnownContact, StateBackend } from '../state/index.js';
import { payloadHash } from '../state/index.js';
import type { Contact, Rejected, RowOutcome } from '../types.js';

/** A valid contact that still has to go to Sakari, with the hash the state store will remember. */
export interface PendingContact extends Contact {
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
}

/**
 * Rows ask the state store only in chunks: one look-up per chunk keeps the SQLite cost per row
 * to a fraction of a microsecond instead of a round trip each.
 */
const LOOKUP_CHUNK = 500;

/**
 * The incremental-sync stage. A valid row whose payload hash equals what Sakari last acknowledged
 * becomes `unchanged` and is not sent; rows a resumed run already delivered keep the outcome they
 * really had; numbers Sakari refused as opted out are not sent again while their payload is the same.
 */
export async function* checkState(
  items: AsyncIterable<Contact | Rejected>,
  options: CheckStateOptions,
): AsyncGenerator<PendingContact | Rejected | RowOutcome> {
  let chunk: Contact[] = [];
  for await (const item of items) {
    if (!('payload' in item)) {
      yield item;
      continue;
    }
    chunk.push(item);
    if (chunk.length >= LOOKUP_CHUNK) {
      yield* await resolveChunk(chunk, options);
      chunk = [];
    }
  }
  if (chunk.length > 0) yield* await resolveChunk(chunk, options);
}

async function resolveChunk(
  chunk: Contact[],
  options: CheckStateOptions,
): Promise<Array<PendingContact | RowOutcome>> {
  const { store } = options;
  if (!store) {
    // No state: every row is sent and nothing is remembered, so there is no hash to compute.
    return chunk.map((contact) => Object.assign(contact, { payloadHash: '' }));
  }
  const known = await store.lookup(
    options.account,
    chunk.map((contact) => contact.payload.mobile),
  );
  return chunk.map((contact) => {
    const hash = payloadHash(contact.payload);
    const previous = known.get(contact.payload.mobile);
    if (previous && previous.payloadHash === hash && !options.full) {
      return settledOutcome(contact, previous, options.resumeChain);
    }
    // Extended in place: one object per row through the whole pipeline.
    return Object.assign(contact, { payloadHash: hash, known: previous });
  });
}

function settledOutcome(
  contact: Contact,
  previous: KnownContact,
  resumeChain: ReadonlySet<string>,
): RowOutcome {
  const base = {
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    mobileE164: contact.payload.mobile,
    contactId: previous.contactId,
  };
  if (previous.status === 'blocked') {
    return {
      ...base,
      status: 'blocked',
      code: BLOCKED_API_CODE,
      message:
        'opted out: Sakari refused this number before (requested no further communication); not sent again',
    };
  }
  if (resumeChain.has(previous.runId)) {
    // Delivered by the interrupted attempt this run resumes: report what really happened to it.
    return {
      ...base,
      status: previous.status,
      message: joinNotes(`delivered before the interruption (run ${previous.runId})`, contact.note),
    };
  }
  const note = contact.note;
  return note === undefined
    ? { ...base, status: 'unchanged' }
    : { ...base, status: 'unchanged', message: note };
}
