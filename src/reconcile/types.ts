/** The public result types of `reconcile` (summary.json and the library's return value). */
import type { Counts, SourceInfo } from '../report/index.js';
import type { ApiStats, MergeStrategy } from '../types.js';
import type { ComparedField } from './compare.js';

/**
 * The status of one line of reconcile.csv. Public API: scripts match on these words.
 *
 * - `matched`: in Sakari, and Sakari holds what the source says.
 * - `missing`: in the source, not in Sakari (and not known to be refused by Sakari).
 * - `different`: in both, but some field the source gives is not what Sakari holds.
 * - `blocked`: in the source, not in Sakari, because Sakari refuses the number (`CONT-010`: the
 *   person opted out at Sakari), as an import recorded in the state store. No import closes that
 *   gap, so it is neither `missing` nor sent by `--fix`. Known only from the import's state
 *   (`--state`); without it such a row is `missing`. Sakari blocks it, not the source: a row the
 *   source blocks is counted `invalid` (and is `opted_out` when Sakari holds it).
 * - `opted_out`: in Sakari, but the source blocks this row (SMS opt-out, or no consent with
 *   `--require-sms-consent`): a contact that should not be there. Reconcile never removes it.
 * - `extra`: in Sakari, not in the source.
 */
export type ReconcileStatus = 'matched' | 'missing' | 'different' | 'blocked' | 'opted_out' | 'extra';

/** Every {@link ReconcileStatus}, in report order (source lines first, then the extra remote contacts). */
export const RECONCILE_STATUSES: readonly ReconcileStatus[] = [
  'matched',
  'missing',
  'different',
  'blocked',
  'opted_out',
  'extra',
];

/**
 * summary.json `counts` of a reconciliation. Always
 * `source = valid + invalid + duplicate`, `valid = matched + missing + different + blocked`,
 * `remote = matched + different + optedOut + extra` and `optedOut <= invalid` (an `opted_out`
 * line is a row the source blocks, counted under `invalid` like every such row).
 */
export interface ReconcileCounts {
  /** Every source record read. */
  source: number;
  /** Source rows that passed normalisation, validation and dedupe: the ones compared. */
  valid: number;
  /** Source rows that failed normalisation or validation, including the rows the source blocks (SMS opt-out, no consent). */
  invalid: number;
  duplicate: number;
  /** In Sakari, and Sakari holds what the source says. */
  matched: number;
  /** In the source, not in Sakari (and not known to be refused by Sakari). */
  missing: number;
  /** In both, but some field the source gives is not what Sakari holds. */
  different: number;
  /**
   * In the source, not in Sakari, and the state records the number as refused by Sakari
   * (`CONT-010`: opted out at Sakari): `blocked` lines. Not missing: no import would store them.
   */
  blocked: number;
  /**
   * In Sakari, but the source blocks the row (SMS opt-out, or no consent with
   * `--require-sms-consent`): `opted_out` lines. Each is also one of the `invalid` source rows.
   */
  optedOut: number;
  /** In Sakari, not in the source. */
  extra: number;
  /** Distinct E.164 numbers Sakari listed. */
  remote: number;
}

/**
 * What `--fix` did: the missing and different contacts sent through the normal import. It never
 * removes anything: `opted_out` and `extra` contacts are left as they are, and `blocked` ones are
 * not sent (Sakari would refuse them again).
 */
export interface FixSummary {
  /** The NDJSON file of the contacts to send, relative to the reconcile report folder. */
  file: string;
  /** Contacts written to it (`missing + different`). */
  contacts: number;
  /** True when `--dry-run` asked to write the file without importing it. */
  dryRun: boolean;
  /** The import's report folder, when it ran. */
  reportPath?: string;
  /** The import's exit code, when it ran. */
  exitCode?: number;
  /** The import's counts, when it ran. */
  counts?: Counts;
  /** Why the import stopped, when it did not finish. */
  error?: string;
}

/** summary.json of a reconciliation. */
export interface ReconcileSummary {
  runId: string;
  command: 'reconcile';
  /** The first source (`{path:'', sha256:'', format:''}` when there was none). */
  source: SourceInfo;
  sources: SourceInfo[];
  account: string;
  /** The merge strategy the comparison followed (see `compareContact`). */
  mergeStrategy: MergeStrategy;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: ReconcileCounts;
  /** How many `different` rows name each field. */
  fields: Record<ComparedField, number>;
  api: ApiStats;
  /**
   * 0 in sync (nothing missing, different or opted out; `blocked` rows are in sync: Sakari refuses
   * them) · 1 aborted or the books do not balance · 2 configuration/credentials · 3 something
   * missing or different, or Sakari holds a contact the source blocks (`optedOut`), or with
   * `--strict` a source row is invalid.
   */
  exitCode: number;
  fix?: FixSummary;
  /**
   * Things worth knowing beyond the counts (e.g. numbers Sakari listed twice, or contacts the
   * source blocks that only a person can remove).
   */
  warnings?: string[];
  /** Set when the run stopped early: the counts cover only what was compared. */
  partial?: boolean;
  abortReason?: string;
  /** Invariant violations (a bug); present only when there were some. */
  problems?: string[];
}

/** What `reconcileContacts` resolves to: the summary and where the report is. */
export interface ReconcileResult extends ReconcileSummary {
  /** `<report-dir>/<run-id>`. */
  reportPath: string;
}
