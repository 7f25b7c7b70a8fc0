/**
 * Pipeline items (issue 15, item 4): every item carries its `kind`, and each stage returns new
 * items rather than changing the ones it was given. Through a real SQLite state store.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { batchContacts } from '../../src/pipeline/batch.js';
import { checkState } from '../../src/pipeline/check-state.js';
import { recallRows, rowHash } from '../../src/pipeline/recall.js';
import { SqliteBackend, StateStore, payloadHash } from '../../src/state/index.js';
import type { Contact, Draft, Rejected } from '../../src/types.js';
import { collect, from, tempDir } from '../helpers.js';

const KEY = 'test-key';
let dir: string;
let cleanup: () => Promise<void>;
let store: StateStore;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = StateStore.open(`${dir}/state.db`);
  store.startRun({
    id: 'run-1',
    command: 'import',
    jobKey: 'k',
    sourceSha256: 'sha',
    optionsHash: 'o',
    startedAt: new Date().toISOString(),
    pid: process.pid,
  });
});
afterEach(async () => {
  store.close();
  await cleanup();
});

function draft(line: number, mobileInput: string, extra: Partial<Draft> = {}): Draft {
  return {
    kind: 'draft',
    ref: { file: 'in.csv', line, seq: line - 2 },
    raw: { mobile: mobileInput },
    mobileInput,
    country: 'GB',
    firstName: 'Ada',
    tags: ['vip'],
    attributes: { Plan: 'gold' },
    ...extra,
  };
}

function contact(line: number, mobile: string): Contact {
  return {
    kind: 'contact',
    ref: { file: 'in.csv', line, seq: line - 2 },
    raw: { mobile },
    mobileInput: mobile,
    payload: { mobile, country: 'GB', firstName: 'Ada', tags: [], attributes: {} },
    rowHash: `row-${line}`,
  };
}

function rejected(line: number): Rejected {
  return {
    kind: 'rejected',
    ref: { file: 'in.csv', line, seq: line - 2 },
    raw: {},
    mobileInput: 'nope',
    status: 'invalid',
    error: { code: 'PHONE_NOT_A_NUMBER', field: 'mobile', message: 'not a phone number' },
  };
}

describe('recallRows', () => {
  test('gives each fingerprinted row a new draft; a known fingerprint becomes a recalled item', async () => {
    const known = draft(2, '07400 123401');
    const fresh = draft(3, '07400 123402');
    const broken = draft(4, '', { error: { code: 'RECORD_MALFORMED', message: 'unclosed quote' } });
    const payload = {
      mobile: '+447400123401',
      country: 'GB',
      firstName: 'Ada',
      tags: ['vip'],
      attributes: {},
    };
    store.recordBatch('acc', 'run-1', [
      {
        e164: '+447400123401',
        payloadHash: payloadHash(payload),
        status: 'created',
        contactId: 'c1',
        rowHash: rowHash(known, KEY),
      },
    ]);
    const inputs = [known, fresh, broken];
    const before = structuredClone(inputs);

    const out = await collect(
      recallRows(from(inputs), { store: new SqliteBackend(store), account: 'acc', key: KEY, full: false }),
    );

    expect(inputs).toEqual(before);
    expect(inputs.map((item) => item.rowHash)).toEqual([undefined, undefined, undefined]);
    expect(out.map((item) => item.kind)).toEqual(['recalled', 'draft', 'draft']);
    expect(out[0]).toMatchObject({ kind: 'recalled', ref: known.ref, recalled: { e164: '+447400123401' } });
    expect(out[1]).not.toBe(fresh);
    expect(out[1]).toEqual({ ...fresh, rowHash: rowHash(fresh, KEY) });
    // A row in error is never recorded, so it has no fingerprint and passes as it came.
    expect(out[2]).toBe(broken);
  });
});

describe('checkState and batchContacts', () => {
  test('contacts become new pending items; settled rows pass; batches are tagged', async () => {
    const unchangedPayload = contact(2, '+447400123401').payload;
    store.recordBatch('acc', 'run-1', [
      {
        e164: '+447400123401',
        payloadHash: payloadHash(unchangedPayload),
        status: 'created',
        contactId: 'c1',
      },
      { e164: '+447400123402', payloadHash: 'an older payload', status: 'created', contactId: 'c2' },
    ]);
    const inputs = [
      contact(2, '+447400123401'),
      rejected(3),
      contact(4, '+447400123402'),
      contact(5, '+447400123403'),
    ];
    const before = structuredClone(inputs);
    const backend = new SqliteBackend(store);

    const out = await collect(
      batchContacts(
        checkState(from(inputs), {
          store: backend,
          account: 'acc',
          full: false,
          resumeChain: new Set(['run-2']),
        }),
        2,
      ),
    );

    expect(inputs).toEqual(before);
    // Rows come out in source order; the batch once it is full.
    expect(out.map((item) => item.kind)).toEqual(['outcome', 'rejected', 'batch']);
    expect(out[0]).toMatchObject({
      kind: 'outcome',
      status: 'unchanged',
      mobileE164: '+447400123401',
      contactId: 'c1',
    });
    expect(out[1]).toBe(inputs[1]);
    const batch = out[2];
    if (batch?.kind !== 'batch') throw new Error('expected a batch');
    expect(batch.index).toBe(1);
    expect(batch.contacts.map((item) => [item.kind, item.payload.mobile, item.known?.contactId])).toEqual([
      ['pending', '+447400123402', 'c2'],
      ['pending', '+447400123403', undefined],
    ]);
    expect(batch.contacts[0]).not.toBe(inputs[2]);
    expect(batch.contacts[0]).toMatchObject({ rowHash: 'row-4', ref: inputs[2]?.ref });
    expect(batch.contacts[0]?.payloadHash).toBe(payloadHash((inputs[2] as Contact).payload));
  });
});
