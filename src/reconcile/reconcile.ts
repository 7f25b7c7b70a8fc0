/**
 * `reconcile`: does Sakari hold what the source says?
 *
 * remote: list every contact (paged, under the account's limiter) → temporary SQLite index
 * source: read → map → normalise phones → validate → dedupe (the import's own stages)
 * compare:  by E.164, a chunk at a time → matched | missing | different (a number Sakari refused,
 *           as the state records: blocked), a source-blocked row Sakari holds → opted_out, then
 *           unseen remote → extra
 * report:   reconcile.csv, summary.json, report.html (+ fix.ndjson and an import run with --fix)
 */
import { access, stat } from 'node:fs/promises';
import { BLOCKED_API_CODE } from '../codes.js';
import { ConfigError, resolveImportSettings, type ImportInput, type ImportSettings } from '../config.js';
import { exitCodeOf, exitCodeOfError, outcomeOfExitCode, type RunOutcome } from '../exit-codes.js';
import { sourceContacts } from '../pipeline/chain.js';
import { RunAbortedError, runImport, type ImportResult, type RunHooks } from '../pipeline/run.js';
import { SourceError, type SourceInfo } from '../read/index.js';
import { type SourceInfo as ReportSourceInfo } from '../report/index.js';
import type { ClientEventListener } from '../sakari/events.js';
import { openSession, type Connection, type RunSession, type StateNeed } from '../session.js';
import { isPostgresUrl } from '../state/index.js';
import {
  unexpectedKind,
  type ApiStats,
  type Contact,
  type Rejected,
  type RowCode,
  type SourceRef,
} from '../types.js';
import { compareContact } from './compare.js';
import { RemoteIndex, type IndexedRemote } from './remote-index.js';
import { FIX_FILE, ReconcileReport } from './report.js';
import type { FixSummary, ReconcileCounts, ReconcileResult, ReconcileSummary } from './types.js';

/** A row the source blocks (SMS opt-out, no consent) whose number is known: looked up like a contact. */
type BlockedRow = Rejected & { status: 'blocked'; mobileE164: string };

/** What a chunk of the comparison holds, in source order. */
type CompareItem = Contact | BlockedRow;

/** The first `opted_out` line, named in the run's warning. */
interface OptedOutExample {
  ref: SourceRef;
  e164: string;
  contactId: string;
}

/**
 * Source contacts looked up per SQLite transaction: one transaction per thousand lookups costs
 * nothing next to the lookups, and a thousand contacts is all the source side holds at once.
 */
export const COMPARE_CHUNK = 1_000;

const PROGRESS_INTERVAL_MS = 1_000;

/** What a caller may give: the import's input plus `fix`. */
export interface ReconcileInput extends ImportInput {
  /**
   * Send the missing and different contacts through the normal import afterwards. With `dryRun`,
   * only write them to `fix.ndjson` in the report folder.
   */
  fix?: boolean;
}

/** How far a reconciliation has got. */
export interface ReconcileProgress {
  runId: string;
  /** `remote`: listing Sakari's contacts; `source`: comparing; `fix`: the import of `--fix` runs. */
  phase: 'remote' | 'source' | 'fix';
  remoteListed: number;
  counts: ReconcileCounts;
  api: ApiStats;
  elapsedMs: number;
}

/** What a caller can watch while a reconciliation goes. */
export interface ReconcileHooks {
  /** Aborting stops the listing or the comparison; the partial report is written and the run exits 1. */
  signal?: AbortSignal;
  /** Called once the report folder exists, before the first request. */
  onStart?: (start: { runId: string; reportPath: string; apiUrl: string }) => void;
  /** Called about once a second and when a phase ends. */
  onProgress?: (progress: ReconcileProgress) => void;
  /** API events (requests, 429s, retries, token refreshes), for logs. */
  onApiEvent?: ClientEventListener;
  /** Hooks passed on to the import that `fix` runs (the signal above is passed on by default). */
  fix?: RunHooks;
}

/** A reconciliation that stopped before the end. Its partial report is written; `result` describes it. */
export class ReconcileAbortedError extends Error {
  constructor(
    message: string,
    readonly result: ReconcileResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReconcileAbortedError';
  }
}

