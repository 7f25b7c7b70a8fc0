import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import {
  SCHEMA_VERSION,
  StateStore,
  StateStoreError,
  type AckedRow,
  type RunRecord,
} from '../../src/state/index.js';
import { MIGRATIONS, STATE_APPLICATION_ID } from '../../src/state/migrations.js';
import { configureConnection, RECALL_SQL, RECALL_WINDOW_SQL } from '../../src/state/store.js';

let dir: string;
let dbPath: string;
const open: StateStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sakari-state-'));
  dbPath = join(dir, 'nested', 'state', 'state.db');
});

afterEach(async () => {
  for (const store of open.splice(0)) store.close();
  await rm(dir, { recursive: true, force: true });
});

function openStore(path = dbPath, now?: () => Date): StateStore {
  const store = StateStore.open(path, now ? { now } : {});
  open.push(store);
  return store;
}

function raw(path: string): Database.Database {
  return new Database(path);
}

/**
 * A state database as an earlier version left it: the migration steps up to `version`, and one
 * completed run `r1`. The caller fills it, sets `user_version` and closes it.
 */
function stateAtStep(version: number): Database.Database {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = raw(dbPath);
  db.pragma(`application_id = ${STATE_APPLICATION_ID}`);
  db.transaction(() => {
    for (const step of MIGRATIONS.filter((migration) => migration.version <= version)) step.up(db);
  })();
  db.prepare(
    `INSERT INTO runs (id, command, job_key, source_sha256, options_hash, started_at, status, pid)
              VALUES ('r1', 'import', 'k', 's', 'o', '2026-01-01T00:00:00Z', 'completed', 1)`,
  ).run();
  return db;
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

function expectStateError(action: () => unknown, code: StateStoreError['code'], message: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StateStoreError);
  expect((caught as StateStoreError).code).toBe(code);
  expect((caught as StateStoreError).message).toMatch(message);
}

describe('StateStore.open and migrations', () => {
  it('creates folders 0700 and a 0600 database in WAL mode at the current schema', async () => {
    const store = openStore();
    store.startRun(run('r1'));
    store.recordBatch(ACCOUNT, 'r1', [{ e164: e164(1), payloadHash: 'h', status: 'created' }]);

    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'nested', 'state'))).mode & 0o777).toBe(0o700);
    expect((await stat(dbPath)).mode & 0o777).toBe(0o600);
    // SQLite gives the WAL the database file's mode: phone numbers are in it too.
    expect((await stat(`${dbPath}-wal`)).mode & 0o777).toBe(0o600);

    const db = raw(dbPath);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const steps = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      expect(steps).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      const tables = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'account_pace',
        'contacts',
        'processed_files',
        'rejected_rows',
        'runs',
        'schema_migrations',
      ]);
    } finally {
      db.close();
    }
  });

  it('keeps its data across close and reopen, without migrating again', () => {
    const first = openStore();
    first.startRun(run('r1'));
    first.recordBatch(ACCOUNT, 'r1', [
      { e164: e164(1), payloadHash: 'h1', contactId: 'c1', status: 'created' },
    ]);
    first.close();
    first.close(); // idempotent

    const second = openStore();
    expect(second.lookup(ACCOUNT, [e164(1)]).get(e164(1))).toEqual({
      payloadHash: 'h1',
      contactId: 'c1',
      runId: 'r1',
      status: 'created',
    });
    second.close();
    const db = raw(dbPath);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(SCHEMA_VERSION);
    db.close();
  });

  test.each([
    ['an empty (zero-byte) file', async (path: string) => writeFile(path, '')],
    [
      'a SQLite database at user_version 0 without tables',
      async (path: string) => {
        const db = raw(path);
        db.pragma('page_size = 8192');
        db.exec('VACUUM');
        db.close();
      },
    ],
  ])('migrates %s to the current schema', async (_, make) => {
    dbPath = join(dir, 'v0.db');
    await make(dbPath);
    const store = openStore();
    store.startRun(run('r1'));
    expect(store.getRun('r1')?.status).toBe('running');
    const db = raw(dbPath);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer sakari-sync, without changing it', () => {
    openStore().close();
    const db = raw(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();

    expectStateError(
      () => openStore(),
      'STATE_TOO_NEW',
      new RegExp(`newer sakari-sync.*v${SCHEMA_VERSION + 1}.*up to v${SCHEMA_VERSION}`),
    );
    const after = raw(dbPath);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });

  it('refuses a file that is not a SQLite database', async () => {
    dbPath = join(dir, 'contacts.csv');
    await writeFile(dbPath, 'mobile,firstName\n+447700900123,Ada\n'.repeat(20));
    expectStateError(() => openStore(), 'STATE_NOT_OURS', /contacts\.csv is not a SQLite database/);
  });

  it("refuses another application's database and leaves it untouched", () => {
    dbPath = join(dir, 'other.db');
    const db = raw(dbPath);
    db.exec('CREATE TABLE contacts (name TEXT)');
    db.close();
    expectStateError(() => openStore(), 'STATE_NOT_OURS', /not a sakari-sync state database/);

    const tagged = join(dir, 'tagged.db');
    const other = raw(tagged);
    other.pragma('application_id = 42');
    other.close();
    expectStateError(() => openStore(tagged), 'STATE_NOT_OURS', /application_id 42/);

    const after = raw(dbPath);
    expect(after.prepare('SELECT name FROM sqlite_schema').pluck().all()).toEqual(['contacts']);
    after.close();
  });

  it('fails clearly when the folder cannot be created', async () => {
    await writeFile(join(dir, 'a-file'), '');
    expectStateError(() => openStore(join(dir, 'a-file', 'state.db')), 'STATE_UNAVAILABLE', /a-file/);
  });
});

