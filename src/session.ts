/**
 * One run session: the collaborators a run needs besides its stages — the state store and the
 * job's lock, the embedded sandbox (`--sandbox`), the account's rate limiter and the Sakari client —
 * opened in one order and closed in the reverse one, here only. Import, reconcile, `import --verify`,
 * `reconcile --fix` and every file a watcher takes open theirs through {@link openSession}.
 *
 * A caller that already holds a store or a connection passes it in (`given`) and keeps it: the
 * session uses it and leaves closing it to the caller. That is how a watcher keeps one client, and
 * so one OAuth token (refreshed when it expires), across every file it imports, and how the import
 * of `reconcile --fix` sends through the reconciliation's client and limiter.
 */
import type { ApiSettings, ImportSettings } from './config.js';
import { createRunLimiter, type AccountLimiter } from './limit/index.js';
import { SakariClient } from './sakari/client.js';
import type { ClientEventListener } from './sakari/events.js';
import { sandboxDataFile, startSandbox, type Sandbox } from './sandbox/index.js';
import { localStateDir, openStateBackend, type HeldRunLock, type StateBackend } from './state/index.js';
import { emptyApiStats, type ApiStats } from './types.js';

/** What talks to Sakari: where, under which pace, through which client. */
export interface Connection {
  /** The API settings, with the sandbox's URL when the session started one. */
  api: ApiSettings;
  limiter: AccountLimiter;
  client: SakariClient;
}

/** How much of the state a session opens. */
export type StateNeed =
  /** No state store (reconcile when there is no state file: it must not create one). */
  | 'none'
  /**
   * The store, without a lock (a watcher's look-ups of files already imported, reconcile's of the
   * numbers Sakari refused).
   */
  | 'store'
  /** The store and the job's lock (every run that records a run). */
  | 'lock';

/** Options of {@link openSession}. */
export interface SessionOptions {
  state: StateNeed;
  /** Whether to connect to Sakari (settings with `api: null`, a dry run, never do). @default true */
  connect?: boolean;
  /** Collaborators the caller holds and closes itself. */
  given?: {
    /** A store opened by the caller; `null`: run without one. */
    store?: StateBackend | null;
    /** A limiter the caller holds across runs; the session builds its client on it. */
    limiter?: AccountLimiter;
    /** A client (with its limiter) the caller holds across runs: no sandbox, limiter or client is opened. */
    connection?: Connection;
  };
  /** API events (requests, 429s, retries, token refreshes), for logs. Unused with a given connection. */
  onApiEvent?: ClientEventListener;
  /** Something the operator should know that does not stop the run (e.g. Redis lost: local limit). */
  onWarning?: (message: string) => void;
}

/** The collaborators of one run, and the one way to close them. */
export interface RunSession {
  readonly store: StateBackend | null;
  readonly lock: HeldRunLock | undefined;
  /** `null` when the run does not talk to Sakari (dry run). */
  readonly connection: Connection | null;
  /** The API traffic since the session opened (a given client also counts other runs' traffic). */
  apiStats(): ApiStats;
  /**
   * Stops the sandbox and the limiter the session started, before {@link close} (reconcile, once
   * it asks Sakari nothing more). Idempotent.
   */
  disconnect(): Promise<void>;
  /** Closes what the session opened, never what it was given. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the collaborators of a run in the order whose failures say most: the state store (a
 * foreign or too new file), the job's lock (another run holds it), the sandbox, the limiter (an
 * unreachable Redis is a configuration error before anything is sent), then the client.
 * When one of them fails, those already opened are closed before the error is rethrown.
 */
export async function openSession(settings: ImportSettings, options: SessionOptions): Promise<RunSession> {
  const given = options.given ?? {};
  const ownStore = given.store === undefined;
  let store: StateBackend | null = given.store ?? null;
  let lock: HeldRunLock | undefined;
  let sandbox: Sandbox | undefined;
  let limiter: AccountLimiter | undefined;
  let connection: Connection | null = given.connection ?? null;

  const disconnect = async (): Promise<void> => {
    const [ownLimiter, ownSandbox] = [limiter, sandbox];
    limiter = undefined;
    sandbox = undefined;
    await ownLimiter?.stop();
    await ownSandbox?.close();
  };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await disconnect();
    if (ownStore) await store?.close();
    await lock?.release();
  };

  try {
    if (ownStore && options.state !== 'none' && settings.statePath) {
      store = await openStateBackend(settings.statePath);
    }
    if (options.state === 'lock' && store) {
      lock = await store.acquireLock({ jobKey: settings.jobKey, command: settings.command });
    }
    if (connection === null && settings.api && options.connect !== false) {
      let api = settings.api;
      if (settings.sandbox) {
        // The data file next to the state is where earlier --sandbox runs left their contacts.
        const stateDir = settings.statePath ? localStateDir(settings.statePath) : undefined;
        sandbox = await startSandbox({
          dataFile: stateDir === undefined ? undefined : sandboxDataFile(stateDir),
        });
        api = { ...api, url: sandbox.url };
      }
      // The pace the account's last run ended on (issue 18); the ceiling on a first run.
      const startRate = settings.fixedRate ? undefined : await store?.getPace(settings.account);
      const paced =
        given.limiter ??
        (limiter = await createRunLimiter({ ...settings, startRate }, api.accountId, (reason) =>
          options.onWarning?.(reason),
        ));
      connection = { api, limiter: paced, client: createClient(api, paced, options.onApiEvent) };
    }
  } catch (error) {
    await close();
    throw error;
  }

  const before = connection ? { ...connection.client.stats } : emptyApiStats();
  return {
    store,
    lock,
    connection,
    apiStats: () => (connection ? statsSince(before, connection.client.stats) : emptyApiStats()),
    disconnect,
    close,
  };
}

/** A Sakari client for `api`, paced by `limiter`. */
function createClient(
  api: ApiSettings,
  limiter: AccountLimiter,
  onEvent: ClientEventListener | undefined,
): SakariClient {
  return new SakariClient({
    apiUrl: api.url,
    accountId: api.accountId,
    clientId: api.clientId,
    clientSecret: api.clientSecret,
    timeoutMs: api.timeoutMs,
    limiter,
    onEvent,
  });
}

/** The traffic counted between two readings of a client's stats. */
function statsSince(before: ApiStats, now: ApiStats): ApiStats {
  return {
    requests: now.requests - before.requests,
    throttled: now.throttled - before.throttled,
    retries: now.retries - before.retries,
    tokenRefreshes: now.tokenRefreshes - before.tokenRefreshes,
  };
}
