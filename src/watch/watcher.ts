/**
 * `sakari-sync watch <dir>`: file drops. Files put in `<dir>/inbox` are taken once their size and
 * mtime have been stable for `settleMs`, claimed by an atomic rename into `processing/`, imported
 * one at a time in arrival order, and filed in `processed/` or `failed/` with their report in
 * `reports/`. A file with the content of the latest file imported for the same account and options
 * is not sent again. A file that changed while it was imported (its writer was not done) goes back
 * to the inbox; a file the file system will not let us take stays there until it changes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { ImportInput } from '../config.js';
import { resolveImportSettings } from '../config.js';
import { RunAbortedError, runImport, type ImportResult, type RunHooks } from '../pipeline/run.js';
import { sha256File, SourceError } from '../read/index.js';
import { reserveRunFolder } from '../report/index.js';
import { EXIT, exitCodeOf, outcomeOfExitCode, worseExitCode } from '../exit-codes.js';
import { resumeHash } from '../options.js';
import { openSession } from '../session.js';
import { LockHeldError, type FileImportScope } from '../state/index.js';

/** Long enough for an SFTP upload or a spreadsheet save to finish between two looks at the file. */
export const DEFAULT_SETTLE_MS = 2_000;
/** Network filesystems drop change events: look at the inbox anyway this often. */
export const DEFAULT_RESCAN_MS = 5_000;
/** How often a long-running watcher looks for files a dead watcher left in processing/. */
export const ORPHAN_SWEEP_MS = 30_000;
/** A line in the log while idle, so an operator sees the watcher is alive. */
export const DEFAULT_HEARTBEAT_MS = 60_000;

export interface WatchOptions {
  dir: string;
  /** Import settings for every file (sources are filled in per file). */
  template: Omit<ImportInput, 'sources'>;
  settleMs?: number;
  rescanMs?: number;
  heartbeatMs?: number;
  /** Drain the inbox and return instead of watching forever. */
  once?: boolean;
  /** Stop (after the batch in flight) when this aborts; the file in progress stays in processing/. */
  signal?: AbortSignal;
  /** One entry per file taken, per file that cannot be taken, per watcher error, and per idle heartbeat. */
  log?: (entry: WatchLogEntry) => void;
  /** Hooks passed to every import (progress, API events). */
  hooks?: Omit<RunHooks, 'signal'>;
}

/**
 * What the watcher reports: `message` is the line for people; `event` and the other fields are
 * for structured logs (`--log-format json`).
 */
export type WatchLogEntry =
  | {
      event: 'watch.file';
      message: string;
      file: string;
      destination: FileOutcome['destination'];
      exitCode: number;
      reportPath?: string;
      counts?: ImportResult['counts'];
      duplicateOf?: FileOutcome['duplicateOf'];
      changed?: FileOutcome['changed'];
      error?: string;
    }
  | { event: 'watch.idle'; message: string; filesProcessed: number }
  | {
      event: 'watch.error';
      message: string;
      error: string;
      /** The inbox file the error is about (it stays there); absent for an error of the inbox's watcher. */
      file?: string;
      /** How often the inbox is rescanned meanwhile (an error of the inbox's watcher). */
      rescanMs?: number;
    };

/** What happened to one dropped file. */
export interface FileOutcome {
  file: string;
  /** `inbox`: it changed while it was imported, and went back to be imported again once it settles. */
  destination: 'processed' | 'failed' | 'processing' | 'inbox';
  exitCode: number;
  reportPath?: string;
  result?: ImportResult;
  /** Skipped: the latest file imported for the same account and options had this content. */
  duplicateOf?: { path: string; runId: string; at: string };
  /** Its size and mtime when it was taken and after its import, when they differ. */
  changed?: { before: FileSnapshot; after: FileSnapshot };
  error?: string;
  /** Another live watcher holds this file's lock: it is left to that watcher. */
  heldElsewhere?: boolean;
}

export interface WatchResult {
  files: FileOutcome[];
  /** The worst exit code of the files (0 when none). */
  exitCode: number;
}

/** What a look at a file tells of its content without reading it. */
export interface FileSnapshot {
  size: number;
  mtimeMs: number;
}

interface Candidate extends FileSnapshot {
  stableSince: number;
  firstSeen: number;
}

const FOLDERS = ['inbox', 'processing', 'processed', 'failed', 'reports'] as const;

