/**
 * The exit code and the words a user gets when Sakari answers in ways only a real API does, through
 * the real CLI (spawned) against a small server of this file on 127.0.0.1:
 * - a mistyped account (404), a 403: exit 2 with what to check, not "run again to resume";
 * - `--api-url …/v1` (the spec's servers URL): works;
 * - a `Retry-After` of a day: exit 1 at once, saying until when; one of minutes is announced, and
 *   the first SIGTERM ends it: exit 1 with the report written;
 * - look-ups failing after an accepted upload: one upload per batch, rows `failed NO_RESULT`, exit 3.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cliEnv, startCli } from '../../tools/cli-spawn.js';
import { readCsv, reportPathOf, runCli, tempDir } from '../helpers.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

/** Answers one request other than the token's (which always gives a token). */
type Answer = (seen: Seen, res: ServerResponse) => void;

const SECRET = 'cli-secret-4711';

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Every row of the CSV upload stored and named, as Sakari's full answer does. */
function storedAll(body: string): unknown {
  const mobiles = body
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(',')[0]!);
  const at = '2025-01-01T00:00:00.000Z';
  const contacts = mobiles.map((number, i) => ({
    id: `c${i}`,
    mobile: { number },
    created: { at },
    updated: { at },
  }));
  return {
    success: true,
    data: { submitted: mobiles.length, inserted: mobiles.length, updated: 0, contacts },
  };
}

let dir: string;
let cleanup: () => Promise<void>;
let source: string;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('sakari-api-failures-'));
  source = path.join(dir, 'contacts.csv');
  const rows = Array.from({ length: 6 }, (_, i) => `+1201555012${i},Ann${i}`);
  await writeFile(source, `mobile,first name\n${rows.join('\n')}\n`);
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await cleanup();
});

async function serve(answer: Answer): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        return send(res, 200, { access_token: 'tok-1', token_type: 'bearer', expires_in: 3600 });
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body };
      seen.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The flags of a run against `url` (the secret goes in the environment). */
function args(url: string, account = 'acc1'): string[] {
  return [
    'import',
    source,
    '--api-url',
    url,
    '--account',
    account,
    '--client-id',
    'ops',
    '--default-country',
    'US',
    '--no-state',
    '--report-dir',
    path.join(dir, 'reports'),
    '--batch-size',
    '2',
    '--concurrency',
    '1',
  ];
}
const env = { SAKARI_CLIENT_SECRET: SECRET };

describe('configuration errors exit 2', () => {
  test('a mistyped account (404 ACCT-001): the full URL and "check the account id", not "run again"', async () => {
    const { url } = await serve((_seen, res) =>
      send(res, 404, { success: false, error: { code: 'ACCT-001', message: 'Account not found' } }),
    );
    const run = await runCli(args(url, 'acc-typo'), { env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `POST ${url}/v1/accounts/acc-typo/contacts → 404 ACCT-001: Account not found`,
    );
    expect(run.stderr).toContain('check the account id (--account "acc-typo")');
    expect(run.stderr).not.toContain('run the same command again');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  test("a firewall's 403 page: exit 2, check the credentials' rights", async () => {
    const { url } = await serve((_seen, res) =>
      send(res, 403, '<html><body><h1>403 Forbidden</h1>Request blocked</body></html>', {
        'content-type': 'text/html',
      }),
    );
    const run = await runCli(args(url), { env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('have the rights to use it');
    expect(run.stderr).not.toContain('run the same command again');
  });

  test('--api-url with the spec’s /v1 works: the token and the contacts at their real paths', async () => {
    const { url, seen } = await serve((request, res) => send(res, 201, storedAll(request.body)));
    const run = await runCli(args(`${url}/v1`), { env });
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(seen.map((s) => s.path))).toEqual(new Set(['/v1/accounts/acc1/contacts']));
  });
});

describe('long waits', () => {
  test('Retry-After of a day: exit 1 at once, saying until when to wait', async () => {
    const { url } = await serve((_seen, res) =>
      send(
        res,
        429,
        { success: false, error: { code: 'RATE-001', message: 'quota' } },
        { 'retry-after': '86400' },
      ),
    );
    const run = await runCli(args(url), { env, timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /run aborted: .*Sakari asks to wait 1 d \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), longer than a run waits \(15 min\)(\s*\(gave up after \d+ attempts\))?; run the same command again to resume\n/,
    );
    const summary = JSON.parse(await readFile(path.join(reportPathOf(run), 'summary.json'), 'utf8'));
    expect(summary.exitCode).toBe(1);
  });

  test('a pause of minutes is announced, and the first SIGTERM ends it: exit 1 with the report', async () => {
    const { url } = await serve((_seen, res) => send(res, 429, { success: false }, { 'retry-after': '600' }));
    const cli = startCli(args(url), { env: cliEnv(env), deadlineMs: 60_000 });
    let stderr = '';
    cli.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    for (let waited = 0; !stderr.includes('Sakari asks to wait') && waited < 20_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stderr).toMatch(
      /warning: Sakari asks to wait (10 min|9 min 5\d s) \(Retry-After\): nothing is sent to this account until /,
    );
    const signalled = Date.now();
    cli.child.kill('SIGTERM');
    const run = await cli.done;
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("SIGTERM: stopped waiting out Sakari's Retry-After pause");
    const summary = JSON.parse(await readFile(path.join(reportPathOf(run), 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ exitCode: 1, partial: true });
  });
});

test('look-ups failing after accepted uploads: one upload per batch, rows failed NO_RESULT, exit 3', async () => {
  const { url, seen } = await serve((request, res) =>
    request.method === 'GET'
      ? send(res, 400, { success: false, error: { code: 'GEN-400', message: 'Unknown filter mobile' } })
      : send(res, 201, { success: true, data: { submitted: 2 } }),
  );
  const run = await runCli(args(url), { env });
  expect(run.code, run.stderr).toBe(3);
  expect(seen.filter((s) => s.method === 'POST')).toHaveLength(3); // 6 rows in batches of 2, none split
  const rows = await readCsv(path.join(reportPathOf(run), 'rows.csv'));
  expect(rows.map((row) => `${row.status} ${row.code}`)).toEqual(Array(6).fill('failed NO_RESULT'));
  expect(rows[0]?.message).toMatch(
    /^Sakari accepted the upload but did not confirm this contact, and looking it up failed: /,
  );
});