describe('connection settings', () => {
  test('the WAL is checkpointed after 40% of the database, at least 10,000 and at most 50,000 pages', () => {
    // Pages of 512 bytes, so that a few tens of MB make a database of 40,000 and 130,000 pages.
    const db = raw(join(dir, 'sized.db'));
    try {
      db.pragma('page_size = 512');
      db.exec('CREATE TABLE filler (x BLOB)');
      const checkpointAfter = (): number => {
        configureConnection(db);
        return db.pragma('wal_autocheckpoint', { simple: true }) as number;
      };
      const pages = (): number => db.pragma('page_count', { simple: true }) as number;
      expect(checkpointAfter()).toBe(10_000);
      db.prepare('INSERT INTO filler VALUES (zeroblob(?))').run(20 * 1024 * 1024);
      expect(pages()).toBeGreaterThan(40_000);
      expect(checkpointAfter()).toBe(Math.round(pages() * 0.4));
      db.prepare('INSERT INTO filler VALUES (zeroblob(?))').run(46 * 1024 * 1024);
      expect(pages()).toBeGreaterThan(130_000);
      expect(checkpointAfter()).toBe(50_000);
    } finally {
      db.close();
    }
  });
});

describe('lookup and recordBatch', () => {
  let store: StateStore;
  beforeEach(() => {
    store = openStore();
    store.startRun(run('r1'));
    store.startRun(run('r2'));
  });

  it('returns what was acknowledged, per account, and nothing for unknown numbers', () => {
    store.recordBatch(ACCOUNT, 'r1', [
      { e164: e164(1), payloadHash: 'h1', contactId: 'c1', status: 'created' },
      { e164: e164(2), payloadHash: 'h2', contactId: 'c2', status: 'updated' },
      { e164: e164(3), payloadHash: 'h3', status: 'blocked' },
    ]);
    store.recordBatch('acct-2', 'r1', [{ e164: e164(1), payloadHash: 'other', status: 'created' }]);

    const known = store.lookup(ACCOUNT, [e164(1), e164(2), e164(3), e164(4), e164(1)]);
    expect(Object.fromEntries(known)).toEqual({
      [e164(1)]: { payloadHash: 'h1', contactId: 'c1', runId: 'r1', status: 'created' },
      [e164(2)]: { payloadHash: 'h2', contactId: 'c2', runId: 'r1', status: 'updated' },
      [e164(3)]: { payloadHash: 'h3', runId: 'r1', status: 'blocked' },
    });
    expect(store.lookup('acct-2', [e164(1), e164(2)]).get(e164(1))?.payloadHash).toBe('other');
    expect(store.lookup('acct-3', [e164(1)]).size).toBe(0);
    expect(store.lookup(ACCOUNT, []).size).toBe(0);
  });

  it('overwrites a known number, keeping the contact id when the new acknowledgement has none', () => {
    store.recordBatch(ACCOUNT, 'r1', [
      { e164: e164(1), payloadHash: 'h1', contactId: 'c1', status: 'created' },
    ]);
    store.recordBatch(ACCOUNT, 'r2', [{ e164: e164(1), payloadHash: 'h2', status: 'blocked' }]);
    expect(store.lookup(ACCOUNT, [e164(1)]).get(e164(1))).toEqual({
      payloadHash: 'h2',
      contactId: 'c1',
      runId: 'r2',
      status: 'blocked',
    });
  });

  it('looks up any number of numbers across statement chunks', () => {
    const rows: AckedRow[] = Array.from({ length: 1_700 }, (_, i) => ({
      e164: e164(i * 2),
      payloadHash: `h${i}`,
      status: 'created',
    }));
    for (let i = 0; i < rows.length; i += 500) store.recordBatch(ACCOUNT, 'r1', rows.slice(i, i + 500));
    const wanted = Array.from({ length: 3_400 }, (_, i) => e164(i)).reverse();
    const known = store.lookup(ACCOUNT, wanted);
    expect(known.size).toBe(1_700);
    expect(known.get(e164(3_398))?.payloadHash).toBe('h1699');
    expect(known.has(e164(3_397))).toBe(false);
  });

  test.each<[string, AckedRow]>([
    ['a number that is not E.164', { e164: '07700900123', payloadHash: 'h', status: 'created' }],
    ['an empty payload hash', { e164: e164(9), payloadHash: '', status: 'created' }],
    [
      'a status Sakari did not acknowledge',
      { e164: e164(9), payloadHash: 'h', status: 'failed' as 'created' },
    ],
  ])('records nothing of a batch holding %s', (_, bad) => {
    store.recordBatch(ACCOUNT, 'r1', [{ e164: e164(1), payloadHash: 'before', status: 'created' }]);
    const batch: AckedRow[] = [
      { e164: e164(1), payloadHash: 'after', status: 'updated' },
      { e164: e164(2), payloadHash: 'new', status: 'created' },
      bad,
      { e164: e164(3), payloadHash: 'new', status: 'created' },
    ];
    expect(() => store.recordBatch(ACCOUNT, 'r2', batch)).toThrow(/constraint/i);
    expect(Object.fromEntries(store.lookup(ACCOUNT, [e164(1), e164(2), e164(3)]))).toEqual({
      [e164(1)]: { payloadHash: 'before', runId: 'r1', status: 'created' },
    });
  });

  it('refuses a batch of a run that was never started', () => {
    expect(() =>
      store.recordBatch(ACCOUNT, 'no-such-run', [{ e164: e164(1), payloadHash: 'h', status: 'created' }]),
    ).toThrow(/FOREIGN KEY/);
    expect(store.lookup(ACCOUNT, [e164(1)]).size).toBe(0);
  });
});

