/**
 * The one place that knows the order of the stages:
 * read → map → normalise phones → validate → dedupe (./chain.ts) → check state → batch → upsert → report.
 */
import pLimit from 'p-limit';
import { resolveImportSettings, redactSettings, type ImportInput, type ImportSettings } from '../config.js';
import { exitCodeOf, outcomeOfError } from '../exit-codes.js';
import type { AccountLimiter } from '../limit/index.js';
import { paceWorthRemembering } from '../limit/pace.js';
import { resumeHash } from '../options.js';
import { sha256File, type SourceInfo } from '../read/index.js';
import { RunReport, outcomeOfCounts, type RunSummary } from '../report/index.js';
import type { ClientEvent } from '../sakari/events.js';
import { openSession, type Connection } from '../session.js';
import type { RejectedRow, StateBackend } from '../state/index.js';
import {
  unexpectedKind,
  type ApiStats,
  type HeldBy,
  type Recalled,
  type Rejected,
  type RowOutcome,
} from '../types.js';
import { batchChunks, type Batch } from './batch.js';
import { sourceContacts, type SourceChain } from './chain.js';
import { checkStateChunks } from './check-state.js';
import { emptyMappingStats } from './map-fields.js';
import { joinNotes } from './normalise-phone.js';
import { plural, PreflightCollector, type PreflightInfo } from './preflight.js';
import { recallKey, REJECTION_MEMORY_MS, type RecallStats } from './recall.js';
import { rememberedValues } from './recognised.js';
import { upsertBatch, type UpsertContext } from './upsert.js';

/** What a caller can watch while a run goes. */
export interface RunHooks {
  /** Aborting finishes the batches in flight, records them, and ends the run with exit code 1. */
  signal?: AbortSignal;
  /** Called about once a second and at the end. */
  onProgress?: (progress: RunProgress) => void;
  /** Called once the sources are open, before the first request (pre-flight). */
  onStart?: (start: RunStart) => void;
  /** API events (requests, 429s, retries, token refreshes), for logs. */
  onApiEvent?: (event: ClientEvent) => void;
  /** Something the operator should know that does not stop the run (e.g. Redis lost: local limit). */
  onWarning?: (message: string) => void;
  /**
   * Called once, just before the first batch is sent (or when the sources end without one): how
   * the sources are read and mapped, and warnings about the rows seen so far.
   */
  onPreflight?: (info: PreflightInfo) => void;
}

export interface RunProgress {
  runId: string;
  rowsRead: number;
  rowsDone: number;
  counts: RunReport['counts'];
  api: ApiStats;
  elapsedMs: number;
}

export interface RunStart {
  runId: string;
  reportPath: string;
  settings: Record<string, unknown>;
  resumedFrom?: string;
  apiUrl?: string;
}

/** The summary of a finished (or aborted) run, and where its report is. */
export interface ImportResult extends RunSummary {
  reportPath: string;
}

/** A run that stopped before the end; it can be resumed by running the same command again. */
export class RunAbortedError extends Error {
  constructor(
    message: string,
    readonly result: ImportResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RunAbortedError';
  }
}

const PROGRESS_INTERVAL_MS = 1_000;
/** Rows settled without a batch (invalid, unchanged) between two waits for the report files. */
const DRAIN_EVERY_ROWS = 1_000;
/**
 * New rejections remembered in one transaction. Each is a write to the state (on SQLite, on the
 * main connection, waiting for the state thread's commits): a 1M-row nightly re-run remembering
 * its 1,439 new rejections at every drain made ~700 transactions of 1–3 rows and spent 0.4–0.6 s
 * of its main thread in them. Rejections not yet remembered when a run stops are only parsed
 * again by the next run.
 */
const REMEMBER_REJECTIONS_ROWS = 1_000;

/**
 * Imports contacts into Sakari: the whole pipeline, from sources to the reconciliation report.
 *
 * @example
 * ```ts
 * const result = await importContacts({ sources: ['contacts.csv'], defaultCountry: 'GB', sandbox: true });
 * console.log(result.counts.created, result.reportPath);
 * ```
 * Resolves with the run summary (also when rows failed: see `exitCode`). Rejects with a
 * `ConfigError` for bad options, a `SourceError` for an unreadable source and a
 * {@link RunAbortedError} when the run stopped part-way (its report is still written).
 */
