import { rename, writeFile } from 'node:fs/promises';

import type { PaceSummary } from '../limit/pace.js';
import type { ApiStats } from '../types.js';
import type { Counts } from './counts.js';

/** One input of a run. */
export interface SourceInfo {
  /** As the user gave it (`-` for stdin). */
  path: string;
  /** Hex sha256 of the bytes read. */
  sha256: string;
  /** `csv`, `json` or `ndjson` (with `+gzip` or the like when the pipeline says so). */
  format: string;
}

/** What the pipeline knows about the run that the report does not: passed to finish/abort. */
export interface SummaryMeta {
  /** The command that ran, e.g. `import`. */
  command: string;
  sources: SourceInfo[];
  account: string;
  dryRun: boolean;
  startedAt: Date;
  api: ApiStats;
  /** The adaptive pace of the run (absent in a dry run and without a rate limit). */
  pace?: PaceSummary;
  /**
   * Rows settled from the state store by their fingerprint, without normalising them again
   * (issue 16); absent when the run had no state store.
   */
  recalledRows?: number;
  /** Rows settled as rejected before (invalid or blocked), by their fingerprint; with a state store. */
  recalledRejections?: number;
  /** Of those two, the rows found where they stood when recorded (a range scan, not a look-up each). */
  recalledInPlace?: number;
  /** Of the recalled rows, the CSV records recognised by their text and never parsed. */
  recalledUnparsed?: number;
  /** The exit code the CLI will use (see `exitCodeFor`); finish replaces it by 1 when the books do not balance. */
  exitCode: number;
  /** The run's effective settings, shown in report.html. Must already be redacted: no secrets. */
  settings?: Record<string, unknown>;
}

/** summary.json (contract §5). */
export interface RunSummary {
  runId: string;
  command: string;
  /** The first source (`{path:'', sha256:'', format:''}` when the run had none). */
  source: SourceInfo;
  sources: SourceInfo[];
  account: string;
  dryRun: boolean;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: Counts;
  /** `pace` is additive to CONTRACT §5: how fast the run went and will start next time. */
  api: ApiStats & { pace?: PaceSummary };
  /** Additive to CONTRACT §5: rows a re-run recognised and did not normalise again (with a state store). */
  recalledRows?: number;
  /** Additive to CONTRACT §5: rows a re-run knew were rejected before and did not normalise again. */
  recalledRejections?: number;
  /** Additive to CONTRACT §5: of the recalled rows, those found by their position in the source. */
  recalledInPlace?: number;
  /** Additive to CONTRACT §5: of the recalled rows, the CSV records recognised by their text and never parsed. */
  recalledUnparsed?: number;
  exitCode: number;
  /** Set on an aborted run: the counts cover only the rows that finished. */
  partial?: boolean;
  abortReason?: string;
  /** Invariant violations found at finish (a bug); present only when there were some. */
  problems?: string[];
}

/** Key and token shapes that must never reach a report, even inside an error message. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [
    /\b(client[_-]?secret|access[_-]?token|refresh[_-]?token|authorization|password)(["']?\s*[:=]\s*["']?)(?!(?:bearer|basic)\s|\[redacted\])[^\s"',;&}]+/gi,
    '$1$2[redacted]',
  ],
];

/** Removes bearer tokens and `secret=…`-style values from a free-text message (defence in depth). */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (result, [pattern, replacement]) => result.replace(pattern, replacement),
    text,
  );
}

/** Builds summary.json's object, keys in the contract's order. */
export function buildSummary(input: {
  runId: string;
  meta: SummaryMeta;
  counts: Counts;
  finishedAt: Date;
  exitCode: number;
  abortReason?: string;
  problems?: readonly string[];
}): RunSummary {
  const { runId, meta, counts, finishedAt, exitCode } = input;
  const sources = meta.sources.map(({ path, sha256, format }) => ({ path, sha256, format }));
  const summary: RunSummary = {
    runId,
    command: meta.command,
    source: sources[0] ?? { path: '', sha256: '', format: '' },
    sources,
    account: meta.account,
    dryRun: meta.dryRun,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.max(0, finishedAt.getTime() - meta.startedAt.getTime()),
    counts: { ...counts },
    api: {
      requests: meta.api.requests,
      throttled: meta.api.throttled,
      retries: meta.api.retries,
      tokenRefreshes: meta.api.tokenRefreshes,
      ...(meta.pace === undefined ? {} : { pace: { ...meta.pace } }),
    },
    ...(meta.recalledRows === undefined ? {} : { recalledRows: meta.recalledRows }),
    ...(meta.recalledRejections === undefined ? {} : { recalledRejections: meta.recalledRejections }),
    ...(meta.recalledInPlace === undefined ? {} : { recalledInPlace: meta.recalledInPlace }),
    ...(meta.recalledUnparsed === undefined ? {} : { recalledUnparsed: meta.recalledUnparsed }),
    exitCode,
  };
  if (input.abortReason !== undefined) {
    summary.partial = true;
    summary.abortReason = redactSecrets(input.abortReason);
  }
  if (input.problems && input.problems.length > 0) summary.problems = [...input.problems];
  return summary;
}

/**
 * Writes a file so that readers see either the old or the whole new content: write a temporary
 * sibling, then rename over the target.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'w' });
  await rename(temporary, path);
}
