/**
 * What an import tells the person (or the log collector) watching it, on stderr.
 *
 * - `text` (default): the pre-flight, a progress bar on a terminal or a plain line every 10 s in a
 *   log, and a short summary at the end.
 * - `json`: every stderr line is one JSON object (pino), with an `event` field: `run.start`,
 *   `preflight`, `preflight.warning`, `progress` (every 10 s), `api.throttled`, `api.retry`,
 *   `token.refresh`, `run.signal`, `run.abort`, `run.error`, `run.finish`. No bar, no free text.
 *
 * Secrets never reach stderr: pino `redact` censors secret-named fields, and a last guard on every
 * line masks the client secret's value and any `Bearer …` token wherever they appear.
 */
import pino, { type Logger } from 'pino';
import type { ImportResult, RunProgress, RunStart } from '../pipeline/run.js';
import type { PreflightInfo } from '../pipeline/preflight.js';
import { redactSecrets } from '../report/index.js';
import type { ClientEvent } from '../sakari/events.js';
import { formatSummary } from './output.js';
import { formatPreflight, formatPreflightWarnings } from './preflight.js';
import { createProgressRenderer, PLAIN_PROGRESS_INTERVAL_MS } from './progress.js';

/** The `--log-format` values. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Fields censored by name wherever pino finds them (top level or one level down). */
export const REDACT_PATHS: readonly string[] = [
  'clientSecret',
  'client_secret',
  'accessToken',
  'access_token',
  'token',
  'authorization',
  'password',
  'headers.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.authorization',
  '*.password',
  '*.headers.authorization',
];

const CENSOR = '[redacted]';
/**
 * Shorter values are not masked by value: masking a 3-letter "secret" everywhere would garble the
 * logs; a real client secret is much longer. Secret-named fields and Bearer tokens are still caught.
 */
const MIN_MASKED_SECRET_LENGTH = 4;

/**
 * A function that removes secrets from text: every occurrence of the given values (also as they
 * appear inside a JSON string), `Bearer …`/`Basic …` tokens and `secret=…`-style pairs.
 */
export function secretGuard(secrets: Iterable<string | undefined>): (text: string) => string {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_MASKED_SECRET_LENGTH) continue;
    values.add(secret);
    values.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...values].sort((a, b) => b.length - a.length);
  return (text) => {
    let guarded = text;
    for (const value of ordered) if (guarded.includes(value)) guarded = guarded.split(value).join(CENSOR);
    return redactSecrets(guarded);
  };
}

/**
 * A pino logger writing one JSON line per call through `write` (stderr), with secret-named fields
 * censored. `quiet` keeps warnings and errors only.
 */
export function createJsonLogger(write: (line: string) => void, options: { quiet: boolean }): Logger {
  return pino(
    {
      level: options.quiet ? 'warn' : 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    },
    { write },
  );
}

/** Receives what happens during an import; one implementation per `--log-format`. */
export interface RunLog {
  start(start: RunStart, options: { sandbox: boolean }): void;
  preflight(info: PreflightInfo): void;
  progress(progress: RunProgress): void;
  apiEvent(event: ClientEvent): void;
  /** A warning from before the run (e.g. a job file's). */
  warning(message: string): void;
  signal(signal: NodeJS.Signals, message: string): void;
  /** The run stopped part-way; its (partial) report is written. */
  aborted(message: string, result: ImportResult): void;
  /** The run could not start or failed outright (config, source); `exitCode` is what the CLI returns. */
  failed(message: string, exitCode: number): void;
  finish(result: ImportResult): void;
  /** Removes the progress bar; call before writing anything else to stderr. */
  close(): void;
}

/** Options of {@link createRunLog}. */
export interface RunLogOptions {
  format: LogFormat;
  quiet: boolean;
  /** Writes to stderr (already guarded against secrets). */
  write: (text: string) => void;
  isTTY: boolean;
  columns?: number;
  /** @default PLAIN_PROGRESS_INTERVAL_MS */
  progressIntervalMs?: number;
}

/** The run log for the chosen format. */
export function createRunLog(options: RunLogOptions): RunLog {
  return options.format === 'json' ? jsonRunLog(options) : textRunLog(options);
}

