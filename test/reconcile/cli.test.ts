/**
 * The `reconcile` command: the yargs module in-process (with `--sandbox` and its data file next
 * to the state), and the real binary once src/cli/main.ts registers the command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { importCommand } from '../../src/cli/commands/import.js';
import { reconcileCommand } from '../../src/cli/commands/reconcile.js';
import { exitCodeForError } from '../../src/cli/errors.js';
import type { CliContext } from '../../src/cli/main.js';
import { SANDBOX_ACCOUNT } from '../../src/config.js';
import { AccountLimiter } from '../../src/limit/limiter.js';
import { SakariClient } from '../../src/sakari/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ContactPayload } from '../../src/types.js';
import { ROOT, readCsv, reportPathOf, runCli, tempDir, sandboxFlags } from '../helpers.js';
import { readDataFile } from '../sandbox/helpers.js';

const SOURCE = [
  'mobile,first name,email',
  '07400 100001,Ann,ann@example.com',
  '07400 100002,Bob,',
  '07400 100003,Cy,',
  'nonsense,Bad,',
  '',
].join('\n');

function e164(n: number): string {
  return `+4474001${String(n).padStart(5, '0')}`;
}

/** Seeds `account` of a sandbox whose contacts live in `dataFile`, through the real API. */
async function seedDataFile(dataFile: string, contacts: ContactPayload[], account: string): Promise<void> {
  const sandbox = await startSandbox({ dataFile });
  const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
  try {
    const client = new SakariClient({
      apiUrl: sandbox.url,
      accountId: account,
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      limiter,
    });
    await client.upsertBatch(contacts, 'append');
  } finally {
    await limiter.stop();
    await sandbox.close();
  }
}

/** Runs the command modules (reconcile, and import for `--verify`) through yargs as main.ts does, capturing stdout and stderr. */
async function runCommand(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    output: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, quiet: false },
    exitCode: 0,
  };
  try {
    await yargs(argv)
      .command(reconcileCommand(context))
      .command(importCommand(context))
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseAsync();
  } catch (error) {
    const { code, message } = exitCodeForError(error);
    return { code, stdout, stderr: `${stderr}${message}\n` };
  }
  return { code: context.exitCode, stdout, stderr };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

