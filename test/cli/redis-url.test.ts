/**
 * `--redis-url` through the real CLI, for every command that talks to Sakari. No Redis is needed:
 * a closed port proves the flag is accepted by the parser and reaches the one limiter construction
 * (src/limit/run-limiter.ts), which refuses an unreachable Redis at start as a configuration error.
 */
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { jsonLines, runCli, tempDir } from '../helpers.js';

const PASSWORD = 'hunter2-redis-pw';

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('--redis-url on the command line', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let deadRedis: string;

  beforeAll(async () => {
    deadRedis = `redis://worker:${PASSWORD}@127.0.0.1:${await closedPort()}/0`;
  });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(path.join(dir, 'contacts.csv'), 'mobile,first name\n+12015550123,Ann\n');
    await writeFile(
      path.join(dir, 'job.json'),
      JSON.stringify({ name: 'redis-flag', sources: ['contacts.csv'], defaultCountry: 'US' }),
    );
  });
  afterEach(async () => {
    await cleanup();
  });

  /** The arguments of each command, pointed at the sandbox and a state/report folder in `dir`. */
  function commandArgs(dir: string): Record<string, string[]> {
    const common = ['--sandbox', '--state', path.join(dir, 'state', 'state.db')];
    const source = path.join(dir, 'contacts.csv');
    const reports = ['--report-dir', path.join(dir, 'reports')];
    return {
      import: ['import', source, '--default-country', 'US', ...common, ...reports],
      'import --verify': ['import', source, '--default-country', 'US', '--verify', ...common, ...reports],
      run: ['run', path.join(dir, 'job.json'), '--sandbox'],
      watch: ['watch', path.join(dir, 'drop'), '--once', '--default-country', 'US', ...common],
      reconcile: ['reconcile', source, '--default-country', 'US', ...common, ...reports],
    };
  }

  test.each(['import', 'import --verify', 'run', 'watch', 'reconcile'])(
    '%s accepts --redis-url and exits 2 naming Redis when it is unreachable, without the password',
    async (command) => {
      const args = commandArgs(dir)[command] ?? [];
      const run = await runCli([...args, '--redis-url', deadRedis], { cwd: dir });
      expect(run.stderr).not.toMatch(/Unknown argument/);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/Redis at redis:\/\/worker:\*\*\*@127\.0\.0\.1:\d+\/0/);
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
      // Refused before the run started: nothing was sent, no report folder was made.
      expect(run.stdout).toBe('');
    },
  );

  test('with --log-format json the refusal is one JSON line, exit 2, the password masked', async () => {
    const args = commandArgs(dir).import ?? [];
    const run = await runCli([...args, '--redis-url', deadRedis, '--log-format', 'json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    const errors = jsonLines(run.stderr).filter((line) => line.exitCode === 2);
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.msg)).toMatch(/Redis/);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  test('a URL that is not redis:// is a configuration error that does not echo it', async () => {
    const args = commandArgs(dir).reconcile ?? [];
    const run = await runCli([...args, '--redis-url', `http://worker:${PASSWORD}@127.0.0.1:1`], { cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/redis:\/\//);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  test('SAKARI_SYNC_REDIS_URL is overridden by the flag (flag > env)', async () => {
    const args = commandArgs(dir).import ?? [];
    const run = await runCli([...args, '--redis-url', deadRedis], {
      cwd: dir,
      env: { SAKARI_SYNC_REDIS_URL: 'redis://127.0.0.1:1' },
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('worker:***@');
  });
});
