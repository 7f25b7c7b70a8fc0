/**
 * The remote side of a reconciliation, spilled to a temporary SQLite database so that memory stays
 * flat however many contacts the account holds (a JS map of a million contacts would not).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RemoteContact } from '../sakari/types.js';
import type { RemoteFields } from './compare.js';

/**
 * Rows per write transaction: one fsync-free commit per ten pages keeps inserting at ~1 µs a row
 * while bounding what is buffered between commits.
 */
export const REMOTE_INSERT_CHUNK = 1_000;

/**
 * SQLite page cache, in KiB (negative `cache_size` means KiB): enough to keep the E.164 index's
 * inner pages hot for a million rows, small enough that memory does not follow the account's size.
 */
const CACHE_KIB = 16 * 1024;

/** A remote contact as stored in the index, with its place in the server's listing order. */
export interface IndexedRemote extends RemoteFields {
  /** 1-based position in the listing (extra rows are reported in this order). */
  seq: number;
  e164: string;
}

interface RemoteRow {
  seq: number;
  e164: string;
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  country: string | null;
  tags_json: string;
  attributes_json: string;
  seen: 0 | 1;
}

/**
 * The E.164 form of a number as Sakari returns it. Sakari stores E.164, but a number listed as
 * digits without the `+`, or with spaces, dashes or brackets, is tidied so it still meets its
 * source row instead of showing up as one `missing` and one `extra`.
 */
export function remoteE164(number: string): string {
  const compact = number.replace(/[\s().-]/g, '');
  return /^\d+$/.test(compact) ? `+${compact}` : compact;
}

/**
 * Remote contacts keyed by E.164 in a temporary SQLite file, with a `seen` mark per contact.
 *
 * @example
 * const index = await RemoteIndex.create();
 * try {
 *   await index.load(client.listContacts());
 *   const remote = index.lookup(['+447700900123']).get('+447700900123');
 * } finally {
 *   await index.close();
 * }
 */
export class RemoteIndex {
  /** Contacts listed, counting a number listed twice twice. */
  listed = 0;
  /** Distinct E.164 numbers held. */
  size = 0;

  private readonly insert: Database.Statement<
    [string, string, string | null, string | null, string | null, string | null, string, string]
  >;
  private readonly get: Database.Statement<[string], RemoteRow>;
  private readonly markSeen: Database.Statement<[number]>;
  private readonly unseenPage: Database.Statement<[number, number], RemoteRow>;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly folder: string,
  ) {
    // A throwaway file: nothing is worth a journal or an fsync.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('temp_store = FILE');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.exec(`CREATE TABLE remote (
      seq INTEGER PRIMARY KEY,
      e164 TEXT NOT NULL UNIQUE,
      id TEXT NOT NULL,
      first_name TEXT,
      last_name TEXT,
      email TEXT,
      country TEXT,
      tags_json TEXT NOT NULL,
      attributes_json TEXT NOT NULL,
      seen INTEGER NOT NULL DEFAULT 0
    )`);
    this.insert = db.prepare(
      `INSERT INTO remote (e164, id, first_name, last_name, email, country, tags_json, attributes_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (e164) DO NOTHING`,
    );
    this.get = db.prepare('SELECT * FROM remote WHERE e164 = ?');
    this.markSeen = db.prepare('UPDATE remote SET seen = 1 WHERE seq = ?');
    this.unseenPage = db.prepare('SELECT * FROM remote WHERE seen = 0 AND seq > ? ORDER BY seq LIMIT ?');
  }

  /**
   * Creates an empty index in a new private folder under `parent` (default: the OS temp folder).
   * {@link close} deletes the folder.
   */
  static async create(parent: string = os.tmpdir()): Promise<RemoteIndex> {
    const folder = await mkdtemp(path.join(parent, 'sakari-sync-reconcile-'));
    try {
      return new RemoteIndex(new Database(path.join(folder, 'remote.sqlite')), folder);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Stores every contact of `contacts`, committing every {@link REMOTE_INSERT_CHUNK} rows.
   * A number listed twice (the account changed while it was paged through) keeps its first listing.
   *
   * @param onChunk - called after each commit with the running {@link listed} count.
   * @param signal - checked between contacts; an abort stops the listing and rejects.
   */
  async load(
    contacts: AsyncIterable<RemoteContact>,
    options: { onChunk?: (listed: number) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    let chunk: RemoteContact[] = [];
    const insertAll = this.db.transaction((rows: RemoteContact[]) => {
      for (const contact of rows) {
        const result = this.insert.run(
          remoteE164(contact.mobile.number),
          contact.id,
          contact.firstName ?? null,
          contact.lastName ?? null,
          contact.email ?? null,
          contact.mobile.country ?? null,
          JSON.stringify(contact.tags),
          JSON.stringify(contact.attributes),
        );
        this.size += result.changes;
      }
    });
    const commit = (): void => {
      insertAll(chunk);
      this.listed += chunk.length;
      chunk = [];
      options.onChunk?.(this.listed);
    };
    for await (const contact of contacts) {
      options.signal?.throwIfAborted();
      chunk.push(contact);
      if (chunk.length >= REMOTE_INSERT_CHUNK) commit();
    }
    if (chunk.length > 0) commit();
  }

  /**
   * Looks up several numbers at once and marks the ones found as seen, in one transaction.
   * @returns the remote contact of each number found.
   */
  lookup(e164s: readonly string[]): Map<string, IndexedRemote> {
    const found = new Map<string, IndexedRemote>();
    this.db.transaction(() => {
      for (const e164 of e164s) {
        const row = this.get.get(e164);
        if (row === undefined) continue;
        if (!found.has(e164)) this.markSeen.run(row.seq);
        found.set(e164, toIndexed(row));
      }
    })();
    return found;
  }

  /**
   * Looks up numbers that no lookup has found yet, and marks them seen, in one transaction: each
   * number is found at most once over the life of the index. For rows that only matter when
   * nothing else accounts for the contact (a row the source blocks, whose number an earlier
   * source row may already have claimed).
   * @returns the remote contact of each number found and not seen before.
   */
  lookupUnseen(e164s: readonly string[]): Map<string, IndexedRemote> {
    const found = new Map<string, IndexedRemote>();
    this.db.transaction(() => {
      for (const e164 of e164s) {
        const row = this.get.get(e164);
        if (row === undefined || row.seen !== 0) continue;
        this.markSeen.run(row.seq);
        found.set(e164, toIndexed(row));
      }
    })();
    return found;
  }

  /** Remote contacts never looked up, in listing order, `pageSize` at a time (keyset pages: no long-lived cursor). */
  *unseen(pageSize = REMOTE_INSERT_CHUNK): Generator<IndexedRemote[]> {
    let after = 0;
    for (;;) {
      const rows = this.unseenPage.all(after, pageSize);
      if (rows.length === 0) return;
      after = (rows.at(-1) as RemoteRow).seq;
      yield rows.map(toIndexed);
    }
  }

  /** Closes the database and deletes its folder. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } finally {
      await rm(this.folder, { recursive: true, force: true });
    }
  }
}

function toIndexed(row: RemoteRow): IndexedRemote {
  const remote: IndexedRemote = {
    seq: row.seq,
    e164: row.e164,
    id: row.id,
    tags: JSON.parse(row.tags_json) as string[],
    attributes: JSON.parse(row.attributes_json) as Record<string, string>,
  };
  if (row.first_name !== null) remote.firstName = row.first_name;
  if (row.last_name !== null) remote.lastName = row.last_name;
  if (row.email !== null) remote.email = row.email;
  if (row.country !== null) remote.country = row.country;
  return remote;
}
