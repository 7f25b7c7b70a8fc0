/**
 * Security properties of the real CLI: secrets and tokens never appear in anything it prints or
 * writes (even when the server echoes them back), report cells are spreadsheet-safe, the sandbox
 * binds loopback only, a run opens no connection but to the API it was given, state and report
 * files are private, and watch never leaves its folder.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CLI_BIN, cliEnv, startCli } from '../../tools/cli-spawn.js';
import { findSecrets, type Secret } from '../../tools/chaos/secrets.js';
import { startTokenTap, type TokenTap } from '../../tools/chaos/tap.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ROOT, readCsv, reportPathOf, runCli, tempDir, type CliRun } from '../helpers.js';

const SECRET = 'S3cr3t-chaos-client-secret-9f8e7d';
const WRONG = 'wr0ng-chaos-client-secret-1a2b3c';
const ACCOUNT = 'acc-sec';
const CLI_TIMEOUT_MS = 90_000;

let dir: string;
let cleanup: () => Promise<void>;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => ({ dir, cleanup } = await tempDir('sakari-security-')));
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await cleanup();
});

async function sandboxWithTap(
  options: Parameters<typeof startSandbox>[0] = {},
): Promise<{ sandbox: Sandbox; tap: TokenTap }> {
  const sandbox = await startSandbox({ clientId: 'sec-client', clientSecret: SECRET, ...options });
  closers.push(() => sandbox.close());
  const tap = await startTokenTap(sandbox.url);
  closers.push(() => tap.close());
  return { sandbox, tap };
}

/** Writes a small source of `n` valid US numbers. */
async function source(n: number, name = 'contacts.csv'): Promise<string> {
  const file = path.join(dir, name);
  const lines = Array.from({ length: n }, (_, i) => `+1 646 555 ${String(1000 + i)},Person${i}`);
  await writeFile(file, ['mobile,name', ...lines].join('\n') + '\n');
  return file;
}

function importArgs(file: string, apiUrl: string, extra: string[] = []): string[] {
  return [
    'import',
    file,
    '--api-url',
    apiUrl,
    '--account',
    ACCOUNT,
    '--client-id',
    'sec-client',
    '--report-dir',
    path.join(dir, 'reports'),
    '--state',
    path.join(dir, 'state', 'state.db'),
    ...extra,
  ];
}

/** Every leak of `secrets` in the runs' output and in every file under the test's folder but the sources. */
async function leaks(secrets: Secret[], runs: CliRun[]): Promise<string[]> {
  const texts = Object.fromEntries(
    runs.flatMap((run, i) => [
      [`stdout ${i + 1}`, run.stdout],
      [`stderr ${i + 1}`, run.stderr],
    ]),
  );
  return findSecrets(secrets, texts, dir);
}

