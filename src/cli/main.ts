/**
 * The `sakari-sync` command line: a thin layer over the library. Each command is one module in
 * ./commands; this file wires them into yargs and turns failures into CONTRACT §6 exit codes.
 */
import yargs, { type Argv } from 'yargs';
import { importCommand } from './commands/import.js';
import { runCommand } from './commands/run.js';
import { reconcileCommand } from './commands/reconcile.js';
import { sandboxCommand } from './commands/sandbox.js';
import { watchCommand } from './commands/watch.js';
import { EXIT, UsageError, exitCodeForError } from './errors.js';
import { createJsonLogger } from './log.js';
import { rejectRepeatedFlags, type DeclaredFlags } from './options.js';
import { processOutput, type Output } from './output.js';

/** Shared by the command modules: where to write, and the exit code they settle on. */
export interface CliContext {
  output: Output;
  exitCode: number;
}

/** Runs the CLI with the given arguments (without `node` and the script) and resolves to the exit code. */
export async function main(argv: string[], output: Output = processOutput()): Promise<number> {
  const context: CliContext = { output, exitCode: EXIT.ok };
  const parser: Argv = yargs(protectStdinArgs(argv))
    .scriptName('sakari-sync')
    .middleware(restoreStdinArgs, true)
    .usage('$0 <command> [options]\n\nMove contact lists into Sakari and keep them in sync.')
    .command(importCommand(context))
    .command(runCommand(context))
    .command(watchCommand(context))
    .command(reconcileCommand(context))
    .command(sandboxCommand(context))
    .demandCommand(1, 'name a command: import, run, watch, reconcile, sandbox (see --help)')
    .recommendCommands()
    .strict()
    // yargs passes a check its parsed flag declarations; @types/yargs types them as aliases only.
    .check((args, declared) => rejectRepeatedFlags(args, declared as unknown as DeclaredFlags, argv), true)
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .epilogue(
      'Exit codes: 0 all delivered · 1 aborted (resumable) · 2 usage/config error · 3 rows failed · 4 locked.\n' +
        'Credentials: --account/--client-id/--client-secret or SAKARI_ACCOUNT_ID, SAKARI_CLIENT_ID, SAKARI_CLIENT_SECRET.',
    )
    .fail((message, error) => {
      // yargs's own errors (YError) are usage errors too; a command's own error goes through as is.
      throw error && error.name !== 'YError' ? error : new UsageError(message ?? error?.message);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    const { code, message } = exitCodeForError(error);
    if (wantsJsonLog(argv)) {
      // A bad job file or flag under --log-format json is still one JSON object on stderr.
      createJsonLogger(output.stderr, { quiet: false }).error(
        { event: 'run.error', exitCode: code },
        message,
      );
      return code;
    }
    output.stderr(`sakari-sync: ${message}\n`);
    if (error instanceof UsageError) output.stderr('Run sakari-sync --help for usage.\n');
    return code;
  }
  return context.exitCode;
}

/**
 * yargs drops a lone `-` (the stdin source, CONTRACT §3) from positionals and option values
 * (yargs/yargs-parser#381, open). It travels through the parser as this token instead.
 */
const STDIN_TOKEN = '\u0000stdin';

/** `-` → {@link STDIN_TOKEN}, up to a `--` (after which yargs keeps arguments as they are). */
function protectStdinArgs(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, i) => (arg === '-' && (end === -1 || i < end) ? STDIN_TOKEN : arg));
}

/** {@link STDIN_TOKEN} → `-` in every parsed value, before any command sees it. */
function restoreStdinArgs(args: Record<string, unknown>): void {
  const restore = (value: unknown): unknown =>
    value === STDIN_TOKEN ? '-' : Array.isArray(value) ? value.map(restore) : value;
  for (const [key, value] of Object.entries(args)) args[key] = restore(value);
}

/** Whether the command line asks for JSON logs (read from argv: parsing may be what failed). */
function wantsJsonLog(argv: readonly string[]): boolean {
  return argv.some(
    (arg, i) => arg === '--log-format=json' || (arg === '--log-format' && argv[i + 1] === 'json'),
  );
}
