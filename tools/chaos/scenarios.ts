/**
 * The fault matrix of `npm run chaos`: one entry per failure a real Sakari (or the network in
 * between) can throw at an import. Each scenario is data: the sandbox's options, the faults queued
 * before the run, what happens while it runs, the CLI's options, and what must come out.
 */
import type { Fault, SandboxRuntimeOptions } from '../../src/sandbox/index.js';

/** Something done to the sandbox once it has seen `afterRequests` API (non-token) requests. */
export type DuringAction =
  | { afterRequests: number; kind: 'expire-tokens' }
  | { afterRequests: number; kind: 'restart'; downMs: number }
  | { afterRequests: number; kind: 'set-options'; options: SandboxRuntimeOptions }
  /** Sakari loses every contact: no real scenario, a negative control the checks must catch. */
  | { afterRequests: number; kind: 'forget-contacts' };

/** Lower bounds on what the sandbox saw: proof that the fault really happened. */
export interface ScenarioExpectations {
  minTokensIssued?: number;
  minThrottled?: number;
  minFaults?: number;
  minDuplicatedWrites?: number;
  /** Counts the final report must show, e.g. `{ blocked: 10 }`. */
  counts?: Partial<Record<'blocked' | 'failed' | 'unchanged', number>>;
}

/** One chaos scenario. */
export interface Scenario {
  name: string;
  /** What it exercises, in a few words (the README's legend). */
  summary: string;
  /** Records in the generated source (about 7% of them invalid). */
  contacts: number;
  /** Seeds the generated source, the sandbox's random faults and the choice of blocked numbers. */
  seed: number;
  /** Sandbox options (rate limit, random faults, latency, token lifetime). */
  sandbox?: Omit<SandboxRuntimeOptions, 'blocked'>;
  /** Faults queued before the run; `now` is the scenario's start (for `Retry-After` dates). */
  faults?: (now: number) => Fault[];
  during?: DuringAction[];
  /** CLI options; defaults in {@link CLI_DEFAULTS}. */
  cli?: { batchSize?: number; rate?: number; concurrency?: number; timeoutMs?: number };
  /** `wrong`: the CLI is given a client secret the sandbox does not accept. @default 'right' */
  credentials?: 'right' | 'wrong';
  /** How many of the source's valid numbers the sandbox refuses with CONT-010 (`errors[]`). */
  blocked?: number;
  /**
   * The exit code of each attempt, in order: the same command is run again while more are listed
   * (CONTRACT §8: an aborted run is resumed by running it again).
   */
  expectedExits: number[];
  /** Sandbox options applied before every attempt after the first (the outage is over). */
  betweenAttempts?: SandboxRuntimeOptions;
  /** What Sakari holds at the end: every valid contact (minus blocked ones), or none. */
  stored: 'all' | 'none';
  /**
   * Put a recording proxy between CLI and sandbox to learn the access tokens (and grep for them).
   * Off where it would change what the client sees (a restarted sandbox must refuse connections).
   * @default true
   */
  tap?: boolean;
  expect?: ScenarioExpectations;
}

/**
 * The CLI options of every scenario unless it says otherwise: batches of 25 keep several batches in
 * flight over a 200-row source; 20 requests/s keeps a scenario to seconds.
 */
export const CLI_DEFAULTS = { batchSize: 25, rate: 20, concurrency: 2 } as const;

/** Faults that apply to batch uploads only (never to the token endpoint or reads). */
const UPLOAD = { method: 'POST', pathIncludes: '/contacts' } as const;

/** `n` copies of a fault. */
function times(n: number, fault: Fault): Fault[] {
  return Array.from({ length: n }, () => structuredClone(fault));
}

/** An HTTP date (IMF-fixdate) `ms` from `now`. */
export function httpDate(now: number, ms: number): string {
  return new Date(now + ms).toUTCString();
}