/**
 * Compares a source with what the Sakari account holds, by E.164 (CONTRACT §7 `reconcile`).
 *
 * Every remote contact is listed (100 a page, under the same rate limiter as an import) into a
 * temporary SQLite file, so memory stays flat for a million-contact account. The source goes
 * through the import's own stages (map, normalise, validate, dedupe); invalid and duplicate rows
 * are counted, not compared. Each valid contact is `matched`, `missing` or `different` (see
 * `compareContact` for the rules, which follow the merge strategy), or `blocked` when Sakari does
 * not hold it because it refused the number (`CONT-010`: opted out at Sakari), as the import's
 * state records (see {@link stateNeed}): no import can close that gap. A row the source blocks (SMS
 * opt-out, or no consent with `requireSmsConsent`) is counted as invalid; when Sakari holds its
 * number anyway, that contact is `opted_out` (a contact that should not be there), not `extra`.
 * Remote contacts no source row names are `extra`. Writes `reconcile.csv`, `summary.json` and
 * `report.html` to `<reportDir>/<runId>/`.
 *
 * `fix: true` writes the missing and different contacts to `fix.ndjson` in that folder and imports
 * it with the same account, state, merge strategy and `full` (so the state store cannot skip a
 * contact it believes delivered); with `dryRun` the file is written but not imported. Nothing is
 * ever removed: `opted_out` contacts are never written to `fix.ndjson`, and a warning says how many
 * Sakari holds; nor are `blocked` ones (Sakari would refuse them again). The exit code describes
 * the state before fixing (0 in sync, `blocked` rows included, 3 something missing, different or
 * opted out, or with `strict` any invalid source row), unless the fix import aborted (its code, 1
 * or 2).
 *
 * @example
 * ```ts
 * const result = await reconcileContacts({ sources: ['crm.csv'], defaultCountry: 'GB', sandbox: true });
 * console.log(result.counts.missing, result.reportPath);
 * ```
 * @throws ConfigError for bad options, SourceError for a source that does not exist,
 *   {@link ReconcileAbortedError} when the run stopped part-way (its report is still written),
 *   and whatever the fix import throws other than its RunAbortedError (e.g. LockHeldError).
 */
export async function reconcileContacts(
  input: ReconcileInput,
  hooks: ReconcileHooks = {},
): Promise<ReconcileResult> {
  // A reconciliation always reads from Sakari; `dryRun` only keeps `fix` from sending.
  const settings = await resolveImportSettings({
    ...input,
    command: input.command ?? 'reconcile',
    dryRun: false,
  });
  return runReconcile(settings, { fix: input.fix ?? false, fixDryRun: input.dryRun ?? false }, hooks);
}

/**
 * `import --verify`: reconciles the sources of an import that just finished, with its settings
 * (same account, mapping, default country and merge strategy), in a new report folder next to the
 * import's. Nothing is fixed.
 *
 * @throws ConfigError when the import did not talk to Sakari (`--dry-run`): there is nothing to verify.
 */
export async function verifyAfterImport(
  settings: ImportSettings,
  hooks: ReconcileHooks = {},
): Promise<ReconcileResult> {
  if (settings.api === null) {
    throw new ConfigError([
      'verify: a dry run sends nothing, so there is nothing to verify (drop --dry-run or --verify)',
    ]);
  }
  if (settings.sources.includes('-')) {
    throw new ConfigError(['verify: stdin cannot be read a second time; import from a file to use --verify']);
  }
  return runReconcile(settings, { fix: false, fixDryRun: false }, hooks);
}

/** Options of {@link runReconcile} beyond the settings. */
export interface ReconcileOptions {
  fix: boolean;
  /** Write fix.ndjson but do not import it. */
  fixDryRun: boolean;
}

