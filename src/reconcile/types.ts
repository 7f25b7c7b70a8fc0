/** The public result types of `reconcile` (summary.json and the library's return value). */
import type { Counts, SourceInfo } from '../report/index.js';
import type { ApiStats, MergeStrategy } from '../types.js';
import type { ComparedField } from './compare.js';

/** The status of one line of reconcile.csv. Public API: scripts match on these words. */
export type ReconcileStatus = 'matched' | 'missing' | 'different' | 'extra';

/** Every {@link ReconcileStatus}, in report order. */
export const RECONCILE_STATUSES: readonly ReconcileStatus[] = ['matched', 'missing', 'different', 'extra'];

/**
 * summary.json `counts` of a reconciliation. Always
 * `source = valid + invalid + duplicate`, `valid = matched + missing + different` and
 * `remote = matched + different + extra`.
 */
export interface ReconcileCounts {
  /** Every source record read. */
  source: number;
  /** Source rows that passed normalisation, validation and dedupe: the ones compared. */
  valid: number;
  invalid: number;
  duplicate: number;
  /** In Sakari, and Sakari holds what the source says. */
  matched: number;
  /** In the source, not in Sakari. */
  missing: number;
  /** In both, but some field the source gives is not what Sakari holds. */
  different: number;
  /** In Sakari, not in the source. */
  extra: number;
  /** Distinct E.164 numbers Sakari listed. */
  remote: number;
}

/** What `--fix` did: the missing and different contacts sent through the normal import. */
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
  /** 0 nothing missing or different · 1 aborted or the books do not balance · 2 configuration/credentials · 3 something missing or different. */
  exitCode: number;
  fix?: FixSummary;
  /** Things worth knowing that did not change the outcome (e.g. numbers Sakari listed twice). */
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
