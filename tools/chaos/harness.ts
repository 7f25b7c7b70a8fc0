/**
 * Runs one chaos scenario: the real CLI as a child process against an in-process sandbox on
 * 127.0.0.1, faults injected as the scenario says, then every check of the issue: Sakari holds
 * exactly the expected contacts with the expected content, no request arrived inside a
 * `Retry-After` window, the report's invariants hold and agree with what Sakari holds, the exit
 * codes are the contract's, and no secret or token appears in anything the run printed or wrote.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { checkInvariants, type Counts as ReportCounts } from '../../src/report/counts.js';
import { seededRandom } from '../../src/sandbox/prng.js';
import { cliEnv, describeExit, reportPathOf, startCli, type CliOutcome } from '../cli-spawn.js';
import {
  CHAOS_ACCOUNT,
  CHAOS_DEFAULT_COUNTRY,
  contentOf,
  differenceOf,
  type Reference,
  type ReferenceCache,
} from './reference.js';
import { SandboxStack, type StackStats } from './sandbox-stack.js';
import { CLI_DEFAULTS, type DuringAction, type Scenario } from './scenarios.js';
import { findSecrets, type Secret } from './secrets.js';
import { startTokenTap, type TokenTap } from './tap.js';

/** The client id chaos runs use (the secret is random per run). */
export const CHAOS_CLIENT_ID = 'chaos-client';
/** How often a running CLI's progress at the sandbox is looked at, for mid-run actions. */
const POLL_MS = 10;
/** Problems of one kind listed in full before "and N more". */
const MAX_LISTED = 3;

/** One line of the chaos table, and why it failed, if it did. */
export interface ScenarioResult {
  name: string;
  /** Records in the source. */
  rows: number;
  /** Valid, unique records: the contacts a fault-free run stores. */
  valid: number;
  /**
   * Everything the scenario did to the run: faults the sandbox injected (queued and random), mid-run
   * events (restarts, token revocations), numbers set up to be refused, wrong credentials.
   */
  faults: number;
  /** 429 answers. */
  throttled: number;
  /** Valid rows neither stored in Sakari nor reported as refused (blocked/failed). */
  lost: number;
  /** Writes beyond one per stored contact (a batch applied, then retried). */
  duplicatedWrites: number;
  /** The most writes any one contact received. */
  maxWrites: number;
  /** Requests that arrived inside a running `Retry-After` window. */
  violations: number;
  /** The exit code of each attempt ('hung' for one killed at its deadline). */
  exits: string[];
  durationMs: number;
  /** Empty when every check passed. */
  problems: string[];
  /** The run's folder, kept when `keep` was asked or a check failed. */
  keptDir?: string;
}

/** How to run a scenario. */
export interface RunScenarioOptions {
  references: ReferenceCache;
  /** Keep the run's folder (reports, state, CLI output) even when every check passed. */
  keep?: boolean;
  /** Progress lines (e.g. to stderr). */
  log?: (line: string) => void;
}

