import type { Logger } from 'pino';
import type { CommandModule } from 'yargs';
import {
  reconcileContacts,
  ReconcileAbortedError,
  type ReconcileProgress,
  type ReconcileResult,
} from '../../reconcile/index.js';
import { runInHarness, type Harness } from '../harness.js';
import { logApiEvent } from '../log.js';
import type { CliContext } from '../main.js';
import { pipelineInput, pipelineOptions, type PipelineArgs } from '../options.js';
import { outputOptions, type OutputArgs } from '../output-options.js';
import { PLAIN_PROGRESS_INTERVAL_MS } from '../progress.js';
import { secretsOf } from '../run-import.js';

interface ReconcileArgs extends PipelineArgs, OutputArgs {
  source: string[];
  fix: boolean;
  json: boolean;
}

/** `sakari-sync reconcile <source...>`. */
export function reconcileCommand(context: CliContext): CommandModule<object, ReconcileArgs> {
  return {
    command: 'reconcile <source...>',
    describe:
      'compare a source with the contacts in Sakari: matched, missing, different, blocked (Sakari refuses it), opted_out, extra',
    builder: (y) =>
      outputOptions(pipelineOptions(y))
        .positional('source', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'files to compare',
        })
        .option('fix', {
          type: 'boolean',
          default: false,
          describe:
            'import the missing and different contacts afterwards (with --dry-run: only write fix.ndjson)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
        .example('$0 reconcile crm.csv --default-country GB', 'what differs between crm.csv and the account')
        .example(
          '$0 reconcile crm.csv --default-country GB --fix',
          'and send what is missing or different',
        ) as never,
    handler: async (args) => {
      context.exitCode = await runReconcileCommand(context, args);
    },
  };
}

/**
 * Runs a reconciliation for the CLI: SIGINT/SIGTERM stop it (partial report, exit 1), progress and
 * a summary go to stderr (text, or one JSON object per line with `--log-format json`; secrets
 * masked), and stdout gets the fix import's report path (if any) then the reconcile report path
 * last, or the result as JSON with `--json`.
 */
async function runReconcileCommand(context: CliContext, args: ReconcileArgs): Promise<number> {
  const { output } = context;
  const input = { ...pipelineInput(args), sources: args.source, command: 'reconcile', fix: args.fix };
  let json: Logger | undefined;
  const harness = {
    args,
    secrets: secretsOf(input),
    onSignal: (signal: NodeJS.Signals, { quiet, write }: Harness) => {
      if (json) json.warn({ event: 'run.signal', signal }, `${signal}: stopping`);
      else if (!quiet) write(`\n${signal}: stopping (again to force)\n`);
    },
  };
  return runInHarness(context, harness, async ({ signal, quiet, write, json: logger }) => {
    json = logger;
    const progress = json ? jsonProgress(() => json) : progressPrinter(context, quiet, write);
    let result: ReconcileResult;
    try {
      result = await reconcileContacts(input, {
        signal,
        onProgress: progress,
        onApiEvent: json ? (event) => json && logApiEvent(json, event) : undefined,
        onStart: (start) => {
          if (json) {
            json = json.child({ runId: start.runId });
            json.info(
              {
                event: 'run.start',
                command: 'reconcile',
                reportPath: start.reportPath,
                apiUrl: start.apiUrl,
              },
              'reconcile started',
            );
          } else if (!quiet && args.sandbox) write(`sandbox: ${start.apiUrl}\n`);
        },
      });
    } catch (error) {
      progress.done();
      if (error instanceof ReconcileAbortedError) {
        result = error.result;
        if (json) json.error({ event: 'run.abort', ...outcomeFields(result) }, error.message);
        else write(`sakari-sync: ${error.message}\n`);
      } else {
        // main.ts reports it (as a JSON line under --log-format json).
        throw error;
      }
    } finally {
      progress.done();
    }
    if (json) {
      json.info(
        { event: 'run.finish', ...outcomeFields(result) },
        `reconcile finished with exit code ${result.exitCode}`,
      );
    } else if (!quiet) {
      write(formatReconcileSummary(result));
    }
    if (args.json) {
      output.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      if (result.fix?.reportPath) output.stdout(`${result.fix.reportPath}\n`);
      output.stdout(`${result.reportPath}\n`);
    }
    return result.exitCode;
  });
}

/** What the last JSON line of a reconciliation says about it. */
function outcomeFields(result: ReconcileResult): Record<string, unknown> {
  return {
    reportPath: result.reportPath,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    partial: result.partial ?? false,
    counts: result.counts,
    fields: result.fields,
    api: result.api,
    fix: result.fix,
    warnings: result.warnings,
    problems: result.problems,
  };
}

/** Progress as a JSON line every 10 s and at each phase change. */
function jsonProgress(logger: () => Logger | undefined): ((p: ReconcileProgress) => void) & { done(): void } {
  let last = Date.now();
  let phase: ReconcileProgress['phase'] | undefined;
  const print = (p: ReconcileProgress): void => {
    if (p.phase === phase && Date.now() - last < PLAIN_PROGRESS_INTERVAL_MS) return;
    last = Date.now();
    phase = p.phase;
    const { runId: _runId, ...rest } = p;
    logger()?.info({ event: 'progress', ...rest }, `progress: ${p.phase}`);
  };
  return Object.assign(print, { done: () => undefined });
}

/** A short human summary of a reconciliation, for stderr. */
export function formatReconcileSummary(result: ReconcileResult): string {
  const c = result.counts;
  const lines = [
    `${result.runId}: ${c.source} source rows against ${c.remote} contacts in Sakari (${(result.durationMs / 1000).toFixed(1)} s)`,
    // blocked: not in Sakari because Sakari refuses the number, as the state records (in sync).
    // opted_out: in Sakari, but the source blocks the row (its warning below says what to do).
    `  matched ${c.matched}, missing ${c.missing}, different ${c.different}, blocked ${c.blocked}, extra ${c.extra}, opted_out ${c.optedOut}`,
    `  not compared: invalid ${c.invalid}, duplicate ${c.duplicate}`,
  ];
  if (c.blocked > 0) {
    lines.push(
      `  blocked: ${c.blocked} ${c.blocked === 1 ? 'number' : 'numbers'} Sakari refuses (CONT-010: opted out at Sakari), as the state records: not sent, not missing`,
    );
  }
  const fields = Object.entries(result.fields)
    .filter(([, count]) => count > 0)
    .map(([field, count]) => `${field} ${count}`);
  if (fields.length > 0) lines.push(`  different fields: ${fields.join(', ')}`);
  lines.push(
    `  api: ${result.api.requests} requests, ${result.api.throttled} throttled (429), ${result.api.retries} retries`,
  );
  const { fix } = result;
  if (fix) {
    if (fix.contacts === 0) lines.push('  fix: nothing to send');
    else if (fix.dryRun)
      lines.push(`  fix (dry run): ${fix.contacts} contacts written to ${fix.file}, not sent`);
    else if (fix.counts) {
      lines.push(
        `  fix: ${fix.contacts} contacts sent again: created ${fix.counts.created}, updated ${fix.counts.updated}, blocked ${fix.counts.blocked}, failed ${fix.counts.failed} (exit ${fix.exitCode ?? '?'})`,
      );
    }
    if (fix.error) lines.push(`  fix: ${fix.error}`);
  }
  for (const warning of result.warnings ?? []) lines.push(`  warning: ${warning}`);
  for (const problem of result.problems ?? []) lines.push(`  problem (bug): ${problem}`);
  if (result.partial)
    lines.push(`  aborted${result.abortReason ? `: ${result.abortReason}` : ''}; the counts are partial`);
  return `${lines.join('\n')}\n`;
}

/** Progress on stderr: a rewritten line on a terminal, a plain line every 10 s otherwise. */
function progressPrinter(
  context: CliContext,
  quiet: boolean,
  write: (text: string) => void,
): ((p: ReconcileProgress) => void) & { done(): void } {
  const { output } = context;
  let lastPlain = Date.now();
  let drawn = false;
  const print = (p: ReconcileProgress): void => {
    if (quiet) return;
    const c = p.counts;
    const line =
      p.phase === 'remote'
        ? `listing Sakari: ${p.remoteListed} contacts, ${p.api.requests} requests, ${p.api.throttled} throttled`
        : p.phase === 'source'
          ? `comparing: ${c.source} source rows, ${c.matched} matched, ${c.missing} missing, ${c.different} different`
          : `fixing: importing ${c.missing + c.different} contacts`;
    if (output.isTTY) {
      write(`\r\x1b[2K${line}`);
      drawn = true;
    } else if (p.phase === 'fix' || Date.now() - lastPlain >= PLAIN_PROGRESS_INTERVAL_MS) {
      lastPlain = Date.now();
      write(`progress: ${line}\n`);
    }
  };
  return Object.assign(print, {
    done: () => {
      if (drawn) write('\r\x1b[2K');
      drawn = false;
    },
  });
}
