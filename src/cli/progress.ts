/**
 * Progress of an import on stderr. On a terminal: one line redrawn in place (`\r` + erase line),
 * cut to the terminal's width so it never wraps. Elsewhere (cron, CI, a pipe): a plain line every
 * {@link PLAIN_PROGRESS_INTERVAL_MS}, without a single control character, so logs stay greppable.
 *
 * A 40-line renderer rather than `cli-progress`: we need one line, not multi-bars or themes, and
 * owning it lets every other stderr line go through {@link ProgressRenderer.print} without a
 * half-drawn bar mixed into it.
 */
import type { RunProgress } from '../pipeline/run.js';

/** On a log file, a line this often: a long run stays visible in cron logs without flooding them. */
export const PLAIN_PROGRESS_INTERVAL_MS = 10_000;
/** The rate (and so the ETA) is measured over this much recent time, so it follows slowdowns (429s). */
export const RATE_WINDOW_MS = 15_000;
/** Width of the `[####----]` bar, drawn only when the total is known. */
const BAR_WIDTH = 24;
/** Used when the terminal does not say how wide it is. */
const DEFAULT_COLUMNS = 80;

/** ANSI: carriage return and erase the whole line. */
const CLEAR_LINE = '\r\x1b[2K';

/** Where and how progress is drawn. */
export interface ProgressOptions {
  write: (text: string) => void;
  /** A terminal gets the redrawn line; anything else plain lines every `intervalMs`. */
  isTTY: boolean;
  /** Terminal width; the line is cut to it. */
  columns?: number;
  /** @default PLAIN_PROGRESS_INTERVAL_MS */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Draws run progress and lets other stderr text through without tearing the bar. */
export interface ProgressRenderer {
  /** A new progress sample (about once a second from the pipeline). */
  update(progress: RunProgress): void;
  /** The number of rows the run has in total, once known: enables the bar and the ETA. */
  setTotal(total: number): void;
  /** Writes text (whole lines) to stderr, clearing and then redrawing the bar around it. */
  print(text: string): void;
  /** Removes the bar (the run is over). */
  done(): void;
}

/** One progress line, without control characters: `1,200/5,000 rows · 300 sent · …`. */
export function formatProgressLine(
  progress: RunProgress,
  rowsPerSecond: number,
  total: number | undefined,
): string {
  const c = progress.counts;
  // Most telling first: a narrow terminal cuts the end of the line.
  const parts = [
    total === undefined
      ? `${number(progress.rowsRead)} read, ${number(progress.rowsDone)} done`
      : `${number(progress.rowsDone)}/${number(total)} rows`,
    `${number(c.created + c.updated)} sent`,
    `${number(Math.round(rowsPerSecond))} rows/s`,
  ];
  if (total !== undefined && rowsPerSecond > 0 && progress.rowsDone < total) {
    parts.push(`ETA ${formatEta((total - progress.rowsDone) / rowsPerSecond)}`);
  }
  parts.push(`${number(progress.api.throttled)} throttled`);
  if (progress.api.retries > 0) parts.push(`${number(progress.api.retries)} retries`);
  if (c.failed > 0) parts.push(`${number(c.failed)} failed`);
  if (c.invalid + c.duplicate > 0) parts.push(`${number(c.invalid + c.duplicate)} rejected`);
  return parts.join(' · ');
}

/** Creates the renderer for a TTY or for a log. */
export function createProgressRenderer(options: ProgressOptions): ProgressRenderer {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? PLAIN_PROGRESS_INTERVAL_MS;
  const samples: Array<{ at: number; done: number }> = [];
  let total: number | undefined;
  let lastPlain = now();
  let drawn = '';

  const rate = (progress: RunProgress): number => {
    const at = now();
    samples.push({ at, done: progress.rowsDone });
    while (samples.length > 2 && (samples[0]?.at ?? at) < at - RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (first && at > first.at) return ((progress.rowsDone - first.done) * 1000) / (at - first.at);
    return progress.elapsedMs > 0 ? (progress.rowsDone * 1000) / progress.elapsedMs : 0;
  };

  const draw = (line: string): void => {
    drawn = fit(line, options.columns ?? DEFAULT_COLUMNS);
    options.write(`${CLEAR_LINE}${drawn}`);
  };

  return {
    update(progress) {
      const line = formatProgressLine(progress, rate(progress), total);
      if (options.isTTY) {
        if (total === undefined) draw(line);
        else {
          // The counts matter more than the bar: a narrow terminal gets the percentage alone.
          const fraction = progress.rowsDone / Math.max(1, total);
          const withBar = `${drawBar(fraction)} ${percent(fraction)} ${line}`;
          draw(
            withBar.length < (options.columns ?? DEFAULT_COLUMNS) ? withBar : `${percent(fraction)} ${line}`,
          );
        }
      } else if (now() - lastPlain >= interval) {
        lastPlain = now();
        options.write(`progress: ${line}\n`);
      }
    },
    setTotal(value) {
      total = value;
    },
    print(text) {
      if (!options.isTTY || drawn === '') {
        options.write(text);
        return;
      }
      options.write(`${CLEAR_LINE}${text}`);
      options.write(drawn);
    },
    done() {
      if (drawn !== '') options.write(CLEAR_LINE);
      drawn = '';
    },
  };
}

/** `[##########--------------]` */
function drawBar(fraction: number): string {
  const filled = Math.round(clamp(fraction) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/** ` 42%` */
function percent(fraction: number): string {
  return `${String(Math.floor(clamp(fraction) * 100)).padStart(3)}%`;
}

function clamp(fraction: number): number {
  return Math.min(1, Math.max(0, fraction));
}

/** Cuts a line to one column less than the terminal, so the cursor never wraps to a new line. */
function fit(line: string, columns: number): string {
  const max = Math.max(10, columns - 1);
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** `45s`, `3m 05s`, `1h 02m`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function number(value: number): string {
  return value.toLocaleString('en-US');
}