/** The fault matrix. Names are stable: the fast suite in `npm test` picks scenarios by name. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'baseline',
    summary: 'no fault: the yardstick for the others',
    contacts: 200,
    seed: 101,
    expectedExits: [0],
    stored: 'all',
  },
  {
    name: '429-storm-retry-after',
    summary: 'the client sends 5x faster than the account allows; every 429 carries Retry-After (seconds)',
    contacts: 200,
    seed: 102,
    sandbox: { rate: 4, burst: 1 },
    faults: () => times(3, { kind: 'status', status: 429, retryAfter: '1', match: UPLOAD }),
    cli: { batchSize: 40 },
    expectedExits: [0],
    stored: 'all',
    expect: { minThrottled: 3 },
  },
  {
    name: '429-storm-no-retry-after',
    summary: '8 consecutive 429s without Retry-After: exponential backoff with full jitter',
    contacts: 200,
    seed: 103,
    faults: () => times(8, { kind: 'status', status: 429, match: UPLOAD }),
    cli: { batchSize: 40 },
    expectedExits: [0],
    stored: 'all',
    expect: { minThrottled: 8 },
  },
  {
    name: '429-retry-after-http-date',
    summary: '429s whose Retry-After is an HTTP date 3 s ahead',
    contacts: 200,
    seed: 104,
    faults: (now) =>
      times(3, { kind: 'status', status: 429, retryAfter: httpDate(now, 3_000), match: UPLOAD }),
    expectedExits: [0],
    stored: 'all',
    expect: { minThrottled: 3 },
  },
  {
    name: '5xx-10pct',
    summary: '10% of API requests answer 500/503 (seeded)',
    contacts: 200,
    seed: 122,
    sandbox: { failRate: 0.1 },
    cli: { batchSize: 10, rate: 40 },
    expectedExits: [0],
    stored: 'all',
    expect: { minFaults: 1 },
  },
  {
    name: '5xx-50pct',
    summary: 'half of API requests answer 500/503; one batch in flight, so the seeded draws are reproducible',
    contacts: 150,
    seed: 106,
    sandbox: { failRate: 0.5 },
    cli: { concurrency: 1, batchSize: 30 },
    expectedExits: [0],
    stored: 'all',
    expect: { minFaults: 3 },
  },
  {
    name: '5xx-outage-then-resume',
    summary: 'every request fails until the retries run out (exit 1); the same command then resumes',
    contacts: 100,
    seed: 107,
    sandbox: { failRate: 1 },
    betweenAttempts: { failRate: 0 },
    expectedExits: [1, 0],
    stored: 'all',
    expect: { minFaults: 6 },
  },
  {
    name: '5xx-after-write',
    summary: 'Sakari applies a batch, then answers 503: the retry writes the same rows again',
    contacts: 200,
    seed: 108,
    faults: () => times(3, { kind: 'apply-then-fail', status: 503, match: UPLOAD }),
    expectedExits: [0],
    stored: 'all',
    expect: { minDuplicatedWrites: 1 },
  },
  {
    name: 'dropped-connections',
    summary: '15% of API connections cut without an answer, plus two cut on the first uploads',
    contacts: 200,
    seed: 109,
    sandbox: { dropRate: 0.15 },
    faults: () => times(2, { kind: 'drop', match: UPLOAD }),
    expectedExits: [0],
    stored: 'all',
    expect: { minFaults: 2 },
  },
  {
    name: 'slower-than-timeout',
    summary: 'three uploads answer after 4 s with a 1.5 s client timeout (applied, then retried)',
    contacts: 200,
    seed: 110,
    faults: () => times(3, { kind: 'delay', ms: 4_000, match: UPLOAD }),
    cli: { timeoutMs: 1_500 },
    expectedExits: [0],
    stored: 'all',
    expect: { minFaults: 3, minDuplicatedWrites: 1 },
  },
  {
    name: 'token-expiry',
    summary: 'tokens live 1 s, and every token is revoked after the 3rd request',
    contacts: 200,
    seed: 111,
    sandbox: { tokenTtlSec: 1 },
    during: [{ afterRequests: 3, kind: 'expire-tokens' }],
    cli: { rate: 4 },
    expectedExits: [0],
    stored: 'all',
    expect: { minTokensIssued: 3 },
  },
  {
    name: 'wrong-credentials',
    summary: 'the client secret is wrong: exit 2, nothing sent, the secret never printed',
    contacts: 100,
    seed: 112,
    credentials: 'wrong',
    expectedExits: [2],
    stored: 'none',
  },
  {
    name: 'sandbox-restart',
    summary: 'Sakari goes away mid-run (connections cut, then refused for 1.5 s) and comes back',
    contacts: 200,
    seed: 113,
    during: [{ afterRequests: 3, kind: 'restart', downMs: 1_500 }],
    cli: { rate: 8 },
    tap: false,
    expectedExits: [0],
    stored: 'all',
  },
  {
    name: 'errors-named-rows',
    summary: "10 numbers are refused in the batch answer's errors[] (CONT-010): blocked, never retried",
    contacts: 200,
    seed: 114,
    blocked: 10,
    expectedExits: [0],
    stored: 'all',
    expect: { counts: { blocked: 10 } },
  },
  {
    name: 'batch-refused-422',
    summary: 'a batch refused with 422 at every split: 4 rows fail (exit 3); running again delivers them',
    contacts: 200,
    seed: 115,
    // Batch of 4 → 2 + 2 → 1 + 1 + 1 + 1: seven refusals isolate and fail all four rows.
    faults: () => times(7, { kind: 'status', status: 422, match: UPLOAD }),
    cli: { batchSize: 4, concurrency: 1, rate: 50 },
    expectedExits: [3, 0],
    stored: 'all',
  },
  {
    name: 'garbled-json',
    summary: 'three uploads are applied but answered with truncated JSON',
    contacts: 200,
    seed: 116,
    faults: () => times(3, { kind: 'garbled', match: UPLOAD }),
    expectedExits: [0],
    stored: 'all',
    expect: { minFaults: 3, minDuplicatedWrites: 1 },
  },
  {
    name: 'everything-at-once',
    summary:
      'rate limit, 10% 5xx, 5% drops, 2 s tokens revoked mid-run, a garbled and a late answer, 3 blocked',
    contacts: 300,
    seed: 117,
    sandbox: { rate: 8, burst: 2, failRate: 0.1, dropRate: 0.05, tokenTtlSec: 2 },
    faults: (now) => [
      { kind: 'status', status: 429, retryAfter: httpDate(now, 2_000), match: UPLOAD },
      { kind: 'garbled', match: UPLOAD },
      { kind: 'apply-then-fail', status: 500, match: UPLOAD },
      { kind: 'delay', ms: 3_000, match: UPLOAD },
    ],
    during: [{ afterRequests: 6, kind: 'expire-tokens' }],
    blocked: 3,
    cli: { rate: 12, timeoutMs: 2_000 },
    expectedExits: [0],
    stored: 'all',
    expect: { counts: { blocked: 3 } },
  },
];

/** The scenario named `name`. @throws Error naming the known ones when there is none. */
export function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) {
    throw new Error(`no chaos scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return scenario;
}