function textRunLog(options: RunLogOptions): RunLog {
  const { quiet } = options;
  const progress = createProgressRenderer({
    write: options.write,
    isTTY: options.isTTY,
    columns: options.columns,
    intervalMs: options.progressIntervalMs,
  });
  const say = (text: string): void => progress.print(text);
  return {
    start(start, { sandbox }) {
      if (quiet) return;
      if (start.resumedFrom) say(`resuming interrupted run ${start.resumedFrom}\n`);
      if (start.apiUrl && sandbox) say(`sandbox: ${start.apiUrl}\n`);
    },
    preflight(info) {
      if (info.complete) progress.setTotal(info.rowsRead);
      // --quiet drops the chatter, not what looks wrong.
      say(quiet ? formatPreflightWarnings(info) : formatPreflight(info));
    },
    progress(p) {
      if (!quiet) progress.update(p);
    },
    apiEvent() {
      // The progress line carries the 429 and retry counts; one line per event would drown it.
    },
    warning(message) {
      say(`warning: ${message}\n`);
    },
    signal(_signal, message) {
      if (!quiet) say(`\n${message}\n`);
    },
    aborted(message) {
      progress.done();
      options.write(`sakari-sync: ${message}\n`);
    },
    failed() {
      // main.ts prints the message of an error thrown in text mode.
    },
    finish(result) {
      progress.done();
      if (!quiet) options.write(formatSummary(result));
    },
    close() {
      progress.done();
    },
  };
}

function jsonRunLog(options: RunLogOptions): RunLog {
  const interval = options.progressIntervalMs ?? PLAIN_PROGRESS_INTERVAL_MS;
  let log = createJsonLogger(options.write, { quiet: options.quiet });
  let lastProgress = Date.now();
  return {
    start(start) {
      log = log.child({ runId: start.runId });
      log.info(
        {
          event: 'run.start',
          reportPath: start.reportPath,
          resumedFrom: start.resumedFrom,
          apiUrl: start.apiUrl,
          settings: start.settings,
        },
        start.resumedFrom ? `resuming interrupted run ${start.resumedFrom}` : 'run started',
      );
    },
    preflight(info) {
      const { runId: _runId, ...rest } = info;
      log.info({ event: 'preflight', ...rest }, 'pre-flight');
      for (const { message, ...warning } of info.warnings) {
        log.warn({ event: 'preflight.warning', ...warning }, message);
      }
    },
    progress(p) {
      if (Date.now() - lastProgress < interval) return;
      lastProgress = Date.now();
      const { runId: _runId, ...rest } = p;
      const rowsPerSecond = p.elapsedMs > 0 ? Math.round((p.rowsDone * 1000) / p.elapsedMs) : 0;
      log.info({ event: 'progress', ...rest, rowsPerSecond }, 'progress');
    },
    apiEvent(event) {
      logApiEvent(log, event);
    },
    warning(message) {
      log.warn({ event: 'warning' }, message);
    },
    signal(signal, message) {
      log.warn({ event: 'run.signal', signal }, message);
    },
    aborted(message, result) {
      log.error(
        {
          event: 'run.abort',
          reportPath: result.reportPath,
          exitCode: result.exitCode,
          counts: result.counts,
          api: result.api,
        },
        message,
      );
    },
    failed(message, exitCode) {
      log.error({ event: 'run.error', exitCode }, message);
    },
    finish(result) {
      log.info(
        {
          event: 'run.finish',
          reportPath: result.reportPath,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          dryRun: result.dryRun,
          partial: result.partial ?? false,
          counts: result.counts,
          api: result.api,
        },
        `run finished with exit code ${result.exitCode}`,
      );
    },
    close() {
      // Nothing drawn: every line was written whole.
    },
  };
}

/** One API event (429, retry, token refresh; requests at debug level) as a JSON log line. */
export function logApiEvent(log: Logger, event: ClientEvent): void {
  switch (event.type) {
    case 'throttled':
      log.info(
        {
          event: 'api.throttled',
          method: event.method,
          path: event.path,
          retryAfterMs: event.retryAfterMs,
        },
        '429 from Sakari',
      );
      break;
    case 'retry':
      log.warn(
        {
          event: 'api.retry',
          method: event.method,
          path: event.path,
          attempt: event.attempt,
          reason: event.reason,
          delayMs: event.delayMs,
        },
        `retrying (${event.reason})`,
      );
      break;
    case 'token-refresh':
      log.info({ event: 'token.refresh' }, 'access token refreshed');
      break;
    case 'request':
      log.debug({ event: 'api.request', ...event }, 'request');
      break;
  }
}
