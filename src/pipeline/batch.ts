import { unexpectedKind, type Rejected, type RowOutcome } from '../types.js';
import type { PendingContact } from './check-state.js';

/** A group of contacts sent in one upload. */
export interface Batch {
  kind: 'batch';
  /** 1-based, in the order batches were formed. */
  index: number;
  contacts: PendingContact[];
}

/**
 * The most source rows a batch may wait across before it is sent unfilled. The report writes rows
 * in source order, so every row read after a waiting contact waits with it: on a nightly re-run
 * where 1 row in 100 changed, a batch of 1,000 would hold 100,000 rows of the report in memory.
 * At most this many rows wait (a few MB); sparse changes then cost a few more, smaller requests.
 */
export const MAX_BATCH_SPAN_ROWS = 10_000;

/**
 * Groups contacts to send into batches of `batchSize`; rows that are already settled (rejected,
 * unchanged) pass straight through so they reach the report without waiting for a batch. A batch
 * whose first contact is `maxSpan` source rows behind is sent as it is.
 */
export async function* batchContacts(
  items: AsyncIterable<PendingContact | Rejected | RowOutcome>,
  batchSize: number,
  maxSpan: number = MAX_BATCH_SPAN_ROWS,
): AsyncGenerator<Batch | Rejected | RowOutcome> {
  let contacts: PendingContact[] = [];
  let index = 0;
  for await (const item of items) {
    const first = contacts[0];
    if (first !== undefined && item.ref.seq - first.ref.seq >= maxSpan) {
      yield { kind: 'batch', index: ++index, contacts };
      contacts = [];
    }
    switch (item.kind) {
      case 'rejected':
      case 'outcome':
        yield item;
        break;
      case 'pending':
        contacts.push(item);
        if (contacts.length >= batchSize) {
          yield { kind: 'batch', index: ++index, contacts };
          contacts = [];
        }
        break;
      default:
        unexpectedKind(item);
    }
  }
  if (contacts.length > 0) yield { kind: 'batch', index: ++index, contacts };
}