/** Names of files still being written, or not meant for us, by the program that makes them. */
const IGNORED_NAMES: readonly RegExp[] = [
  /^\./, // hidden files: LibreOffice's `.~lock.<name>#`, rsync's `.<name>.XXXXXX`
  /^~\$/, // the owner file of a document open in Excel or Word: `~$contacts.xlsx`
  /\.(part|tmp)$/i, // uploads in progress (curl, wget, FileZilla, many scripts)
  /\.filepart$/i, // WinSCP uploads in progress
  /\.crdownload$/i, // Chrome downloads in progress
  /\.(partial|download)$/i, // Firefox and Safari downloads in progress
  /~$/, // editor backups: `contacts.csv~`
  /\.swp$/i, // vim swap files
];

/** Names that are still being written or are not meant for us: left in the inbox until renamed. */
export function isIgnoredName(name: string): boolean {
  return IGNORED_NAMES.some((pattern) => pattern.test(name));
}

/**
 * Watches `<dir>/inbox` and imports what is dropped there. Resolves when `once` has drained the
 * inbox, or when the signal aborts.
 */
export async function watchFolder(options: WatchOptions): Promise<WatchResult> {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const rescanMs = options.rescanMs ?? Math.min(DEFAULT_RESCAN_MS, Math.max(100, settleMs));
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const log = options.log ?? (() => undefined);
  const dirs = Object.fromEntries(FOLDERS.map((name) => [name, path.join(options.dir, name)])) as Record<
    (typeof FOLDERS)[number],
    string
  >;
  for (const folder of Object.values(dirs)) await mkdir(folder, { recursive: true, mode: 0o700 });

  const base = await resolveImportSettings({ ...options.template, sources: ['(watch)'] });
  // One session for the watcher's life, opened as every run opens its own: a foreign state file or
  // an unreachable Redis stops the watcher at start (a configuration error). Every file's import
  // shares its store, limiter and client: a 429 pause carries over to the next file, and one OAuth
  // token (refreshed when it expires) serves them all.
  const session = await openSession(base, {
    state: 'store',
    onApiEvent: options.hooks?.onApiEvent,
    onWarning: (reason) => options.hooks?.onWarning?.(reason),
  });
  const { store, connection } = session;
  // What a file is imported for besides its content: the account, and the options that change what
  // a run sends (the resume hash's, without any content). The same content for another account, or
  // after an option was fixed, is another import.
  const scope: FileImportScope = { account: base.account, optionsHash: resumeHash(base, []) };
  const result: WatchResult = { files: [], exitCode: EXIT.ok };
  const candidates = new Map<string, Candidate>();
  // Files the file system would not let us take, as they were then: tried again once they change.
  const refused = new Map<string, FileSnapshot>();
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => wake?.();
  options.signal?.addEventListener('abort', poke, { once: true });

  try {
    // A file left in processing/ by a crash is resumed first (same content → same run resumes).
    if (await sweepProcessing()) return result;
    let lastSweep = Date.now();
    if (!options.once) {
      watcher = watch(dirs.inbox, { depth: 0, ignoreInitial: false, persistent: true });
      watcher.on('all', poke);
      watcher.on('error', (error) => {
        const message = error instanceof Error ? error.message : String(error);
        log({
          event: 'watch.error',
          message: `watch: ${dirs.inbox}: ${message}; rescanning every ${rescanMs} ms`,
          error: message,
          rescanMs,
        });
      });
    }
    let lastActivity = Date.now();
    let processedCount = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const ready = await scan(dirs.inbox, candidates, refused, settleMs);
      const next = ready[0];
      if (next) {
        candidates.delete(next.name);
        const claim = await claimFile(dirs, next.name);
        if (claim.kind === 'refused') {
          // Held open elsewhere (an SMB share), or not ours to move: the others go on meanwhile.
          refused.set(next.name, next.settled);
          log({
            event: 'watch.error',
            message: `watch: cannot take ${next.name} from the inbox: ${claim.error}; it stays there and is tried again once its size or mtime changes`,
            error: claim.error,
            file: next.name,
          });
        } else if (claim.kind === 'claimed') {
          const outcome = await processClaimed(claim.path, next.name, next.settled);
          processedCount++;
          lastActivity = Date.now();
          if (outcome.destination === 'processing') break;
        }
        continue;
      }
      if (options.once && candidates.size === 0) break;
      if (!options.once && Date.now() - lastSweep >= ORPHAN_SWEEP_MS) {
        // A watcher that died mid-file leaves it in processing/: take it over once its lock is free.
        lastSweep = Date.now();
        if (await sweepProcessing()) break;
      }
      if (!options.once && Date.now() - lastActivity >= heartbeatMs) {
        lastActivity = Date.now();
        log({
          event: 'watch.idle',
          message: `watch: ${dirs.inbox}: idle, ${processedCount} file(s) processed so far`,
          filesProcessed: processedCount,
        });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.once ? Math.min(rescanMs, settleMs) : rescanMs);
        wake = () => {
          clearTimeout(timer);
          // Events come in bursts while a file is written; the settle check needs time to pass anyway.
          setTimeout(resolve, 50);
        };
      });
      wake = undefined;
    }
    return result;
  } finally {
    options.signal?.removeEventListener('abort', poke);
    await watcher?.close();
    await session.close();
  }

  /**
   * Tries every file in processing/ (resumable leftovers of a crash; files a live watcher holds are
   * skipped through their lock). True when a signal stopped the work.
   */
  async function sweepProcessing(): Promise<boolean> {
    for (const name of (await readdir(dirs.processing)).sort()) {
      if (options.signal?.aborted) return true;
      const outcome = await processClaimed(path.join(dirs.processing, name), originalName(name));
      if (outcome.destination === 'processing' && !outcome.heldElsewhere) return true;
    }
    return false;
  }

  /** Imports a file in processing/, taken from the inbox as `claimedAs` (unknown for a leftover). */
  async function processClaimed(
    claimed: string,
    name: string,
    claimedAs?: FileSnapshot,
  ): Promise<FileOutcome> {
    const outcome = await importFile(claimed, name, claimedAs);
    if (outcome.heldElsewhere) return outcome;
    result.files.push(outcome);
    // The worst file's code wins: failures over partial success over success.
    result.exitCode = worseExitCode(result.exitCode, outcome.exitCode);
    const c = outcome.result?.counts;
    log({
      event: 'watch.file',
      message: `${name} → ${outcome.destination}/ (exit ${outcome.exitCode}) ${describeOutcome(outcome)}${outcome.reportPath ? ` · report ${outcome.reportPath}` : ''}`,
      file: name,
      destination: outcome.destination,
      exitCode: outcome.exitCode,
      reportPath: outcome.reportPath,
      counts: c,
      duplicateOf: outcome.duplicateOf,
      changed: outcome.changed,
      error: outcome.error,
    });
    return outcome;
  }

  async function importFile(claimed: string, name: string, claimedAs?: FileSnapshot): Promise<FileOutcome> {
    // The file as it was taken: if it differs after the import, its writer was not done with it.
    const before = claimedAs ?? (await snapshotOf(claimed));
    if (!before) return { file: name, destination: 'processing', exitCode: EXIT.ok, heldElsewhere: true };
    let sha: string;
    try {
      sha = await sha256File(claimed);
    } catch (error) {
      // Gone: another watcher finished it between our listing and now.
      if (!(await stillThere(claimed)))
        return { file: name, destination: 'processing', exitCode: EXIT.ok, heldElsewhere: true };
      return fileFailed(claimed, name, error);
    }
    if (!(await stillThere(claimed))) {
      return { file: name, destination: 'processing', exitCode: EXIT.ok, heldElsewhere: true };
    }
    const previous = await store?.fileProcessed(sha, scope);
    if (previous) {
      const after = await changedSince(claimed, before);
      if (after) return backToInbox(claimed, name, { before, after });
      const { runId, dir: reportPath } = await reserveRunFolder(dirs.reports);
      await writeJson(path.join(reportPath, 'summary.json'), {
        runId,
        command: 'watch',
        source: { path: name, sha256: sha },
        skipped: true,
        reason:
          `same content as ${previous.path}, the latest file imported for account ${scope.account} with the ` +
          `same options (run ${previous.runId} at ${previous.at}); nothing was sent`,
        duplicateOf: previous,
        account: scope.account,
        optionsHash: scope.optionsHash,
        exitCode: EXIT.ok,
      });
      await fileAway(claimed, dirs.processed, name);
      return { file: name, destination: 'processed', exitCode: EXIT.ok, reportPath, duplicateOf: previous };
    }
    try {
      const settings = await resolveImportSettings({
        ...options.template,
        sources: [claimed],
        command: `watch ${name}`,
        reportDir: dirs.reports,
        // One content for one account and options, one job: a crash mid-file is resumed by
        // whichever watcher of that scope picks it up again, and a watcher of another account
        // (or options) importing the same content meanwhile neither waits for it nor blocks it.
        jobKey: `watch:${scope.account}:${scope.optionsHash}:${sha}`,
      });
      const imported = await runImport(
        settings,
        { ...options.hooks, signal: options.signal },
        { sourceSha256s: [sha], store, connection: connection ?? undefined },
      );
      const after = await changedWithin(claimed, before, settleMs, options.signal);
      if (after) return backToInbox(claimed, name, { before, after }, imported);
      const ok = outcomeOfExitCode(imported.exitCode) === 'completed';
      // A dry run sent nothing: the file must still be imported for real.
      if (ok && !settings.dryRun) {
        await store?.markFileProcessed(sha, scope, { path: name, runId: imported.runId });
      }
      await fileAway(claimed, ok ? dirs.processed : dirs.failed, name);
      return {
        file: name,
        destination: ok ? 'processed' : 'failed',
        exitCode: imported.exitCode,
        reportPath: imported.reportPath,
        result: imported,
      };
    } catch (error) {
      if (error instanceof LockHeldError || !(await stillThere(claimed))) {
        return { file: name, destination: 'processing', exitCode: EXIT.ok, heldElsewhere: true };
      }
      if (error instanceof RunAbortedError && error.cause instanceof SourceError) {
        // Unreadable part-way (binary, truncated gzip, broken JSON): its report says where and why,
        // unless it was cut short by a writer still at work.
        const after = await changedWithin(claimed, before, settleMs, options.signal);
        if (after) return backToInbox(claimed, name, { before, after }, error.result);
        await fileAway(claimed, dirs.failed, name);
        return {
          file: name,
          destination: 'failed',
          exitCode: error.result.exitCode,
          reportPath: error.result.reportPath,
          result: error.result,
          error: `cannot be read: ${error.cause.message}`,
        };
      }
      if (error instanceof RunAbortedError) {
        // Interrupted (signal, Sakari unreachable, credentials refused): the file stays in
        // processing/ and is resumed next time; the code is the run's (1, or 2 for credentials).
        return {
          file: name,
          destination: 'processing',
          exitCode: options.signal?.aborted ? EXIT.ok : error.result.exitCode,
          reportPath: error.result.reportPath,
          result: error.result,
          error: error.message,
        };
      }
      return fileFailed(claimed, name, error);
    }
  }

  /**
   * A file that changed while it was imported was taken before its writer was done (a pause longer
   * than the settle time): it goes back to the inbox under its name, to be imported again once it
   * settles (the rows this import sent are then `unchanged`). Never marked as imported.
   */
  async function backToInbox(
    claimed: string,
    name: string,
    changed: NonNullable<FileOutcome['changed']>,
    partial?: ImportResult,
  ): Promise<FileOutcome> {
    await fileAway(claimed, dirs.inbox, name);
    return {
      file: name,
      destination: 'inbox',
      exitCode: EXIT.ok,
      reportPath: partial?.reportPath,
      result: partial,
      changed,
    };
  }

  async function fileFailed(claimed: string, name: string, error: unknown): Promise<FileOutcome> {
    const { runId, dir: reportPath } = await reserveRunFolder(dirs.reports);
    const message = error instanceof Error ? error.message : String(error);
    // A file that cannot even be hashed or started on must be fixed first: not resumable.
    const exitCode = exitCodeOf('config');
    await writeJson(path.join(reportPath, 'summary.json'), {
      runId,
      command: 'watch',
      source: { path: name },
      failed: true,
      reason: message,
      exitCode,
    });
    await fileAway(claimed, dirs.failed, name);
    const kind = error instanceof SourceError ? 'cannot be read' : 'failed';
    return { file: name, destination: 'failed', exitCode, reportPath, error: `${kind}: ${message}` };
  }
}

