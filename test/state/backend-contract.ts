/**
 * One suite for every state store (as bottleneck runs one suite against its local and Redis
 * stores): test/state/backend-sqlite.test.ts runs it on a SQLite file, and
 * test/state/postgres-store.test.ts on a private PostgreSQL cluster.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import {
  LockHeldError,
  StateStoreError,
  type AckedRow,
  type HeldRunLock,
  type RejectedRow,
  type RunRecord,
  type StateBackend,
} from '../../src/state/index.js';
import { recordFingerprint } from '../../src/state/payload-hash.js';

export interface BackendFixture {
  /** A store on fresh, empty state. Called once per test; `again` opens the same state a second time. */
  open(): Promise<StateBackend>;
  /** Another connection to the state the last `open()` created (another process or machine). */
  again(): Promise<StateBackend>;
}

const ACCOUNT = 'acct-1';

function e164(n: number): string {
  return `+1555${String(n).padStart(7, '0')}`;
}

function run(
  id: string,
  extra: Partial<Omit<RunRecord, 'status' | 'finishedAt'>> = {},
): Omit<RunRecord, 'status' | 'finishedAt'> {
  return {
    id,
    command: 'import contacts.csv',
    jobKey: 'job-a',
    sourceSha256: 'sha-1',
    optionsHash: 'opt-1',
    startedAt: '2025-01-01T00:00:00.000Z',
    pid: 4242,
    ...extra,
  };
}

async function stateError(action: Promise<unknown>): Promise<StateStoreError> {
  const caught = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(StateStoreError);
  return caught as StateStoreError;
}

