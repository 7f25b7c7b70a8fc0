/**
 * `npm run bench`: the product's speed and memory figures, each measured in a child process of its
 * own so peak RSS belongs to one workload.
 *
 * - ceiling: csv-parse + parsePhoneNumberFromString + isValid + format('E.164'), single thread.
 * - dry-run: the whole import pipeline without sending, at N rows and at N/10 rows (memory flatness).
 * - csv-parse: csv-parse alone (`columns: true`) over the same file: what reading costs.
 * - nightly (issue 16): a first real import of N rows against a sandbox in another process, an
 *   unchanged re-run and a re-run with 1% of the rows changed, each with its peak RSS and its
 *   throughput against the ceiling.
 * - rerun (only with --only rerun): a second, real run over N rows, sandbox in the same process.
 * - rate: a real import against the sandbox limited to R requests/s: achieved rate and Retry-After violations.
 * - xlsx: a dry-run import of an Excel workbook of X rows and of X/10 rows (memory flatness of the
 *   streaming workbook reader).
 * - sandbox: `--sandbox` runs as a user evaluating the tool would make them (state folder, so the
 *   sandbox keeps its data file), `--rate 1000 --batch-size 1000`, over S rows: the first import's
 *   time against a dry run of the same file, and the peak RSS of it and of an unchanged re-run.
 * - pace (issue 18, adaptive pace): `--rate 20` against a sandbox allowing 5 requests/s, 4,000
 *   contacts in batches of 10, twice (the second run starts at the remembered pace); then a
 *   sandbox allowing more than `--rate`. About three minutes.
 *
 * Options: --rows N (default 1,000,000), --rate R (default 20), --xlsx-rows X (default 200,000),
 * --sandbox-rows S (default 200,000), --only ceiling,csv-parse,dry-run,nightly,rerun,rate,xlsx,sandbox,pace,
 * --repeat K (default 1): the ceiling, the dry run and the two re-runs are each measured K times and
 * their median printed with the range (peak RSS: the highest), for a machine whose speed wanders.
 * With the ceiling measured, each run of the dry run and of the two re-runs also comes right after
 * a ceiling run of its own, and its ratio to that run is printed beside the ratio of the medians.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { CLI_V8_FLAGS } from '../../src/cli/v8-flags.js';
import { resolveImportSettings } from '../../src/config.js';
import { runImport } from '../../src/pipeline/run.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { generateContactsCsv, generateContactsXlsx } from './generate.js';

interface Measurement {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  extra?: Record<string, number | string>;
  /** Set by {@link median}: how many runs, and the fastest and slowest in seconds. */
  runs?: { count: number; fastest: number; slowest: number };
  /** Set by {@link besideCeiling}: each run's throughput over the ceiling run's just before it. */
  ratios?: number[];
}

/**
 * The run of median time among `count` runs of `measure` (given the run's index), with the range of
 * their times and the highest peak RSS of them (the memory target is a ceiling).
 */
function median(count: number, measure: (index: number) => Measurement): Measurement {
  const all = Array.from({ length: count }, (_, index) => measure(index));
  const sorted = [...all].sort((a, b) => a.seconds - b.seconds);
  const middle = middleOf(sorted);
  if (count === 1) return middle;
  return {
    ...middle,
    peakRssMb: Math.max(...all.map((m) => m.peakRssMb)),
    runs: {
      count,
      fastest: (sorted[0] as Measurement).seconds,
      slowest: (sorted.at(-1) as Measurement).seconds,
    },
  };
}