/** The counts part of a file's log line. */
function describeOutcome(outcome: FileOutcome): string {
  if (outcome.changed) {
    const { before, after } = outcome.changed;
    return `changed while being imported (${before.size} → ${after.size} bytes, modified since it was taken): not filed, imported again once it settles`;
  }
  const c = outcome.result?.counts;
  if (c) {
    return `${c.rows} rows: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.invalid} invalid, ${c.duplicate} duplicate, ${c.blocked} blocked, ${c.failed} failed`;
  }
  if (outcome.error) return outcome.error;
  if (outcome.duplicateOf) {
    return `already imported as ${outcome.duplicateOf.path} (run ${outcome.duplicateOf.runId}), the latest import for this account and options: nothing sent`;
  }
  return '';
}

/**
 * Looks at the inbox and returns the files whose size and mtime have not changed for `settleMs`,
 * oldest first (arrival order). A file in `refused` is left out until its size or mtime changes.
 */
async function scan(
  inbox: string,
  candidates: Map<string, Candidate>,
  refused: Map<string, FileSnapshot>,
  settleMs: number,
): Promise<Array<{ name: string; settled: FileSnapshot }>> {
  const now = Date.now();
  const seen = new Set<string>();
  for (const entry of await readdir(inbox, { withFileTypes: true })) {
    if (!entry.isFile() || isIgnoredName(entry.name)) continue;
    seen.add(entry.name);
    let info;
    try {
      info = await stat(path.join(inbox, entry.name));
    } catch {
      continue; // taken by another watcher between readdir and stat
    }
    const wasRefused = refused.get(entry.name);
    if (wasRefused) {
      if (!hasChanged(wasRefused, info)) continue;
      refused.delete(entry.name);
    }
    const known = candidates.get(entry.name);
    if (!known || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
      candidates.set(entry.name, {
        size: info.size,
        mtimeMs: info.mtimeMs,
        stableSince: now,
        firstSeen: known?.firstSeen ?? Math.min(now, info.mtimeMs),
      });
    }
  }
  for (const name of candidates.keys()) if (!seen.has(name)) candidates.delete(name);
  for (const name of refused.keys()) if (!seen.has(name)) refused.delete(name);
  return [...candidates.entries()]
    .filter(([, c]) => now - c.stableSince >= settleMs)
    .sort(([an, a], [bn, b]) => a.firstSeen - b.firstSeen || an.localeCompare(bn))
    .map(([name, c]) => ({ name, settled: { size: c.size, mtimeMs: c.mtimeMs } }));
}

