import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { LockHeldError, type LockHolder } from './lock.js';
import { PG_LOCK_NAMESPACE, PG_SCHEMA } from './postgres-migrations.js';

/** A contender that finds the lock held but no holder row yet (the holder is writing it) re-reads this often. */
const HOLDER_READ_ATTEMPTS = 5;
const HOLDER_READ_DELAY_MS = 20;

/** The second key of a job's advisory lock: the first 31 bits of sha256(jobKey), a non-negative int4. */
export function pgLockKey(jobKey: string): number {
  return createHash('sha256').update(jobKey).digest().readInt32BE(0) & 0x7fffffff;
}

/** What {@link PgRunLock.acquire} needs. */
export interface PgRunLockOptions {
  /** The connection string (its password never appears in what this throws). */
  connectionString: string;
  /** The URL as it may be shown, password masked. */
  location: string;
  jobKey: string;
  /** Shown to a contender. Must not contain secrets. */
  command: string;
}

/**
 * The run lock of a job, held in PostgreSQL: a session-level advisory lock
 * (`pg_try_advisory_lock(SKSY, hash(jobKey))`) on a connection of its own, held for the whole run.
 * A second run of the job on any machine fails at once with {@link LockHeldError} naming the
 * holder (a row of `run_lock_holders` written by the holder, matched to the lock's backend pid).
 * A holder that dies releases the lock with its connection: the server ends the session when
 * the socket closes (at once for a killed process; after TCP keepalive for a vanished host).
 */
export class PgRunLock {
  readonly #client: pg.Client;
  readonly #jobKey: string;
  #released = false;
  #lost: Error | undefined;

  private constructor(client: pg.Client, jobKey: string) {
    this.#client = client;
    this.#jobKey = jobKey;
    client.on('error', (error) => {
      this.#lost ??= error;
    });
  }

  /**
   * Takes the lock or fails at once.
   *
   * @throws LockHeldError when another session holds it.
   */
  static async acquire(options: PgRunLockOptions): Promise<PgRunLock> {
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
    // Until the lock object listens, a dropped connection must not crash the process.
    const early = (): void => undefined;
    client.on('error', early);
    await client.connect();
    const key = pgLockKey(options.jobKey);
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS locked',
        [PG_LOCK_NAMESPACE, key],
      );
      if (rows[0]?.locked !== true) {
        throw new LockHeldError(await readHolder(client, options.jobKey, key), lockName(options, key));
      }
      await client.query(
        `INSERT INTO ${PG_SCHEMA}.run_lock_holders (job_key, backend_pid, pid, host, command, since)
         VALUES ($1, pg_backend_pid(), $2, $3, $4, $5)
         ON CONFLICT (job_key) DO UPDATE SET backend_pid = excluded.backend_pid, pid = excluded.pid,
           host = excluded.host, command = excluded.command, since = excluded.since`,
        [options.jobKey, process.pid, hostname(), options.command, new Date().toISOString()],
      );
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    const lock = new PgRunLock(client, options.jobKey);
    client.removeListener('error', early);
    return lock;
  }

  /** Set when the connection holding the lock was lost: the lock may now be someone else's. */
  get compromised(): Error | undefined {
    return this.#lost;
  }

  /** Releases the lock (removing the holder row) and closes its connection. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#lost === undefined) {
      try {
        await this.#client.query(
          `DELETE FROM ${PG_SCHEMA}.run_lock_holders WHERE job_key = $1 AND backend_pid = pg_backend_pid()`,
          [this.#jobKey],
        );
      } catch {
        // The connection is going anyway; ending it releases the lock.
      }
    }
    // Ending the session releases its advisory locks.
    await this.#client.end().catch(() => undefined);
  }
}

function lockName(options: PgRunLockOptions, key: number): string {
  return `${options.location}, advisory lock (${PG_LOCK_NAMESPACE}, ${key})`;
}

/** Who holds the lock: the holder row of the session that holds it, or "unidentified". */
async function readHolder(client: pg.Client, jobKey: string, key: number): Promise<LockHolder> {
  for (let attempt = 1; ; attempt++) {
    const { rows } = await client.query<{ pid: number; host: string; command: string; since: string }>(
      `SELECT h.pid, h.host, h.command, h.since
       FROM ${PG_SCHEMA}.run_lock_holders h
       JOIN pg_locks l ON l.pid = h.backend_pid
       WHERE h.job_key = $1 AND l.locktype = 'advisory' AND l.granted
         AND l.classid = $2::int::oid AND l.objid = $3::int::oid AND l.objsubid = 2`,
      [jobKey, PG_LOCK_NAMESPACE, key],
    );
    const row = rows[0];
    if (row !== undefined) return { pid: row.pid, host: row.host, command: row.command, since: row.since };
    if (attempt >= HOLDER_READ_ATTEMPTS) {
      return { pid: 0, host: 'unknown', command: 'unknown', since: new Date().toISOString() };
    }
    await new Promise((resolve) => setTimeout(resolve, HOLDER_READ_DELAY_MS));
  }
}
