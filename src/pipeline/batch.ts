import { unexpectedKind, type Rejected, type RowOutcome } from '../types.js';
import type { PendingContact } from './check-state.js';
import { perRow, type Chunks } from '../chunks.js';

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
export function batchContacts(
  items: AsyncIterable<PendingContact | Rejected | RowOutcome>,
  batchSize: number,
  maxSpan: number = MAX_BATCH_SPAN_ROWS,
): AsyncGenerator<Batch | Rejected | RowOutcome> {
  return perRow((chunks) => batchChunks(chunks, batchSize, maxSpan), items);
}

/**
 * {@link batchContacts}, a chunk at a time (see `chunks.ts`): each chunk out holds the settled rows
 * of a chunk in and the batches that filled (or reached `maxSpan`) meanwhile.
 */
export async function* batchChunks(
  items: Chunks<PendingContact | Rejected | RowOutcome>,
  batchSize: number,
  maxSpan: number = MAX_BATCH_SPAN_ROWS,
): AsyncGenerator<Array<Batch | Rejected | RowOutcome>> {
  let contacts: PendingContact[] = [];
  let index = 0;
  for await (const chunk of items) {
    const out: Array<Batch | Rejected | RowOutcome> = [];
    for (const item of chunk) {
      const first = contacts[0];
      if (first !== undefined && item.ref.seq - first.ref.seq >= maxSpan) {
        out.push({ kind: 'batch', index: ++index, contacts });
        contacts = [];
      }
      switch (item.kind) {
        case 'rejected':
        case 'outcome':
          out.push(item);
          break;
        case 'pending':
          contacts.push(item);
          if (contacts.length >= batchSize) {
            out.push({ kind: 'batch', index: ++index, contacts });
            contacts = [];
          }
          break;
        default:
          unexpectedKind(item);
      }
    }
    if (out.length > 0) yield out;
  }
  if (contacts.length > 0) yield [{ kind: 'batch', index: ++index, contacts }];
}