/** {@link reconcileContacts} for settings that are already resolved. */
export async function runReconcile(
  settings: ImportSettings,
  options: ReconcileOptions,
  hooks: ReconcileHooks = {},
): Promise<ReconcileResult> {
  if (settings.api === null) {
    throw new ConfigError(['reconcile reads the contacts in Sakari: give credentials, or use --sandbox']);
  }
  await checkSourcesExist(settings.sources);
  const startedAt = new Date();

  // Before the report folder exists: an unreachable Redis is a configuration error, not a run.
  const warnings: string[] = [];
  const session = await openSession(settings, {
    state: await stateNeed(settings.statePath),
    onApiEvent: hooks.onApiEvent,
    onWarning: (reason) => warnings.push(reason),
  });
  try {
    const connection = session.connection;
    if (connection === null) throw new Error('reconcile: no connection to Sakari'); // settings.api is set
    if (settings.sandbox && !settings.statePath) {
      warnings.unshift(
        '--sandbox without a state file: the simulator starts empty and keeps nothing between runs',
      );
    }
    const report = await ReconcileReport.open({
      reportDir: settings.reportDir,
      startedAt,
      multipleSources: settings.sources.length > 1,
    });
    const { runId } = report;
    hooks.onStart?.({ runId, reportPath: report.dir, apiUrl: connection.api.url });

    const run = new Reconciliation(
      settings,
      options,
      report,
      runId,
      startedAt,
      session,
      connection,
      hooks,
      warnings,
    );
    const index = await RemoteIndex.create();
    try {
      await run.compare(index);
    } catch (error) {
      throw await run.abort(error);
    } finally {
      await index.close();
    }
    return await run.finish();
  } finally {
    await session.close();
  }
}

