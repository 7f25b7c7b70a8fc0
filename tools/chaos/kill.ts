/**
 * The kill test: an import SIGKILLed at a seeded random moment (by requests seen at the sandbox,
 * or by time, which may fall before the first request), once or twice, then run again until it
 * exits 0. Nothing may be lost, and only the batches in flight at a kill may be written again
 * (CONTRACT §8).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { seededRandom } from '../../src/sandbox/prng.js';
import { checkInvariants, type Counts } from '../../src/report/counts.js';
import { cliEnv, describeExit, reportPathOf, startCli, type CliOutcome } from '../cli-spawn.js';
import { CHAOS_ACCOUNT, contentOf, differenceOf, type ReferenceCache } from './reference.js';
import { SandboxStack } from './sandbox-stack.js';
import { CHAOS_CLIENT_ID, importArgs } from './harness.js';
import { findSecrets } from './secrets.js';

/** Defaults of the kill test: `--kills` overrides the number of runs. */
export const KILL_DEFAULTS = {
  runs: 20,
  seed: 4242,
  contacts: 300,
  /** Small batches, so a kill usually lands with batches in flight. */
  batchSize: 10,
  concurrency: 2,
  rate: 40,
} as const;

/** Share of kills timed by the clock rather than by requests: they may land before any request. */
const TIMED_KILL_SHARE = 0.2;
/** Timed kills land this long after the start, at most (start-up included). */
const TIMED_KILL_MAX_MS = 900;
/** A run that still fails after this many uninterrupted attempts is reported, not retried forever. */
const MAX_FINAL_ATTEMPTS = 3;
const POLL_MS = 5;

/** What one seeded kill run came to. */
export interface KillRunResult {
  run: number;
  /** Where each kill landed, e.g. `after 7 requests`, `at 310 ms`. */
  kills: string[];
  /** Exit of every attempt: `SIGKILL` for the killed ones. */
  exits: string[];
  lost: number;
  duplicatedWrites: number;
  maxWrites: number;
  /** Contacts written more than once. */
  writtenTwice: number;
  violations: number;
  problems: string[];
}

/** The kill test as a whole. */
export interface KillSummary {
  rows: number;
  valid: number;
  runs: KillRunResult[];
  kills: number;
  lost: number;
  duplicatedWrites: number;
  maxWrites: number;
  writtenTwice: number;
  violations: number;
  durationMs: number;
  problems: string[];
}

export interface KillTestOptions {
  references: ReferenceCache;
  runs?: number;
  seed?: number;
  contacts?: number;
  log?: (line: string) => void;
}

/** Runs the kill test; never throws for a failed check (see `problems`). */
export async function runKillTest(options: KillTestOptions): Promise<KillSummary> {
  const started = Date.now();
  const runs = options.runs ?? KILL_DEFAULTS.runs;
  const seed = options.seed ?? KILL_DEFAULTS.seed;
  const contacts = options.contacts ?? KILL_DEFAULTS.contacts;
  const reference = await options.references.get(contacts, seed);
  const results: KillRunResult[] = [];
  for (let run = 0; run < runs; run++) {
    options.log?.(`  kill run ${run + 1}/${runs}`);
    results.push(await killRun(run, seed, reference, options));
  }
  const sum = (pick: (r: KillRunResult) => number): number => results.reduce((t, r) => t + pick(r), 0);
  return {
    rows: reference.rows,
    valid: reference.contacts.size,
    runs: results,
    kills: sum((r) => r.kills.length),
    lost: sum((r) => r.lost),
    duplicatedWrites: sum((r) => r.duplicatedWrites),
    maxWrites: Math.max(0, ...results.map((r) => r.maxWrites)),
    writtenTwice: sum((r) => r.writtenTwice),
    violations: sum((r) => r.violations),
    durationMs: Date.now() - started,
    problems: results.flatMap((r) => r.problems.map((p) => `run ${r.run + 1}: ${p}`)),
  };
}