/** Runs one scenario and checks it; never throws for a failed check (see `problems`). */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const reference = await options.references.get(scenario.contacts, scenario.seed);
  const dir = await mkdtemp(path.join(os.tmpdir(), `sakari-chaos-${scenario.name}-`));
  const secret = `chaos-secret-${randomBytes(16).toString('hex')}`;
  const wrongSecret = `chaos-wrong-${randomBytes(16).toString('hex')}`;
  const blocked = pickBlocked(reference, scenario.blocked ?? 0, scenario.seed);
  const dataFile = path.join(dir, 'sandbox', 'data.json');
  const stack = await SandboxStack.start(
    {
      ...scenario.sandbox,
      seed: scenario.seed,
      clientId: CHAOS_CLIENT_ID,
      clientSecret: secret,
      blocked: [...blocked],
      dataFile,
    },
    CHAOS_ACCOUNT,
  );
  let tap: TokenTap | undefined;
  const outcomes: CliOutcome[] = [];
  const problems: string[] = [];
  /** Mid-run actions performed (restarts, token revocations…): faults too. */
  let events = 0;
  try {
    if (scenario.tap !== false) tap = await startTokenTap(stack.url);
    const apiUrl = tap?.url ?? stack.url;
    stack.sandbox.inject(...(scenario.faults?.(Date.now()) ?? []));
    const pending = [...(scenario.during ?? [])].sort((a, b) => a.afterRequests - b.afterRequests);
    const args = cliArgs(scenario, reference.source, apiUrl, dir);
    const env = cliEnv({ SAKARI_CLIENT_SECRET: scenario.credentials === 'wrong' ? wrongSecret : secret });

    for (const [attempt, expected] of scenario.expectedExits.entries()) {
      if (attempt > 0 && scenario.betweenAttempts) stack.sandbox.setOptions(scenario.betweenAttempts);
      options.log?.(`  ${scenario.name}: attempt ${attempt + 1}`);
      const cli = startCli(args, { env });
      let exited = false;
      void cli.done.then(() => (exited = true));
      while (!exited) {
        const action = pending[0];
        if (action !== undefined && stack.stats().apiRequests >= action.afterRequests) {
          pending.shift();
          await perform(action, stack);
          events++;
        } else {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      }
      const outcome = await cli.done;
      outcomes.push(outcome);
      if (describeExit(outcome) !== String(expected)) {
        problems.push(
          `attempt ${attempt + 1} exited ${describeExit(outcome)}, expected ${expected}: ${lastLines(outcome.stderr)}`,
        );
        break;
      }
    }
    for (const action of pending) problems.push(`the run ended before "${action.kind}" could happen`);

    const stats = stack.stats();
    const stored = new Map(stack.contacts().map((c) => [c.mobile.number, contentOf(c)]));
    const final = outcomes[outcomes.length - 1];
    const judged = final
      ? await judgeReport(final, reference)
      : { problems: ['no run'], refused: new Set<string>() };
    problems.push(...judged.problems);
    const store = judgeStore(scenario, reference, stored, blocked, judged, stats);
    problems.push(...store.problems);
    problems.push(...judgeExpectations(scenario, stats, stored.size, judged.counts));
    for (const [i, outcome] of outcomes.entries()) {
      if (STACK_TRACE.test(outcome.stderr)) {
        problems.push(`attempt ${i + 1} printed a stack trace: ${lastLines(outcome.stderr)}`);
      }
    }
    const secrets: Secret[] = [
      { label: 'the client secret', value: secret },
      { label: 'the wrong client secret', value: wrongSecret },
      ...(tap?.tokens ?? []).map((value, i) => ({ label: `access token #${i + 1}`, value })),
    ];
    const texts = Object.fromEntries(
      outcomes.flatMap((o, i) => [
        [`stdout of attempt ${i + 1}`, o.stdout],
        [`stderr of attempt ${i + 1}`, o.stderr],
      ]),
    );
    // The sandbox's own data file is Sakari's side, not the CLI's output.
    const leaks = await findSecrets(secrets, texts, dir, [path.dirname(dataFile)]);
    problems.push(...leaks.map((leak) => `secret leaked: ${leak}`));
    if (scenario.tap !== false && scenario.credentials !== 'wrong' && (tap?.tokens.length ?? 0) === 0) {
      problems.push('the token tap saw no token: the secret checks did not cover tokens');
    }

    const writes = [...stats.writesPerMobile.values()];
    const totalWrites = writes.reduce((a, b) => a + b, 0);
    return {
      name: scenario.name,
      rows: reference.rows,
      valid: reference.contacts.size,
      faults: stats.faultsInjected + events + blocked.size + (scenario.credentials === 'wrong' ? 1 : 0),
      throttled: stats.throttled,
      lost: store.lost,
      duplicatedWrites: totalWrites - stored.size,
      maxWrites: writes.length === 0 ? 0 : Math.max(...writes),
      violations: stats.retryAfterViolations,
      exits: outcomes.map(describeExit),
      durationMs: Date.now() - started,
      problems,
      ...(options.keep || problems.length > 0 ? { keptDir: dir } : {}),
    };
  } finally {
    await tap?.close();
    await stack.close();
    if (!options.keep && problems.length === 0) await rm(dir, { recursive: true, force: true });
  }
}

/** A line of a Node stack trace (`    at fn (file:1:2)`): never something a user should see. */
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

function cliArgs(scenario: Scenario, source: string, apiUrl: string, dir: string): string[] {
  return importArgs(source, apiUrl, dir, { ...CLI_DEFAULTS, ...scenario.cli });
}

/**
 * The `import` command every chaos run gives the CLI: the chaos account against `apiUrl`, its
 * report and state folders under `dir`, phones parsed on the main thread (`--workers 0`).
 */