function hasChanged(before: FileSnapshot, now: FileSnapshot): boolean {
  return before.size !== now.size || before.mtimeMs !== now.mtimeMs;
}

async function snapshotOf(file: string): Promise<FileSnapshot | undefined> {
  try {
    const { size, mtimeMs } = await stat(file);
    return { size, mtimeMs };
  } catch {
    return undefined;
  }
}

/** The file's snapshot now, when it differs from `before` (a writer still at work). */
async function changedSince(file: string, before: FileSnapshot): Promise<FileSnapshot | undefined> {
  const now = await snapshotOf(file);
  return now && hasChanged(before, now) ? now : undefined;
}

/** How often {@link changedWithin} looks at the file, at most. */
const RECHECK_MS = 250;

/**
 * {@link changedSince}, over `settleMs` more after an import: a writer that paused longer than the
 * settle time may go on only after a quick import has ended, and a file it still writes to must
 * not be filed as done. The same stillness the file showed before it was taken, shown again after.
 */
async function changedWithin(
  file: string,
  before: FileSnapshot,
  settleMs: number,
  signal: AbortSignal | undefined,
): Promise<FileSnapshot | undefined> {
  const until = Date.now() + settleMs;
  for (;;) {
    const changed = await changedSince(file, before);
    if (changed || signal?.aborted) return changed;
    const left = until - Date.now();
    if (left <= 0) return undefined;
    await delay(Math.min(RECHECK_MS, left), undefined, { signal }).catch(() => undefined);
  }
}

