/** The chaos table: one markdown row per scenario, plus the kill test. */
import type { ScenarioResult } from './harness.js';
import type { KillSummary } from './kill.js';

const HEADER = [
  'scenario',
  'contacts (valid)',
  'faults injected',
  '429s',
  'lost',
  'duplicated writes',
  'max writes/contact',
  'Retry-After violations',
  'exit code',
  'time',
  'result',
];

/** A markdown table of the results (and of the kill test, when it ran). */
export function chaosTable(results: readonly ScenarioResult[], kill?: KillSummary): string {
  const rows = results.map((r) => [
    r.name,
    `${r.rows} (${r.valid})`,
    String(r.faults),
    String(r.throttled),
    String(r.lost),
    String(r.duplicatedWrites),
    String(r.maxWrites),
    String(r.violations),
    r.exits.join(' → '),
    seconds(r.durationMs),
    r.problems.length === 0 ? 'pass' : 'FAIL',
  ]);
  if (kill) {
    const finals = new Set(kill.runs.map((run) => run.exits[run.exits.length - 1] ?? '?'));
    rows.push([
      `kill -9 and restart ×${kill.runs.length}`,
      `${kill.rows} (${kill.valid})`,
      `${kill.kills} kills`,
      '0',
      String(kill.lost),
      String(kill.duplicatedWrites),
      String(kill.maxWrites),
      String(kill.violations),
      `SIGKILL → ${[...finals].join('/')}`,
      seconds(kill.durationMs),
      kill.problems.length === 0 ? 'pass' : 'FAIL',
    ]);
  }
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
