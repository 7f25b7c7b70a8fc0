/**
 * A private PostgreSQL cluster for one test file: `initdb` in a temp folder, `postgres` on a free
 * port of 127.0.0.1 (its unix socket in the temp folder), fsync off. The suites that call it are
 * left out when the server is not installed (test/server-suites.ts); CI installs it and makes them
 * mandatory. PostgreSQL refuses to run as root: as root, the programs run as the `postgres` user
 * that Debian's package creates.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../limit/redis-helpers.js';
import { findPostgresBin } from '../server-suites.js';

/** Generous: initdb and start take about a second, but CI machines can be slow. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** The user the tests log in as; its password is checked (scram) over TCP. */
const TEST_USER = 'sakari';

export interface PostgresServer {
  /** `postgres://sakari:<password>@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly password: string;
  readonly port: number;
  /** A fresh, empty database of the cluster and its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown, then SIGKILL) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** The uid and gid programs run as: the `postgres` user when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Starts a private cluster. Call `stop()` in afterAll, also when a test failed. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error(
      'PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): apt-get install postgresql',
    );
  }
  const user = runAs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sakari-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const pwfile = path.join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user !== undefined) {
    await chown(dir, user.uid, user.gid);
    await chown(pwfile, user.uid, user.gid);
  }
  const spawnOptions = { cwd: dir, uid: user?.uid, gid: user?.gid, env: { ...process.env, LC_ALL: 'C' } };

  let child: ReturnType<typeof spawn> | undefined;
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running !== undefined && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGINT'); // PostgreSQL's fast shutdown
      const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    execFileSync(
      path.join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        TEST_USER,
        `--pwfile=${pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '--encoding=UTF8',
        '--no-sync',
      ],
      { ...spawnOptions, stdio: 'pipe' },
    );
    const port = await freePort();
    child = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=16MB',
        '-c',
        'max_connections=100',
      ],
      { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const url = `postgres://${TEST_USER}:${password}@127.0.0.1:${port}/postgres`;
    await waitUntilReady(url, child, () => output);

    let databases = 0;
    return {
      url,
      password,
      port,
      async createDatabase() {
        const name = `t${process.pid}_${++databases}`;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return `postgres://${TEST_USER}:${password}@127.0.0.1:${port}/${name}`;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilReady(
  url: string,
  child: ReturnType<typeof spawn>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited at start (code ${child.exitCode}):\n${output()}`);
    }
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
