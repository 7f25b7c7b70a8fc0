/**
 * `npm run chaos`: the fault matrix and the kill test against the sandbox, then a markdown table
 * on stdout (progress and failures on stderr). Exits 1 when any check failed.
 *
 * Options: `--kills N` (kill runs, default 20; 0 skips the kill test), `--only a,b` (scenarios by
 * name; `--only none` runs the kill test alone), `--keep` (keep every run's folder).
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { runScenario, type ScenarioResult } from './harness.js';
import { KILL_DEFAULTS, runKillTest, type KillSummary } from './kill.js';
import { ReferenceCache } from './reference.js';
import { SCENARIOS, scenarioNamed, type Scenario } from './scenarios.js';
import { chaosTable } from './table.js';

/** The options of a chaos run. */
export interface ChaosOptions {
  scenarios: readonly Scenario[];
  kills: number;
  keep: boolean;
}

/** Reads `--kills N`, `--only a,b` and `--keep`. @throws Error for anything else. */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const options: ChaosOptions = { scenarios: SCENARIOS, kills: KILL_DEFAULTS.runs, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--kills') {
      const kills = Number(value());
      if (!Number.isInteger(kills) || kills < 0) throw new Error('--kills: expected a whole number >= 0');
      options.kills = kills;
    } else if (arg === '--only') {
      const names = value();
      options.scenarios = names === 'none' ? [] : names.split(',').map((name) => scenarioNamed(name.trim()));
    } else if (arg === '--keep') {
      options.keep = true;
    } else {
      throw new Error(`unknown option ${arg}; expected --kills N, --only a,b or --keep`);
    }
  }
  return options;
}

/** Runs the scenarios and the kill test; resolves with the table and whether everything passed. */
export async function runChaos(
  options: ChaosOptions,
  log: (line: string) => void,
): Promise<{ table: string; ok: boolean; results: ScenarioResult[]; kill?: KillSummary }> {
  const references = new ReferenceCache();
  const results: ScenarioResult[] = [];
  let kill: KillSummary | undefined;
  try {
    for (const scenario of options.scenarios) {
      log(`scenario ${scenario.name}: ${scenario.summary}`);
      const result = await runScenario(scenario, { references, keep: options.keep, log });
      results.push(result);
      for (const problem of result.problems) log(`  FAIL ${scenario.name}: ${problem}`);
      if (result.keptDir) log(`  folder kept: ${result.keptDir}`);
    }
    if (options.kills > 0) {
      log(`kill test: ${options.kills} runs, each SIGKILLed at a seeded moment and restarted until done`);
      kill = await runKillTest({ references, runs: options.kills, log });
      for (const problem of kill.problems) log(`  FAIL kill test: ${problem}`);
    }
  } finally {
    await references.dispose();
  }
  const ok = results.every((r) => r.problems.length === 0) && (kill?.problems.length ?? 0) === 0;
  return { table: chaosTable(results, kill), ok, results, ...(kill ? { kill } : {}) };
}

async function main(): Promise<void> {
  let options: ChaosOptions;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const { table, ok } = await runChaos(options, (line) => process.stderr.write(`${line}\n`));
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `\nsakari-sync chaos suite · node ${process.version} · ${os.availableParallelism()} cores · ${minutes} min\n\n${table}\n\n`,
  );
  process.stdout.write(ok ? 'chaos: every check passed\n' : 'chaos: FAILED (details above, on stderr)\n');
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
