import type { ImportResult } from '../pipeline/run.js';

/** Where the CLI writes: stdout carries only what scripts consume, stderr what people read. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars, colours). */
  isTTY: boolean;
  quiet: boolean;
}

export function processOutput(quiet = false): Output {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    quiet,
  };
}

/** A short human summary of a run, for stderr. */
export function formatSummary(result: ImportResult): string {
  const c = result.counts;
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(c.rows / seconds) : c.rows;
  const lines = [
    `${result.dryRun ? 'dry run ' : ''}${result.runId}: ${c.rows} rows in ${seconds.toFixed(1)} s (${rate} rows/s)`,
    `  valid ${c.valid}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, blocked ${c.blocked}, failed ${c.failed}`,
    `  invalid ${c.invalid}, duplicate ${c.duplicate}`,
    `  api: ${result.api.requests} requests, ${result.api.throttled} throttled (429), ${result.api.retries} retries, ${result.api.tokenRefreshes} token refreshes`,
  ];
  const pace = result.api.pace;
  if (pace) {
    lines.push(
      pace.fixed
        ? `  pace: fixed at ${pace.ceiling}/s (--fixed-rate)`
        : `  pace: started at ${pace.start}/s, settled on ${pace.settled}/s after ${pace.throttled} × 429 (ceiling --rate ${pace.ceiling}/s); the next run starts at ${pace.next}/s`,
    );
  }
  if (result.partial) {
    // Only an interrupted run (exit 1) resumes; bad credentials or an unreadable source (exit 2) do not.
    const resumable = result.exitCode === 1;
    const advice = resumable ? '; run the same command again to resume' : '';
    const stopped = resumable ? 'run aborted' : 'run stopped';
    lines.push(`  ${stopped}${result.abortReason ? `: ${result.abortReason}` : ''}${advice}`);
  }
  return `${lines.join('\n')}\n`;
}
