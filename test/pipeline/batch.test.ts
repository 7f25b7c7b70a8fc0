import { describe, expect, test } from 'vitest';
import { batchContacts, type Batch } from '../../src/pipeline/batch.js';
import type { PendingContact } from '../../src/pipeline/check-state.js';
import type { RowOutcome } from '../../src/types.js';

function row(seq: number): PendingContact | RowOutcome {
  const ref = { file: 'a.csv', line: seq + 2, seq };
  const mobileE164 = `+4474001${String(seq).padStart(5, '0')}`;
  // One row in 100 changed (to send); the others settled as unchanged.
  return seq % 100 === 0
    ? {
        kind: 'pending',
        ref,
        raw: {},
        mobileInput: mobileE164,
        payload: { mobile: mobileE164, tags: [], attributes: {} },
        payloadHash: 'h',
      }
    : { kind: 'outcome', ref, raw: {}, mobileInput: mobileE164, mobileE164, status: 'unchanged' };
}

async function* rows(count: number): AsyncGenerator<PendingContact | RowOutcome> {
  for (let seq = 0; seq < count; seq++) yield row(seq);
}

describe('batchContacts', () => {
  test('sparse changes: a batch never waits across more than maxSpan rows, and every contact is sent once', async () => {
    const batches: Batch[] = [];
    let settled = 0;
    for await (const item of batchContacts(rows(50_000), 1000, 10_000)) {
      if (item.kind === 'batch') batches.push(item);
      else settled++;
    }
    expect(settled).toBe(49_500);
    const sent = batches.flatMap((batch) => batch.contacts.map((contact) => contact.ref.seq));
    expect(sent).toEqual(Array.from({ length: 500 }, (_, i) => i * 100));
    for (const batch of batches) {
      const seqs = batch.contacts.map((contact) => contact.ref.seq);
      expect(Math.max(...seqs) - Math.min(...seqs)).toBeLessThan(10_000);
    }
    expect(batches.map((batch) => batch.index)).toEqual(batches.map((_, i) => i + 1));
  });

  test('dense contacts fill whole batches as before', async () => {
    async function* dense(): AsyncGenerator<PendingContact> {
      for (let seq = 0; seq < 2500; seq++) yield row(seq * 100) as PendingContact;
    }
    const sizes: number[] = [];
    for await (const item of batchContacts(dense(), 1000, 10_000_000))
      if (item.kind === 'batch') sizes.push(item.contacts.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });
});