async function killRun(
  run: number,
  seed: number,
  reference: Awaited<ReturnType<ReferenceCache['get']>>,
  options: KillTestOptions,
): Promise<KillRunResult> {
  const random = seededRandom(seed + run * 7919);
  const dir = await mkdtemp(path.join(os.tmpdir(), `sakari-chaos-kill-${run}-`));
  const secret = `chaos-secret-${randomBytes(16).toString('hex')}`;
  const stack = await SandboxStack.start(
    { seed: seed + run, clientId: CHAOS_CLIENT_ID, clientSecret: secret, latencyMs: 5 },
    CHAOS_ACCOUNT,
  );
  const problems: string[] = [];
  const kills: string[] = [];
  const outcomes: CliOutcome[] = [];
  try {
    const args = importArgs(reference.source, stack.url, dir, KILL_DEFAULTS);
    const env = cliEnv({ SAKARI_CLIENT_SECRET: secret });
    const batches = Math.ceil(reference.contacts.size / KILL_DEFAULTS.batchSize);
    const plannedKills = random() < 0.5 ? 1 : 2;
    let finished = false;

    for (let k = 0; k < plannedKills && !finished; k++) {
      const timed = random() < TIMED_KILL_SHARE;
      const atMs = Math.floor(random() * TIMED_KILL_MAX_MS);
      const afterRequests = 1 + Math.floor(random() * batches);
      const base = stack.stats().apiRequests;
      const cli = startCli(args, { env });
      const spawned = Date.now();
      let exited = false;
      void cli.done.then(() => (exited = true));
      while (!exited) {
        const due = timed ? Date.now() - spawned >= atMs : stack.stats().apiRequests - base >= afterRequests;
        if (due) {
          cli.kill();
          kills.push(timed ? `at ${atMs} ms` : `after ${afterRequests} requests`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const outcome = await cli.done;
      outcomes.push(outcome);
      // It may have finished before the kill point came.
      if (outcome.code === 0) finished = true;
      else if (outcome.signal !== 'SIGKILL')
        problems.push(`attempt ${outcomes.length} exited ${describeExit(outcome)}`);
    }
    for (let attempt = 0; !finished && attempt < MAX_FINAL_ATTEMPTS; attempt++) {
      const outcome = await startCli(args, { env }).done;
      outcomes.push(outcome);
      if (outcome.code === 0) finished = true;
      else
        problems.push(
          `uninterrupted attempt exited ${describeExit(outcome)}: ${outcome.stderr.trim().split('\n').at(-1)}`,
        );
    }
    if (!finished) problems.push('never completed');

    const stats = stack.stats();
    const stored = new Map(stack.contacts().map((c) => [c.mobile.number, contentOf(c)]));
    const lost = [...reference.contacts.keys()].filter((m) => !stored.has(m));
    if (lost.length > 0) problems.push(`${lost.length} contacts lost, e.g. ${lost.slice(0, 3).join(', ')}`);
    for (const [mobile, content] of stored) {
      const want = reference.contacts.get(mobile);
      if (want === undefined) problems.push(`${mobile} stored but not a valid row of the source`);
      else {
        const difference = differenceOf(want, content);
        if (difference !== undefined) problems.push(`wrong content: ${difference}`);
      }
    }
    const writes = [...stats.writesPerMobile.values()];
    const duplicatedWrites = writes.reduce((a, b) => a + b, 0) - stored.size;
    const maxWrites = writes.length === 0 ? 0 : Math.max(...writes);
    // CONTRACT §8: at most the batches in flight at each kill are sent again.
    const bound = kills.length * KILL_DEFAULTS.concurrency * KILL_DEFAULTS.batchSize;
    if (duplicatedWrites > bound) {
      problems.push(
        `${duplicatedWrites} duplicated writes after ${kills.length} kills: more than the batches in flight (${bound})`,
      );
    }
    if (maxWrites > 1 + kills.length)
      problems.push(`a contact was written ${maxWrites} times after ${kills.length} kills`);
    if (stats.retryAfterViolations > 0) problems.push(`${stats.retryAfterViolations} Retry-After violations`);
    const last = outcomes[outcomes.length - 1];
    if (finished && last) problems.push(...(await checkFinalReport(last, reference.rows)));
    const leaks = await findSecrets(
      [{ label: 'the client secret', value: secret }],
      Object.fromEntries(outcomes.map((o, i) => [`stderr of attempt ${i + 1}`, o.stderr])),
      dir,
    );
    problems.push(...leaks.map((leak) => `secret leaked: ${leak}`));
    return {
      run,
      kills,
      exits: outcomes.map(describeExit),
      lost: lost.length,
      duplicatedWrites,
      maxWrites,
      writtenTwice: writes.filter((n) => n > 1).length,
      violations: stats.retryAfterViolations,
      problems,
    };
  } finally {
    await stack.close();
    if (problems.length === 0) await rm(dir, { recursive: true, force: true });
    else options.log?.(`  kill run ${run + 1} failed; its folder is kept: ${dir}`);
  }
}

/** The final report accounts for every record of the source, and its counts balance. */
async function checkFinalReport(outcome: CliOutcome, rows: number): Promise<string[]> {
  const reportPath = reportPathOf(outcome);
  try {
    const summary = JSON.parse(await readFile(path.join(reportPath, 'summary.json'), 'utf8')) as {
      counts: Counts;
    };
    const lines = parse(await readFile(path.join(reportPath, 'rows.csv'), 'utf8'), {
      columns: true,
      skip_empty_lines: true,
    }) as unknown[];
    const problems = checkInvariants(summary.counts).map((p) => `summary.json: ${p}`);
    if (summary.counts.rows !== rows)
      problems.push(`the final report counts ${summary.counts.rows} rows of ${rows}`);
    if (lines.length !== rows)
      problems.push(`the final rows.csv has ${lines.length} lines for ${rows} records`);
    return problems;
  } catch (error) {
    return [`the final report cannot be read: ${(error as Error).message}`];
  }
}
