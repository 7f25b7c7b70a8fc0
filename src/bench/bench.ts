/**
 * `npm run bench`: the product's speed and memory figures, each measured in a child process of its
 * own so peak RSS belongs to one workload.
 *
 * - ceiling: csv-parse + parsePhoneNumberFromString + isValid + format('E.164'), single thread.
 * - dry-run: the whole import pipeline without sending, at N rows and at N/10 rows (memory flatness).
 * - rerun: a second, real run over N rows that Sakari already has: 0 requests expected.
 * - rate: a real import against the sandbox limited to R requests/s: achieved rate and Retry-After violations.
 * - xlsx: a dry-run import of an Excel workbook of X rows and of X/10 rows (memory flatness of the
 *   streaming workbook reader).
 * - sandbox: `--sandbox` runs as a user evaluating the tool would make them (state folder, so the
 *   sandbox keeps its data file), `--rate 1000 --batch-size 1000`, over S rows: the first import's
 *   time against a dry run of the same file, and the peak RSS of it and of an unchanged re-run.
 *
 * Options: --rows N (default 1,000,000), --rate R (default 20), --xlsx-rows X (default 200,000),
 * --sandbox-rows S (default 200,000), --only ceiling,dry-run,rerun,rate,xlsx,sandbox.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { resolveImportSettings } from '../config.js';
import { runImport } from '../pipeline/run.js';
import { startSandbox } from '../sandbox/index.js';
import { generateContactsCsv, generateContactsXlsx } from './generate.js';

interface Measurement {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  extra?: Record<string, number | string>;
}

const SELF = fileURLToPath(import.meta.url);

function peakRssMb(): number {
  // maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function ceiling(file: string): Promise<Measurement> {
  const started = performance.now();
  let rows = 0;
  let valid = 0;
  const parser = createReadStream(file).pipe(parse({ columns: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    const country = record.country ? (record.country as CountryCode) : undefined;
    const number = parsePhoneNumberFromString(record.mobile ?? '', country);
    if (number?.isValid()) {
      number.format('E.164');
      valid++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: peakRssMb(), extra: { valid } };
}

async function importRun(
  file: string,
  work: string,
  options: { dryRun: boolean; statePath?: string; apiUrl?: string; sandbox?: boolean },
): Promise<Measurement> {
  const settings = await resolveImportSettings({
    sources: [file],
    dryRun: options.dryRun,
    state: options.statePath ?? false,
    reportDir: path.join(work, 'reports'),
    apiUrl: options.apiUrl,
    sandbox: options.sandbox ?? false,
    ...(options.sandbox === true ? {} : { account: 'bench', clientId: 'sandbox', clientSecret: 'sandbox' }),
    batchSize: 1000,
    concurrency: 4,
    rate: 1000,
  });
  const started = performance.now();
  const result = await runImport(settings);
  const seconds = (performance.now() - started) / 1000;
  const rows = result.counts.rows;
  return {
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb: peakRssMb(),
    extra: {
      valid: result.counts.valid,
      invalid: result.counts.invalid,
      unchanged: result.counts.unchanged,
      created: result.counts.created,
      requests: result.api.requests,
    },
  };
}

async function rerun(file: string, work: string): Promise<Measurement> {
  const sandbox = await startSandbox({});
  try {
    const statePath = path.join(work, 'state.db');
    await importRun(file, work, { dryRun: false, statePath, apiUrl: sandbox.url });
    const before = sandbox.stats().apiRequests;
    const second = await importRun(file, work, { dryRun: false, statePath, apiUrl: sandbox.url });
    return {
      ...second,
      extra: { ...second.extra, apiRequestsOnRerun: sandbox.stats().apiRequests - before },
    };
  } finally {
    await sandbox.close();
  }
}

async function rateRun(file: string, work: string, rate: number): Promise<Measurement> {
  const sandbox = await startSandbox({ rate, burst: 2, latencyMs: 20 });
  try {
    const settings = await resolveImportSettings({
      sources: [file],
      state: false,
      reportDir: path.join(work, 'reports'),
      apiUrl: sandbox.url,
      account: 'bench',
      clientId: 'sandbox',
      clientSecret: 'sandbox',
      batchSize: 5,
      concurrency: 4,
      rate,
    });
    const result = await runImport(settings);
    const stats = sandbox.stats();
    const api = stats.requestLog.filter((entry) => entry.path.includes('/contacts'));
    const spanSeconds = api.length > 1 ? (api[api.length - 1]!.at - api[0]!.at) / 1000 : 1;
    const achieved = (api.length - 1) / spanSeconds;
    return {
      rows: result.counts.rows,
      seconds: result.durationMs / 1000,
      rowsPerSecond: result.counts.rows / (result.durationMs / 1000),
      peakRssMb: peakRssMb(),
      extra: {
        limit: rate,
        achievedRequestsPerSecond: Number(achieved.toFixed(2)),
        ratio: Number((achieved / rate).toFixed(3)),
        throttled: stats.throttled,
        retryAfterViolations: stats.retryAfterViolations,
      },
    };
  } finally {
    await sandbox.close();
  }
}

async function child(kind: string, file: string, work: string, rate: number): Promise<void> {
  let result: Measurement;
  if (kind === 'ceiling') result = await ceiling(file);
  else if (kind === 'dry-run') result = await importRun(file, work, { dryRun: true });
  else if (kind === 'rerun') result = await rerun(file, work);
  else if (kind === 'sandbox') {
    // The same state folder for the first run and the re-run: the second finds the sandbox's data file.
    result = await importRun(file, work, {
      dryRun: false,
      sandbox: true,
      statePath: path.join(work, 'sandbox-state', 'state.db'),
    });
  } else result = await rateRun(file, work, rate);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(kind: string, file: string, work: string, rate: number): Measurement {
  // The same V8 setting as bin/sakari-sync.js, so the figures are the CLI's.
  const out = spawnSync(
    process.execPath,
    ['--max-semi-space-size=4', SELF, '--child', kind, file, work, String(rate)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (out.status !== 0) throw new Error(`bench ${kind} failed (${out.status}): ${out.stderr}`);
  const last = out.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function mainBench(): Promise<void> {
  const rows = Number(flag('rows', '1000000'));
  const rate = Number(flag('rate', '20'));
  const xlsxRows = Number(flag('xlsx-rows', '200000'));
  const sandboxRows = Number(flag('sandbox-rows', '200000'));
  const only = new Set(flag('only', 'ceiling,dry-run,rerun,rate,xlsx,sandbox').split(','));
  const work = await mkdtemp(path.join(os.tmpdir(), 'sakari-bench-'));
  try {
    const big = path.join(work, `contacts-${rows}.csv`);
    const small = path.join(work, `contacts-${rows / 10}.csv`);
    const rateFile = path.join(work, 'contacts-rate.csv');
    const csvNeeded = ['ceiling', 'dry-run', 'rerun'].some((kind) => only.has(kind));
    if (csvNeeded) {
      await generateContactsCsv(big, rows);
      await generateContactsCsv(small, Math.round(rows / 10));
    }
    if (only.has('rate')) await generateContactsCsv(rateFile, rate * 5 * 12, 7); // about 12 s of traffic at batch size 5
    const fmt = (m: Measurement): string =>
      `${Math.round(m.rowsPerSecond).toLocaleString('en')} rows/s, ${m.rows.toLocaleString('en')} rows in ${m.seconds.toFixed(1)} s, peak RSS ${m.peakRssMb} MB`;
    console.log(
      `sakari-sync benchmark · node ${process.version} · ${os.availableParallelism()} cores · ${os.cpus()[0]?.model ?? ''}`,
    );
    let ceilingResult: Measurement | undefined;
    if (only.has('ceiling')) {
      ceilingResult = runChild('ceiling', big, work, rate);
      console.log(`ceiling (csv-parse + libphonenumber, 1 thread): ${fmt(ceilingResult)}`);
    }
    let dry: Measurement | undefined;
    if (only.has('dry-run')) {
      dry = runChild('dry-run', big, work, rate);
      const drySmall = runChild('dry-run', small, work, rate);
      console.log(`dry-run import:                                 ${fmt(dry)}`);
      console.log(
        `dry-run import (${drySmall.rows.toLocaleString('en')} rows):                ${fmt(drySmall)}`,
      );
      if (ceilingResult)
        console.log(
          `  throughput vs ceiling: ${(dry.rowsPerSecond / ceilingResult.rowsPerSecond).toFixed(2)}x (target >= 1.0)`,
        );
      console.log(
        `  peak RSS ${dry.peakRssMb} MB (target <= 250), ${(dry.peakRssMb / drySmall.peakRssMb).toFixed(2)}x the ${drySmall.rows.toLocaleString('en')}-row run (target <= 1.3)`,
      );
    }
    if (only.has('rerun')) {
      const again = runChild('rerun', big, work, rate);
      console.log(`re-run over unchanged rows:                     ${fmt(again)}`);
      console.log(
        `  requests on re-run: ${again.extra?.apiRequestsOnRerun} (target 0)${dry ? `, ${(again.rowsPerSecond / dry.rowsPerSecond).toFixed(2)}x dry-run throughput (target >= 0.8)` : ''}`,
      );
    }
    if (only.has('rate')) {
      const limited = runChild('rate', rateFile, work, rate);
      const e = limited.extra ?? {};
      console.log(
        `rate-limited import (sandbox limit ${rate} req/s): achieved ${e.achievedRequestsPerSecond} req/s = ${e.ratio}x (target >= 0.9), ${e.throttled} throttled, ${e.retryAfterViolations} Retry-After violations (target 0)`,
      );
    }
    if (only.has('xlsx')) {
      const bigBook = path.join(work, `contacts-${xlsxRows}.xlsx`);
      const smallBook = path.join(work, `contacts-${Math.round(xlsxRows / 10)}.xlsx`);
      await generateContactsXlsx(bigBook, xlsxRows);
      await generateContactsXlsx(smallBook, Math.round(xlsxRows / 10));
      const book = runChild('dry-run', bigBook, work, rate);
      const bookSmall = runChild('dry-run', smallBook, work, rate);
      console.log(`dry-run import of an .xlsx workbook:            ${fmt(book)}`);
      console.log(
        `dry-run import of an .xlsx workbook (${bookSmall.rows.toLocaleString('en')} rows): ${fmt(bookSmall)}`,
      );
      console.log(
        `  peak RSS ${book.peakRssMb} MB (target <= 300), ${(book.peakRssMb / bookSmall.peakRssMb).toFixed(2)}x the ${bookSmall.rows.toLocaleString('en')}-row workbook`,
      );
    }
    if (only.has('sandbox')) {
      const file = path.join(work, `contacts-sandbox-${sandboxRows}.csv`);
      await generateContactsCsv(file, sandboxRows);
      const dryRun = runChild('dry-run', file, work, rate);
      const first = runChild('sandbox', file, work, rate);
      const again = runChild('sandbox', file, work, rate);
      const requests = Number(first.extra?.requests ?? 0);
      // At 1000 requests/s the limiter's floor is requests / 1000 seconds.
      const allowed = 2.5 * dryRun.seconds + requests / 1000;
      console.log(`--sandbox import, first run:                    ${fmt(first)}, ${requests} requests`);
      console.log(
        `  ${first.seconds.toFixed(1)} s = ${(first.seconds / dryRun.seconds).toFixed(2)}x the dry run's ${dryRun.seconds.toFixed(1)} s (target <= 2.5x + requests/rate = ${allowed.toFixed(1)} s), peak RSS ${first.peakRssMb} MB (target <= 400)`,
      );
      console.log(
        `--sandbox import, unchanged re-run:             ${fmt(again)}, ${again.extra?.requests} requests`,
      );
      console.log(`  peak RSS ${again.peakRssMb} MB (target <= 300)`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , kind, file, work, rate] = process.argv;
  await child(kind!, file!, work!, Number(rate));
  process.exit(0);
} else {
  await mainBench();
}
