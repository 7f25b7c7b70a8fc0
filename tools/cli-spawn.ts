/**
 * Starting the real `sakari-sync` CLI as a child process, the way a user or cron would, and
 * collecting what it printed and how it ended: the one place the chaos suite and the tests spawn
 * the CLI from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder up with a `package.json`, from `tools/` (sources, run by
 * vitest) and from `dist-tools/tools/` (compiled, run by `npm run chaos`) alike.
 */
export const PACKAGE_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The CLI entry point users run (it loads the compiled `dist/`). */
export const CLI_BIN = path.join(PACKAGE_ROOT, 'bin', 'sakari-sync.js');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * A CLI run that has not answered in this long is stuck: it is killed and reported as such. Far
 * above the slowest scenario (a full 6-attempt backoff sequence waits at most 31 s).
 */
export const DEFAULT_CLI_DEADLINE_MS = 180_000;
/** {@link runCli}'s deadline: a test's CLI run is quick unless the test says otherwise. */
const RUN_CLI_DEADLINE_MS = 60_000;

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

/** What a test needs of a finished run (a {@link CliOutcome} is one). */
export type CliRun = Pick<CliOutcome, 'code' | 'signal' | 'stdout' | 'stderr'>;

/** The environment without any `SAKARI_*` variable of the machine running the suite, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SAKARI_')) env[key] = value;
  return { ...env, ...extra };
}

/**
 * Starts `node bin/sakari-sync.js ...args` with no TTY and no standard input (or `input` on a pipe).
 *
 * @param options.env - the complete environment (see {@link cliEnv})
 * @param options.deadlineMs - killed with SIGKILL after this long
 * @param options.input - written to the CLI's standard input, which is then closed
 */
export function startCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; deadlineMs?: number; input?: string | Buffer } = {},
): CliProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: options.env ?? cliEnv(),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
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
      stderr += `\n[cli-spawn] could not start the CLI: ${error.message}\n`;
      finish(null, null);
    });
    child.on('close', finish);
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  return { child, done, kill };
}

/**
 * Runs the built CLI as a user would, without a TTY, to the end: the machine's `SAKARI_*`
 * variables removed, `options.env` added, standard input an empty pipe unless `input` is given.
 * @param options.timeoutMs - killed with SIGKILL after this long (default 60 s)
 */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CliOutcome> {
  const { done } = startCli(args, {
    cwd: options.cwd,
    env: { ...cliEnv(), ...options.env },
    input: options.input ?? '',
    deadlineMs: options.timeoutMs ?? RUN_CLI_DEADLINE_MS,
  });
  return done;
}

/** The report folder a run printed last on stdout ('' when it printed none). */
export function reportPathOf(outcome: Pick<CliOutcome, 'stdout'>): string {
  const lines = outcome.stdout.trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}

/** `0`, `1`, …, or the signal's name for a run a signal ended. */
export function describeExit(outcome: CliOutcome): string {
  if (outcome.timedOut) return 'hung';
  if (outcome.code !== null) return String(outcome.code);
  return outcome.signal ?? '?';
}