export async function importContacts(input: ImportInput, hooks: RunHooks = {}): Promise<ImportResult> {
  const settings = await resolveImportSettings(input);
  return runImport(settings, hooks);
}

/**
 * {@link importContacts} for settings that are already resolved. `known.sourceSha256s`: the
 * sources' sha256 when the caller computed them already, in source order. `known.store`,
 * `known.limiter`, `known.connection`: collaborators the caller holds across runs (watch, the import
 * of `reconcile --fix`); the caller closes them (see {@link openSession}).
 */
export async function runImport(
  settings: ImportSettings,
  hooks: RunHooks = {},
  known: {
    sourceSha256s?: string[];
    store?: StateBackend | null;
    limiter?: AccountLimiter;
    connection?: Connection;
  } = {},
): Promise<ImportResult> {
  const startedAt = new Date();
  // A caller that hashed the sources already (watch) saves reading them once more.
  const shas = known.sourceSha256s ?? (await sourceHashes(settings.sources));

  // Before the report folder and the run record exist: a held lock, a foreign state file or an
  // unreachable Redis ends the run here, with nothing to resume.
  const session = await openSession(settings, {
    state: 'lock',
    given: { store: known.store, limiter: known.limiter, connection: known.connection },
    onApiEvent: hooks.onApiEvent,
    onWarning: hooks.onWarning,
  });
  try {
    const { store, connection } = session;
    const api = connection?.api ?? settings.api;
    const limiter = connection?.limiter;

    const optionsHash = resumeHash(settings, shas);
    const sourceSha = shas.join(',');
    // stdin cannot be hashed before reading it, so a run from stdin never resumes another.
    const canResume = store && !settings.dryRun && !settings.sources.includes('-');
    const resumable = canResume
      ? await store?.findResumable(settings.jobKey, sourceSha, optionsHash)
      : undefined;
    // The report folder reserves the run id: never one of an earlier run's folder or state record.
    const report = await RunReport.open({
      reportDir: settings.reportDir,
      startedAt,
      taken: async (id) => (await store?.getRun(id)) !== undefined,
    });
    const { runId } = report;
    const resumeChain = new Set<string>([
      runId,
      ...(resumable && store ? await store.resumeChain(resumable.id) : []),
    ]);
    if (store && !settings.dryRun) {
      await store.startRun({
        id: runId,
        command: settings.command,
        jobKey: settings.jobKey,
        sourceSha256: sourceSha,
        optionsHash,
        startedAt: startedAt.toISOString(),
        resumedFrom: resumable?.id,
        pid: process.pid,
      });
    }

    hooks.onStart?.({
      runId,
      reportPath: report.dir,
      settings: redactSettings({ ...settings, api }),
      resumedFrom: resumable?.id,
      apiUrl: api?.url,
    });

    const pipeline = new ImportPipeline(
      settings,
      report,
      {
        sink: connection?.client ?? null,
        mergeStrategy: settings.mergeStrategy,
        store: settings.dryRun ? null : store,
        account: settings.account,
        runId,
      },
      store,
    );
    const paceNow = limiter ? () => limiter.currentRate : () => undefined;
    const ran = await pipeline.run(resumeChain, hooks, store, paceNow, () => session.apiStats());
    const apiStats = session.apiStats();
    const pace = limiter?.paceSummary();
    // Only a run that sent something, and met the server's limit (or started from one), learnt a
    // pace worth starting the next one from.
    if (store && pace && paceWorthRemembering(pace) && apiStats.requests > 0)
      await store.setPace(settings.account, pace.next);
    const meta = {
      command: settings.command,
      sources: pipeline.sources.map((info, i) => ({
        path: info.path,
        sha256: info.sha256 ?? shas[i] ?? '',
        format: info.format,
      })),
      account: settings.account,
      dryRun: settings.dryRun,
      startedAt,
      api: apiStats,
      ...(pace === undefined ? {} : { pace }),
      ...(store
        ? {
            recalledRows: pipeline.recallStats.recalled,
            recalledRejections: pipeline.recallStats.rejectionsRecalled,
            recalledInPlace: pipeline.recallStats.inPlace,
            recalledUnparsed: pipeline.recallStats.unparsed,
          }
        : {}),
      settings: redactSettings({ ...settings, api }),
    };
    if (ran.error) {
      // Bad credentials and an unreadable source are configuration problems (exit 2), not resumable.
      const outcome = outcomeOfError(ran.error);
      const reason = describeError(ran.error);
      const summary = await report.abort({ ...meta, exitCode: exitCodeOf(outcome) }, reason);
      if (store && !settings.dryRun)
        await store.finishRun(runId, outcome === 'aborted' ? 'aborted' : 'failed', { ...summary.counts });
      const result = { ...summary, reportPath: report.dir };
      // "Aborted" is the resumable stop of exit 1; a setting or source to fix stops the run.
      const stopped = outcome === 'aborted' ? 'run aborted' : 'run stopped';
      throw new RunAbortedError(`${stopped}: ${reason}`, result, { cause: ran.error });
    }
    const outcome = outcomeOfCounts(report.counts, { strict: settings.strict });
    const summary = await report.finish({ ...meta, exitCode: exitCodeOf(outcome) });
    if (store && !settings.dryRun) {
      await store.applyPlacedRows(settings.account);
      await store.finishRun(runId, 'completed', { ...summary.counts });
      await store.forgetRejections(settings.account, new Date(Date.now() - REJECTION_MEMORY_MS));
    }
    return { ...summary, reportPath: report.dir };
  } finally {
    await session.close();
  }
}

