/**
 * The test suites that need a server npm cannot install (CONTRACT §1): they run when the server is
 * present; otherwise they are left out with one line saying so and how to run them. `.ci/run`
 * installs the servers and sets {@link REQUIRE_SERVERS_ENV}, which turns a missing server into a
 * failed test run instead of a skip.
 */
import { spawnSync } from 'node:child_process';

/** Set to `1` (as `.ci/run` does) to make every server suite mandatory. */
export const REQUIRE_SERVERS_ENV = 'SAKARI_SYNC_REQUIRE_SERVERS';

interface ServerSuite {
  /** What the suites test, for the message. */
  name: string;
  /** The program the suites start; found on PATH. */
  program: string;
  /** Test files (globs) that need it. */
  files: readonly string[];
  /** How to get the program on Debian. */
  install: string;
}

export const SERVER_SUITES: readonly ServerSuite[] = [
  {
    name: 'Redis shared rate limit',
    program: 'redis-server',
    files: ['test/limit/redis-*.test.ts'],
    install: 'apt-get install redis-server',
  },
];

/** Whether `program` runs (on PATH and executable). */
function hasProgram(program: string): boolean {
  const probe = spawnSync(program, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * The globs of the server suites whose server is missing, after printing one line per left-out
 * group. Throws when {@link REQUIRE_SERVERS_ENV} is `1` and a server is missing.
 */
export function serverSuiteExcludes(): string[] {
  const required = process.env[REQUIRE_SERVERS_ENV] === '1';
  const excluded: string[] = [];
  for (const suite of SERVER_SUITES) {
    if (hasProgram(suite.program)) continue;
    if (required) {
      throw new Error(
        `${REQUIRE_SERVERS_ENV}=1 but ${suite.program} is not on PATH: the ${suite.name} suites cannot run (${suite.install})`,
      );
    }
    process.stdout.write(
      `skipped: ${suite.name} suites (${suite.files.join(', ')}): ${suite.program} is not on PATH; ${suite.install} to run them\n`,
    );
    excluded.push(...suite.files);
  }
  return excluded;
}