describe('secrets', () => {
  test('the leak finder finds a secret in printed text and in files, UTF-8 or UTF-16 (so the checks below can fail)', async () => {
    await writeFile(path.join(dir, 'a.txt'), `x${SECRET}x`);
    await mkdir(path.join(dir, 'deep'));
    await writeFile(path.join(dir, 'deep', 'b.bin'), Buffer.from(`..${WRONG}..`, 'utf16le'));
    const found = await findSecrets(
      [
        { label: 'secret', value: SECRET },
        { label: 'wrong', value: WRONG },
      ],
      { stderr: `token ${SECRET}` },
      dir,
    );
    expect(found.sort()).toEqual([
      'secret in a.txt',
      'secret in stderr',
      `wrong in ${path.join('deep', 'b.bin')}`,
    ]);
  });

  test('under failures (wrong secret, revoked tokens, 5xx and garbled answers, SIGTERM mid-run, --json) no secret or token is printed or written', async () => {
    const { sandbox, tap } = await sandboxWithTap();
    const file = await source(30);
    const runs: CliRun[] = [];
    // 1. A wrong secret, as a flag: exit 2.
    runs.push(
      await runCli([...importArgs(file, tap.url), '--client-secret', WRONG], { timeoutMs: CLI_TIMEOUT_MS }),
    );
    expect(runs[0]?.code, runs[0]?.stderr).toBe(2);
    // 2. The right secret from the environment; tokens revoked, 5xx and a garbled answer retried,
    //    then SIGTERM mid-run: exit 1 (aborted, resumable).
    sandbox.expireTokens();
    const upload = { pathIncludes: '/contacts' };
    sandbox.inject({ kind: 'status', status: 503, match: upload }, { kind: 'garbled', match: upload });
    const interrupted = startCli(
      [...importArgs(file, tap.url), '--batch-size', '3', '--concurrency', '1', '--rate', '10'],
      {
        env: cliEnv({ SAKARI_CLIENT_SECRET: SECRET }),
        deadlineMs: CLI_TIMEOUT_MS,
      },
    );
    // 401 (revoked), 503, garbled, then two good uploads.
    while (sandbox.stats().apiRequests < 5 && interrupted.child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    interrupted.child.kill('SIGTERM');
    const second = await interrupted.done;
    runs.push({ code: second.code, signal: second.signal, stdout: second.stdout, stderr: second.stderr });
    expect(runs[1]?.code, runs[1]?.stderr).toBe(1);
    // 3. Resumed with --json and the secret as a flag: exit 0.
    runs.push(
      await runCli([...importArgs(file, tap.url), '--client-secret', SECRET, '--json'], {
        timeoutMs: CLI_TIMEOUT_MS,
      }),
    );
    expect(runs[2]?.code, runs[2]?.stderr).toBe(0);
    expect(sandbox.contacts(ACCOUNT)).toHaveLength(30);

    expect(tap.tokens.length).toBeGreaterThanOrEqual(2);
    const secrets: Secret[] = [
      { label: 'the client secret', value: SECRET },
      { label: 'the wrong secret', value: WRONG },
      ...tap.tokens.map((value, i) => ({ label: `token ${i + 1}`, value })),
    ];
    expect(await leaks(secrets, runs)).toEqual([]);
  }, 120_000);

  test('a server that echoes the secret and the bearer token in its error messages: the CLI still never repeats them', async () => {
    const token = 'ECHOED-token-abcdefghijklmnopqrstuvwxyz0123456789';
    let tokenCalls = 0;
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const answer = (status: number, payload: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (req.url?.startsWith('/oauth2/token')) {
          tokenCalls++;
          // The first attempt is refused with the request body echoed back, secret included.
          if (tokenCalls === 1)
            answer(503, { success: false, error: { code: 'SRV-503', message: `busy; you sent ${body}` } });
          else answer(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
          return;
        }
        const auth = req.headers.authorization ?? '';
        answer(422, {
          success: false,
          error: {
            code: 'CONT-000',
            message: `cannot accept this; headers were authorization: ${auth}; secret ${SECRET}`,
          },
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const run = await runCli(
      [...importArgs(await source(3), url), '--client-secret', SECRET, '--batch-size', '3'],
      {
        timeoutMs: CLI_TIMEOUT_MS,
      },
    );
    // Every row refused (422 down to single rows): finished with failures.
    expect(run.code, run.stderr).toBe(3);
    const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(rows[0]?.message).toMatch(/cannot accept this/);
    expect(
      await leaks(
        [
          { label: 'the client secret', value: SECRET },
          { label: 'the token', value: token },
        ],
        [run],
      ),
    ).toEqual([]);
  }, 60_000);
});

describe('spreadsheet safety', () => {
  test('formula-injection cells are neutralised in rows.csv and rejected.csv; E.164 stays exact', async () => {
    const file = path.join(dir, 'evil.csv');
    await writeFile(
      file,
      [
        'mobile,first name,notes,tags',
        '+1 646 555 0101,"=HYPERLINK(""http://evil.example"",""x"")",+SUM(A1:A9),@cmd',
        '=1+2,-2+3,"\tTAB","\rCR"',
        '+1 646 555 0101,@dup,=dup,=dup',
        '"=cmd|\' /C calc\'!A0",Joe,x,y',
      ].join('\n') + '\n',
    );
    const run = await runCli(
      ['import', file, '--dry-run', '--no-state', '--report-dir', path.join(dir, 'reports')],
      {
        timeoutMs: CLI_TIMEOUT_MS,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = reportPathOf(run);
    const rows = await readCsv(path.join(report, 'rows.csv'));
    expect(rows.map((r) => r.status)).toEqual(['created', 'invalid', 'duplicate', 'invalid']);
    expect(rows[0]?.mobile_e164).toBe('+16465550101');
    expect(rows[0]?.mobile_input).toBe("'+1 646 555 0101");
    expect(rows[1]?.mobile_input).toBe("'=1+2");
    const rejected = await readCsv(path.join(report, 'rejected.csv'));
    expect(rejected).toHaveLength(3);
    for (const line of [...rows, ...rejected]) {
      for (const [column, value] of Object.entries(line)) {
        if (column === 'mobile_e164') continue;
        expect(value, `${column}: ${JSON.stringify(value)}`).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
    expect(rejected.map((r) => r['first name'])).toEqual(["'-2+3", "'@dup", 'Joe']);
  }, 60_000);
});

describe('network', () => {
  test('the sandbox binds 127.0.0.1 by default, as a library and as the `sandbox` command', async () => {
    const sandbox = await startSandbox();
    closers.push(() => sandbox.close());
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const run = await runCliUntilFirstLine(['sandbox', '--port', '0']);
    expect(run).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('no telemetry: an import with --sandbox connects to its own loopback sandbox and nowhere else; a dry run connects nowhere', async () => {
    const netLog = path.join(dir, 'net.log');
    const recorder = path.join(ROOT, 'test', 'chaos', 'fixtures', 'net-recorder.mjs');
    const env = {
      CHAOS_NET_LOG: netLog,
      NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${pathToFileURL(recorder).href}`.trim(),
    };
    const sample = path.join(ROOT, 'samples', 'contacts.csv');
    const run = await runCli(
      [
        'import',
        sample,
        '--sandbox',
        '--default-country',
        'US',
        '--state',
        path.join(dir, 'state', 'state.db'),
        '--report-dir',
        path.join(dir, 'reports'),
      ],
      { env, timeoutMs: CLI_TIMEOUT_MS },
    );
    expect(run.code, run.stderr).toBe(0);
    const entries = (await readFile(netLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; host?: string; path?: string });
    expect(entries.filter((e) => e.kind === 'connect').length).toBeGreaterThan(0);
    const elsewhere = entries.filter(
      (e) => !(e.host === '127.0.0.1' || e.host === '::1' || e.host === 'localhost'),
    );
    expect(elsewhere).toEqual([]);

    const dry = await runCli(
      [
        'import',
        sample,
        '--dry-run',
        '--no-state',
        '--default-country',
        'US',
        '--report-dir',
        path.join(dir, 'reports'),
      ],
      {
        env: { ...env, CHAOS_NET_LOG: path.join(dir, 'net-dry.log') },
        timeoutMs: CLI_TIMEOUT_MS,
      },
    );
    expect(dry.code, dry.stderr).toBe(0);
    await expect(readFile(path.join(dir, 'net-dry.log'), 'utf8')).rejects.toThrow(/ENOENT/);
  }, 60_000);
});

describe('file permissions', () => {
  test('state and report files are 0600 in 0700 folders, even under umask 000', async () => {
    const { tap } = await sandboxWithTap();
    const run = await runCliWithUmask0([...importArgs(await source(5), tap.url), '--client-secret', SECRET]);
    expect(run.code, run.stderr).toBe(0);
    const report = reportPathOf(run);
    const mode = async (p: string): Promise<string> => ((await stat(p)).mode & 0o777).toString(8);
    expect(await mode(path.join(dir, 'state'))).toBe('700');
    expect(await mode(report)).toBe('700');
    const files = [
      ...(await readdir(path.join(dir, 'state'))).map((f) => path.join(dir, 'state', f)),
      ...(await readdir(report)).map((f) => path.join(report, f)),
    ];
    expect(files.some((f) => f.endsWith('state.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('summary.json'))).toBe(true);
    for (const file of files) {
      if ((await lstat(file)).isFile())
        expect(`${path.basename(file)} ${await mode(file)}`).toBe(`${path.basename(file)} 600`);
    }
  }, 60_000);
});

describe('watch stays in its folder', () => {
  test('a symlink dropped in the inbox is not followed, odd file names are filed inside the folder, nothing is written outside', async () => {
    const watched = path.join(dir, 'drop');
    const inbox = path.join(watched, 'inbox');
    await mkdir(inbox, { recursive: true });
    const outside = path.join(dir, 'outside.csv');
    const outsideText = 'mobile\n+16465550199\n';
    await writeFile(outside, outsideText);
    await symlink(outside, path.join(inbox, 'link.csv'));
    const odd = ['..csv', '-rf.csv', 'a b $(touch pwned) `x`.csv', 'semi;colon.csv'];
    for (const [i, name] of odd.entries())
      await writeFile(path.join(inbox, name), `mobile\n+1646555${String(2000 + i)}\n`);
    const before = (await readdir(dir)).sort();

    const run = await runCli(
      ['watch', watched, '--once', '--sandbox', '--default-country', 'US', '--settle-ms', '100'],
      {
        timeoutMs: CLI_TIMEOUT_MS,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(before);
    expect(await readFile(outside, 'utf8')).toBe(outsideText);
    expect((await lstat(path.join(inbox, 'link.csv'))).isSymbolicLink()).toBe(true);
    // Names starting with a dot are ignored (CONTRACT §7): `..csv` waits in the inbox.
    expect((await readdir(path.join(watched, 'processed'))).sort()).toEqual(
      odd.filter((n) => !n.startsWith('.')).sort(),
    );
    expect((await readdir(inbox)).sort()).toEqual(['..csv', 'link.csv']);
    expect(await readdir(ROOT)).not.toContain('pwned');
  }, 90_000);
});

/** Starts the CLI, returns its first stdout line, then stops it with SIGTERM. */
async function runCliUntilFirstLine(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const newline = out.indexOf('\n');
        if (newline >= 0) resolve(out.slice(0, newline));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before printing a line`)));
    });
  } finally {
    child.kill('SIGTERM');
    await closed;
  }
}

/** Runs the CLI under `umask 000`, so any file it does not create private would come out world-writable. */
async function runCliWithUmask0(args: string[]): Promise<CliRun> {
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI_BIN, ...args], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  return { code, signal, stdout, stderr };
}
