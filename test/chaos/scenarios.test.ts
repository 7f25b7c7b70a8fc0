/**
 * The fast part of the chaos suite (`npm run chaos` runs all of it): a few representative
 * scenarios of the fault matrix through the same code, a short kill test, and proof that the
 * checks catch a store that loses contacts.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { runScenario } from '../../tools/chaos/harness.js';
import { runKillTest } from '../../tools/chaos/kill.js';
import { ReferenceCache } from '../../tools/chaos/reference.js';
import { parseChaosArgs } from '../../tools/chaos/run.js';
import { SCENARIOS, scenarioNamed, type Scenario } from '../../tools/chaos/scenarios.js';
import { chaosTable } from '../../tools/chaos/table.js';

const references = new ReferenceCache();
afterAll(() => references.dispose());

/** CLI runs wait on real backoff and Retry-After windows: generous, not a timing assertion. */
const SCENARIO_TIMEOUT_MS = 90_000;

describe('fault matrix (representative scenarios)', () => {
  const fast: Array<[string, Partial<Scenario>]> = [
    ['wrong-credentials', { contacts: 60 }],
    ['errors-named-rows', { contacts: 80 }],
    ['garbled-json', { contacts: 80 }],
    ['429-retry-after-http-date', { contacts: 80 }],
    ['sandbox-restart', {}],
  ];

  test.each(fast)(
    '%s: nothing lost, no Retry-After violation, invariants and exit codes as the contract says',
    async (name, overrides) => {
      const scenario = { ...scenarioNamed(name), ...overrides };
      const result = await runScenario(scenario, { references });
      expect(result.problems).toEqual([]);
      expect(result.lost).toBe(0);
      expect(result.violations).toBe(0);
      expect(result.exits).toEqual(scenario.expectedExits.map(String));
    },
    SCENARIO_TIMEOUT_MS,
  );

  test(
    'negative control: a Sakari that forgets its contacts mid-run is caught as lost contacts',
    async () => {
      const result = await runScenario(
        {
          name: 'negative-control',
          summary: 'Sakari loses its data after the 2nd request',
          contacts: 80,
          seed: 901,
          during: [{ afterRequests: 2, kind: 'forget-contacts' }],
          cli: { batchSize: 10, rate: 10 },
          expectedExits: [0],
          stored: 'all',
        },
        { references },
      );
      // A failed scenario keeps its folder for inspection; this failure is the expected one.
      if (result.keptDir !== undefined) await rm(result.keptDir, { recursive: true, force: true });
      expect(result.lost).toBeGreaterThan(0);
      expect(result.problems.join('\n')).toMatch(/valid contacts lost/);
      expect(result.problems.join('\n')).toMatch(/the report disagrees with Sakari/);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('kill test', () => {
  test(
    'runs SIGKILLed at seeded moments and restarted: none lost, only batches in flight written twice',
    async () => {
      // Seed 15 plans kills by requests only (after 7 requests in one run, after 3 in the other), so
      // every kill lands mid-import however fast the machine is.
      const summary = await runKillTest({ references, runs: 2, contacts: 150, seed: 15 });
      expect(summary.problems).toEqual([]);
      expect(summary.kills).toBe(2);
      expect(summary.lost).toBe(0);
      expect(summary.maxWrites).toBeLessThanOrEqual(3);
      expect(summary.runs.every((run) => run.exits.at(-1) === '0')).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('the chaos runner', () => {
  test('options: --kills, --only, --keep; anything else is refused', () => {
    expect(parseChaosArgs([])).toMatchObject({ kills: 20, keep: false, scenarios: SCENARIOS });
    const picked = parseChaosArgs(['--kills', '3', '--only', 'baseline,garbled-json', '--keep']);
    expect(picked.kills).toBe(3);
    expect(picked.keep).toBe(true);
    expect(picked.scenarios.map((s) => s.name)).toEqual(['baseline', 'garbled-json']);
    expect(parseChaosArgs(['--only', 'none']).scenarios).toEqual([]);
    expect(() => parseChaosArgs(['--kills', '-1'])).toThrow(/--kills/);
    expect(() => parseChaosArgs(['--only', 'nope'])).toThrow(/no chaos scenario "nope"/);
    expect(() => parseChaosArgs(['--fast'])).toThrow(/unknown option/);
  });

  test('scenario names are unique, and every scenario expects a contract exit code', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const scenario of SCENARIOS) {
      expect(scenario.expectedExits.length).toBeGreaterThan(0);
      for (const code of scenario.expectedExits) expect([0, 1, 2, 3, 4]).toContain(code);
    }
  });

  test('the table has the columns the issue asks for and marks a failed scenario', () => {
    const row = {
      name: 'x',
      rows: 10,
      valid: 9,
      faults: 2,
      throttled: 1,
      lost: 0,
      duplicatedWrites: 3,
      maxWrites: 2,
      violations: 0,
      exits: ['1', '0'],
      durationMs: 1500,
      problems: [],
    };
    const table = chaosTable([row, { ...row, name: 'y', problems: ['broken'] }]);
    const [header, , first, second] = table.split('\n');
    for (const column of [
      'scenario',
      'contacts',
      'faults injected',
      'lost',
      'duplicated writes',
      'violations',
      'exit code',
    ]) {
      expect(header).toContain(column);
    }
    expect(first).toMatch(/\| x .*\| 1 → 0 .*\| pass/);
    expect(second).toMatch(/\| y .*\| FAIL/);
  });
});
