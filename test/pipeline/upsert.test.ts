import { afterEach, beforeEach, expect, test } from 'vitest';
import { AccountLimiter } from '../../src/limit/index.js';
import type { Batch } from '../../src/pipeline/batch.js';
import { upsertBatch } from '../../src/pipeline/upsert.js';
import { SakariClient } from '../../src/sakari/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SqliteBackend, StateStore } from '../../src/state/index.js';
import { tempDir } from '../helpers.js';

let sandbox: Sandbox;
let limiter: AccountLimiter;
let client: SakariClient;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  sandbox = await startSandbox({});
  limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
  client = new SakariClient({
    apiUrl: sandbox.url,
    accountId: 'acc',
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    limiter,
    retry: { baseMs: 1 },
  });
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await limiter.stop();
  await sandbox.close();
  await cleanup();
});

function batchOf(mobiles: string[]): Batch {
  return {
    kind: 'batch',
    index: 1,
    contacts: mobiles.map((mobile, seq) => ({
      kind: 'pending',
      ref: { file: 'f.csv', line: seq + 2, seq },
      raw: { mobile },
      mobileInput: mobile,
      payload: { mobile, tags: [], attributes: {} },
      payloadHash: `hash-${mobile}`,
    })),
  };
}

test('a batch refused as a whole is split until the refused row is isolated; the others are delivered and recorded', async () => {
  // 4 rows → refused; halves [a,b] refused, [c,d] fine; [a] refused (fails), [b] fine.
  const upload = { pathIncludes: '/contacts' };
  sandbox.inject(
    { kind: 'status', status: 400, code: 'CONT-000', match: upload },
    { kind: 'status', status: 400, code: 'CONT-000', match: upload },
    { kind: 'status', status: 400, code: 'CONT-000', match: upload },
  );
  const store = StateStore.open(`${dir}/state.db`);
  store.startRun({
    id: 'run-1',
    command: 'import',
    jobKey: 'k',
    sourceSha256: 'sha',
    optionsHash: 'o',
    startedAt: new Date().toISOString(),
    pid: process.pid,
  });
  const mobiles = ['+16465550001', '+16465550002', '+16465550003', '+16465550004'];
  const outcomes = await upsertBatch(batchOf(mobiles), {
    sink: client,
    mergeStrategy: 'append',
    store: new SqliteBackend(store),
    account: 'acc',
    runId: 'run-1',
  });
  expect(outcomes.map((o) => [o.mobileE164, o.status, o.code])).toEqual([
    ['+16465550001', 'failed', 'CONT-000'],
    ['+16465550002', 'created', undefined],
    ['+16465550003', 'created', undefined],
    ['+16465550004', 'created', undefined],
  ]);
  expect(
    sandbox
      .contacts('acc')
      .map((c) => c.mobile.number)
      .sort(),
  ).toEqual(mobiles.slice(1));
  const known = store.lookup('acc', mobiles);
  expect([...known.keys()].sort()).toEqual(mobiles.slice(1));
  store.close();
});

test('a batch refused whole, and contact by contact the same way, is not halved down to every row', async () => {
  // Every upload answers the same 400 (an account limit, a proxy's page): before, 64 rows took 127 uploads.
  const upload = { pathIncludes: '/contacts' };
  sandbox.inject(
    ...Array.from({ length: 200 }, () => ({
      kind: 'status' as const,
      status: 400,
      code: 'ACCT-LIMIT',
      match: upload,
    })),
  );
  const mobiles = Array.from({ length: 64 }, (_, i) => `+1646555${String(1000 + i)}`);
  const outcomes = await upsertBatch(batchOf(mobiles), {
    sink: client,
    mergeStrategy: 'append',
    store: null,
    account: 'acc',
    runId: 'run-1',
  });
  const uploads = sandbox
    .stats()
    .requestLog.filter((entry) => entry.method === 'POST' && entry.path.includes('/contacts')).length;
  // 64 → 32 → … → 1, its sibling, then the next pair: four contacts refused alone, nothing stored.
  expect(uploads).toBe(11);
  expect(outcomes).toHaveLength(64);
  expect(new Set(outcomes.map((o) => `${o.status} ${o.code}`))).toEqual(new Set(['failed ACCT-LIMIT']));
  expect(outcomes.at(-1)?.message).toMatch(
    /^Sakari refused the batch as a whole, and contacts tried alone the same way: .*; not tried alone$/,
  );
  expect(sandbox.contacts('acc')).toEqual([]);
});

test('rows refused for themselves are still isolated when several come first', async () => {
  // 8 refused; [0–3] refused; [0,1] refused; 0 and 1 refused alone; [2,3] refused; 2 refused alone;
  // then 3 is stored: three single refusals are not the batch's, and the rest are sent as they were.
  const upload = { pathIncludes: '/contacts' };
  sandbox.inject(
    ...Array.from({ length: 7 }, () => ({
      kind: 'status' as const,
      status: 400,
      code: 'CONT-001',
      match: upload,
    })),
  );
  const mobiles = Array.from({ length: 8 }, (_, i) => `+1646555${String(2000 + i)}`);
  const outcomes = await upsertBatch(batchOf(mobiles), {
    sink: client,
    mergeStrategy: 'append',
    store: null,
    account: 'acc',
    runId: 'run-1',
  });
  expect(outcomes.map((o) => o.status)).toEqual([
    'failed',
    'failed',
    'failed',
    'created',
    'created',
    'created',
    'created',
    'created',
  ]);
});

test('a dry run sends nothing and reports what would be created or updated', async () => {
  const outcomes = await upsertBatch(batchOf(['+16465550001']), {
    sink: null,
    mergeStrategy: 'append',
    store: null,
    account: 'acc',
    runId: 'run-1',
  });
  expect(outcomes[0]).toMatchObject({ status: 'created', message: 'dry run: not sent' });
  expect(sandbox.stats().apiRequests).toBe(0);
});
