/**
 * Issue 18, scaled down: `--rate` is a ceiling and the pace adapts to the server's per-account
 * limit. The full targets (R = 5/s, 4,000 contacts) are measured by `npm run bench -- --only pace`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generateContactsCsv } from '../../tools/bench/generate.js';
import { stateAccountKey } from '../../src/config.js';
import type { PaceSummary } from '../../src/limit/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { StateStore } from '../../src/state/index.js';
import { reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';

const ACCOUNT = 'acc-adaptive';

interface Summary {
  counts: { valid: number; created: number; updated: number; failed: number };
  api: { requests: number; throttled: number; pace?: PaceSummary };
}

describe('adaptive pace (the real CLI against a sandbox with a per-account limit)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sandbox: Sandbox | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
    await cleanup();
  });

  async function importOnce(source: string, server: Sandbox, extra: string[]): Promise<Summary> {
    const run = await runCli(
      [
        'import',
        source,
        ...sandboxFlags(server.url, ACCOUNT),
        '--batch-size',
        '10',
        '--concurrency',
        '2',
        '--report-dir',
        path.join(dir, 'reports'),
        '--state',
        path.join(dir, 'state.db'),
        ...extra,
      ],
      { timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(
      await readFile(path.join(reportPathOf(run), 'summary.json'), 'utf8'),
    ) as Summary;
    const html = await readFile(path.join(reportPathOf(run), 'report.html'), 'utf8');
    if (summary.api.pace && !summary.api.pace.fixed) expect(html).toContain('Pace settled on');
    expect(run.stderr).toMatch(/pace: /);
    return summary;
  }

  function rememberedPace(): number | undefined {
    const store = StateStore.open(path.join(dir, 'state.db'));
    try {
      // The state knows the account by its id and the API URL (config.ts stateAccountKey).
      if (!sandbox) throw new Error('no sandbox');
      return store.getPace(stateAccountKey(ACCOUNT, sandbox.url));
    } finally {
      store.close();
    }
  }

  test('server at 20/s, --rate 80: few 429s, the pace settles below the ceiling, and the next run starts there', async () => {
    const server = await startSandbox({ rate: 20 });
    sandbox = server;
    const source = path.join(dir, 'contacts.csv');
    await generateContactsCsv(source, 1_200, 18);

    const first = await importOnce(source, server, ['--rate', '80']);
    const pace = first.api.pace!;
    expect(pace).toMatchObject({ ceiling: 80, fixed: false, start: 80 });
    expect(first.api.throttled).toBeGreaterThan(0); // the ceiling is above the limit: it was found
    expect(first.api.throttled / first.api.requests).toBeLessThanOrEqual(0.1);
    expect(pace.settled).toBeLessThan(80);
    expect(pace.next).toBeLessThanOrEqual(20 * 1.1);
    expect(server.stats().retryAfterViolations).toBe(0);
    expect(first.counts.failed).toBe(0);
    const stored = server.contacts(ACCOUNT).map((contact) => contact.mobile.number);
    expect(stored).toHaveLength(first.counts.valid);
    expect(new Set(stored).size).toBe(stored.length);
    expect(rememberedPace()).toBe(pace.next);

    // The next run of the account (everything sent again) starts at the remembered pace.
    const throttledBefore = server.stats().throttled;
    const second = await importOnce(source, server, ['--rate', '80', '--full']);
    expect(second.api.pace!.start).toBe(pace.next);
    expect(server.stats().throttled - throttledBefore).toBeLessThanOrEqual(2);
    expect(second.api.throttled).toBeLessThanOrEqual(2);
    expect(server.stats().retryAfterViolations).toBe(0);
    expect(second.counts.created + second.counts.updated).toBe(second.counts.valid);
  }, 120_000);

  test('server limit above --rate: the pace stays at --rate; --fixed-rate keeps it and leaves the remembered pace alone', async () => {
    const server = await startSandbox({ rate: 200 });
    sandbox = server;
    const source = path.join(dir, 'contacts.csv');
    await generateContactsCsv(source, 400, 19);

    const adaptive = await importOnce(source, server, ['--rate', '25']);
    expect(adaptive.api.throttled).toBe(0);
    expect(adaptive.api.pace).toMatchObject({ ceiling: 25, start: 25, settled: 25, next: 25, decreases: 0 });
    // Keeping to its own --rate, the run learnt nothing about the server: a later run with a
    // higher --rate starts there, not at 25/s.
    expect(rememberedPace()).toBeUndefined();
    const higher = await importOnce(source, server, ['--rate', '40', '--full']);
    expect(higher.api.pace).toMatchObject({ ceiling: 40, start: 40 });

    // A pace an earlier run learnt is left alone by --fixed-rate.
    const store = StateStore.open(path.join(dir, 'state.db'));
    try {
      store.setPace(stateAccountKey(ACCOUNT, server.url), 12);
    } finally {
      store.close();
    }
    const fixed = await importOnce(source, server, ['--rate', '30', '--fixed-rate', '--full']);
    expect(fixed.api.pace).toMatchObject({ ceiling: 30, fixed: true, start: 30, settled: 30 });
    expect(rememberedPace()).toBe(12);
  }, 120_000);
});