export function importArgs(
  source: string,
  apiUrl: string,
  dir: string,
  cli: { batchSize: number; rate: number; concurrency: number; timeoutMs?: number },
): string[] {
  return [
    'import',
    source,
    '--api-url',
    apiUrl,
    '--account',
    CHAOS_ACCOUNT,
    '--client-id',
    CHAOS_CLIENT_ID,
    '--default-country',
    CHAOS_DEFAULT_COUNTRY,
    '--batch-size',
    String(cli.batchSize),
    '--rate',
    String(cli.rate),
    '--concurrency',
    String(cli.concurrency),
    ...(cli.timeoutMs === undefined ? [] : ['--timeout', String(cli.timeoutMs)]),
    '--report-dir',
    path.join(dir, 'reports'),
    '--state',
    path.join(dir, 'state', 'state.db'),
    '--workers',
    '0',
  ];
}

async function perform(action: DuringAction, stack: SandboxStack): Promise<void> {
  switch (action.kind) {
    case 'expire-tokens':
      stack.sandbox.expireTokens();
      return;
    case 'restart':
      await stack.restart(action.downMs);
      return;
    case 'set-options':
      stack.sandbox.setOptions(action.options);
      return;
    case 'forget-contacts':
      stack.sandbox.reset();
      return;
  }
}

/** `count` of the reference's valid numbers, picked with the scenario's seed. */
function pickBlocked(reference: Reference, count: number, seed: number): Set<string> {
  const mobiles = [...reference.contacts.keys()].sort();
  const random = seededRandom(seed ^ 0x5eed);
  const picked = new Set<string>();
  while (picked.size < Math.min(count, mobiles.length)) {
    picked.add(mobiles[Math.floor(random() * mobiles.length)] as string);
  }
  return picked;
}

type Counts = Record<string, number>;

interface ReportJudgement {
  problems: string[];
  counts?: Counts;
  /** E.164 → status of every valid row of the final report. */
  statuses?: Map<string, string>;
  /** E.164 of rows the report says Sakari refused or that could not be delivered (blocked, failed). */
  refused: Set<string>;
  /** Whether the report covers only the rows an aborted run reached. */
  partial?: boolean;
}