/** One reconciliation: counts live in its report; the stages are driven from here. */
class Reconciliation {
  private sources: readonly SourceInfo[] = [];
  /** The traffic of the reconciliation itself, frozen once it asks Sakari nothing more (before --fix). */
  private apiStats: ApiStats | undefined;
  private phase: ReconcileProgress['phase'] = 'remote';
  private remoteListed = 0;
  private optedOutExample: OptedOutExample | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly settings: ImportSettings,
    private readonly options: ReconcileOptions,
    private readonly report: ReconcileReport,
    private readonly runId: string,
    private readonly startedAt: Date,
    private readonly session: RunSession,
    private readonly connection: Connection,
    private readonly hooks: ReconcileHooks,
    private readonly warnings: string[],
  ) {}

  /** Lists the remote side, then compares the source with it and reports the extra remote contacts. */
  async compare(index: RemoteIndex): Promise<void> {
    const { hooks, report } = this;
    const timer = setInterval(() => this.progress(), PROGRESS_INTERVAL_MS);
    timer.unref();
    try {
      let withoutMobile = 0;
      const listing = this.connection.client.listContacts({
        onWithoutMobile: (count) => {
          withoutMobile += count;
        },
      });
      await index.load(listing, {
        signal: hooks.signal,
        onChunk: (listed) => {
          this.remoteListed = listed;
        },
      });
      this.remoteListed = index.listed;
      report.counts.remote = index.size;
      if (withoutMobile > 0) {
        this.warnings.push(
          `Sakari listed ${withoutMobile} contact(s) without a mobile number: they are not compared (nor counted in remote or extra), since contacts are matched by number`,
        );
      }
      if (index.listed > index.size) {
        this.warnings.push(
          `Sakari listed ${index.listed - index.size} contact(s) more than once: the account changed while it was read, so some counts may be off; run reconcile again`,
        );
      }
      this.progress();
      // Nothing more is asked of Sakari by the reconciliation itself; the import of --fix counts its own.
      this.apiStats = this.session.apiStats();

      this.phase = 'source';
      let chunk: CompareItem[] = [];
      for await (const item of this.sourceContacts()) {
        report.counts.source++;
        switch (item.kind) {
          case 'rejected':
            // A row the source blocks is never sent: like an invalid row its fields are not compared,
            // but Sakari holding its number is worth a line (opted_out), so it is looked up.
            report.counts[item.status === 'blocked' ? 'invalid' : item.status]++;
            if (!isBlockedRow(item)) continue;
            break;
          case 'contact':
            report.counts.valid++;
            break;
          default:
            unexpectedKind(item);
        }
        chunk.push(item);
        if (chunk.length >= COMPARE_CHUNK) {
          await this.compareChunk(index, chunk);
          chunk = [];
          hooks.signal?.throwIfAborted();
        }
      }
      if (chunk.length > 0) await this.compareChunk(index, chunk);

      for (const page of index.unseen()) {
        for (const remote of page) report.extra(remote);
        await report.drain();
        hooks.signal?.throwIfAborted();
      }
      this.progress();
    } finally {
      clearInterval(timer);
    }
  }

  private async compareChunk(index: RemoteIndex, chunk: readonly CompareItem[]): Promise<void> {
    const { report, options } = this;
    const contacts: string[] = [];
    const blocked: string[] = [];
    for (const item of chunk) {
      if (item.kind === 'contact') contacts.push(item.payload.mobile);
      else blocked.push(item.mobileE164);
    }
    const found = index.lookup(contacts);
    const refused = await this.refusedBySakari(contacts.filter((e164) => !found.has(e164)));
    // After the contacts: a blocked row whose number a kept row already claimed (earlier in this
    // chunk or before; dedupe.ts lets an opted-out row follow the row it repeats) gets no line,
    // the kept row accounts for the contact; nor does a second blocked row with the same number.
    const held = blocked.length === 0 ? undefined : index.lookupUnseen(blocked);
    for (const item of chunk) {
      if (item.kind === 'rejected') {
        const remote = held?.get(item.mobileE164);
        if (remote === undefined) continue;
        // One line per contact: a later blocked row of this chunk with the same number gets none.
        held?.delete(item.mobileE164);
        this.optedOut(item.ref, item.error.code, remote);
        continue;
      }
      const { payload, ref } = item;
      const remote = found.get(payload.mobile);
      if (remote === undefined) {
        if (refused.has(payload.mobile)) {
          report.blocked(ref, payload, BLOCKED_API_CODE);
          continue;
        }
        report.missing(ref, payload);
        if (options.fix) await report.addFix(payload);
        continue;
      }
      const difference = compareContact(payload, remote, this.settings.mergeStrategy);
      if (difference === undefined) {
        report.matched(ref, payload.mobile, remote);
      } else {
        report.different(ref, payload.mobile, remote, difference);
        if (options.fix) await report.addFix(payload);
      }
    }
    await report.drain();
  }

  /**
   * Which of these numbers, none of which Sakari holds, the state records as refused by Sakari
   * (`blocked`: the import sent them and Sakari answered `CONT-010`): one look-up per chunk. The
   * state keeps no code with them: a contact is recorded `blocked` only for `CONT-010`
   * (sakari/response.ts). Empty without a state.
   */
  private async refusedBySakari(e164s: readonly string[]): Promise<Set<string>> {
    const store = this.session.store;
    if (store === null || e164s.length === 0) return new Set();
    const known = await store.lookup(this.settings.account, e164s);
    return new Set([...known].filter(([, contact]) => contact.status === 'blocked').map(([e164]) => e164));
  }

  private optedOut(ref: SourceRef, code: RowCode, remote: IndexedRemote): void {
    this.report.optedOut(ref, code, remote);
    this.optedOutExample ??= { ref, e164: remote.e164, contactId: remote.id };
  }

  /**
   * The import's stages up to dedupe, over every source in turn, with the import's own
   * `requireSmsConsent`: a row the import would never send is not `missing` (no import closes
   * that gap, and `import --require-sms-consent --verify` would always exit 3), and it is
   * `opted_out` when Sakari holds its number all the same.
   */
  private sourceContacts(): AsyncGenerator<Contact | Rejected> {
    const chain = sourceContacts(this.settings);
    this.sources = chain.sources;
    return chain.contacts;
  }

  /** Ends a run that failed part-way: writes the partial report and returns the error to throw. */
  async abort(error: unknown): Promise<Error> {
    const reason = describeError(error);
    const exitCode = exitCodeOfError(error);
    const summary = this.summary(exitCode);
    summary.partial = true;
    summary.abortReason = reason;
    await this.report.finish(summary);
    return new ReconcileAbortedError(
      `reconcile aborted: ${reason}`,
      { ...summary, reportPath: this.report.dir },
      {
        cause: error,
      },
    );
  }

  /** Runs the fix (if asked), checks the books and writes summary.json and report.html. */
  async finish(): Promise<ReconcileResult> {
    const { report, settings, options } = this;
    await report.closeFiles();
    const counts = report.counts;
    const problems = checkReconcileInvariants(counts);
    let outcome = reconcileOutcome(counts, problems, settings.strict);

    let fix: FixSummary | undefined;
    let fixFailure: unknown;
    if (options.fix) {
      fix = { file: FIX_FILE, contacts: report.fixContacts, dryRun: options.fixDryRun };
      if (report.fixContacts > 0 && !options.fixDryRun) {
        this.phase = 'fix';
        this.progress();
        try {
          // Through the reconciliation's own client and limiter: one token, one pace for the account.
          const imported = await runImport(
            fixSettings(settings, report.fixPath),
            { signal: this.hooks.signal, ...this.hooks.fix },
            { connection: this.connection },
          );
          Object.assign(fix, fixOutcome(imported));
        } catch (error) {
          if (error instanceof RunAbortedError) {
            Object.assign(fix, fixOutcome(error.result), { error: error.message });
          } else {
            fix.error = describeError(error);
            fixFailure = error;
          }
        }
        // A fix that did not finish outranks "something was missing": the run needs attention.
        const fixed = fix.exitCode === undefined ? undefined : outcomeOfExitCode(fix.exitCode);
        if (fixed !== undefined && fixed !== 'completed' && fixed !== 'rows-failed') outcome = fixed;
      }
    }

    const summary = this.summary(exitCodeOf(outcome));
    if (fix) summary.fix = fix;
    if (problems.length > 0) summary.problems = problems;
    await report.finish(summary);
    if (fixFailure !== undefined) throw fixFailure;
    return { ...summary, reportPath: report.dir };
  }

  private summary(exitCode: number): ReconcileSummary {
    const finishedAt = new Date();
    const sources: ReportSourceInfo[] = this.sources.map((info) => ({
      path: info.path,
      sha256: info.sha256 ?? '',
      format: info.compressed ? `${info.format}+gzip` : info.format,
    }));
    const summary: ReconcileSummary = {
      runId: this.runId,
      command: 'reconcile',
      source: sources[0] ?? { path: '', sha256: '', format: '' },
      sources,
      account: this.settings.account,
      mergeStrategy: this.settings.mergeStrategy,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.max(0, finishedAt.getTime() - this.startedAt.getTime()),
      counts: { ...this.report.counts },
      fields: { ...this.report.fields },
      api: this.apiStats ?? this.session.apiStats(),
      exitCode,
    };
    const warnings = [...this.warnings];
    const optedOut = optedOutWarning(this.report.counts.optedOut, this.optedOutExample, this.settings);
    if (optedOut !== undefined) warnings.push(optedOut);
    if (warnings.length > 0) summary.warnings = warnings;
    return summary;
  }

  private progress(): void {
    this.hooks.onProgress?.({
      runId: this.runId,
      phase: this.phase,
      remoteListed: this.remoteListed,
      counts: { ...this.report.counts },
      api: this.apiStats ?? this.session.apiStats(),
      elapsedMs: Date.now() - this.started,
    });
  }
}