/** The middle item of a sorted, non-empty list (the lower of the two middle ones of an even count). */
function middleOf<T>(sorted: readonly T[]): T {
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

/**
 * {@link median} of `count` runs of `measure`, each right after a ceiling run of its own when
 * `ceilingRun` is given. This machine's speed wanders by tens of percent within minutes: a ratio
 * to the ceiling measured minutes earlier moves with it, the ratio of each run to a ceiling run
 * beside it much less.
 */
function besideCeiling(
  count: number,
  measure: (index: number) => Measurement,
  ceilingRun: (() => Measurement) | undefined,
): Measurement {
  const ratios: number[] = [];
  const result = median(count, (index) => {
    const beside = ceilingRun?.();
    const measured = measure(index);
    if (beside) ratios.push(measured.rowsPerSecond / beside.rowsPerSecond);
    return measured;
  });
  return ratios.length > 0 ? { ...result, ratios } : result;
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

/** csv-parse alone (`columns: true`): what reading costs, the floor under any re-run. */
async function csvParseOnly(file: string): Promise<Measurement> {
  const started = performance.now();
  let rows = 0;
  const parser = createReadStream(file).pipe(parse({ columns: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) if (record) rows++;
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: peakRssMb() };
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
      updated: result.counts.updated,
      recalled: result.recalledRows ?? 0,
      recalledRejections: result.recalledRejections ?? 0,
      recalledInPlace: result.recalledInPlace ?? 0,
      recalledUnparsed: result.recalledUnparsed ?? 0,
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

/** Issue 18's targets: the server's limit, `--rate` (the ceiling), contacts and batch size. */
const PACE_LIMIT = 5;
const PACE_CEILING = 20;
const PACE_BATCH_SIZE = 10;
/** The generator makes ~15 % of rows invalid or duplicate: about 4,000 valid contacts. */
const PACE_ROWS = 4_700;

/**
 * One import against `sandbox` with `--rate ceiling` and the given state store, measured at the
 * server: write requests, 429s, Retry-After violations and the achieved rate of accepted writes
 * over the span of the writes.
 */
async function paceImport(
  file: string,
  work: string,
  sandbox: Awaited<ReturnType<typeof startSandbox>>,
  ceiling: number,
  statePath: string,
): Promise<Record<string, number | string>> {
  const logged = sandbox.stats().requestLog.length;
  const before = sandbox.stats();
  const settings = await resolveImportSettings({
    sources: [file],
    state: statePath,
    full: true,
    reportDir: path.join(work, 'reports'),
    apiUrl: sandbox.url,
    account: 'bench-pace',
    clientId: 'sandbox',
    clientSecret: 'sandbox',
    batchSize: PACE_BATCH_SIZE,
    concurrency: 2,
    rate: ceiling,
  });
  const result = await runImport(settings);
  const after = sandbox.stats();
  const writes = after.requestLog
    .slice(logged)
    .filter((entry) => entry.method === 'POST' && entry.path.includes('/contacts'));
  const accepted = writes.filter((entry) => entry.status >= 200 && entry.status < 300).length;
  const spanSeconds = writes.length > 1 ? (writes[writes.length - 1]!.at - writes[0]!.at) / 1000 : 1;
  const throttled = after.throttled - before.throttled;
  const stored = sandbox.contacts('bench-pace').map((contact) => contact.mobile.number);
  const pace = result.api.pace;
  return {
    valid: result.counts.valid,
    failed: result.counts.failed,
    stored: stored.length,
    storedUnique: new Set(stored).size,
    writes: writes.length,
    throttled,
    throttledShare: Number((throttled / Math.max(1, writes.length)).toFixed(3)),
    retryAfterViolations: after.retryAfterViolations - before.retryAfterViolations,
    achieved: Number(((accepted - 1) / spanSeconds).toFixed(2)),
    seconds: Number((result.durationMs / 1000).toFixed(1)),
    paceStart: pace?.start ?? '',
    paceSettled: pace?.settled ?? '',
    paceNext: pace?.next ?? '',
  };
}

/** Issue 18's three measurements, each against a fresh sandbox. */
async function paceRuns(file: string, work: string): Promise<Measurement> {
  const statePath = path.join(work, 'pace-state.db');
  const limited = await startSandbox({ rate: PACE_LIMIT });
  const extra: Record<string, number | string> = {};
  try {
    for (const [prefix, run] of [
      ['first.', await paceImport(file, work, limited, PACE_CEILING, statePath)],
      ['next.', await paceImport(file, work, limited, PACE_CEILING, statePath)],
    ] as const) {
      for (const [key, value] of Object.entries(run)) extra[`${prefix}${key}`] = value;
    }
  } finally {
    await limited.close();
  }
  const generous = await startSandbox({ rate: PACE_CEILING * 3 });
  try {
    const run = await paceImport(file, work, generous, PACE_CEILING, path.join(work, 'pace-above.db'));
    for (const [key, value] of Object.entries(run)) extra[`above.${key}`] = value;
  } finally {
    await generous.close();
  }
  const rows = Number(extra['first.valid']);
  return { rows, seconds: 0, rowsPerSecond: 0, peakRssMb: peakRssMb(), extra };
}

async function child(kind: string, file: string, work: string, rate: number): Promise<void> {
  let result: Measurement;
  if (kind === 'ceiling') result = await ceiling(file);
  else if (kind === 'dry-run') result = await importRun(file, work, { dryRun: true });
  else if (kind === 'rerun') result = await rerun(file, work);
  else if (kind === 'csv-parse') result = await csvParseOnly(file);
  else if (kind.startsWith('import@')) {
    // A real import against a sandbox in another process (its memory is not this process's).
    result = await importRun(file, work, {
      dryRun: false,
      statePath: path.join(work, 'nightly-state.db'),
      apiUrl: kind.slice('import@'.length),
    });
  } else if (kind === 'serve-sandbox') {
    const sandbox = await startSandbox({});
    process.stdout.write(`${sandbox.url}\n`);
    await new Promise(() => undefined);
    return;
  } else if (kind === 'sandbox') {
    // The same state folder for the first run and the re-run: the second finds the sandbox's data file.
    result = await importRun(file, work, {
      dryRun: false,
      sandbox: true,
      statePath: path.join(work, 'sandbox-state', 'state.db'),
    });
  } else if (kind === 'pace') result = await paceRuns(file, work);
  else result = await rateRun(file, work, rate);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(kind: string, file: string, work: string, rate: number): Measurement {
  // The same V8 setting as bin/sakari-sync.js, so the figures are the CLI's.
  const out = spawnSync(
    process.execPath,
    [...CLI_V8_FLAGS, SELF, '--child', kind, file, work, String(rate)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (out.status !== 0) throw new Error(`bench ${kind} failed (${out.status}): ${out.stderr}`);
  const last = out.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

/** Copies a generated CSV with the first name of every 100th row changed: the nightly 1%. */
async function changeEveryHundredth(from: string, to: string): Promise<number> {
  const out = createWriteStream(to);
  let index = 0;
  let changed = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    let text = line;
    if (index > 0 && index % 100 === 0) {
      text = line.startsWith('"') ? `"Re${line.slice(1)}` : `Re${line}`;
      changed++;
    }
    index++;
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return changed;
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
  const only = new Set(flag('only', 'ceiling,csv-parse,dry-run,nightly,rate,xlsx,sandbox,pace').split(','));
  const repeat = Number(flag('repeat', '1'));
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat: expected a whole number >= 1, got ${repeat}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'sakari-bench-'));
  try {
    const big = path.join(work, `contacts-${rows}.csv`);
    const small = path.join(work, `contacts-${rows / 10}.csv`);
    const rateFile = path.join(work, 'contacts-rate.csv');
    const csvNeeded = ['ceiling', 'csv-parse', 'dry-run', 'rerun', 'nightly'].some((kind) => only.has(kind));
    if (csvNeeded) {
      await generateContactsCsv(big, rows);
      await generateContactsCsv(small, Math.round(rows / 10));
    }
    if (only.has('rate')) await generateContactsCsv(rateFile, rate * 5 * 12, 7); // about 12 s of traffic at batch size 5
    const fmt = (m: Measurement): string =>
      `${Math.round(m.rowsPerSecond).toLocaleString('en')} rows/s, ${m.rows.toLocaleString('en')} rows in ${m.seconds.toFixed(1)} s` +
      (m.runs
        ? ` (median of ${m.runs.count}: ${m.runs.fastest.toFixed(1)}–${m.runs.slowest.toFixed(1)} s), highest peak RSS ${m.peakRssMb} MB`
        : `, peak RSS ${m.peakRssMb} MB`);
    console.log(
      `sakari-sync benchmark · node ${process.version} · ${os.availableParallelism()} cores · ${os.cpus()[0]?.model ?? ''}`,
    );
    let ceilingResult: Measurement | undefined;
    if (only.has('ceiling')) {
      ceilingResult = median(repeat, () => runChild('ceiling', big, work, rate));
      console.log(`ceiling (csv-parse + libphonenumber, 1 thread): ${fmt(ceilingResult)}`);
    }
    const vsCeiling = (m: Measurement): string => {
      if (!ceilingResult) return '';
      const overall = `${(m.rowsPerSecond / ceilingResult.rowsPerSecond).toFixed(2)}x the ceiling`;
      if (!m.ratios) return overall;
      const sorted = [...m.ratios].sort((a, b) => a - b);
      const middle = middleOf(sorted);
      const range = sorted.length > 1 ? `, ${sorted.map((ratio) => ratio.toFixed(2)).join('/')}` : '';
      return `${overall} (${middle.toFixed(2)}x a ceiling run just before it${range})`;
    };
    // The re-runs and the dry run are each measured right after a ceiling run of their own.
    const ceilingBeside = ceilingResult ? () => runChild('ceiling', big, work, rate) : undefined;
    if (only.has('csv-parse')) {
      const reading = runChild('csv-parse', big, work, rate);
      console.log(`csv-parse alone (columns: true):               ${fmt(reading)}, ${vsCeiling(reading)}`);
    }
    let dry: Measurement | undefined;
    if (only.has('dry-run')) {
      dry = besideCeiling(repeat, () => runChild('dry-run', big, work, rate), ceilingBeside);
      const drySmall = runChild('dry-run', small, work, rate);
      console.log(`dry-run import:                                 ${fmt(dry)}`);
      console.log(
        `dry-run import (${drySmall.rows.toLocaleString('en')} rows):                ${fmt(drySmall)}`,
      );
      if (ceilingResult) console.log(`  throughput vs ceiling: ${vsCeiling(dry)} (target >= 1.4)`);
      console.log(
        `  peak RSS ${dry.peakRssMb} MB (target <= 200), ${(dry.peakRssMb / drySmall.peakRssMb).toFixed(2)}x the ${drySmall.rows.toLocaleString('en')}-row run`,
      );
    }
    if (only.has('nightly')) {
      // Issue 16: the nightly cron job. A sandbox in a process of its own, so each import's peak
      // RSS is the import's alone; one state file for the three runs.
      const server = spawn(process.execPath, [SELF, '--child', 'serve-sandbox', '-', work, '0'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
        const kind = `import@${line.trim()}`;
        const first = runChild(kind, big, work, rate);
        const unchanged = besideCeiling(repeat, () => runChild(kind, big, work, rate), ceilingBeside);
        const changedFile = path.join(work, `contacts-${rows}-1pct.csv`);
        const changed = await changeEveryHundredth(big, changedFile);
        // Each nightly changes 1% of the rows the state last saw: the changed file, then the
        // original again (the same rows changed back), and so on.
        const nightly = besideCeiling(
          repeat,
          (index) => runChild(kind, index % 2 === 0 ? changedFile : big, work, rate),
          ceilingBeside,
        );
        const e = (m: Measurement, key: string): number => Number(m.extra?.[key] ?? 0);
        console.log(
          `first import (sandbox in another process):      ${fmt(first)}, peak RSS target <= 200 MB`,
        );
        console.log(
          `unchanged re-run:                               ${fmt(unchanged)}, ${vsCeiling(unchanged)} (target >= 3), ` +
            `${e(unchanged, 'requests')} requests (target 0), ${e(unchanged, 'recalled').toLocaleString('en')} rows recalled (${e(unchanged, 'recalledUnparsed').toLocaleString('en')} never parsed) and ${e(unchanged, 'recalledRejections').toLocaleString('en')} rejections (${e(unchanged, 'recalledInPlace').toLocaleString('en')} found in place), peak RSS target <= 200 MB`,
        );
        console.log(
          `nightly re-run, 1% of rows changed (${changed.toLocaleString('en')}): ${fmt(nightly)}, ${vsCeiling(nightly)} (target >= 3), ` +
            `${e(nightly, 'updated') + e(nightly, 'created')} rows sent (the changed valid rows), ${e(nightly, 'recalled').toLocaleString('en')} recalled (${e(nightly, 'recalledUnparsed').toLocaleString('en')} never parsed) and ${e(nightly, 'recalledRejections').toLocaleString('en')} rejections (${e(nightly, 'recalledInPlace').toLocaleString('en')} found in place), peak RSS target <= 200 MB`,
        );
      } finally {
        server.kill();
      }
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
    if (only.has('pace')) {
      const paceFile = path.join(work, 'contacts-pace.csv');
      await generateContactsCsv(paceFile, PACE_ROWS, 18);
      const e = runChild('pace', paceFile, work, rate).extra ?? {};
      const run = (prefix: string, limit: number): string =>
        `${e[`${prefix}writes`]} writes, ${e[`${prefix}throttled`]} × 429 = ${(Number(e[`${prefix}throttledShare`]) * 100).toFixed(1)}%, ` +
        `${e[`${prefix}retryAfterViolations`]} Retry-After violations, achieved ${e[`${prefix}achieved`]}/s = ` +
        `${(Number(e[`${prefix}achieved`]) / limit).toFixed(3)}x, pace ${e[`${prefix}paceStart`]} → settled ${e[`${prefix}paceSettled`]} → next ${e[`${prefix}paceNext`]}, ` +
        `${e[`${prefix}stored`]} stored (${e[`${prefix}storedUnique`]} unique) of ${e[`${prefix}valid`]} valid, ${e[`${prefix}seconds`]} s`;
      console.log(
        `adaptive pace, sandbox limit ${PACE_LIMIT}/s, --rate ${PACE_CEILING}, batches of ${PACE_BATCH_SIZE}:`,
      );
      console.log(`  first run: ${run('first.', PACE_LIMIT)} (targets: 429s <= 5%, 0 violations, >= 0.85x)`);
      console.log(`  next run:  ${run('next.', PACE_LIMIT)} (target: <= 2 429s)`);
      console.log(
        `  limit ${PACE_CEILING * 3}/s above --rate ${PACE_CEILING}: ${run('above.', PACE_CEILING)} (target >= 0.95x of --rate)`,
      );
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