describe('runs', () => {
  let store: StateStore;
  beforeEach(() => {
    store = openStore(dbPath, () => new Date('2025-02-03T04:05:06.000Z'));
  });

  it('records a run from start to finish', () => {
    store.startRun(run('r1'));
    expect(store.getRun('r1')).toEqual({ ...run('r1'), status: 'running' });
    store.finishRun('r1', 'completed', { created: 3, unchanged: 2 });
    expect(store.getRun('r1')).toEqual({
      ...run('r1'),
      status: 'completed',
      finishedAt: '2025-02-03T04:05:06.000Z',
      counts: { created: 3, unchanged: 2 },
    });
    expect(store.getRun('nope')).toBeUndefined();
  });

  it('refuses contradictions: finishing twice, unknown runs, resuming an unknown run, a duplicate id', () => {
    store.startRun(run('r1'));
    store.finishRun('r1', 'aborted', {});
    expectStateError(
      () => store.finishRun('r1', 'completed', {}),
      'STATE_CONFLICT',
      /already finished \(aborted\)/,
    );
    expectStateError(() => store.finishRun('nope', 'completed', {}), 'STATE_CONFLICT', /unknown run nope/);
    store.startRun(run('r2'));
    expectStateError(() => store.finishRun('r2', 'running', {}), 'STATE_CONFLICT', /'running'/);
    expectStateError(
      () => store.startRun(run('r3', { resumedFrom: 'ghost' })),
      'STATE_CONFLICT',
      /unknown run ghost/,
    );
    expect(() => store.startRun(run('r1'))).toThrow(/UNIQUE/);
  });

  type Step = {
    id: string;
    status: RunRecord['status'];
    jobKey?: string;
    sha?: string;
    options?: string;
    resumes?: string;
  };
  test.each<[string, Step[], string | undefined]>([
    ['no run of the job', [], undefined],
    ['a killed run (still running)', [{ id: 'a', status: 'running' }], 'a'],
    ['an aborted run', [{ id: 'a', status: 'aborted' }], 'a'],
    ['a completed run', [{ id: 'a', status: 'completed' }], undefined],
    ['a failed run', [{ id: 'a', status: 'failed' }], undefined],
    ['an aborted run of another source', [{ id: 'a', status: 'aborted', sha: 'sha-2' }], undefined],
    ['an aborted run with other options', [{ id: 'a', status: 'aborted', options: 'opt-2' }], undefined],
    ['an aborted run of another job', [{ id: 'a', status: 'aborted', jobKey: 'job-b' }], undefined],
    [
      'an aborted run behind a completed one',
      [
        { id: 'a', status: 'aborted' },
        { id: 'b', status: 'completed', resumes: 'a' },
      ],
      undefined,
    ],
    [
      'an aborted run behind a run of another source',
      [
        { id: 'a', status: 'aborted' },
        { id: 'b', status: 'completed', sha: 'sha-2' },
      ],
      undefined,
    ],
    [
      'the latest of a chain of interrupted runs',
      [
        { id: 'a', status: 'aborted' },
        { id: 'b', status: 'running', resumes: 'a' },
      ],
      'b',
    ],
    [
      'the latest run of the job, other jobs running since',
      [
        { id: 'a', status: 'aborted' },
        { id: 'b', status: 'running', jobKey: 'job-b' },
      ],
      'a',
    ],
  ])('findResumable: %s', (_, steps, expected) => {
    for (const step of steps) {
      store.startRun(
        run(step.id, {
          jobKey: step.jobKey ?? 'job-a',
          sourceSha256: step.sha ?? 'sha-1',
          optionsHash: step.options ?? 'opt-1',
          ...(step.resumes ? { resumedFrom: step.resumes } : {}),
        }),
      );
      if (step.status !== 'running') store.finishRun(step.id, step.status, {});
    }
    expect(store.findResumable('job-a', 'sha-1', 'opt-1')?.id).toBe(expected);
  });

  it('follows a resume chain newest first', () => {
    store.startRun(run('a'));
    store.finishRun('a', 'aborted', {});
    store.startRun(run('b', { resumedFrom: 'a' }));
    store.startRun(run('c', { resumedFrom: 'b' }));
    store.startRun(run('unrelated'));
    expect(store.resumeChain('c')).toEqual(['c', 'b', 'a']);
    expect(store.resumeChain('b')).toEqual(['b', 'a']);
    expect(store.resumeChain('unrelated')).toEqual(['unrelated']);
    expect(store.resumeChain('ghost')).toEqual([]);
  });
});