const CLAIM_SEPARATOR = '--';

/**
 * The rename errors that refuse one file rather than stop the watcher: held open on an SMB share
 * (EBUSY, or EACCES/EPERM from a Windows server), immutable, or another user's in a sticky folder.
 */
const CLAIM_REFUSALS = new Set(['EPERM', 'EACCES', 'EBUSY']);

type Claim = { kind: 'claimed'; path: string } | { kind: 'gone' } | { kind: 'refused'; error: string };

/**
 * Atomically moves a file from the inbox into processing/. `gone`: another watcher took it first;
 * `refused`: the file system would not let us move it.
 */
async function claimFile(dirs: Record<string, string>, name: string): Promise<Claim> {
  const target = path.join(
    dirs.processing!,
    `${Date.now()}-${randomBytes(3).toString('hex')}${CLAIM_SEPARATOR}${name}`,
  );
  try {
    await rename(path.join(dirs.inbox!, name), target);
    return { kind: 'claimed', path: target };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') return { kind: 'gone' };
    if (CLAIM_REFUSALS.has(code)) return { kind: 'refused', error: (error as Error).message };
    throw error;
  }
}

/** The name a file had in the inbox, from its claimed name in processing/. */
function originalName(claimedName: string): string {
  const at = claimedName.indexOf(CLAIM_SEPARATOR);
  return at >= 0 ? claimedName.slice(at + CLAIM_SEPARATOR.length) : claimedName;
}

/** Moves a claimed file to processed/, failed/ or back to the inbox under its original name (suffixed if taken). */
async function fileAway(claimed: string, folder: string, name: string): Promise<void> {
  let target = path.join(folder, name);
  try {
    await stat(target);
    const ext = path.extname(name);
    target = path.join(
      folder,
      `${path.basename(name, ext)}-${new Date().toISOString().replace(/[:.]/g, '')}${ext}`,
    );
  } catch {
    // free
  }
  await rename(claimed, target);
}

async function stillThere(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function writeJson(file: string, data: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
}