/** Drives the stages for one run and settles every row in the report. */
class ImportPipeline {
  /** Rows the state store recognised (issue 16). */
  readonly recallStats: RecallStats = { recalled: 0, rejectionsRecalled: 0, inPlace: 0, unparsed: 0 };
  private readonly preflight: PreflightCollector;
  private readonly chain: SourceChain<Recalled>;

  constructor(
    private readonly settings: ImportSettings,
    private readonly report: RunReport,
    private readonly upsert: UpsertContext,
    /** The state the run reads (also in a dry run, which records nothing). */
    readStore: StateBackend | null,
  ) {
    const mappingStats = emptyMappingStats();
    this.preflight = new PreflightCollector({
      runId: upsert.runId,
      allOpened: () => this.chain.allOpened(),
      mapping: settings.mapping,
      phoneColumns: settings.phoneColumns,
      mappingStats,
      defaultCountry: settings.defaultCountry,
      sheet: settings.sheet,
    });
    this.chain = sourceContacts(
      settings,
      {
        mappingStats,
        onSource: (info) => this.preflight.addSource(info),
        onRow: (row) => this.preflight.observeRow(row),
      },
      {
        store: readStore,
        account: settings.account,
        key: recallKey(settings),
        full: settings.full,
        stats: this.recallStats,
        placeStore: upsert.store,
      },
    );
    // A rejected row comes from the source being read (the last opened), its delimiter known by then.
    report.rejectedDelimiterFrom(() => this.chain.sources.at(-1)?.delimiter);
  }

  /** The sources opened so far, in source order. */
  get sources(): readonly SourceInfo[] {
    return this.chain.sources;
  }

