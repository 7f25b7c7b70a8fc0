import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeldError, RunLock, lockPaths, type LockHolder } from '../../src/state/index.js';

const JOB = 'run:jobs/nightly.yaml:acct-1';

let stateDir: string;
const locks: RunLock[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'sakari-lock-'));
});

afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  await rm(stateDir, { recursive: true, force: true });
});

async function acquire(
  command = 'run jobs/nightly.yaml',
  extra: { staleMs?: number; onCompromised?: (e: Error) => void } = {},
): Promise<RunLock> {
  const lock = await RunLock.acquire({ stateDir, jobKey: JOB, command, ...extra });
  locks.push(lock);
  return lock;
}

async function heldBy(promise: Promise<unknown>): Promise<LockHeldError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockHeldError);
  return error as LockHeldError;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  expect(child.pid).toBeTypeOf('number');
  return child.pid as number;
}

/** A lock directory as a process that crashed (or another host) left it. */
async function leaveLock(
  holder: (Partial<LockHolder> & { instance?: string }) | undefined,
  ageMs = 0,
): Promise<void> {
  const paths = lockPaths(stateDir, JOB);
  await mkdir(paths.lock, { recursive: true });
  if (holder) {
    const record = {
      pid: 1,
      host: hostname(),
      command: 'run jobs/nightly.yaml',
      since: '2025-01-01T00:00:00.000Z',
      jobKey: JOB,
      instance: 'crashed-process',
      ...holder,
    };
    await writeFile(paths.holder, JSON.stringify(record));
  }
  const then = new Date(Date.now() - ageMs);
  await utimes(paths.lock, then, then);
}

async function holderFile(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(lockPaths(stateDir, JOB).holder, 'utf8')) as Record<string, unknown>;
}

