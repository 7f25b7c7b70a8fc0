import { createHash, randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * A lock not refreshed for this long is taken over by another process, whatever host holds it.
 * The holder refreshes it every half of this; 30 s survives a busy event loop or a brief stall of
 * a network filesystem, and a crashed run on another host blocks the next one for at most this.
 */
export const DEFAULT_LOCK_STALE_MS = 30_000;

/** proper-lockfile refreshes at most once a second, so staleness below two seconds cannot be honoured. */
const MIN_LOCK_STALE_MS = 2_000;

/**
 * Passed to proper-lockfile as its own staleness, so that it never removes a stale lock itself:
 * its check-then-remove has a window in which two processes can both win. Stale and dead locks are
 * taken over by {@link RunLock.acquire} instead, under a takeover mutex.
 */
const NEVER_STALE_MS = Number.MAX_SAFE_INTEGER;

/** The takeover mutex is held for a few file operations; a crashed holder of it is stale after this. */
const TAKEOVER_STALE_MS = 10_000;
/** Waiting for a concurrent takeover to finish: retries of the takeover mutex (about 2 s in all). */
const TAKEOVER_RETRIES = { retries: 40, minTimeout: 10, maxTimeout: 50, factor: 1.5 };

/** A contender that finds a lock without holder file (the holder is writing it) re-reads this often. */
const HOLDER_READ_ATTEMPTS = 5;
const HOLDER_READ_DELAY_MS = 20;

/** Identifies this process instance even where pids repeat (pid 1 in every container of a cron job). */
const PROCESS_INSTANCE = randomUUID();

/** The holder file, inside the lock directory so that it lives and dies with the lock. */
const HOLDER_FILE = 'holder.json';

/** Who holds a lock, as {@link LockHeldError} reports it. */
export interface LockHolder {
  /** Process id on `host`; 0 when the holder could not be identified. */
  pid: number;
  /** Host name; `unknown` when the holder could not be identified. */
  host: string;
  /** The command the holder runs; `unknown` when the holder could not be identified. */
  command: string;
  /** ISO 8601: when it took the lock (or, unidentified, when the lock was last refreshed). */
  since: string;
}

interface HolderRecord extends LockHolder {
  jobKey: string;
  instance: string;
}

/** Another live process holds the job's lock (CONTRACT §6: exit code 4). */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  /** Who holds it. */
  readonly holder: LockHolder;
  /** The lock directory, for an operator who must remove a lock by hand. */
  readonly lockPath: string;

  constructor(holder: LockHolder, lockPath: string) {
    super(
      holder.pid === 0
        ? `another process holds the lock for this job (unidentified; lock refreshed at ${holder.since}; ${lockPath})`
        : `another run holds the lock for this job: pid ${holder.pid} on ${holder.host}, ` +
            `\`${holder.command}\`, since ${holder.since} (${lockPath})`,
    );
    this.holder = holder;
    this.lockPath = lockPath;
  }
}

/** Options of {@link RunLock.acquire}. */
export interface RunLockOptions {
  /** The folder of the state database; locks live in `<stateDir>/locks/`. */
  stateDir: string;
  /** The job's identity (see `RunRecord.jobKey`). */
  jobKey: string;
  /** Shown to a contender, e.g. `run jobs/nightly.yaml`. Must not contain secrets. */
  command: string;
  /** @default DEFAULT_LOCK_STALE_MS */
  staleMs?: number;
  /**
   * Called once if the lock is lost while held (another process took it over because it was not
   * refreshed in time, or the lock directory was removed). The run should then stop sending.
   * @default nothing; {@link RunLock.compromised} is set either way
   */
  onCompromised?: (error: Error) => void;
}

/** The files of one job's lock. */
export interface LockPaths {
  /** `<stateDir>/locks` */
  dir: string;
  /** What proper-lockfile locks (never created itself). */
  target: string;
  /** The lock directory proper-lockfile creates: `<dir>/<sha1(jobKey)>.lock`. */
  lock: string;
  /** `<lock>/holder.json` */
  holder: string;
  /** The takeover mutex's target and directory. */
  takeoverTarget: string;
  takeoverLock: string;
}

/** Where the lock of `jobKey` lives under `stateDir`. */
export function lockPaths(stateDir: string, jobKey: string): LockPaths {
  const dir = join(stateDir, 'locks');
  const name = createHash('sha1').update(jobKey).digest('hex');
  const target = join(dir, name);
  const lock = `${target}.lock`;
  return {
    dir,
    target,
    lock,
    holder: join(lock, HOLDER_FILE),
    takeoverTarget: `${target}.takeover`,
    takeoverLock: `${target}.takeover.lock`,
  };
}

type Release = () => Promise<void>;

/** What a contender sees of a held lock. */
interface Observed {
  exists: boolean;
  mtimeMs: number;
  holder: HolderRecord | undefined;
}