describe('processed files', () => {
  const scope = { account: ACCOUNT, optionsHash: 'opt-1' };

  it("remembers the latest import of each account and options, and matches only that import's content", () => {
    let clock = '2025-01-01T00:00:00.000Z';
    const store = openStore(dbPath, () => new Date(clock));
    expect(store.fileProcessed('abc', scope)).toBeUndefined();
    store.markFileProcessed('abc', scope, { path: 'inbox/a.csv', runId: 'r1' });
    clock = '2025-01-02T00:00:00.000Z';
    store.markFileProcessed('abc', scope, { path: 'inbox/copy-of-a.csv', runId: 'r2' });
    expect(store.fileProcessed('abc', scope)).toEqual({
      path: 'inbox/copy-of-a.csv',
      runId: 'r2',
      at: '2025-01-02T00:00:00.000Z',
    });
    expect(store.fileProcessed('abd', scope)).toBeUndefined();
    expect(store.fileProcessed('abc', { ...scope, optionsHash: 'opt-2' })).toBeUndefined();
    store.markFileProcessed('abd', scope, { path: 'inbox/b.csv', runId: 'r3' });
    expect(store.fileProcessed('abc', scope)).toBeUndefined();
  });

  test('a v8 database keeps its processed files, which match no account and options: each is imported once more', () => {
    const db = stateAtStep(8);
    db.prepare(
      `INSERT INTO processed_files (sha256, path, run_id, at) VALUES ('abc', 'a.csv', 'r1', '2026-01-01T00:00:00Z')`,
    ).run();
    db.prepare(
      `INSERT INTO processed_files (sha256, path, run_id, at) VALUES ('abd', 'b.csv', 'r1', '2026-01-02T00:00:00Z')`,
    ).run();
    db.pragma('user_version = 8');
    db.close();

    const store = openStore();
    expect(store.fileProcessed('abc', scope)).toBeUndefined();
    store.markFileProcessed('abc', scope, { path: 'a.csv', runId: 'r2' });
    expect(store.fileProcessed('abc', scope)).toMatchObject({ path: 'a.csv', runId: 'r2' });
    store.close();
    const check = raw(dbPath);
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const rows = check
        .prepare('SELECT account, options_hash, sha256, run_id FROM processed_files ORDER BY run_id, sha256')
        .all();
      expect(rows).toEqual([
        { account: null, options_hash: null, sha256: 'abc', run_id: 'r1' },
        { account: null, options_hash: null, sha256: 'abd', run_id: 'r1' },
        { account: ACCOUNT, options_hash: 'opt-1', sha256: 'abc', run_id: 'r2' },
      ]);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });
});