describe('RunLock', () => {
  it('takes a free lock, names its holder, and releases it idempotently', async () => {
    const lock = await acquire();
    const paths = lockPaths(stateDir, JOB);
    expect(lock.path).toBe(paths.lock);
    expect(paths.lock).toMatch(/[/\\]locks[/\\][0-9a-f]{40}\.lock$/);
    expect(await holderFile()).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'run jobs/nightly.yaml',
      jobKey: JOB,
    });
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.holder)).mode & 0o777).toBe(0o600);

    await lock.release();
    await lock.release();
    await expect(stat(paths.lock)).rejects.toMatchObject({ code: 'ENOENT' });

    const again = await acquire('run again');
    expect((await holderFile()).command).toBe('run again');
    expect(again.compromised).toBeUndefined();
  });

  it('refuses a second acquire in the same process, naming the holder', async () => {
    await acquire('run jobs/nightly.yaml --full');
    const error = await heldBy(acquire('run jobs/nightly.yaml'));
    expect(error.holder).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'run jobs/nightly.yaml --full',
    });
    expect(Date.parse(error.holder.since)).toBeGreaterThan(Date.now() - 60_000);
    expect(error.message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect(error.message).toContain('`run jobs/nightly.yaml --full`');
    expect(error.lockPath).toBe(lockPaths(stateDir, JOB).lock);
  });

  it('keeps job keys apart', async () => {
    await acquire();
    const other = await RunLock.acquire({ stateDir, jobKey: 'another job', command: 'run other.yaml' });
    locks.push(other);
    expect(other.path).not.toBe(lockPaths(stateDir, JOB).lock);
  });

  it('refuses while another process holds the lock, and takes it over at once when that process dies', async () => {
    const paths = lockPaths(stateDir, JOB);
    await mkdir(paths.dir, { recursive: true });
    const lockfileUrl = pathToFileURL(createRequire(import.meta.url).resolve('proper-lockfile')).href;
    // The other process takes the lock with proper-lockfile directly and writes its holder file,
    // as RunLock does (this test cannot run the TypeScript sources in a child).
    const script = `
      import lockfile from ${JSON.stringify(lockfileUrl)};
      import { writeFileSync } from 'node:fs';
      import { hostname } from 'node:os';
      const { LOCK_TARGET, LOCK_DIR, HOLDER, JOB_KEY } = process.env;
      await lockfile.lock(LOCK_TARGET, { lockfilePath: LOCK_DIR, realpath: false, retries: 0,
        stale: 3600000, update: 1800000, onCompromised: () => {} });
      writeFileSync(HOLDER, JSON.stringify({ pid: process.pid, host: hostname(), command: 'watch /srv/drop',
        since: new Date().toISOString(), jobKey: JOB_KEY, instance: 'child' }));
      process.stdout.write('locked\\n');
      setInterval(() => {}, 60000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        LOCK_TARGET: paths.target,
        LOCK_DIR: paths.lock,
        HOLDER: paths.holder,
        JOB_KEY: JOB,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('locked\n');

    const error = await heldBy(acquire());
    expect(error.holder).toMatchObject({ pid: child.pid, host: hostname(), command: 'watch /srv/drop' });

    child.kill('SIGKILL');
    await once(child, 'exit');
    // The lock directory is still there and fresh: only the dead pid allows the takeover.
    expect((await stat(paths.lock)).mtimeMs).toBeGreaterThan(Date.now() - 30_000);
    await acquire('run after crash');
    expect(await holderFile()).toMatchObject({ pid: process.pid, command: 'run after crash' });
  });

  it('takes over a lock whose holder on this host is dead', async () => {
    await leaveLock({ pid: await deadPid() });
    const lock = await acquire();
    expect(await holderFile()).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(stat(lockPaths(stateDir, JOB).lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock left by an earlier process that had our pid (containers)', async () => {
    await leaveLock({ pid: process.pid, instance: 'previous-container' });
    await acquire();
    expect(await holderFile()).toMatchObject({ pid: process.pid, command: 'run jobs/nightly.yaml' });
  });

  it('respects a fresh lock of another host and takes it over once stale', async () => {
    await leaveLock({ pid: 99, host: 'batch-02.internal', command: 'run jobs/nightly.yaml' }, 1_000);
    const error = await heldBy(acquire('run here', { staleMs: 5_000 }));
    expect(error.holder).toMatchObject({ pid: 99, host: 'batch-02.internal' });

    await leaveLock({ pid: 99, host: 'batch-02.internal' }, 6_000);
    await acquire('run here', { staleMs: 5_000 });
    expect(await holderFile()).toMatchObject({ host: hostname(), command: 'run here' });
  });

  it('reports an unidentified holder of a fresh lock without holder file, and takes it over once stale', async () => {
    await leaveLock(undefined);
    const error = await heldBy(acquire());
    expect(error.holder).toMatchObject({ pid: 0, host: 'unknown', command: 'unknown' });
    expect(error.message).toMatch(/unidentified/);

    await leaveLock(undefined, 60_000);
    await acquire();
    expect(await holderFile()).toMatchObject({ pid: process.pid });
  });

  it('never lets two contenders win a takeover', async () => {
    for (let round = 0; round < 4; round++) {
      await leaveLock({ pid: await deadPid() });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          RunLock.acquire({ stateDir, jobKey: JOB, command: `contender ${i}` }),
        ),
      );
      const winners = results.filter((r): r is PromiseFulfilledResult<RunLock> => r.status === 'fulfilled');
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(winners).toHaveLength(1);
      for (const loser of losers) expect(loser.reason).toBeInstanceOf(LockHeldError);
      const winner = winners[0]?.value as RunLock;
      expect((await holderFile()).command).toBe(
        `contender ${results.indexOf(winners[0] as PromiseSettledResult<RunLock>)}`,
      );
      await winner.release();
    }
  });

  it('notices when its lock is taken away, and then leaves the new holder alone', async () => {
    const lost: Error[] = [];
    const first = await acquire('first', { staleMs: 2_000, onCompromised: (e) => lost.push(e) });
    const paths = lockPaths(stateDir, JOB);
    await unlink(paths.holder);
    await rmdir(paths.lock);
    const second = await acquire('second');

    // The holder refreshes every staleMs / 2 and then finds the directory is not its own. The
    // deadline leaves room for a loaded machine (a full suite on two cores once took over 5 s).
    const deadline = Date.now() + 20_000;
    while (first.compromised === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(first.compromised).toBeInstanceOf(Error);
    expect(lost).toHaveLength(1);

    await first.release();
    expect(await holderFile()).toMatchObject({ command: 'second' });
    expect(second.compromised).toBeUndefined();
  });

  it('rejects a stale period it cannot honour', async () => {
    await expect(RunLock.acquire({ stateDir, jobKey: JOB, command: 'x', staleMs: 500 })).rejects.toThrow(
      RangeError,
    );
  });
});
