import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { ConfigError } from '../config.js';
import { ROW_STATUSES, type RowOutcome, type RowStatus } from '../types.js';
import { ByteQueue } from './byte-queue.js';
import { checkInvariants, countOutcome, emptyCounts, InvariantError, type Counts } from './counts.js';
import { CSV_EOL, CsvFile, formatReportField, spreadsheetSafe } from './csv.js';
import { ErrorCodeTally } from './error-codes.js';
import { renderReportHtml } from './html.js';
import { REJECTED_FILE, RejectedLedger } from './rejected.js';
import { ReorderBuffer } from './reorder.js';
import { newRunId } from './run-id.js';
import { buildSummary, writeFileAtomic, type RunSummary, type SummaryMeta } from './summary.js';
import { Timeline, type TimelinePoint } from './timeline.js';

/** The run folder holds contact data: only the owner may list or read it. */
export const REPORT_DIR_MODE = 0o700;
/** Report files hold contact data: owner read/write only. */
export const REPORT_FILE_MODE = 0o600;

export const SUMMARY_FILE = 'summary.json';
export const ROWS_FILE = 'rows.csv';
export const HTML_FILE = 'report.html';

/** rows.csv columns (contract §5). */
export const ROWS_COLUMNS = [
  'line',
  'status',
  'code',
  'message',
  'mobile_input',
  'mobile_e164',
  'contact_id',
] as const;

/** Statuses whose rows go to rejected.csv and the error-code table. */
const REJECTED_STATUSES: ReadonlySet<RowStatus> = new Set<RowStatus>([
  'invalid',
  'duplicate',
  'blocked',
  'failed',
]);
const KNOWN_STATUSES: ReadonlySet<string> = new Set<string>(ROW_STATUSES);

/** What an E.164 number looks like; anything else in that column is treated as free text. */
const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** Record-time problems listed one by one; more are summarised as a count so a runaway bug cannot fill memory. */
const MAX_LISTED_PROBLEMS = 20;
/** Seq ranges named in a "rows missing" message. */
const MAX_LISTED_GAPS = 10;
/** A first timeline sample this close to the run's start is on the same clock (epoch ms), so the chart may be anchored at the start and end. */
const SAME_CLOCK_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/** Where and under which id a run's report is written. */
export interface ReportOptions {
  /** Parent folder (created if needed); the run writes `<reportDir>/<runId>/`. */
  reportDir: string;
  /**
   * A plain folder name that must not exist yet. Absent: a fresh id is reserved by
   * {@link reserveRunFolder} (read it back from `report.runId`).
   */
  runId?: string;
  /** With no `runId`: the start time the new id is named after (default now). */
  startedAt?: Date;
  /** With no `runId`: ids in use elsewhere (e.g. runs in the state store), never picked. */
  taken?: (runId: string) => boolean | Promise<boolean>;
  /** Clock for `finishedAt` (default: the system clock). */
  now?: () => Date;
}

/** A safe single path segment: no separators, not `.` or `..`. */
const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function e164Cell(value: string | undefined): string {
  if (value === undefined) return '';
  return E164_PATTERN.test(value) ? value : spreadsheetSafe(value);
}

/**
 * A row as the report holds it until it is written. Mostly a number: its lines wait as bytes in
 * the report's queues (see `ByteQueue`), and the number is the column count of its rejected.csv
 * line ({@link NOT_REJECTED}: none). A row recorded before rows already queued (a batch's, come
 * back), or whose rejected.csv line adds a column, is held as its rows.csv line and, when
 * rejected.csv lists it, its outcome: its line is written in its place, between queued ones.
 */
type Held = number | { line: string; rejected: RowOutcome | undefined };

/** A queued row that rejected.csv does not list. */
const NOT_REJECTED = -1;

/** The outcome when rejected.csv lists its row. */
function rejectedOf(outcome: RowOutcome): RowOutcome | undefined {
  return REJECTED_STATUSES.has(outcome.status) ? outcome : undefined;
}

