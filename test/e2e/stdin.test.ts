/**
 * `-` reads stdin (CONTRACT §3), through the real CLI: yargs drops a lone `-` on its own
 * (yargs/yargs-parser#381), so this guards the work-around in cli/main.ts.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readCsv, reportPathOf, runCli, sandboxFlags, tempDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let sandbox: Sandbox;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
  await cleanup();
});

test('import - reads the source from stdin', async () => {
  const csv = 'First Name,Mobile\nAda,+14155552671\nGrace,+14155552672\n';
  const run = await runCli(
    ['import', '-', ...sandboxFlags(sandbox.url, 'acc-stdin'), '--no-state', '--report-dir', dir],
    { input: csv },
  );
  expect(run.stderr).not.toMatch(/no source given/);
  expect(run.code).toBe(0);
  const rows = await readCsv(`${reportPathOf(run)}/rows.csv`);
  expect(rows.map((row) => [row.line, row.status, row.mobile_e164])).toEqual([
    ['2', 'created', '+14155552671'],
    ['3', 'created', '+14155552672'],
  ]);
  expect(sandbox.contacts('acc-stdin').map((contact) => contact.mobile.number)).toEqual([
    '+14155552671',
    '+14155552672',
  ]);
});
