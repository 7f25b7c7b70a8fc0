/**
 * Starting the real `sakari-sync` CLI as a child process, the way a user or cron would, and
 * collecting what it printed and how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two folders up from `src/chaos` and from `dist/chaos` alike. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The CLI entry point users run (it loads the compiled `dist/`). */
export const CLI_BIN = path.join(PACKAGE_ROOT, 'bin', 'sakari-sync.js');

/**
 * A CLI run that has not answered in this long is stuck: it is killed and reported as such. Far
 * above the slowest scenario (a full 6-attempt backoff sequence waits at most 31 s).
 */
export const DEFAULT_CLI_DEADLINE_MS = 180_000;

/** How one CLI run ended. */
export interface CliOutcome {
  /** The exit code; `null` when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether {@link DEFAULT_CLI_DEADLINE_MS} (or the given deadline) ran out and the run was killed. */
  timedOut: boolean;
  durationMs: number;
}

/** A CLI run in progress. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Settles when the process has exited and its output is closed. Never rejects. */
  readonly done: Promise<CliOutcome>;
  /** Sends SIGKILL (no clean-up at all in the child), unless it has already exited. */
  kill(): void;
}

/** The environment without any `SAKARI_*` variable of the machine running the suite, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SAKARI_')) env[key] = value;
  return { ...env, ...extra };
}

/**
 * Starts `node bin/sakari-sync.js ...args` with no TTY and no standard input.
 *
 * @param options.env - the complete environment (see {@link cliEnv})
 * @param options.deadlineMs - killed with SIGKILL after this long
 */
export function startCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; deadlineMs?: number } = {},
): CliProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: options.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.deadlineMs ?? DEFAULT_CLI_DEADLINE_MS);
  const done = new Promise<CliOutcome>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    };
    child.on('error', (error) => {
      stderr += `\n[chaos] could not start the CLI: ${error.message}\n`;
      finish(null, null);
    });
    child.on('close', finish);
  });
  return { child, done, kill };
}

/** The report folder a run printed last on stdout ('' when it printed none). */
export function reportPathOf(outcome: CliOutcome): string {
  const lines = outcome.stdout.trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}

/** `0`, `1`, …, or the signal's name for a run a signal ended. */
export function describeExit(outcome: CliOutcome): string {
  if (outcome.timedOut) return 'hung';
  if (outcome.code !== null) return String(outcome.code);
  return outcome.signal ?? '?';
}