export function describeStateBackend(name: string, fixture: BackendFixture): void {
  const opened: StateBackend[] = [];
  const locks: HeldRunLock[] = [];
  afterEach(async () => {
    for (const lock of locks.splice(0)) await lock.release();
    for (const store of opened.splice(0)) await store.close();
  });
  const open = async (): Promise<StateBackend> => {
    const store = await fixture.open();
    opened.push(store);
    return store;
  };
  const again = async (): Promise<StateBackend> => {
    const store = await fixture.again();
    opened.push(store);
    return store;
  };

  describe(`${name}: look-ups and acknowledged batches`, () => {
    test('a recorded batch is found by a batched look-up, across look-up chunks, by another connection', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      const rows: AckedRow[] = Array.from({ length: 1_203 }, (_, i) => ({
        e164: e164(i),
        payloadHash: `h${i}`,
        contactId: i % 2 === 0 ? `c${i}` : undefined,
        status: i % 3 === 0 ? 'updated' : 'created',
      }));
      await store.recordBatch(ACCOUNT, 'r1', rows);
      const other = await again();
      const known = await other.lookup(ACCOUNT, [...rows.map((row) => row.e164), e164(9_999_999)]);
      expect(known.size).toBe(1_203);
      expect(known.get(e164(0))).toEqual({
        payloadHash: 'h0',
        contactId: 'c0',
        runId: 'r1',
        status: 'updated',
      });
      expect(known.get(e164(1))).toEqual({ payloadHash: 'h1', runId: 'r1', status: 'created' });
      expect(known.has(e164(9_999_999))).toBe(false);
      expect((await other.lookup('another-account', [e164(0)])).size).toBe(0);
    });

    test('a later acknowledgement overwrites the hash, run and status but keeps a known contact id', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      await store.startRun(run('r2'));
      await store.recordBatch(ACCOUNT, 'r1', [
        { e164: e164(1), payloadHash: 'old', contactId: 'c1', status: 'created' },
      ]);
      await store.recordBatch(ACCOUNT, 'r2', [{ e164: e164(1), payloadHash: 'new', status: 'blocked' }]);
      expect((await store.lookup(ACCOUNT, [e164(1)])).get(e164(1))).toEqual({
        payloadHash: 'new',
        contactId: 'c1',
        runId: 'r2',
        status: 'blocked',
      });
    });

    test('a batch is all or nothing: one bad row records none of it', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      const batch: AckedRow[] = [
        { e164: e164(1), payloadHash: 'h1', status: 'created' },
        { e164: 'not-e164', payloadHash: 'h2', status: 'created' },
      ];
      await expect(store.recordBatch(ACCOUNT, 'r1', batch)).rejects.toThrow();
      expect((await store.lookup(ACCOUNT, [e164(1)])).size).toBe(0);
      // Nor under a run that was never started.
      await expect(
        store.recordBatch(ACCOUNT, 'no-such-run', [{ e164: e164(2), payloadHash: 'h', status: 'created' }]),
      ).rejects.toThrow();
      expect((await store.lookup(ACCOUNT, [e164(2)])).size).toBe(0);
      await store.recordBatch(ACCOUNT, 'r1', []);
    });
  });

  describe(`${name}: recall by row fingerprint`, () => {
    const rejection = (i: number): RejectedRow =>
      i % 2 === 0
        ? {
            rowHash: `rej-${i}`,
            status: 'invalid',
            code: 'PHONE_INVALID',
            message: `number "${i}" is not valid`,
          }
        : {
            rowHash: `rej-${i}`,
            status: 'blocked',
            code: 'SOURCE_OPTED_OUT',
            message: 'opted out',
            e164: e164(i),
          };

    test('contacts and remembered rejections are recalled by fingerprint, across chunks, by another connection', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      await store.recordBatch(ACCOUNT, 'r1', [
        { e164: e164(1), payloadHash: 'h1', status: 'created', rowHash: 'row-1', note: 'from "Phone"' },
      ]);
      const rejected = Array.from({ length: 1_203 }, (_, i) => rejection(i));
      await store.rememberRejections(ACCOUNT, rejected);
      // A contact wins over a rejection of the same fingerprint (a state no run writes).
      await store.rememberRejections(ACCOUNT, [{ ...rejection(0), rowHash: 'row-1' }]);
      const other = await again();
      // More fingerprints than a SQLite store answers on its own thread.
      const asked = ['row-1', ...rejected.map((row) => row.rowHash)];
      for (let i = 0; i < 6_000; i++) asked.push(`unknown-${i}`);
      const known = await other.recall(ACCOUNT, asked);
      expect([...known.contacts.keys()]).toEqual(['row-1']);
      expect(known.contacts.get('row-1')).toMatchObject({ e164: e164(1), note: 'from "Phone"' });
      expect(known.rejections.size).toBe(1_203);
      expect(known.rejections.get('rej-0')).toEqual({
        status: 'invalid',
        code: 'PHONE_INVALID',
        message: 'number "0" is not valid',
      });
      expect(known.rejections.get('rej-1')).toEqual({
        status: 'blocked',
        code: 'SOURCE_OPTED_OUT',
        message: 'opted out',
        e164: e164(1),
      });
      const elsewhere = await other.recall('another-account', asked);
      expect(elsewhere.contacts.size + elsewhere.rejections.size).toBe(0);
    });

    test('a rejection remembered again is overwritten and renewed; older ones are forgotten', async () => {
      const store = await open();
      await store.rememberRejections(ACCOUNT, [rejection(0), rejection(2)]);
      await store.rememberRejections('another-account', [rejection(0)]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const between = new Date();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.rememberRejections(ACCOUNT, [
        { ...rejection(2), code: 'PHONE_NOT_MOBILE', message: 'landline' },
      ]);
      expect(await store.forgetRejections(ACCOUNT, new Date(0))).toBe(0);
      expect(await store.forgetRejections(ACCOUNT, between)).toBe(1);
      const known = await store.recall(ACCOUNT, ['rej-0', 'rej-2']);
      expect([...known.rejections.keys()]).toEqual(['rej-2']);
      expect(known.rejections.get('rej-2')).toMatchObject({ code: 'PHONE_NOT_MOBILE', message: 'landline' });
      // Another account's are its own.
      expect((await store.recall('another-account', ['rej-0'])).rejections.size).toBe(1);
      await store.rememberRejections(ACCOUNT, []);
    });

    test("a rejection keeps the row's mobile and values, in a look-up and in a range scan", async () => {
      const store = await open();
      const values = JSON.stringify({ name: 'Ada "A"', mobile: '=12', note: 'two\r\nlines' });
      await store.rememberRejections(ACCOUNT, [
        { ...rejection(0), rowSeq: 40, mobileInput: '=12', sourceValues: values },
        { ...rejection(2), rowSeq: 41 },
      ]);
      const kept = {
        status: 'invalid',
        code: 'PHONE_INVALID',
        message: 'number "0" is not valid',
        rowSeq: 40,
        mobileInput: '=12',
        sourceValues: values,
      };
      for (const near of [undefined, { from: 30, to: 50 }]) {
        const known = await store.recall(ACCOUNT, ['rej-0', 'rej-2'], near);
        expect(known.rejections.get('rej-0')).toEqual(kept);
        expect(known.rejections.get('rej-2')).not.toHaveProperty('sourceValues');
      }
      // Remembered again without them (too long to keep): gone, not left from before.
      await store.rememberRejections(ACCOUNT, [{ ...rejection(0), rowSeq: 40 }]);
      const again = (await store.recall(ACCOUNT, ['rej-0'], { from: 30, to: 50 })).rejections.get('rej-0');
      expect(again).not.toHaveProperty('sourceValues');
      expect(again).not.toHaveProperty('mobileInput');
    });

    test('a rejection that breaks the schema records none of its batch', async () => {
      const store = await open();
      await expect(
        store.rememberRejections(ACCOUNT, [rejection(0), { ...rejection(1), e164: 'not-e164' }]),
      ).rejects.toThrow();
      expect((await store.recall(ACCOUNT, ['rej-0', 'rej-1'])).rejections.size).toBe(0);
    });
  });

  describe(`${name}: row positions (issue 16)`, () => {
    /** Contacts 0..count-1, row `row-i` recorded at position `at(i)`. */
    async function recordAt(
      store: StateBackend,
      count: number,
      at: (i: number) => number | undefined,
    ): Promise<void> {
      await store.startRun(run('r1'));
      const rows: AckedRow[] = [];
      for (let i = 0; i < count; i++) {
        const row: AckedRow = { e164: e164(i), payloadHash: `h${i}`, status: 'created', rowHash: `row-${i}` };
        const seq = at(i);
        if (seq !== undefined) row.rowSeq = seq;
        rows.push(row);
      }
      await store.recordBatch(ACCOUNT, 'r1', rows);
    }

    test('a recall with a window finds the rows recorded there and, by fingerprint, those recorded elsewhere', async () => {
      const store = await open();
      // row-0..99 at positions 0..99; row-100..109 far away; row-110 without a position.
      await recordAt(store, 111, (i) => (i < 100 ? i : i < 110 ? 5_000 + i : undefined));
      await store.rememberRejections(ACCOUNT, [
        { rowHash: 'rej-near', status: 'invalid', code: 'PHONE_INVALID', message: 'bad', rowSeq: 50 },
        { rowHash: 'rej-far', status: 'invalid', code: 'PHONE_INVALID', message: 'bad', rowSeq: 90_000 },
        { rowHash: 'rej-none', status: 'invalid', code: 'PHONE_INVALID', message: 'bad' },
      ]);
      const asked = ['row-10', 'row-99', 'row-105', 'row-110', 'rej-near', 'rej-far', 'rej-none', 'unknown'];
      const other = await again();
      for (const near of [{ from: 0, to: 60 }, undefined]) {
        const known = await other.recall(ACCOUNT, asked, near);
        expect([...known.contacts.keys()].sort()).toEqual(['row-10', 'row-105', 'row-110', 'row-99']);
        expect(known.contacts.get('row-10')).toMatchObject({ e164: e164(10), rowSeq: 10 });
        expect(known.contacts.get('row-105')).toMatchObject({ e164: e164(105), rowSeq: 5_105 });
        expect(known.contacts.get('row-110')?.rowSeq).toBeUndefined();
        expect([...known.rejections.keys()].sort()).toEqual(['rej-far', 'rej-near', 'rej-none']);
        expect(known.rejections.get('rej-near')).toMatchObject({ code: 'PHONE_INVALID', rowSeq: 50 });
        expect(known.rejections.get('rej-none')?.rowSeq).toBeUndefined();
      }
      // Only what was asked for is answered, whatever else the window holds.
      const one = await other.recall(ACCOUNT, ['row-3'], { from: 0, to: 99 });
      expect([...one.contacts.keys()]).toEqual(['row-3']);
      expect(one.rejections.size).toBe(0);
    });

    test('recalls in a row whose windows overlap answer as fresh scans would, also once the state changed between them', async () => {
      const store = await open();
      await recordAt(store, 6_000, (i) => i);
      // More rows at one position than a one-position scan reads (several exports in one account).
      await store.recordBatch(
        ACCOUNT,
        'r1',
        Array.from({ length: 6 }, (_, i) => ({
          e164: e164(8_000 + i),
          payloadHash: `hs${i}`,
          status: 'created' as const,
          rowHash: `shared-${i}`,
          rowSeq: 7_000,
        })),
      );
      await store.rememberRejections(ACCOUNT, [
        { rowHash: 'rej-150', status: 'invalid', code: 'PHONE_INVALID', message: 'bad', rowSeq: 150 },
      ]);
      const other = await again();
      const everyRow = Array.from({ length: 6_000 }, (_, i) => `row-${i}`);
      // As a run asks: chunks of 100 in order, 16 positions either side. First on the main
      // connection, then on a SQLite store's reader thread (a large recall starts it).
      for (const round of ['main connection', 'reader thread']) {
        if (round === 'reader thread') await other.recall(ACCOUNT, everyRow, { from: 0, to: 5_999 });
        for (let first = 0; first < 1_000; first += 100) {
          const asked = everyRow.slice(first, first + 100);
          const known = await other.recall(ACCOUNT, [...asked, 'rej-150'], {
            from: first - 16,
            to: first + 115,
          });
          expect(known.contacts.size, `${round}, from ${first}`).toBe(100);
          expect(known.contacts.get(`row-${first}`)?.rowSeq).toBe(first);
          expect(known.contacts.get(`row-${first + 99}`)?.rowSeq).toBe(first + 99);
          expect(known.rejections.get('rej-150')?.rowSeq).toBe(150);
        }
        const shared = Array.from({ length: 6 }, (_, i) => `shared-${i}`);
        for (const near of [
          { from: 7_000, to: 7_000 },
          { from: 7_000, to: 7_001 },
          { from: 6_990, to: 7_010 },
        ])
          expect((await other.recall(ACCOUNT, shared, near)).contacts.size, `${round}, shared`).toBe(6);
        // The same window again after another connection changed a row in it, then after this one did.
        const at = round === 'main connection' ? 1_150 : 2_150;
        const near = { from: at - 66, to: at + 65 };
        expect((await other.recall(ACCOUNT, [`row-${at}`], near)).contacts.has(`row-${at}`)).toBe(true);
        await store.recordBatch(ACCOUNT, 'r1', [
          { e164: e164(at), payloadHash: 'changed', status: 'updated', rowHash: `row-${at}b`, rowSeq: at },
        ]);
        const changed = await other.recall(ACCOUNT, [`row-${at}`, `row-${at}b`], near);
        expect([...changed.contacts.keys()], round).toEqual([`row-${at}b`]);
        await other.recordBatch(ACCOUNT, 'r1', [
          {
            e164: e164(at + 10),
            payloadHash: 'changed',
            status: 'updated',
            rowHash: `row-${at + 10}b`,
            rowSeq: at + 10,
          },
        ]);
        const own = await other.recall(ACCOUNT, [`row-${at + 10}`, `row-${at + 10}b`], near);
        expect([...own.contacts.keys()], round).toEqual([`row-${at + 10}b`]);
      }
    });

    test('a large recall (a SQLite store answers it on its reader thread) reads its window too', async () => {
      const store = await open();
      await recordAt(store, 6_000, (i) => i);
      const other = await again();
      const asked = Array.from({ length: 6_000 }, (_, i) => `row-${i}`);
      const known = await other.recall(ACCOUNT, asked, { from: 0, to: 5_999 });
      expect(known.contacts.size).toBe(6_000);
      expect(known.contacts.get('row-5999')).toMatchObject({ e164: e164(5_999), rowSeq: 5_999 });
      // And once more, now that the reader runs.
      const again2 = await other.recall(ACCOUNT, asked.slice(0, 10), { from: 0, to: 9 });
      expect(again2.contacts.get('row-9')?.rowSeq).toBe(9);
    });

    const prefix = 'header-digest\u0001';
    const fingerprint = (record: string): string => recordFingerprint(prefix, record);
    /** Contacts 0..count-1 acknowledged from the CSV records `rec-i`, recorded at position i. */
    const recordRows = (count: number): AckedRow[] =>
      Array.from({ length: count }, (_, i) => ({
        e164: e164(i),
        payloadHash: `h${i}`,
        status: 'created',
        rowHash: fingerprint(`rec-${i}`),
        rowSeq: i,
        mobileInput: `0${i}`,
      }));

    test('CSV records are recalled by their text, in the order asked, alike on the main connection and (a large recall) on the reader thread', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      // rec-0..5999 at positions 0..5999; rec-x without a position; rec-twice held by two numbers.
      const rows = recordRows(6_000);
      rows.push({
        e164: e164(7_000),
        payloadHash: 'hx',
        status: 'updated',
        rowHash: fingerprint('rec-x'),
        contactId: 'c-x',
      });
      rows.push({
        e164: e164(7_001),
        payloadHash: 'ht',
        status: 'created',
        rowHash: fingerprint('rec-twice'),
        rowSeq: 9_000,
      });
      rows.push({
        e164: e164(7_002),
        payloadHash: 'ht',
        status: 'created',
        rowHash: fingerprint('rec-twice'),
        rowSeq: 9_001,
      });
      await store.recordBatch(ACCOUNT, 'r1', rows);
      await store.rememberRejections(ACCOUNT, [
        {
          rowHash: fingerprint('bad'),
          status: 'invalid',
          code: 'PHONE_INVALID',
          message: 'bad',
          rowSeq: 3,
          mobileInput: '12',
          sourceValues: '{"mobile":"12"}',
        },
        // A contact wins over a rejection of the same fingerprint.
        { rowHash: fingerprint('rec-2'), status: 'invalid', code: 'PHONE_INVALID', message: 'old' },
      ]);
      const other = await again();
      const asked = ['rec-1', 'rec-x', 'rec-twice', 'bad', 'new', 'rec-1', 'rec-2'];
      const expectAnswer = (answer: Awaited<ReturnType<StateBackend['recallRecords']>>, at: number): void => {
        // A contact at a position comes without its fingerprint; every other record with it.
        expect(answer.fingerprints.slice(at, at + asked.length)).toEqual([
          undefined,
          fingerprint('rec-x'),
          fingerprint('rec-twice'),
          fingerprint('bad'),
          fingerprint('new'),
          undefined,
          undefined,
        ]);
        const known = answer.known.slice(at, at + asked.length);
        expect(known[0]).toEqual({
          contact: { e164: e164(1), runId: 'r1', status: 'created', rowSeq: 1, mobileInput: '01' },
        });
        expect(known[1]).toEqual({
          contact: { e164: e164(7_000), runId: 'r1', status: 'updated', contactId: 'c-x' },
        });
        expect(known[2]).toBeUndefined();
        expect(known[3]).toEqual({
          rejection: {
            status: 'invalid',
            code: 'PHONE_INVALID',
            message: 'bad',
            rowSeq: 3,
            mobileInput: '12',
            sourceValues: '{"mobile":"12"}',
          },
        });
        expect(known[4]).toBeUndefined();
        expect(known[5]).toEqual(known[0]);
        expect(known[6]?.contact?.e164).toBe(e164(2));
      };
      // Small: a SQLite store answers on its own connection.
      const small = await other.recallRecords(ACCOUNT, prefix, asked, { from: 0, to: 10 });
      expect(small.known).toHaveLength(asked.length);
      expectAnswer(small, 0);
      // Large: on its reader thread, which fingerprints the records itself.
      const many = Array.from({ length: 6_000 }, (_, i) => `rec-${i}`);
      const large = await other.recallRecords(ACCOUNT, prefix, [...many, ...asked], { from: 0, to: 6_010 });
      expect(large.known).toHaveLength(6_000 + asked.length);
      expect(large.known[5_999]?.contact).toMatchObject({ e164: e164(5_999), rowSeq: 5_999 });
      expect(large.fingerprints.slice(0, 6_000).every((found) => found === undefined)).toBe(true);
      expectAnswer(large, 6_000);
      // Another prefix (another header, key or delimiter) recognises nothing.
      const elsewhere = await other.recallRecords(ACCOUNT, 'other\u0001', asked);
      expect(elsewhere.known.every((found) => found === undefined)).toBe(true);
      expect(elsewhere.fingerprints).toEqual(asked.map((record) => recordFingerprint('other\u0001', record)));
    });

    test('a record not found where its place holds a changed row is not looked up one by one', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      const rows = recordRows(100);
      // A row recorded far away, asked about at position 13 (rec-13 changed) and at 21.
      rows.push({
        e164: e164(500),
        payloadHash: 'hf',
        status: 'created',
        rowHash: fingerprint('far'),
        rowSeq: 5_000,
      });
      await store.recordBatch(ACCOUNT, 'r1', rows);
      const other = await again();
      const asked = ['rec-10', 'new-11', 'rec-12', 'far'];
      const inPlace = await other.recallRecords(ACCOUNT, prefix, asked, { from: 0, to: 40, at: 10 });
      expect(inPlace.known.map((known) => known?.contact?.e164)).toEqual([
        e164(10),
        undefined,
        e164(12),
        undefined,
      ]);
      // Without the place of the records, or where the row in its place is one asked for: found.
      const anywhere = await other.recallRecords(ACCOUNT, prefix, asked, { from: 0, to: 40 });
      expect(anywhere.known[3]?.contact?.e164).toBe(e164(500));
      const shifted = await other.recallRecords(ACCOUNT, prefix, ['rec-20', 'far', 'rec-21'], {
        from: 0,
        to: 40,
        at: 20,
      });
      expect(shifted.known.map((known) => known?.contact?.e164)).toEqual([e164(20), e164(500), e164(21)]);
      // A chunk mostly not found where it was asked (the export moved): looked up one by one.
      const moved = await other.recallRecords(ACCOUNT, prefix, ['new-30', 'new-31', 'far', 'rec-33'], {
        from: 0,
        to: 40,
        at: 30,
      });
      expect(moved.known.map((known) => known?.contact?.e164)).toEqual([
        undefined,
        undefined,
        e164(500),
        e164(33),
      ]);
    });

    test('batches recorded once a large run has read (a SQLite store records them on its reader thread) are committed when the call returns, whole or not at all', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      // As many keys as a large run reads (a SQLite store starts its reader thread).
      await store.recall(
        ACCOUNT,
        Array.from({ length: 6_000 }, (_, i) => `row-${i}`),
      );
      const acked = (i: number, status: AckedRow['status'] = 'created'): AckedRow => ({
        e164: e164(i),
        payloadHash: `h${i}`,
        status,
        rowHash: `row-${i}`,
        rowSeq: i,
        mobileInput: `555 ${i}`,
      });
      await Promise.all([
        store.recordBatch(ACCOUNT, 'r1', [acked(0), acked(1)]),
        store.recordBatch(ACCOUNT, 'r1', [acked(2)]),
      ]);
      const other = await again();
      const known = await other.lookup(ACCOUNT, [e164(0), e164(1), e164(2)]);
      expect(known.size).toBe(3);
      expect(known.get(e164(2))).toMatchObject({
        payloadHash: 'h2',
        runId: 'r1',
        status: 'created',
        rowHash: 'row-2',
      });
      const recalled = await other.recall(ACCOUNT, ['row-1']);
      expect(recalled.contacts.get('row-1')).toMatchObject({
        e164: e164(1),
        rowSeq: 1,
        mobileInput: '555 1',
      });

      // A batch of a run never started breaks a constraint: none of it is recorded.
      await expect(store.recordBatch(ACCOUNT, 'no-such-run', [acked(3), acked(4)])).rejects.toThrow();
      expect((await other.lookup(ACCOUNT, [e164(3), e164(4)])).size).toBe(0);
      // The store goes on recording after a refused batch.
      await store.recordBatch(ACCOUNT, 'r1', [acked(5, 'updated')]);
      expect((await other.lookup(ACCOUNT, [e164(5)])).get(e164(5))?.status).toBe('updated');

      // Closing the store waits for a batch being recorded.
      const last = store.recordBatch(ACCOUNT, 'r1', [acked(6)]);
      await store.close();
      await last;
      expect((await other.lookup(ACCOUNT, [e164(6)])).get(e164(6))?.payloadHash).toBe('h6');
    });

    test('rejections remembered once a large run has read (a SQLite store writes them on its reader thread, beside its batches) are committed when the call returns, whole or not at all', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      await store.recall(
        ACCOUNT,
        Array.from({ length: 6_000 }, (_, i) => `row-${i}`),
      );
      const rejected = (i: number): RejectedRow => ({
        rowHash: `rej-${i}`,
        status: 'invalid',
        code: 'PHONE_INVALID',
        message: `bad ${i}`,
        rowSeq: 100 + i,
        mobileInput: `12${i}`,
        sourceValues: `{"mobile":"12${i}"}`,
      });
      await Promise.all([
        store.recordBatch(ACCOUNT, 'r1', [
          { e164: e164(0), payloadHash: 'h0', status: 'created', rowHash: 'row-0' },
        ]),
        store.rememberRejections(ACCOUNT, [rejected(1), rejected(2)]),
        store.rememberRejections(ACCOUNT, [rejected(3)]),
      ]);
      const other = await again();
      const known = await other.recall(ACCOUNT, ['row-0', 'rej-1', 'rej-2', 'rej-3'], { from: 100, to: 103 });
      expect(known.contacts.get('row-0')?.e164).toBe(e164(0));
      expect([...known.rejections.keys()].sort()).toEqual(['rej-1', 'rej-2', 'rej-3']);
      expect(known.rejections.get('rej-2')).toMatchObject({
        code: 'PHONE_INVALID',
        message: 'bad 2',
        rowSeq: 102,
        mobileInput: '122',
        sourceValues: '{"mobile":"122"}',
      });
      // A rejection breaking a constraint: none of its call is remembered, and the store goes on.
      await expect(
        store.rememberRejections(ACCOUNT, [rejected(4), { ...rejected(5), e164: 'not-e164' }]),
      ).rejects.toThrow();
      expect((await other.recall(ACCOUNT, ['rej-4'])).rejections.size).toBe(0);
      // Closing the store waits for rejections being written.
      const last = store.rememberRejections(ACCOUNT, [rejected(6)]);
      await store.close();
      await last;
      expect((await other.recall(ACCOUNT, ['rej-6'])).rejections.get('rej-6')?.message).toBe('bad 6');
    });

    test('a window crowded with other rows at the same positions still finds every row asked for', async () => {
      const store = await open();
      // Twenty other exports recorded rows at the same positions 0..49 (1 000 rows in the range).
      await recordAt(store, 1_000, (i) => i % 50);
      const asked = Array.from({ length: 50 }, (_, i) => `row-${i * 20}`);
      const known = await store.recall(ACCOUNT, asked, { from: 0, to: 49 });
      expect(known.contacts.size).toBe(50);
      for (let i = 0; i < 50; i++) expect(known.contacts.get(`row-${i * 20}`)?.e164).toBe(e164(i * 20));
    });

    test('positions noted for rows without one are written, once, and never move a row that has one', async () => {
      const store = await open();
      await recordAt(store, 4, (i) => (i === 0 ? 7 : undefined));
      await store.rememberRejections(ACCOUNT, [
        { rowHash: 'rej-a', status: 'invalid', code: 'PHONE_INVALID', message: 'bad' },
      ]);
      await store.placeRows(ACCOUNT, {
        contacts: [
          { e164: e164(0), rowHash: 'row-0', rowSeq: 100 }, // has a position: kept
          { e164: e164(1), rowHash: 'row-1', rowSeq: 101 },
          { e164: e164(2), rowHash: 'not-its-row-any-more', rowSeq: 102 }, // fingerprint changed: left alone
        ],
        rejections: [{ rowHash: 'rej-a', rowSeq: 103 }],
      });
      expect(await store.applyPlacedRows('another-account')).toBe(0);
      await store.applyPlacedRows(ACCOUNT);
      const known = await store.recall(ACCOUNT, ['row-0', 'row-1', 'row-2', 'row-3', 'rej-a']);
      expect(known.contacts.get('row-0')?.rowSeq).toBe(7);
      expect(known.contacts.get('row-1')?.rowSeq).toBe(101);
      expect(known.contacts.get('row-2')?.rowSeq).toBeUndefined();
      expect(known.contacts.get('row-3')?.rowSeq).toBeUndefined();
      expect(known.rejections.get('rej-a')?.rowSeq).toBe(103);
      // Nothing is left to write, and a window now finds the placed rows.
      expect(await store.applyPlacedRows(ACCOUNT)).toBe(0);
      const near = await store.recall(ACCOUNT, ['row-1', 'rej-a'], { from: 101, to: 103 });
      expect(near.contacts.get('row-1')?.rowSeq).toBe(101);
      expect(near.rejections.get('rej-a')?.rowSeq).toBe(103);
    });

    test('the mobile as the source had it is kept with the fingerprint, written and cleared with it', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      await store.recordBatch(ACCOUNT, 'r1', [
        {
          e164: e164(1),
          payloadHash: 'h1',
          status: 'created',
          rowHash: 'row-1',
          mobileInput: '07400 1',
          rowSeq: 5,
        },
        { e164: e164(2), payloadHash: 'h2', status: 'created', rowHash: 'row-2', mobileInput: '07400 2' },
        { e164: e164(3), payloadHash: 'h3', status: 'created', rowHash: 'row-3' },
      ]);
      const other = await again();
      // Found by fingerprint and in a window: both carry it.
      const byHash = await other.recall(ACCOUNT, ['row-1', 'row-2', 'row-3']);
      expect(byHash.contacts.get('row-1')?.mobileInput).toBe('07400 1');
      expect(byHash.contacts.get('row-2')?.mobileInput).toBe('07400 2');
      expect(byHash.contacts.get('row-3')).not.toHaveProperty('mobileInput');
      const inWindow = await other.recall(ACCOUNT, ['row-1'], { from: 0, to: 10 });
      expect(inWindow.contacts.get('row-1')?.mobileInput).toBe('07400 1');
      // Re-keyed: the new one. Recorded again without a fingerprint: neither is left.
      await store.rekey(ACCOUNT, [
        { e164: e164(2), payloadHash: 'h2', rowHash: 'row-2b', mobileInput: '+44 7400 2', rowSeq: 7 },
      ]);
      // Written at the latest when the run's noted rows are applied.
      await store.applyPlacedRows(ACCOUNT);
      await store.recordBatch(ACCOUNT, 'r1', [
        {
          e164: e164(1),
          payloadHash: 'h1b',
          status: 'updated',
          mobileInput: 'ignored without a fingerprint',
        },
      ]);
      const later = await other.recall(ACCOUNT, ['row-1', 'row-2', 'row-2b']);
      expect([...later.contacts.keys()]).toEqual(['row-2b']);
      expect(later.contacts.get('row-2b')?.mobileInput).toBe('+44 7400 2');
      const byNumber = await other.lookup(ACCOUNT, [e164(1)]);
      expect(byNumber.get(e164(1))).not.toHaveProperty('rowHash');
    });

    test('re-keyed numbers are written when the run applies its noted rows, unless their payload changed since', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      // More than are written row by row: the bulk path drops and builds the indexes again.
      const count = 60_000;
      for (let start = 0; start < count; start += 5_000) {
        await store.recordBatch(
          ACCOUNT,
          'r1',
          Array.from({ length: 5_000 }, (_, i) => ({
            e164: e164(start + i),
            payloadHash: `h${start + i}`,
            status: 'created' as const,
            rowHash: `old-${start + i}`,
            rowSeq: start + i,
          })),
        );
      }
      await store.rekey(
        ACCOUNT,
        Array.from({ length: count }, (_, i) => ({
          e164: e164(i),
          payloadHash: `h${i}`,
          rowHash: `new-${i}`,
          mobileInput: `0${i}`,
          rowSeq: i,
        })),
      );
      // Sent again with another payload before the run ended: its re-key no longer stands.
      await store.recordBatch(ACCOUNT, 'r1', [
        { e164: e164(7), payloadHash: 'h7-changed', status: 'updated', rowHash: 'sent-7', rowSeq: 7 },
      ]);
      await store.applyPlacedRows(ACCOUNT);
      const other = await again();
      const known = await other.recall(ACCOUNT, ['new-5', 'new-59999', 'old-5', 'new-7', 'sent-7'], {
        from: 0,
        to: 10,
      });
      expect([...known.contacts.keys()].sort()).toEqual(['new-5', 'new-59999', 'sent-7']);
      expect(known.contacts.get('new-59999')).toMatchObject({ e164: e164(59_999), mobileInput: '059999' });
      // Applied once: nothing is left to apply.
      await store.applyPlacedRows(ACCOUNT);
      expect((await other.recall(ACCOUNT, ['new-5'])).contacts.get('new-5')?.rowSeq).toBe(5);
    });

    test('recording a row again moves it to its new position', async () => {
      const store = await open();
      await recordAt(store, 2, (i) => i);
      await store.recordBatch(ACCOUNT, 'r1', [
        { e164: e164(0), payloadHash: 'h0b', status: 'updated', rowHash: 'row-0b', rowSeq: 40 },
      ]);
      await store.rekey(ACCOUNT, [{ e164: e164(1), payloadHash: 'h1', rowHash: 'row-1b', rowSeq: 41 }]);
      await store.applyPlacedRows(ACCOUNT);
      const known = await store.recall(ACCOUNT, ['row-0', 'row-0b', 'row-1', 'row-1b'], { from: 39, to: 42 });
      expect([...known.contacts.keys()].sort()).toEqual(['row-0b', 'row-1b']);
      expect(known.contacts.get('row-0b')?.rowSeq).toBe(40);
      expect(known.contacts.get('row-1b')?.rowSeq).toBe(41);
    });
  });

  describe(`${name}: runs and resume`, () => {
    test('a run is started, read back, and finished once with its counts', async () => {
      const store = await open();
      await store.startRun(run('r1'));
      expect(await store.getRun('r1')).toEqual({ ...run('r1'), status: 'running' });
      await store.finishRun('r1', 'completed', { rows: 3, created: 2 });
      const finished = await store.getRun('r1');
      expect(finished).toMatchObject({ status: 'completed', counts: { rows: 3, created: 2 } });
      expect(finished?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(await store.getRun('nope')).toBeUndefined();

      expect((await stateError(store.finishRun('r1', 'aborted', {}))).message).toMatch(/already finished/);
      expect((await stateError(store.finishRun('nope', 'aborted', {}))).code).toBe('STATE_CONFLICT');
      await store.startRun(run('r2'));
      expect((await stateError(store.finishRun('r2', 'running', {}))).code).toBe('STATE_CONFLICT');
      const unknown = await stateError(store.startRun(run('r3', { resumedFrom: 'ghost' })));
      expect(unknown.code).toBe('STATE_CONFLICT');
      expect(await store.getRun('r3')).toBeUndefined();
    });

    test("only the job's latest run is offered for resume, when interrupted with the same source and options", async () => {
      const store = await open();
      await store.startRun(run('a1'));
      await store.finishRun('a1', 'aborted', {});
      expect((await store.findResumable('job-a', 'sha-1', 'opt-1'))?.id).toBe('a1');
      expect(await store.findResumable('job-a', 'sha-2', 'opt-1')).toBeUndefined();
      expect(await store.findResumable('job-a', 'sha-1', 'opt-2')).toBeUndefined();
      expect(await store.findResumable('job-b', 'sha-1', 'opt-1')).toBeUndefined();

      // A killed run stays `running`; started later, it is the one offered (insertion order, not clocks).
      await store.startRun(run('a2', { resumedFrom: 'a1', startedAt: '2000-01-01T00:00:00.000Z' }));
      expect((await store.findResumable('job-a', 'sha-1', 'opt-1'))?.id).toBe('a2');
      await store.startRun(run('a3', { resumedFrom: 'a2' }));
      expect(await store.resumeChain('a3')).toEqual(['a3', 'a2', 'a1']);
      expect(await store.resumeChain('ghost')).toEqual([]);
      await store.finishRun('a3', 'completed', {});
      expect(await store.findResumable('job-a', 'sha-1', 'opt-1')).toBeUndefined();
    });
  });

  describe(`${name}: files watch imported`, () => {
    const scope = { account: ACCOUNT, optionsHash: 'opt-1' };

    test('a content matches only the latest import of its account and options, for every connection', async () => {
      const store = await open();
      expect(await store.fileProcessed('sha-x', scope)).toBeUndefined();
      await store.markFileProcessed('sha-x', scope, { path: 'a.csv', runId: 'r1' });
      await store.markFileProcessed('sha-x', scope, { path: 'b.csv', runId: 'r2' });
      const other = await again();
      // The latest import of the content is the one on record.
      expect(await other.fileProcessed('sha-x', scope)).toMatchObject({ path: 'b.csv', runId: 'r2' });
      // Another account or other options: another import.
      expect(await other.fileProcessed('sha-x', { ...scope, account: 'acct-2' })).toBeUndefined();
      expect(await other.fileProcessed('sha-x', { ...scope, optionsHash: 'opt-2' })).toBeUndefined();

      // Another content imported since: the first one is no longer the latest (a revert re-imports).
      await other.markFileProcessed('sha-y', scope, { path: 'c.csv', runId: 'r3' });
      expect(await store.fileProcessed('sha-x', scope)).toBeUndefined();
      expect(await store.fileProcessed('sha-y', scope)).toMatchObject({ path: 'c.csv', runId: 'r3' });
      // Each scope has its own latest import.
      await store.markFileProcessed('sha-x', { ...scope, account: 'acct-2' }, { path: 'a.csv', runId: 'r4' });
      expect(await store.fileProcessed('sha-y', scope)).toMatchObject({ runId: 'r3' });
      expect(await store.fileProcessed('sha-x', { ...scope, account: 'acct-2' })).toMatchObject({
        runId: 'r4',
      });
    });
  });

  describe(`${name}: account pace`, () => {
    test('the last pace set for an account is the one read back', async () => {
      const store = await open();
      expect(await store.getPace(ACCOUNT)).toBeUndefined();
      await store.setPace(ACCOUNT, 7.5);
      await store.setPace(ACCOUNT, 4.25);
      expect(await (await again()).getPace(ACCOUNT)).toBe(4.25);
      expect(await store.getPace('other')).toBeUndefined();
    });
  });

  describe(`${name}: run locks`, () => {
    test('a second holder of a job is refused, naming the first; other jobs are free; a release frees it', async () => {
      const store = await open();
      const other = await again();
      const first = await store.acquireLock({ jobKey: 'job-a', command: 'run nightly' });
      locks.push(first);
      const refused = await other.acquireLock({ jobKey: 'job-a', command: 'run nightly' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(LockHeldError);
      expect((refused as LockHeldError).holder).toMatchObject({
        pid: process.pid,
        host: hostname(),
        command: 'run nightly',
      });
      locks.push(await other.acquireLock({ jobKey: 'job-b', command: 'run other' }));
      await first.release();
      await first.release();
      locks.push(await other.acquireLock({ jobKey: 'job-a', command: 'run nightly' }));
    });
  });
}
