import { joinNotes } from './normalise-phone.js';
import { BLOCKED_API_CODE, NO_RESULT_CODE } from '../codes.js';
import { failureCode, SakariHttpError } from '../sakari/errors.js';
import type { ContactOutcome, ContactSink } from '../sakari/types.js';
import type { AckedRow, StateBackend } from '../state/index.js';
import type { MergeStrategy, RowOutcome } from '../types.js';
import type { Batch } from './batch.js';
import type { PendingContact } from './check-state.js';

export interface UpsertContext {
  /** null in a dry run: nothing is sent. */
  sink: ContactSink | null;
  mergeStrategy: MergeStrategy;
  store: StateBackend | null;
  account: string;
  runId: string;
}

/** HTTP statuses that say "this account or token is wrong", not "this row is wrong": splitting cannot help. */
const RUN_LEVEL_STATUSES = new Set([401, 403, 404]);

/**
 * Contacts refused alone, with the batch's own refusal and before any part of the batch was
 * stored, after which the refusal is taken as the whole batch's (an account limit, a proxy's 400
 * page, a body the server cannot read) and the rest fail without being tried: halving down to
 * every single row cost two requests a row (398 for 200 rows). Rows refused one by one for
 * themselves are isolated as before: once any part is stored, halving goes on.
 */
const WHOLESALE_AFTER_SINGLE_REFUSALS = 4;

/** How one batch's halving goes (see {@link WHOLESALE_AFTER_SINGLE_REFUSALS}). */
interface Isolation {
  /** Code and message of the batch's refusal. */
  refusal?: string;
  /** A part of the batch was stored. */
  stored: boolean;
  /** Single contacts refused as the batch was. */
  singleRefusals: number;
  /** Set once the refusal is taken as the batch's: the rows left fail with it, untried. */
  wholesale?: SakariHttpError;
}

/**
 * Sends one batch and settles every row of it. A batch the API refuses as a whole (a 4xx other than
 * auth) is split in halves until the rows it refuses are isolated, so one bad row fails alone;
 * unless single contacts are refused as the batch was before anything was stored, which is the
 * whole batch's refusal ({@link WHOLESALE_AFTER_SINGLE_REFUSALS}).
 * What Sakari acknowledged is written to the state store in one transaction before this resolves.
 * Run-level failures (auth, retries exhausted) are thrown: the run aborts and can be resumed.
 */
export async function upsertBatch(batch: Batch, context: UpsertContext): Promise<RowOutcome[]> {
  if (!context.sink) return batch.contacts.map(dryRunOutcome);
  return sendPart(batch.contacts, context.sink, context, { stored: false, singleRefusals: 0 });
}

async function sendPart(
  contacts: PendingContact[],
  sink: ContactSink,
  context: UpsertContext,
  isolation: Isolation,
): Promise<RowOutcome[]> {
  const { wholesale } = isolation;
  if (wholesale !== undefined) {
    const message = `Sakari refused the batch as a whole, and contacts tried alone the same way: ${wholesale.message}; not tried alone`;
    return contacts.map((contact) =>
      outcomeOf(contact, { status: 'failed', code: failureCode(wholesale), message }),
    );
  }
  let outcomes: Map<string, ContactOutcome>;
  try {
    const result = await sink.upsertBatch(
      contacts.map((contact) => contact.payload),
      context.mergeStrategy,
    );
    outcomes = result.outcomes;
  } catch (error) {
    if (!(error instanceof SakariHttpError) || error.retryable || RUN_LEVEL_STATUSES.has(error.status))
      throw error;
    const refusal = `${failureCode(error)} ${error.message}`;
    isolation.refusal ??= refusal;
    if (contacts.length === 1) {
      if (refusal === isolation.refusal) isolation.singleRefusals++;
      if (!isolation.stored && isolation.singleRefusals >= WHOLESALE_AFTER_SINGLE_REFUSALS)
        isolation.wholesale = error;
      return [
        outcomeOf(contacts[0]!, { status: 'failed', code: failureCode(error), message: error.message }),
      ];
    }
    const middle = Math.ceil(contacts.length / 2);
    const first = await sendPart(contacts.slice(0, middle), sink, context, isolation);
    const second = await sendPart(contacts.slice(middle), sink, context, isolation);
    return [...first, ...second];
  }
  isolation.stored = true;
  const settled = contacts.map((contact) =>
    outcomeOf(
      contact,
      outcomes.get(contact.payload.mobile) ?? {
        status: 'failed',
        code: NO_RESULT_CODE,
        message: 'Sakari did not report on this contact',
      },
    ),
  );
  await recordAcknowledged(contacts, settled, context);
  return settled;
}

async function recordAcknowledged(
  contacts: PendingContact[],
  settled: RowOutcome[],
  context: UpsertContext,
): Promise<void> {
  if (!context.store) return;
  const acked: AckedRow[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'blocked') {
      const contact = contacts[i]!;
      acked.push({
        e164: contact.payload.mobile,
        payloadHash: contact.payloadHash,
        contactId: outcome.contactId,
        status: outcome.status,
        rowHash: contact.rowHash,
        mobileInput: contact.mobileInput,
        note: contact.note,
        rowSeq: contact.ref.seq,
      });
    }
  });
  if (acked.length > 0) await context.store.recordBatch(context.account, context.runId, acked);
}

function outcomeOf(contact: PendingContact, result: ContactOutcome): RowOutcome {
  return {
    kind: 'outcome',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    mobileE164: contact.payload.mobile,
    status: result.status,
    code: result.code ?? (result.status === 'blocked' ? BLOCKED_API_CODE : undefined),
    message: joinNotes(result.message, contact.note),
    contactId: result.contactId ?? contact.known?.contactId,
  };
}

function dryRunOutcome(contact: PendingContact): RowOutcome {
  return {
    kind: 'outcome',
    ref: contact.ref,
    raw: contact.raw,
    mobileInput: contact.mobileInput,
    mobileE164: contact.payload.mobile,
    status: contact.known ? 'updated' : 'created',
    message: joinNotes('dry run: not sent', contact.note),
    contactId: contact.known?.contactId,
  };
}