describe('reconcile command', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  test('--sandbox sees what earlier --sandbox runs stored; --fix repairs it; a second run exits 0', async () => {
    const stateDir = path.join(dir, 'state');
    const dataFile = path.join(stateDir, 'sandbox-data.db');
    await seedDataFile(
      dataFile,
      [
        {
          mobile: e164(1),
          country: 'GB',
          firstName: 'Ann',
          email: 'ann@example.com',
          tags: [],
          attributes: {},
        },
        { mobile: e164(2), country: 'GB', firstName: 'Robert', tags: [], attributes: {} },
        { mobile: e164(99), country: 'GB', firstName: 'Zed', tags: [], attributes: {} },
      ],
      SANDBOX_ACCOUNT,
    );
    const source = path.join(dir, 'contacts.csv');
    await writeFile(source, SOURCE);
    const common = [
      'reconcile',
      source,
      '--sandbox',
      '--default-country',
      'GB',
      '--workers',
      '0',
      '--rate',
      '1000',
      '--state',
      path.join(stateDir, 'state.db'),
      '--report-dir',
      path.join(dir, 'reports'),
    ];

    const first = await runCommand(common);
    expect(first.code, first.stderr).toBe(3);
    const reportPath = lastLine(first.stdout);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(reportPath, 'reconcile.csv'))).toBe(true);
    expect(first.stderr).toContain('matched 1, missing 1, different 1, blocked 0, extra 1');
    expect(first.stderr).toContain('different fields: firstName 1');
    expect(first.stderr).toContain('invalid 1');
    const rows = await readCsv(path.join(reportPath, 'reconcile.csv'));
    expect(rows.map((r) => `${r.status} ${r.mobile_e164} ${r.fields}`)).toEqual([
      `matched ${e164(1)} `,
      `different ${e164(2)} firstName`,
      `missing ${e164(3)} `,
      `extra ${e164(99)} `,
    ]);

    const fix = await runCommand([...common, '--fix']);
    expect(fix.code, fix.stderr).toBe(3);
    const [fixReport, reconcileReport, ...more] = fix.stdout.trim().split('\n');
    expect(more).toEqual([]);
    const fixSummary = JSON.parse(await readFile(path.join(fixReport ?? '', 'summary.json'), 'utf8'));
    expect(fixSummary.counts).toMatchObject({ rows: 2, created: 1, updated: 1, failed: 0 });
    const reconcileSummary = JSON.parse(
      await readFile(path.join(reconcileReport ?? '', 'summary.json'), 'utf8'),
    );
    expect(reconcileSummary.fix).toMatchObject({ contacts: 2, reportPath: fixReport, exitCode: 0 });
    expect(fix.stderr).toContain('fix: 2 contacts sent again: created 1, updated 1');

    const again = await runCommand([...common, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json.counts).toMatchObject({ matched: 3, missing: 0, different: 0, extra: 1 });
    expect(json.exitCode).toBe(0);
    const stored = readDataFile(dataFile)[SANDBOX_ACCOUNT] ?? [];
    expect(stored.find((c) => c.mobile.number === e164(2))?.firstName).toBe('Bob');
  });

  test('a contact the source opted out of: an opted_out count and a warning on stderr, exit 3', async () => {
    const stateDir = path.join(dir, 'state');
    const dataFile = path.join(stateDir, 'sandbox-data.db');
    await seedDataFile(
      dataFile,
      [
        { mobile: e164(1), country: 'GB', firstName: 'Ann', tags: [], attributes: {} },
        { mobile: e164(2), country: 'GB', firstName: 'Bob', tags: [], attributes: {} },
      ],
      SANDBOX_ACCOUNT,
    );
    const source = path.join(dir, 'contacts.csv');
    await writeFile(source, 'mobile,first name,sms opt out\n07400 100001,Ann,\n07400 100002,Bob,yes\n');
    const args = [
      'reconcile',
      source,
      '--sandbox',
      '--default-country',
      'GB',
      '--workers',
      '0',
      '--state',
      path.join(stateDir, 'state.db'),
      '--report-dir',
      path.join(dir, 'reports'),
    ];
    const run = await runCommand(args);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('matched 1, missing 0, different 0, blocked 0, extra 0, opted_out 1');
    expect(run.stderr).toMatch(
      /warning: 1 contact in Sakari is a row the source blocks \(SMS opt-out or no consent\), e\.g\. line 3: \+447400100002 \(contact [^)]+\): reconcile does not remove contacts; remove it or opt it out in Sakari/,
    );
    const rows = await readCsv(path.join(lastLine(run.stdout), 'reconcile.csv'));
    expect(rows.map((r) => `${r.status} ${r.mobile_e164} ${r.line}`)).toEqual([
      `matched ${e164(1)} 2`,
      `opted_out ${e164(2)} 3`,
    ]);
  });

  test('a number Sakari refused on import (CONT-010): blocked with the import state, in sync (exit 0); missing without it (exit 3)', async () => {
    const sandbox = await startSandbox({ blocked: [e164(2)] });
    try {
      const source = path.join(dir, 'contacts.csv');
      await writeFile(source, 'mobile,first name\n07400 100001,Ann\n07400 100002,Bob\n');
      const state = path.join(dir, 'state', 'state.db');
      const common = [
        source,
        ...sandboxFlags(sandbox.url, 'acct-cli'),
        '--default-country',
        'GB',
        '--workers',
        '0',
        '--report-dir',
        path.join(dir, 'reports'),
      ];

      // import --verify: the import records the refusal, and the verification reads it.
      const imported = await runCommand(['import', ...common, '--state', state, '--verify']);
      expect(imported.code, imported.stderr).toBe(0);
      const verifyReport = /^verify: .* · report (.+)$/m.exec(imported.stderr)?.[1] ?? '';
      const verified = await readCsv(path.join(verifyReport, 'reconcile.csv'));
      expect(verified.map((r) => `${r.status} ${r.mobile_e164}`)).toEqual([
        `matched ${e164(1)}`,
        `blocked ${e164(2)}`,
      ]);

      const run = await runCommand(['reconcile', ...common, '--state', state]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('matched 1, missing 0, different 0, blocked 1, extra 0, opted_out 0');
      expect(run.stderr).toContain(
        'blocked: 1 number Sakari refuses (CONT-010: opted out at Sakari), as the state records: not sent, not missing',
      );
      const rows = await readCsv(path.join(lastLine(run.stdout), 'reconcile.csv'));
      expect(rows[1]).toMatchObject({ status: 'blocked', mobile_e164: e164(2), line: '3' });
      expect(rows[1]?.message).toContain('(CONT-010: the person opted out at Sakari)');

      const stateless = await runCommand(['reconcile', ...common, '--no-state']);
      expect(stateless.code, stateless.stderr).toBe(3);
      expect(stateless.stderr).toContain(
        'matched 1, missing 1, different 0, blocked 0, extra 0, opted_out 0',
      );
      expect(stateless.stderr).not.toContain('Sakari refuses');
    } finally {
      await sandbox.close();
    }
  });

  test('configuration problems exit 2', async () => {
    const source = path.join(dir, 'contacts.csv');
    await writeFile(source, SOURCE);
    const noCredentials = await runCommand(['reconcile', source, '--report-dir', path.join(dir, 'reports')]);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain('credentials missing');
    const missing = await runCommand(['reconcile', path.join(dir, 'nope.csv'), '--sandbox', '--no-state']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
  });

  const wired = readFileSync(path.join(ROOT, 'src', 'cli', 'main.ts'), 'utf8').includes('reconcileCommand');
  test.skipIf(!wired || !existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'reconcile.js')))(
    'the real binary: report path last on stdout, exit 3 then 0 after --fix',
    async () => {
      let sandbox: Sandbox | undefined;
      try {
        sandbox = await startSandbox();
        const limiter = new AccountLimiter({ rate: 0, maxConcurrent: 1 });
        const client = new SakariClient({
          apiUrl: sandbox.url,
          accountId: 'acct-cli',
          clientId: 'sandbox',
          clientSecret: 'sandbox',
          limiter,
        });
        await client.upsertBatch(
          [
            {
              mobile: e164(1),
              country: 'GB',
              firstName: 'Ann',
              email: 'ann@example.com',
              tags: [],
              attributes: {},
            },
          ],
          'append',
        );
        await limiter.stop();
        const source = path.join(dir, 'contacts.csv');
        await writeFile(source, SOURCE);
        const args = [
          'reconcile',
          source,
          ...sandboxFlags(sandbox.url, 'acct-cli'),
          '--default-country',
          'GB',
          '--report-dir',
          path.join(dir, 'reports'),
          '--state',
          path.join(dir, 'state.db'),
        ];
        const first = await runCli(args);
        expect(first.code, first.stderr).toBe(3);
        const summary = JSON.parse(await readFile(path.join(reportPathOf(first), 'summary.json'), 'utf8'));
        expect(summary.counts).toMatchObject({ matched: 1, missing: 2, different: 0, extra: 0 });
        expect(first.stderr).not.toContain('sandbox:');

        const fixed = await runCli([...args, '--fix']);
        expect(fixed.code, fixed.stderr).toBe(3);
        const again = await runCli(args);
        expect(again.code, again.stderr).toBe(0);
      } finally {
        await sandbox?.close();
      }
    },
  );
});