/**
 * The row's rows.csv record ({@link ROWS_COLUMNS}), formatted: its fields joined here rather than
 * handed to the formatter as cells. Joined from an array into one flat string: on a nightly
 * re-run nearly every line waits behind a batch in flight, and a line built by appending its
 * pieces is a tree of a dozen strings (about 440 bytes a row) until it is written.
 */
function rowsLine(outcome: RowOutcome): string {
  const field = formatReportField;
  const { code, message, contactId } = outcome;
  return [
    outcome.ref.line,
    outcome.status,
    code === undefined ? '' : field(spreadsheetSafe(code)),
    message === undefined ? '' : field(spreadsheetSafe(message)),
    field(spreadsheetSafe(outcome.mobileInput)),
    field(e164Cell(outcome.mobileE164)),
    (contactId === undefined ? '' : field(spreadsheetSafe(contactId))) + CSV_EOL,
  ].join(',');
}

/**
 * Where a row came from, for a problem with its outcome (made only then: {@link RunReport.record}
 * runs for every row).
 */
function whereOf(outcome: RowOutcome): string {
  return `${outcome.ref.file}:${outcome.ref.line}`;
}

function describeRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  const shown = ranges
    .slice(0, MAX_LISTED_GAPS)
    .map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`));
  if (ranges.length > MAX_LISTED_GAPS) shown.push(`and ${ranges.length - MAX_LISTED_GAPS} more ranges`);
  return shown.join(', ');
}

/**
 * Creates `<reportDir>/<runId>/` (mode 0700 whatever the umask) for one run's report files.
 * @throws RangeError for a run id that is not a plain folder name; an error when the folder exists.
 */
export async function createRunFolder(reportDir: string, runId: string): Promise<string> {
  const dir = await tryRunFolder(reportDir, runId);
  if (dir === undefined) {
    throw new Error(`report folder ${join(reportDir, runId)} already exists: use a new run id`);
  }
  return dir;
}

/** Fresh ids tried before {@link reserveRunFolder} gives up (each has 65,536 possible suffixes per second). */
const RESERVE_ATTEMPTS = 64;

/**
 * Picks a new run id (see `newRunId`) and creates its folder `<reportDir>/<runId>/` (mode 0700).
 * An id whose folder already exists, or that `taken` says is in use elsewhere (the state store's
 * runs), is never reused: another is drawn, so runs started in the same second never collide.
 *
 * @example const { runId, dir } = await reserveRunFolder('./reports', { startedAt: new Date() });
 */
export async function reserveRunFolder(
  reportDir: string,
  options: { startedAt?: Date; taken?: (runId: string) => boolean | Promise<boolean> } = {},
): Promise<{ runId: string; dir: string }> {
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    const runId = newRunId(options.startedAt);
    if (await options.taken?.(runId)) continue;
    const dir = await tryRunFolder(reportDir, runId);
    if (dir !== undefined) return { runId, dir };
  }
  throw new Error(`no free run id in ${reportDir} after ${RESERVE_ATTEMPTS} attempts`);
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Creates the run folder (mode 0700 whatever the umask); `undefined` when it exists already. */
async function tryRunFolder(reportDir: string, runId: string): Promise<string | undefined> {
  if (!SAFE_RUN_ID.test(runId) || runId.includes('..')) {
    throw new RangeError(`invalid run id ${JSON.stringify(runId)}: expected a plain folder name`);
  }
  const dir = join(reportDir, runId);
  try {
    await mkdir(reportDir, { recursive: true });
    await mkdir(dir, { mode: REPORT_DIR_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await isFolder(reportDir))) return undefined;
    // Nothing was sent: a setting to fix (exit 2), not a run to resume.
    if (
      code === 'EEXIST' ||
      code === 'ENOTDIR' ||
      code === 'EACCES' ||
      code === 'EPERM' ||
      code === 'EROFS'
    ) {
      throw new ConfigError([
        `report-dir: cannot create a run folder in ${reportDir} (${code}): give --report-dir a folder this user can write`,
      ]);
    }
    throw error;
  }
  // mkdir's mode is filtered by the umask; make sure of it.
  await chmod(dir, REPORT_DIR_MODE);
  return dir;
}

/**
 * The reconciliation report of one run (contract §5): `rows.csv`, `rejected.csv`,
 * `summary.json` and `report.html` in `<reportDir>/<runId>/`.
 *
 * Outcomes may be recorded in any order (batches finish concurrently); rows.csv is written in
 * source order (`ref.seq`) as soon as the rows before an outcome are in, through a reorder buffer
 * that holds only the outcomes waiting for an earlier one. A crash leaves a rows.csv of whole lines.
 *
 * @example
 * const report = await RunReport.open({ reportDir: './reports' }); // report.runId: '20261122T210501Z-3f9a'
 * for await (const outcome of outcomes) report.record(outcome);
 * const summary = await report.finish({ command: 'import', sources, account, dryRun, startedAt, api, exitCode });
 */
export class RunReport {
  /** `<reportDir>/<runId>`. */
  readonly dir: string;

  private readonly liveCounts: Counts = emptyCounts();
  private readonly errorCodes = new ErrorCodeTally();
  private readonly timeline = new Timeline();
  /** Rows waiting for an earlier seq (see {@link Held}); its `next` is the seq rows.csv writes next. */
  private readonly waiting = new ReorderBuffer<Held>();
  /** The rows.csv lines of the rows held as numbers, in seq order. */
  private readonly queuedRows = new ByteQueue();
  /** Their rejected.csv lines, in seq order. */
  private readonly queuedRejected = new ByteQueue();
  /** The seq of the last row queued: a row after it may be queued. */
  private lastQueued = -1;
  private readonly recordProblems: string[] = [];
  private unlistedRecordProblems = 0;
  private closed = false;

  private constructor(
    /** This run's id: the folder name under the report dir. */
    readonly runId: string,
    dir: string,
    private readonly rows: CsvFile,
    private readonly rejected: RejectedLedger,
    private readonly now: () => Date,
  ) {
    this.dir = dir;
  }

  /**
   * Creates `<reportDir>/<runId>/` (mode 0700; it must not exist yet, or a fresh id is reserved when
   * `runId` is absent) and starts rows.csv with its header.
   * @throws when the folder exists or cannot be created.
   */
  static async open(options: ReportOptions): Promise<RunReport> {
    const { runId, dir } =
      options.runId === undefined
        ? await reserveRunFolder(options.reportDir, options)
        : { runId: options.runId, dir: await createRunFolder(options.reportDir, options.runId) };
    const rows = await CsvFile.create(join(dir, ROWS_FILE), REPORT_FILE_MODE);
    let rejected: RejectedLedger;
    try {
      rejected = await RejectedLedger.create(dir, REPORT_FILE_MODE);
    } catch (error) {
      await rows.close().catch(() => undefined);
      throw error;
    }
    rows.write(ROWS_COLUMNS);
    rows.flush();
    return new RunReport(runId, dir, rows, rejected, options.now ?? (() => new Date()));
  }

  /**
   * Where rejected.csv finds the delimiter of the source being read: a `;` source's rejected rows
   * are written with `;` (see `RejectedLedger.delimiterFrom`). Call before the first row is recorded.
   */
  rejectedDelimiterFrom(sourceDelimiter: () => string | undefined): void {
    this.rejected.delimiterFrom(sourceDelimiter);
  }

  /** Live counts of the rows recorded so far (a copy), for progress output. */
  get counts(): Counts {
    return { ...this.liveCounts };
  }

  /**
   * Records one row's final outcome. Any order; each seq exactly once. A seq recorded twice, or an
   * outcome without a valid seq or status, is a bug: it is left out and reported by {@link finish}.
   * @throws after finish or abort.
   */
  record(outcome: RowOutcome): void {
    if (this.closed)
      throw new Error(`RunReport ${this.runId}: record() after finish/abort (seq ${outcome.ref.seq})`);
    const { seq } = outcome.ref;
    if (!Number.isSafeInteger(seq) || seq < 0) {
      this.problem(`outcome for ${whereOf(outcome)} has seq ${String(seq)}, not a non-negative integer`);
      return;
    }
    if (!KNOWN_STATUSES.has(outcome.status)) {
      this.problem(
        `outcome for ${whereOf(outcome)} (seq ${seq}) has unknown status ${JSON.stringify(outcome.status)}`,
      );
      return;
    }
    if (seq < this.waiting.next || this.waiting.has(seq)) {
      this.problem(`seq ${seq} (${whereOf(outcome)}) recorded more than once; the later outcome was ignored`);
      return;
    }
    countOutcome(this.liveCounts, outcome.status);
    if (REJECTED_STATUSES.has(outcome.status)) this.errorCodes.add(outcome);
    if (seq === this.waiting.next) {
      this.write(rowsLine(outcome), rejectedOf(outcome));
      this.waiting.advance();
      for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift())
        this.writeHeld(next);
      this.writeQueued();
    } else {
      this.hold(seq, outcome);
    }
  }

  /** Holds a row until the rows before it are written (see {@link Held}). */
  private hold(seq: number, outcome: RowOutcome): void {
    const line = rowsLine(outcome);
    const rejected = rejectedOf(outcome);
    if (seq > this.lastQueued) {
      const rejectedLine = rejected === undefined ? undefined : this.rejected.format(rejected);
      if (rejected === undefined || rejectedLine !== undefined) {
        this.queuedRows.push(line);
        if (rejectedLine !== undefined) this.queuedRejected.push(rejectedLine);
        this.waiting.put(seq, rejectedLine === undefined ? NOT_REJECTED : this.rejected.columnCount);
        this.lastQueued = seq;
        return;
      }
    }
    this.waiting.put(seq, { line, rejected });
  }

  /** Writes a held row in its place: a queued one's bytes join those handed to the files next. */
  private writeHeld(held: Held): void {
    if (typeof held !== 'number') {
      this.writeQueued();
      this.write(held.line, held.rejected);
      return;
    }
    this.queuedRows.take(this.writeRows);
    if (held === NOT_REJECTED) return;
    this.queuedRejected.take(this.writeRejected);
    this.rejected.appendFormatted(held);
  }

  /** Hands the bytes of the queued rows taken to the files. */
  private writeQueued(): void {
    this.queuedRows.hand(this.writeRows);
    this.queuedRejected.hand(this.writeRejected);
  }

  private readonly writeRows = (bytes: Buffer): void => this.rows.writeBytes(bytes);
  private readonly writeRejected = (bytes: Buffer): void => this.rejected.writeFormatted(bytes);

  /**
   * Adds a timeline sample for the throughput/throttling chart (call about once a second).
   * `at` is epoch ms; the other fields are cumulative totals since the run started.
   */
  sample(point: TimelinePoint): void {
    if (!this.closed) this.timeline.add(point);
  }

  /** Outcomes held back waiting for an earlier seq (how far out of order the pipeline runs). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Resolves when the files' write buffers have drained: a producer that records fast may await it for backpressure. */
  async drain(): Promise<void> {
    await Promise.all([this.rows.drain(), this.rejected.file.drain()]);
  }

  /**
   * Ends the run: writes the rows still held back, rejected.csv, summary.json and report.html.
   * When a seq between 0 and the highest recorded one is missing, a seq was recorded twice, or the
   * counts do not balance, summary.json is still written, with exit code 1, and this throws.
   *
   * @throws {InvariantError} when the report's books do not balance (a bug).
   */
  async finish(meta: SummaryMeta): Promise<RunSummary> {
    return this.close(meta);
  }

  /**
   * Ends an aborted run: writes what was recorded (in seq order, leaving gaps), rejected.csv,
   * summary.json (`partial: true`, `abortReason`, `exitCode` 1, or `meta.exitCode` when that is a
   * non-zero code such as 2 for a configuration error) and report.html. Does not throw
   * for missing rows: an aborted run has them.
   */
  async abort(meta: SummaryMeta, reason: string): Promise<RunSummary> {
    return this.close(meta, reason);
  }

  private problem(message: string): void {
    if (this.recordProblems.length < MAX_LISTED_PROBLEMS) this.recordProblems.push(message);
    else this.unlistedRecordProblems += 1;
  }

  private write(line: string, rejected: RowOutcome | undefined): void {
    this.rows.writeLine(line);
    if (rejected) this.rejected.append(rejected);
  }

  /** Writes every held-back outcome in seq order and returns the seq ranges that were never recorded. */
  private flushAll(): Array<[number, number]> {
    const gaps: Array<[number, number]> = [];
    let expected = this.waiting.next;
    for (const [seq, row] of this.waiting.takeAll()) {
      if (seq > expected) gaps.push([expected, seq - 1]);
      this.writeHeld(row);
      expected = seq + 1;
    }
    this.writeQueued();
    return gaps;
  }

  private timelineFor(meta: SummaryMeta, finishedAt: Date, counts: Counts): TimelinePoint[] {
    const samples = [...this.timeline.samples];
    const first = samples[0];
    const startMs = meta.startedAt.getTime();
    if (!first || Math.abs(first.at - startMs) > SAME_CLOCK_TOLERANCE_MS) return samples;
    // Anchor the chart at the run's start and end so its first and last seconds are not lost.
    if (first.at > startMs) samples.unshift({ at: startMs, rowsDone: 0, requests: 0, throttled: 0 });
    const last = samples.at(-1);
    if (last && finishedAt.getTime() > last.at) {
      samples.push({
        at: finishedAt.getTime(),
        rowsDone: Math.max(last.rowsDone, counts.rows),
        requests: Math.max(last.requests, meta.api.requests),
        throttled: Math.max(last.throttled, meta.api.throttled),
        ...(last.pace === undefined ? {} : { pace: last.pace }),
      });
    }
    return samples;
  }

  private async close(meta: SummaryMeta, abortReason?: string): Promise<RunSummary> {
    if (this.closed) throw new Error(`RunReport ${this.runId}: already finished`);
    this.closed = true;
    const gaps = this.flushAll();

    let ioError: unknown;
    await this.rows.close().catch((error: unknown) => {
      ioError ??= error;
    });
    await this.rejected.finalize(REPORT_FILE_MODE).catch((error: unknown) => {
      ioError ??= error;
    });

    const counts = { ...this.liveCounts };
    const problems = [...this.recordProblems];
    if (this.unlistedRecordProblems > 0)
      problems.push(`and ${this.unlistedRecordProblems} more such problems`);
    if (gaps.length > 0 && abortReason === undefined) {
      const missing = gaps.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
      problems.push(`${missing} row(s) never recorded (seq ${describeRanges(gaps)})`);
    }
    problems.push(...checkInvariants(counts));

    const finishedAt = this.now();
    // An abort exits 1 unless the caller names a more specific non-zero code (2: bad credentials).
    const exitCode =
      abortReason !== undefined
        ? meta.exitCode !== 0
          ? meta.exitCode
          : 1
        : problems.length > 0
          ? 1
          : meta.exitCode;
    const summary = buildSummary({
      runId: this.runId,
      meta,
      counts,
      finishedAt,
      exitCode,
      abortReason,
      problems,
    });
    await writeFileAtomic(
      join(this.dir, SUMMARY_FILE),
      `${JSON.stringify(summary, null, 2)}\n`,
      REPORT_FILE_MODE,
    );
    const html = renderReportHtml({
      summary,
      errorCodes: this.errorCodes.top(),
      timeline: this.timelineFor(meta, finishedAt, counts),
      settings: meta.settings,
      files: { summary: SUMMARY_FILE, rows: ROWS_FILE, rejected: REJECTED_FILE },
    });
    await writeFileAtomic(join(this.dir, HTML_FILE), html, REPORT_FILE_MODE);

    if (ioError !== undefined) {
      const message = ioError instanceof Error ? ioError.message : String(ioError);
      throw new Error(`writing the report in ${this.dir} failed: ${message}`, { cause: ioError });
    }
    if (problems.length > 0 && abortReason === undefined) throw new InvariantError(problems);
    return summary;
  }
}