/**
 * The lock that keeps two runs of the same job from running at once (`run` under overlapping
 * cron schedules, `watch` started twice). A directory created atomically by proper-lockfile and
 * refreshed while held, with a `holder.json` inside naming the holder.
 *
 * A lock is taken over when its holder is dead: at once when the holder ran on this host and its
 * pid is gone; after `staleMs` without refresh otherwise. Takeovers are serialised by a second
 * lock and re-check under it, so two contenders never both win.
 *
 * Released by {@link release}, or on process exit. Handling SIGINT/SIGTERM (and then exiting) is
 * the CLI's job.
 *
 * @example
 * const lock = await RunLock.acquire({ stateDir: '.sakari-sync', jobKey, command: 'run jobs/nightly.yaml' });
 * try { await runJob(); } finally { await lock.release(); }
 */
export class RunLock {
  /** The lock directory. */
  readonly path: string;
  readonly jobKey: string;
  readonly #paths: LockPaths;
  readonly #release: Release;
  readonly #state: LockState;
  #released = false;
  readonly #onExit = (): void => this.#releaseSync();

  private constructor(paths: LockPaths, jobKey: string, release: Release, state: LockState) {
    this.path = paths.lock;
    this.jobKey = jobKey;
    this.#paths = paths;
    this.#release = release;
    this.#state = state;
    process.on('exit', this.#onExit);
  }

  /**
   * Takes the lock of `jobKey`, or fails at once (no waiting for the holder to finish).
   *
   * @throws LockHeldError when another live process holds it.
   * @throws RangeError when `staleMs` is below 2 000.
   */
  static async acquire(options: RunLockOptions): Promise<RunLock> {
    const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
    if (!Number.isFinite(staleMs) || staleMs < MIN_LOCK_STALE_MS) {
      throw new RangeError(`staleMs must be at least ${MIN_LOCK_STALE_MS} ms, got ${staleMs}`);
    }
    const paths = lockPaths(options.stateDir, options.jobKey);
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });

    const state: LockState = { compromised: undefined };
    const onCompromised = (error: Error): void => {
      if (state.compromised !== undefined) return;
      state.compromised = error;
      options.onCompromised?.(error);
    };

