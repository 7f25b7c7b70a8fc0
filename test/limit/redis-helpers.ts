/**
 * Helpers of the Redis limiter tests: a throwaway redis-server, the limiter and client compiled
 * for child processes, and worker processes speaking JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSources } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER_SCRIPT = path.join(ROOT, 'test', 'limit', 'fixtures', 'redis-worker.mjs');

/** Generous: redis-server starts in milliseconds, but CI machines can be slow. */
const REDIS_START_TIMEOUT_MS = 10_000;

/** A redis-server started for one test file. */
export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** SIGKILL, as a crash would: no goodbye to the clients. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (idempotent). */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (the OS picked it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1, without persistence. The suites that call it
 * are left out when redis-server is not installed (test/server-suites.ts); CI installs it and
 * makes them mandatory.
 */
export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let starting = true;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${REDIS_START_TIMEOUT_MS} ms:\n${output}`));
    }, REDIS_START_TIMEOUT_MS);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'redis-server is not on PATH: the Redis limiter tests need a real Redis ' +
                '(apt-get install -y redis-server)',
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      if (!starting) return;
      clearTimeout(timer);
      reject(new Error(`redis-server exited at start (code ${code}, signal ${signal}):\n${output}`));
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  starting = false;
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

/**
 * The sources compiled to JavaScript for the worker processes (they load the limiter and the Sakari
 * client): see {@link compileSources}.
 *
 * @returns the directory holding `limit/index.js` and `sakari/index.js`, and its cleanup.
 */
export function compileForWorkers(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  return compileSources('sakari-limit-workers-');
}

/** What `fixtures/redis-worker.mjs` is told to do. */
export interface WorkerConfig {
  redisUrl: string;
  apiUrl: string;
  accountId: string;
  rate: number;
  maxConcurrent: number;
  /** E.164 numbers this worker upserts. */
  mobiles: string[];
  batchSize: number;
}

/** One JSON line from a worker. */
export type WorkerEvent =
  | { type: 'ready' }
  | { type: 'sent'; at: number; status: number | null }
  | { type: 'fallback'; reason: string; at: number }
  | { type: 'done'; stored: number; failed: number }
  | { type: 'error'; name: string; message: string };

/** A running worker process. */
export interface Worker {
  readonly events: WorkerEvent[];
  /** Resolves with the first event of that type (rejects if the worker exits first). */
  waitFor(type: WorkerEvent['type']): Promise<WorkerEvent>;
  /** Tells the worker to start sending. */
  go(): void;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
  kill(): void;
}

/** Spawns `fixtures/redis-worker.mjs` with the compiled modules in `modulesDir`. */
export function spawnWorker(modulesDir: string, config: WorkerConfig): Worker {
  const child: ChildProcess = spawn(process.execPath, [WORKER_SCRIPT, modulesDir, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  const waiters: Array<{ type: WorkerEvent['type']; resolve: (event: WorkerEvent) => void }> = [];
  let stderr = '';
  let pending = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as WorkerEvent;
      events.push(event);
      for (const waiter of waiters.filter((w) => w.type === event.type)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    events,
    waitFor: (type) => {
      const seen = events.find((event) => event.type === type);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<WorkerEvent>((resolve) => waiters.push({ type, resolve })),
        exited.then((code) => {
          throw new Error(`worker exited (code ${code}) before "${type}"; stderr:\n${stderr}`);
        }),
      ]);
    },
    go: () => child.stdin?.write('go\n'),
    exited,
    stderr: () => stderr,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** `count` distinct valid US mobiles starting at `from` (+1 646 555 xxxx). */
export function mobiles(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `+1646555${String(from + i).padStart(4, '0')}`);
}