/** The final report: present, balanced, one line per source record, agreeing with its summary. */
async function judgeReport(outcome: CliOutcome, reference: Reference): Promise<ReportJudgement> {
  const problems: string[] = [];
  const refused = new Set<string>();
  const reportPath = reportPathOf(outcome);
  if (reportPath === '') return { problems: ['the run printed no report path'], refused };
  let summary: { counts: Counts; exitCode: number; partial?: boolean };
  let rows: Record<string, string>[];
  try {
    summary = JSON.parse(await readFile(path.join(reportPath, 'summary.json'), 'utf8')) as typeof summary;
    rows = parse(await readFile(path.join(reportPath, 'rows.csv'), 'utf8'), {
      columns: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
  } catch (error) {
    return { problems: [`the report cannot be read: ${(error as Error).message}`], refused };
  }
  const counts = summary.counts;
  problems.push(...checkInvariants(counts as unknown as ReportCounts).map((p) => `summary.json: ${p}`));
  // An aborted run (exit 1 or 2) reports the rows it reached (`partial`); the others are for the
  // resumed run. A finished run accounts for every record of the source.
  const partial = summary.partial === true;
  if (partial && outcome.code !== 1 && outcome.code !== 2) {
    problems.push(`summary.json is partial, but the run exited ${outcome.code}`);
  }
  const rowsOk = partial ? (counts['rows'] ?? 0) <= reference.rows : counts['rows'] === reference.rows;
  if (!rowsOk) problems.push(`summary.json counts ${counts['rows']} rows, the source has ${reference.rows}`);
  if (summary.exitCode !== outcome.code) {
    problems.push(`summary.json says exit ${summary.exitCode}, the process exited ${outcome.code}`);
  }
  if (rows.length !== counts['rows']) {
    problems.push(`rows.csv has ${rows.length} lines, summary.json counts ${counts['rows']} rows`);
  }
  const byStatus: Counts = {};
  const statuses = new Map<string, string>();
  for (const row of rows) {
    const status = row['status'] ?? '';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const mobile = row['mobile_e164'] ?? '';
    if (status !== 'invalid' && status !== 'duplicate') {
      if (statuses.has(mobile)) problems.push(`rows.csv reports ${mobile} twice as a valid row`);
      statuses.set(mobile, status);
      if (status === 'blocked' || status === 'failed') refused.add(mobile);
    }
  }
  for (const status of ['created', 'updated', 'unchanged', 'blocked', 'failed', 'invalid', 'duplicate']) {
    if ((byStatus[status] ?? 0) !== (counts[status] ?? 0)) {
      problems.push(
        `rows.csv has ${byStatus[status] ?? 0} ${status} rows, summary.json says ${counts[status]}`,
      );
    }
  }
  return { problems, counts, statuses, refused, partial };
}

/** What Sakari holds against what it should hold, and against what the report claims. */
function judgeStore(
  scenario: Scenario,
  reference: Reference,
  stored: ReadonlyMap<string, ReturnType<typeof contentOf>>,
  blocked: ReadonlySet<string>,
  judged: ReportJudgement,
  stats: StackStats,
): { problems: string[]; lost: number } {
  const problems: string[] = [];
  const expected = new Set(
    scenario.stored === 'none' ? [] : [...reference.contacts.keys()].filter((m) => !blocked.has(m)),
  );
  const missing = [...expected].filter((m) => !stored.has(m));
  const unexpected = [...stored.keys()].filter((m) => !expected.has(m));
  // Lost: a valid row Sakari does not hold and the report does not say was refused or undelivered
  // (rows an aborted run never reached are left to the resumed run, not lost).
  const unreached = (m: string): boolean => judged.partial === true && judged.statuses?.has(m) !== true;
  const lost = [...reference.contacts.keys()].filter(
    (m) => !stored.has(m) && !judged.refused.has(m) && !unreached(m),
  );
  if (lost.length > 0) problems.push(listed(`${lost.length} valid contacts lost`, lost));
  if (missing.length > 0) problems.push(listed(`${missing.length} expected contacts not in Sakari`, missing));
  if (unexpected.length > 0)
    problems.push(listed(`${unexpected.length} contacts in Sakari unexpectedly`, unexpected));
  const wrong: string[] = [];
  for (const [mobile, content] of stored) {
    const want = reference.contacts.get(mobile);
    const difference = want === undefined ? undefined : differenceOf(want, content);
    if (difference !== undefined) wrong.push(difference);
  }
  if (wrong.length > 0)
    problems.push(listed(`${wrong.length} contacts stored with the wrong content`, wrong));
  for (const mobile of blocked) {
    if ((stats.writesPerMobile.get(mobile) ?? 0) > 0) problems.push(`blocked ${mobile} was written`);
  }
  if (judged.statuses) {
    const disagree: string[] = [];
    for (const [mobile, status] of judged.statuses) {
      const delivered = status === 'created' || status === 'updated' || status === 'unchanged';
      if (delivered !== stored.has(mobile)) disagree.push(`${mobile} reported ${status}`);
      if (status === 'blocked' && !blocked.has(mobile)) disagree.push(`${mobile} reported blocked`);
    }
    for (const mobile of stored.keys()) {
      if (!judged.statuses.has(mobile))
        disagree.push(`${mobile} is stored but not a valid row of the report`);
    }
    if (disagree.length > 0)
      problems.push(listed(`the report disagrees with Sakari on ${disagree.length} rows`, disagree));
  }
  if (stats.retryAfterViolations > 0) {
    problems.push(`${stats.retryAfterViolations} requests arrived inside a Retry-After window`);
  }
  return { problems, lost: lost.length };
}

function judgeExpectations(
  scenario: Scenario,
  stats: StackStats,
  storedCount: number,
  counts: Counts | undefined,
): string[] {
  const expect = scenario.expect ?? {};
  const problems: string[] = [];
  const atLeast = (what: string, actual: number, minimum: number | undefined): void => {
    if (minimum !== undefined && actual < minimum) {
      problems.push(
        `${what} was ${actual}, expected at least ${minimum}: the fault did not happen as planned`,
      );
    }
  };
  atLeast('tokens issued', stats.tokensIssued, expect.minTokensIssued);
  atLeast('429 answers', stats.throttled, expect.minThrottled);
  atLeast('faults injected', stats.faultsInjected, expect.minFaults);
  const writes = [...stats.writesPerMobile.values()].reduce((a, b) => a + b, 0);
  atLeast('duplicated writes', writes - storedCount, expect.minDuplicatedWrites);
  for (const [name, value] of Object.entries(expect.counts ?? {})) {
    if (counts?.[name] !== value)
      problems.push(`the report counts ${counts?.[name]} ${name} rows, expected ${value}`);
  }
  return problems;
}

function listed(headline: string, items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join('; ');
  const more = items.length > MAX_LISTED ? `; and ${items.length - MAX_LISTED} more` : '';
  return `${headline}: ${shown}${more}`;
}

/** The last lines of a process's stderr, on one line, for a problem message. */
function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ').slice(0, 400);
}