/** A row the source blocks whose number is known, so Sakari may hold it. */
function isBlockedRow(item: Rejected): item is BlockedRow {
  return item.status === 'blocked' && item.mobileE164 !== undefined;
}

/**
 * The run's warning about `opted_out` contacts: reconcile (and `--fix`) never removes a contact,
 * so only a person can. Worded like the import's note on the same rows (pipeline/run.ts).
 */
function optedOutWarning(
  count: number,
  example: OptedOutExample | undefined,
  settings: Pick<ImportSettings, 'sources'>,
): string | undefined {
  if (count === 0 || example === undefined) return undefined;
  const { ref } = example;
  const where = settings.sources.length > 1 ? `${ref.file} line ${ref.line}` : `line ${ref.line}`;
  return (
    `${count} ${count === 1 ? 'contact in Sakari is a row' : 'contacts in Sakari are rows'} the source blocks ` +
    `(SMS opt-out or no consent), e.g. ${where}: ${example.e164}${example.contactId === '' ? '' : ` (contact ${example.contactId})`}: ` +
    `reconcile does not remove contacts; remove ${count === 1 ? 'it or opt it' : 'them or opt them'} out in Sakari ` +
    `(reconcile.csv lists ${count === 1 ? 'it' : 'each'} as opted_out)`
  );
}