    const attempt: Attempt = {
      paths,
      staleMs,
      onCompromised,
      holder: {
        pid: process.pid,
        host: hostname(),
        command: options.command,
        since: new Date().toISOString(),
        jobKey: options.jobKey,
        instance: PROCESS_INSTANCE,
      },
    };
    const release = (await lockAndIdentify(attempt)) ?? (await takeOver(attempt));
    return new RunLock(paths, options.jobKey, release, state);
  }

  /** Set when the lock was lost while held (see {@link RunLockOptions.onCompromised}). */
  get compromised(): Error | undefined {
    return this.#state.compromised;
  }

  /** Releases the lock. Idempotent; leaves alone a lock that was lost to another process. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    process.removeListener('exit', this.#onExit);
    if (this.#state.compromised !== undefined) return;
    // The holder file first, so that a lock directory never outlives its holder file by our doing.
    await unlink(this.#paths.holder).catch(ignoreMissing);
    try {
      await this.#release();
    } catch (error) {
      // Lost meanwhile: it is someone else's lock now, leave it.
      if (!hasCode(error, 'ERELEASED') && !hasCode(error, 'ENOTACQUIRED')) throw error;
    }
  }

  /** The `exit` handler: only synchronous calls work there. */
  #releaseSync(): void {
    if (this.#released || this.#state.compromised !== undefined) return;
    this.#released = true;
    try {
      unlinkSync(this.#paths.holder);
    } catch {
      // Already gone.
    }
    try {
      lockfile.unlockSync(this.#paths.target, { realpath: false, lockfilePath: this.#paths.lock });
    } catch {
      // Lost or already released: nothing of ours to remove.
    }
  }
}

interface LockState {
  compromised: Error | undefined;
}

interface Attempt {
  paths: LockPaths;
  staleMs: number;
  onCompromised: (error: Error) => void;
  holder: HolderRecord;
}

/** One attempt at the lock, writing the holder file once taken; undefined when the lock is held. */
async function lockAndIdentify({
  paths,
  staleMs,
  onCompromised,
  holder,
}: Attempt): Promise<Release | undefined> {
  let release: Release;
  try {
    release = await lockfile.lock(paths.target, {
      lockfilePath: paths.lock,
      realpath: false,
      retries: 0,
      stale: NEVER_STALE_MS,
      update: Math.floor(staleMs / 2),
      onCompromised,
    });
  } catch (error) {
    if (hasCode(error, 'ELOCKED')) return undefined;
    throw error;
  }
  try {
    await writeHolder(paths, { ...holder, since: new Date().toISOString() });
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return release;
}

/**
 * The lock is held: take it over if its holder is dead, else throw {@link LockHeldError}.
 * Every removal of a lock directory happens here, under the takeover mutex, after re-reading the
 * holder; a lock created meanwhile by a normal acquire has a fresh mtime and is left alone.
 */
async function takeOver(attempt: Attempt): Promise<Release> {
  const { paths, staleMs } = attempt;
  const first = await observe(paths);
  if (first.exists && !isTakeoverAllowed(first, staleMs)) throw heldError(paths, first);

  let releaseMutex: Release;
  try {
    releaseMutex = await lockfile.lock(paths.takeoverTarget, {
      lockfilePath: paths.takeoverLock,
      realpath: false,
      retries: TAKEOVER_RETRIES,
      stale: TAKEOVER_STALE_MS,
      // Held for milliseconds; losing it to staleness only matters to the re-check below.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if (!hasCode(error, 'ELOCKED')) throw error;
    throw heldError(paths, await observe(paths));
  }

  try {
    const current = await observe(paths);
    if (current.exists) {
      if (!isTakeoverAllowed(current, staleMs)) throw heldError(paths, current);
      await unlink(paths.holder).catch(ignoreMissing);
      await rmdir(paths.lock).catch(ignoreMissing);
    }
    // Exactly one more attempt: a normal acquire may have slipped in since the removal. The
    // holder file is written before the mutex is released, so the next contender sees it.
    const release = await lockAndIdentify(attempt);
    if (release === undefined) throw heldError(paths, await observe(paths));
    return release;
  } finally {
    await releaseMutex().catch(() => undefined);
  }
}

function isTakeoverAllowed(observed: Observed, staleMs: number): boolean {
  if (Date.now() - observed.mtimeMs > staleMs) return true;
  const holder = observed.holder;
  if (holder === undefined || holder.host !== hostname()) return false;
  // Our pid but another instance: a previous process that had the same pid (containers).
  if (holder.pid === process.pid) return holder.instance !== PROCESS_INSTANCE;
  return !isProcessAlive(holder.pid);
}

function isProcessAlive(pid: number): boolean {
  // pid 0 and negative pids address process groups: never treat them as a holder.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return !hasCode(error, 'ESRCH');
  }
}

async function observe(paths: LockPaths): Promise<Observed> {
  for (let attempt = 1; ; attempt++) {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(paths.lock)).mtimeMs;
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return { exists: false, mtimeMs: 0, holder: undefined };
      throw error;
    }
    const holder = await readHolder(paths);
    if (holder !== undefined || attempt >= HOLDER_READ_ATTEMPTS) return { exists: true, mtimeMs, holder };
    await new Promise((resolve) => setTimeout(resolve, HOLDER_READ_DELAY_MS));
  }
}

function heldError(paths: LockPaths, observed: Observed): LockHeldError {
  const holder: LockHolder = observed.holder
    ? {
        pid: observed.holder.pid,
        host: observed.holder.host,
        command: observed.holder.command,
        since: observed.holder.since,
      }
    : {
        pid: 0,
        host: 'unknown',
        command: 'unknown',
        since: new Date(observed.exists ? observed.mtimeMs : Date.now()).toISOString(),
      };
  return new LockHeldError(holder, paths.lock);
}

async function readHolder(paths: LockPaths): Promise<HolderRecord | undefined> {
  let text: string;
  try {
    text = await readFile(paths.holder, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR')) return undefined;
    throw error;
  }
  return parseHolder(text);
}

/** Parses a holder file; undefined when it is not one (half-written files are not possible: it is renamed into place). */
function parseHolder(text: string): HolderRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { pid, host, command, since, jobKey, instance } = record;
  if (
    typeof pid !== 'number' ||
    typeof host !== 'string' ||
    typeof command !== 'string' ||
    typeof since !== 'string' ||
    typeof jobKey !== 'string' ||
    typeof instance !== 'string'
  ) {
    return undefined;
  }
  return { pid, host, command, since, jobKey, instance };
}

/**
 * Writes the holder file into the freshly taken lock directory, atomically (temp file + rename).
 * Creating files in the directory changes its mtime, which proper-lockfile would read as someone
 * else's lock at its next refresh: the mtime it set is put back.
 */
async function writeHolder(paths: LockPaths, holder: HolderRecord): Promise<void> {
  const { atime, mtime } = await stat(paths.lock);
  const temporary = join(paths.lock, `.${HOLDER_FILE}.${process.pid}.tmp`);
  await writeFile(temporary, JSON.stringify(holder), { mode: 0o600 });
  await rename(temporary, paths.holder);
  await utimes(paths.lock, atime, mtime);
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function ignoreMissing(error: unknown): void {
  if (!hasCode(error, 'ENOENT')) throw error;
}