describe('account pace (issue 18)', () => {
  test('getPace is undefined until setPace; the pace is kept per account across reopening', () => {
    const store = openStore();
    expect(store.getPace(ACCOUNT)).toBeUndefined();
    store.setPace(ACCOUNT, 4.75);
    store.setPace('acct-2', 12);
    store.setPace(ACCOUNT, 4.5);
    store.close();
    const again = openStore();
    expect(again.getPace(ACCOUNT)).toBe(4.5);
    expect(again.getPace('acct-2')).toBe(12);
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('setPace(%s) is refused', (rate) => {
    const store = openStore();
    expect(() => store.setPace(ACCOUNT, rate)).toThrow(RangeError);
    expect(store.getPace(ACCOUNT)).toBeUndefined();
  });

  test('a v1 database gains the pace table and keeps its contacts', () => {
    const db = stateAtStep(1);
    db.prepare(
      `INSERT INTO contacts (account, e164, payload_hash, run_id, status, updated_at)
                VALUES (?, '+15551234567', 'h', 'r1', 'created', '2026-01-01T00:00:00Z')`,
    ).run(ACCOUNT);
    db.pragma('user_version = 1');
    db.close();
    const store = openStore();
    expect(store.lookup(ACCOUNT, ['+15551234567']).size).toBe(1);
    store.setPace(ACCOUNT, 5);
    expect(store.getPace(ACCOUNT)).toBe(5);
  });

  test('a v2 database loses the unused reconcile spill table and keeps its contacts and pace', () => {
    const db = stateAtStep(2);
    db.prepare(
      `INSERT INTO contacts (account, e164, payload_hash, run_id, status, updated_at)
                VALUES (?, '+15551234567', 'h', 'r1', 'created', '2026-01-01T00:00:00Z')`,
    ).run(ACCOUNT);
    db.prepare(
      `INSERT INTO account_pace (account, rate, updated_at) VALUES (?, 7, '2026-01-01T00:00:00Z')`,
    ).run(ACCOUNT);
    db.prepare(
      `INSERT INTO remote_contacts (session, e164, contact) VALUES ('s', '+15551234567', '{}')`,
    ).run();
    db.pragma('user_version = 2');
    db.close();

    const store = openStore();
    expect(store.lookup(ACCOUNT, ['+15551234567']).size).toBe(1);
    expect(store.getPace(ACCOUNT)).toBe(7);
    store.close();
    const after = raw(dbPath);
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
      expect(tables).not.toContain('remote_contacts');
      expect(tables).toContain('contacts');
    } finally {
      after.close();
    }
  });

  test('a v5 database keeps its fingerprints: they are recalled by fingerprint, then placed in bulk', () => {
    const db = stateAtStep(5);
    // More rows than are placed one by one: the bulk path drops and builds the indexes again.
    const count = 60_000;
    const insert = db.prepare(
      `INSERT INTO contacts (account, e164, payload_hash, run_id, status, updated_at, row_hash)
                VALUES (?, ?, 'h', 'r1', 'created', '2026-01-01T00:00:00Z', ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(ACCOUNT, e164(i), `row-${i}`);
    })();
    db.prepare(
      `INSERT INTO rejected_rows (account, row_hash, status, code, message, recorded_at)
                VALUES (?, 'rej-1', 'invalid', 'PHONE_INVALID', 'bad', '2026-01-01T00:00:00Z')`,
    ).run(ACCOUNT);
    db.pragma('user_version = 5');
    db.close();

    const store = openStore();
    const hashes = Array.from({ length: count }, (_, i) => `row-${i}`);
    const before = store.recall(ACCOUNT, [...hashes, 'rej-1'], { from: 0, to: count });
    expect(before.contacts.size).toBe(count);
    expect(before.rejections.get('rej-1')).toEqual({
      status: 'invalid',
      code: 'PHONE_INVALID',
      message: 'bad',
    });
    expect(before.contacts.get('row-5')?.rowSeq).toBeUndefined();
    store.placeRows(ACCOUNT, {
      contacts: hashes.map((rowHash, i) => ({ e164: e164(i), rowHash, rowSeq: count - i })),
      rejections: [{ rowHash: 'rej-1', rowSeq: 0 }],
    });
    expect(store.applyPlacedRows(ACCOUNT)).toBe(count + 1);
    const after = store.recall(ACCOUNT, ['row-5', 'rej-1'], { from: 0, to: count });
    expect(after.contacts.get('row-5')).toMatchObject({ e164: e164(5), rowSeq: count - 5 });
    expect(after.rejections.get('rej-1')?.rowSeq).toBe(0);
    store.close();
    const check = raw(dbPath);
    try {
      const indexes = check.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").pluck().all();
      expect(indexes).toEqual(
        expect.arrayContaining(['contacts_by_row_seq', 'contacts_by_row_hash', 'rejected_rows_by_row_seq']),
      );
      expect(check.prepare('SELECT count(*) FROM contacts WHERE row_seq IS NULL').pluck().get()).toBe(0);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });
  test('a v6 database gains the mobile input column: old rows recall without it, new ones with it, from covering indexes', () => {
    const db = stateAtStep(6);
    db.prepare(
      `INSERT INTO contacts (account, e164, payload_hash, run_id, status, updated_at, row_hash, note, row_seq)
                VALUES (?, ?, 'h', 'r1', 'created', '2026-01-01T00:00:00Z', 'row-old', 'a note', 3)`,
    ).run(ACCOUNT, e164(1));
    db.pragma('user_version = 6');
    db.close();

    const store = openStore();
    const old = store.recall(ACCOUNT, ['row-old'], { from: 0, to: 10 });
    expect(old.contacts.get('row-old')).toEqual({
      e164: e164(1),
      runId: 'r1',
      status: 'created',
      note: 'a note',
      rowSeq: 3,
    });
    store.startRun(run('r2'));
    store.recordBatch(ACCOUNT, 'r2', [
      {
        e164: e164(2),
        payloadHash: 'h2',
        status: 'created',
        rowHash: 'row-new',
        mobileInput: '(555) 2',
        rowSeq: 4,
      },
    ]);
    expect(store.recall(ACCOUNT, ['row-new']).contacts.get('row-new')?.mobileInput).toBe('(555) 2');
    store.close();
    const check = raw(dbPath);
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // A recall reads no table row: both of its statements are answered from an index.
      for (const [sql, params] of [
        [RECALL_SQL, [ACCOUNT, '["row-new"]']],
        [RECALL_WINDOW_SQL, [ACCOUNT, 0, 10, 100]],
      ] as const) {
        const plan = check.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
        expect(plan.map((step) => step.detail).join('; ')).toMatch(
          /USING COVERING INDEX contacts_by_row_(hash|seq)/,
        );
      }
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });
});
