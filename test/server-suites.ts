/**
 * The test suites that need a server npm cannot install (CONTRACT §1): they run when the server is
 * present; otherwise they are left out with one line saying so and how to run them. `.ci/run`
 * installs the servers and sets {@link REQUIRE_SERVERS_ENV}, which turns a missing server into a
 * failed test run instead of a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Set to `1` (as `.ci/run` does) to make every server suite mandatory. */
export const REQUIRE_SERVERS_ENV = 'SAKARI_SYNC_REQUIRE_SERVERS';

interface ServerSuite {
  /** What the suites test, for the message. */
  name: string;
  /** The program the suites start, for the message. */
  program: string;
  /** Where that program is, or undefined when it is not installed. */
  find: () => string | undefined;
  /** Test files (globs) that need it. */
  files: readonly string[];
  /** How to get the program on Debian. */
  install: string;
}

export const SERVER_SUITES: readonly ServerSuite[] = [
  {
    name: 'Redis shared rate limit',
    program: 'redis-server',
    find: () => (runs('redis-server') ? 'redis-server' : undefined),
    files: ['test/limit/redis-*.test.ts'],
    install: 'apt-get install redis-server',
  },
  {
    name: 'PostgreSQL state store and run locks',
    program: 'initdb',
    find: () => findPostgresBin(),
    files: ['test/state/postgres-*.test.ts', 'test/e2e/several-machines.test.ts'],
    install: 'apt-get install postgresql',
  },
];

/** Whether `program` runs (on PATH and executable). */
function runs(program: string): boolean {
  const probe = spawnSync(program, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** Where Debian installs the PostgreSQL server programs, one folder per major version. */
const DEBIAN_POSTGRES_LIB = '/usr/lib/postgresql';

/**
 * The folder holding PostgreSQL's `initdb` and `postgres`: the one on PATH, else Debian's
 * `/usr/lib/postgresql/<version>/bin` of the highest version (Debian keeps them off PATH).
 */
export function findPostgresBin(): string | undefined {
  const probe = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = probe.status === 0 ? probe.stdout.trim() : '';
  if (onPath !== '' && existsSync(path.join(path.dirname(onPath), 'postgres'))) return path.dirname(onPath);
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_POSTGRES_LIB);
  } catch {
    return undefined;
  }
  const bins = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((version) => path.join(DEBIAN_POSTGRES_LIB, version, 'bin'))
    .filter((bin) => existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres')));
  return bins[0];
}

/**
 * The globs of the server suites whose server is missing, after printing one line per left-out
 * group. Throws when {@link REQUIRE_SERVERS_ENV} is `1` and a server is missing.
 */
export function serverSuiteExcludes(): string[] {
  const required = process.env[REQUIRE_SERVERS_ENV] === '1';
  const excluded: string[] = [];
  for (const suite of SERVER_SUITES) {
    if (suite.find() !== undefined) continue;
    if (required) {
      throw new Error(
        `${REQUIRE_SERVERS_ENV}=1 but ${suite.program} is not installed: the ${suite.name} suites cannot run (${suite.install})`,
      );
    }
    process.stdout.write(
      `skipped: ${suite.name} suites (${suite.files.join(', ')}): ${suite.program} is not installed; ${suite.install} to run them\n`,
    );
    excluded.push(...suite.files);
  }
  return excluded;
}