  async run(
    resumeChain: ReadonlySet<string>,
    hooks: RunHooks,
    store: StateBackend | null,
    paceNow: () => number | undefined,
    apiStats: () => ApiStats,
  ): Promise<{ error?: unknown }> {
    const { settings, report } = this;
    const started = Date.now();
    const progress = (): RunProgress => ({
      runId: this.upsert.runId,
      rowsRead: this.chain.rowsRead(),
      rowsDone: report.counts.rows,
      counts: report.counts,
      api: apiStats(),
      elapsedMs: Date.now() - started,
    });
    const timer = setInterval(() => {
      const p = progress();
      report.sample({
        at: Date.now(),
        rowsDone: p.rowsDone,
        requests: p.api.requests,
        throttled: p.api.throttled,
        pace: paceNow(),
      });
      hooks.onProgress?.(p);
    }, PROGRESS_INTERVAL_MS);
    timer.unref();

    const fresh = checkStateChunks(this.chain.chunks, {
      store: settings.dryRun ? store : this.upsert.store,
      account: settings.account,
      full: settings.full,
      resumeChain,
      rekeyStore: settings.dryRun ? null : this.upsert.store,
    });

    const limit = pLimit(settings.concurrency);
    const inFlight = new Set<Promise<void>>();
    let error: unknown;
    const send = (batch: Batch): Promise<void> =>
      limit(async () => {
        if (error !== undefined) {
          this.settleAborted(batch);
          return;
        }
        try {
          for (const outcome of await upsertBatch(batch, this.upsert)) report.record(outcome);
        } catch (caught) {
          error ??= caught;
          this.settleAborted(batch);
        }
      });
    let settledSinceDrain = 0;
    const held: HeldRows = { rows: 0 };
    // New rejections of fingerprinted rows, remembered a thousand at a time (none in a dry run).
    const rememberStore = this.upsert.store;
    let rejections: RejectedRow[] = [];
    const remember = async (atLeast = 1): Promise<void> => {
      if (rejections.length < atLeast || !rememberStore) return;
      const rows = rejections;
      rejections = [];
      await rememberStore.rememberRejections(settings.account, rows);
    };
    try {
      chunks: for await (const chunk of batchChunks(fresh, settings.batchSize)) {
        for (const item of chunk) {
          if (item.kind === 'batch') {
            this.announce(hooks, item.contacts.length);
            const task = send(item).finally(() => inFlight.delete(task));
            inFlight.add(task);
            // Read no further ahead than the batches that can be in flight: bounded memory.
            while (inFlight.size >= settings.concurrency && error === undefined) await Promise.race(inFlight);
            // And no further than the report files can take (a dry run settles rows faster than a disk writes).
            await report.drain();
          } else {
            const outcome = settledOutcome(item);
            if (item.kind === 'rejected' && item.heldBy !== undefined) {
              held.rows++;
              held.example ??= outcome;
            }
            this.preflight.observeOutcome(outcome);
            report.record(outcome);
            if (item.kind === 'rejected' && item.rowHash !== undefined && rememberStore)
              rejections.push(rejectedRow(item, item.rowHash));
            if (++settledSinceDrain >= DRAIN_EVERY_ROWS) {
              settledSinceDrain = 0;
              await report.drain();
              await remember(REMEMBER_REJECTIONS_ROWS);
            }
          }
          if (error !== undefined || hooks.signal?.aborted) break chunks;
        }
      }
      await Promise.all(inFlight);
      await remember();
      this.announce(hooks, 0);
      // What the readers learnt after the pre-flight was told (a report footer at the end of a long file).
      for (const note of this.preflight.untold(this.chain.sources)) hooks.onWarning?.(note.message);
      const heldMessage = heldWarning(held);
      if (heldMessage !== undefined) hooks.onWarning?.(heldMessage);
    } catch (caught) {
      await Promise.allSettled(inFlight);
      error ??= caught;
    } finally {
      clearInterval(timer);
    }
    if (error === undefined && hooks.signal?.aborted) error = new Error('interrupted by a signal');
    const last = progress();
    report.sample({
      at: Date.now(),
      rowsDone: last.rowsDone,
      requests: last.api.requests,
      throttled: last.api.throttled,
      pace: paceNow(),
    });
    hooks.onProgress?.(last);
    return error === undefined ? {} : { error };
  }

  /** Hands the pre-flight info to the hook, the first time only. */
  private announce(hooks: RunHooks, batched: number): void {
    const info = this.preflight.take(this.chain.rowsRead(), batched, this.chain.ended());
    if (info) hooks.onPreflight?.(info);
  }

