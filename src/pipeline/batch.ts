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
 * Groups contacts to send into batches of `batchSize`; rows that are already settled (rejected,
 * unchanged) pass straight through so they reach the report without waiting for a batch.
 */
export async function* batchContacts(
  items: AsyncIterable<PendingContact | Rejected | RowOutcome>,
  batchSize: number,
): AsyncGenerator<Batch | Rejected | RowOutcome> {
  let contacts: PendingContact[] = [];
  let index = 0;
  for await (const item of items) {
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