/**
 * Whether a reconciliation reads the state store: only to tell the numbers Sakari refused
 * (`blocked`) from the `missing` ones, without its lock (it records nothing). A SQLite file is
 * read only when it exists, so that reconcile never leaves an empty state (or its folder) behind
 * where none was; a PostgreSQL database is always read (opening it creates nothing but its schema).
 */
async function stateNeed(statePath: string | null): Promise<StateNeed> {
  if (statePath === null) return 'none';
  if (isPostgresUrl(statePath)) return 'store';
  try {
    await access(statePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none';
    // Anything else (no permission): the store's own error says what is wrong with the file.
  }
  return 'store';
}

/**
 * Checks that the books balance: `source = valid + invalid + duplicate`,
 * `valid = matched + missing + different + blocked`, `remote = matched + different + optedOut + extra`, and
 * `optedOut <= invalid` (each `opted_out` line is a blocked source row, counted as invalid).
 *
 * @returns one message per violation; `[]` when they balance.
 */
export function checkReconcileInvariants(counts: ReconcileCounts): string[] {
  const problems: string[] = [];
  const { source, valid, invalid, duplicate, matched, missing, different, blocked, optedOut, extra, remote } =
    counts;
  if (source !== valid + invalid + duplicate) {
    problems.push(`source (${source}) != valid + invalid + duplicate (${valid} + ${invalid} + ${duplicate})`);
  }
  if (valid !== matched + missing + different + blocked) {
    problems.push(
      `valid (${valid}) != matched + missing + different + blocked (${matched} + ${missing} + ${different} + ${blocked})`,
    );
  }
  if (remote !== matched + different + optedOut + extra) {
    problems.push(
      `remote (${remote}) != matched + different + optedOut + extra (${matched} + ${different} + ${optedOut} + ${extra})`,
    );
  }
  if (optedOut > invalid) {
    problems.push(
      `optedOut (${optedOut}) > invalid (${invalid}): every opted_out line is an invalid source row`,
    );
  }
  return problems;
}

/**
 * What a finished reconciliation found: `aborted` when its books do not balance (a bug),
 * `rows-failed` when something is missing or different, or Sakari holds a contact the source
 * blocks (or, with `strict`, a source row is invalid), else `completed` (in sync). A `blocked`
 * row is in sync: Sakari refuses it, and no run of ours can change that.
 */
function reconcileOutcome(counts: ReconcileCounts, problems: readonly string[], strict: boolean): RunOutcome {
  if (problems.length > 0) return 'aborted';
  if (counts.missing + counts.different + counts.optedOut > 0) return 'rows-failed';
  if (strict && counts.invalid > 0) return 'rows-failed';
  return 'completed';
}

/** The settings of the `--fix` import: the reconcile's, reading fix.ndjson and sending every row. */
function fixSettings(settings: ImportSettings, fixPath: string): ImportSettings {
  return {
    ...settings,
    command: 'reconcile --fix',
    sources: [fixPath],
    format: 'ndjson',
    delimiter: undefined,
    encoding: undefined,
    // fix.ndjson holds normalised payloads under the import's own field names.
    mapping: undefined,
    dryRun: false,
    full: true,
    strict: false,
    // Every row of fix.ndjson passed the consent check above with these settings, and its consent
    // column, now under `attributes`, is not read back as one: checked again, each would be blocked.
    requireSmsConsent: false,
  };
}

function fixOutcome(result: ImportResult): Pick<FixSummary, 'reportPath' | 'exitCode' | 'counts'> {
  return { reportPath: result.reportPath, exitCode: result.exitCode, counts: { ...result.counts } };
}

/**
 * Fails before the (possibly long) remote listing when a source file does not exist; stdin and
 * content problems are found while reading.
 */
async function checkSourcesExist(sources: readonly string[]): Promise<void> {
  for (const source of sources) {
    if (source === '-') continue;
    let isFile: boolean;
    try {
      isFile = (await stat(source)).isFile();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new SourceError('SOURCE_NOT_FOUND', source, `${source}: no such file`, { cause: error });
      throw new SourceError('SOURCE_UNREADABLE', source, `${source}: cannot read it (${code ?? 'error'})`, {
        cause: error,
      });
    }
    if (!isFile) throw new SourceError('SOURCE_UNREADABLE', source, `${source}: not a file`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