  /** Rows of a batch that was not (or not surely) delivered: failed now, resent by the resumed run. */
  private settleAborted(batch: Batch): void {
    for (const contact of batch.contacts) {
      this.report.record({
        kind: 'outcome',
        ref: contact.ref,
        raw: contact.raw,
        mobileInput: contact.mobileInput,
        mobileE164: contact.payload.mobile,
        status: 'failed',
        code: 'RUN_ABORTED',
        message: joinNotes(
          'the run stopped before Sakari acknowledged this row; run the same command again to resume',
          contact.note,
        ),
      });
    }
  }
}

/** The report line of a row settled before any batch: rejected on the way, or already an outcome. */
function settledOutcome(item: Rejected | RowOutcome): RowOutcome {
  switch (item.kind) {
    case 'outcome':
      return item;
    case 'rejected':
      return rejectedOutcome(item);
    default:
      return unexpectedKind(item);
  }
}

/** A rejection to remember by its row's fingerprint (see `Rejected.rowHash`). */
function rejectedRow(rejected: Rejected, rowHash: string): RejectedRow {
  const status = rejected.status;
  if (status === 'duplicate') throw new Error('a duplicate depends on other rows: it is never remembered');
  const row: RejectedRow = {
    rowHash,
    status,
    code: rejected.error.code,
    message: rejected.error.message,
    rowSeq: rejected.ref.seq,
  };
  if (rejected.mobileE164 !== undefined) row.e164 = rejected.mobileE164;
  // What a later run reports the row from when it recognises the record unparsed.
  const values = rememberedValues(rejected.raw);
  if (values !== undefined) {
    row.mobileInput = rejected.mobileInput;
    row.sourceValues = values;
  }
  return row;
}

function rejectedOutcome(rejected: Rejected): RowOutcome {
  const { heldBy } = rejected;
  const outcome: RowOutcome = {
    kind: 'outcome',
    ref: rejected.ref,
    raw: rejected.raw,
    mobileInput: rejected.mobileInput,
    mobileE164: rejected.mobileE164,
    status: rejected.status,
    code: rejected.error.code,
    message:
      heldBy === undefined
        ? rejected.error.message
        : joinNotes(rejected.error.message, heldNote(heldBy, rejected.ref.file)),
  };
  if (heldBy?.by === 'state' && heldBy.contactId !== undefined) outcome.contactId = heldBy.contactId;
  return outcome;
}

/**
 * Why a blocked row's number is in Sakari all the same ({@link Rejected.heldBy}), for its report line:
 * no run removes a contact, so the user has to.
 */
function heldNote(heldBy: HeldBy, file: string): string {
  const where =
    heldBy.by === 'state'
      ? `Sakari already has this number${heldBy.contactId === undefined ? '' : ` as contact ${heldBy.contactId}`} (sent by run ${heldBy.runId})`
      : `line ${heldBy.line}${heldBy.file === file ? '' : ` in ${heldBy.file}`} has the same number and is the row kept, so Sakari has it`;
  return `${where}: sakari-sync does not remove contacts; remove it or opt it out in Sakari`;
}

/** The run's warning about blocked rows whose numbers Sakari holds ({@link heldNote}), or none. */
function heldWarning(held: HeldRows): string | undefined {
  const { example } = held;
  if (example === undefined) return undefined;
  const contact = example.contactId === undefined ? '' : `, contact ${example.contactId}`;
  return (
    `${plural(held.rows, 'row')} the source blocks (SMS opt-out or no consent) ${held.rows === 1 ? 'has a number' : 'have numbers'} ` +
    `Sakari holds as a contact (e.g. line ${example.ref.line}: ${example.mobileE164 ?? example.mobileInput}${contact}): ` +
    'sakari-sync does not remove contacts; remove them or opt them out in Sakari (rows.csv names each)'
  );
}

/** Blocked rows whose numbers Sakari holds, counted for {@link heldWarning}. */
interface HeldRows {
  rows: number;
  example?: RowOutcome;
}

/** Hashes of the sources before the run (stdin cannot be read twice: it never resumes). */
async function sourceHashes(sources: string[]): Promise<string[]> {
  return Promise.all(
    sources.map((source) => (source === '-' ? Promise.resolve('stdin') : sha256File(source))),
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
